"""The inspector's offline app (a PWA on top of the sync API of ``api.py``) and settling its sync conflicts.

- ``/inspections/app/``: the app shell, inspectors only (404 to anyone else, like "my day"); the script
  (``static/wenming/inspector-app.js``) keeps the day's assignments and the results in IndexedDB and syncs them.
- ``/inspections/app/sw.js``: the service worker, scoped to ``/inspections/app/``; it caches the shell and its
  assets so the app opens with no network. Served by a view (not as a static file) so its scope covers the app's
  pages and it is never cached by HTTP (a new deploy is a new worker at the browser's next check). Public, like
  the manifest: it holds no data, and a worker update fetched after the session ended must not be a redirect.
- ``/inspections/app/manifest.webmanifest``: makes the app installable. Browsers fetch it without cookies.
- ``/inspections/rounds/<id>/conflicts/<event>/settle/``: a planner settles a refused result
  (``services.conflicts``).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from functools import lru_cache
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from wenming.common.access import get_or_404
from wenming.common.errors import WorkflowError
from wenming.common.roles import Role
from wenming.inspections import selectors
from wenming.inspections.models import Outcome, Round
from wenming.inspections.models.schemes import FAILING
from wenming.inspections.services import conflicts as cs
from wenming.inspections.services.actions import can_plan
from wenming.org.models import Person

SW_SOURCE = Path(__file__).resolve().parents[1] / "static" / "wenming" / "inspector-app-sw.js"
# What the worker keeps for offline use besides the shell (static names; ``static()`` gives their served URLs).
APP_ASSETS = ("wenming/wenming.css", "wenming/field.css", "wenming/inspector-app.css", "wenming/inspector-app.js",
              "wenming/inspector-app-icon-192.png", "wenming/inspector-app-icon-512.png")


def _inspector(request) -> None:
    if not request.user.roles.filter(role=Role.INSPECTOR).exists():
        raise Http404


@require_safe
@login_required
def app_shell(request):
    _inspector(request)
    # "rendered" tells a shell fresh from the server from the worker's cached copy (the offline walk checks it).
    return render(request, "inspections/app.html", {"outcomes": Outcome.choices, "failing": sorted(FAILING),
                                                    "rendered": uuid.uuid4().hex})


@lru_cache(maxsize=1)
def _sw_source() -> str:
    return SW_SOURCE.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _assets_digest() -> str:
    """The assets' contents, hashed: their names carry no hash (the static storage does not add one), so a deploy
    that changes only the CSS must still change the worker, or phones would keep the old CSS from its cache."""
    digest = hashlib.sha256()
    for name in APP_ASSETS:
        path = finders.find(name)
        digest.update(Path(path).read_bytes() if path else name.encode())
    return digest.hexdigest()


@require_safe
def service_worker(request):
    assets = [static(name) for name in APP_ASSETS]
    shell = reverse("inspections:app")
    source = _sw_source()
    # The version names the worker's cache: it changes whenever the worker or an asset (its URL or bytes) does.
    version = hashlib.sha256(json.dumps([assets, source, _assets_digest()]).encode()).hexdigest()[:12]
    config = json.dumps({"version": version, "shell": shell, "assets": assets}, ensure_ascii=True)
    response = HttpResponse(f"self.WENMING_APP = {config};\n{source}", content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache, max-age=0"
    response["Service-Worker-Allowed"] = shell
    return response


@require_safe
def manifest(request):
    shell = reverse("inspections:app")
    data = {
        "name": _("Wenming inspections (offline)"), "short_name": _("Inspections"), "lang": "zh-CN",
        "start_url": shell, "scope": shell, "display": "standalone", "background_color": "#ffffff",
        "theme_color": "#c0392b",
        "icons": [{"src": static(f"wenming/inspector-app-icon-{n}.png"), "sizes": f"{n}x{n}", "type": "image/png",
                   "purpose": "any"} for n in (192, 512)],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json; charset=utf-8"
    return response


# -- settling sync conflicts (the round page) ----------------------------------------------------------------------

class SettleForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(label=gettext_lazy("Settle"), choices=[
        (cs.KEEP, gettext_lazy("Keep the first result")), (cs.REINSPECT, gettext_lazy("Order a re-inspection"))])
    note = forms.CharField(label=gettext_lazy("Note"), max_length=cs.MAX_NOTE, required=False)
    inspector = forms.TypedChoiceField(label=gettext_lazy("Inspector"), coerce=int, required=False, empty_value=None)
    day = forms.DateField(label=gettext_lazy("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, inspector_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspector"].choices = [("", "—"), *inspector_choices]


@require_POST
@login_required
def conflict_settle(request, pk: int, event: int):
    if not can_plan(request.user):
        raise Http404
    round_ = get_or_404(Round.objects.all(), request.user, pk=pk)
    form = SettleForm(request.POST, inspector_choices=selectors.inspectors_choices(request.user))
    if not form.is_valid():
        errors = "; ".join(f"{form.fields[k].label if k in form.fields else ''} {' '.join(v)}".strip()
                           for k, v in form.errors.items())
        messages.error(request, errors)
        return redirect(f"{reverse('inspections:round', args=[round_.pk])}#conflicts")
    d = form.cleaned_data
    inspector = Person.objects.filter(pk=d["inspector"]).first() if d["inspector"] else None
    try:
        cs.conflict_settle(round_id=round_.pk, actor=request.user, conflict_id=event, decision=d["decision"],
                           note=d["note"], inspector=inspector, day=d["day"], expected_version=d["version"])
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The conflict is settled."))
    return redirect(f"{reverse('inspections:round', args=[round_.pk])}#conflicts")


def conflict_settling(round_: Round, viewer) -> dict:
    """The round page's conflicts with their settlement (who, when, what) or the form to settle them."""
    labels = dict(Outcome.choices)
    settled = cs.settlements(round_)
    decisions = dict(SettleForm.base_fields["decision"].choices)
    rows = []
    for c in selectors.conflicts(round_):
        s = settled.get(c.pk)
        rows.append({
            "id": c.pk, "at": c.created_at, "site": c.data.get("site"), "item": c.data.get("item"),
            "refused": labels.get(c.data.get("outcome"), ""), "kept": labels.get(c.data.get("kept_outcome"), ""),
            "settled": s and {"at": s.created_at, "by": str(s.actor) if s.actor else "",
                              "decision": decisions.get(s.data.get("decision"), ""), "note": s.data.get("note", ""),
                              "day": s.data.get("day", "")},
        })
    return {"conflicts": rows, "settle_form": SettleForm(
        initial={"version": round_.version}, auto_id=False,  # one form per row: no repeated ids
        inspector_choices=selectors.inspectors_choices(viewer))}
