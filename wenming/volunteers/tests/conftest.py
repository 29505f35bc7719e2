import datetime as dt

import pytest
from django.utils import timezone

from wenming.common.roles import Role
from wenming.org.models import Area, AreaLevel, Person, RoleAssignment
from wenming.volunteers.models import Activity, HostKind, Organisation, Project, Theme, Volunteer
from wenming.volunteers.services.registration import ID_CHECK, ID_WEIGHTS, volunteer_register

CHILD_BIRTH = dt.date(2014, 5, 1)


def id_with_check(first17: str) -> str:
    return first17 + ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


# A valid resident ID number (its check character computed) of a person born 1990-03-07.
ADULT_ID = id_with_check("11010119900307123")


@pytest.fixture(autouse=True)
def _setup(public_setup, media_and_english, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def county(db):
    return Area.objects.get(code="131102")


@pytest.fixture
def organiser(county):
    """taocheng: the area leader of 桃城区, where the organisation lies."""
    return Person.objects.get(username="taocheng")


@pytest.fixture
def outsider(db):
    other = Area.objects.filter(level=AreaLevel.COUNTY).exclude(code="131102").order_by("code").first()
    person = Person.objects.create_user(username="vol_other", password="x", is_staff=True)
    RoleAssignment.objects.create(person=person, role=Role.AREA_LEADER, area=other)
    return person


@pytest.fixture
def organisation(county):
    return Organisation.objects.create(name="桃城区新时代文明实践中心志愿服务队", host_kind=HostKind.PRACTICE_CENTRE,
                                       area=county, area_path=county.path, requires_real_name=True)


@pytest.fixture
def project(organisation):
    return Project.objects.create(organisation=organisation, name="文明交通劝导", theme=Theme.TRAFFIC)


@pytest.fixture
def place(county):
    return (county.lng or 115.69, county.lat or 37.74)


def make_activity(project, place, *, starts=None, hours=2, slots=10, min_age=0, radius=200) -> Activity:
    starts = starts or timezone.now() - dt.timedelta(minutes=10)
    org = project.organisation
    return Activity.objects.create(project=project, organisation=org, theme=project.theme, title="路口文明劝导",
                                   place="人民路与育才街路口", lng=place[0], lat=place[1], radius_m=radius,
                                   area=org.area, area_path=org.area_path, starts_at=starts,
                                   ends_at=starts + dt.timedelta(hours=hours), slots=slots, min_age=min_age)


@pytest.fixture
def activity(project, place):
    return make_activity(project, place)


@pytest.fixture
def volunteer(organisation) -> Volunteer:
    return volunteer_register(phone="13912345678", name="张志愿", birth_date=dt.date(1990, 3, 7),
                              organisation_id=organisation.pk, id_number=ADULT_ID)
