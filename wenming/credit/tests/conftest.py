import datetime as dt

import pytest

from wenming.common.credit_code import credit_code_complete
from wenming.common.roles import Role
from wenming.credit.models import CreditSource, JointMeasure, RecordKind
from wenming.org.models import Person, RoleAssignment, Unit

TODAY = dt.date(2026, 12, 6)
ACME = credit_code_complete("91131100MA0000001")  # an enterprise
SHOP = credit_code_complete("92131102MA0000002")  # an individual business
SCHOOL = credit_code_complete("12131100MB0000003")  # a public institution
HEADER = ["记录编号", "记录类型", "统一社会信用代码", "主体名称", "证件号码", "决定机关", "决定日期", "失信原因",
          "有效期至", "联系电话"]


@pytest.fixture(autouse=True)
def _english(media_and_english, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def market(db):
    """市场监管局's source: sends every kind."""
    return CreditSource.objects.create(code="scjg", name="市场监管局信用信息", owner_unit=Unit.objects.get(code="SCJG"),
                                       kinds=list(RecordKind.values))


@pytest.fixture
def transport(db):
    return CreditSource.objects.create(code="jtj", name="交通运输局信用信息", owner_unit=Unit.objects.get(code="JTJ"),
                                       kinds=[RecordKind.PENALTY, RecordKind.HONOUR])


def _person(username: str, unit_code: str, role=Role.UNIT_HANDLER) -> Person:
    person = Person.objects.create_user(username=username, password="x", is_staff=True)
    RoleAssignment.objects.create(person=person, role=role, unit=Unit.objects.get(code=unit_code))
    return person


@pytest.fixture
def market_staff(db):
    """A handler of the market supervision bureau (市场监管局), the department that keeps its source."""
    return _person("scjg_staff", "SCJG")


@pytest.fixture
def transport_staff(db):
    return _person("jtj_staff", "JTJ")


@pytest.fixture
def measure(db):
    """The civilisation office (文明办) keeps 失信 subjects out of integrity titles."""
    return JointMeasure.objects.create(kind=RecordKind.DISHONEST, unit=Unit.objects.get(code="WMB"),
                                       measure="不得参评诚信类评选")


@pytest.fixture
def wmb_staff(db):
    return _person("wmb_staff", "WMB")


def write_csv(path, header, rows):
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def rows_sample():
    return [
        ["SC-001", "失信", ACME, "衡水某某贸易有限公司", "", "衡水市市场监督管理局", "2026-03-01", "提供虚假材料", "2029-03-01", "0318-1"],
        ["SC-002", "行政处罚", SHOP, "桃城区某某小吃店", "", "衡水市市场监督管理局", "2026/6/1", "占道经营", "", ""],
        ["SC-003", "红名单", SCHOOL, "衡水市某某学校", "", "衡水市市场监督管理局", "20260101", "守信示范", "", ""],
        ["SC-004", "失信", "", "张某某", "131102199001011234", "衡水市中级人民法院", "2026-02-01", "拒不履行", "", ""],
    ]
