"""Hostile input on the web pages (issue 12, "Bad input"): control characters stripped at every input and kept
out of the feeds; dates, numbers and ids no browser sends answered with an error naming the field, never a 500;
no redirect off the site."""

from __future__ import annotations

import datetime as dt
import io
import json
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http import HttpResponse, QueryDict
from django.test import RequestFactory
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from wenming.cases.models import Case, CaseState, Exposure
from wenming.cases.services import workflow as wf
from wenming.cases.services.errors import WorkflowError
from wenming.cases.tests.test_views import advance, post, routed_grid
from wenming.common.input import (
    CleanAtom1Feed,
    CleanJSONParser,
    ControlCharacterMiddleware,
    clean_querydict,
    date_param,
    db_id,
    strip_controls,
)
from wenming.common.services.notifications import notifications_enqueue
from wenming.conftest import photo_bytes

pytestmark = pytest.mark.django_db
S = CaseState
DIRTY = "井盖\x0b\x1b\x01缺失\x00\x7f"
BIG = "9" * 40


@pytest.fixture(autouse=True)
def _media_and_english(settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def grid():
    return routed_grid("SJ0401", "CGJ-131102", "131102")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


# -- control characters ---------------------------------------------------------------------------------------

def test_strip_controls_keeps_layout_and_returns_clean_text_untouched():
    text = "第一行\t列\r\n第二行"
    assert strip_controls(text) is text
    assert strip_controls(DIRTY) == "井盖缺失"
    assert strip_controls("a\ud800b\ufffe") == "ab"


def test_bidi_overrides_and_c1_controls_are_stripped_so_text_shows_as_stored():
    # "照片\u202egpj.exe" would show as "照片exe.jpg"; the isolates and C1 (NEL, CSI) likewise.
    assert strip_controls("照片\u202egpj.exe") == "照片gpj.exe"
    assert strip_controls("\u2066井盖\u2069\u0085缺失\u009b") == "井盖缺失"
    # Marks that only set a direction without reordering stored text are left alone (rare, harmless).
    assert strip_controls("a\u200eb") == "a\u200eb"


def test_a_querydict_is_copied_only_when_it_holds_a_control_character():
    clean = QueryDict("q=占道&state=handling&case=1&case=2")
    assert clean_querydict(clean) is clean
    dirty = clean_querydict(QueryDict("q=%E5%8D%A0%0B%E9%81%93&case=1%00&case=2&k%1B=v"))
    assert dirty["q"] == "占道" and dirty.getlist("case") == ["1", "2"] and dirty["k"] == "v"
    assert not dirty._mutable


def test_json_bodies_are_cleaned_at_every_depth():
    body = b'{"description": "a\\u000bb\\u0000", "items": [{"x\\u001b": "\\ud800ok"}], "n": 5, "f": 1.5}'
    data = CleanJSONParser().parse(io.BytesIO(body))
    assert data == {"description": "ab", "items": [{"x": "ok"}], "n": 5, "f": 1.5}


def test_staff_intake_stores_the_description_without_control_characters(client, people, grid):
    client.force_login(people["shouli"])
    response = client.post(reverse("cases:new"), {
        "channel": "hotline", "category": "SJ0401", "urgency": "normal", "description": DIRTY,
        "address": "人民路\x0b1号", "lat": f"{grid.lat:.7f}", "lng": f"{grid.lng:.7f}", "crs": "wgs84"})
    assert response.status_code == 302
    case = Case.objects.order_by("-pk").first()
    assert (case.description, case.address) == ("井盖缺失", "人民路1号")


def test_citizen_report_stores_the_description_without_control_characters(client, grid):
    response = client.post(reverse("public:report"), {
        "category": "stalls", "description": DIRTY, "lat": f"{grid.lat:.7f}", "lng": f"{grid.lng:.7f}",
        "address": "", "anonymous": "on", "photos": SimpleUploadedFile("p.png", photo_bytes(), "image/png")})
    assert response.status_code == 302
    assert Case.objects.order_by("-pk").first().description == "井盖缺失"


def test_query_parameters_are_cleaned_before_a_view_reads_them(client, people):
    client.force_login(people["zhiban"])
    response = client.get(reverse("cases:workbench"), {"queue": "all", "q": "占道\x0b\x00"})
    assert response.status_code == 200
    assert response.wsgi_request.GET["q"] == "占道" and response.context["form"].cleaned_data["q"] == "占道"


def test_post_is_cleaned_lazily_so_a_view_can_still_choose_its_upload_handlers():
    """The middleware must not parse a multipart body itself: a view that bounds memory per request sets its
    upload handlers first, which Django refuses once the body has been read."""
    seen = {}

    def view(request):
        request.upload_handlers = [MemoryFileUploadHandler(request)]
        seen["description"] = request.POST["description"]
        seen["file"] = request.FILES["photo"].read()
        return HttpResponse()

    request = RequestFactory().post("/", {"description": DIRTY, "photo": SimpleUploadedFile("p.png", b"PNG")})
    ControlCharacterMiddleware(view)(request)
    assert seen == {"description": "井盖缺失", "file": b"PNG"}


def test_the_feed_generator_drops_control_characters():
    feed = CleanAtom1Feed(title="曝光台\x0b", link="/exposure/", description="")
    feed.add_item(title="占道\x0b经营", link="/exposure/1/", description="早高峰\x01摊贩", categories=("a\x1b",))
    root = ET.fromstring(feed.writeString("utf-8"))
    assert "占道经营" in ET.tostring(root, encoding="unicode") and "早高峰摊贩" in ET.tostring(root, encoding="unicode")
    plain = Atom1Feed(title="t", link="/", description="")
    plain.add_item(title="占道\x0b经营", link="/exposure/1/", description="x")
    with pytest.raises(ValueError):  # what Django does without the helper: the 500 for every reader
        plain.writeString("utf-8")


def test_a_stored_exposure_with_a_control_character_gives_well_formed_feeds(client, people, grid):
    from wenming.cases.services import exposure as ex
    from wenming.cases.services.workflow import Upload

    case = wf.case_intake(channel="hotline", description="占道经营", lng=grid.lng, lat=grid.lat, category="SJ0401",
                          actor=people["shouli"], photos=[Upload("before.png", photo_bytes())])
    exposure = ex.exposure_save(case_id=case.pk, actor=people["zhiban"], headline="人民路口占道经营", summary="早高峰")
    before = case.evidence.get(kind="before")
    ex.exposure_photos_set(exposure_id=exposure.pk, actor=people["zhiban"], photos=[(before.pk, [[0.0, 0.0, 0.5, 0.5]])])
    ex.exposure_publish(exposure_id=exposure.pk, actor=people["zhiban"])
    Exposure.objects.filter(pk=exposure.pk).update(headline="人民路口\x0b占道经营", summary="早高峰\x0b摊贩\x01占道")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    response = client.get(reverse("exposure:board_feed"))
    assert response.status_code == 200
    entry = ET.fromstring(response.content).find("a:entry", ns)
    assert entry.find("a:title", ns).text == "人民路口占道经营"
    assert entry.find("a:summary", ns).text.startswith("早高峰摊贩占道")
    advance(Case.objects.get(pk=case.pk), S.CLOSED, people)
    response = client.get(reverse("exposure:showcase_feed"))
    assert response.status_code == 200 and ET.fromstring(response.content).find("a:entry", ns) is not None


# -- dates, numbers and ids -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "ok"), [
    ("1", 1), (" 42 ", 42), ("9223372036854775807", 2**63 - 1), ("9223372036854775808", None), (BIG, None),
    ("0", None), ("-1", None), ("abc", None), ("1.5", None), ("", None), (None, None), ("²", None), ("1e3", None),
    ("١٢", None), ("１２", None),
])
def test_db_id_accepts_only_ids_a_database_holds(raw, ok):
    assert db_id(raw) == ok


@pytest.mark.parametrize(("raw", "error"), [
    ("9999-12-31", "Week: enter a date between 2000-01-01 and 2099-12-31."),
    ("0001-01-01", "Week: enter a date between 2000-01-01 and 2099-12-31."),
    ("2026-02-30", "Week: enter a date as YYYY-MM-DD."),
    ("２０２６-01-05", "Week: enter a date as YYYY-MM-DD."),
    ("20260105", "Week: enter a date as YYYY-MM-DD."),
    ("", "Week: enter a date as YYYY-MM-DD."),
])
def test_date_param_names_the_field(raw, error):
    with pytest.raises(Exception) as caught:
        date_param(raw, label="Week")
    assert caught.value.messages == [error]
    assert date_param("2026-01-05", label="Week") == dt.date(2026, 1, 5)


@pytest.fixture
def filed(people, grid):
    return wf.case_intake(channel="hotline", description="占道经营", lng=grid.lng, lat=grid.lat, category="SJ0401",
                          actor=people["shouli"])


@pytest.mark.parametrize(("param", "value", "label"), [
    ("reported_to", "9999-12-31", "Reported until"), ("reported_from", "0001-01-01", "Reported from"),
])
def test_extreme_dates_are_a_form_error_on_the_workbench_and_refused_by_the_map_and_exports(client, people, filed, param,
                                                                                           value, label):
    client.force_login(people["zhiban"])
    expected = f"{label}: enter a date between 2000-01-01 and 2099-12-31."
    page = client.get(reverse("cases:workbench"), {"queue": "all", param: value})
    assert page.status_code == 200 and page.context["form"].errors[param] == [expected]
    answer = client.get(reverse("cases:map"), {"queue": "all", param: value})
    assert answer.status_code == 400 and answer.json()["fields"] == {param: [expected]}
    for fmt in ("csv", "xlsx"):
        refused = client.get(reverse("cases:export", args=[fmt]), {"queue": "all", param: value})
        assert refused.status_code == 302 and refused["Location"].startswith(reverse("cases:workbench"))
        assert messages_of(refused)[-1] == f"Not exported: {expected}"


def test_the_filters_never_overflow_for_other_callers(people, filed):
    from wenming.cases.selectors import apply_filters

    scope = Case.objects.filter(pk=filed.pk)
    assert list(apply_filters(scope, {"reported_from": dt.date(1, 1, 1), "reported_to": dt.date(9999, 12, 31)})) == [filed]
    assert not apply_filters(scope, {"reported_from": dt.date(9999, 12, 31)}).exists()
    assert not apply_filters(scope, {"reported_to": dt.date(1, 1, 1)}).exists()


@pytest.mark.parametrize("q", ["20261128000000²", "٢٠٢٦١١٢٨٠٠٠٠٠٠١", "２０２６１１２８００００００１", BIG, "1" * 15 + "²"])
def test_a_case_number_search_with_unusual_digits_answers(client, people, filed, q):
    client.force_login(people["zhiban"])
    assert client.get(reverse("cases:workbench"), {"queue": "all", "q": q}).status_code == 200
    assert client.get(reverse("cases:map"), {"queue": "all", "q": q}).status_code == 200
    assert client.get(reverse("cases:export", args=["csv"]), {"queue": "all", "q": q}).status_code == 200


def test_a_case_number_typed_in_full_width_digits_finds_the_case(client, people, filed):
    client.force_login(people["zhiban"])
    wide = filed.number.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    page = client.get(reverse("cases:workbench"), {"queue": "all", "q": wide})
    assert f'data-case="{filed.number}"' in page.content.decode()


def test_batch_dispatch_ignores_ids_no_database_holds(client, people):
    client.force_login(people["paiqian"])
    response = client.post(reverse("cases:batch_dispatch"), {"case": [BIG, "abc", "-1"]})
    assert response.status_code == 302
    assert messages_of(response) == ["Select the cases to dispatch."]


def test_forty_digit_ids_in_case_forms_are_form_errors(client, people, grid):
    reported = wf.case_intake(channel="hotline", description="占道经营", lng=grid.lng, lat=grid.lat,
                              category="SJ0401", actor=people["shouli"])
    handling = advance(wf.case_intake(channel="hotline", description="占道经营 2", lng=grid.lng, lat=grid.lat,
                                      category="SJ0401", actor=people["shouli"]), S.HANDLING, people)
    client.force_login(people["zhiban"])
    for case, action, field, label in [(reported, "merge", "into", "Case"),
                                       (handling, "notice_close", "notice", "Supervision notice")]:
        for value in (BIG, "２０２６１１２８００００００１", "abc"):
            response = post(client, case, action, **{field: value})
            assert response.status_code == 200, action
            assert messages_of(response)[-1] == f"{label}: no such record."
    response = client.post(reverse("public:hotline"), {
        "reporter_phone": "13800001111", "category": "SJ0401", "address": "人民路1号", "description": "占道经营",
        "urgency": "normal", "crs": "wgs84", "merge_into": BIG})
    assert response.context["form"].errors["merge_into"] == ["Case: no such record."]
    assert not Case.objects.filter(description="占道经营", address="人民路1号").exists()


def test_a_supervision_notice_answer_time_is_bounded(client, people, grid):
    handling = advance(wf.case_intake(channel="hotline", description="占道经营", lng=grid.lng, lat=grid.lat,
                                      category="SJ0401", actor=people["shouli"]), S.HANDLING, people)
    client.force_login(people["zhiban"])
    response = post(client, handling, "notice", demand="尽快处置", hours="9999.9")
    assert response.status_code == 200
    failed = {a.key: form for a, form in response.context["forms"]}["notice"]
    assert "hours" in failed.errors
    assert not handling.notices.exists()


def test_notification_read_refuses_a_bad_id_and_never_redirects_off_the_site(client, people):
    me = people["chengguan"]
    notifications_enqueue(recipients=[me], key="n1", subject="案件已派遣", link="/cases/1/")
    client.force_login(me)
    url = reverse("notifications_read")
    assert client.post(url, {"id": "abc"}).status_code == 400
    assert client.post(url, {"id": BIG}).status_code == 400
    assert me.notifications.get().read_at is None
    for target in ["javascript:alert(1)", "https://evil.example/", "//evil.example/", "/\\evil.example/",
                   "http://testserver@evil.example/", "notifications", "路灯不亮", "\r=1+1", "/cases/\r\nSet-Cookie: x=1"]:
        response = client.post(url, {"next": target})
        assert response.status_code == 302 and response["Location"] == reverse("notifications"), target
    assert client.post(url, {"next": "/cases/?queue=all"})["Location"] == "/cases/?queue=all"


# -- bounds on what a person may ask for --------------------------------------------------------------------------

@pytest.fixture
def handling(people, grid):
    return advance(wf.case_intake(channel="hotline", description="占道经营", lng=grid.lng, lat=grid.lat,
                                  category="SJ0401", actor=people["shouli"]), S.HANDLING, people)


def test_an_extension_beyond_sixty_working_days_is_a_form_error_naming_the_field(client, people, handling):
    client.force_login(people["chengguan"])
    response = post(client, handling, "request_extension", amount="9999.99", time_unit="working_days", note="材料未到")
    assert response.status_code == 200
    form = {a.key: f for a, f in response.context["forms"]}["request_extension"]
    assert form.errors["amount"] == ["How much more time: at most 60 working days; shelve the case (挂账) for longer work."]
    assert not Case.objects.get(pk=handling.pk).pending_request


@pytest.mark.parametrize(("amount", "unit"), [("61", "working_days"), ("1441", "clock_hours"), ("99999.99", "working_days"),
                                              ("NaN", "working_days"), ("Infinity", "working_hours")])
def test_the_workflow_refuses_an_extension_beyond_the_bound(people, handling, amount, unit):
    with pytest.raises(WorkflowError):
        wf.case_request_extension(case_id=handling.pk, actor=people["chengguan"], amount=Decimal(amount), unit=unit,
                                  note="材料未到")
    wf.case_request_extension(case_id=handling.pk, actor=people["chengguan"], amount=Decimal(60), unit="working_days",
                              note="材料未到")


def test_a_request_stored_before_the_bound_cannot_be_granted(people, handling):
    wf.case_request_extension(case_id=handling.pk, actor=people["chengguan"], amount=Decimal(2), unit="working_days",
                              note="材料未到")
    Case.objects.filter(pk=handling.pk).update(pending_amount=Decimal("9999.99"))
    with pytest.raises(WorkflowError, match="at most 60"):
        wf.case_decide_request(case_id=handling.pk, actor=people["zhiban"], approve=True)
    wf.case_decide_request(case_id=handling.pk, actor=people["zhiban"], approve=False)  # refusing always works


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01", "2026-02-30"])
def test_a_meeting_cannot_be_prepared_for_a_week_out_of_bounds(client, people, week):
    from wenming.campaign.models import Campaign, Meeting
    from wenming.demo.campaign import campaign_demo_build

    campaign_demo_build()
    assert Campaign.objects.exists()
    client.force_login(people["zhiban"])
    response = client.post(reverse("campaign:meeting_prepare"), {"week_start": week})
    assert response.status_code == 302 and not Meeting.objects.exists()
    assert messages_of(response)[0].startswith("Week: enter a date")


def test_an_exposure_photo_id_no_database_holds_is_refused(client, people, grid):
    from wenming.cases.services import exposure as ex

    case = wf.case_intake(channel="hotline", description="占道经营", lng=grid.lng, lat=grid.lat, category="SJ0401",
                          actor=people["shouli"])
    ex.exposure_save(case_id=case.pk, actor=people["zhiban"], headline="人民路口占道经营", summary="早高峰")
    client.force_login(people["zhiban"])
    response = client.post(reverse("cases:exposure", args=[case.pk]),
                           {"step": "photos", "photo": [BIG], f"boxes-{BIG}": json.dumps([])})
    assert response.status_code == 302
    assert messages_of(response) == [f"Photo {BIG[:20]} is not a photo of this case."]
