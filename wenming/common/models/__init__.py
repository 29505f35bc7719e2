from .audit import AuditEvent, GeographyVersion
from .base import TimeStampedModel
from .calendar import CalendarDay
from .geo import GeoFeatureModel
from .notification import Notification
from .ratelimit import RateCounter

__all__ = ["AuditEvent", "CalendarDay", "GeoFeatureModel", "GeographyVersion", "Notification", "RateCounter", "TimeStampedModel"]
