"""Hotline intake (创城热线) for the operators: one keyboard-fast form while the caller is on the line.

The caller's number is kept private (``reporter_phone``); the place is a site found by typing its name, an
address, or coordinates; the category is typed as a code or a name. Before taking a call in, open cases of
the same category nearby are shown (the caller may be reporting one already known: merge it as "me too").
Optionally the case is registered, or registered and dispatched to the routed unit, in the same step
(``services.hotline.hotline_take_in``).
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from wenming.cases.models import Case
from wenming.cases.services import workflow as wf
from wenming.cases.services.duplicates import duplicates_suggest
from wenming.cases.services.errors import WorkflowError
from wenming.common.access import restrict, scope_for
from wenming.common.roles import HOTLINE_OPERATORS
from wenming.org.models import Site

from .forms import HotlineForm
from .services.hotline import hotline_take_in

SITE_RESULTS = 20
CALLER_RESULTS = 10


def _site_search(request, text: str) -> JsonResponse:
    text = text.strip()
    sites = restrict(Site.objects.filter(is_active=True), request.user)
    if text:
        sites = sites.filter(Q(name__contains=text) | Q(code__startswith=text))
    rows = sites.order_by("name").values("code", "name", "address")[:SITE_RESULTS]
    return JsonResponse({"sites": [{"value": f"{r['code']} {r['name']}", "address": r["address"]} for r in rows]})


def _phone_spellings(typed: str, digits: str) -> set[str]:
    """The number as typed, bare, a landline with its area code set off (010-, 0318-), and a mobile in 3-4-4."""
    spellings = {typed, digits}
    if digits.startswith("0"):
        spellings |= {f"{digits[:3]}-{digits[3:]}", f"{digits[:4]}-{digits[4:]}"}
    elif len(digits) == 11:
        spellings |= {f"{digits[:3]}{sep}{digits[3:7]}{sep}{digits[7:]}" for sep in ("-", " ")}
    return spellings


def _caller_history(request, phone: str) -> JsonResponse:
    """The caller's earlier cases in the operator's scope, newest first: a repeat caller is often chasing one of
    them (催办), or reporting it again. Numbers are kept as they were typed, so the common ways of writing this one
    are looked up (each an index lookup)."""
    typed = phone.strip()
    digits = re.sub(r"[\s\-]", "", typed)
    if len(digits) < 7:  # too short to be anyone's number yet
        return JsonResponse({"cases": []})
    rows = (restrict(Case.objects.filter(reporter_phone__in=_phone_spellings(typed, digits)), request.user)
            .select_related("category").defer("routing")
            .order_by("-reported_at", "-id")[:CALLER_RESULTS])
    return JsonResponse({"cases": [{
        "number": case.number, "url": reverse("cases:detail", args=[case.pk]), "state": case.get_state_display(),
        "reported_at": f"{timezone.localtime(case.reported_at):%Y-%m-%d %H:%M}",
        "category": case.category.name if case.category_id else "",
        "description": Truncator(case.description).chars(60),
    } for case in rows]})


@login_required
def hotline(request):
    if not scope_for(request.user).roles & HOTLINE_OPERATORS:
        raise Http404
    if "sites" in request.GET:
        return _site_search(request, request.GET["sites"])
    if "caller" in request.GET:
        return _caller_history(request, request.GET["caller"])
    form = HotlineForm(request.POST or None, request.FILES or None, user=request.user)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        point = form.point()
        if point and d["category"] and not d["new_problem"] and not d["merge_into"]:
            duplicates = duplicates_suggest(lng=point[0], lat=point[1], category=d["category"], user=request.user)
        if not duplicates:
            try:
                case = hotline_take_in(
                    actor=request.user, description=d["description"], category=d["category"],
                    urgency=d["urgency"], point=point, address=d["address"], site=form.site_obj,
                    reporter_name=d["reporter_name"], reporter_phone=d["reporter_phone"],
                    photos=[wf.Upload(name=p.name, content=p.read()) for p in d["photos"]],
                    merge_into=d["merge_into"], then=d["then"],
                )
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Case %(number)s taken in (%(state)s); tracking code %(code)s.")
                                 % {"number": case.number, "state": case.get_state_display(), "code": case.tracking_code})
                return redirect("public:hotline")
    return render(request, "public/hotline.html", {"form": form, "duplicates": duplicates,
                                                   "categories": form.fields["category"].options()})
