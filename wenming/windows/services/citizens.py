"""What a citizen does at the counter's QR code: rate the window (好差评) and complain about it. And the unit's
answer to a bad rating (差评回访).

A rating carries a phone verified by SMS code (the caller verifies it, as the 随手拍 page does); it is kept as a
keyed hash only. One rating per phone, window and day (the visit): the database's unique constraint decides, so
two simultaneous posts cannot both count. Ratings and complaints are rate-limited per network and per phone."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases.models import Case
from wenming.common.access import locked_in_scope, scope_for
from wenming.common.input import strip_controls
from wenming.common.roles import WINDOW_KEEPERS
from wenming.common.services.limits import keyed_hash, limit_hit, limits_declare
from wenming.common.services.notifications import notifications_enqueue
from wenming.org.models import Person
from wenming.public.services.reports import public_report_submit
from wenming.windows.errors import NotAllowed, WindowError
from wenming.windows.models import (
    BAD_LEVELS,
    FollowUpState,
    RatingLevel,
    ServiceWindow,
    WindowComplaint,
    WindowEventKind,
    WindowRating,
)
from wenming.windows.services.records import event_append

limits_declare({
    "window_rate_ip": (20, 3600),  # window ratings from one network
    "window_rate_phone": (10, 86400),  # window ratings with one phone (one per window and day besides)
    "window_complaint_ip": (10, 3600),  # window complaints from one network
})
# The category window complaints are filed under (cases/data/categories.json: 窗口服务不文明).
COMPLAINT_CATEGORY = "SJ0901"
MAX_COMMENT = 500


def _window(code: str) -> ServiceWindow:
    window = ServiceWindow.objects.select_related("site", "unit").filter(code=code, is_active=True).first()
    if window is None:
        raise WindowError(_("No such window."))
    return window


def window_rate(*, code: str, phone: str, level: int, comment: str = "", ip: str = "", now=None) -> WindowRating:
    """Rate the window with public code ``code``. ``phone`` is already verified. A 差评 opens a follow-up and tells
    the window's unit."""
    if level not in RatingLevel.values:
        raise WindowError(_("Rating: choose one of the five levels."))
    comment = strip_controls(comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise WindowError(_("Comment: at most %(limit)d characters.") % {"limit": MAX_COMMENT})
    if not phone:
        raise WindowError(_("Phone: verify your phone to rate."))
    window = _window(code)
    limit_hit(what="window_rate_ip", who=ip)
    limit_hit(what="window_rate_phone", who=phone)
    now = now or timezone.now()
    bad = level in BAD_LEVELS
    try:
        with transaction.atomic():
            rating = WindowRating.objects.create(
                window=window, level=level, comment=comment, phone_hash=keyed_hash(f"window-rating:{phone}"),
                visit_date=timezone.localtime(now).date(), created_at=now,
                followup_state=FollowUpState.OPEN if bad else FollowUpState.NONE)
            event_append(window, kind=WindowEventKind.RATED, at=now, rating=rating.pk, level=level)
            if bad:
                notifications_enqueue(
                    recipients=Person.objects.filter(is_active=True, roles__unit_id=window.unit_id).distinct(),
                    key=f"window-bad-rating:{rating.pk}",
                    subject=_("Bad rating at %(window)s: answer it") % {"window": str(window)},
                    link="/windows/followups/")
    except IntegrityError:
        raise WindowError(_("You have already rated this window today. Thank you.")) from None
    return rating


def rating_answer(*, rating_id: int, actor, answer: str, expected_version: int | None = None) -> WindowRating:
    """The window's unit answers a 差评 after following it up (回访): required note, logged, once."""
    if not scope_for(actor).roles & WINDOW_KEEPERS:
        raise NotAllowed(_("Your role may not answer ratings."))
    answer = strip_controls(answer or "").strip()
    if not answer:
        raise WindowError(_("Answer: say what was followed up and done."))
    if len(answer) > 2000:
        raise WindowError(_("Answer: at most %(limit)d characters.") % {"limit": 2000})
    with transaction.atomic():
        rating = locked_in_scope(WindowRating.objects.select_related("window"), actor, rating_id)
        if expected_version is not None and expected_version != rating.version:
            raise WindowError(_("This rating changed since you opened it; reload the page."))
        if rating.followup_state != FollowUpState.OPEN:
            raise WindowError(_("Only an open bad rating can be answered."))
        now = timezone.now()
        rating.followup_state, rating.answer, rating.answered_by, rating.answered_at = (
            FollowUpState.ANSWERED, answer, actor, now)
        rating.version += 1
        rating.save()
        event_append(rating.window, kind=WindowEventKind.FOLLOWUP_ANSWERED, actor=actor, at=now, note=answer,
                     rating=rating.pk)
    return rating


def window_complain(*, code: str, description: str, phone: str = "", ip: str = "") -> Case:
    """A complaint about the window: a case in the case workflow (the public report service, channel citizen),
    at the window's site, in the window-service category, routed to the window's unit; linked to the window so
    its complaint rate counts it."""
    window = _window(code)
    description = strip_controls(description or "").strip()
    if not description:
        raise WindowError(_("Complaint: say what happened."))
    if len(description) > 2000:
        raise WindowError(_("Complaint: at most %(limit)d characters.") % {"limit": 2000})
    limit_hit(what="window_complaint_ip", who=ip)
    text = _("Complaint about window %(window)s: %(text)s") % {"window": str(window), "text": description}
    with transaction.atomic():
        case = public_report_submit(description=text, lng=None, lat=None, category_code=COMPLAINT_CATEGORY,
                                    address=window.site.address or window.site.name, phone=phone, ip=ip,
                                    site=window.site, subject_unit=window.unit)
        WindowComplaint.objects.create(window=window, case=case, created_at=case.reported_at)
        event_append(window, kind=WindowEventKind.COMPLAINED, case=case.pk, tracking_code=case.tracking_code)
    return case
