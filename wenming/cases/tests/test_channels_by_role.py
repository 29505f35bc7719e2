import re

import pytest
from django.urls import reverse

from wenming.api.services.keys import api_key_issue
from wenming.cases.models import Case, CaseImportMapping, Channel
from wenming.cases.models.case import REPORTING_CHANNELS, channels_for
from wenming.cases.services import workflow as wf
from wenming.cases.services.case_imports import cases_import
from wenming.cases.services.errors import NotAllowed
from wenming.cases.tests.test_case_imports import good, write_csv
from wenming.org.models import Area, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def grid():
    return Area.objects.filter(level="grid").order_by("code").first()


def _offered(page: str) -> list[str]:
    select = page.split('name="channel"')[1].split("</select>")[0]
    return re.findall(r'<option value="([^"]*)"', select)


def test_every_reporting_role_has_its_channels_and_the_field_ones_are_their_own():
    assert set(REPORTING_CHANNELS) == {Role.INTAKE, Role.SHIFT_LEADER, Role.DISPATCHER, Role.ADMIN,
                                       Role.GRID_WORKER, Role.INSPECTOR}
    assert channels_for({"grid_worker"}) == ["grid"] and channels_for({"inspector"}) == ["inspection"]
    command = channels_for({"intake"})
    assert "grid" not in command and "inspection" not in command and {"hotline", "12345"} <= set(command)
    assert channels_for({"unit_handler", "area_leader"}) == []


@pytest.mark.parametrize(("username", "channel"), [("wangge", "12345"), ("wangge", "inspection"),
                                                   ("anfang", "hotline"), ("shouli", "inspection"),
                                                   ("shouli", "grid")])
def test_the_intake_service_refuses_a_channel_not_the_reporters_own(people, grid, username, channel):
    with pytest.raises(NotAllowed) as exc:
        wf.case_intake(channel=channel, description="路口垃圾", lng=grid.lng, lat=grid.lat, category="SJ0101",
                       actor=people[username])
    assert "Channel" in str(exc.value) or "渠道" in str(exc.value)
    assert not Case.objects.filter(description="路口垃圾").exists()


def test_own_channels_and_systems_without_a_person_are_taken_in(people, grid):
    for username, channel in (("wangge", "grid"), ("anfang", "inspection"), ("shouli", "12345"),
                              ("admin", "provincial")):
        wf.case_intake(channel=channel, description="路口垃圾", lng=grid.lng, lat=grid.lat, category="SJ0101",
                       actor=people[username])
    wf.case_intake(channel="inspection", description="路口垃圾", lng=grid.lng, lat=grid.lat, category="SJ0101")
    assert Case.objects.filter(description="路口垃圾").count() == 5


def test_the_form_offers_only_the_reporters_channels(client, people):
    client.force_login(people["wangge"])
    assert _offered(client.get(reverse("cases:new")).content.decode()) == ["grid"]
    client.force_login(people["anfang"])
    assert _offered(client.get(reverse("cases:new")).content.decode()) == ["inspection"]
    client.force_login(people["shouli"])
    offered = _offered(client.get(reverse("cases:new")).content.decode())
    assert offered == channels_for({"intake"}) and "inspection" not in offered
    assert re.search(r'<option value="hotline" selected>', client.get(reverse("cases:new")).content.decode())


def test_a_grid_worker_posting_as_the_hotline_is_refused_on_the_channel_field(client, people, grid):
    client.force_login(people["wangge"])
    response = client.post(reverse("cases:new"), {
        "channel": Channel.HOTLINE_12345, "category": "SJ0101", "urgency": "normal", "description": "冒充热线",
        "lat": grid.lat, "lng": grid.lng, "crs": "wgs84"})
    assert response.status_code == 200 and list(response.context["form"].errors) == ["channel"]
    assert not Case.objects.filter(description="冒充热线").exists()


def test_rest_keys_keep_their_channel_within_the_persons_roles(client, people, grid):
    body = {"description": "接口上报", "category": "SJ0101", "lng": grid.lng, "lat": grid.lat}
    _key, raw = api_key_issue(name="12345 platform", person=people["shouli"], channel="12345")
    ok = client.post("/api/v1/cases/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {raw}")
    assert ok.status_code == 201 and Case.objects.get(pk=ok.json()["id"]).channel == "12345"
    _key, raw = api_key_issue(name="grid app posing as 12345", person=people["wangge"], channel="12345")
    refused = client.post("/api/v1/cases/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {raw}")
    assert refused.status_code == 403 and Case.objects.filter(description="接口上报").count() == 1


def test_a_grid_worker_signed_in_on_the_web_posts_to_rest_on_the_grid_channel(client, people, grid):
    """No key: the REST post takes the person's own channel, not "other system" which their roles do not have."""
    client.force_login(people["wangge"])
    body = {"description": "巡查上报", "category": "SJ0101", "lng": grid.lng, "lat": grid.lat}
    answer = client.post("/api/v1/cases/", body, content_type="application/json")
    assert answer.status_code == 201, answer.content
    assert Case.objects.get(pk=answer.json()["id"]).channel == Channel.GRID


def test_an_import_mapping_set_up_for_the_inspection_firm_keeps_its_channel(tmp_path, people, grid):
    """The channel of a bulk import is the administrator's mapping, not the importing clerk's choice."""
    mapping = CaseImportMapping.objects.create(
        name="暗访 第三方", channel=Channel.INSPECTION, crs="wgs84", is_active=True,
        columns={"external_id": "工单编号", "reported_at": "来电时间", "description": "诉求内容", "category": "诉求分类",
                 "urgency": "紧急程度", "address": "事发地址", "lng": "经度", "lat": "纬度", "reporter_name": "来电人",
                 "reporter_phone": "来电号码"},
        category_map={"城市管理-占道经营": "SJ0401"})
    path = write_csv(tmp_path / "anfang.csv", [good(grid, "AF001")])
    result = cases_import(path=path, mapping=mapping, actor=people["shouli"])
    assert result.accepted == 1, result.rows
    assert Case.objects.get(external_id="AF001").channel == Channel.INSPECTION
