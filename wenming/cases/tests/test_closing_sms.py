"""The closing SMS carries the link where the reporter rates the result: absolute, on the configured public
address, and short enough for two SMS segments in Chinese."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import translation

from wenming.cases.models import Case, CaseState
from wenming.cases.services import workflow as wf
from wenming.cases.tests.test_views import advance, routed_grid
from wenming.common.env import env_url
from wenming.common.models import Notification

pytestmark = pytest.mark.django_db
PHONE = "13812345678"
SITE = "https://wenming.hengshui.gov.cn"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.WENMING_PUBLIC_URL = SITE


def _closed(people, *, channel="hotline") -> Case:
    grid = routed_grid("SJ0401", "CGJ-131102", "131102")
    case = wf.case_intake(channel=channel, description="路口流动摊贩占道经营", lng=grid.lng, lat=grid.lat,
                          category="SJ0401", reporter_phone=PHONE, actor=people["shouli"] if channel != "grid" else None)
    with translation.override("zh-hans"):
        return advance(case, CaseState.CLOSED, people)


def _sms(case) -> str:
    return Notification.objects.get(key__startswith=f"closed:{case.pk}:", channel="sms", to_phone=PHONE).subject


def test_the_closing_sms_links_to_the_rating_form(people, client):
    case = _closed(people)
    text = _sms(case)
    link = f"{SITE}{reverse('public:status', args=[case.tracking_code])}#rating-form"
    assert link in text and case.number in text
    assert len(text) <= 134, text  # two SMS segments of Chinese text (67 characters each when joined)
    # The link opens the page with the rating form (a GET: the SMS link is followed in a browser).
    page = client.get(reverse("public:status", args=[case.tracking_code]))
    assert page.status_code == 200 and 'id="rating-form"' in page.content.decode()


def test_a_report_nobody_from_the_public_made_gets_no_rating_link(people):
    case = _closed(people, channel="grid")
    text = _sms(case)
    assert "/track/" not in text and case.tracking_code in text


@pytest.mark.parametrize("value", ["wenming.example.gov.cn", "ftp://example.gov.cn", "https://", "https://x.cn/?a=1",
                                   "https://x.cn/#top"])
def test_a_public_url_that_cannot_be_linked_stops_the_start(monkeypatch, value):
    monkeypatch.setenv("WENMING_PUBLIC_URL", value)
    with pytest.raises(ImproperlyConfigured, match="WENMING_PUBLIC_URL"):
        env_url("WENMING_PUBLIC_URL", "http://127.0.0.1:8000")


def test_the_public_url_loses_its_trailing_slash(monkeypatch):
    monkeypatch.setenv("WENMING_PUBLIC_URL", " https://wenming.example.gov.cn/ ")
    assert env_url("WENMING_PUBLIC_URL", "http://127.0.0.1:8000") == "https://wenming.example.gov.cn"
    monkeypatch.delenv("WENMING_PUBLIC_URL")
    assert env_url("WENMING_PUBLIC_URL", "http://127.0.0.1:8000/") == "http://127.0.0.1:8000"


def test_production_links_to_the_first_allowed_host_over_https():
    probe = "import json, django; from django.conf import settings; django.setup(); print(json.dumps(settings.WENMING_PUBLIC_URL))"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WENMING_", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"))}
    env.update({"DJANGO_SETTINGS_MODULE": "wenming.settings", "WENMING_DATA_DIR": "/tmp/wenming-settings-probe",
                "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": ".example.gov.cn,wenming.example.gov.cn"})
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == "https://wenming.example.gov.cn"
