"""REST API v1 as anonymous, unpermitted, permitted and out-of-scope people (NetBox's test mixins), and every
workflow action through the API, including refusals (409 with a code)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wenming.api.services.keys import api_key_issue, api_key_revoke
from wenming.cases.models import Case, CaseEvent
from wenming.conftest import photo_bytes

pytestmark = pytest.mark.django_db
API = "/api/v1"


def case_url(case, action: str = "") -> str:
    return f"{API}/cases/{case.pk}/" + (f"{action}/" if action else "")


# -- authentication -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/cases/", "/categories/", "/units/", "/sites/", "/locate/?lng=115.7&lat=37.7"])
def test_anonymous_is_401_json(client, url):
    response = client.get(API + url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_bad_and_revoked_tokens_are_401(client, people):
    key, raw = api_key_issue(name="x", person=people["shouli"])
    assert client.get(f"{API}/cases/", HTTP_AUTHORIZATION="Token nope.nope").status_code == 401
    assert client.get(f"{API}/cases/", HTTP_AUTHORIZATION=f"Token {raw}x").status_code == 401
    assert client.get(f"{API}/cases/", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 200
    api_key_revoke(key_id=key.pk)
    assert client.get(f"{API}/cases/", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 401


def test_key_is_stored_hashed(people):
    key, raw = api_key_issue(name="x", person=people["shouli"])
    assert raw.split(".")[1] not in key.key_hash and len(key.key_hash) == 64


def test_session_works_for_the_web(client, people, make_case):
    case = make_case()
    client.force_login(people["shouli"])
    assert client.get(case_url(case)).status_code == 200


# -- cases: list, detail, create ------------------------------------------------------------------------------

def test_list_is_scoped_and_filtered(client, token, make_case):
    case = make_case()
    other = make_case("井盖缺失", state="dispatched")
    ids = [row["id"] for row in client.get(f"{API}/cases/?page_size=500", **token("shouli")).json()["results"]]
    assert case.pk in ids and other.pk in ids
    dispatched = client.get(f"{API}/cases/?state=dispatched&page_size=500", **token("shouli")).json()["results"]
    assert other.pk in [r["id"] for r in dispatched] and case.pk not in [r["id"] for r in dispatched]
    # The power utility's handler sees no case dispatched elsewhere.
    power = [r["id"] for r in client.get(f"{API}/cases/?page_size=500", **token("gongdian")).json()["results"]]
    assert case.pk not in power and other.pk not in power
    # The unit the case went to sees it once dispatched.
    unit = [r["id"] for r in client.get(f"{API}/cases/?page_size=500", **token("chengguan")).json()["results"]]
    assert other.pk in unit and case.pk not in unit


def test_list_bad_filter_is_400_per_field(client, token):
    response = client.get(f"{API}/cases/?state=nonsense&reported_from=yesterday", **token("shouli"))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and set(body["fields"]) == {"state", "reported_from"}


def test_detail_permitted_out_of_scope_and_missing(client, token, make_case):
    case = make_case(state="dispatched")
    body = client.get(case_url(case), **token("chengguan")).json()
    assert body["number"] == case.number and body["unit"] == "CGJ-131102"
    assert [e["action"] for e in body["events"]] == ["report", "register", "dispatch"]
    # Never the reporter's contact, never an actor.
    text = str(body)
    assert "13812345678" not in text and "王先生" not in text and "actor" not in text
    assert client.get(case_url(case), **token("gongdian")).status_code == 404
    assert client.get(f"{API}/cases/999999999/", **token("shouli")).status_code == 404


def test_create_goes_through_intake_on_the_keys_channel(client, token, grid):
    response = client.post(f"{API}/cases/", {"description": "人行道破损", "category": "SJ0401", "lng": grid.lng,
                                             "lat": grid.lat, "reporter_phone": "13900001111"},
                           content_type="application/json", **token("shouli"))
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert case.channel == "api" and case.state == "reported" and case.grid_id == grid.pk
    assert case.reporter_phone == "13900001111" and case.routing.get("unit_id")
    assert list(case.events.values_list("action", flat=True)) == ["report"]
    # The answer written out by hand is what the declared (documented) fields give, field for field.
    from rest_framework import serializers

    from wenming.api.serializers import CaseCreatedSerializer

    case.category  # noqa: B018 — loaded, as intake hands it over
    assert response.json() == serializers.Serializer.to_representation(CaseCreatedSerializer(case), case)
    assert response.json()["grid"] == grid.code and response.json()["category"] == "SJ0401"


def test_create_unpermitted_and_invalid(client, token, grid):
    body = {"description": "x", "lng": grid.lng, "lat": grid.lat}
    refused = client.post(f"{API}/cases/", body, content_type="application/json", **token("chengguan"))
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    bad = client.post(f"{API}/cases/", {"description": "", "category": "NOPE", "lng": 300, "reporter_phone": "12"},
                      content_type="application/json", **token("shouli"))
    assert bad.status_code == 400
    assert {"description", "category", "lng", "reporter_phone"} <= set(bad.json()["fields"])
    assert Case.objects.filter(description="x").count() == 0


# -- every workflow action ------------------------------------------------------------------------------------

def post(client, auth, case, action, data=None, **kwargs):
    return client.post(case_url(case, action.replace("_", "-")), data or {}, **auth, **kwargs)


def test_the_ordinary_path_over_the_api(client, token, make_case):
    case = make_case()
    shouli, paiqian, chengguan, anfang, zhiban = (token(u) for u in ("shouli", "paiqian", "chengguan", "anfang", "zhiban"))
    assert post(client, shouli, case, "register", {"urgency": "urgent", "version": case.version}).json()["state"] == "registered"
    assert post(client, paiqian, case, "dispatch", {"unit": "CGJ-131102"}).json()["state"] == "dispatched"
    assert post(client, chengguan, case, "sign").json()["state"] == "handling"
    assert post(client, chengguan, case, "request_extension",
                {"amount": "2", "time_unit": "working_days", "note": "材料未到"}).json()["pending_request"] == "extension"
    assert post(client, zhiban, case, "decide_request", {"approve": "true"}).json()["pending_request"] == ""
    refused = post(client, chengguan, case, "submit", {"note": "已清理"})
    assert refused.status_code == 409 and refused.json()["code"] == "refused"
    assert refused.json()["message"]
    photo = SimpleUploadedFile("after.png", photo_bytes(), content_type="image/png")
    done = post(client, chengguan, case, "submit", {"note": "已清理", "photos": [photo]})
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "submitted"
    assert post(client, anfang, case, "verify", {"passed": "true"}).json()["state"] == "verified"
    assert post(client, zhiban, case, "close").json()["state"] == "closed"
    assert post(client, zhiban, case, "reopen", {"note": "群众再次反映"}).json()["state"] == "registered"
    assert post(client, zhiban, case, "void", {"note": "重复"}).json()["state"] == "voided"
    actions = list(CaseEvent.objects.filter(case=case).order_by("seq").values_list("action", flat=True))
    assert actions == ["report", "register", "dispatch", "sign", "extension_request", "request_granted", "submit",
                       "verify_passed", "close", "reopen", "void"]


def test_return_shelving_resume_reject_merge(client, token, make_case):
    chengguan, zhiban, shouli = token("chengguan"), token("zhiban"), token("shouli")
    case = make_case(state="dispatched")
    assert post(client, chengguan, case, "request_return", {"note": "不属于本单位"}).json()["state"] == "return_requested"
    assert post(client, zhiban, case, "decide_return", {"approve": "false", "note": "属于"}).json()["state"] == "dispatched"
    post(client, chengguan, case, "sign")
    assert post(client, chengguan, case, "request_shelving", {"note": "冬季"}).json()["pending_request"] == "shelving"
    assert post(client, zhiban, case, "decide_request", {"approve": "true"}).json()["state"] == "shelved"
    assert post(client, zhiban, case, "resume").json()["state"] == "handling"
    rejected = make_case("广告")
    assert post(client, shouli, rejected, "reject", {"note": "不属于创城范围"}).json()["state"] == "rejected"
    first, second = make_case("垃圾堆放"), make_case("垃圾堆放 again")
    merged = post(client, shouli, second, "merge", {"into": first.pk})
    assert merged.status_code == 200 and merged.json()["state"] == "merged"


def test_refusals_answer_with_a_code(client, token, make_case):
    case = make_case()
    # Illegal: signing a case that was never dispatched (the person is in scope of nothing → 404 first).
    stale = post(client, token("shouli"), case, "register", {"version": case.version + 5})
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    illegal = post(client, token("shouli"), case, "close")
    assert illegal.status_code in (403, 409) and illegal.json()["code"] in {"illegal_transition", "not_allowed"}
    assert illegal.json()["message"]
    missing_reason = post(client, token("shouli"), case, "reject", {})
    assert missing_reason.status_code == 400 and "note" in missing_reason.json()["fields"]
    # A unit outside the case's scope gets 404 for an action too, never a hint that the case exists.
    assert post(client, token("gongdian"), case, "sign").status_code == 404
    assert Case.objects.get(pk=case.pk).state == "reported"


def test_unknown_action_is_404(client, token, make_case):
    case = make_case()
    assert client.post(case_url(case, "explode"), **token("shouli")).status_code == 404


# -- reference data and lookups ---------------------------------------------------------------------------------

def test_categories_units_sites(client, token):
    categories = client.get(f"{API}/categories/?page_size=500", **token("chengguan")).json()["results"]
    assert any(c["code"] == "SJ0401" for c in categories)
    assert client.get(f"{API}/categories/SJ0401/", **token("chengguan")).json()["code"] == "SJ0401"
    all_units = client.get(f"{API}/units/?page_size=500", **token("shouli")).json()
    own_units = client.get(f"{API}/units/?page_size=500", **token("chengguan")).json()
    assert 0 < own_units["count"] < all_units["count"]
    assert client.get(f"{API}/units/CGJ-131102/", **token("chengguan")).status_code == 200
    other = next(u["code"] for u in all_units["results"] if u["code"] not in {o["code"] for o in own_units["results"]})
    assert client.get(f"{API}/units/{other}/", **token("chengguan")).status_code == 404
    sites = client.get(f"{API}/sites/", **token("shouli")).json()
    assert sites["count"] > 0 and "code" in sites["results"][0]


def test_locate_names_the_grid_and_its_areas(client, token, grid):
    body = client.get(f"{API}/locate/?lng={grid.lng}&lat={grid.lat}", **token("shouli")).json()
    assert body["grid"]["code"] == grid.code and body["areas"][-1]["code"] == grid.code
    assert body["areas"][0]["level"] == "city"
    bad = client.get(f"{API}/locate/?lng=abc", **token("shouli"))
    assert bad.status_code == 400 and {"lng", "lat"} <= set(bad.json()["fields"])


def test_schema_and_docs_are_served_locally(client, token):
    schema = client.get(f"{API}/schema/", **token("shouli"))
    assert schema.status_code == 200 and b"/api/v1/cases/{id}/dispatch/" in schema.content
    client.force_login(api_key_issue(name="x", person=None)[0].person or _admin())
    docs = client.get(f"{API}/docs/")
    assert docs.status_code == 200 and b"cdn" not in docs.content.lower()
    assert b"/static/drf_spectacular_sidecar/" in docs.content


def _admin():
    from wenming.org.models import Person

    return Person.objects.get(username="admin")


def test_sites_out_of_scope_are_404(client, token):
    everything = client.get(f"{API}/sites/?page_size=500", **token("shouli")).json()
    own = client.get(f"{API}/sites/?page_size=500", **token("chengguan")).json()
    assert own["count"] < everything["count"]
    own_codes = {s["code"] for s in own["results"]}
    other = next(s["code"] for s in everything["results"] if s["code"] not in own_codes)
    assert client.get(f"{API}/sites/{other}/", **token("shouli")).status_code == 200
    assert client.get(f"{API}/sites/{other}/", **token("chengguan")).status_code == 404


def test_locate_names_only_areas_in_scope(client, token, grid):
    from wenming.org.models import Area

    far = Area.objects.filter(level="grid").exclude(code__startswith="131102").exclude(lng=None).first()
    own = client.get(f"{API}/locate/?lng={far.lng}&lat={far.lat}", **token("chengguan")).json()
    full = client.get(f"{API}/locate/?lng={far.lng}&lat={far.lat}", **token("shouli")).json()
    assert full["grid"]["code"] == far.code
    assert own["grid"] is None and len(own["areas"]) < len(full["areas"])


def test_the_tracking_code_is_the_command_centres_only():
    """A unit reading the code could rate its own work as the citizen (the case page hides it too)."""
    from rest_framework.test import APIClient

    from wenming.cases.services import workflow as wf
    from wenming.org.models import Area, Person, Unit

    people = {p.username: p for p in Person.objects.filter(username__in=["zhiban", "chengguan", "shouli", "paiqian"])}
    grid = Area.objects.filter(level="grid", code__startswith="131102").order_by("code").first()
    case = wf.case_intake(channel="citizen", description="人行道有垃圾", lng=grid.lng, lat=grid.lat, category="SJ0101")
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=Unit.objects.get(code="CGJ-131102"))
    client = APIClient()
    for username, expected in [("zhiban", case.tracking_code), ("chengguan", None)]:
        client.force_authenticate(people[username])
        assert client.get(f"/api/v1/cases/{case.pk}/").json()["tracking_code"] == expected, username


# -- a second report of the same external id (issue 12) ---------------------------------------------------------

def _report(client, auth, grid, external_id="12345-2026-000777"):
    return client.post(f"{API}/cases/", {"description": "人行道破损", "category": "SJ0401", "lng": grid.lng,
                                         "lat": grid.lat, "external_id": external_id},
                       content_type="application/json", **auth)


def test_a_second_report_of_the_same_external_id_is_409_with_the_first_case(client, token, grid):
    auth = token("shouli")
    first = _report(client, auth, grid)
    assert first.status_code == 201, first.content
    before = Case.objects.count()
    second = _report(client, auth, grid)
    assert second.status_code == 409, second.content
    body = second.json()
    assert body["code"] == "duplicate" and "external_id" in body["fields"]
    assert body["case"]["id"] == first.json()["id"] and body["case"]["number"] == first.json()["number"]
    assert body["case"]["url"].endswith(case_url(Case.objects.get(pk=first.json()["id"])))
    assert first.json()["number"] in body["message"]
    assert Case.objects.count() == before
    assert _report(client, auth, grid, external_id="12345-2026-000778").status_code == 201


def test_a_new_report_reads_no_case_before_inserting(client, token, grid):
    """The constraint is the one duplicate check (it also settles two posts at once): a new external id costs no
    look-up on the hot path, and the refused second post leaves the connection working (its savepoint)."""
    auth = token("shouli")
    with CaptureQueriesContext(connection) as ctx:
        assert _report(client, auth, grid).status_code == 201
    assert not [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT') and '"cases_case"' in q["sql"]]
    assert _report(client, auth, grid).status_code == 409
    assert Case.objects.filter(external_id="12345-2026-000777").count() == 1


def test_a_duplicate_outside_your_scope_names_no_case(client, token, grid):
    """An intake clerk of another district, posting the same external id on the same channel, learns that the id
    is taken, not which case took it."""
    from wenming.common.access import restrict
    from wenming.org.models import Area, Person, RoleAssignment

    first = _report(client, token("shouli"), grid).json()
    other = Area.objects.filter(level="county").exclude(code="131102").order_by("code").first()
    outsider = Person.objects.create_user(username="shouli_other", password="x", is_staff=True)
    RoleAssignment.objects.create(person=outsider, role="intake", area=other)
    assert not restrict(Case.objects.filter(pk=first["id"]), outsider).exists()
    _key, raw = api_key_issue(name="other district", person=outsider)
    second = _report(client, {"HTTP_AUTHORIZATION": f"Token {raw}"}, grid)
    assert second.status_code == 409, second.content
    assert second.json()["case"] is None and first["number"] not in second.content.decode()
    assert "external_id" in second.json()["fields"]


def test_the_schema_documents_the_duplicate_answer(client, token):
    schema = client.get(f"{API}/schema/?format=json", **token("admin")).json()
    conflict = schema["paths"]["/api/v1/cases/"]["post"]["responses"]["409"]
    assert conflict["content"]["application/json"]["schema"]["$ref"].endswith("/Duplicate")
    assert {"code", "message", "fields", "case"} <= set(schema["components"]["schemas"]["Duplicate"]["properties"])
