import time

from django.core.management.base import BaseCommand
from django.db import transaction

from wenming.campaign.services.targets import targets_refresh


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = ("Recompute the campaign tasks' target lists (spatial scopes, per-area targets) from the site and area "
            "registers, and the tasks' figures. The worker runs this on its schedule.")

    def add_arguments(self, parser):
        parser.add_argument("--task", type=int, help="only this task (its id)")
        parser.add_argument("--campaign", type=int, help="only this campaign's tasks (its id)")
        parser.add_argument("--dry-run", action="store_true", help="compute and report, then roll back")

    def handle(self, *args, task=None, campaign=None, dry_run=False, **options):
        started = time.perf_counter()
        try:
            with transaction.atomic():
                counts = targets_refresh(task_id=task, campaign_id=campaign)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        seconds = time.perf_counter() - started
        summary = " ".join(f"{k}={v}" for k, v in counts.items())
        self.stdout.write(self.style.SUCCESS(f"{'(dry run, nothing saved) ' if dry_run else ''}{summary} in {seconds:.2f} s"))
