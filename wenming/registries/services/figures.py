"""Per-area figures of a register: counted from the active records with one GROUP BY per community, rolled up to
the street, county and city, and written for one date at once (the previous figures of that date replaced in the
same transaction). Rates and trends read these rows, never the records."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q

from wenming.org.models import Area
from wenming.registries.models import (
    COMPLIANT,
    RecordStatus,
    Registry,
    RegistryFigure,
    RegistryKind,
    RegistryRecord,
)


@dataclass
class Tally:
    total: int = 0
    compliant: int = 0
    dangerous: int = 0

    def add(self, other: Tally) -> None:
        self.total += other.total
        self.compliant += other.compliant
        self.dangerous += other.dangerous


def compliant_condition(registry: Registry, as_of: dt.date) -> Q:
    """What counts as compliant on a date: plated (e-bikes); a valid licence not past its date (dogs)."""
    condition = Q(status=COMPLIANT[registry.kind])
    if registry.kind == RegistryKind.DOG:
        condition &= Q(expires_on__isnull=True) | Q(expires_on__gte=as_of)
    return condition


def counted_records(registry: Registry):
    """The records a figure counts: active ones; a cancelled dog licence (注销) is no dog the city still has."""
    records = RegistryRecord.objects.filter(registry=registry, active=True)
    if registry.kind == RegistryKind.DOG:
        records = records.exclude(status=RecordStatus.CANCELLED)
    return records


def tallies_from_records(*, registry: Registry, as_of: dt.date) -> dict[int, Tally]:
    rows = (counted_records(registry).order_by().values("area_id")
            .annotate(total=Count("pk"), compliant=Count("pk", filter=compliant_condition(registry, as_of)),
                      dangerous=Count("pk", filter=Q(dangerous=True))))
    return {row["area_id"]: Tally(row["total"], row["compliant"], row["dangerous"]) for row in rows}


def tallies_rolled_up(tallies: dict[int, Tally]) -> dict[int, Tally]:
    """The given areas' tallies plus every ancestor's (from the areas' paths): street, county, city."""
    paths = dict(Area.objects.filter(pk__in=list(tallies)).values_list("pk", "path"))
    ancestor_codes = {code for path in paths.values() for code in path.strip("/").split("/")[:-1]}
    ids_by_code = dict(Area.objects.filter(code__in=ancestor_codes).values_list("code", "pk"))
    result: dict[int, Tally] = defaultdict(Tally)
    for area_id, tally in tallies.items():
        result[area_id].add(tally)
        for code in paths.get(area_id, "").strip("/").split("/")[:-1]:
            if code in ids_by_code:
                result[ids_by_code[code]].add(tally)
    return dict(result)


def figures_write(*, registry: Registry, as_of: dt.date, tallies: dict[int, Tally], source: str) -> int:
    """Replace the figures of ``as_of`` with these (the caller's transaction keeps the old ones until it commits)."""
    RegistryFigure.objects.filter(registry=registry, as_of=as_of).delete()
    RegistryFigure.objects.bulk_create(
        [RegistryFigure(registry=registry, area_id=area_id, as_of=as_of, total=t.total, compliant=t.compliant,
                        dangerous=t.dangerous, source=source) for area_id, t in tallies.items()],
        batch_size=1000,
    )
    return len(tallies)


def figures_compute(*, registry: Registry, as_of: dt.date) -> int:
    """The figures of ``as_of`` from the records as they are now; returns how many rows were written."""
    tallies = tallies_rolled_up(tallies_from_records(registry=registry, as_of=as_of))
    return figures_write(registry=registry, as_of=as_of, tallies=tallies, source=RegistryFigure.Source.COMPUTED)
