"""The volunteer pages end to end through the test client: sign in by SMS code and register, sign up, check in and
out through the QR link, the record and its certificate, the organiser's pages (scope: 404 outside), the
statistics, the export (formula-safe), an activity called for by a case cluster."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from wenming.cases.services import workflow as wf
from wenming.public.tests.sms import last_code
from wenming.volunteers.models import (
    Activity,
    ActivityCase,
    CheckIn,
    RecordState,
    ServiceRecord,
    SignUp,
    SignUpStatus,
    Volunteer,
)
from wenming.volunteers.services.activities import signup_create
from wenming.volunteers.services.checkins import checkin_record, checkin_token, checkout_record
from wenming.volunteers.services.documents import EXPORT_COLUMNS

from .conftest import ADULT_ID

pytestmark = pytest.mark.django_db


def _sign_in(client, phone: str):
    assert client.post(reverse("public:code"), {"phone": phone}).status_code == 200
    return client.post(reverse("volunteers:signin"), {"phone": phone, "code": last_code(phone)})


def test_register_sign_up_check_in_and_out_see_hours(client, organisation, activity, place):
    answer = _sign_in(client, "13911112222")
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("volunteers:register"))
    answer = client.post(reverse("volunteers:register"), {
        "name": "赵志愿", "organisation": organisation.pk, "id_number": ADULT_ID, "birth_date": "1990-03-07"})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    volunteer = Volunteer.objects.get(phone="13911112222")
    assert client.post(reverse("volunteers:signup", args=[activity.pk])).status_code == 302
    assert SignUp.objects.get(volunteer=volunteer).status == SignUpStatus.CONFIRMED
    url = reverse("volunteers:checkin", args=[checkin_token(activity=activity)])
    page = client.get(url)
    assert page.status_code == 200 and b'id="checkin-button"' in page.content
    refused = client.post(url, {"step": "in", "lng": place[0] + 0.05, "lat": place[1], "accuracy": 10})
    assert refused.status_code == 400 and b"check in within 200 m" in refused.content
    assert client.post(url, {"step": "in", "lng": place[0], "lat": place[1], "accuracy": 10}).status_code == 302
    assert client.post(url, {"step": "in", "lng": place[0], "lat": place[1], "accuracy": 10}).status_code == 302  # once
    assert CheckIn.objects.filter(signup__volunteer=volunteer).count() == 1
    assert client.post(url, {"step": "out", "lng": place[0], "lat": place[1], "accuracy": 10}).status_code == 302
    page = client.get(url)
    assert b'id="hours"' in page.content
    me = client.get(reverse("volunteers:me"))
    assert me.status_code == 200 and "路口文明劝导" in me.content.decode()
    assert ADULT_ID not in me.content.decode()


def test_minor_registration_needs_the_guardian_code_and_consent(client, organisation):
    organisation.requires_real_name = False
    organisation.save()
    _sign_in(client, "13911113333")
    form = {"name": "小志愿", "organisation": organisation.pk, "birth_date": "2014-05-01"}
    refused = client.post(reverse("volunteers:register"), form)
    assert refused.status_code == 400 and b"guardian" in refused.content
    client.post(reverse("public:code"), {"phone": "13911114444"})
    wrong = client.post(reverse("volunteers:register"), {**form, "guardian_name": "家长", "guardian_phone": "13911114444",
                                                         "guardian_code": "000000", "guardian_consent": "on"})
    assert wrong.status_code == 400 and not Volunteer.objects.filter(phone="13911113333").exists()
    client.post(reverse("public:code"), {"phone": "13911114444"})
    ok = client.post(reverse("volunteers:register"), {**form, "guardian_name": "家长", "guardian_phone": "13911114444",
                                                      "guardian_code": last_code("13911114444"),
                                                      "guardian_consent": "on"})
    assert ok.status_code == 302
    assert Volunteer.objects.get(phone="13911113333").guardian_consent_at is not None


def test_pages_need_the_volunteer_session(client, activity):
    for name, args in (("volunteers:me", []), ("volunteers:certificate", [])):
        answer = client.get(reverse(name, args=args))
        assert answer.status_code == 302 and reverse("volunteers:signin") in answer["Location"]
    assert client.post(reverse("volunteers:signup", args=[activity.pk])).status_code == 302
    assert not SignUp.objects.exists()
    assert client.get(reverse("volunteers:checkin", args=["forged"])).status_code == 400
    assert client.get(reverse("volunteers:register")).status_code == 302  # no verified phone


def test_public_calendar_filters_and_names_nobody(client, activity, volunteer, county):
    signup_create(volunteer_id=volunteer.pk, activity_id=activity.pk)
    page = client.get(reverse("volunteers:calendar"), {"area": county.code, "theme": "traffic"})
    text = page.content.decode()
    assert page.status_code == 200 and activity.title in text and volunteer.name not in text
    assert activity.title not in client.get(reverse("volunteers:calendar"), {"theme": "clean"}).content.decode()
    assert activity.title not in client.get(reverse("volunteers:calendar"), {"area": "NOPE"}).content.decode()
    detail = client.get(reverse("volunteers:activity", args=[activity.pk])).content.decode()
    assert volunteer.name not in detail and volunteer.phone not in detail


@pytest.fixture
def done(activity, volunteer, place):
    signup_create(volunteer_id=volunteer.pk, activity_id=activity.pk)
    checkin_record(volunteer_id=volunteer.pk, activity_id=activity.pk, lng=place[0], lat=place[1])
    return checkout_record(volunteer_id=volunteer.pk, activity_id=activity.pk, lng=place[0], lat=place[1],
                           now=timezone.now() + dt.timedelta(minutes=60))


def test_organiser_confirms_and_corrects_on_the_page(client, done, organiser, outsider):
    client.force_login(outsider)
    assert client.get(reverse("volunteers:activity_manage", args=[done.activity_id])).status_code == 404
    assert client.post(reverse("volunteers:record_step", args=[done.pk, "confirm"]),
                       {"version": 0}).status_code == 404
    client.force_login(organiser)
    page = client.get(reverse("volunteers:activity_manage", args=[done.activity_id]))
    assert page.status_code == 200 and b"<svg" in page.content and b'data-action="confirm"' in page.content
    client.post(reverse("volunteers:record_step", args=[done.pk, "confirm"]), {"version": 0})
    client.post(reverse("volunteers:record_step", args=[done.pk, "correct"]), {"version": 1, "hours": "1.25",
                                                                             "note": "补录"})
    record = ServiceRecord.objects.get()
    assert record.state == RecordState.CONFIRMED and str(record.hours) == "1.25"
    stats = client.get(reverse("volunteers:stats"))
    assert stats.status_code == 200 and "1.25" in stats.content.decode()


def test_export_follows_the_national_mapping_and_is_formula_safe(client, done, organiser):
    Activity.objects.filter(pk=done.activity_id).update(title="=HYPERLINK(\"http://x\")")
    client.force_login(organiser)
    answer = client.get(reverse("volunteers:export", args=["csv"]))
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    assert rows[1][0] == "张志愿" and rows[1][2] == ADULT_ID[:3] + "*" * 11 + ADULT_ID[-4:]
    assert rows[1][5].startswith("'=")
    book = load_workbook(io.BytesIO(client.get(reverse("volunteers:export", args=["xlsx"])).content))
    sheet = book.active
    assert sheet.cell(2, 6).value.startswith("'=") and sheet.cell(2, 6).data_type == "s"
    assert client.get(reverse("volunteers:export", args=["pdf"])).status_code == 404


def _as_volunteer(client, volunteer_id: int) -> None:
    from wenming.volunteers.session import SESSION_VOLUNTEER

    session = client.session
    session[SESSION_VOLUNTEER] = {"id": volunteer_id, "until": 4102444800}
    session.save()


def test_certificate_is_a_pdf_of_confirmed_hours(client, done, organiser, settings):
    import os
    from pathlib import Path

    if not Path(settings.WENMING_CJK_FONT).is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the certificate needs a CJK font at {settings.WENMING_CJK_FONT} (.ci/run installs it)")
        pytest.skip("needs a Chinese font: apt-get install fonts-noto-cjk")
    _as_volunteer(client, done.volunteer_id)
    answer = client.get(reverse("volunteers:certificate"))
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")


def test_certificate_without_a_chinese_font_says_what_to_install(client, done, settings):
    settings.WENMING_CJK_FONT = "/nonexistent/font.ttc"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    _as_volunteer(client, done.volunteer_id)
    answer = client.get(reverse("volunteers:certificate"), follow=True)
    assert answer.redirect_chain[-1][0] == reverse("volunteers:me")
    assert "install fonts-noto-cjk" in answer.content.decode()


def test_activity_called_for_by_a_case_cluster(client, organiser, project, people, place):
    grid_case, same, other = (wf.case_intake(channel="hotline", description="小广告", lng=place[0], lat=place[1],
                                             category=code, actor=people["shouli"])
                              for code in ("SJ0401", "SJ0401", "SJ0402"))
    client.force_login(organiser)
    case_page = client.get(reverse("cases:detail", args=[grid_case.pk]))
    assert f'href="{reverse("volunteers:activity_new")}?case={grid_case.pk}"'.encode() in case_page.content
    page = client.get(reverse("volunteers:activity_new"), {"case": grid_case.pk})
    assert page.status_code == 200 and b'id="activity-source"' in page.content
    starts = timezone.localtime() + dt.timedelta(days=1)
    answer = client.post(reverse("volunteers:activity_new"), {
        "project": project.pk, "title": "清理小广告", "place": "育才街", "lng": 115.69, "lat": 37.74, "radius_m": 300,
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"), "ends_at": (starts + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "slots": 20, "min_age": 0, "source_case": grid_case.pk})
    assert answer.status_code == 302, answer.content.decode()[:3000]
    activity = Activity.objects.get(title="清理小广告")
    assert activity.source_case_id == grid_case.pk
    linked = set(ActivityCase.objects.filter(activity=activity).values_list("case_id", flat=True))
    assert {grid_case.pk, same.pk} <= linked and other.pk not in linked
    assert b'id="volunteer-activities"' in client.get(reverse("cases:detail", args=[same.pk])).content


def test_organiser_creates_an_organisation_and_a_project_in_scope(client, organiser, county, outsider):
    from wenming.volunteers.models import Organisation, Project, VolunteerEvent

    other_county = outsider.roles.get().area
    client.force_login(organiser)
    refused = client.post(reverse("volunteers:organisation_new"), {"name": "外区队", "host_kind": "community",
                                                                    "area": other_county.pk})
    assert refused.status_code == 400 and not Organisation.objects.filter(name="外区队").exists()
    answer = client.post(reverse("volunteers:organisation_new"), {"name": "桃城区红马甲志愿服务队", "host_kind": "community",
                                                                   "area": county.pk, "requires_real_name": "on"})
    assert answer.status_code == 302
    org = Organisation.objects.get(name="桃城区红马甲志愿服务队")
    assert org.requires_real_name and org.area_path == county.path
    assert client.post(reverse("volunteers:project_new"), {"organisation": org.pk, "name": "清洁家园",
                                                           "theme": "clean"}).status_code == 302
    assert Project.objects.filter(organisation=org, theme="clean").exists()
    assert VolunteerEvent.objects.filter(action__in=["organisation_created", "project_created"]).count() == 2
    client.force_login(outsider)
    assert client.post(reverse("volunteers:project_new"), {"organisation": org.pk, "name": "x",
                                                           "theme": "clean"}).status_code == 400
