from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "wenming.credit"
    label = "credit"
    verbose_name = _("Credit network (信用信息)")

    def ready(self) -> None:
        # ready(): the checks read models, which load after apps.py is imported. Selections, org and inspections may
        # not import this app, so each gets the credit network through its registration hook.
        from wenming.credit import hooks  # noqa: PLC0415

        hooks.register_all()
