"""Forms of the storefront checks (门前五包): validate input only, each error naming its field; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.common.input import IdField
from wenming.common.uploads import PhotosField
from wenming.inspections.models import ServedHow
from wenming.org.models.site import STOREFRONT_DUTIES

OK, BAD = "ok", "bad"
DUTY_LABELS = dict(STOREFRONT_DUTIES)


class DutiesForm(forms.Form):
    """One row per duty (符合 / 不符合, note, photo) and the phone's position."""

    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, duties: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.duties = duties
        for duty in duties:
            label = DUTY_LABELS[duty]
            self.fields[f"{duty}_result"] = forms.ChoiceField(
                label=label, widget=forms.RadioSelect,
                choices=[(OK, _("Compliant (符合)")), (BAD, _("Not compliant (不符合)"))])
            self.fields[f"{duty}_note"] = forms.CharField(label=_("%(duty)s: note") % {"duty": label},
                                                          required=False, max_length=500)
            photo = PhotosField(label=_("%(duty)s: photo") % {"duty": label}, required=False, max_files=1)
            photo.widget.attrs.update({"accept": "image/*", "capture": "environment"})
            self.fields[f"{duty}_photo"] = photo

    def rows(self):
        """(duty, label, result field, note field, photo field) for the template."""
        return [(d, DUTY_LABELS[d], self[f"{d}_result"], self[f"{d}_note"], self[f"{d}_photo"]) for d in self.duties]


class CheckForm(DutiesForm):
    fix_days = forms.IntegerField(label=_("Working days to fix"), min_value=1, max_value=30, required=False)


class ServeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    served_how = forms.ChoiceField(label=_("Served how"), choices=ServedHow.choices)
    note = forms.CharField(label=_("Note on serving"), required=False, max_length=200)


class ShopFilterForm(forms.Form):
    q = forms.CharField(label=_("Shop name, code or address"), required=False, max_length=50)
    area = IdField(label=_("Area"), required=False)
    unit = IdField(label=_("Supervising unit"), required=False)
    road = IdField(label=_("Road"), required=False)
    overdue = forms.BooleanField(label=_("Overdue notice"), required=False)


class NearForm(forms.Form):
    q = forms.CharField(label=_("Shop name or code"), required=False, max_length=50)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
