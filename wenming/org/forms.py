from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.common.geo import CRS
from wenming.common.pagination import PAGE_SIZE

from .models import AreaLevel, SiteType, UnitKind

CRS_CHOICES = [(CRS.WGS84.value, "WGS-84 (GPS)"), (CRS.GCJ02.value, _("GCJ-02 (AMap, Tencent)")), (CRS.BD09.value, _("BD-09 (Baidu)"))]
PER_PAGE_CHOICES = [(20, "20"), (50, "50"), (100, "100")]


class ListFilterForm(forms.Form):
    """Filters of a list page, plus how many rows a page shows."""

    per_page = forms.TypedChoiceField(
        label=_("Per page"), choices=PER_PAGE_CHOICES, coerce=int, required=False, empty_value=PAGE_SIZE, initial=PAGE_SIZE
    )

    def filters(self) -> dict:
        """The cleaned filters to hand to the selector (empty when the form is unbound or invalid)."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if k != "per_page" and v not in (None, "")}

    def page_size(self) -> int:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["per_page"]
        return PAGE_SIZE


class AreaFilterForm(ListFilterForm):
    q = forms.CharField(label=_("Code or name"), required=False)
    level = forms.ChoiceField(label=_("Level"), choices=[("", _("All levels"))] + list(AreaLevel.choices), required=False)
    field_order = ["q", "level", "per_page"]


class SiteFilterForm(ListFilterForm):
    q = forms.CharField(label=_("Code, name or address"), required=False)
    site_type = forms.ModelChoiceField(label=_("Type"), queryset=SiteType.objects.all(), required=False)
    area = forms.CharField(label=_("Area code"), required=False, max_length=20)
    unit = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)  # from a unit's page
    field_order = ["q", "site_type", "area", "per_page"]


class UnitFilterForm(ListFilterForm):
    q = forms.CharField(label=_("Code or name"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All kinds"))] + list(UnitKind.choices), required=False)
    field_order = ["q", "kind", "per_page"]

