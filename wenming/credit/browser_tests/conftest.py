# The cases' browser fixtures (one Chromium in its own thread), reused, not duplicated.
from wenming.cases.browser_tests.conftest import browser_thread  # noqa: F401
