"""Pages of the storefront checks (门前五包): the shop list (last check, open notices, repeat counts; filters), a
shop's page with its history, the phone pages (find a shop by name or nearby, record a check, re-check a notice),
the notice (告知书, printable A4) with serving, and the check photos.

Thin: rows through ``restrict``/``get_or_404`` (out of scope is 404, like missing), one service per POST."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from wenming.cases.services import workflow as wf
from wenming.common.access import can, get_or_404, restrict
from wenming.common.errors import WorkflowError
from wenming.common.files import content_disposition, file_response
from wenming.common.tabular import DOCX
from wenming.inspections import storefront_selectors as sel
from wenming.inspections.models import StorefrontCheck, StorefrontCheckItem, StorefrontNotice
from wenming.inspections.services import storefront as sf
from wenming.inspections.storefront_docx import notice_docx
from wenming.inspections.storefront_flags import storefront_flags
from wenming.inspections.storefront_forms import (
    BAD,
    CheckForm,
    DutiesForm,
    NearForm,
    ServeForm,
    ShopFilterForm,
)
from wenming.org.models import Area, AreaLevel, RoadSegment, StorefrontDuty, Unit


def _reader(request) -> None:
    if not can(request.user, StorefrontCheck):
        raise Http404


def _checker(request) -> None:
    if not sf.can_check(request.user):
        raise Http404


def _results(form: DutiesForm) -> list[sf.DutyResult]:
    d = form.cleaned_data
    out = []
    for duty in form.duties:
        photos = d.get(f"{duty}_photo") or []
        photo = wf.Upload(name=photos[0].name, content=photos[0].read()) if photos else None
        out.append(sf.DutyResult(duty, d[f"{duty}_result"] != BAD, d.get(f"{duty}_note") or "", photo))
    return out


@require_safe
@login_required
def storefront_list(request):
    _reader(request)
    form = ShopFilterForm(request.GET or None)
    filters = sel.ShopFilters()
    if form.is_valid():
        d = form.cleaned_data
        filters = sel.ShopFilters(area_id=d["area"], unit_id=d["unit"], road_id=d["road"], overdue=d["overdue"],
                                  q=d["q"].strip())
    shops = sel.shop_rows(request.user, filters)
    visible = restrict(StorefrontDuty.objects.all(), request.user)
    return render(request, "inspections/storefront_list.html", {
        "form": form, "shops": shops, "filters": filters, "threshold": sel.repeat_threshold(),
        "window_days": sel.repeat_window_days(), "can_check": sf.can_check(request.user),
        "duties": sf.DUTY_KEYS, "duty_labels": sf.DUTY_LABELS,
        "areas": restrict(Area.objects.filter(level__in=[AreaLevel.COUNTY, AreaLevel.STREET]), request.user)
        .order_by("path").only("pk", "name", "level"),
        "units": Unit.objects.filter(pk__in=visible.values("supervising_unit_id")).order_by("path").only("pk", "name"),
        "roads": RoadSegment.objects.filter(pk__in=visible.exclude(road=None).values("road_id")).order_by("name")
        .only("pk", "name"),
    })


@require_safe
@login_required
def storefront_shop(request, pk: int):
    _reader(request)
    shop = get_or_404(StorefrontDuty.objects.select_related("supervising_unit", "road", "area"), request.user, pk=pk)
    history = sel.shop_history(shop)
    cases = [n.case for n in history["notices"] if n.case_id]
    return render(request, "inspections/storefront_shop.html", {
        "shop": shop, **history, "cases": cases, "can_check": sf.can_check(request.user),
        "other_flags": storefront_flags([shop.pk]).get(shop.pk, []),
        "duty_rows": [(d, sf.DUTY_LABELS[d], history["repeats"].get(d, 0)) for d in sf.DUTY_KEYS]})


@require_safe
@login_required
def storefront_find(request):
    """The phone's way in: a shop by name or code, or the shops nearest the phone."""
    _checker(request)
    form = NearForm(request.GET or None)
    found, near = [], False
    if form.is_valid():
        d = form.cleaned_data
        if d["lng"] is not None and d["lat"] is not None:
            near = True
            found = sel.shops_near(request.user, lng=d["lng"], lat=d["lat"])
        elif d["q"].strip():
            q = d["q"].strip()
            shops = restrict(StorefrontDuty.objects.all(), request.user).filter(
                Q(shop_name__icontains=q) | Q(code__icontains=q) | Q(address__icontains=q)).order_by("code")[:30]
            found = [(s, None) for s in shops]
    return render(request, "inspections/storefront_find.html", {"form": form, "found": found, "near": near})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def storefront_check(request, pk: int):
    _checker(request)
    shop = get_or_404(StorefrontDuty.objects.select_related("supervising_unit"), request.user, pk=pk)
    duties = [d for d in sf.DUTY_KEYS if d in (shop.duties or sf.DUTY_KEYS)]
    form = CheckForm(request.POST or None, request.FILES or None, duties=duties,
                     initial={"fix_days": sf.fix_days_default()})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                check = sf.storefront_check_record(actor=request.user, shop_id=shop.pk, results=_results(form),
                                                   lng=d["lng"], lat=d["lat"], fix_days=d["fix_days"])
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                notice = getattr(check, "issued_notice", None) if check.violations else None
                if notice is not None:
                    messages.success(request, _("Recorded; notice %(number)s was issued, to be fixed by %(due)s.")
                                     % {"number": notice.number, "due": notice.due_on.isoformat()})
                    return redirect("inspections:storefront_notice", pk=notice.pk)
                messages.success(request, _("Recorded: every duty complied with."))
                return redirect("inspections:storefront", pk=shop.pk)
    return render(request, "inspections/storefront_check.html", {"shop": shop, "form": form, "recheck": None},
                  status=status)


@require_safe
@login_required
def storefront_notice(request, pk: int):
    _reader(request)
    notice = get_or_404(StorefrontNotice.objects.select_related("shop", "supervising_unit", "case", "source_check"),
                        request.user, pk=pk)
    items = {i.duty: i for i in notice.source_check.items.all()}
    rows = [(d, sf.DUTY_LABELS[d], sf.STANDARD[d], items.get(d)) for d in notice.duties]
    actions = {a.key for a in sf.notice_actions_for(notice, request.user)}
    return render(request, "inspections/storefront_notice.html", {
        "notice": notice, "shop": notice.shop, "rows": rows, "actions": actions,
        "serve_form": ServeForm(initial={"version": notice.version}) if "serve" in actions else None})


@require_safe
@login_required
def storefront_notice_word(request, pk: int):
    """The notice as a Word file (A4), for offices that print and stamp from Word."""
    _reader(request)
    notice = get_or_404(StorefrontNotice.objects.select_related("shop", "supervising_unit", "source_check"),
                        request.user, pk=pk)
    response = HttpResponse(notice_docx(notice), content_type=DOCX)
    response["Content-Disposition"] = content_disposition(
        "attachment", f"{_('Storefront notice (告知书)')}-{notice.number}.docx", fallback=f"notice-{notice.number}.docx")
    return response


@require_POST
@login_required
def storefront_serve(request, pk: int):
    _checker(request)
    notice = get_or_404(StorefrontNotice.objects.all(), request.user, pk=pk)
    form = ServeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("inspections:storefront_notice", pk=notice.pk)
    d = form.cleaned_data
    try:
        sf.storefront_notice_serve(actor=request.user, notice_id=notice.pk, served_how=d["served_how"],
                                   note=d["note"], expected_version=d["version"])
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Serving recorded."))
    return redirect("inspections:storefront_notice", pk=notice.pk)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def storefront_recheck(request, pk: int):
    _checker(request)
    notice = get_or_404(StorefrontNotice.objects.select_related("shop"), request.user, pk=pk)
    form = DutiesForm(request.POST or None, request.FILES or None, duties=list(notice.duties),
                      initial={"version": notice.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                settled = sf.storefront_notice_recheck(actor=request.user, notice_id=notice.pk, results=_results(form),
                                                       lng=d["lng"], lat=d["lat"], expected_version=d["version"])
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                if settled.case_id:
                    messages.success(request, _("Not fixed: case %(number)s was filed.")
                                     % {"number": settled.case.number})
                else:
                    messages.success(request, _("Fixed: the notice is settled."))
                return redirect("inspections:storefront_notice", pk=notice.pk)
    return render(request, "inspections/storefront_check.html", {"shop": notice.shop, "form": form,
                                                                  "recheck": notice}, status=status)


@require_safe
@login_required
def storefront_photo(request, pk: int):
    """A check's photo through the access path (stored re-encoded, without EXIF)."""
    _reader(request)
    item = get_or_404(StorefrontCheckItem.objects.exclude(photo=""), request.user, pk=pk)
    try:
        return file_response(item.photo, name=f"storefront-{item.pk}")
    except FileNotFoundError:
        raise Http404 from None
