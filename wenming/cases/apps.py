from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from wenming.common.files import stored_files_register


class CasesConfig(AppConfig):
    name = "wenming.cases"
    label = "cases"
    verbose_name = _("Cases, categories and routing")

    def ready(self) -> None:
        from . import signals  # noqa: F401

        # Evidence and exposure renders are named by functions (evidence_path, rendered_path), so the orphan-file
        # sweep cannot read these folders off the fields.
        stored_files_register(folders=["evidence/", "exposure/"])
