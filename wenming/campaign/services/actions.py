"""The campaign and its actions, from the data file that transcribes the Hengshui article."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.db import transaction

from wenming.campaign.models import Action, Campaign
from wenming.common.services.audit import audit_event_record

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "data" / "hengshui_actions.json"


def campaign_load(*, path: Path = DEFAULT_FILE, actor=None) -> Campaign:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    info = data["campaign"]
    with transaction.atomic():
        campaign, _ = Campaign.objects.update_or_create(
            code=info["code"],
            defaults={
                "name": info["name"],
                "starts_on": dt.date.fromisoformat(info["starts_on"]) if info.get("starts_on") else None,
                "ends_on": dt.date.fromisoformat(info["ends_on"]) if info.get("ends_on") else None,
            },
        )
        for sort, action in enumerate(data["actions"]):
            Action.objects.update_or_create(
                campaign=campaign,
                code=action["code"],
                defaults={"name": action["name"], "kind": action["kind"], "summary": action.get("summary", ""), "sort": sort},
            )
        audit_event_record(actor=actor, action="campaign.load", summary=f"{campaign.name}: {len(data['actions'])} actions")
    return campaign
