"""No English in the Chinese UI (issue 14 item 5): each place it leaked, rendered in Chinese as a person meets it.

Pages here are in the default language (Chinese). Strings are compared with what gettext gives in Chinese, so
the tests hold whether or not a new msgid is in the catalogue yet; the raw codes must never show.
"""

import datetime as dt
import re
from gettext import GNUTranslations
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from wenming.campaign.models import Campaign, Meeting, Task, TaskEventAction
from wenming.campaign.services import tasks as task_svc
from wenming.campaign.services.meetings import meeting_prepare
from wenming.cases.services import workflow as wf
from wenming.demo.campaign import campaign_demo_build
from wenming.scoring.services import scores
from wenming.scoring.tests.scenario import WEEK_START, at, build_week

pytestmark = pytest.mark.django_db
ZH = "zh-hans"


@pytest.fixture
def campaign(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    campaign_demo_build()
    return Campaign.objects.get(code="HS-2022")


def zh(msgid: str) -> str:
    with translation.override(ZH):
        return gettext(msgid)


def test_ranking_weights_are_named_by_indicator(client, people):
    build_week()
    draft = scores.snapshot_compute(subject="unit", period="week", day=WEEK_START, now=at(10, 9))
    client.force_login(people["zhiban"])
    page = client.get(reverse("scoring:snapshot", args=[draft.pk])).content.decode()
    status = re.search(r'<p id="snapshot-status">(.*?)</p>', page, re.S).group(1)
    assert "closed_rate" not in status and "rework_rate" not in status
    assert f"{zh('Closing rate (结案率)')} 30" in status and f"{zh('Volume')} 10" in status


def test_task_history_shows_labels_not_codes(client, campaign, people):
    task = Task.objects.get(campaign=campaign, code="R05-1")
    task_svc.progress_report(task_id=task.pk, actor=people["chengguan"], value=5, narrative="新建5处")
    client.force_login(people["zhiban"])
    page = client.get(reverse("campaign:task", args=[task.pk])).content.decode()
    history = re.search(r'<ul class="events">(.*?)</ul>', page, re.S).group(1)
    assert "· progress" not in history
    with translation.override(ZH):
        assert str(TaskEventAction.PROGRESS.label) in history


def test_heat_map_axes_come_translated_from_the_page(client, people):
    client.force_login(people["zhiban"])
    for url in (reverse("scoring:dashboard"), reverse("home")):
        page = client.get(url).content.decode()
        assert f'data-label-lng="{zh("longitude")}"' in page and f'data-label-lat="{zh("latitude")}"' in page
    script = (Path(settings.BASE_DIR) / "static/wenming/scoring.js").read_text(encoding="utf-8")
    # A chart's words come from data-label-* only: no axis name or fallback written in the script.
    assert not re.search(r'name:\s*"', script) and '|| key' not in script


def test_every_admin_column_has_a_chinese_label(people):
    """A list_display entry without a verbose name shows as its code in capitals ("NUMBER"). The app's own
    models only: a third-party app's (the task queue's) brings its own catalogue, or none."""
    request = RequestFactory().get("/")
    request.user = people["admin"]
    leaks = []
    with translation.override(ZH):
        for model, model_admin in admin.site._registry.items():
            if not model.__module__.startswith("wenming."):
                continue
            for name in model_admin.get_list_display(request):
                if name == "__str__" or callable(name):
                    continue
                label = str(label_for_field(name, model, model_admin))
                if re.fullmatch(r"[A-Za-z _]+", label) and label.upper() not in {"ID", "URL"}:
                    leaks.append(f"{model.__name__}.{name}: {label}")
    assert leaks == []


def test_leaflet_tooltips_come_translated_from_the_page(client, people):
    client.force_login(people["zhiban"])
    page = client.get(reverse("cases:workbench"), {"view": "map"}).content.decode()
    for key, msgid in (("zoom-in", "Zoom in"), ("zoom-out", "Zoom out"), ("layers", "Map layers")):
        assert f'data-map-{key}="{zh(msgid)}"' in page
    assert "wenming/leaflet_defaults.js" in page
    script = (Path(settings.BASE_DIR) / "static/wenming/leaflet_defaults.js").read_text(encoding="utf-8")
    assert "zoomInTitle" in script and "zoomOutTitle" in script and "_layersLink.title" in script


def test_meeting_pack_downloads_have_chinese_names(client, campaign, people):
    meeting = meeting_prepare(campaign=campaign, week_start=dt.date(2026, 3, 2), actor=people["zhiban"])
    client.force_login(people["zhiban"])
    for path, ext in (("meeting.docx", "docx"), ("figures.xlsx", "xlsx")):
        header = client.get(f"/reports/meetings/{meeting.pk}/{path}")["Content-Disposition"]
        name = f"{zh('weekly meeting')}-2026-03-02.{ext}"
        assert header == f"attachment; filename=\"weekly-meeting-2026-03-02.{ext}\"; filename*=UTF-8''{quote(name)}"
    assert Meeting.objects.count() == 1


def test_case_export_has_a_chinese_name(client, people):
    client.force_login(people["zhiban"])
    header = client.get(reverse("cases:export", args=["csv"]))["Content-Disposition"]
    assert header.startswith('attachment; filename="cases-')
    assert f"filename*=UTF-8''{quote(zh('cases'))}-" in header


class _VisibleText(HTMLParser):
    """The text a person reads on a page: text outside scripts and styles, and the attributes shown as text."""

    SHOWN = ("title", "placeholder", "aria-label", "alt")

    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        self.parts += [value for name, value in attrs if name in self.SHOWN and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def _english_msgids() -> list[str]:
    """The catalogue's English phrases (two words or more, no placeholders) that Chinese replaces."""
    mo = Path(settings.BASE_DIR) / "locale/zh_Hans/LC_MESSAGES/django.mo"
    with mo.open("rb") as handle:
        catalogue = GNUTranslations(handle)._catalog
    phrases = []
    for key, msgstr in catalogue.items():
        msgid = key[0] if isinstance(key, tuple) else key
        msgid = msgid.split("\x04")[-1]
        if (re.fullmatch(r"[A-Za-z][A-Za-z ,.'/-]*", msgid) and len(msgid.split()) >= 2
                and isinstance(msgstr, str) and msgstr != msgid):
            phrases.append(msgid)
    return phrases


def test_main_staff_pages_in_chinese_show_none_of_the_apps_english(client, campaign, people):
    """The shift leader's main pages, rendered in Chinese: no English phrase of the app's own catalogue shows."""
    case = wf.case_intake(channel="hotline", description="占道经营", lng=115.67, lat=37.74, category="SJ0401",
                          actor=people["shouli"])
    task = Task.objects.get(campaign=campaign, code="R05-1")
    urls = [reverse("home"), reverse("cases:workbench"), reverse("cases:workbench") + "?view=map",
            reverse("cases:detail", args=[case.pk]), reverse("cases:notices"), reverse("notifications"),
            reverse("scoring:dashboard"), reverse("scoring:snapshots"), reverse("scoring:boards"),
            reverse("campaign:overview"), reverse("campaign:supervision"), reverse("campaign:map"),
            reverse("campaign:meetings"), reverse("campaign:task", args=[task.pk]),
            reverse("org:area_list"), reverse("org:unit_list"), reverse("org:site_list"), reverse("routing:check")]
    phrases = _english_msgids()
    assert len(phrases) > 500  # the catalogue was read
    client.force_login(people["zhiban"])

    def english_on(url, **headers):
        response = client.get(url, **headers)
        assert response.status_code == 200, url
        parser = _VisibleText()
        parser.feed(response.content.decode())
        text = " ".join(" ".join(parser.parts).split())
        return [p for p in phrases if re.search(rf"(?<![A-Za-z]){re.escape(p)}(?![A-Za-z])", text)]

    # The check sees English where there is some: the same page asked for in English.
    assert "Log out" in english_on(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    leaks = {url: found for url in urls if (found := english_on(url))}
    assert leaks == {}
