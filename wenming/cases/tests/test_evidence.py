import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from PIL import Image

from wenming.cases.models import Evidence
from wenming.cases.services import workflow as wf
from wenming.cases.services.evidence import evidence_add, evidence_warnings
from wenming.cases.services.workflow import Upload
from wenming.conftest import photo_bytes
from wenming.org.models import Area

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _media_english(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def exif_for(*, lng=None, lat=None, taken: str | None = None) -> Image.Exif:
    exif = Image.Exif()
    if lng is not None:
        def dms(x):
            d = int(x)
            m = int((x - d) * 60)
            return (float(d), float(m), round(((x - d) * 60 - m) * 60, 4))

        exif.get_ifd(0x8825).update({1: "N", 2: dms(lat), 3: "E", 4: dms(lng)})
    if taken:
        exif.get_ifd(0x8769).update({36867: taken})
    return exif



@pytest.fixture
def case(people):
    unit = people["chengguan"].unit
    grid = Area.objects.filter(level="grid", path__startswith=unit.area.path).first()
    return wf.case_intake(channel="grid", description="墙面小广告", lng=grid.lng, lat=grid.lat, category="SJ0101",
                          photos=[Upload("before.jpg", photo_bytes(fmt="JPEG", pattern=3))])


def test_exif_is_read_and_removed_from_the_shared_copies(case):
    content = photo_bytes(fmt="JPEG", size=(800, 600), exif=exif_for(lng=115.51, lat=37.61, taken="2026:11:20 09:15:00"))
    evidence = evidence_add(case=case, kind="after", name="IMG_0001.jpg", content=content)
    assert (evidence.width, evidence.height) == (800, 600)
    assert evidence.taken_at == dt.datetime(2026, 11, 20, 9, 15, tzinfo=TZ)
    assert evidence.gps_lng == pytest.approx(115.51, abs=1e-5) and evidence.gps_lat == pytest.approx(37.61, abs=1e-5)
    with evidence.file.open("rb") as f:
        assert Image.open(f).getexif().get_ifd(0x8825)  # the original keeps it, for the command centre
    for copy in (evidence.public_file, evidence.thumbnail):
        with copy.open("rb") as f:
            image = Image.open(io.BytesIO(f.read()))
            assert not image.getexif() and "exif" not in image.info
    with evidence.thumbnail.open("rb") as f:
        assert max(Image.open(f).size) <= 320
    assert len(evidence.phash) == 16


@pytest.mark.parametrize(("fmt", "ctype"), [("PNG", "image/png"), ("WEBP", "image/webp"), ("HEIF", "image/heic")])
def test_png_webp_and_heic_are_accepted(case, fmt, ctype):
    evidence = evidence_add(case=case, kind="after", name="x", content=photo_bytes(fmt=fmt))
    assert evidence.content_type == ctype and evidence.public_file.name.endswith(".jpg")


def test_the_real_type_counts_not_the_name(case, settings):
    gif = io.BytesIO()
    Image.new("RGB", (8, 8)).save(gif, format="GIF")
    with pytest.raises(wf.WorkflowError, match="not a JPEG"):
        evidence_add(case=case, kind="after", name="photo.jpg", content=gif.getvalue())
    with pytest.raises(wf.WorkflowError, match="not a JPEG"):
        evidence_add(case=case, kind="after", name="photo.jpg", content=b"%PDF-1.7 ...")
    with pytest.raises(wf.WorkflowError, match="cannot be read"):
        evidence_add(case=case, kind="after", name="cut.jpg", content=photo_bytes(fmt="JPEG")[:40])
    settings.WENMING_MAX_UPLOAD_BYTES = 100
    with pytest.raises(wf.WorkflowError, match="the limit is 100"):
        evidence_add(case=case, kind="after", name="big.png", content=photo_bytes(size=(300, 300), pattern=20))
    settings.WENMING_MAX_UPLOAD_BYTES = 10**7
    settings.WENMING_MAX_IMAGE_PIXELS = 1000
    with pytest.raises(wf.WorkflowError, match="pixels"):
        evidence_add(case=case, kind="after", name="wide.png", content=photo_bytes(size=(100, 100)))
    assert not Evidence.objects.filter(case=case, kind="after").exists()


def _submit(case, people, content):
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=people["chengguan"].unit)
    wf.case_sign(case_id=case.pk, actor=people["chengguan"])
    return wf.case_submit(case_id=case.pk, actor=people["chengguan"], note="已清理", photos=[Upload("after.jpg", content)])


def test_a_clean_after_photo_raises_no_warning(case, people):
    now = dt.datetime.now(TZ) + dt.timedelta(minutes=5)
    content = photo_bytes(fmt="JPEG", color=(20, 160, 220), pattern=9,
                          exif=exif_for(lng=case.lng, lat=case.lat, taken=now.strftime("%Y:%m:%d %H:%M:%S")))
    assert evidence_warnings(case=_submit(case, people, content)) == []


def test_warnings_for_old_far_and_reused_photos(case, people):
    before = case.evidence.get(kind="before")
    with before.file.open("rb") as f:
        same_picture = f.read()
    old_far = photo_bytes(fmt="JPEG", pattern=3, exif=exif_for(lng=case.lng + 0.01, lat=case.lat, taken="2020:01:01 08:00:00"))
    case = _submit(case, people, old_far)
    codes = {w["code"]: w for w in evidence_warnings(case=case)}
    assert "taken_before_dispatch" in codes
    assert 800 < codes["far_from_case"]["distance_m"] < 1000  # 0.01° of longitude at 37.6° N ≈ 881 m
    assert "same_as_before" in codes  # same drawing as the before-photo, re-encoded with EXIF
    other = wf.case_intake(channel="grid", description="另一处", lng=case.lng, lat=case.lat, category="SJ0101")
    evidence_add(case=other, kind="after", name="reuse.jpg", content=same_picture)
    reused = {w["code"]: w for w in evidence_warnings(case=other)}
    assert reused["used_on_other_case"]["other_case"] == case.pk


@pytest.mark.parametrize(("exif", "code"), [
    (None, "no_exif"),  # a screenshot, or a photo a messaging app stripped
    ({"taken": "NOW"}, "no_exif_place"),
    ({"lng": "CASE", "lat": "CASE"}, "no_exif_time"),
])
def test_an_after_photo_without_exif_time_or_place_is_flagged(case, people, exif, code):
    now = (dt.datetime.now(TZ) + dt.timedelta(minutes=5)).strftime("%Y:%m:%d %H:%M:%S")
    kwargs = {}
    if exif is not None:
        kwargs["exif"] = exif_for(lng=case.lng if "lng" in exif else None, lat=case.lat if "lat" in exif else None,
                                  taken=now if "taken" in exif else None)
    content = photo_bytes(fmt="JPEG", color=(20, 160, 220), pattern=9, **kwargs)
    case = _submit(case, people, content)
    after = case.evidence.get(kind="after")
    warnings = evidence_warnings(case=case)
    assert [(w["code"], w["evidence"]) for w in warnings] == [(code, after.pk)]
    assert f"Photo {after.pk}" in warnings[0]["message"] and "EXIF" in warnings[0]["message"]
