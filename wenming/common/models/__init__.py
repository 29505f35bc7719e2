from .audit import AuditEvent, GeographyVersion
from .base import TimeStampedModel
from .calendar import CalendarDay
from .geo import GeoFeatureModel
from .notification import Notification

__all__ = ["AuditEvent", "CalendarDay", "GeoFeatureModel", "GeographyVersion", "Notification", "TimeStampedModel"]
