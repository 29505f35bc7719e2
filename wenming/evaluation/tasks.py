from django_tasks import task

from wenming.evaluation.services.risk import risks_scan


@task()
def scan_risks() -> dict:
    """Periodic: risk signals from the linked cases created, overdue or escalated since the last run; 督办 of risk
    records past their response deadline; reminders of plan reviews (idempotent, cheap when nothing is linked)."""
    return risks_scan()
