from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .calendar import invalidate_overrides
from .middleware import session_seen_on_login
from .models import CalendarDay
from .services.geography import CALENDAR, cache_reset_register, calendar_bump

cache_reset_register(CALENDAR, invalidate_overrides)
user_logged_in.connect(session_seen_on_login, dispatch_uid="wenming.session_seen_on_login")


@receiver([post_save, post_delete], sender=CalendarDay)
def _calendar_changed(sender, **kwargs):
    if kwargs.get("raw"):
        return
    calendar_bump()  # every process reloads within WENMING_GEO_CHECK_SECONDS; this one right after the commit
