"""Planning a round: a stratified sample reproducible from its seed, balanced assignments; unannounced until the
findings are released (404 to units and districts before)."""

import datetime as dt
from collections import Counter

import pytest
from django.urls import reverse

from wenming.common.errors import NotAllowed, WorkflowError
from wenming.inspections.models import Round, RoundState
from wenming.inspections.services import rounds as rs
from wenming.org.models import Area, AreaLevel, Site

pytestmark = pytest.mark.django_db


@pytest.fixture
def whole_city(schemes):
    districts = list(Area.objects.filter(level=AreaLevel.COUNTY))
    sites = list(rs.population(districts=districts, units=[], site_type_ids=[s.site_type_id for s in schemes.values()]))
    assert len(sites) > 10
    return districts, sites


def test_the_same_seed_draws_the_same_sample_and_another_seed_another(whole_city):
    _districts, sites = whole_city
    first = rs.sample_draw(sites=sites, seed=42, default_size=1, sizes={})
    again = rs.sample_draw(sites=list(reversed(sites)), seed=42, default_size=1, sizes={})  # order does not matter
    assert first == again
    others = [rs.sample_draw(sites=sites, seed=seed, default_size=1, sizes={}) for seed in range(43, 53)]
    assert any(o != first for o in others)


def test_the_sample_is_stratified_by_district_and_site_type(whole_city):
    _districts, sites = whole_city
    strata = {}
    for site in sites:
        strata.setdefault((rs.district_code(site.area.path), site.site_type.code), set()).add(site.code)
    first_key = sorted(strata)[0]
    drawn = rs.sample_draw(sites=sites, seed=7, default_size=2, sizes={f"{first_key[0]}:{first_key[1]}": 1})
    assert {(s.district, s.site_type) for s in drawn} == set(strata)  # every stratum, no other
    for stratum in drawn:
        members = strata[(stratum.district, stratum.site_type)]
        assert stratum.population == len(members)
        wanted = 1 if (stratum.district, stratum.site_type) == first_key else 2
        assert stratum.size == min(wanted, len(members)) == len(stratum.sites)
        assert set(stratum.sites) <= members  # drawn from its own stratum only


def test_a_stratum_does_not_move_when_another_changes(whole_city):
    _districts, sites = whole_city
    a = rs.sample_draw(sites=sites, seed=9, default_size=1, sizes={})
    key = a[0].key
    b = rs.sample_draw(sites=sites, seed=9, default_size=1, sizes={key: 0})
    assert b[0].size == 0 and a[1:] == b[1:]


def test_assignments_are_balanced_per_inspector_per_day():
    codes = [f"S{i:03d}" for i in range(23)]
    days = [dt.date(2026, 3, d) for d in (2, 3, 4)]
    deal = rs.assignments_balance(site_codes=codes, inspectors=[1, 2], days=days)
    assert sorted(c for c, _p, _d in deal) == codes
    per_slot = Counter((p, d) for _c, p, d in deal)
    assert len(per_slot) == 6 and max(per_slot.values()) - min(per_slot.values()) <= 1


def test_planning_draws_deals_and_logs(demo_round, people):
    strata = demo_round.method["strata"]
    assert demo_round.assignments.count() == sum(s["size"] for s in strata) > 0
    assert set(demo_round.assignments.values_list("assignee__username", flat=True)) == {"anfang"}
    for a in demo_round.assignments.select_related("site__area", "district"):
        assert a.site.area.path.startswith(a.district.path) and a.scheme.site_type_id == a.site.site_type_id
    assert demo_round.events.get().data["seed"] == demo_round.seed
    # Replanning with the same seed over the same scope draws the same sites.
    again = rs.round_plan(actor=people["zhiban"], code="AGAIN", name="again", starts_on=demo_round.starts_on,
                          ends_on=demo_round.ends_on, firm_name="f", inspectors=[people["anfang"]],
                          schemes=list(demo_round.schemes.all()), seed=demo_round.seed,
                          districts=list(demo_round.districts.all()), default_sample_size=2)
    assert (set(again.assignments.values_list("site_id", flat=True))
            == set(demo_round.assignments.values_list("site_id", flat=True)))


def test_planning_refuses_what_is_wrong(schemes, people):
    county = Area.objects.filter(level=AreaLevel.COUNTY).first()
    street = Area.objects.filter(level=AreaLevel.STREET).first()
    base = {"actor": people["zhiban"], "code": "R9", "name": "r", "starts_on": dt.date(2026, 3, 2),
                "ends_on": dt.date(2026, 3, 3), "firm_name": "f", "inspectors": [people["anfang"]],
                "schemes": list(schemes.values()), "seed": 1, "districts": [county]}
    with pytest.raises(NotAllowed):
        rs.round_plan(**{**base, "actor": people["chengguan"]})
    for change in ({"districts": [street]}, {"districts": []}, {"inspectors": [people["chengguan"]]},
                   {"ends_on": dt.date(2026, 3, 1)}, {"seed": -1}, {"default_sample_size": 0},
                   {"schemes": [schemes["market"], schemes["market"]]}):
        with pytest.raises(WorkflowError):
            rs.round_plan(**{**base, **change})
    assert not Round.objects.filter(code="R9").exists()


def test_a_planned_round_is_unannounced_until_released(client, demo_round, people):
    url = reverse("inspections:round", args=[demo_round.pk])
    for username in ("chengguan", "chengguan_lead", "taocheng", "jiedao", "gongdian", "anfang", "wangge"):
        client.force_login(people[username])
        assert client.get(url).status_code == 404, username
        listing = client.get(reverse("inspections:rounds"))
        assert listing.status_code in {200, 404} and demo_round.code not in listing.content.decode(), username
    for username in ("zhiban", "shouli", "ceping", "admin"):
        client.force_login(people[username])
        page = client.get(url).content.decode()
        assert demo_round.code in page and str(demo_round.seed) in page and 'id="strata"' in page, username
    rs.round_release(round_id=demo_round.pk, actor=people["ceping"], expected_version=demo_round.version)
    demo_round.refresh_from_db()
    assert demo_round.state == RoundState.RELEASED and demo_round.events.filter(action="released").exists()
    for username in ("chengguan", "taocheng", "gongdian"):
        client.force_login(people[username])
        page = client.get(url).content.decode()
        assert 'id="district-scores"' in page and 'id="workload"' not in page, username
        assert str(people["anfang"]) not in page
    client.force_login(people["anfang"])
    assert client.get(url).status_code == 404  # inspectors read their days, not rounds


def test_release_is_the_planners_and_refuses_a_stale_page(client, demo_round, people):
    with pytest.raises(rs.RoundNotFound):
        rs.round_release(round_id=demo_round.pk, actor=people["taocheng"])
    with pytest.raises(rs.StaleRound):
        rs.round_release(round_id=demo_round.pk, actor=people["zhiban"], expected_version=demo_round.version - 1)
    client.force_login(people["zhiban"])
    response = client.post(reverse("inspections:release", args=[demo_round.pk]), {"version": demo_round.version})
    assert response.status_code == 302
    demo_round.refresh_from_db()
    assert demo_round.state == RoundState.RELEASED
    with pytest.raises(WorkflowError):
        rs.round_release(round_id=demo_round.pk, actor=people["zhiban"])


def test_the_plan_page_draws_a_round(client, schemes, people):
    county = Area.objects.get(code="131102")
    client.force_login(people["ceping"])
    page = client.get(reverse("inspections:plan")).content.decode()
    assert str(people["anfang"]) not in page  # the evaluation office knows the inspectors by number
    response = client.post(reverse("inspections:plan"), {
        "code": "R-PAGE", "name": "页面批次", "starts_on": "2026-03-02", "ends_on": "2026-03-04", "firm_name": "某公司",
        "districts": [county.pk], "inspectors": [people["anfang"].pk], "schemes": [s.pk for s in schemes.values()],
        "seed": "123", "default_sample_size": "1", "sample_sizes": "131102:alley=2"})
    assert response.status_code == 302
    round_ = Round.objects.get(code="R-PAGE")
    alley = next(s for s in round_.method["strata"] if s["site_type"] == "alley")
    assert alley["size"] == min(2, alley["population"])
    bad = client.post(reverse("inspections:plan"), {"code": "R-BAD", "sample_sizes": "nonsense"})
    assert bad.status_code == 400 and not Round.objects.filter(code="R-BAD").exists()
    assert Site.objects.exists()
