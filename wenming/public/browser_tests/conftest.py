"""The browser fixtures of the case walks (one Chromium in its own thread), shared rather than copied."""

import pytest
from django.core.cache import cache

from wenming.cases.browser_tests.conftest import browser_thread  # noqa: F401


@pytest.fixture(autouse=True)
def _public_setup(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WENMING_SMS_BACKEND = "wenming.public.tests.sms.RecordingSMSBackend"
    cache.clear()
    yield
    cache.clear()
