"""Open311 GeoReport v2 under ``/open311/v2/`` (http://wiki.open311.org/GeoReport_v2), JSON and XML.

Reading is public, as the specification expects: a request shows only what a citizen's tracking page shows
(no reporter contact, no actor, no undercover inspection). Posting needs an ``api_key``; the case goes in
through ``case_intake`` on the key's channel, so it is routed, timed and logged like any other.

Wenming categories have no free attribute list: every service's definition is its one attribute, the
urgency (a singlevaluelist), so ``metadata`` is true for every service.
"""

from __future__ import annotations

import datetime as dt
import os
import xml.etree.ElementTree as ET
from contextlib import nullcontext

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from wenming.api.models import Open311Report
from wenming.api.services.keys import api_key_check
from wenming.cases import selectors
from wenming.cases.models import Case, CaseEvent, Category
from wenming.cases.models.case import ACTION_LABELS, CaseState, Channel
from wenming.cases.models.category import Urgency
from wenming.cases.routing_cache import get_routing_config
from wenming.cases.services import workflow as wf
from wenming.cases.services.errors import WorkflowError

SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-28T00:00:00Z"
CLOSED_STATES = frozenset({CaseState.CLOSED, CaseState.REJECTED, CaseState.VOIDED, CaseState.MERGED})
DEFAULT_DAYS = 90
MAX_ROWS = 1000
MAX_MEDIA_BYTES = 15 * 1024 * 1024


def jurisdiction() -> str:
    return os.environ.get("WENMING_OPEN311_JURISDICTION", "wenming")


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


# -- rendering ------------------------------------------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return _w3c(value)
    return str(value)


def _w3c(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _xml_fill(parent: ET.Element, data: dict, list_items: dict[str, str]) -> None:
    for key, value in data.items():
        child = ET.SubElement(parent, key)
        if isinstance(value, list):
            item_tag = list_items.get(key, key.rstrip("s"))
            for item in value:
                if isinstance(item, dict):
                    _xml_fill(ET.SubElement(child, item_tag), item, list_items)
                else:
                    ET.SubElement(child, item_tag).text = _text(item)
        elif isinstance(value, dict):
            _xml_fill(child, value, list_items)
        else:
            child.text = _text(value)


LIST_ITEMS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value",
              "keywords": "keyword"}


def render(fmt: str, payload, *, root: str, item: str | None = None, status: int = 200) -> HttpResponse:
    """JSON as the data; XML as ``<root><item>…</item></root>`` (or ``<root>…</root>`` for one object)."""
    if fmt == "json":
        return JsonResponse(payload, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
    element = ET.Element(root)
    if item is None:
        _xml_fill(element, payload, LIST_ITEMS)
    else:
        for row in payload:
            _xml_fill(ET.SubElement(element, item), row, LIST_ITEMS)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="utf-8", xml_declaration=False)
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return render(fmt, [{"code": status, "description": description}], root="errors", item="error", status=status)


def _endpoint(view):
    """Formats, jurisdiction and errors the same way for every endpoint."""

    def wrapper(request, fmt: str, **kwargs):
        try:
            given = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id")
            if given and given != jurisdiction():
                raise Open311Error(404, _("Unknown jurisdiction_id %(id)s.") % {"id": given})
            return view(request, fmt, **kwargs)
        except Open311Error as exc:
            return error(fmt, exc.status, exc.description)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return csrf_exempt(wrapper)


def _method(request, *allowed):
    if request.method not in allowed:
        raise Open311Error(405, _("Method %(method)s is not allowed here.") % {"method": request.method})


# -- discovery and services ---------------------------------------------------------------------------------

@_endpoint
def discovery(request, fmt):
    _method(request, "GET", "HEAD")
    url = request.build_absolute_uri(reverse("open311:root"))
    payload = {
        "changeset": CHANGESET,
        "contact": _("The city's civilized-city command centre"),
        "key_service": _("Ask the platform administrator for an API key (admin: API keys)."),
        "endpoints": [{"specification": SPEC, "url": url, "changeset": CHANGESET, "type": "production",
                       "formats": ["application/json", "text/xml"]}],
    }
    return render(fmt, payload, root="discovery")


def _services():
    return (Category.objects.filter(is_active=True, parent__isnull=False).select_related("parent")
            .order_by("parent__sort", "parent__code", "sort", "code"))


@_endpoint
def services(request, fmt):
    _method(request, "GET", "HEAD")
    rows = [{
        "service_code": c.code, "service_name": c.name, "description": c.plain_name or c.name,
        "metadata": True, "type": "realtime", "keywords": c.plain_name or "", "group": c.parent.name,
    } for c in _services()]
    return render(fmt, rows, root="services", item="service")


@_endpoint
def service_definition(request, fmt, code):
    _method(request, "GET", "HEAD")
    category = _services().filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("Unknown service_code %(code)s.") % {"code": code})
    payload = {"service_code": category.code, "attributes": [{
        "variable": True, "code": "urgency", "datatype": "singlevaluelist", "required": False,
        "datatype_description": _("How urgent the problem is; normal if not given."), "order": 1,
        "description": _("Urgency"),
        "values": [{"key": value, "name": str(label)} for value, label in Urgency.choices],
    }]}
    return render(fmt, payload, root="service_definition")


# -- service requests ---------------------------------------------------------------------------------------

def public_cases():
    """Cases a public Open311 read may show: not undercover inspections (their sites and timing are secret)."""
    return Case.objects.exclude(channel=Channel.INSPECTION)


def _request_row(case: Case) -> dict:
    last = case.last_events[-1] if getattr(case, "last_events", None) else None
    try:
        media = case.open311.media_url
    except Open311Report.DoesNotExist:
        media = ""
    return {
        "service_request_id": case.number,
        "status": "closed" if case.state in CLOSED_STATES else "open",
        "status_notes": str(ACTION_LABELS.get(last.action, "")) if last else "",
        "service_name": case.category.name if case.category else "",
        "service_code": case.category.code if case.category else "",
        "description": case.description,
        "agency_responsible": case.unit.name if case.unit_id and case.dispatched_at else "",
        "service_notice": "",
        "requested_datetime": _w3c(case.reported_at),
        "updated_datetime": _w3c(last.created_at if last else case.reported_at),
        "expected_datetime": _w3c(case.stage_due),
        "address": case.address,
        "address_id": "",
        "zipcode": "",
        "lat": case.lat,
        "long": case.lng,
        "media_url": media or "",
    }


def _with_details(qs):
    last = Prefetch("events", queryset=CaseEvent.objects.order_by("seq"), to_attr="last_events")
    return qs.select_related("category", "unit", "open311").prefetch_related(last)


def _parse_date(request, name: str) -> dt.datetime | None:
    raw = request.GET.get(name)
    if not raw:
        return None
    value = parse_datetime(raw.replace(" ", "+"))
    if value is None:
        raise Open311Error(400, _("%(name)s must be a W3C date and time, like 2026-11-28T09:30:00+08:00.") % {"name": name})
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _ids(raw: str) -> list[int]:
    pks = []
    for part in raw.split(","):
        pk = selectors.case_pk_from_number(part.strip())
        if pk is None:
            raise Open311Error(400, _("service_request_id %(id)s is not a Wenming case number.") % {"id": part.strip()})
        pks.append(pk)
    return pks


@_endpoint
def requests_view(request, fmt):
    if request.method == "POST":
        return _post_request(request, fmt)
    _method(request, "GET", "HEAD")
    qs = public_cases()
    if request.GET.get("service_request_id"):
        qs = qs.filter(pk__in=_ids(request.GET["service_request_id"]))
    else:
        start, end = _parse_date(request, "start_date"), _parse_date(request, "end_date")
        if start is None and end is None:
            start = timezone.now() - dt.timedelta(days=DEFAULT_DAYS)
        if start is not None:
            qs = qs.filter(reported_at__gte=start)
        if end is not None:
            qs = qs.filter(reported_at__lte=end)
        if request.GET.get("service_code"):
            qs = qs.filter(category__code__in=[c.strip() for c in request.GET["service_code"].split(",")])
        if request.GET.get("status"):
            wanted = {s.strip() for s in request.GET["status"].split(",")}
            if not wanted <= {"open", "closed"}:
                raise Open311Error(400, _("status must be open or closed."))
            if wanted == {"open"}:
                qs = qs.exclude(state__in=CLOSED_STATES)
            elif wanted == {"closed"}:
                qs = qs.filter(state__in=CLOSED_STATES)
    rows = [_request_row(c) for c in _with_details(qs.order_by("-reported_at", "-id"))[:MAX_ROWS]]
    return render(fmt, rows, root="service_requests", item="request")


@_endpoint
def request_detail(request, fmt, request_id):
    _method(request, "GET", "HEAD")
    pk = selectors.case_pk_from_number(request_id)
    case = _with_details(public_cases().filter(pk=pk)).first() if pk else None
    if case is None or case.number != request_id:
        raise Open311Error(404, _("Unknown service_request_id %(id)s.") % {"id": request_id})
    return render(fmt, [_request_row(case)], root="service_requests", item="request")


@_endpoint
def token_detail(request, fmt, token):
    _method(request, "GET", "HEAD")
    case = public_cases().filter(tracking_code=token.upper()).first()
    if case is None:
        raise Open311Error(404, _("Unknown token %(token)s.") % {"token": token})
    return render(fmt, [{"service_request_id": case.number, "token": case.tracking_code}],
                  root="service_requests", item="request")


@_endpoint
def request_updates(request, fmt):
    """Status changes since ``start_date`` (default: the last day), oldest first, at most 1000."""
    _method(request, "GET", "HEAD")
    start, end = _parse_date(request, "start_date"), _parse_date(request, "end_date")
    if start is None:
        start = timezone.now() - dt.timedelta(days=1)
    events = CaseEvent.objects.filter(created_at__gte=start).exclude(case__channel=Channel.INSPECTION)
    if end is not None:
        events = events.filter(created_at__lte=end)
    if request.GET.get("service_request_id"):
        events = events.filter(case_id__in=_ids(request.GET["service_request_id"]))
    events = events.select_related("case").order_by("created_at", "id")[:MAX_ROWS]
    rows = [{
        "update_id": e.pk,
        "service_request_id": e.case.number,
        "status": "closed" if e.to_state in CLOSED_STATES else "open",
        "updated_datetime": _w3c(e.created_at),
        "description": e.action_label,
    } for e in events]
    return render(fmt, rows, root="request_updates", item="request_update")


# -- posting ------------------------------------------------------------------------------------------------

def _float(request, name: str) -> float | None:
    raw = request.POST.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, _("%(name)s must be a number.") % {"name": name}) from None
    limit = 90 if name == "lat" else 180
    if not -limit <= value <= limit:
        raise Open311Error(400, _("%(name)s is out of range.") % {"name": name})
    return value


def _post_request(request, fmt):
    data = request.POST
    key = api_key_check(data.get("api_key", ""))
    if key is None:
        raise Open311Error(403, _("api_key is missing, unknown or revoked."))
    code = data.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, _("service_code is required."))
    # From the in-process routing cache: a service is an active 小类 (no query on the hot path).
    info = get_routing_config().categories_by_code.get(code)
    if info is None or not info.is_active or info.parent_id is None:
        raise Open311Error(404, _("Unknown service_code %(code)s.") % {"code": code})
    lat, lng = _float(request, "lat"), _float(request, "long")
    address = data.get("address_string", "").strip()
    if (lat is None) != (lng is None):
        raise Open311Error(400, _("Give both lat and long, or neither."))
    if lat is None and not address:
        raise Open311Error(400, _("A location is required: lat and long, or address_string."))
    if len(address) > 200:
        raise Open311Error(400, _("address_string is longer than 200 characters."))
    urgency = data.get("attribute[urgency]", "").strip() or Urgency.NORMAL
    if urgency not in Urgency.values:
        raise Open311Error(400, _("attribute[urgency] must be one of %(values)s.") % {"values": ", ".join(Urgency.values)})
    media_url = data.get("media_url", "").strip()
    if media_url and not media_url.startswith(("http://", "https://")):
        raise Open311Error(400, _("media_url must be an http or https address."))
    email = data.get("email", "").strip()
    if email and ("@" not in email or len(email) > 254):
        raise Open311Error(400, _("email is not an email address."))
    phone = data.get("phone", "").strip()
    if len(phone) > 30:
        raise Open311Error(400, _("phone is longer than 30 characters."))
    name = " ".join(p for p in (data.get("first_name", "").strip(), data.get("last_name", "").strip()) if p)[:50]
    photos = []
    media = request.FILES.get("media")
    if media is not None:
        if media.size > MAX_MEDIA_BYTES:
            raise Open311Error(400, _("media is larger than 15 MB."))
        photos.append(wf.Upload(name=media.name, content=media.read()))
    description = data.get("description", "").strip() or info.name
    if len(description) > 4000:
        raise Open311Error(400, _("description is longer than 4000 characters."))
    extra = {"media_url": media_url[:500], "email": email, "device_id": data.get("device_id", "")[:100],
             "account_id": data.get("account_id", "")[:100]}
    try:
        # Only what the case itself cannot hold gets a row (the key is on the report event); without one, intake
        # needs no transaction around it.
        with transaction.atomic() if any(extra.values()) else nullcontext():
            case = wf.case_intake(
                channel=key.channel, description=description, lng=lng, lat=lat, crs="wgs84", category=info.code,
                urgency=urgency, address=address, reporter_name=name, reporter_phone=phone, actor=key.person,
                photos=photos, source={"api_key": key.pk, "open311": True},
            )
            if any(extra.values()):
                Open311Report.objects.create(case=case, api_key=key, **extra)
    except WorkflowError as exc:
        raise Open311Error(400, str(exc)) from None
    except IntegrityError:
        raise Open311Error(400, _("The request could not be stored; try again.")) from None
    row = {"service_request_id": case.number, "service_notice": "", "account_id": data.get("account_id", "")}
    return render(fmt, [row], root="service_requests", item="request")


def root(request):
    return HttpResponse(status=204)
