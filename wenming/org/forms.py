from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.common.geo import CRS
from wenming.common.pagination import PAGE_SIZE
from wenming.common.uploads import TabularFileField

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


OUTLINE_LEVEL_NAMES = ("county", "street", "community", "grid")
OUTLINE_WITHIN_MAX = 20


class OutlineQueryForm(forms.Form):
    """What a map asks of the outlines: which levels, within which areas, inside which box. Grids only come
    within areas or inside a box: a city has up to 60,000 of them and a map never needs them all."""

    level = forms.CharField(label=_("Level"), max_length=60)
    within = forms.CharField(label=_("Within areas"), required=False, max_length=(20 + 1) * OUTLINE_WITHIN_MAX)
    bbox = forms.CharField(label=_("Box"), required=False, max_length=120)

    def clean_level(self) -> list[str]:
        levels = [v.strip() for v in self.cleaned_data["level"].split(",") if v.strip()]
        unknown = [v for v in levels if v not in OUTLINE_LEVEL_NAMES]
        if unknown or not levels:
            raise forms.ValidationError(
                _("Give levels among %(levels)s, separated by commas."), params={"levels": ", ".join(OUTLINE_LEVEL_NAMES)}
            )
        return levels

    def clean_within(self) -> list[str]:
        codes = [v.strip() for v in self.cleaned_data["within"].split(",") if v.strip()]
        if len(codes) > OUTLINE_WITHIN_MAX:
            raise forms.ValidationError(_("At most %(n)d areas at once."), params={"n": OUTLINE_WITHIN_MAX})
        if any(len(c) > 20 or not c.isascii() or not c.replace("-", "").replace("_", "").isalnum() for c in codes):
            raise forms.ValidationError(_("Area codes are letters, digits and dashes, at most 20 characters each."))
        return codes

    def clean_bbox(self) -> tuple[float, float, float, float] | None:
        raw = self.cleaned_data["bbox"].strip()
        if not raw:
            return None
        try:
            west, south, east, north = (float(v) for v in raw.split(","))
        except ValueError:
            raise forms.ValidationError(_("Give the box as west,south,east,north in degrees.")) from None
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise forms.ValidationError(_("The box must have west < east within ±180 and south < north within ±90."))
        return west, south, east, north

    def clean(self):
        data = super().clean()
        fine = {"community", "grid"} & set(data.get("level") or [])
        if fine and not data.get("within") and data.get("bbox") is None and not self.errors:
            raise forms.ValidationError(
                {"bbox": _("Communities and grids come only within areas or inside a box: give within or bbox.")}
            )
        return data


REGISTER_IMPORT_MAX_BYTES = 20 * 2**20


class RegisterImportForm(forms.Form):
    """A register of roads, storefronts or facilities to check and import (see ``services/imports/registers.py``)."""

    kind = forms.ChoiceField(label=_("Which register"))
    file = TabularFileField(label=_("File (.xlsx or .csv)"), max_bytes=REGISTER_IMPORT_MAX_BYTES)
    crs = forms.ChoiceField(label=_("Coordinate system"), choices=CRS_CHOICES, initial=CRS.WGS84.value)
    dry_run = forms.BooleanField(label=_("Check only (import nothing)"), required=False, initial=True)

    def __init__(self, *args, registers: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, register.label) for kind, register in registers.items()]


class FacilityQueryForm(forms.Form):
    """Which facility register the page shows: a site type (by code; the first facility type when not given) and
    the area drilled into (by code; the whole city when not given)."""

    type = forms.ChoiceField(label=_("Facility type"), required=False)
    area = forms.CharField(label=_("Area code"), required=False, max_length=20)

    def __init__(self, *args, site_types: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.site_types = {t.code: t for t in site_types}
        self.fields["type"].choices = [(t.code, t.name) for t in site_types]

    def chosen_type(self):
        """The site type asked for, else the first one (None when the city has no site types)."""
        code = self.cleaned_data.get("type") if self.is_bound and self.is_valid() else ""
        return self.site_types.get(code) or next(iter(self.site_types.values()), None)

    def chosen_area_code(self) -> str:
        return self.cleaned_data.get("area", "") if self.is_bound and self.is_valid() else ""
