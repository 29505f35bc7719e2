"""The inspections forms: validate input only, each error naming its field; the services decide the rest."""

from __future__ import annotations

import secrets
import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wenming.common.uploads import PhotosField
from wenming.inspections.models import Outcome
from wenming.inspections.services.schemes import schemes_current
from wenming.org.models import Area, AreaLevel, Unit

MAX_SAMPLE_LINES = 200


class SchemeImportForm(forms.Form):
    file = forms.FileField(label=_("Checklist file (.xlsx or .csv)"))
    dry_run = forms.BooleanField(label=_("Dry run: check the file, write nothing"), required=False, initial=True)


class RoundPlanForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=100)
    starts_on = forms.DateField(label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))
    firm_name = forms.CharField(label=_("Third-party firm"), max_length=100)
    districts = forms.ModelMultipleChoiceField(label=_("Districts"), required=False, queryset=Area.objects.none(),
                                               widget=forms.CheckboxSelectMultiple)
    units = forms.ModelMultipleChoiceField(label=_("Units"), required=False, queryset=Unit.objects.none(),
                                           help_text=_("The sites these units guarantee (包保), wherever they lie."))
    inspectors = forms.TypedMultipleChoiceField(label=_("Inspectors"), coerce=int, widget=forms.CheckboxSelectMultiple)
    schemes = forms.TypedMultipleChoiceField(label=_("Schemes (one version per site type)"), coerce=int,
                                             widget=forms.CheckboxSelectMultiple)
    seed = forms.IntegerField(label=_("Random seed"), min_value=0, max_value=2**62 - 1,
                              help_text=_("The same seed draws the same sample."))
    default_sample_size = forms.IntegerField(label=_("Sites per stratum"), min_value=1, max_value=500, initial=3)
    sample_sizes = forms.CharField(
        label=_("Other sizes by stratum"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: district code:site type code=size, e.g. 131102:market=5"))

    def __init__(self, *args, inspector_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["districts"].queryset = Area.objects.filter(level=AreaLevel.COUNTY).order_by("code")
        self.fields["units"].queryset = Unit.objects.filter(is_active=True).order_by("path")
        self.fields["inspectors"].choices = inspector_choices
        self.fields["schemes"].choices = [(s.pk, str(s)) for s in schemes_current()]
        self.initial.setdefault("seed", secrets.randbelow(10**9))

    def clean_sample_sizes(self):
        sizes = {}
        lines = [line.strip() for line in self.cleaned_data["sample_sizes"].splitlines() if line.strip()]
        if len(lines) > MAX_SAMPLE_LINES:
            raise forms.ValidationError(_("At most %(n)d lines.") % {"n": MAX_SAMPLE_LINES})
        for number, line in enumerate(lines, 1):
            key, _sep, value = line.partition("=")
            if ":" not in key or not value.strip().isdigit() or int(value) > 500:
                raise forms.ValidationError(_("Line %(n)d: write district:site type=size.") % {"n": number})
            sizes[key.strip()] = int(value)
        return sizes

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The round ends after it starts."))
        if not data.get("districts") and not data.get("units"):
            self.add_error("districts", _("Choose the districts or units the round covers."))
        return data


class ResultForm(forms.Form):
    """One item's result at an assigned site (the phone page); the client id makes a repeated post harmless."""

    client_id = forms.UUIDField(widget=forms.HiddenInput)
    item = forms.ChoiceField(label=_("Item"))
    outcome = forms.ChoiceField(label=_("Result"), choices=Outcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    photo = PhotosField(label=_("Photo"), required=False, max_files=1)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(i.code, f"{i.code} {i.text}") for i in items]
        self.initial.setdefault("client_id", uuid.uuid4())
        self.fields["photo"].widget.attrs.update({"accept": "image/*", "capture": "environment"})

    def observed_at(self):
        return timezone.now()


class NoticesForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    demand = forms.CharField(label=_("What the units must do"), max_length=500,
                             initial=_("Fix the problem found by the inspection and report back."))
    hours = forms.DecimalField(label=_("Answer within (working hours)"), min_value=1, max_value=72, initial=4)


class ReinspectForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    inspector = forms.TypedChoiceField(label=_("Inspector"), coerce=int)

    def __init__(self, *args, inspector_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspector"].choices = inspector_choices


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
