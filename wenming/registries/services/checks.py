"""登记核查: a plate or licence number looked up in a register from a case about an unplated e-bike or an unlicensed
dog. The answer is the status only (已挂牌, 已备案未挂牌, 有效, 过期, 注销, 未登记), whoever asks; the check is stored
and appended to the case's timeline as an event (not a workflow step: the case's state stays)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases.models import Case, EventAction
from wenming.cases.services.workflow import event_append
from wenming.common.access import locked_in_scope
from wenming.registries.errors import RegistryError
from wenming.registries.models import (
    CheckResult,
    RecordStatus,
    Registry,
    RegistryCheck,
    RegistryKind,
    RegistryRecord,
)
from wenming.registries.services.imports import number_normalise, number_problem


def registry_lookup(*, registry: Registry, number: str, on=None) -> str:
    """The status of a normalised number in the register today (a ``CheckResult``)."""
    record = (RegistryRecord.objects.filter(registry=registry, number=number, active=True)
              .only("status", "expires_on").first())
    if record is None:
        return CheckResult.UNREGISTERED
    on = on or timezone.localdate()
    if (registry.kind == RegistryKind.DOG and record.status == RecordStatus.VALID and record.expires_on
            and record.expires_on < on):
        return CheckResult.EXPIRED
    return record.status  # the statuses and the results share their values


def registry_check(*, case_id: int, registry_id: int, number: str, actor) -> RegistryCheck:
    """Look ``number`` up for the case (which the person must see in their scope), store the check and log it on the
    case. Refused when the register does not answer the case's category or the number cannot be one."""
    normalised = number_normalise(number)
    if problem := number_problem(normalised):
        raise RegistryError(_("Number: %(problem)s.") % {"problem": problem})
    with transaction.atomic():
        case = locked_in_scope(Case.objects.all(), actor, case_id)
        registry = Registry.objects.filter(pk=registry_id, categories=case.category_id).first()
        if registry is None:
            raise RegistryError(_("This register does not answer this case's category."))
        now = timezone.now()
        result = registry_lookup(registry=registry, number=normalised, on=timezone.localdate(now))
        check = RegistryCheck.objects.create(case=case, registry=registry, number=normalised, result=result,
                                             actor=actor, at=now)
        # The event's sequence number is the case's version: a logged check raises it as any event does.
        case.version += 1
        case.save(update_fields=["version", "updated_at"])
        event_append(case, action=EventAction.REGISTRY_CHECK, actor=actor, at=now,
                     data={"registry": registry.kind, "number": normalised, "result": result})
    return check
