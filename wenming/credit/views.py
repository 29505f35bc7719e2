"""The credit network's pages. Staff: the subjects (search, a subject's records with their status, the repair form
for the source's department), a source's page with its records, imports and upload, the joint-discipline list
(联合惩戒) of each department, the 信用提示 candidates from the storefront checks. Public: the credit query, which
shows legal persons' published records in effect and nothing of a natural person, rate-limited per network.

Thin: read the request, validate through a form, call one selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from wenming.common.access import can, get_or_404
from wenming.common.errors import WorkflowError
from wenming.common.net import client_ip
from wenming.common.pagination import paginate
from wenming.common.services.limits import RateLimited, limit_hit, limits_declare
from wenming.common.uploads import upload_spooled
from wenming.credit import selectors
from wenming.credit.forms import (
    CreditImportForm,
    DecideForm,
    JointAckForm,
    PublicQueryForm,
    RepairForm,
    SubjectSearchForm,
)
from wenming.credit.models import (
    CreditImport,
    CreditRecord,
    CreditSource,
    CreditSubject,
    SubjectKind,
)
from wenming.credit.services.imports import credit_import
from wenming.credit.services.records import (
    credit_record_decide,
    credit_record_repair,
    joint_acknowledge,
    record_actions_for,
)

limits_declare({"credit_query_ip": (60, 3600)})  # public credit queries from one network


def _reader(request) -> None:
    if not can(request.user, CreditRecord):
        raise Http404


def _kept_source(request, code: str) -> CreditSource:
    """The source, for its department and administrators only: anyone else gets 404."""
    try:
        return selectors.sources_kept(request.user).select_related("owner_unit").get(code=code)
    except CreditSource.DoesNotExist:
        raise Http404 from None


@login_required
@require_safe
def credit_index(request):
    _reader(request)
    form = SubjectSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    subjects = selectors.subject_search(request.user, q=filters.get("q", ""), kind=filters.get("kind", ""),
                                        dishonest=filters.get("dishonest", False))
    return render(request, "credit/index.html", {
        "form": form, "page": paginate(request, subjects), "sources": selectors.sources_kept(request.user),
        "is_office": selectors.is_office(request.user),
        "has_measures": selectors.measures_for(request.user).exists(),
    })


@login_required
@require_safe
def credit_subject(request, pk: int):
    _reader(request)
    subject = get_or_404(selectors.subject_rows(request.user).select_related("unit", "site", "storefront"),
                         request.user, pk=pk)
    records = selectors.subject_records(request.user, subject)
    today = timezone.localdate()
    for record in records:
        record.state = record.status_on(today)
        record.actions = record_actions_for(record, request.user)
    return render(request, "credit/subject.html", {
        "subject": subject, "records": records, "sources": selectors.sources_kept(request.user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def credit_repair(request, pk: int):
    _reader(request)
    # Through the person's readable records (``record_rows``, built on access.restrict), and of a source they keep.
    record = (selectors.record_rows(request.user).select_related("subject", "source")
              .filter(source__in=selectors.sources_kept(request.user).values("pk"), pk=pk).first())
    if record is None:
        raise Http404
    posted = request.method == "POST"
    if not posted:
        selectors.nonpublic_seen(request.user, [record], purpose="repair")
    form = RepairForm(request.POST if posted else None,
                      initial={"version": record.version, "repaired_on": timezone.localdate().isoformat()})
    if posted and form.is_valid():
        d = form.cleaned_data
        try:
            credit_record_repair(record=record, by=request.user, repaired_on=d["repaired_on"], reason=d["reason"],
                                 version=d["version"])
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The record was repaired: it no longer takes effect."))
            return redirect("credit:subject", pk=record.subject_id)
    return render(request, "credit/repair.html", {"record": record, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_safe
def credit_source(request, code: str):
    source = _kept_source(request, code)
    records = (CreditRecord.objects.filter(source=source).select_related("subject").order_by("-decided_on", "-pk"))
    kind = request.GET.get("kind", "")
    if kind in dict(CreditRecord._meta.get_field("kind").choices):
        records = records.filter(kind=kind)
    imports = CreditImport.objects.filter(source=source).select_related("imported_by")[:10]
    page = paginate(request, records)
    selectors.nonpublic_seen(request.user, list(page), purpose="source")
    return render(request, "credit/source.html", {
        "source": source, "page": page, "imports": imports, "form": CreditImportForm(),
        "sources": selectors.sources_kept(request.user),
        "kind": kind,
    })


@login_required
@require_POST
def credit_import_view(request, code: str):
    source = _kept_source(request, code)
    form = CreditImportForm(request.POST, request.FILES)
    job = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        with upload_spooled(upload) as spooled:
            try:
                job = credit_import(source_id=source.pk, path=spooled, actor=request.user,
                                    file_name=upload.name)
            except WorkflowError as exc:
                form.add_error(None, str(exc))
    if job is not None and job.status == CreditImport.Status.DONE:
        messages.success(request, _("%(count)d records imported.") % {"count": job.rows_written})
        return redirect("credit:source", code=source.code)
    return render(request, "credit/import_result.html", {"source": source, "form": form, "job": job}, status=400)


@login_required
@require_safe
def credit_joint(request):
    _reader(request)
    pending = request.GET.get("pending") == "1"
    page = paginate(request, selectors.joint_rows(request.user, pending_only=pending))
    selectors.nonpublic_seen(request.user, [row.record for row in page.object_list], purpose="joint")
    return render(request, "credit/joint.html", {
        "rows": page, "page": page, "pending": pending, "sources": selectors.sources_kept(request.user),
        "mine": set(selectors.measures_acted_by(request.user).values_list("pk", flat=True)),
        "form": JointAckForm(), "is_office": selectors.is_office(request.user),
    })


@login_required
@require_POST
def credit_joint_ack(request, record: int, measure: int):
    _reader(request)
    measure_row = get_object_or_404(selectors.measures_acted_by(request.user), pk=measure)
    # The department must act on every record in effect of the measure's kind, published or not: the record as it is
    # on the department's list (in effect, of the measure's kind), else 404.
    record_row = selectors.joint_record(measure_row, record)
    if record_row is None:
        raise Http404
    form = JointAckForm(request.POST)
    if form.is_valid():
        try:
            joint_acknowledge(record=record_row, measure=measure_row, by=request.user, note=form.cleaned_data["note"])
        except WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Acknowledged: your department acted on this record."))
    else:
        messages.error(request, _("Say what your department did (at most 500 characters)."))
    return redirect("credit:joint")


@login_required
@require_safe
def credit_candidates(request):
    _reader(request)
    sources = selectors.deciding_sources(request.user)
    if not sources:
        raise Http404
    return render(request, "credit/candidates.html", {
        "rows": selectors.candidates(request.user), "sources": sources, "limit": selectors.CANDIDATES_MAX,
        "form": DecideForm(sources=sources, initial={"decided_on": timezone.localdate().isoformat()}),
    })


@login_required
@require_POST
def credit_decide(request, shop: int):
    _reader(request)
    # Only a source this person keeps, only a shop among their candidates (the shops in their scope).
    sources = selectors.deciding_sources(request.user)
    if not sources:
        raise Http404
    shop_row = selectors.candidate_shop(request.user, shop)
    if shop_row is None:
        raise Http404
    form = DecideForm(request.POST, sources=sources)
    if form.is_valid():
        d = form.cleaned_data
        source = next(s for s in sources if s.pk == d["source"])
        try:
            record = credit_record_decide(source=source, by=request.user, shop=shop_row, kind=d["kind"],
                                          decided_on=d["decided_on"], reason=d["reason"],
                                          effective_until=d["effective_until"])
        except WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The record was made."))
            return redirect("credit:subject", pk=record.subject_id)
    else:
        messages.error(request, "; ".join(f"{form.fields[f].label if f in form.fields else ''}: {' '.join(e)}"
                                          for f, e in form.errors.items()))
    return redirect("credit:candidates")


# -- public ------------------------------------------------------------------------------------------------------

def _limited(request):
    try:
        limit_hit(what="credit_query_ip", who=client_ip(request))
    except RateLimited as exc:
        return render(request, "credit/query.html", {"form": PublicQueryForm(), "limited": str(exc)}, status=429)
    return None


@require_safe
def credit_query(request):
    form = PublicQueryForm(request.GET if "q" in request.GET else None)
    results = None
    if form.is_bound:
        if (refused := _limited(request)) is not None:
            return refused
        if form.is_valid():
            results = selectors.public_search(form.cleaned_data["q"])
    return render(request, "credit/query.html", {"form": form, "results": results},
                  status=400 if form.is_bound and form.errors else 200)


@require_safe
def credit_query_subject(request, pk: int):
    try:
        limit_hit(what="credit_query_ip", who=client_ip(request))
    except RateLimited as exc:
        return render(request, "credit/query.html", {"form": PublicQueryForm(), "limited": str(exc)}, status=429)
    subject = get_object_or_404(CreditSubject.objects.exclude(kind=SubjectKind.PERSON), pk=pk)
    return render(request, "credit/query_subject.html", {
        "subject": subject, "records": selectors.public_records(subject)})

