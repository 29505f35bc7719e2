from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from wenming.common.services.geography import geography_version_bump

from .models import Facility


@receiver([post_save, post_delete], sender=Facility)
def _facility_changed(sender, **kwargs):
    if kwargs.get("raw"):
        return
    geography_version_bump()
