from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.cases.models import Category
from wenming.common.geo import CRS

from .models import AreaLevel, SiteType

CRS_CHOICES = [(CRS.WGS84.value, "WGS-84 (GPS)"), (CRS.GCJ02.value, _("GCJ-02 (AMap, Tencent)")), (CRS.BD09.value, _("BD-09 (Baidu)"))]


class AreaFilterForm(forms.Form):
    q = forms.CharField(label=_("Code or name"), required=False)
    level = forms.ChoiceField(label=_("Level"), choices=[("", _("All levels"))] + list(AreaLevel.choices), required=False)


class SiteFilterForm(forms.Form):
    q = forms.CharField(label=_("Code, name or address"), required=False)
    site_type = forms.ModelChoiceField(label=_("Type"), queryset=SiteType.objects.all(), required=False)


class UnitFilterForm(forms.Form):
    q = forms.CharField(label=_("Code or name"), required=False)


class RouteForm(forms.Form):
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    lng = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)
    crs = forms.ChoiceField(label=_("Coordinate system"), choices=CRS_CHOICES, initial=CRS.WGS84.value)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True, parent__isnull=False).order_by("code"),
        to_field_name="code",
    )
