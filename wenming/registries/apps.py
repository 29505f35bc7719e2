from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistriesConfig(AppConfig):
    name = "wenming.registries"
    label = "registries"
    verbose_name = _("Registers (电动车·养犬)")

    def ready(self) -> None:
        # ready(): the panel reads models, which load after apps.py is imported. Cases may not import this app,
        # so the case page's 登记核查 panel is registered with cases instead.
        from wenming.cases.panels import case_panel_register  # noqa: PLC0415
        from wenming.registries.panels import registry_check_panel  # noqa: PLC0415

        case_panel_register(registry_check_panel)
        # The campaign's tasks measured from a register (R03-4 应挂尽挂, R04-2 持证率) read the city's latest rate.
        from wenming.campaign.services.tasks import measure_source_register  # noqa: PLC0415
        from wenming.registries.models import RegistryKind  # noqa: PLC0415
        from wenming.registries.selectors import registry_city_rate  # noqa: PLC0415

        for kind in RegistryKind.values:
            measure_source_register(kind, lambda kind=kind: registry_city_rate(kind=kind))
