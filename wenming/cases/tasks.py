from django_tasks import task

from wenming.cases.services.escalation import escalations_scan
from wenming.cases.services.webhooks import webhooks_deliver


@task()
def scan_escalations() -> dict:
    return {str(k): v for k, v in escalations_scan().items()}


@task()
def deliver_webhooks() -> dict:
    return webhooks_deliver()
