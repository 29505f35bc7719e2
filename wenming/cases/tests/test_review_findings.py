"""Findings of the review of the public pages: each test failed before its fix."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from wenming.cases.models import Case
from wenming.cases.services import exposure as ex
from wenming.cases.services import workflow as wf
from wenming.cases.services.errors import WorkflowError
from wenming.cases.services.workflow import Upload
from wenming.conftest import photo_bytes
from wenming.org.models import Area, Person, RoleAssignment, Unit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]
WHITE = photo_bytes(color=(255, 255, 255), size=(200, 100), fmt="JPEG")


def test_a_red_black_list_of_inspectors_is_never_public(client, people):
    """Inspector rows carry people's names: the public column lists units and districts only."""
    from wenming.scoring.models import RedBlackList
    from wenming.scoring.services import scores

    snapshot = scores.snapshot_compute(subject="inspector", period="week", day=dt.date.today() - dt.timedelta(days=7),
                                       actor=people["zhiban"])
    scores.snapshot_publish(snapshot_id=snapshot.pk, actor=people["zhiban"])
    board = RedBlackList.objects.create(
        snapshot=snapshot, status="published", published_at=timezone.now(),
        red=[{"key": "7", "name": "暗访员王五", "index": 95.0, "grade": "A", "rank": 1}], black=[])
    assert "暗访员王五" not in client.get(reverse("exposure:red_black")).content.decode()
    assert client.get(reverse("exposure:red_black_detail", args=[board.pk])).status_code == 404
    feed = ET.fromstring(client.get(reverse("exposure:red_black_feed")).content)
    assert not feed.findall("{http://www.w3.org/2005/Atom}entry")


def test_a_draft_exposure_photo_is_previewed_only_by_publishers_who_see_the_case(client, people):
    grid = Area.objects.filter(level="grid", code__startswith="131102").order_by("code").first()
    case = wf.case_intake(channel="hotline", description="路口流动摊贩占道经营", lng=grid.lng, lat=grid.lat,
                          category="SJ0401", actor=people["shouli"], photos=[Upload("before.jpg", WHITE)])
    exposure = ex.exposure_save(case_id=case.pk, actor=people["zhiban"], headline="人民路口占道经营")
    before = case.evidence.get(kind="before")
    ex.exposure_photos_set(exposure_id=exposure.pk, actor=people["zhiban"], photos=[(before.pk, [])])
    photo = exposure.photos.get()
    other = Area.objects.filter(level="county").exclude(code="131102").order_by("code").first()  # not 桃城区
    outsider = Person.objects.create_user(username="zhiban_other", password="x", is_staff=True)
    RoleAssignment.objects.create(person=outsider, role="shift_leader", area=other)
    client.force_login(people["zhiban"])
    assert client.get(reverse("exposure:photo", args=[photo.pk])).status_code == 200
    client.force_login(outsider)
    assert client.get(reverse("exposure:photo", args=[photo.pk])).status_code == 404


def test_an_exposed_case_voided_or_rejected_later_leaves_the_public_pages(client, people):
    grid = Area.objects.filter(level="grid", code__startswith="131102").order_by("code").first()
    case = wf.case_intake(channel="hotline", description="路口流动摊贩占道经营", lng=grid.lng, lat=grid.lat,
                          category="SJ0401", actor=people["shouli"], photos=[Upload("before.jpg", WHITE)])
    exposure = ex.exposure_save(case_id=case.pk, actor=people["zhiban"], headline="人民路口占道经营")
    before = case.evidence.get(kind="before")
    ex.exposure_photos_set(exposure_id=exposure.pk, actor=people["zhiban"], photos=[(before.pk, [])])
    ex.exposure_publish(exposure_id=exposure.pk, actor=people["zhiban"])
    assert client.get(reverse("exposure:detail", args=[exposure.pk])).status_code == 200
    wf.case_reject(case_id=case.pk, actor=people["shouli"], note="重复录入")
    assert f'data-exposure="{exposure.pk}"' not in client.get(reverse("exposure:board")).content.decode()
    assert client.get(reverse("exposure:detail", args=[exposure.pk])).status_code == 404
    assert "人民路口占道经营" not in client.get(reverse("exposure:board_feed")).content.decode()
    assert client.get(reverse("exposure:photo", args=[exposure.photos.get().pk])).status_code == 404


def test_a_headline_longer_than_its_column_is_refused(people):
    """PostgreSQL would refuse it with a server error; SQLite would keep it whole."""
    grid = Area.objects.filter(level="grid", code__startswith="131102").order_by("code").first()
    case = wf.case_intake(channel="hotline", description="路口流动摊贩占道经营", lng=grid.lng, lat=grid.lat,
                          category="SJ0401", actor=people["shouli"])
    with pytest.raises(WorkflowError, match="at most 100"):
        ex.exposure_save(case_id=case.pk, actor=people["zhiban"], headline="占" * 101)


def test_a_webhook_switched_off_gets_nothing_more(people):
    """Deliveries queued before an administrator switched a receiver off are not posted to it."""
    from wenming.cases.models import Webhook
    from wenming.cases.services.webhooks import webhooks_deliver
    from wenming.cases.tests.test_webhooks import Receiver

    receiver = Receiver()
    try:
        hook = Webhook.objects.create(name="已停用的接收方", url=receiver.url)
        grid = Area.objects.filter(level="grid", code__startswith="131102").order_by("code").first()
        wf.case_intake(channel="hotline", description="路口流动摊贩占道经营", lng=grid.lng, lat=grid.lat,
                       category="SJ0401", actor=people["shouli"])
        Webhook.objects.filter(pk=hook.pk).update(is_active=False)
        assert webhooks_deliver() == {"delivered": 0, "retried": 0, "failed": 0}
        assert receiver.requests == []
    finally:
        receiver.close()


def test_only_the_command_centre_sees_tracking_codes_and_public_marks(client, people, settings, tmp_path):
    """A unit that could read the tracking code could rate its own work as the citizen."""
    from wenming.public.models import PublicReport

    settings.MEDIA_ROOT = tmp_path
    grid = Area.objects.filter(level="grid", code__startswith="131102").order_by("code").first()
    case = wf.case_intake(channel="citizen", description="人行道有垃圾", lng=grid.lng, lat=grid.lat, category="SJ0101")
    PublicReport.objects.create(case=case, phone_verified=False)
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=Unit.objects.get(code="CGJ-131102"))
    for username, shown in [("zhiban", True), ("chengguan", False), ("taocheng", False)]:
        client.force_login(people[username])
        page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
        assert (case.tracking_code in page) is shown, username
        csv_text = client.get(reverse("cases:export", args=["csv"]), {"queue": "all"}).getvalue().decode("utf-8-sig")
        assert (case.tracking_code in csv_text) is shown, username
        listing = client.get(reverse("cases:workbench"), {"queue": "all"}).content.decode()
        assert ('data-public="unverified"' in listing) is shown, username


def test_staff_reports_are_not_rated(people):
    from wenming.cases.services.errors import IllegalTransition
    from wenming.cases.services.followup import followup_record

    grid = Area.objects.filter(level="grid").order_by("code").first()
    case = wf.case_intake(channel="grid", description="井盖缺失", lng=grid.lng, lat=grid.lat, category="SJ0504",
                          actor=people["wangge"])
    Case.objects.filter(pk=case.pk).update(state="closed")
    with pytest.raises(IllegalTransition):
        followup_record(case_id=case.pk, rating="satisfied", fixed=True)
