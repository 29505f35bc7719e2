"""The citizen's pages through the test client: report (anonymous, and with an SMS-verified phone), limits,
tracking by code, what the status page shows and hides, the rating, and the command centre's review page."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wenming.cases.models import Case, CaseState, Evidence, FollowUp
from wenming.cases.services import workflow as wf
from wenming.cases.services.followup import followup_record
from wenming.cases.services.routing import RULE_LABELS
from wenming.cases.services.workflow import Upload
from wenming.conftest import photo_bytes
from wenming.public.models import PublicReport

from .sms import last_code

pytestmark = pytest.mark.django_db
S = CaseState
PHONE = "13912345678"


def report_data(grid, **extra):
    data = {"category": "stalls", "description": "人行道被摊贩占满", "lat": f"{grid.lat:.7f}", "lng": f"{grid.lng:.7f}",
            "address": "", "anonymous": "on", "photos": SimpleUploadedFile("p.png", photo_bytes(), "image/png")}
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def test_report_page_is_public_and_phone_ready(client):
    response = client.get(reverse("public:report"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'accept="image/*"' in html and 'capture="environment"' in html and "csrfmiddlewaretoken" in html
    assert "vendor/leaflet/dist/leaflet.js" in html and "public/report.js" in html
    assert 'name="viewport"' in html
    home = client.get(reverse("login"))
    assert reverse("public:report") in home.content.decode()


def test_report_map_carries_the_district_and_street_outlines_and_follows_geography_changes(client):
    import json
    from html import unescape

    from django.db import transaction

    from wenming.common.services.geography import geography_version_bump
    from wenming.org.models import Area

    def outlines():
        html = client.get(reverse("public:report")).content.decode()
        return json.loads(unescape(re.search(r'data-outlines="([^"]*)"', html).group(1)))

    features = outlines()["features"]
    assert {f["properties"]["kind"] for f in features} == {"county", "street"}
    assert len(features) == Area.objects.filter(level__in=("county", "street"), geometry__isnull=False).count()
    street = Area.objects.filter(level="street").order_by("code").first()
    assert street.name in {f["properties"]["name"] for f in features}
    # A renamed street shows once the geography version moves, not before.
    Area.objects.filter(pk=street.pk).update(name="新名街道")
    assert "新名街道" not in {f["properties"]["name"] for f in outlines()["features"]}
    with transaction.atomic():
        geography_version_bump()
    assert "新名街道" in {f["properties"]["name"] for f in outlines()["features"]}


def test_anonymous_report_with_a_photo_enters_the_reported_queue(english, grid, people):
    response = english.post(reverse("public:report"), report_data(grid), REMOTE_ADDR="10.1.1.1")
    case = Case.objects.get(channel="citizen")
    assert response.status_code == 302 and response["Location"] == reverse("public:status", args=[case.tracking_code])
    assert case.state == S.REPORTED and case.category.code == "SJ0401" and case.reporter_phone == ""
    assert case.reported_by is None and case.evidence.get().kind == Evidence.Kind.BEFORE
    mark = PublicReport.objects.get(case=case)
    assert mark.phone_verified is False and "10.1.1.1" not in mark.network and len(mark.network) == 16
    from wenming.cases import selectors
    assert case.pk in set(selectors.case_queue(user=people["shouli"], queue="reported").values_list("pk", flat=True))
    page = english.get(response["Location"])
    assert case.tracking_code in page.content.decode() and "tracking code" in messages_of(page)


def test_something_else_leaves_the_category_to_the_command_centre(english, grid):
    english.post(reverse("public:report"), report_data(grid, category="other", photos=None))
    case = Case.objects.get(channel="citizen")
    assert case.category is None and case.grid_id is not None


def test_the_case_page_says_why_the_command_centre_routes_it(english, grid, people):
    """A pinned report without a category waits to be categorised (not "no location"); a report without a place
    has no location; a routed one shows its rule's label, never the rule's key."""
    english.post(reverse("public:report"), report_data(grid, category="other", photos=None))
    pinned = Case.objects.get(channel="citizen")
    unplaced = wf.case_intake(channel="hotline", description="电话反映噪音扰民", actor=people["shouli"])
    english.post(reverse("public:report"), report_data(grid, photos=None, description="路口有流动摊贩"))
    routed = Case.objects.get(description="路口有流动摊贩")
    english.force_login(people["shouli"])

    def routing_box(case) -> str:
        page = english.get(reverse("cases:detail", args=[case.pk])).content.decode()
        return page.split('id="routing"')[1].split("</div>\n</section>")[0]

    box = routing_box(pinned)
    assert "No category chosen: the command centre categorises it, then dispatches." in box
    assert "No location given" not in box
    assert "No location given: the command centre decides." in routing_box(unplaced)
    box = routing_box(routed)
    label = str(RULE_LABELS[routed.routing["rule"]])
    assert label in box and re.search(r">\s*" + re.escape(routed.routing["rule"]) + r"\s*<|title=", box) is None


def test_report_with_sms_code(english, grid):
    sent = english.post(reverse("public:code"), {"phone": PHONE}, REMOTE_ADDR="10.2.2.2")
    assert sent.status_code == 200 and sent.json()["ok"] and "139****5678" in sent.json()["message"]
    code = last_code(PHONE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    refused = english.post(reverse("public:report"), report_data(grid, anonymous=None, phone=PHONE, code=wrong))
    assert refused.status_code == 400 and "the code is wrong" in str(refused.context["form"].errors["code"])
    assert not Case.objects.filter(channel="citizen").exists()
    missing = english.post(reverse("public:report"), report_data(grid, anonymous=None, phone=PHONE))
    assert "enter the code" in str(missing.context["form"].errors["code"])
    done = english.post(reverse("public:report"), report_data(grid, anonymous=None, phone="139 1234 5678", code=code))
    case = Case.objects.get(channel="citizen")
    assert done.status_code == 302 and case.reporter_phone == PHONE and case.public_report.phone_verified
    # The phone stays verified for this browser: a second report needs no new code.
    again = english.post(reverse("public:report"), report_data(grid, anonymous=None, phone=PHONE, description="又有摊贩"))
    assert again.status_code == 302 and Case.objects.filter(channel="citizen", reporter_phone=PHONE).count() == 2
    # A day later the phone must be verified again.
    session = english.session
    session["public_verified_phone"]["until"] = 0
    session.save()
    later = english.post(reverse("public:report"), report_data(grid, anonymous=None, phone=PHONE, description="第三次"))
    assert later.status_code == 400 and "enter the code" in str(later.context["form"].errors["code"])


def test_code_request_refusals_are_clear(english):
    bad = english.post(reverse("public:code"), {"phone": "12345"})
    assert bad.status_code == 400 and "11-digit" in bad.json()["message"]
    assert english.get(reverse("public:code")).status_code == 405


def test_code_requests_are_rate_limited(english, settings):
    settings.WENMING_PUBLIC_LIMITS = {"code_ip": (2, 3600)}
    for phone in ["13700000001", "13700000002"]:
        assert english.post(reverse("public:code"), {"phone": phone}, REMOTE_ADDR="10.3.3.3").status_code == 200
    limited = english.post(reverse("public:code"), {"phone": "13700000003"}, REMOTE_ADDR="10.3.3.3")
    assert limited.status_code == 429 and "Too many requests from your network" in limited.json()["message"]
    assert int(limited["Retry-After"]) > 0
    assert english.post(reverse("public:code"), {"phone": "13700000003"}, REMOTE_ADDR="10.3.3.4").status_code == 200


def test_reports_are_rate_limited_per_network(english, grid, settings):
    settings.WENMING_PUBLIC_LIMITS = {"report_ip": (2, 3600)}
    for _ in range(2):
        assert english.post(reverse("public:report"), report_data(grid, photos=None), REMOTE_ADDR="10.4.4.4").status_code == 302
    limited = english.post(reverse("public:report"), report_data(grid, photos=None), REMOTE_ADDR="10.4.4.4")
    assert limited.status_code == 429
    assert "Too many requests from your network (at most 2" in limited.content.decode()
    assert Case.objects.filter(channel="citizen").count() == 2
    other = english.post(reverse("public:report"), report_data(grid, photos=None), REMOTE_ADDR="10.4.4.5")
    assert other.status_code == 302


def test_reports_are_rate_limited_per_phone(english, grid, settings):
    settings.WENMING_PUBLIC_LIMITS = {"report_phone": (1, 86400)}
    english.post(reverse("public:code"), {"phone": PHONE})
    first = english.post(reverse("public:report"), report_data(grid, anonymous=None, phone=PHONE, code=last_code(PHONE)),
                         REMOTE_ADDR="10.5.5.1")
    assert first.status_code == 302
    second = english.post(reverse("public:report"), report_data(grid, anonymous=None, phone=PHONE), REMOTE_ADDR="10.5.5.2")
    assert second.status_code == 429 and "This phone number has reached its limit of 1" in second.content.decode()
    assert Case.objects.filter(channel="citizen").count() == 1


def test_size_limits(english, grid, settings):
    settings.WENMING_PUBLIC_MAX_PHOTO_BYTES = 500
    big = photo_bytes(size=(400, 300), pattern=30)
    assert len(big) > 500
    response = english.post(reverse("public:report"), report_data(grid, photos=SimpleUploadedFile("big.png", big, "image/png")))
    errors = str(response.context["form"].errors["photos"])
    assert response.status_code == 400 and "big.png" in errors and "the limit is 500" in errors
    many = [SimpleUploadedFile(f"p{i}.png", photo_bytes(), "image/png") for i in range(4)]
    response = english.post(reverse("public:report"), report_data(grid, photos=many))
    assert "at most 3 photos" in str(response.context["form"].errors["photos"])
    response = english.post(reverse("public:report"), report_data(grid, photos=None, description="长" * 1001))
    assert "at most 1000 characters" in str(response.context["form"].errors["description"])
    fake = SimpleUploadedFile("x.png", b"not an image at all", "image/png")
    response = english.post(reverse("public:report"), report_data(grid, photos=fake))
    assert response.status_code == 400 and "Photo: x.png is not a JPEG" in str(response.context["form"].errors["photos"])
    response = english.post(reverse("public:report"), report_data(grid, photos=None, lat="", lng=""))
    assert "Location" in str(response.context["form"].errors["address"])
    assert not Case.objects.filter(channel="citizen").exists()


def test_unknown_tracking_code_is_a_plain_404_and_misses_are_limited(english, settings):
    settings.WENMING_PUBLIC_LIMITS = {"track_ip": (3, 3600)}
    for code in ["ABCDEFGHJK", "nothere", "X" * 40]:
        response = english.get(reverse("public:status", args=[code]), REMOTE_ADDR="10.6.6.6")
        assert response.status_code == 404 and "No report has this tracking code" in response.content.decode()
    limited = english.get(reverse("public:status", args=["ABCDEFGHJM"]), REMOTE_ADDR="10.6.6.6")
    assert limited.status_code == 429 and "Too many requests" in limited.content.decode()
    lookup = english.get(reverse("public:track"), {"code": " abcdefghjk "})
    assert lookup.status_code == 302 and lookup["Location"] == reverse("public:status", args=["ABCDEFGHJK"])


@pytest.fixture
def walked_case(people, grid):
    """A citizen's case reported with a phone, inspected and closed, with staff notes naming people."""
    p = people
    case = wf.case_intake(channel="citizen", description="路口摊贩占道", lng=grid.lng, lat=grid.lat, category="SJ0401",
                          reporter_name="王小明", reporter_phone=PHONE, photos=[Upload("before.png", photo_bytes(pattern=1))])
    wf.case_register(case_id=case.pk, actor=p["shouli"], note="受理员李娟已核实")
    wf.case_dispatch(case_id=case.pk, actor=p["paiqian"])
    wf.case_sign(case_id=case.pk, actor=p["chengguan"], note="张队长负责")
    wf.case_submit(case_id=case.pk, actor=p["chengguan"], note="第一次清理", photos=[Upload("a1.png", photo_bytes(pattern=2))])
    wf.case_verify(case_id=case.pk, actor=p["anfang"], passed=False, note="暗访员复查仍有摊贩")
    wf.case_submit(case_id=case.pk, actor=p["chengguan"], note="已清理", photos=[Upload("a2.png", photo_bytes(pattern=6))])
    wf.case_verify(case_id=case.pk, actor=p["anfang"], passed=True)
    return wf.case_close(case_id=case.pk, actor=p["zhiban"])


def test_status_page_tells_the_steps_and_hides_every_person(english, walked_case, people):
    case = walked_case
    response = english.get(reverse("public:status", args=[case.tracking_code.lower()]))
    html = response.content.decode()
    assert response.status_code == 200
    actions = re.findall(r'data-action="(\w+)"', html)
    assert actions == ["report", "register", "dispatch", "sign", "submit", "rework", "submit", "verify_passed", "close"]
    assert f"Dispatched to {case.unit.name}" in html and 'data-state="closed"' in html
    for secret in ["王小明", PHONE, "5678", "李娟", "张队长", "暗访员", "第一次清理"]:
        assert secret not in html
    for person in people.values():
        for name in {person.username, person.get_full_name(), str(person)} - {""}:
            assert name not in html, name
    # Only the after-photos of the rectification that passed the check, as shared copies.
    photo_urls = re.findall(r'src="(/citizen/track/[^"]+\.jpg)"', html)
    passed = case.evidence.filter(kind=Evidence.Kind.AFTER).order_by("-id").first()
    assert photo_urls == [reverse("public:photo", args=[case.tracking_code, passed.pk])]
    image = english.get(photo_urls[0])
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    with passed.public_file.open("rb") as handle:
        assert b"".join(image.streaming_content) == handle.read()
    first_after = case.evidence.filter(kind=Evidence.Kind.AFTER).order_by("id").first()
    before = case.evidence.get(kind=Evidence.Kind.BEFORE)
    for hidden in (first_after, before):
        assert english.get(reverse("public:photo", args=[case.tracking_code, hidden.pk])).status_code == 404
    assert english.get(reverse("public:photo", args=["ABCDEFGHJK", passed.pk])).status_code == 404


def test_rating_form_only_when_closed_and_only_once(english, walked_case, grid):
    open_case = wf.case_intake(channel="citizen", description="又一处", lng=grid.lng, lat=grid.lat, category="SJ0401")
    page = english.get(reverse("public:status", args=[open_case.tracking_code]))
    assert 'id="rating-form"' not in page.content.decode()
    refused = english.post(reverse("public:rate", args=[open_case.tracking_code]), {"rating": "satisfied", "fixed": "yes"})
    assert refused.status_code == 400 and "only once it is closed" in refused.content.decode()

    code = walked_case.tracking_code
    assert 'id="rating-form"' in english.get(reverse("public:status", args=[code])).content.decode()
    # The rating address opened from a message goes to the status page's form; it rates nothing by itself.
    opened = english.get(reverse("public:rate", args=[code]))
    assert opened.status_code == 302 and opened["Location"] == reverse("public:status", args=[code]) + "#rating-form"
    missing = english.post(reverse("public:rate", args=[code]), {"rating": "dissatisfied", "fixed": "no"})
    assert missing.status_code == 400 and "say what is still not fixed" in missing.content.decode()
    done = english.post(reverse("public:rate", args=[code]), {"rating": "satisfied", "fixed": "yes", "comment": "很好"})
    assert done.status_code == 302
    page = english.get(done["Location"])
    html = page.content.decode()
    assert 'id="rating-form"' not in html and 'id="rating-given"' in html and "Thank you for your rating" in messages_of(page)
    again = english.post(reverse("public:rate", args=[code]), {"rating": "dissatisfied", "fixed": "no", "comment": "x"})
    assert again.status_code == 400 and "already been rated" in again.content.decode()
    assert FollowUp.objects.filter(case=walked_case).count() == 1
    assert english.post(reverse("public:rate", args=["ABCDEFGHJK"]), {"rating": "satisfied"}).status_code == 404


def test_review_page_rejects_spam_in_one_click_and_decides_not_fixed(english, grid, people, walked_case):
    english.post(reverse("public:report"), report_data(grid, photos=None, description="广告广告广告"))
    spam = Case.objects.get(channel="citizen", state=S.REPORTED)
    followup_record(case_id=walked_case.pk, rating="dissatisfied", fixed=False, comment="摊贩又来了")

    english.force_login(people["chengguan"])
    assert english.get(reverse("public:review")).status_code == 404
    english.force_login(people["shouli"])
    html = english.get(reverse("public:review")).content.decode()
    assert f'data-case="{spam.number}"' in html and 'data-public="unverified"' in html
    assert f'data-case="{walked_case.number}"' in html and "摊贩又来了" in html and "data-reopen" not in html
    response = english.post(reverse("public:spam", args=[spam.pk]), {"version": spam.version})
    spam.refresh_from_db()
    assert response.status_code == 302 and spam.state == S.REJECTED
    event = spam.events.order_by("-seq").first()
    assert (event.action, event.actor) == ("reject", people["shouli"]) and "spam" in event.note
    again = english.post(reverse("public:spam", args=[spam.pk]), {"version": spam.version}, follow=True)
    assert "cannot be done now" in messages_of(again)
    # The reporter is told why on the status page.
    assert "spam" in english.get(reverse("public:status", args=[spam.tracking_code])).content.decode()

    english.force_login(people["zhiban"])
    html = english.get(reverse("public:review")).content.decode()
    assert f'data-reopen="{walked_case.pk}"' in html
    version = Case.objects.get(pk=walked_case.pk).version
    no_reason = english.post(reverse("public:decide", args=[walked_case.pk]), {"version": version, "reopen": "yes"},
                             follow=True)
    assert "Give a reason" in messages_of(no_reason)
    english.post(reverse("public:decide", args=[walked_case.pk]), {"version": version, "reopen": "yes", "note": "未整改到位"})
    case = Case.objects.get(pk=walked_case.pk)
    assert case.state == S.REGISTERED and case.follow_ups.get().decision == "reopened"
    assert f'data-case="{case.number}"' not in english.get(reverse("public:review")).content.decode()


def test_admin_lists_follow_ups_and_public_reports_read_only(english, walked_case, people):
    followup_record(case_id=walked_case.pk, rating="satisfied", fixed=True)
    english.force_login(people["zhiban"])
    response = english.get("/admin/cases/followup/")
    assert response.status_code == 200 and walked_case.number in response.content.decode()
    assert english.get("/admin/cases/followup/add/").status_code == 403
    assert english.get("/admin/public/publicreport/").status_code == 200
    english.force_login(people["chengguan"])  # as with cases, only the command centre looks here
    assert english.get("/admin/cases/followup/").status_code == 403
    assert english.get("/admin/public/publicreport/").status_code == 403


def test_home_links_staff_to_the_review_and_hotline_pages(english, people):
    english.force_login(people["shouli"])
    html = english.get("/").content.decode()
    assert reverse("public:review") in html and reverse("public:hotline") in html
    english.force_login(people["chengguan"])
    html = english.get("/").content.decode()
    assert reverse("public:review") not in html and reverse("public:hotline") not in html


def test_staff_case_page_names_the_follow_up_steps(english, walked_case, people):
    followup_record(case_id=walked_case.pk, rating="dissatisfied", fixed=False, comment="还有摊贩")
    english.force_login(people["zhiban"])
    html = english.get(reverse("cases:detail", args=[walked_case.pk])).content.decode()
    assert "Follow-up rating (回访)" in html and "还有摊贩" in html


def test_a_merged_report_shows_the_progress_of_the_case_it_joined(english, grid, people):
    first = wf.case_intake(channel="citizen", description="摊贩", lng=grid.lng, lat=grid.lat, category="SJ0401")
    second = wf.case_intake(channel="citizen", description="同一处摊贩", lng=grid.lng, lat=grid.lat, category="SJ0401")
    wf.case_merge(case_id=second.pk, into_id=first.pk, actor=people["shouli"])
    wf.case_register(case_id=first.pk, actor=people["shouli"])
    html = english.get(reverse("public:status", args=[second.tracking_code])).content.decode()
    assert 'data-action="merge"' in html and "Progress of the report it was merged into" in html
    assert html.count('data-action="register"') == 1 and first.tracking_code not in html
