from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "wenming.volunteers"
    label = "volunteers"
    verbose_name = _("Volunteer service (志愿服务)")

    def ready(self) -> None:
        # ready(): the panel reads models, which load after apps.py is imported. Cases may not import this app, so
        # the case page's 招募志愿者 panel is registered with cases instead.
        from wenming.cases.panels import case_panel_register  # noqa: PLC0415
        from wenming.volunteers.panels import volunteer_call_panel  # noqa: PLC0415

        case_panel_register(volunteer_call_panel)
