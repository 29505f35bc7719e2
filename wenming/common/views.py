from django.shortcuts import render

from wenming.cases.models import RoutingRule
from wenming.common.access import can, scope_for
from wenming.org.models import Role


def home(request):
    """Staff get their role's home page (their queues with counts, their panels); everyone else the public
    landing: report, follow, the public columns."""
    if not request.user.is_authenticated:
        from wenming.cases.services.exposure import exposure_board, showcase_entries

        return render(request, "common/public_home.html", {
            "board": list(exposure_board()[:3]), "showcase": list(showcase_entries()[:3]),
        })
    from wenming.cases import selectors as case_selectors
    from wenming.scoring import selectors as scoring_selectors
    from wenming.scoring.models import ScoreSnapshot

    scope = scope_for(request.user)
    labels = dict(Role.choices)
    queues = case_selectors.queues_for(request.user)
    counts = case_selectors.queue_counts(user=request.user, queues=queues) if queues else {}
    # Inspectors and grid workers see no scores (as on the dashboard): their page is their queues.
    panels = (scoring_selectors.dashboard(request.user, panels=scoring_selectors.home_panels(scope.roles))
              if can(request.user, ScoreSnapshot) else None)
    return render(
        request,
        "common/home.html",
        {
            "scope": scope,
            "role_labels": [labels.get(r, r) for r in sorted(scope.roles)],
            "can_route": can(request.user, RoutingRule),
            "queues": [(q, counts.get(q.key)) for q in queues],
            "data": panels,
        },
    )
