from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "wenming.volunteers"
    label = "volunteers"
    verbose_name = _("Volunteer service (志愿服务)")
