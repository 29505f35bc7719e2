"""The demo's negative-list risk control (负面清单 风险管控): a plan (预案) for each negative-list item of the current
demo edition, the links the demo responsibility sheet leaves out (case categories, site types such as schools, a
radius), and a few risk records from the demo cases by running the scan. Made up for the demo city; idempotent.
Called by ``evaluation.evaluation_demo_build`` once the editions and the responsibility matrix are there."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from wenming.cases.models import Category
from wenming.evaluation.models import Criterion, CriterionKind, Edition, RiskPlan, RiskRecord
from wenming.evaluation.services.responsibility import Responsibility, criterion_responsibility_set
from wenming.evaluation.services.risk import Contact, linked_categories_invalidate, risk_plan_save, risks_scan
from wenming.org.models import Person, SiteType

# Negative-list item → (case categories, site types, radius in metres), set only where the item has none.
RISK_LINKS = {
    "N32": (["SJ0101", "SJ0102", "SJ0103", "SJ0401"], ["school", "market", "station"], 300),
    "N37": (["SJ0701", "SJ0702", "SJ0703", "SJ0704"], ["school"], 200),
    "N38": (["SJ0701", "SJ0702"], ["school"], 200),
}
CONTACTS = [("值班室", "0318-2100000", "24小时值班"), ("分管负责人", "13800000000", "分管副职")]


def _links(edition: Edition, office: Person) -> int:
    changed = 0
    for code, (categories, site_types, radius) in RISK_LINKS.items():
        criterion = Criterion.objects.filter(edition=edition, code=code).first()
        if criterion is None:
            continue
        fields = set()
        value = {}
        if not criterion.categories.exists():
            value["category_ids"] = frozenset(Category.objects.filter(code__in=categories).values_list("pk", flat=True))
            fields.add("category_ids")
        if not criterion.site_types.exists():
            value["site_type_ids"] = frozenset(SiteType.objects.filter(code__in=site_types).values_list("pk", flat=True))
            fields.add("site_type_ids")
        if criterion.radius_m is None:
            value["radius_m"] = radius
            fields.add("radius_m")
        if fields:
            criterion_responsibility_set(criterion_id=criterion.pk, actor=office, expected_version=criterion.version,
                                         value=Responsibility(**value, fields=frozenset(fields)),
                                         note="演示：负面清单风险监测关联")
            changed += 1
    linked_categories_invalidate()
    return changed


def _plans(edition: Edition, office: Person, today: dt.date) -> int:
    made = 0
    items = Criterion.objects.filter(edition=edition, kind=CriterionKind.NEGATIVE).select_related("lead_unit")
    for n, criterion in enumerate(items.order_by("sort", "code")):
        if RiskPlan.objects.filter(criterion=criterion).exists():
            continue
        owner = criterion.lead_unit
        unit_name = owner.name if owner else "牵头单位"
        # A few reviews fall due soon, one is overdue: the reminders have something to say.
        next_review = today + dt.timedelta(days=3 if n < 3 else -2 if n == 3 else 30 + n)
        risk_plan_save(
            criterion_id=criterion.pk, actor=office, expected_revision=0,
            triggers=f"出现“{criterion.text}”的苗头或相关投诉、舆情；关联问题在测评点位周边集中出现；"
                     "关联案件超期或被黄牌、红牌督办。",
            measures=f"1. {unit_name}接报后立即核实，30分钟内报告市创城指挥部；\n"
                     "2. 启动现场处置，落实专人盯守，24小时内报告处置进展；\n"
                     "3. 涉及舆情的同步报网信部门，统一口径回应；\n4. 处置完毕后提交佐证材料，形成闭环。",
            owner_unit_ids=[owner.pk] if owner else [],
            contacts=[Contact(f"{unit_name}{name}", phone, post) for name, phone, post in CONTACTS],
            review_cycle_days=90, next_review_on=next_review, note="演示数据")
        made += 1
    return made


def evaluation_risk_demo_build(*, now: dt.datetime | None = None) -> dict:
    """Plans, links and a first scan of the demo cases, for the current demo edition. Idempotent."""
    now = now or timezone.now()
    edition = Edition.objects.filter(is_current=True).first()
    office = Person.objects.filter(username="ceping").first()
    if edition is None or office is None:
        return {"plans": 0, "links": 0, "records": 0}
    with transaction.atomic():
        links = _links(edition, office)
        plans = _plans(edition, office, timezone.localdate(now))
    scan = risks_scan(now=now)
    return {"plans": plans, "links": links, "records": RiskRecord.objects.count(), **scan}
