"""The public side of the selections: the 晾晒 page (published results, withdrawn titles with their note, calls
taking nominations, nominees in the public notice), a winner's page, the Atom feed, the public nomination page and
the objection form during 公示. No login; nothing of a nominator, no phone, no expert is ever shown."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from wenming.common.db_router import replica_reads
from wenming.common.errors import WorkflowError
from wenming.common.files import file_response
from wenming.common.input import CleanAtom1Feed
from wenming.common.net import client_ip
from wenming.common.pagination import paginate
from wenming.public.services.errors import PublicError
from wenming.public.services.verification import CODE_TTL, VerificationError, phone_code_check
from wenming.public.views import SESSION_PHONE, VERIFIED_FOR
from wenming.selections import selectors
from wenming.selections.forms import PublicNominationForm, PublicObjectionForm
from wenming.selections.models import Call, CallStatus, NominationPhoto
from wenming.selections.services.nominations import Nominee, Upload, nomination_public_submit
from wenming.selections.services.results import objection_public_submit

FEED_ITEMS = 30


def _verified_phone(request) -> str:
    stored = request.session.get(SESSION_PHONE) or {}
    if isinstance(stored, dict) and stored.get("until", 0) > time.time():
        return stored.get("phone", "")
    return ""


def _phone_verify(request, form) -> str:
    """The form's phone, checked against the SMS code unless this browser verified it within the day."""
    phone = form.cleaned_data["phone"]
    if phone != form.verified_phone:
        phone = phone_code_check(phone=phone, code=form.cleaned_data["code"])
        request.session[SESSION_PHONE] = {"phone": phone, "until": time.time() + VERIFIED_FOR}
    return phone


@replica_reads
@require_safe
def board(request):
    page = paginate(request, selectors.results_calls_query(), per_page=selectors.RESULTS_PAGE_SIZE)
    return render(request, "selections/public/board.html", {
        "calls": selectors.results_calls(page), "page": page, "open_calls": selectors.calls_taking_nominations(),
        "notice_calls": selectors.calls_in_notice(), "column": "selections"})


@replica_reads
@require_safe
def winner(request, pk: int):
    nomination = selectors.public_nomination(pk)
    if nomination is None:
        raise Http404
    verified = _verified_phone(request)
    return render(request, "selections/public/winner.html", {
        "n": nomination, "column": "selections", "minutes": int(CODE_TTL.total_seconds() // 60),
        "objection_form": PublicObjectionForm(verified_phone=verified) if nomination.status == "in_notice" else None,
        "verified_phone": verified})


@require_safe
def photo(request, pk: int):
    item = NominationPhoto.objects.filter(pk=pk).select_related("nomination").first()
    if item is None or selectors.public_nomination(item.nomination_id) is None:
        raise Http404
    return file_response(item.file, name=f"photo-{item.pk}.jpg")


def nominate(request, pk: int):
    call = Call.objects.filter(pk=pk).select_related("kind").first()
    if call is None or not selectors.calls_taking_nominations().filter(pk=pk).exists():
        raise Http404
    verified = _verified_phone(request)
    posted = request.method == "POST"
    form = PublicNominationForm(request.POST if posted else None, request.FILES if posted else None, kind=call.kind,
                                verified_phone=verified)
    status = 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            phone = _phone_verify(request, form)
            nomination = nomination_public_submit(
                call_id=call.pk, phone=phone, ip=client_ip(request), statement=d["statement"],
                nominee=Nominee(name=d.get("name") or "", area_id=d["area"].pk if d.get("area") else None,
                                credit_code=d.get("credit_code") or ""),
                photos=[Upload(p.name, p.read()) for p in d["photos"]])
        except VerificationError as exc:
            form.add_error(exc.field, str(exc))
            status = 400
        except (PublicError, WorkflowError) as exc:
            form.add_error(None, str(exc))
            status = 429 if getattr(exc, "retry_after", None) else 400
        else:
            messages.success(request, _("Thank you. Your nomination is number %(number)03d; the organisers will check "
                                        "it.") % {"number": nomination.number})
            return redirect("selection_results:board")
    elif request.method == "POST":
        status = 400
    return render(request, "selections/public/nominate.html", {
        "call": call, "form": form, "verified_phone": verified, "column": "selections",
        "minutes": int(CODE_TTL.total_seconds() // 60)}, status=status)


@require_POST
def objection(request, pk: int):
    nomination = selectors.public_nomination(pk)
    if nomination is None or nomination.call.status != CallStatus.NOTICE:
        raise Http404
    form = PublicObjectionForm(request.POST, verified_phone=_verified_phone(request))
    if form.is_valid():
        try:
            phone = _phone_verify(request, form)
            objection_public_submit(nomination_id=nomination.pk, phone=phone, text=form.cleaned_data["text"],
                                    ip=client_ip(request))
        except VerificationError as exc:
            form.add_error(exc.field, str(exc))
        except (PublicError, WorkflowError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Thank you. The organisers will look into your objection."))
            return redirect("selection_results:winner", pk=nomination.pk)
    return render(request, "selections/public/winner.html", {
        "n": nomination, "column": "selections", "objection_form": form,
        "verified_phone": form.verified_phone, "minutes": int(CODE_TTL.total_seconds() // 60)}, status=400)


class ResultsFeed(Feed):
    feed_type = CleanAtom1Feed
    title = gettext_lazy("Selection results (评选晾晒)")
    subtitle = gettext_lazy("Titles the city published, and titles withdrawn with the reason.")

    def link(self):
        return reverse("selection_results:board")

    def items(self):
        return selectors.feed_entries(FEED_ITEMS)

    def item_title(self, item):
        if item.status == "revoked":
            return _("%(call)s: title withdrawn from %(name)s") % {"call": item.call.title, "name": item.name}
        return _("%(call)s: %(name)s") % {"call": item.call.title, "name": item.name}

    def item_description(self, item):
        return item.public_note if item.status == "revoked" else item.statement[:300]

    def item_link(self, item):
        return reverse("selection_results:winner", args=[item.pk])

    def item_pubdate(self, item):
        return item.published_at or item.updated_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_guid(self, item):
        return f"wenming-selection-{item.pk}-{item.status}"

    item_guid_is_permalink = False
