"""Every failed item becomes a 暗访 case routed as usual; the unit handling it never learns which inspector (or
firm, or round) found it: not on the case page, the REST API, the export, nor in its notifications."""

import pytest
from django.urls import reverse

from wenming.cases.models import Channel
from wenming.cases.services import workflow as wf
from wenming.common.models import Notification
from wenming.inspections.services import results as res
from wenming.org.models import Person, Unit

from .conftest import observation

pytestmark = pytest.mark.django_db

UNIT_CODE = "CGJ-131102"


@pytest.fixture
def finding(demo_round, people):
    assignment = (demo_round.assignments.filter(district__code="131102").select_related("site")
                  .order_by("pk").first())
    item = assignment.scheme.items.order_by("sort").first()
    answer = res.result_record(actor=people["anfang"], observation=observation(assignment, item.code, "severe"))
    assert answer.status == "created"
    result = res.Result.objects.select_related("case").get(pk=answer.result_id)
    return result


def test_a_failed_item_becomes_an_inspection_case_routed_as_usual(finding, demo_round):
    case = finding.case
    assert case.channel == Channel.INSPECTION and case.state == "reported"
    assert case.category_id == finding.item.category_id and case.urgency == "urgent"  # 严重不合格
    assert case.site_id == finding.assignment.site_id and case.area_path.startswith("/")
    assert case.evidence.count() == 1 and case.reported_by.username == "anfang"
    assert finding.item.code in case.description and demo_round.code not in case.description
    assert case.routing  # routed by the usual rules


def test_the_unit_never_learns_the_inspector_the_firm_or_the_round(client, finding, people, demo_round):
    case = finding.case
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=Unit.objects.get(code=UNIT_CODE))
    hidden = [str(people["anfang"]), people["anfang"].username, demo_round.firm_name, demo_round.code]
    for username in ("chengguan", "chengguan_lead", "taocheng"):
        client.force_login(people[username])
        page = client.get(reverse("cases:detail", args=[case.pk]))
        api = client.get(f"/api/v1/cases/{case.pk}/")
        listed = client.get("/api/v1/cases/", {"q": case.number})
        export = client.get(reverse("cases:export", args=["csv"]), {"queue": "all", "q": case.number})
        rows = b"".join(export.streaming_content).decode("utf-8-sig")
        assert page.status_code == api.status_code == listed.status_code == 200, username
        assert case.number in rows and f'"id":{case.pk}' in listed.content.decode(), username
        for surface, text in (("page", page.content.decode()), ("api", api.content.decode()),
                              ("list", listed.content.decode()), ("export", rows)):
            for secret in hidden:
                assert secret not in text, (username, surface, secret)
    unit_people = Person.objects.filter(unit__code=UNIT_CODE)
    told = Notification.objects.filter(recipient__in=unit_people)
    assert told.exists()
    for note in told:
        for secret in hidden:
            assert secret not in f"{note.subject} {note.body} {note.link}", secret
    # The command centre knows who reported.
    client.force_login(people["zhiban"])
    assert str(people["anfang"]) in client.get(reverse("cases:detail", args=[case.pk])).content.decode()


def test_the_inspector_follows_the_finding_in_my_reports(client, finding, people):
    client.force_login(people["anfang"])
    page = client.get(reverse("cases:field_mine")).content.decode()
    assert finding.case.number in page
