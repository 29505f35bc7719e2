"""The register pages (staff): the registers, each register's rates per area with drill-down, gap list and trend,
and, for the owning department and administrators only, the records, the import and its history. Thin: read the
request, validate, call one selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from wenming.cases.models import Case
from wenming.common.access import can, get_or_404
from wenming.common.errors import WorkflowError
from wenming.common.pagination import paginate
from wenming.common.uploads import upload_spooled
from wenming.org.models import Area
from wenming.registries import selectors
from wenming.registries.forms import RecordSearchForm, RegistryCheckForm, RegistryImportForm
from wenming.registries.models import KIND_STATUSES, CheckResult, Registry, RegistryKind
from wenming.registries.services.checks import registry_check
from wenming.registries.services.imports import number_normalise, registry_import


def _registry(request, kind: str) -> Registry:
    return get_or_404(Registry.objects.select_related("owner_unit"), request.user, kind=kind)


def _kept(request, kind: str) -> Registry:
    """The register, for its keepers only: anyone else gets 404, as for a page that is not there."""
    registry = _registry(request, kind)
    if not selectors.registry_kept_by(request.user, registry):
        raise Http404
    return registry


def _rate_name(registry: Registry) -> str:
    return _("Plated share (应挂尽挂率)") if registry.kind == RegistryKind.EBIKE else _("Licensed share (持证率)")


@login_required
@require_safe
def registry_list(request):
    if not can(request.user, Registry):
        raise Http404
    registries = selectors.registries_visible(request.user)
    rows = [{"registry": r, "rate_name": _rate_name(r), "kept": selectors.registry_kept_by(request.user, r),
             **selectors.registry_summary(r)} for r in registries]
    return render(request, "registries/list.html", {"rows": rows})


@login_required
@require_safe
def registry_detail(request, kind: str):
    registry = _registry(request, kind)
    code = request.GET.get("area", "").strip()
    area = Area.objects.defer("geometry").filter(code=code).first() if code else None
    if code and area is None:
        raise Http404
    as_of = selectors.latest_as_of(registry)
    rows = selectors.area_rates(registry=registry, area=area, as_of=as_of) if as_of else []
    trend = selectors.area_trend(registry=registry, area=area)
    place = area.name if area else _("the city")
    return render(request, "registries/detail.html", {
        "registry": registry, "area": area, "as_of": as_of, "rows": rows, "gaps": [r for r in rows if r.gap],
        "trail": selectors.area_breadcrumb(area), "rate_name": _rate_name(registry),
        "is_dog": registry.kind == RegistryKind.DOG, "kept": selectors.registry_kept_by(request.user, registry),
        "trend": {"title": _("%(rate)s, %(place)s, over time") % {"rate": _rate_name(registry), "place": place},
                  "unit": "%", "points": trend},
    })


@login_required
@require_safe
def registry_records(request, kind: str):
    registry = _kept(request, kind)
    form = RecordSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    records = selectors.records_for(registry=registry, user=request.user,
                                    number=number_normalise(filters.get("number", "")),
                                    area_code=filters.get("area", "").strip(), status=filters.get("status", ""))
    page = paginate(request, records)
    return render(request, "registries/records.html", {
        "registry": registry, "form": form, "page": page, "statuses": KIND_STATUSES[registry.kind],
        "is_dog": registry.kind == RegistryKind.DOG,
    })


@login_required
def registry_import_page(request, kind: str):
    registry = _kept(request, kind)
    posted = request.method == "POST"
    form = RegistryImportForm(request.POST if posted else None, request.FILES if posted else None)
    job = None
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        with upload_spooled(upload) as spooled:
            try:
                job = registry_import(registry_id=registry.pk, path=spooled, kind=form.cleaned_data["kind"],
                                      as_of=form.cleaned_data["as_of"], actor=request.user, file_name=upload.name)
            except WorkflowError as exc:
                form.add_error(None, str(exc))
    return render(request, "registries/import.html", {
        "registry": registry, "form": form, "job": job,
        "is_dog": registry.kind == RegistryKind.DOG,
    }, status=400 if form.errors else 200)


@login_required
@require_safe
def registry_imports(request, kind: str):
    registry = _kept(request, kind)
    page = paginate(request, selectors.imports_for(registry=registry, user=request.user))
    return render(request, "registries/imports.html", {"registry": registry, "page": page})


@login_required
@require_POST
def registry_check_view(request, case_pk: int):
    """The case page's 登记核查 form: check, then back to the case with the answer (the status only)."""
    case = get_or_404(Case.objects.all(), request.user, pk=case_pk)
    form = RegistryCheckForm(request.POST, registries=Registry.objects.filter(categories=case.category_id))
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("cases:detail", pk=case.pk)
    try:
        check = registry_check(case_id=case.pk, registry_id=form.cleaned_data["registry"],
                               number=form.cleaned_data["number"], actor=request.user)
    except Case.DoesNotExist:
        raise Http404 from None
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(number)s: %(result)s") % {
            "number": check.number, "result": CheckResult(check.result).label})
    return redirect("cases:detail", pk=case.pk)
