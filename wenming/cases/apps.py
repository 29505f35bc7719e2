from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from wenming.common.files import stored_files_register


class CasesConfig(AppConfig):
    name = "wenming.cases"
    label = "cases"
    verbose_name = _("Cases, categories and routing")

    def ready(self) -> None:
        from wenming.common.services.geography import ROUTING_CONFIG, cache_reset_register  # noqa: PLC0415 — ready(): models load after apps.py is imported
        from wenming.org.spatial import facility_source_register  # noqa: PLC0415 — ready(): models load after apps.py is imported

        from . import signals  # noqa: F401, PLC0415 — ready(): models load after apps.py is imported
        from .routing_cache import facility_points, reset_routing_config  # noqa: PLC0415 — ready(): models load after apps.py is imported

        cache_reset_register(ROUTING_CONFIG, reset_routing_config)
        facility_source_register(facility_points)
        from .services.facility_imports import facility_import_register  # noqa: PLC0415 — ready(): models load after apps.py is imported

        facility_import_register()

        # Evidence and exposure renders are named by functions (evidence_path, rendered_path), so the orphan-file
        # sweep cannot read these folders off the fields.
        stored_files_register(folders=["evidence/", "exposure/"])
