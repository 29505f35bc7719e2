"""The weekly meeting pack (周例会) over a city with a million cases on PostgreSQL: the agenda figures
(after refreshing the values counted from cases; task forces' progress, lagging and overdue tasks, new and overdue cases by action, the places with the
most cases, the units' on-time ranking), the Word document and the XLSX workbook, as the app builds them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wenming_bench_cases WENMING_DEMO=1 .venv/bin/wenming migrate
    .venv/bin/python bench/weekly_meeting.py --database-url postgres://postgres@127.0.0.1:5432/wenming_bench_cases

Needs a database seeded by bench/seed_cases.py. Loads the campaign (actions, tasks) and its demo task
forces if they are missing, gives a few tasks progress reports so some lag, then builds the pack --runs
times for the week holding the newest cases. Reports each step's median and the total's median and
maximum; writes bench/results/weekly_meeting.json. Target: the whole pack in ≤ 10 s.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("WENMING_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wenming.settings")
    import django

    django.setup()
    import datetime as dt

    from django.db import connection, transaction
    from django.utils import timezone

    from wenming.campaign.models import Campaign, Meeting, Task
    from wenming.campaign.services.actions import campaign_load
    from wenming.campaign.services.meetings import agenda_build, week_start_of
    from wenming.campaign.services.tasks import measured_values_refresh
    from wenming.cases.models import Case
    from wenming.demo.campaign import campaign_demo_build
    from wenming.reports.meeting import meeting_docx, meeting_xlsx

    assert connection.vendor == "postgresql", "the benchmark runs on PostgreSQL"
    cases = Case.objects.count()
    campaign = Campaign.objects.filter(code="HS-2022").first()
    if campaign is None or not campaign.task_forces.exists():
        campaign = campaign_load()
        campaign_demo_build(campaign_code=campaign.code)
    newest = Case.objects.order_by("-reported_at").values_list("reported_at", flat=True).first()
    week = week_start_of(timezone.localdate(newest))
    now = min(timezone.now(), timezone.make_aware(dt.datetime.combine(week + dt.timedelta(days=7), dt.time.min)))
    # Some progress, so the figures hold lagging tasks (a quarter of the target on half the reported tasks).
    with transaction.atomic():
        for task in Task.objects.filter(campaign=campaign, measure="reported", target_kind="percent")[::2]:
            task.current_value = 25
            task.save(update_fields=["current_value"])

    timings: dict[str, list[float]] = {"refresh": [], "agenda": [], "docx": [], "xlsx": [], "total": []}
    sizes = {}
    for _ in range(args.runs):
        t0 = time.perf_counter()
        measured_values_refresh(campaign_id=campaign.pk)  # what meeting_prepare does first
        tr = time.perf_counter()
        agenda = agenda_build(campaign=campaign, week_start=week, now=now)
        t1 = time.perf_counter()
        meeting = Meeting(campaign=campaign, week_start=week, held_on=week + dt.timedelta(days=4), agenda=agenda,
                          minutes="听取各专班进展汇报。")
        meeting.save()
        try:
            docx = meeting_docx(meeting)
            t2 = time.perf_counter()
            xlsx = meeting_xlsx(meeting)
            t3 = time.perf_counter()
        finally:
            meeting.delete()
        for key, value in (("refresh", tr - t0), ("agenda", t1 - tr), ("docx", t2 - t1), ("xlsx", t3 - t2), ("total", t3 - t0)):
            timings[key].append(value)
        sizes = {"docx_bytes": len(docx), "xlsx_bytes": len(xlsx)}
    result = {
        "date": dt.datetime.now(dt.UTC).date().isoformat(), "cases": cases, "week_start": week.isoformat(), "runs": args.runs,
        "cores": os.cpu_count(), "median_s": {k: round(statistics.median(v), 3) for k, v in timings.items()},
        "max_s": {k: round(max(v), 3) for k, v in timings.items()}, **sizes,
        "figures": {"new_cases": agenda["totals"]["new_cases"], "problem_tasks": len(agenda["problem_tasks"]),
                    "ranked_units": len(agenda["ranking"]), "sites": len(agenda["sites"])},
    }
    out = ROOT / "bench" / "results" / "weekly_meeting.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=1))
    print("target ≤ 10 s:", "met" if result["max_s"]["total"] <= 10 else "NOT met")


if __name__ == "__main__":
    main()
