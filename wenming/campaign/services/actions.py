"""The campaign, its actions and their tasks, from the data file that transcribes the Hengshui article."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from wenming.campaign.models import Action, Campaign, Task
from wenming.common.services.audit import audit_event_record

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "data" / "hengshui_actions.json"


def _date(value):
    return dt.date.fromisoformat(value) if value else None


def campaign_load(*, path: Path = DEFAULT_FILE, actor=None) -> Campaign:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    info = data["campaign"]
    with transaction.atomic():
        campaign, _ = Campaign.objects.update_or_create(
            code=info["code"],
            defaults={"name": info["name"], "starts_on": _date(info.get("starts_on")), "ends_on": _date(info.get("ends_on"))},
        )
        tasks = 0
        for sort, action in enumerate(data["actions"]):
            row, _ = Action.objects.update_or_create(
                campaign=campaign,
                code=action["code"],
                defaults={"name": action["name"], "kind": action["kind"], "summary": action.get("summary", ""), "sort": sort},
            )
            for t_sort, task in enumerate(action.get("tasks", [])):
                _task_load(campaign, row, task, t_sort)
                tasks += 1
        audit_event_record(actor=actor, action="campaign.load",
                           summary=f"{campaign.name}: {len(data['actions'])} actions, {tasks} tasks")
    return campaign


def _task_load(campaign: Campaign, action: Action, task: dict, sort: int) -> Task:
    kind = task.get("target", "done")
    value = Decimal(str(task.get("value", 1 if kind == "done" else 100)))
    row, _ = Task.objects.update_or_create(
        campaign=campaign,
        code=task["code"],
        defaults={
            "action": action, "title": task["title"], "scope": task.get("scope", ""),
            "scope_radius_m": task.get("radius_m"), "scope_site_types": task.get("near", []),
            "starts_on": _date(task.get("starts_on")) or campaign.starts_on or dt.date(2022, 1, 1),
            "due_on": _date(task.get("due")), "target_kind": kind, "target_value": value,
            "target_per": task.get("per", ""), "unit_label": task.get("unit_label", ""),
            "measure": task.get("measure", "reported"), "measure_source": task.get("source", ""), "sort": sort,
            # The target list's rule and the kinds of site it lists or counts (campaign.services.targets).
            "target_rule": task.get("rule", ""), "target_site_types": task.get("targets", []),
        },
    )
    return row
