"""The online materials in the browser: a unit's handler, on a phone, uploads a photo set; the evaluation office
returns it with a comment; the unit reads the comment and uploads a new version; the office approves it with a
grade and the completeness board counts it. Screenshots of each page under var/screenshots/evaluation/."""

from __future__ import annotations

import datetime as dt

import pytest

from wenming.cases.browser_tests.conftest import EXTRA_SHOTS
from wenming.evaluation.browser_tests.conftest import browser_thread  # noqa: F401
from wenming.evaluation.browser_tests.test_framework_walk import _page, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = EXTRA_SHOTS / "evaluation"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def unit_submits(browser, base: str, pk: int, files: list[str], key: str, shot: str) -> dict:
    problems: list[str] = []
    context, page = _page(browser, base, problems, **PHONE)
    login(page, base, "chengguan")
    page.goto(f"{base}/evaluation/materials/")
    result = {"board": page.inner_text("#totals")}
    page.screenshot(path=str(SHOTS / f"materials-board-unit-{shot}.png"), full_page=True)
    page.goto(f"{base}/evaluation/materials/{pk}/")
    result["before"] = page.inner_text("main")
    page.set_input_files(f"#step-{key} input[type=file]", files)
    page.fill(f"#step-{key} textarea[name=note]", "整治前后各一张")
    with page.expect_navigation():
        page.click(f"#step-{key} button[type=submit]")
    result["state"] = page.get_attribute("#material-state", "data-state")
    page.screenshot(path=str(SHOTS / f"material-unit-{shot}.png"), full_page=True)
    result["problems"] = problems
    context.close()
    return result


def office_reviews(browser, base: str, pk: int, key: str, shot: str) -> dict:
    problems: list[str] = []
    context, page = _page(browser, base, problems)
    login(page, base, "ceping")
    page.goto(f"{base}/evaluation/materials/{pk}/")
    if key == "return":
        page.fill("#step-return textarea[name=note]", "整治后照片看不清门牌，请重拍")
    else:
        page.select_option("#step-approve select[name=grade]", "good")
    page.screenshot(path=str(SHOTS / f"material-office-{shot}.png"), full_page=True)
    with page.expect_navigation():
        page.click(f"#step-{key} button[type=submit]")
    result = {"state": page.get_attribute("#material-state", "data-state")}
    page.goto(f"{base}/evaluation/materials/")
    page.wait_for_function("() => document.querySelector('#materials-chart canvas') !== null")
    result["approved"] = page.inner_text("#total-approved")
    page.screenshot(path=str(SHOTS / f"materials-board-office-{shot}.png"), full_page=True)
    result["problems"] = problems
    context.close()
    return result


def test_a_unit_uploads_gets_it_returned_resubmits_and_the_office_approves(
        browser_thread, live_server, committed_city, tmp_path, settings):  # noqa: F811
    from django.utils import timezone

    from wenming.conftest import photo_bytes
    from wenming.demo.evaluation import evaluation_demo_build
    from wenming.evaluation.models import Criterion, Edition, MaterialRequirement
    from wenming.evaluation.services.materials import (
        RequirementValues,
        material_requirement_save,
        submission_window_set,
    )
    from wenming.org.models import Person, Unit

    settings.MEDIA_ROOT = str(tmp_path / "media")
    SHOTS.mkdir(parents=True, exist_ok=True)
    evaluation_demo_build()
    edition = Edition.objects.get(is_current=True)
    ceping = Person.objects.get(username="ceping")
    now = timezone.now()
    submission_window_set(edition_id=edition.pk, actor=ceping, opens_at=now - dt.timedelta(days=1),
                          closes_at=now + dt.timedelta(days=20), expected_version=None)
    criterion = Criterion.objects.get(edition=edition, code="P5.1.2")
    material = material_requirement_save(actor=ceping, criterion_id=criterion.pk, values=RequirementValues(
        kind="photos", title="背街小巷整治前后对比照片", required_count=2, min_side_px=400,
        due_on=timezone.localdate() + dt.timedelta(days=5),
        lead_unit_id=Unit.objects.get(code="CGJ-131102").pk, responsible_unit_ids=frozenset()))
    files = []
    for i in range(4):
        path = tmp_path / f"照片{i + 1}.png"
        path.write_bytes(photo_bytes(size=(1000, 750), pattern=i + 1))
        files.append(str(path))

    first = browser_thread.run(unit_submits, live_server.url, material.pk, files[:2], "submit", "1")
    assert first["state"] == "submitted" and "背街小巷整治前后对比照片" in first["before"]
    returned = browser_thread.run(office_reviews, live_server.url, material.pk, "return", "return")
    assert returned["state"] == "returned"
    second = browser_thread.run(unit_submits, live_server.url, material.pk, files[2:], "resubmit", "2")
    assert "整治后照片看不清门牌，请重拍" in second["before"] and second["state"] == "resubmitted"
    approved = browser_thread.run(office_reviews, live_server.url, material.pk, "approve", "approve")
    assert approved["state"] == "approved" and approved["approved"] == "1"
    material = MaterialRequirement.objects.get(pk=material.pk)
    assert (material.state, material.latest.revision, material.latest.grade) == ("approved", 2, "good")
    for seen in (first, returned, second, approved):
        assert seen["problems"] == []
