from django_tasks import task


@task()
def compute_snapshots() -> dict:
    """Recompute the running week's and month's drafts and check the last published ones for corrections."""
    from wenming.scoring.services.scores import snapshots_due

    return snapshots_due()
