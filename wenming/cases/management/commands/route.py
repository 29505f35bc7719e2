import json

from django.core.management.base import BaseCommand, CommandError

from wenming.cases.services.routing import RoutingError, case_route


class Command(BaseCommand):
    help = "Print the routing decision for a problem of a category at a point, as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--lat", type=float, required=True)
        parser.add_argument("--lng", type=float, required=True)
        parser.add_argument("--category", required=True, help="category code, e.g. SJ0101")
        parser.add_argument("--crs", default="wgs84", choices=["wgs84", "gcj02", "bd09"])

    def handle(self, *args, lat, lng, category, crs, **options):
        try:
            decision = case_route(lng=lng, lat=lat, category=category, crs=crs)
        except RoutingError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(decision.as_dict(), ensure_ascii=False, indent=2))
