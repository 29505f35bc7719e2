"""The campaign's demo step: the article's 19 task forces (创建专班), one per action, with demo units and people.

The article says Hengshui set up 19 task forces; it does not name them or their units, so the demo gives
each action its own task force, led by the department that would plausibly lead it in the demo city.

Given the demo's reference day (``today``), the demo also moves the campaign to that day's year, so it is in
progress when the demo is looked at (the article's campaign ran in 2022; its deadlines, "by the end of August",
keep their day and month), and gives the tasks milestones and progress reports as of that day. ``campaign-load``
without ``--demo`` keeps the article's own dates. The reference day is an argument, never read from the clock
here: the same day gives the same campaign.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from PIL import Image

from wenming.campaign.models import (
    Campaign,
    Measure,
    Milestone,
    TargetEvidence,
    TargetKind,
    TargetLine,
    TargetLineStatus,
    TargetRule,
    Task,
    TaskEvent,
    TaskForce,
    TaskKind,
)
from wenming.campaign.services.target_lines import target_line_review, target_line_submit
from wenming.campaign.services.targets import targets_refresh
from wenming.campaign.services.tasks import Upload, measured_values_refresh, planned_value, progress_report
from wenming.common.errors import WorkflowError
from wenming.common.roles import UNIT_ROLES, Role
from wenming.common.services.audit import audit_event_record
from wenming.demo.accounts import demo_password_hash
from wenming.org.models import Area, Person, RoleAssignment, Site, Unit

# action code → (lead unit code, cooperating unit codes). The lead unit's branches cooperate too.
DEMO_UNITS = {
    "R01": ("ZJJ", ["CGJ", "SCJG"]), "R02": ("CGJ", ["ZJJ", "POWER"]), "R03": ("JJZD", ["GAJ", "JTJ"]),
    "R04": ("GAJ", ["CGJ"]), "R05": ("CGJ", ["POWER", "CMCC", "CUCC", "CTCC", "CATV"]),
    "R06": ("CGJ", ["POWER", "CMCC", "CUCC", "CTCC"]), "R07": ("NYNC", ["WJW"]), "R08": ("JYJ", ["SCJG", "GAJ", "WGL"]),
    "R09": ("SCJG", ["CGJ", "ZJJ"]), "R10": ("CGJ", ["CGJ-YL", "WJW"]), "I01": ("WMB", ["JYJ"]),
    "I02": ("FGW", ["SCJG"]), "I03": ("ZJJ", ["CGJ", "JJZD"]), "I04": ("ZJJ", ["WMB"]), "I05": ("WMB", ["CGJ"]),
    "I06": ("SPJ", ["WMB"]), "I07": ("WMB", []), "I08": ("WMB", []), "C01": ("CMD", ["WMB"]),
}
# Site types that count as the places of a "per place" target (squares, shopping districts, compounds).
PLACE_SITE_TYPES = ["square", "supermarket", "compound"]


def task_targets_refresh(*, campaign: Campaign) -> None:
    """Per-area targets: how many areas (townships, places) a number-per-area target is multiplied by."""
    streets = Area.objects.filter(level="street")
    townships = streets.filter(name__regex=r"(镇|乡)$").count() or streets.count()
    places = Site.objects.filter(site_type__code__in=PLACE_SITE_TYPES, is_active=True).count()
    # Tasks with a target rule count their areas from their lines (campaign.services.targets).
    for task in Task.objects.filter(campaign=campaign, target_kind="count", target_rule=""):
        task.target_areas = max(1, townships if task.target_per == "township" else places if task.target_per == "place" else 1)
        task.save(update_fields=["target_areas", "updated_at"])


def campaign_demo_build(*, campaign_code: str = "HS-2022", today: dt.date | None = None) -> dict:
    """Task forces, lead and cooperating units and leaders for the demo city. Idempotent.

    With ``today`` (the demo's reference day), also the campaign moved to that year, milestones and progress
    (``campaign_demo_dates``, ``campaign_demo_progress``); without it the article's dates stay as loaded.
    """
    campaign = Campaign.objects.get(code=campaign_code)
    units = {u.code: u for u in Unit.objects.all()}
    counts = {"task_forces": 0, "tasks": 0, "leaders": 0}
    with transaction.atomic():
        if today is not None:
            counts["years_moved"] = campaign_demo_dates(campaign=campaign, today=today)
        task_targets_refresh(campaign=campaign)
        for sort, action in enumerate(campaign.actions.order_by("sort")):
            lead_code, coop_codes = DEMO_UNITS.get(action.code, ("CMD", []))
            lead = units.get(lead_code) or units.get("CMD")
            coop = [units[c] for c in coop_codes if c in units]
            if lead is not None:
                coop += list(Unit.objects.filter(parent=lead))
            username = f"zb{action.code.lower()}"
            leader = Person.objects.filter(username=username).first()
            if leader is None:
                # Every account the demo prints logs in with the demo password (one hash for all: hashing is slow).
                leader = Person(username=username, display_name=f"{action.name[:-2]}专班 组长", unit=lead, is_staff=True,
                                password=demo_password_hash())
                leader.save()
                if lead is not None:
                    RoleAssignment.objects.create(person=leader, role=Role.UNIT_LEADER, unit=lead)
                counts["leaders"] += 1
            force, _ = TaskForce.objects.update_or_create(
                campaign=campaign, code=f"ZB{sort + 1:02d}",
                defaults={"name": f"{action.name.removesuffix('行动')}专班", "leader": leader, "sort": sort},
            )
            force.actions.set([action])
            member_ids = {leader.pk} | set(
                Person.objects.filter(is_active=True, roles__role__in=UNIT_ROLES,
                                      roles__unit__in=[u for u in [lead, *coop] if u]).values_list("id", flat=True)[:12]
            )
            force.members.set(member_ids)
            for task in Task.objects.filter(action=action):
                task.task_force = force
                task.lead_unit = lead
                task.save(update_fields=["task_force", "lead_unit", "updated_at"])
                task.cooperating_units.set(coop)
                counts["tasks"] += 1
            counts["task_forces"] += 1
        if today is not None:
            counts.update(campaign_demo_progress(campaign=campaign, today=today))
        # The target lists from the city's registers, then (for the demo proper) a few lines worked on.
        counts["targets"] = targets_refresh(campaign_id=campaign.pk)["lines"]
        if today is not None:
            counts["lines_worked"] = campaign_demo_lines(campaign=campaign, today=today)
        audit_event_record(action="campaign.demo", summary=f"{counts['task_forces']} task forces", data=counts)
    return counts


def _years_later(day: dt.date | None, years: int) -> dt.date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def campaign_demo_dates(*, campaign: Campaign, today: dt.date) -> int:
    """Move the campaign and its tasks by whole years so the campaign starts in ``today``'s year.

    Whole years keep every deadline's day and month as the article gives them ("8月底前" stays 31 August).
    Returns how many years they moved (0 when they are there already: running it twice changes nothing).
    """
    if campaign.starts_on is None:
        return 0
    years = today.year - campaign.starts_on.year
    if years == 0:
        return 0
    campaign.starts_on = _years_later(campaign.starts_on, years)
    campaign.ends_on = _years_later(campaign.ends_on, years)
    campaign.save(update_fields=["starts_on", "ends_on"])
    for task in Task.objects.filter(campaign=campaign):
        task.starts_on = _years_later(task.starts_on, years)
        task.due_on = _years_later(task.due_on, years)
        task.completed_on = _years_later(task.completed_on, years)
        task.save(update_fields=["starts_on", "due_on", "completed_on", "updated_at"])
    return years


# Milestones the demo gives a task with a percentage or a number to reach: (title, share of the way from the
# start to the deadline, share of the target planned by then). A task without a deadline gets a mid-year check.
DEMO_MILESTONES = [("完成摸底排查、建立台账", Decimal("0.3"), Decimal("0.3")), ("完成过半", Decimal("0.6"), Decimal("0.6"))]
DEMO_MIDYEAR = ("年中检查：完成一半", Decimal("0.5"))


def _draw(code: str) -> int:
    """A number 0–99 fixed by the task's code: which tasks the demo shows done, on track or behind."""
    return int(hashlib.sha256(code.encode()).hexdigest()[:8], 16) % 100


def _whole(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def campaign_demo_progress(*, campaign: Campaign, today: dt.date) -> dict:
    """Milestones and progress reports as of ``today``, so the timeline shows every status as a city would.

    Each task's outcome comes from its code, not a random draw: about 3 in 10 done, 3 in 10 on track, 2 in
    10 behind, the rest not reported yet; past its deadline, a task not done is overdue. Reports go through
    the real service, by the task force's leader, dated before ``today``. A task with reports is left as it is.
    """
    counts = {"milestones": 0, "reports": 0}
    tasks = (Task.objects.filter(campaign=campaign, kind=TaskKind.TASK).select_related("task_force__leader")
             .prefetch_related("milestones").order_by("code"))
    for task in tasks:
        target = Decimal(task.target_total)
        milestones = list(task.milestones.all())
        if task.target_kind != TargetKind.DONE and not milestones:
            if task.due_on:
                span = (task.due_on - task.starts_on).days
                points = [(title, task.starts_on + dt.timedelta(days=int(span * at)), share) for title, at, share in DEMO_MILESTONES]
            else:
                points = [(DEMO_MIDYEAR[0], dt.date(task.starts_on.year, 6, 30), DEMO_MIDYEAR[1])]
            for title, day, share in points:
                if day > task.starts_on:
                    milestones.append(Milestone.objects.create(task=task, title=title, due_on=day,
                                                               planned_value=_whole(target * share)))
                    counts["milestones"] += 1
        leader = task.task_force.leader if task.task_force_id else None
        if (task.measure != Measure.REPORTED or leader is None or task.reports.exists() or task.starts_on >= today):
            continue
        draw = _draw(task.code)
        planned = planned_value(task, on=today, milestones=milestones)
        late = task.due_on is not None and task.due_on < today
        if late:
            value = target if draw < 60 else _whole(target * Decimal("0.7"))
        elif draw < 30:
            value = target
        elif draw < 65:  # on track: a little ahead of the plan
            value = min(target - 1, max(_whole(planned * Decimal("1.1")), _whole(target * Decimal("0.2"))))
        elif draw < 85:  # behind: half of what the plan expects by now
            value = _whole(planned * Decimal("0.5"))
        else:  # not reported yet
            continue
        if task.target_kind == TargetKind.DONE:
            value = Decimal(1) if value >= target else Decimal(0)
        day = max(task.starts_on, today - dt.timedelta(days=1 + draw % 6))
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
        done = value >= target
        try:
            progress_report(task_id=task.pk, actor=leader, value=value, unit=task.lead_unit,
                            narrative="已全部完成，资料归档备查。" if done else f"按周推进，累计完成 {value} {task.unit_label or ''}".strip(),
                            now=at)
        except (WorkflowError, Task.DoesNotExist):  # a leader outside this task's units: no report
            continue
        counts["reports"] += 1
    # Tasks counted from cases and sites show their figures now, not only after the worker's next scan.
    counts["measured"] = measured_values_refresh(campaign_id=campaign.pk)
    return counts


# How the demo works the first lines of each evidence list: accepted, accepted, submitted, returned, accepted…
DEMO_LINE_STEPS = ["accept", "accept", "submit", "return", "accept", "submit"]


def _demo_photo(n: int) -> Upload:
    out = io.BytesIO()
    Image.new("RGB", (96, 64), (70 + 20 * (n % 5), 140, 90)).save(out, format="PNG")
    return Upload(f"整治后{n}.png", out.getvalue())


def campaign_demo_lines(*, campaign: Campaign, today: dt.date) -> int:
    """A few lines of each evidence list (compounds near markets, markets, back streets) submitted with a photo,
    and accepted or returned, by the command centre's shift leader, so the maps show every colour. A list with
    lines worked on already is left as it is."""
    actor = Person.objects.filter(is_active=True, roles__role=Role.SHIFT_LEADER).order_by("username").first()
    if actor is None:
        return 0
    at = timezone.make_aware(dt.datetime.combine(today, dt.time(9, 0)))
    worked = 0
    for task in Task.objects.filter(campaign=campaign, target_rule__in=[TargetRule.NEAR, TargetRule.EACH]).order_by("code"):
        lines = TargetLine.objects.filter(task=task, in_scope=True)
        if lines.exclude(status=TargetLineStatus.PENDING).exists():
            continue
        for n, (line_id, step) in enumerate(zip(lines.order_by("area_path", "id").values_list("id", flat=True),
                                                DEMO_LINE_STEPS, strict=False)):
            try:
                target_line_submit(line_id=line_id, actor=actor, note="已按标准整治，附整治后照片。", files=[_demo_photo(n)], now=at)
                if step != "submit":
                    target_line_review(line_id=line_id, actor=actor, accept=step == "accept",
                                       note="" if step == "accept" else "照片未反映楼道堆物清理情况，请补充。", now=at)
            except (WorkflowError, TargetLine.DoesNotExist):
                continue
            worked += 1
    return worked


def campaign_targets_clear() -> int:
    """The target lists computed from the demo city, removed with it (``demo_city_clear``): the lines, their
    evidence and the events of their steps. The tasks stay; the next ``targets_refresh`` lists the new city."""
    TaskEvent.objects.filter(line__isnull=False).delete()
    TargetEvidence.objects.all().delete()
    removed, _by_model = TargetLine.objects.all().delete()
    return removed
