import json

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from wenming.cases.services.routing import RoutingError, case_route
from wenming.common.access import get_or_404, restrict
from wenming.common.pagination import paginate

from . import selectors
from .forms import AreaFilterForm, RouteForm, SiteFilterForm, UnitFilterForm
from .models import Area, Person, Site, Unit


def _filters(form_class, request):
    form = form_class(request.GET or None)
    return form, (form.cleaned_data if form.is_valid() else {})


@login_required
def area_list(request):
    form, data = _filters(AreaFilterForm, request)
    page = paginate(request, selectors.area_list(user=request.user, q=data.get("q", ""), level=data.get("level", "")))
    return render(request, "org/area_list.html", {"form": form, "page": page})


@login_required
def area_detail(request, code):
    area = get_or_404(Area.objects.select_related("parent", "default_unit", "responsibility_grid"), request.user, code=code)
    children = restrict(area.children.all(), request.user).order_by("code")
    page = paginate(request, children)
    return render(
        request,
        "org/area_detail.html",
        {
            "area": area,
            "page": page,
            "ancestors": area.ancestors(include_self=False),
            "geometry_json": json.dumps(area.geometry) if area.geometry else "null",
        },
    )


@login_required
def unit_list(request):
    form, data = _filters(UnitFilterForm, request)
    page = paginate(request, selectors.unit_list(user=request.user, q=data.get("q", "")))
    return render(request, "org/unit_list.html", {"form": form, "page": page})


@login_required
def unit_detail(request, code):
    unit = get_or_404(Unit.objects.select_related("parent", "area"), request.user, code=code)
    members = restrict(Person.objects.filter(unit=unit), request.user).order_by("username")
    sites = restrict(Site.objects.filter(guarantor_unit=unit).select_related("site_type"), request.user)[:200]
    return render(request, "org/unit_detail.html", {"unit": unit, "members": members, "sites": sites})


@login_required
def site_list(request):
    form, data = _filters(SiteFilterForm, request)
    page = paginate(
        request, selectors.site_list(user=request.user, q=data.get("q", ""), site_type=data.get("site_type"))
    )
    return render(request, "org/site_list.html", {"form": form, "page": page})


@login_required
def site_detail(request, code):
    site = get_or_404(Site.objects.select_related("site_type", "area", "guarantor_unit"), request.user, code=code)
    return render(
        request, "org/site_detail.html", {"site": site, "geometry_json": json.dumps(site.geometry) if site.geometry else "null"}
    )


@login_required
def route(request):
    form = RouteForm(request.GET or None)
    decision, error = None, None
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
    return render(
        request,
        "org/route.html",
        {
            "form": form,
            "decision": decision,
            "error": error,
            "decision_json": json.dumps(decision.as_dict(), ensure_ascii=False, indent=2) if decision else "",
            "features_json": json.dumps(_decision_features(request.user, decision), ensure_ascii=False) if decision else "",
        },
    )


def _decision_features(user, decision) -> dict:
    """The grid and the nearby sites as GeoJSON for the map, limited to what the person may see."""
    features = []
    if decision.grid:
        grid = restrict(Area.objects.filter(pk=decision.grid["id"]), user).values("name", "geometry").first()
        if grid and grid["geometry"]:
            features.append({"type": "Feature", "geometry": grid["geometry"], "properties": {"kind": "grid", "name": grid["name"]}})
    site_ids = [s["id"] for s in decision.nearby_sites]
    for site in restrict(Site.objects.filter(pk__in=site_ids), user).values("name", "geometry", "site_type__name"):
        features.append({"type": "Feature", "geometry": site["geometry"],
                         "properties": {"kind": "site", "name": f"{site['name']}（{site['site_type__name']}）"}})
    features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [decision.lng, decision.lat]},
                     "properties": {"kind": "point", "name": decision.unit_name or ""}})
    return {"type": "FeatureCollection", "features": features}
