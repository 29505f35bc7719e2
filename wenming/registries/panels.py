"""The case page's 登记核查 panel (registered with ``cases.panels`` in ``RegistriesConfig.ready``): shown on a case
whose category a register answers, with the number form and the checks made so far (status only)."""

from __future__ import annotations

from wenming.cases.panels import CasePanel
from wenming.common.access import scope_for
from wenming.registries.forms import RegistryCheckForm
from wenming.registries.models import Registry


def registry_check_panel(case, user) -> CasePanel | None:
    if not case.category_id or not scope_for(user).is_staff:
        return None
    registries = list(Registry.objects.filter(categories=case.category_id))
    if not registries:
        return None
    checks = list(case.registry_checks.select_related("registry", "actor").order_by("-at", "-pk")[:20])
    return CasePanel(key="registry-check", template="registries/_case_panel.html", context={
        "case": case, "checks": checks,
        "form": RegistryCheckForm(registries=registries, initial={"registry": registries[0].pk}),
    })
