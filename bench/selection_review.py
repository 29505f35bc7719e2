"""A city-wide selection's review at scale: nominations in, the qualification check, experts' scores, the ranking,
the notice step, the call page, all through the real services.

    .venv/bin/python bench/selection_review.py [--nominations 1000] [--experts 7] [--database-url URL]

Rebuilds a scratch database (SQLite by default at /tmp/wenming-bench-selections.sqlite3; with --database-url a
PostgreSQL database whose name contains "bench" is dropped and created) and migrates it; builds 6 districts with 20
communities each, one site per nomination, a call with a quota of 5 per district and a three-item scoring sheet.
Then, timed: --nominations nominations made one by one (each numbered under the call's lock), the qualification
check on each, --experts experts declaring and scoring each, ``call_ranking`` with made-up votes, the notice step
(freezes scores, moves every nomination, computes the end on the working calendar) and the organiser's call page.
Writes bench/results/selection_review.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.materials_board import fresh_database  # noqa: E402

SQLITE = "/tmp/wenming-bench-selections.sqlite3"


def build(nominations: int, experts: int):
    from django.utils import timezone

    from wenming.common.roles import Role
    from wenming.org.models import Area, AreaLevel, Person, RoleAssignment, Site, SiteType, Unit
    from wenming.selections.models import SelectionKind
    from wenming.selections.services import calls as svc

    city = Area.objects.create(code="1311", name="市", level=AreaLevel.CITY)
    communities, districts = [], []
    for d in range(6):
        district = Area.objects.create(code=f"1311{d:02d}", name=f"区{d}", level=AreaLevel.COUNTY, parent=city)
        street = Area.objects.create(code=f"1311{d:02d}001", name=f"街道{d}", level=AreaLevel.STREET, parent=district)
        districts.append(district)
        communities += [Area.objects.create(code=f"1311{d:02d}001{c:03d}", name=f"社区{d}-{c}",
                                            level=AreaLevel.COMMUNITY, parent=street) for c in range(20)]
    cmd = Unit.objects.create(code="CMD", name="指挥中心")
    organiser = Person.objects.create_user(username="zhiban", password="x", is_staff=True, unit=cmd)
    RoleAssignment.objects.create(person=organiser, role=Role.SHIFT_LEADER, area=city)
    panel = []
    for i in range(experts):
        person = Person.objects.create_user(username=f"expert{i}", password="x", is_staff=True, unit=cmd)
        RoleAssignment.objects.create(person=person, role=Role.UNIT_HANDLER, unit=cmd)
        panel.append(person)
    compound = SiteType.objects.get_or_create(code="compound", defaults={"name": "小区"})[0]
    sites = Site.objects.bulk_create([Site(code=f"S{i:06d}", name=f"小区{i}", area=communities[i % len(communities)],
                                           site_type=compound, lng=115.6, lat=37.7) for i in range(nominations)])
    kind = SelectionKind.objects.create(code="zmxq", name="最美小区", subject="site")
    now = timezone.now()
    call = svc.call_create(actor=organiser, values=svc.CallValues(
        kind_id=kind.pk, title="最美小区", criteria="", organiser_id=cmd.pk, nominations_open=now,
        nominations_close=now + timezone.timedelta(days=30), notice_days=5, expert_weight=70,
        quotas={d.pk: 5 for d in districts},
        sheet=[svc.SheetItem("环境", 40), svc.SheetItem("设施", 30), svc.SheetItem("氛围", 30)]))
    for person in panel:
        svc.panel_member_add(call_id=call.pk, actor=organiser, username=person.username)
    call.refresh_from_db()
    svc.call_step(call_id=call.pk, actor=organiser, action_key="open", expected_version=call.version)
    return call, organiser, panel, sites


def timed(figures: dict, key: str, fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    figures[key] = round(time.perf_counter() - t, 3)
    print(f"{key}: {figures[key]} s", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nominations", type=int, default=1000)
    parser.add_argument("--experts", type=int, default=7)
    parser.add_argument("--database-url", default=f"sqlite:///{SQLITE}")
    args = parser.parse_args()
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="wenming.settings",
                      SECRET_KEY="bench-selections-not-secret", ALLOWED_HOSTS="testserver",
                      WENMING_GEO_CHECK_SECONDS="3600")
    os.environ.pop("WENMING_DEMO", None)
    fresh_database(args.database_url)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from wenming.selections.models import Nomination
    from wenming.selections.services import calls as svc
    from wenming.selections.services.nominations import Nominee, nomination_create
    from wenming.selections.services.qualification import qualification_run
    from wenming.selections.services.ranking import call_ranking
    from wenming.selections.services.review import conflict_declare, score_submit

    call, organiser, panel, sites = build(args.nominations, args.experts)
    figures: dict = {"nominations": args.nominations, "experts": args.experts, "database": connection.vendor}
    rng = random.Random(7)

    def nominate_all():
        return [nomination_create(call_id=call.pk, actor=organiser, nominee=Nominee(site_id=s.pk),
                                  statement="环境整洁") for s in sites]

    made = timed(figures, "nominate_s", nominate_all)
    svc.call_step(call_id=call.pk, actor=organiser, action_key="close", expected_version=call.version + 1)

    def qualify_all():
        for n in made:
            qualification_run(nomination_id=n.pk, actor=organiser, expected_version=n.version)

    timed(figures, "qualify_s", qualify_all)
    items = list(call.score_items.all())

    def score_all():
        for person in panel:
            for n in made:
                conflict_declare(nomination_id=n.pk, actor=person, conflicted=False)
                score_submit(nomination_id=n.pk, actor=person,
                             points={i.pk: rng.randint(i.max_points // 2, i.max_points) for i in items})

    timed(figures, "score_s", score_all)
    figures["scores"] = args.experts * args.nominations
    votes = {n.pk: rng.randint(0, 5000) for n in made}
    ranking = timed(figures, "ranking_s", call_ranking, call=call, votes=votes)
    figures["proposed"] = sum(r.proposed for r in ranking)
    client = Client()
    client.force_login(organiser)
    response = timed(figures, "call_page_s", client.get, f"/selections/{call.pk}/")
    assert response.status_code == 200
    call.refresh_from_db()
    timed(figures, "notice_step_s", svc.call_step, call_id=call.pk, actor=organiser, action_key="notice",
          expected_version=call.version)
    figures["in_notice"] = Nomination.objects.filter(call=call, status="in_notice").count()
    out = ROOT / "bench/results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "selection_review.json").write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
