from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wenming.common.input import BoundedDateField
from wenming.common.uploads import MultipleFileInput, PhotosField
from wenming.org.models import Unit


class MultipleFileField(PhotosField):
    """Photos or PDFs, with the same limits on count and size as the case forms' photos."""

    allow_pdf = True
    too_many = _("%(field)s: at most %(n)d files; %(given)d were chosen.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True, "accept": "image/*,application/pdf"}))
        super().__init__(*args, **kwargs)


class ProgressForm(forms.Form):
    value = forms.DecimalField(label=_("Value reached"), max_digits=12, decimal_places=2, min_value=0,
                               error_messages={"required": _("Value: enter the value reached so far."),
                                               "invalid": _("Value: enter a number.")})
    narrative = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}),
                                error_messages={"required": _("What was done: describe the progress.")})
    files = MultipleFileField(label=_("Evidence (photos or PDF)"), required=False)


class MinutesForm(forms.Form):
    chair = forms.CharField(label=_("Chaired by"), max_length=100, required=False)
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 6}),
                              error_messages={"required": _("Minutes: write what the meeting heard and decided.")})


class DecisionForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("meeting", "Decision"), max_length=200,
                            error_messages={"required": _("Decision: describe what must be done.")})
    owner_unit = forms.ModelChoiceField(label=_("Owner unit"), queryset=None,
                                        error_messages={"required": _("Owner: choose the unit responsible.")})
    due_on = BoundedDateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}),
                             error_messages={"required": _("Deadline: a supervision item needs a deadline."),
                                             "invalid": _("Deadline: enter a date as YYYY-MM-DD.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].queryset = Unit.objects.filter(parent__isnull=True).order_by("code")


class LineSubmitForm(forms.Form):
    note = forms.CharField(label=_("What was done"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    files = MultipleFileField(label=_("Evidence (photos or PDF)"), required=True,
                              error_messages={"required": _("Evidence: add at least one photo or PDF.")})


class LineReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("accept", pgettext_lazy("target line", "Accept")),
                                                                ("return", pgettext_lazy("target line", "Return"))],
                                 widget=forms.RadioSelect, error_messages={"required": _("Decision: accept or return.")})
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
