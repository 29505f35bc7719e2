"""Hotline intake (创城热线) for the operators: one keyboard-fast form while the caller is on the line.

The caller's number is kept private (``reporter_phone``); the place is a site found by typing its name, an
address, or coordinates; the category is typed as a code or a name. Before taking a call in, open cases of
the same category nearby are shown (the caller may be reporting one already known: merge it as "me too").
Optionally the case is registered, or registered and dispatched to the routed unit, in the same step.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.cases.forms import CategoryField, IntakeForm
from wenming.cases.models import Case, Channel
from wenming.cases.services import workflow as wf
from wenming.cases.services.duplicates import duplicates_suggest
from wenming.cases.services.errors import WorkflowError
from wenming.common.access import restrict, scope_for
from wenming.common.input import IdField
from wenming.org.models import Site

OPERATORS = frozenset({"intake", "shift_leader"})
REGISTERERS = frozenset({"intake", "shift_leader", "dispatcher"})
DISPATCHERS = frozenset({"dispatcher", "shift_leader"})
SITE_RESULTS = 20
CALLER_RESULTS = 10


class CategorySearchField(CategoryField):
    """A 小类 typed as its code (SJ0401), "code name" as the list offers it, or its exact name (占道经营)."""

    widget = forms.TextInput

    def clean(self, value):
        text = (value or "").strip()
        if not text:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return None
        by_code = self._by_code or {}
        head = text.split()[0].upper()
        if head in by_code:
            return by_code[head]
        named = [c for c in by_code.values() if c.name == text]
        if len(named) == 1:
            return named[0]
        raise forms.ValidationError(_("Category: no category has the code or name %(text)s.") % {"text": text})

    def options(self) -> list[str]:
        return [str(c) for c in (self._by_code or {}).values()]


class HotlineForm(IntakeForm):
    """The staff intake form's fields (imported, not copied), set up for the phone: the channel is the hotline,
    the place may be a site, and the form can register or dispatch straight away."""

    category = CategorySearchField(label=gettext_lazy("Category"), error_messages={
        "required": gettext_lazy("Category: type a code or a name.")})
    site = forms.CharField(label=gettext_lazy("Site"), required=False, max_length=150)
    then = forms.ChoiceField(label=gettext_lazy("Then"), required=False)
    new_problem = forms.BooleanField(label=gettext_lazy("None of these: it is a new problem"), required=False)
    merge_into = IdField(label=gettext_lazy("Case"), required=False, widget=forms.HiddenInput)

    field_order = ["reporter_phone", "reporter_name", "category", "site", "address", "description", "urgency",
                   "lat", "lng", "crs", "photos", "then", "new_problem", "merge_into"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["channel"]
        self.user = user
        self.site_obj = None
        for name in ("lat", "lng"):
            self.fields[name].required = False
        self.fields["description"].widget = forms.TextInput(attrs={"maxlength": 2000})
        roles = scope_for(user).roles
        then = [("", _("Take it in only"))]
        if roles & REGISTERERS:
            then.append(("register", _("Register it (立案)")))
        if roles & REGISTERERS and roles & DISPATCHERS:
            then.append(("dispatch", _("Register and dispatch to the routed unit")))
        self.fields["then"].choices = then
        self.fields["reporter_phone"].widget.attrs.update({"autofocus": True, "inputmode": "tel"})
        self.fields["reporter_phone"].label = _("Caller's number")
        self.fields["reporter_name"].label = _("Caller's name")
        self.fields["category"].widget.attrs.update({"list": "category-list", "autocomplete": "off"})
        self.fields["site"].widget.attrs.update({"list": "site-list", "autocomplete": "off"})

    def clean_site(self):
        text = (self.cleaned_data.get("site") or "").strip()
        if not text:
            return ""
        sites = restrict(Site.objects.filter(is_active=True), self.user)
        site = sites.filter(code=text.split()[0]).first() or None
        if site is None:
            named = list(sites.filter(name=text)[:2])
            if len(named) > 1:
                raise forms.ValidationError(_("Site: several sites are called %(name)s; pick one from the list.")
                                            % {"name": text})
            site = named[0] if named else None
        if site is None:
            raise forms.ValidationError(_("Site: no site %(text)s in your scope.") % {"text": text})
        self.site_obj = site
        return text

    def clean(self):
        data = super().clean()
        has_point = data.get("lat") is not None and data.get("lng") is not None
        if not (has_point or self.site_obj or (data.get("address") or "").strip()):
            self.add_error("site", _("Place: give a site, an address or coordinates."))
        return data

    def point(self) -> tuple[float, float] | None:
        d = self.cleaned_data
        if d.get("lat") is not None and d.get("lng") is not None:
            from wenming.common.geo import to_wgs84

            return to_wgs84(d["lng"], d["lat"], d.get("crs") or "wgs84")
        if self.site_obj is not None and self.site_obj.lng is not None:
            return self.site_obj.lng, self.site_obj.lat
        return None


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
    roles = scope_for(request.user).roles
    if not roles & OPERATORS:
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
                case = _take_in(form, request.user)
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Case %(number)s taken in (%(state)s); tracking code %(code)s.")
                                 % {"number": case.number, "state": case.get_state_display(), "code": case.tracking_code})
                return redirect("cases:hotline")
    return render(request, "cases/hotline.html", {"form": form, "duplicates": duplicates,
                                                  "categories": form.fields["category"].options()})


def _take_in(form: HotlineForm, actor):
    """Intake, then the chosen steps, all or nothing."""
    d = form.cleaned_data
    point = form.point()
    with transaction.atomic():
        case = wf.case_intake(
            channel=Channel.HOTLINE, description=d["description"], lng=point[0] if point else None,
            lat=point[1] if point else None, crs="wgs84", category=d["category"], urgency=d["urgency"],
            address=d["address"] or (form.site_obj.address if form.site_obj else ""), site=form.site_obj,
            reporter_name=d["reporter_name"], reporter_phone=d["reporter_phone"], actor=actor,
            photos=[wf.Upload(name=p.name, content=p.read()) for p in d["photos"]],
        )
        if d["merge_into"]:
            wf.case_merge(case_id=case.pk, into_id=d["merge_into"], actor=actor, note=_("Same problem, by hotline."))
            case.refresh_from_db()
            return case
        if d["then"] in {"register", "dispatch"}:
            wf.case_register(case_id=case.pk, actor=actor)
        if d["then"] == "dispatch":
            wf.case_dispatch(case_id=case.pk, actor=actor)
        case.refresh_from_db()
    return case
