from .case import OPEN_STATES, Case, CaseEvent, CaseState, Channel, EventAction, PendingRequest
from .category import Category, CategoryKind, Stage, TimeLimit, TimeUnit, Urgency
from .escalation import EscalationLevel, EscalationPolicy, SupervisionNotice
from .evidence import Evidence
from .exposure import Exposure, ExposurePhoto
from .facility import Facility
from .followup import SATISFIED_RATINGS, FollowUp, FollowUpChannel, FollowUpDecision, FollowUpRating
from .imports import CaseImport, CaseImportMapping
from .routing import RoutingRule
from .webhook import Webhook, WebhookDelivery

__all__ = [
    "OPEN_STATES",
    "Case",
    "CaseEvent",
    "CaseImport",
    "CaseImportMapping",
    "CaseState",
    "Category",
    "CategoryKind",
    "Channel",
    "EscalationLevel",
    "EscalationPolicy",
    "Evidence",
    "Exposure",
    "ExposurePhoto",
    "Facility",
    "FollowUp",
    "FollowUpChannel",
    "EventAction",
    "FollowUpDecision",
    "FollowUpRating",
    "PendingRequest",
    "RoutingRule",
    "SATISFIED_RATINGS",
    "Stage",
    "SupervisionNotice",
    "TimeLimit",
    "TimeUnit",
    "Urgency",
    "Webhook",
    "WebhookDelivery",
]
