from django_tasks import task


@task()
def deliver_notifications() -> dict:
    from wenming.common.services.notifications import notifications_deliver

    return notifications_deliver()
