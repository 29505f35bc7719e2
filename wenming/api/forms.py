"""The Open311 post (``POST requests.{fmt}``, form-encoded) as a form: each field's checks in one place, and the
first refusal, in the order the fields are listed, answered as Open311's error (``first_error``).

Texts lose control characters (a NUL is refused by PostgreSQL, the others break XML and exports; the input
middleware strips them too, this does not depend on it) and surrounding blanks.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.api.services.keys import api_key_check
from wenming.cases.models.category import Urgency
from wenming.cases.routing_cache import get_routing_config
from wenming.common.input import strip_controls

MAX_MEDIA_BYTES = 15 * 1024 * 1024
ECHO = 40  # characters of a refused value quoted back in an error
# Refusals that are not a 400: a missing or revoked key, a service that does not exist.
STATUS = {"forbidden": 403, "unknown": 404}


def echo(value: str) -> str:
    """A refused value as an error quotes it: shortened, without control characters."""
    value = strip_controls(value)
    return value if len(value) <= ECHO else value[:ECHO] + "…"


class Text(forms.CharField):
    """Posted text, never required (the form says what is); longer than ``limit``, refused with ``too_long``."""

    def __init__(self, *, limit: int | None = None, too_long: str = "", **kwargs):
        super().__init__(required=False, strip=False, **kwargs)
        self.limit, self.too_long = limit, too_long

    def to_python(self, value) -> str:
        return strip_controls(super().to_python(value)).strip()

    def validate(self, value):
        if self.limit is not None and len(value) > self.limit:
            raise forms.ValidationError(str(self.too_long))


class Coordinate(Text):
    """A latitude or longitude: a finite number within ±``bound``, or nothing."""

    def __init__(self, *, bound: int, **kwargs):
        super().__init__(**kwargs)
        self.bound = bound

    def clean(self, value) -> float | None:
        raw = super().clean(value)
        if not raw:
            return None
        try:
            number = float(raw)
        except ValueError:
            raise forms.ValidationError(_("%(name)s must be a number.") % {"name": self.label}) from None
        if not -self.bound <= number <= self.bound:  # also refuses inf and nan
            raise forms.ValidationError(_("%(name)s is out of range.") % {"name": self.label})
        return number


class Open311RequestForm(forms.Form):
    """A service request. Field names are the specification's; ``label`` is that name, as errors quote it."""

    api_key = Text(label="api_key")
    service_code = Text(label="service_code")
    lat = Coordinate(label="lat", bound=90)
    long = Coordinate(label="long", bound=180)
    address_string = Text(label="address_string", limit=200,
                          too_long=gettext_lazy("address_string is longer than 200 characters."))
    urgency = Text(label="attribute[urgency]")
    media_url = Text(label="media_url")
    email = Text(label="email")
    phone = Text(label="phone", limit=30, too_long=gettext_lazy("phone is longer than 30 characters."))
    external_id = Text(label="external_id", limit=64,
                       too_long=gettext_lazy("external_id is longer than 64 characters."))
    media = forms.Field(required=False, widget=forms.FileInput)
    description = Text(label="description", limit=4000,
                       too_long=gettext_lazy("description is longer than 4000 characters."))
    first_name = Text(label="first_name")
    last_name = Text(label="last_name")
    device_id = Text(label="device_id")
    account_id = Text(label="account_id")

    def add_prefix(self, field_name: str) -> str:
        # The specification's attribute fields are posted as attribute[code].
        return "attribute[urgency]" if field_name == "urgency" else field_name

    def clean_api_key(self):
        key = api_key_check(self.cleaned_data["api_key"])
        if key is None:
            raise forms.ValidationError(_("api_key is missing, unknown or revoked."), code="forbidden")
        return key

    def clean_service_code(self):
        code = self.cleaned_data["service_code"]
        if not code:
            raise forms.ValidationError(_("service_code is required."))
        # From the in-process routing cache: a service is an active 小类 (no query on the hot path).
        info = get_routing_config().categories_by_code.get(code)
        if info is None or not info.is_active or info.parent_id is None:
            raise forms.ValidationError(_("Unknown service_code %(code)s.") % {"code": echo(code)}, code="unknown")
        return info

    def clean_urgency(self):
        urgency = self.cleaned_data["urgency"] or Urgency.NORMAL
        if urgency not in Urgency.values:
            raise forms.ValidationError(_("attribute[urgency] must be one of %(values)s.")
                                        % {"values": ", ".join(Urgency.values)})
        return urgency

    def clean_media_url(self):
        url = self.cleaned_data["media_url"]
        if url and not url.startswith(("http://", "https://")):
            raise forms.ValidationError(_("media_url must be an http or https address."))
        return url[:500]

    def clean_email(self):
        email = self.cleaned_data["email"]
        if email and ("@" not in email or len(email) > 254):
            raise forms.ValidationError(_("email is not an email address."))
        return email

    def clean_media(self):
        if len(self.files) > 1 or len(self.files.getlist("media")) > 1:
            raise forms.ValidationError(_("media: post one file only."))
        media = self.cleaned_data["media"]
        if media is not None and media.size > MAX_MEDIA_BYTES:
            raise forms.ValidationError(_("media is larger than 15 MB."))
        return media

    def clean(self):
        data = super().clean()
        if not self.errors.keys() & {"lat", "long"}:
            lat, lng = data["lat"], data["long"]
            # Each refusal goes on the field listed where the specification's order checks it.
            if (lat is None) != (lng is None):
                self.add_error("long", _("Give both lat and long, or neither."))
            elif lat is None and not data.get("address_string"):
                self.add_error("address_string", _("A location is required: lat and long, or address_string."))
        info = data.get("service_code")
        if info is not None and not data.get("description") and "description" not in self.errors:
            data["description"] = info.name  # a post without a description is described by its service
        data["name"] = " ".join(p for p in (data.get("first_name"), data.get("last_name")) if p)[:50]
        data["device_id"] = data.get("device_id", "")[:100]
        data["account_id"] = data.get("account_id", "")[:100]
        return data

    def first_error(self) -> tuple[int, str]:
        """The status and description of the first refusal, fields taken in the order they are listed."""
        name = next(name for name in [*self.fields, NON_FIELD_ERRORS] if name in self.errors)
        error = self.errors.as_data()[name][0]
        return STATUS.get(error.code, 400), error.messages[0]


class _Shared(dict):
    """Fields a form shares with every instance instead of deep-copying them: Open311 posts are a hot path (a
    copy of these 16 fields cost more than checking them), and this form never changes a field per request."""

    def __deepcopy__(self, memo):
        return self


Open311RequestForm.base_fields = _Shared(Open311RequestForm.base_fields)
