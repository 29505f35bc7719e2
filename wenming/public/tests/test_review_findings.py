"""Findings of the review of the citizen's pages: each test failed before its fix."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wenming.cases.services import workflow as wf

pytestmark = pytest.mark.django_db


@pytest.fixture
def tracked(grid):
    return wf.case_intake(channel="citizen", description="路口摊贩占道", lng=grid.lng, lat=grid.lat, category="SJ0401")


def test_a_tracking_code_with_a_slash_is_refused_not_a_server_error(english):
    response = english.get(reverse("public:track"), {"code": "AB/CD"})
    assert response.status_code == 200 and response.context["form"].errors["code"]


def test_over_the_limit_a_known_code_is_refused_like_an_unknown_one(english, settings, tracked):
    """Otherwise the limit is an oracle: 429 means "no such code", 200 means "found"."""
    settings.WENMING_PUBLIC_LIMITS = {"track_ip": (2, 3600)}
    for code in ["ABCDEFGHJK", "ABCDEFGHJM"]:
        assert english.get(reverse("public:status", args=[code]), REMOTE_ADDR="10.7.7.7").status_code == 404
    assert english.get(reverse("public:status", args=["ABCDEFGHJN"]), REMOTE_ADDR="10.7.7.7").status_code == 429
    known = english.get(reverse("public:status", args=[tracked.tracking_code]), REMOTE_ADDR="10.7.7.7")
    assert known.status_code == 429
    elsewhere = english.get(reverse("public:status", args=[tracked.tracking_code]), REMOTE_ADDR="10.7.7.8")
    assert elsewhere.status_code == 200


def test_photo_urls_with_unknown_codes_count_against_the_limit(english, settings):
    settings.WENMING_PUBLIC_LIMITS = {"track_ip": (2, 3600)}
    for code in ["ABCDEFGHJK", "ABCDEFGHJM", "ABCDEFGHJN"]:
        english.get(reverse("public:photo", args=[code, 1]), REMOTE_ADDR="10.8.8.8")
    assert english.get(reverse("public:status", args=["ABCDEFGHJP"]), REMOTE_ADDR="10.8.8.8").status_code == 429


def test_ipv6_addresses_of_one_network_share_its_limit(english, settings):
    """A phone on IPv6 holds a whole /64: one new address per request must not reset the count."""
    settings.WENMING_PUBLIC_LIMITS = {"code_ip": (1, 3600)}
    first = english.post(reverse("public:code"), {"phone": "13700000001"}, REMOTE_ADDR="2001:db8:1:2::1")
    assert first.status_code == 200
    second = english.post(reverse("public:code"), {"phone": "13700000002"}, REMOTE_ADDR="2001:db8:1:2:ffff::9")
    assert second.status_code == 429
    elsewhere = english.post(reverse("public:code"), {"phone": "13700000003"}, REMOTE_ADDR="2001:db8:1:3::1")
    assert elsewhere.status_code == 200


def test_a_forwarded_for_header_counts_only_from_the_proxy(english, settings):
    """Behind the proxy, a sender that reaches the app directly must not pick its address by header."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.WENMING_FORWARDED_ALLOW_IPS = "10.0.0.2"
    settings.WENMING_PUBLIC_LIMITS = {"code_ip": (1, 3600)}
    for n, spoofed in enumerate(["1.1.1.1", "2.2.2.2"]):
        response = english.post(reverse("public:code"), {"phone": f"1370000001{n}"}, REMOTE_ADDR="10.9.9.9",
                                HTTP_X_FORWARDED_FOR=spoofed)
    assert response.status_code == 429
    # Through the proxy, the address it saw counts.
    for n, sender in enumerate(["3.3.3.3", "4.4.4.4"]):
        response = english.post(reverse("public:code"), {"phone": f"1370000002{n}"}, REMOTE_ADDR="10.0.0.2",
                                HTTP_X_FORWARDED_FOR=f"9.9.9.9, {sender}")
        assert response.status_code == 200
