"""Headless Chromium (Debian's package) driven by Playwright's sync API against pytest-django's live server.

The live server serves the static files through django.contrib.staticfiles, Leaflet included (node_modules
under the "vendor" prefix), so a page needs nothing from outside: ``page.external_requests`` lists any request
that went elsewhere, and ``page.js_errors`` any script error.
"""

import os
import shutil
from pathlib import Path

import pytest

from wenming.demo.accounts import DEMO_PASSWORD, demo_logins

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


# -- helpers for the role journeys and the README's 1920×1080 pictures (issue 14) ----------------------------

SCREEN = {"width": 1920, "height": 1080}

# Runs before any page script. ECharts and Leaflet are patched as they load (their UMD bundles assign
# window.echarts and window.L first and fill them afterwards, hence the patch on first read): charts and maps
# draw without animation, and every ECharts instance records whether its last frame is drawn ("rendered"
# clears the mark, "finished" sets it), so a screenshot waits for the picture, never a sleep.
SETTLE_SCRIPT = """(() => {
  const patchOnRead = (name, patch) => {
    let value, patched = false;
    Object.defineProperty(window, name, {
      configurable: true,
      get() { if (value && !patched) { patched = patch(value); } return value; },
      set(v) { value = v; patched = false; },
    });
  };
  patchOnRead("echarts", (lib) => {
    if (typeof lib.init !== "function") { return false; }
    const init = lib.init;
    lib.init = function (...args) {
      const chart = init.apply(this, args);
      chart.__settled = false;
      chart.on("rendered", () => { chart.__settled = false; });
      chart.on("finished", () => { chart.__settled = true; });
      chart.setOption({ animation: false });
      return chart;
    };
    return true;
  });
  patchOnRead("L", (lib) => {
    if (!lib.Map) { return false; }
    Object.assign(lib.Map.prototype.options, { zoomAnimation: false, fadeAnimation: false, markerZoomAnimation: false });
    return true;
  });
})();"""

_SETTLED = """([selector, count]) => {
  if (typeof echarts === "undefined") { return false; }
  // A chart counts once it has data (a series) and has drawn it: one drawn empty while its data loads does not,
  // one its page marks as having nothing to show (data-empty="1": "暂无数据") does.
  const charts = Array.from(document.querySelectorAll(selector)).map((el) => echarts.getInstanceByDom(el));
  return charts.length >= count && charts.every((c) => c && c.__settled
    && ((c.getOption().series || []).length > 0 || c.getDom().getAttribute("data-empty") === "1"));
}"""


@pytest.fixture
def screen_page(browser, live_server, committed_city):
    """A 1920×1080 page (the big screen's size) whose charts and maps draw without animation."""
    context, page = _open(browser, live_server, viewport=SCREEN)
    page.add_init_script(SETTLE_SCRIPT)
    # Errors only the console shows (a script or style the content security policy refused); a failed load is
    # left to the page's own checks (the browser asks for /favicon.ico, which is no problem).
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    yield page
    context.close()


def charts_settled(page, selector: str, *, count: int = 1) -> None:
    """Wait until at least ``count`` elements match ``selector`` (ECharts marks the element it draws in with
    ``[_echarts_instance_]``) and the chart of each has drawn its data to the last frame; checked again after two
    animation frames, in case a chart was handed new data meanwhile."""
    for _ in range(2):
        page.wait_for_function(_SETTLED, arg=[selector, count])
        page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def demo_account(role, *, prefix: str = "", exclude: str = ""):
    """The first account ``demo-logins`` prints with this role (and a username starting with ``prefix``)."""
    for person in demo_logins():
        name = person.username
        if name.startswith(prefix) and not (exclude and name.startswith(exclude)) and any(
                r.role == role for r in person.roles.all()):
            return person
    raise AssertionError(f"demo-logins prints no {role.label} account starting with {prefix!r}")
