"""For each role, exactly its scope: what ``restrict`` returns for every scoped model, for every demo login.

The expected rows are worked out here from the demo city's structure, in Python over plain values, not with
the lookups ``wenming.common.access`` uses:

- the command centre, administrators and the city-wide inspector see the whole city;
- an area role (district leader, grid worker) sees what lies in its area;
- a unit role sees what is tied to its unit or the unit's sub-units; when the unit governs an area (a
  district branch, a street office) it also sees that area's geography (areas, responsibility grids), but not
  the sites, facilities or people other units have there;
- grid workers and inspectors do not browse people or role assignments; inspectors do not read routing
  rules; reference data is there for every role; only administrators change anything.

``expected_ids`` is shared with the admin and page tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser

from wenming.campaign.models import Action, Campaign
from wenming.cases.models import Category, Facility, RoutingRule, TimeLimit
from wenming.common.access import CHANGE, RULES, VIEW, can, restrict, scope_for
from wenming.common.models import AuditEvent, CalendarDay
from wenming.org.models import (
    Area,
    Person,
    ResponsibilityGrid,
    RoadChief,
    RoadSegment,
    RoleAssignment,
    Site,
    SiteType,
    StorefrontDuty,
    Unit,
)

pytestmark = pytest.mark.django_db

CITY = "/131100/"
TAOCHENG = "/131100/131102/"
LOGINS = ["admin", "shouli", "zhiban", "paiqian", "chengguan", "chengguan_lead", "gongdian", "jiedao", "taocheng", "wangge",
          "anfang"]
NON_ADMIN = [u for u in LOGINS if u != "admin"]
SCOPED_MODELS = [Area, Unit, Person, Site, RoadSegment, RoadChief, StorefrontDuty, Facility, RoleAssignment, ResponsibilityGrid]
REFERENCE_MODELS = [SiteType, Category, TimeLimit, Campaign, Action, CalendarDay]


# -- the expectation, independent of wenming.common.access ------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    whole_city: bool = False
    areas: tuple[str, ...] = ()  # area paths whose contents the login sees (its area roles)
    units: tuple[str, ...] = ()  # unit paths whose rows the login sees (its unit and sub-units)
    jurisdiction: tuple[str, ...] = ()  # area paths its units govern: their geography only
    people: bool = True  # may browse people and role assignments
    rules: bool = True  # may read routing rules


def first_street() -> Area:
    return Area.objects.filter(parent__code="131102", level="street").order_by("code").first()


def first_community() -> Area:
    return Area.objects.filter(parent=first_street(), level="community").order_by("code").first()


def unit_path(code: str) -> str:
    return Unit.objects.get(code=code).path


def expectation(username: str) -> Expect:
    if username in {"admin", "shouli", "zhiban", "paiqian"}:
        return Expect(whole_city=True)
    if username == "anfang":
        return Expect(whole_city=True, people=False, rules=False)
    if username == "taocheng":
        return Expect(areas=(TAOCHENG,))
    if username in {"chengguan", "chengguan_lead"}:
        return Expect(units=(unit_path("CGJ-131102"),), jurisdiction=(TAOCHENG,))
    if username == "gongdian":
        return Expect(units=("/POWER/",))
    if username == "jiedao":
        street = first_street()
        office = Unit.objects.get(area=street, kind="government")
        return Expect(units=(office.path,), jurisdiction=(street.path,))
    if username == "wangge":
        return Expect(areas=(first_community().path,), people=False)
    raise AssertionError(username)


def _rows(model) -> dict[int, tuple[list, list]]:
    """Each row's (area paths, unit paths): where the row lies and which units it is tied to."""

    def table(fields_area, fields_unit):
        rows: dict[int, tuple[list, list]] = {}
        for values in model.objects.values_list("id", *fields_area, *fields_unit):
            areas, units = rows.setdefault(values[0], ([], []))
            areas.extend(values[1:1 + len(fields_area)])
            units.extend(values[1 + len(fields_area):])
        return rows

    if model is Area:
        return table(["path"], [])
    if model is Unit:
        return table(["area__path"], ["path"])
    if model is Person:
        # A person lies where their role areas and their unit's jurisdiction are, and belongs to their unit.
        return table(["roles__area__path", "unit__area__path"], ["unit__path"])
    if model is RoleAssignment:
        return table(["area__path", "unit__area__path"], ["unit__path"])
    if model is Site:  # a unit's sites: those it answers for (包保) and the facilities it runs (运营单位)
        return table(["area__path"], ["guarantor_unit__path", "operator_unit__path"])
    if model is RoadSegment:
        return table(["area__path"], ["chiefs__unit__path"])
    if model is RoadChief:
        return table(["segment__area__path"], ["unit__path"])
    if model is StorefrontDuty:
        return table(["area__path", "supervising_unit__area__path"], ["supervising_unit__path"])
    if model is Facility:
        return table(["area__path", "owner_unit__area__path", "maintainer_unit__area__path"],
                     ["owner_unit__path", "maintainer_unit__path"])
    if model is ResponsibilityGrid:
        return table(["community__path"], [])
    raise AssertionError(model)


def _under(paths, prefixes) -> bool:
    return any(p is not None and p.startswith(prefix) for p in paths for prefix in prefixes)


def expected_ids(username: str | None, model) -> set[int]:
    """The ids of ``model`` the login should see (None: an anonymous visitor or a person without a role)."""
    if username is None:
        return set()
    expect = expectation(username)
    everything = set(model.objects.values_list("id", flat=True))
    if model in (Person, RoleAssignment) and not expect.people:
        return set()
    if model is RoutingRule:
        return everything if expect.rules else set()
    if model is AuditEvent:
        return everything if username == "admin" else set()
    if model in REFERENCE_MODELS or expect.whole_city:
        return everything
    area_paths = expect.areas + (expect.jurisdiction if model in (Area, ResponsibilityGrid) else ())
    return {pk for pk, (areas, units) in _rows(model).items() if _under(areas, area_paths) or _under(units, expect.units)}


def person(username: str) -> Person:
    return Person.objects.get(username=username)


def ids(qs) -> set[int]:
    return set(qs.values_list("id", flat=True))


# -- restrict() -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", LOGINS)
def test_each_login_sees_exactly_its_scope(username):
    user = person(username)
    for model in SCOPED_MODELS + REFERENCE_MODELS + [RoutingRule, AuditEvent]:
        seen = restrict(model.objects.all(), user)
        assert ids(seen) == expected_ids(username, model), model.__name__
        assert seen.count() == len(ids(seen)), f"{model.__name__}: rows repeat"


def test_the_scopes_are_not_trivial():
    """Guards the test above: each login's scope is a real part of the city, neither empty nor everything.

    The demo's facilities carry no area of their own, so only units that own or maintain some see any.
    """
    empty = {("gongdian", "Area"), ("gongdian", "Site"), ("wangge", "Unit"), ("wangge", "Facility"), ("jiedao", "Facility")}
    for username in ("chengguan", "gongdian", "jiedao", "taocheng", "wangge"):
        for model in (Area, Site, Facility, Unit):
            seen, total = expected_ids(username, model), set(model.objects.values_list("id", flat=True))
            if (username, model.__name__) in empty:
                assert not seen, (username, model.__name__)
            else:
                assert seen and seen < total, (username, model.__name__)


def test_district_leader_sees_the_district():
    user = person("taocheng")
    assert ids(restrict(Area.objects.all(), user)) == {a.id for a in Area.objects.all() if a.path.startswith(TAOCHENG)}
    sites = {s.id for s in Site.objects.select_related("area") if s.area and s.area.path.startswith(TAOCHENG)}
    assert ids(restrict(Site.objects.all(), user)) == sites
    units = {u.id for u in Unit.objects.select_related("area") if u.area and u.area.path.startswith(TAOCHENG)}
    assert ids(restrict(Unit.objects.all(), user)) == units
    assert {u.code for u in Unit.objects.filter(id__in=units)} >= {"GOV-131102", "CGJ-131102", "JJZD-131102"}
    outside = Site.objects.exclude(area__path__startswith=TAOCHENG).order_by("code").first()
    assert not restrict(Site.objects.filter(pk=outside.pk), user).exists()


def test_urban_management_branch_sees_its_unit_its_sites_and_facilities_and_its_district_map():
    user = person("chengguan")
    cgj = Unit.objects.get(code="CGJ-131102")
    assert ids(restrict(Unit.objects.all(), user)) == {u.id for u in Unit.objects.all() if u.path.startswith(cgj.path)}
    guarded = {s.id for s in Site.objects.all() if cgj.id in (s.guarantor_unit_id, s.operator_unit_id)}
    assert guarded and ids(restrict(Site.objects.all(), user)) == guarded
    own = {f.id for f in Facility.objects.all() if cgj.id in (f.owner_unit_id, f.maintainer_unit_id)}
    assert own and ids(restrict(Facility.objects.all(), user)) == own
    assert ids(restrict(Area.objects.all(), user)) == {a.id for a in Area.objects.all() if a.path.startswith(TAOCHENG)}
    # Not the other units of its district, nor what they are responsible for.
    assert not restrict(Unit.objects.filter(code__in=["JJZD-131102", "GOV-131102", "CGJ"]), user).exists()
    assert not restrict(Site.objects.filter(guarantor_unit__code="SCJG-131102"), user).exists()
    assert ids(restrict(Person.objects.all(), user)) == {p.id for p in Person.objects.all() if p.unit_id == cgj.id}


def test_power_company_sees_only_what_is_tied_to_it():
    user = person("gongdian")
    power = Unit.objects.get(code="POWER")
    assert ids(restrict(Unit.objects.all(), user)) == {power.id}
    assert ids(restrict(Facility.objects.all(), user)) == {
        f.id for f in Facility.objects.all() if power.id in (f.owner_unit_id, f.maintainer_unit_id)}
    assert not restrict(Area.objects.all(), user).exists()
    assert not restrict(Site.objects.all(), user).exists()
    assert ids(restrict(Person.objects.all(), user)) == {p.id for p in Person.objects.all() if p.unit_id == power.id}


def test_street_office_and_grid_worker():
    street = first_street()
    office = Unit.objects.get(area=street, kind="government")
    user = person("jiedao")
    assert ids(restrict(StorefrontDuty.objects.all(), user)) == {
        d.id for d in StorefrontDuty.objects.all() if d.supervising_unit_id == office.id}
    assert ids(restrict(Site.objects.all(), user)) == {
        s.id for s in Site.objects.all() if office.id in (s.guarantor_unit_id, s.operator_unit_id)}
    assert ids(restrict(Area.objects.all(), user)) == {a.id for a in Area.objects.all() if a.path.startswith(street.path)}
    assert ids(restrict(ResponsibilityGrid.objects.all(), user)) == {
        g.id for g in ResponsibilityGrid.objects.select_related("community") if g.community.path.startswith(street.path)}
    community = first_community()
    wangge = person("wangge")
    assert ids(restrict(Area.objects.all(), wangge)) == {a.id for a in Area.objects.all() if a.path.startswith(community.path)}
    assert ids(restrict(ResponsibilityGrid.objects.all(), wangge)) == {
        g.id for g in ResponsibilityGrid.objects.all() if g.community_id == community.id}
    assert not restrict(Person.objects.all(), wangge).exists()  # grid workers do not browse the staff list


def test_inspector_sees_every_place_but_no_people_or_rules():
    user = person("anfang")
    for model in (Area, Unit, Site, RoadSegment, StorefrontDuty, Facility):
        assert restrict(model.objects.all(), user).count() == model.objects.count(), model.__name__
    for model in (Person, RoleAssignment, RoutingRule, AuditEvent):
        assert not restrict(model.objects.all(), user).exists(), model.__name__


def test_anonymous_a_person_without_a_role_and_an_inactive_person_see_nothing(django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x")
    retired = person("taocheng")
    retired.is_active = False
    retired.save()
    for user in (AnonymousUser(), nobody, retired):
        assert not scope_for(user).is_staff
        for model in SCOPED_MODELS + REFERENCE_MODELS + [RoutingRule, AuditEvent]:
            assert not restrict(model.objects.all(), user).exists(), (user, model.__name__)
            assert not can(user, model, VIEW)


def test_reference_data_is_visible_to_every_role():
    for username in LOGINS:
        for model in REFERENCE_MODELS:
            assert restrict(model.objects.all(), person(username)).count() == model.objects.count(), (username, model)


def test_only_administrators_change_anything():
    for model in SCOPED_MODELS + REFERENCE_MODELS + [RoutingRule]:
        assert can(person("admin"), model, CHANGE)
        assert restrict(model.objects.all(), person("admin"), CHANGE).count() == model.objects.count()
        for username in NON_ADMIN:
            assert not can(person(username), model, CHANGE), (username, model.__name__)
            assert not restrict(model.objects.all(), person(username), CHANGE).exists()


def test_superuser_sees_and_changes_everything(django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x")
    for model in SCOPED_MODELS + [AuditEvent]:
        assert restrict(model.objects.all(), root).count() == model.objects.count()
    assert can(root, Site, CHANGE)


def test_every_admin_model_has_an_access_rule():
    from django.contrib import admin

    for model in admin.site._registry:
        if model._meta.app_label in {"org", "cases", "campaign", "common"}:
            assert model._meta.label_lower in RULES, model._meta.label_lower


def test_a_unit_role_and_an_area_role_add_up():
    """Someone who is both a district branch handler and a street's grid worker sees the union of both."""
    user = person("gongdian")
    RoleAssignment.objects.create(person=user, role="grid_worker", area=first_community())
    user = person("gongdian")  # scope is cached per user object
    assert ids(restrict(Site.objects.all(), user)) == {
        s.id for s in Site.objects.select_related("area") if s.area.path.startswith(first_community().path)}
    assert Unit.objects.get(code="POWER").id in ids(restrict(Unit.objects.all(), user))


# -- Rule.limits: rows only some roles see ------------------------------------------------------------------------

SEES_SCORES = {"admin", "shouli", "zhiban", "paiqian", "chengguan", "chengguan_lead", "gongdian", "jiedao", "taocheng"}
SEES_INSPECTOR_RANKING = {"admin", "shouli", "zhiban", "paiqian"}


@pytest.mark.parametrize("username", LOGINS)
def test_the_inspectors_ranking_is_the_command_centres(username, django_user_model):
    """Rankings are every score reader's; the inspectors' (it names undercover inspectors and grid workers), its
    corrections and its red/black lists are the command centre's and administrators' only (issue 12)."""
    import datetime as dt

    from django.utils import timezone

    from wenming.scoring.models import IndexVersion, RedBlackList, ScoreCorrection, ScoreSnapshot

    made = {}
    for subject in ("unit", "inspector"):
        snapshot = ScoreSnapshot.objects.create(
            subject=subject, period="week", start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 9),
            index_version=IndexVersion.objects.filter(subject=subject).first(), computed_at=timezone.now())
        made[subject] = (snapshot, ScoreCorrection.objects.create(snapshot=snapshot, computed_at=timezone.now()),
                         RedBlackList.objects.create(snapshot=snapshot))
    user = person(username)
    for index, model in enumerate((ScoreSnapshot, ScoreCorrection, RedBlackList)):
        expected = set()
        if username in SEES_SCORES:
            expected.add(made["unit"][index].pk)
        if username in SEES_INSPECTOR_RANKING:
            expected.add(made["inspector"][index].pk)
        assert ids(restrict(model.objects.all(), user)) == expected, model.__name__
        changed = {made[s][index].pk for s in made} if username == "admin" else set()
        assert ids(restrict(model.objects.all(), user, CHANGE)) == changed, model.__name__
    root = django_user_model.objects.create_superuser("root", password="x")
    assert ids(restrict(ScoreSnapshot.objects.all(), root)) == {made[s][0].pk for s in made}
