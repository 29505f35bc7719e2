"""Hand-made target lists shared by the target tests: a campaign, site types of their own (the session's demo city
never enters these lists) and a small list worked on by a unit and reviewed by its task force."""

import datetime as dt
from decimal import Decimal

import pytest

from wenming.campaign.models import Campaign, Measure, TargetLine, TargetRule, Task, TaskForce
from wenming.campaign.services.targets import targets_refresh
from wenming.common.roles import Role
from wenming.org.models import Person, RoleAssignment
from wenming.org.tests.factories import SiteFactory, SiteTypeFactory, UnitFactory, offset, point

BASE = (100.0, 30.0)


def at(east_m=0.0, north_m=0.0, base=BASE):
    return point(*offset(*base, east_m=east_m, north_m=north_m))


@pytest.fixture
def target_campaign(db):
    return Campaign.objects.create(code="T-TARGETS", name="测试", starts_on=dt.date(2026, 1, 1))


@pytest.fixture
def types(db):
    return {code: SiteTypeFactory(code=f"t_{code}", name=code) for code in
            ["market", "compound", "school", "internet_cafe", "youth_palace", "dry_toilet", "square", "notice_board"]}


def task_with(campaign, code, rule, *, target, anchors=(), radius=None, kind="percent", value=100, per="", **kw):
    return Task.objects.create(campaign=campaign, code=code, title=code, starts_on=dt.date(2026, 1, 1),
                               target_kind=kind, target_value=Decimal(value), target_per=per, measure=Measure.TARGETS,
                               target_rule=rule, target_site_types=[f"t_{t}" for t in target],
                               scope_site_types=[f"t_{t}" for t in anchors], scope_radius_m=radius, **kw)


def person(username, role, unit):
    p = Person.objects.create_user(username=username, password="x", display_name=username, is_staff=True)
    RoleAssignment.objects.create(person=p, role=role, unit=unit)
    return p


@pytest.fixture
def worked(target_campaign, types):
    """A compound near a market, owned by its 包保 unit, in a task with a task force."""
    owner, other = UnitFactory(code="T-OWNER"), UnitFactory(code="T-OTHER")
    lead = UnitFactory(code="T-LEAD")
    SiteFactory(site_type=types["market"], geometry=at())
    compound = SiteFactory(site_type=types["compound"], name="幸福小区", guarantor_unit=owner, geometry=at(east_m=100))
    SiteFactory(site_type=types["compound"], name="别家小区", guarantor_unit=other, geometry=at(north_m=100))
    leader = person("t_leader", Role.UNIT_LEADER, lead)
    force = TaskForce.objects.create(campaign=target_campaign, code="ZB-T", name="测试专班", leader=leader)
    force.members.add(leader)
    task = task_with(target_campaign, "R01-2W", TargetRule.EACH, target=["compound"], lead_unit=lead, task_force=force)
    targets_refresh(task_id=task.pk)
    return {"task": task, "line": TargetLine.objects.get(task=task, site=compound), "compound": compound,
            "handler": person("t_handler", Role.UNIT_HANDLER, owner), "outsider": person("t_out", Role.UNIT_HANDLER, other),
            "leader": leader}
