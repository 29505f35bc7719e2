"""The selection pages end to end through the test client: an organiser creates and runs a call, a community
nominates, experts score, the public nominates and objects with a verified phone, the results are published on the
晾晒 page, its feed and the API."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from wenming.conftest import photo_bytes
from wenming.public.tests.sms import last_code
from wenming.selections.models import Call, CallStatus, Nomination, NominationStatus, Objection
from wenming.selections.services import calls as call_services

from .conftest import site_in

pytestmark = pytest.mark.django_db
N = NominationStatus


def _login(client, person):
    client.force_login(person)
    return client


def _step(client, call, key, **extra):
    call.refresh_from_db()
    return client.post(reverse("selections:call_step", args=[call.pk]),
                       {"action": key, "version": call.version, **extra})


def test_organiser_creates_a_call_from_the_form(client, organiser, kinds, districts):
    _login(client, organiser)
    assert client.get(reverse("selections:call_new")).status_code == 200
    data = {"kind": kinds["zmld"].pk, "title": "2026年度最美楼道", "organiser": organiser.unit_id or 1,
            "nominations_open": "2026-01-01T08:00", "nominations_close": "2026-01-31T18:00", "notice_days": 5,
            "expert_weight": 70, "sheet": "环境整洁|60\n文明氛围|40", f"quota_{districts[0].pk}": 2}
    bad = client.post(reverse("selections:call_new"), {**data, "sheet": "没有分数"})
    assert bad.status_code == 400 and b"Scoring sheet, line 1" in bad.content
    response = client.post(reverse("selections:call_new"), data)
    call = Call.objects.get(title="2026年度最美楼道")
    assert response.status_code == 302 and call.quotas.get().quota == 2 and call.score_items.count() == 2
    page = client.get(reverse("selections:call", args=[call.pk]))
    assert b'id="step-open"' in page.content
    _step(client, call, "open")
    call.refresh_from_db()
    assert call.status == CallStatus.NOMINATING
    edit = client.get(reverse("selections:call_edit", args=[call.pk]))
    assert edit.status_code == 200 and "环境整洁|60".encode() in edit.content


def test_a_unit_cannot_create_or_step(client, people, open_call):
    _login(client, people["chengguan"])
    assert client.get(reverse("selections:call_new")).status_code == 404
    response = _step(client, open_call, "close")
    assert response.status_code == 302
    open_call.refresh_from_db()
    assert open_call.status == CallStatus.NOMINATING


def test_community_nominates_and_the_walk_to_publication(client, open_call, community_worker, organiser, experts):
    site = site_in(community_worker)
    _login(client, community_worker)
    form = client.get(reverse("selections:nominate", args=[open_call.pk]))
    assert form.status_code == 200 and str(site.pk).encode() in form.content
    response = client.post(reverse("selections:nominate", args=[open_call.pk]), {
        "site": site.pk, "name": "", "statement": "三单元楼道干净整洁，无堆物。",
        "photos": [_upload()]})
    nomination = Nomination.objects.get(call=open_call)
    assert response.status_code == 302 and nomination.photos.count() == 1
    page = client.get(reverse("selections:nomination", args=[nomination.pk]))
    assert page.status_code == 200 and b"run-qualification" not in page.content
    photo = nomination.photos.get()
    assert client.get(reverse("selections:photo", args=[nomination.pk, photo.pk])).status_code == 200

    _login(client, organiser)
    for expert in experts[:2]:
        client.post(reverse("selections:panel_add", args=[open_call.pk]), {"username": expert.username})
    assert open_call.panel.count() == 2
    _step(client, open_call, "close")
    nomination.refresh_from_db()
    client.post(reverse("selections:qualify", args=[nomination.pk]), {"version": nomination.version})
    nomination.refresh_from_db()
    assert nomination.status in (N.QUALIFIED, N.HELD_BACK)
    if nomination.status == N.HELD_BACK:
        client.post(reverse("selections:override", args=[nomination.pk]),
                    {"version": nomination.version, "note": "已整改"})
    page = client.get(reverse("selections:nomination", args=[nomination.pk]))
    assert b'id="findings"' in page.content

    items = list(open_call.score_items.all())
    for expert, (a, b) in zip(experts[:2], [(50, 30), (40, 30)], strict=True):
        _login(client, expert)
        assert nomination.name.encode() in client.get(reverse("selections:my_review")).content
        client.post(reverse("selections:declare", args=[nomination.pk]), {"conflicted": "no"})
        client.post(reverse("selections:score", args=[nomination.pk]),
                    {f"item_{items[0].pk}": a, f"item_{items[1].pk}": b})
        again = client.post(reverse("selections:score", args=[nomination.pk]),
                            {f"item_{items[0].pk}": 1, f"item_{items[1].pk}": 1}, follow=True)
        assert b"locked" in again.content
    _login(client, organiser)
    call_page = client.get(reverse("selections:call", args=[open_call.pk]))
    assert b'id="ranking"' in call_page.content and b"75.00" in call_page.content
    _step(client, open_call, "notice")
    nomination.refresh_from_db()
    assert nomination.status == N.IN_NOTICE
    # The public sees the nominee in the notice and may object.
    client.logout()
    board = client.get(reverse("selection_results:board"))
    assert board.status_code == 200 and nomination.name.encode() in board.content
    winner = client.get(reverse("selection_results:winner", args=[nomination.pk]))
    assert b'id="objection-form"' in winner.content
    client.post(reverse("public:code"), {"phone": "13912345678"})
    response = client.post(reverse("selection_results:objection", args=[nomination.pk]),
                           {"text": "楼道有堆物", "phone": "13912345678", "code": last_code("13912345678")})
    assert response.status_code == 302
    objection = Objection.objects.get(nomination=nomination)
    assert objection.phone == "13912345678"
    assert b"13912345678" not in client.get(reverse("selection_results:winner", args=[nomination.pk])).content
    _login(client, organiser)
    assert b"13912345678" in client.get(reverse("selections:nomination", args=[nomination.pk])).content
    client.post(reverse("selections:objection_decide", args=[objection.pk]),
                {"decision": "dismissed", "note": "经核实已清理"})
    Call.objects.filter(pk=open_call.pk).update(notice_ends_on=timezone.localdate() - dt.timedelta(days=1))
    _step(client, open_call, "publish")
    nomination.refresh_from_db()
    assert nomination.status == N.WINNER
    client.logout()
    assert nomination.name.encode() in client.get(reverse("selection_results:board")).content
    feed = client.get(reverse("selection_results:feed"))
    assert feed.status_code == 200 and nomination.name.encode() in feed.content
    api = client.get("/api/v1/selections/results/")
    assert api.status_code == 200 and api.json()["results"][0]["name"] == nomination.name
    assert "phone" not in api.content.decode() and "nominator" not in api.content.decode()
    assert client.get("/api/v1/selections/calls/").status_code in (401, 403)
    _login(client, community_worker)
    calls = client.get("/api/v1/selections/calls/").json()
    assert calls["results"][0]["status"] == "published"


def _upload(name="photo.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, photo_bytes(), content_type="image/png")


def test_public_nomination_with_a_verified_phone(client, open_call, community_worker):
    area = community_worker.roles.first().area
    url = reverse("selection_results:nominate", args=[open_call.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"send-code" in page.content and b'name="site"' not in page.content
    no_code = client.post(url, {"name": "幸福里3号楼", "area": area.pk, "statement": "整洁", "phone": "13912345678"})
    assert no_code.status_code == 400 and b"Code" in no_code.content
    client.post(reverse("public:code"), {"phone": "13912345678"})
    wrong = client.post(url, {"name": "幸福里3号楼", "area": area.pk, "statement": "整洁", "phone": "13912345678",
                              "code": "000000" if last_code("13912345678") != "000000" else "111111"})
    assert wrong.status_code == 400 and not Nomination.objects.exists()
    client.post(reverse("public:code"), {"phone": "13912345678"})
    ok = client.post(url, {"name": "幸福里3号楼", "area": area.pk, "statement": "整洁", "phone": "13912345678",
                           "code": last_code("13912345678"), "photos": [_upload()]})
    assert ok.status_code == 302
    n = Nomination.objects.get()
    assert n.nominator_kind == "public" and n.nominator_phone == "13912345678" and n.photos.count() == 1


def test_public_pages_hide_what_is_not_public(client, open_call, community_worker, organiser):
    site = site_in(community_worker)
    n = call_services.Call.objects.get(pk=open_call.pk).nominations.create(
        number=1, name="未公开", area=site.area, site=site, statement="x", nominator_kind="unit")
    assert client.get(reverse("selection_results:winner", args=[n.pk])).status_code == 404
    assert b"\xe6\x9c\xaa\xe5\x85\xac\xe5\xbc\x80" not in client.get(reverse("selection_results:board")).content
    # A call not taking nominations has no public form.
    Call.objects.filter(pk=open_call.pk).update(status=CallStatus.REVIEWING)
    assert client.get(reverse("selection_results:nominate", args=[open_call.pk])).status_code == 404


def test_organisers_add_a_kind(client, organiser, people, kinds):
    from wenming.selections.models import SelectionKind

    _login(client, people["chengguan"])
    assert client.post(reverse("selections:kind_new"), {"code": "zmjt", "name": "最美家庭",
                                                        "subject": "person"}).status_code == 404
    _login(client, organiser)
    page = client.get(reverse("selections:calls"))
    assert b'id="kind-form"' in page.content
    client.post(reverse("selections:kind_new"), {"code": "zmjt", "name": "最美家庭", "subject": "person"})
    assert SelectionKind.objects.get(code="zmjt").name == "最美家庭"
    again = client.post(reverse("selections:kind_new"), {"code": "zmjt", "name": "x", "subject": "person"},
                        follow=True)
    assert b"is taken" in again.content


# -- review findings: the call page and the results board page through their rows; the API counts in one query --

def _many_nominations(call, n):
    from wenming.org.models import Area, AreaLevel
    from wenming.selections.models import NominatorKind

    community = Area.objects.filter(level=AreaLevel.COMMUNITY).order_by("code").first()
    district = community.parent
    while district.level != AreaLevel.COUNTY:
        district = district.parent
    Nomination.objects.bulk_create([
        Nomination(call=call, number=i + 1, name=f"楼道{i + 1:03d}", area=community, district=district,
                   statement="整洁", nominator_kind=NominatorKind.COMMUNITY, status=N.SUBMITTED) for i in range(n)])


def test_the_call_page_shows_a_page_of_nominations_and_counts_them_all(client, organiser, open_call, monkeypatch):
    from wenming.selections import selectors

    monkeypatch.setattr(selectors, "CALL_PAGE_SIZE", 3)
    _many_nominations(open_call, 7)
    _login(client, organiser)
    page = client.get(reverse("selections:call", args=[open_call.pk]))
    assert page.status_code == 200 and "楼道003".encode() in page.content and "楼道004".encode() not in page.content
    assert b"Submitted 7" in page.content and b'rel="next"' in page.content
    last = client.get(reverse("selections:call", args=[open_call.pk]) + "?page=3")
    assert "楼道007".encode() in last.content and "楼道001".encode() not in last.content


def test_the_results_board_pages_through_published_calls(client, kinds, districts, organiser, monkeypatch):
    from wenming.selections import selectors

    from .conftest import call_values

    monkeypatch.setattr(selectors, "RESULTS_PAGE_SIZE", 2)
    now = timezone.now()
    for i in range(3):
        call = call_services.call_create(actor=organiser, values=call_values(kinds["zmld"], districts))
        Call.objects.filter(pk=call.pk).update(status=CallStatus.PUBLISHED, title=f"评选第{i}届",
                                               published_at=now - dt.timedelta(days=i))
    first = client.get(reverse("selection_results:board"))
    assert "评选第0届".encode() in first.content and "评选第2届".encode() not in first.content
    assert b'rel="next"' in first.content
    assert "评选第2届".encode() in client.get(reverse("selection_results:board") + "?page=2").content


def test_the_calls_api_counts_nominations_without_a_query_per_call(client, organiser, kinds, districts,
                                                                     django_assert_max_num_queries):
    from .conftest import call_values

    calls = [call_services.call_create(actor=organiser, values=call_values(kinds["zmld"], districts))
             for _ in range(4)]
    _many_nominations(calls[0], 3)
    _login(client, organiser)
    client.get("/api/v1/selections/calls/")  # warm the session and the scope
    with django_assert_max_num_queries(12) as captured:
        answer = client.get("/api/v1/selections/calls/").json()
    counts = {row["id"]: row["status_counts"] for row in answer["results"]}
    assert counts[calls[0].pk] == {"submitted": 3} and counts[calls[1].pk] == {}
    few = len(captured.captured_queries)
    more = [call_services.call_create(actor=organiser, values=call_values(kinds["zmld"], districts)) for _ in range(4)]
    assert more
    with django_assert_max_num_queries(few):
        client.get("/api/v1/selections/calls/")
