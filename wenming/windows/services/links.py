"""Complaints about a window that did not come from its QR code (a hotline call, a 12345 ticket, a letter): the
command centre links the case to the window on the case page, so it counts in the window's complaint rate, and —
while the case is not yet dispatched — routing proposes the window's unit (rule 0). Both logs are written: the
case's (``subject_link``) and the window's."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases.models import Case, EventAction
from wenming.cases.services.routing import RoutingError, case_route
from wenming.cases.services.workflow import event_append as case_event_append
from wenming.common.access import locked_in_scope, restrict, scope_for
from wenming.common.input import strip_controls
from wenming.common.roles import COMMAND_OR_ADMIN
from wenming.windows.errors import NotAllowed, WindowError
from wenming.windows.models import ServiceWindow, WindowComplaint, WindowEventKind
from wenming.windows.services.citizens import COMPLAINT_CATEGORY
from wenming.windows.services.records import event_append

# Cases closed out of the workflow as not a case: linking them would count nothing and only confuse the log.
NOT_LINKABLE_STATES = ("rejected", "voided", "merged")


def linker_require(actor) -> None:
    # The command centre registers and routes the cases; a unit does not choose which complaints count against it.
    if not scope_for(actor).roles & COMMAND_OR_ADMIN:
        raise NotAllowed(_("Your role may not link complaints to windows."))


def complaint_category(case: Case) -> bool:
    """Whether the case is filed as a window complaint (窗口服务不文明, or a category under it)."""
    category = case.category
    while category is not None:
        if category.code == COMPLAINT_CATEGORY:
            return True
        category = category.parent
    return False


def _reroute(case: Case, unit_id: int | None) -> str | None:
    """Propose ``unit_id`` (rule 0), or let the place decide again (None), while nobody holds the case yet."""
    if case.unit_id is not None or case.lng is None or case.category_id is None:
        return None
    try:
        decision = case_route(lng=case.lng, lat=case.lat, category=case.category, subject_unit_id=unit_id)
    except RoutingError:
        return None
    case.routing = decision.as_dict(nearby_limit=5)
    return decision.rule


def complaint_link(*, case_id: int, window_id: int, actor, expected_version: int | None = None) -> WindowComplaint:
    """Link a complaint case to the window it is about; refused for a case in another category, a case already
    linked, a case closed as not a case, or a stale page."""
    linker_require(actor)
    with transaction.atomic():
        try:
            case = locked_in_scope(Case.objects.select_related("category__parent__parent"), actor, case_id)
        except Case.DoesNotExist:
            raise WindowError(_("No such case.")) from None
        if expected_version is not None and expected_version != case.version:
            raise WindowError(_("Someone else changed this case meanwhile; reload it and try again."))
        if not complaint_category(case):
            raise WindowError(_("Category: only a case about window service (窗口服务不文明) can be linked to a "
                                "window; correct its category first."))
        if case.state in NOT_LINKABLE_STATES:
            raise WindowError(_("This case was closed as not a case; it is not linked."))
        if WindowComplaint.objects.filter(case=case).exists():
            raise WindowError(_("This case is already linked to a window."))
        window = (restrict(ServiceWindow.objects.select_related("site", "unit"), actor)
                  .filter(pk=window_id, is_active=True).first())
        if window is None:
            raise WindowError(_("Window: choose one of the list."))
        now = timezone.now()
        link = WindowComplaint.objects.create(window=window, case=case, created_at=case.reported_at, linked_by=actor)
        rule = _reroute(case, window.unit_id)
        case.version += 1
        case.save()
        case_event_append(case, action=EventAction.SUBJECT_LINK, actor=actor, at=now, data={
            "window": window.pk, "window_name": str(window), "unit": window.unit_id, "linked": True,
            "routing_rule": rule})
        event_append(window, kind=WindowEventKind.COMPLAINT_LINKED, actor=actor, at=now, case=case.pk,
                     tracking_code=case.tracking_code)
    return link


def complaint_unlink(*, case_id: int, actor, note: str, expected_version: int | None = None) -> Case:
    """Undo a link the command centre made (the wrong window, not a complaint after all), with the reason. A complaint
    filed from the QR code stays the window's."""
    linker_require(actor)
    note = strip_controls(note or "").strip()
    if not note:
        raise WindowError(_("Reason: say why the link is removed."))
    if len(note) > 2000:
        raise WindowError(_("Reason: at most %(limit)d characters.") % {"limit": 2000})
    with transaction.atomic():
        try:
            case = locked_in_scope(Case.objects.all(), actor, case_id)
        except Case.DoesNotExist:
            raise WindowError(_("No such case.")) from None
        if expected_version is not None and expected_version != case.version:
            raise WindowError(_("Someone else changed this case meanwhile; reload it and try again."))
        link = WindowComplaint.objects.select_related("window").filter(case=case).first()
        if link is None:
            raise WindowError(_("This case is not linked to a window."))
        if link.linked_by_id is None:
            raise WindowError(_("A complaint filed at the window's QR code stays linked to it."))
        window = link.window
        link.delete()
        now = timezone.now()
        rule = _reroute(case, None)
        case.version += 1
        case.save()
        case_event_append(case, action=EventAction.SUBJECT_LINK, actor=actor, at=now, note=note, data={
            "window": window.pk, "window_name": str(window), "unit": window.unit_id, "linked": False,
            "routing_rule": rule})
        event_append(window, kind=WindowEventKind.COMPLAINT_UNLINKED, actor=actor, at=now, note=note, case=case.pk,
                     tracking_code=case.tracking_code)
    return case


def subject_unit_of_case(case) -> int | None:
    """Routing's rule 0 for a case linked to a window: the window's unit (registered with cases' routing)."""
    if getattr(case, "pk", None) is None:
        return None
    return (WindowComplaint.objects.filter(case_id=case.pk, window__is_active=True)
            .values_list("window__unit_id", flat=True).first())
