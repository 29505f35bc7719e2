"""The campaign's demo step: the article's 19 task forces (创建专班), one per action, with demo units and people.

The article says Hengshui set up 19 task forces; it does not name them or their units, so the demo gives
each action its own task force, led by the department that would plausibly lead it in the demo city.
"""

from __future__ import annotations

from django.db import transaction

from wenming.campaign.models import Campaign, Task, TaskForce
from wenming.common.roles import UNIT_ROLES, Role
from wenming.common.services.audit import audit_event_record
from wenming.org.services.demo import demo_password_hash

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
    from wenming.org.models import Area, Site

    streets = Area.objects.filter(level="street")
    townships = streets.filter(name__regex=r"(镇|乡)$").count() or streets.count()
    places = Site.objects.filter(site_type__code__in=PLACE_SITE_TYPES, is_active=True).count()
    for task in Task.objects.filter(campaign=campaign, target_kind="count"):
        task.target_areas = max(1, townships if task.target_per == "township" else places if task.target_per == "place" else 1)
        task.save(update_fields=["target_areas", "updated_at"])


def campaign_demo_build(*, campaign_code: str = "HS-2022") -> dict:
    """Task forces, lead and cooperating units and leaders for the demo city. Idempotent."""
    from wenming.org.models import Person, RoleAssignment, Unit

    campaign = Campaign.objects.get(code=campaign_code)
    units = {u.code: u for u in Unit.objects.all()}
    counts = {"task_forces": 0, "tasks": 0, "leaders": 0}
    with transaction.atomic():
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
        audit_event_record(action="campaign.demo", summary=f"{counts['task_forces']} task forces", data=counts)
    return counts
