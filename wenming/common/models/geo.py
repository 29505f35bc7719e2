from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.common.geo import geometry_summary


class GeoFeatureModel(models.Model):
    """A GeoJSON geometry in WGS-84, with its bounding box and a representative point kept beside it.

    The box and point let lists, maps and the spatial index work without parsing the geometry.
    """

    geometry = models.JSONField(_("geometry (GeoJSON, WGS-84)"), null=True, blank=True)
    min_lng = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lng = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)
    lng = models.FloatField(_("longitude"), null=True, blank=True, editable=False)
    lat = models.FloatField(_("latitude"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def set_geometry(self, geometry: dict | None) -> None:
        self.geometry = geometry
        summary = geometry_summary(geometry) if geometry else None
        if summary is None:
            self.min_lng = self.min_lat = self.max_lng = self.max_lat = self.lng = self.lat = None
            return
        (self.min_lng, self.min_lat, self.max_lng, self.max_lat), (self.lng, self.lat) = summary
