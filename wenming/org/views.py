"""Areas, units and sites. Thin: validate the query → selector or service → render."""

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from wenming.common.access import scope_for
from wenming.common.pagination import paginate
from wenming.common.roles import ADMIN_ONLY

from . import selectors
from .forms import AreaFilterForm, OutlineQueryForm, SiteFilterForm, UnitFilterForm
from .models import Area
from .panels import unit_panels


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
    return render(request, "org/unit_detail.html", {"unit": unit, **selectors.unit_related(user=request.user, unit=unit),
                                                    "panels": unit_panels(unit=unit, user=request.user)})


@login_required
def site_list(request):
    form = SiteFilterForm(request.GET or None)
    page = paginate(request, selectors.site_list(user=request.user, **form.filters()), per_page=form.page_size())
    return render(request, "org/site_list.html", {
        "form": form, "page": page, "can_import_registers": bool(scope_for(request.user).roles & ADMIN_ONLY),
    })


@login_required
def site_detail(request, code):
    site = selectors.site_get(user=request.user, code=code)
    return render(
        request,
        "org/site_detail.html",
        {
            "site": site,
            "geometry_json": _geojson(site),
            **selectors.site_links(user=request.user, site=site),
        },
    )



@require_safe
@login_required
def outlines_json(request):
    """Area outlines for the maps, as GeoJSON: ``level`` (comma-separated), ``within`` (area codes), ``bbox``
    (west,south,east,north). An area of ``within`` outside the person's scope answers 404, like a missing one."""
    form = OutlineQueryForm(request.GET)
    if not form.is_valid():
        fields = {name: [f"{form.fields[name].label}: {m}" if name in form.fields else m for m in errors]
                  for name, errors in form.errors.items()}
        return JsonResponse({"code": "invalid", "message": _("Check the fields named."), "fields": fields}, status=400)
    try:
        within = selectors.outline_areas(user=request.user, codes=form.cleaned_data["within"]) or None
    except Area.DoesNotExist:
        raise Http404 from None
    return JsonResponse(selectors.outline_features(
        user=request.user, levels=form.cleaned_data["level"], within=within, bbox=form.cleaned_data["bbox"]
    ))
