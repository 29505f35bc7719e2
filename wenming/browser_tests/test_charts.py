"""The big screen and the battle map's timeline as people meet them.

The big screen fits one 1920×1080 display with no scrolling, every panel inside it and drawn, counts on whole
-number ticks, and it redraws itself from panels.json (the data time moves) without reloading. The timeline
shows the tasks' names, a legend of the statuses and a dashed 今天 line on the server's date. Screenshots of
both go where the README's come from (``WENMING_SCREENSHOTS=docs``).
"""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from wenming.browser_tests.conftest import SHOTS, login
from wenming.campaign.models import Task, TaskStatus
from wenming.cases.models import Case
from wenming.cases.models.case import OPEN_STATES
from wenming.cases.services.escalation import notice_issue
from wenming.demo.campaign import campaign_demo_build
from wenming.demo.cases import demo_cases_build
from wenming.org.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREEN = {"width": 1920, "height": 1080}

# Per chart: each value axis's option and the ticks ECharts actually drew, and whether it drew anything.
CHARTS = """() => Array.from(document.querySelectorAll('[data-panel] .chart')).map(el => {
  const chart = echarts.getInstanceByDom(el), option = chart.getOption(), model = chart.getModel();
  const axes = [];
  for (const kind of ['xAxis', 'yAxis']) {
    (option[kind] || []).forEach((axis, i) => {
      if (axis.type !== 'value') { return; }
      const drawn = model.getComponent(kind, i).axis.scale.getTicks().map(t => t.value);
      axes.push({name: axis.name, minInterval: axis.minInterval, ticks: drawn});
    });
  }
  const points = (option.series || []).reduce((n, s) => n + (s.data || []).length, 0);
  return {panel: el.closest('[data-panel]').dataset.panel, axes: axes, points: points,
          empty: ((option.title || [])[0] || {}).text || ''};
})"""


def test_the_big_screen_fits_1920_by_1080_and_refreshes_itself(page, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    demo_cases_build(count=60, days=12, exposures=0)
    open_case = Case.objects.filter(state__in=OPEN_STATES, unit__isnull=False).order_by("pk").first()
    notice_issue(case_id=open_case.pk, actor=Person.objects.get(username="zhiban"), demand="限期整改到位")
    call_command("scores", "--weeks", "2", "--months", "0", "--publish", "--as", "zhiban", stdout=io.StringIO())
    page.set_viewport_size(SCREEN)
    login(page, live_server, "zhiban")
    page.goto(live_server.url + reverse("scoring:screen") + "?refresh=2")
    page.wait_for_selector("#dashboard[data-drawn]")

    size = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight,"
                         " document.body.scrollWidth, document.body.scrollHeight]")
    assert size[0] <= 1920 and size[1] <= 1080 and size[2] <= 1920 and size[3] <= 1080, size
    panels = page.evaluate("""() => Array.from(document.querySelectorAll('[data-panel]')).map(p => {
        const r = p.getBoundingClientRect(), h2 = p.querySelector('h2');
        return {panel: p.dataset.panel, left: r.left, top: r.top, right: r.right, bottom: r.bottom,
                titleCut: h2.scrollWidth > h2.clientWidth + 1, text: p.innerText.trim()}; })""")
    assert len(panels) == 7
    for p in panels:
        assert p["left"] >= 0 and p["top"] >= 0 and p["right"] <= 1920 and p["bottom"] <= 1080, p
        assert p["bottom"] - p["top"] > 250 and p["text"], p
    charts = {c["panel"]: c for c in page.evaluate(CHARTS)}
    for name in ("trend", "by_action", "by_category", "overdue", "escalations"):
        assert charts[name]["points"] > 0 and not charts[name]["empty"], charts[name]
    for name in ("trend", "by_action", "overdue", "escalations"):  # counts: whole-number ticks, a named axis
        axes = charts[name]["axes"]
        assert axes and all(a["minInterval"] == 1 and a["name"] for a in axes), (name, axes)
        assert all(float(t).is_integer() for a in axes for t in a["ticks"]), (name, axes)
    assert page.locator("[data-panel=rankings] li").count() >= 1
    assert "—" not in page.inner_text("[data-panel=overdue]")
    figures = [page.inner_text(f"[data-figure={k}]") for k in ("reported_today", "closed_today", "overdue", "notices")]
    assert all(f.isdigit() for f in figures) and figures[3] == "1", figures
    page.screenshot(path=str(SHOTS / "charts-big-screen.png"))

    # The screen polls panels.json and redraws: the data time moves on, the page is the same one.
    first = page.inner_text("[data-figure=as_of]")
    page.evaluate("window.__same_page = true")
    page.wait_for_function("(t) => document.querySelector('[data-figure=as_of]').textContent !== t", arg=first,
                           timeout=10000)
    assert page.evaluate("window.__same_page") is True and int(page.get_attribute("#dashboard", "data-polls")) >= 1
    assert page.evaluate("document.getElementById('stale').hidden") is True
    with translation.override("zh-hans"):
        from django.utils.translation import gettext
        assert gettext("Beijing time") in page.inner_text("header")
    assert page.js_errors == [] and page.external_requests == []


def test_the_timeline_names_tasks_has_a_legend_and_a_today_line(page, live_server):
    today = timezone.localdate()
    campaign_demo_build(today=today)
    login(page, live_server, "zhiban")
    page.goto(live_server.url + reverse("campaign:map"))
    page.wait_for_selector("#map-filters[data-loaded]")
    option = page.evaluate("""() => { const o = echarts.getInstanceByDom(document.getElementById('gantt')).getOption();
        return {legend: o.legend[0].data, labels: o.yAxis[0].data, min: o.xAxis[0].min, max: o.xAxis[0].max,
                series: o.series.map(s => ({id: s.id, type: s.type, name: s.name, n: (s.data || []).length,
                                            first: (s.data || [])[0]}))}; }""")
    with translation.override("zh-hans"):
        statuses = [str(label) for _code, label in TaskStatus.choices]
    assert option["legend"][:len(statuses)] == statuses and len(option["legend"]) == len(statuses) + 1
    task = Task.objects.get(code="R01-2")
    assert any(label.startswith(f"R01-2 {task.title[:8]}") for label in option["labels"]), option["labels"][:5]
    assert len(option["labels"]) == Task.objects.filter(campaign=task.campaign).count()
    today_line = next(s for s in option["series"] if s["id"] == "today")
    assert option["min"] < today_line["first"][0] < option["max"]
    bars = [s for s in option["series"] if s["type"] == "custom" and s["id"] != "today"]
    assert sum(s["n"] for s in bars) == len(option["labels"]) and sum(1 for s in bars if s["n"]) >= 3
    assert next(s for s in option["series"] if s["type"] == "scatter")["n"] > 0  # milestones
    # The line is drawn: its label shows today's date on the chart.
    page.locator("#gantt").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "battle-map-timeline.png"), full_page=True)
    assert page.js_errors == [] and page.external_requests == []
