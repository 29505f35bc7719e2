import json

from django.core.management.base import BaseCommand, CommandError

from wenming.common.geo import CRS, to_wgs84, valid_lnglat
from wenming.org.models import SiteType
from wenming.org.spatial import get_index


class Command(BaseCommand):
    help = "List the sites within RADIUS metres of a point (e.g. 300 m around a market, 200 m around a school)."

    def add_arguments(self, parser):
        parser.add_argument("--lat", type=float, required=True)
        parser.add_argument("--lng", type=float, required=True)
        parser.add_argument("--radius", type=float, default=300.0, help="metres (default 300)")
        parser.add_argument("--type", action="append", default=[], help="site type code or name; repeatable")
        parser.add_argument("--crs", default="wgs84", choices=[c.value for c in CRS])

    def handle(self, *args, lat, lng, radius, type, crs, **options):
        if not valid_lnglat(lng, lat) or radius <= 0:
            raise CommandError("latitude, longitude or radius out of range")
        type_ids = None
        if type:
            found = {t.code: t.id for t in SiteType.objects.all()} | {t.name: t.id for t in SiteType.objects.all()}
            unknown = [t for t in type if t not in found]
            if unknown:
                raise CommandError(f"unknown site type: {', '.join(unknown)}")
            type_ids = {found[t] for t in type}
        lng, lat = to_wgs84(lng, lat, crs)
        sites = get_index().sites_within(lng, lat, radius, type_ids=type_ids)
        rows = [
            {"code": s.code, "name": s.name, "type": s.type_name, "distance_m": s.distance_m} for s in sites
        ]
        self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
