"""The field staff's phone report (grid workers and inspectors): photos, the place, the problem in plain words.

It validates input only, every error naming its field; the intake service decides the rest (the channel the
person's roles report on, the category being active, the routing)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.cases.forms import CategoryField
from wenming.cases.models import Channel, Urgency
from wenming.common.uploads import PhotosField

MAX_DESCRIPTION = 2000
LOCATION_MISSING = _("Location: tap “Use my location”, or tap the map where the problem is.")


class FieldReportForm(forms.Form):
    photos = PhotosField(
        label=_("Photos"), error_messages={"required": _("Photos: take at least one photo of the problem.")})
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput,
                           error_messages=dict.fromkeys(("invalid", "min_value", "max_value"), LOCATION_MISSING))
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput,
                           error_messages=dict.fromkeys(("invalid", "min_value", "max_value"), LOCATION_MISSING))
    address = forms.CharField(label=_("Address or landmark"), required=False, max_length=200,
                              error_messages={"max_length": _("Address: at most %(limit_value)d characters.")})
    category = CategoryField(label=_("What is the problem?"),
                             error_messages={"required": _("Category: choose what kind of problem it is."),
                                             "invalid_choice": _("Category: choose one from the list.")})
    description = forms.CharField(
        label=_("Describe it"), max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("What is wrong, and where exactly?")}),
        error_messages={"required": _("Description: say what is wrong."),
                        "max_length": _("Description: at most %(limit_value)d characters.")},
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL,
                                widget=forms.RadioSelect,
                                error_messages={"required": _("Urgency: choose one."),
                                                "invalid_choice": _("Urgency: choose one.")})
    # Asked only of someone who reports on two channels (a grid worker who is also an inspector).
    channel = forms.ChoiceField(label=_("Reporting as"), widget=forms.RadioSelect, required=False,
                                error_messages={"invalid_choice": _("Reporting as: your roles do not report on “%(value)s”.")})
    # Shown, never taken from the post (a disabled field keeps its initial): the report carries who sent it.
    reporter_name = forms.CharField(label=_("Reported by"), required=False, disabled=True)

    def __init__(self, *args, channels: list[str], reporter: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].load()
        self.fields["channel"].choices = [(value, label) for value, label in Channel.choices if value in channels]
        self.initial.setdefault("channel", channels[0])
        self.initial["reporter_name"] = reporter
        self.fields["photos"].widget.attrs.update({"accept": "image/*", "capture": "environment"})
        self.fields["description"].widget.attrs["maxlength"] = MAX_DESCRIPTION

    @property
    def one_channel(self) -> bool:
        """Whether the person reports on one channel only (the usual case): then it is not asked."""
        return len(self.fields["channel"].choices) == 1

    def category_groups(self) -> list[tuple[str, list[dict]]]:
        """The active 小类 under their 大类, each in plain words (``Category.plain_name``) with its official name
        and code beside it for the search."""
        field = self.fields["category"]
        groups: dict[str, list[dict]] = {}
        for code, category in field._by_code.items():
            groups.setdefault(category.parent.name, []).append({
                "code": code, "plain": category.plain_name or category.name, "name": category.name,
                "search": " ".join(filter(None, [category.plain_name, category.name, code, category.parent.name])),
            })
        return list(groups.items())

    def clean_channel(self) -> str:
        channel = self.cleaned_data.get("channel")
        if channel:
            return channel
        if self.one_channel:
            return self.fields["channel"].choices[0][0]
        raise forms.ValidationError(_("Reporting as: choose one."))

    def clean(self):
        data = super().clean()
        if "lat" not in self.errors and "lng" not in self.errors and (data.get("lat") is None or data.get("lng") is None):
            self.add_error("lat", LOCATION_MISSING)
        return data
