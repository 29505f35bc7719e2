"""People and their scoped roles from CSV or XLSX."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from wenming.common.roles import UNIT_ROLES, Role
from wenming.common.services.audit import audit_event_record
from wenming.common.services.geography import credentials_bump
from wenming.common.tabular_import import (
    PHONE,
    ImportReport,
    check_length,
    choice_lookup,
    read_rows,
    row_where,
    stop_if_errors,
)
from wenming.org.models import Area, Person, RoleAssignment, Unit
from wenming.org.services.imports.shared import BATCH, filter_in, update_each

PEOPLE_COLUMNS = ["username", "display_name", "phone", "email", "unit_code", "role", "scope_unit_code", "scope_area_code"]
PEOPLE_ALIASES = {"用户名": "username", "姓名": "display_name", "手机": "phone", "邮箱": "email", "所属单位编码": "unit_code",
                  "角色": "role", "范围单位编码": "scope_unit_code", "范围区域编码": "scope_area_code"}
PERSON_FIELDS = ["display_name", "phone", "email", "unit_code"]


def people_import(*, path: Path, dry_run: bool = False, actor=None) -> ImportReport:
    """People and their scoped roles from CSV or XLSX; several rows for one username add several roles."""
    path = Path(path)
    report = ImportReport(dry_run=dry_run)
    rows = read_rows(path, report, PEOPLE_COLUMNS, ["username", "role"], PEOPLE_ALIASES)
    stop_if_errors(report)

    codes = _Codes(units=dict(Unit.objects.values_list("code", "id")), areas=dict(Area.objects.values_list("code", "id")),
                   roles=choice_lookup(Role))
    people: dict[str, dict] = {}
    for number, row in rows:
        where = row_where(number, row["username"], "username")
        invalid = _person_check(row, where, report, codes)
        assignment = _role_check(row, where, report, codes)
        if row["username"]:
            _person_merge(people, row, number, where, invalid, assignment, report)
    stop_if_errors(report)

    existing = set(filter_in(Person.objects.values_list("username", flat=True), "username", people))
    role_labels = dict(Role.choices)
    for username, person in people.items():
        report.change(username in existing, username, ", ".join(str(role_labels[r]) for r, _u, _a in person["roles"]))
    if dry_run:
        return report

    with transaction.atomic():
        added = _people_write(people, codes)
        credentials_bump()  # bulk writes skip the save signals that tell the API key caches
        audit_event_record(actor=actor, action="import.people", summary=f"{path.name}: {report.summary()}",
                           data={"file": path.name, "created": report.created, "updated": report.updated,
                                 "roles_added": added})
    return report


@dataclass(frozen=True)
class _Codes:
    """What the rows name: units and areas by code (their stored ids), roles by any spelling (their values)."""

    units: dict[str, int]
    areas: dict[str, int]
    roles: dict[str, str]


_USERNAME = UnicodeUsernameValidator()


def _person_check(row: dict[str, str], where: str, report: ImportReport, codes: _Codes) -> set[str]:
    """Check the person's own columns; return the names of those with a bad value (not merged)."""
    username = row["username"]
    if not username:
        report.error(where, "username", _("missing"))
    else:
        try:
            _USERNAME(username)
        except ValidationError:
            report.error(where, "username", _("use letters, digits and @ . + - _ only"))
        check_length(report, where, "username", username, 150)
    check_length(report, where, "display_name", row["display_name"], 50)
    invalid = set()
    if row["phone"] and not PHONE.match(row["phone"]):
        invalid.add("phone")
        report.error(where, "phone", _('"%(phone)s" is neither an 11-digit mobile number nor a landline like '
                                       '0318-1234567') % {"phone": row["phone"]})
    if row["email"]:
        try:
            validate_email(row["email"])
        except ValidationError:
            invalid.add("email")
            report.error(where, "email", _('"%(email)s" is not an e-mail address') % {"email": row["email"]})
    if row["unit_code"] and row["unit_code"] not in codes.units:
        invalid.add("unit_code")
        report.error(where, "unit_code", _('no unit has code "%(code)s"') % {"code": row["unit_code"]})
    return invalid


def _role_check(row: dict[str, str], where: str, report: ImportReport,
                codes: _Codes) -> tuple[str, int | None, int | None] | None:
    """The row's role with its scope as (role, unit id, area id); None if it is missing or wrong."""
    role = codes.roles.get(row["role"].lower()) if row["role"] else None
    scope_unit, scope_area = row["scope_unit_code"], row["scope_area_code"]
    if not row["role"]:
        report.error(where, "role", _("missing"))
    elif role is None:
        report.error(where, "role", _('unknown role "%(role)s"') % {"role": row["role"]})
    elif role in UNIT_ROLES:
        if scope_area:
            report.error(where, "scope_area_code", _("%(role)s is scoped to a unit: fill scope_unit_code and "
                                                     "leave scope_area_code empty") % {"role": role})
        elif not scope_unit:
            report.error(where, "scope_unit_code", _("%(role)s needs the unit it works for") % {"role": role})
        elif scope_unit not in codes.units:
            report.error(where, "scope_unit_code", _('no unit has code "%(code)s"') % {"code": scope_unit})
        else:
            return (role, codes.units[scope_unit], None)
    else:
        if scope_unit:
            report.error(where, "scope_unit_code", _("%(role)s is scoped to an area: fill scope_area_code and "
                                                     "leave scope_unit_code empty") % {"role": role})
        elif not scope_area:
            report.error(where, "scope_area_code", _("%(role)s needs the area it covers") % {"role": role})
        elif scope_area not in codes.areas:
            report.error(where, "scope_area_code", _('no area has code "%(code)s"') % {"code": scope_area})
        else:
            return (role, None, codes.areas[scope_area])
    return None


def _person_merge(people: dict[str, dict], row: dict[str, str], number: int, where: str, invalid: set[str],
                  assignment: tuple | None, report: ImportReport) -> None:
    """Add the row to its person: the person's own columns may be repeated on each of their rows, but must
    not disagree."""
    person = people.setdefault(row["username"], {"number": number, "values": {}, "first": {}, "roles": []})
    for name in PERSON_FIELDS:
        value = row[name]
        if not value or name in invalid:
            continue
        if name in person["values"] and person["values"][name] != value:
            report.error(where, name, _('row %(number)d says "%(value)s" for the same person') % {
                "number": person["first"][name], "value": person["values"][name]})
        else:
            person["values"].setdefault(name, value)
            person["first"].setdefault(name, number)
    if assignment and assignment not in person["roles"]:
        person["roles"].append(assignment)


def _people_write(people: dict[str, dict], codes: _Codes) -> int:
    """Create or update the people, then add the roles they do not hold yet; return how many were added."""
    stored = {person.username: person for person in filter_in(Person.objects.all(), "username", people)}
    new, changed = [], []
    for username, person in people.items():
        record = stored.get(username)
        if record is None:
            record = Person(username=username, is_staff=True)
            record.set_unusable_password()
            new.append(record)
        else:
            changed.append(record)
        values = person["values"]
        for name in ("display_name", "phone", "email"):
            if values.get(name):
                setattr(record, name, values[name])
        if values.get("unit_code"):
            record.unit_id = codes.units[values["unit_code"]]
    Person.objects.bulk_create(new, batch_size=BATCH)
    update_each(Person, changed, ["display_name", "phone", "email", "unit"])
    ids = dict(filter_in(Person.objects.values_list("username", "id"), "username", people))
    held = set(filter_in(RoleAssignment.objects.values_list("person_id", "role", "unit_id", "area_id"),
                         "person_id", ids.values()))
    added = [
        RoleAssignment(person_id=ids[username], role=role, unit_id=unit_id, area_id=area_id)
        for username, person in people.items()
        for role, unit_id, area_id in person["roles"]
        if (ids[username], role, unit_id, area_id) not in held
    ]
    RoleAssignment.objects.bulk_create(added, batch_size=BATCH)
    return len(added)
