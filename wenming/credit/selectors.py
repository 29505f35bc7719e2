"""Reading the credit network: who keeps which source, the records a person may read, a subject's records (and the
log of looks at non-public ones), the public query, the joint-discipline lists, the findings a nominee's credit
gives, the storefront flags, and the 信用提示 candidates from the storefront checks.

Scope: the command centre and administrators see every record (``CREDIT_OFFICE``); a department (a unit role in the
source's owner unit or a unit below it) every record of its sources; other office roles the published ones only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from wenming.common.access import can, restrict, scope_for
from wenming.common.credit_code import credit_code_normalise
from wenming.common.roles import ADMIN_ONLY, CREDIT_KEEPERS, CREDIT_OFFICE
from wenming.credit.models import (
    CreditQueryLog,
    CreditRecord,
    CreditSource,
    CreditSubject,
    JointAck,
    JointMeasure,
    RecordKind,
    SubjectKind,
    effective_q,
)
from wenming.inspections.storefront_selectors import (
    repeat_since,
    repeat_threshold,
    storefront_repeat_offenders,
)
from wenming.org.models import StorefrontDuty, Unit
from wenming.org.models.site import STOREFRONT_DUTIES

PUBLIC_PAGE = 50


def _unit_prefixes(paths: tuple[str, ...]) -> set[str]:
    """Every unit path at or above the person's units ("/SCJG/SCJG-131102/" → "/SCJG/", "/SCJG/SCJG-131102/")."""
    prefixes = set()
    for path in paths:
        parts = [p for p in path.split("/") if p]
        prefixes.update("/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1))
    return prefixes


def is_office(user) -> bool:
    scope = scope_for(user)
    return bool(user is not None and getattr(user, "is_superuser", False)) or bool(scope.roles & CREDIT_OFFICE)


def sources_kept(user) -> QuerySet[CreditSource]:
    """The sources this person manages: administrators every one; a unit role those owned by its unit or a unit
    above it (a market supervision branch manages the bureau's source)."""
    scope = scope_for(user)
    if scope.roles & ADMIN_ONLY:  # administrators (superusers hold it too: access.scope_for)
        return CreditSource.objects.all()
    if not scope.roles & CREDIT_KEEPERS or not scope.unit_paths:
        return CreditSource.objects.none()
    return CreditSource.objects.filter(owner_unit__path__in=_unit_prefixes(scope.unit_paths))


def source_kept_by(user, source: CreditSource) -> bool:
    return sources_kept(user).filter(pk=source.pk).exists()


def record_rows(user) -> QuerySet[CreditRecord]:
    """The records this person may read: all for the office, their own sources' for a department, the published
    ones of legal persons for every other office role; nothing for others."""
    base = CreditRecord.objects.all()
    if not can(user, CreditRecord):
        return base.none()
    if is_office(user):
        return base
    kept = list(sources_kept(user).values_list("pk", flat=True))
    in_scope = restrict(base, user).values("pk")
    return base.filter(Q(source_id__in=kept) | Q(pk__in=in_scope)
                       | (Q(public=True) & ~Q(subject__kind=SubjectKind.PERSON)))


def subject_rows(user) -> QuerySet[CreditSubject]:
    """Subjects this person may open: the legal persons for every office role; natural persons only for the office
    and the departments holding records of them."""
    subjects = restrict(CreditSubject.objects.all(), user)
    if is_office(user):
        return subjects
    kept = sources_kept(user)
    return subjects.filter(~Q(kind=SubjectKind.PERSON) | Q(records__source__in=kept)).distinct()


def subject_search(user, *, q: str = "", kind: str = "", dishonest: bool = False) -> QuerySet[CreditSubject]:
    subjects = subject_rows(user).select_related("unit", "storefront")
    q = q.strip()[:120]
    if q:
        code = credit_code_normalise(q)
        subjects = subjects.filter(Q(name__icontains=q) | Q(credit_code=code))
    if kind:
        subjects = subjects.filter(kind=kind)
    if dishonest:
        today = timezone.localdate()
        # Only the 失信 records this person may read: another department's unpublished record must not show through.
        subjects = subjects.filter(pk__in=record_rows(user).filter(effective_q(today), kind=RecordKind.DISHONEST)
                                   .values("subject_id"))
    return subjects.order_by("name", "pk")


def subject_records(user, subject: CreditSubject, *, log: bool = True, purpose: str = "subject") -> list[CreditRecord]:
    """The subject's records this person may read, newest first; when any is not public, the look is logged."""
    records = list(record_rows(user).filter(subject=subject).select_related("source").order_by("-decided_on", "-pk"))
    hidden = [r.pk for r in records if not r.public or subject.is_person]
    if log and hidden and user is not None and user.is_authenticated:
        CreditQueryLog.objects.create(user=user, subject=subject, records=hidden[:500], purpose=purpose)
    return records


def nonpublic_seen(user, records: list[CreditRecord], *, purpose: str) -> None:
    """Log the look at the non-public records among ``records`` (one row per subject): those the law does not
    publish and every record of a natural person (the page names them)."""
    by_subject: dict[int, list[int]] = {}
    for record in records:
        if not record.public or record.subject.is_person:
            by_subject.setdefault(record.subject_id, []).append(record.pk)
    if by_subject and user is not None and user.is_authenticated:
        CreditQueryLog.objects.bulk_create([CreditQueryLog(user=user, subject_id=s, records=ids[:500], purpose=purpose)
                                            for s, ids in by_subject.items()])


def subject_dishonest(subject_ids, *, today: dt.date | None = None) -> QuerySet[CreditRecord]:
    """The effective 失信 records of these subjects (what holds a nominee back and what departments act on)."""
    today = today or timezone.localdate()
    return CreditRecord.objects.filter(effective_q(today), subject_id__in=subject_ids, kind=RecordKind.DISHONEST)


# -- public query ------------------------------------------------------------------------------------------------

def public_search(q: str) -> list[CreditSubject]:
    """Legal persons (never natural persons) whose name holds ``q`` or whose code is ``q``, with their count of
    published records in effect. At most PUBLIC_PAGE: the query is for looking one up, not for listing."""
    q = q.strip()[:120]
    if len(q) < 2:
        return []
    code = credit_code_normalise(q)
    today = timezone.localdate()
    published = Q(records__public=True) & effective_q(today, "records__")
    return list(CreditSubject.objects.exclude(kind=SubjectKind.PERSON)
                .filter(Q(credit_code=code) | Q(name__icontains=q))
                .annotate(published=Count("records", filter=published))
                .order_by("name", "pk")[:PUBLIC_PAGE])


def public_records(subject: CreditSubject) -> list[CreditRecord]:
    """What the law publishes of a legal person: its public records in effect (a repaired or expired record is no
    longer shown)."""
    if subject.is_person:
        return []
    today = timezone.localdate()
    return list(subject.records.filter(effective_q(today), public=True).select_related("source")
                .order_by("kind", "-decided_on", "-pk"))


# -- joint discipline (联合惩戒) -------------------------------------------------------------------------------------

@dataclass
class JointRow:
    record: CreditRecord
    measure: JointMeasure
    ack: JointAck | None


def measures_for(user) -> QuerySet[JointMeasure]:
    """The measures this person's department must take (the office: every department's)."""
    measures = JointMeasure.objects.select_related("unit")
    if is_office(user):
        return measures
    scope = scope_for(user)
    if not scope.unit_paths:
        return measures.none()
    return measures.filter(unit__path__in=_unit_prefixes(scope.unit_paths))


def measures_acted_by(user) -> QuerySet[JointMeasure]:
    """The measures this person's own department takes (acknowledging is the department's, not the office's)."""
    scope = scope_for(user)
    if not scope.unit_paths:
        return JointMeasure.objects.none()
    return JointMeasure.objects.filter(unit__path__in=_unit_prefixes(scope.unit_paths))


class JointRows:
    """The rows of the joint-discipline list, read a page at a time: a sequence the paginator counts and slices,
    with one count query, then per page one query per measure on it and one for their acknowledgements."""

    def __init__(self, user, *, pending_only: bool = False):
        self.today = timezone.localdate()
        self.pending_only = pending_only
        self.measures = list(measures_for(user).order_by("unit__path", "pk"))
        self._counts: list[int] | None = None

    def _records(self, measure: JointMeasure) -> QuerySet[CreditRecord]:
        records = CreditRecord.objects.filter(effective_q(self.today), kind=measure.kind)
        if self.pending_only:
            records = records.exclude(acks__measure=measure)
        return records

    def counts(self) -> list[int]:
        if self._counts is None:
            by_kind = dict(CreditRecord.objects.filter(effective_q(self.today)).values_list("kind")
                           .annotate(n=Count("pk")).order_by())
            acked: dict[int, int] = {}
            if self.pending_only and self.measures:
                acked = dict(JointAck.objects.filter(effective_q(self.today, "record__"),
                                                     measure__in=[m.pk for m in self.measures])
                             .values_list("measure_id").annotate(n=Count("pk")).order_by())
            self._counts = [by_kind.get(m.kind, 0) - acked.get(m.pk, 0) for m in self.measures]
        return self._counts

    def __len__(self) -> int:
        return sum(self.counts())

    def count(self) -> int:
        return len(self)

    def __iter__(self):
        return iter(self[0:len(self)])

    def __getitem__(self, index):
        if isinstance(index, int):
            rows = self[index:index + 1]
            if not rows:
                raise IndexError(index)
            return rows[0]
        start, stop, _step = index.indices(len(self))
        picked: list[tuple[JointMeasure, list[CreditRecord]]] = []
        offset = 0
        for measure, n in zip(self.measures, self.counts(), strict=True):
            lo, hi = max(start - offset, 0), min(stop - offset, n)
            if lo < hi:
                records = list(self._records(measure).select_related("subject", "source")
                               .order_by("-decided_on", "-pk")[lo:hi])
                picked.append((measure, records))
            offset += n
            if offset >= stop:
                break
        pairs = Q()
        for measure, records in picked:
            pairs |= Q(measure=measure, record_id__in=[r.pk for r in records])
        acks = {}
        if picked:
            acks = {(a.measure_id, a.record_id): a
                    for a in JointAck.objects.filter(pairs).select_related("acknowledged_by")}
        return [JointRow(record=r, measure=m, ack=acks.get((m.pk, r.pk))) for m, records in picked for r in records]


def joint_rows(user, *, pending_only: bool = False) -> JointRows:
    """For each measure this person's department must take, the records in effect it applies to, with whether the
    department has acknowledged acting on each (a lazy sequence: paginate it)."""
    return JointRows(user, pending_only=pending_only)


def joint_record(measure: JointMeasure, pk: int) -> CreditRecord | None:
    """The record ``pk`` as it is on the joint-discipline list of ``measure``: in effect and of the measure's kind."""
    return (CreditRecord.objects.filter(effective_q(timezone.localdate()), kind=measure.kind)
            .select_related("subject", "source").filter(pk=pk).first())


# -- other apps' reads -----------------------------------------------------------------------------------------------

def nominee_subjects(*, credit_code: str = "", unit_id: int | None = None, site_id: int | None = None) -> list[int]:
    """The subjects a nominee is: by credit code, by the linked unit, by the linked site."""
    q = Q()
    code = credit_code_normalise(credit_code)
    if code:
        q |= Q(credit_code=code)
    if unit_id:
        q |= Q(unit_id=unit_id)
    if site_id:
        q |= Q(site_id=site_id)
    if not q:
        return []
    return list(CreditSubject.objects.filter(q).values_list("pk", flat=True))


def storefront_record_counts(shop_ids: list[int]) -> dict[int, int]:
    """Shops (storefront duties) with dishonest or penalty records in effect, and how many: matched by the link or
    by the shop's licence number (its credit code)."""
    today = timezone.localdate()
    effective = CreditRecord.objects.filter(effective_q(today), kind__in=[RecordKind.DISHONEST, RecordKind.PENALTY])
    counts: dict[int, int] = {}
    linked = (effective.filter(subject__storefront_id__in=shop_ids).values_list("subject__storefront_id")
              .annotate(n=Count("pk")))
    counts.update(dict(linked))
    codes = dict(StorefrontDuty.objects.filter(pk__in=shop_ids).exclude(licence_no="")
                 .values_list("licence_no", "pk"))
    if codes:
        for code, n in (effective.filter(subject__credit_code__in=list(codes), subject__storefront__isnull=True)
                        .values_list("subject__credit_code").annotate(n=Count("pk"))):
            counts[codes[code]] = counts.get(codes[code], 0) + n
    return counts


def unit_records(user, unit: Unit) -> list[CreditRecord]:
    subjects = list(CreditSubject.objects.filter(unit=unit).values_list("pk", flat=True))
    if not subjects:
        return []
    return list(record_rows(user).filter(subject_id__in=subjects).select_related("source", "subject")
                .order_by("-decided_on", "-pk")[:50])


def deciding_sources(user) -> list[CreditSource]:
    """The sources this person keeps that may send penalties or 失信 records (what a 信用提示 becomes)."""
    return [s for s in sources_kept(user).select_related("owner_unit")
            if RecordKind.PENALTY in s.kinds or RecordKind.DISHONEST in s.kinds]


def shops_in_scope(user) -> QuerySet[StorefrontDuty]:
    """The storefront duties this person's department oversees: those ``access.restrict`` gives them, and those
    in the jurisdiction (the area) of their units; a department without an area (a city bureau) oversees the city."""
    shops = StorefrontDuty.objects.all()
    scope = scope_for(user)
    if scope.everything:
        return shops
    if Unit.objects.filter(path__in=scope.unit_paths, area=None).exists():
        return shops
    visible = Q(pk__in=restrict(StorefrontDuty.objects.all(), user).values("pk"))
    for path in scope.jurisdiction_paths:
        visible |= Q(area__path__startswith=path) | Q(supervising_unit__area__path__startswith=path)
    return shops.filter(visible)


@dataclass
class Candidate:
    shop: StorefrontDuty
    duty: str
    duty_label: str
    count: int
    subject: CreditSubject | None


CANDIDATES_MAX = 200


def candidates(user) -> list[Candidate]:
    """信用提示 candidates for a department managing a source that may send penalties: the shops in the person's
    scope the storefront checks found failing one duty repeatedly (``storefront_repeat_offenders``), with the credit
    subject they match; at most CANDIDATES_MAX, most failures first."""
    if not deciding_sources(user):
        return []
    offences = storefront_repeat_offenders(since=repeat_since(), threshold=repeat_threshold())
    shops = shops_in_scope(user).defer("geometry").in_bulk([o.shop_id for o in offences])
    offences = [o for o in offences if o.shop_id in shops][:CANDIDATES_MAX]
    codes = [s.licence_no for s in shops.values() if s.licence_no]
    by_code = {s.credit_code: s for s in CreditSubject.objects.filter(credit_code__in=codes)}
    by_shop = {s.storefront_id: s for s in CreditSubject.objects.filter(storefront_id__in=list(shops))}
    labels = dict(STOREFRONT_DUTIES)
    rows = []
    for o in offences:
        shop = shops[o.shop_id]
        rows.append(Candidate(shop=shop, duty=o.duty, duty_label=str(labels.get(o.duty, o.duty)), count=o.count,
                              subject=by_shop.get(shop.pk) or by_code.get(shop.licence_no)))
    return rows


def candidate_shop(user, pk: int) -> StorefrontDuty | None:
    """The shop ``pk`` when it is one of this person's 信用提示 candidates (what they may decide on)."""
    return next((c.shop for c in candidates(user) if c.shop.pk == pk), None)
