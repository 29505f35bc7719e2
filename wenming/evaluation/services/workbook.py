"""Writing the framework's workbooks: an edition in the layout its import reads (so a downloaded edition, its
责任分工 filled in, goes straight back in), the demo edition, and the comparison of two editions."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from wenming.common.tabular import xlsx_row
from wenming.evaluation.models import Criterion, CriterionKind, Domain, DomainKind, Edition, Indicator, Method
from wenming.evaluation.services.imports import SHEETS, Sheet

WIDE = {"text": 60, "name": 30, "note": 40, "responsible_units": 30, "tasks": 24, "categories": 24, "site_types": 20,
        "methods": 22, "method_note": 20}


def workbook_bytes(sheets: dict[str, list[dict]], order: tuple[Sheet, ...] = SHEETS) -> bytes:
    """Rows by sheet key written in the import's layout: Chinese headers, one sheet per kind, formula-safe text."""
    book = Workbook(write_only=True)
    for sheet in order:
        if sheet.key not in sheets:
            continue
        ws = book.create_sheet(sheet.title)
        for position, (key, _header, _english) in enumerate(sheet.columns):
            ws.column_dimensions[chr(ord("A") + position)].width = WIDE.get(key, 14)
        ws.append(xlsx_row(ws, sheet.headers()))
        for row in sheets[sheet.key]:
            ws.append(xlsx_row(ws, [row.get(key, "") for key, _header, _english in sheet.columns]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _method_word(value: str) -> str:
    label = str(Method(value).label)
    return label[label.rfind("(") + 1:-1] if label.endswith(")") else label


def edition_sheets(edition: Edition) -> dict[str, list[dict]]:
    """A loaded edition as the import's rows, with its 责任分工 as it stands (codes, lists joined with 、)."""
    domains = list(Domain.objects.filter(edition=edition))
    indicators = list(Indicator.objects.filter(edition=edition).select_related("domain"))
    criteria = list(Criterion.objects.filter(edition=edition).select_related("indicator", "domain", "lead_unit",
                                                                             "task_force")
                    .prefetch_related("clauses", "responsible_units", "tasks", "categories", "site_types"))
    sheets: dict[str, list[dict]] = {
        "edition": [{"code": edition.code, "name": edition.name, "year": edition.year,
                     "demo": "是" if edition.is_demo else "否", "note": edition.note}],
        "projects": [{"code": d.code, "name": d.name, "weight": d.weight} for d in domains
                     if d.kind == DomainKind.PROJECT],
        "indicators": [{"code": i.code, "domain": i.domain.code, "name": i.name, "points": i.points} for i in indicators],
        "contents": [], "clauses": [], "negative": [], "opinion": [], "responsibility": [],
        "fields": [{"code": d.code, "name": d.name} for d in domains if d.kind == DomainKind.FIELD],
    }
    sheet_of = {CriterionKind.CONTENT: "contents", CriterionKind.NEGATIVE: "negative", CriterionKind.OPINION: "opinion"}
    for c in criteria:
        parent = c.indicator.code if c.kind == CriterionKind.CONTENT else c.domain.code
        sheets[sheet_of[c.kind]].append({"code": c.code, "indicator": parent, "domain": parent, "text": c.text,
                                         "points": c.points})
        for clause in c.clauses.all():
            sheets["clauses"].append({"criterion": c.code, "number": clause.number, "text": clause.text,
                                      "methods": "、".join(_method_word(m) for m in clause.methods),
                                      "method_note": clause.method_note, "points": clause.points})
        sheets["responsibility"].append({
            "code": c.code, "text": c.text[:60], "lead_unit": c.lead_unit.code if c.lead_unit else "",
            "responsible_units": "、".join(sorted(u.code for u in c.responsible_units.all())),
            "leader_name": c.leader_name, "leader_post": c.leader_post,
            "task_force": c.task_force.code if c.task_force else "",
            "tasks": "、".join(sorted(t.code for t in c.tasks.all())),
            "categories": "、".join(sorted(x.code for x in c.categories.all())),
            "site_types": "、".join(sorted(s.code for s in c.site_types.all())), "radius_m": c.radius_m,
        })
    return sheets


def comparison_bytes(comparison) -> bytes:
    """The comparison of two editions as one sheet: a row per change, old and new text side by side."""
    labels = {"added": _("added"), "removed": _("removed"), "reworded": _("reworded"), "methods": _("methods changed")}
    levels = {"criterion": _("criterion"), "clause": _("clause")}
    book = Workbook(write_only=True)
    ws = book.create_sheet(_("Changes"))
    for letter, width in zip("ABCDEFGH", (12, 10, 14, 16, 60, 60, 24, 24), strict=True):
        ws.column_dimensions[letter].width = width
    ws.append(xlsx_row(ws, [comparison.old.name, "→", comparison.new.name]))
    ws.append(xlsx_row(ws, [_("Kind of change"), _("Level"), _("Code"), _("Kind"), _("Old text (%(code)s)") % {
        "code": comparison.old.code}, _("New text (%(code)s)") % {"code": comparison.new.code}, _("Old methods"),
        _("New methods")]))
    kinds = dict(CriterionKind.choices)
    for c in comparison.changes:
        ws.append(xlsx_row(ws, [labels[c.change], levels[c.level], c.code, kinds.get(c.kind, c.kind), c.old, c.new,
                                "、".join(_method_word(m) for m in c.old_methods if m in Method.values),
                                "、".join(_method_word(m) for m in c.new_methods if m in Method.values)]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
