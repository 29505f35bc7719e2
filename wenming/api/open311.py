"""Open311 GeoReport v2 under ``/open311/v2/`` (http://wiki.open311.org/GeoReport_v2), JSON and XML.

Reading is public, as the specification expects, and shows only what the public pages show: the requests on the
exposure board and the rectification showcase (chosen and written for the public by the command centre, so never
a report waiting in the review queue or rejected as spam), with their published text, not the reporter's; their
district and street, not coordinates; never an undercover inspection. Token and request lookups are rate-limited
like the tracking page, misses counted. Posting needs an ``api_key``; the case goes in through ``case_intake`` on
the key's channel, so it is routed, timed and logged like any other.

A posted photo is served back, at ``media/<id>.jpg``, only as the exposure board publishes it: the board's copy
(no EXIF, faces and plates covered) of a photo the command centre chose for a request Open311 shows. The post's
answer names that address at once; until then it answers 404 like a photo that does not exist, so the address
leaks nothing: not the reporter's own copy, not a photo the board left out, not an undercover inspection's.

Status changes are served twice from one implementation: ``request_updates`` (this server's first name for them)
and ``servicerequestupdates`` (the name mySociety's FixMyStreet extension gives them, which its clients ask for).

Wenming categories have no free attribute list: every service's definition is its one attribute, the
urgency (a singlevaluelist), so ``metadata`` is true for every service.
"""

from __future__ import annotations

import datetime as dt
import os
import xml.etree.ElementTree as ET

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from wenming.api.forms import Open311RequestForm, echo
from wenming.api.services.intake import DuplicateReport
from wenming.api.services.open311 import open311_posted_photo, open311_request_submit
from wenming.cases import selectors
from wenming.cases.models import Case, CaseEvent, Category, Evidence, Exposure, ExposurePhoto
from wenming.cases.models.case import FINAL_STATES, Channel
from wenming.cases.models.category import Urgency
from wenming.cases.services import exposure as ex
from wenming.cases.services import workflow as wf
from wenming.cases.services.errors import WorkflowError
from wenming.common.db_router import replica_reads
from wenming.common.input import DATE_MAX, DATE_MIN, ID_MAX, strip_controls
from wenming.common.net import client_ip
from wenming.public import selectors as public
from wenming.public.services.errors import RateLimited
from wenming.public.services.limits import limit_check, limit_hit

SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-28T00:00:00Z"
DEFAULT_DAYS = 90
MAX_ROWS = 1000
MAX_IDS = 100  # service_request_ids in one list request
MAX_PAGE = 10_000  # pages of updates: 10 million rows, far more than any window a client asks for


def jurisdiction() -> str:
    return os.environ.get("WENMING_OPEN311_JURISDICTION", "wenming")


class Open311Error(Exception):
    def __init__(self, status: int, description: str, *, retry_after: int | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


# -- rendering ------------------------------------------------------------------------------------------------

def _text(value) -> str:
    """A value as XML text. Control characters are dropped: XML 1.0 cannot carry them (the document would not be
    well-formed), and rows stored before input was cleaned may hold some."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return _w3c(value)
    return strip_controls(str(value))


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


def error(fmt: str, status: int, description: str, *, retry_after: int | None = None) -> HttpResponse:
    response = render(fmt, [{"code": status, "description": description}], root="errors", item="error", status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _endpoint(view):
    """Formats, jurisdiction and errors the same way for every endpoint."""

    def wrapper(request, fmt: str, **kwargs):
        try:
            given = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id")
            if given and given != jurisdiction():
                raise Open311Error(404, _("Unknown jurisdiction_id %(id)s.") % {"id": echo(given)})
            return view(request, fmt, **kwargs)
        except Open311Error as exc:
            return error(fmt, exc.status, exc.description, retry_after=exc.retry_after)
        except RateLimited as exc:
            return error(fmt, 429, str(exc), retry_after=exc.retry_after)
        # Refused while the body is read (Django's limits): answered in Open311's format, not as an HTML page.
        except TooManyFilesSent:
            return error(fmt, 400, _("media: post one file only."))
        except (TooManyFieldsSent, RequestDataTooBig):
            return error(fmt, 400, _("The posted fields are larger than accepted: description at most 4000 "
                                     "characters, media as one file."))

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


@replica_reads
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
    """The cases Open311 shows: the ones the public pages show (a published exposure, on the board or the
    showcase: ``exposures_published``, one rule for both), never an undercover inspection's (its site and timing
    are the inspector's secret)."""
    return Case.objects.filter(exposure__in=ex.exposures_published()).exclude(channel=Channel.INSPECTION)


def published_photos():
    """The photos Open311 serves: those the exposure board publishes (chosen by the command centre, rendered with
    faces and plates covered, from the copy without EXIF) of the requests Open311 shows. Never a photo the board
    left out, one of a draft or withdrawn exposure, or one of an undercover inspection."""
    return ExposurePhoto.objects.filter(exposure__case__in=public_cases())


def media_url(request, evidence_id: int) -> str:
    """The absolute address of a photo as Open311 serves it (``media``), from the request's own host."""
    return request.build_absolute_uri(reverse("open311:media", args=[evidence_id]))


@require_safe
def media(request, pk: str):
    """A request's photo, by its evidence id, as the exposure board publishes it; 404 for every other id, the same
    as for one that does not exist (an unpublished request's, a photo the board left out)."""
    photo = published_photos().filter(evidence_id=int(pk)).first() if int(pk) <= ID_MAX else None
    if photo is None:
        raise Http404
    try:
        handle = photo.rendered.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    # As the board's own photos: published, so shared caches may keep it a while (a withdrawal reaches them late).
    response["Cache-Control"] = "public, max-age=600"
    return response


def _public_text(exposure: Exposure) -> str:
    """The text the board publishes: its headline and text, never the reporter's description. Text that looks
    like a phone number, an ID number or a plate (stored before the board checked, or by hand) is withheld."""
    text = "\n".join(part for part in (exposure.headline, exposure.summary) if part)
    return "" if ex.personal_data_found(text) else text


def _request_row(case: Case, *, place: str, request) -> dict:
    exposure = case.exposure
    steps = [e for e in case.last_events if public.public_step_text(e) is not None]
    # The board's before-photos, the earliest taken first: a posted photo, once the board publishes it, is the one
    # its post's answer named.
    before = sorted((p for p in exposure.photos.all() if p.evidence.kind == Evidence.Kind.BEFORE),
                    key=lambda p: p.evidence_id)
    return {
        "service_request_id": case.number,
        "status": "closed" if case.state in FINAL_STATES else "open",
        "status_notes": str(public.PLAIN_STATES.get(case.state, "")),
        "service_name": case.category.name if case.category else "",
        "service_code": case.category.code if case.category else "",
        "description": _public_text(exposure),
        "agency_responsible": case.unit.name if case.unit_id and case.dispatched_at else "",
        "service_notice": "",
        "requested_datetime": _w3c(case.reported_at),
        "updated_datetime": _w3c(steps[-1].created_at if steps else case.reported_at),
        "expected_datetime": None,  # an internal deadline: not on the public pages
        "address": place,  # the district and street, as the board names them; no address, no coordinates
        "address_id": "",
        "zipcode": "",
        "lat": None,
        "long": None,
        "media_url": media_url(request, before[0].evidence_id) if before else "",
    }


def _rows(request, cases: list[Case]) -> list[dict]:
    places = ex.exposure_places([case.exposure for case in cases])
    return [_request_row(case, place=places.get(case.exposure.pk, ""), request=request) for case in cases]


def _with_details(qs):
    events = Prefetch("events", queryset=CaseEvent.objects.order_by("seq").only(
        "case_id", "seq", "action", "data", "created_at"), to_attr="last_events")
    photos = Prefetch("exposure__photos", queryset=ExposurePhoto.objects.select_related("evidence").order_by("id"))
    # The routing record is the heaviest column and nothing here shows it.
    return qs.select_related("category", "unit", "exposure").defer("routing").prefetch_related(events, photos)


def _parse_date(request, name: str) -> dt.datetime | None:
    raw = request.GET.get(name)
    if not raw:
        return None
    refused = Open311Error(400, _("%(name)s must be a W3C date and time between %(min)s and %(max)s, like "
                                  "2026-11-28T09:30:00+08:00.")
                           % {"name": name, "min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()})
    text = raw.replace(" ", "+")  # a "+" sent unescaped in a query arrives as a space
    try:
        # ASCII digits only (the parser's \d takes any script's); an impossible day raises ValueError; a time at
        # the ends of Python's range overflows when shifted to UTC.
        value = parse_datetime(text) if text.isascii() else None
        if value is None:
            raise refused
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        day = value.astimezone(dt.UTC).date()
    except (ValueError, OverflowError):
        raise refused from None
    if not DATE_MIN <= day <= DATE_MAX:
        raise refused
    return value


def _pk(number: str) -> int | None:
    """The row id in a case number written in ASCII digits; None for anything else (another script's digits, an
    id larger than the database holds)."""
    if not (number.isascii() and number.isdigit()):
        return None
    pk = selectors.case_pk_from_number(number)
    return pk if pk is not None and 0 < pk <= ID_MAX else None


def _ids(raw: str) -> dict[str, int]:
    """The case numbers a ``service_request_id`` list asks for, each with its row id."""
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if not parts:
        raise Open311Error(400, _("service_request_id is empty: give case numbers separated by commas."))
    if len(parts) > MAX_IDS:
        raise Open311Error(400, _("service_request_id: at most %(n)d at a time.") % {"n": MAX_IDS})
    numbers = {}
    for part in parts:
        pk = _pk(part)
        if pk is None:
            raise Open311Error(400, _("service_request_id %(id)s is not a Wenming case number.") % {"id": echo(part)})
        numbers[part] = pk
    return numbers


@replica_reads
@_endpoint
def requests_view(request, fmt):
    if request.method == "POST":
        return _post_request(request, fmt)
    _method(request, "GET", "HEAD")
    qs = public_cases()
    numbers = _ids(request.GET["service_request_id"]) if request.GET.get("service_request_id") else None
    if numbers is not None:
        # Looking numbers up is limited like the tracking page: misses counted, and past the limit refused.
        limit_check(what="open311_request_ip", who=client_ip(request))
        qs = qs.filter(pk__in=numbers.values())
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
                qs = qs.exclude(state__in=FINAL_STATES)
            elif wanted == {"closed"}:
                qs = qs.filter(state__in=FINAL_STATES)
    cases = list(_with_details(qs.order_by("-reported_at", "-id"))[:MAX_ROWS])
    if numbers is not None:
        cases = [case for case in cases if case.number in numbers]  # the date part must match too
        limit_hit(what="open311_request_ip", who=client_ip(request), times=len(numbers) - len(cases))
    return render(fmt, _rows(request, cases), root="service_requests", item="request")


@_endpoint
def request_detail(request, fmt, request_id):
    _method(request, "GET", "HEAD")
    who = client_ip(request)
    limit_check(what="open311_request_ip", who=who)
    pk = _pk(request_id)
    case = _with_details(public_cases().filter(pk=pk)).first() if pk else None
    if case is None or case.number != request_id:
        limit_hit(what="open311_request_ip", who=who)
        raise Open311Error(404, _("Unknown service_request_id %(id)s.") % {"id": echo(request_id)})
    return render(fmt, _rows(request, [case]), root="service_requests", item="request")


@_endpoint
def token_detail(request, fmt, token):
    """The request a token (the tracking code the reporter holds) stands for: the tracking page's lookup, limited
    the same way (an unknown code costs the network one of its tries)."""
    _method(request, "GET", "HEAD")
    who = client_ip(request)
    limit_check(what="open311_token_ip", who=who)
    case = public.tracked_case(token)
    if case is None or case.channel == Channel.INSPECTION:
        limit_hit(what="open311_token_ip", who=who)
        raise Open311Error(404, _("Unknown token %(token)s.") % {"token": echo(token)})
    return render(fmt, [{"service_request_id": case.number, "token": case.tracking_code}],
                  root="service_requests", item="request")


def _whole(request, name: str, *, default: int, most: int) -> int:
    raw = request.GET.get(name)
    if not raw:
        return default
    value = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else 0
    if not 1 <= value <= most:
        raise Open311Error(400, _("%(name)s must be a whole number from 1 to %(max)d.") % {"name": name, "max": most})
    return value


def _next_page(request, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page + 1)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _board_photos_by_event(events: list[CaseEvent]) -> dict[int, int]:
    """For each event, the earliest photo taken with it that the board publishes (its evidence id)."""
    found: dict[int, int] = {}
    rows = (published_photos().filter(exposure__case_id__in={e.case_id for e in events}, evidence__event__isnull=False)
            .order_by("evidence_id").values_list("evidence__event_id", "evidence_id"))
    for event_id, evidence_id in rows:
        found.setdefault(event_id, evidence_id)
    return found


def _updates(request, fmt: str, *, root: str) -> HttpResponse:
    """Status changes of the public requests, oldest first: the steps the tracking page shows, in its words.

    ``start_date`` (default: a day before ``end_date``, or before now) to ``end_date``, both inclusive;
    ``service_request_id`` (a comma list); ``page`` and ``page_size`` (at most 1000, the default). A full page
    carries a ``Link: <…>; rel="next"`` header; a shorter one is the last."""
    _method(request, "GET", "HEAD")
    start, end = _parse_date(request, "start_date"), _parse_date(request, "end_date")
    if start is None:
        start = (end or timezone.now()) - dt.timedelta(days=1)
    if end is not None and end < start:
        raise Open311Error(400, _("end_date is before start_date."))
    page = _whole(request, "page", default=1, most=MAX_PAGE)
    size = _whole(request, "page_size", default=MAX_ROWS, most=MAX_ROWS)
    events = CaseEvent.objects.filter(created_at__gte=start, case__in=public_cases(),
                                      action__in=list(public.PLAIN_STEPS))
    if end is not None:
        events = events.filter(created_at__lte=end)
    if request.GET.get("service_request_id"):
        numbers = _ids(request.GET["service_request_id"])
        # The whole number must match (its date part too), decided before paging so every page is full but the last.
        known = Case.objects.filter(pk__in=numbers.values()).only("id", "reported_at")
        events = events.filter(case_id__in=[case.pk for case in known if case.number in numbers])
    events = list(events.select_related("case").only("id", "case_id", "action", "data", "to_state", "created_at",
                                                     "case__id", "case__reported_at")
                  .order_by("created_at", "id")[(page - 1) * size: page * size])
    photos = _board_photos_by_event(events) if events else {}
    rows = [{
        "update_id": e.pk,
        "service_request_id": e.case.number,
        "status": "closed" if e.to_state in FINAL_STATES else "open",
        "updated_datetime": _w3c(e.created_at),
        "description": public.public_step_text(e),
        "media_url": media_url(request, photos[e.pk]) if e.pk in photos else "",
        # The case's state after the step (Wenming's own code), for clients that map states of their own.
        "external_status_code": e.to_state,
    } for e in events]
    response = render(fmt, rows, root=root, item="request_update")
    if len(events) == size:
        response["Link"] = f'<{_next_page(request, page)}>; rel="next"'
    return response


@replica_reads
@_endpoint
def request_updates(request, fmt):
    """The status changes of the public requests (``_updates``)."""
    return _updates(request, fmt, root="request_updates")


@_endpoint
def service_request_updates(request, fmt):
    """The same as ``request_updates``, under the name and root element mySociety's Open311 extension gives them
    (``servicerequestupdates``, ``<service_request_updates>``), which FixMyStreet and its adapters ask for."""
    return _updates(request, fmt, root="service_request_updates")


# -- posting ------------------------------------------------------------------------------------------------

def _post_request(request, fmt):
    data = request.POST
    # Some GeoReport clients put the key in the POST's query string, not its body: accept it there too (the body's
    # wins). Query strings reach access logs, so docs/api.md says to send it in the body.
    if not data.get("api_key") and request.GET.get("api_key"):
        data = data.copy()
        data["api_key"] = request.GET["api_key"]
    form = Open311RequestForm(data, request.FILES)
    if not form.is_valid():
        raise Open311Error(*form.first_error())
    d = form.cleaned_data
    media = d["media"]
    try:
        case = open311_request_submit(
            key=d["api_key"], service=d["service_code"], description=d["description"], lat=d["lat"], lng=d["long"],
            address=d["address_string"], urgency=d["urgency"], name=d["name"], phone=d["phone"],
            external_id=d["external_id"], photos=[wf.Upload(name=media.name, content=media.read())] if media else [],
            media_url=d["media_url"], email=d["email"], device_id=d["device_id"], account_id=d["account_id"],
        )
    except DuplicateReport as exc:
        raise Open311Error(409, str(exc)) from None
    except WorkflowError as exc:
        raise Open311Error(400, str(exc)) from None
    photo = open311_posted_photo(case=case) if media else None
    row = {"service_request_id": case.number, "service_notice": "", "account_id": d["account_id"],
           "media_url": media_url(request, photo) if photo else ""}
    return render(fmt, [row], root="service_requests", item="request")


def root(request):
    return HttpResponse(status=204)
