"""What the credit network gives other apps, registered with each from ``CreditConfig.ready()`` (they may not import
this app): the selections' qualification check (a 失信 subject cannot be nominated for an integrity title; penalties
of the last year are shown), the flag on storefront duties with records in effect, and the panel of a unit's
credit records on its page."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.credit.models import CreditRecord, RecordKind, SubjectKind
from wenming.credit.selectors import (
    nominee_subjects,
    nonpublic_seen,
    storefront_record_counts,
    subject_dishonest,
    unit_records,
)
from wenming.inspections.storefront_flags import storefront_flag_register
from wenming.org.panels import UnitPanel, unit_panel_register
from wenming.selections.services.qualification_checks import Finding, qualification_check_register

PENALTY_WINDOW = dt.timedelta(days=365)


def credit_check(nomination) -> list:
    """Findings for a nominee: each 失信 record in effect (blocking), each penalty decided in the last year (not
    blocking). The nominee's subjects are found by its credit code, its unit and its site."""
    subjects = nominee_subjects(credit_code=nomination.credit_code or "", unit_id=nomination.unit_id,
                                site_id=nomination.site_id)
    if not subjects:
        return []
    today = timezone.localdate()
    findings = []
    for record in subject_dishonest(subjects, today=today).select_related("subject").order_by("decided_on", "pk"):
        if not record.public or record.subject.is_person:
            # The finding is stored and shown to the nominating unit and the experts: a record the law does not
            # publish is named only as such, without whom, by whom or when.
            findings.append(Finding(
                source="credit", blocking=True, ref=str(record.pk),
                label=_("Dishonest (失信): a record the law does not publish; ask the credit office"),
                detail={"kind": record.kind, "public": False}))
            continue
        findings.append(Finding(
            source="credit", blocking=True, ref=str(record.pk),
            label=_("Dishonest (失信): %(name)s, decided by %(body)s on %(day)s") % {
                "name": record.subject.name, "body": record.decided_by or "—",
                "day": record.decided_on.isoformat() if record.decided_on else "—"},
            detail={"kind": record.kind, "subject": record.subject_id, "reason": record.reason[:200],
                    "until": record.effective_until.isoformat() if record.effective_until else ""}))
    penalties = (CreditRecord.objects.filter(subject_id__in=subjects, kind=RecordKind.PENALTY, repaired_on=None,
                                             public=True, decided_on__gte=today - PENALTY_WINDOW)
                 .exclude(subject__kind=SubjectKind.PERSON)
                 .select_related("subject").order_by("decided_on", "pk"))
    for record in penalties:
        findings.append(Finding(
            source="credit", blocking=False, ref=str(record.pk),
            label=_("Administrative penalty (行政处罚): %(name)s, decided by %(body)s on %(day)s") % {
                "name": record.subject.name, "body": record.decided_by or "—", "day": record.decided_on.isoformat()},
            detail={"kind": record.kind, "subject": record.subject_id, "reason": record.reason[:200]}))
    return findings


def storefront_flag(shop_ids: list[int]) -> dict[int, str]:
    return {shop_id: _("Credit records (%(count)d)") % {"count": n}
            for shop_id, n in storefront_record_counts(shop_ids).items()}


def unit_credit_panel(unit, user) -> UnitPanel | None:
    records = unit_records(user, unit)
    if not records:
        return None
    nonpublic_seen(user, records, purpose="unit")
    return UnitPanel(key="credit", template="credit/_unit_panel.html", context={"records": records})


def register_all() -> None:
    qualification_check_register("credit", credit_check, refuses_integrity=True)
    storefront_flag_register(storefront_flag)
    unit_panel_register(unit_credit_panel)
