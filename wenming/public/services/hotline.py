"""Hotline intake (创城热线): a call taken in as channel ``hotline``, then, in the same step, merged into the open
case it repeats ("me too"), or registered, or registered and dispatched to the routed unit. All or nothing: a
step that is refused (no unit to dispatch to, a case that closed meanwhile) leaves no case behind."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from django.db import transaction
from django.utils.translation import gettext as _

from wenming.cases.models import Case, Category, Channel
from wenming.cases.services import workflow as wf
from wenming.cases.services.errors import WorkflowError
from wenming.common.access import scope_for
from wenming.common.roles import HOTLINE_OPERATORS
from wenming.org.models import Site

Then = Literal["", "register", "dispatch"]


def hotline_take_in(
    *,
    actor,
    description: str,
    category: Category | None,
    urgency: str,
    point: tuple[float, float] | None = None,
    address: str = "",
    site: Site | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    photos: Iterable[wf.Upload] = (),
    merge_into: int | None = None,
    then: Then = "",
) -> Case:
    """Take a call in (``point`` is WGS-84 lng, lat), then merge it into ``merge_into`` or take the ``then`` steps.
    Without an address the site's is used. Returns the case as it stands after the last step."""
    if not scope_for(actor).roles & HOTLINE_OPERATORS:
        raise WorkflowError(_("Only the hotline operators take calls in."))
    with transaction.atomic():
        case = wf.case_intake(
            channel=Channel.HOTLINE, description=description, lng=point[0] if point else None,
            lat=point[1] if point else None, crs="wgs84", category=category, urgency=urgency,
            address=address or (site.address if site else ""), site=site, reporter_name=reporter_name,
            reporter_phone=reporter_phone, actor=actor, photos=photos,
        )
        if merge_into:
            wf.case_merge(case_id=case.pk, into_id=merge_into, actor=actor, note=_("Same problem, by hotline."))
        else:
            if then in {"register", "dispatch"}:
                wf.case_register(case_id=case.pk, actor=actor)
            if then == "dispatch":
                wf.case_dispatch(case_id=case.pk, actor=actor)
        case.refresh_from_db()
    return case
