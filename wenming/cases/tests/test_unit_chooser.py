"""The unit chooser of dispatch (single, re-dispatch, batch): every active unit under its district, city-wide
units first, the routed unit alone at the top; the same server-side validation as before (any active unit by
id); the batch dispatch sends the ticked cases to the unit chosen, or each to its routed unit."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from wenming.cases.forms import BatchDispatchForm, DispatchForm, RedispatchForm
from wenming.cases.models import Case, CaseState
from wenming.cases.services import workflow as wf
from wenming.cases.tests.test_views import advance, routed_grid
from wenming.org.models import Unit

pytestmark = pytest.mark.django_db
S = CaseState


@pytest.fixture(autouse=True)
def _english(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


@pytest.fixture
def make_case(people):
    grid = routed_grid("SJ0401", "CGJ-131102", "131102")

    def make(state=S.REGISTERED, description="路口流动摊贩占道经营"):
        case = wf.case_intake(channel="hotline", description=description, lng=grid.lng, lat=grid.lat,
                              category="SJ0401", reporter_phone="13812345678", actor=people["shouli"])
        return advance(case, state, people)

    return make


def _groups(form) -> list[tuple[str, list[str]]]:
    return [(label, [str(code) for code, _name in options]) for label, options in form.fields["unit"].widget.choices
            if isinstance(options, list)]


def test_units_are_grouped_by_district_with_the_suggested_one_first():
    routed = Unit.objects.get(code="CGJ-131102")
    form = DispatchForm(initial={"unit": routed.pk}, suggested=routed.pk)
    groups = _groups(form)
    assert groups[0] == ("Suggested by routing", [str(routed.pk)])
    labels = [label for label, _ids in groups]
    assert labels[1] == "City-wide units" and "桃城区" in labels and "冀州区" in labels
    offered = [pk for _label, ids in groups for pk in ids]
    active = Unit.objects.filter(is_active=True)
    assert sorted(offered) == sorted(str(pk) for pk in active.values_list("pk", flat=True))  # each once
    taocheng = dict(groups)["桃城区"]
    assert str(Unit.objects.get(code="GOV-131102").pk) in taocheng  # the district government
    assert str(Unit.objects.get(code="GOV-131102001").pk) in taocheng  # a street office of the district
    assert str(Unit.objects.get(code="CGJ").pk) in dict(groups)["City-wide units"]
    html = str(form["unit"])
    assert "data-unit-search" in html and "桃城区城市管理综合行政执法局 · CGJ-131102" in html
    assert re.search(rf'<option value="{routed.pk}" selected>', html)


def test_without_a_suggestion_there_is_no_suggested_group():
    assert _groups(RedispatchForm())[0][0] == "City-wide units"
    assert _groups(BatchDispatchForm())[0][0] == "City-wide units"


def test_validation_is_unchanged(people):
    closed = Unit.objects.get(code="WY-2")
    closed.is_active = False
    closed.save()
    for value in (closed.pk, 10**9, "9" * 40, "CGJ-131102", "1; DROP", "-1", "٣", "３", "\x00"):
        form = DispatchForm(data={"dispatch-version": 1, "dispatch-unit": value}, prefix="dispatch")
        assert not form.is_valid() and "unit" in form.errors, value
    form = DispatchForm(data={"dispatch-version": 1}, prefix="dispatch")
    assert not form.is_valid() and "unit" in form.errors
    unit = Unit.objects.get(code="SCJG-131102")
    form = DispatchForm(data={"dispatch-version": 1, "dispatch-unit": unit.pk}, prefix="dispatch")
    assert form.is_valid() and form.cleaned_data["unit"] == unit
    assert str(closed.pk) not in [pk for _label, ids in _groups(form) for pk in ids]


def test_the_case_page_offers_the_grouped_chooser(english, people, make_case):
    client = english
    case = make_case()
    client.force_login(people["paiqian"])
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    form = page.split('id="act-dispatch"', 1)[1].split("</form>", 1)[0]
    assert "data-unit-search" in form and form.count("<optgroup") >= 10
    assert form.index(f'value="{Unit.objects.get(code="CGJ-131102").pk}" selected') < form.index("City-wide")


def test_batch_dispatch_to_a_chosen_unit(english, people, make_case):
    client = english
    cases = [make_case(description=f"批量 {i}") for i in range(2)]
    unit = Unit.objects.get(code="SCJG-131102")
    client.force_login(people["paiqian"])
    page = client.get(reverse("cases:workbench"), {"queue": "to_dispatch"}).content.decode()
    assert 'name="unit"' in page and "each case&#x27;s routed unit" in page
    response = client.post(reverse("cases:batch_dispatch"), {"case": [c.pk for c in cases], "unit": unit.pk},
                           follow=True)
    assert "2 cases dispatched." in response.content.decode()
    assert {Case.objects.get(pk=c.pk).unit_id for c in cases} == {unit.pk}


def test_batch_dispatch_without_a_unit_uses_each_routed_unit(people, make_case, client):
    case = make_case()
    client.force_login(people["paiqian"])
    client.post(reverse("cases:batch_dispatch"), {"case": [case.pk], "unit": ""})
    assert Case.objects.get(pk=case.pk).unit.code == "CGJ-131102"


def test_batch_dispatch_names_a_bad_unit_and_dispatches_nothing(english, people, make_case):
    client = english
    case = make_case()
    client.force_login(people["paiqian"])
    response = client.post(reverse("cases:batch_dispatch"), {"case": [case.pk], "unit": "999999999"}, follow=True)
    assert "Dispatch to: Select a valid choice." in response.content.decode()
    assert Case.objects.get(pk=case.pk).state == S.REGISTERED
