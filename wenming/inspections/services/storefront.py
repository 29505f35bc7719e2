"""Storefront checks (门前五包): record a check of a shop's five duties, issue the numbered notice (告知书) a check with
violations produces, record that it was served, and settle it by a re-check — not fixed files a case through the
cases app's intake at the shop's frontage, so routing's storefront-duty step sends it to the supervising unit.

Every step locks its row through the person's scope (``locked_in_scope``: out of scope is missing), checks the
entry of ``NOTICE_ACTIONS`` (or ``STOREFRONT_CHECKERS`` for a check), changes the rows and appends a
``StorefrontEvent`` through ``_event``, all in one transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.cases.models import Channel
from wenming.cases.services import workflow as wf
from wenming.common.access import locked_in_scope, scope_for
from wenming.common.calendar import is_workday
from wenming.common.errors import IllegalTransition, NotAllowed, WorkflowError
from wenming.common.files import field_file_save
from wenming.common.images import ImageRefused, image_decode, image_jpeg
from wenming.common.input import strip_controls
from wenming.common.roles import STOREFRONT_CHECKERS
from wenming.inspections.models import (
    CheckKind,
    NoticeState,
    ServedHow,
    StorefrontCheck,
    StorefrontCheckItem,
    StorefrontEvent,
    StorefrontEventAction,
    StorefrontNotice,
)
from wenming.org.models import StorefrontDuty
from wenming.org.models.site import STOREFRONT_DUTIES

DUTY_KEYS = [key for key, _label in STOREFRONT_DUTIES]
DUTY_LABELS = dict(STOREFRONT_DUTIES)
# The standard's wording of each duty (衡水市城乡街巷沿街商户"门前五包"责任制), printed on the notice.
STANDARD = {
    "sanitation": gettext_lazy("包卫生：门前无暴露垃圾、无污水、无积存杂物，垃圾按规定分类投放。"),
    "greening": gettext_lazy("包绿化：爱护门前树木、花草和绿化设施，不在绿地内堆物、晾晒。"),
    "order": gettext_lazy("包秩序：不店外经营、不占道堆放，车辆停放整齐有序，不乱搭乱建。"),
    "facilities": gettext_lazy("包设施：门前公共设施完好，牌匾广告规范，不乱贴乱画乱挂。"),
    "civility": gettext_lazy("包文明：文明经营、诚信待客，劝阻门前不文明行为。"),
}
# The shop-front case category an unfixed duty is filed under (each flagged ``storefront_duty``, so routing sends it
# to the supervising unit): 道路不洁, 乱堆物料, 店外经营.
DUTY_CATEGORY = {"sanitation": "SJ0102", "greening": "SJ0409", "order": "SJ0402", "facilities": "SJ0409",
                 "civility": "SJ0402"}
MAX_NOTE = 500
CLOCK_SKEW = dt.timedelta(minutes=10)
# A check written up later (a paper form, no network on the street) may be up to this old.
MAX_AGE = dt.timedelta(days=62)
PHOTO_SIDE = 1600


# Direction overrides would let a note printed on the notice read differently from what was typed.
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _clean(text: str) -> str:
    return BIDI.sub("", strip_controls(text or "")).strip()


def fix_days_default() -> int:
    """Working days a notice gives to fix (``WENMING_STOREFRONT_FIX_DAYS``, default 3)."""
    return int(getattr(settings, "WENMING_STOREFRONT_FIX_DAYS", 3))


@dataclass(frozen=True)
class DutyResult:
    duty: str
    compliant: bool
    note: str = ""
    photo: wf.Upload | None = None


@dataclass(frozen=True)
class NoticeAction:
    key: str
    label: Promise
    states: frozenset[str]
    who: frozenset[str]
    event: StorefrontEventAction


NOTICE_ACTIONS: dict[str, NoticeAction] = {a.key: a for a in (
    NoticeAction("serve", gettext_lazy("Record serving"), frozenset({NoticeState.ISSUED}), STOREFRONT_CHECKERS,
                 StorefrontEventAction.NOTICE_SERVED),
    # 复查: fixed, or not fixed after the deadline (a case is filed).
    NoticeAction("recheck", gettext_lazy("Re-check"), frozenset({NoticeState.ISSUED, NoticeState.SERVED}),
                 STOREFRONT_CHECKERS, StorefrontEventAction.FIXED),
)}


def can_check(user) -> bool:
    """Whether this person records storefront checks at all (which shops: their scope)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or scope_for(user).roles & STOREFRONT_CHECKERS)


def notice_actions_for(notice: StorefrontNotice, user) -> list[NoticeAction]:
    """What this person may do on this notice now (the notice page offers these; the services decide)."""
    return [a for a in NOTICE_ACTIONS.values() if notice.state in a.states and can_check(user)]


def due_on(issued_on: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``issued_on`` (the city's calendar: weekends, holidays, 调休 days)."""
    day, left = issued_on, days
    for _i in range(366):
        if left <= 0:
            return day
        day += dt.timedelta(days=1)
        if is_workday(day):
            left -= 1
    raise WorkflowError(_("The deadline is more than a year away."))


def _event(*, shop_id: int, action: str, actor, at: dt.datetime, notice=None, check=None, **data) -> StorefrontEvent:
    """The one writer of the shop's log."""
    return StorefrontEvent.objects.create(shop_id=shop_id, notice=notice, check_row=check, action=action,
                                          actor=actor, at=at, data=data)


def _when(value: dt.datetime | None, *, now: dt.datetime, label: str) -> dt.datetime:
    if value is None:
        return now
    if timezone.is_naive(value):
        raise WorkflowError(_("%(field)s: give a time with its time zone.") % {"field": label})
    if not now - MAX_AGE <= value <= now + CLOCK_SKEW:
        raise WorkflowError(_("%(field)s is out of range: at most %(days)d days ago and not in the future.")
                            % {"field": label, "days": MAX_AGE.days})
    return value


def _position(lng, lat) -> None:
    if (lng is None) != (lat is None):
        raise WorkflowError(_("Give both longitude and latitude, or neither."))
    if lng is not None and not (-180 <= lng <= 180 and -90 <= lat <= 90):
        raise WorkflowError(_("The GPS position is out of range."))


def _photo_jpeg(upload: wf.Upload, label: str) -> bytes:
    """The photo re-encoded (no EXIF, long side ≤ PHOTO_SIDE), after the evidence reader's checks."""
    limit = settings.WENMING_MAX_UPLOAD_BYTES
    if len(upload.content) > limit:
        raise WorkflowError(_("%(duty)s: the photo is larger than %(limit)d bytes.") % {"duty": label, "limit": limit})
    try:
        decoded = image_decode(content=upload.content, name=upload.name, max_side=PHOTO_SIDE)
    except ImageRefused as exc:
        raise WorkflowError(f"{label}: {exc}") from None
    return image_jpeg(decoded.image)


def _results_read(results: list[DutyResult], duties: list[str], *, lng, lat) -> list[tuple[DutyResult, bytes | None]]:
    """Each duty once, exactly the ``duties`` asked; a 不符合 needs a photo and the position. Photos decoded here,
    before any lock."""
    _position(lng, lat)
    seen = [r.duty for r in results]
    unknown = [d for d in seen if d not in duties]
    if unknown:
        raise WorkflowError(_("Duty %(duty)s is not checked here.") % {"duty": strip_controls(str(unknown[0]))[:20]})
    if len(set(seen)) != len(seen):
        raise WorkflowError(_("Each duty once only."))
    missing = [d for d in duties if d not in seen]
    if missing:
        raise WorkflowError(_("%(duty)s: choose compliant or not compliant.") % {"duty": DUTY_LABELS[missing[0]]})
    read = []
    for r in sorted(results, key=lambda r: duties.index(r.duty)):
        label = str(DUTY_LABELS[r.duty])
        note = _clean(r.note)
        if len(note) > MAX_NOTE:
            raise WorkflowError(_("%(duty)s: the note is longer than %(limit)d characters.")
                                % {"duty": label, "limit": MAX_NOTE})
        photo = None
        if not r.compliant:
            if r.photo is None:
                raise WorkflowError(_("%(duty)s: a violation needs a photo.") % {"duty": label})
            if lng is None:
                raise WorkflowError(_("%(duty)s: a violation needs the GPS position.") % {"duty": label})
        if r.photo is not None and not r.compliant:
            photo = _photo_jpeg(r.photo, label)
        read.append((DutyResult(r.duty, r.compliant, note, r.photo), photo))
    return read


def _check_store(*, shop: StorefrontDuty, actor, kind: str, notice, checked_at, lng, lat,
                 read: list[tuple[DutyResult, bytes | None]]) -> StorefrontCheck:
    check = StorefrontCheck.objects.create(shop=shop, kind=kind, notice=notice, checked_at=checked_at,
                                           checked_by=actor, lng=lng, lat=lat,
                                           violations=sum(1 for r, _p in read if not r.compliant))
    for result, photo in read:
        item = StorefrontCheckItem(check_row=check, duty=result.duty, compliant=result.compliant, note=result.note)
        if photo is not None:
            field_file_save(item.photo, stem=f"{shop.code}-{result.duty}", extension="jpg", content=photo)
        item.save()
    return check


def _notice_number(year: int) -> tuple[int, str]:
    seq = (StorefrontNotice.objects.filter(year=year).aggregate(m=Max("seq"))["m"] or 0) + 1
    return seq, f"MQ{year}-{seq:05d}"


def _notice_issue(*, shop: StorefrontDuty, check: StorefrontCheck, actor, fix_days: int) -> StorefrontNotice:
    """The next number of the year; two issuing at once collide on the unique (year, seq): take the next one."""
    local = timezone.localtime(check.checked_at, timezone.get_default_timezone())
    duties = [i.duty for i in check.items.all() if not i.compliant]
    for _attempt in range(5):
        seq, number = _notice_number(local.year)
        try:
            with transaction.atomic():
                return StorefrontNotice.objects.create(
                    number=number, year=local.year, seq=seq, shop=shop, source_check=check, duties=duties,
                    supervising_unit_id=shop.supervising_unit_id, issued_at=check.checked_at, fix_days=fix_days,
                    due_on=due_on(local.date(), fix_days))
        except IntegrityError:
            continue
    raise WorkflowError(_("Notices are being numbered by others right now: send it again."))


def storefront_check_record(*, actor, shop_id: int, results: list[DutyResult], checked_at: dt.datetime | None = None,
                            lng: float | None = None, lat: float | None = None,
                            fix_days: int | None = None) -> StorefrontCheck:
    """Record a check of a shop in the person's scope; with violations, issue its notice (告知书)."""
    if not can_check(actor):
        raise NotAllowed(_("Your roles do not check storefronts."))
    fix_days = fix_days_default() if fix_days is None else fix_days
    if not 1 <= fix_days <= 30:
        raise WorkflowError(_("Working days to fix: between 1 and 30."))
    now = timezone.now()
    checked_at = _when(checked_at, now=now, label=_("Time of the check"))
    with transaction.atomic():
        try:
            shop = locked_in_scope(StorefrontDuty.objects.all(), actor, shop_id)
        except StorefrontDuty.DoesNotExist:
            raise NotAllowed(_("No such shop in your scope.")) from None
        duties = [d for d in DUTY_KEYS if d in (shop.duties or DUTY_KEYS)]
        read = _results_read(results, duties, lng=lng, lat=lat)
        check = _check_store(shop=shop, actor=actor, kind=CheckKind.CHECK, notice=None, checked_at=checked_at,
                             lng=lng, lat=lat, read=read)
        _event(shop_id=shop.pk, action=StorefrontEventAction.CHECKED, actor=actor, at=now, check=check,
               violations=[r.duty for r, _p in read if not r.compliant])
        if check.violations:
            notice = _notice_issue(shop=shop, check=check, actor=actor, fix_days=fix_days)
            _event(shop_id=shop.pk, action=StorefrontEventAction.NOTICE_ISSUED, actor=actor, at=now, check=check,
                   notice=notice, number=notice.number, due_on=notice.due_on.isoformat())
    return check


def _notice_step(*, actor, notice_id: int, key: str, expected_version: int | None) -> StorefrontNotice:
    """Lock the notice through the scope and check the table's entry (inside the caller's transaction)."""
    try:
        notice = locked_in_scope(StorefrontNotice.objects.select_related("shop"), actor, notice_id)
    except StorefrontNotice.DoesNotExist:
        raise NotAllowed(_("No such notice in your scope.")) from None
    action = NOTICE_ACTIONS[key]
    if not can_check(actor):
        raise NotAllowed(_("Your roles do not check storefronts."))
    if notice.state not in action.states:
        raise IllegalTransition(_("Notice %(number)s is %(state)s: this cannot be done now.")
                                % {"number": notice.number, "state": notice.get_state_display()})
    if expected_version is not None and expected_version != notice.version:
        raise IllegalTransition(_("Notice %(number)s was changed meanwhile: reload the page.")
                                % {"number": notice.number})
    return notice


def storefront_notice_serve(*, actor, notice_id: int, served_how: str, note: str = "",
                            served_at: dt.datetime | None = None,
                            expected_version: int | None = None) -> StorefrontNotice:
    """Record that the notice reached the shop (when, how)."""
    if served_how not in ServedHow.values:
        raise WorkflowError(_("How it was served: choose one of the list."))
    note = _clean(note)
    if len(note) > 200:
        raise WorkflowError(_("The note is longer than %(limit)d characters.") % {"limit": 200})
    now = timezone.now()
    served_at = _when(served_at, now=now, label=_("Served at"))
    with transaction.atomic():
        notice = _notice_step(actor=actor, notice_id=notice_id, key="serve", expected_version=expected_version)
        if served_at < notice.issued_at:
            raise WorkflowError(_("Served at: not before the notice was issued."))
        notice.state, notice.served_at, notice.served_how, notice.served_note = (
            NoticeState.SERVED, served_at, served_how, note)
        notice.version += 1
        notice.save(update_fields=["state", "served_at", "served_how", "served_note", "version"])
        _event(shop_id=notice.shop_id, action=StorefrontEventAction.NOTICE_SERVED, actor=actor, at=now,
               notice=notice, served_how=served_how, served_at=served_at.isoformat())
    return notice


def _case_description(notice: StorefrontNotice, unfixed: list[str]) -> str:
    return _("门前五包 notice %(number)s not fixed by %(due)s: %(shop)s (%(address)s), %(duties)s.") % {
        "number": notice.number, "due": notice.due_on.isoformat(), "shop": notice.shop.shop_name,
        "address": notice.shop.address or notice.shop.code,
        "duties": "、".join(str(DUTY_LABELS[d]) for d in unfixed)}


def storefront_notice_recheck(*, actor, notice_id: int, results: list[DutyResult],
                              checked_at: dt.datetime | None = None, lng: float | None = None,
                              lat: float | None = None, expected_version: int | None = None) -> StorefrontNotice:
    """复查: check the notice's duties again. All fixed settles it as fixed (any time); a duty still violated after
    the deadline settles it as not fixed and files a case at the shop's frontage (routed to the supervising unit by
    the storefront duty), with the re-check's photos."""
    now = timezone.now()
    checked_at = _when(checked_at, now=now, label=_("Time of the check"))
    with transaction.atomic():
        notice = _notice_step(actor=actor, notice_id=notice_id, key="recheck", expected_version=expected_version)
        read = _results_read(results, list(notice.duties), lng=lng, lat=lat)
        if checked_at < notice.issued_at:
            raise WorkflowError(_("Time of the check: not before the notice was issued."))
        unfixed = [r.duty for r, _p in read if not r.compliant]
        local_day = timezone.localtime(checked_at, timezone.get_default_timezone()).date()
        if unfixed and local_day <= notice.due_on:
            raise IllegalTransition(_("The deadline (%(due)s) has not passed: re-check after it, or when fixed.")
                                    % {"due": notice.due_on.isoformat()})
        shop = notice.shop
        check = _check_store(shop=shop, actor=actor, kind=CheckKind.RECHECK, notice=notice, checked_at=checked_at,
                             lng=lng, lat=lat, read=read)
        notice.settled_at, notice.version = checked_at, notice.version + 1
        if unfixed:
            notice.state = NoticeState.NOT_FIXED
            # At the shop's own point (on its frontage), so routing's storefront step finds it whatever the GPS.
            notice.case = wf.case_intake(
                channel=Channel.GRID, channel_configured=True, description=_case_description(notice, unfixed),
                lng=shop.lng, lat=shop.lat, crs="wgs84", category=DUTY_CATEGORY[unfixed[0]],
                address=shop.address or shop.shop_name, actor=actor, reported_at=checked_at,
                photos=[r.photo for r, _p in read if not r.compliant and r.photo is not None],
                source={"form": "storefront", "notice": notice.number})
            event = StorefrontEventAction.NOT_FIXED
        else:
            notice.state = NoticeState.FIXED
            event = StorefrontEventAction.FIXED
        notice.save(update_fields=["state", "settled_at", "case", "version"])
        _event(shop_id=shop.pk, action=event, actor=actor, at=now, notice=notice, check=check, unfixed=unfixed,
               case=notice.case.number if notice.case_id else "")
    return notice
