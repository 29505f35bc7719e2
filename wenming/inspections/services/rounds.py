"""Rounds (暗访批次): plan with a reproducible stratified sample and balanced assignments, release the findings,
follow them up as a batch (督办单 for the late ones) and assign re-inspections (复查).

Every change goes through ``round_step``: lock the round through the person's scope (a round they may not see is
"not found"), check the action table (``actions.ROUND_ACTIONS``) and the version they saw, change, raise the
version and append a ``RoundEvent`` — in one transaction.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases.models import Case
from wenming.cases.services.escalation import notice_issue
from wenming.common.access import locked_in_scope
from wenming.common.errors import IllegalTransition, NotAllowed, WorkflowError
from wenming.common.roles import Role
from wenming.inspections.models import (
    Assignment,
    AssignmentKind,
    Result,
    Round,
    RoundEvent,
    RoundState,
)
from wenming.inspections.models.schemes import FAILING, Scheme
from wenming.inspections.services.actions import ROUND_ACTIONS, action_allowed, can_plan
from wenming.org.models import Area, AreaLevel, Person, Site, Unit

MAX_SAMPLE = 500  # per stratum
MAX_DAYS = 62
MAX_SEED = 2**62


class RoundNotFound(WorkflowError):
    code = "not_found"


class StaleRound(WorkflowError):
    code = "stale"


# -- sampling -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Stratum:
    district: str  # the district's code
    district_name: str
    site_type: str  # the site type's code
    site_type_name: str
    population: int
    size: int
    sites: tuple[str, ...]  # the sampled sites' codes, in code order

    @property
    def key(self) -> str:
        return f"{self.district}:{self.site_type}"


def district_code(area_path: str) -> str:
    """The district (区县, the second level of the tree) an area path lies in: "/CITY/COUNTY/…" → "COUNTY"."""
    parts = [p for p in area_path.split("/") if p]
    return parts[1] if len(parts) > 1 else ""


def population(*, districts: Iterable[Area], units: Iterable[Unit], site_type_ids: Iterable[int]):
    """The active sites of the round's site types in its districts or guaranteed by its units (or their sub-units)."""
    conditions = Q()
    for area in districts:
        conditions |= Q(area__path__startswith=area.path)
    for unit in units:
        conditions |= Q(guarantor_unit__path__startswith=unit.path)
    if not conditions:
        return Site.objects.none()
    return (Site.objects.filter(conditions, is_active=True, site_type_id__in=list(site_type_ids), area__isnull=False)
            .select_related("site_type", "area").order_by("code"))


def sample_draw(*, sites: Sequence[Site], seed: int, default_size: int, sizes: dict[str, int]) -> list[Stratum]:
    """Stratified simple random sampling without replacement: the sites split by district × site type, each stratum
    sampled on its own from its sites in code order with a generator seeded by (seed, stratum). The same seed and
    the same sites give the same sample; a stratum is drawn independently of every other one."""
    strata: dict[tuple[str, str], list[Site]] = defaultdict(list)
    for site in sites:
        strata[(district_code(site.area.path), site.site_type.code)].append(site)
    names = dict(Area.objects.filter(code__in={d for d, _t in strata}).values_list("code", "name"))
    drawn = []
    for (district, type_code), members in sorted(strata.items()):
        members.sort(key=lambda s: s.code)
        want = sizes.get(f"{district}:{type_code}", default_size)
        size = max(0, min(int(want), len(members)))
        chosen = random.Random(f"{seed}:{district}:{type_code}").sample(members, size)
        drawn.append(Stratum(district=district, district_name=names.get(district, district), site_type=type_code,
                             site_type_name=members[0].site_type.name, population=len(members), size=size,
                             sites=tuple(sorted(s.code for s in chosen))))
    return drawn


def assignments_balance(*, site_codes: Sequence[str], inspectors: Sequence[int], days: Sequence[dt.date]
                        ) -> list[tuple[str, int, dt.date]]:
    """Who checks which site on which day: sites dealt in turn to each (inspector, day) slot, so every inspector
    gets the same number of sites each day give or take one. Sites keep their order (by stratum, then code), so an
    inspector's day stays within few strata."""
    slots = [(person, day) for day in days for person in inspectors]
    return [(code, *slots[i % len(slots)]) for i, code in enumerate(site_codes)]


def _days(starts_on: dt.date, ends_on: dt.date) -> list[dt.date]:
    return [starts_on + dt.timedelta(days=i) for i in range((ends_on - starts_on).days + 1)]


# -- planning -----------------------------------------------------------------------------------------------------

def round_plan(*, actor, code: str, name: str, starts_on: dt.date, ends_on: dt.date, firm_name: str,
               inspectors: Sequence[Person], schemes: Sequence[Scheme], seed: int,
               districts: Sequence[Area] = (), units: Sequence[Unit] = (), default_sample_size: int = 3,
               sample_sizes: dict[str, int] | None = None) -> Round:
    """Plan a round: draw the sample, deal the sites to the inspectors by day, log it. Unannounced: only the
    planners see the round until its findings are released."""
    if not can_plan(actor):
        raise NotAllowed(_("Only the inspection planners plan rounds."))
    code, name, firm_name = code.strip(), name.strip(), firm_name.strip()
    if not code or not name or not firm_name:
        raise WorkflowError(_("Give the round a code, a name and the third-party firm."))
    if Round.objects.filter(code=code).exists():
        raise WorkflowError(_("A round with the code %(code)s exists.") % {"code": code})
    if ends_on < starts_on or (ends_on - starts_on).days >= MAX_DAYS:
        raise WorkflowError(_("The round ends after it starts, within %(days)d days.") % {"days": MAX_DAYS})
    if not districts and not units:
        raise WorkflowError(_("Choose the districts or units the round covers."))
    if any(a.level != AreaLevel.COUNTY for a in districts):
        raise WorkflowError(_("A round covers districts (区县), not smaller or larger areas."))
    if not inspectors:
        raise WorkflowError(_("Choose the round's inspectors."))
    holding = set(Person.objects.filter(pk__in=[p.pk for p in inspectors], is_active=True,
                                        roles__role=Role.INSPECTOR).values_list("pk", flat=True))
    if holding != {p.pk for p in inspectors}:
        raise WorkflowError(_("Every inspector of a round must hold the inspector role."))
    if not schemes or len({s.site_type_id for s in schemes}) != len(schemes):
        raise WorkflowError(_("Choose one scheme version per site type."))
    if not 0 <= int(seed) < MAX_SEED:
        raise WorkflowError(_("The seed is a whole number from 0 to %(max)s.") % {"max": MAX_SEED - 1})
    sizes = {str(k): int(v) for k, v in (sample_sizes or {}).items()}
    if not 0 < int(default_sample_size) <= MAX_SAMPLE or any(not 0 <= v <= MAX_SAMPLE for v in sizes.values()):
        raise WorkflowError(_("A sample size is from 1 to %(max)d sites per stratum.") % {"max": MAX_SAMPLE})
    scheme_by_type = {s.site_type_id: s for s in schemes}
    sites = list(population(districts=districts, units=units, site_type_ids=scheme_by_type))
    strata = sample_draw(sites=sites, seed=int(seed), default_size=default_sample_size, sizes=sizes)
    by_code = {s.code: s for s in sites}
    ordered = [code for stratum in strata for code in stratum.sites]
    if not ordered:
        raise WorkflowError(_("No site of these types lies in the round's scope."))
    deal = assignments_balance(site_codes=ordered, inspectors=[p.pk for p in inspectors],
                               days=_days(starts_on, ends_on))
    district_ids = dict(Area.objects.filter(code__in={s.district for s in strata}).values_list("code", "pk"))
    stratum_of = {code: stratum for stratum in strata for code in stratum.sites}
    with transaction.atomic():
        round_ = Round.objects.create(
            code=code, name=name, starts_on=starts_on, ends_on=ends_on, firm_name=firm_name, seed=int(seed),
            default_sample_size=default_sample_size, sample_sizes=sizes, created_by=actor,
            method={"method": "stratified simple random sampling without replacement",
                    "strata": [{"district": s.district, "district_name": s.district_name, "site_type": s.site_type,
                                "site_type_name": s.site_type_name, "population": s.population, "size": s.size}
                               for s in strata]},
        )
        round_.inspectors.set(inspectors)
        round_.districts.set(districts)
        round_.units.set(units)
        round_.schemes.set(schemes)
        Assignment.objects.bulk_create([
            Assignment(round=round_, site=by_code[site_code], scheme=scheme_by_type[by_code[site_code].site_type_id],
                       assignee_id=person, day=day, district_id=district_ids.get(stratum_of[site_code].district),
                       stratum=stratum_of[site_code].key)
            for site_code, person, day in deal
        ])
        RoundEvent.objects.create(round=round_, action="planned", actor=actor,
                                  data={"seed": int(seed), "sites": len(ordered), "strata": len(strata)})
    return round_


# -- the round's steps --------------------------------------------------------------------------------------------

def round_step(*, round_id: int, actor, action_key: str, mutate: Callable[[Round, dt.datetime], dict],
               expected_version: int | None = None) -> Round:
    """Lock (through scope) → check (action table, version) → change → version → event; one transaction."""
    action = ROUND_ACTIONS[action_key]
    with transaction.atomic():
        try:
            round_ = locked_in_scope(Round.objects.all(), actor, round_id)
        except Round.DoesNotExist:
            raise RoundNotFound(_("No such round.")) from None
        if not action_allowed(action, actor):
            raise NotAllowed(_("You may not do this on a round."))
        if round_.state not in action.states:
            raise IllegalTransition(_("Not possible while the round is %(state)s.")
                                    % {"state": round_.get_state_display()})
        if expected_version is not None and expected_version != round_.version:
            raise StaleRound(_("Someone changed this round meanwhile: reload the page and try again."))
        now = timezone.now()
        data = mutate(round_, now)
        round_.version += 1
        round_.save()
        RoundEvent.objects.create(round=round_, action=action.event, actor=actor, data=data)
    return round_


def round_release(*, round_id: int, actor, expected_version: int | None = None) -> Round:
    """通报: release the round's findings; from now on the units and districts see the round and its tables."""
    def mutate(round_: Round, now):
        round_.state, round_.released_at = RoundState.RELEASED, now
        return {"findings": round_.results.filter(outcome__in=FAILING).count()}

    return round_step(round_id=round_id, actor=actor, action_key="release", mutate=mutate,
                      expected_version=expected_version)


def findings(round_: Round):
    """The round's findings (failed items of the first visits), with their cases."""
    return (Result.objects.filter(round=round_, outcome__in=FAILING, assignment__kind=AssignmentKind.INSPECT)
            .select_related("item", "assignment__site__guarantor_unit", "assignment__district", "case", "case__unit")
            .order_by("assignment__site__code", "item__sort"))


# The states in which a late case is the unit's doing, and a 督办单 can go to it (the cases app's notice action).
UNIT_STATES = frozenset({"dispatched", "handling"})


def late_findings(round_: Round, now: dt.datetime) -> list[Result]:
    """Findings whose case is with its unit (signing or handling it) and past that stage's deadline."""
    return [f for f in findings(round_)
            if f.case is not None and f.case.unit_id and f.case.state in UNIT_STATES and f.case.is_overdue(now)]


def round_notices_issue(*, round_id: int, actor, demand: str, answer_within_hours=4,
                        expected_version: int | None = None) -> Round:
    """跟踪督办: a 督办单 on every late finding's case, in one action, each through ``cases``' notice service (its
    rules: who may issue, on which cases). A case the service refuses is listed in the event, not half-done: each
    notice is its own case step."""
    if not demand.strip():
        raise WorkflowError(_("Say what the unit must do."))
    outcome: dict[str, list] = {"issued": [], "refused": []}

    def mutate(round_: Round, now):
        for finding in late_findings(round_, now):
            try:
                with transaction.atomic():
                    notice_issue(case_id=finding.case_id, actor=actor, demand=demand,
                                 answer_within_hours=answer_within_hours)
            except WorkflowError as exc:
                outcome["refused"].append({"case": finding.case.number, "reason": str(exc)})
            else:
                outcome["issued"].append(finding.case.number)
        if not outcome["issued"] and not outcome["refused"]:
            raise WorkflowError(_("No finding of this round is late."))
        return outcome

    return round_step(round_id=round_id, actor=actor, action_key="notices", mutate=mutate,
                      expected_version=expected_version)


def round_reinspections_assign(*, round_id: int, actor, day: dt.date, inspector: Person,
                               expected_version: int | None = None) -> list[Assignment]:
    """复查: a re-inspection for every finding whose case is past its handling deadline or done (submitted, verified,
    closed) and not yet re-inspected, for ``inspector`` on ``day``."""
    made: list[Assignment] = []
    if not inspector.roles.filter(role=Role.INSPECTOR).exists():
        raise WorkflowError(_("Every inspector of a round must hold the inspector role."))

    def mutate(round_: Round, now):
        for finding in findings(round_).filter(reinspections__isnull=True):
            case: Case | None = finding.case
            due = case is not None and (not case.is_open or (case.handle_due and case.handle_due < now)
                                        or case.state in {"submitted", "verified"})
            if not due:
                continue
            made.append(Assignment.objects.create(
                round=round_, site=finding.assignment.site, scheme=finding.assignment.scheme, assignee=inspector,
                day=day, kind=AssignmentKind.REINSPECT, finding=finding, district=finding.assignment.district,
                stratum=finding.assignment.stratum))
        if not made:
            raise WorkflowError(_("No finding is due for re-inspection."))
        round_.inspectors.add(inspector)
        return {"assignments": len(made), "assignee": inspector.pk, "day": day.isoformat()}

    round_step(round_id=round_id, actor=actor, action_key="reinspect", mutate=mutate,
               expected_version=expected_version)
    return made
