"""The register pages: figures for every office role, records and imports only for the owning department; the case
page's 登记核查 answers the status only and logs the check on the case."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wenming.cases.models import Case, CaseEvent, EventAction
from wenming.cases.services import workflow as wf
from wenming.org.models import Area, AreaLevel
from wenming.public.selectors import public_step_text
from wenming.registries.models import CheckResult, RegistryCheck, RegistryImport
from wenming.registries.services.imports import registry_import

from .conftest import AS_OF, write_csv

pytestmark = pytest.mark.django_db

HEADER = ["号牌号码", "状态", "所属社区代码", "登记日期"]


@pytest.fixture
def imported(ebikes, street, tmp_path):
    rows = [["A1", "已挂牌", "T90A", "2024-01-05"], ["A2", "已挂牌", "T90A", ""], ["A3", "已挂牌", "T90A", ""],
            ["A4", "已备案未挂牌", "T90A", "2023-05-01"], ["B1", "已挂牌", "T90B", ""], ["B2", "已备案未挂牌", "T90B", ""]]
    job = registry_import(registry_id=ebikes.pk, path=write_csv(tmp_path / "e.csv", HEADER, rows), kind="records",
                          as_of=AS_OF)
    assert job.status == RegistryImport.Status.DONE
    return ebikes


def test_everyone_in_the_office_reads_the_rates_with_drill_down(client, people, imported, street):
    client.force_login(people["shouli"])
    page = client.get(reverse("registries:list"))
    assert page.status_code == 200 and b"66.7 %" in page.content
    county = client.get(reverse("registries:detail", args=["ebike"]))
    assert county.status_code == 200
    assert f'data-area="{street.parent.code}"'.encode() in county.content
    assert b"registry-trend-data" in county.content
    streets = client.get(reverse("registries:detail", args=["ebike"]), {"area": street.parent.code})
    assert b'data-area="T90"' in streets.content
    communities = client.get(reverse("registries:detail", args=["ebike"]), {"area": "T90"})
    text = communities.content.decode()
    assert 'data-area="T90B" data-rate="50.0"' in text and 'data-area="T90A" data-rate="75.0"' in text
    # The gap list puts the area furthest below the target first.
    assert text.index('data-area="T90B" data-gap="1"') < text.index('data-area="T90A" data-gap="1"')
    # Figures only: no record number anywhere, no link to the records.
    # (A record number as the pages would print it: a bare "A4" also turns up in a random CSRF token.)
    assert 'data-number="A4"' not in text and ">A4<" not in text and "nav-records" not in text


def test_records_and_search_are_the_owning_departments(client, people, imported, traffic_police):
    for name in ("shouli", "zhiban", "chengguan", "admin"):
        client.force_login(people[name])
        for route in ("registries:records", "registries:import", "registries:imports"):
            answer = client.get(reverse(route, args=["ebike"]), {"number": "A4"})
            assert answer.status_code == (200 if name == "admin" else 404), (name, route)
    client.force_login(traffic_police)
    found = client.get(reverse("registries:records", args=["ebike"]), {"number": "ａ４"})
    assert found.status_code == 200
    assert b'data-number="A4"' in found.content and b'data-number="A1"' not in found.content
    assert client.get(reverse("registries:imports", args=["ebike"])).status_code == 200


def test_the_owning_department_imports_through_the_page(client, imported, traffic_police, tmp_path):
    client.force_login(traffic_police)
    upload = SimpleUploadedFile("e2.csv", "号牌号码,状态,所属社区代码\nA1,已挂牌,T90A\nA9,状态?,T90A\n".encode())
    answer = client.post(reverse("registries:import", args=["ebike"]),
                         {"kind": "records", "as_of": "2026-07-31", "file": upload})
    assert answer.status_code == 200
    job = RegistryImport.objects.latest("pk")
    assert job.imported_by == traffic_police and job.status == RegistryImport.Status.DONE
    assert b"line 3, column" in answer.content


@pytest.fixture
def ebike_case(people, imported):
    grid = Area.objects.filter(level=AreaLevel.GRID).exclude(geometry=None).order_by("code").first()
    return wf.case_intake(channel="hotline", description="电动车没挂牌", lng=grid.lng, lat=grid.lat, category="SJ0407",
                          actor=people["shouli"])


def test_case_check_answers_the_status_only_and_is_logged(client, people, ebike_case):
    client.force_login(people["shouli"])
    page = client.get(reverse("cases:detail", args=[ebike_case.pk]))
    assert b'id="panel-registry-check"' in page.content
    version = Case.objects.get(pk=ebike_case.pk).version
    answer = client.post(reverse("registries:check", args=[ebike_case.pk]),
                         {"registry": imported_registry_id(), "number": " a4 "}, follow=True)
    assert answer.status_code == 200
    text = answer.content.decode()
    assert "A4: Registered, no plate" in text
    assert "2023-05-01" not in text and "甲社区" not in text  # no other record data for a non-owner
    check = RegistryCheck.objects.get(case=ebike_case)
    assert (check.number, check.result, check.actor) == ("A4", CheckResult.UNPLATED, people["shouli"])
    event = CaseEvent.objects.get(case=ebike_case, action=EventAction.REGISTRY_CHECK)
    assert event.data == {"registry": "ebike", "number": "A4", "result": "unplated"}
    case = Case.objects.get(pk=ebike_case.pk)
    assert case.version == version + 1 and case.state == ebike_case.state
    assert public_step_text(event) is None  # between staff: not on the public status page
    client.post(reverse("registries:check", args=[ebike_case.pk]), {"registry": imported_registry_id(),
                                                                    "number": "ZZ9"})
    assert RegistryCheck.objects.filter(case=ebike_case).latest("pk").result == CheckResult.UNREGISTERED


def imported_registry_id():
    from wenming.registries.models import Registry

    return Registry.objects.get(kind="ebike").pk


def test_no_panel_on_other_categories_and_no_check_out_of_scope(client, people, imported):
    other = wf.case_intake(channel="hotline", description="占道", category="SJ0401", actor=people["shouli"])
    client.force_login(people["shouli"])
    assert b"panel-registry-check" not in client.get(reverse("cases:detail", args=[other.pk])).content
    refused = client.post(reverse("registries:check", args=[other.pk]), {"registry": imported.pk, "number": "A1"})
    assert refused.status_code == 302 and not RegistryCheck.objects.exists()


def test_a_case_out_of_scope_cannot_be_checked(client, people, ebike_case):
    client.force_login(people["chengguan"])  # a unit the case was not dispatched to
    answer = client.post(reverse("registries:check", args=[ebike_case.pk]),
                         {"registry": imported_registry_id(), "number": "A1"})
    assert answer.status_code == 404 and not RegistryCheck.objects.exists()
