from .base import TimeStampedModel
from .audit import AuditEvent, GeographyVersion
from .calendar import CalendarDay
from .geo import GeoFeatureModel

__all__ = ["AuditEvent", "CalendarDay", "GeoFeatureModel", "GeographyVersion", "TimeStampedModel"]
