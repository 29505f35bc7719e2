from wenming.org.management.importing import ImportCommand
from wenming.org.services.imports.sites import sites_import


class Command(ImportCommand):
    help = "Import sites (点位) from GeoJSON or a zipped Shapefile. All or nothing; --dry-run checks and lists the changes. See docs/imports.md."
    service = staticmethod(sites_import)
    file_help = "a .geojson/.json FeatureCollection or a .zip holding .shp, .shx and .dbf"
    geographic = True
