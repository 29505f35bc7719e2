"""Hostile input handled once, for every page and API: control characters stripped from each request, and the
parsing helpers the pages share for values no browser sends (a date in year 9999, a 40-digit id).

Control characters (C0 but tab, line feed and carriage return; DEL; C1; lone surrogates; U+FFFE/U+FFFF) and
the bidirectional overrides and isolates (U+202A-202E, U+2066-2069: no script the city writes needs them, and they
let a text show in another order than it is stored, "gpj.exe" shown as "exe.jpg") are never meant text: a vertical tab in a description makes every XML view of it (Atom, Open311) ill-formed,
a NUL is refused by PostgreSQL, openpyxl refuses both. They are removed where input arrives, so every form
and serializer sees clean text; ``strip_controls`` defends the output of rows stored before.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.http import QueryDict
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def strip_controls(text: str) -> str:
    """``text`` without control characters; the same object when it has none (the usual case, no copy)."""
    return CONTROLS.sub("", text) if CONTROLS.search(text) else text


def clean_tree(value):
    """A parsed JSON body with every string (keys too) stripped of control characters."""
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, dict):
        return {strip_controls(k) if isinstance(k, str) else k: clean_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_tree(v) for v in value]
    return value


def clean_querydict(data: QueryDict) -> QueryDict:
    """``data`` itself when nothing in it has a control character (one scan over all keys and values);
    else an immutable copy with them stripped."""
    # A MultiValueDict is a dict of lists: read them directly, the cheapest scan (~7 µs for a 20-field form).
    if not CONTROLS.search("".join([*data, *(v for values in dict.values(data) for v in values if isinstance(v, str))])):
        return data
    clean = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        clean.setlist(strip_controls(key), [strip_controls(v) if isinstance(v, str) else v for v in values])
    clean._mutable = False
    return clean


def _load_post_and_files_clean(request) -> None:
    type(request)._load_post_and_files(request)
    request._post = clean_querydict(request._post)


class ControlCharacterMiddleware:
    """Strips control characters from ``request.GET`` now and from ``request.POST`` when it is first read.

    POST is cleaned lazily, by wrapping the request's own loader: reading it here would parse every upload
    before a view could set its upload handlers (and cost a parse for requests that never read it).
    The wrapper holds the request, a cycle like ``request.user``'s, which the collector frees.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.GET = clean_querydict(request.GET)
        if hasattr(request, "_post"):  # already read (a test's request factory)
            request._post = clean_querydict(request._post)
        else:
            request._load_post_and_files = _load_post_and_files_clean.__get__(request)
        return self.get_response(request)


# DRF parses bodies itself (a urlencoded form again from the raw body): its parsers clean the same way.

class CleanJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return clean_tree(super().parse(stream, media_type, parser_context))


class CleanFormParser(FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return clean_querydict(super().parse(stream, media_type, parser_context))


class CleanMultiPartParser(MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        parsed.data = clean_querydict(parsed.data)
        return parsed


class CleanAtom1Feed(Atom1Feed):
    """An Atom feed that drops control characters from every text it is given: Django refuses to write them
    into XML (a 500 for every reader of the feed), and rows stored before input was cleaned may hold some."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{k: _clean_value(v) for k, v in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*[_clean_value(a) for a in args], **{k: _clean_value(v) for k, v in kwargs.items()})


def _clean_value(value):
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_clean_value(v) for v in value)
    return value


# -- values no browser sends --------------------------------------------------------------------------------

# Dates a person may mean on this platform. Outside them, date arithmetic (the day after, the week's end) or the
# time-zone shift to UTC overflows Python's date range; and no case, meeting or deadline lies there.
DATE_MIN = dt.date(2000, 1, 1)
DATE_MAX = dt.date(2099, 12, 31)
# The largest id every database here stores (a signed 64-bit integer: PostgreSQL bigint, SQLite INTEGER).
ID_MAX = 2**63 - 1


def date_in_bounds(day: dt.date, *, label: str) -> dt.date:
    """``day`` if it lies between DATE_MIN and DATE_MAX; else a ValidationError naming the field ``label``."""
    if not DATE_MIN <= day <= DATE_MAX:
        raise forms.ValidationError(
            _("%(field)s: enter a date between %(min)s and %(max)s.")
            % {"field": label, "min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()},
            code="date_range",
        )
    return day


def date_param(raw: str | None, *, label: str) -> dt.date:
    """A date typed as YYYY-MM-DD in a query or a posted field, within bounds; a ValidationError naming the
    field ``label`` when it is missing, not a date, or out of bounds."""
    text = (raw or "").strip()
    try:
        if not (text.isascii() and len(text) == 10):
            raise ValueError(text)
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise forms.ValidationError(_("%(field)s: enter a date as YYYY-MM-DD.") % {"field": label},
                                    code="invalid") from None
    return date_in_bounds(day, label=label)


class BoundedDateField(forms.DateField):
    """A DateField that refuses dates outside DATE_MIN..DATE_MAX with an error naming the field."""

    def validate(self, value):
        super().validate(value)
        if value is not None:
            date_in_bounds(value, label=str(self.label or ""))


def db_id(raw) -> int | None:
    """An id from a query or a posted value, or None when it is none: empty, letters, a sign, a decimal point,
    digits other than ASCII (pages send ids as they wrote them), zero, or a number larger than any row id (which
    SQLite cannot even compare)."""
    text = str(raw if raw is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    value = int(text)
    return value if 0 < value <= ID_MAX else None


class IdField(forms.Field):
    """A row id posted in a (usually hidden) field, read as ``db_id`` reads one. Anything else is one error naming
    the field by its ``label`` (the limits of a 64-bit integer mean nothing to a person)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        pk = db_id(value)
        if pk is None:
            raise forms.ValidationError(_("%(field)s: no such record.") % {"field": self.label or "id"}, code="invalid")
        return pk
