"""Pages of the ledger (台账) and the 回头看 rounds. Thin: rows through restrict()/get_or_404, one service per
POST. Office staff read them (a unit: its own criteria only); the evaluation office assesses, keeps the periods and
runs the rounds; a criterion's lead unit may self-assess its own criterion."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from wenming.common.access import get_or_404, restrict
from wenming.common.db_router import replica_reads
from wenming.common.errors import IllegalTransition, WorkflowError
from wenming.common.files import file_response, upload_read
from wenming.evaluation import ledger_selectors as sel
from wenming.evaluation import selectors
from wenming.evaluation.field_results import field_results_for
from wenming.evaluation.ledger_forms import (
    AssessForm,
    LedgerFilterForm,
    PeriodForm,
    RoundOpenForm,
    round_results_from_post,
)
from wenming.evaluation.models import (
    AssessmentPeriod,
    Criterion,
    Edition,
    LedgerEntry,
    LedgerEvidence,
    LedgerStatus,
    ReviewItem,
    ReviewRound,
    RoundState,
)
from wenming.evaluation.services import ledger as svc
from wenming.evaluation.views import _keeper, _viewer, _xlsx


def _edition(request) -> Edition:
    """The edition asked for (``?edition=CODE``), else the current one; 404 when there is none."""
    code = request.GET.get("edition", "")
    editions = restrict(Edition.objects.all(), request.user)
    edition = editions.filter(code=code).first() if code else selectors.current_edition(request.user)
    if edition is None:
        raise Http404
    return edition


def _period(request, edition: Edition) -> AssessmentPeriod | None:
    raw = request.GET.get("period", "")
    if raw.isdigit() and len(raw) < 12:
        found = AssessmentPeriod.objects.filter(pk=int(raw), edition=edition).first()
        if found:
            return found
    return sel.ledger_current_period(edition=edition)


def _filters(request, edition: Edition) -> tuple[LedgerFilterForm, sel.LedgerFilters]:
    form = LedgerFilterForm(request.GET or None, edition=edition)
    filters = sel.LedgerFilters()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        filters = sel.LedgerFilters(domain=d["domain"].pk if d["domain"] else None, status=d["status"],
                                    q=d["q"].strip())
    return form, filters


def _count_rows(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    return [*((value, label, counts[value]) for value, label in LedgerStatus.choices),
            (sel.NOT_ASSESSED, _("Not assessed yet"), counts[sel.NOT_ASSESSED])]


@require_safe
@login_required
def ledger(request):
    """The ledger of a period: each criterion in scope with its status, evidence, measures; counts by status."""
    _viewer(request)
    edition = _edition(request)
    period = _period(request, edition)
    form, filters = _filters(request, edition)
    rows = sel.ledger_rows(request.user, period=period, filters=filters) if period else []
    can_keep = svc.can_keep_ledger(request.user)
    return render(request, "evaluation/ledger_list.html", {
        "edition": edition, "period": period, "periods": sel.periods(edition), "form": form, "rows": rows,
        "count_rows": _count_rows(sel.status_counts(rows)), "can_keep": can_keep,
        "period_form": PeriodForm() if can_keep else None, "query": request.GET.urlencode(),
    })


@require_POST
@login_required
def ledger_period_create(request):
    _keeper(request)
    edition = _edition(request)
    form = PeriodForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            period = svc.period_create(edition_id=edition.pk, actor=request.user, name=d["name"],
                                       starts_on=d["starts_on"], ends_on=d["ends_on"])
        except WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Period %(name)s added.") % {"name": period.name})
            return redirect(f"{reverse('evaluation:ledger')}?edition={edition.code}&period={period.pk}")
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(f"{reverse('evaluation:ledger')}?edition={edition.code}")


@replica_reads
@require_safe
@login_required
def ledger_export(request):
    """The ledger as the offices' workbook: sheets of the criteria met, not met, and the others."""
    _viewer(request)
    edition = _edition(request)
    period = _period(request, edition)
    if period is None:
        raise Http404
    _form, filters = _filters(request, edition)
    rows = sel.ledger_rows(request.user, period=period, filters=filters, for_export=True)
    name = f"{edition.name} {period.name} {_('ledger')}.xlsx"
    return _xlsx(svc.ledger_workbook_bytes(rows=rows, period=period), name, f"ledger-{edition.code}-{period.pk}.xlsx")


@login_required
def ledger_entry(request, pk: int):
    """One criterion's entry for a period (``?period=``), its evidence and history; the form to assess it."""
    _viewer(request)
    criterion = get_or_404(Criterion.objects.select_related("edition", "domain", "indicator", "lead_unit"),
                           request.user, pk=pk)
    period = _period(request, criterion.edition)
    if period is None:
        raise Http404
    entry = (restrict(LedgerEntry.objects.filter(criterion=criterion, period=period), request.user)
             .select_related("assessed_by", "review_round").first())
    can_keep = svc.can_keep_ledger(request.user)
    may_assess = can_keep or (svc.leads_criterion(request.user, criterion)
                              and (entry is None or entry.self_assessed))
    form = AssessForm(request.POST or None, request.FILES or None, initial={
        "version": entry.version if entry else 0, "status": entry.status if entry else None})
    status = 200
    if request.method == "POST":
        if not may_assess:
            raise Http404
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                uploads = [svc.Upload(name=f.name, content=upload_read(f, limit=settings.WENMING_MAX_UPLOAD_BYTES) or b"")
                           for f in d["files"]]
                svc.ledger_entry_assess(criterion_id=criterion.pk, period_id=period.pk, actor=request.user,
                                        status=d["status"], expected_version=d["version"], note=d["note"],
                                        case_numbers=d["cases"], inspection_results=d["inspection_results"],
                                        files=uploads)
            except Criterion.DoesNotExist:
                raise Http404 from None
            except IllegalTransition as exc:
                form.add_error(None, str(exc))
                status = 409
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Assessment of %(code)s for %(period)s saved.")
                                 % {"code": criterion.code, "period": period.name})
                return redirect(f"{reverse('evaluation:ledger_entry', args=[criterion.pk])}?period={period.pk}")
    evidence = list(entry.evidence.order_by("pk")) if entry else []
    return render(request, "evaluation/ledger_entry.html", {
        "criterion": criterion, "period": period, "periods": sel.periods(criterion.edition), "entry": entry,
        "evidence": evidence, "form": form if may_assess else None, "can_keep": can_keep,
        "self_only": may_assess and not can_keep, "history": sel.criterion_ledger_history(request.user, criterion),
        "field": field_results_for(criterion_ids=[criterion.pk], starts_on=period.starts_on,
                                   ends_on=period.ends_on).get(criterion.pk),
    }, status=status)


@require_safe
@login_required
def ledger_evidence(request, pk: int):
    """A ledger evidence file through the access path, as a download."""
    _viewer(request)
    evidence = get_or_404(LedgerEvidence.objects.all(), request.user, pk=pk)
    try:
        return file_response(evidence.file, name=evidence.name, inline_types=frozenset())
    except FileNotFoundError:
        raise Http404 from None


@login_required
def rounds(request):
    """The 回头看 rounds; the evaluation office opens one here."""
    _viewer(request)
    edition = _edition(request)
    can_keep = svc.can_keep_ledger(request.user)
    form = RoundOpenForm(request.POST or None, edition=edition, initial={
        "period": sel.ledger_current_period(edition=edition)})
    status = 200
    if request.method == "POST":
        _keeper(request)
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                review_round = svc.review_round_open(
                    edition_id=edition.pk, period_id=d["period"].pk, actor=request.user, name=d["name"],
                    campaign_id=d["campaign"].pk, measure_due_on=d["measure_due_on"],
                    domain_id=d["domain"].pk if d["domain"] else None, include_partly=d["include_partly"])
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Round %(name)s opened.") % {"name": review_round.name})
                return redirect("evaluation:round", pk=review_round.pk)
    return render(request, "evaluation/ledger_rounds.html", {
        "edition": edition, "rounds": sel.rounds(request.user).filter(edition=edition),
        "form": form if can_keep else None, "can_keep": can_keep,
    }, status=status)


def _round_page(request, review_round: ReviewRound, *, errors=(), status=200):
    groups = sel.round_items_by_domain(request.user, review_round)
    return render(request, "evaluation/ledger_round.html", {
        "round": review_round, "groups": groups, "counts": sel.round_counts(groups), "statuses": LedgerStatus,
        "can_keep": svc.can_keep_ledger(request.user), "is_open": review_round.state == RoundState.OPEN,
        "errors": errors, "events": (restrict(review_round.events.select_related("actor"), request.user)
                                     .order_by("-at", "-id")[:50]),
    }, status=status)


def _round(request, pk: int) -> ReviewRound:
    return get_or_404(ReviewRound.objects.select_related("edition", "period", "domain", "campaign", "opened_by",
                                                         "closed_by"), request.user, pk=pk)


@require_safe
@login_required
def round_detail(request, pk: int):
    _viewer(request)
    return _round_page(request, _round(request, pk))


@require_POST
@login_required
def round_record(request, pk: int):
    """The results of one domain's items (the bulk form), all or none."""
    _keeper(request)
    review_round = _round(request, pk)
    items = list(restrict(ReviewItem.objects.filter(review_round=review_round), request.user)
                 .select_related("criterion"))
    results, errors = round_results_from_post(request.POST, items)
    if errors:
        return _round_page(request, review_round, errors=errors, status=400)
    if not results:
        return _round_page(request, review_round, errors=[_("Choose a result for at least one criterion.")],
                           status=400)
    try:
        changed = svc.review_results_record(round_id=review_round.pk, actor=request.user, results=results)
    except IllegalTransition as exc:
        return _round_page(request, review_round, errors=[str(exc)], status=409)
    except WorkflowError as exc:
        return _round_page(request, review_round, errors=[str(exc)], status=400)
    messages.success(request, _("%(n)d results recorded.") % {"n": changed})
    anchor = request.POST.get("domain", "")
    return redirect(reverse("evaluation:round", args=[review_round.pk]) + (f"#d{anchor}" if anchor.isdigit() else ""))


@require_POST
@login_required
def round_close(request, pk: int):
    """Close the round: a measure (campaign task) for each item not met."""
    _keeper(request)
    review_round = _round(request, pk)
    was_closed = review_round.state == RoundState.CLOSED
    try:
        tasks = svc.review_round_close(round_id=review_round.pk, actor=request.user)
    except IllegalTransition as exc:
        return _round_page(request, review_round, errors=[str(exc)], status=409)
    except WorkflowError as exc:
        return _round_page(request, review_round, errors=[str(exc)], status=400)
    if was_closed:
        messages.info(request, _("The round was already closed; nothing was created again."))
    else:
        messages.success(request, _("Round closed: %(n)d measures created.") % {"n": len(tasks)})
    return redirect("evaluation:round", pk=review_round.pk)
