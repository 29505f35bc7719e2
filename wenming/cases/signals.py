from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from wenming.common.services.geography import geography_version_bump, routing_config_bump
from wenming.org.models import Area, RoadChief, Unit

from .models import Category, Facility, RoutingRule, TimeLimit, Webhook


@receiver([post_save, post_delete], sender=Facility)
def _facility_changed(sender, **kwargs):
    if kwargs.get("raw"):
        return
    geography_version_bump()
    routing_config_bump()


@receiver([post_save, post_delete], sender=Category)
@receiver([post_save, post_delete], sender=TimeLimit)
@receiver([post_save, post_delete], sender=RoutingRule)
@receiver([post_save, post_delete], sender=Unit)
@receiver([post_save, post_delete], sender=Area)  # a rule holds its area's path and name
@receiver([post_save, post_delete], sender=RoadChief)
@receiver([post_save, post_delete], sender=Webhook)
@receiver(m2m_changed, sender=Category.facility_classes.through)
def _routing_config_changed(sender, **kwargs):
    if kwargs.get("raw"):
        return
    routing_config_bump()
