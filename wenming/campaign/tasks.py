from django.core.cache import cache
from django_tasks import task

from wenming.campaign.services.targets import targets_refresh
from wenming.campaign.services.tasks import measured_values_refresh, progress_reminders_scan
from wenming.common.services.geography import GEOGRAPHY, version_read

# The target lists follow the registers within this many seconds: a refresh reads every site of the rule tasks'
# kinds (seconds on a large city), so not on every minute's scan; "重新计算" on a task page refreshes one at once.
TARGETS_EVERY_SECONDS = 600
# The geography version the lists were last computed from: a site import, or any change of areas and sites,
# moves it, and the next minute's scan recomputes instead of waiting out the ten minutes.
TARGETS_GEOGRAPHY_KEY = "campaign:targets-geography"


@task()
def scan_campaign() -> dict:
    """Periodic: remind units of progress reports that are due, refresh the values counted from cases and
    findings, and recompute the target lists from the registers every ``TARGETS_EVERY_SECONDS`` or as soon as the
    geography (areas, sites) changed."""
    counts = progress_reminders_scan()
    counts["measured"] = measured_values_refresh()
    geography = version_read(GEOGRAPHY)
    due = cache.add("campaign:targets-refresh", 1, timeout=TARGETS_EVERY_SECONDS)
    if due or cache.get(TARGETS_GEOGRAPHY_KEY) != geography:
        counts["targets"] = targets_refresh()
        cache.set(TARGETS_GEOGRAPHY_KEY, geography, timeout=None)
    return counts
