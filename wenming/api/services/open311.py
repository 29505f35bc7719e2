"""An Open311 post taken in: ``case_intake`` on the key's channel (``api_case_intake``: once per external id),
and what the case itself cannot hold (media link, email, device and account ids) in an ``Open311Report``."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wenming.api.models import ApiKey, Open311Report
from wenming.api.services.intake import api_case_intake
from wenming.cases.models import Case, EventAction, Evidence
from wenming.cases.routing_cache import CategoryInfo
from wenming.cases.services.errors import WorkflowError
from wenming.cases.services.workflow import Upload


def open311_request_submit(
    *,
    key: ApiKey,
    service: CategoryInfo,
    description: str,
    lat: float | None,
    lng: float | None,
    address: str = "",
    urgency: str,
    name: str = "",
    phone: str = "",
    external_id: str = "",
    photos: Iterable[Upload] = (),
    media_url: str = "",
    email: str = "",
    device_id: str = "",
    account_id: str = "",
) -> Case:
    """The case for a checked post. Raises ``DuplicateReport`` for an external id already reported on the key's
    channel, ``WorkflowError`` for anything intake refuses or the database could not store."""
    extra = {"media_url": media_url, "email": email, "device_id": device_id, "account_id": account_id}
    try:
        # Only what the case itself cannot hold gets a row (the key is on the report event); without one, intake
        # needs no transaction around it.
        with transaction.atomic() if any(extra.values()) else nullcontext():
            case = api_case_intake(
                channel=key.channel, description=description, lng=lng, lat=lat, crs="wgs84", category=service.code,
                urgency=urgency, address=address, reporter_name=name, reporter_phone=phone, external_id=external_id,
                actor=key.person, photos=photos, source={"api_key": key.pk, "open311": True},
            )
            if any(extra.values()):
                Open311Report.objects.create(case=case, api_key=key, **extra)
    except IntegrityError:
        raise WorkflowError(_("The request could not be stored; try again.")) from None
    return case


def open311_posted_photo(*, case: Case) -> int | None:
    """The id of the photo a post carried (``media``): the case's first before-photo, stored with its report."""
    return (Evidence.objects.filter(case=case, kind=Evidence.Kind.BEFORE, event__action=EventAction.REPORT)
            .order_by("id").values_list("id", flat=True).first())
