"""The demo's ledger (台账): quarterly assessment periods of the current demo edition for three years, the
evaluation office's assessments of the last two quarters (a plausible mix, one with a photo as evidence and one a
lead unit's self-assessment), and one closed 回头看 round over one domain whose criteria not met became measures
(campaign tasks). Everything goes through the services, as a city's office would. Idempotent: a ledger already
there is left as it is."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

from django.db import transaction
from django.utils import timezone
from PIL import Image

from wenming.campaign.models import Campaign
from wenming.common.roles import UNIT_ROLES, Role
from wenming.evaluation.models import AssessmentPeriod, Criterion, Domain, Edition, LedgerStatus, ReviewRound
from wenming.evaluation.services.ledger import (
    ItemResult,
    Upload,
    ledger_entry_assess,
    period_create,
    review_results_record,
    review_round_close,
    review_round_open,
)
from wenming.org.models import Person

ROUND_DOMAIN = "P5"
NOTES = {
    LedgerStatus.MET: "对照测评标准逐条自查，资料齐全，现场无问题。",
    LedgerStatus.PARTLY: "大部分点位达标，个别点位存在反弹，需持续整治。",
    LedgerStatus.NOT_MET: "实地检查发现问题较多，整改未到位。",
    LedgerStatus.NOT_APPLICABLE: "本市无此类点位，不适用。",
}


def _status(code: str, period: str) -> str:
    """A plausible mix (about 70% met, 12% partly, 12% not met, 6% not applicable), the same on every run."""
    n = int(hashlib.sha256(f"{code}/{period}".encode()).hexdigest()[:4], 16) % 100
    return (LedgerStatus.MET if n < 70 else LedgerStatus.PARTLY if n < 82 else LedgerStatus.NOT_MET if n < 94
            else LedgerStatus.NOT_APPLICABLE)


def _quarters(year: int) -> list[tuple[str, dt.date, dt.date]]:
    ends = [dt.date(year, 3, 31), dt.date(year, 6, 30), dt.date(year, 9, 30), dt.date(year, 12, 31)]
    return [(f"{year}年第{'一二三四'[q]}季度", dt.date(year, 3 * q + 1, 1), ends[q]) for q in range(4)]


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (60, 140, 90)).save(out, format="PNG")
    return out.getvalue()


def evaluation_ledger_demo_build(*, today: dt.date | None = None) -> dict:
    """Periods, entries and one closed 回头看 round for the current edition, by the evaluation office's login: call
    it at the end of ``evaluation_demo_build`` (it imports nothing from ``wenming.demo.evaluation``, so that module
    may import it at its top)."""
    counts = {"periods": 0, "entries": 0, "rounds": 0, "measures": 0}
    edition = Edition.objects.filter(is_current=True).first()
    office = (Person.objects.filter(is_active=True, roles__role=Role.EVAL_OFFICE).order_by("pk").first())
    if edition is None or office is None or AssessmentPeriod.objects.filter(edition=edition).exists():
        return counts
    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        periods = []
        for year in (today.year - 2, today.year - 1, today.year):
            for name, starts, ends in _quarters(year):
                periods.append(period_create(edition_id=edition.pk, actor=office, name=name, starts_on=starts,
                                             ends_on=ends))
        counts["periods"] = len(periods)
        started = [p for p in periods if p.starts_on <= today][-2:]
        criteria = list(Criterion.objects.filter(edition=edition).select_related("domain").order_by("kind", "sort"))
        unit_person = _unit_person(criteria)
        for period in started:
            for c in criteria:
                if period is started[-1] and c.domain.code == ROUND_DOMAIN:
                    continue  # the round below records these
                if unit_person and period is started[0] and c.pk == unit_person[0].pk:
                    continue  # its lead unit self-assesses it below
                status = _status(c.code, period.name)
                ledger_entry_assess(criterion_id=c.pk, period_id=period.pk, actor=office, status=status,
                                    expected_version=0, note=NOTES[status], now=now)
                counts["entries"] += 1
        # One entry with a photo, one criterion self-assessed by its lead unit (in the earlier quarter, then
        # confirmed by the office in the current one above).
        first = criteria[0]
        entry = first.ledger_entries.get(period=started[-1])
        ledger_entry_assess(criterion_id=first.pk, period_id=started[-1].pk, actor=office, status=entry.status,
                            expected_version=entry.version, note=entry.note, now=now,
                            files=[Upload(name="现场照片.png", content=_photo())])
        if unit_person:
            # A lead unit's self-assessment (recorded as such, for the office to confirm).
            ledger_entry_assess(criterion_id=unit_person[0].pk, period_id=started[0].pk, actor=unit_person[1],
                                status=LedgerStatus.MET, expected_version=0, note="牵头单位自评：已按标准完成。",
                                now=now)
        campaign = Campaign.objects.order_by("-starts_on").first()
        domain = Domain.objects.filter(edition=edition, code=ROUND_DOMAIN).first()
        if campaign is not None and domain is not None:
            review_round = review_round_open(
                edition_id=edition.pk, period_id=started[-1].pk, actor=office, name=f"{started[-1].name}回头看（{domain.name}）",
                campaign_id=campaign.pk, measure_due_on=today + dt.timedelta(days=30), domain_id=domain.pk, now=now)
            results = {}
            for item in review_round.items.select_related("criterion"):
                status = _status(item.criterion.code, review_round.name)
                if item.criterion.code.endswith(".1"):
                    status = LedgerStatus.NOT_MET if status == LedgerStatus.MET else status
                results[item.pk] = ItemResult(status=status, expected_version=item.version, note=NOTES[status])
            review_results_record(round_id=review_round.pk, actor=office, results=results, now=now)
            counts["measures"] = len(review_round_close(round_id=review_round.pk, actor=office, now=now))
            counts["rounds"] = ReviewRound.objects.filter(edition=edition).count()
    return counts


def _unit_person(criteria: list[Criterion]) -> tuple[Criterion, Person] | None:
    """A criterion outside the round's domain whose lead unit has a demo login, and that login."""
    for c in criteria:
        if not c.lead_unit_id or c.domain.code == ROUND_DOMAIN:
            continue
        person = (Person.objects.filter(is_active=True, roles__role__in=UNIT_ROLES, roles__unit=c.lead_unit_id)
                  .order_by("pk").first())
        if person is not None:
            return c, person
    return None
