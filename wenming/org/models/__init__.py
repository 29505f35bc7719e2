from .area import Area, AreaLevel, ResponsibilityGrid
from .person import Person, Role, RoleAssignment
from .site import RoadChief, RoadSegment, Site, SiteType, StorefrontDuty
from .unit import Unit, UnitKind

__all__ = [
    "Area",
    "AreaLevel",
    "Person",
    "ResponsibilityGrid",
    "RoadChief",
    "RoadSegment",
    "Role",
    "RoleAssignment",
    "Site",
    "SiteType",
    "StorefrontDuty",
    "Unit",
    "UnitKind",
]
