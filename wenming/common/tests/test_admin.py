"""The admin goes through the same access path as the pages: each role sees exactly its scope, only
administrators change anything, an out-of-scope row is missing, and the admin speaks Chinese by default."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from wenming.campaign.models import Action, Campaign
from wenming.cases.models import Category, Facility, RoutingRule, TimeLimit
from wenming.common.models import AuditEvent, CalendarDay
from wenming.common.tests.test_access import NON_ADMIN, TAOCHENG, expected_ids, person
from wenming.org.models import (
    Area,
    Person,
    ResponsibilityGrid,
    RoadChief,
    RoadSegment,
    RoleAssignment,
    Site,
    SiteType,
    StorefrontDuty,
    Unit,
)

pytestmark = pytest.mark.django_db

CONFIG_MODELS = [Area, ResponsibilityGrid, Unit, Person, RoleAssignment, SiteType, Site, RoadSegment, RoadChief,
                 StorefrontDuty, Category, TimeLimit, RoutingRule, Facility, Campaign, Action, CalendarDay, AuditEvent]


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def missing_answer(client, model, pk):
    """What the admin answers for an object: status, where it redirects, and the message with the id blanked."""
    response = client.get(url(model, "change", pk), follow=True)
    text = [str(m).replace(str(pk), "#") for m in response.context["messages"]] if response.context else []
    return response.redirect_chain, response.status_code, text


def test_every_configuration_model_is_registered():
    for model in CONFIG_MODELS:
        assert admin.site.is_registered(model), model.__name__
    from django.contrib.auth.models import Group

    assert not admin.site.is_registered(Group)  # rights come from role assignments, not Django groups


@pytest.mark.parametrize("model", CONFIG_MODELS, ids=lambda m: m.__name__)
def test_administrator_opens_every_changelist_and_add_page(client, model):
    client.force_login(person("admin"))  # the demo administrator holds the admin role; it is not a superuser
    response = client.get(url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == model.objects.count()
    add = client.get(url(model, "add"))
    assert add.status_code == (403 if model is AuditEvent else 200)  # the audit log is append-only
    obj = model.objects.order_by("pk").first()
    if obj is not None:
        assert client.get(url(model, "change", obj.pk)).status_code == 200


def test_administrator_edits_role_assignments_inline(client):
    client.force_login(person("admin"))
    target = person("taocheng")
    response = client.get(url(Person, "change", target.pk))
    formsets = response.context["inline_admin_formsets"]
    assert [f.opts.model for f in formsets] == [RoleAssignment]
    assert formsets[0].has_add_permission and formsets[0].has_change_permission
    assert 'name="roles-0-role"' in response.content.decode()


def test_administrator_changes_a_site(client):
    client.force_login(person("admin"))
    site = Site.objects.order_by("code").first()
    response = client.get(url(Site, "change", site.pk))
    form = response.context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields}
    data.update({"name": "改过的名字", "area": site.area_id, "guarantor_unit": site.guarantor_unit_id or "",
                 "site_type": site.site_type_id, "is_active": "on", "geometry": "null"})
    response = client.post(url(Site, "change", site.pk), {k: v for k, v in data.items() if v is not None})
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    site.refresh_from_db()
    assert site.name == "改过的名字"


@pytest.mark.parametrize("username", NON_ADMIN)
def test_each_role_sees_exactly_its_scope_and_changes_nothing(client, username):
    client.force_login(person(username))
    for model in CONFIG_MODELS:
        visible = expected_ids(username, model)
        changelist = client.get(url(model, "changelist"))
        viewable = model is not AuditEvent and not (
            model in (Person, RoleAssignment) and username in {"wangge", "anfang"}) and not (
            model is RoutingRule and username == "anfang")
        if not viewable:
            assert changelist.status_code == 403, (username, model.__name__)
            assert not visible
            continue
        assert changelist.status_code == 200, (username, model.__name__)
        cl = changelist.context["cl"]
        assert set(cl.queryset.values_list("pk", flat=True)) == visible, (username, model.__name__)
        assert "action_checkbox" not in cl.list_display  # no delete action offered

        assert client.get(url(model, "add")).status_code == 403, (username, model.__name__)
        inside = model.objects.filter(pk__in=visible).order_by("pk").first()
        if inside is not None:
            response = client.get(url(model, "change", inside.pk))
            assert response.status_code == 200 and not response.context["has_change_permission"]
            assert 'name="_save"' not in response.content.decode()
            assert client.post(url(model, "change", inside.pk), {}).status_code == 403
            assert client.post(url(model, "delete", inside.pk), {"post": "yes"}).status_code == 403
            assert model.objects.filter(pk=inside.pk).exists()
        outside = model.objects.exclude(pk__in=visible).order_by("pk").first()
        if outside is not None:
            assert missing_answer(client, model, outside.pk) == missing_answer(client, model, 987654321), model.__name__
            for view in ("history", "delete"):
                assert (client.get(url(model, view, outside.pk)).status_code
                        == client.get(url(model, view, 987654321)).status_code), (model.__name__, view)


def test_out_of_scope_and_missing_answer_alike(client):
    client.force_login(person("taocheng"))
    outside = Site.objects.exclude(area__path__startswith=TAOCHENG).order_by("code").first()
    chain, status, text = missing_answer(client, Site, outside.pk)
    assert chain == [(reverse("admin:index"), 302)] and status == 200 and len(text) == 1
    assert (chain, status, text) == missing_answer(client, Site, 987654321)


def test_changelist_pages_show_only_scope(client):
    client.force_login(person("taocheng"))
    page = client.get(url(Site, "changelist")).content.decode()
    inside = Site.objects.filter(area__path__startswith=TAOCHENG).order_by("code").first()
    outside = Site.objects.exclude(area__path__startswith=TAOCHENG).order_by("code").first()
    assert inside.code in page and outside.code not in page
    search = client.get(url(Site, "changelist"), {"q": outside.code})
    assert search.context["cl"].result_count == 0


def test_autocomplete_offers_only_scope(client):
    client.force_login(person("taocheng"))
    response = client.get(reverse("admin:autocomplete"),
                          {"app_label": "org", "model_name": "site", "field_name": "area", "term": "冀州"})
    assert response.status_code == 200 and response.json()["results"] == []
    response = client.get(reverse("admin:autocomplete"),
                          {"app_label": "org", "model_name": "site", "field_name": "area", "term": "桃城"})
    found = {int(r["id"]) for r in response.json()["results"]}
    assert found and found <= expected_ids("taocheng", Area)


def test_viewers_do_not_see_password_hashes(client):
    client.force_login(person("chengguan_lead"))
    colleague = person("chengguan")
    page = client.get(url(Person, "change", colleague.pk)).content.decode()
    assert "pbkdf2" not in page and colleague.password[-10:] not in page


def test_a_person_without_a_role_cannot_use_the_admin(client, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="pw-123456!", is_staff=True)
    response = client.post(reverse("admin:login"), {"username": "nobody", "password": "pw-123456!", "next": "/admin/"})
    assert response.status_code == 200
    assert response.context["form"].errors and "_auth_user_id" not in client.session
    assert "该账号在本平台没有任何角色。" in response.content.decode()
    client.force_login(nobody)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    assert client.get(url(Site, "changelist")).status_code == 302


def test_a_role_holder_logs_into_the_admin(client):
    response = client.post(reverse("admin:login"), {"username": "taocheng", "password": "wenming2026", "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_admin_index_is_in_chinese_and_lists_only_what_the_role_may_see(client):
    client.force_login(person("wangge"))
    response = client.get(reverse("admin:index"))
    page = response.content.decode()
    assert 'lang="zh-hans"' in page
    assert "配置管理" in page and "查看站点" in page and "修改密码" in page  # ours, and Django's own zh-hans
    models = {m["object_name"] for app in response.context["app_list"] for m in app["models"]}
    assert "Site" in models and "Area" in models
    assert not models & {"Person", "RoleAssignment", "AuditEvent"}
    assert not re.search(r'href="[^"]*/add/"', page)  # nothing to add for a viewer
