"""Headless Chromium (Debian's package) driven by Playwright against pytest-django's live server.

Playwright's sync API runs an event loop in the thread that starts it and refuses to start twice in one
thread, so these tests keep their own Chromium in a dedicated thread: they run whatever other browser tests
run in the same session, and the test's own thread stays free of event loops for the ORM.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
MISSING = "install Debian's chromium package (apt-get install chromium)"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
ROOT = Path(__file__).resolve().parents[3]
# Screenshots go to var/ on every run; WENMING_SCREENSHOTS=docs refreshes the ones the README shows.
SHOTS = ROOT / ("docs/screenshots" if os.environ.get("WENMING_SCREENSHOTS") == "docs" else "var/screenshots")
# Screenshots only for looking at (phone widths, the intake form) always go to var/.
EXTRA_SHOTS = ROOT / "var/screenshots"


class BrowserThread:
    """One Chromium, driven from one worker thread: ``run(fn)`` calls ``fn(browser)`` there."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="playwright")
        self.pool.submit(self._start).result(timeout=120)

    def _start(self) -> None:
        from playwright.sync_api import sync_playwright

        self.playwright = sync_playwright().start()
        self.browser = self.playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)

    def _stop(self) -> None:
        self.browser.close()
        self.playwright.stop()

    def run(self, fn, *args, timeout: float = 900):
        return self.pool.submit(fn, self.browser, *args).result(timeout=timeout)

    def close(self) -> None:
        try:
            self.pool.submit(self._stop).result(timeout=60)
        finally:
            self.pool.shutdown()


@pytest.fixture(scope="session")
def browser_thread():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    runner = BrowserThread()
    yield runner
    runner.close()
