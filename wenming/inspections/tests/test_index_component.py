"""The inspection component of the unit and district indexes (scoring/services/inspection_index.py): the mean
site score of the rounds released in the period, explained down to the findings, without the inspector."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from wenming.inspections.services.rounds import round_release
from wenming.scoring.models import ScoreSnapshot
from wenming.scoring.services import scores

from .test_scoring import EXPECTED_SITES, scored  # noqa: F401 — the hand-computed round of test_scoring

pytestmark = pytest.mark.django_db


def _month():
    today = timezone.localdate()
    return scores.period_bounds("month", today)


@pytest.fixture
def released(scored, demo_round, people):  # noqa: F811
    round_release(round_id=demo_round.pk, actor=people["zhiban"])
    return scored


def _version(subject, weights):
    start, _end = _month()
    return scores.index_version_create(subject=subject, name="with 暗访", weights=weights,
                                       effective_from=start - dt.timedelta(days=400))


def test_district_figure_is_the_mean_site_score_of_rounds_released_in_the_period(released):
    start, end = _month()
    version = _version("district", {"closed_rate": 40, "inspection_score": 60})
    figures, evidence = scores.figures_compute(subject="district", start=start, end=end, version=version)
    taocheng = figures["rows"]["131102"]
    assert taocheng["indicators"]["inspection_score"] == {"num": 57.5, "den": None, "value": 0.575, "sites": 2}
    assert figures["rows"]["131103"]["indicators"]["inspection_score"]["num"] == 0.0
    # No case of these districts is due in the period yet: the index is the inspection score alone, renormalised.
    if taocheng["indicators"]["closed_rate"]["value"] is None:
        assert taocheng["index"] == 57.5
    # The evidence names each (round, site) with its score and the findings that cost it points.
    entries = evidence["131102"]["inspection_sites"]
    assert sorted(Decimal(e[2]) for e in entries) == [EXPECTED_SITES[("131102", "market")],
                                                      EXPECTED_SITES[("131102", "school")]]
    assert sorted(len(e[3]) for e in entries) == [1, 2]  # one fail at the school; a fail and a severe at the market


def test_unit_figure_and_no_figure_outside_the_period(released):
    start, end = _month()
    version = _version("unit", {"closed_rate": 50, "inspection_score": 50})
    figures, _evidence = scores.figures_compute(subject="unit", start=start, end=end, version=version)
    expected: dict[str, list[Decimal]] = {}
    for key, assignment in released.items():
        unit = assignment.site.guarantor_unit
        if unit is not None and EXPECTED_SITES[key] is not None:
            expected.setdefault(str(unit.pk), []).append(EXPECTED_SITES[key])
    assert expected
    for key, values in expected.items():
        mean = (sum(values) / len(values)).quantize(Decimal("0.01"))
        assert figures["rows"][key]["indicators"]["inspection_score"]["num"] == float(mean)
    # The month before: the round was released after it ended, so it is not in it.
    previous_start = (start - dt.timedelta(days=1)).replace(day=1)
    earlier, _ = scores.figures_compute(subject="unit", start=previous_start, end=start, version=version)
    assert all(r["indicators"]["inspection_score"]["num"] is None for r in earlier["rows"].values())


def test_a_planned_round_does_not_count(scored):  # noqa: F811
    start, end = _month()
    version = _version("district", {"inspection_score": 100})
    figures, _evidence = scores.figures_compute(subject="district", start=start, end=end, version=version)
    assert figures["rows"]["131102"]["indicators"]["inspection_score"]["num"] is None


def test_explanation_lists_sites_and_findings_without_the_inspector(client, released, people):
    start, _end = _month()
    _version("district", {"closed_rate": 40, "inspection_score": 60})
    snapshot = scores.snapshot_compute(subject="district", period="month", day=start)
    assert isinstance(snapshot, ScoreSnapshot)
    client.force_login(people["zhiban"])
    page = client.get(reverse("scoring:explain", args=[snapshot.pk, "131102"])).content.decode()
    assert 'class="inspected-sites"' in page
    assert "57.5" in page and "35.00" in page and "80.00" in page
    assert "农贸市场-01-03" in page and "学校-01-03" in page
    inspector = people["anfang"]
    assert inspector.display_name not in page and inspector.username not in page
    snapshot_page = client.get(reverse("scoring:snapshot", args=[snapshot.pk])).content.decode()
    assert "57.5" in snapshot_page and "None" not in snapshot_page
