"""Forms of the public pages: the report, the code request, the tracking lookup and the rating."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from wenming.cases.models import FollowUpRating
from wenming.common.uploads import PhotosField

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
