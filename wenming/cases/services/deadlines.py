"""Stage deadlines from the category's time limits, on the working calendar."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings

from wenming.cases.models import Category, Stage
from wenming.cases.routing_cache import get_routing_config
from wenming.common.calendar import WORKING_HOURS, deadline_add

# Used while a case has no category yet (a citizen's report before registration) or a category lacks one.
FALLBACK = {
    Stage.REGISTER: (Decimal("1"), WORKING_HOURS),
    Stage.DISPATCH: (Decimal("1"), WORKING_HOURS),
    Stage.HANDLE: (Decimal("5"), "working_days"),
    Stage.VERIFY: (Decimal("2"), WORKING_HOURS),
}


def stage_limit(*, category: Category | None, urgency: str, stage: str) -> tuple[Decimal, str]:
    if category is not None:
        limits = get_routing_config().time_limits
        row = limits.get((category.pk, urgency, stage)) or limits.get((category.pk, "normal", stage))
        if row is not None:
            return row
    return FALLBACK[stage]


def stage_due(*, category: Category | None, urgency: str, stage: str, start: dt.datetime) -> dt.datetime:
    amount, unit = stage_limit(category=category, urgency=urgency, stage=stage)
    return deadline_add(start, amount, unit)


def sign_due(*, start: dt.datetime) -> dt.datetime:
    """A unit must sign for a dispatched case within WENMING_SIGN_LIMIT_HOURS working hours."""
    return deadline_add(start, Decimal(str(settings.WENMING_SIGN_LIMIT_HOURS)), WORKING_HOURS)
