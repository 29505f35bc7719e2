from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wenming.common.input import BoundedDateField
from wenming.common.uploads import TabularFileField
from wenming.credit.models import RecordKind, SubjectKind


class SubjectSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or unified social credit code"), max_length=120, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All"))] + list(SubjectKind.choices), required=False)
    dishonest = forms.BooleanField(label=_("Dishonest (失信) in effect only"), required=False)


class PublicQueryForm(forms.Form):
    q = forms.CharField(label=_("Name or unified social credit code"), max_length=120, min_length=2)


class CreditImportForm(forms.Form):
    file = TabularFileField(label=_("File (.csv UTF-8 or .xlsx)"))


class RepairForm(forms.Form):
    repaired_on = BoundedDateField(label=_("Repaired on"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason of the repair"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31)

    def clean_repaired_on(self):
        day = self.cleaned_data["repaired_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date lies in the future."))
        return day


class JointAckForm(forms.Form):
    note = forms.CharField(label=_("What your department did"), max_length=500)


class DecideForm(forms.Form):
    source = forms.TypedChoiceField(label=_("Source"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=[(RecordKind.PENALTY, RecordKind.PENALTY.label),
                                                       (RecordKind.DISHONEST, RecordKind.DISHONEST.label)])
    decided_on = BoundedDateField(label=_("Decided on"), widget=forms.DateInput(attrs={"type": "date"}))
    effective_until = BoundedDateField(label=_("In effect until"), required=False,
                                       widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [(s.pk, s.name) for s in sources]
