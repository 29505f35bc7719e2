from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "wenming.api"
    label = "api"
    verbose_name = _("API access")

    def ready(self):
        from . import signals  # noqa: F401, PLC0415 — ready(): models load after apps.py is imported
