from django.conf import settings


def wenming(request):
    unread = 0
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from wenming.common.models import Notification

        unread = Notification.objects.filter(recipient=user, channel="in_app", read_at__isnull=True).count()
    return {
        "UNREAD_NOTIFICATIONS": unread,
        "WENMING_CITY_NAME": settings.WENMING_CITY_NAME,
        "WENMING_DEMO": settings.DEMO,
        "WENMING_MAP_TILES": settings.WENMING_MAP_TILES,
    }
