from .category import Category, CategoryKind, Stage, TimeLimit, TimeUnit, Urgency
from .facility import Facility
from .routing import RoutingRule

__all__ = ["Category", "CategoryKind", "Facility", "RoutingRule", "Stage", "TimeLimit", "TimeUnit", "Urgency"]
