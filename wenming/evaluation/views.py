"""Pages of the evaluation framework: the editions, an edition's tree, a criterion with who answers for it and the
work linked to it, the comparison of two editions, the import with its dry run, and "my criteria".
Thin: rows through restrict()/get_or_404, one service per POST; only the evaluation office changes anything."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from wenming.common.access import can, get_or_404, restrict
from wenming.common.db_router import replica_reads
from wenming.common.errors import WorkflowError
from wenming.common.files import content_disposition
from wenming.common.tabular import XLSX
from wenming.common.tabular_import import ImportFailed
from wenming.common.uploads import upload_spooled
from wenming.evaluation import ledger_selectors, selectors
from wenming.evaluation.data.demo_edition import demo_edition_sheets
from wenming.evaluation.forms import CompareForm, ImportForm, ResponsibilityForm, TreeFilterForm
from wenming.evaluation.models import Criterion, CriterionKind, Edition
from wenming.evaluation.services import responsibility as resp
from wenming.evaluation.services.editions import edition_make_current
from wenming.evaluation.services.imports import edition_import, responsibility_import
from wenming.evaluation.services.workbook import comparison_bytes, edition_sheets, workbook_bytes


def _viewer(request) -> None:
    """The framework's pages are for office staff (not the inspectors and grid workers in the field)."""
    if not can(request.user, Criterion):
        raise Http404


def _keeper(request) -> None:
    if not resp.can_keep_framework(request.user):
        raise Http404


def _xlsx(data: bytes, name: str, fallback: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition("attachment", name, fallback=fallback)
    return response


@require_safe
@login_required
def edition_list(request):
    _viewer(request)
    return render(request, "evaluation/edition_list.html", {
        "editions": selectors.editions(request.user), "current": selectors.current_edition(request.user),
        "can_keep": resp.can_keep_framework(request.user),
        "compare_form": _compare_form(request),
    })


@require_POST
@login_required
def edition_current(request, code: str):
    """Mark the edition the city works against now (one at a time)."""
    _keeper(request)
    edition = get_or_404(Edition.objects.all(), request.user, code=code)
    edition_make_current(edition_id=edition.pk, actor=request.user)
    messages.success(request, _("%(name)s is now the current edition.") % {"name": edition.name})
    return redirect("evaluation:editions")


@require_safe
@login_required
def edition_detail(request, code: str):
    _viewer(request)
    edition = get_or_404(Edition.objects.all(), request.user, code=code)
    form = TreeFilterForm(request.GET or None)
    filters = selectors.TreeFilters()
    if form.is_valid():
        d = form.cleaned_data
        filters = selectors.TreeFilters(q=d["q"].strip(), kind=d["kind"], method=d["method"],
                                        unit=d["unit"].pk if d["unit"] else None, unassigned=d["unassigned"])
    tree = selectors.edition_tree(request.user, edition, filters)
    return render(request, "evaluation/edition_detail.html", {
        "edition": edition, "form": form, "tree": tree, "filtered": filters.active,
        "shown": sum(d.count for d in tree), "can_keep": resp.can_keep_framework(request.user),
    })


@replica_reads
@require_safe
@login_required
def edition_export(request, code: str):
    """The edition in the import's layout, with its 责任分工 as it stands: fill it in, import it back."""
    _keeper(request)
    edition = get_or_404(Edition.objects.all(), request.user, code=code)
    return _xlsx(workbook_bytes(edition_sheets(edition)), f"{edition.name}.xlsx", f"{edition.code}.xlsx")


@require_safe
@login_required
def criterion_detail(request, pk: int):
    _viewer(request)
    criterion = get_or_404(Criterion.objects.select_related("edition", "domain", "indicator", "lead_unit",
                                                            "task_force", "task_force__leader"), request.user, pk=pk)
    return render(request, "evaluation/criterion_detail.html", {
        "criterion": criterion, "clauses": criterion.clauses.order_by("number"),
        "responsible": criterion.responsible_units.order_by("path"),
        "work": selectors.criterion_work(criterion, timezone.now()),
        "events": restrict(criterion.events.select_related("actor"), request.user).order_by("-at", "-id")[:50],
        "can_keep": resp.can_keep_framework(request.user),
        "ledger_history": ledger_selectors.criterion_ledger_history(request.user, criterion),
    })


@login_required
def criterion_responsibility(request, pk: int):
    """The evaluation office sets who answers for a criterion."""
    _keeper(request)
    criterion = get_or_404(Criterion.objects.select_related("edition"), request.user, pk=pk)
    current = resp.responsibility_of(criterion)
    initial = {"version": criterion.version, "lead_unit": current.lead_unit_id,
               "responsible_units": list(current.responsible_unit_ids), "leader_name": current.leader_name,
               "leader_post": current.leader_post, "task_force": current.task_force_id,
               "tasks": list(current.task_ids), "categories": list(current.category_ids),
               "site_types": list(current.site_type_ids), "radius_m": current.radius_m}
    form = ResponsibilityForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            value = resp.Responsibility(
                lead_unit_id=d["lead_unit"].pk if d["lead_unit"] else None,
                responsible_unit_ids=frozenset(u.pk for u in d["responsible_units"]),
                leader_name=d["leader_name"].strip(), leader_post=d["leader_post"].strip(),
                task_force_id=d["task_force"].pk if d["task_force"] else None,
                task_ids=frozenset(t.pk for t in d["tasks"]), category_ids=frozenset(c.pk for c in d["categories"]),
                site_type_ids=frozenset(s.pk for s in d["site_types"]), radius_m=d["radius_m"])
            try:
                resp.criterion_responsibility_set(criterion_id=criterion.pk, actor=request.user,
                                                  expected_version=d["version"], value=value, note=d["note"].strip())
            except Criterion.DoesNotExist:
                raise Http404 from None
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Responsibility for %(code)s saved.") % {"code": criterion.code})
                return redirect("evaluation:criterion", pk=criterion.pk)
        status = 400
    return render(request, "evaluation/responsibility_form.html", {"criterion": criterion, "form": form},
                  status=status)


def _compare_form(request, data=None) -> CompareForm:
    """The comparison's choice; opened without one, the newest edition against the one before it."""
    editions = restrict(Edition.objects.all(), request.user)
    newest = list(editions.order_by("-year", "-created_at")[:2])
    initial = {"new": newest[0].code, "old": newest[1].code} if len(newest) == 2 else {}
    return CompareForm(data, editions=editions, initial=initial)


@require_safe
@login_required
def compare(request):
    """What changed between two editions: added, removed and reworded criteria and clauses, with the text diff."""
    _keeper(request)
    form = _compare_form(request, request.GET or None)
    comparison = None
    if form.is_valid():
        comparison = selectors.editions_compare(form.cleaned_data["old"], form.cleaned_data["new"])
    return render(request, "evaluation/compare.html", {"form": form, "comparison": comparison},
                  status=400 if form.is_bound and not form.is_valid() else 200)


@replica_reads
@require_safe
@login_required
def compare_export(request):
    _keeper(request)
    form = CompareForm(request.GET or None, editions=restrict(Edition.objects.all(), request.user))
    if not form.is_valid():
        return render(request, "evaluation/compare.html", {"form": form, "comparison": None}, status=400)
    comparison = selectors.editions_compare(form.cleaned_data["old"], form.cleaned_data["new"])
    old, new = comparison.old, comparison.new
    return _xlsx(comparison_bytes(comparison), f"{old.code}→{new.code} {_('changes')}.xlsx",
                 f"{old.code}-{new.code}-changes.xlsx")


@login_required
def import_page(request):
    """Upload a workbook: check it (dry run) and then import it, with every problem named by sheet, row and
    column. Nothing is written unless the whole file is right."""
    _keeper(request)
    editions = restrict(Edition.objects.all(), request.user)
    form = ImportForm(request.POST or None, request.FILES or None, editions=editions)
    report, errors, status = None, [], 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            upload = d["file"]
            with upload_spooled(upload, suffix=".xlsx") as spooled:
                try:
                    if d["what"] == ImportForm.EDITION:
                        report = edition_import(path=spooled, actor=request.user, dry_run=d["dry_run"],
                                                file_name=upload.name)
                    else:
                        report = responsibility_import(path=spooled, edition=d["edition"], actor=request.user,
                                                       dry_run=d["dry_run"], file_name=upload.name)
                except ImportFailed as exc:
                    report, errors = exc.report, exc.report.error_lines()
                else:
                    status = 200
    return render(request, "evaluation/import.html", {
        "form": form, "report": report, "errors": errors,
        "changes": report.change_lines()[:200] if report and not errors else [],
        "more_changes": max(0, len(report.changes) - 200) if report and not errors else 0,
    }, status=status)


@require_safe
@login_required
def demo_workbook(request):
    """The demo edition (演示版，非官方文本) as a workbook to try the import with."""
    _keeper(request)
    year = 2023 if request.GET.get("year") == "2023" else 2026
    return _xlsx(workbook_bytes(demo_edition_sheets(year)), f"演示版测评体系-{year}.xlsx", f"demo-edition-{year}.xlsx")


@require_safe
@login_required
def my_criteria(request):
    """The criteria of the current edition that this person's unit leads or shares (or that lie in their area)."""
    _viewer(request)
    edition = selectors.current_edition(request.user)
    rows = selectors.my_criteria(request.user, edition, timezone.now()) if edition else []
    return render(request, "evaluation/my_criteria.html", {
        "edition": edition, "rows": rows,
        "led": [c for c in rows if c.part == "lead"], "shared": [c for c in rows if c.part == "shared"],
        "area": [c for c in rows if c.part == "area"], "can_keep": resp.can_keep_framework(request.user),
        "kinds": CriterionKind,
    })
