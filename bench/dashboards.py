"""Dashboard panels over a million cases on PostgreSQL: each panel as the app computes it (the selector:
access path, ORM query, Python shaping) against hand-written SQL for the same figure, in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wenming_bench_cases WENMING_DEMO=1 .venv/bin/wenming migrate
    .venv/bin/python bench/dashboards.py --database-url postgres://postgres@127.0.0.1:5432/wenming_bench_cases

Needs a database seeded by bench/seed_cases.py (a 3,000-grid city, 1,000,000 cases with a report event
each). Panels read the workflow events too, so this script first gives the cases of the last 45 days the
events their state implies (register, dispatch, sign, shelving, submit, verification, close; ~0.5 M rows)
and ~3,000 supervision notices, server-side with one INSERT … SELECT each; it does that once (it marks the
cases it seeded with ``data.bench``), publishes one unit snapshot for the rankings panel and refreshes the
daily event counts of the last 31 days (the hourly task's job). Then every panel runs --runs times for
three scopes: the command centre (the whole city), a district leader (taocheng) and a unit handler
(chengguan), the panel and its raw SQL alternating run by run. The raw SQL is always over the base tables (cases, events, notices), never the aggregate.
Reports p50/p95 and the ratio of the panel's p50 to the raw SQL's p50; writes bench/results/dashboards.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED_EVENTS = """
INSERT INTO cases_caseevent (case_id, seq, action, from_state, to_state, note, data, created_at)
SELECT c.id, e.seq, e.action, '', '', '', e.data, e.at
FROM cases_case c
CROSS JOIN LATERAL (VALUES
  (1, 'register', '{"bench": 1}'::jsonb, c.registered_at, c.state <> 'reported'),
  (2, 'dispatch', jsonb_build_object('unit', c.unit_id, 'bench', 1), c.dispatched_at,
      c.state NOT IN ('reported', 'registered')),
  (3, 'sign', jsonb_build_object('on_time', (c.id % 10) <> 0), c.signed_at,
      c.state IN ('handling', 'shelved', 'submitted', 'verified', 'closed')),
  (4, 'request_granted', '{"request": "shelving", "approved": true}'::jsonb, c.dispatched_at + interval '2 hours',
      c.state = 'shelved'),
  (4, 'submit', jsonb_build_object('on_time', (c.id % 7) <> 0), c.submitted_at,
      c.state IN ('submitted', 'verified', 'closed')),
  (5, 'verify_passed', '{"passed": true}'::jsonb, c.submitted_at + interval '1 hour', c.state IN ('verified', 'closed')),
  (6, 'close', '{}'::jsonb, c.closed_at, c.state = 'closed')
) AS e(seq, action, data, at, wanted)
WHERE c.reported_at >= now() - interval '45 days' AND e.wanted AND e.at IS NOT NULL
"""

SEED_NOTICES = """
INSERT INTO cases_supervisionnotice (created_at, updated_at, case_id, unit_id, level, state, demand, answer_due, answer)
SELECT now(), now(), id, unit_id, 1 + (id % 3), (ARRAY['issued', 'issued', 'answered', 'closed'])[1 + (id % 4)::int],
       '限期整改', now() + (((id % 5) - 2) * interval '1 day'), ''
FROM cases_case WHERE stage_due < now() AND unit_id IS NOT NULL ORDER BY id LIMIT 3000
"""

# The same figures in hand-written SQL. {scope} is the scope condition on ``c`` (the case row).
TZ = "Asia/Shanghai"
RAW = {
    "trend": [
        f"""SELECT (c.reported_at AT TIME ZONE '{TZ}')::date AS d, count(*) FROM cases_case c {{join}}
            WHERE c.reported_at >= %(start)s AND c.reported_at <= %(now)s {{scope}} GROUP BY d""",
        f"""SELECT (e.created_at AT TIME ZONE '{TZ}')::date AS d, count(*) FROM cases_caseevent e
            JOIN cases_case c ON c.id = e.case_id {{join}}
            WHERE e.action = 'close' AND e.created_at >= %(start)s AND e.created_at <= %(now)s {{scope}} GROUP BY d""",
    ],
    "by_action": [
        """SELECT e.action, count(*) FROM cases_caseevent e JOIN cases_case c ON c.id = e.case_id {join}
           WHERE e.created_at >= %(start)s AND e.created_at <= %(now)s {scope} GROUP BY e.action ORDER BY 2 DESC""",
    ],
    "by_category": [
        """SELECT coalesce(p.name, k.name), count(*) FROM cases_case c {join}
           LEFT JOIN cases_category k ON k.id = c.category_id LEFT JOIN cases_category p ON p.id = k.parent_id
           WHERE c.reported_at >= %(start)s AND c.reported_at <= %(now)s {scope} GROUP BY 1 ORDER BY 2 DESC""",
    ],
    "heatmap": [
        """SELECT c.grid_id, count(*) AS n FROM cases_case c {join}
           WHERE c.state IN ('reported','registered','dispatched','return_requested','handling','shelved','submitted',
                             'verified') AND c.grid_id IS NOT NULL {scope} GROUP BY c.grid_id""",
        """SELECT code, name, path FROM org_area WHERE level = 'street' ORDER BY path""",
    ],
    "overdue": [
        """SELECT c.unit_id, n.name, count(*) FROM cases_case c {join} LEFT JOIN org_unit n ON n.id = c.unit_id
           WHERE c.stage_due < %(now)s {scope} GROUP BY c.unit_id, n.name ORDER BY 3 DESC LIMIT 10""",
        """SELECT count(*) FROM cases_case c {join} WHERE c.stage_due < %(now)s {scope}""",
    ],
    "escalations": [
        """SELECT n.level, count(*), count(*) FILTER (WHERE n.answer_due < %(now)s AND n.state = 'issued')
           FROM cases_supervisionnotice n JOIN cases_case c ON c.id = n.case_id {join}
           WHERE n.state <> 'closed' {scope_notice} GROUP BY n.level""",
    ],
    "rankings": [
        """SELECT figures FROM scoring_scoresnapshot WHERE subject = 'unit' AND status = 'published'
           ORDER BY start DESC LIMIT 1""",
    ],
}


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("WENMING_DEMO", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "wenming.settings"
    import django

    django.setup()
    import datetime as dt

    from django.db import connection, reset_queries, transaction
    from django.utils import timezone

    from wenming.org.models import Person, Unit
    from wenming.scoring import selectors

    if connection.vendor != "postgresql":
        raise SystemExit("dashboards.py needs PostgreSQL")
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases_case")
        cases = cur.fetchone()[0]
        cur.execute("SELECT EXISTS (SELECT 1 FROM cases_caseevent WHERE action = 'register' AND data ? 'bench')")
        seeded = cur.fetchone()[0]
    if not seeded:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(SEED_EVENTS)
            events = cur.rowcount
            cur.execute(SEED_NOTICES)
            notices = cur.rowcount
        with connection.cursor() as cur:
            cur.execute("ANALYZE cases_caseevent; ANALYZE cases_supervisionnotice; ANALYZE cases_case")
        print(f"seeded {events:,} events and {notices:,} notices in {time.perf_counter() - started:.0f} s")
    _published_snapshot()
    from wenming.scoring.services.dashboard import daily_counts_refresh

    t = time.perf_counter()
    rows = daily_counts_refresh(days=31)
    print(f"daily event counts of the last 31 days: {rows:,} rows in {time.perf_counter() - t:.1f} s")

    now = timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=29)
    people = {p.username: p for p in Person.objects.filter(username__in=["zhiban", "taocheng", "chengguan"])}
    county = people["taocheng"].roles.select_related("area").get(role="area_leader").area.path
    unit_path = Unit.objects.get(code="CGJ-131102").path
    scopes = {
        "zhiban": ("", "", ""),
        "taocheng": ("", f"AND c.area_path LIKE '{county}%%'", f"AND c.area_path LIKE '{county}%%'"),
        "chengguan": ("JOIN org_unit u ON u.id = c.unit_id", f"AND u.path LIKE '{unit_path}%%'",
                      f"AND n.unit_id IN (SELECT id FROM org_unit WHERE path LIKE '{unit_path}%%')"),
    }
    functions = {
        "trend": selectors.panel_trend, "by_action": selectors.panel_by_action,
        "by_category": selectors.panel_by_category, "heatmap": selectors.panel_heatmap,
        "overdue": selectors.panel_overdue, "escalations": selectors.panel_escalations,
        "rankings": selectors.panel_rankings,
    }
    results = []
    for username, (join, scope, scope_notice) in scopes.items():
        user = people[username]
        for panel, fn in functions.items():
            fn(user, now=now)  # warm the cache of this plan and these pages
            # Panel and raw SQL alternate run by run, so both see the same load on a shared machine.
            app, raw = [], []
            for _ in range(args.runs):
                # The person's scope is computed once per request for all panels (cached on the user).
                t = time.perf_counter()
                fn(user, now=now)
                app.append((time.perf_counter() - t) * 1000)
                reset_queries()
                t = time.perf_counter()
                with connection.cursor() as cur:
                    for sql in RAW[panel]:
                        cur.execute(sql.format(join=join, scope=scope, scope_notice=scope_notice),
                                    {"start": start, "now": now})
                        cur.fetchall()
                raw.append((time.perf_counter() - t) * 1000)
            row = {"scope": username, "panel": panel, "p50": round(statistics.median(app), 1),
                   "p95": round(pct(app, 0.95), 1), "raw_p50": round(statistics.median(raw), 1),
                   "raw_p95": round(pct(raw, 0.95), 1)}
            row["ratio"] = round(row["p50"] / row["raw_p50"], 2) if row["raw_p50"] else None
            results.append(row)
            print(f"{username:10} {panel:12} p50 {row['p50']:7.1f} ms  p95 {row['p95']:7.1f} ms   "
                  f"raw SQL p50 {row['raw_p50']:7.1f} ms  p95 {row['raw_p95']:7.1f}   ratio {row['ratio']}", flush=True)
    out = {"date": time.strftime("%Y-%m-%d"), "cases": cases, "cores": os.cpu_count(), "runs": args.runs,
           "results": results}
    (ROOT / "bench/results/dashboards.json").write_text(json.dumps(out, indent=1, ensure_ascii=False))
    worst = max(r["p95"] for r in results)
    print(f"{cases:,} cases; worst p95 {worst} ms; worst ratio {max(r['ratio'] or 0 for r in results)}")


def _published_snapshot() -> None:
    """The rankings panel reads the latest published unit snapshot: make one for last month if none exists."""
    from wenming.scoring.models import ScoreSnapshot

    if ScoreSnapshot.objects.filter(subject="unit", status="published").exists():
        return
    import datetime as dt

    from django.utils import timezone

    from wenming.org.models import Person
    from wenming.scoring.services import scores

    last_week = timezone.localdate() - dt.timedelta(days=7)
    t = time.perf_counter()
    draft = scores.snapshot_compute(subject="unit", period="week", day=last_week)
    scores.snapshot_publish(snapshot_id=draft.pk, actor=Person.objects.get(username="zhiban"))
    print(f"published the unit snapshot of the week of {draft.start} in {time.perf_counter() - t:.1f} s "
          f"({len(draft.figures['rows'])} units)")


if __name__ == "__main__":
    main()
