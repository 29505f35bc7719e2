"""The shift leader's exposure page for one case. The public columns that show what is published are in
``wenming.public.column_views``."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from wenming.cases.models import Case, Evidence, Exposure
from wenming.cases.services import exposure as ex
from wenming.cases.services.errors import WorkflowError
from wenming.common.access import get_or_404, scope_for
from wenming.common.input import db_id


@login_required
def exposure_edit(request, pk: int):
    """Write the public text, choose photos and cover faces and plates, publish or withdraw."""
    if not scope_for(request.user).roles & ex.PUBLISHERS:
        raise Http404
    case = get_or_404(Case.objects.select_related("category", "unit"), request.user, pk=pk)
    exposure = Exposure.objects.filter(case=case).first()
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "text":
                exposure = ex.exposure_save(case_id=case.pk, actor=request.user, headline=request.POST.get("headline", ""),
                                            summary=request.POST.get("summary", ""))
                messages.success(request, _("Saved."))
            elif step == "photos" and exposure:
                chosen = []
                for raw in request.POST.getlist("photo"):
                    if db_id(raw) is None:  # a 40-digit "id" would overflow the database's integer
                        raise WorkflowError(_("Photo %(id)s is not a photo of this case.") % {"id": raw[:20]})
                    try:
                        boxes = json.loads(request.POST.get(f"boxes-{raw}") or "[]")
                        chosen.append((int(raw), boxes))
                    except (ValueError, TypeError):
                        raise WorkflowError(_("A box is four numbers: left, top, width, height.")) from None
                ex.exposure_photos_set(exposure_id=exposure.pk, actor=request.user, photos=chosen)
                messages.success(request, _("Photos saved with the covered areas."))
            elif step == "publish" and exposure:
                ex.exposure_publish(exposure_id=exposure.pk, actor=request.user)
                messages.success(request, _("Published on the exposure board."))
            elif step == "withdraw" and exposure:
                ex.exposure_withdraw(exposure_id=exposure.pk, actor=request.user, note=request.POST.get("note", ""))
                messages.success(request, _("Withdrawn from the public pages."))
            else:
                raise WorkflowError(_("Write the headline first."))
        except WorkflowError as exc:
            messages.error(request, str(exc))
        return redirect(reverse("cases:exposure", args=[case.pk]))
    chosen = {p.evidence_id: p for p in exposure.photos.all()} if exposure else {}
    photos = [
        {"evidence": e, "chosen": chosen.get(e.pk), "boxes": json.dumps(chosen[e.pk].boxes if e.pk in chosen else [])}
        for e in case.evidence.filter(kind__in=[Evidence.Kind.BEFORE, Evidence.Kind.AFTER]).exclude(public_file="")
    ]
    return render(request, "cases/exposure_edit.html", {"case": case, "exposure": exposure, "photos": photos})
