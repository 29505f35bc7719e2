from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "wenming.cases"
    label = "cases"
    verbose_name = _("Cases, categories and routing")

    def ready(self) -> None:
        from . import signals  # noqa: F401
