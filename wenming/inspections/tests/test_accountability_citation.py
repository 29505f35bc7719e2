"""An accountability record (scoring) can cite findings of a released round, about its unit, without naming the
inspector; an unannounced round's findings cannot be cited."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from wenming.common.errors import WorkflowError
from wenming.inspections.models import Result
from wenming.inspections.models.schemes import FAILING
from wenming.inspections.services.rounds import round_release
from wenming.org.models import Unit
from wenming.scoring.services import boards

from .test_scoring import scored  # noqa: F401 — the hand-computed round of test_scoring

pytestmark = pytest.mark.django_db


def _finding_with_unit(round_):
    finding = (Result.objects.filter(round=round_, outcome__in=FAILING, assignment__site__guarantor_unit__isnull=False)
               .select_related("assignment__site__guarantor_unit", "item").first())
    assert finding is not None
    return finding, finding.assignment.site.guarantor_unit


def _create(actor, unit, findings):
    return boards.accountability_create(kind="notice", title="暗访通报", reason="暗访发现问题", unit=unit,
                                        due_date=timezone.localdate() + dt.timedelta(days=7), actor=actor,
                                        findings=findings)


def test_a_planned_rounds_finding_cannot_be_cited(scored, demo_round, people):  # noqa: F811
    finding, unit = _finding_with_unit(demo_round)
    with pytest.raises(WorkflowError, match=str(finding.pk)):
        _create(people["zhiban"], unit, [finding.pk])


def test_cite_a_released_finding_and_show_it_without_the_inspector(client, scored, demo_round, people):  # noqa: F811
    round_release(round_id=demo_round.pk, actor=people["zhiban"])
    finding, unit = _finding_with_unit(demo_round)
    other = Unit.objects.exclude(pk=unit.pk).exclude(path__startswith=unit.path).first()
    with pytest.raises(WorkflowError, match="not findings of a released round"):
        _create(people["zhiban"], other, [finding.pk])
    record = _create(people["zhiban"], unit, [finding.pk, finding.pk])
    assert list(record.findings.values_list("pk", flat=True)) == [finding.pk]
    client.force_login(people["zhiban"])
    page = client.get(reverse("scoring:accountability", args=[record.pk])).content.decode()
    assert 'id="cited-findings"' in page and finding.item.code in page and demo_round.code in page
    inspector = people["anfang"]
    assert inspector.display_name not in page and inspector.username not in page
    # The follow-up page offers the citation, prefilled.
    followup = client.get(reverse("inspections:followup", args=[demo_round.pk])).content.decode()
    assert f"findings={finding.pk}" in followup
    form = client.get(reverse("scoring:accountability_list") + f"?unit={unit.pk}&findings={finding.pk}").content.decode()
    assert f'value="{finding.pk}"' in form


def test_the_form_refuses_words_for_finding_numbers(client, people):
    client.force_login(people["zhiban"])
    unit = Unit.objects.first()
    page = client.post(reverse("scoring:accountability_list"), {
        "kind": "notice", "title": "t", "reason": "r", "unit": unit.pk, "findings": "12, abc",
        "due_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat()}).content.decode()
    assert "Inspection findings: give finding numbers separated by commas." in page
