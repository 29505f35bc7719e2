"""Helpers of the authorization matrix (test_authorization_matrix.py): the URL patterns, the roles, a small
world of real objects to fill the URLs in, and the counts printed at the end of the run.

The world: one week in March 2026 in 桃城区 (the test city gives it one street, that of the street office jiedao),
in a grid outside the community of its grid worker wangge, so that only 桃城区 and its 城管 branch hold its cases:

  hotline   a hotline case of 城管 桃城分局 (CGJ-131102) with a named caller and before and after photos, done,
            verified, closed and rated; its caller (the "citizen" role) holds its tracking code; on the
            exposure board
  handling  a hotline case of the same unit, signed and in hand
  inspect   a case the undercover inspector anfang reported, dispatched to the same unit, done and verified
            by anfang
  power     a case of the power company (gongdian) in another district
  pending   an anonymous 随手拍 with personal data in its text, waiting in the review queue
  spam      an anonymous 随手拍 rejected as spam

and published unit and inspector snapshots of that week, a red/black list, an accountability record, the
demo campaign with a meeting, a progress report with a PDF, an API key and its Open311 report, a webhook.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

# Counts for the summary that the root conftest.py prints (pytest_terminal_summary).
STATS = {"routes": 0, "rows": 0, "roles": 0, "cells": 0, "requests": 0, "csrf_refusals": 0, "server_errors": 0,
         "seconds": 0.0}

INSPECTOR_NAME = "第三方暗访员 A01"
REPORTER_NAME, REPORTER_PHONE = "市民 黄小明", "13900001111"
PASSWORD = "wenming2026"
VOLUNTEER_NAME, VOLUNTEER_PHONE = "志愿者 钱多多", "13700001111"


def summary() -> str:
    s = STATS
    return (f"authorization matrix: {s['routes']} URL patterns ({s['rows']} rows) x {s['roles']} roles = {s['cells']} "
            f"answers checked, {s['requests']} requests ({s['csrf_refusals']} refused for want of a CSRF token), "
            f"{s['server_errors']} answered 5xx, {s['seconds']:.0f} s")


# -- the URL patterns -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Pattern:
    key: str  # the route's name with its namespaces ("cases:detail"), or its full pattern when it has no name
    route: str  # the full pattern, for messages


def url_patterns() -> list[Pattern]:
    """Every URL pattern of the project, depth first, with its namespaced name (or its pattern if unnamed)."""
    found: list[Pattern] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}:{entry.namespace}".strip(":") if entry.namespace else namespace
                walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                key = f"{namespace}:{entry.name}".strip(":") if entry.name else route
                found.append(Pattern(key=key, route=route))

    walk(get_resolver(), "", "")
    return found


# -- the world ------------------------------------------------------------------------------------------------

@dataclass
class World:
    keys: dict[str, str] = field(default_factory=dict)  # what URL kwargs and expectations refer to, as text

    def __getitem__(self, key: str) -> str:
        return self.keys[key]


def _grid_outside_wangge():
    """A grid of 桃城区 outside the community of the demo's grid worker, so wangge does not hold it."""
    from wenming.org.models import Area, Person

    wangge_path = Person.objects.get(username="wangge").roles.get().area.path
    county = Area.objects.get(code="131102")
    grids = Area.objects.filter(level="grid", path__startswith=county.path).exclude(path__startswith=wangge_path)
    return grids.order_by("code").first()


def _extra_people(world: World) -> None:
    """An area leader of another district and one of a street there (both out of scope of 桃城区's cases)."""
    from wenming.org.models import Area, Person, Role, RoleAssignment

    other_county = Area.objects.filter(level="county").exclude(code="131102").order_by("code").first()
    other_street = Area.objects.filter(level="street", parent=other_county).order_by("code").first()
    for username, area in (("other_district", other_county), ("other_street", other_street)):
        person = Person.objects.create_user(username=username, password=PASSWORD, display_name=f"{area.name} 领导",
                                            is_staff=True)
        RoleAssignment.objects.create(person=person, role=Role.AREA_LEADER, area=area)
    world.keys["other_county_code"] = other_county.code


def world_build() -> World:
    """The objects the matrix fills URLs with (see the module's docstring); runs inside the test's transaction."""
    from wenming.api.models import Open311Report
    from wenming.api.services.keys import api_key_issue
    from wenming.campaign.models import Campaign, ProgressEvidence, Task
    from wenming.campaign.services import tasks as task_services
    from wenming.campaign.services.meetings import meeting_prepare
    from wenming.cases.models import Case, CaseEvent, Evidence, ExposurePhoto, FollowUpChannel, Webhook
    from wenming.cases.services import exposure as ex
    from wenming.cases.services import workflow as wf
    from wenming.cases.services.escalation import escalation_policy
    from wenming.cases.services.followup import followup_record
    from wenming.conftest import photo_bytes
    from wenming.demo.campaign import campaign_demo_build
    from wenming.org.models import Area, Person, Site, Unit
    from wenming.public.services.reports import public_report_submit
    from wenming.scoring.models import IndexVersion
    from wenming.scoring.services import boards, scores
    from wenming.scoring.tests.scenario import Walk, at, clock

    world = World()
    grid = _grid_outside_wangge()
    _extra_people(world)
    w = Walk()
    w.grid = grid
    w.p = {p.username: p for p in Person.objects.filter(is_staff=True)}
    cgj, power = w.unit, Unit.objects.get(code="POWER")
    png = photo_bytes()

    # The hotline case, walked to closed with an after-photo.
    with clock(at(2, 8, 30)):
        hotline = wf.case_intake(channel="hotline", description="路口流动摊贩占道", lng=grid.lng, lat=grid.lat,
                                 category="SJ0401", actor=w.p["shouli"], reported_at=at(2, 8, 30),
                                 reporter_name=REPORTER_NAME, reporter_phone=REPORTER_PHONE,
                                 photos=[wf.Upload("before.png", png)])
    w.to_handling(hotline)
    w.submit(at(2, 10, 0), hotline)
    w.verify(at(2, 10, 30), hotline)
    w.close(at(2, 11, 0), hotline)
    # In hand.
    handling = w.intake(at(3, 8, 30), text="早市摊点占道")
    w.to_handling(handling, day=3)
    # The inspector's own finding, verified by the inspector.
    inspect = w.intake(at(4, 8, 30), channel="inspection", actor="anfang", text="暗访发现：商铺门前占道")
    w.to_handling(inspect, day=4)
    w.submit(at(4, 10, 0), inspect)
    w.verify(at(4, 10, 30), inspect)
    # Another unit's case in another district.
    other_county = Area.objects.get(code=world["other_county_code"])
    other_grid = Area.objects.filter(level="grid", path__startswith=other_county.path).order_by("code").first()
    with clock(at(5, 8, 30)):
        power_case = wf.case_intake(channel="hotline", description="路灯不亮", lng=other_grid.lng, lat=other_grid.lat,
                                    category="SJ0401", actor=w.p["shouli"], reported_at=at(5, 8, 30))
    w.step(at(5, 8, 45), wf.case_register, power_case, "shouli")
    w.step(at(5, 9, 0), wf.case_dispatch, power_case, "paiqian", unit=power)
    w.step(at(5, 9, 5), wf.case_sign, power_case, "gongdian")
    w.step(at(5, 9, 30), wf.case_submit, power_case, "gongdian", note="已修复", photos=[wf.Upload("a.png", png)])
    w.verify(at(5, 9, 40), power_case)
    w.close(at(5, 9, 50), power_case)
    # Two citizen reports: one waiting for moderation (with personal data), one rejected as spam.
    with clock(at(6, 9, 0)):
        pending = public_report_submit(description="联系人 张三 13800138000 身份证 110101199003071234 冀T12345",
                                       lng=grid.lng, lat=grid.lat, ip="198.51.100.7")
        spam = public_report_submit(description="广告 加微信 spam-text-0001", lng=grid.lng, lat=grid.lat,
                                    ip="198.51.100.8")
    w.step(at(6, 9, 30), wf.case_reject, spam, "shouli", note="垃圾信息")

    # Scores of the week: units and inspectors published, a red/black list, an accountability record.
    after = at(10, 9)
    # A small week: rank whoever handled a case, so the red/black list has entries.
    IndexVersion.objects.update(min_volume=1)
    unit_snapshot = scores.snapshot_compute(subject="unit", period="week", day=at(2, 9).date(), now=after)
    unit_snapshot = scores.snapshot_publish(snapshot_id=unit_snapshot.pk, actor=w.p["zhiban"], now=after)
    insp_snapshot = scores.snapshot_compute(subject="inspector", period="week", day=at(2, 9).date(), now=after)
    insp_snapshot = scores.snapshot_publish(snapshot_id=insp_snapshot.pk, actor=w.p["zhiban"], now=after)
    board = boards.red_black_list_draft(snapshot_id=unit_snapshot.pk, actor=w.p["zhiban"], size=3)
    board = boards.red_black_list_publish(board_id=board.pk, actor=w.p["admin"], note="周例会通过")  # four eyes
    record = boards.accountability_create(kind="talk", title="超期约谈", reason="本周超期", unit=cgj,
                                          due_date=dt.date(2026, 3, 20), actor=w.p["zhiban"], now=after,
                                          cases=[handling])

    # The exposure board: the hotline case with its after-photo.
    after_photo = Evidence.objects.filter(case=hotline, kind=Evidence.Kind.AFTER).first()
    before_photo = Evidence.objects.filter(case=hotline, kind=Evidence.Kind.BEFORE).first()
    exposure = ex.exposure_save(case_id=hotline.pk, actor=w.p["zhiban"], headline="路口占道", summary="已整改")
    ex.exposure_photos_set(exposure_id=exposure.pk, actor=w.p["zhiban"],
                           photos=[(before_photo.pk, []), (after_photo.pk, [])])
    ex.exposure_publish(exposure_id=exposure.pk, actor=w.p["zhiban"])
    followup_record(case_id=hotline.pk, rating="satisfied", fixed=True, channel=FollowUpChannel.WEB)

    # The campaign: a meeting, a task of 城管 桃城分局 with a progress report and its PDF.
    campaign_demo_build()
    campaign = Campaign.objects.get(code="HS-2022")
    task = Task.objects.filter(campaign=campaign, measure="reported").order_by("code").first()
    Task.objects.filter(pk=task.pk).update(lead_unit=cgj)
    task_services.progress_report(task_id=task.pk, actor=w.p["chengguan"], value=0, narrative="完成第一批",
                                  files=[task_services.Upload("方案.pdf", b"%PDF-1.4\n%%EOF\n")])
    meeting = meeting_prepare(campaign=campaign, week_start=dt.date(2026, 3, 2), actor=w.p["zhiban"])

    # Inspections: the demo schemes and round (planned, so unannounced), anfang's first day recorded with findings
    # (before the webhook below exists, so its findings queue no deliveries).
    from wenming.demo.inspections import ROUND_CODE, inspections_demo_build
    from wenming.inspections.models import Round

    inspections_demo_build()
    insp_round = Round.objects.get(code=ROUND_CODE)
    world.keys.update({
        "insp_round": str(insp_round.pk), "insp_scheme": str(insp_round.schemes.order_by("pk").first().pk),
        "insp_assignment": str(insp_round.assignments.filter(assignee=w.p["anfang"]).order_by("pk")
                               .values_list("pk", flat=True).last()),
    })

    # Storefront checks (门前五包): a shop of jiedao's street office checked with one violation: its notice and photo.
    from wenming.inspections.services import storefront as sf_services
    from wenming.org.models import StorefrontDuty

    sf_shop = StorefrontDuty.objects.filter(supervising_unit=w.p["jiedao"].unit).order_by("code").first()
    sf_check = sf_services.storefront_check_record(
        actor=w.p["jiedao"], shop_id=sf_shop.pk, lng=sf_shop.lng, lat=sf_shop.lat,
        results=[sf_services.DutyResult(d, d != "order", "", wf.Upload("p.png", photo_bytes()) if d == "order" else None)
                 for d in sf_services.DUTY_KEYS])
    world.keys.update({"sf_shop": str(sf_shop.pk), "sf_notice": str(sf_check.issued_notice.pk),
                       "sf_photo": str(sf_check.items.get(duty="order").pk)})
    world.keys.update(_patrol_world(w.p["jiedao"]))
    _registry_world(cgj)
    world.keys.update(_selection_world(w.p))
    world.keys.update(_vote_world(cgj))
    world.keys.update(_window_world(cgj, w.p))
    world.keys.update(_volunteer_world(cgj))
    world.keys.update(_credit_world(cgj, power))

    # Integrations: an API key with an Open311 report on the hotline case, a webhook.
    key, _secret = api_key_issue(name="12345 平台", person=w.p["shouli"])
    Open311Report.objects.create(case=hotline, api_key=key, email="caller@example.com")
    Webhook.objects.create(name="省平台", url="https://hook.example/in", secret="s" * 32)

    hotline.refresh_from_db()
    site = Site.objects.filter(area__path__startswith=grid.path[: len(grid.path)]).first() or Site.objects.filter(
        guarantor_unit=cgj).first() or Site.objects.order_by("code").first()
    k = world.keys
    k.update(_target_line(campaign, site, cgj, w.p["zhiban"]))
    k.update({
        "county_code": "131102", "unit_code": cgj.code, "power_code": power.code, "site_code": site.code,
        "category_code": "SJ0401",
        "case": str(handling.pk), "case_closed": str(hotline.pk), "case_insp": str(inspect.pk),
        "case_power": str(power_case.pk), "case_pending": str(pending.pk), "case_spam": str(spam.pk),
        "number_closed": hotline.number, "number_insp": inspect.number, "number_power": power_case.number,
        "number_pending": pending.number, "number_spam": spam.number, "number_handling": handling.number,
        "code": hotline.tracking_code, "wrong_code": "ZZZZ9999",
        "evidence": str(after_photo.pk), "photo": str(after_photo.pk),
        "exposure": str(exposure.pk),
        "exposure_photo": str(ExposurePhoto.objects.filter(exposure=exposure).values_list("pk", flat=True).first()),
        "snapshot": str(unit_snapshot.pk), "snapshot_insp": str(insp_snapshot.pk),
        "key_own_unit": str(cgj.pk), "key_other_unit": str(power.pk), "key_inspector": str(w.p["anfang"].pk),
        "board": str(board.pk), "record": str(record.pk),
        "force": str(task.task_force_id), "task": str(task.pk), "meeting": str(meeting.pk),
        "progress_evidence": str(ProgressEvidence.objects.filter(report__task=task).values_list("pk", flat=True).first()),
        "case_event": str(CaseEvent.objects.filter(case=inspect, action="report").values_list("pk", flat=True).first()),
        "case_ct": str(ContentType.objects.get_for_model(Case).pk),
        "person_acted": str(w.p["chengguan"].pk),
        # A grid worker of the street office jiedao leads, who has never logged in: the one deactivated.
        "person_idle": str(Person.objects.filter(username__startswith="gw", unit=w.p["jiedao"].unit)
                           .order_by("pk").values_list("pk", flat=True).first()),
    })
    # Open311's photos (issue 14): the board's published before-photo, and a photo of a request never published.
    k["before_photo"] = str(before_photo.pk)
    k["photo_unpublished"] = str(Evidence.objects.filter(case=power_case).values_list("pk", flat=True).first())
    # The evaluation framework: the demo editions and the evaluation office (ceping); one criterion led by
    # 城管 桃城分局 alone, another by the city's approval bureau only.
    from wenming.demo.evaluation import evaluation_demo_build
    from wenming.evaluation.models import Criterion
    from wenming.evaluation.services.responsibility import Responsibility, criterion_responsibility_set

    evaluation_demo_build()
    criterion_cg = Criterion.objects.get(edition__code="DEMO-2026", code="P5.1.2")
    criterion_responsibility_set(criterion_id=criterion_cg.pk, actor=Person.objects.get(username="ceping"),
                                 expected_version=criterion_cg.version,
                                 value=Responsibility(lead_unit_id=cgj.pk, fields=frozenset({"lead_unit_id",
                                                                                             "responsible_unit_ids"})))
    k.update({"criterion_cg": str(criterion_cg.pk),
              "criterion_other": str(Criterion.objects.get(edition__code="DEMO-2026", code="P1.1.1").pk)})
    # The risk watch: an open record on each of those criteria, the unit's answered with a photo; a plan of
    # 城管 桃城分局's criterion with an attachment.
    from wenming.evaluation.models import RiskLevel, RiskPlanAttachment, SignalKind
    from wenming.evaluation.services import risk as risk_services

    risk_cg = risk_services.risk_signal_record(criterion_id=criterion_cg.pk, kind=SignalKind.MEDIA_REPORT,
                                               source_id="matrix-cg", level=RiskLevel.WARNING, note="媒体报道").record
    risk_services.risk_step(record_id=risk_cg.pk, actor=w.p["chengguan"], action_key="respond", note="已处置",
                            files=[risk_services.Upload("after.png", png)])
    risk_other = risk_services.risk_signal_record(criterion_id=int(k["criterion_other"]),
                                                  kind=SignalKind.MEDIA_REPORT, source_id="matrix-other",
                                                  level=RiskLevel.WATCH, note="窗口投诉").record
    risk_services.risk_plan_save(criterion_id=criterion_cg.pk, actor=Person.objects.get(username="ceping"),
                                 expected_revision=0, triggers="学校周边占道", measures="清理", review_cycle_days=30,
                                 files=[risk_services.Upload("plan.png", png)])
    k.update({"risk_cg": str(risk_cg.pk), "risk_other": str(risk_other.pk),
              "risk_evidence": str(risk_cg.evidence.get().pk),
              "risk_plan_file": str(RiskPlanAttachment.objects.get(plan__criterion=criterion_cg).pk)})
    k.update(_ledger(criterion_cg, campaign))
    # The online materials: an open window, a photo set required of P5.1.2 (城管 桃城分局's), submitted by chengguan.
    import datetime as _dt

    from django.utils import timezone as _tz

    from wenming.evaluation.services import materials as mat

    ceping = Person.objects.get(username="ceping")
    edition = criterion_cg.edition
    mat.submission_window_set(edition_id=edition.pk, actor=ceping, opens_at=_tz.now() - _dt.timedelta(days=1),
                              closes_at=_tz.now() + _dt.timedelta(days=30), expected_version=None)
    material = mat.material_requirement_save(actor=ceping, criterion_id=criterion_cg.pk, values=mat.RequirementValues(
        kind="photos", title="背街小巷照片", due_on=_tz.localdate() + _dt.timedelta(days=3)))
    submitted = mat.material_step(requirement_id=material.pk, actor=w.p["chengguan"], action_key="submit",
                                  expected_version=material.version,
                                  files=[mat.MaterialUpload("整治后.png", photo_bytes(size=(640, 480)))])
    k.update({"material_cg": str(material.pk), "material_file": str(submitted.submission.files.get().pk)})
    escalation_policy()  # the city's one policy row, made on first use: made now, so its admin pages open it
    _admin_objects(world, {
        "org.area": Area.objects.get(code="131102"), "org.unit": cgj, "org.person": w.p["chengguan"],
        "org.roleassignment": w.p["chengguan"].roles.first(), "org.site": site, "campaign.campaign": campaign,
        "campaign.task": task, "campaign.taskforce": task.task_force, "campaign.meeting": meeting,
        "cases.case": handling, "cases.caseevent": CaseEvent.objects.get(pk=k["case_event"]),
        "scoring.scoresnapshot": unit_snapshot, "scoring.redblacklist": board, "scoring.accountabilityrecord": record,
        "scoring.indexversion": unit_snapshot.index_version, "public.publicreport": pending.public_report,
        "api.apikey": key,
    })
    return world


def _patrol_world(jiedao) -> dict[str, str]:
    """Road chiefs: jiedao is named the street-level chief of the main road of its street (in 桃城区), with a patrol
    under way and one check-in on the road."""
    from wenming.inspections.services import patrols as patrol_services
    from wenming.org.models import RoadChief

    chief = (RoadChief.objects.filter(level=RoadChief.Level.STREET, unit=jiedao.unit, segment__code__endswith="M")
             .order_by("segment__code").first())
    chief.person = jiedao
    chief.save(update_fields=["person"])
    patrol = patrol_services.patrol_start(actor=jiedao, chief_id=chief.pk)
    patrol_services.patrol_checkin(actor=jiedao, patrol_id=patrol.pk, lng=chief.segment.lng, lat=chief.segment.lat)
    return {"patrol_chief": str(chief.pk), "patrol": str(patrol.pk)}


def _registry_world(owner) -> None:
    """The e-bike register kept by ``owner`` (城管 桃城分局 here, so the matrix's unit is the owning department), with
    one record (MX00001) and its figures."""
    import datetime as dt

    from wenming.org.models import Area, AreaLevel
    from wenming.registries.models import RecordStatus, Registry, RegistryKind, RegistryRecord
    from wenming.registries.services.figures import figures_compute

    registry = Registry.objects.create(code="ebike", kind=RegistryKind.EBIKE, name="电动自行车备案", owner_unit=owner)
    community = Area.objects.filter(level=AreaLevel.COMMUNITY, path__contains="/131102/").order_by("code").first()
    RegistryRecord.objects.create(registry=registry, number="MX00001", status=RecordStatus.PLATED, area=community)
    figures_compute(registry=registry, as_of=dt.date(2026, 3, 1))


def _selection_world(p) -> dict[str, str]:
    """Selections (评选): four calls run through the services by the shift leader (zhiban, an organiser) — one taking
    nominations, one in expert review with wangge's community nomination (a public phone on it) scored by an expert
    outside the matrix's roles, one in public notice with an open objection, one published with a winner."""
    from django.utils import timezone

    from wenming.common.access import restrict
    from wenming.common.roles import Role
    from wenming.conftest import photo_bytes
    from wenming.org.models import Area, AreaLevel, Person, RoleAssignment, Site, Unit
    from wenming.selections.models import SelectionKind
    from wenming.selections.services import calls as svc
    from wenming.selections.services.nominations import (
        Nominee,
        Upload,
        nomination_create,
        nomination_public_submit,
    )
    from wenming.selections.services.qualification import qualification_override, qualification_run
    from wenming.selections.services.results import objection_public_submit
    from wenming.selections.services.review import conflict_declare, score_submit

    zhiban, wangge = p["zhiban"], p["wangge"]
    expert = Person.objects.create_user(username="sel_expert", password="x", is_staff=True)
    RoleAssignment.objects.create(person=expert, role=Role.UNIT_HANDLER, unit=Unit.objects.get(code="WMB"))
    kind = SelectionKind.objects.create(code="zmld", name="最美楼道", subject="site")
    now = timezone.now()
    site = restrict(Site.objects.filter(area__isnull=False), wangge).order_by("code").first()
    community = Area.objects.filter(level=AreaLevel.COMMUNITY, pk__in=wangge.roles.values("area")).first()
    counties = Area.objects.filter(level=AreaLevel.COUNTY)

    def call(title, opens):
        made = svc.call_create(actor=zhiban, values=svc.CallValues(
            kind_id=kind.pk, title=title, criteria="", organiser_id=Unit.objects.get(code="CMD").pk,
            nominations_open=opens, nominations_close=opens + dt.timedelta(days=10), notice_days=5,
            expert_weight=70, quotas={c.pk: 1 for c in counties}, sheet=[svc.SheetItem("环境", 100)]))
        svc.panel_member_add(call_id=made.pk, actor=zhiban, username=expert.username)
        return step(made, "open", opens)

    def step(made, key, when):
        made.refresh_from_db()
        return svc.call_step(call_id=made.pk, actor=zhiban, action_key=key, expected_version=made.version, now=when)

    def reviewed(made, nomination, when):
        step(made, "close", when)
        nomination.refresh_from_db()
        qualification_run(nomination_id=nomination.pk, actor=zhiban, expected_version=nomination.version)
        nomination.refresh_from_db()
        if nomination.status == "held_back":
            qualification_override(nomination_id=nomination.pk, actor=zhiban, expected_version=nomination.version,
                                   note="已整改")
        conflict_declare(nomination_id=nomination.pk, actor=expert, conflicted=False)
        item = made.score_items.get()
        return score_submit(nomination_id=nomination.pk, actor=expert, points={item.pk: 88})

    png = [Upload("p.png", photo_bytes())]
    nominating = call("征集中的评选", now - dt.timedelta(days=1))
    review = call("评审中的评选", now - dt.timedelta(days=1))
    nomination = nomination_create(call_id=review.pk, actor=wangge, nominee=Nominee(site_id=site.pk),
                                   statement="楼道整洁", photos=png, now=now)
    nomination_public_submit(call_id=review.pk, phone="13912345678", statement="群众推荐", now=now,
                             nominee=Nominee(name="群众推荐的楼道", area_id=community.pk))
    score = reviewed(review, nomination, now)
    notice = call("公示中的评选", now - dt.timedelta(days=1))
    in_notice = nomination_create(call_id=notice.pk, actor=wangge, nominee=Nominee(site_id=site.pk),
                                  statement="楼道整洁", photos=png, now=now)
    reviewed(notice, in_notice, now)
    step(notice, "notice", now)
    objection = objection_public_submit(nomination_id=in_notice.pk, phone="13912345678", text="有堆物")
    published = call("已发布的评选", now - dt.timedelta(days=60))
    winner = nomination_create(call_id=published.pk, actor=wangge, nominee=Nominee(site_id=site.pk),
                               statement="楼道整洁", photos=png, now=now - dt.timedelta(days=59))
    reviewed(published, winner, now - dt.timedelta(days=50))
    step(published, "notice", now - dt.timedelta(days=40))
    step(published, "publish", now - dt.timedelta(days=20))
    return {"sel_call_open": str(nominating.pk), "sel_call": str(review.pk), "sel_nomination": str(nomination.pk),
            "sel_photo": str(nomination.photos.get().pk), "sel_score": str(score.pk),
            "sel_in_notice": str(in_notice.pk), "sel_notice_photo": str(in_notice.photos.get().pk),
            "sel_objection": str(objection.pk), "sel_winner": str(winner.pk)}


def _vote_world(organiser) -> dict[str, str]:
    """The public vote: a call in its vote with one nominee on the ballot and one vote flagged for review."""
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from wenming.conftest import photo_bytes
    from wenming.selections.models import (
        Call,
        CallStatus,
        Nomination,
        NominationPhoto,
        NominationStatus,
        SelectionKind,
        Vote,
        VoteFlag,
    )

    now = timezone.now()
    kind = SelectionKind.objects.create(code="matrix-vote", name="最美楼道", subject="site")
    call = Call.objects.create(kind=kind, title="矩阵投票评选", organiser=organiser, status=CallStatus.VOTING,
                               nominations_open=now - dt.timedelta(days=20), nominations_close=now - dt.timedelta(days=9),
                               vote_opens=now - dt.timedelta(days=1), vote_closes=now + dt.timedelta(days=6))
    nominee = Nomination.objects.create(call=call, number=1, name="矩阵楼道", area=organiser.area, statement="整洁",
                                        nominator_kind="community", status=NominationStatus.SHORTLISTED)
    vote = Vote.objects.create(call=call, nomination=nominee, day=timezone.localdate(), phone_hash="p" * 32,
                               block_hash="b" * 16, network_hash="n" * 16, prefix_hash="x" * 16, device_hash="d" * 16,
                               state="flagged", at=now)
    VoteFlag.objects.create(vote=vote, call=call, reason="burst_network", subject="n" * 16, at=now)
    photo = NominationPhoto.objects.create(nomination=nominee, file=ContentFile(photo_bytes(), name="stairwell.png"))
    return {"vote_call": str(call.pk), "vote_photo": str(photo.pk)}
def _window_world(cgj, p) -> dict[str, str]:
    """A service window of 城管 桃城分局 at 桃城区's hall (so its unit, the district and the city-wide roles see it),
    with a matter, a bad rating waiting for an answer, a draft period and a published one."""
    import datetime as dt

    from wenming.org.models import Site
    from wenming.windows.models import BusinessItem
    from wenming.windows.services import citizens, competition, matters, records

    hall = Site.objects.filter(site_type__code="hall", area__path__contains="/131102/").order_by("code").first()
    window = records.window_create(site=hall, unit=cgj, name="城管审批窗口", number="M1")
    item = BusinessItem.objects.create(code="M-ITEM", name="占道审批", legal_limit=5, commitment_limit=3)
    matter = matters.matter_accept(window_id=window.pk, actor=p["chengguan"], item_id=item.pk, external_id="M-1")
    rating = citizens.window_rate(code=window.code, phone="13800000001", level=1, comment="差")
    draft = competition.period_create(actor=p["paiqian"], name="草稿期", start=dt.date(2026, 1, 1),
                                      end=dt.date(2026, 1, 31))
    published = competition.period_create(actor=p["paiqian"], name="公布期", start=dt.date(2026, 2, 1),
                                          end=dt.date(2026, 2, 28))
    for actor, key in ((p["paiqian"], "compute"), (p["admin"], "approve"), (p["zhiban"], "publish")):
        competition.ranking_step(period_id=published.pk, actor=actor, action_key=key)
    return {"window": str(window.pk), "window_code": window.code, "matter": str(matter.pk), "rating": str(rating.pk),
            "period_draft": str(draft.pk), "period_published": str(published.pk)}
def _volunteer_world(cgj) -> dict[str, str]:
    """Volunteer service: an organisation of 桃城区 hosted by 城管 桃城分局, an activity running now, a volunteer
    (VOLUNTEER_NAME, never shown on a public page) checked in and out, their hours recorded; the QR link's token."""
    import datetime as dt

    from django.utils import timezone

    from wenming.org.models import Area
    from wenming.volunteers.models import Activity, HostKind, Membership, Organisation, Project, Team, Theme
    from wenming.volunteers.services.activities import signup_create
    from wenming.volunteers.services.checkins import checkin_record, checkin_token, checkout_record
    from wenming.volunteers.services.registration import volunteer_register

    county = Area.objects.get(code="131102")
    org = Organisation.objects.create(name="桃城区志愿服务队", host_kind=HostKind.UNIT, unit=cgj, area=county,
                                      area_path=county.path, requires_real_name=False)
    project = Project.objects.create(organisation=org, name="清洁家园", theme=Theme.CLEAN)
    now = timezone.now()
    activity = Activity.objects.create(project=project, organisation=org, theme=project.theme, title="清洁家园",
                                       place="人民公园", lng=county.lng, lat=county.lat, area=county,
                                       area_path=county.path, starts_at=now - dt.timedelta(hours=1),
                                       ends_at=now + dt.timedelta(hours=2), slots=5)
    volunteer = volunteer_register(phone=VOLUNTEER_PHONE, name=VOLUNTEER_NAME, birth_date=dt.date(1990, 1, 1),
                                   organisation_id=org.pk)
    signup_create(volunteer_id=volunteer.pk, activity_id=activity.pk)
    checkin_record(volunteer_id=volunteer.pk, activity_id=activity.pk, lng=county.lng, lat=county.lat)
    record = checkout_record(volunteer_id=volunteer.pk, activity_id=activity.pk, lng=county.lng, lat=county.lat)
    team = Team.objects.create(organisation=org, name="人民公园小队")
    membership = Membership.objects.get(volunteer=volunteer, organisation=org)
    Membership.objects.filter(pk=membership.pk).update(team=team)
    return {"vol_activity": str(activity.pk), "vol_record": str(record.pk), "vol_signup": str(record.signup_id),
            "vol_token": checkin_token(activity=activity), "vol_org": str(org.pk), "vol_project": str(project.pk),
            "vol_team": str(team.pk), "vol_membership": str(membership.pk)}
def _credit_world(owner, acting) -> dict[str, str]:
    """The credit network: a source kept by ``owner`` (城管 桃城分局, so the matrix's unit is the department), an
    enterprise with a published 失信 record and an unpublished penalty, a natural person with a 失信 record, and a
    joint-discipline measure the power company (``acting``) must take."""
    from wenming.common.credit_code import credit_code_complete
    from wenming.credit.models import (
        CreditRecord,
        CreditSource,
        CreditSubject,
        JointMeasure,
        RecordKind,
        SubjectKind,
    )

    source = CreditSource.objects.create(code="mxcredit", name="矩阵信用来源", owner_unit=owner,
                                         kinds=list(RecordKind.values))
    code = credit_code_complete("91131102MX0000001")
    firm = CreditSubject.objects.create(key=code, credit_code=code, name="矩阵测试贸易有限公司", kind=SubjectKind.ENTERPRISE)
    person = CreditSubject.objects.create(key="Pmatrix", name="矩阵张某", kind=SubjectKind.PERSON)
    public = CreditRecord.objects.create(source=source, source_record_id="MXC-1", subject=firm, kind=RecordKind.DISHONEST,
                                         decided_by="矩阵机关", reason="公开失信原因")
    CreditRecord.objects.create(source=source, source_record_id="MXC-2", subject=firm, kind=RecordKind.PENALTY,
                                public=False, reason="内部记录甲")
    CreditRecord.objects.create(source=source, source_record_id="MXC-3", subject=person, kind=RecordKind.DISHONEST,
                                public=False, reason="自然人记录乙")
    measure = JointMeasure.objects.create(kind=RecordKind.DISHONEST, unit=acting, measure="矩阵惩戒措施")
    return {"credit_firm": str(firm.pk), "credit_person": str(person.pk), "credit_record": str(public.pk),
            "credit_measure": str(measure.pk)}


def _target_line(campaign, site, cgj, actor) -> dict[str, str]:
    """A line of the campaign's market list (R09-2) on the world's site, owned by its 包保 unit (else 城管 桃城分局),
    submitted with a PDF by the command centre: seen by those who see the site."""
    from wenming.campaign.models import TargetLine, TargetLineStatus, Task
    from wenming.campaign.services.target_lines import target_line_submit
    from wenming.campaign.services.tasks import Upload

    task = Task.objects.get(campaign=campaign, code="R09-2")
    line, _created = TargetLine.objects.update_or_create(task=task, site=site, defaults={
        "area_id": site.area_id, "area_path": site.area.path if site.area_id else "", "in_scope": True,
        "owner_unit_id": site.guarantor_unit_id or cgj.pk, "status": TargetLineStatus.PENDING})
    target_line_submit(line_id=line.pk, actor=actor, note="已整治", files=[Upload("整治后.pdf", b"%PDF-1.4\n%%EOF\n")])
    return {"target_line": str(line.pk), "target_evidence": str(line.evidence.get().pk)}


def _ledger(criterion, campaign) -> dict[str, str]:
    """The ledger: a period, the office's assessment of the criterion led by 城管 桃城分局 with a photo, and a closed
    回头看 round over its domain whose measure (a campaign task) was created."""
    from wenming.conftest import photo_bytes
    from wenming.evaluation.services import ledger as svc
    from wenming.org.models import Person

    office = Person.objects.get(username="ceping")
    period = svc.period_create(edition_id=criterion.edition_id, actor=office, name="2026年第一季度",
                               starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 3, 31))
    entry = svc.ledger_entry_assess(criterion_id=criterion.pk, period_id=period.pk, actor=office, status="partly",
                                    expected_version=0, files=[svc.Upload(name="现场.png", content=photo_bytes())])
    review_round = svc.review_round_open(edition_id=criterion.edition_id, period_id=period.pk, actor=office,
                                         name="一季度回头看", campaign_id=campaign.pk,
                                         measure_due_on=dt.date(2099, 1, 31), domain_id=criterion.domain_id)
    results = {i.pk: svc.ItemResult(status="not_met" if i.criterion_id == criterion.pk else "met",
                                    expected_version=i.version) for i in review_round.items.all()}
    svc.review_results_record(round_id=review_round.pk, actor=office, results=results)
    svc.review_round_close(round_id=review_round.pk, actor=office)
    return {"ledger_entry": str(entry.pk), "ledger_evidence": str(entry.evidence.get().pk),
            "review_round": str(review_round.pk)}


def _admin_objects(world: World, chosen: dict) -> None:
    """The object each admin model's pages are opened with (``adm:<app.model>``): the one given, else the
    first row, else an id no row has (its pages then answer as for a missing object)."""
    from django.contrib import admin

    for model in admin.site._registry:
        label = model._meta.label_lower
        obj = chosen.get(label) or model._default_manager.order_by("pk").first()
        world.keys[f"adm:{label}"] = str(obj.pk) if obj is not None else "999999999"


# -- clients --------------------------------------------------------------------------------------------------

CSRF_SECRET = "matrixcsrfsecret0123456789abcdef"  # 32 characters: Django takes an unmasked secret as the cookie


class MatrixClient(Client):
    """The test client without its template bookkeeping: it copies every template context of every page, which
    is most of the time of thousands of requests and nothing the matrix reads. An error answers 500 here
    (counted), instead of being raised."""

    def __init__(self, **kwargs):
        super().__init__(raise_request_exception=False, **kwargs)

    def request(self, **request):
        response = self.handler(self._base_environ(**request))
        if response.cookies:
            self.cookies.update(response.cookies)
        return response


def client_for(username: str | None, *, csrf_cookie: bool = True) -> MatrixClient:
    """A client that enforces CSRF like a browser, holding a CSRF cookie, logged in as ``username`` if given."""
    from wenming.org.models import Person

    client = MatrixClient(enforce_csrf_checks=True)
    if csrf_cookie:
        client.cookies["csrftoken"] = CSRF_SECRET
    if username:
        client.force_login(Person.objects.get(username=username))
    return client


@contextmanager
def short_admin_lists(per_page: int = 5):
    """Admin lists of a few rows: the same queryset and permissions, a fraction of the rendering."""
    from django.contrib import admin

    saved = {model: model_admin.list_per_page for model, model_admin in admin.site._registry.items()}
    for model_admin in admin.site._registry.values():
        model_admin.list_per_page = per_page
    try:
        yield
    finally:
        for model, value in saved.items():
            admin.site._registry[model].list_per_page = value


