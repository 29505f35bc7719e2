"""The shift leader covers a face on a case's photo and puts it on the exposure board; a visitor sees it
there; when the case closes it leaves the board for the rectification showcase."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from wenming.cases.browser_tests.conftest import EXTRA_SHOTS, SHOTS
from wenming.cases.browser_tests.test_case_walk import login
from wenming.cases.models import Exposure
from wenming.cases.services import workflow as wf
from wenming.cases.services.workflow import Upload
from wenming.conftest import photo_bytes
from wenming.org.models import Area, Person, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def publish(browser, base: str, case_pk: int) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    login(page, base, "zhiban")
    page.goto(f"{base}/cases/{case_pk}/")
    with page.expect_navigation():
        page.click("#expose")
    page.fill("input[name=headline]", "人民路口早高峰占道经营")
    page.fill("textarea[name=summary]", "早高峰时段摊贩占用人行道经营。")
    with page.expect_navigation():
        page.click("#exposure-text button[type=submit]")
    page.check("#exposure-photos input[name=photo]")
    page.wait_for_function("() => { const i = document.querySelector('.redact img'); return i && i.complete && i.naturalWidth > 0; }")
    box = page.locator(".redact img").first.bounding_box()
    page.mouse.move(box["x"] + 2, box["y"] + 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.5, steps=6)
    page.mouse.up()
    drawn = page.locator(".redact .box").count()
    with page.expect_navigation():
        page.click("#exposure-photos button[type=submit]")
    with page.expect_navigation():
        page.click("#exposure-publish button[type=submit]")
    state = page.get_attribute("#exposure-state", "data-state")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(EXTRA_SHOTS / "exposure-edit.png"), full_page=True)
    context.close()
    visitor = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    public = visitor.new_page()
    public.goto(f"{base}/exposure/")
    on_board = public.locator("[data-exposure]").count()
    public.screenshot(path=str(SHOTS / "exposure-board.png"), full_page=True)
    public.goto(f"{base}/showcase/")
    on_showcase = public.locator("[data-exposure]").count()
    visitor.close()
    return {"drawn": drawn, "state": state, "on_board": on_board, "on_showcase": on_showcase, "problems": problems}


def look(browser, base: str) -> dict:
    visitor = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = visitor.new_page()
    page.goto(f"{base}/exposure/")
    on_board = page.locator("[data-exposure]").count()
    page.goto(f"{base}/showcase/")
    entry = page.locator("[data-exposure]")
    result = {"on_board": on_board, "on_showcase": entry.count(), "fixed": entry.first.get_attribute("class"),
              "text": entry.first.inner_text()}
    page.screenshot(path=str(SHOTS / "showcase.png"), full_page=True)
    visitor.close()
    return result


def test_an_exposed_case_moves_to_the_showcase_when_it_closes(browser_thread, live_server, committed_city, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    people = {p.username: p for p in Person.objects.filter(is_staff=True)}
    grid = Area.objects.filter(level="grid").order_by("code").first()
    white = io.BytesIO()
    Image.new("RGB", (400, 300), (250, 250, 250)).save(white, format="JPEG")
    case = wf.case_intake(channel="hotline", description="路口流动摊贩占道经营", lng=grid.lng, lat=grid.lat, category="SJ0401",
                          reporter_name="李四", reporter_phone="13812345678", actor=people["shouli"],
                          photos=[Upload("before.jpg", white.getvalue())])

    first = browser_thread.run(publish, live_server.url, case.pk)
    assert first["problems"] == [] and first["drawn"] == 1 and first["state"] == "published"
    assert (first["on_board"], first["on_showcase"]) == (1, 0)
    photo = Exposure.objects.get(case=case).photos.get()
    x, y, w, h = photo.boxes[0]
    assert x < 0.05 and y < 0.05 and 0.3 < w < 0.5 and 0.4 < h < 0.6
    with photo.rendered.open("rb") as handle:
        rendered = Image.open(io.BytesIO(handle.read())).convert("RGB")
    assert sum(rendered.getpixel((20, 20))) < 40 and sum(rendered.getpixel((380, 280))) > 700

    unit = Unit.objects.get(code="CGJ-131102")
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=unit)
    wf.case_sign(case_id=case.pk, actor=people["chengguan"])
    wf.case_submit(case_id=case.pk, actor=people["chengguan"], note="已清理", photos=[Upload("after.png", photo_bytes(pattern=4))])
    wf.case_verify(case_id=case.pk, actor=people["anfang"], passed=True)
    wf.case_close(case_id=case.pk, actor=people["zhiban"])

    second = browser_thread.run(look, live_server.url)
    assert (second["on_board"], second["on_showcase"]) == (0, 1)
    assert "fixed" in second["fixed"] and "人民路口早高峰占道经营" in second["text"]
    assert "李四" not in second["text"] and "13812345678" not in second["text"]
