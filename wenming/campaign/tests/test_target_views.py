"""The target list on the task page, the line page's forms, the battle map's targets, the recompute button."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wenming.campaign.models import TargetLine, TargetLineStatus, Task
from wenming.conftest import photo_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the pages answer in the browser's language; tests match English


def test_task_page_lists_lines_with_filters_and_counts(client, worked):
    task = worked["task"]
    client.force_login(worked["leader"])
    page = client.get(reverse("campaign:task", args=[task.pk])).content.decode()
    assert 'id="target-lines"' in page and "幸福小区" in page and "别家小区" in page
    assert 'data-status="pending"' in page
    page = client.get(reverse("campaign:task", args=[task.pk]), {"q": "幸福"}).content.decode()
    assert "幸福小区" in page and "别家小区" not in page
    # The owner unit's handler sees its own line only.
    client.force_login(worked["handler"])
    page = client.get(reverse("campaign:task", args=[task.pk])).content.decode()
    assert "幸福小区" in page and "别家小区" not in page


def test_line_page_submit_then_review_turns_the_row_green(client, worked):
    line = worked["line"]
    client.force_login(worked["outsider"])
    assert client.get(reverse("campaign:line", args=[line.pk])).status_code == 404  # another unit's line
    client.force_login(worked["handler"])
    page = client.get(reverse("campaign:line", args=[line.pk])).content.decode()
    assert 'id="line-submit-form"' in page and 'id="line-review-form"' not in page
    response = client.post(reverse("campaign:line_submit", args=[line.pk]), {"note": "已整治"})
    assert response.status_code == 400 and "at least one photo or PDF" in response.content.decode()
    photo = SimpleUploadedFile("整治后.png", photo_bytes(), "image/png")
    assert client.post(reverse("campaign:line_submit", args=[line.pk]), {"note": "已整治", "files": [photo]}).status_code == 302
    evidence = line.evidence.get()
    assert client.get(reverse("campaign:line_evidence", args=[evidence.pk])).status_code == 200
    assert client.post(reverse("campaign:line_review", args=[line.pk]), {"decision": "accept"}).status_code == 400
    client.force_login(worked["leader"])
    response = client.post(reverse("campaign:line_review", args=[line.pk]), {"decision": "return"})
    assert response.status_code == 400 and "Note" in response.content.decode()
    assert client.post(reverse("campaign:line_review", args=[line.pk]), {"decision": "accept"}).status_code == 302
    line.refresh_from_db()
    assert line.status == TargetLineStatus.ACCEPTED
    page = client.get(reverse("campaign:task", args=[line.task_id])).content.decode()
    assert f'data-line="{line.pk}" data-colour="ok"' in page


def test_battle_map_data_carries_the_selected_tasks_lines_and_gaps(client, worked, people):
    task = worked["task"]
    client.force_login(people["zhiban"])
    data = client.get(reverse("campaign:map_data"), {"task": task.pk}).json()["targets"]
    assert data["task"]["code"] == task.code and len(data["lines"]) == 2
    assert {line["colour"] for line in data["lines"]} == {"todo"}
    client.force_login(worked["handler"])
    data = client.get(reverse("campaign:map_data"), {"task": task.pk}).json()["targets"]
    assert [line["name"] for line in data["lines"]] == ["幸福小区"]
    assert client.get(reverse("campaign:map_data")).json()["targets"] is None


def test_recompute_by_the_leader_not_by_a_unit(client, worked):
    task = worked["task"]
    TargetLine.objects.filter(task=task).update(count=9)
    client.force_login(worked["handler"])
    client.post(reverse("campaign:targets_recompute", args=[task.pk]))
    assert TargetLine.objects.filter(task=task, count=9).count() == 2
    client.force_login(worked["leader"])
    assert client.post(reverse("campaign:targets_recompute", args=[task.pk])).status_code == 302
    assert not TargetLine.objects.filter(task=task, count=9).exists()
    assert Task.objects.get(pk=task.pk).lines.count() == 2
