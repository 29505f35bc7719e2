from django.conf import settings


def wenming(request):
    return {
        "WENMING_CITY_NAME": settings.WENMING_CITY_NAME,
        "WENMING_DEMO": settings.DEMO,
        "WENMING_MAP_TILES": settings.WENMING_MAP_TILES,
    }
