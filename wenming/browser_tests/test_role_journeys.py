"""Every role of the demo, as `make demo` prints it, logs in with the printed password and does its main job.

The accounts and the password come from ``wenming.demo.accounts`` (what ``demo-logins`` prints); no test here
names a password. One fast test logs in as every printed account through the login page (Django's test client);
the browser then takes one account per role through that role's main job and checks what the person reads, in
Chinese. Each role's landing page is photographed into SHOTS (``role-<role>.png``).

What other walks already cover is reused rather than walked again: the citizen's 随手拍 is the citizen walk's
``report`` step; the case page's action forms are filled by the case walk's ``act``.
"""

from __future__ import annotations

import datetime as dt
import functools

import pytest
from django.contrib.auth import hashers
from django.utils import timezone

from wenming.browser_tests.conftest import SHOTS, login
from wenming.browser_tests.conftest import demo_account as account
from wenming.campaign.models import ProgressReport, Task, TaskForce
from wenming.cases.browser_tests.test_case_walk import _grid_routed_to, act
from wenming.cases.models import Case, CaseState, RoutingRule, SupervisionNotice
from wenming.cases.services import workflow as wf
from wenming.common.models import AuditEvent, Notification
from wenming.common.roles import Role
from wenming.conftest import photo_bytes
from wenming.demo.accounts import DEMO_PASSWORD, demo_logins
from wenming.demo.campaign import campaign_demo_build
from wenming.demo.cases import demo_cases_build
from wenming.org.models import Area, Person, Unit
from wenming.public.browser_tests.test_citizen_walk import report as citizen_report
from wenming.scoring.browser_tests.test_ranking_snapshots import one_case
from wenming.scoring.models import IndexVersion
from wenming.scoring.services.scores import snapshot_compute, snapshot_publish
from wenming.scoring.tests.scenario import Walk, at

UNIT_CODE = "CGJ-131102"  # 桃城区城管: the unit of the demo's own handler and leader logins
OTHER_UNIT_CODE = "POWER"


def landing(page, live_server, person: Person, role: str) -> str:
    """Log in as the printed account, check the home page greets them in Chinese, photograph it."""
    login(page, live_server, person.username)
    heading = page.inner_text("h1")
    assert heading.startswith("欢迎"), heading
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"role-{role}.png"), full_page=True)
    return page.inner_text("main") if page.locator("main").count() else page.inner_text("body")


def clean(page) -> None:
    assert page.js_errors == [], page.js_errors
    assert page.external_requests == [], page.external_requests


def open_from_queue(page, queue: str, case: Case) -> None:
    """From the home page's queue tile to the case, by clicks, as the person would."""
    with page.expect_navigation():
        page.click(f"#home-queues [data-queue={queue}]")
    row = page.locator(f"#case-list tbody tr[data-case='{case.number}']")
    assert row.count() == 1, f"{case.number} is not in the {queue} queue"
    with page.expect_navigation():
        row.locator("a").first.click()
    assert page.url.endswith(f"/cases/{case.pk}/"), page.url


def case_state(page) -> str:
    return page.inner_text("#case-state").strip()


def people() -> dict[str, Person]:
    return {p.username: p for p in Person.objects.filter(is_staff=True)}


def new_case(grid: Area, *, text: str, category: str = "SJ0401", phone: str = "13900001111") -> Case:
    return wf.case_intake(channel="citizen", description=text, lng=grid.lng, lat=grid.lat, category=category,
                          reporter_phone=phone, actor=None)


@pytest.fixture
def photo(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "after.png"
    path.write_bytes(photo_bytes(size=(320, 240), pattern=6))
    return str(path)


@pytest.fixture
def cgj_grid(committed_city) -> Area:
    return _grid_routed_to(Unit.objects.select_related("area").get(code=UNIT_CODE), "SJ0401")


# -- every printed account logs in (no browser) --------------------------------------------------------------

@pytest.mark.django_db
def test_every_account_demo_logins_prints_logs_in_through_the_login_page(client, monkeypatch):
    # The task-force leaders and the per-unit handlers (h-…) are made by the campaign and the demo cases.
    campaign_demo_build()
    demo_cases_build(count=40, exposures=0)
    printed = demo_logins()
    assert {Role.UNIT_HANDLER, Role.UNIT_LEADER, Role.ADMIN} <= {r.role for p in printed for r in p.roles.all()}
    assert any(p.username.startswith("zb") for p in printed) and any(p.username.startswith("h-") for p in printed)
    # Every login really checks the stored hash; the same password, salt and iterations (one hash shared by the
    # demo's accounts) are derived once instead of a second of PBKDF2 per account.
    monkeypatch.setattr(hashers, "pbkdf2", functools.cache(hashers.pbkdf2))
    failed = []
    for person in printed:
        response = client.post("/login/", {"username": person.username, "password": DEMO_PASSWORD})
        if response.status_code != 302 or response.url != "/":
            failed.append(person.username)
        client.logout()
    assert failed == [], f"printed accounts that cannot log in with the printed password: {failed}"


# -- one browser journey per role ----------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_intake_registers_a_citizen_report(page, live_server, cgj_grid):
    case = new_case(cgj_grid, text="小区门口垃圾堆积未清运", category="SJ0101")
    text = landing(page, live_server, account(Role.INTAKE), "intake")
    assert "我的待办" in text and "受理员" in text
    open_from_queue(page, "reported", case)
    assert case_state(page) == "待受理"
    act(page, "register", expect="registered")
    assert case_state(page) == "已立案"
    assert Case.objects.get(pk=case.pk).state == CaseState.REGISTERED
    clean(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dispatcher_dispatches_to_the_routed_unit(page, live_server, cgj_grid):
    unit = Unit.objects.get(code=UNIT_CODE)
    case = new_case(cgj_grid, text="人民路口流动摊贩占道经营")
    wf.case_register(case_id=case.pk, actor=account(Role.INTAKE))
    text = landing(page, live_server, account(Role.DISPATCHER), "dispatcher")
    assert "派遣员" in text
    open_from_queue(page, "to_dispatch", case)
    assert unit.name in page.inner_text("#routing")  # where the routing rules send it, before dispatching
    act(page, "dispatch", expect="dispatched")
    assert case_state(page) == "已派遣" and page.inner_text("#case-unit").strip() == unit.name
    assert Case.objects.get(pk=case.pk).unit_id == unit.pk
    clean(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_unit_handler_signs_and_reports_it_done_with_a_photo(page, live_server, photo):
    demo_cases_build(count=12, exposures=0)  # makes the per-unit handlers (h-…) the demo prints
    handler = account(Role.UNIT_HANDLER, prefix="h-")
    unit = handler.roles.get(role=Role.UNIT_HANDLER).unit
    grid = Area.objects.filter(level="grid").order_by("code").first()
    case = new_case(grid, text="公交站台广告牌破损")
    wf.case_register(case_id=case.pk, actor=account(Role.INTAKE))
    wf.case_dispatch(case_id=case.pk, actor=account(Role.DISPATCHER), unit=unit)
    text = landing(page, live_server, handler, "unit_handler")
    assert "单位处置人员" in text
    open_from_queue(page, "to_sign", case)
    act(page, "sign", expect="handling")
    assert case_state(page) == "处置中"
    act(page, "submit", note="已更换破损广告牌并清理现场", photos=photo, expect="submitted")
    assert case_state(page) == "已反馈"
    assert page.locator("#photos-after img").count() == 1
    assert Case.objects.get(pk=case.pk).evidence.filter(kind="after").count() == 1
    clean(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_shift_leader_verifies_and_closes(page, live_server, cgj_grid, photo):
    p = people()
    case = new_case(cgj_grid, text="沿街商户跨门经营")
    wf.case_register(case_id=case.pk, actor=p["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=p["paiqian"])
    handler = Person.objects.get(roles__role=Role.UNIT_HANDLER, roles__unit__code=UNIT_CODE, username__in=[
        q.username for q in demo_logins()])
    wf.case_sign(case_id=case.pk, actor=handler)
    wf.case_submit(case_id=case.pk, actor=handler, note="已劝导商户退回店内",
                   photos=[wf.Upload("after.png", photo_bytes(pattern=3))])
    text = landing(page, live_server, account(Role.SHIFT_LEADER), "shift_leader")
    assert "值班长" in text
    open_from_queue(page, "to_verify", case)
    assert case_state(page) == "已反馈"
    act(page, "verify", button=("passed", "yes"), note="现场核查已整改", expect="verified")
    assert case_state(page) == "已核查"
    act(page, "close", note="整改到位，结案", expect="closed")
    assert case_state(page) == "已结案"
    assert "结案" in page.inner_text("#timeline")
    clean(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_unit_leader_sees_the_units_cases_and_its_ranking(page, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    leader = account(Role.UNIT_LEADER, exclude="zb")  # the task-force leaders have their own test below
    w = Walk()
    assert leader.roles.get(role=Role.UNIT_LEADER).unit_id == w.unit.pk
    other = Unit.objects.get(code=OTHER_UNIT_CODE)
    # A week ranked from one case each (as the ranking walk does): 城管 on time, the power utility late.
    IndexVersion.objects.create(subject="unit", name="test: 按期处置率 only", weights={"handled_on_time_rate": 100},
                                effective_from=at(1, 0).date(), min_volume=1)
    one_case(w, w.unit, "chengguan", 2, late=False)
    one_case(w, other, "gongdian", 3, late=True)
    snapshot = snapshot_compute(subject="unit", period="week", day=at(4, 0).date())
    snapshot_publish(snapshot_id=snapshot.pk, actor=account(Role.SHIFT_LEADER))
    own = Case.objects.filter(unit=w.unit).first()
    foreign = Case.objects.filter(unit=other).first()

    text = landing(page, live_server, leader, "unit_leader")
    assert "单位负责人" in text
    page.wait_for_function("() => document.querySelectorAll('[data-panel] canvas').length >= 3")
    ranking = page.inner_text("[data-panel=rankings]")
    assert w.unit.name in ranking and "单位排名" in ranking
    # The unit's cases, and only the unit's.
    with page.expect_navigation():
        page.click("#home-queues [data-queue=all]")
    numbers = page.locator("#case-list tbody tr").evaluate_all("rows => rows.map(r => r.dataset.case)")
    assert own.number in numbers and foreign.number not in numbers
    # Its KPI: the published week, then its own indicator explained case by case.
    page.goto(f"{live_server.url}/")
    with page.expect_navigation():
        page.click("[data-panel=rankings] h2 a")
    row = page.locator(f"#ranking tr[data-key='{w.unit.pk}']")
    assert row.locator("td.rank").inner_text().strip() == "1"
    with page.expect_navigation():
        row.locator("a").first.click()
    assert "1 / 1" in page.inner_text("#indicator-handled_on_time_rate")
    clean(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_area_leader_issues_a_supervision_notice_on_a_late_case(page, live_server, cgj_grid):
    p = people()
    unit = Unit.objects.get(code=UNIT_CODE)
    case = new_case(cgj_grid, text="背街小巷流动摊贩长期占道经营")
    wf.case_register(case_id=case.pk, actor=p["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=p["paiqian"], unit=unit)
    wf.case_sign(case_id=case.pk, actor=p["chengguan"])
    Case.objects.filter(pk=case.pk).update(handle_due=timezone.now() - dt.timedelta(hours=6))
    leader = account(Role.AREA_LEADER)
    assert case.area_path.startswith(leader.roles.get(role=Role.AREA_LEADER).area.path)

    text = landing(page, live_server, leader, "area_leader")
    assert "属地领导" in text
    open_from_queue(page, "overdue", case)
    assert page.locator("#case-overdue").count() == 1
    act(page, "notice", demand="三日内清理完毕并安排专人值守", hours="8", expect="handling")
    notice = SupervisionNotice.objects.get(case=case)
    assert notice.issued_by_id == leader.pk
    assert "三日内清理完毕" in page.inner_text("#notices")
    # The unit hears of it, and the leader follows it up in the list of open notices.
    assert Notification.objects.filter(recipient__roles__unit=unit, subject__contains=case.number).exists()
    with page.expect_navigation():
        page.click("#nav-notices")
    assert page.inner_text("h1") == "未办结督办单"
    rows = page.locator(f"#notice-list tr[data-notice='{notice.pk}']")
    assert rows.count() == 1 and unit.name in rows.inner_text()
    clean(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_task_force_leader_reports_progress_with_evidence(page, live_server, photo):
    campaign_demo_build()
    leader = account(Role.UNIT_LEADER, prefix="zb")
    force = TaskForce.objects.get(leader=leader)
    task = Task.objects.filter(task_force=force).order_by("code").first()
    today = timezone.localdate()
    Task.objects.filter(pk=task.pk).update(starts_on=today, due_on=today + dt.timedelta(days=40))

    landing(page, live_server, leader, "task_force_leader")
    with page.expect_navigation():
        page.click("#nav-campaign")
    with page.expect_navigation():
        page.click(f"#forces a[href$='/campaign/forces/{force.pk}/']")
    assert force.name in page.inner_text("main")
    with page.expect_navigation():
        page.click(f"a[href$='/campaign/tasks/{task.pk}/']")
    page.fill("#id_value", "1")  # a count, or 1 for done on a done/not-done task
    page.fill("#id_narrative", "本周完成1个小区的环境整治，已拍照留存")
    page.set_input_files("#id_files", photo)
    with page.expect_navigation():
        page.click("#progress-form button[type=submit]")
    assert page.locator("#reports tbody tr").count() == 1
    assert "本周完成1个小区" in page.inner_text("#reports")
    saved = ProgressReport.objects.get(task=task)
    assert saved.reported_by_id == leader.pk and saved.evidence.count() == 1
    clean(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_changes_a_routing_rule_in_the_admin(page, live_server):
    admin = account(Role.ADMIN)
    landing(page, live_server, admin, "admin")
    with page.expect_navigation():
        page.click("nav a[href='/admin/']")
    with page.expect_navigation():
        page.click("a[href='/admin/cases/routingrule/']")
    with page.expect_navigation():
        page.click("#result_list tbody tr:first-child th a")
    rule = RoutingRule.objects.get(pk=int(page.url.rstrip("/").split("/")[-2]))
    page.fill("input[name=priority]", str(rule.priority + 5))
    page.fill("input[name=note]", "调整优先级：夜市路段由城管优先处置")
    with page.expect_navigation():
        page.click("input[name=_save]")
    message = page.inner_text("ul.messagelist")
    assert "成功" in message, message
    rule.refresh_from_db()
    assert rule.note == "调整优先级：夜市路段由城管优先处置"
    audit = AuditEvent.objects.filter(actor=admin).order_by("-pk").first()
    assert audit is not None and "调整优先级" in str(audit.data)
    clean(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_citizen_reports_with_suishoupai_on_a_phone_and_tracks_it(browser, live_server, phone_page, cgj_grid,
                                                                 public_setup):
    # The public landing page on a phone: what a citizen without an account sees first.
    phone_page.goto(f"{live_server.url}/")
    assert phone_page.locator("#nav-report").count() == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone_page.screenshot(path=str(SHOTS / "role-citizen.png"), full_page=True)
    clean(phone_page)
    # 随手拍 and tracking by the code: the citizen walk's own step, in this session's browser.
    result = citizen_report(browser, live_server.url, cgj_grid.lng, cgj_grid.lat)
    assert result["problems"] == []
    assert result["state"] == CaseState.REPORTED and result["width"] <= 390
    case = Case.objects.get(tracking_code=result["tracking"])
    assert case.channel == "citizen" and case.lng is not None


def field_report(page, live_server, *, lng: float, lat: float, search: str, code: str, text: str, photo) -> None:
    """From the home page's 巡查上报 button, as a grid worker or inspector reports on a phone: photo, category
    found by a word, description, the phone's position; lands on 我的上报 with the new report on top."""
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": lng, "latitude": lat})
    with page.expect_navigation():
        page.click("#home-report")
    page.set_input_files("input[name=photos]", photo)
    page.fill("#category-search", search)
    page.check(f"#category-list input[value={code}]")
    page.fill("textarea[name=description]", text)
    page.click("#use-location")
    page.wait_for_function("() => document.querySelector('input[name=lat]').value !== ''")
    with page.expect_navigation():
        page.click("#submit-report")
    assert page.url.startswith(f"{live_server.url}/cases/field/mine/"), page.url
    assert text in page.inner_text("#my-reports li.new")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_grid_worker_reports_from_a_phone(phone_page, live_server, photo):
    page = phone_page
    worker = account(Role.GRID_WORKER)
    grid = Area.objects.filter(level="grid", path__startswith=worker.roles.get(role=Role.GRID_WORKER).area.path).first()
    text = landing(page, live_server, worker, "grid_worker")
    assert "巡查上报" in text and "我的上报" in text
    field_report(page, live_server, lng=grid.lng, lat=grid.lat, search="垃圾", code="SJ0101", text="小区东门垃圾桶满溢",
                 photo=photo)
    case = Case.objects.get(description="小区东门垃圾桶满溢")
    assert case.channel == "grid" and case.reported_by_id == worker.pk
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    clean(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_inspector_reports_what_they_found(phone_page, live_server, cgj_grid, photo):
    page = phone_page
    inspector = account(Role.INSPECTOR)
    text = landing(page, live_server, inspector, "inspector")
    assert "暗访员" in text
    field_report(page, live_server, lng=cgj_grid.lng, lat=cgj_grid.lat, search="摆摊", code="SJ0401",
                 text="暗访发现：商户占道经营", photo=photo)
    case = Case.objects.get(description="暗访发现：商户占道经营")
    assert case.channel == "inspection" and case.reported_by_id == inspector.pk
    clean(page)
