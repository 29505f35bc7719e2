"""Hostile input on every form, REST and Open311 field (issue 12): no 5xx, nothing stored half, the error names
the field.

Each target is one route as one role, with a valid input (checked first: it must be accepted) and its fields.
For each field, Hypothesis sends hostile values (see ``hostile.py``) with the other fields left valid, so a
refusal can only be about that field and must name it: a form error keyed by it, or a message, JSON error or
Open311 description that says its name or label. Accepted or refused, the store must stay whole: a refusal
changes no case, event, evidence row or file; an acceptance leaves every case with its report event, every
evidence row with its file, every new file with its row, and no control character in any text it wrote.

All examples of a target run in one test, each in a savepoint rolled back after it (files it left are removed),
so the suite needs no transactional test and stays fast. Every failure is collected, not only the first, and
reported as route, input and answer. ``WENMING_HOSTILE_EXAMPLES`` sets the examples per field (default 4).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from urllib.parse import quote_plus

import pytest
from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Max
from django.forms import BaseForm
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from wenming.api.services.keys import api_key_issue
from wenming.cases.models import Case, CaseEvent, Evidence
from wenming.cases.services import workflow as wf
from wenming.cases.services.errors import WorkflowError
from wenming.cases.tests.test_views import PNG, advance, routed_grid
from wenming.common.tests import hostile as h

pytestmark = pytest.mark.django_db

PER_FIELD = int(os.environ.get("WENMING_HOSTILE_EXAMPLES", "4"))
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FORMULA = ("=", "+", "-", "@", "\t", "\r")
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
# Rows whose text a request may write; each is checked for control characters after an accepted input.
WRITTEN = ["cases.Case", "cases.CaseEvent", "cases.Evidence", "cases.Exposure", "cases.SupervisionNotice",
           "cases.FollowUp", "api.Open311Report", "campaign.Meeting", "campaign.ProgressReport",
           "campaign.ProgressEvidence", "campaign.TaskEvent", "campaign.Task", "scoring.AccountabilityRecord",
           "scoring.AccountabilityFollowUp", "public.PublicReport"]
FILE_ROWS = [("cases.Evidence", ("file", "public_file", "thumbnail")), ("campaign.ProgressEvidence", ("file",)),
             ("cases.ExposurePhoto", ("rendered",))]


# -- the city a target acts on: built lazily, only what the target needs ----------------------------------------

class City:
    def __init__(self, people):
        self.people = people
        self._cases: dict[str, Case] = {}

    @cached_property
    def grid(self):
        return routed_grid("SJ0401", "CGJ-131102", "131102")

    def case(self, state: str, *, channel: str = "hotline") -> Case:
        key = f"{state}:{channel}"
        if key not in self._cases:
            made = wf.case_intake(channel=channel, description="路口流动摊贩占道经营", lng=self.grid.lng,
                                  lat=self.grid.lat, category="SJ0401", reporter_phone="13812345678",
                                  actor=self.people["shouli"])
            self._cases[key] = advance(made, state, self.people)
        return Case.objects.get(pk=self._cases[key].pk)

    @cached_property
    def pending(self) -> Case:
        case = self.case("handling")
        wf.case_request_extension(case_id=case.pk, actor=self.people["chengguan"], amount=Decimal(2),
                                  unit="working_days", note="材料未到")
        return Case.objects.get(pk=case.pk)

    @cached_property
    def notice(self):
        from wenming.cases.services import escalation as esc

        return esc.notice_issue(case_id=self.case("dispatched").pk, actor=self.people["zhiban"], demand="今日内处理")

    @cached_property
    def answered_notice(self):
        from wenming.cases.services import escalation as esc

        notice = esc.notice_issue(case_id=self.case("handling").pk, actor=self.people["zhiban"], demand="今日内处理")
        return esc.notice_answer(notice_id=notice.pk, actor=self.people["chengguan"], answer="已安排")

    @cached_property
    def exposure(self):
        from wenming.cases.services import exposure as ex

        return ex.exposure_save(case_id=self.case("closed").pk, actor=self.people["zhiban"], headline="占道经营曝光")

    @cached_property
    def not_fixed(self) -> Case:
        from wenming.cases.services.followup import followup_record

        case = self.case("closed")
        followup_record(case_id=case.pk, rating="dissatisfied", fixed=False, comment="还有摊贩")
        return Case.objects.get(pk=case.pk)

    @cached_property
    def campaign(self):
        from wenming.campaign.models import Campaign
        from wenming.demo.campaign import campaign_demo_build

        campaign_demo_build()
        return Campaign.objects.get(code="HS-2022")

    @cached_property
    def task(self):
        from wenming.campaign.models import Task

        return (Task.objects.filter(campaign=self.campaign, measure="reported", kind="task",
                                    target_kind__in=["percent", "count"]).order_by("code").first())

    @cached_property
    def meeting(self):
        from wenming.campaign.services.meetings import meeting_prepare

        return meeting_prepare(campaign=self.campaign, week_start=timezone.localdate(), actor=self.people["zhiban"])

    @cached_property
    def snapshot(self):
        from wenming.scoring.services import scores

        draft = scores.snapshot_compute(subject="unit", period="week", day=timezone.localdate() - dt.timedelta(days=7),
                                        actor=self.people["zhiban"])
        return scores.snapshot_publish(snapshot_id=draft.pk, actor=self.people["zhiban"])

    @cached_property
    def board(self):
        from wenming.scoring.services import boards

        return boards.red_black_list_draft(snapshot_id=self.snapshot.pk, actor=self.people["paiqian"], size=3)

    @cached_property
    def top_unit(self):
        from wenming.org.models import Unit

        return Unit.objects.filter(parent__isnull=True, is_active=True).order_by("code").first()

    @cached_property
    def unit(self):
        from wenming.org.models import Unit

        return Unit.objects.get(code="CGJ-131102")

    @cached_property
    def accountability(self):
        from wenming.scoring.services import boards

        return boards.accountability_create(kind="notice", title="通报", reason="超期", unit=self.unit,
                                            due_date=timezone.localdate() + dt.timedelta(days=7),
                                            actor=self.people["zhiban"])

    @cached_property
    def notification(self):
        from wenming.common.models import Notification

        return Notification.objects.create(recipient=self.people["chengguan"], channel=Notification.Channel.IN_APP,
                                           key="hostile", subject="新案件")

    @cached_property
    def api_key(self) -> str:
        return api_key_issue(name="hostile", person=self.people["shouli"])[1]

    @cached_property
    def open311_key(self) -> str:
        return api_key_issue(name="hostile 12345", person=self.people["shouli"], channel="12345")[1]

    def token(self, username: str) -> str:
        return api_key_issue(name=f"hostile {username}", person=self.people[username])[1]


# -- targets ------------------------------------------------------------------------------------------------------

# Field kinds: text, number, date, id, choice, bool, files. "files" fields are sent hostile files, the rest strings.
@dataclass
class Target:
    name: str
    user: str | None  # a username logged in, None for anonymous
    path: Callable[[City], str] | str
    base: Callable[[City], dict] | dict
    fields: dict[str, str]
    style: str = "form"  # form | messages | get | json | open311
    method: str = "post"  # post (multipart), get, json (REST body)
    # The names an error may use for a field besides the field's own (labels, Open311 parameter names).
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Changes to the valid input while a field is attacked (None removes a key): a phone matters only when
    # the report is not anonymous.
    variants: dict[str, dict] = field(default_factory=dict)
    token: str | None = None  # REST: the username whose API key signs the request
    accepted_status: tuple[int, ...] = (200, 201, 204, 302)
    per_field: int | None = None

    def url(self, city: City) -> str:
        return self.path(city) if callable(self.path) else self.path

    def valid(self, city: City) -> dict:
        return dict(self.base(city) if callable(self.base) else self.base)


def _case_act(action: str, user: str, case: Callable[[City], Case], extra: Callable[[City], dict] | dict,
              fields: dict[str, str], aliases=None, per_field=None) -> Target:
    def base(city):
        data = {"version": case(city).version, **(extra(city) if callable(extra) else extra)}
        return {f"{action}-{k}": v for k, v in data.items()}

    return Target(
        f"case action {action}", user, lambda city: f"/cases/{case(city).pk}/act/{action}/", base,
        {f"{action}-{k}": kind for k, kind in {"version": "number", **fields}.items()},
        aliases={f"{action}-{k}": v for k, v in {"version": RELOAD, **(aliases or {})}.items()}, per_field=per_field,
    )


def _png(name="after.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def _point(city):
    return {"lat": f"{city.grid.lat:.6f}", "lng": f"{city.grid.lng:.6f}"}


def _citizen_category(city):
    from wenming.public.categories import citizen_choices

    return citizen_choices()[0][0]


TEXT_NOTE = {"note": "text"}
RELOAD = ("reload", "version", "changed")  # a hidden version field: "reload the page" names what to do
TARGETS: list[Target] = [
    # -- public pages
    Target("citizen report", None, "/citizen/report/",
           lambda city: {"category": _citizen_category(city), "description": "路灯不亮，晚上很黑", "address": "建设大街1号",
                         "anonymous": "on", **_point(city)},
           {"category": "choice", "description": "text", "address": "text", "lat": "number", "lng": "number",
            "anonymous": "bool", "phone": "text", "code": "text", "photos": "files"},
           aliases={"lat": ("location", "latitude"), "lng": ("location", "longitude"), "photos": ("photo",),
                    "category": ("problem",), "description": ("describe",), "phone": ("mobile",), "code": ("sms",)},
           variants={"phone": {"anonymous": None}, "code": {"anonymous": None, "phone": "13812345678"}}),
    Target("citizen code", None, "/citizen/report/code/", {"phone": "13812345678"}, {"phone": "text"}, style="json",
           accepted_status=(200,)),
    Target("citizen track", None, "/citizen/track/", {"code": "ABCDEF"}, {"code": "text"}, style="get",
           method="get", aliases={"code": ("tracking code",)}),
    Target("citizen rate", None, lambda city: f"/citizen/track/{city.case('closed').tracking_code}/rate/",
           {"rating": "satisfied", "fixed": "yes", "comment": "很好"},
           {"rating": "choice", "fixed": "choice", "comment": "text"},
           aliases={"rating": ("satisfied",), "fixed": ("fixed",)}),
    # -- intake by staff
    Target("case new", "shouli", "/cases/new/",
           lambda city: {"channel": "hotline", "category": "SJ0401", "urgency": "normal", "description": "井盖缺失",
                         "address": "建设大街1号", "crs": "wgs84", "reporter_name": "王先生",
                         "reporter_phone": "13812345678", **_point(city)},
           {"channel": "choice", "category": "choice", "urgency": "choice", "description": "text", "address": "text",
            "lat": "number", "lng": "number", "crs": "choice", "reporter_name": "text", "reporter_phone": "text",
            "photos": "files"},
           aliases={"lat": ("latitude",), "lng": ("longitude",), "crs": ("coordinate",), "photos": ("photo",)}),
    # The field staff's phone report (a grid worker): the channel is hers; the name shown is never taken from the post.
    Target("field report", "wangge", "/cases/field/new/",
           lambda city: {"category": "SJ0401", "description": "人行道被摊贩占满", "urgency": "normal",
                         "address": "建设大街1号", "photos": _png("site.png"), **_point(city)},
           {"category": "choice", "description": "text", "urgency": "choice", "channel": "choice", "address": "text",
            "lat": "number", "lng": "number", "reporter_name": "text", "photos": "files"},
           aliases={"lat": ("location",), "lng": ("location",), "photos": ("photo",), "channel": ("reporting as",)}),
    Target("hotline", "shouli", "/cases/hotline/",
           lambda city: {"reporter_phone": "13812345678", "reporter_name": "王先生", "category": "SJ0401",
                         "address": "建设大街1号", "description": "井盖缺失", "urgency": "normal", "crs": "wgs84",
                         "new_problem": "on", **_point(city)},
           {"reporter_phone": "text", "reporter_name": "text", "category": "text", "site": "text", "address": "text",
            "description": "text", "urgency": "choice", "lat": "number", "lng": "number", "crs": "choice",
            "then": "choice", "new_problem": "bool", "merge_into": "id", "photos": "files"},
           aliases={"reporter_phone": ("number", "phone"), "reporter_name": ("name",), "lat": ("latitude",),
                    "lng": ("longitude",), "merge_into": ("merge", "case"), "photos": ("photo",),
                    "crs": ("coordinate",)}),
    Target("hotline lookups", "shouli", "/cases/hotline/", {"sites": "广场", "caller": "13812345678"},
           {"sites": "text", "caller": "text"}, style="get", method="get"),
    # -- actions on a case, each as a role that may take it
    _case_act("register", "shouli", lambda c: c.case("reported"), {"note": "", "category": "SJ0401", "urgency": "normal"},
              {"note": "text", "category": "choice", "urgency": "choice"}),
    _case_act("reject", "shouli", lambda c: c.case("reported"), {"note": "重复上报"}, TEXT_NOTE, {"note": ("reason",)}),
    _case_act("merge", "shouli", lambda c: c.case("reported"), lambda c: {"into": c.case("registered").pk, "note": ""},
              {"into": "id", "note": "text"}, {"into": ("case", "merge")}),
    _case_act("dispatch", "paiqian", lambda c: c.case("registered"), lambda c: {"unit": c.unit.pk, "note": ""},
              {"unit": "id", "note": "text"}),
    _case_act("void", "zhiban", lambda c: c.case("registered"), {"note": "误报"}, TEXT_NOTE, {"note": ("reason",)}),
    _case_act("decide_return", "zhiban", lambda c: c.case("return_requested"), {"approve": "no", "note": ""},
              {"approve": "choice", "note": "text"}, {"approve": ("decision",)}),
    _case_act("sign", "chengguan", lambda c: c.case("dispatched"), {"note": ""}, TEXT_NOTE),
    _case_act("request_return", "chengguan", lambda c: c.case("dispatched"), {"note": "不属于本单位"}, TEXT_NOTE,
              {"note": ("reason",)}),
    _case_act("request_extension", "chengguan", lambda c: c.case("handling"),
              {"amount": "2", "time_unit": "working_days", "note": "材料未到"},
              {"amount": "number", "time_unit": "choice", "note": "text"},
              {"amount": ("time", "amount"), "time_unit": ("unit",), "note": ("reason",)}),
    _case_act("request_shelving", "chengguan", lambda c: c.case("handling"), {"note": "冬季无法施工"}, TEXT_NOTE,
              {"note": ("reason",)}),
    _case_act("submit", "chengguan", lambda c: c.case("handling"), lambda c: {"note": "已清理", "photos": _png()},
              {"note": "text", "photos": "files"}, {"photos": ("photo",)}),
    _case_act("decide_request", "zhiban", lambda c: c.pending, {"approve": "yes", "note": ""},
              {"approve": "choice", "note": "text"}, {"approve": ("decision",)}),
    _case_act("resume", "zhiban", lambda c: c.case("shelved"), {"note": ""}, TEXT_NOTE),
    _case_act("verify", "anfang", lambda c: c.case("submitted"), {"passed": "yes", "note": ""},
              {"passed": "choice", "note": "text", "photos": "files"}, {"passed": ("result",), "photos": ("photo",)}),
    _case_act("close", "zhiban", lambda c: c.case("verified"), {"note": ""}, TEXT_NOTE),
    _case_act("reopen", "zhiban", lambda c: c.case("closed"), {"note": "群众反映未整改"}, TEXT_NOTE, {"note": ("reason",)}),
    _case_act("notice", "zhiban", lambda c: c.case("handling"), {"demand": "今日内处理", "hours": "4"},
              {"demand": "text", "hours": "number"}, {"demand": ("unit must",), "hours": ("hours", "answer within")}),
    _case_act("answer", "chengguan", lambda c: c.notice.case, lambda c: {"notice": c.notice.pk, "answer": "已安排"},
              {"notice": "id", "answer": "text"}, {"notice": ("notice",)}),
    _case_act("notice_close", "zhiban", lambda c: c.answered_notice.case,
              lambda c: {"notice": c.answered_notice.pk, "note": ""}, {"notice": "id", "note": "text"},
              {"notice": ("notice",)}),
    Target("batch dispatch", "paiqian", "/cases/batch-dispatch/", lambda c: {"case": c.case("registered").pk},
           {"case": "id"}, style="messages"),
    Target("notifications read", "chengguan", "/notifications/read/",
           lambda c: {"id": c.notification.pk, "next": "/notifications/"}, {"id": "id", "next": "text"},
           style="messages", aliases={"id": ("notification",), "next": ("address", "page")}),
    # -- exposure and the public review
    Target("exposure text", "zhiban", lambda c: f"/cases/{c.case('closed').pk}/exposure/",
           {"step": "text", "headline": "占道经营曝光", "summary": "已整改"},
           {"headline": "text", "summary": "text"}, style="messages"),
    Target("exposure photos", "zhiban", lambda c: f"/cases/{c.exposure.case_id}/exposure/",
           lambda c: (lambda ev: {"step": "photos", "photo": ev, f"boxes-{ev}": "[[0.1, 0.1, 0.2, 0.2]]"})(
               Evidence.objects.filter(case_id=c.exposure.case_id).exclude(public_file="").first().pk),
           {"photo": "id", "boxes": "text"}, style="messages", aliases={"photo": ("photo",), "boxes": ("box",)}),
    Target("review decide", "zhiban", lambda c: f"/citizen/review/{c.not_fixed.pk}/decide/",
           lambda c: {"version": c.not_fixed.version, "reopen": "yes", "note": "回访未整改"},
           {"version": "number", "reopen": "choice", "note": "text"}, style="messages",
           aliases={"note": ("reason",), "version": RELOAD, "reopen": ("decision", "reopen")}),
    Target("review spam", "shouli", lambda c: f"/citizen/review/{c.case('reported', channel='citizen').pk}/spam/",
           lambda c: {"version": c.case("reported", channel="citizen").version}, {"version": "number"},
           style="messages", aliases={"version": RELOAD}),
    # -- the campaign
    Target("task report", "zhiban", lambda c: f"/campaign/tasks/{c.task.pk}/report/",
           {"value": "10", "narrative": "已完成主干道清理"}, {"value": "number", "narrative": "text", "files": "files"},
           aliases={"files": ("evidence", "file", "photo")}),
    Target("meeting prepare", "zhiban", "/campaign/meetings/prepare/",
           lambda c: (c.campaign, {"week_start": timezone.localdate().isoformat()})[1],
           {"week_start": "date"}, style="messages", aliases={"week_start": ("week",)}),
    Target("meeting minutes", "zhiban", lambda c: f"/campaign/meetings/{c.meeting.pk}/minutes/",
           {"chair": "市文明办主任", "minutes": "会议听取了各责任单位汇报"}, {"chair": "text", "minutes": "text"}),
    Target("meeting decide", "zhiban", lambda c: f"/campaign/meetings/{c.meeting.pk}/decide/",
           lambda c: {"title": "一周内完成飞线整治", "owner_unit": c.top_unit.pk,
                      "due_on": (timezone.localdate() + dt.timedelta(days=7)).isoformat()},
           {"title": "text", "owner_unit": "id", "due_on": "date"},
           aliases={"owner_unit": ("owner",), "due_on": ("deadline",), "title": ("decision",)}),
    # -- scoring
    Target("snapshot compute", "zhiban", "/scoring/snapshots/compute/",
           {"subject": "unit", "period": "week", "day": (timezone.localdate() - dt.timedelta(days=7)).isoformat()},
           {"subject": "choice", "period": "choice", "day": "date"}, style="messages",
           aliases={"subject": ("evaluate",), "period": ("period",)}, per_field=3),
    # Red/black-list drafting and its board actions are not here: the test city has too few cases in any week
    # for anyone to be ranked, so no valid draft exists to start from.
    Target("accountability new", "zhiban", "/scoring/accountability/",
           lambda c: {"kind": "notice", "title": "通报批评", "reason": "超期未办", "unit": c.unit.pk,
                      "cases": str(c.case("handling").pk),
                      "due_date": (timezone.localdate() + dt.timedelta(days=7)).isoformat()},
           {"kind": "choice", "title": "text", "reason": "text", "unit": "id", "people": "id", "cases": "text",
            "due_date": "date"},
           aliases={"cases": ("case",), "due_date": ("due",), "people": ("people",)}),
    Target("accountability follow-up", "zhiban", lambda c: f"/scoring/accountability/{c.accountability.pk}/",
           {"note": "已约谈", "status": "", "due_date": ""}, {"note": "text", "status": "choice", "due_date": "date"},
           aliases={"due_date": ("due",)}),
    # -- lists, filters and exports (GET): no 5xx
    Target("workbench filters", "zhiban", "/cases/", {"queue": "all"},
           {"q": "text", "state": "choice", "category": "choice", "channel": "choice", "unit": "id",
            "reported_from": "date", "reported_to": "date", "queue": "choice", "page": "number", "per_page": "number",
            "view": "choice"}, style="get", method="get"),
    Target("workbench map", "zhiban", "/cases/map.geojson", {"queue": "all"},
           {"q": "text", "reported_from": "date", "reported_to": "date", "unit": "id"}, style="get", method="get"),
    Target("workbench export", "zhiban", "/cases/export.csv", {"queue": "all"},
           {"q": "text", "reported_from": "date", "reported_to": "date", "state": "choice"}, style="get", method="get"),
    Target("org areas", "zhiban", "/org/areas/", {}, {"q": "text", "level": "choice", "per_page": "number", "page": "number"},
           style="get", method="get"),
    Target("org units", "zhiban", "/org/units/", {}, {"q": "text", "kind": "choice", "per_page": "number"},
           style="get", method="get"),
    Target("org sites", "zhiban", "/org/sites/", {},
           {"q": "text", "site_type": "id", "area": "text", "unit": "text", "per_page": "number"},
           style="get", method="get"),
    Target("org route", "zhiban", "/org/route/", lambda c: {"category": "SJ0401", "crs": "wgs84", **_point(c)},
           {"lat": "number", "lng": "number", "crs": "choice", "category": "choice"}, style="get", method="get"),
    # -- REST
    Target("REST case create", None, "/api/v1/cases/",
           lambda c: {"description": "井盖缺失", "category": "SJ0401", "urgency": "normal", "address": "建设大街1号",
                      "crs": "wgs84", "reporter_name": "王先生", "reporter_phone": "13812345678",
                      "external_id": "", **{k: float(v) for k, v in _point(c).items()}},
           {"description": "text", "category": "choice", "urgency": "choice", "address": "text", "lng": "number",
            "lat": "number", "crs": "choice", "site": "choice", "reporter_name": "text", "reporter_phone": "text",
            "external_id": "text"}, style="json", method="json", token="shouli"),
    Target("REST extension", None, lambda c: f"/api/v1/cases/{c.case('handling').pk}/request-extension/",
           {"amount": "2", "time_unit": "working_days", "note": "材料未到"},
           {"amount": "number", "time_unit": "choice", "note": "text", "version": "number"},
           style="json", method="json", token="chengguan",
           aliases={"amount": ("how much more time",), "time_unit": ("time unit",), "version": RELOAD}),
    Target("REST merge", None, lambda c: f"/api/v1/cases/{c.case('reported').pk}/merge/",
           lambda c: {"into": c.case("registered").pk, "note": ""}, {"into": "id", "note": "text", "version": "number"},
           style="json", method="json", token="shouli"),
    Target("REST submit", None, lambda c: f"/api/v1/cases/{c.case('handling').pk}/submit/",
           lambda c: {"note": "已清理", "photos": _png()}, {"note": "text", "photos": "files"}, style="json",
           token="chengguan"),
    Target("REST case list", None, "/api/v1/cases/", {},
           {"state": "choice", "category": "choice", "channel": "choice", "unit": "choice", "reported_from": "date",
            "reported_to": "date", "q": "text", "page": "number"}, style="json", method="get", token="zhiban"),
    Target("REST locate", None, "/api/v1/locate/", lambda c: {**_point(c), "crs": "wgs84"},
           {"lng": "number", "lat": "number", "crs": "choice"}, style="json", method="get", token="zhiban"),
    # -- Open311
    Target("Open311 post", None, "/open311/v2/requests.json",
           lambda c: {"api_key": c.open311_key, "service_code": "SJ0401", "lat": f"{c.grid.lat:.6f}",
                      "long": f"{c.grid.lng:.6f}", "description": "井盖缺失", "address_string": "建设大街1号"},
           {"service_code": "choice", "lat": "number", "long": "number", "address_string": "text",
            "description": "text", "attribute[urgency]": "choice", "media_url": "text", "email": "text", "phone": "text",
            "first_name": "text", "last_name": "text", "device_id": "text", "account_id": "text",
            "jurisdiction_id": "choice", "api_key": "text", "media": "files"},
           style="open311", aliases={"attribute[urgency]": ("urgency",), "first_name": ("name",),
                                     "last_name": ("name",)}),
    Target("Open311 requests", None, "/open311/v2/requests.xml", {},
           {"start_date": "date", "end_date": "date", "service_request_id": "id", "service_code": "choice",
            "status": "choice", "jurisdiction_id": "choice"}, style="open311", method="get"),
    Target("Open311 updates", None, "/open311/v2/request_updates.xml", {},
           {"start_date": "date", "end_date": "date", "service_request_id": "id"}, style="open311", method="get"),
    # FixMyStreet's name for the same list, with its pages (issue 14).
    Target("Open311 servicerequestupdates", None, "/open311/v2/servicerequestupdates.json", {},
           {"start_date": "date", "end_date": "date", "service_request_id": "id", "page": "number",
            "page_size": "number"}, style="open311", method="get"),
]
BY_NAME = {t.name: t for t in TARGETS}


# -- one example ---------------------------------------------------------------------------------------------------

def _wire(value):
    """Strings with a lone surrogate go as the bytes a hostile client would send (UTF-8 cannot encode them)."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return str(value).encode()


def _urlencoded(data: dict) -> str:
    pairs = [(k, item) for k, v in data.items() for item in (v if isinstance(v, list) else [v])]
    return "&".join(f"{quote_plus(_wire(k))}={quote_plus(_wire(v))}" for k, v in pairs)


def _multipart_safe(value):
    """Multipart bodies are built from str: a lone surrogate arrives as the server would decode its bytes."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return value


def _uploads(files: list[h.HostileFile]):
    return [SimpleUploadedFile(f.name, f.content, content_type=f.content_type) for f in files]


def _files(root: Path) -> frozenset[str]:
    return frozenset(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else frozenset()


def _watched():
    return [apps.get_model(label) for label in WRITTEN]


def _before(root: Path) -> dict:
    return {
        "counts": (Case.objects.count(), CaseEvent.objects.count(), Evidence.objects.count(),
                   apps.get_model("campaign.ProgressEvidence").objects.count()),
        "max": {m: m.objects.aggregate(n=Max("pk"))["n"] or 0 for m in _watched()},
        "files": _files(root), "at": timezone.now(),
    }


def _after_problems(before: dict, root: Path, *, refused: bool) -> list[str]:
    """What is stored half or wrong after one request."""
    counts = (Case.objects.count(), CaseEvent.objects.count(), Evidence.objects.count(),
              apps.get_model("campaign.ProgressEvidence").objects.count())
    files = _files(root)
    problems = []
    if refused:
        if counts != before["counts"]:
            problems.append(f"refused, yet rows changed (cases, events, evidence, progress evidence) "
                            f"{before['counts']} -> {counts}")
        if files - before["files"]:
            problems.append(f"refused, yet files were left: {sorted(files - before['files'])[:3]}")
        return problems
    new_cases = Case.objects.filter(pk__gt=before["max"][Case])
    for case in new_cases:
        if not case.events.filter(action="report").exists():
            problems.append(f"case {case.pk} has no report event")
    owned = set()
    for label, names in FILE_ROWS:
        for row in apps.get_model(label).objects.all():
            for name in names:
                stored = getattr(row, name)
                if stored:
                    owned.add(stored.name)
    for evidence in Evidence.objects.filter(pk__gt=before["max"][Evidence]):
        if not (root / evidence.file.name).is_file():
            problems.append(f"evidence {evidence.pk} has no file {evidence.file.name}")
    orphans = {f for f in files - before["files"] if f not in owned}
    if orphans:
        problems.append(f"files without a row: {sorted(orphans)[:3]}")
    for model in _watched():
        rows = model.objects.filter(pk__gt=before["max"][model])
        if any(f.name == "updated_at" for f in model._meta.fields):
            rows = rows | model.objects.filter(updated_at__gte=before["at"])
        texts = [f.attname for f in model._meta.fields if f.get_internal_type() in {"CharField", "TextField"}]
        for row in rows.values("pk", *texts):
            for name in texts:
                if isinstance(row[name], str) and CONTROL.search(row[name]):
                    problems.append(f"{model._meta.label}.{name} of row {row['pk']} stored a control character: "
                                    f"{row[name][:60]!r}")
    return problems


def _errors(response, style: str) -> tuple[set[str], list[str]]:
    """The fields the answer marks and the error texts it shows."""
    keys, texts = set(), []
    context = getattr(response, "context", None)
    contexts = [] if context is None else list(context) if isinstance(context, list) else [context]
    values = [v for c in contexts for v in (c.flatten().values() if hasattr(c, "flatten") else c.values())]
    if values:
        for value in values:
            candidates = [value] if isinstance(value, BaseForm) else []
            if isinstance(value, list | tuple):
                candidates += [v for item in value for v in (item if isinstance(item, tuple) else (item,))
                               if isinstance(v, BaseForm)]
            for form in candidates:
                if form.is_bound and form.errors:
                    for name, messages in form.errors.items():
                        keys.add(name)
                        label = form.fields[name].label if name in form.fields else ""
                        texts += [f"{label}: {m}" for m in messages]
    storage = getattr(response.wsgi_request, "_messages", None)
    texts += [str(m) for m in getattr(storage, "_queued_messages", []) if m.level >= message_levels.ERROR]
    body = response.content.decode("utf-8", "replace") if not getattr(response, "streaming", False) else ""
    if response.status_code >= 400 and style in {"json", "open311"}:
        try:
            data = json.loads(body)
        except ValueError:
            texts.append(body)
        else:
            if isinstance(data, dict):
                keys |= set((data.get("fields") or {}).keys())
                texts += [str(data.get("message", ""))] + [str(m) for ms in (data.get("fields") or {}).values()
                                                            for m in ms]
            elif isinstance(data, list):
                texts += [str(item.get("description", "")) for item in data if isinstance(item, dict)]
    elif response.status_code == 400 and not keys and not texts:
        texts.append(re.sub(r"<[^>]+>", " ", body)[:5000])
    return keys, texts


def _names(field: str, aliases: tuple[str, ...], keys: set[str], texts: list[str], label: str | None) -> bool:
    bare = field.split("-", 1)[1] if "-" in field and not field.startswith("boxes") else field
    bare = "boxes" if field.startswith("boxes") else bare
    if bare in keys or field in keys:
        return True
    words = {bare, bare.replace("_", " "), *(a for a in aliases)}
    if label:
        words.add(label)
    return any(w.lower() in t.lower() for t in texts for w in words if w)


def _send(client: Client, target: Target, city: City, data: dict, headers: dict):
    url = target.url(city)
    if target.method == "get":
        query = _urlencoded(data)
        return client.get(f"{url}?{query}" if query else url, **headers)
    if target.method == "json":  # raw number tokens stay tokens
        return client.post(url, _json_dumps(data), content_type="application/json", **headers)
    if any(isinstance(v, SimpleUploadedFile | list) for v in data.values()):
        return client.post(url, {k: _multipart_safe(v) for k, v in data.items()}, **headers)
    return client.post(url, _urlencoded(data), content_type="application/x-www-form-urlencoded", **headers)


@dataclass
class Run:
    target: Target
    city: City
    client: Client
    headers: dict
    root: Path
    failures: list[str] = field(default_factory=list)
    tried: int = 0

    def one(self, name: str, value, *, raw_number: bool = False) -> None:
        target = self.target
        data = target.valid(self.city)
        for key, change in target.variants.get(name, {}).items():
            if change is None:
                data.pop(key, None)
            else:
                data[key] = change
        attacked = name
        if target.fields[name] == "files":
            data[name] = _uploads(value)
            shown = h.describe(value)
        else:
            if name == "boxes":  # the exposure photo form names the box field after the photo
                attacked = next(k for k in data if k.startswith("boxes-"))
            data[attacked] = value
            shown = value
        if raw_number:
            data[attacked] = _RawNumber(value)
        cache.clear()  # rate limits must not turn the next example into a 429
        self.client.cookies.pop("messages", None)
        self.tried += 1
        h.COUNTS["inputs"] += 1
        where = f"{target.name} {target.url(self.city)} {name}={shown!r}"[:400]
        before = _before(self.root)
        try:
            response = _send(self.client, target, self.city, data, self.headers)
        except Exception as exc:  # the test client re-raises what the view raised: a 500 for the user
            h.COUNTS["5xx"] += 1
            self.failures.append(f"{where} -> 500 ({type(exc).__name__}: {str(exc)[:200]})")
            return
        status = response.status_code
        if status >= 500:
            h.COUNTS["5xx"] += 1
            self.failures.append(f"{where} -> {status}")
            return
        keys, texts = _errors(response, target.style)
        refused = status >= 400 or bool(keys) or bool(texts)
        problems = _after_problems(before, self.root, refused=refused)
        aliases = target.aliases.get(name, ())
        if target.fields[name] == "files":  # an upload is named by its file name
            aliases = (*aliases, *{Path(f.name).name for f in value if Path(f.name).name})
        named = _names(name, aliases, keys, texts, None)
        if target.style != "get" and refused and status != 429 and not named:
            problems.append(f"the error does not name {name}: {status} {keys or ''} {[t[:120] for t in texts][:3]}")
        if target.style == "get" and status == 400 and target.method == "get" and not texts:
            problems.append("400 without saying which parameter")
        if status in (301, 302, 303) and "Location" in response:
            location = response["Location"]
            if re.match(r"^\s*(//|/\\|[a-z][a-z0-9+.-]*:)", location, re.I):
                problems.append(f"redirects off the site: {location[:100]}")
        if target.style == "open311" and status == 200 and target.url(self.city).endswith(".xml"):
            try:
                ET.fromstring(response.content)
            except ET.ParseError as exc:
                problems.append(f"XML not well-formed: {exc}")
        if status == 200 and target.path == "/cases/export.csv":
            problems += _formula_cells(_csv_cells(response))
        self.failures += [f"{where} -> {p}" for p in problems]


class _RawNumber(str):
    """A value written into the JSON body as it is (1e309, 40 digits): a number token, not a string."""


def _json_dumps(data: dict) -> str:
    parts = []
    for k, v in data.items():
        token = str(v) if isinstance(v, _RawNumber) else json.dumps(v)
        parts.append(f"{json.dumps(k)}: {token}")
    return "{" + ", ".join(parts) + "}"


JSON_NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?")


def _settings(examples: int):
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


def _client(city: City, target: Target) -> tuple[Client, dict]:
    client = Client()
    headers = dict(ENGLISH)
    if target.user:
        client.force_login(city.people[target.user])
    if target.token:
        headers["HTTP_AUTHORIZATION"] = f"Token {city.token(target.token)}"
    return client, headers


class _SavepointAlways:
    """``transaction`` for the intake services with every block a savepoint. Intake opens its block without one
    (``savepoint=False``): in production it is the outermost block and a failure rolls it back whole; inside
    this suite's per-example savepoint it would instead doom the example's block, which production never sees."""

    def __getattr__(self, name):
        return getattr(transaction, name)

    @staticmethod
    def atomic(using=None, savepoint=True, durable=False):
        return transaction.atomic(using=using, durable=durable)


@pytest.fixture(autouse=True)
def _intake_savepoints(monkeypatch):
    from wenming.cases.services import insert

    monkeypatch.setattr(wf, "transaction", _SavepointAlways())
    monkeypatch.setattr(insert, "transaction", _SavepointAlways())


@pytest.fixture
def media(settings, tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


def _check_valid_input_is_accepted(run: Run) -> None:
    data = run.target.valid(run.city)
    cache.clear()
    with transaction.atomic():
        response = _send(run.client, run.target, run.city, data, run.headers)
        transaction.set_rollback(True)
    keys, texts = _errors(response, run.target.style)
    assert response.status_code in run.target.accepted_status and not keys and not texts, (
        f"{run.target.name}: the valid input is refused ({response.status_code}): {keys} {texts[:3]}")


def _examples_for(run: Run, field_name: str, kind: str, examples: int):
    """Hostile values for one field, each in a savepoint rolled back after it."""
    numberish = run.target.method == "json" and kind in {"number", "id"}

    @_settings(examples)
    @given(value=h.hostile_for(kind), raw=st.booleans() if numberish else st.just(False))
    def example(value, raw):
        _one_rolled_back(run, field_name, value, raw=raw and bool(JSON_NUMBER.fullmatch(value)))

    return example


def _one_rolled_back(run: Run, field_name: str, value, *, raw: bool = False) -> None:
    files = _files(run.root)
    with transaction.atomic():
        try:
            run.one(field_name, value, raw_number=raw)
        finally:
            transaction.set_rollback(True)
    # Rolled back here, not by the application: files it wrote for the example go too.
    for left in _files(run.root) - files:
        (run.root / left).unlink(missing_ok=True)


@pytest.mark.parametrize("name", list(BY_NAME))
def test_hostile_input_is_refused_by_field_or_stored_whole(name, people, media):
    target = BY_NAME[name]
    city = City(people)
    client, headers = _client(city, target)
    run = Run(target, city, client, headers, media)
    target.url(city), target.valid(city)  # the objects it acts on, made before any savepoint
    _check_valid_input_is_accepted(run)
    examples = target.per_field or PER_FIELD

    for field_name, kind in target.fields.items():
        if kind == "files":  # every hostile file once, and too many files: a fixed list, not a sample
            for files in h.file_cases():
                _one_rolled_back(run, field_name, files)
        else:
            _examples_for(run, field_name, kind, examples)()
    assert not run.failures, f"{len(run.failures)} of {run.tried} inputs failed:\n" + "\n".join(run.failures[:40])


# -- the same request for every path parameter that names a case ---------------------------------------------------

@pytest.mark.parametrize("route", ["/api/v1/cases/{}/", "/open311/v2/requests/{}.json", "/open311/v2/tokens/{}.json",
                                   "/citizen/track/{}/"])
def test_hostile_path_parameters(route, people, media):
    city = City(people)
    case = city.case("registered")
    client, headers = Client(), dict(ENGLISH, HTTP_AUTHORIZATION=f"Token {city.token('zhiban')}")
    failures, tried = [], 0

    @_settings(PER_FIELD * 4)
    @given(value=st.one_of(h.non_ascii_digits(), h.huge_numbers(), h.control_text(), h.misc_text(),
                           st.just(f"{case.number}²"), st.just(f"{case.pk}²"), st.just(case.number.replace("0", "０"))))
    def example(value):
        nonlocal tried
        tried += 1
        h.COUNTS["inputs"] += 1
        cache.clear()
        url = route.format(_quote(value))
        try:
            response = client.get(url, **headers)
        except Exception as exc:
            h.COUNTS["5xx"] += 1
            failures.append(f"GET {url} -> 500 ({type(exc).__name__}: {str(exc)[:150]})")
            return
        if response.status_code >= 500:
            h.COUNTS["5xx"] += 1
            failures.append(f"GET {url} -> {response.status_code}")
        elif response.status_code == 200 and route.startswith("/api/") and str(response.json().get("id")) != value:
            failures.append(f"GET {url} -> 200 with case {response.json().get('id')}: another spelling answered it")

    example()
    assert not failures, f"{len(failures)} of {tried} failed:\n" + "\n".join(failures[:40])


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value.encode("utf-8", "surrogatepass"), safe="")


# -- formulas must not reach a spreadsheet as formulas ---------------------------------------------------------------

def _csv_cells(response) -> list[str]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row]


def _formula_cells(cells: list[str]) -> list[str]:
    return [f"a cell starts with a formula prefix: {c[:60]!r}" for c in cells if c.startswith(FORMULA)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_neutralise_formulas_from_every_intake(fmt, people, media):
    """A formula typed on the citizen page, the REST API or Open311 reaches the workbench export as text."""
    city = City(people)
    key = city.open311_key  # made before the savepoints
    zhiban, anonymous = Client(), Client()
    zhiban.force_login(people["zhiban"])
    rest = dict(ENGLISH, HTTP_AUTHORIZATION=f"Token {city.token('shouli')}")
    failures = []

    @_settings(PER_FIELD * 3)
    @given(text=h.formula_text(), route=st.sampled_from(["citizen", "rest", "open311"]))
    def example(text, route):
        h.COUNTS["inputs"] += 1
        cache.clear()
        with transaction.atomic():
            try:
                if route == "citizen":
                    answer = anonymous.post("/citizen/report/", {
                        "category": _citizen_category(city), "description": text, "address": text, "anonymous": "on",
                        **_point(city)}, **ENGLISH)
                elif route == "rest":
                    answer = anonymous.post("/api/v1/cases/", json.dumps({
                        "description": text, "address": text, "category": "SJ0401",
                        **{k: float(v) for k, v in _point(city).items()}}), content_type="application/json", **rest)
                else:
                    answer = anonymous.post("/open311/v2/requests.json", {
                        "api_key": key, "service_code": "SJ0401", "description": text,
                        "address_string": text, "lat": _point(city)["lat"], "long": _point(city)["lng"]}, **ENGLISH)
                if answer.status_code >= 500:
                    h.COUNTS["5xx"] += 1
                    failures.append(f"{route} {text!r} -> {answer.status_code}")
                    return
                response = zhiban.get(f"/cases/export.{fmt}", {"queue": "all", "q": ""}, **ENGLISH)
                assert response.status_code == 200
                if fmt == "csv":
                    cells = _csv_cells(response)
                else:
                    content = b"".join(response.streaming_content) if response.streaming else response.content
                    sheet = load_workbook(io.BytesIO(content)).active
                    cells = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
                    cells += [f"={c.value}" for row in sheet.iter_rows() for c in row if c.data_type == "f"]
                failures.extend(f"{route} {text!r}: {p}" for p in _formula_cells(cells))
            finally:
                transaction.set_rollback(True)

    example()
    assert not failures, "\n".join(sorted(set(failures))[:30])


# -- control characters must not break what others read --------------------------------------------------------------

def test_control_characters_keep_feeds_and_open311_xml_well_formed(people, media):
    """Text with C0 controls, accepted or refused, never makes the Open311 XML or an Atom feed unreadable."""
    from wenming.cases.services import exposure as ex

    city = City(people)
    city.case("closed"), city.open311_key  # made before the savepoints
    client = Client()
    failures = []

    @_settings(PER_FIELD * 4)
    @given(text=h.control_text())
    def example(text):
        h.COUNTS["inputs"] += 2
        cache.clear()
        with transaction.atomic():
            try:
                posted = client.post("/open311/v2/requests.json", {
                    "api_key": city.open311_key, "service_code": "SJ0401", "description": text,
                    "address_string": "建设大街1号", "first_name": text}, **ENGLISH)
                if posted.status_code >= 500:
                    failures.append(f"Open311 post {text!r} -> {posted.status_code}")
                for url in ["/open311/v2/requests.xml", "/open311/v2/request_updates.xml"]:
                    answer = client.get(url, **ENGLISH)
                    if answer.status_code != 200:
                        failures.append(f"GET {url} after {text!r} -> {answer.status_code}")
                        continue
                    ET.fromstring(answer.content)
                case = city.case("closed")
                try:
                    exposure = ex.exposure_save(case_id=case.pk, actor=people["zhiban"], headline=f"曝光{text}",
                                                summary=text)
                    ex.exposure_publish(exposure_id=exposure.pk, actor=people["zhiban"])
                except WorkflowError:  # refusing the text is fine
                    pass
                for url in ["/exposure/feed.atom", "/showcase/feed.atom", "/redblack/feed.atom"]:
                    answer = client.get(url, **ENGLISH)
                    if answer.status_code != 200:
                        failures.append(f"GET {url} after {text!r} -> {answer.status_code}")
                    else:
                        ET.fromstring(answer.content)
            except ET.ParseError as exc:
                failures.append(f"not well-formed after {text!r}: {exc}")
            except Exception as exc:
                h.COUNTS["5xx"] += 1
                failures.append(f"{text!r}: 500 ({type(exc).__name__}: {str(exc)[:150]})")
            finally:
                transaction.set_rollback(True)

    example()
    assert not failures, "\n".join(failures[:30])


def test_bomb_is_generated_once_and_is_what_the_probe_sent():
    data = h.bomb_png()
    assert 300_000 < len(data) < 500_000 and data[16:24] == (20_000).to_bytes(4, "big") * 2
    assert h.bomb_png() is data
    shutil.disk_usage(Path(os.environ.get("TMPDIR", "/tmp")))  # the folder it lives in exists
