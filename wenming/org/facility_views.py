"""The facility register page (设施台账): one facility type counted per area with drill-down, the list, the map
and the XLSX export. Thin: the query form → the selectors of ``facility_selectors`` → render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from wenming.common.access import scope_for
from wenming.common.files import content_disposition
from wenming.common.pagination import paginate
from wenming.common.roles import ADMIN_ONLY
from wenming.common.tabular import XLSX

from . import facility_selectors as selectors
from .forms import FacilityQueryForm
from .services.facility_export import facility_workbook_bytes


def _query(request):
    """The form, the site type and the area asked for; an area missing or out of scope answers 404."""
    form = FacilityQueryForm(request.GET or None, site_types=selectors.facility_types())
    site_type, area = form.chosen_type(), None
    code = form.chosen_area_code()
    if code:
        area = selectors.facility_area_get(user=request.user, code=code)
        if area is None:
            raise Http404
    return form, site_type, area


@require_safe
@login_required
def facilities(request):
    form, site_type, area = _query(request)
    context = {"form": form, "site_type": site_type, "area": area,
               "can_import": bool(scope_for(request.user).roles & ADMIN_ONLY)}
    if site_type is not None:
        context.update(
            register=selectors.facility_register(user=request.user, site_type=site_type, area=area),
            chain=selectors.facility_area_chain(user=request.user, area=area),
            page=paginate(request, selectors.facility_sites(user=request.user, site_type=site_type, area=area)),
            points=selectors.facility_points(user=request.user, site_type=site_type, area=area),
        )
    return render(request, "org/facilities.html", context)


@require_safe
@login_required
def facilities_export(request):
    _form, site_type, area = _query(request)
    if site_type is None:
        raise Http404
    register = selectors.facility_register(user=request.user, site_type=site_type, area=area)
    sites = selectors.facility_sites(user=request.user, site_type=site_type, area=area)
    response = HttpResponse(facility_workbook_bytes(register=register, sites=sites.iterator(chunk_size=2000)),
                            content_type=XLSX)
    place = area.code if area else "city"
    name = _("facility register %(type)s %(place)s.xlsx") % {"type": site_type.name, "place": area.name if area else _("whole city")}
    response["Content-Disposition"] = content_disposition("attachment", name,
                                                          fallback=f"facilities-{site_type.code}-{place}.xlsx")
    return response
