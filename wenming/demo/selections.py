"""The demo's selections (评选): the seven standing kinds, an expert login (zhuanjia), and three calls run through
the real services — 2026年度最美小区 published with its winners (one title withdrawn with a public note),
2026年度最美楼道 taking nominations now, and 2026年度文明社区 in expert review with zhuanjia on its panel (zhuanjia2 has scored two nominees)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.utils import timezone
from PIL import Image, ImageDraw

from wenming.cases.models import Case
from wenming.cases.models.case import OPEN_STATES
from wenming.common.roles import Role
from wenming.demo.accounts import demo_password_hash
from wenming.org.models import Area, AreaLevel, Person, RoleAssignment, Site, Unit
from wenming.selections.models import Call, NominationStatus, SelectionKind
from wenming.selections.services import calls as call_services
from wenming.selections.services.kinds import STANDARD_KINDS
from wenming.selections.services.nominations import Nominee, Upload, nomination_create
from wenming.selections.services.qualification import qualification_override, qualification_run
from wenming.selections.services.results import title_revoke
from wenming.selections.services.review import conflict_declare, score_submit

EXPERT = "zhuanjia"
SHEET = [("环境整洁", 40), ("设施完好", 30), ("文明氛围", 30)]


def _photo() -> bytes:
    """A small drawn picture (a building's front) standing in for the nominators' photos."""
    image = Image.new("RGB", (320, 240), (200, 225, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle([60, 60, 260, 230], fill=(230, 200, 160))
    for x in range(80, 250, 40):
        for y in range(80, 210, 40):
            draw.rectangle([x, y, x + 20, y + 20], fill=(90, 130, 170))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _expert(username: str, display: str, unit: Unit) -> Person:
    person = Person.objects.filter(username=username).first()
    if person is None:
        person = Person.objects.create(username=username, display_name=display, unit=unit, is_staff=True,
                                       password=demo_password_hash())
        RoleAssignment.objects.create(person=person, role=Role.UNIT_HANDLER, unit=unit)
    return person


def _clean_sites(limit: int) -> list[Site]:
    """Places with an area and no open case: nominees the qualification check lets through."""
    busy = Case.objects.filter(state__in=OPEN_STATES, site__isnull=False).values("site_id")
    return list(Site.objects.filter(area__isnull=False).exclude(pk__in=busy).select_related("area")
                .order_by("code")[:limit])


def _values(kind: SelectionKind, title: str, organiser: Unit, opens: dt.datetime, closes: dt.datetime,
            quotas: dict[int, int]) -> call_services.CallValues:
    return call_services.CallValues(
        kind_id=kind.pk, title=title, criteria="环境整洁、设施完好、邻里和睦，近一年无超期未结案件、无暗访不合格。",
        organiser_id=organiser.pk, nominations_open=opens, nominations_close=closes, notice_days=5,
        expert_weight=70, quotas=quotas, sheet=[call_services.SheetItem(label, points) for label, points in SHEET])


def selections_demo_build() -> dict[str, int]:
    kinds = {}
    for code, name, subject, integrity in STANDARD_KINDS:
        kinds[code], _created = SelectionKind.objects.get_or_create(
            code=code, defaults={"name": name, "subject": subject, "integrity": integrity})
    if Call.objects.exists():
        return {"calls": Call.objects.count()}
    organiser_person = Person.objects.get(username="zhiban")
    cmd = Unit.objects.get(code="CMD")
    office = Unit.objects.filter(code="WMB").first() or cmd
    expert = _expert(EXPERT, "评审专家 何教授", office)
    second = _expert("zhuanjia2", "评审专家 冯老师", office)
    districts = list(Area.objects.filter(level=AreaLevel.COUNTY).order_by("code"))
    quotas = {d.pk: 2 for d in districts}
    sites = _clean_sites(40)
    by_district: dict[int, list[Site]] = {}
    for site in sites:
        for d in districts:
            if site.area.path.startswith(d.path):
                by_district.setdefault(d.pk, []).append(site)
    picked = [s for d in districts for s in by_district.get(d.pk, [])[:3]][:9]
    now = timezone.now()
    photo = [Upload("现场.png", _photo())]

    def run_call(kind, title, opens, closes):
        call = call_services.call_create(actor=organiser_person, values=_values(kind, title, cmd, opens, closes,
                                                                                 quotas))
        return call

    def step(call, key, when):
        call.refresh_from_db()
        return call_services.call_step(call_id=call.pk, actor=organiser_person, action_key=key,
                                       expected_version=call.version, now=when)

    def nominate(call, sites_, when):
        made = []
        for site in sites_:
            made.append(nomination_create(
                call_id=call.pk, actor=organiser_person, nominee=Nominee(site_id=site.pk, name=f"{site.name}"),
                statement=f"{site.name}环境整洁，居民自治有序，楼道无堆物，邻里互助蔚然成风。", photos=photo, now=when))
        return made

    def qualify_and_score(nominations, experts, base):
        for i, n in enumerate(nominations):
            n.refresh_from_db()
            qualification_run(nomination_id=n.pk, actor=organiser_person, expected_version=n.version)
            n.refresh_from_db()
            if n.status == NominationStatus.HELD_BACK:
                qualification_override(nomination_id=n.pk, actor=organiser_person, expected_version=n.version,
                                       note="问题已整改到位，经核实同意参评。")
            for j, person in enumerate(experts):
                conflict_declare(nomination_id=n.pk, actor=person, conflicted=False)
                items = n.call.score_items.all()
                score_submit(nomination_id=n.pk, actor=person, points={
                    item.pk: Decimal(item.max_points) * Decimal(base - (i * 3 + j) % 17) / 100 for item in items})

    # 1. Published, with winners; one title withdrawn.
    start = now - dt.timedelta(days=90)
    published = run_call(kinds["zmxq"], "2026年度最美小区评选", start, start + dt.timedelta(days=20))
    for person in (expert, second):
        call_services.panel_member_add(call_id=published.pk, actor=organiser_person, username=person.username)
    step(published, "open", start)
    entries = nominate(published, picked[:6], start + dt.timedelta(days=1))
    step(published, "close", start + dt.timedelta(days=21))
    qualify_and_score(entries, [expert, second], 96)
    step(published, "notice", start + dt.timedelta(days=30))
    step(published, "publish", start + dt.timedelta(days=45))
    winners = list(published.nominations.filter(status=NominationStatus.WINNER).order_by("number"))
    if len(winners) > 1:
        last = winners[-1]
        title_revoke(nomination_id=last.pk, actor=organiser_person, expected_version=last.version,
                     public_note="经群众举报并核实，该小区存在违规搭建问题，撤销其“最美小区”称号。")
    # 2. Taking nominations now.
    open_call = run_call(kinds["zmld"], "2026年度最美楼道评选", now - dt.timedelta(days=3), now + dt.timedelta(days=30))
    step(open_call, "open", now)
    nominate(open_call, picked[6:8], now)
    # 3. In expert review, zhuanjia on the panel (one nominee left for them to score).
    review_call = run_call(kinds["wmsq"], "2026年度文明社区评选", now - dt.timedelta(days=40), now - dt.timedelta(days=5))
    for person in (expert, second):
        call_services.panel_member_add(call_id=review_call.pk, actor=organiser_person, username=person.username)
    step(review_call, "open", now - dt.timedelta(days=40))
    entries = nominate(review_call, picked[:3], now - dt.timedelta(days=30))
    step(review_call, "close", now)
    qualify_and_score(entries[:2], [second], 90)
    for n in entries[2:]:
        n.refresh_from_db()
        qualification_run(nomination_id=n.pk, actor=organiser_person, expected_version=n.version)
    return {"calls": Call.objects.count(), "winners": len(winners)}
