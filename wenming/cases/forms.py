from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.cases.models import CaseState, Category, Channel, Urgency
from wenming.org.forms import CRS_CHOICES
from wenming.org.models import Unit


def minor_categories():
    return Category.objects.filter(is_active=True, parent__isnull=False).order_by("code")


class IntakeForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.HOTLINE)
    category = forms.ModelChoiceField(label=_("Category"), queryset=minor_categories(), to_field_name="code")
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    lng = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)
    crs = forms.ChoiceField(label=_("Coordinate system"), choices=CRS_CHOICES, initial="wgs84")
    reporter_name = forms.CharField(label=_("Reporter name"), required=False, max_length=50)
    reporter_phone = forms.RegexField(label=_("Reporter phone"), required=False, regex=r"^(1\d{10}|0\d{2,3}-?\d{7,8})$",
                                      error_messages={"invalid": _("Enter a mobile number or a landline like 0318-2123456.")})


class FilterForm(forms.Form):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            from wenming.common.access import restrict

            # Only units the person may see are offered.
            self.fields["unit"].queryset = restrict(Unit.objects.filter(is_active=True).order_by("path"), user)

    q = forms.CharField(label=_("Search"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All states"))] + list(CaseState.choices))
    category = forms.ModelChoiceField(label=_("Category"), required=False,
                                      queryset=Category.objects.filter(is_active=True).order_by("code"))
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", _("All channels"))] + list(Channel.choices))
    unit = forms.ModelChoiceField(label=_("Unit"), required=False, queryset=Unit.objects.filter(is_active=True))
    reported_from = forms.DateField(label=_("Reported from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reported_to = forms.DateField(label=_("Reported until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class NoteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class DispatchForm(NoteForm):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.filter(is_active=True).order_by("path"))


class RegisterForm(NoteForm):
    category = forms.ModelChoiceField(label=_("Category"), queryset=minor_categories(), required=False)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, required=False)


class DecisionForm(NoteForm):
    approve = forms.TypedChoiceField(label=_("Decision"), coerce=lambda v: v == "yes",
                                     choices=[("yes", _("Approve")), ("no", _("Refuse"))], widget=forms.RadioSelect)


class ExtensionForm(NoteForm):
    amount = forms.DecimalField(label=_("How much more time"), min_value=0.25, max_digits=6, decimal_places=2)
    time_unit = forms.ChoiceField(label=_("Unit"), choices=[("working_days", _("working days")),
                                                            ("working_hours", _("working hours")),
                                                            ("clock_hours", _("clock hours"))])


class VerifyForm(NoteForm):
    passed = forms.TypedChoiceField(label=_("Result"), coerce=lambda v: v == "yes",
                                    choices=[("yes", _("Rectified")), ("no", _("Not rectified: rework"))],
                                    widget=forms.RadioSelect)


class MergeForm(NoteForm):
    into = forms.IntegerField(widget=forms.HiddenInput)


class NoticeForm(NoteForm):
    demand = forms.CharField(label=_("What the unit must do"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)
    hours = forms.DecimalField(label=_("Answer within (working hours)"), min_value=0.5, initial=4, max_digits=6, decimal_places=1)


class AnswerForm(NoteForm):
    notice = forms.IntegerField(widget=forms.HiddenInput)
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class NoticeCloseForm(NoteForm):
    notice = forms.IntegerField(widget=forms.HiddenInput)
