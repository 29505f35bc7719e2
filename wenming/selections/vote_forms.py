"""Forms of the public vote: the phone check, the vote itself, and a reviewer's decision on a flagged group."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.common.input import IdField
from wenming.selections.models import FlagReason
from wenming.selections.services.votes import DECISIONS, NOTE_MAX


class VoterForm(forms.Form):
    phone = forms.CharField(label=_("Mobile number"), max_length=20,
                            widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel"}),
                            error_messages={"required": _("Phone: enter an 11-digit mobile number.")})
    code = forms.CharField(label=_("SMS code"), max_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
                           error_messages={"required": _("Code: enter the code we sent you."),
                                           "max_length": _("Code: six digits.")})


class VoteForm(forms.Form):
    nomination = IdField(label=_("Nominee"), error_messages={"required": _("Nominee: choose whom you vote for.")})


class DecideForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=FlagReason.choices)
    subject = forms.CharField(label=_("Group"), max_length=48)
    expected_last = IdField(label=_("Group"))
    decision = forms.ChoiceField(label=_("Decision"), choices=list(DECISIONS.items()),
                                 error_messages={"required": _("Decision: choose to clear or to void the votes.")})
    note = forms.CharField(label=_("Note"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": _("Note: say why (it is kept with the decision).")})
