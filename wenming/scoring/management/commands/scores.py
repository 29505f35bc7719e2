import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from wenming.common.errors import WorkflowError
from wenming.org.models import Person
from wenming.scoring.models import Period
from wenming.scoring.services import kpi, scores
from wenming.scoring.services.dashboard import daily_counts_refresh


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = ("Compute the score snapshots of the last finished weeks and months (drafts; --publish publishes them "
            "as --as USER) and recount the dashboards' daily event counts. --dry-run prints and saves nothing.")

    def add_arguments(self, parser):
        parser.add_argument("--weeks", type=int, default=1, help="finished weeks to compute (default 1)")
        parser.add_argument("--months", type=int, default=1, help="finished months to compute (default 1)")
        parser.add_argument("--subject", choices=list(kpi.SUBJECT_INDICATORS), action="append")
        parser.add_argument("--publish", action="store_true")
        parser.add_argument("--as", dest="username", help="the shift leader or administrator who publishes")
        parser.add_argument("--count-days", type=int, default=31, help="days of event counts to recount")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, weeks, months, subject, publish, username, count_days, dry_run, **options):
        actor = None
        if publish:
            actor = Person.objects.filter(username=username or "").first()
            if actor is None:
                raise CommandError("--publish needs --as USERNAME of a shift leader or administrator")
        today = timezone.localdate()
        days = []
        week_start, _ = scores.period_bounds(Period.WEEK, today)
        days += [(Period.WEEK, week_start - dt.timedelta(days=7 * i)) for i in range(weeks, 0, -1)]
        month_start, _ = scores.period_bounds(Period.MONTH, today)
        for _i in range(months):
            month_start = scores.period_bounds(Period.MONTH, month_start - dt.timedelta(days=1))[0]
            days.append((Period.MONTH, month_start))
        try:
            with transaction.atomic():
                for name in subject or list(kpi.SUBJECT_INDICATORS):
                    for period, day in days:
                        snapshot = scores.snapshot_compute(subject=name, period=period, day=day)
                        if publish and not snapshot.is_published:
                            snapshot = scores.snapshot_publish(snapshot_id=snapshot.pk, actor=actor)
                        ranked = sorted((r for r in snapshot.figures["rows"].values() if r["rank"]),
                                        key=lambda r: r["rank"])
                        top = ", ".join(f"{r['rank']}. {r['name']} {r['index']}" for r in ranked[:3]) or "-"
                        self.stdout.write(f"{snapshot} [{snapshot.get_status_display()}]: {top}")
                rows = daily_counts_refresh(days=count_days)
                self.stdout.write(f"daily event counts: {rows} rows over {count_days} days")
                if dry_run:
                    raise _DryRun
        except _DryRun:
            self.stdout.write("dry run: nothing saved")
            return
        except WorkflowError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("done"))
