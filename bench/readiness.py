"""The readiness page (迎检准备) over a full edition, three years of ledger periods and 100,000 online materials.

    .venv/bin/python bench/readiness.py [--materials 100000] [--repeat 30] [--database-url URL]

Builds the same scratch world as bench/materials_board.py (its database is rebuilt: SQLite by default at
/tmp/wenming-bench-materials.sqlite3; a PostgreSQL URL whose database name contains "bench" is dropped and
created): 200 units, the demo edition (2026: every content, negative-list and opinion item) through the real
import, each criterion led by one unit and shared with another, an evaluation-office login and a unit handler.
Adds twelve quarterly assessment periods (three years) with a ledger entry for every criterion in each
(``bulk_create``), an open risk record on every third criterion (through the risk service) and the required
materials in every state.

Measures through Django's test client (the whole view: access path, the grouped queries, the template) the
readiness page and one domain's page, for the office (every criterion) and the unit (its own), --repeat times
each: median and p95; counts each page's queries at 1,000 materials and again at --materials (they must be
equal). Writes bench/results/readiness.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.materials_board import SQLITE, add_materials, build_world, fresh_database, queries, timings  # noqa: E402

PAGES = [("/evaluation/readiness/", {}), ("/evaluation/readiness/P5/", {})]
STATUSES = ["met", "partly", "not_met", "na"]


def add_ledger_and_risks(edition, criteria, office) -> dict:
    from django.utils import timezone

    from wenming.evaluation.models import AssessmentPeriod, LedgerEntry, RiskLevel, SignalKind
    from wenming.evaluation.services.risk import risk_signal_record

    today = timezone.localdate()
    periods = []
    for back in range(12):  # this quarter and the eleven before it
        year, quarter = divmod((today.year * 4 + (today.month - 1) // 3) - back, 4)
        starts = dt.date(year, quarter * 3 + 1, 1)
        ends = (dt.date(year + (quarter == 3), (quarter * 3 + 3) % 12 + 1, 1) - dt.timedelta(days=1))
        periods.append(AssessmentPeriod(edition=edition, name=f"{year}年第{quarter + 1}季度", starts_on=starts,
                                        ends_on=ends))
    AssessmentPeriod.objects.bulk_create(periods)
    now = timezone.now()
    entries = [LedgerEntry(criterion=c, period=p, status=STATUSES[(i + j) % 4], assessed_by=office, assessed_at=now)
               for i, p in enumerate(AssessmentPeriod.objects.filter(edition=edition)) for j, c in enumerate(criteria)]
    LedgerEntry.objects.bulk_create(entries, batch_size=2000)
    for n, c in enumerate(criteria[::3]):
        risk_signal_record(criterion_id=c.pk, kind=SignalKind.MEDIA_REPORT, source_id=f"bench-{n}",
                           level=(RiskLevel.WATCH, RiskLevel.WARNING, RiskLevel.TRIGGERED)[n % 3])
    return {"periods": len(periods), "entries": len(entries), "risks": len(criteria[::3])}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--materials", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default=f"sqlite:///{SQLITE}")
    args = parser.parse_args()
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="wenming.settings",
                      SECRET_KEY="bench-readiness-not-secret", ALLOWED_HOSTS="testserver",
                      WENMING_GEO_CHECK_SECONDS="3600")
    os.environ.pop("WENMING_DEMO", None)
    fresh_database(args.database_url)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from wenming.evaluation.models import MaterialRequirement

    edition, criteria, units, office, handler = build_world()
    built = add_ledger_and_risks(edition, criteria, office)
    users = {"office": office, "unit": handler}
    client = Client()
    add_materials(edition, criteria, units, 0, 1000)
    small = queries(client, users, PAGES)
    add_materials(edition, criteria, units, 1000, args.materials)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    large = queries(client, users, PAGES)
    rows = timings(client, users, args.repeat, PAGES)
    out = {"date": time.strftime("%Y-%m-%d"), "database": connection.vendor, "criteria": len(criteria), **built,
           "materials": MaterialRequirement.objects.count(), "queries_at_1000": small, "queries_at_full": large,
           "queries_constant": small == large, "pages": rows}
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "results" / "readiness.json").write_text(json.dumps(out, indent=2, ensure_ascii=False))
    print(json.dumps({k: v for k, v in out.items() if k != "pages"}, ensure_ascii=False, indent=1))
    if not out["queries_constant"]:
        sys.exit("the number of queries grew with the number of materials")


if __name__ == "__main__":
    main()
