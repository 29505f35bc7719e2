from django.core.management.base import BaseCommand

from wenming.campaign.services.actions import campaign_load
from wenming.demo.campaign import campaign_demo_build


class Command(BaseCommand):
    help = "Load (or refresh) the campaign's actions and tasks from the article's data file; --demo adds the task forces."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="also the demo task forces, lead and cooperating units")

    def handle(self, *args, demo, **options):
        campaign = campaign_load()
        line = f"{campaign.name}: {campaign.actions.count()} actions, {campaign.tasks.filter(kind='task').count()} tasks"
        if demo:
            counts = campaign_demo_build(campaign_code=campaign.code)
            line += f", {counts['task_forces']} task forces"
        self.stdout.write(self.style.SUCCESS(line))
