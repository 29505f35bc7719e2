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
