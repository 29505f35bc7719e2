from django.core.cache import cache
from django_tasks import task

from wenming.campaign.services.targets import targets_refresh
from wenming.campaign.services.tasks import measured_values_refresh, progress_reminders_scan

# The target lists follow the registers within this many seconds: a refresh reads every site of the rule tasks'
# kinds (seconds on a large city), so not on every minute's scan; "重新计算" on a task page refreshes one at once.
TARGETS_EVERY_SECONDS = 600


@task()
def scan_campaign() -> dict:
    """Periodic: remind units of progress reports that are due, refresh the values counted from cases and
    findings, and (every ``TARGETS_EVERY_SECONDS``) recompute the target lists from the registers."""
    counts = progress_reminders_scan()
    counts["measured"] = measured_values_refresh()
    if cache.add("campaign:targets-refresh", 1, timeout=TARGETS_EVERY_SECONDS):
        counts["targets"] = targets_refresh()
    return counts
