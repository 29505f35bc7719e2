"""The demo's evaluation framework: the evaluation office's login, the two demo editions (演示版，非官方文本)
loaded through the same import a city uses, and a responsibility matrix for the demo city's units, written as a
责任分工 sheet and imported too. Idempotent: what is there already is left as it is."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from django.db import transaction

from wenming.campaign.models import Action, Task, TaskForce
from wenming.common.roles import Role
from wenming.demo.accounts import demo_password_hash
from wenming.demo.evaluation_ledger import evaluation_ledger_demo_build
from wenming.demo.evaluation_materials import evaluation_materials_demo_build
from wenming.demo.evaluation_risk import evaluation_risk_demo_build
from wenming.evaluation.data.demo_edition import YEARS, demo_edition_sheets
from wenming.evaluation.models import Criterion, CriterionKind, Edition
from wenming.evaluation.services.editions import edition_make_current
from wenming.evaluation.services.imports import RESPONSIBILITY, edition_import, responsibility_import
from wenming.evaluation.services.workbook import workbook_bytes
from wenming.org.models import Person, RoleAssignment, Unit

OFFICE_USERNAME = "ceping"
CURRENT = f"DEMO-{YEARS[-1]}"

# Project or field → (lead unit, responsible units, city leader, post). Made up for the demo city.
LEADS = {
    "P1": ("SPJ", ["FGW"], "周文博", "市委常委、常务副市长"),
    "P2": ("GAJ", ["CMD"], "韩立新", "副市长、市公安局局长"),
    "P3": ("SCJG", ["FGW"], "周文博", "市委常委、常务副市长"),
    "P4": ("WMB", ["WGL", "JYJ"], "许静", "市委常委、宣传部部长"),
    "P5": ("CGJ", ["ZJJ", "JJZD"], "马骏", "副市长"),
    "P6": ("STHJ", ["CGJ"], "马骏", "副市长"),
    "P7": ("JYJ", ["WMB", "SCJG", "GAJ"], "许静", "市委常委、宣传部部长"),
    "F1": ("SPJ", ["FGW"], "周文博", "市委常委、常务副市长"), "F2": ("GAJ", [], "韩立新", "副市长、市公安局局长"),
    "F3": ("ZJJ", ["GAJ"], "周文博", "市委常委、常务副市长"), "F4": ("STHJ", [], "马骏", "副市长"),
    "F5": ("SCJG", [], "周文博", "市委常委、常务副市长"), "F6": ("WJW", [], "刘红梅", "副市长"),
    "F7": ("CGJ", ["ZJJ"], "马骏", "副市长"), "F8": ("WMB", [], "许静", "市委常委、宣传部部长"),
    "F9": ("JYJ", ["GAJ"], "许静", "市委常委、宣传部部长"),
}
# Indicators led by another unit than their project's.
# The city-management branch of 桃城区 shares the street-scene contents, so the demo's 城管 logins have criteria.
INDICATOR_LEADS = {"P5.1": ("CGJ", ["ZJJ", "JJZD", "CGJ-131102"]), "P5.2": ("JJZD", ["JTJ", "GAJ"]),
                   "P5.3": ("ZJJ", ["CGJ"])}
# Criterion → (case categories, site types, radius in metres).
LINKS = {
    "P1.1.1": (["SJ0901"], ["hall"], None),
    "P3.1.2": (["SJ0902", "SJ0403"], ["market"], 300),
    "P4.1.1": (["SJ0203", "BJ0306"], [], None),
    "P4.2.1": (["SJ0904"], [], None),
    "P4.2.2": (["BJ0602"], ["practice_station"], None),
    "P5.1.1": (["SJ0101", "SJ0102", "SJ0401", "SJ0402", "SJ0201"], [], None),
    "P5.1.2": (["SJ0103", "SJ0108", "BJ0107"], ["alley"], None),
    "P5.1.3": (["SJ0403", "SJ0104"], ["market"], 300),
    "P5.2.1": (["SJ0404", "SJ0405"], [], None),
    "P5.2.2": (["BJ0204"], ["station"], 300),
    "P5.3.1": (["SJ0801", "SJ0802", "SJ0803"], ["compound"], None),
    "P5.3.2": (["SJ0105", "BJ0109"], ["toilet"], None),
    "P6.1.2": (["SJ0106", "BJ0302"], ["compound"], None),
    "P6.2.1": (["BJ0401", "BJ0402"], ["park"], None),
    "P7.1.1": (["SJ0701", "SJ0702", "SJ0703", "SJ0704"], ["school"], 200),
    "P7.1.2": (["SJ0903"], [], None),
    "N29": (["SJ0503"], [], None),
    "N30": (["SJ0504"], [], None),
    "N37": ([], ["school"], 200),
}


def office_account() -> Person:
    """The evaluation office's demo login (测评办), in the civilisation office (文明办)."""
    person = Person.objects.filter(username=OFFICE_USERNAME).first()
    unit = Unit.objects.filter(code="WMB").first() or Unit.objects.order_by("path").first()
    if person is None:
        person = Person.objects.create(username=OFFICE_USERNAME, display_name="市文明办测评办 林悦", unit=unit,
                                       is_staff=True, password=demo_password_hash())
    RoleAssignment.objects.get_or_create(person=person, role=Role.EVAL_OFFICE, unit=unit)
    return person


def _load(sheets: dict, *, actor, responsibility_for: Edition | None = None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo.xlsx"
        if responsibility_for is None:
            path.write_bytes(workbook_bytes(sheets))
            edition_import(path=path, actor=actor, file_name=f"{sheets['edition'][0]['code']}.xlsx")
        else:
            path.write_bytes(workbook_bytes(sheets, order=(RESPONSIBILITY,)))
            responsibility_import(path=path, edition=responsibility_for, actor=actor, file_name="责任分工-演示.xlsx")


def responsibility_rows(edition: Edition) -> list[dict]:
    """The demo city's 责任分工 sheet for an edition: lead and responsible units by project or field, the city
    leaders, and for the criteria with linked problems their categories, site types and the task force and tasks of
    the campaign action those categories mostly belong to."""
    units = set(Unit.objects.values_list("code", flat=True))
    rows = []
    for c in Criterion.objects.filter(edition=edition).select_related("domain", "indicator").order_by("kind", "sort"):
        lead, shared, leader, post = LEADS.get(c.domain.code, (None, [], "", ""))
        if c.indicator and c.indicator.code in INDICATOR_LEADS:
            lead, shared = INDICATOR_LEADS[c.indicator.code]
        categories, site_types, radius = LINKS.get(c.code, ([], [], None))
        force, tasks = _campaign_links(categories)
        rows.append({
            "code": c.code, "text": c.text[:60], "lead_unit": lead if lead in units else "",
            "responsible_units": "、".join(u for u in shared if u in units and u != lead),
            "leader_name": leader, "leader_post": post, "task_force": force, "tasks": "、".join(tasks),
            "categories": "、".join(categories), "site_types": "、".join(site_types), "radius_m": radius,
        })
    return rows


def _campaign_links(categories: list[str]) -> tuple[str, list[str]]:
    if not categories:
        return "", []
    actions = Counter(Action.objects.filter(categories__code__in=categories).values_list("pk", flat=True))
    if not actions:
        return "", []
    action_id = actions.most_common(1)[0][0]
    force = TaskForce.objects.filter(actions=action_id).order_by("pk").first()
    tasks = Task.objects.filter(action_id=action_id).order_by("sort", "code")
    # A task code is unique within its campaign only: name a task by code only where no other campaign uses it.
    codes = [t.code for t in tasks[:3] if Task.objects.filter(code=t.code).count() == 1]
    force_code = force.code if force and TaskForce.objects.filter(code=force.code).count() == 1 else ""
    return force_code, codes


def evaluation_demo_build() -> dict:
    """The evaluation office's login, the demo editions and the current one's responsibility matrix."""
    counts = {"editions": 0, "assigned": 0}
    with transaction.atomic():
        office = office_account()
        for year in YEARS:
            if not Edition.objects.filter(code=f"DEMO-{year}").exists():
                _load(demo_edition_sheets(year), actor=office)
                counts["editions"] += 1
        current = Edition.objects.get(code=CURRENT)
        if not Criterion.objects.filter(edition=current, lead_unit__isnull=False).exists():
            _load({"responsibility": responsibility_rows(current)}, actor=office, responsibility_for=current)
        if not Edition.objects.filter(is_current=True).exists():
            edition_make_current(edition_id=current.pk, actor=office)
        counts["assigned"] = Criterion.objects.filter(edition=current, lead_unit__isnull=False).count()
        counts["negative"] = Criterion.objects.filter(edition=current, kind=CriterionKind.NEGATIVE).count()
        counts["opinion"] = Criterion.objects.filter(edition=current, kind=CriterionKind.OPINION).count()
    return counts


def evaluation_work_demo_build() -> dict:
    """The work on the framework, after it is loaded: the negative-list plans and a first risk scan of the demo
    cases, the ledger's periods and entries with a closed 回头看 round (its measures when the campaign is loaded),
    and the online materials' window and requirements with uploads in every state. Each part leaves what is there."""
    current = Edition.objects.get(code=CURRENT)
    return {"risks": evaluation_risk_demo_build(), "ledger": evaluation_ledger_demo_build(),
            "materials": evaluation_materials_demo_build(edition=current, office=office_account())}
