"""Headless Chromium (Debian's package) driven by Playwright's sync API against pytest-django's live server.

The live server serves the static files through django.contrib.staticfiles, Leaflet included (node_modules
under the "vendor" prefix), so a page needs nothing from outside: ``page.external_requests`` lists any request
that went elsewhere, and ``page.js_errors`` any script error.
"""

import os
import shutil
from pathlib import Path

import pytest

from wenming.demo.accounts import DEMO_PASSWORD

CHROMIUM = os.environ.get("WENMING_CHROMIUM", "/usr/bin/chromium")
# Screenshots go to var/ on every run; WENMING_SCREENSHOTS=docs refreshes the ones the README shows.
_ROOT = Path(__file__).resolve().parents[2]
SHOTS = _ROOT / ("docs/screenshots" if os.environ.get("WENMING_SCREENSHOTS") == "docs" else "var/screenshots")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = "browser tests need Chromium: install Debian's chromium package (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make are synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


def _open(browser, live_server, **context_options):
    context = browser.new_context(locale="zh-CN", **context_options)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.requests, page.external_requests, page.js_errors = [], [], []

    def on_request(request):
        page.requests.append(request.url)
        if not request.url.startswith(live_server.url + "/"):
            page.external_requests.append(request.url)

    page.on("request", on_request)
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    return context, page


@pytest.fixture
def page(browser, live_server, committed_city):
    context, page = _open(browser, live_server, viewport=DESKTOP)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server, committed_city):
    context, page = _open(browser, live_server, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    yield page
    context.close()


def login(page, live_server, username: str, password: str = DEMO_PASSWORD) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
