import datetime as dt

import pytest

from wenming.cases.models import Category
from wenming.common.roles import Role
from wenming.org.models import Area, AreaLevel, Person, RoleAssignment, Unit
from wenming.registries.models import Registry, RegistryKind

AS_OF = dt.date(2026, 6, 30)


@pytest.fixture(autouse=True)
def _english(media_and_english, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def street(db):
    """A hand-made street with two communities, A and B, under the first county of the demo city."""
    county = Area.objects.filter(level=AreaLevel.COUNTY).order_by("code").first()
    street = Area.objects.create(code="T90", name="测试街道", level=AreaLevel.STREET, parent=county)
    Area.objects.create(code="T90A", name="甲社区", level=AreaLevel.COMMUNITY, parent=street)
    Area.objects.create(code="T90B", name="乙社区", level=AreaLevel.COMMUNITY, parent=street)
    return street


@pytest.fixture
def ebikes(db):
    registry = Registry.objects.create(code="ebike", kind=RegistryKind.EBIKE, name="电动自行车备案",
                                       owner_unit=Unit.objects.get(code="JJZD"))
    registry.categories.set(Category.objects.filter(code="SJ0407"))
    return registry


@pytest.fixture
def dogs(db):
    registry = Registry.objects.create(code="dog", kind=RegistryKind.DOG, name="养犬登记",
                                       owner_unit=Unit.objects.get(code="GAJ"))
    registry.categories.set(Category.objects.filter(code__in=["SJ0601", "SJ0602"]))
    return registry


@pytest.fixture
def traffic_police(db):
    """A handler of the traffic police (交警支队), the department that keeps the e-bike register."""
    person = Person.objects.create_user(username="jiaojing", password="x", is_staff=True)
    RoleAssignment.objects.create(person=person, role=Role.UNIT_HANDLER, unit=Unit.objects.get(code="JJZD"))
    return person


def write_csv(path, header, rows):
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path
