from django.shortcuts import render

from wenming.cases.models import RoutingRule
from wenming.common.access import can, scope_for
from wenming.org.models import Role


def home(request):
    """Staff get their home page; everyone else the public landing: report, follow, the public columns."""
    if not request.user.is_authenticated:
        from wenming.cases.services.exposure import exposure_board, showcase_entries

        return render(request, "common/public_home.html", {
            "board": list(exposure_board()[:3]), "showcase": list(showcase_entries()[:3]),
        })
    scope = scope_for(request.user)
    labels = dict(Role.choices)
    return render(
        request,
        "common/home.html",
        {
            "scope": scope,
            "role_labels": [labels.get(r, r) for r in sorted(scope.roles)],
            "can_route": can(request.user, RoutingRule),
        },
    )
