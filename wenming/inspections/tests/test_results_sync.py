"""Results stored exactly once by their client id, however often a batch repeats or breaks off; conflicts; the
sync API (assignments of the day, a batch of results with photos as base64 or file parts)."""

import base64
import json
import uuid
from unittest import mock

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from wenming.cases.models import Case
from wenming.conftest import photo_bytes
from wenming.inspections.models import Result, RoundEvent
from wenming.inspections.services import results as res

from .conftest import observation

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def site(demo_round):
    """The first assignment of the demo round and its checklist's item codes."""
    assignment = demo_round.assignments.select_related("site").order_by("pk").first()
    return assignment, [i.code for i in assignment.scheme.items.all()]


def _batch(assignment, codes):
    return [observation(assignment, codes[0], "fail"), *[observation(assignment, c) for c in codes[1:]]]


def test_a_repeated_batch_is_stored_once(site, people):
    assignment, codes = site
    batch = _batch(assignment, codes)
    first = res.results_sync(actor=people["anfang"], observations=batch)
    assert [a.status for a in first] == ["created"] * len(codes) and first[0].case_number
    for _ in range(3):
        again = res.results_sync(actor=people["anfang"], observations=batch)
        assert [a.status for a in again] == ["duplicate"] * len(codes)
        assert again[0].case_number == first[0].case_number
    assert Result.objects.filter(assignment=assignment).count() == len(codes)
    assert Case.objects.filter(inspection_results__assignment=assignment).count() == 1


def test_a_batch_broken_midway_loses_nothing_and_doubles_nothing(site, people):
    """The connection drops while the third result is stored: the first two stay stored (each result is its own
    transaction); the phone sends the whole batch again: two duplicates, the rest created, one case in all."""
    assignment, codes = site
    batch = [observation(assignment, codes[0]), observation(assignment, codes[1], "severe"),
             *[observation(assignment, c, "fail") for c in codes[2:]]]
    real = res.Result.objects.create
    calls = {"n": 0}

    def dropping(**kw):
        calls["n"] += 1
        if calls["n"] == 3:
            raise ConnectionError("network gone")
        return real(**kw)

    with mock.patch.object(res.Result.objects, "create", side_effect=dropping), pytest.raises(ConnectionError):
        res.results_sync(actor=people["anfang"], observations=batch)
    assert Result.objects.filter(assignment=assignment).count() == 2
    assert Case.objects.filter(inspection_results__assignment=assignment).count() == 1  # the severe one
    answers = res.results_sync(actor=people["anfang"], observations=batch)
    assert [a.status for a in answers] == ["duplicate", "duplicate"] + ["created"] * (len(codes) - 2)
    assert Result.objects.filter(assignment=assignment).count() == len(codes)
    # one case per failed item: the severe one (stored before the break) and the failed ones after it
    assert Case.objects.filter(inspection_results__assignment=assignment).count() == len(codes) - 1


def test_a_failure_inside_a_result_writes_nothing_of_it(site, people):
    assignment, codes = site
    broken = observation(assignment, codes[0], "fail")
    broken = res.Observation(**{**broken.__dict__, "photo": res.wf.Upload("x.jpg", b"not a photo at all")})
    cases = Case.objects.count()
    answer = res.results_sync(actor=people["anfang"], observations=[broken, observation(assignment, codes[1])])
    assert [a.status for a in answer] == ["error", "created"] and "photo" in answer[0].message
    assert Case.objects.count() == cases and not Result.objects.filter(client_id=broken.client_id).exists()


def test_the_same_item_recorded_differently_is_a_conflict_the_first_stands(client, site, people, demo_round):
    assignment, codes = site
    kept = res.results_sync(actor=people["anfang"], observations=[observation(assignment, codes[0], "fail")])[0]
    other = res.results_sync(actor=people["anfang"], observations=[observation(assignment, codes[0], "pass")])[0]
    assert other.status == "conflict" and other.server["outcome"] == "fail" and other.server["id"] == kept.result_id
    assert other.server["case"] == kept.case_number
    same = res.results_sync(actor=people["anfang"], observations=[observation(assignment, codes[0], "fail")])[0]
    assert same.status == "duplicate"  # the same finding from a second phone: nothing new
    event = RoundEvent.objects.get(action="conflict")
    assert event.data["outcome"] == "pass" and event.data["kept_outcome"] == "fail"
    assert Result.objects.filter(assignment=assignment).count() == 1
    client.force_login(people["zhiban"])  # the round page lists it, with the rule
    page = client.get(reverse("inspections:round", args=[demo_round.pk])).content.decode()
    conflicts = page.split('id="conflicts"')[1].split("</table>")[0]
    assert f'data-item="{codes[0]}"' in conflicts and "Compliant" in conflicts and 'id="conflict-rule"' in page


def test_what_a_result_must_carry(site, people, demo_round):
    assignment, codes = site
    checks = [
        (observation(assignment, codes[0], "fail", photo=False), "photo"),
        (res.Observation(**{**observation(assignment, codes[0], "severe").__dict__, "lng": None, "lat": None}), "GPS"),
        (res.Observation(**{**observation(assignment, codes[0]).__dict__, "observed_at": None}), "time"),
        (res.Observation(**{**observation(assignment, codes[0]).__dict__,
                            "observed_at": timezone.now() + timezone.timedelta(days=2)}), "out of range"),
        (observation(assignment, "无此项"), "No item"),
        (res.Observation(**{**observation(assignment, codes[0]).__dict__, "outcome": "maybe"}), "Unknown result"),
        (res.Observation(**{**observation(assignment, codes[0]).__dict__, "client_id": "not-a-uuid"}), "UUID"),
        (res.Observation(**{**observation(assignment, codes[0]).__dict__, "note": "字" * 501}), "longer"),
    ]
    for obs, expected in checks:
        answer = res.result_record(actor=people["anfang"], observation=obs)
        assert answer.status == "error" and expected in answer.message, expected
    # Someone else's assignment, or no inspector at all: not found.
    for username in ("wangge", "zhiban"):
        answer = res.result_record(actor=people[username], observation=observation(assignment, codes[0]))
        assert answer.status == "error" and "No such assignment" in answer.message
    assert not Result.objects.exists()


def test_a_client_id_reused_by_another_inspector_is_refused(site, people):
    from wenming.org.models import Area, Role

    assignment, codes = site
    first = observation(assignment, codes[0])
    res.result_record(actor=people["anfang"], observation=first)
    people["wangge"].roles.create(role=Role.INSPECTOR, area=Area.objects.get(code="131102"))
    answer = res.result_record(actor=people["wangge"], observation=first)
    assert answer.status == "error"


# -- the API --------------------------------------------------------------------------------------------------------

def test_the_day_lists_my_assignments_with_their_checklists(client, site, people, demo_round):
    assignment, codes = site
    client.force_login(people["anfang"])
    day = client.get("/api/v1/inspections/assignments/", {"date": assignment.day.isoformat()}).json()
    ids = {a["id"] for a in day["assignments"]}
    assert assignment.pk in ids and ids == set(demo_round.assignments.filter(day=assignment.day)
                                               .values_list("pk", flat=True))
    entry = next(a for a in day["assignments"] if a["id"] == assignment.pk)
    assert [i["code"] for i in entry["items"]] == codes and entry["scheme"]["version"] == 1
    assert entry["site"]["code"] == assignment.site.code and entry["round"] == demo_round.code
    assert client.get("/api/v1/inspections/assignments/", {"date": "2031-01-01"}).json()["assignments"] == []
    assert client.get("/api/v1/inspections/assignments/", {"date": "nonsense"}).status_code == 400
    for username in ("zhiban", "chengguan", "wangge"):
        client.force_login(people[username])
        assert client.get("/api/v1/inspections/assignments/").status_code == 404, username
    client.logout()
    assert client.get("/api/v1/inspections/assignments/").status_code in {401, 403}


def _json_row(assignment, code, outcome="pass", **kw):
    row = {"client_id": str(uuid.uuid4()), "assignment": assignment.pk, "item": code, "outcome": outcome,
           "observed_at": (timezone.now() - timezone.timedelta(minutes=3)).isoformat()}
    if outcome in {"fail", "severe"}:
        row.update(lng=assignment.site.lng, lat=assignment.site.lat,
                   photo="data:image/png;base64," + base64.b64encode(photo_bytes()).decode())
    row.update(kw)
    return row


def test_a_batch_posted_twice_answers_created_then_duplicate(client, site, people):
    assignment, codes = site
    client.force_login(people["anfang"])
    body = {"results": [_json_row(assignment, codes[0], "fail"), *[_json_row(assignment, c) for c in codes[1:]]]}
    first = client.post("/api/v1/inspections/results/", body, content_type="application/json")
    assert first.status_code == 200
    answers = first.json()["results"]
    assert [a["status"] for a in answers] == ["created"] * len(codes) and answers[0]["case"]
    second = client.post("/api/v1/inspections/results/", body, content_type="application/json").json()["results"]
    assert [a["status"] for a in second] == ["duplicate"] * len(codes)
    assert Result.objects.count() == len(codes)


def test_photos_as_file_parts_and_refusals(client, site, people, settings):
    assignment, codes = site
    client.force_login(people["anfang"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    rows = [_json_row(assignment, codes[0], "fail", photo="", photo_part="p1"),
            _json_row(assignment, codes[1], "fail", photo="", photo_part="missing")]
    answer = client.post("/api/v1/inspections/results/", {
        "results": json.dumps(rows), "p1": SimpleUploadedFile("a.png", photo_bytes(), "image/png")})
    assert [a["status"] for a in answer.json()["results"]] == ["created", "error"]
    settings.WENMING_MAX_UPLOAD_BYTES = 1000
    huge = _json_row(assignment, codes[2] if len(codes) > 2 else codes[1], "fail",
                     photo=base64.b64encode(b"\x89PNG" + b"0" * 5000).decode())
    refused = client.post("/api/v1/inspections/results/", {"results": [huge]}, content_type="application/json")
    assert refused.json()["results"][0]["status"] == "error" and "larger" in refused.json()["results"][0]["message"]
    bad = client.post("/api/v1/inspections/results/", {"results": [_json_row(assignment, codes[1], "fail",
                                                                            photo="@@@not base64")]},
                      content_type="application/json")
    assert bad.json()["results"][0]["status"] == "error"
    for body in ({"results": []}, {"results": "x"}, {}):
        assert client.post("/api/v1/inspections/results/", body, content_type="application/json").status_code == 400
    many = {"results": [_json_row(assignment, codes[0]) for _ in range(res.MAX_BATCH + 1)]}
    assert client.post("/api/v1/inspections/results/", many, content_type="application/json").status_code == 400
    assert Result.objects.count() == 1


def test_concurrent_duplicates_end_as_one_row(site, people):
    """A result the first look missed (another request stored it meanwhile) is still answered as a duplicate."""
    assignment, codes = site
    obs = observation(assignment, codes[0])
    res.result_record(actor=people["anfang"], observation=obs)
    real_filter = Result.objects.filter

    def missing_once(*args, **kw):
        # The batch's first read (the stored results by client id) misses the row, as if it came a moment later.
        if not getattr(missing_once, "done", False):
            missing_once.done = True
            return real_filter(pk=-1)
        return real_filter(*args, **kw)

    with mock.patch.object(Result.objects, "filter", side_effect=missing_once), transaction.atomic():
        answer = res.result_record(actor=people["anfang"], observation=obs)
    assert answer.status == "duplicate" and Result.objects.count() == 1
