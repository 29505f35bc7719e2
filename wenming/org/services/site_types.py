"""The site types (点位类型) every city needs, from the shipped data file: ``wenming load-site-types`` gives a real
city the types the campaign's target rules name (复兴少年宫, 新时代文明实践所, 停车场…) without the demo.

Idempotent: a missing type is created (with the file's radius and order), an existing one (same code) gets the
file's name, nothing is ever deleted and a city's own radius and order are kept. All or nothing: a name held by
another code stops the load before anything is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from wenming.common.errors import WorkflowError
from wenming.common.services.audit import audit_event_record
from wenming.org.models import SiteType

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "data" / "site_types.json"

# The facility registers (设施台账), in the order the register page offers them: the types counted by the
# campaign's per-area targets. The codes are the shared contract of docs/facility-registers.md.
FACILITY_TYPE_CODES = (
    "youth_palace", "parent_school", "minors_centre", "practice_base", "practice_centre", "practice_institute",
    "practice_station", "notice_board", "smoking_post", "parking_lot", "dry_toilet", "entertainment",
    "internet_cafe",
)
PARKING_LOT = "parking_lot"


class SiteTypeDataError(WorkflowError):
    code = "site_type_data"


@dataclass(frozen=True)
class SiteTypeRow:
    code: str
    name: str
    surround_radius_m: int
    sort: int


@dataclass
class SiteTypeLoad:
    created: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    unchanged: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        return _("%(created)d site types created, %(renamed)d renamed, %(unchanged)d unchanged") % {
            "created": len(self.created), "renamed": len(self.renamed), "unchanged": self.unchanged}


def site_types_read(*, path: Path = DEFAULT_FILE) -> list[SiteTypeRow]:
    """The file's site types, checked: every problem named by entry and field."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["site_types"]
        if not isinstance(entries, list):
            raise TypeError
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise SiteTypeDataError(_("%(file)s is no site-type file (a JSON object with a list \"site_types\"): "
                                  "%(error)s") % {"file": path.name, "error": exc}) from exc
    rows, errors, seen = [], [], {}
    for number, entry in enumerate(entries, 1):
        code = str(entry.get("code", "")).strip() if isinstance(entry, dict) else ""
        name = str(entry.get("name", "")).strip() if isinstance(entry, dict) else ""
        where = _("entry %(number)d") % {"number": number} + (f" ({code})" if code else "")
        if not code or len(code) > 32:
            errors.append(_("%(where)s: code is missing or longer than 32 characters") % {"where": where})
        if not name or len(name) > 50:
            errors.append(_("%(where)s: name is missing or longer than 50 characters") % {"where": where})
        for key in ("code", "name"):
            value = code if key == "code" else name
            if value and (key, value) in seen:
                errors.append(_("%(where)s: %(field)s \"%(value)s\" is also in entry %(first)d") % {
                    "where": where, "field": key, "value": value, "first": seen[(key, value)]})
            seen.setdefault((key, value), number)
        radius, sort = (entry.get("surround_radius_m", 0), entry.get("sort", number)) if isinstance(entry, dict) else (0, 0)
        if not isinstance(radius, int) or isinstance(radius, bool) or radius < 0:
            errors.append(_("%(where)s: surround_radius_m must be a whole number of metres, 0 or more") % {"where": where})
        if not isinstance(sort, int) or isinstance(sort, bool) or not 0 <= sort < 32768:
            errors.append(_("%(where)s: sort must be a whole number from 0 to 32767") % {"where": where})
        rows.append(SiteTypeRow(code=code, name=name, surround_radius_m=radius, sort=sort))
    if errors:
        raise SiteTypeDataError("; ".join(errors))
    return rows


def site_types_load(*, path: Path = DEFAULT_FILE, dry_run: bool = False, actor=None) -> SiteTypeLoad:
    """Create the file's missing site types and give the existing ones (by code) the file's name."""
    rows = site_types_read(path=path)
    result = SiteTypeLoad(dry_run=dry_run)
    with transaction.atomic():
        stored = {t.code: t for t in SiteType.objects.select_for_update()}
        code_of_name = {t.name: t.code for t in stored.values()}
        clashes = [
            _("%(code)s: the name \"%(name)s\" belongs to the site type %(other)s; rename one of them first") % {
                "code": row.code, "name": row.name, "other": code_of_name[row.name]}
            for row in rows if code_of_name.get(row.name, row.code) != row.code
        ]
        if clashes:
            raise SiteTypeDataError("; ".join(clashes))
        new = []
        for row in rows:
            current = stored.get(row.code)
            if current is None:
                new.append(SiteType(code=row.code, name=row.name, surround_radius_m=row.surround_radius_m, sort=row.sort))
                result.created.append(row.code)
            elif current.name != row.name:
                result.renamed.append(row.code)
                if not dry_run:
                    current.name = row.name
                    current.save(update_fields=["name"])
            else:
                result.unchanged += 1
        if dry_run:
            return result
        SiteType.objects.bulk_create(new)
        if result.created or result.renamed:
            audit_event_record(actor=actor, action="site_types.load", summary=result.summary(),
                               data={"file": Path(path).name, "created": result.created, "renamed": result.renamed})
    return result
