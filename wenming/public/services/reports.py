"""A citizen's report (随手拍): within the rate limits, taken in through the case workflow as channel
``citizen`` in state ``reported`` (the command centre's 待受理 queue), with its public marks."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from wenming.cases.models import Case, Channel
from wenming.cases.services.workflow import Upload, case_intake
from wenming.public.models import PublicReport

from .limits import keyed_hash, limit_hit


def public_report_submit(
    *,
    description: str,
    lng: float | None,
    lat: float | None,
    category_code: str | None = None,
    address: str = "",
    photos: Iterable[Upload] = (),
    phone: str = "",
    ip: str = "",
    site=None,
    subject_unit=None,
) -> Case:
    """Take a citizen's report in. ``phone`` is given only once it has been verified by SMS code; without it
    the report is anonymous. All or nothing: a refused photo leaves no case behind. ``site`` and ``subject_unit``
    come from a page about one service (a window's QR page): the case is at that site, proposed to that unit."""
    limit_hit(what="report_ip", who=ip)
    limit_hit(what="report_phone", who=phone)
    with transaction.atomic():
        case = case_intake(
            channel=Channel.CITIZEN, description=description, lng=lng, lat=lat, crs="wgs84", category=category_code,
            address=address, reporter_phone=phone, photos=list(photos), site=site, subject_unit=subject_unit,
        )
        PublicReport.objects.create(case=case, phone_verified=bool(phone), network=keyed_hash(f"ip:{ip}", size=16))
    return case
