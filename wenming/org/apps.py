from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "wenming.org"
    label = "org"
    verbose_name = _("Organisation and geography")

    def ready(self) -> None:
        # These modules import models, which are not loaded yet when this file is imported: hence not at the top.
        from wenming.common.services.geography import GEOGRAPHY, cache_reset_register

        from . import signals  # noqa: F401
        from .spatial import reset_index

        cache_reset_register(GEOGRAPHY, reset_index)
