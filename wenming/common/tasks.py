from django_tasks import task

from wenming.common.services.files import SWEEP_AGE, files_sweep
from wenming.common.services.notifications import notifications_deliver


@task()
def deliver_notifications() -> dict:
    return notifications_deliver()


@task()
def sweep_files() -> dict:
    return files_sweep(older_than=SWEEP_AGE).counts()
