from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.common.uploads import TabularFileField
from wenming.org.models import Site, Unit
from wenming.windows.models import BusinessItem, RatingLevel

MAX_IMPORT_BYTES = 20 * 1024 * 1024  # a year of one window's matters is a few MB


class MatterAcceptForm(forms.Form):
    item = forms.ModelChoiceField(queryset=BusinessItem.objects.filter(is_active=True), label=_("Business item"))
    external_id = forms.CharField(label=_("Number (optional)"), max_length=64, required=False)


class MatterCompleteForm(forms.Form):
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


class MatterImportForm(forms.Form):
    file = TabularFileField(label=_("Export of the window's system (CSV or XLSX)"), max_bytes=MAX_IMPORT_BYTES)


class CommitmentForm(forms.Form):
    publicity = forms.CharField(label=_("Service publicity (服务公示)"), max_length=4000, widget=forms.Textarea(
        attrs={"rows": 4}))
    promise = forms.CharField(label=_("Service commitment (服务承诺)"), max_length=4000, widget=forms.Textarea(
        attrs={"rows": 4}))
    version = forms.IntegerField(min_value=0, max_value=2**31 - 1, widget=forms.HiddenInput)


class StaffForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    position = forms.CharField(label=_("Position"), max_length=50, required=False)
    certificate_kind = forms.CharField(label=_("Certificate kind"), max_length=50, required=False)
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=50, required=False)
    certificate_expires = forms.DateField(label=_("Certificate expires"), required=False,
                                          widget=forms.DateInput(attrs={"type": "date"}))
    # Changing a person already recorded (certificate renewed, or no longer at the counter): their row and the
    # version the page showed. A new person is always active.
    is_active = forms.BooleanField(label=_("Still at this counter"), required=False, initial=True)
    staff_id = forms.IntegerField(min_value=1, max_value=2**31 - 1, required=False, widget=forms.HiddenInput)
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, adding: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if adding:
            # A person being added is at the counter by definition: the box would only invite a meaningless click.
            del self.fields["is_active"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("staff_id") is None:
            cleaned["is_active"] = True
        return cleaned


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer after the follow-up"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


class PeriodForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    start = forms.DateField(label=_("Start"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("End"), widget=forms.DateInput(attrs={"type": "date"}))
    weight_ontime = forms.DecimalField(label=_("Weight: on-time completion"), min_value=0, max_value=100,
                                       decimal_places=2, initial=40)
    weight_complaints = forms.DecimalField(label=_("Weight: complaints"), min_value=0, max_value=100,
                                           decimal_places=2, initial=20)
    weight_rating = forms.DecimalField(label=_("Weight: ratings"), min_value=0, max_value=100, decimal_places=2,
                                       initial=25)
    weight_inspection = forms.DecimalField(label=_("Weight: inspections"), min_value=0, max_value=100,
                                           decimal_places=2, initial=15)
    min_matters = forms.IntegerField(label=_("Minimum matters due to be ranked"), min_value=0, max_value=100000,
                                     initial=10)


class PeriodActionForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


class RatingForm(forms.Form):
    level = forms.TypedChoiceField(label=_("Your rating"), choices=RatingLevel.choices, coerce=int,
                                   widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment (optional)"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    # Blank when this browser verified a phone within the day: the server uses that one (never shown in full).
    phone = forms.CharField(label=_("Mobile number"), max_length=20, required=False)
    code = forms.CharField(label=_("Code from the SMS"), max_length=6, required=False)


class ComplaintForm(forms.Form):
    description = forms.CharField(label=_("What happened"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    phone = forms.CharField(label=_("Mobile number (optional, to be told the outcome)"), max_length=20,
                            required=False)
    code = forms.CharField(label=_("Code from the SMS"), max_length=6, required=False)


class WindowForm(forms.Form):
    site = forms.CharField(label=_("Site code"), max_length=32)
    unit = forms.CharField(label=_("Unit code"), max_length=64)
    name = forms.CharField(label=_("Counter name"), max_length=100)
    number = forms.CharField(label=_("Counter number"), max_length=20, required=False)

    def clean_site(self):
        site = Site.objects.filter(code=self.cleaned_data["site"].strip(), is_active=True).first()
        if site is None:
            raise forms.ValidationError(_("No active site has this code."))
        if site.lng is None or site.lat is None:
            # Complaints about the window are placed at its site: without coordinates the case is not routed,
            # and routing's rule 0 (to the window's unit) would be lost.
            raise forms.ValidationError(_("This site has no coordinates; place it on the map first."))
        return site

    def clean_unit(self):
        unit = Unit.objects.filter(code=self.cleaned_data["unit"].strip(), is_active=True).first()
        if unit is None:
            raise forms.ValidationError(_("No active unit has this code."))
        return unit


class WindowImportForm(forms.Form):
    file = TabularFileField(label=_("Windows file (CSV or XLSX)"), max_bytes=MAX_IMPORT_BYTES)
    dry_run = forms.BooleanField(label=_("Check only, write nothing"), required=False)


class ComplaintLinkForm(forms.Form):
    window = forms.TypedChoiceField(label=_("Window complained about"), coerce=int, choices=())
    version = forms.IntegerField(min_value=0, max_value=2**31 - 1, widget=forms.HiddenInput)

    def __init__(self, *args, windows=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The posting view passes none: the service checks the window against the person's scope.
        if windows is not None:
            self.fields["window"].choices = [
                (w.pk, f"{w.site.name} · {w.name}{f' ({w.number})' if w.number else ''} · {w.unit.name}")
                for w in windows]
        else:
            self.fields["window"] = forms.IntegerField(label=_("Window complained about"), min_value=1,
                                                       max_value=2**31 - 1)


class ComplaintUnlinkForm(forms.Form):
    note = forms.CharField(label=_("Reason"), max_length=2000)
    version = forms.IntegerField(min_value=0, max_value=2**31 - 1, widget=forms.HiddenInput)
