"""The product's settings plus the bare endpoints http_intake.py compares against (DJANGO_SETTINGS_MODULE=bench.settings).
Never used by the product: its own settings know nothing of these."""

from wenming.settings import *  # noqa: F403
from wenming.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
