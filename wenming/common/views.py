from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from wenming.cases.models import RoutingRule
from wenming.common.access import can, scope_for
from wenming.org.models import Role


@login_required
def home(request):
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
