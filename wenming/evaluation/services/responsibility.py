"""Who answers for a criterion (the responsibility matrix), changed one criterion at a time from its form or many
at once from the 责任分工 sheet; every change locked, versioned and written as a ``CriterionEvent``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.campaign.models import Task, TaskForce
from wenming.cases.models import Category
from wenming.common.access import locked_in_scope, scope_for
from wenming.common.errors import IllegalTransition, NotAllowed, WorkflowError
from wenming.common.roles import FRAMEWORK_KEEPERS
from wenming.evaluation.models import Criterion, CriterionEvent, CriterionEventAction
from wenming.org.models import SiteType, Unit

MAX_RADIUS_M = 100_000


class StaleCriterion(IllegalTransition):
    """The form was filled in on an older version of the criterion."""


@dataclass(frozen=True)
class Responsibility:
    """A criterion's whole responsibility, by ids; ``fields`` says which parts a change sets (the others stay)."""

    lead_unit_id: int | None = None
    responsible_unit_ids: frozenset[int] = frozenset()
    leader_name: str = ""
    leader_post: str = ""
    task_force_id: int | None = None
    task_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()
    site_type_ids: frozenset[int] = frozenset()
    radius_m: int | None = None
    fields: frozenset[str] = field(default=frozenset(), compare=False)

    PARTS = ("lead_unit_id", "responsible_unit_ids", "leader_name", "leader_post", "task_force_id", "task_ids",
             "category_ids", "site_type_ids", "radius_m")


def responsibility_of(criterion: Criterion) -> Responsibility:
    """What the criterion holds now (its many-to-many parts read from prefetched rows when there are some)."""
    return Responsibility(
        lead_unit_id=criterion.lead_unit_id,
        responsible_unit_ids=frozenset(u.pk for u in criterion.responsible_units.all()),
        leader_name=criterion.leader_name, leader_post=criterion.leader_post, task_force_id=criterion.task_force_id,
        task_ids=frozenset(t.pk for t in criterion.tasks.all()),
        category_ids=frozenset(c.pk for c in criterion.categories.all()),
        site_type_ids=frozenset(s.pk for s in criterion.site_types.all()),
        radius_m=criterion.radius_m,
    )


def _merged(current: Responsibility, new: Responsibility) -> Responsibility:
    parts = new.fields or frozenset(Responsibility.PARTS)
    return Responsibility(**{name: getattr(new if name in parts else current, name) for name in Responsibility.PARTS})


def responsibility_describe(value: Responsibility) -> dict:
    """The responsibility by codes, as the event keeps it (ids change meaning when rows go; codes are read)."""

    def codes(model, ids, attr="code"):
        return sorted(model.objects.filter(pk__in=ids).values_list(attr, flat=True)) if ids else []

    return {
        "lead_unit": codes(Unit, [value.lead_unit_id] if value.lead_unit_id else [])[:1],
        "responsible_units": codes(Unit, value.responsible_unit_ids),
        "leader_name": value.leader_name, "leader_post": value.leader_post,
        "task_force": codes(TaskForce, [value.task_force_id] if value.task_force_id else [])[:1],
        "tasks": codes(Task, value.task_ids), "categories": codes(Category, value.category_ids),
        "site_types": codes(SiteType, value.site_type_ids), "radius_m": value.radius_m,
    }


def responsibility_check(value: Responsibility) -> None:
    """What no source may set, whichever page or file it came from."""
    if value.radius_m is not None and not 0 <= value.radius_m <= MAX_RADIUS_M:
        raise WorkflowError(_("Radius: between 0 and %(max)d metres.") % {"max": MAX_RADIUS_M})
    if len(value.leader_name) > 50:
        raise WorkflowError(_("City leader in charge: at most 50 characters."))
    if len(value.leader_post) > 100:
        raise WorkflowError(_("Leader's post: at most 100 characters."))
    if value.lead_unit_id is not None and value.lead_unit_id in value.responsible_unit_ids:
        # The lead unit is responsible anyway; listing it twice would count it twice in "my criteria".
        raise WorkflowError(_("Responsible units: the lead unit is already responsible; list only the others."))


def _write(criterion: Criterion, new: Responsibility, *, actor, action: str, note: str, now: dt.datetime) -> bool:
    """The one writer: set the parts that changed, raise the version, append the event. False if nothing changed."""
    current = responsibility_of(criterion)
    value = _merged(current, new)
    if value == current:
        return False
    responsibility_check(value)
    criterion.lead_unit_id, criterion.leader_name, criterion.leader_post = (
        value.lead_unit_id, value.leader_name, value.leader_post)
    criterion.task_force_id, criterion.radius_m = value.task_force_id, value.radius_m
    criterion.version += 1
    criterion.save(update_fields=["lead_unit", "leader_name", "leader_post", "task_force", "radius_m", "version",
                                  "updated_at"])
    for relation, before, after in (("responsible_units", current.responsible_unit_ids, value.responsible_unit_ids),
                                    ("tasks", current.task_ids, value.task_ids),
                                    ("categories", current.category_ids, value.category_ids),
                                    ("site_types", current.site_type_ids, value.site_type_ids)):
        if before != after:
            getattr(criterion, relation).set(sorted(after))
    CriterionEvent.objects.create(
        criterion=criterion, action=action, actor=actor, note=note, at=now,
        data={"before": responsibility_describe(current), "after": responsibility_describe(value),
              "version": criterion.version},
    )
    return True


def _lock(actor, criterion_id: int) -> Criterion:
    """The criterion locked through the actor's scope; a command run on the server (no actor) is the system's."""
    if actor is None:
        return Criterion.objects.select_for_update(of=("self",)).get(pk=criterion_id)
    return locked_in_scope(Criterion.objects.all(), actor, criterion_id)


def can_keep_framework(user) -> bool:
    return bool(scope_for(user).roles & FRAMEWORK_KEEPERS)


def criterion_responsibility_set(*, criterion_id: int, actor, expected_version: int, value: Responsibility,
                                 note: str = "", now: dt.datetime | None = None) -> Criterion:
    """Set who answers for one criterion (the evaluation office's form). Refuses another role, an older form."""
    if not can_keep_framework(actor):
        raise NotAllowed(_("Only the evaluation office sets who answers for a criterion."))
    now = now or timezone.now()
    with transaction.atomic():
        criterion = _lock(actor, criterion_id)
        if criterion.version != expected_version:
            raise StaleCriterion(_("Someone changed this criterion's responsibility meanwhile: look at it again "
                                   "and repeat your change."))
        _write(criterion, value, actor=actor, action=CriterionEventAction.RESPONSIBILITY_SET, note=note, now=now)
    return criterion


def responsibilities_write(*, criteria: dict[int, Responsibility], actor, note: str,
                           now: dt.datetime | None = None) -> int:
    """Many criteria at once (an import), inside the caller's transaction: each row locked through the scope
    first, in id order; the number of criteria that changed."""
    now = now or timezone.now()
    changed = 0
    for criterion_id in sorted(criteria):
        criterion = _lock(actor, criterion_id)
        changed += _write(criterion, criteria[criterion_id], actor=actor,
                          action=CriterionEventAction.RESPONSIBILITY_IMPORTED, note=note, now=now)
    return changed
