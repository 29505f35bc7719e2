from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "wenming.inspections"
    label = "inspections"
    verbose_name = _("Inspections (暗访)")

    def ready(self) -> None:
        # ready(): the selectors read models, which load after apps.py is imported.
        from wenming.evaluation.services.forecast import field_source_register  # noqa: PLC0415
        from wenming.inspections.forecast_selectors import SOURCE  # noqa: PLC0415

        # The mock evaluation reads the pass rates through this (evaluation cannot import inspections).
        field_source_register(SOURCE)
