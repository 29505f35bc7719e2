"""One credit record as a department sends it (a line of its export, or a pushed JSON object): the canonical
fields, read from text, checked, and turned into a ``RecordInput``. The import and the REST endpoint share it, so a
bad value gets the same message whichever way it came."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.common.credit_code import credit_code_normalise, credit_code_valid
from wenming.common.input import DATE_MAX, DATE_MIN, strip_controls
from wenming.common.services.limits import keyed_hash
from wenming.credit.models import RecordKind, SubjectKind

# Record ids as the departments write them: document numbers and court case numbers ("(2026)冀11执1000号") too.
RECORD_ID = re.compile(r"^[0-9A-Za-z\u3400-\u9fff\-_/.:#()（）〔〕\[\]]{1,64}$")
NAME_MAX, BODY_MAX, REASON_MAX, ID_NUMBER_MAX = 120, 100, 2000, 30

# Canonical column → the titles it is read from (the departments' own, then English).
COLUMNS = {
    "record_id": ("记录编号", "记录ID", "信息编号", "决定书文号", "行政处罚决定书文号", "案号", "record_id"),
    "kind": ("记录类型", "信用类型", "类别", "kind"),
    "credit_code": ("统一社会信用代码", "信用代码", "credit_code"),
    "name": ("主体名称", "企业名称", "单位名称", "当事人名称", "被执行人姓名/名称", "name"),
    "subject_kind": ("主体类型", "当事人类型", "subject_kind"),
    "id_number": ("证件号码", "身份证号码", "身份证号", "id_number"),
    "decided_by": ("决定机关", "认定机关", "处罚机关", "作出决定机关", "decided_by"),
    "decided_on": ("决定日期", "认定日期", "处罚决定日期", "decided_on"),
    "reason": ("失信原因", "事由", "处罚事由", "认定事由", "违法事实", "reason"),
    "effective_from": ("有效期自", "公示开始日期", "effective_from"),
    "effective_until": ("有效期至", "公示截止日期", "effective_until"),
    "public": ("是否公示", "公开", "public"),
    "repaired_on": ("信用修复日期", "修复日期", "repaired_on"),
    "repair_reason": ("修复原因", "修复说明", "repair_reason"),
}

KIND_WORDS = {
    "honour": RecordKind.HONOUR, "红名单": RecordKind.HONOUR, "守信": RecordKind.HONOUR, "守信激励": RecordKind.HONOUR,
    "表彰": RecordKind.HONOUR,
    "dishonest": RecordKind.DISHONEST, "失信": RecordKind.DISHONEST, "黑名单": RecordKind.DISHONEST,
    "严重失信": RecordKind.DISHONEST, "失信被执行人": RecordKind.DISHONEST, "失信惩戒": RecordKind.DISHONEST,
    "penalty": RecordKind.PENALTY, "行政处罚": RecordKind.PENALTY, "处罚": RecordKind.PENALTY,
}
SUBJECT_WORDS = {
    "person": SubjectKind.PERSON, "自然人": SubjectKind.PERSON, "个人": SubjectKind.PERSON,
    "shop": SubjectKind.SHOP, "个体工商户": SubjectKind.SHOP, "个体户": SubjectKind.SHOP, "商户": SubjectKind.SHOP,
    "enterprise": SubjectKind.ENTERPRISE, "企业": SubjectKind.ENTERPRISE, "法人": SubjectKind.ENTERPRISE,
    "公司": SubjectKind.ENTERPRISE,
    "unit": SubjectKind.UNIT, "机关": SubjectKind.UNIT, "事业单位": SubjectKind.UNIT, "社会组织": SubjectKind.UNIT,
    "机关事业单位": SubjectKind.UNIT,
}
YES = {"是", "y", "yes", "1", "true", "公开", "公示"}
NO = {"否", "n", "no", "0", "false", "不公开", "不公示"}


@dataclass(frozen=True)
class RecordInput:
    record_id: str
    kind: str
    subject_key: str
    credit_code: str
    name: str
    subject_kind: str
    decided_by: str
    decided_on: dt.date | None
    reason: str
    effective_from: dt.date | None
    effective_until: dt.date | None
    public: bool
    repaired_on: dt.date | None
    repair_reason: str


@lru_cache(maxsize=8192)  # exports repeat the same few thousand dates
def date_parse(text: str) -> dt.date | None:
    """2024-01-05, 2024/1/5, 2024.1.5, 20240105, 2024年1月5日, an ISO date-time; None when empty; ValueError when it
    is none of these or lies outside 2000–2099."""
    text = text.strip()
    if not text:
        return None
    if len(text) == 8 and text.isdigit():
        day = dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    else:
        match = re.match(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[T ].*)?$", text)
        if not match:
            raise ValueError(text)
        day = dt.date(*(int(part) for part in match.groups()))
    if not DATE_MIN <= day <= DATE_MAX:
        raise ValueError(text)
    return day


@lru_cache(maxsize=65536)  # an export lists each subject's records together: its code is checked once
def _code_valid(code: str) -> bool:
    return credit_code_valid(code)


def subject_kind_of(code: str) -> str:
    """A legal person's kind from its code's first two characters (登记管理部门码 and 机构类别码): 92 individual
    businesses, 9x enterprises, the rest public bodies and organisations."""
    if code.startswith("92"):
        return SubjectKind.SHOP
    if code.startswith("9"):
        return SubjectKind.ENTERPRISE
    return SubjectKind.UNIT


def person_key(id_number: str) -> str:
    """A natural person's key: a keyed hash of the identity number, which is never stored."""
    return "P" + keyed_hash(id_number.strip().upper(), size=32)


def record_read(cells: dict[str, str], *, kinds: list[str], today: dt.date | None = None,
                ) -> tuple[RecordInput | None, list[tuple[str, str]]]:
    """The record the cells describe, or None and the problems (field, message) found."""
    problems: list[tuple[str, str]] = []
    # Control characters (NUL, bidirectional overrides such as U+202E) never reach the database, whichever way the
    # record came (an import's cell, a pushed JSON value).
    cells = {k: strip_controls(v) if isinstance(v, str) else v for k, v in cells.items()}
    get = cells.get
    record_id = (get("record_id") or "").strip()
    if not record_id:
        problems.append(("record_id", _("is empty")))
    elif not RECORD_ID.match(record_id):
        problems.append(("record_id", _("at most 64 letters, digits, Chinese characters, brackets and - _ / . : #")))
    kind_text = (get("kind") or "").strip()
    kind = KIND_WORDS.get(kind_text.lower())
    if kind is None:
        problems.append(("kind", _("unknown kind \"%(value)s\": write 红名单, 失信 or 行政处罚") % {"value": kind_text[:40]}))
    elif kind not in kinds:
        problems.append(("kind", _("this source does not send records of the kind %(kind)s") % {
            "kind": RecordKind(kind).label}))
    name = (get("name") or "").strip()
    if not name:
        problems.append(("name", _("is empty")))
    elif len(name) > NAME_MAX:
        problems.append(("name", _("longer than %(limit)d characters") % {"limit": NAME_MAX}))
    code = credit_code_normalise(get("credit_code") or "")
    id_number = (get("id_number") or "").strip()
    subject_text = (get("subject_kind") or "").strip()
    subject_kind = SUBJECT_WORDS.get(subject_text.lower()) if subject_text else None
    if subject_text and subject_kind is None:
        problems.append(("subject_kind", _("unknown kind \"%(value)s\": write 企业, 个体工商户, 机关事业单位 or 自然人") % {
            "value": subject_text[:40]}))
    key = ""
    if subject_kind == SubjectKind.PERSON or (not code and id_number):
        subject_kind = SubjectKind.PERSON
        if not id_number:
            problems.append(("id_number", _("a natural person needs the identity number")))
        elif len(id_number) > ID_NUMBER_MAX:
            problems.append(("id_number", _("longer than %(limit)d characters") % {"limit": ID_NUMBER_MAX}))
        else:
            key = person_key(id_number)
        code = ""
    elif not code:
        problems.append(("credit_code", _("is empty (a legal person is named by its unified social credit code)")))
    elif not _code_valid(code):
        problems.append(("credit_code", _("\"%(value)s\" is no unified social credit code (18 characters with a "
                                          "correct check character)") % {"value": code[:40]}))
    else:
        key = code
        subject_kind = subject_kind or subject_kind_of(code)
    decided_by = (get("decided_by") or "").strip()
    if len(decided_by) > BODY_MAX:
        problems.append(("decided_by", _("longer than %(limit)d characters") % {"limit": BODY_MAX}))
    reason = (get("reason") or "").strip()
    if len(reason) > REASON_MAX:
        problems.append(("reason", _("longer than %(limit)d characters") % {"limit": REASON_MAX}))
    repair_reason = (get("repair_reason") or "").strip()
    if len(repair_reason) > REASON_MAX:
        problems.append(("repair_reason", _("longer than %(limit)d characters") % {"limit": REASON_MAX}))
    dates = {}
    for field in ("decided_on", "effective_from", "effective_until", "repaired_on"):
        text = (get(field) or "").strip()
        try:
            dates[field] = date_parse(text)
        except (ValueError, OverflowError):
            problems.append((field, _("\"%(value)s\" is not a date between 2000 and 2099 (2024-01-31)") % {
                "value": text[:40]}))
            dates[field] = None
    today = today or timezone.localdate()
    if dates["decided_on"] and dates["decided_on"] > today:
        problems.append(("decided_on", _("lies in the future")))
    start = dates["effective_from"] or dates["decided_on"]
    if start and dates["effective_until"] and dates["effective_until"] < start:
        problems.append(("effective_until", _("lies before the record takes effect")))
    if dates["repaired_on"]:
        if dates["repaired_on"] > today:
            problems.append(("repaired_on", _("lies in the future")))
        if not repair_reason:
            problems.append(("repair_reason", _("a repair needs its reason")))
    public_text = (get("public") or "").strip().lower()
    public = True
    if public_text in NO:
        public = False
    elif public_text and public_text not in YES:
        problems.append(("public", _("write 是 or 否")))
    if problems:
        return None, problems
    return RecordInput(
        record_id=record_id, kind=kind, subject_key=key, credit_code=code, name=name, subject_kind=subject_kind,
        decided_by=decided_by, decided_on=dates["decided_on"], reason=reason,
        effective_from=start, effective_until=dates["effective_until"],
        # The law publishes legal persons' honours, penalties and 失信; nothing of a natural person.
        public=public and subject_kind != SubjectKind.PERSON,
        repaired_on=dates["repaired_on"], repair_reason=repair_reason if dates["repaired_on"] else "",
    ), []


def field_label(field: str) -> str:
    """The column's Chinese title as departments write it (used in messages naming the field)."""
    return COLUMNS[field][0]
