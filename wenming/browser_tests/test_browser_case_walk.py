"""One case walks the whole workflow in the browser, each step by the role that owns it."""

import pytest

from wenming.browser_tests.conftest import SHOTS, login
from wenming.cases.models import Case
from wenming.conftest import photo_bytes
from wenming.org.models import Area, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def act(page, action, **fields):
    form = page.locator(f"#act-{action}")
    for name, value in fields.items():
        if name == "photos":
            form.locator("input[type=file]").set_input_files(value)
        elif name in {"approve", "passed"}:
            form.locator(f"input[name={action}-{name}][value={value}]").check()
        elif name in {"unit", "time_unit"}:
            form.locator(f"select[name={action}-{name}]").select_option(value)
        else:
            form.locator(f"[name={action}-{name}]").fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "error" not in (page.locator("ul.messages").get_attribute("class") or ""), page.locator("ul.messages").inner_text()


def test_intake_to_close_with_return_extension_and_rework(page, live_server, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    photo = tmp_path / "after.png"
    photo.write_bytes(photo_bytes())
    unit = Unit.objects.get(code="CGJ-131102")
    grid = Area.objects.filter(level="grid", code__startswith="131102").order_by("code").last()

    login(page, live_server, "shouli")
    page.goto(f"{live_server.url}/cases/new/")
    page.select_option("#id_channel", "hotline")
    page.select_option("#id_category", "SJ0409")
    page.fill("#id_description", "人行道上堆放建筑材料")
    page.fill("#id_lat", str(grid.lat))
    page.fill("#id_lng", str(grid.lng))
    page.fill("#id_reporter_phone", "13811112222")
    page.click("#route-form button[type=submit]")
    page.wait_for_selector("#timeline")
    case = Case.objects.get(description="人行道上堆放建筑材料")
    url = f"{live_server.url}/cases/{case.pk}/"
    act(page, "register")

    def as_(username):
        login(page, live_server, username)
        page.goto(url)

    as_("paiqian")
    act(page, "dispatch", unit=str(unit.pk))
    as_("chengguan")
    act(page, "request_return", note="不属于本单位职责")
    as_("zhiban")
    act(page, "decide_return", approve="yes", note="同意改派")
    as_("paiqian")
    act(page, "dispatch", unit=str(unit.pk))
    as_("chengguan")
    act(page, "sign")
    act(page, "request_extension", amount="2", time_unit="working_days", note="需要协调清运车辆")
    as_("zhiban")
    act(page, "decide_request", approve="yes")
    as_("chengguan")
    act(page, "submit", note="已清理", photos=str(photo))
    as_("anfang")
    act(page, "verify", passed="no", note="仍有部分材料")
    as_("chengguan")
    act(page, "submit", note="已全部清理", photos=str(photo))
    as_("anfang")
    act(page, "verify", passed="yes", note="复核通过")
    as_("zhiban")
    act(page, "close")

    actions = page.locator("#timeline li").evaluate_all("els => els.map(e => e.dataset.action)")
    assert actions == ["report", "register", "dispatch", "return_request", "return_approved", "dispatch", "sign",
                       "extension_request", "request_granted", "submit", "rework", "submit", "verify_passed", "close"]
    assert Case.objects.get(pk=case.pk).state == "closed"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "case.png"), full_page=True)
    login(page, live_server, "zhiban")
    page.goto(f"{live_server.url}/cases/?queue=all")
    page.screenshot(path=str(SHOTS / "workbench.png"), full_page=True)
    assert page.external_requests == []
