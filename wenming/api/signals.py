from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from wenming.common.services.geography import credentials_bump
from wenming.org.models import Area, Person, RoleAssignment, Unit

from .models import ApiKey


@receiver([post_save, post_delete], sender=ApiKey)
@receiver([post_save, post_delete], sender=Person)
@receiver([post_save, post_delete], sender=RoleAssignment)
@receiver([post_save, post_delete], sender=Unit)
@receiver([post_save, post_delete], sender=Area)
def _credentials_changed(sender, **kwargs):
    if kwargs.get("raw"):
        return
    # Logging in stamps last_login on the person: nothing a key's holder may do changes with it.
    if kwargs.get("update_fields") and set(kwargs["update_fields"]) <= {"last_login"}:
        return
    credentials_bump()
