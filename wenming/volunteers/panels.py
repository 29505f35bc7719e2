"""The case page's 招募志愿者 panel (registered with ``cases.panels`` in ``VolunteersConfig.ready``): for an organiser
on an open case, a link that creates an activity called for by the case and its open cluster; and the activities
already linked to the case."""

from __future__ import annotations

from wenming.cases.models import OPEN_STATES
from wenming.cases.panels import CasePanel
from wenming.common.access import scope_for
from wenming.common.roles import VOLUNTEER_ORGANISERS
from wenming.volunteers.models import ActivityCase


def volunteer_call_panel(case, user) -> CasePanel | None:
    if not (scope_for(user).roles & VOLUNTEER_ORGANISERS or getattr(user, "is_superuser", False)):
        return None
    links = list(ActivityCase.objects.filter(case=case).select_related("activity").order_by("-activity__starts_at")[:10])
    if case.state not in OPEN_STATES and not links:
        return None
    return CasePanel(key="volunteer-call", template="volunteers/_case_panel.html",
                     context={"case": case, "links": links, "can_call": case.state in OPEN_STATES})
