from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wenming.campaign.services.categories import DEFAULT_FILE, CategoryDataError, categories_load


class Command(BaseCommand):
    help = "Load or update the category table, its time limits and action tags from a JSON file."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_FILE))

    def handle(self, *args, file, **options):
        try:
            counts = categories_load(path=Path(file))
        except CategoryDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"{counts['categories']} categories, {counts['time_limits']} time limits"))
