"""The routing check: where a problem of a category at a point would be dispatched, and why. Thin: validate the
query → ``case_route`` → org's selector for what the person may see of the answer → render."""

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from wenming.cases.models import RoutingRule
from wenming.cases.services.routing import RoutingError, case_route
from wenming.common.access import can
from wenming.org import selectors as org_selectors

from .route_forms import RouteForm


@login_required
def route(request):
    # The check shows what the routing rules decide, so it is for those who may read the rules.
    if not can(request.user, RoutingRule):
        raise PermissionDenied
    # Coordinates alone (from a site's page or a map click) fill the form without complaining about the category.
    form = RouteForm(request.GET) if "category" in request.GET else RouteForm(initial=request.GET.dict())
    check, error = None, None
    if form.is_valid():
        try:
            decision = case_route(
                lng=form.cleaned_data["lng"],
                lat=form.cleaned_data["lat"],
                category=form.cleaned_data["category"],
                crs=form.cleaned_data["crs"],
            )
        except RoutingError as exc:
            error = str(exc)
        else:
            check = org_selectors.route_check(user=request.user, decision=decision)
    return render(
        request,
        "cases/route.html",
        {
            "form": form,
            "check": check,
            "decision": check.decision if check else None,
            "error": error,
            "decision_json": json.dumps(check.as_dict(), ensure_ascii=False, indent=2) if check else "",
            "features_json": json.dumps(check.features, ensure_ascii=False) if check else "",
            "outlines_json": json.dumps(org_selectors.area_outlines(user=request.user), ensure_ascii=False),
        },
    )
