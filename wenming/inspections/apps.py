from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "wenming.inspections"
    label = "inspections"
    verbose_name = _("Inspections (暗访)")

    def ready(self) -> None:
        # Start-up order: the services import models, which are ready only now.
        from django.contrib.auth.signals import user_logged_in  # noqa: PLC0415

        from wenming.inspections.services.patrols import road_chief_mark  # noqa: PLC0415

        user_logged_in.connect(road_chief_mark, dispatch_uid="inspections.road_chief_mark")
