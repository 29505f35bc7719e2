from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "wenming.org"
    label = "org"
    verbose_name = _("Organisation and geography")

    def ready(self) -> None:
        from . import signals  # noqa: F401
