from django_tasks import task


@task()
def scan_escalations() -> dict:
    from wenming.cases.services.escalation import escalations_scan

    return {str(k): v for k, v in escalations_scan().items()}


@task()
def deliver_webhooks() -> dict:
    from wenming.cases.services.webhooks import webhooks_deliver

    return webhooks_deliver()
