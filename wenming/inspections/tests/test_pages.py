"""The inspector's phone pages: my day, one site's checklist; recording a failed item with a photo files a case; a
repeated post (the same client id) stores nothing twice; nobody else opens them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wenming.conftest import photo_bytes
from wenming.inspections.models import Result

pytestmark = pytest.mark.django_db


@pytest.fixture
def assignment(demo_round):
    return demo_round.assignments.select_related("site").order_by("pk").first()


def test_my_day_lists_my_sites(client, assignment, people):
    client.force_login(people["anfang"])
    page = client.get(reverse("inspections:my_day"), {"date": assignment.day.isoformat()}).content.decode()
    assert f'data-assignment="{assignment.pk}"' in page and assignment.site.name in page
    assert client.get(reverse("inspections:my_day"), {"date": "bogus"}).status_code == 200  # today instead


def test_recording_a_failed_item_with_a_photo(client, assignment, people):
    client.force_login(people["anfang"])
    url = reverse("inspections:assignment", args=[assignment.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'id="result-form"' in page.content.decode()
    client_id = page.context["form"].initial["client_id"]
    item = assignment.scheme.items.order_by("sort").first()
    data = {"client_id": client_id, "item": item.code, "outcome": "fail", "note": "门前堆物",
            "lng": assignment.site.lng, "lat": assignment.site.lat}
    refused = client.post(url, {**data, "lng": "", "lat": "",
                                "photo": SimpleUploadedFile("p.png", photo_bytes(), "image/png")})
    assert refused.status_code == 400 and "GPS" in refused.content.decode()
    no_photo = client.post(url, data)
    assert no_photo.status_code == 400 and "photo" in no_photo.content.decode()
    for _ in range(2):  # the phone sends the same form twice
        done = client.post(url, {**data, "photo": SimpleUploadedFile("p.png", photo_bytes(), "image/png")})
        assert done.status_code == 302, (done.context["form"].errors if done.context else done)
    result = Result.objects.get()
    assert result.case.channel == "inspection" and result.case.evidence.count() == 1
    page = client.get(url).content.decode()
    assert f'data-item="{item.code}" data-outcome="fail"' in page and result.case.number in page


def test_a_huge_or_fake_photo_is_refused(client, assignment, people, settings):
    client.force_login(people["anfang"])
    url = reverse("inspections:assignment", args=[assignment.pk])
    item = assignment.scheme.items.order_by("sort").first()
    data = {"client_id": "6d4f3c1e-0000-4000-8000-000000000001", "item": item.code, "outcome": "severe",
            "lng": assignment.site.lng, "lat": assignment.site.lat}
    fake = client.post(url, {**data, "photo": SimpleUploadedFile("p.jpg", b"MZ\x90\x00 not an image", "image/jpeg")})
    assert fake.status_code == 400
    settings.WENMING_MAX_UPLOAD_BYTES = 100
    huge = client.post(url, {**data, "photo": SimpleUploadedFile("p.png", photo_bytes(), "image/png")})
    assert huge.status_code == 400
    assert not Result.objects.exists()


def test_nobody_else_opens_an_inspectors_pages(client, assignment, people):
    url = reverse("inspections:assignment", args=[assignment.pk])
    for username in ("zhiban", "chengguan", "wangge", "ceping"):
        client.force_login(people[username])
        assert client.get(url).status_code == 404, username
        assert client.get(reverse("inspections:my_day")).status_code == 404, username
