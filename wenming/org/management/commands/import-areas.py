from wenming.org.management.importing import ImportCommand
from wenming.org.services.imports.areas import areas_import


class Command(ImportCommand):
    help = "Import areas and grids from GeoJSON or a zipped Shapefile. All or nothing; --dry-run checks and lists the changes. See docs/imports.md."
    service = staticmethod(areas_import)
    file_help = "a .geojson/.json FeatureCollection or a .zip holding .shp, .shx and .dbf"
    geographic = True
