from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.common.input import BoundedDateField
from wenming.common.uploads import PhotosField
from wenming.org.models import Area
from wenming.public.services.verification import VerificationError, phone_normalize
from wenming.volunteers.models import HostKind, Organisation, Project, Team, Theme


class PhoneField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return phone_normalize(value)
        except VerificationError as exc:
            raise forms.ValidationError(str(exc)) from None


class SignInForm(forms.Form):
    phone = PhoneField(label=_("Mobile phone"), max_length=20,
                       error_messages={"required": _("Phone: enter an 11-digit mobile number.")})
    code = forms.CharField(label=_("SMS code"), max_length=6, error_messages={"required": _("Code: enter the code.")})


class RegisterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=40, error_messages={"required": _("Name: enter your name.")})
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.all(),
                                          error_messages={"required": _("Organisation: choose one."),
                                                          "invalid_choice": _("Organisation: choose one.")})
    id_number = forms.CharField(label=_("ID number (if the organisation requires real name)"), max_length=18,
                                required=False)
    # Not a BoundedDateField: adults were born before 2000; the service checks 1900 to today.
    birth_date = forms.DateField(label=_("Birth date"), widget=forms.DateInput(attrs={"type": "date"}),
                                  error_messages={"required": _("Birth date: enter it.")})
    skills = forms.CharField(label=_("Skills"), max_length=200, required=False)
    availability = forms.CharField(label=_("When you are free"), max_length=100, required=False)
    guardian_name = forms.CharField(label=_("Guardian's name (under 18)"), max_length=40, required=False)
    guardian_phone = PhoneField(label=_("Guardian's mobile phone"), max_length=20, required=False)
    guardian_code = forms.CharField(label=_("SMS code sent to the guardian"), max_length=6, required=False)
    guardian_consent = forms.BooleanField(label=_("The guardian consents to this minor's volunteering"),
                                          required=False)


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    host_kind = forms.ChoiceField(label=_("Host"), choices=HostKind.choices)
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none())
    requires_real_name = forms.BooleanField(label=_("Requires real-name registration (ID number)"), required=False,
                                            initial=True)

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas if areas is not None else Area.objects.none()


class ProjectForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100)
    theme = forms.ChoiceField(label=_("Theme"), choices=Theme.choices)

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations if organisations is not None else Organisation.objects.none()


class OrganisationEditForm(OrganisationForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)


class ProjectEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100,
                           error_messages={"required": _("Name: enter the project's name.")})
    theme = forms.ChoiceField(label=_("Theme"), choices=Theme.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=100,
                           error_messages={"required": _("Team name: enter the team's name."),
                                           "max_length": _("Team name: at most 100 characters.")})


class MembershipTeamForm(forms.Form):
    """``team``: a team of the member's organisation, or 0 to take the member out of their team (a value every post
    must carry: an empty post changes nothing)."""

    NO_TEAM = "0"
    team = forms.CharField(label=_("Team"), max_length=12,
                           error_messages={"required": _("Team: choose a team of this organisation.")})

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.teams = teams if teams is not None else Team.objects.none()

    def clean_team(self) -> Team | None:
        raw = self.cleaned_data["team"].strip()
        if raw == self.NO_TEAM:
            return None
        team = self.teams.filter(pk=raw).first() if raw.isdigit() and len(raw) < 11 else None
        if team is None:
            raise forms.ValidationError(_("Team: choose a team of this organisation."))
        return team


class ActivityForm(forms.Form):
    project = forms.ModelChoiceField(label=_("Project"), queryset=Project.objects.none())
    title = forms.CharField(label=_("Title"), max_length=120)
    place = forms.CharField(label=_("Place"), max_length=200)
    lng = forms.FloatField(label=_("Longitude"), min_value=73, max_value=136)
    lat = forms.FloatField(label=_("Latitude"), min_value=3, max_value=54)
    radius_m = forms.IntegerField(label=_("Check-in radius (m)"), min_value=20, max_value=5000, initial=300)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    slots = forms.IntegerField(label=_("Slots"), min_value=1, max_value=10000)
    min_age = forms.IntegerField(label=_("Minimum age"), min_value=0, max_value=100, initial=0)
    requirements = forms.CharField(label=_("Requirements"), max_length=1000, required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    source_case = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    source_task = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    def __init__(self, *args, projects=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects if projects is not None else Project.objects.none()

    def clean(self):
        data = super().clean()
        for key in ("starts_at", "ends_at"):
            value = data.get(key)
            if value and not dt.datetime(2000, 1, 1).date() <= value.date() <= dt.date(2100, 12, 31):
                self.add_error(key, _("Enter a date between 2000 and 2100."))
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)


class RecordStepForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)
    hours = forms.CharField(label=_("Hours"), max_length=8, required=False)
    note = forms.CharField(label=_("Reason"), max_length=300, required=False)


class SignupHoursForm(forms.Form):
    hours = forms.CharField(label=_("Hours"), max_length=8)
    note = forms.CharField(label=_("Reason"), max_length=300)


class GeoForm(forms.Form):
    step = forms.ChoiceField(choices=(("in", "in"), ("out", "out")))
    lng = forms.FloatField(min_value=-180, max_value=180,
                           error_messages={"required": _("Location: allow the page to read your position.")})
    lat = forms.FloatField(min_value=-90, max_value=90,
                           error_messages={"required": _("Location: allow the page to read your position.")})
    # navigator.geolocation's coords.accuracy (metres): a vague fix proves nothing about being on site.
    accuracy = forms.FloatField(min_value=0, max_value=100000,
                                error_messages={"required": _("Location: allow the page to read your position.")})


class ActivityReportForm(forms.Form):
    description = forms.CharField(label=_("Describe the problem"), max_length=1000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    lng = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    photos = PhotosField(label=_("Photo"), required=False, max_files=3)


class StatsForm(forms.Form):
    start = BoundedDateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = BoundedDateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    theme = forms.ChoiceField(label=_("Theme"), required=False, choices=[("", "—"), *Theme.choices])


class CalendarForm(forms.Form):
    area = forms.CharField(required=False, max_length=20)
    theme = forms.ChoiceField(required=False, choices=[("", "—"), *Theme.choices])
