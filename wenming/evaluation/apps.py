from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "wenming.evaluation"
    label = "evaluation"
    verbose_name = _("Evaluation framework")

    def ready(self) -> None:
        # ready(): models load after apps.py is imported.
        from django.db.models.signals import m2m_changed, post_delete, post_save  # noqa: PLC0415

        from wenming.cases.models import Case, Category  # noqa: PLC0415
        from wenming.evaluation.models import Criterion, Edition  # noqa: PLC0415
        from wenming.evaluation.services import risk  # noqa: PLC0415

        # The risk watch: a new case in a linked category feeds the criteria's risk records at once (after commit);
        # the cached set of linked categories is dropped when links, categories or the current edition change.
        post_save.connect(risk.case_saved, sender=Case, dispatch_uid="evaluation_risk_case_saved")
        m2m_changed.connect(risk.linked_categories_invalidate, sender=Criterion.categories.through,
                            dispatch_uid="evaluation_risk_links")
        for model in (Edition, Category, Criterion):
            post_save.connect(risk.linked_categories_invalidate, sender=model,
                              dispatch_uid=f"evaluation_risk_links_save_{model.__name__}")
            post_delete.connect(risk.linked_categories_invalidate, sender=model,
                                dispatch_uid=f"evaluation_risk_links_delete_{model.__name__}")
