"""Forms of the risk pages: the board's filters, a record's action, an incident report, a plan's edit. They check
shape only; the services have the last word (and the same rules for the REST API)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wenming.common.uploads import PhotosField
from wenming.evaluation.models import INCIDENT_KINDS, Criterion, Domain, RiskLevel
from wenming.org.models import Unit


class FilesField(PhotosField):
    """Photos or PDFs (evidence, a plan's attachments): the shared upload rule, PDFs allowed."""

    allow_pdf = True
    too_many = _("%(field)s: at most %(n)d files; %(given)d were chosen.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}))
        kwargs["widget"].allow_multiple_selected = True
        super().__init__(*args, **kwargs)


class BoardFilterForm(forms.Form):
    STATES = [("open", pgettext_lazy("risk filter", "Open")), ("closed", pgettext_lazy("risk filter", "Closed")),
              ("all", _("All"))]
    domain = forms.ModelChoiceField(label=_("Domain"), queryset=Domain.objects.none(), required=False,
                                    empty_label=_("All domains"))
    level = forms.TypedChoiceField(label=_("Level"), coerce=int, required=False, empty_value=None,
                                   choices=[("", _("All levels")), *RiskLevel.choices])
    state = forms.ChoiceField(label=_("State"), choices=STATES, required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    q = forms.CharField(label=_("Code or text"), max_length=100, required=False)

    def __init__(self, *args, domains=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"].queryset = domains if domains is not None else Domain.objects.none()


class RiskActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                           required=False)
    files = FilesField(label=_("Evidence (photos or PDF)"), required=False)


class IncidentForm(forms.Form):
    criterion = forms.ModelChoiceField(label=_("Criterion"), queryset=Criterion.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=[(k.value, k.label) for k in INCIDENT_KINDS])
    level = forms.TypedChoiceField(label=_("Level"), coerce=int, choices=RiskLevel.choices,
                                   initial=RiskLevel.WARNING)
    note = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)

    def __init__(self, *args, criteria=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].queryset = criteria if criteria is not None else Criterion.objects.none()


class PlanForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    triggers = forms.CharField(label=_("Triggers (触发条件)"), widget=forms.Textarea(attrs={"rows": 4}),
                               max_length=5000)
    measures = forms.CharField(label=_("Measures (处置措施)"), widget=forms.Textarea(attrs={"rows": 6}),
                               max_length=5000)
    owner_units = forms.ModelMultipleChoiceField(label=_("Owner units"), queryset=Unit.objects.order_by("path"),
                                                 required=False, widget=forms.SelectMultiple(attrs={"size": 6}))
    contacts = forms.CharField(label=_("Contacts"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                               max_length=3000, help_text=_("One a line: name, phone, post."))
    review_cycle_days = forms.IntegerField(label=_("Review cycle (days)"), min_value=1, max_value=730, initial=90)
    next_review_on = forms.DateField(label=_("Next review on"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}),
                                     help_text=_("Left empty: today plus the review cycle."))
    files = FilesField(label=_("Attachments (photos or PDF)"), required=False)
    note = forms.CharField(label=_("What changed"), max_length=2000, required=False)
