from django_tasks import task


@task()
def deliver_notifications() -> dict:
    from wenming.common.services.notifications import notifications_deliver

    return notifications_deliver()


@task()
def sweep_files() -> dict:
    from wenming.common.services.files import SWEEP_AGE, files_sweep

    return files_sweep(older_than=SWEEP_AGE).counts()
