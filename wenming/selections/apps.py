from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelectionsConfig(AppConfig):
    name = "wenming.selections"
    label = "selections"
    verbose_name = _("Selections (评选)")

    def ready(self) -> None:
        # ready(): the services import models, which load after apps.py is imported.
        from wenming.common.files import stored_files_register  # noqa: PLC0415
        from wenming.selections.services.kinds import STANDARD_KINDS, measure_sources_register  # noqa: PLC0415
        from wenming.selections.services.qualification import builtin_checks_register  # noqa: PLC0415
        from wenming.selections.services.ranking import vote_tally_register  # noqa: PLC0415
        from wenming.selections.vote_selectors import vote_counts  # noqa: PLC0415

        builtin_checks_register()
        # The public vote's counted votes (flagged ones set apart until reviewed) rank beside the expert scores.
        vote_tally_register(lambda call: vote_counts(call=call))
        # Campaign tasks count each kind's titles (selections:<code>); kinds added later register when created.
        measure_sources_register([code for code, *_rest in STANDARD_KINDS])
        stored_files_register(folders=["selections/"])
