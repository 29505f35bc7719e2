from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "wenming.inspections"
    label = "inspections"
    verbose_name = _("Inspections (暗访)")

    def ready(self) -> None:
        # ready(): the selectors and services read models, which load after apps.py is imported. Evaluation may not
        # import this app (this one imports evaluation), so what it reads from inspections is registered with it
        # instead: the ledger's 实地考察 feed and the mock evaluation's pass rates.
        from django.contrib.auth.signals import user_logged_in  # noqa: PLC0415

        from wenming.evaluation.field_results import field_source_register  # noqa: PLC0415
        from wenming.inspections.forecast_selectors import SOURCE  # noqa: PLC0415
        from wenming.inspections.services.patrols import road_chief_mark  # noqa: PLC0415

        field_source_register(SOURCE)
        user_logged_in.connect(road_chief_mark, dispatch_uid="inspections.road_chief_mark")
