"""The public vote's pages: the list of open votes, a call's ballot (phone-first), the phone check, the vote; and the
reviewers' pages of flagged votes. Thin: read the request, validate through a form, call one service, answer.

The citizen's pages are anonymous and CSRF-protected. The ballot sets a first-party device cookie (a random id,
stored only as a keyed hash with the vote); the phone, once checked by SMS code, lives in the session as a signed
voter token until the end of the day. A vote posted by the page's script (``Accept: application/json``) gets a
JSON answer; a plain form post is redirected back to the ballot with a message.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from wenming.common.access import can, get_or_404, restrict
from wenming.common.errors import WorkflowError
from wenming.common.files import file_response
from wenming.common.net import client_ip
from wenming.common.services.limits import RateLimited
from wenming.public.services.verification import CODE_TTL, VerificationError, phone_code_check
from wenming.selections import vote_selectors as selectors
from wenming.selections.models import Call, CallStatus, NominationPhoto, NominationStatus, Vote, VoteFlag
from wenming.selections.services.votes import (
    VoteError,
    vote_cast,
    vote_group_decide,
    vote_open,
    voter_token_issue,
    voter_token_read,
)
from wenming.selections.vote_forms import DecideForm, VoteForm, VoterForm

SESSION_VOTER = "selections_voter"
DEVICE_COOKIE = "wm_device"
DEVICE_COOKIE_AGE = 365 * 24 * 3600


def _voter(request):
    return voter_token_read(request.session.get(SESSION_VOTER))


def _ballot_call(call_pk: int) -> Call:
    call = selectors.ballot_call(call_pk)
    if call is None:
        raise Http404
    return call


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_safe
def vote_calls(request):
    """The calls taking (or about to take) public votes."""
    now = timezone.now()
    calls = [(c, vote_open(c, now)) for c in selectors.ballot_calls()]
    return render(request, "selections/vote_calls.html", {"calls": calls})


def _ballot_page(request, call: Call, *, voter_form=None, status: int = 200):
    now = timezone.now()
    voter = _voter(request)
    voted = None
    if voter is not None:
        voted = (Vote.objects.filter(call=call, phone_hash=voter.phone_hash, day=voter.day)
                 .select_related("nomination").only("nomination__number", "nomination__name").first())
    response = render(request, "selections/vote_ballot.html", {
        "call": call, "rows": selectors.ballot_rows(call=call), "open": vote_open(call, now),
        "before": call.status == CallStatus.VOTING and call.vote_opens and now < call.vote_opens,
        "voter": voter, "voted": voted, "voter_form": voter_form or VoterForm(),
        "minutes": int(CODE_TTL.total_seconds() // 60),
    }, status=status)
    if not request.COOKIES.get(DEVICE_COOKIE):
        response.set_cookie(DEVICE_COOKIE, secrets.token_urlsafe(16), max_age=DEVICE_COOKIE_AGE, httponly=True,
                            samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
    return response


@require_safe
def vote_ballot(request, call_pk: int):
    return _ballot_page(request, _ballot_call(call_pk))


@require_safe
def vote_photo(request, call_pk: int, pk: int):
    """A photo of a nominee on the ballot (only of a call whose ballot is public, only of a nominee on it)."""
    call = _ballot_call(call_pk)
    photo = NominationPhoto.objects.filter(pk=pk, nomination__call=call,
                                           nomination__status=NominationStatus.SHORTLISTED).first()
    if photo is None:
        raise Http404
    try:
        return file_response(photo.file, name=f"{call.pk}-{pk}")
    except FileNotFoundError:
        raise Http404 from None


@require_POST
def vote_verify(request, call_pk: int):
    """Check the SMS code of the phone typed on the ballot; the session then holds today's voter token."""
    call = _ballot_call(call_pk)
    form = VoterForm(request.POST)
    if form.is_valid():
        try:
            phone = phone_code_check(phone=form.cleaned_data["phone"], code=form.cleaned_data["code"])
        except VerificationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            request.session[SESSION_VOTER] = voter_token_issue(phone=phone)
            messages.success(request, _("Your phone %(phone)s is verified for today: choose whom you vote for.")
                             % {"phone": f"{phone[:3]}****{phone[-4:]}"})
            return redirect("selections:vote_ballot", call_pk=call.pk)
    return _ballot_page(request, call, voter_form=form, status=400)


def _answer(request, call: Call, *, ok: bool, message: str, status: int, created: bool = False, retry_after=None):
    """JSON for the page's script (and the benchmark); else a redirect to the ballot after a vote, or the ballot
    again with the refusal and its status (400, 403, 429)."""
    if _wants_json(request):
        response = JsonResponse({"ok": ok, "accepted": created, "message": message}, status=status)
    elif ok:
        messages.success(request, message)
        response = redirect("selections:vote_ballot", call_pk=call.pk)
    else:
        messages.error(request, message)
        response = _ballot_page(request, _ballot_call(call.pk), status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@require_POST
def vote_cast_view(request, call_pk: int):
    """One vote for one nominee by the verified phone of this session (at most one a day). The call is read once,
    by the service, with the nominee (a call not taking votes is refused there)."""
    call = Call(pk=call_pk)
    voter = _voter(request)
    if voter is None:
        return _answer(request, call, ok=False, status=403,
                       message=_("Phone: verify your phone with an SMS code before voting."))
    form = VoteForm(request.POST)
    if not form.is_valid():
        return _answer(request, call, ok=False, status=400, message=" ".join(
            str(e) for errors in form.errors.values() for e in errors))
    try:
        answer = vote_cast(call_id=call.pk, nomination_id=form.cleaned_data["nomination"], voter=voter,
                           network=client_ip(request), device=request.COOKIES.get(DEVICE_COOKIE, ""),
                           user_agent=request.headers.get("User-Agent", ""))
    except RateLimited as exc:
        return _answer(request, call, ok=False, status=429, message=str(exc), retry_after=exc.retry_after)
    except VoteError as exc:
        return _answer(request, call, ok=False, status=400, message=str(exc))
    return _answer(request, call, ok=True, created=answer.created, status=201 if answer.created else 200,
                   message=answer.message)


# -- the reviewers' pages -----------------------------------------------------------------------------------------

def _reviewable(request) -> None:
    if not can(request.user, VoteFlag):
        raise Http404


@login_required
@require_safe
def vote_review_calls(request):
    """The calls with a public vote, with their counted, flagged and void votes."""
    _reviewable(request)
    calls = list(restrict(Call.objects.filter(vote_opens__isnull=False).exclude(status=CallStatus.DRAFT), request.user)
                 .select_related("kind").order_by("-vote_opens", "pk")[:100])
    summaries = selectors.vote_summaries(calls=calls)
    rows = [(c, summaries[c.pk]) for c in calls]
    return render(request, "selections/vote_review_calls.html", {"rows": rows})


def _review_page(request, call: Call, *, form=None, status: int = 200):
    return render(request, "selections/vote_review.html", {
        "call": call, "summary": selectors.vote_summary(call=call), "groups": selectors.flag_groups(call=call),
        "events": selectors.vote_events(call=call), "form": form, "tally": selectors.ballot_rows(call=call),
    }, status=status)


@login_required
@require_safe
def vote_review(request, call_pk: int):
    """A call's flagged votes grouped by reason and group, to clear or void, and the decisions taken."""
    _reviewable(request)
    call = get_or_404(Call.objects.filter(vote_opens__isnull=False).select_related("kind"), request.user, pk=call_pk)
    return _review_page(request, call)


@login_required
@require_POST
def vote_decide(request, call_pk: int):
    _reviewable(request)
    call = get_or_404(Call.objects.filter(vote_opens__isnull=False), request.user, pk=call_pk)
    form = DecideForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            event = vote_group_decide(call_id=call.pk, reason=d["reason"], subject=d["subject"],
                                      decision=d["decision"], note=d["note"], actor=request.user,
                                      expected_last=d["expected_last"])
        except WorkflowError as exc:
            messages.error(request, str(exc))
            return redirect("selections:vote_review", call_pk=call.pk)
        messages.success(request, _("%(action)s: %(n)d votes.") % {"action": event.get_action_display(),
                                                                    "n": event.votes})
        return redirect("selections:vote_review", call_pk=call.pk)
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("selections:vote_review", call_pk=call.pk)
