"""The workbench, the case page and its action forms, through the test client as each role."""

import pytest
from django.urls import reverse

from wenming.cases.models import Case, CaseState
from wenming.cases.services import workflow as wf
from wenming.conftest import photo_bytes
from wenming.org.models import Area, Person, Unit

pytestmark = pytest.mark.django_db
S = CaseState


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def people():
    return {p.username: p for p in Person.objects.filter(is_staff=True)}


@pytest.fixture
def case(people):
    unit = people["chengguan"].unit
    grid = Area.objects.filter(level="grid", path__startswith=unit.area.path).order_by("code").first()
    return wf.case_intake(channel="hotline", description="门前堆放杂物", lng=grid.lng, lat=grid.lat, category="SJ0409",
                          reporter_phone="13812345678", actor=people["shouli"])


def act(client, case, action, **data):
    data.setdefault("version", Case.objects.get(pk=case.pk).version)
    payload = {f"{action}-{k}": v for k, v in data.items() if k != "photos"}
    if "photos" in data:
        payload["photos"] = data["photos"]
    return client.post(reverse("cases:action", args=[case.pk, action]), payload, follow=True)


def test_walk_through_the_forms(client, people, case):
    client.force_login(people["shouli"])
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="act-register"' in page and 'id="act-dispatch"' not in page
    assert "13812345678" in page  # the command centre sees the reporter's number
    act(client, case, "register")
    client.force_login(people["paiqian"])
    act(client, case, "dispatch", unit=people["chengguan"].unit.pk)
    client.force_login(people["chengguan"])
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "138****5678" in page and "13812345678" not in page
    assert 'id="act-sign"' in page and 'id="act-register"' not in page
    act(client, case, "sign")
    with open_photo() as photo:
        act(client, case, "submit", note="已清理", photos=photo)
    client.force_login(people["anfang"])
    act(client, case, "verify", passed="yes", note="已核实")
    client.force_login(people["zhiban"])
    act(client, case, "close")
    case.refresh_from_db()
    assert case.state == S.CLOSED
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    for action in ("report", "register", "dispatch", "sign", "submit", "verify_passed", "close"):
        assert f'data-action="{action}"' in page


class open_photo:
    def __enter__(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return SimpleUploadedFile("after.png", photo_bytes(), content_type="image/png")

    def __exit__(self, *exc):
        return False


def test_a_stale_post_is_refused_with_a_message(client, people, case):
    client.force_login(people["shouli"])
    act(client, case, "register")
    response = act(client, case, "reject", version=0, note="重复")
    assert "已被他人修改" in response.content.decode()
    assert Case.objects.get(pk=case.pk).state == S.REGISTERED


def test_out_of_scope_case_is_not_found_everywhere(client, people, case):
    client.force_login(people["gongdian"])
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert client.post(reverse("cases:action", args=[case.pk, "sign"]), {"sign-version": 0}).status_code == 404
    page = client.get(reverse("cases:workbench"), {"queue": "all"}).content.decode()
    assert case.number not in page
    assert case.number not in client.get(reverse("cases:export", args=["csv"]), {"queue": "all"}).getvalue().decode()


def test_queues_per_role(client, people, case):
    client.force_login(people["shouli"])
    assert case.number in client.get(reverse("cases:workbench"), {"queue": "reported"}).content.decode()
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=people["chengguan"].unit)
    client.force_login(people["chengguan"])
    assert case.number in client.get(reverse("cases:workbench"), {"queue": "to_sign"}).content.decode()
    client.force_login(people["taocheng"])
    assert case.number in client.get(reverse("cases:workbench"), {"queue": "all"}).content.decode()


def test_batch_dispatch(client, people, case):
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    client.force_login(people["paiqian"])
    page = client.get(reverse("cases:workbench"), {"queue": "to_dispatch"}).content.decode()
    assert f'value="{case.pk}"' in page
    client.post(reverse("cases:batch_dispatch"), {"case": [case.pk, 10**9]})
    assert Case.objects.get(pk=case.pk).state == S.DISPATCHED


def test_export_matches_the_filtered_list(client, people, case):
    other = wf.case_intake(channel="citizen", description="路灯不亮", lng=case.lng, lat=case.lat, category="BJ0107")
    client.force_login(people["zhiban"])
    csv_text = client.get(reverse("cases:export", args=["csv"]), {"queue": "all", "q": "杂物"}).getvalue().decode("utf-8")
    assert csv_text.startswith("\ufeff") and case.number in csv_text and other.number not in csv_text
    xlsx = client.get(reverse("cases:export", args=["xlsx"]), {"queue": "all"})
    from io import BytesIO

    from openpyxl import load_workbook

    rows = list(load_workbook(BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert {case.number, other.number} <= {r[0] for r in rows[1:]}


def test_workbench_queries_do_not_grow_with_the_page(client, people, case, django_assert_max_num_queries):
    for i in range(30):
        wf.case_intake(channel="grid", description=f"垃圾 {i}", lng=case.lng, lat=case.lat, category="SJ0101")
    client.force_login(people["zhiban"])
    with django_assert_max_num_queries(20):
        assert client.get(reverse("cases:workbench"), {"queue": "all"}).status_code == 200


def test_intake_form_takes_a_case_in(client, people):
    grid = Area.objects.filter(level="grid").order_by("code").first()
    client.force_login(people["shouli"])
    response = client.post(reverse("cases:new"), {
        "channel": "hotline", "category": "SJ0101", "urgency": "normal", "description": "小区门口垃圾堆积",
        "lat": grid.lat, "lng": grid.lng, "crs": "wgs84", "reporter_phone": "13900001111",
    }, follow=True)
    case = Case.objects.get(description="小区门口垃圾堆积")
    assert response.redirect_chain[-1][0] == reverse("cases:detail", args=[case.pk])
    bad = client.post(reverse("cases:new"), {"channel": "hotline", "category": "SJ0101", "description": "x",
                                             "lat": 95, "lng": grid.lng, "crs": "wgs84", "reporter_phone": "123"})
    assert bad.status_code == 200 and Case.objects.count() == 1
    client.force_login(people["gongdian"])
    assert client.get(reverse("cases:new")).status_code == 404


def test_evidence_original_only_for_the_command_centre(client, people, case):
    from wenming.cases.services.evidence import evidence_add

    evidence = evidence_add(case=case, kind="before", name="p.jpg", content=photo_bytes(fmt="JPEG"))
    client.force_login(people["taocheng"])
    assert client.get(reverse("cases:evidence", args=[evidence.pk, "original"]))["Content-Type"] == "image/jpeg"
    client.force_login(people["gongdian"])
    assert client.get(reverse("cases:evidence", args=[evidence.pk, "thumb"])).status_code == 404
    client.force_login(people["zhiban"])
    assert client.get(reverse("cases:evidence", args=[evidence.pk, "original"])).status_code == 200
    assert Unit.objects.exists()
