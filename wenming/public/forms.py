"""Forms of the public pages (the report, the code request, the tracking lookup and the rating) and of the
hotline operators' intake."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wenming.cases.forms import CategoryField, IntakeForm
from wenming.cases.models import FollowUpRating
from wenming.common.access import restrict, scope_for
from wenming.common.geo import to_wgs84
from wenming.common.input import IdField
from wenming.common.roles import COMMAND, DISPATCHERS
from wenming.common.uploads import PhotosField
from wenming.org.models import Site

from .categories import citizen_choices
from .services.verification import VerificationError, phone_normalize

MAX_PHOTOS = 3
MAX_DESCRIPTION = 1000


def max_photo_bytes() -> int:
    return min(getattr(settings, "WENMING_PUBLIC_MAX_PHOTO_BYTES", 8 * 1024 * 1024), settings.WENMING_MAX_UPLOAD_BYTES)


class ReportForm(forms.Form):
    category = forms.ChoiceField(label=_("What is the problem?"), widget=forms.RadioSelect,
                                 error_messages={"required": _("Choose what the problem is.")})
    description = forms.CharField(
        label=_("Describe it"), max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("What is wrong, and where exactly?")}),
        error_messages={"required": _("Describe the problem."),
                        "max_length": _("Description: at most %(limit_value)d characters.")},
    )
    photos = PhotosField(label=_("Photo"), required=False, max_files=MAX_PHOTOS)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    address = forms.CharField(label=_("Address or landmark"), required=False, max_length=200)
    anonymous = forms.BooleanField(label=_("Report anonymously (no phone number)"), required=False)
    phone = forms.CharField(label=_("Mobile number"), required=False, max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    code = forms.CharField(label=_("SMS code"), required=False, max_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))

    def __init__(self, *args, verified_phone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.verified_phone = verified_phone
        self.fields["category"].choices = citizen_choices()
        widget = self.fields["photos"].widget
        widget.attrs.update({"accept": "image/*", "capture": "environment"})
        widget.allow_multiple_selected = True

    def clean_photos(self):
        photos = self.cleaned_data.get("photos") or []
        if len(photos) > MAX_PHOTOS:
            raise forms.ValidationError(_("Photo: at most %(n)d photos.") % {"n": MAX_PHOTOS})
        limit = max_photo_bytes()
        for photo in photos:
            if photo.size > limit:
                raise forms.ValidationError(
                    _("Photo: %(name)s is %(size)s; the limit is %(limit)s.")
                    % {"name": photo.name, "size": filesizeformat(photo.size), "limit": filesizeformat(limit)}
                )
        return photos

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None) != (data.get("lng") is None):
            self.add_error(None, _("Location: give both latitude and longitude."))
        if data.get("lat") is None and not (data.get("address") or "").strip():
            self.add_error("address", _("Location: use your phone's location, pick the place on the map, or type an address."))
        if not data.get("anonymous"):
            if not (data.get("phone") or "").strip():
                self.add_error("phone", _("Phone: enter your mobile number, or report anonymously."))
                return data
            try:
                data["phone"] = phone_normalize(data["phone"])
            except VerificationError as exc:
                self.add_error("phone", str(exc))
                return data
            if data["phone"] != self.verified_phone and not (data.get("code") or "").strip():
                self.add_error("code", _("Code: enter the code we sent by SMS."))
        return data


class CodeForm(forms.Form):
    phone = forms.CharField(max_length=20)


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=12,
                           widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
                           error_messages={"required": _("Enter your tracking code.")})

    def clean_code(self):
        code = self.cleaned_data["code"].strip().upper()
        if not (code.isascii() and code.isalnum()):  # anything else cannot be a code (nor a URL part)
            raise forms.ValidationError(_("Tracking code: letters and digits only."))
        return code


class RatingForm(forms.Form):
    rating = forms.ChoiceField(label=_("How satisfied are you with the result?"), choices=FollowUpRating.choices,
                               widget=forms.RadioSelect, error_messages={"required": _("Choose how satisfied you are.")})
    fixed = forms.TypedChoiceField(
        label=_("Is the problem fixed?"), coerce=lambda v: v == "yes", widget=forms.RadioSelect,
        choices=[("yes", _("Yes, it is fixed")), ("no", _("No, it is not fixed"))],
        error_messages={"required": _("Say whether the problem is fixed.")},
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("fixed") is False and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Comment: say what is still not fixed."))
        return data


# -- hotline intake (创城热线) -------------------------------------------------------------------------------

class CategorySearchField(CategoryField):
    """A 小类 typed as its code (SJ0401), "code name" as the list offers it, or its exact name (占道经营)."""

    widget = forms.TextInput

    def clean(self, value):
        text = (value or "").strip()
        if not text:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return None
        by_code = self._by_code or {}
        head = text.split()[0].upper()
        if head in by_code:
            return by_code[head]
        named = [c for c in by_code.values() if c.name == text]
        if len(named) == 1:
            return named[0]
        raise forms.ValidationError(gettext("Category: no category has the code or name %(text)s.") % {"text": text})

    def options(self) -> list[str]:
        return [str(c) for c in (self._by_code or {}).values()]


class HotlineForm(IntakeForm):
    """The staff intake form's fields (imported, not copied), set up for the phone: the channel is the hotline,
    the place may be a site, and the form can register or dispatch straight away."""

    category = CategorySearchField(label=_("Category"), error_messages={
        "required": _("Category: type a code or a name.")})
    site = forms.CharField(label=_("Site"), required=False, max_length=150)
    then = forms.ChoiceField(label=_("Then"), required=False)
    new_problem = forms.BooleanField(label=_("None of these: it is a new problem"), required=False)
    merge_into = IdField(label=_("Case"), required=False, widget=forms.HiddenInput)

    field_order = ["reporter_phone", "reporter_name", "category", "site", "address", "description", "urgency",
                   "lat", "lng", "crs", "photos", "then", "new_problem", "merge_into"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["channel"]
        self.user = user
        self.site_obj = None
        for name in ("lat", "lng"):
            self.fields[name].required = False
        self.fields["description"].widget = forms.TextInput(attrs={"maxlength": 2000})
        held = scope_for(user).roles
        then = [("", gettext("Take it in only"))]
        if held & COMMAND:
            then.append(("register", gettext("Register it (立案)")))
        if held & COMMAND and held & DISPATCHERS:
            then.append(("dispatch", gettext("Register and dispatch to the routed unit")))
        self.fields["then"].choices = then
        self.fields["reporter_phone"].widget.attrs.update({"autofocus": True, "inputmode": "tel"})
        self.fields["reporter_phone"].label = gettext("Caller's number")
        self.fields["reporter_name"].label = gettext("Caller's name")
        self.fields["category"].widget.attrs.update({"list": "category-list", "autocomplete": "off"})
        self.fields["site"].widget.attrs.update({"list": "site-list", "autocomplete": "off"})

    def clean_site(self):
        text = (self.cleaned_data.get("site") or "").strip()
        if not text:
            return ""
        sites = restrict(Site.objects.filter(is_active=True), self.user)
        site = sites.filter(code=text.split()[0]).first() or None
        if site is None:
            named = list(sites.filter(name=text)[:2])
            if len(named) > 1:
                raise forms.ValidationError(gettext("Site: several sites are called %(name)s; pick one from the "
                                                    "list.") % {"name": text})
            site = named[0] if named else None
        if site is None:
            raise forms.ValidationError(gettext("Site: no site %(text)s in your scope.") % {"text": text})
        self.site_obj = site
        return text

    def clean(self):
        data = super().clean()
        has_point = data.get("lat") is not None and data.get("lng") is not None
        if not (has_point or self.site_obj or (data.get("address") or "").strip()):
            self.add_error("site", gettext("Place: give a site, an address or coordinates."))
        return data

    def point(self) -> tuple[float, float] | None:
        d = self.cleaned_data
        if d.get("lat") is not None and d.get("lng") is not None:
            return to_wgs84(d["lng"], d["lat"], d.get("crs") or "wgs84")
        if self.site_obj is not None and self.site_obj.lng is not None:
            return self.site_obj.lng, self.site_obj.lat
        return None
