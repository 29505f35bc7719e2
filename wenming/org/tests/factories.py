"""factory_boy factories for the org models, and small helpers that lay geometry out in metres.

Geometry-bearing factories take ``geometry=`` (GeoJSON, WGS-84) and fill the bounding box and representative
point through ``set_geometry``, as the import services do.
"""

from __future__ import annotations

import math

import factory
from factory.django import DjangoModelFactory

from wenming.common.geo import EARTH_RADIUS_M
from wenming.org.models import (
    Area,
    AreaLevel,
    RoadChief,
    RoadSegment,
    Site,
    SiteType,
    StorefrontDuty,
    Unit,
    UnitKind,
)

M_PER_DEG_LAT = EARTH_RADIUS_M * math.pi / 180


def offset(lng: float, lat: float, east_m: float = 0.0, north_m: float = 0.0) -> tuple[float, float]:
    """The point ``east_m`` metres east and ``north_m`` metres north of (lng, lat) (equirectangular)."""
    return lng + east_m / (M_PER_DEG_LAT * math.cos(math.radians(lat))), lat + north_m / M_PER_DEG_LAT


def point(lng: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [lng, lat]}


def square(lng: float, lat: float, half_m: float) -> dict:
    """A square polygon of side 2 × ``half_m`` metres centred on (lng, lat)."""
    return rectangle(*offset(lng, lat, -half_m, -half_m), *offset(lng, lat, half_m, half_m))


def rectangle(min_lng: float, min_lat: float, max_lng: float, max_lat: float) -> dict:
    ring = [[min_lng, min_lat], [max_lng, min_lat], [max_lng, max_lat], [min_lng, max_lat], [min_lng, min_lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def east_west_line(lng: float, lat: float, half_m: float, *, north_m: float = 0.0) -> dict:
    """A line running ``half_m`` metres either side of the point ``north_m`` metres north of (lng, lat)."""
    west, east = offset(lng, lat, -half_m, north_m), offset(lng, lat, half_m, north_m)
    return {"type": "LineString", "coordinates": [list(west), list(east)]}


class GeoFactory(DjangoModelFactory):
    """Base for GeoFeatureModel factories: ``geometry`` goes through ``set_geometry``."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        geometry = kwargs.pop("geometry", None)
        obj = model_class(*args, **kwargs)
        obj.set_geometry(geometry)
        obj.save()
        return obj

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        geometry = kwargs.pop("geometry", None)
        obj = model_class(*args, **kwargs)
        obj.set_geometry(geometry)
        return obj


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"TEST-U{n:04d}")
    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = UnitKind.DEPARTMENT
    is_active = True


class AreaFactory(GeoFactory):
    class Meta:
        model = Area

    code = factory.Sequence(lambda n: f"9{n:07d}")
    name = factory.Sequence(lambda n: f"测试区域{n}")
    level = AreaLevel.GRID
    parent = None
    default_unit = None
    geometry = None


class SiteTypeFactory(DjangoModelFactory):
    class Meta:
        model = SiteType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test_type_{n}")
    name = factory.Sequence(lambda n: f"测试点位类型{n}")
    surround_radius_m = 0


class SiteFactory(GeoFactory):
    class Meta:
        model = Site

    code = factory.Sequence(lambda n: f"TS{n:06d}")
    name = factory.Sequence(lambda n: f"测试点位{n}")
    site_type = factory.SubFactory(SiteTypeFactory)
    area = None
    guarantor_unit = None
    is_active = True
    geometry = None


class RoadSegmentFactory(GeoFactory):
    class Meta:
        model = RoadSegment

    code = factory.Sequence(lambda n: f"TRD{n:05d}")
    name = factory.Sequence(lambda n: f"测试路{n}")
    road_class = RoadSegment.RoadClass.BRANCH
    area = None
    geometry = None


class RoadChiefFactory(DjangoModelFactory):
    class Meta:
        model = RoadChief

    segment = factory.SubFactory(RoadSegmentFactory)
    level = RoadChief.Level.STREET
    name = factory.Sequence(lambda n: f"路长{n}")
    unit = factory.SubFactory(UnitFactory)


class StorefrontDutyFactory(GeoFactory):
    class Meta:
        model = StorefrontDuty

    code = factory.Sequence(lambda n: f"TMQ{n:05d}")
    shop_name = factory.Sequence(lambda n: f"测试商店{n}")
    duties = factory.LazyFunction(lambda: ["sanitation", "greening", "order", "facilities", "civility"])
    supervising_unit = factory.SubFactory(UnitFactory)
    geometry = None
