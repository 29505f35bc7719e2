"""Uploads on every route that takes them: bombs refused by their header, counts and sizes bounded per
request, no file left behind by an intake that did not commit, stored files served as what they are."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from wenming.api.services.keys import api_key_issue
from wenming.campaign.models import Campaign, ProgressEvidence, Task
from wenming.cases.models import Case, Evidence
from wenming.cases.services import workflow as wf
from wenming.cases.services.errors import EvidenceError
from wenming.cases.services.evidence import evidence_add
from wenming.cases.tests.test_views import routed_grid
from wenming.common.tests.test_images import bomb_png
from wenming.conftest import photo_bytes
from wenming.demo.campaign import campaign_demo_build
from wenming.public.models import PublicReport

# The citizen's report is one of the routes: its uploads, SMS and rate limits set up as in the public app's tests.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_setup")]
BOMB_SAYS = "bomb.png has more than 40 megapixels"


@pytest.fixture
def grid():
    return routed_grid("SJ0401", "CGJ-131102", "131102")


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


def bomb():
    return SimpleUploadedFile("bomb.png", bomb_png(), "image/png")


def citizen_report(grid, **extra):
    data = {"category": "stalls", "description": "人行道被摊贩占满", "lat": f"{grid.lat:.7f}", "lng": f"{grid.lng:.7f}",
            "address": "", "anonymous": "on"}
    return {**data, **extra}


def intake(grid, **extra):
    data = {"channel": "hotline", "category": "SJ0401", "urgency": "normal", "description": "小区门口流动摊贩",
            "lat": grid.lat, "lng": grid.lng, "crs": "wgs84", "reporter_phone": "13900001111"}
    return {**data, **extra}


# -- decompression bombs ----------------------------------------------------------------------------------------

def test_a_bomb_on_the_citizen_report_is_a_form_error(english, grid, tmp_path):
    response = english.post(reverse("public:report"), citizen_report(grid, photos=bomb()), REMOTE_ADDR="10.9.9.1")
    assert response.status_code == 400 and BOMB_SAYS in str(response.context["form"].errors["photos"])
    assert not Case.objects.filter(channel="citizen").exists() and stored_files(tmp_path) == []


def test_a_bomb_on_staff_intake_is_a_form_error_naming_the_field(english, people, grid, tmp_path):
    english.force_login(people["shouli"])
    response = english.post(reverse("cases:new"), intake(grid, photos=[bomb()]))
    assert response.status_code == 200
    assert str(response.context["form"].errors["photos"]).count(f"Photos: {BOMB_SAYS}") == 1
    assert not Case.objects.filter(description="小区门口流动摊贩").exists() and stored_files(tmp_path) == []


def test_a_bomb_as_open311_media_is_a_400(client, people, grid, tmp_path):
    _key, raw = api_key_issue(name="12345 platform", person=people["shouli"], channel="12345")
    response = client.post("/open311/v2/requests.json", {"api_key": raw, "service_code": "SJ0401", "lat": grid.lat,
                                                         "long": grid.lng, "description": "占道", "media": bomb()},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and BOMB_SAYS in response.json()[0]["description"]
    # (The intake joined the test's transaction, which is now marked for rollback: no query to count rows.)
    assert stored_files(tmp_path) == []


def test_a_bomb_in_a_progress_report_is_a_form_error(english, people, tmp_path):
    campaign_demo_build()
    task = Task.objects.get(campaign=Campaign.objects.get(code="HS-2022"), code="R05-1")
    english.force_login(people["chengguan"])
    response = english.post(f"/campaign/tasks/{task.pk}/report/", {"value": "2", "narrative": "两处", "files": [bomb()]})
    assert response.status_code == 400 and BOMB_SAYS in response.content.decode()
    assert not task.reports.exists() and stored_files(tmp_path) == []


def test_the_service_refuses_a_bomb_on_its_own(people, grid):
    case = wf.case_intake(channel="grid", description="墙面小广告", lng=grid.lng, lat=grid.lat, category="SJ0401")
    with pytest.raises(EvidenceError, match=BOMB_SAYS):
        evidence_add(case=case, kind="after", name="bomb.png", content=bomb_png())


# -- counts and sizes -------------------------------------------------------------------------------------------

def test_staff_forms_take_at_most_nine_photos(english, people, grid):
    english.force_login(people["shouli"])
    photos = [SimpleUploadedFile(f"p{i}.png", photo_bytes(pattern=i), "image/png") for i in range(10)]
    response = english.post(reverse("cases:new"), intake(grid, photos=photos))
    assert response.status_code == 200
    assert "Photos: at most 9 photos; 10 were chosen." in str(response.context["form"].errors["photos"])
    assert not Case.objects.filter(description="小区门口流动摊贩").exists()


def test_a_request_with_too_many_files_is_a_400_not_a_crash(english, people, grid):
    english.force_login(people["shouli"])
    photos = [SimpleUploadedFile(f"p{i}.png", photo_bytes(), "image/png") for i in range(13)]
    response = english.post(reverse("cases:new"), intake(grid, photos=photos))
    assert response.status_code == 400 and "choose fewer photos" in response.content.decode()
    assert not Case.objects.filter(description="小区门口流动摊贩").exists()


@pytest.mark.parametrize("page", ["cases:new", "public:hotline"])
def test_intake_pages_show_the_photo_limits_under_the_field(english, people, settings, page):
    settings.WENMING_MAX_PHOTOS, settings.WENMING_MAX_UPLOAD_BYTES = 7, 5 * 1024 * 1024
    english.force_login(people["shouli"])
    html = english.get(reverse(page)).content.decode()
    assert '<p class="muted small" id="photos-help">At most 7 files, each up to 5.0\xa0MB.</p>' in html


def test_the_400_page_names_no_figure_of_its_own(english, people, grid, settings):
    """The page is rendered without a request (no settings to read): it sends people to the help under the field,
    which states the form's own limit, rather than a number that a setting or another form contradicts."""
    settings.WENMING_MAX_PHOTOS = 4
    english.force_login(people["shouli"])
    photos = [SimpleUploadedFile(f"p{i}.png", photo_bytes(), "image/png") for i in range(13)]
    page = english.post(reverse("cases:new"), intake(grid, photos=photos)).content.decode()
    assert "under its photos field how many it takes" in page
    assert "9 photos" not in page


def test_sizes_are_checked_by_the_form_from_the_upload_size(english, people, grid, settings):
    settings.WENMING_MAX_UPLOAD_BYTES = 100
    english.force_login(people["shouli"])
    response = english.post(reverse("cases:new"), intake(grid, photos=[SimpleUploadedFile("big.png", b"x" * 5000, "image/png")]))
    assert "Photos: big.png is 4.9\xa0KB; the limit is 100\xa0bytes." in str(response.context["form"].errors["photos"])


def test_all_files_of_a_form_together_are_bounded(english, people, grid, settings):
    settings.WENMING_MAX_UPLOAD_TOTAL_BYTES = 1000
    english.force_login(people["shouli"])
    photos = [SimpleUploadedFile(f"p{i}.png", photo_bytes(size=(64, 48), pattern=9), "image/png") for i in range(4)]
    response = english.post(reverse("cases:new"), intake(grid, photos=photos))
    assert "Photos: the files add up to" in str(response.context["form"].errors["photos"])


# -- no orphan files --------------------------------------------------------------------------------------------

def test_a_refused_citizen_report_leaves_no_file_and_no_row(grid, tmp_path, monkeypatch):
    from wenming.public.services.reports import public_report_submit

    def fail(**kwargs):
        raise RuntimeError("the insert after the photos failed")

    monkeypatch.setattr(PublicReport.objects, "create", fail)
    with pytest.raises(RuntimeError), transaction.atomic():  # the request's transaction (ATOMIC_REQUESTS is off)
        public_report_submit(description="人行道被摊贩占满", lng=grid.lng, lat=grid.lat, category_code="SJ0401",
                             photos=[wf.Upload("p.png", photo_bytes()), wf.Upload("q.jpg", photo_bytes(fmt="JPEG"))])
    assert stored_files(tmp_path) == []
    assert not Case.objects.filter(description="人行道被摊贩占满").exists() and not Evidence.objects.exists()


def _submitted(people, grid) -> Case:
    """A case the unit reported done, waiting for the on-site check (which takes photos)."""
    case = wf.case_intake(channel="grid", description="墙面小广告", lng=grid.lng, lat=grid.lat, category="SJ0401")
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"])
    wf.case_sign(case_id=case.pk, actor=people["chengguan"])
    return wf.case_submit(case_id=case.pk, actor=people["chengguan"], note="已清理",
                          photos=[wf.Upload("done.png", photo_bytes(pattern=3))])


def test_a_transition_that_fails_after_its_photos_leaves_no_file(people, grid, tmp_path, monkeypatch):
    case = _submitted(people, grid)
    real = wf.evidence_store

    def store_then_fail(**kwargs):
        real(**kwargs)
        raise RuntimeError("failed after the file")

    monkeypatch.setattr(wf, "evidence_store", store_then_fail)
    before, evidence = stored_files(tmp_path), Evidence.objects.filter(case=case).count()
    with pytest.raises(RuntimeError, match="failed after the file"), transaction.atomic():
        wf.case_verify(case_id=case.pk, actor=people["shouli"], passed=True,
                       photos=[wf.Upload("a.png", photo_bytes(pattern=4))])
    assert stored_files(tmp_path) == before and Evidence.objects.filter(case=case).count() == evidence


def test_stored_names_have_a_random_part(people, grid):
    case = wf.case_intake(channel="grid", description="墙面小广告", lng=grid.lng, lat=grid.lat, category="SJ0401")
    content = photo_bytes(pattern=5)
    first = evidence_add(case=case, kind="after", name="a.png", content=content)
    second = evidence_add(case=case, kind="after", name="a.png", content=content)
    names = {first.file.name, second.file.name, first.public_file.name, second.public_file.name}
    assert len(names) == 4 and all(first.sha256 in n for n in names if "public" not in n)
    assert first.file.name.startswith(f"evidence/{case.pk}/{first.sha256[:2]}/{first.sha256}-")


# -- serving ----------------------------------------------------------------------------------------------------

def test_progress_evidence_is_a_download_with_the_type_of_its_bytes(client, people, tmp_path):
    from django.core.files.base import ContentFile

    campaign_demo_build()
    task = Task.objects.get(campaign=Campaign.objects.get(code="HS-2022"), code="R05-1")
    client.force_login(people["chengguan"])
    pdf = SimpleUploadedFile("整改 方案.pdf", b"%PDF-1.7\n1 0 obj\n", "application/pdf")
    assert client.post(f"/campaign/tasks/{task.pk}/report/", {"value": "2", "narrative": "两处", "files": [pdf]}).status_code == 302
    evidence = ProgressEvidence.objects.get(report__task=task)
    response = client.get(f"/campaign/evidence/{evidence.pk}/")
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == ("attachment; filename=\"__ __.pdf\"; "
                                               "filename*=UTF-8''%E6%95%B4%E6%94%B9%20%E6%96%B9%E6%A1%88.pdf")
    # A row that says PDF over bytes that are a page (an older upload, a changed file) is still a download.
    evidence.file.save("x.pdf", ContentFile(b"<html><script>alert(1)</script>"))
    response = client.get(f"/campaign/evidence/{evidence.pk}/")
    assert response["Content-Type"] == "application/octet-stream" and response["Content-Disposition"].startswith("attachment;")


def test_case_documents_are_downloads_and_photos_are_shown(client, people, grid):
    case = wf.case_intake(channel="grid", description="墙面小广告", lng=grid.lng, lat=grid.lat, category="SJ0401",
                          photos=[wf.Upload("p.png", photo_bytes())])
    document = evidence_add(case=case, kind="document", name="回复函.pdf", content=b"%PDF-1.4\n%%EOF")
    client.force_login(people["shouli"])
    response = client.get(reverse("cases:evidence", args=[document.pk, "shared"]))
    assert response["Content-Type"] == "application/pdf" and response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    photo = case.evidence.get(kind="before")
    response = client.get(reverse("cases:evidence", args=[photo.pk, "thumb"]))
    assert response["Content-Type"] == "image/jpeg" and response["Content-Disposition"].startswith("inline;")


def test_photos_are_decoded_before_the_case_is_locked(people, grid, monkeypatch):
    # Decoding a 12 MP photo takes a fraction of a second: under the case's row lock (and SQLite's write lock) every
    # other change waits for it.
    from django.db import connection

    from wenming.cases.services import evidence as ev

    case = _submitted(people, grid)
    depth, decoded_at, real = len(connection.atomic_blocks), [], ev.image_decode
    monkeypatch.setattr(ev, "image_decode", lambda **kw: decoded_at.append(len(connection.atomic_blocks)) or real(**kw))
    wf.case_intake(channel="grid", description="墙面小广告", lng=grid.lng, lat=grid.lat, category="SJ0401",
                   photos=[wf.Upload("a.png", photo_bytes())])
    wf.case_verify(case_id=case.pk, actor=people["shouli"], passed=True, photos=[wf.Upload("b.png", photo_bytes(pattern=4))])
    assert decoded_at == [depth, depth] and Evidence.objects.count() == 3
