from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    default = True
    name = "wenming.common"
    label = "common"
    verbose_name = _("Common")

    def ready(self) -> None:
        from . import signals  # noqa: F401, PLC0415 — ready(): models load after apps.py is imported


class WenmingAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "wenming.common.admin_base.WenmingAdminSite"
