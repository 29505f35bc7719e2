"""The window service's periodic task (the worker's schedule runs it hourly; idempotent: one reminder per
certificate and expiry date, by the notification key)."""

from django_tasks import task

from wenming.windows.services.records import certificates_remind


@task()
def scan_certificate_reminders() -> int:
    """Tell each window's unit of its staff's certificates expiring within 30 days or expired."""
    return certificates_remind()
