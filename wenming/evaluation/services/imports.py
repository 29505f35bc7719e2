"""Editions of the framework, and the responsibility matrix, from an XLSX workbook (the form a city receives).

One sheet per kind of row (``SHEETS``; the headers are Chinese, English ones are accepted too). The whole
workbook is read and checked first; every problem is reported naming the sheet, the row and the column; then
either everything is written in one transaction or, on a dry run or any problem, nothing. An edition is never
overwritten: a changed text is a new edition, compared with the old one on the comparison page.

The 责任分工 sheet sets who answers for each criterion. It rides along with a new edition, or is imported alone
for an edition already loaded; a column left out of the sheet leaves that part as it is, an empty cell clears it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.campaign.models import Task, TaskForce
from wenming.cases.models import Category
from wenming.common.errors import WorkflowError
from wenming.common.services.audit import audit_event_record
from wenming.common.tabular_import import (
    ImportFailed,
    ImportReport,
    choice_lookup,
    read_workbook,
    sheet_where,
    stop_if_errors,
    table_rows,
)
from wenming.evaluation.models import (
    Clause,
    Criterion,
    CriterionKind,
    Domain,
    DomainKind,
    Edition,
    Indicator,
    Method,
)
from wenming.evaluation.services.responsibility import (
    MAX_RADIUS_M,
    Responsibility,
    responsibilities_write,
    responsibility_of,
)
from wenming.org.models import SiteType, Unit

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,31}$")
LIST_SPLIT = re.compile(r"[、,，;；\n]+")
METHOD_SPLIT = re.compile(r"[、,，;；/\s]+")
TEXT_LIMIT = 4000
NAME_LIMIT = 200
MAX_POINTS = Decimal("99999.99")


@dataclass(frozen=True)
class Sheet:
    key: str
    title: str  # the Chinese title the template uses
    english: str  # also accepted
    columns: tuple[tuple[str, str, str], ...]  # (key, Chinese header, English header)
    required: tuple[str, ...]

    def headers(self) -> list[str]:
        return [header for _key, header, _english in self.columns]

    def header(self, key: str) -> str:
        return next(header for k, header, _english in self.columns if k == key)


CODE_COL = ("code", "编码", "code")
POINTS_COL = ("points", "分值", "points")
EDITION = Sheet("edition", "版本", "edition", (
    ("code", "版本编码", "edition code"), ("name", "版本名称", "edition name"), ("year", "年份", "year"),
    ("demo", "演示版", "demo"), ("note", "说明", "note")), ("code", "name"))
PROJECTS = Sheet("projects", "测评项目", "projects", (
    CODE_COL, ("name", "测评项目", "project"), ("weight", "分值或权重", "weight")), ("code", "name"))
INDICATORS = Sheet("indicators", "指标", "indicators", (
    CODE_COL, ("domain", "测评项目编码", "project code"), ("name", "指标", "indicator"), POINTS_COL),
    ("code", "domain", "name"))
CONTENTS = Sheet("contents", "测评内容", "contents", (
    CODE_COL, ("indicator", "指标编码", "indicator code"), ("text", "测评内容", "content"), POINTS_COL),
    ("code", "indicator", "text"))
CLAUSES = Sheet("clauses", "测评标准", "standards", (
    ("criterion", "测评内容编码", "content code"), ("number", "序号", "number"), ("text", "测评标准", "standard"),
    ("methods", "测评方法", "methods"), ("method_note", "方法说明", "method details"), POINTS_COL),
    ("criterion", "number", "text"))
FIELDS = Sheet("fields", "领域", "fields", (CODE_COL, ("name", "领域", "field")), ("code", "name"))
NEGATIVE = Sheet("negative", "负面清单", "negative list", (
    CODE_COL, ("domain", "领域编码", "field code"), ("text", "负面清单事项", "item"), POINTS_COL),
    ("code", "domain", "text"))
OPINION = Sheet("opinion", "评价意见", "evaluation opinions", (
    CODE_COL, ("domain", "领域编码", "field code"), ("text", "评价意见事项", "item"), POINTS_COL),
    ("code", "domain", "text"))
RESPONSIBILITY = Sheet("responsibility", "责任分工", "responsibility", (
    CODE_COL, ("text", "内容（参考，不导入）", "text (not imported)"),
    ("lead_unit", "牵头单位", "lead unit"), ("responsible_units", "责任单位", "responsible units"),
    ("leader_name", "包联领导", "leader"), ("leader_post", "领导职务", "leader post"),
    ("task_force", "专班", "task force"), ("tasks", "关联任务", "tasks"),
    ("categories", "关联案件类别", "case categories"), ("site_types", "关联点位类型", "site types"),
    ("radius_m", "点位周边范围（米）", "radius (m)")), ("code",))
SHEETS = (EDITION, PROJECTS, INDICATORS, CONTENTS, CLAUSES, FIELDS, NEGATIVE, OPINION, RESPONSIBILITY)
EDITION_REQUIRED = (EDITION, PROJECTS, INDICATORS, CONTENTS, CLAUSES)
# The responsibility columns that set a part of it (the reference text is for the reader only).
RESPONSIBILITY_PARTS = {"lead_unit": "lead_unit_id", "responsible_units": "responsible_unit_ids",
                        "leader_name": "leader_name", "leader_post": "leader_post", "task_force": "task_force_id",
                        "tasks": "task_ids", "categories": "category_ids", "site_types": "site_type_ids",
                        "radius_m": "radius_m"}
YES = {"是", "yes", "y", "true", "1", "演示", "demo"}
NO = {"否", "no", "n", "false", "0", ""}
KIND_LABELS = {CriterionKind.CONTENT: gettext_lazy("content"), CriterionKind.NEGATIVE: gettext_lazy("negative-list item"),
               CriterionKind.OPINION: gettext_lazy("opinion item")}


class Rows:
    """A sheet's rows by key, with the sheet's name for the report and the headers the file had."""

    def __init__(self, sheet: Sheet, rows: list[tuple[int, dict[str, str]]], present: set[str]):
        self.sheet, self.rows, self.present = sheet, rows, present

    def where(self, number: int, code: str = "") -> str:
        return sheet_where(self.sheet.title, number, code)

    def error(self, report: ImportReport, number: int, key: str, message: str, code: str = "") -> None:
        column = _('column "%(column)s"') % {"column": self.sheet.header(key)}
        report.error(self.where(number, code), column, message)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def _sheets(path: Path, report: ImportReport, wanted: tuple[Sheet, ...], required: tuple[Sheet, ...]
            ) -> dict[str, Rows]:
    tables = read_workbook(path, report)
    if tables is None:
        return {}
    by_title = {title.lower(): table for title, table in tables.items()}
    found: dict[str, Rows] = {}
    for sheet in wanted:
        table = by_title.get(sheet.title) or by_title.get(sheet.english.lower())
        if not table:
            if sheet in required:
                report.error(path.name, _('sheet "%(sheet)s"') % {"sheet": sheet.title}, _("the sheet is missing"))
            continue
        aliases = {}
        for _key, header, english in sheet.columns:
            aliases[english] = header
            aliases[english.lower()] = header
        rows = table_rows(table, report, sheet.headers(), [sheet.header(k) for k in sheet.required], aliases,
                          where=lambda number, s=sheet: sheet_where(s.title, number))
        to_key = {header: key for key, header, _english in sheet.columns}
        present = set()
        for cell in table[0]:
            title = str(cell or "").strip()
            header = aliases.get(title, aliases.get(title.lower(), title))
            if header in to_key:
                present.add(to_key[header])
        found[sheet.key] = Rows(sheet, [(n, {to_key[h]: v for h, v in row.items()}) for n, row in rows], present)
    return found


# -- checking cells ----------------------------------------------------------------------------------------------

def _code(report, rows: Rows, number: int, value: str, key: str = "code") -> str:
    if not value:
        rows.error(report, number, key, _("missing"))
    elif not CODE.match(value):
        rows.error(report, number, key, _('"%(code)s" is not a code: up to 32 letters, digits, ".", "-" or "_", '
                                          'starting with a letter or digit') % {"code": value[:40]}, )
    return value


def _text(report, rows: Rows, number: int, key: str, value: str, limit: int, code: str = "") -> str:
    if len(value) > limit:
        rows.error(report, number, key, _("longer than %(limit)d characters") % {"limit": limit}, code)
    return value


def _decimal(report, rows: Rows, number: int, key: str, value: str, code: str = "") -> Decimal | None:
    if not value:
        return None
    try:
        amount = Decimal(value.replace("，", ".").rstrip("分%").strip())
    except InvalidOperation:
        rows.error(report, number, key, _('"%(value)s" is not a number') % {"value": value[:40]}, code)
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_POINTS:
        rows.error(report, number, key, _("must be between 0 and %(max)s") % {"max": MAX_POINTS}, code)
        return None
    return amount.quantize(Decimal("0.01"))


def _int(report, rows: Rows, number: int, key: str, value: str, low: int, high: int, code: str = "") -> int | None:
    if not value:
        return None
    if not re.fullmatch(r"\d{1,9}", value):
        rows.error(report, number, key, _('"%(value)s" is not a whole number') % {"value": value[:40]}, code)
        return None
    amount = int(value)
    if not low <= amount <= high:
        rows.error(report, number, key, _("must be between %(low)d and %(high)d") % {"low": low, "high": high}, code)
        return None
    return amount


def _unique(report, rows: Rows, seen: dict[str, str], number: int, code: str) -> None:
    """Codes are unique across an edition's sheets of the same level (criteria of every kind share one space)."""
    if not code:
        return
    if code in seen:
        rows.error(report, number, "code", _("the code %(code)s is used before (%(where)s)") % {
            "code": code, "where": seen[code]}, code)
    else:
        seen[code] = rows.where(number)


# -- the edition ---------------------------------------------------------------------------------------------------

@dataclass
class EditionPlan:
    """What the workbook holds once checked, ready to write."""

    code: str = ""
    name: str = ""
    year: int | None = None
    demo: bool = False
    note: str = ""
    domains: list[dict] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)
    criteria: list[dict] = field(default_factory=list)
    clauses: list[dict] = field(default_factory=list)
    responsibility: dict[str, Responsibility] = field(default_factory=dict)


def edition_import(*, path: Path, actor=None, dry_run: bool = False, file_name: str = "") -> ImportReport:
    """A new edition from its workbook (``SHEETS``), with its 责任分工 sheet if it has one. All or nothing."""
    path = Path(path)
    report = ImportReport(dry_run=dry_run)
    sheets = _sheets(path, report, SHEETS, EDITION_REQUIRED)
    stop_if_errors(report)
    plan = _edition_check(report, sheets)
    if "responsibility" in sheets:
        codes = {c["code"] for c in plan.criteria}
        plan.responsibility = _responsibility_check(report, sheets["responsibility"], codes)
    stop_if_errors(report)
    report.change(False, plan.code, plan.name)
    counts = {"domains": len(plan.domains), "indicators": len(plan.indicators), "criteria": len(plan.criteria),
              "clauses": len(plan.clauses)}
    for criterion in plan.criteria:
        report.change(False, criterion["code"], str(KIND_LABELS[criterion["kind"]]))
    if dry_run:
        return report
    with transaction.atomic():
        edition = _edition_write(plan, actor=actor, file_name=file_name or path.name)
        if plan.responsibility:
            ids = dict(Criterion.objects.filter(edition=edition).values_list("code", "id"))
            responsibilities_write(criteria={ids[code]: value for code, value in plan.responsibility.items()},
                                   actor=actor, note=_("Imported with the edition from %(file)s") % {
                                       "file": file_name or path.name})
        audit_event_record(actor=actor, action="import.evaluation_edition",
                           summary=f"{file_name or path.name}: {plan.code} {report.summary()}",
                           data={"file": file_name or path.name, "edition": plan.code, **counts})
    return report


def _edition_check(report: ImportReport, sheets: dict[str, Rows]) -> EditionPlan:
    plan = EditionPlan()
    edition_rows = sheets["edition"]
    if len(edition_rows) != 1:
        report.error(sheet_where(EDITION.title, 2), _('sheet "%(sheet)s"') % {"sheet": EDITION.title},
                     _("needs exactly one row: the edition's code and name"))
    for number, row in list(edition_rows)[:1]:
        plan.code = _code(report, edition_rows, number, row["code"])
        if plan.code and Edition.objects.filter(code=plan.code).exists():
            edition_rows.error(report, number, "code", _("an edition with the code %(code)s is loaded already: an "
                                                         "edition is never overwritten, give this one its own code") % {
                "code": plan.code})
        plan.name = _text(report, edition_rows, number, "name", row["name"], NAME_LIMIT)
        if not plan.name:
            edition_rows.error(report, number, "name", _("missing"))
        plan.year = _int(report, edition_rows, number, "year", row["year"], 1990, 2100)
        if row["demo"].lower() in YES:
            plan.demo = True
        elif row["demo"].lower() not in NO:
            edition_rows.error(report, number, "demo", _('write 是 or 否, not "%(value)s"') % {"value": row["demo"][:20]})
        plan.note = _text(report, edition_rows, number, "note", row["note"], TEXT_LIMIT)

    domain_codes: dict[str, str] = {}
    project_codes, field_codes = set(), set()
    for sheet_key, kind, codes in (("projects", DomainKind.PROJECT, project_codes), ("fields", DomainKind.FIELD, field_codes)):
        rows = sheets.get(sheet_key)
        for sort, (number, row) in enumerate(rows or []):
            code = _code(report, rows, number, row["code"])
            _unique(report, rows, domain_codes, number, code)
            _text(report, rows, number, "name", row["name"], NAME_LIMIT, code)
            weight = _decimal(report, rows, number, "weight", row.get("weight", ""), code)
            codes.add(code)
            plan.domains.append({"kind": kind, "code": code, "name": row["name"], "weight": weight, "sort": sort})

    indicator_codes: dict[str, str] = {}
    rows = sheets["indicators"]
    for sort, (number, row) in enumerate(rows):
        code = _code(report, rows, number, row["code"])
        _unique(report, rows, indicator_codes, number, code)
        if row["domain"] and row["domain"] not in project_codes:
            rows.error(report, number, "domain", _('no 测评项目 has the code "%(code)s" in the sheet "%(sheet)s"') % {
                "code": row["domain"][:40], "sheet": PROJECTS.title}, code)
        _text(report, rows, number, "name", row["name"], NAME_LIMIT, code)
        points = _decimal(report, rows, number, "points", row["points"], code)
        plan.indicators.append({"code": code, "domain": row["domain"], "name": row["name"], "points": points,
                                "sort": sort})

    criterion_codes: dict[str, str] = {}
    for sheet_key, kind in (("contents", CriterionKind.CONTENT), ("negative", CriterionKind.NEGATIVE),
                            ("opinion", CriterionKind.OPINION)):
        rows = sheets.get(sheet_key)
        for sort, (number, row) in enumerate(rows or []):
            code = _code(report, rows, number, row["code"])
            _unique(report, rows, criterion_codes, number, code)
            parent_key = "indicator" if kind == CriterionKind.CONTENT else "domain"
            parent = row[parent_key]
            if kind == CriterionKind.CONTENT and parent and parent not in indicator_codes:
                rows.error(report, number, parent_key, _('no 指标 has the code "%(code)s" in the sheet "%(sheet)s"') % {
                    "code": parent[:40], "sheet": INDICATORS.title}, code)
            if kind != CriterionKind.CONTENT and parent and parent not in field_codes:
                rows.error(report, number, parent_key, _('no 领域 has the code "%(code)s" in the sheet "%(sheet)s"') % {
                    "code": parent[:40], "sheet": FIELDS.title}, code)
            _text(report, rows, number, "text", row["text"], TEXT_LIMIT, code)
            points = _decimal(report, rows, number, "points", row["points"], code)
            plan.criteria.append({"kind": kind, "code": code, "parent": parent, "text": row["text"], "points": points,
                                  "sort": sort})

    methods = choice_lookup(Method)
    numbers: dict[tuple[str, int], int] = {}
    rows = sheets["clauses"]
    for number, row in rows:
        code = row["criterion"]
        if code and code not in criterion_codes:
            rows.error(report, number, "criterion", _('no criterion has the code "%(code)s" in this workbook') % {
                "code": code[:40]})
        clause_number = _int(report, rows, number, "number", row["number"], 1, 999, code)
        if clause_number is not None and (code, clause_number) in numbers:
            rows.error(report, number, "number", _("clause %(number)d of %(code)s is already on row %(row)d") % {
                "number": clause_number, "code": code, "row": numbers[(code, clause_number)]}, code)
        elif clause_number is not None:
            numbers[(code, clause_number)] = number
        _text(report, rows, number, "text", row["text"], TEXT_LIMIT, code)
        _text(report, rows, number, "method_note", row["method_note"], 200, code)
        chosen: list[str] = []
        for word in (w for w in METHOD_SPLIT.split(row["methods"]) if w):
            method = methods.get(word.lower())
            if method is None:
                rows.error(report, number, "methods", _('unknown evaluation method "%(method)s" (known: %(known)s)') % {
                    "method": word[:20], "known": "、".join(str(label) for label in _method_names())}, code)
            elif method not in chosen:
                chosen.append(method)
        points = _decimal(report, rows, number, "points", row["points"], code)
        plan.clauses.append({"criterion": code, "number": clause_number, "text": row["text"],
                             "methods": sorted(chosen, key=list(Method.values).index),
                             "method_note": row["method_note"], "points": points})
    return plan


def _method_names() -> list[str]:
    names = []
    for label in Method.labels:
        found = re.search(r"[(（]([^()（）]+)[)）]\s*$", str(label))
        names.append(found.group(1) if found else str(label))
    return names


def _edition_write(plan: EditionPlan, *, actor, file_name: str) -> Edition:
    edition = Edition.objects.create(code=plan.code, name=plan.name, year=plan.year, is_demo=plan.demo,
                                     note=plan.note, file_name=file_name[:200], imported_by=actor)
    domains = Domain.objects.bulk_create([Domain(edition=edition, **d) for d in plan.domains])
    domain_ids = {d.code: d.pk for d in domains}
    indicators = Indicator.objects.bulk_create([
        Indicator(edition=edition, domain_id=domain_ids[i["domain"]], code=i["code"], name=i["name"],
                  points=i["points"], sort=i["sort"]) for i in plan.indicators])
    indicator_by_code = {i.code: i for i in indicators}
    criteria = []
    for c in plan.criteria:
        if c["kind"] == CriterionKind.CONTENT:
            indicator = indicator_by_code[c["parent"]]
            domain_id, indicator_id = indicator.domain_id, indicator.pk
        else:
            domain_id, indicator_id = domain_ids[c["parent"]], None
        criteria.append(Criterion(edition=edition, kind=c["kind"], domain_id=domain_id, indicator_id=indicator_id,
                                  code=c["code"], text=c["text"], points=c["points"], sort=c["sort"]))
    criteria = Criterion.objects.bulk_create(criteria, batch_size=500)
    criterion_ids = {c.code: c.pk for c in criteria}
    Clause.objects.bulk_create([
        Clause(criterion_id=criterion_ids[c["criterion"]], number=c["number"], text=c["text"], methods=c["methods"],
               method_note=c["method_note"], points=c["points"]) for c in plan.clauses], batch_size=500)
    return edition


# -- the responsibility matrix ---------------------------------------------------------------------------------

class _Lookup:
    """Rows found by code or by exact name. A code two rows share (task codes are unique per campaign only) or a
    name two rows share is ambiguous and refused."""

    AMBIGUOUS = -1

    def __init__(self, triples):
        self.by_code: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        for pk, code, name in triples:
            for table, key in ((self.by_code, code.lower()), (self.by_name, name)):
                table[key] = pk if table.get(key, pk) == pk else self.AMBIGUOUS

    def find(self, word: str) -> int | None:
        found = self.by_code.get(word.lower())
        return self.by_name.get(word) if found is None else found


def _lookups() -> dict[str, _Lookup]:
    return {
        "units": _Lookup(Unit.objects.values_list("id", "code", "name")),
        "task_force": _Lookup(TaskForce.objects.values_list("id", "code", "name")),
        "tasks": _Lookup(Task.objects.values_list("id", "code", "title")),
        "categories": _Lookup(Category.objects.values_list("id", "code", "name")),
        "site_types": _Lookup(SiteType.objects.values_list("id", "code", "name")),
    }


def _responsibility_check(report: ImportReport, rows: Rows, codes: set[str]) -> dict[str, Responsibility]:
    """Each row's responsibility by criterion code; the parts set are the columns the sheet has."""
    found = _lookups()
    names = {"units": _("unit"), "task_force": _("task force"), "tasks": _("campaign task"),
             "categories": _("case category"), "site_types": _("site type")}
    parts = frozenset(RESPONSIBILITY_PARTS[key] for key in rows.present if key in RESPONSIBILITY_PARTS)
    out: dict[str, Responsibility] = {}
    first: dict[str, int] = {}

    def one(number, key, lookup, word, code):
        if not word:
            return None
        pk = found[lookup].find(word)
        if pk is None:
            rows.error(report, number, key, _('no %(what)s has the code or name "%(word)s"') % {
                "what": names[lookup], "word": word[:60]}, code)
            return None
        if pk == _Lookup.AMBIGUOUS:
            rows.error(report, number, key, _('"%(word)s" names more than one %(what)s: use its code') % {
                "word": word[:60], "what": names[lookup]}, code)
            return None
        return pk

    def many(number, key, lookup, cell, code):
        ids = set()
        for word in (w.strip() for w in LIST_SPLIT.split(cell) if w.strip()):
            pk = one(number, key, lookup, word, code)
            if pk is not None:
                ids.add(pk)
        return frozenset(ids)

    for number, row in rows:
        code = row["code"]
        if not code:
            rows.error(report, number, "code", _("missing"))
            continue
        if code not in codes:
            rows.error(report, number, "code", _('no criterion has the code "%(code)s" in this edition') % {
                "code": code[:40]}, code)
            continue
        if code in first:
            rows.error(report, number, "code", _("appears twice in the sheet (first on row %(number)d)") % {
                "number": first[code]}, code)
            continue
        first[code] = number
        lead = one(number, "lead_unit", "units", row["lead_unit"].strip(), code)
        value = Responsibility(
            lead_unit_id=lead,
            responsible_unit_ids=many(number, "responsible_units", "units", row["responsible_units"], code) - {lead},
            leader_name=_text(report, rows, number, "leader_name", row["leader_name"], 50, code),
            leader_post=_text(report, rows, number, "leader_post", row["leader_post"], 100, code),
            task_force_id=one(number, "task_force", "task_force", row["task_force"].strip(), code),
            task_ids=many(number, "tasks", "tasks", row["tasks"], code),
            category_ids=many(number, "categories", "categories", row["categories"], code),
            site_type_ids=many(number, "site_types", "site_types", row["site_types"], code),
            radius_m=_int(report, rows, number, "radius_m", row["radius_m"], 0, MAX_RADIUS_M, code),
            fields=parts,
        )
        out[code] = value
    return out


def responsibility_import(*, path: Path, edition: Edition, actor=None, dry_run: bool = False,
                          file_name: str = "") -> ImportReport:
    """Who answers for the criteria of a loaded edition, from the 责任分工 sheet. All or nothing."""
    path = Path(path)
    report = ImportReport(dry_run=dry_run)
    sheets = _sheets(path, report, (RESPONSIBILITY,), (RESPONSIBILITY,))
    stop_if_errors(report)
    criteria = {c.code: c for c in Criterion.objects.filter(edition=edition).prefetch_related(
        "responsible_units", "tasks", "categories", "site_types")}
    values = _responsibility_check(report, sheets["responsibility"], set(criteria))
    stop_if_errors(report)
    from_file = file_name or path.name
    changed = {}
    for code, value in values.items():
        criterion = criteria[code]
        current = responsibility_of(criterion)
        merged = {name: getattr(value if name in value.fields else current, name) for name in Responsibility.PARTS}
        if Responsibility(**merged) != current:
            changed[criterion.pk] = value
            report.change(True, code, criterion.text[:30])
    if dry_run:
        return report
    try:
        with transaction.atomic():
            responsibilities_write(criteria=changed, actor=actor, note=_("Imported from %(file)s") % {"file": from_file},
                                   now=timezone.now())
            audit_event_record(actor=actor, action="import.evaluation_responsibility",
                               summary=f"{from_file}: {edition.code} {report.summary()}",
                               data={"file": from_file, "edition": edition.code, "updated": report.updated})
    except WorkflowError as exc:  # a rule of the one writer (responsibility_check): nothing was written
        report.error(from_file, _("file"), str(exc))
        raise ImportFailed(report) from exc
    return report
