from django_tasks import task

from wenming.campaign.services.targets import targets_refresh
from wenming.campaign.services.tasks import measured_values_refresh, progress_reminders_scan


@task()
def scan_campaign() -> dict:
    """Periodic: remind units of progress reports that are due, refresh the values counted from cases and
    findings, and recompute the target lists from the registers (sites added, closed or moved since)."""
    counts = progress_reminders_scan()
    counts["measured"] = measured_values_refresh()
    counts["targets"] = targets_refresh()
    return counts
