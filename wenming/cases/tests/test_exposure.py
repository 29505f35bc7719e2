"""Exposure board and rectification showcase: covered photos, nothing personal, public pages and feeds."""

import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import translation
from PIL import Image

from wenming.cases.models import Case, CaseState, Exposure
from wenming.cases.services import exposure as ex
from wenming.cases.services import workflow as wf
from wenming.cases.services.errors import CaseNotFound, WorkflowError
from wenming.cases.services.workflow import Upload
from wenming.common.models import AuditEvent
from wenming.conftest import photo_bytes
from wenming.org.models import Area, Unit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]
S = CaseState
WHITE = photo_bytes(color=(255, 255, 255), size=(200, 100), fmt="JPEG")




@pytest.fixture
def case(people):
    grid = Area.objects.filter(level="grid", code__startswith="131102").order_by("code").first()
    return wf.case_intake(channel="hotline", description="路口流动摊贩占道经营", lng=grid.lng, lat=grid.lat,
                          category="SJ0401", reporter_name="李四", reporter_phone="13812345678", actor=people["shouli"],
                          photos=[Upload("before.jpg", WHITE)])


def close(case, people):
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=Unit.objects.get(code="CGJ-131102"))
    wf.case_sign(case_id=case.pk, actor=people["chengguan"])
    wf.case_submit(case_id=case.pk, actor=people["chengguan"], note="已清理", photos=[Upload("after.png", photo_bytes(pattern=3))])
    wf.case_verify(case_id=case.pk, actor=people["anfang"], passed=True)
    return wf.case_close(case_id=case.pk, actor=people["zhiban"])


def published(case, people, boxes=((0.0, 0.0, 0.5, 0.5),)):
    exposure = ex.exposure_save(case_id=case.pk, actor=people["zhiban"], headline="人民路口占道经营", summary="早高峰摊贩占道")
    before = case.evidence.get(kind="before")
    ex.exposure_photos_set(exposure_id=exposure.pk, actor=people["zhiban"], photos=[(before.pk, [list(b) for b in boxes])])
    return ex.exposure_publish(exposure_id=exposure.pk, actor=people["zhiban"])


def test_the_published_copy_has_the_boxes_blacked_out(case, people):
    exposure = published(case, people, boxes=[(0.0, 0.0, 0.5, 0.5)])
    photo = exposure.photos.get()
    with photo.rendered.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read())).convert("RGB")
    assert image.getpixel((10, 10)) == (0, 0, 0) or sum(image.getpixel((10, 10))) < 30  # covered (JPEG noise)
    assert sum(image.getpixel((180, 80))) > 700  # the rest as it was
    assert not image.getexif()  # nothing about the camera, the place or the time
    assert AuditEvent.objects.filter(action="exposure_publish", data__exposure=exposure.pk).exists()


def test_only_the_shift_leader_publishes_and_only_cases_in_scope(case, people):
    for username in ("paiqian", "chengguan", "taocheng"):
        with pytest.raises(WorkflowError, match="shift leader"):
            ex.exposure_save(case_id=case.pk, actor=people[username], headline="x")
    with pytest.raises(CaseNotFound):
        ex.exposure_save(case_id=Case.objects.order_by("-pk").first().pk + 1000, actor=people["zhiban"], headline="x")


@pytest.mark.parametrize("text", ["联系 13812345678", "车牌冀T·12345 乱停", "身份证 130102199001011234", "电话 0318-2345678"])
def test_text_with_personal_data_is_refused(case, people, text):
    with pytest.raises(WorkflowError, match="phone number, an ID number or a number plate"):
        ex.exposure_save(case_id=case.pk, actor=people["zhiban"], headline="占道经营", summary=text)
    assert not Exposure.objects.exists()


def test_boxes_and_photos_are_checked(case, people):
    exposure = ex.exposure_save(case_id=case.pk, actor=people["zhiban"], headline="占道经营")
    before = case.evidence.get(kind="before")
    for boxes, message in [([[0.5, 0.5, 0, 0.1]], "outside"), ([[1, 2]], "four numbers"), ([[0, 0, .1, .1]] * 41, "at most")]:
        with pytest.raises(WorkflowError, match=message):
            ex.exposure_photos_set(exposure_id=exposure.pk, actor=people["zhiban"], photos=[(before.pk, boxes)])
    other = wf.case_intake(channel="hotline", description="另一个", lng=case.lng, lat=case.lat, category="SJ0101",
                           photos=[Upload("x.jpg", WHITE)])
    with pytest.raises(WorkflowError, match="not a photo of this case"):
        ex.exposure_photos_set(exposure_id=exposure.pk, actor=people["zhiban"], photos=[(other.evidence.get().pk, [])])
    with pytest.raises(WorkflowError, match="at least one photo"):
        ex.exposure_publish(exposure_id=exposure.pk, actor=people["zhiban"])


def test_the_board_then_the_showcase_follow_the_case(client, case, people):
    exposure = published(case, people)
    board = client.get(reverse("exposure:board")).content.decode()
    assert f'data-exposure="{exposure.pk}"' in board and "人民路口占道经营" in board
    assert f'data-exposure="{exposure.pk}"' not in client.get(reverse("exposure:showcase")).content.decode()
    close(case, people)
    after = case.evidence.get(kind="after")
    before = case.evidence.get(kind="before")
    ex.exposure_photos_set(exposure_id=exposure.pk, actor=people["zhiban"], photos=[(before.pk, [[0, 0, .5, .5]]), (after.pk, [])])
    assert f'data-exposure="{exposure.pk}"' not in client.get(reverse("exposure:board")).content.decode()
    showcase = client.get(reverse("exposure:showcase")).content.decode()
    assert f'data-exposure="{exposure.pk}"' in showcase and showcase.count("exposure/photos/") == 2
    for page in (board, showcase, client.get(reverse("exposure:detail", args=[exposure.pk])).content.decode()):
        for private in ("李四", "13812345678", case.tracking_code, "anfang", "孙杰", "/cases/"):
            assert private not in page


def test_drafts_and_withdrawn_exposures_are_not_public(client, case, people):
    exposure = ex.exposure_save(case_id=case.pk, actor=people["zhiban"], headline="占道经营")
    before = case.evidence.get(kind="before")
    ex.exposure_photos_set(exposure_id=exposure.pk, actor=people["zhiban"], photos=[(before.pk, [])])
    photo = exposure.photos.get()
    assert client.get(reverse("exposure:photo", args=[photo.pk])).status_code == 404
    assert client.get(reverse("exposure:detail", args=[exposure.pk])).status_code == 404
    client.force_login(people["zhiban"])
    assert client.get(reverse("exposure:photo", args=[photo.pk])).status_code == 200  # the preview
    client.logout()
    ex.exposure_publish(exposure_id=exposure.pk, actor=people["zhiban"])
    assert client.get(reverse("exposure:photo", args=[photo.pk])).status_code == 200
    with translation.override("en"), pytest.raises(WorkflowError, match="reason"):  # the client switched to Chinese
        ex.exposure_withdraw(exposure_id=exposure.pk, actor=people["zhiban"], note=" ")
    ex.exposure_withdraw(exposure_id=exposure.pk, actor=people["zhiban"], note="已核实为误报")
    assert client.get(reverse("exposure:photo", args=[photo.pk])).status_code == 404
    assert "占道经营" not in client.get(reverse("exposure:board")).content.decode()


def test_atom_feeds_carry_each_column(client, case, people):
    exposure = published(case, people)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.fromstring(client.get(reverse("exposure:board_feed")).content)
    assert [e.find("a:title", ns).text for e in feed.findall("a:entry", ns)] == ["人民路口占道经营"]
    assert "13812345678" not in client.get(reverse("exposure:board_feed")).content.decode()
    close(case, people)
    assert not ET.fromstring(client.get(reverse("exposure:board_feed")).content).findall("a:entry", ns)
    entries = ET.fromstring(client.get(reverse("exposure:showcase_feed")).content).findall("a:entry", ns)
    assert len(entries) == 1 and entries[0].find("a:link", ns).get("href").endswith(f"/exposure/{exposure.pk}/")


def test_the_staff_page_saves_text_boxes_and_publishes(client, case, people):
    client.force_login(people["zhiban"])
    url = reverse("cases:exposure", args=[case.pk])
    assert 'id="expose"' in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    client.post(url, {"step": "publish"})  # nothing to publish yet: an error, no exposure
    assert not Exposure.objects.exists()
    client.post(url, {"step": "text", "headline": "人民路口占道经营", "summary": "电话 13812345678"})
    assert not Exposure.objects.exists()
    client.post(url, {"step": "text", "headline": "人民路口占道经营", "summary": "早高峰"})
    before = case.evidence.get(kind="before")
    client.post(url, {"step": "photos", "photo": [before.pk], f"boxes-{before.pk}": json.dumps([[0.1, 0.1, 0.2, 0.2]])})
    assert Exposure.objects.get().photos.get().boxes == [[0.1, 0.1, 0.2, 0.2]]
    client.post(url, {"step": "publish"})
    assert Exposure.objects.get().state == Exposure.State.PUBLISHED
    client.force_login(people["paiqian"])
    assert client.get(url).status_code == 404


def test_the_red_black_list_is_public_once_approved(client, people):
    import datetime as dt

    from django.utils import timezone

    from wenming.scoring.models import RedBlackList
    from wenming.scoring.services import scores

    snapshot = scores.snapshot_compute(subject="unit", period="week", day=dt.date.today() - dt.timedelta(days=7),
                                       actor=people["zhiban"])
    scores.snapshot_publish(snapshot_id=snapshot.pk, actor=people["zhiban"])
    # The list as the scoring services draft it (ranking itself is tested with the scores).
    board = RedBlackList.objects.create(
        snapshot=snapshot, note="本周通报", red=[{"key": "u1", "name": "桃城区城管分局", "index": 93.5, "grade": "A", "rank": 1}],
        black=[{"key": "u9", "name": "某某街道办事处", "index": 41.0, "grade": "D", "rank": 9}])
    assert f'data-board="{board.pk}"' not in client.get(reverse("exposure:red_black")).content.decode()
    assert client.get(reverse("exposure:red_black_detail", args=[board.pk])).status_code == 404
    RedBlackList.objects.filter(pk=board.pk).update(status="published", published_at=timezone.now())
    page = client.get(reverse("exposure:red_black")).content.decode()
    assert f'data-board="{board.pk}"' in page and "本周通报" in page and "桃城区城管分局" in page
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = ET.fromstring(client.get(reverse("exposure:red_black_feed")).content).findall("a:entry", ns)
    assert len(entries) == 1 and entries[0].find("a:link", ns).get("href").endswith(f"/redblack/{board.pk}/")
    assert "某某街道办事处" in entries[0].find("a:summary", ns).text
