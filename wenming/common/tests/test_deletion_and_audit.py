"""Deleting never erases the audit trail, and every configuration change made in the admin is audited.

Issue 12 (leaks, item 4): people who acted are deactivated, never deleted; records with a history
(``EVENTED_MODELS``) are deleted by nobody, through no path (admin page, bulk action, ORM cascade); deleting
is an administrator's right only; every addition, change and deletion in the admin writes an audit entry
with the fields' old and new values, secrets redacted, in the transaction of the change.
"""

import json

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import authenticate
from django.db import models, transaction
from django.db.models import ProtectedError
from django.forms import CheckboxInput
from django.urls import reverse

from wenming.api.models import ApiKey
from wenming.api.services.keys import api_key_issue
from wenming.campaign.models import Action, Campaign, Task, TaskEvent
from wenming.campaign.services import tasks as task_services
from wenming.cases.models import CaseEvent, Category, EscalationPolicy, RoutingRule, TimeLimit, Webhook
from wenming.cases.services import workflow as wf
from wenming.common.admin_base import EVENTED_MODELS
from wenming.common.models import AuditEvent, CalendarDay
from wenming.common.services.audit import REDACTED
from wenming.demo.campaign import campaign_demo_build
from wenming.org.models import Area, Person, RoleAssignment, SiteType, Unit
from wenming.scoring.models import IndexVersion

pytestmark = pytest.mark.django_db

PASSWORD = "wenming2026"
# Foreign keys of evented records not yet PROTECT (none left: the audit log's actor is PROTECT too).
KNOWN_GAPS: set[str] = set()
# Who is in charge, not what happened: a deleted unit leaves a task without a lead unit (the demo city can be
# cleared under its campaign). People in charge are not deleted at all: the deletion service refuses them.
ASSIGNMENTS = {"campaign.task.lead_unit", "campaign.task.owner", "campaign.task.task_force", "campaign.task.meeting",
               "campaign.taskforce.leader"}


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def form_data(form) -> dict:
    """What a browser would post back for an unbound form, as displayed."""
    data = {}
    for field in form:
        if field.field.disabled:
            continue
        value = field.value()
        if isinstance(field.field.widget, CheckboxInput):
            if value:
                data[field.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[field.html_name] = [getattr(v, "pk", v) for v in value]
        elif value is not None:
            data[field.html_name] = getattr(value, "pk", value)
    return data


def change_page_data(response) -> dict:
    data = form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        data.update(form_data(inline.formset.management_form))
        for form in inline.formset.forms:
            data.update(form_data(form))
    return data


def audits(verb: str, obj) -> list[AuditEvent]:
    return [a for a in AuditEvent.objects.filter(action=f"admin.{verb}").order_by("id")
            if a.data.get("model") == obj._meta.label_lower and a.data.get("object") == obj.pk]


@pytest.fixture
def acted(people):
    """A case taken in by the intake operator: its report event names her."""
    grid = Area.objects.filter(level="grid").order_by("code").first()
    return wf.case_intake(channel="hotline", description="路口流动摊贩占道经营", lng=grid.lng, lat=grid.lat,
                          category="SJ0401", actor=people["shouli"], reporter_phone="13800000000")


@pytest.fixture
def campaign_task(people, media_and_english):
    campaign_demo_build()
    task = Task.objects.get(code="R05-1")
    task_services.progress_report(task_id=task.pk, actor=people["chengguan"], value=3, narrative="新建3处")
    return task


# -- people who acted are deactivated, never deleted ---------------------------------------------------------

def test_a_person_who_acted_is_not_deleted_and_their_events_keep_their_actor(client, people, acted):
    shouli = people["shouli"]
    event = acted.events.get()
    assert event.actor_id == shouli.pk
    client.force_login(people["admin"])
    change = client.get(url(Person, "change", shouli.pk))
    assert change.status_code == 200 and not change.context["has_delete_permission"]
    body = change.content.decode()
    assert url(Person, "delete", shouli.pk) not in body
    assert reverse("admin:org_person_deactivate", args=[shouli.pk]) in body  # 停用 is offered instead

    for response in (client.get(url(Person, "delete", shouli.pk), follow=True),
                     client.post(url(Person, "delete", shouli.pk), {"post": "yes"}, follow=True)):
        assert response.redirect_chain == [(url(Person, "change", shouli.pk), 302)]
        [message] = list(response.context["messages"])
        assert message.level_tag == "error" and str(shouli) in message.message
    # Nor in bulk: the changelist offers no deletion of people.
    client.post(url(Person, "changelist"), {"action": "delete_selected", "_selected_action": [shouli.pk], "post": "yes"})

    assert Person.objects.filter(pk=shouli.pk).exists()
    assert CaseEvent.objects.get(pk=event.pk).actor_id == shouli.pk
    assert not AuditEvent.objects.filter(action="admin.delete").exists()
    with transaction.atomic(), pytest.raises(ProtectedError):  # and not through the ORM either
        Person.objects.get(pk=shouli.pk).delete()


def test_the_refusal_names_what_refers_to_the_person(people, acted):
    from wenming.org.services.people import PersonHasRecords, person_delete, person_references

    records = person_references(person=people["shouli"])
    assert str(CaseEvent._meta.verbose_name_plural) in records
    with pytest.raises(PersonHasRecords) as refusal:
        person_delete(person_id=people["shouli"].pk, actor=people["admin"])
    assert str(CaseEvent._meta.verbose_name_plural) in str(refusal.value)


def test_deactivation_stops_the_login_keeps_the_records_and_is_audited(client, people, acted):
    shouli, admin_person = people["shouli"], people["admin"]
    deactivate = reverse("admin:org_person_deactivate", args=[shouli.pk])
    client.force_login(people["zhiban"])  # sees people, changes none
    assert client.post(deactivate).status_code == 403
    client.force_login(admin_person)
    assert client.get(deactivate).status_code == 405
    assert client.post(deactivate).status_code == 302

    shouli.refresh_from_db()
    assert not shouli.is_active
    assert authenticate(username="shouli", password=PASSWORD) is None
    assert acted.events.get().actor_id == shouli.pk
    [audit] = AuditEvent.objects.filter(action="person.deactivate")
    assert audit.actor == admin_person and audit.data["object"] == shouli.pk
    assert audit.data["changes"] == {"is_active": [True, False]}

    # In bulk, from the changelist; never one's own account (the last administrator would lock everyone out).
    paiqian = people["paiqian"]
    client.post(url(Person, "changelist"), {"action": "deactivate_selected",
                                            "_selected_action": [paiqian.pk, admin_person.pk]})
    assert client.post(reverse("admin:org_person_deactivate", args=[admin_person.pk])).status_code == 302
    paiqian.refresh_from_db()
    admin_person.refresh_from_db()
    assert not paiqian.is_active and admin_person.is_active
    assert AuditEvent.objects.filter(action="person.deactivate", actor=admin_person).count() == 2


def test_a_person_who_never_acted_is_deleted_by_an_administrator_only_and_audited(client, people):
    newcomer = Person.objects.create_user("newcomer", password="x-secret-1", display_name="新来的")
    role = RoleAssignment.objects.create(person=newcomer, role="intake", area=Area.objects.get(parent=None))
    client.force_login(people["zhiban"])
    assert client.post(url(Person, "delete", newcomer.pk), {"post": "yes"}).status_code == 403
    client.force_login(people["admin"])
    assert client.get(url(Person, "change", newcomer.pk)).context["has_delete_permission"]
    assert client.post(url(Person, "delete", newcomer.pk), {"post": "yes"}).status_code == 302

    assert not Person.objects.filter(pk=newcomer.pk).exists()
    assert not RoleAssignment.objects.filter(pk=role.pk).exists()
    [audit] = AuditEvent.objects.filter(action="admin.delete")
    assert audit.actor == people["admin"] and audit.data["model"] == "org.person" and audit.data["object"] == newcomer.pk
    changes = audit.data["changes"]
    assert changes["username"] == ["newcomer", None] and changes["password"] == [REDACTED, None]
    assert [(r["model"], r["object"], r["changes"]["role"]) for r in audit.data["related"]] == [
        ("org.roleassignment", role.pk, ["intake", None])]
    assert "pbkdf2" not in json.dumps(audit.data)


# -- evented records: deleted by nobody, through no path -----------------------------------------------------

def test_a_shift_leader_changes_tasks_but_deletes_none(client, people, campaign_task):
    events = TaskEvent.objects.filter(task=campaign_task).count()
    assert events
    client.force_login(people["zhiban"])
    page = client.get(url(Task, "change", campaign_task.pk))
    assert page.status_code == 200 and page.context["has_change_permission"]
    assert not page.context["has_delete_permission"] and url(Task, "delete", campaign_task.pk) not in page.content.decode()
    assert client.post(url(Task, "delete", campaign_task.pk), {"post": "yes"}).status_code == 403
    client.post(url(Task, "changelist"), {"action": "delete_selected", "_selected_action": [campaign_task.pk], "post": "yes"})
    assert Task.objects.filter(pk=campaign_task.pk).exists()
    assert TaskEvent.objects.filter(task=campaign_task).count() == events


def test_no_one_deletes_a_task_or_a_campaign_with_events(client, people, campaign_task):
    campaign = campaign_task.campaign
    events = TaskEvent.objects.count()
    client.force_login(people["admin"])
    for obj in (campaign_task, campaign):
        model = type(obj)
        assert client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
        client.post(url(model, "changelist"), {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})
        with transaction.atomic(), pytest.raises(ProtectedError):
            model.objects.get(pk=obj.pk).delete()
    # Deleting what a task's records hang from (the unit that reported) is refused with the "cannot delete" page.
    unit = campaign_task.reports.get().unit
    refusal = client.post(url(Unit, "delete", unit.pk), {"post": "yes"})
    assert refusal.status_code == 200 and refusal.context["protected"]
    assert Unit.objects.filter(pk=unit.pk).exists()
    assert Task.objects.filter(pk=campaign_task.pk).exists() and Campaign.objects.filter(pk=campaign.pk).exists()
    assert TaskEvent.objects.count() == events


def _model_admins():
    for model_admin in admin.site._registry.values():
        yield model_admin
        for inline in model_admin.inlines:
            yield inline(model_admin.model, admin.site)


def test_no_admin_screen_deletes_an_evented_record(rf, people):
    """Walks every registered model admin and inline: none deletes a record with a history, for anyone."""
    request = rf.get("/")
    superuser = Person(username="root", is_superuser=True, is_active=True)
    covered = set()
    for model_admin in _model_admins():
        label = model_admin.model._meta.label_lower
        if label not in EVENTED_MODELS:
            continue
        covered.add(label)
        obj = model_admin.model._default_manager.first()
        for user in (superuser, people["admin"], people["zhiban"]):
            request.user = user
            assert not model_admin.has_delete_permission(request), (label, user.username)
            assert not model_admin.has_delete_permission(request, obj), (label, user.username)
            if isinstance(model_admin, admin.ModelAdmin):
                assert "delete_selected" not in model_admin.get_actions(request), label
    assert {"cases.case", "cases.caseevent", "campaign.task", "campaign.campaign", "common.auditevent"} <= covered


def test_only_administrators_may_delete_configuration(rf, people):
    request = rf.get("/")
    for model_admin in _model_admins():
        for username in ("zhiban", "paiqian", "shouli", "taocheng", "chengguan_lead"):
            request.user = people[username]
            assert not model_admin.has_delete_permission(request), (model_admin.model._meta.label_lower, username)


def test_evented_records_hold_their_parents_and_actors():
    """Every foreign key of an evented record is PROTECT: no cascade deletes it, no deletion blanks its actor."""
    for label in EVENTED_MODELS:
        model = apps.get_model(label)
        for field in model._meta.concrete_fields:
            if field.is_relation and f"{label}.{field.name}" not in KNOWN_GAPS | ASSIGNMENTS:
                assert field.remote_field.on_delete is models.PROTECT, f"{label}.{field.name}"
    # The list is kept in one place: every event log is in it.
    for model in apps.get_models():
        if model.__name__.endswith("Event"):
            assert model._meta.label_lower in EVENTED_MODELS, model.__name__


# -- every configuration change in the admin is audited ------------------------------------------------------

def _objects(people):
    """(model, object, field, new value) for the configuration screens."""
    campaign_demo_build()
    webhook = Webhook.objects.create(name="联动平台", url="https://hooks.example.org/in")
    key, _raw = api_key_issue(name="12345 平台", person=people["shouli"])
    return [
        (CalendarDay, CalendarDay.objects.create(date="2031-01-02", is_workday=False, name="调休"), "name", "补休"),
        (Category, Category.objects.filter(parent__isnull=False).order_by("code").first(), "name", "改过的小类"),
        (RoutingRule, RoutingRule.objects.order_by("pk").first(), "priority", 77),
        (TimeLimit, TimeLimit.objects.order_by("pk").first(), "amount", "9.00"),
        (SiteType, SiteType.objects.order_by("pk").first(), "name", "改过的类型"),
        (Unit, Unit.objects.get(code="POWER"), "contact_name", "值班电话"),
        (Campaign, Campaign.objects.first(), "name", "改过的活动"),
        (Action, Action.objects.order_by("pk").first(), "name", "改过的行动"),
        (Task, Task.objects.get(code="R05-1"), "title", "改过的任务"),
        (EscalationPolicy, EscalationPolicy.objects.get_or_create(pk=1)[0], "red_after_hours", "20.00"),
        (Webhook, webhook, "name", "改过的联动"),
        (ApiKey, key, "name", "改过的密钥"),
        (IndexVersion, IndexVersion.objects.filter(used_at__isnull=True).order_by("pk").first(), "name", "新权重"),
        (RoleAssignment, RoleAssignment.objects.get(person=people["paiqian"]), "role", "shift_leader"),
        (Person, people["taocheng"], "display_name", "桃城区 新区长"),
    ]


def test_every_admin_change_writes_an_audit_entry_with_the_field_diff(client, people, media_and_english):
    client.force_login(people["admin"])
    for model, obj, field, value in _objects(people):
        assert obj is not None, model.__name__
        obj.refresh_from_db()
        old = model._meta.get_field(field).value_from_object(obj)
        page = client.get(url(model, "change", obj.pk))
        assert page.status_code == 200 and page.context["has_change_permission"], model.__name__
        data = change_page_data(page)
        data[field] = value
        response = client.post(url(model, "change", obj.pk), data)
        assert response.status_code == 302, (model.__name__, response.context and response.context["errors"])
        [audit] = audits("change", obj)
        assert audit.actor == people["admin"], model.__name__
        old = str(old) if not isinstance(old, int | str) else old
        assert audit.data["changes"] == {field: [old, value]}, (model.__name__, audit.data)


def test_additions_and_inline_rows_are_audited_with_secrets_redacted(client, people):
    client.force_login(people["admin"])
    # An API key: its hash never reaches the log.
    response = client.post(url(ApiKey, "add"), {"name": "外部系统", "channel": "api", "is_active": "on"})
    assert response.status_code == 302
    key = ApiKey.objects.get(name="外部系统")
    [audit] = audits("add", key)
    assert audit.data["changes"]["key_hash"] == [None, REDACTED] and audit.data["changes"]["name"] == [None, "外部系统"]
    assert key.key_hash not in json.dumps(audit.data)

    # A webhook's signing secret, changed: the log says it changed, never what it is.
    webhook = Webhook.objects.create(name="联动平台", url="https://hooks.example.org/in")
    old_secret = webhook.secret
    data = change_page_data(client.get(url(Webhook, "change", webhook.pk)))
    data.update({"secret": "new-signing-secret-0123456789", "url": "https://hooks.example.org/v2"})
    assert client.post(url(Webhook, "change", webhook.pk), data).status_code == 302
    [audit] = audits("change", webhook)
    assert audit.data["changes"] == {"secret": [REDACTED, REDACTED],
                                     "url": ["https://hooks.example.org/in", "https://hooks.example.org/v2"]}
    assert old_secret not in json.dumps(audit.data) and "new-signing-secret" not in json.dumps(audit.data)

    # A password set by an administrator.
    target = people["jiedao"]
    response = client.post(reverse("admin:auth_user_password_change", args=[target.pk]),
                           {"password1": "Another-pass-2026", "password2": "Another-pass-2026", "usable_password": "true"})
    assert response.status_code == 302
    [audit] = audits("change", target)
    assert audit.data["changes"] == {"password": [REDACTED, REDACTED]}

    # A role given on the person's page (an inline row) is listed with its fields.
    target = people["taocheng"]
    page = client.get(url(Person, "change", target.pk))
    data = change_page_data(page)
    total = int(data["roles-TOTAL_FORMS"])
    data.update({"roles-TOTAL_FORMS": total + 1, f"roles-{total}-role": "area_leader",
                 f"roles-{total}-area": Area.objects.get(parent=None).pk})
    assert client.post(url(Person, "change", target.pk), data).status_code == 302
    [audit] = audits("change", target)
    [added] = audit.data["related"]
    assert added["model"] == "org.roleassignment" and added["verb"] == "add"
    assert added["changes"]["role"] == [None, "area_leader"] and added["changes"]["person_id"] == [None, target.pk]

    # Many-to-many fields and inline rows changed on one page: one entry, old and new values of each.
    category = Category.objects.filter(time_limits__isnull=False).order_by("code").first()
    # (The campaign actions are linked on the action's page since the relation moved to campaign.)
    old_classes = sorted(category.facility_classes.values_list("pk", flat=True))
    facility_class = Category.objects.exclude(pk__in=old_classes).exclude(pk=category.pk).order_by("pk").first()
    page = client.get(url(Category, "change", category.pk))
    data = change_page_data(page)
    [inline] = page.context["inline_admin_formsets"]
    limit = inline.formset.forms[0].instance
    data.update({"facility_classes": [facility_class.pk], f"{inline.formset.prefix}-0-amount": "7.50"})
    assert client.post(url(Category, "change", category.pk), data).status_code == 302
    [audit] = audits("change", category)
    assert audit.data["changes"] == {"facility_classes": [old_classes, [facility_class.pk]]}
    assert audit.data["related"] == [{"model": "cases.timelimit", "verb": "change", "object": limit.pk,
                                      "changes": {"amount": [f"{limit.amount:.2f}", "7.50"]}}]

    # The category↔action links are edited on the action's page now, audited the same way.
    action = Action.objects.order_by("pk").first()
    old_categories = sorted(action.categories.values_list("pk", flat=True))
    data = change_page_data(client.get(url(Action, "change", action.pk)))
    data["categories"] = [category.pk]
    assert client.post(url(Action, "change", action.pk), data).status_code == 302
    [audit] = audits("change", action)
    assert audit.data["changes"] == {"categories": [old_categories, [category.pk]]}

    # Adding and deleting configuration.
    day = {"date": "2031-05-04", "is_workday": "on", "name": "调休上班"}
    assert client.post(url(CalendarDay, "add"), day).status_code == 302
    row = CalendarDay.objects.get(date="2031-05-04")
    assert audits("add", row)[0].data["changes"]["name"] == [None, "调休上班"]
    pk = row.pk
    assert client.post(url(CalendarDay, "delete", pk), {"post": "yes"}).status_code == 302
    [audit] = [a for a in AuditEvent.objects.filter(action="admin.delete") if a.data["object"] == pk]
    assert audit.data["model"] == "common.calendarday" and audit.data["changes"]["name"] == ["调休上班", None]

    # In bulk: one entry per row deleted. A category takes its time limits with it: they are listed too.
    days = [CalendarDay.objects.create(date=f"2031-06-0{d}", is_workday=False, name="假") for d in (1, 2)]
    client.post(url(CalendarDay, "changelist"),
                {"action": "delete_selected", "_selected_action": [d.pk for d in days], "post": "yes"})
    assert not CalendarDay.objects.filter(pk__in=[d.pk for d in days]).exists()
    deleted = [a.data["object"] for a in AuditEvent.objects.filter(action="admin.delete").order_by("id")]
    assert sorted(deleted[-2:]) == sorted(d.pk for d in days)
    leaf = Category.objects.filter(time_limits__isnull=False, cases__isnull=True, children__isnull=True,
                                   facilities__isnull=True).order_by("code").first()
    limits = sorted(leaf.time_limits.values_list("pk", flat=True))
    assert client.post(url(Category, "delete", leaf.pk), {"post": "yes"}).status_code == 302
    [audit] = [a for a in AuditEvent.objects.filter(action="admin.delete") if a.data["model"] == "cases.category"]
    assert sorted(r["object"] for r in audit.data["related"] if r["model"] == "cases.timelimit") == limits


def test_the_audit_entry_commits_with_the_change_or_not_at_all(client, people, monkeypatch):
    import wenming.common.admin_base as admin_base

    def broken(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(admin_base, "audit_object_change", broken)
    day = CalendarDay.objects.create(date="2031-01-03", is_workday=False, name="调休")
    client.force_login(people["admin"])
    data = change_page_data(client.get(url(CalendarDay, "change", day.pk)))
    data["name"] = "不该留下"
    with pytest.raises(RuntimeError):
        client.post(url(CalendarDay, "change", day.pk), data)
    day.refresh_from_db()
    assert day.name == "调休"
