"""The readiness page (迎检准备): the edition's domains with their ledger, risks, materials, tasks and cases, and one
domain's criteria. Thin: the figures come from ``readiness_selectors``, in the viewer's scope."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from wenming.common.access import can, get_or_404, restrict
from wenming.evaluation import selectors
from wenming.evaluation.forecast_views import forecast_allowed
from wenming.evaluation.models import Criterion, CriterionKind, Domain, Edition
from wenming.evaluation.readiness_selectors import readiness, status_headers


def _edition(request) -> Edition:
    code = request.GET.get("edition", "")
    if code:
        return get_or_404(Edition.objects.all(), request.user, code=code[:32])
    edition = selectors.current_edition(request.user)
    if edition is None:
        raise Http404
    return edition


@require_safe
@login_required
def readiness_page(request, code: str | None = None):
    """Every domain's figures; with ``code``, that domain's criteria one by one."""
    if not can(request.user, Criterion):
        raise Http404
    edition = _edition(request)
    domain = get_or_404(Domain.objects.filter(edition=edition), request.user, code=code) if code else None
    kind = request.GET.get("kind", "")
    if kind not in CriterionKind.values:
        kind = ""
    result = readiness(request.user, edition, now=timezone.now(), domain=domain, kind=kind)
    return render(request, "evaluation/readiness.html", {
        "edition": edition, "result": result, "domain": domain, "kind": kind, "kinds": CriterionKind.choices,
        "editions": restrict(Edition.objects.all(), request.user).order_by("-year", "code"),
        "statuses": status_headers(),
        "can_forecast": forecast_allowed(request.user),
    })
