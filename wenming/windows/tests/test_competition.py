"""The competition's scores against a worked example computed by hand, the ranking's workflow (computed, approved
by someone else, published, public), stale pages refused; and the certificate reminders."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from wenming.cases.models import Case
from wenming.common.models import Notification
from wenming.org.models import Unit
from wenming.public.models import PublicReport
from wenming.windows.errors import IllegalTransition, NotAllowed, WindowError
from wenming.windows.models import (
    CompetitionEvent,
    CompetitionPeriod,
    CompetitionScore,
    Matter,
    RankingState,
    WindowComplaint,
    WindowEvent,
    WindowEventKind,
    WindowRating,
)
from wenming.windows.services.competition import (
    WindowFigures,
    period_create,
    ranking_actions_for,
    ranking_step,
    score_window,
)
from wenming.windows.services.records import certificates_remind, staff_save, window_create

from .conftest import at

pytestmark = pytest.mark.django_db


def _matter(window, item, number, *, accepted, due, completed=None):
    return Matter.objects.create(window=window, item=item, external_id=number, accepted_at=accepted, due_at=due,
                                 completed_at=completed)


@pytest.fixture
def november(people):
    # Weights 40 / 20 / 25 / 15, complaints score 0 at 0.05 per matter, ranked from 2 matters due.
    return period_create(actor=people["paiqian"], name="2026年11月", start=dt.date(2026, 11, 1),
                         end=dt.date(2026, 11, 30), min_matters=2)


@pytest.fixture
def three_windows(hall, power_window, items, people):
    """Worked example (November 2026; no inspection round released, so that weight (15) is left out: 85 counts):

    A (power_window): 4 matters due, 3 in time → on-time 75.00; 4 accepted, 0 complaints → 100.00;
       ratings 非常满意 + 基本满意 → (100 + 60) / 2 = 80.00;
       score = (75×40 + 100×20 + 80×25) / 85 = 7000 / 85 = 82.35.
    B (water): 2 due, both in time → 100.00; 2 accepted, 1 complaint → rate 0.5 ≥ 0.05 → 0.00;
       one 非常不满意 → 0.00; score = (100×40 + 0×20 + 0×25) / 85 = 4000 / 85 = 47.06.
    C (bank): 1 due, in time → below the minimum of 2: listed, unranked.
    A matter due in October and a rating of December do not count.
    """
    water = window_create(site=hall, unit=Unit.objects.get(code="WATER"), name="供水业务窗口", number="A02")
    bank = window_create(site=hall, unit=Unit.objects.get(code="POWER"), name="缴费窗口", number="A03")
    item = items["fast"]
    for n, completed in enumerate([at(2026, 11, 3, 9), at(2026, 11, 4, 9), at(2026, 11, 5, 9), at(2026, 11, 9, 9)]):
        _matter(power_window, item, f"A{n}", accepted=at(2026, 11, 2, 9), due=at(2026, 11, 5, 9), completed=completed)
    _matter(power_window, item, "A-oct", accepted=at(2026, 10, 20, 9), due=at(2026, 10, 22, 9))
    for n in range(2):
        _matter(water, item, f"B{n}", accepted=at(2026, 11, 10, 9), due=at(2026, 11, 12, 9),
                completed=at(2026, 11, 11, 9))
    _matter(bank, item, "C0", accepted=at(2026, 11, 10, 9), due=at(2026, 11, 12, 9), completed=at(2026, 11, 11, 9))
    for window, level, day in ((power_window, 5, 2), (power_window, 3, 3), (water, 1, 4), (power_window, 1, 40)):
        when = at(2026, 11, 1, 10) + dt.timedelta(days=day)
        WindowRating.objects.create(window=window, level=level, phone_hash=f"h{day}", visit_date=when.date(),
                                    created_at=when)
    case = Case.objects.create(tracking_code="WTEST0001", channel="citizen", description="投诉",
                               reported_at=at(2026, 11, 11, 9))
    PublicReport.objects.create(case=case, phone_verified=True, network="n1")
    WindowComplaint.objects.create(window=water, case=case, created_at=at(2026, 11, 11, 9))
    # A rival's complaints against A that do not count: anonymous (no verified phone), or verified but rejected
    # as invalid, or merged as a duplicate. A's complaint score stays 100.00.
    for n, (verified, state) in enumerate(((False, "reported"), (True, "rejected"), (True, "merged"))):
        rival = Case.objects.create(tracking_code=f"WRIVAL{n}", channel="citizen", description="投诉",
                                    reported_at=at(2026, 11, 6, 9), state=state)
        PublicReport.objects.create(case=rival, phone_verified=verified, network="n2")
        WindowComplaint.objects.create(window=power_window, case=rival, created_at=at(2026, 11, 6, 9))
    return power_window, water, bank


def test_scores_match_the_worked_example(november, three_windows, people):
    a, b, c = three_windows
    ranking_step(period_id=november.pk, actor=people["paiqian"], action_key="compute")
    scores = {s.window_id: s for s in CompetitionScore.objects.filter(period=november)}
    assert (scores[a.pk].ontime_score, scores[a.pk].complaint_score, scores[a.pk].rating_score) == (
        Decimal("75.00"), Decimal("100.00"), Decimal("80.00"))
    assert scores[a.pk].inspection_score is None and scores[a.pk].total == Decimal("82.35")
    assert (scores[b.pk].ontime_score, scores[b.pk].complaint_score, scores[b.pk].rating_score) == (
        Decimal("100.00"), Decimal("0.00"), Decimal("0.00"))
    assert scores[b.pk].total == Decimal("47.06")
    assert (scores[a.pk].rank, scores[b.pk].rank, scores[c.pk].rank) == (1, 2, None)
    assert scores[a.pk].matters_due == 4 and scores[a.pk].ratings == 2 and scores[b.pk].complaints == 1
    assert scores[a.pk].complaints == 0  # anonymous, rejected and duplicate complaints do not count
    assert any("weight left out" in e["text"] for e in scores[a.pk].explanation)


def test_the_inspection_component_by_hand():
    """Pure: 9 of 10 in time → 90; no complaint in 10 → 100; no rating (left out); inspections 80 and 90 → 85;
    score = (90×40 + 100×20 + 85×15) / (40 + 20 + 15) = 6875 / 75 = 91.67."""
    period = CompetitionPeriod(name="p", start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31), min_matters=10)
    scored = score_window(period, WindowFigures(1, due=10, on_time=9, accepted=10,
                                                inspection_scores=(Decimal(80), Decimal(90))))
    assert scored["inspection_score"] == Decimal("85.00") and scored["rating_score"] is None
    assert scored["total"] == Decimal("91.67") and scored["rankable"]


def test_the_ranking_is_approved_by_another_person_then_published(client, november, three_windows, people):
    zhiban, admin = people["zhiban"], people["admin"]
    with pytest.raises(WindowError, match="Compute the ranking"):
        ranking_step(period_id=november.pk, actor=zhiban, action_key="approve")
    with pytest.raises(NotAllowed):
        ranking_step(period_id=november.pk, actor=people["gongdian"], action_key="compute")
    period = ranking_step(period_id=november.pk, actor=zhiban, action_key="compute")
    assert "approve" not in [a.key for a in ranking_actions_for(period, zhiban)]
    with pytest.raises(NotAllowed, match="another approver"):
        ranking_step(period_id=november.pk, actor=zhiban, action_key="approve")
    with pytest.raises(WindowError, match="changed since"):
        ranking_step(period_id=november.pk, actor=admin, action_key="approve", expected_version=period.version - 1)
    with pytest.raises(IllegalTransition):
        ranking_step(period_id=november.pk, actor=admin, action_key="publish")
    assert client.get(reverse("windows:ranking", args=[november.pk])).status_code == 404  # not public yet
    ranking_step(period_id=november.pk, actor=admin, action_key="approve", expected_version=period.version)
    published = ranking_step(period_id=november.pk, actor=zhiban, action_key="publish")
    assert published.state == RankingState.PUBLISHED and published.published_at is not None
    assert list(CompetitionEvent.objects.filter(period=november).values_list("action", flat=True)) == [
        "create", "compute", "approve", "publish"]
    listing = client.get(reverse("windows:rankings"))
    assert listing.status_code == 200 and "2026年11月" in listing.content.decode()
    public = client.get(reverse("windows:ranking", args=[november.pk])).content.decode()
    assert 'data-rank="1" data-total="82.35"' in public and "47.06" in public
    assert "缴费窗口" not in public  # unranked windows are not on the public ranking
    with pytest.raises(WindowError, match="reason"):
        ranking_step(period_id=november.pk, actor=zhiban, action_key="withdraw")


def test_staff_pages_of_the_competition(client, november, three_windows, people):
    client.force_login(people["paiqian"])
    page = client.post(reverse("windows:period_action", args=[november.pk, "compute"]), {"version": november.version},
                       follow=True)
    assert b'data-total="82.35"' in page.content
    created = client.post(reverse("windows:periods"), {"name": "2026年12月", "start": "2026-12-01", "end": "2026-11-01",
                                                       "weight_ontime": 40, "weight_complaints": 20,
                                                       "weight_rating": 25, "weight_inspection": 15,
                                                       "min_matters": 5})
    assert created.status_code == 400 and b"ends before it starts" in created.content
    client.force_login(people["gongdian"])  # units read the ranking, they do not compute it
    assert client.post(reverse("windows:period_action", args=[november.pk, "compute"]),
                       {"version": 2}, follow=True).status_code == 200
    assert CompetitionEvent.objects.filter(period=november, action="compute").count() == 1


def test_certificates_are_reminded_thirty_days_before_expiry(power_window, people):
    today = dt.date(2026, 12, 6)
    soon = staff_save(window_id=power_window.pk, actor=people["gongdian"], name="张三", position="窗口受理员",
                      certificate_kind="上岗证", certificate_number="SG-1", certificate_expires=dt.date(2026, 12, 20))
    staff_save(window_id=power_window.pk, actor=people["gongdian"], name="李四", certificate_kind="上岗证",
               certificate_number="SG-2", certificate_expires=dt.date(2027, 3, 1))
    assert certificates_remind(today=today) == 1
    note = Notification.objects.get(recipient=people["gongdian"], key__startswith=f"window-cert:{soon.pk}:")
    assert "张三" in note.subject
    assert certificates_remind(today=today) == 0  # once per certificate and expiry date
    assert certificates_remind(today=dt.date(2026, 12, 21)) == 1  # expired now: told again, once
    assert WindowEvent.objects.filter(window=power_window, kind=WindowEventKind.CERTIFICATE_REMINDED).count() == 2
    with pytest.raises(WindowError, match="Certificate expires"):
        staff_save(window_id=power_window.pk, actor=people["gongdian"], name="王五",
                   certificate_expires=dt.date(9999, 1, 1))


def test_staff_are_renewed_and_removed_with_the_page_version(client, power_window, people):
    keeper = people["gongdian"]
    staff = staff_save(window_id=power_window.pk, actor=keeper, name="赵六", certificate_kind="上岗证",
                       certificate_number="SG-9", certificate_expires=dt.date(2026, 12, 10))
    client.force_login(keeper)
    url = reverse("windows:staff", args=[power_window.pk])
    detail = client.get(reverse("windows:detail", args=[power_window.pk]))
    assert f'data-staff="{staff.pk}"'.encode() in detail.content
    renewed = {"name": "赵六", "certificate_kind": "上岗证", "certificate_number": "SG-10",
               "certificate_expires": "2029-12-10", "is_active": "on", "staff_id": staff.pk, "version": 1}
    assert client.post(url, renewed).status_code == 302
    staff.refresh_from_db()
    assert (staff.certificate_number, staff.certificate_expires, staff.version) == ("SG-10", dt.date(2029, 12, 10), 2)
    event = WindowEvent.objects.filter(window=power_window, kind=WindowEventKind.STAFF_SAVED).order_by("-pk").first()
    assert event.data["old"] == {"certificate_number": "SG-9", "certificate_expires": "2026-12-10"}
    # A stale page (version 1 again) is refused.
    stale = client.post(url, dict(renewed, certificate_number="SG-OLD"), follow=True)
    assert b"changed since you opened it" in stale.content
    staff.refresh_from_db()
    assert staff.certificate_number == "SG-10"
    # Removed (no longer at the counter): no reminders for them any more.
    removed = dict(renewed, certificate_expires="2026-12-10", version=2)
    del removed["is_active"]
    assert client.post(url, removed).status_code == 302
    staff.refresh_from_db()
    assert not staff.is_active and staff.version == 3
    assert certificates_remind(today=dt.date(2026, 12, 6)) == 0
    # A new person is always active.
    client.post(url, {"name": "钱七"})
    assert power_window.staff.get(name="钱七").is_active


def test_an_approved_ranking_can_be_recomputed_and_needs_approving_again(november, three_windows, people):
    """Figures change after a ranking was computed (a complaint found invalid, a hotline call linked to a window):
    computing again is offered until publication, and sends an approved ranking back to draft."""
    zhiban, admin = people["zhiban"], people["admin"]
    ranking_step(period_id=november.pk, actor=zhiban, action_key="compute")
    approved = ranking_step(period_id=november.pk, actor=admin, action_key="approve")
    assert "compute" in [a.key for a in ranking_actions_for(approved, zhiban)]
    again = ranking_step(period_id=november.pk, actor=zhiban, action_key="compute", expected_version=approved.version)
    assert again.state == RankingState.DRAFT and again.approved_by is None
    assert "approve" not in [a.key for a in ranking_actions_for(again, zhiban)]  # who recomputed may not approve
    ranking_step(period_id=november.pk, actor=admin, action_key="approve")
    published = ranking_step(period_id=november.pk, actor=admin, action_key="publish")
    assert "compute" not in [a.key for a in ranking_actions_for(published, zhiban)]
    with pytest.raises(IllegalTransition):
        ranking_step(period_id=november.pk, actor=zhiban, action_key="compute")


def test_the_staff_add_form_has_no_still_at_this_counter_box(client, power_window, people):
    staff = staff_save(window_id=power_window.pk, actor=people["gongdian"], name="孙八")
    client.force_login(people["gongdian"])
    page = client.get(reverse("windows:detail", args=[power_window.pk])).content.decode()
    add_form = page[page.index('id="staff-form"'):]
    add_form = add_form[:add_form.index("</form>")]
    assert 'name="is_active"' not in add_form and 'name="name"' in add_form
    assert f'id="id_s{staff.pk}_is_active"' in page  # the change form of a person recorded keeps it
