"""Inspection schemes: import a checklist (XLSX or CSV, dry run, every row's problems named), one new version per
site type in the file. A version once made is never changed: rounds keep the versions they were planned with."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from wenming.cases.models import Category
from wenming.common.errors import NotAllowed
from wenming.common.tabular_import import (
    ImportReport,
    check_length,
    read_rows,
    row_where,
    stop_if_errors,
)
from wenming.evaluation.models import Clause
from wenming.inspections.models import Scheme, SchemeItem
from wenming.inspections.services.actions import can_plan
from wenming.org.models import SiteType

COLUMNS = ["site_type", "scheme_name", "code", "text", "clause", "category", "weight", "sampling_rule",
           "distance_m", "min_count"]
REQUIRED = ["site_type", "code", "text", "category"]
# The Chinese headers of the office's template, and other spellings.
ALIASES = {
    "点位类型": "site_type", "方案名称": "scheme_name", "编号": "code", "检查项目": "text", "检查内容": "text",
    "测评标准": "clause", "问题类别": "category", "案件类别": "category", "权重": "weight", "抽样规则": "sampling_rule",
    "步行距离(米)": "distance_m", "步行距离（米）": "distance_m", "最少数量": "min_count",
}
MAX_WEIGHT = Decimal("1000")


@dataclass
class SchemeImport:
    report: ImportReport
    schemes: list[Scheme] = field(default_factory=list)


def _clause_index() -> dict[str, int]:
    """Clauses of the current edition by "criterion code-number" (as the framework pages print them)."""
    rows = Clause.objects.filter(criterion__edition__is_current=True).values_list("pk", "criterion__code", "number")
    return {f"{code}-{number}": pk for pk, code, number in rows}


def _number(report, where, name, text, *, decimal=False):
    if not text:
        return None
    try:
        value = Decimal(text) if decimal else int(text)
    except (InvalidOperation, ValueError):
        report.error(where, name, _("not a number: %(value)s") % {"value": text[:30]})
        return None
    if value < 0 or (decimal and (not value.is_finite() or value > MAX_WEIGHT)) or (not decimal and value > 100000):
        report.error(where, name, _("out of range: %(value)s") % {"value": text[:30]})
        return None
    return value


def scheme_import(*, path: Path, actor, dry_run: bool = False, note: str = "") -> SchemeImport:
    """Read a checklist file and make a new scheme version for each site type in it (all or nothing).

    Each row: site type (code or name), item code, text, the 测评标准 clause ("P5.1.2-1", of the current edition;
    optional), the case category (code), weight (default 1), the sampling rule and its numbers (optional)."""
    if not can_plan(actor):
        raise NotAllowed(_("Only the inspection planners import schemes."))
    report = ImportReport(dry_run=dry_run)
    rows = read_rows(path, report, COLUMNS, REQUIRED, ALIASES)
    types = {t.code.lower(): t for t in SiteType.objects.all()}
    types.update({t.name.lower(): t for t in types.copy().values()})
    categories = {c.code: c for c in Category.objects.filter(is_active=True)} if rows else {}
    clauses = _clause_index() if rows else {}
    by_type: dict[int, tuple[SiteType, str, list[SchemeItem]]] = {}
    seen: set[tuple[int, str]] = set()
    for number, row in rows:
        where = row_where(number, row["code"])
        site_type = types.get(row["site_type"].lower())
        if site_type is None:
            report.error(where, "site_type", _("no such site type: %(value)s") % {"value": row["site_type"][:30]})
            continue
        for name, limit in (("code", 40), ("text", 300), ("sampling_rule", 200), ("scheme_name", 100)):
            check_length(report, where, name, row[name], limit)
        if (site_type.pk, row["code"]) in seen:
            report.error(where, "code", _("the code appears twice for this site type"))
        seen.add((site_type.pk, row["code"]))
        category = categories.get(row["category"])
        if category is None:
            report.error(where, "category", _("no such case category: %(value)s") % {"value": row["category"][:30]})
        clause_id = None
        if row["clause"]:
            clause_id = clauses.get(row["clause"])
            if clause_id is None:
                report.error(where, "clause", _("no such clause in the current edition: %(value)s")
                             % {"value": row["clause"][:30]})
        weight = _number(report, where, "weight", row["weight"], decimal=True)
        if weight is not None and weight <= 0:
            report.error(where, "weight", _("must be more than 0"))
        distance = _number(report, where, "distance_m", row["distance_m"])
        count = _number(report, where, "min_count", row["min_count"])
        entry = by_type.setdefault(site_type.pk, (site_type, row["scheme_name"], []))
        entry[2].append(SchemeItem(
            code=row["code"], text=row["text"], clause_id=clause_id, category=category,
            weight=weight if weight is not None else Decimal(1), sampling_rule=row["sampling_rule"],
            sampling_distance_m=distance, sampling_min_count=count, sort=len(entry[2]),
        ))
    if rows and not by_type and not report.errors:
        report.error(path.name, _("file"), _("no rows"))
    stop_if_errors(report)
    result = SchemeImport(report=report)
    with transaction.atomic():
        # Two imports at once queue on the site types' rows, so each version number is taken once.
        list(SiteType.objects.select_for_update().filter(pk__in=by_type).values_list("pk", flat=True))
        latest = dict(Scheme.objects.filter(site_type_id__in=by_type).values("site_type")
                      .annotate(v=Max("version")).values_list("site_type", "v"))
        for type_id, (site_type, name, items) in by_type.items():
            version = (latest.get(type_id) or 0) + 1
            label = _("%(type)s checklist") % {"type": site_type.name}
            report.change(False, f"{site_type.code} v{version}", f"{name or label} ({len(items)})")
            if dry_run:
                continue
            scheme = Scheme.objects.create(site_type=site_type, version=version, name=name or label, note=note,
                                           created_by=actor)
            for item in items:
                item.scheme = scheme
            SchemeItem.objects.bulk_create(items)
            result.schemes.append(scheme)
    return result


def schemes_current() -> list[Scheme]:
    """The newest version of each site type's scheme."""
    latest = Scheme.objects.values("site_type").annotate(v=Max("version")).values_list("site_type", "v")
    wanted = {(t, v) for t, v in latest}
    return [s for s in Scheme.objects.select_related("site_type").order_by("site_type__sort")
            if (s.site_type_id, s.version) in wanted]
