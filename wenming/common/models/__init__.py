from .audit import AuditEvent, GeographyVersion
from .base import TimeStampedModel
from .calendar import CalendarDay
from .geo import GeoFeatureModel

__all__ = ["AuditEvent", "CalendarDay", "GeoFeatureModel", "GeographyVersion", "TimeStampedModel"]
