import datetime as dt
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from wenming.cases.services import workflow as wf
from wenming.org.models import Area

pytestmark = pytest.mark.django_db

PASSWORD = "wenming2026"


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_every_page_for_a_logged_in_person_is_not_stored(client, people):
    client.force_login(people["chengguan"])
    for url in (reverse("home"), reverse("cases:workbench"), reverse("notifications"), "/api/v1/cases/"):
        response = client.get(url)
        assert response.status_code == 200 and _no_store(response), url


def test_tracking_pages_api_and_open311_answers_are_not_stored_for_anyone(client):
    grid = Area.objects.filter(level="grid").order_by("code").first()
    case = wf.case_intake(channel="citizen", description="人行道有垃圾", lng=grid.lng, lat=grid.lat, category="SJ0101")
    for url in (f"/citizen/track/{case.tracking_code}/", "/citizen/track/NOSUCHCODE1/", "/api/v1/cases/",
                "/open311/v2/requests.json"):
        assert _no_store(client.get(url)), url


def test_public_pages_and_static_assets_keep_their_caching(client):
    assert not _no_store(client.get(reverse("public:report")))
    asset = client.get("/static/wenming/campaign.css")
    assert asset.status_code == 200 and not _no_store(asset)


def test_a_response_declared_public_stays_public(rf, people):
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponse

    from wenming.common.middleware import PrivateResponsesMiddleware

    def view(request):
        request.session["seen"] = 1  # a view that read a non-empty session: personal unless declared public
        response = HttpResponse("published")
        if request.GET.get("public"):
            response["Cache-Control"] = "public, max-age=600"
        return response

    for query, expected in (({"public": "1"}, "public, max-age=600"), ({}, "private, no-store")):
        request = rf.get("/exposure/photo.jpg", query)
        request.user, request.session = people["chengguan"], SessionStore()
        assert PrivateResponsesMiddleware(view)(request)["Cache-Control"] == expected


def test_a_request_signed_by_an_api_key_starts_no_session(client, people):
    from wenming.api.services.keys import api_key_issue

    _key, raw = api_key_issue(name="12345 platform", person=people["shouli"])
    for _ in range(2):
        response = client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {raw}")
        assert response.status_code == 200 and _no_store(response)
        assert "sessionid" not in response.cookies
    assert not Session.objects.exists()


def _expiry(client) -> dt.datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_a_session_idle_for_a_working_day_is_logged_out(client, people):
    start = timezone.now()
    with mock.patch.object(timezone, "now", return_value=start):
        client.post(reverse("login"), {"username": "zhiban", "password": PASSWORD})
        assert client.get(reverse("cases:workbench")).status_code == 200
    assert _expiry(client) == start + dt.timedelta(hours=8)
    with mock.patch.object(timezone, "now", return_value=start + dt.timedelta(hours=8, seconds=1)):
        response = client.get(reverse("cases:workbench"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_activity_moves_the_expiry_without_saving_on_every_request(client, people):
    start = timezone.now()
    with mock.patch.object(timezone, "now", return_value=start):
        client.post(reverse("login"), {"username": "zhiban", "password": PASSWORD})
    with mock.patch.object(timezone, "now", return_value=start + dt.timedelta(minutes=2)):
        client.get(reverse("cases:workbench"))
    assert _expiry(client) == start + dt.timedelta(hours=8)  # within 5 minutes: not saved again
    later = start + dt.timedelta(hours=6)
    with mock.patch.object(timezone, "now", return_value=later):
        client.get(reverse("cases:workbench"))
    assert _expiry(client) == later + dt.timedelta(hours=8)
    with mock.patch.object(timezone, "now", return_value=start + dt.timedelta(hours=13)):
        assert client.get(reverse("cases:workbench")).status_code == 200
