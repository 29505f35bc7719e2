from django_tasks import task

from wenming.scoring.services.dashboard import daily_counts_refresh
from wenming.scoring.services.scores import snapshots_due


@task()
def compute_snapshots() -> dict:
    """Recompute the running week's and month's drafts and check the last published ones for corrections."""
    return snapshots_due()


@task()
def refresh_daily_counts() -> dict:
    """Recount the last three whole days of events for the dashboards (run hourly)."""
    return {"rows": daily_counts_refresh(days=3)}
