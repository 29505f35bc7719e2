"""The online materials' periodic task (the worker's schedule runs it hourly; the scan is idempotent per day)."""

from django_tasks import task

from wenming.evaluation.services.materials import materials_reminders_scan


@task()
def scan_material_reminders() -> dict:
    """Remind the units of required materials still missing or returned a few days before they are due."""
    return materials_reminders_scan()
