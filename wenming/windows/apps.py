from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WindowsConfig(AppConfig):
    name = "wenming.windows"
    label = "windows"
    verbose_name = _("Service windows (窗口文明服务)")

    def ready(self) -> None:
        # ready(): the hooks read models, which load after apps.py is imported. Cases may not import this app, so
        # the case page's 窗口 panel and routing's subject unit of a linked complaint are registered with cases.
        from wenming.cases.panels import case_panel_register  # noqa: PLC0415
        from wenming.cases.services.routing import subject_unit_source_register  # noqa: PLC0415
        from wenming.windows.panels import window_link_panel  # noqa: PLC0415
        from wenming.windows.services.links import subject_unit_of_case  # noqa: PLC0415

        case_panel_register(window_link_panel)
        subject_unit_source_register(subject_unit_of_case)
