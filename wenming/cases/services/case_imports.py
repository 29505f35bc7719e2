"""Bulk import of cases exported by the provincial supervision platform and 12345 systems (CSV or XLSX).

The whole file is read and every row checked first. Each row is then accepted, skipped (its external id
was imported before: imports are idempotent, so a file can be sent again after fixing the refused rows) or
refused with the field and the reason. Accepted rows go through ``case_intake`` like any other case, each
in its own savepoint inside one transaction, together with the import's log row: nothing is
half-imported. With ``strict`` one refused row refuses the whole file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.cases.models import Case, CaseImport, CaseImportMapping, Category, Urgency
from wenming.cases.models.imports import IMPORT_FIELDS
from wenming.cases.services.errors import WorkflowError
from wenming.cases.services.routing import RoutingError
from wenming.cases.services.workflow import case_intake
from wenming.common.tabular_import import PHONE, ImportReport, read_rows

DATE_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d",
                "%Y年%m月%d日 %H:%M", "%Y年%m月%d日"]
FIELD_LABELS = {
    "external_id": gettext_lazy("external id"), "reported_at": gettext_lazy("reported at"),
    "description": gettext_lazy("description"), "category": gettext_lazy("category"), "urgency": gettext_lazy("urgency"),
    "address": gettext_lazy("address"), "lng": gettext_lazy("longitude"), "lat": gettext_lazy("latitude"),
    "reporter_name": gettext_lazy("reporter name"), "reporter_phone": gettext_lazy("reporter phone"),
}


class CaseImportRefused(Exception):
    """The file cannot be read as the mapping says (a missing column, not a spreadsheet): nothing imported."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class _Row:
    number: int
    values: dict
    status: str = "accepted"
    reason: str = ""
    case_id: int | None = None
    parsed: dict = field(default_factory=dict)

    def refuse(self, field_name: str, message: str) -> None:
        if self.status != "refused":
            self.status, self.reason = "refused", f"{FIELD_LABELS.get(field_name, field_name)}: {message}"


def _parse_time(text: str, now: dt.datetime) -> dt.datetime:
    text = text.strip().replace("T", " ")
    for fmt in DATE_FORMATS:
        try:
            value = dt.datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    else:
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(_("not a date and time (use 2026-11-20 08:30)")) from None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + dt.timedelta(minutes=5):
        raise ValueError(_("lies in the future"))
    return value


def _categories(mapping: CaseImportMapping) -> dict[str, Category]:
    minors = {c.code: c for c in Category.objects.filter(parent__isnull=False, is_active=True)}
    lookup: dict[str, Category] = dict(minors)
    lookup.update({c.name: c for c in minors.values()})
    for text, code in (mapping.category_map or {}).items():
        if code in minors:
            lookup[str(text).strip()] = minors[code]
    return lookup


def _check(row: _Row, *, mapping: CaseImportMapping, categories: dict, urgencies: dict, now: dt.datetime) -> None:
    v = row.values
    p = row.parsed
    p["external_id"] = v["external_id"].strip()
    if not p["external_id"]:
        row.refuse("external_id", _("is empty"))
    elif len(p["external_id"]) > 64:
        row.refuse("external_id", _("longer than %(limit)d characters") % {"limit": 64})
    p["description"] = v["description"].strip()
    if not p["description"]:
        row.refuse("description", _("is empty"))
    try:
        p["reported_at"] = _parse_time(v["reported_at"], now) if v["reported_at"].strip() else now
    except ValueError as exc:
        row.refuse("reported_at", f"{v['reported_at']}: {exc}")
    label = v["category"].strip() or mapping.default_category
    p["category"] = None
    if label:
        p["category"] = categories.get(label)
        if p["category"] is None:
            row.refuse("category", _("“%(value)s” is not a known category; add it to the mapping") % {"value": label})
    urgency = v["urgency"].strip()
    p["urgency"] = urgencies.get(urgency.lower()) if urgency else Urgency.NORMAL
    if p["urgency"] is None:
        row.refuse("urgency", _("“%(value)s” is not an urgency (一般, 紧急, 特急)") % {"value": urgency})
    lng, lat = v["lng"].strip(), v["lat"].strip()
    p["lng"] = p["lat"] = None
    if lng or lat:
        try:
            p["lng"], p["lat"] = float(lng), float(lat)
        except ValueError:
            row.refuse("lng" if not _is_number(lng) else "lat", _("give longitude and latitude as numbers"))
        else:
            if not (73 <= p["lng"] <= 136 and 3 <= p["lat"] <= 54):
                row.refuse("lng", _("%(lng)s, %(lat)s lies outside China") % {"lng": lng, "lat": lat})
    p["address"] = v["address"].strip()[:200]
    if p["lng"] is None and not p["address"] and row.status != "refused":
        row.refuse("address", _("give coordinates or an address"))
    p["reporter_name"] = v["reporter_name"].strip()[:50]
    phone = v["reporter_phone"].strip().replace(" ", "")
    if phone and not PHONE.match(phone):
        row.refuse("reporter_phone", _("“%(value)s” is not a phone number") % {"value": phone})
    p["reporter_phone"] = phone


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def cases_import(
    *, path: Path, mapping: CaseImportMapping, actor, dry_run: bool = False, strict: bool = False,
    file_name: str | None = None,
) -> CaseImport:
    """Check every row of the file, then import the accepted ones (none in a dry run, or in strict mode when
    any row is refused). Returns the import with its row-by-row report (saved unless it is a dry run)."""
    path = Path(path)
    report = ImportReport(dry_run=dry_run)
    aliases = {str(title).strip(): name for name, title in (mapping.columns or {}).items() if name in IMPORT_FIELDS}
    table = read_rows(path, report, IMPORT_FIELDS, ["external_id", "description"], aliases)
    if report.errors:
        raise CaseImportRefused(report.error_lines())
    now = timezone.now()
    categories = _categories(mapping)
    urgencies = {"": Urgency.NORMAL, "一般": Urgency.NORMAL, "普通": Urgency.NORMAL, "紧急": Urgency.URGENT,
                 "特急": Urgency.EMERGENCY, "特别紧急": Urgency.EMERGENCY, **{u.value: u.value for u in Urgency}}
    rows = [_Row(number, values) for number, values in table]
    seen: dict[str, int] = {}
    for row in rows:
        _check(row, mapping=mapping, categories=categories, urgencies=urgencies, now=now)
        key = row.parsed.get("external_id")
        if key and row.status != "refused":
            if key in seen:
                row.refuse("external_id", _("the same as row %(row)d") % {"row": seen[key]})
            else:
                seen[key] = row.number
    existing = dict(
        Case.objects.filter(channel=mapping.channel, external_id__in=list(seen)).values_list("external_id", "pk")
    )
    for row in rows:
        if row.status == "accepted" and row.parsed["external_id"] in existing:
            row.status, row.case_id = "skipped", existing[row.parsed["external_id"]]
            row.reason = _("already imported")
    if dry_run:
        return _log(rows, mapping=mapping, actor=actor, path=path, file_name=file_name, dry_run=True, strict=strict)
    if strict and any(r.status == "refused" for r in rows):
        _not_imported(rows)
        return _log(rows, mapping=mapping, actor=actor, path=path, file_name=file_name, strict=True, save=True)
    try:
        with transaction.atomic():
            for row in rows:
                if row.status == "accepted":
                    _intake(row, mapping=mapping, actor=actor)
            if strict and any(r.status == "refused" for r in rows):
                raise _StrictAbort  # a row the checks passed failed at intake: the whole file goes back
            return _log(rows, mapping=mapping, actor=actor, path=path, file_name=file_name, strict=strict, save=True)
    except _StrictAbort:
        _not_imported(rows)
        return _log(rows, mapping=mapping, actor=actor, path=path, file_name=file_name, strict=True, save=True)


class _StrictAbort(Exception):
    pass


def _not_imported(rows: list[_Row]) -> None:
    for row in rows:
        if row.status == "accepted":
            row.status, row.case_id, row.reason = "not_imported", None, _("not imported: another row was refused")


def _log(rows: list[_Row], *, mapping, actor, path: Path, file_name: str | None, dry_run: bool = False,
         strict: bool = False, save: bool = False) -> CaseImport:
    result = CaseImport(
        mapping=mapping, file_name=(file_name or path.name)[:200], actor=actor if getattr(actor, "pk", None) else None,
        dry_run=dry_run, strict=strict,
        accepted=sum(r.status == "accepted" for r in rows), skipped=sum(r.status == "skipped" for r in rows),
        refused=sum(r.status == "refused" for r in rows),
        rows=[{"row": r.number, "external_id": r.parsed.get("external_id", ""), "status": r.status,
               "reason": str(r.reason), "case": r.case_id} for r in rows],
    )
    if save:
        result.save()
    return result


def _intake(row: _Row, *, mapping: CaseImportMapping, actor) -> None:
    p = row.parsed
    try:
        with transaction.atomic():
            case = case_intake(
                channel=mapping.channel, description=p["description"], lng=p["lng"], lat=p["lat"], crs=mapping.crs,
                category=p["category"], urgency=p["urgency"], address=p["address"], reporter_name=p["reporter_name"],
                reporter_phone=p["reporter_phone"], external_id=p["external_id"], actor=actor, reported_at=p["reported_at"],
                channel_configured=True,
            )
    except IntegrityError:
        # The same external id landed a moment ago (the file imported twice at once): it is there, skip it.
        row.status, row.reason = "skipped", _("already imported")
        row.case_id = Case.objects.filter(channel=mapping.channel, external_id=p["external_id"]).values_list("pk", flat=True).first()
    except (WorkflowError, RoutingError) as exc:
        row.status, row.reason = "refused", str(exc)
    else:
        row.case_id = case.pk
