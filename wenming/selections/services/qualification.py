"""The qualification check (资格审查): what the platform's records say about a nominee, run by the organiser.

Built-in checks (registered in ``SelectionsConfig.ready``): open cases at the nominee's site, of its unit, or within
its area for a place named by its area — overdue ones hold the nominee back, open ones on time are a note; failed
third-party inspections of the site (a released round in the last year with a severe item or a score under 60)
hold back; the nominee's unit on a published black list (红黑榜) holds back. Every check other apps register (the
credit network's 失信) runs too. Each run is stored (``QualificationResult``) and moves the nomination to qualified
or held back; an organiser may override a hold with a note (logged).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases.models import Case
from wenming.cases.models.case import OPEN_STATES
from wenming.common.access import locked_in_scope
from wenming.inspections.models import AssignmentKind, Result, RoundState
from wenming.inspections.services.scoring import site_scores
from wenming.scoring.models import RedBlackList
from wenming.scoring.models.index import Subject
from wenming.scoring.models.snapshot import BoardStatus
from wenming.selections.models import (
    CallStatus,
    Nomination,
    NominationEvent,
    NominationStatus,
    QualificationResult,
    SubjectKind,
)

from .calls import is_organiser
from .errors import IllegalTransition, NotAllowed, SelectionError, StaleSelection
from .qualification_checks import Finding, qualification_check_register, qualification_checks

N = NominationStatus
LISTED = 5  # cases named one by one in a finding; the rest are counted
INSPECTION_YEARS = 1
FAILING_SCORE = Decimal(60)


def _cases_of(nomination: Nomination):
    if nomination.site_id:
        return Case.objects.filter(site_id=nomination.site_id)
    if nomination.unit_id:
        return Case.objects.filter(unit_id=nomination.unit_id)
    if nomination.call.kind.subject == SubjectKind.SITE:
        return Case.objects.filter(area_path__startswith=nomination.area.path)
    return None


def check_cases(nomination: Nomination) -> list[Finding]:
    cases = _cases_of(nomination)
    if cases is None:
        return []
    now = timezone.now()
    open_cases = cases.filter(state__in=OPEN_STATES)
    findings = []
    overdue = list(open_cases.filter(stage_due__lt=now).order_by("stage_due").only("pk", "reported_at")[:LISTED])
    overdue_count = open_cases.filter(stage_due__lt=now).count()
    for case in overdue:
        findings.append(Finding("cases", _("Overdue open case %(number)s") % {"number": case.number}, True,
                                str(case.pk), {"url": reverse("cases:detail", args=[case.pk])}))
    if overdue_count > LISTED:
        findings.append(Finding("cases", _("%(n)d more overdue open cases") % {"n": overdue_count - LISTED}, True))
    on_time = open_cases.exclude(stage_due__lt=now).count()
    if on_time:
        findings.append(Finding("cases", _("%(n)d open cases within their time limits") % {"n": on_time}, False))
    return findings


def check_inspections(nomination: Nomination) -> list[Finding]:
    if not nomination.site_id:
        return []
    since = timezone.now() - dt.timedelta(days=365 * INSPECTION_YEARS)
    results = Result.objects.filter(assignment__site_id=nomination.site_id, assignment__kind=AssignmentKind.INSPECT,
                                    round__state=RoundState.RELEASED, round__released_at__gte=since)
    findings = []
    for site in site_scores(results):
        if site.severe or (site.score is not None and site.score < FAILING_SCORE):
            findings.append(Finding(
                "inspections", _("Failed a third-party inspection (暗访): score %(score)s, %(severe)d severe items")
                % {"score": site.score if site.score is not None else "—", "severe": site.severe}, True,
                str(site.round_id), {"url": reverse("inspections:round", args=[site.round_id])}))
        elif site.failed:
            findings.append(Finding("inspections", _("%(n)d items failed at a third-party inspection (暗访)")
                                    % {"n": site.failed}, False, str(site.round_id)))
    return findings


def _unit_of(nomination: Nomination) -> int | None:
    if nomination.unit_id:
        return nomination.unit_id
    if nomination.site_id:
        return nomination.site.guarantor_unit_id
    return None


def check_black_list(nomination: Nomination) -> list[Finding]:
    unit_id = _unit_of(nomination)
    if unit_id is None:
        return []
    findings = []
    boards = RedBlackList.objects.filter(status=BoardStatus.PUBLISHED, snapshot__subject=Subject.UNIT)
    for board in boards.order_by("-published_at")[:12]:
        if any(str(entry.get("key")) == str(unit_id) for entry in board.black):
            findings.append(Finding("black_list", _("On the published black list (红黑榜) of %(board)s")
                                    % {"board": board.snapshot}, True, str(board.pk),
                                    {"url": reverse("exposure:red_black_detail", args=[board.pk])}))
    return findings


def builtin_checks_register() -> None:
    qualification_check_register("cases", check_cases)
    qualification_check_register("inspections", check_inspections)
    qualification_check_register("black_list", check_black_list)


def _findings_json(findings: list[Finding]) -> list[dict]:
    return [{"source": f.source, "label": str(f.label), "blocking": f.blocking, "ref": f.ref,
             "url": (f.detail or {}).get("url", "")} for f in findings]


def qualification_run(*, nomination_id: int, actor, expected_version: int) -> QualificationResult:
    """Run every registered check on a nomination, store the result and move it to qualified or held back."""
    if not is_organiser(actor):
        raise NotAllowed(_("Only the selection's organisers run the qualification check."))
    with transaction.atomic():
        nomination = locked_in_scope(Nomination.objects.select_related("call", "call__kind", "area", "site"),
                                     actor, nomination_id)
        if nomination.version != expected_version:
            raise StaleSelection(_("Someone changed this nomination meanwhile; reload the page and try again."))
        if nomination.call.status not in (CallStatus.NOMINATING, CallStatus.REVIEWING):
            raise IllegalTransition(_("The qualification check runs while the call takes nominations or is in review."))
        if nomination.status not in (N.SUBMITTED, N.QUALIFIED, N.HELD_BACK):
            raise IllegalTransition(_("This nomination is past the qualification check."))
        findings = []
        for registered in qualification_checks():
            findings += registered.check(nomination)
        blocking = any(f.blocking for f in findings)
        result = QualificationResult.objects.create(nomination=nomination, findings=_findings_json(findings),
                                                    blocking=blocking, run_by=actor)
        before = nomination.status
        nomination.status = N.HELD_BACK if blocking else N.QUALIFIED
        nomination.version += 1
        nomination.save(update_fields=["status", "version", "updated_at"])
        NominationEvent.objects.create(nomination=nomination, action="qualification", actor=actor,
                                       from_status=before, to_status=nomination.status,
                                       data={"result": result.pk, "findings": len(findings)})
    return result


def qualification_override(*, nomination_id: int, actor, expected_version: int, note: str) -> Nomination:
    """An organiser lets a held-back nominee through, saying why (logged on the nomination)."""
    if not is_organiser(actor):
        raise NotAllowed(_("Only the selection's organisers may override a hold."))
    note = (note or "").strip()
    if not note:
        raise SelectionError(_("Note: say why the nominee may go on despite the findings."))
    with transaction.atomic():
        nomination = locked_in_scope(Nomination.objects.select_related("call"), actor, nomination_id)
        if nomination.version != expected_version:
            raise StaleSelection(_("Someone changed this nomination meanwhile; reload the page and try again."))
        if nomination.status != N.HELD_BACK:
            raise IllegalTransition(_("Only a held-back nomination can be let through."))
        if nomination.call.status not in (CallStatus.NOMINATING, CallStatus.REVIEWING):
            raise IllegalTransition(_("The qualification check runs while the call takes nominations or is in review."))
        nomination.status = N.QUALIFIED
        nomination.version += 1
        nomination.save(update_fields=["status", "version", "updated_at"])
        NominationEvent.objects.create(nomination=nomination, action="hold_overridden", actor=actor,
                                       from_status=N.HELD_BACK, to_status=N.QUALIFIED, note=note)
    return nomination
