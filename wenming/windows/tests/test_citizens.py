"""The counter's QR page: a rating per verified phone per window per day (the constraint decides), rate limits per
network, a 差评 opening a follow-up the window's unit answers; a complaint becomes a case routed to the window's
unit (not the hall's 包保 unit), in the window-service category."""

import pytest
from django.urls import reverse

from wenming.cases.models import Case
from wenming.cases.routing_cache import reset_routing_config
from wenming.cases.services import workflow as wf
from wenming.cases.services.routing import case_route
from wenming.common.models import Notification
from wenming.common.services.limits import RateLimited
from wenming.org.models import Unit
from wenming.public.tests import sms
from wenming.windows.errors import WindowError
from wenming.windows.models import (
    FollowUpState,
    RatingLevel,
    WindowComplaint,
    WindowEvent,
    WindowEventKind,
    WindowRating,
)
from wenming.windows.services.citizens import COMPLAINT_CATEGORY, rating_answer, window_complain, window_rate

from .conftest import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_setup")]
PHONE = "13800138000"


def test_one_rating_per_phone_per_window_per_visit(power_window):
    window_rate(code=power_window.code, phone=PHONE, level=RatingLevel.SATISFIED, ip="1.1.1.1",
                now=at(2026, 11, 2, 9, 0))
    with pytest.raises(WindowError, match="already rated this window today"):
        window_rate(code=power_window.code, phone=PHONE, level=RatingLevel.VERY_SATISFIED, ip="1.1.1.2",
                    now=at(2026, 11, 2, 16, 0))
    # The next visit (another day) counts again; another phone the same day too.
    window_rate(code=power_window.code, phone=PHONE, level=RatingLevel.VERY_SATISFIED, now=at(2026, 11, 3, 9, 0))
    window_rate(code=power_window.code, phone="13900139000", level=RatingLevel.SATISFIED, now=at(2026, 11, 2, 9, 0))
    assert WindowRating.objects.filter(window=power_window).count() == 3
    assert not WindowRating.objects.filter(phone_hash__contains=PHONE).exists()  # only a keyed hash is kept


def test_ratings_are_rate_limited_per_network(power_window, settings):
    settings.WENMING_PUBLIC_LIMITS = {"window_rate_ip": (2, 3600)}
    for n in range(2):
        window_rate(code=power_window.code, phone=f"1380013800{n}", level=RatingLevel.SATISFIED, ip="9.9.9.9")
    with pytest.raises(RateLimited):
        window_rate(code=power_window.code, phone="13800138009", level=RatingLevel.SATISFIED, ip="9.9.9.9")
    assert WindowRating.objects.count() == 2


def test_a_bad_rating_is_followed_up_and_answered_by_the_unit(power_window, people):
    rating = window_rate(code=power_window.code, phone=PHONE, level=RatingLevel.VERY_DISSATISFIED, comment="态度差")
    assert rating.followup_state == FollowUpState.OPEN
    assert Notification.objects.filter(recipient=people["gongdian"], key=f"window-bad-rating:{rating.pk}").exists()
    with pytest.raises(WindowRating.DoesNotExist):  # another unit cannot reach it
        rating_answer(rating_id=rating.pk, actor=people["chengguan"], answer="x")
    with pytest.raises(WindowError, match="Answer"):
        rating_answer(rating_id=rating.pk, actor=people["gongdian"], answer="  ")
    rating_answer(rating_id=rating.pk, actor=people["gongdian"], answer="已回访，当事人已道歉", expected_version=1)
    rating.refresh_from_db()
    assert rating.followup_state == FollowUpState.ANSWERED and rating.answered_by == people["gongdian"]
    assert WindowEvent.objects.filter(window=power_window, kind=WindowEventKind.FOLLOWUP_ANSWERED).count() == 1
    with pytest.raises(WindowError, match="Only an open"):
        rating_answer(rating_id=rating.pk, actor=people["gongdian"], answer="again")
    good = window_rate(code=power_window.code, phone="13900139000", level=RatingLevel.SATISFIED)
    assert good.followup_state == FollowUpState.NONE


def test_a_complaint_is_a_case_routed_to_the_windows_unit(power_window, hall, people):
    power = Unit.objects.get(code="POWER")
    assert hall.guarantor_unit_id != power.pk  # the hall's 包保 unit would be chosen by place alone
    case = window_complain(code=power_window.code, description="窗口人员玩手机，不理人", ip="2.2.2.2")
    assert case.category.code == COMPLAINT_CATEGORY and case.site_id == hall.pk
    assert case.routing["unit_id"] == power.pk and case.routing["rule"] == "subject_unit"
    assert WindowComplaint.objects.get(case=case).window == power_window
    # The same workflow as every case: registered and dispatched, it goes to the window's unit.
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"])
    assert Case.objects.get(pk=case.pk).unit_id == power.pk


def test_the_qr_page_rates_with_a_verified_phone_and_complains(client, power_window):
    url = reverse("windows:public", args=[power_window.code])
    page = client.get(url)
    assert page.status_code == 200 and power_window.name.encode() in page.content
    assert client.post(reverse("public:code"), {"phone": PHONE}).status_code == 200
    code = sms.last_code(PHONE)
    wrong = client.post(url, {"level": 5, "phone": PHONE, "code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400 and not WindowRating.objects.exists()
    rated = client.post(url, {"level": 2, "comment": "等了很久", "phone": PHONE, "code": code})
    assert rated.status_code == 302
    shown = client.get(url).content.decode()
    assert PHONE not in shown and f"{PHONE[:3]}****{PHONE[7:]}" in shown  # only the masked number goes out
    again = client.post(url, {"level": 5})  # verified in this browser: blank uses the session's phone
    assert again.status_code == 400 and b"already rated this window today" in again.content
    assert PHONE.encode() not in again.content
    again = client.post(url, {"level": 5, "phone": PHONE})  # verified in this browser: no new code needed
    assert again.status_code == 400 and b"already rated this window today" in again.content
    complained = client.post(reverse("windows:complain", args=[power_window.code]),
                             {"description": "办事效率低", "phone": PHONE})
    assert complained.status_code == 302 and WindowComplaint.objects.filter(window=power_window).count() == 1
    assert client.get(reverse("windows:public", args=["NOSUCHCODE"])).status_code == 404
    power_window.is_active = False
    power_window.save()
    assert client.get(url).status_code == 404


def test_a_comment_too_long_or_a_level_off_the_scale_is_refused(power_window):
    with pytest.raises(WindowError, match="Comment"):
        window_rate(code=power_window.code, phone=PHONE, level=4, comment="长" * 501)
    with pytest.raises(WindowError, match="Rating"):
        window_rate(code=power_window.code, phone=PHONE, level=7)
    assert not WindowRating.objects.exists()


def test_routing_rule_zero_names_the_subject_unit_only_when_active(hall):
    """Rule 0 of cases/services/routing.py: the unit a report is about wins over the place's rules; an inactive one
    is passed over and the place decides as before."""
    power = Unit.objects.get(code="POWER")
    by_place = case_route(lng=hall.lng, lat=hall.lat, category=COMPLAINT_CATEGORY)
    about = case_route(lng=hall.lng, lat=hall.lat, category=COMPLAINT_CATEGORY, subject_unit_id=power.pk)
    assert about.unit_id == power.pk and about.rule == "subject_unit" and by_place.rule != "subject_unit"
    power.is_active = False
    power.save()
    reset_routing_config()
    fallen = case_route(lng=hall.lng, lat=hall.lat, category=COMPLAINT_CATEGORY, subject_unit_id=power.pk)
    assert (fallen.unit_id, fallen.rule) == (by_place.unit_id, by_place.rule)


def test_a_window_is_set_up_only_at_a_site_with_coordinates(client, hall, people):
    """Complaints are placed at the window's site: a site without coordinates would lose routing's rule 0 (to the
    window's unit), so the form refuses it."""
    from wenming.org.models import Unit
    from wenming.windows.models import ServiceWindow

    client.force_login(people["admin"])
    unit = Unit.objects.get(code="POWER")
    blank = type(hall).objects.filter(lng__isnull=True, is_active=True).first()
    if blank is None:
        blank = type(hall).objects.filter(is_active=True).exclude(pk=hall.pk).first()
        blank.lng = blank.lat = None
        blank.save(update_fields=["lng", "lat"])
    refused = client.post(reverse("windows:new"), {"site": blank.code, "unit": unit.code, "name": "无坐标窗口"},
                          follow=True)
    assert b"has no coordinates" in refused.content and not ServiceWindow.objects.filter(name="无坐标窗口").exists()
    assert hall.lng is not None
    made = client.post(reverse("windows:new"), {"site": hall.code, "unit": unit.code, "name": "有坐标窗口"})
    assert made.status_code == 302 and ServiceWindow.objects.filter(name="有坐标窗口").exists()
