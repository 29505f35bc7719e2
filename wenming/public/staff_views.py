"""The command centre's side of public intake: moderate reports from the public (reject spam in one click)
and decide on cases the reporter says are not fixed (reopen, or confirm closed)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from wenming.cases import selectors as case_selectors
from wenming.cases.models import Case, CaseState, Channel, FollowUp
from wenming.cases.services import workflow as wf
from wenming.cases.services.errors import CaseNotFound, WorkflowError
from wenming.cases.services.followup import DECIDERS, followup_decide
from wenming.common.access import get_or_404, restrict, scope_for
from wenming.common.roles import COMMAND_OR_ADMIN

SPAM_NOTE = gettext_lazy("Not accepted: spam or not a real problem.")


class VersionForm(forms.Form):
    version = forms.IntegerField(label=gettext_lazy("Version"), min_value=0, widget=forms.HiddenInput)


class DecideForm(VersionForm):
    reopen = forms.TypedChoiceField(label=gettext_lazy("Decision"), coerce=lambda v: v == "yes",
                                    choices=[("yes", "yes"), ("no", "no")])
    note = forms.CharField(label=gettext_lazy("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": gettext_lazy("Give a reason.")})


def _command_only(user) -> None:
    if not scope_for(user).roles & COMMAND_OR_ADMIN:
        raise Http404


@login_required
@require_safe
def review(request):
    _command_only(request.user)
    waiting = list(
        restrict(Case.objects.select_related("category", "public_report"), request.user)
        .filter(state=CaseState.REPORTED, channel=Channel.CITIZEN).order_by("reported_at", "id")[:100]
    )
    not_fixed = list(case_selectors.case_queue(user=request.user, queue="not_fixed")[:100]) \
        if "not_fixed" in {q.key for q in case_selectors.queues_for(request.user)} else []
    follow_ups = {f.case_id: f for f in FollowUp.objects.filter(case__in=not_fixed).order_by("created_at")}
    for case in not_fixed:
        case.follow_up = follow_ups.get(case.pk)
    return render(request, "public/review.html", {
        "waiting": waiting, "not_fixed": not_fixed, "can_decide": bool(scope_for(request.user).roles & DECIDERS),
    })


@login_required
@require_POST
def reject_spam(request, pk: int):
    """不予受理 in one click, with the standard reason the reporter is shown."""
    _command_only(request.user)
    case = get_or_404(Case.objects.all(), request.user, pk=pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reload the page and try again."))
        return redirect("public:review")
    try:
        wf.case_reject(case_id=case.pk, actor=request.user, note=str(SPAM_NOTE),
                       expected_version=form.cleaned_data["version"])
    except CaseNotFound:
        raise Http404 from None
    except WorkflowError as exc:
        messages.error(request, _("%(number)s: %(reason)s") % {"number": case.number, "reason": exc})
    else:
        messages.success(request, _("%(number)s rejected as spam.") % {"number": case.number})
    return redirect("public:review")


@login_required
@require_POST
def decide(request, pk: int):
    """Reopen a case the reporter says is not fixed, or confirm it closed; both are logged on the case."""
    _command_only(request.user)
    case = get_or_404(Case.objects.all(), request.user, pk=pk)
    form = DecideForm(request.POST)
    if not form.is_valid():
        for name, errors in form.errors.items():
            for error in errors:  # the case and the field the error is about
                messages.error(request, f"{case.number}: {form.fields[name].label}: {error}")
        return redirect("public:review")
    d = form.cleaned_data
    try:
        followup_decide(case_id=case.pk, actor=request.user, reopen=d["reopen"], note=d["note"],
                        expected_version=d["version"])
    except CaseNotFound:
        raise Http404 from None
    except WorkflowError as exc:
        messages.error(request, _("%(number)s: %(reason)s") % {"number": case.number, "reason": exc})
    else:
        messages.success(request, (_("%(number)s reopened.") if d["reopen"] else _("%(number)s confirmed closed."))
                         % {"number": case.number})
    return redirect("public:review")
