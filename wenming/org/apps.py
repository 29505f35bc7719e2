from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "wenming.org"
    label = "org"
    verbose_name = _("Organisation and geography")

    def ready(self) -> None:
        from wenming.common.services.geography import GEOGRAPHY, cache_reset_register  # noqa: PLC0415 — ready(): models load after apps.py is imported

        from . import signals  # noqa: F401, PLC0415 — ready(): models load after apps.py is imported
        from .spatial import reset_index  # noqa: PLC0415 — ready(): models load after apps.py is imported

        cache_reset_register(GEOGRAPHY, reset_index)
        from .services.imports.registers import register_imports_of_org  # noqa: PLC0415 — ready(): models load after apps.py is imported

        register_imports_of_org()
