"""The inspector's offline app (shell, service worker, manifest) and settling a sync conflict from the round page."""

import datetime as dt
import json

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from wenming.common.errors import WorkflowError
from wenming.inspections.models import Assignment, AssignmentKind, RoundEvent
from wenming.inspections.services import conflicts as cs
from wenming.inspections.services import results as res

from .conftest import observation

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def conflict(demo_round, people):
    """A failed item kept (its case filed), then the same item sent as passed from another phone: refused."""
    assignment = demo_round.assignments.select_related("site").order_by("pk").first()
    code = assignment.scheme.items.order_by("sort", "code").first().code
    kept = res.results_sync(actor=people["anfang"], observations=[observation(assignment, code, "fail")])[0]
    res.results_sync(actor=people["anfang"], observations=[observation(assignment, code, "pass")])
    return RoundEvent.objects.get(round=demo_round, action="conflict"), kept


def test_the_shell_is_the_inspectors_and_names_its_worker_and_manifest(client, people):
    url = reverse("inspections:app")
    assert client.get(url).status_code == 302  # to the login
    for name in ("zhiban", "chengguan", "ceping"):
        client.force_login(people[name])
        assert client.get(url).status_code == 404, name
    client.force_login(people["anfang"])
    page = client.get(url).content.decode()
    for needle in (reverse("inspections:app_sw"), reverse("inspections:app_manifest"), 'id="app-download"',
                   reverse("api:inspections-assignments"), reverse("api:inspections-results"), "inspector-app.js"):
        assert needle in page, needle
    assert "<script>" not in page  # the CSP forbids inline scripts: the texts travel as data- attributes


def test_the_worker_is_javascript_never_cached_and_lists_what_it_keeps(client):
    response = client.get(reverse("inspections:app_sw"))  # no login: a worker update after the session ended
    assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"] and response["Service-Worker-Allowed"] == reverse("inspections:app")
    head, _rest = response.content.decode().split("\n", 1)
    config = json.loads(head.removeprefix("self.WENMING_APP = ").removesuffix(";"))
    assert config["shell"] == reverse("inspections:app") and len(config["version"]) == 12
    assert "/static/wenming/inspector-app.js" in config["assets"]
    for url in config["assets"]:  # every asset it caches exists
        assert finders.find(url.removeprefix("/static/")), url
    assert "Content-Security-Policy" in response  # the worker runs under the site's policy too


def test_the_manifest_makes_the_app_installable(client):
    response = client.get(reverse("inspections:app_manifest"))
    assert response["Content-Type"].startswith("application/manifest+json")
    data = json.loads(response.content)
    assert data["start_url"] == data["scope"] == reverse("inspections:app") and data["display"] == "standalone"
    assert {i["sizes"] for i in data["icons"]} == {"192x192", "512x512"}
    for icon in data["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]


def test_keeping_the_first_result_needs_a_note_and_settles_once(conflict, demo_round, people):
    event, _kept = conflict
    with pytest.raises(WorkflowError, match="note"):
        cs.conflict_settle(round_id=demo_round.pk, actor=people["zhiban"], conflict_id=event.pk, decision="keep")
    settled = cs.conflict_settle(round_id=demo_round.pk, actor=people["zhiban"], conflict_id=event.pk,
                                 decision="keep", note="公司确认：第二部手机误录\x07")
    assert settled.action == "settled" and settled.data["conflict"] == event.pk and settled.data["note"].endswith("误录")
    with pytest.raises(WorkflowError, match="settled already"):
        cs.conflict_settle(round_id=demo_round.pk, actor=people["zhiban"], conflict_id=event.pk, decision="reinspect",
                           inspector=people["anfang"], day=timezone.localdate())
    assert cs.settlements(demo_round) == {event.pk: settled}


def test_a_re_inspection_is_ordered_for_the_item_that_stands(conflict, demo_round, people):
    event, kept = conflict
    day = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(WorkflowError, match="inspector role"):
        cs.conflict_settle(round_id=demo_round.pk, actor=people["zhiban"], conflict_id=event.pk,
                           decision="reinspect", inspector=people["chengguan"], day=day)
    cs.conflict_settle(round_id=demo_round.pk, actor=people["zhiban"], conflict_id=event.pk, decision="reinspect",
                       inspector=people["anfang"], day=day)
    made = Assignment.objects.get(kind=AssignmentKind.REINSPECT, finding_id=kept.result_id)
    assert made.assignee == people["anfang"] and made.day == day
    # … on the inspector's day, listing that one item, through the same API
    answer = res.results_sync(actor=people["anfang"], observations=[
        observation(made, made.finding.item.code, "pass")])[0]
    assert answer.status == "created"


def test_a_conflict_of_another_round_or_a_unit_cannot_settle(conflict, demo_round, people, client):
    event, _kept = conflict
    with pytest.raises(WorkflowError, match="No such conflict"):
        cs.conflict_settle(round_id=demo_round.pk, actor=people["zhiban"], conflict_id=event.pk + 1000,
                           decision="keep", note="x")
    url = reverse("inspections:conflict_settle", args=[demo_round.pk, event.pk])
    client.force_login(people["chengguan"])
    assert client.post(url, {"version": demo_round.version, "decision": "keep", "note": "x"}).status_code == 404
    assert not RoundEvent.objects.filter(action="settled").exists()


def test_the_round_page_settles_and_shows_who_when_what(conflict, demo_round, people, client):
    event, _kept = conflict
    client.force_login(people["zhiban"])
    url = reverse("inspections:round", args=[demo_round.pk])
    page = client.get(url).content.decode()
    row = page.split(f'data-conflict="{event.pk}"')[1].split("</tr>")[0]
    assert reverse("inspections:conflict_settle", args=[demo_round.pk, event.pk]) in row and 'name="decision"' in row
    demo_round.refresh_from_db()
    response = client.post(reverse("inspections:conflict_settle", args=[demo_round.pk, event.pk]),
                           {"version": demo_round.version, "decision": "keep", "note": "以首次结果为准"}, follow=True)
    page = response.content.decode()
    row = page.split(f'data-conflict="{event.pk}"')[1].split("</tr>")[0]
    assert 'data-settled="1"' in row and "Keep the first result" in row and "以首次结果为准" in row
    assert str(people["zhiban"]) in row and 'name="decision"' not in row
    assert "The conflict is settled." in page


def test_a_changed_asset_changes_the_worker_so_phones_drop_the_old_copy(client, monkeypatch, tmp_path):
    from wenming.inspections import app_views

    def version():
        head = client.get(reverse("inspections:app_sw")).content.decode().split("\n", 1)[0]
        return json.loads(head.removeprefix("self.WENMING_APP = ").removesuffix(";"))["version"]

    before = version()
    changed = tmp_path / "inspector-app.css"
    changed.write_text("/* changed */")
    real = finders.find
    monkeypatch.setattr(app_views.finders, "find", lambda name, **kw: str(changed) if name.endswith(".css") else real(name))
    app_views._assets_digest.cache_clear()
    try:
        assert version() != before
    finally:
        app_views._assets_digest.cache_clear()


def test_the_page_refuses_a_re_inspection_without_inspector_and_writes_nothing(conflict, demo_round, people, client):
    event, _kept = conflict
    client.force_login(people["zhiban"])
    demo_round.refresh_from_db()
    response = client.post(reverse("inspections:conflict_settle", args=[demo_round.pk, event.pk]),
                           {"version": demo_round.version, "decision": "reinspect"}, follow=True)
    assert "A re-inspection needs an inspector and a day." in response.content.decode()
    assert not RoundEvent.objects.filter(action="settled").exists()
    assert not Assignment.objects.filter(kind=AssignmentKind.REINSPECT).exists()
    stale = client.post(reverse("inspections:conflict_settle", args=[demo_round.pk, event.pk]),
                        {"version": demo_round.version - 1, "decision": "keep", "note": "x"}, follow=True)
    assert "reload the page" in stale.content.decode() and not RoundEvent.objects.filter(action="settled").exists()
