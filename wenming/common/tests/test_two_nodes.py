"""Two live app nodes on one database: a change made through node A is seen by node B within the documented bound.

Each node is the real server (``wenming serve``: gunicorn, one worker) of this checkout, on ports 15500 and 15501,
checking its in-process caches every WENMING_GEO_CHECK_SECONDS (2 s, the production default; tests otherwise check
on every lookup). Changes go through node A's admin, as an administrator would make them; B is asked until it
follows. The bound asserted is the check interval plus the time of one request on a loaded machine; the measured
delays are printed (``-s`` shows them) for docs/scaling.md.

- a revoked API key: B refuses it (REST API);
- a routing rule added: B's next intake (Open311) is routed by it;
- a calendar override: B's next intake gets its deadline past the day A made non-working.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone

from wenming.conftest import needs_postgresql

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[3]
PORTS = (15500, 15501)
CHECK_SECONDS = 2.0
BOUND = CHECK_SECONDS + 3.0  # the interval, plus a request or two on a machine shared with other work
STARTUP = 60.0


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start(port: int, tmp_path: Path) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=_database_url(), WENMING_TESTING="1", PYTHONPATH=str(ROOT),
               WENMING_GEO_CHECK_SECONDS=str(CHECK_SECONDS), WENMING_MEDIA_ROOT=str(tmp_path / "media"),
               PYTHONUNBUFFERED="1")
    env.pop("DATABASE_REPLICA_URL", None)
    log = (tmp_path / f"node-{port}.log").open("w")
    # This checkout's code (cwd and PYTHONPATH), not whatever the venv's console script points at.
    return subprocess.Popen([sys.executable, "-m", "wenming.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", "1", "--threads", "2"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)


def _wait_until_up(port: int, process: subprocess.Popen, deadline: float) -> None:
    import requests

    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"node {port} exited with {process.returncode}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/open311/v2/discovery.json", timeout=3).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"node {port} did not answer within {STARTUP:.0f} s")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _until(check, *, what: str) -> float:
    """Seconds until ``check()`` holds (asked every 0.1 s), failing past the bound."""
    started = time.monotonic()
    while True:
        if check():
            return time.monotonic() - started
        if time.monotonic() - started > BOUND + 10:
            raise AssertionError(f"node B did not follow ({what}) within {BOUND + 10:.0f} s")
        time.sleep(0.1)


class _Admin:
    """A logged-in administrator's browser on node A."""

    def __init__(self, base: str, username: str, password: str):
        import requests

        self.base, self.http = base, requests.Session()
        self.http.get(f"{base}/login/", timeout=30)
        answer = self.post("/login/", {"username": username, "password": password})
        assert answer.status_code == 302, answer.text[:500]

    def post(self, path: str, data: dict):
        token = self.http.cookies.get("csrftoken")
        return self.http.post(f"{self.base}{path}", data={**data, "csrfmiddlewaretoken": token}, timeout=30,
                              allow_redirects=False)


def test_a_change_on_node_a_is_seen_on_node_b_within_the_bound(committed_city, tmp_path):
    needs_postgresql()
    import requests

    from wenming.api.services.keys import api_key_issue
    from wenming.cases.models import Case, RoutingRule, TimeLimit
    from wenming.demo.accounts import DEMO_PASSWORD
    from wenming.org.models import Area, Person, Unit

    (tmp_path / "media").mkdir()
    holder = Person.objects.get(username="shouli")
    key, raw = api_key_issue(name="two nodes", person=holder, channel="api")
    _post_key, post_raw = api_key_issue(name="two nodes intake", person=holder, channel="12345")
    grid = Area.objects.filter(level="grid", lng__isnull=False).order_by("code").first()
    # A category whose registration deadline (the first one a case gets) counts working time, so the calendar moves it.
    limit = (TimeLimit.objects.filter(stage="register", urgency="normal", unit__in=["working_days", "working_hours"],
                                      category__is_active=True, category__parent__isnull=False)
             .select_related("category").order_by("category__code").first())
    assert limit is not None
    code = limit.category.code

    nodes = [_start(port, tmp_path) for port in PORTS]
    a, b = (f"http://127.0.0.1:{port}" for port in PORTS)
    timings = {}
    try:
        deadline = time.monotonic() + STARTUP
        for port, node in zip(PORTS, nodes, strict=True):
            _wait_until_up(port, node, deadline)
        admin = _Admin(a, "admin", DEMO_PASSWORD)

        def b_accepts_key() -> bool:
            answer = requests.get(f"{b}/api/v1/categories/", headers={"Authorization": f"Token {raw}"}, timeout=30)
            assert answer.status_code in (200, 401, 403), answer.status_code
            return answer.status_code == 200

        def b_intake() -> Case:
            answer = requests.post(f"{b}/open311/v2/requests.json", data={
                "api_key": post_raw, "service_code": code, "lat": str(grid.lat), "long": str(grid.lng),
                "description": "两节点测试：路口占道经营"}, timeout=30)
            assert answer.status_code in (200, 201), answer.text[:500]
            return Case.objects.get(pk=_case_pk(answer.json()[0]["service_request_id"]))

        # 1. Revoke the key through A's admin: B refuses it within the bound.
        assert b_accepts_key()
        revoked = admin.post("/admin/api/apikey/", {"action": "revoke", "_selected_action": str(key.pk)})
        assert revoked.status_code == 302, revoked.text[:500]
        key.refresh_from_db()
        assert not key.is_active
        timings["key revoked"] = _until(lambda: not b_accepts_key(), what="revoked key")

        # 2. A routing rule added through A's admin for this category in this grid: B's next intake follows it.
        before = b_intake()
        assert before.routing["rule"] != "area_rule"
        unit = Unit.objects.filter(is_active=True).exclude(pk=before.routing.get("unit_id")).order_by("pk").first()
        added = admin.post("/admin/cases/routingrule/add/", {
            "category": str(limit.category_id), "area": str(grid.pk), "site_type": "", "unit": str(unit.pk),
            "priority": "100", "note": "两节点测试", "is_active": "on"})
        assert added.status_code == 302, added.text[:2000]
        assert RoutingRule.objects.filter(note="两节点测试").exists()

        def b_routes_by_new_rule() -> bool:
            routing = b_intake().routing
            return routing.get("rule") == "area_rule" and routing.get("unit_id") == unit.pk

        timings["routing rule added"] = _until(b_routes_by_new_rule, what="routing rule")

        # 3. The day B's next deadline falls on made non-working through A's admin: B's deadline moves past it.
        due_day = timezone.localtime(b_intake().stage_due).date()
        added = admin.post("/admin/common/calendarday/add/",
                           {"date": due_day.isoformat(), "is_workday": "", "name": "两节点测试停工"})
        assert added.status_code == 302, added.text[:500]
        timings["calendar override"] = _until(lambda: timezone.localtime(b_intake().stage_due).date() > due_day,
                                              what="calendar override")
    finally:
        for node in nodes:
            _stop(node)
    print("\nnode B followed node A after (s):", {k: round(v, 2) for k, v in timings.items()})
    for what, seconds in timings.items():
        assert seconds <= BOUND, f"{what}: {seconds:.1f} s, over the bound of {BOUND:.0f} s"


def _case_pk(request_id: str) -> int:
    """The row id in a case number (report date, then the id on seven digits or more)."""
    return int(str(request_id)[8:])
