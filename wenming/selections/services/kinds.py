"""Selection kinds (评选类别): the seven the city runs from the start, and those it adds.

Each kind is also a measure source for campaign tasks (``selections:<code>``): the number of titles of that kind
published this year and not withdrawn. A task with ``measure = register`` and ``measure_source =
"selections:zmld"`` reads it (campaign.services.tasks.measured_values_refresh).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.campaign.services.tasks import measure_source_register
from wenming.selections.models import Nomination, NominationStatus, SelectionKind, SubjectKind

from .calls import organiser_require
from .errors import SelectionError

# code, name, nominee, integrity: the city's standing kinds (the demo creates them; codes are stable).
STANDARD_KINDS = (
    ("zmxq", "最美小区", SubjectKind.SITE, False),
    ("zmld", "最美楼道", SubjectKind.SITE, False),
    ("wmsq", "文明社区", SubjectKind.SITE, False),
    ("ddmf", "道德模范", SubjectKind.PERSON, False),
    ("cxdw", "诚信单位", SubjectKind.UNIT, True),
    ("cxjq", "诚信示范街区", SubjectKind.SITE, True),
    ("cxjyd", "诚信经营示范店", SubjectKind.ENTERPRISE, True),
)
MEASURE_PREFIX = "selections:"


def winners_this_year(code: str) -> Decimal | None:
    """Titles of kind ``code`` published this year and still held; None when the kind does not exist."""
    if not SelectionKind.objects.filter(code=code).exists():
        return None
    year = timezone.localdate().year
    return Decimal(Nomination.objects.filter(call__kind__code=code, status=NominationStatus.WINNER,
                                             published_at__year=year).count())


def measure_sources_register(codes) -> None:
    for code in codes:
        measure_source_register(f"{MEASURE_PREFIX}{code}", lambda code=code: winners_this_year(code))


def selection_kind_create(*, actor, code: str, name: str, subject: str, integrity: bool) -> SelectionKind:
    organiser_require(actor)
    code, name = (code or "").strip().lower(), (name or "").strip()
    if not code or len(code) > 5 or not code.isascii() or not code.isalnum():
        raise SelectionError(_("Code: up to 5 letters or digits."))
    if not name or len(name) > 60:
        raise SelectionError(_("Name: up to 60 characters."))
    if subject not in SubjectKind.values:
        raise SelectionError(_("Nominee: choose what is nominated."))
    try:
        with transaction.atomic():
            kind = SelectionKind.objects.create(code=code, name=name, subject=subject, integrity=integrity)
    except IntegrityError:
        raise SelectionError(_("Code: %(code)s is taken.") % {"code": code}) from None
    measure_sources_register([code])
    return kind
