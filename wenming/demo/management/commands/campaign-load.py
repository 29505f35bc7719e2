import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from wenming.campaign.services.actions import campaign_load
from wenming.demo.campaign import campaign_demo_build


class Command(BaseCommand):
    help = ("Load (or refresh) the campaign's actions and tasks from the article's data file (the article's dates); "
            "--demo adds the task forces and moves the campaign to the demo's year, with milestones and progress.")

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true",
                            help="also the demo task forces, lead and cooperating units; the campaign moved to the "
                                 "reference day's year so it is in progress, with milestones and progress reports")
        parser.add_argument("--today", help="the demo's reference day, YYYY-MM-DD (default: today in Beijing time)")

    def handle(self, *args, demo, today, **options):
        try:
            reference = dt.date.fromisoformat(today) if today else timezone.localdate()
        except ValueError:
            raise CommandError(f"--today: {today!r} is not a date written YYYY-MM-DD") from None
        campaign = campaign_load()
        line = f"{campaign.name}: {campaign.actions.count()} actions, {campaign.tasks.filter(kind='task').count()} tasks"
        if demo:
            counts = campaign_demo_build(campaign_code=campaign.code, today=reference)
            campaign.refresh_from_db()
            line += (f", {counts['task_forces']} task forces; dates from {campaign.starts_on} "
                     f"({counts.get('years_moved', 0)} years on from the article's), {counts.get('reports', 0)} progress reports")
        self.stdout.write(self.style.SUCCESS(line))
