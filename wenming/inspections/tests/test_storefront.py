"""Storefront checks (门前五包): recording with validation, notices numbered with a deadline in working days, serving,
re-check settling (fixed; not fixed → a case routed to the supervising unit by the storefront duty), repeat counts
at the window's edges, and access through the scope."""

import datetime as dt

import pytest
from django.utils import timezone

from wenming.cases.models import Case
from wenming.cases.services import workflow as wf
from wenming.common.calendar import invalidate_overrides
from wenming.common.errors import IllegalTransition, NotAllowed, WorkflowError
from wenming.common.models import CalendarDay
from wenming.conftest import photo_bytes
from wenming.inspections.models import (
    NoticeState,
    StorefrontCheck,
    StorefrontEvent,
    StorefrontEventAction,
    StorefrontNotice,
)
from wenming.inspections.services import storefront as sf
from wenming.inspections.storefront_selectors import repeat_counts, storefront_repeat_offenders
from wenming.org.models import StorefrontDuty

pytestmark = pytest.mark.django_db

DUTIES = sf.DUTY_KEYS


@pytest.fixture
def shop(people):
    """The first shop the street office of 郑主任 (jiedao) supervises."""
    return StorefrontDuty.objects.filter(supervising_unit=people["jiedao"].unit).order_by("code").first()


@pytest.fixture
def other_shop(people):
    """A shop another street office supervises (in another district)."""
    return StorefrontDuty.objects.exclude(supervising_unit=people["jiedao"].unit).order_by("-code").first()


def results(*bad, photo=True, note=""):
    return [sf.DutyResult(d, d not in bad, note if d in bad else "",
                          wf.Upload("p.png", photo_bytes()) if d in bad and photo else None) for d in DUTIES]


def record(actor, shop, *bad, when=None, **kw):
    return sf.storefront_check_record(actor=actor, shop_id=shop.pk, results=results(*bad), checked_at=when,
                                      lng=shop.lng, lat=shop.lat, **kw)


def test_a_clean_check_is_logged_and_issues_no_notice(people, shop):
    check = record(people["jiedao"], shop)
    assert check.violations == 0 and check.items.count() == 5
    assert not StorefrontNotice.objects.filter(shop=shop).exists()
    assert list(StorefrontEvent.objects.filter(shop=shop).values_list("action", flat=True)) == ["checked"]


def test_a_violation_needs_a_photo_and_the_position(people, shop):
    with pytest.raises(WorkflowError, match="Order.*needs a photo"):
        sf.storefront_check_record(actor=people["jiedao"], shop_id=shop.pk, results=results("order", photo=False),
                                   lng=shop.lng, lat=shop.lat)
    with pytest.raises(WorkflowError, match="needs the GPS position"):
        sf.storefront_check_record(actor=people["jiedao"], shop_id=shop.pk, results=results("order"))
    with pytest.raises(WorkflowError, match="out of range"):
        sf.storefront_check_record(actor=people["jiedao"], shop_id=shop.pk, results=results("order"), lng=500, lat=1)
    assert not StorefrontCheck.objects.filter(shop=shop).exists()


def test_every_duty_once_and_only_the_shops(people, shop):
    actor = people["jiedao"]
    with pytest.raises(WorkflowError, match="choose compliant or not"):
        sf.storefront_check_record(actor=actor, shop_id=shop.pk, results=results()[:4])
    with pytest.raises(WorkflowError, match="Each duty once"):
        sf.storefront_check_record(actor=actor, shop_id=shop.pk, results=[*results(), results()[0]])
    with pytest.raises(WorkflowError, match="not checked here"):
        sf.storefront_check_record(actor=actor, shop_id=shop.pk, results=[*results(), sf.DutyResult("x\x00y", True)])
    StorefrontDuty.objects.filter(pk=shop.pk).update(duties=["sanitation", "order"])
    check = sf.storefront_check_record(actor=actor, shop_id=shop.pk, results=[
        sf.DutyResult("order", True), sf.DutyResult("sanitation", True)])
    assert [i.duty for i in check.items.all()] == ["sanitation", "order"]


def test_control_characters_are_stripped_and_long_notes_refused(people, shop):
    check = sf.storefront_check_record(actor=people["jiedao"], shop_id=shop.pk, lng=shop.lng, lat=shop.lat,
                                       results=results("order", note="门口\x00堆物\u202e"))
    assert check.items.get(duty="order").note == "门口堆物"
    with pytest.raises(WorkflowError, match="longer than 500"):
        sf.storefront_check_record(actor=people["jiedao"], shop_id=shop.pk, lng=shop.lng, lat=shop.lat,
                                   results=results("order", note="长" * 501))


@pytest.mark.parametrize("when", [dt.datetime(1900, 1, 1, tzinfo=dt.UTC), dt.datetime(9999, 12, 31, tzinfo=dt.UTC),
                                  timezone.now() + dt.timedelta(hours=2), timezone.now() - dt.timedelta(days=63)])
def test_extreme_times_are_refused(people, shop, when):
    with pytest.raises(WorkflowError, match="out of range"):
        record(people["jiedao"], shop, when=when)


def test_a_naive_time_is_refused(people, shop):
    with pytest.raises(WorkflowError, match="time zone"):
        record(people["jiedao"], shop, when=dt.datetime(2026, 3, 1, 10))


def test_photos_are_checked_and_stored_without_exif(people, shop, settings):
    with pytest.raises(WorkflowError, match="not a JPEG"):
        sf.storefront_check_record(actor=people["jiedao"], shop_id=shop.pk, lng=shop.lng, lat=shop.lat, results=[
            sf.DutyResult(d, d != "order", "", wf.Upload("x.png", b"<svg/>") if d == "order" else None) for d in DUTIES])
    settings.WENMING_MAX_UPLOAD_BYTES = 100
    with pytest.raises(WorkflowError, match="larger than 100 bytes"):
        record(people["jiedao"], shop, "order")
    settings.WENMING_MAX_UPLOAD_BYTES = 10_000_000
    settings.WENMING_MAX_IMAGE_PIXELS = 1000
    with pytest.raises(WorkflowError, match="Order"):
        sf.storefront_check_record(actor=people["jiedao"], shop_id=shop.pk, lng=shop.lng, lat=shop.lat, results=[
            sf.DutyResult(d, d != "order", "", wf.Upload("big.png", photo_bytes(size=(200, 200)))
                          if d == "order" else None) for d in DUTIES])
    settings.WENMING_MAX_IMAGE_PIXELS = 50_000_000
    check = record(people["jiedao"], shop, "order")
    item = check.items.get(duty="order")
    assert item.photo.name.startswith("storefront/") and item.photo.read()[:3] == b"\xff\xd8\xff"


def test_a_violation_issues_a_numbered_notice_due_in_working_days(people, shop):
    friday = timezone.make_aware(dt.datetime(2026, 3, 6, 10), timezone.get_default_timezone())
    now = timezone.now()
    when = friday if now - dt.timedelta(days=60) < friday < now else None
    first = record(people["jiedao"], shop, "order", "sanitation", when=when)
    notice = first.issued_notice
    local = timezone.localtime(first.checked_at)
    assert notice.number == f"MQ{local.year}-00001" and (notice.year, notice.seq) == (local.year, 1)
    assert notice.duties == ["sanitation", "order"] and notice.supervising_unit_id == shop.supervising_unit_id
    assert notice.fix_days == 3 and notice.due_on == sf.due_on(local.date(), 3)
    second = record(people["jiedao"], shop, "civility", fix_days=5)
    assert second.issued_notice.number == f"MQ{timezone.localtime(second.checked_at).year}-00002"
    assert second.issued_notice.due_on == sf.due_on(timezone.localtime(second.checked_at).date(), 5)
    actions = list(StorefrontEvent.objects.filter(shop=shop).values_list("action", flat=True))
    assert actions == ["checked", "notice_issued", "checked", "notice_issued"]
    with pytest.raises(WorkflowError, match="between 1 and 30"):
        record(people["jiedao"], shop, "civility", fix_days=0)


def test_the_deadline_skips_weekends_and_the_citys_holidays():
    assert sf.due_on(dt.date(2026, 3, 6), 3) == dt.date(2026, 3, 11)  # Fri → Mon, Tue, Wed
    assert sf.due_on(dt.date(2026, 3, 4), 3) == dt.date(2026, 3, 9)  # Wed → Thu, Fri, Mon
    CalendarDay.objects.create(date=dt.date(2026, 3, 9), is_workday=False, name="城市假日")
    CalendarDay.objects.create(date=dt.date(2026, 3, 7), is_workday=True, name="调休")
    invalidate_overrides()
    try:
        assert sf.due_on(dt.date(2026, 3, 4), 3) == dt.date(2026, 3, 7)  # Thu, Fri, Sat (调休)
        assert sf.due_on(dt.date(2026, 3, 6), 3) == dt.date(2026, 3, 11)  # Sat, (Mon off) Tue, Wed
    finally:
        invalidate_overrides()


def test_serving_is_recorded_once(people, shop):
    notice = record(people["jiedao"], shop, "order").issued_notice
    with pytest.raises(WorkflowError, match="choose one"):
        sf.storefront_notice_serve(actor=people["jiedao"], notice_id=notice.pk, served_how="email")
    served = sf.storefront_notice_serve(actor=people["jiedao"], notice_id=notice.pk, served_how="in_person",
                                        note="店主\x07签收", expected_version=0)
    assert (served.state, served.served_how, served.served_note, served.version) == ("served", "in_person", "店主签收", 1)
    with pytest.raises(IllegalTransition):
        sf.storefront_notice_serve(actor=people["jiedao"], notice_id=notice.pk, served_how="posted")


def _issued_days_ago(people, shop, days, *bad):
    when = timezone.now() - dt.timedelta(days=days)
    return record(people["jiedao"], shop, *bad, when=when).issued_notice


def test_a_recheck_settles_fixed_at_any_time(people, shop):
    notice = record(people["jiedao"], shop, "order").issued_notice
    settled = sf.storefront_notice_recheck(actor=people["wangge"] if False else people["jiedao"], notice_id=notice.pk,
                                           results=[sf.DutyResult("order", True)], expected_version=0)
    assert settled.state == NoticeState.FIXED and settled.case is None
    assert settled.rechecks.get().items.get().compliant
    assert StorefrontEvent.objects.filter(notice=notice, action=StorefrontEventAction.FIXED).exists()


def test_not_fixed_before_the_deadline_is_refused(people, shop):
    notice = record(people["jiedao"], shop, "order").issued_notice
    with pytest.raises(IllegalTransition, match="has not passed"):
        sf.storefront_notice_recheck(actor=people["jiedao"], notice_id=notice.pk, lng=shop.lng, lat=shop.lat,
                                     results=[sf.DutyResult("order", False, "", wf.Upload("p.png", photo_bytes()))])
    assert StorefrontNotice.objects.get(pk=notice.pk).state == NoticeState.ISSUED


def test_the_recheck_covers_the_notices_duties_only(people, shop):
    notice = record(people["jiedao"], shop, "order").issued_notice
    with pytest.raises(WorkflowError, match="not checked here"):
        sf.storefront_notice_recheck(actor=people["jiedao"], notice_id=notice.pk, results=[
            sf.DutyResult("order", True), sf.DutyResult("greening", True)])


def test_not_fixed_after_the_deadline_files_a_case_routed_by_the_storefront_duty(people, shop):
    notice = _issued_days_ago(people, shop, 20, "order", "sanitation")
    sf.storefront_notice_serve(actor=people["jiedao"], notice_id=notice.pk, served_how="posted")
    settled = sf.storefront_notice_recheck(actor=people["jiedao"], notice_id=notice.pk, lng=shop.lng, lat=shop.lat,
                                           results=[sf.DutyResult("sanitation", True),
                                                    sf.DutyResult("order", False, "仍店外经营",
                                                                  wf.Upload("p.png", photo_bytes()))])
    assert settled.state == NoticeState.NOT_FIXED
    case = Case.objects.get(pk=settled.case_id)
    assert case.routing["unit_id"] == shop.supervising_unit_id
    assert case.routing["rule"] == "storefront_duty" and case.routing["storefront"]["id"] == shop.pk
    assert case.category.code == "SJ0402" and case.channel == "grid"
    assert notice.number in case.description and case.evidence.count() == 1
    event = StorefrontEvent.objects.get(notice=notice, action=StorefrontEventAction.NOT_FIXED)
    assert event.data == {"unfixed": ["order"], "case": case.number}
    with pytest.raises(IllegalTransition):
        sf.storefront_notice_recheck(actor=people["jiedao"], notice_id=notice.pk, results=[sf.DutyResult("order", True)])


def test_a_stale_version_is_refused(people, shop):
    notice = record(people["jiedao"], shop, "order").issued_notice
    with pytest.raises(IllegalTransition, match="changed meanwhile"):
        sf.storefront_notice_serve(actor=people["jiedao"], notice_id=notice.pk, served_how="posted", expected_version=3)


def test_repeat_counts_at_the_windows_edges(people, shop):
    now = timezone.now()
    since = now - dt.timedelta(days=30)
    for days in (31, 30, 10, 1):
        record(people["jiedao"], shop, "order", when=now - dt.timedelta(days=days) + (
            dt.timedelta(seconds=1) if days == 30 else dt.timedelta(0)))
    record(people["jiedao"], shop, "sanitation", when=now - dt.timedelta(days=2))
    # The re-check of a notice sees the same violation again: not a repeat.
    sf.storefront_notice_recheck(actor=people["jiedao"], notice_id=StorefrontNotice.objects.filter(
        shop=shop, duties=["order"]).order_by("issued_at").first().pk, results=[sf.DutyResult("order", True)])
    assert repeat_counts([shop.pk], since=since)[shop.pk] == {"order": 3, "sanitation": 1}
    edge = StorefrontCheck.objects.filter(shop=shop).order_by("checked_at")[1].checked_at
    assert repeat_counts([shop.pk], since=edge)[shop.pk]["order"] == 3  # at the edge: counted
    assert repeat_counts([shop.pk], since=edge + dt.timedelta(microseconds=1))[shop.pk]["order"] == 2
    offenders = storefront_repeat_offenders(since=since, threshold=3)
    assert [(o.shop_id, o.duty, o.count) for o in offenders] == [(shop.pk, "order", 3)]
    assert storefront_repeat_offenders(since=since, threshold=4) == []


def test_who_checks_which_shop(people, shop, other_shop):
    # The supervising unit's leader; the command centre anywhere.
    record(people["jiedao"], shop)
    record(people["paiqian"], other_shop)
    # Another unit's shop is missing to a unit; an area leader reads but does not check; inspectors do not.
    with pytest.raises(NotAllowed, match="No such shop"):
        record(people["jiedao"], other_shop)
    with pytest.raises(NotAllowed, match="do not check"):
        record(people["taocheng"], shop)
    with pytest.raises(NotAllowed, match="do not check"):
        record(people["anfang"], shop)
    notice = record(people["paiqian"], other_shop, "order").issued_notice
    with pytest.raises(NotAllowed, match="No such notice"):
        sf.storefront_notice_serve(actor=people["jiedao"], notice_id=notice.pk, served_how="posted")


def test_a_grid_worker_checks_the_shops_of_her_area(people, shop):
    wangge = people["wangge"]
    with pytest.raises(NotAllowed, match="No such shop"):
        record(wangge, shop)  # a shop without an area lies where its street office governs: not her community
    StorefrontDuty.objects.filter(pk=shop.pk).update(area=wangge.roles.get().area)
    assert record(wangge, shop, "order").issued_notice.supervising_unit_id == shop.supervising_unit_id
