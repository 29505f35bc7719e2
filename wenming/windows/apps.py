from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WindowsConfig(AppConfig):
    name = "wenming.windows"
    label = "windows"
    verbose_name = _("Service windows (窗口文明服务)")
