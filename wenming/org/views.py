"""Areas, units, sites and the routing check. Thin: validate the query → selector or service → render."""

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from wenming.cases.models import RoutingRule
from wenming.cases.services.routing import RoutingError, case_route
from wenming.common.access import can
from wenming.common.pagination import paginate

from . import selectors
from .forms import AreaFilterForm, RouteForm, SiteFilterForm, UnitFilterForm


def _list_page(request, form_class, selector, template: str):
    form = form_class(request.GET or None)
    page = paginate(request, selector(user=request.user, **form.filters()), per_page=form.page_size())
    return render(request, template, {"form": form, "page": page})


def _geojson(obj) -> str:
    return json.dumps(obj.geometry, ensure_ascii=False) if obj.geometry else "null"


@login_required
def area_list(request):
    return _list_page(request, AreaFilterForm, selectors.area_list, "org/area_list.html")


@login_required
def area_detail(request, code):
    area = selectors.area_get(user=request.user, code=code)
    chain = selectors.area_chain(user=request.user, codes=selectors.area_path_codes(area))
    page = paginate(request, selectors.area_children(user=request.user, area=area))
    return render(
        request,
        "org/area_detail.html",
        {
            "area": area,
            "ancestors": chain[:-1],
            "page": page,
            "site_count": selectors.area_site_count(user=request.user, area=area),
            "geometry_json": _geojson(area),
            "outlines_json": json.dumps(selectors.area_child_outlines(user=request.user, area=area), ensure_ascii=False),
        },
    )


@login_required
def unit_list(request):
    return _list_page(request, UnitFilterForm, selectors.unit_list, "org/unit_list.html")


@login_required
def unit_detail(request, code):
    unit = selectors.unit_get(user=request.user, code=code)
    return render(request, "org/unit_detail.html", {"unit": unit, **selectors.unit_related(user=request.user, unit=unit)})


@login_required
def site_list(request):
    return _list_page(request, SiteFilterForm, selectors.site_list, "org/site_list.html")


@login_required
def site_detail(request, code):
    site = selectors.site_get(user=request.user, code=code)
    return render(
        request,
        "org/site_detail.html",
        {
            "site": site,
            "geometry_json": _geojson(site),
            "can_route": can(request.user, RoutingRule),
            **selectors.site_links(user=request.user, site=site),
        },
    )


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
            check = selectors.route_check(user=request.user, decision=decision)
    return render(
        request,
        "org/route.html",
        {
            "form": form,
            "check": check,
            "decision": check.decision if check else None,
            "error": error,
            "decision_json": json.dumps(check.as_dict(), ensure_ascii=False, indent=2) if check else "",
            "features_json": json.dumps(check.features, ensure_ascii=False) if check else "",
            "outlines_json": json.dumps(selectors.area_outlines(user=request.user), ensure_ascii=False),
        },
    )
