"""Hotline intake (创城热线): operators only, a site found by name, the category typed as a code or a name,
duplicate hints before taking a call in, and immediate registration and dispatch to the routed unit; the service
``hotline_take_in`` on its own (all or nothing)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wenming.cases.models import Case, CaseEvent, CaseState, Category
from wenming.cases.services import workflow as wf
from wenming.cases.services.errors import WorkflowError
from wenming.org.models import Unit
from wenming.org.tests.factories import SiteFactory, point
from wenming.public.services.hotline import hotline_take_in

from .conftest import UNIT_CODE

pytestmark = pytest.mark.django_db
S = CaseState
URL = "/cases/hotline/"


@pytest.fixture
def site(grid):
    return SiteFactory(name="人民路农贸市场", code="TSHOT01", area=grid, address="人民路18号",
                       geometry=point(grid.lng, grid.lat))


def call(**extra):
    data = {"reporter_phone": "13811112222", "reporter_name": "", "category": "SJ0401", "site": "",
            "address": "", "description": "市场门口占道经营", "urgency": "normal", "lat": "", "lng": "", "crs": "wgs84",
            "then": ""}
    data.update(extra)
    return data


def test_only_operators_get_the_page_and_it_is_keyboard_ready(english, people):
    assert reverse("public:hotline") == URL
    for username in ["chengguan", "anfang", "wangge"]:
        english.force_login(people[username])
        assert english.get(URL).status_code == 404
    english.force_login(people["shouli"])
    html = english.get(URL).content.decode()
    assert "autofocus" in html and 'list="category-list"' in html and '<option value="SJ0401 占道经营">' in html
    assert html.index('name="reporter_phone"') < html.index('name="category"') < html.index('name="site"')
    assert 'value="dispatch"' not in html and 'value="register"' in html  # intake registers; dispatching is not theirs
    english.force_login(people["zhiban"])
    assert 'value="dispatch"' in english.get(URL).content.decode()


def test_site_search_lists_sites_in_scope_by_name_or_code(english, people, site):
    english.force_login(people["shouli"])
    found = english.get(URL, {"sites": "农贸"}).json()["sites"]
    assert {"value": "TSHOT01 人民路农贸市场", "address": "人民路18号"} in found
    assert english.get(URL, {"sites": "TSHOT"}).json()["sites"][0]["value"] == "TSHOT01 人民路农贸市场"
    assert english.get(URL, {"sites": "没有这个点位"}).json()["sites"] == []


def test_hotline_call_registered_and_dispatched_at_once(english, people, site):
    zhiban = people["zhiban"]
    english.force_login(zhiban)
    response = english.post(URL, call(category="占道经营", site="TSHOT01 人民路农贸市场", then="dispatch"))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    case = Case.objects.get(channel="hotline", description="市场门口占道经营")
    assert case.state == S.DISPATCHED and case.unit == Unit.objects.get(code=UNIT_CODE)
    assert case.site == site and case.reporter_phone == "13811112222" and case.address == "人民路18号"
    assert list(case.events.order_by("seq").values_list("action", "actor")) == [
        ("report", zhiban.pk), ("register", zhiban.pk), ("dispatch", zhiban.pk)]
    page = english.get(response["Location"])
    assert case.tracking_code in " ".join(str(m) for m in page.context["messages"])


def test_intake_may_register_but_not_dispatch(english, people, grid):
    english.force_login(people["shouli"])
    refused = english.post(URL, call(lat=grid.lat, lng=grid.lng, then="dispatch"))
    assert refused.status_code == 200 and "then" in refused.context["form"].errors
    done = english.post(URL, call(lat=grid.lat, lng=grid.lng, then="register"))
    assert done.status_code == 302
    assert Case.objects.get(channel="hotline", description="市场门口占道经营").state == S.REGISTERED


def test_a_failed_dispatch_leaves_nothing_behind(english, people, grid):
    english.force_login(people["zhiban"])
    response = english.post(URL, call(address="某小区门口", then="dispatch"))  # no point: nothing to route by
    assert response.status_code == 200 and "Routing found no unit" in str(response.context["form"].non_field_errors())
    assert not Case.objects.filter(channel="hotline", description="市场门口占道经营").exists()


def test_bad_input_names_the_field(english, people, grid):
    english.force_login(people["shouli"])
    response = english.post(URL, call(category="XX9999"))
    errors = response.context["form"].errors
    assert "Category: no category has the code or name XX9999" in str(errors["category"])
    assert "Place: give a site, an address or coordinates" in str(errors["site"])
    response = english.post(URL, call(site="没有这个点位"))
    assert "Site: no site 没有这个点位" in str(response.context["form"].errors["site"])
    response = english.post(URL, call(reporter_phone="12", lat=grid.lat, lng=grid.lng))
    assert "reporter_phone" in response.context["form"].errors
    assert not Case.objects.filter(channel="hotline").exists()


def test_duplicate_hints_then_new_case_or_me_too(english, people, grid):
    shouli = people["shouli"]
    earlier = wf.case_intake(channel="citizen", description="市场门口有摊贩", lng=grid.lng, lat=grid.lat, category="SJ0401")
    english.force_login(shouli)
    hinted = english.post(URL, call(lat=grid.lat, lng=grid.lng))
    html = hinted.content.decode()
    assert hinted.status_code == 200 and f'data-duplicate="{earlier.pk}"' in html
    assert html.index('id="take-in"') < html.index('name="merge_into"')  # Enter takes it in, never merges
    assert not Case.objects.filter(channel="hotline").exists()
    english.post(URL, call(lat=grid.lat, lng=grid.lng, new_problem="on"))
    assert Case.objects.filter(channel="hotline", state=S.REPORTED).count() == 1
    english.post(URL, call(lat=grid.lat, lng=grid.lng, description="又一个电话说同一处", merge_into=earlier.pk))
    merged = Case.objects.get(description="又一个电话说同一处")
    earlier.refresh_from_db()
    assert merged.state == S.MERGED and merged.parent == earlier and earlier.me_too_count == 1


def test_the_caller_s_earlier_cases_show_as_the_number_is_typed(english, people, grid):
    english.force_login(people["shouli"])
    first = wf.case_intake(channel="hotline", description="市场门口占道经营", lng=grid.lng, lat=grid.lat,
                           category="SJ0401", reporter_phone="13811112222", actor=people["shouli"])
    second = wf.case_intake(channel="hotline", description="井盖缺失 " + "很长的描述" * 20, lng=grid.lng,
                            lat=grid.lat, category="SJ0401", reporter_phone="0318-2123456", actor=people["shouli"])
    wf.case_intake(channel="hotline", description="别人的来电", lng=grid.lng, lat=grid.lat, category="SJ0401",
                   reporter_phone="13899990000", actor=people["shouli"])
    rows = english.get(URL, {"caller": " 13811112222 "}).json()["cases"]
    assert [r["number"] for r in rows] == [first.number]
    assert rows[0]["url"] == reverse("cases:detail", args=[first.pk])
    assert rows[0]["category"] and rows[0]["state"] and rows[0]["reported_at"][:4].isdigit()
    # Typed with a dash, or without one, the same landline is found; long descriptions are cut short.
    for typed in ("0318-2123456", "03182123456"):
        found = english.get(URL, {"caller": typed}).json()["cases"]
        assert [r["number"] for r in found] == [second.number]
    assert len(found[0]["description"]) <= 60
    assert [r["number"] for r in english.get(URL, {"caller": "138-1111-2222"}).json()["cases"]] == [first.number]
    assert english.get(URL, {"caller": "1381"}).json()["cases"] == []  # not a number yet
    assert english.get(URL, {"caller": "13800000000"}).json()["cases"] == []
    # Not for people who do not take calls.
    english.force_login(people["chengguan"])
    assert english.get(URL, {"caller": "13811112222"}).status_code == 404


# -- the service on its own -----------------------------------------------------------------------------------

def take_in(actor, **extra):
    args = {"actor": actor, "description": "市场门口占道经营", "category": Category.objects.get(code="SJ0401"),
            "urgency": "normal", "reporter_phone": "13811112222"}
    return hotline_take_in(**(args | extra))


def test_the_service_takes_a_call_in_and_dispatches_it_to_the_routed_unit(people, site):
    case = take_in(people["zhiban"], site=site, point=(site.lng, site.lat), then="dispatch")
    assert case.state == S.DISPATCHED and case.channel == "hotline" and case.unit.code == UNIT_CODE
    assert case.address == site.address and case.site == site  # without an address, the site's


def test_a_failure_in_the_third_step_leaves_nothing_behind(people, grid, monkeypatch):
    def refuse(**kwargs):
        raise WorkflowError("dispatch refused")

    monkeypatch.setattr(wf, "case_dispatch", refuse)
    cases, events = Case.objects.count(), CaseEvent.objects.count()
    with pytest.raises(WorkflowError, match="dispatch refused"):
        take_in(people["zhiban"], point=(grid.lng, grid.lat), then="dispatch")
    # The intake and the registration before it are rolled back with it.
    assert Case.objects.count() == cases and CaseEvent.objects.count() == events


def test_a_merge_refused_leaves_no_case_behind(people, grid):
    closed = take_in(people["zhiban"], point=(grid.lng, grid.lat), description="早先的来电")
    wf.case_reject(case_id=closed.pk, actor=people["zhiban"], note="不属实")
    with pytest.raises(WorkflowError):
        take_in(people["shouli"], point=(grid.lng, grid.lat), merge_into=closed.pk)
    assert not Case.objects.filter(description="市场门口占道经营").exists()


def test_only_the_hotline_operators_take_calls_in(people, grid):
    for username in ("chengguan", "wangge", "anfang"):
        with pytest.raises(WorkflowError):
            take_in(people[username], point=(grid.lng, grid.lat))
    assert not Case.objects.filter(description="市场门口占道经营").exists()
