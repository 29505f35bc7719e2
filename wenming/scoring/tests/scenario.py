"""A hand-made week of cases for one unit (城管 桃城分局, CGJ-131102), walked through the real workflow
services at controlled times, so every indicator can be counted by hand.

The week: Monday 2 March 2026 to Monday 9 March (working hours 08:30–12:00, 14:30–17:30; 占道经营 SJ0401
must be handled within 4 working hours, signed within 1, verified within 1). Dispatch at 09:00 Monday
means: sign by 10:00, handle by 15:30.

  A  signed 09:10, done 10:00, verified 10:30, closed                          — on time everywhere
  B  returned (approved), re-dispatched 09:40, signed 11:00 (late, due 10:40), done 12:00 (due 16:10),
     verified Tuesday 09:00 (late: due 15:30 Monday), closed
  C  signed 09:05, extension of 1 working day granted (due Tuesday 15:30), done Wednesday 10:00 (late),
     verified 10:20, closed
  D  signed 09:05, shelving granted 09:30: still shelved at the end of the week
  E  signed 09:05, done 09:30, sent back for rework 10:00 (due 16:00), done 11:00, verified 11:30, closed
  F  signed 09:05, done 09:30, verified 09:45, closed 10:00, reopened 10:30, dispatched again 11:00
     (due 17:30), signed 11:05, not done by the end of the week
  G  dispatched, never signed, never done
  H  a grid worker's report, rejected

A–C come by the hotline (public), D, G and H from the grid worker 网格员 wangge, E and F from the
provincial platform.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from unittest import mock
from zoneinfo import ZoneInfo

from django.utils import timezone

from wenming.cases.services import workflow as wf
from wenming.cases.services.workflow import Upload
from wenming.conftest import photo_bytes
from wenming.org.models import Area, Person, Unit

TZ = ZoneInfo("Asia/Shanghai")
WEEK_START = dt.date(2026, 3, 2)
WEEK_END = dt.date(2026, 3, 9)
UNIT_CODE = "CGJ-131102"
DISTRICT_CODE = "131102"
PNG = photo_bytes()


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=TZ)


@contextmanager
def clock(when: dt.datetime):
    with mock.patch.object(timezone, "now", return_value=when):
        yield


def grid_for_unit(unit: Unit) -> Area:
    from wenming.cases.services.routing import case_route

    for grid in Area.objects.filter(level="grid", code__startswith=DISTRICT_CODE).order_by("code"):
        if case_route(lng=grid.lng, lat=grid.lat, category="SJ0401").unit_id == unit.pk:
            return grid
    raise AssertionError("no grid in 桃城区 routes 占道经营 to " + UNIT_CODE)


class Walk:
    """Drives the workflow services for the scenario, each step at its own time."""

    def __init__(self):
        self.p = {p.username: p for p in Person.objects.filter(is_staff=True)}
        self.unit = Unit.objects.get(code=UNIT_CODE)
        self.grid = grid_for_unit(self.unit)

    def intake(self, when, *, channel="hotline", actor="shouli", text="路口流动摊贩占道"):
        with clock(when):
            return wf.case_intake(channel=channel, description=text, lng=self.grid.lng, lat=self.grid.lat,
                                  category="SJ0401", actor=self.p[actor], reported_at=when)

    def step(self, when, fn, case, actor, **kwargs):
        with clock(when):
            return fn(case_id=case.pk, actor=self.p[actor], **kwargs)

    def to_handling(self, case, *, day=2, dispatch=(9, 0), sign=(9, 5), register=(8, 45)):
        self.step(at(day, *register), wf.case_register, case, "shouli")
        self.step(at(day, *dispatch), wf.case_dispatch, case, "paiqian", unit=self.unit)
        if sign:
            self.step(at(day, *sign), wf.case_sign, case, "chengguan")

    def submit(self, when, case):
        return self.step(when, wf.case_submit, case, "chengguan", note="已整改", photos=[Upload("after.png", PNG)])

    def verify(self, when, case, passed=True):
        return self.step(when, wf.case_verify, case, "anfang", passed=passed, note="" if passed else "未整改到位")

    def close(self, when, case):
        return self.step(when, wf.case_close, case, "zhiban")


def build_week() -> dict:
    """Walk cases A–H; returns them by letter."""
    w = Walk()
    c = {}
    c["A"] = w.intake(at(2, 8, 30))
    w.to_handling(c["A"], sign=(9, 10))
    w.submit(at(2, 10, 0), c["A"])
    w.verify(at(2, 10, 30), c["A"])
    w.close(at(2, 11, 0), c["A"])

    c["B"] = w.intake(at(2, 8, 30))
    w.to_handling(c["B"], sign=None)
    w.step(at(2, 9, 20), wf.case_request_return, c["B"], "chengguan", note="属地不符")
    w.step(at(2, 9, 30), wf.case_decide_return, c["B"], "zhiban", approve=True, note="改派")
    w.step(at(2, 9, 40), wf.case_dispatch, c["B"], "paiqian", unit=w.unit)
    w.step(at(2, 11, 0), wf.case_sign, c["B"], "chengguan")
    w.submit(at(2, 12, 0), c["B"])
    w.verify(at(3, 9, 0), c["B"])
    w.close(at(3, 9, 30), c["B"])

    c["C"] = w.intake(at(2, 8, 30))
    w.to_handling(c["C"])
    w.step(at(2, 9, 10), wf.case_request_extension, c["C"], "chengguan", amount=1, unit="working_days", note="需协调")
    w.step(at(2, 9, 20), wf.case_decide_request, c["C"], "zhiban", approve=True)
    w.submit(at(4, 10, 0), c["C"])
    w.verify(at(4, 10, 20), c["C"])
    w.close(at(4, 10, 40), c["C"])

    c["D"] = w.intake(at(2, 8, 30), channel="grid", actor="wangge")
    w.to_handling(c["D"])
    w.step(at(2, 9, 20), wf.case_request_shelving, c["D"], "chengguan", note="冬季无法施工")
    w.step(at(2, 9, 30), wf.case_decide_request, c["D"], "zhiban", approve=True)

    c["E"] = w.intake(at(2, 8, 30), channel="provincial")
    w.to_handling(c["E"])
    w.submit(at(2, 9, 30), c["E"])
    w.verify(at(2, 10, 0), c["E"], passed=False)
    w.submit(at(2, 11, 0), c["E"])
    w.verify(at(2, 11, 30), c["E"])
    w.close(at(2, 11, 45), c["E"])

    c["F"] = w.intake(at(2, 8, 30), channel="provincial")
    w.to_handling(c["F"])
    w.submit(at(2, 9, 30), c["F"])
    w.verify(at(2, 9, 45), c["F"])
    w.close(at(2, 10, 0), c["F"])
    w.step(at(2, 10, 30), wf.case_reopen, c["F"], "zhiban", note="群众反映仍有摊贩")
    w.step(at(2, 11, 0), wf.case_dispatch, c["F"], "paiqian", unit=w.unit)
    w.step(at(2, 11, 5), wf.case_sign, c["F"], "chengguan")

    c["G"] = w.intake(at(2, 8, 30), channel="grid", actor="wangge")
    w.to_handling(c["G"], sign=None)

    c["H"] = w.intake(at(2, 8, 40), channel="grid", actor="wangge", text="疑似占道，核实为正常经营")
    w.step(at(2, 8, 50), wf.case_reject, c["H"], "shouli", note="不属于占道")
    return c
