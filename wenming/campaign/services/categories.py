"""Loading a category table (code list, time limits, action tags) from a data file.

It lives in campaign, not cases, because it links each category to the campaign actions it names (cases does not
import campaign); the shipped table stays with cases' data."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from django.db import transaction

import wenming.cases
from wenming.campaign.models import Action
from wenming.cases.models import Category, Stage, TimeLimit, TimeUnit, Urgency
from wenming.common.services.audit import audit_event_record

DEFAULT_FILE = Path(wenming.cases.__file__).resolve().parent / "data" / "categories.json"
STAGES = [Stage.REGISTER, Stage.DISPATCH, Stage.HANDLE, Stage.VERIFY]


class CategoryDataError(ValueError):
    pass


def _time_limits(spec: dict, defaults: dict) -> list[tuple[str, str, Decimal, str]]:
    limits = []
    handle_amount, handle_unit = spec["handle"]
    for urgency in Urgency.values:
        conf = defaults.get(urgency, {})
        for stage in STAGES:
            if stage == Stage.HANDLE:
                if "handle" in conf:
                    amount, unit = conf["handle"]
                else:
                    amount, unit = handle_amount * conf.get("handle_factor", 1), handle_unit
            else:
                amount, unit = conf[stage]
            limits.append((urgency, stage, Decimal(str(amount)).quantize(Decimal("0.01")), unit))
    return limits


def _valid_limit(spec) -> bool:
    """[amount, unit] with a positive number and a known unit."""
    if not isinstance(spec, list | tuple) or len(spec) != 2:
        return False
    amount, unit = spec
    return isinstance(amount, int | float) and not isinstance(amount, bool) and amount > 0 and unit in TimeUnit.values


def categories_load(*, path: Path = DEFAULT_FILE, campaign_code: str | None = None, actor=None) -> dict:
    """Create or update every category of the file, its time limits and action tags, in one transaction."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CategoryDataError(f"{path}: {exc}") from exc
    defaults = data.get("defaults", {})
    actions = Action.objects.all()
    if campaign_code:
        actions = actions.filter(campaign__code=campaign_code)
    action_by_code = {a.code: a for a in actions}
    errors = []
    for urgency in Urgency.values:
        conf = defaults.get(urgency, {})
        for stage in STAGES:
            if stage != Stage.HANDLE and not _valid_limit(conf.get(stage)):
                errors.append(f"defaults.{urgency}.{stage} must be [amount, unit]")
        if "handle" in conf and not _valid_limit(conf["handle"]):
            errors.append(f"defaults.{urgency}.handle must be [amount, unit]")
    for major in data["classes"]:
        for child in major["children"]:
            for code in child.get("actions", []):
                if code not in action_by_code:
                    errors.append(f"{child['code']}: unknown action {code}")
            if not _valid_limit(child.get("handle")):
                errors.append(f"{child['code']}: handle must be [amount, unit]")
    if errors:
        raise CategoryDataError("; ".join(errors))

    counts = {"categories": 0, "time_limits": 0}
    with transaction.atomic():
        by_code = {}
        for sort, major in enumerate(data["classes"]):
            parent, _ = Category.objects.update_or_create(
                code=major["code"], defaults={"name": major["name"], "kind": major["kind"], "parent": None, "sort": sort}
            )
            by_code[parent.code] = parent
            counts["categories"] += 1
            for child_sort, child in enumerate(major["children"]):
                category, _ = Category.objects.update_or_create(
                    code=child["code"],
                    defaults={
                        "name": child["name"],
                        "kind": major["kind"],
                        "parent": parent,
                        "plain_name": child.get("plain", ""),
                        "facility_radius_m": child.get("facility", 0),
                        "local_duty": child.get("local_duty", True),
                        "storefront_duty": child.get("storefront", False),
                        "register_condition": child.get("register", ""),
                        "close_condition": child.get("close", ""),
                        "sort": child_sort,
                    },
                )
                by_code[category.code] = category
                counts["categories"] += 1
                category.actions.set([action_by_code[c] for c in child.get("actions", [])])
                for urgency, stage, amount, unit in _time_limits(child, defaults):
                    TimeLimit.objects.update_or_create(
                        category=category, urgency=urgency, stage=stage, defaults={"amount": amount, "unit": unit}
                    )
                    counts["time_limits"] += 1
        for major in data["classes"]:
            for child in major["children"]:
                if "facility_classes" in child:
                    missing = [c for c in child["facility_classes"] if c not in by_code]
                    if missing:
                        raise CategoryDataError(f"{child['code']}: unknown facility classes {', '.join(missing)}")
                    by_code[child["code"]].facility_classes.set([by_code[c] for c in child["facility_classes"]])
        audit_event_record(actor=actor, action="categories.load", summary=f"{path.name}: {counts}", data=counts)
    return counts
