"""The home page: staff get their role's page (their queues with counts, their panels); everyone else the public
landing. It composes pages from several apps, so it sits in the site package on top of them."""

from django.shortcuts import render
from django.utils import timezone

from wenming.campaign import selectors as campaign_selectors
from wenming.cases import selectors as case_selectors
from wenming.cases.models import RoutingRule
from wenming.cases.services.exposure import exposure_board, showcase_entries
from wenming.common.access import can, scope_for
from wenming.common.roles import COMMAND_OR_ADMIN, READINESS_WATCHERS, Role, roles
from wenming.evaluation import selectors as evaluation_selectors
from wenming.evaluation.readiness_selectors import readiness_headline
from wenming.scoring import selectors as scoring_selectors
from wenming.scoring.models import ScoreSnapshot

# The hotline page's own check (its operators): the tile shows only to those it would let in.
HOTLINE_OPERATORS = roles(Role.INTAKE, Role.SHIFT_LEADER)


def home(request):
    if not request.user.is_authenticated:
        return render(request, "site/public_home.html", {
            "board": list(exposure_board()[:3]), "showcase": list(showcase_entries()[:3]),
        })
    scope = scope_for(request.user)
    labels = dict(Role.choices)
    queues = case_selectors.queues_for(request.user)
    counts = case_selectors.queue_counts(user=request.user, queues=queues) if queues else {}
    # Inspectors and grid workers see no scores (as on the dashboard): their page is their queues.
    edition = evaluation_selectors.current_edition(request.user) if scope.roles & READINESS_WATCHERS else None
    panels = (scoring_selectors.dashboard(request.user, panels=scoring_selectors.home_panels(scope.roles))
              if can(request.user, ScoreSnapshot) else None)
    return render(
        request,
        "site/home.html",
        {
            "scope": scope,
            "role_labels": [labels.get(r, r) for r in sorted(scope.roles)],
            "can_route": can(request.user, RoutingRule),
            "can_review": bool(scope.roles & COMMAND_OR_ADMIN),
            "can_hotline": bool(scope.roles & HOTLINE_OPERATORS),
            "queues": [(q, counts.get(q.key)) for q in queues],
            # 督办单 still open, for those who follow them up (None: not theirs to follow).
            "open_notices": (case_selectors.notices_open(user=request.user, now=timezone.now()).count()
                             if case_selectors.notices_follows(request.user) else None),
            "data": panels,
            # Grid workers and inspectors: the big report button and 我的上报 on top.
            "can_field_report": bool(case_selectors.field_channels(request.user)),
            # Task-force leaders and members: their 专班's board and its tasks, one click away.
            "my_forces": campaign_selectors.forces_of(user=request.user),
            # The evaluation office and the commander: the current edition's readiness (迎检准备) at a glance.
            "readiness": readiness_headline(request.user, edition, now=timezone.now()) if edition else None,
            "readiness_edition": edition,
        },
    )
