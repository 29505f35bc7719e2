from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """The top layer: what composes pages from every app (the home pages, the nav) and the worker's schedule.
    No app imports it."""

    name = "wenming.site"
    label = "site"
    verbose_name = _("Home pages and navigation")
