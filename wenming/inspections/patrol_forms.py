"""Forms of the road chiefs' patrol pages: they validate input only, each error naming its field; the patrol services
decide the rest (distance to the road, the patrol's state)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wenming.cases.forms import CategoryField
from wenming.common.uploads import PhotosField

POSITION_MISSING = _("Position: allow location on the phone and try again.")
MAX_SPAN_DAYS = 400
MIN_DAY, MAX_DAY = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


def _position_fields():
    errors = dict.fromkeys(("required", "invalid", "min_value", "max_value"), POSITION_MISSING)
    return (forms.FloatField(min_value=-90, max_value=90, widget=forms.HiddenInput, error_messages=errors),
            forms.FloatField(min_value=-180, max_value=180, widget=forms.HiddenInput, error_messages=errors))


class CheckinForm(forms.Form):
    lat, lng = _position_fields()


class FindingForm(forms.Form):
    lat, lng = _position_fields()
    category = CategoryField(label=_("What is the problem?"),
                             error_messages={"required": _("Category: choose what kind of problem it is."),
                                             "invalid_choice": _("Category: choose one from the list.")})
    description = forms.CharField(
        label=_("Describe it"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Description: say what is wrong."),
                        "max_length": _("Description: at most %(limit_value)d characters.")})
    photo = PhotosField(label=_("Photo"), max_files=1,
                        error_messages={"required": _("Photo: take a photo of the problem.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].load()
        self.fields["photo"].widget.attrs.update({"accept": "image/*", "capture": "environment"})


class SpanForm(forms.Form):
    """The days the log and the indicators cover: this month so far unless given."""

    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                            error_messages={"invalid": _("From: give a date as YYYY-MM-DD.")})
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                          error_messages={"invalid": _("To: give a date as YYYY-MM-DD.")})

    def span(self) -> tuple[dt.date, dt.date]:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end.replace(day=1)
        return start, end

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        for name, day in (("start", start), ("end", end)):
            if day and not MIN_DAY <= day <= MAX_DAY:  # a year 9999 would overflow the day after it
                self.add_error(name, _("Give a date between %(first)s and %(last)s.") % {"first": MIN_DAY,
                                                                                        "last": MAX_DAY})
                return data
        if start and end:
            if start > end:
                raise forms.ValidationError(_("From: the first day is after the last."))
            if (end - start).days > MAX_SPAN_DAYS:
                raise forms.ValidationError(_("At most %(days)d days at once.") % {"days": MAX_SPAN_DAYS})
        return data
