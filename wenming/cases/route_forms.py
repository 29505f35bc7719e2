from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.cases.models import Category
from wenming.common.geo import CRS
from wenming.org.forms import CRS_CHOICES


class RouteForm(forms.Form):
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90, widget=forms.NumberInput(attrs={"step": "any"}))
    lng = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180, widget=forms.NumberInput(attrs={"step": "any"}))
    crs = forms.ChoiceField(label=_("Coordinate system"), choices=CRS_CHOICES, initial=CRS.WGS84.value)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True, parent__isnull=False).order_by("code"),
        to_field_name="code",
    )
