"""Any change to the geography moves the version, so spatial indexes in every process rebuild."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from wenming.common.services.geography import geography_version_bump

from .models import Area, RoadSegment, Site, StorefrontDuty


@receiver([post_save, post_delete], sender=Area)
@receiver([post_save, post_delete], sender=Site)
@receiver([post_save, post_delete], sender=RoadSegment)
@receiver([post_save, post_delete], sender=StorefrontDuty)
def _geography_changed(sender, **kwargs):
    if kwargs.get("raw"):
        return
    geography_version_bump()
