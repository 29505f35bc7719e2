"""On a phone: the market supervision bureau's credit desk (xinyong) finds a 失信 subject, repairs its record; the
civilisation office (ceping) acknowledges a joint-discipline measure; a citizen queries a company's credit and sees
its published records, and never a natural person."""

from __future__ import annotations

import pytest
from django.utils import timezone

from wenming.cases.browser_tests.conftest import EXTRA_SHOTS
from wenming.cases.browser_tests.test_case_walk import login
from wenming.credit.models import CreditRecord, JointAck, effective_q
from wenming.demo.credit import credit_demo_build
from wenming.inspections.browser_tests.test_inspection_walk import _watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = EXTRA_SHOTS / "credit"
PHONE = {"width": 390, "height": 844}


def desk_walk(browser, base: str, subject_id: int) -> dict:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    _watch(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    login(page, base, "xinyong")
    page.goto(f"{base}/credit/?dishonest=on")
    seen = {"nav": page.locator("#nav-credit").count(), "subjects": page.locator("#subject-table tr[data-subject]").count()}
    page.screenshot(path=str(SHOTS / "credit-index.png"), full_page=True)
    page.goto(f"{base}/credit/subjects/{subject_id}/")
    page.screenshot(path=str(SHOTS / "credit-subject.png"), full_page=True)
    with page.expect_navigation():
        page.click("#record-table a[data-action=repair] >> nth=0")
    page.fill("#repair-form textarea[name=reason]", "已整改到位并公开信用承诺")
    page.screenshot(path=str(SHOTS / "credit-repair.png"), full_page=True)
    with page.expect_navigation():
        page.click("#repair-form button[type=submit]")
    seen["after"] = page.inner_text("#record-table")
    page.goto(f"{base}/credit/sources/scjg/")
    page.screenshot(path=str(SHOTS / "credit-source.png"), full_page=True)
    seen["problems"] = page.problems
    context.close()
    return seen


def joint_walk(browser, base: str) -> dict:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    _watch(page)
    login(page, base, "ceping")
    page.goto(f"{base}/credit/joint/?pending=1")
    page.fill("#joint-table input[name=note] >> nth=0", "已从诚信评选候选名单中剔除")
    with page.expect_navigation():
        page.click("#joint-table button[type=submit] >> nth=0")
    page.screenshot(path=str(SHOTS / "credit-joint.png"), full_page=True)
    seen = {"problems": page.problems}
    context.close()
    return seen


def public_walk(browser, base: str, name: str) -> dict:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    _watch(page)
    page.goto(f"{base}/")
    with page.expect_navigation():
        page.click("#nav-credit-query")
    page.fill("#query-form input[name=q]", name)
    with page.expect_navigation():
        page.click("#query-form button[type=submit]")
    seen = {"results": page.inner_text("#query-results")}
    page.screenshot(path=str(SHOTS / "credit-query.png"), full_page=True)
    with page.expect_navigation():
        page.click("#query-results a >> nth=0")
    seen["records"] = page.inner_text("#public-records")
    page.screenshot(path=str(SHOTS / "credit-query-subject.png"), full_page=True)
    seen["problems"] = page.problems
    context.close()
    return seen


def test_the_credit_desk_the_joint_list_and_the_public_query(browser_thread, live_server, committed_city, settings,
                                                             tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    assert credit_demo_build(seed=7) > 0
    record = (CreditRecord.objects.filter(source__code="scjg", kind="dishonest", repaired_on=None, public=True)
              .select_related("subject").order_by("pk").first())
    walked = browser_thread.run(desk_walk, live_server.url, record.subject_id)
    assert walked["problems"] == [] and walked["nav"] == 1 and walked["subjects"] > 0
    record.refresh_from_db()
    assert record.repaired_on is not None and record.repair_reason == "已整改到位并公开信用承诺"
    assert "已整改到位并公开信用承诺" in walked["after"]

    joint = browser_thread.run(joint_walk, live_server.url)
    assert joint["problems"] == [] and JointAck.objects.filter(acknowledged_by__username="ceping").count() == 1

    firm = CreditRecord.objects.filter(effective_q(timezone.localdate()), public=True, kind="penalty",
                                       subject__kind="enterprise").select_related("subject").order_by("pk").first()
    public = browser_thread.run(public_walk, live_server.url, firm.subject.credit_code)
    assert public["problems"] == [] and firm.subject.name in public["results"]
    assert firm.reason in public["records"]
    assert "某0" not in public["results"]  # the court's natural persons are never listed
