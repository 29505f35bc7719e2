"""The browser fixtures of the case pages' tests: one Chromium in its own thread for the session."""

from wenming.cases.browser_tests.conftest import browser_thread  # noqa: F401
