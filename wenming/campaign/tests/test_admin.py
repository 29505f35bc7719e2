"""The campaign's admin screens: the administrator opens them; progress reports are never changed there."""

import pytest
from django.urls import reverse

from wenming.campaign.models import Meeting, ProgressReport, Task, TaskForce
from wenming.campaign.services import tasks as svc
from wenming.demo.campaign import campaign_demo_build

pytestmark = pytest.mark.django_db


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def report(db, people, media_and_english):
    campaign_demo_build()
    task = Task.objects.get(code="R05-1")
    return svc.progress_report(task_id=task.pk, actor=people["chengguan"], value=3, narrative="新建3处")


@pytest.mark.parametrize("model", [TaskForce, Task, ProgressReport, Meeting], ids=lambda m: m.__name__)
def test_administrator_opens_campaign_admin(client, people, report, model):
    client.force_login(people["admin"])
    assert client.get(url(model, "changelist")).status_code == 200
    obj = model.objects.order_by("pk").first()
    if obj is not None:
        assert client.get(url(model, "change", obj.pk)).status_code == 200


def test_progress_reports_are_append_only_in_the_admin(client, people, report):
    client.force_login(people["admin"])
    assert client.get(url(ProgressReport, "add")).status_code == 403
    response = client.post(url(ProgressReport, "delete", report.pk), {"post": "yes"})
    assert response.status_code == 403 and ProgressReport.objects.filter(pk=report.pk).exists()


def test_units_see_tasks_but_do_not_change_them(client, people, report):
    client.force_login(people["chengguan"])
    task = Task.objects.get(code="R05-1")
    page = client.get(url(Task, "change", task.pk))
    assert page.status_code == 200
    client.post(url(Task, "change", task.pk), {"title": "改掉"})
    task.refresh_from_db()
    assert task.title != "改掉"
