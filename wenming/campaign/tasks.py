from django_tasks import task

from wenming.campaign.services.tasks import measured_values_refresh, progress_reminders_scan


@task()
def scan_campaign() -> dict:
    """Periodic: remind units of progress reports that are due, refresh the values counted from cases."""
    counts = progress_reminders_scan()
    counts["measured"] = measured_values_refresh()
    return counts
