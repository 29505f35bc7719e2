from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "wenming.inspections"
    label = "inspections"
    verbose_name = _("Inspections (暗访)")

    def ready(self) -> None:
        # ready(): the selectors import models. Evaluation may not import this app (it imports evaluation), so the
        # ledger's 实地考察 feed is registered with it instead.
        from wenming.evaluation.field_results import field_results_register  # noqa: PLC0415
        from wenming.inspections.selectors import field_results_by_criterion  # noqa: PLC0415

        field_results_register(field_results_by_criterion)
