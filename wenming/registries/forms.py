from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.common.uploads import TabularFileField
from wenming.registries.models import RegistryImport


class RegistryCheckForm(forms.Form):
    registry = forms.TypedChoiceField(label=_("Register"), coerce=int)
    number = forms.CharField(label=_("Plate or licence number"), max_length=64)

    def __init__(self, *args, registries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registry"].choices = [(r.pk, r.name) for r in registries]


class RegistryImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=RegistryImport.Kind.choices,
                             initial=RegistryImport.Kind.RECORDS)
    as_of = forms.DateField(label=_("As of"), widget=forms.DateInput(attrs={"type": "date"}))
    file = TabularFileField(label=_("File (.csv UTF-8 or .xlsx)"))


class RecordSearchForm(forms.Form):
    number = forms.CharField(label=_("Number"), max_length=64, required=False)
    area = forms.CharField(label=_("Community code"), max_length=20, required=False)
    status = forms.CharField(required=False, widget=forms.HiddenInput)
