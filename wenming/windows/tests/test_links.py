"""Complaints about a window from other channels: a hotline case linked to the window on the case page counts in
its complaint rate and is proposed to the window's unit; re-categorising at registration keeps rule 0; links are
the command centre's, logged on the case and the window, and only its own links can be removed."""

import pytest
from django.urls import reverse
from django.utils import timezone

from wenming.cases.models import Case, CaseEvent, Category, EventAction
from wenming.cases.services import workflow as wf
from wenming.org.models import Unit
from wenming.public.services.hotline import hotline_take_in
from wenming.windows import selectors
from wenming.windows.errors import NotAllowed, WindowError
from wenming.windows.models import WindowComplaint, WindowEvent, WindowEventKind
from wenming.windows.services.citizens import COMPLAINT_CATEGORY, window_complain
from wenming.windows.services.links import complaint_link, complaint_unlink

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_setup")]


def _call(people, hall, category=COMPLAINT_CATEGORY) -> Case:
    return hotline_take_in(actor=people["shouli"], description="市民来电：供电窗口工作人员态度恶劣",
                           category=Category.objects.get(code=category), urgency="normal",
                           point=(hall.lng, hall.lat), site=hall, reporter_phone="13800138000")


def _complaints(window) -> int:
    now = timezone.now()
    return selectors.window_figures([window], start=selectors.since(30, now), now=now)[0].complaints


def test_a_hotline_complaint_linked_to_a_window_counts_and_is_proposed_to_its_unit(hall, power_window, people):
    power = Unit.objects.get(code="POWER")
    case = _call(people, hall)
    assert case.routing["rule"] != "subject_unit" and case.routing["unit_id"] != power.pk  # the place decides
    assert _complaints(power_window) == 0
    link = complaint_link(case_id=case.pk, window_id=power_window.pk, actor=people["paiqian"],
                          expected_version=case.version)
    assert link.linked_by == people["paiqian"]
    case.refresh_from_db()
    assert (case.routing["unit_id"], case.routing["rule"]) == (power.pk, "subject_unit")
    assert _complaints(power_window) == 1  # a linked call counts though no phone was verified by SMS
    event = CaseEvent.objects.get(case=case, action=EventAction.SUBJECT_LINK)
    assert event.data["window"] == power_window.pk and event.data["linked"] is True
    assert WindowEvent.objects.filter(window=power_window, kind=WindowEventKind.COMPLAINT_LINKED).count() == 1
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"])
    assert Case.objects.get(pk=case.pk).unit_id == power.pk
    # Invalid after all: it stops counting, as a QR complaint would.
    case = _call(people, hall)
    complaint_link(case_id=case.pk, window_id=power_window.pk, actor=people["zhiban"])
    assert _complaints(power_window) == 2
    wf.case_reject(case_id=case.pk, actor=people["shouli"], note="与窗口无关")
    assert _complaints(power_window) == 1


def test_re_categorising_a_window_complaint_at_registration_keeps_rule_zero(hall, power_window, people):
    power = Unit.objects.get(code="POWER")
    other = (Category.objects.filter(is_active=True, parent__isnull=False).exclude(code__startswith="SJ09")
             .order_by("code").first())
    case = window_complain(code=power_window.code, description="窗口人员玩手机", ip="3.3.3.3")
    assert case.routing["rule"] == "subject_unit"
    wf.case_register(case_id=case.pk, actor=people["shouli"], category=other)
    case.refresh_from_db()
    assert case.category == other
    assert (case.routing["unit_id"], case.routing["rule"]) == (power.pk, "subject_unit")
    # A hotline call linked, then re-categorised: still the window's unit.
    call = _call(people, hall)
    complaint_link(case_id=call.pk, window_id=power_window.pk, actor=people["paiqian"])
    wf.case_register(case_id=call.pk, actor=people["shouli"], category=other)
    call.refresh_from_db()
    assert (call.routing["unit_id"], call.routing["rule"]) == (power.pk, "subject_unit")


def test_links_are_the_command_centres_and_checked(hall, power_window, people):
    case = _call(people, hall)
    with pytest.raises(NotAllowed):  # a unit does not choose which complaints count against it
        complaint_link(case_id=case.pk, window_id=power_window.pk, actor=people["gongdian"])
    with pytest.raises(WindowError, match="changed this case"):
        complaint_link(case_id=case.pk, window_id=power_window.pk, actor=people["paiqian"],
                       expected_version=case.version - 1)
    with pytest.raises(WindowError, match="Window"):
        complaint_link(case_id=case.pk, window_id=10**9, actor=people["paiqian"])
    other = (Category.objects.filter(is_active=True, parent__isnull=False).exclude(code__startswith="SJ09")
             .order_by("code").first())
    with pytest.raises(WindowError, match="Category"):
        complaint_link(case_id=_call(people, hall, other.code).pk, window_id=power_window.pk, actor=people["paiqian"])
    complaint_link(case_id=case.pk, window_id=power_window.pk, actor=people["paiqian"])
    with pytest.raises(WindowError, match="already linked"):
        complaint_link(case_id=case.pk, window_id=power_window.pk, actor=people["paiqian"])
    # Removed with a reason: no longer counted, and the place decides the proposal again.
    with pytest.raises(WindowError, match="Reason"):
        complaint_unlink(case_id=case.pk, actor=people["paiqian"], note=" ")
    complaint_unlink(case_id=case.pk, actor=people["paiqian"], note="来电所指为供水窗口")
    case.refresh_from_db()
    assert case.routing["rule"] != "subject_unit" and not WindowComplaint.objects.filter(case=case).exists()
    assert WindowEvent.objects.filter(window=power_window, kind=WindowEventKind.COMPLAINT_UNLINKED).count() == 1
    # A complaint filed at the QR code stays the window's.
    qr = window_complain(code=power_window.code, description="排队太久", ip="4.4.4.4")
    with pytest.raises(WindowError, match="QR code"):
        complaint_unlink(case_id=qr.pk, actor=people["paiqian"], note="x")


def test_the_case_page_panel_links_a_hotline_complaint(client, hall, power_window, people):
    case = _call(people, hall)
    url = reverse("cases:detail", args=[case.pk])
    client.force_login(people["paiqian"])
    page = client.get(url).content.decode()
    assert 'id="window-link-form"' in page and f'value="{power_window.pk}"' in page
    client.force_login(people["gongdian"])  # a unit may not link (404, as any route it may not use)
    assert client.post(reverse("windows:complaint_link", args=[case.pk]),
                       {"window": power_window.pk, "version": case.version}).status_code == 404
    client.force_login(people["paiqian"])
    done = client.post(reverse("windows:complaint_link", args=[case.pk]),
                       {"window": power_window.pk, "version": case.version})
    assert done.status_code == 302 and WindowComplaint.objects.filter(case=case, window=power_window).exists()
    page = client.get(url).content.decode()
    assert f'data-window="{power_window.pk}"' in page and 'id="window-unlink-form"' in page
    case.refresh_from_db()
    undone = client.post(reverse("windows:complaint_unlink", args=[case.pk]), {"note": "误关联", "version": case.version})
    assert undone.status_code == 302 and not WindowComplaint.objects.filter(case=case).exists()
    # Not a window complaint: no panel at all.
    other = (Category.objects.filter(is_active=True, parent__isnull=False).exclude(code__startswith="SJ09")
             .order_by("code").first())
    plain = _call(people, hall, other.code)
    assert 'id="panel-window-link"' not in client.get(reverse("cases:detail", args=[plain.pk])).content.decode()
