"""The selection services, step by step: calls, nominations, the qualification check, expert review, ranking,
notice, objections, publication and withdrawal."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from wenming.campaign.models import Campaign, Measure, Task
from wenming.cases.models import Case
from wenming.cases.services import workflow as wf
from wenming.common.calendar import is_workday
from wenming.conftest import photo_bytes
from wenming.org.models import Unit
from wenming.selections.models import (
    Call,
    CallEvent,
    CallStatus,
    ExpertScore,
    Nomination,
    NominationEvent,
    NominationStatus,
    ObjectionStatus,
    QualificationResult,
)
from wenming.selections.services import calls as call_services
from wenming.selections.services import kinds as kind_services
from wenming.selections.services import qualification_checks as registry
from wenming.selections.services.errors import (
    IllegalTransition,
    NotAllowed,
    SelectionError,
    StaleSelection,
)
from wenming.selections.services.nominations import (
    Nominee,
    Upload,
    nomination_create,
    nomination_public_submit,
)
from wenming.selections.services.qualification import qualification_override, qualification_run
from wenming.selections.services.ranking import call_ranking, vote_tally_register
from wenming.selections.services.results import (
    objection_decide,
    objection_public_submit,
    objection_record,
    title_revoke,
)
from wenming.selections.services.review import conflict_declare, score_correct, score_submit

from .conftest import call_values, site_in, step

pytestmark = pytest.mark.django_db
N = NominationStatus


def _nominate(call, actor, site, **kw):
    return nomination_create(call_id=call.pk, actor=actor, nominee=Nominee(site_id=site.pk),
                             statement="楼道整洁，邻里和睦。", **kw)


def _qualify(n, actor):
    n.refresh_from_db()
    return qualification_run(nomination_id=n.pk, actor=actor, expected_version=n.version)


def _score(n, expert, env, mood):
    conflict_declare(nomination_id=n.pk, actor=expert, conflicted=False)
    items = list(n.call.score_items.all())
    return score_submit(nomination_id=n.pk, actor=expert, points={items[0].pk: env, items[1].pk: mood})


# -- calls ------------------------------------------------------------------------------------------------------

def test_call_create_refuses_bad_values(kinds, districts, organiser, people):
    values = call_values(kinds["zmld"], districts)
    with pytest.raises(NotAllowed):
        call_services.call_create(actor=people["chengguan"], values=values)
    bad = call_services.CallValues(**{**values.__dict__, "nominations_close": values.nominations_open})
    with pytest.raises(SelectionError, match="Nominations close"):
        call_services.call_create(actor=organiser, values=bad)
    bad = call_services.CallValues(**{**values.__dict__, "quotas": {}})
    with pytest.raises(SelectionError, match="Quotas"):
        call_services.call_create(actor=organiser, values=bad)
    street = districts[0].children.first()
    bad = call_services.CallValues(**{**values.__dict__, "quotas": {street.pk: 1}})
    with pytest.raises(SelectionError, match="districts"):
        call_services.call_create(actor=organiser, values=bad)
    bad = call_services.CallValues(**{**values.__dict__, "sheet": [call_services.SheetItem("x", 1000)]})
    with pytest.raises(SelectionError, match="Scoring sheet, line 1"):
        call_services.call_create(actor=organiser, values=bad)
    call = call_services.call_create(actor=organiser, values=values)
    assert call.status == CallStatus.DRAFT and call.score_items.count() == 2
    assert CallEvent.objects.filter(call=call, action="created").exists()


def test_call_step_refuses_stale_and_wrong_state(kinds, districts, organiser, people):
    call = call_services.call_create(actor=organiser, values=call_values(kinds["zmld"], districts))
    with pytest.raises(StaleSelection):
        call_services.call_step(call_id=call.pk, actor=organiser, action_key="open", expected_version=7)
    with pytest.raises(IllegalTransition):
        call_services.call_step(call_id=call.pk, actor=organiser, action_key="publish", expected_version=0)
    with pytest.raises(NotAllowed):
        call_services.call_step(call_id=call.pk, actor=people["chengguan"], action_key="open", expected_version=0)
    with pytest.raises(SelectionError, match="Note"):
        call_services.call_step(call_id=call.pk, actor=organiser, action_key="cancel", expected_version=0)
    call = step(call, "open", organiser)
    assert call.status == CallStatus.NOMINATING and call.version == 1
    assert [a.key for a in call_services.call_actions_for(call, organiser)] == ["close", "cancel"]
    assert call_services.call_actions_for(call, people["chengguan"]) == []


def test_call_update_refuses_a_stale_page(open_call, organiser, districts):
    values = call_values(open_call.kind, districts)
    updated = call_services.call_update(call_id=open_call.pk, actor=organiser, expected_version=open_call.version,
                                        values=call_services.CallValues(**{**values.__dict__, "title": "新标题"}))
    assert updated.title == "新标题"
    with pytest.raises(StaleSelection):
        call_services.call_update(call_id=open_call.pk, actor=organiser, expected_version=0, values=values)


# -- nominations ------------------------------------------------------------------------------------------------

def test_nominations_are_numbered_per_call_with_photos(open_call, community_worker, people):
    site = site_in(community_worker)
    first = _nominate(open_call, community_worker, site, photos=[Upload("a.png", photo_bytes())])
    second = _nominate(open_call, people["chengguan"], site_in(people["chengguan"]) or site)
    assert (first.number, second.number) == (1, 2)
    assert first.nominator_kind == "community" and second.nominator_kind == "unit"
    assert second.nominator_unit == people["chengguan"].roles.first().unit
    assert first.photos.count() == 1 and first.district.level == "county"
    assert NominationEvent.objects.filter(nomination=first, action="nominated").exists()


def test_a_refused_photo_leaves_nothing(open_call, community_worker):
    with pytest.raises(SelectionError, match="Photos"):
        _nominate(open_call, community_worker, site_in(community_worker), photos=[Upload("a.png", b"not an image")])
    assert not Nomination.objects.exists()


def test_nominating_outside_the_window_or_scope(open_call, community_worker, people, kinds, districts, organiser):
    other = call_services.call_create(actor=organiser, values=call_values(kinds["zmxq"], districts))
    with pytest.raises(IllegalTransition):
        _nominate(other, community_worker, site_in(community_worker))  # a draft call
    with pytest.raises(NotAllowed):
        _nominate(open_call, people["anfang"], site_in(community_worker))
    foreign = site_in(people["gongdian"]) or site_in(people["taocheng"])
    outside = type(foreign).objects.exclude(area__path__startswith=community_worker.roles.first().area.path) \
        .filter(area__isnull=False).first()
    with pytest.raises(SelectionError, match="Nominee"):
        _nominate(open_call, community_worker, outside)
    with pytest.raises(SelectionError, match="Statement"):
        nomination_create(call_id=open_call.pk, actor=community_worker,
                          nominee=Nominee(site_id=site_in(community_worker).pk), statement="  ")


def test_public_nomination_keeps_the_phone_for_the_organisers(open_call, community_worker):
    area = community_worker.roles.first().area
    n = nomination_public_submit(call_id=open_call.pk, phone="13912345678", ip="1.2.3.4",
                                 nominee=Nominee(name="幸福里3号楼2单元", area_id=area.pk), statement="干净整洁")
    assert n.nominator_kind == "public" and n.nominator_phone == "13912345678" and n.nominated_by is None
    with pytest.raises(SelectionError, match="Phone"):
        nomination_public_submit(call_id=open_call.pk, phone="", nominee=Nominee(name="x", area_id=area.pk),
                                 statement="x")


def test_integrity_titles_refuse_a_blocking_credit_finding(kinds, districts, organiser):
    def credit(nomination):
        if nomination.credit_code == "91131100MA0000000X":
            return [registry.Finding("credit", "失信被执行人（2026）冀11执123号")]
        return []

    registry.qualification_check_register("test_credit", credit, refuses_integrity=True)
    try:
        call = call_services.call_create(actor=organiser, values=call_values(kinds["cxjyd"], districts))
        call = step(call, "open", organiser)
        community = districts[0].children.first().children.first()
        with pytest.raises(SelectionError, match="失信被执行人"):
            nomination_create(call_id=call.pk, actor=organiser, statement="诚信经营",
                              nominee=Nominee(name="某商店", area_id=community.pk,
                                              credit_code="91131100MA0000000X"))
        assert not Nomination.objects.filter(call=call).exists()
        ok = nomination_create(call_id=call.pk, actor=organiser, statement="诚信经营",
                               nominee=Nominee(name="好商店", area_id=community.pk,
                                               credit_code="91131100MA0000001X"))
        assert ok.number == 1
    finally:
        registry._CHECKS.pop("test_credit", None)


# -- the qualification check ------------------------------------------------------------------------------------

def _overdue_case_at(site, people):
    case = wf.case_intake(channel="hotline", description="楼道堆放杂物", lng=site.lng, lat=site.lat,
                          category="SJ0401", actor=people["shouli"], site=site)
    # The registration deadline passed a day ago: the case is open and overdue.
    Case.objects.filter(pk=case.pk).update(site=site, register_due=timezone.now() - dt.timedelta(days=1))
    return case


def test_qualification_holds_back_a_compound_with_an_overdue_case(open_call, community_worker, organiser, people):
    site = site_in(community_worker)
    Case.objects.filter(site=site).update(site=None)
    nomination = _nominate(open_call, community_worker, site)
    result = _qualify(nomination, organiser)
    assert not result.blocking
    nomination.refresh_from_db()
    assert nomination.status == N.QUALIFIED
    case = _overdue_case_at(site, people)
    result = _qualify(nomination, organiser)
    nomination.refresh_from_db()
    assert result.blocking and nomination.status == N.HELD_BACK
    finding = next(f for f in result.findings if f["blocking"])
    assert finding["source"] == "cases" and case.number in finding["label"]
    assert finding["url"] == f"/cases/{case.pk}/"
    assert QualificationResult.objects.filter(nomination=nomination).count() == 2
    # Not overdue: a note, not a hold.
    Case.objects.filter(pk=case.pk).update(register_due=timezone.now() + dt.timedelta(days=1))
    result = _qualify(nomination, organiser)
    assert not result.blocking and result.findings[0]["blocking"] is False


def test_override_needs_an_organiser_and_a_note(open_call, community_worker, organiser, people):
    site = site_in(community_worker)
    nomination = _nominate(open_call, community_worker, site)
    _overdue_case_at(site, people)
    _qualify(nomination, organiser)
    nomination.refresh_from_db()
    with pytest.raises(NotAllowed):
        qualification_run(nomination_id=nomination.pk, actor=community_worker, expected_version=nomination.version)
    with pytest.raises(SelectionError, match="Note"):
        qualification_override(nomination_id=nomination.pk, actor=organiser, expected_version=nomination.version,
                                note=" ")
    qualification_override(nomination_id=nomination.pk, actor=organiser, expected_version=nomination.version,
                            note="已整改")
    nomination.refresh_from_db()
    assert nomination.status == N.QUALIFIED
    assert NominationEvent.objects.get(nomination=nomination, action="hold_overridden").note == "已整改"


# -- expert review, ranking, notice, publication ----------------------------------------------------------------

@pytest.fixture
def reviewed(open_call, community_worker, organiser, experts, people):
    """Three qualified nominees in the first district (quota 1) scored by the panel, the call in review."""
    sites = list(type(site_in(community_worker)).objects.filter(
        area__path__startswith=community_worker.roles.first().area.path).order_by("code")[:3])
    Case.objects.filter(site__in=sites).update(site=None)
    entries = [_nominate(open_call, community_worker, s) for s in sites]
    for e in experts:
        call_services.panel_member_add(call_id=open_call.pk, actor=organiser, username=e.username)
    step(open_call, "close", organiser)
    for e in entries:
        _qualify(e, organiser)
    return entries


def test_conflicted_expert_is_excluded_and_scores_lock(reviewed, experts, organiser, people):
    a, b, c = reviewed
    with pytest.raises(SelectionError, match="Declare first"):
        score_submit(nomination_id=a.pk, actor=experts[0], points={})
    with pytest.raises(NotAllowed):
        conflict_declare(nomination_id=a.pk, actor=people["chengguan"], conflicted=False)
    _score(a, experts[0], 60, 40)  # 100
    _score(a, experts[1], 30, 20)  # 50
    conflict_declare(nomination_id=a.pk, actor=experts[2], conflicted=True, note="亲属居住于此")
    with pytest.raises(NotAllowed, match="conflict"):
        score_submit(nomination_id=a.pk, actor=experts[2], points={})
    with pytest.raises(SelectionError, match="locked|already"):
        _score(a, experts[0], 1, 1)
    items = list(a.call.score_items.all())
    with pytest.raises(SelectionError, match="between 0 and 60"):
        conflict_declare(nomination_id=b.pk, actor=experts[0], conflicted=False)
        score_submit(nomination_id=b.pk, actor=experts[0], points={items[0].pk: 61, items[1].pk: 0})
    ranking = {r.nomination.pk: r for r in call_ranking(call=a.call, votes={})}
    assert ranking[a.pk].expert_average == Decimal("75.00") and ranking[a.pk].experts == 2
    score = ExpertScore.objects.get(nomination=a, expert=experts[1])
    with pytest.raises(NotAllowed):
        score_correct(score_id=score.pk, actor=experts[1], points={items[0].pk: 60, items[1].pk: 40}, note="x")
    with pytest.raises(SelectionError, match="Note"):
        score_correct(score_id=score.pk, actor=organiser, points={items[0].pk: 60, items[1].pk: 40}, note="")
    score_correct(score_id=score.pk, actor=organiser, points={items[0].pk: 50, items[1].pk: 40}, note="专家笔误")
    score.refresh_from_db()
    assert score.total == Decimal("90.00") and score.corrected
    assert NominationEvent.objects.filter(nomination=a, action="score_corrected", note="专家笔误").exists()


def test_ranking_weighs_votes_and_fills_each_district_quota(reviewed, experts):
    a, b, c = reviewed
    _score(a, experts[0], 54, 36)  # 90
    _score(b, experts[0], 48, 32)  # 80
    _score(c, experts[0], 42, 28)  # 70
    no_votes = call_ranking(call=a.call, votes={})
    assert [r.nomination.pk for r in no_votes] == [a.pk, b.pk, c.pk]
    assert [r.proposed for r in no_votes] == [True, False, False]  # quota 1 in the district
    # 70% experts + 30% vote share: c with all the votes overtakes a (70×.7+100×.3=79 vs 90×.7+0=63).
    voted = call_ranking(call=a.call, votes={c.pk: 100, b.pk: 50})
    finals = {r.nomination.pk: r.final for r in voted}
    assert finals == {c.pk: Decimal("79.00"), b.pk: Decimal("71.00"), a.pk: Decimal("63.00")}
    assert voted[0].nomination.pk == c.pk and voted[0].proposed


def test_notice_objections_publish_and_revoke(reviewed, experts, organiser, people, monkeypatch):
    from wenming.selections.services import ranking

    a, b, c = reviewed
    _score(a, experts[0], 54, 36)
    _score(b, experts[0], 48, 32)
    call = a.call
    # No votes in this call: the registered tally is swapped for this test only (a global left replaced would
    # blank the votes of every later test in the process).
    monkeypatch.setattr(ranking, "_TALLY", [])
    vote_tally_register(lambda call: {})
    call = step(call, "notice", organiser)
    a.refresh_from_db(), b.refresh_from_db(), c.refresh_from_db()
    assert call.status == CallStatus.NOTICE
    assert (a.status, b.status, c.status) == (N.IN_NOTICE, N.NOT_SELECTED, N.NOT_SELECTED)
    assert a.final_score == Decimal("90.00") and a.expert_average == Decimal("90.00")
    # 5 working days on the working calendar, starting the next working day.
    today, end = timezone.localdate(), call.notice_ends_on
    assert sum(is_workday(today + dt.timedelta(days=d)) for d in range(1, (end - today).days + 1)) == 5
    assert is_workday(end)
    with pytest.raises(SelectionError, match="notice runs until"):
        step(call, "publish", organiser)
    objection = objection_public_submit(nomination_id=a.pk, phone="13912345678", text="该小区存在违建", ip="9.9.9.9")
    with pytest.raises(IllegalTransition):
        objection_public_submit(nomination_id=b.pk, phone="13912345678", text="x", ip="9.9.9.9")
    later = timezone.now() + dt.timedelta(days=20)
    with pytest.raises(SelectionError, match="Objections"):
        step(call, "publish", organiser, now=later)
    objection_decide(objection_id=objection.pk, actor=organiser, upheld=False, note="经核实，违建已拆除")
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.DISMISSED
    call = step(call, "publish", organiser, now=later)
    a.refresh_from_db()
    assert call.status == CallStatus.PUBLISHED and a.status == N.WINNER and a.published_at == later
    with pytest.raises(SelectionError, match="Public note"):
        title_revoke(nomination_id=a.pk, actor=organiser, expected_version=a.version, public_note="")
    with pytest.raises(NotAllowed):
        title_revoke(nomination_id=a.pk, actor=people["chengguan"], expected_version=a.version, public_note="x")
    title_revoke(nomination_id=a.pk, actor=organiser, expected_version=a.version, public_note="发现问题，撤销称号")
    a.refresh_from_db()
    assert a.status == N.REVOKED and a.public_note == "发现问题，撤销称号"


def test_an_upheld_objection_takes_the_nominee_off(reviewed, experts, organiser):
    a = reviewed[0]
    _score(a, experts[0], 54, 36)
    step(a.call, "notice", organiser)
    objection = objection_record(nomination_id=a.pk, actor=organiser, text="来信反映：楼道堆物")
    objection_decide(objection_id=objection.pk, actor=organiser, upheld=True, note="属实",
                     public_note="经核实存在问题，取消公示")
    a.refresh_from_db()
    assert a.status == N.NOT_SELECTED and a.public_note == "经核实存在问题，取消公示"
    with pytest.raises(SelectionError, match="No nominee"):
        step(a.call, "publish", organiser, now=timezone.now() + dt.timedelta(days=20))


def test_vote_step_puts_the_qualified_on_the_ballot(reviewed, organiser, experts):
    call = step(reviewed[0].call, "open_vote", organiser)
    assert call.status == CallStatus.VOTING and call.vote_opens and call.vote_closes > call.vote_opens
    assert set(call.nominations.values_list("status", flat=True)) == {N.SHORTLISTED}
    _score(reviewed[0], experts[0], 10, 10)  # experts may still score during the vote


def test_measure_source_counts_this_years_winners(reviewed, experts, organiser, django_capture_on_commit_callbacks):
    from wenming.campaign.services.tasks import MEASURE_SOURCES

    assert MEASURE_SOURCES["selections:zmld"]() == 0
    campaign = Campaign.objects.create(code="T", name="T", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 12, 31))
    task = Task.objects.create(campaign=campaign, code="X1", title="最美楼道 20 个", starts_on=dt.date(2026, 1, 1),
                               measure=Measure.REGISTER, measure_source="selections:zmld", target_value=20)
    a = reviewed[0]
    _score(a, experts[0], 54, 36)
    step(a.call, "notice", organiser)
    Call.objects.filter(pk=a.call_id).update(notice_ends_on=timezone.localdate() - dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        step(a.call, "publish", organiser)
    assert MEASURE_SOURCES["selections:zmld"]() == 1
    task.refresh_from_db()
    assert task.current_value == 1  # counted at once, not at the worker's next scan
    a.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        title_revoke(nomination_id=a.pk, actor=organiser, expected_version=a.version, public_note="撤销")
    task.refresh_from_db()
    assert task.current_value == 0  # a withdrawn title no longer counts
    kind = kind_services.selection_kind_create(actor=organiser, code="zmjt", name="最美家庭", subject="person",
                                               integrity=False)
    assert MEASURE_SOURCES["selections:zmjt"]() == 0 and kind.pk


# -- review findings: unit nominations in scope, bounded dates and sheet digits -----------------------------------

def test_unit_staff_nominate_only_units_in_their_scope(kinds, districts, organiser, people):
    from wenming.common.access import restrict
    from wenming.selections.forms import NominationForm

    call = call_services.call_create(actor=organiser, values=call_values(kinds["cxdw"], districts))
    call = step(call, "open", organiser)
    staff = people["chengguan"]
    mine = restrict(Unit.objects.filter(area__isnull=False), staff)
    foreign = Unit.objects.filter(area__isnull=False).exclude(pk__in=mine.values("pk")).order_by("pk").first()
    assert foreign is not None
    with pytest.raises(SelectionError):
        nomination_create(call_id=call.pk, actor=staff, nominee=Nominee(unit_id=foreign.pk),
                          statement="诚实守信，服务群众。")
    assert not Nomination.objects.filter(call=call).exists()
    choices = NominationForm(kind=call.kind, user=staff).fields["unit"].queryset
    assert foreign not in choices and set(choices) == set(mine)
    own = mine.order_by("pk").first()
    if own is not None:
        made = nomination_create(call_id=call.pk, actor=staff, nominee=Nominee(unit_id=own.pk),
                                 statement="诚实守信，服务群众。")
        assert made.unit_id == own.pk


@pytest.mark.parametrize("field", ["nominations_open", "nominations_close", "vote_opens", "vote_closes"])
def test_call_form_refuses_dates_out_of_bounds(kinds, districts, field):
    from wenming.selections.forms import CallForm

    data = {"kind": kinds["zmld"].pk, "title": "评选", "organiser": Unit.objects.order_by("pk").first().pk,
            "nominations_open": "2026-01-01T08:00", "nominations_close": "2026-02-01T08:00",
            "vote_opens": "2026-02-02T08:00", "vote_closes": "2026-02-09T08:00", "notice_days": 5,
            "expert_weight": 70, "sheet": "环境|60", f"quota_{districts[0].pk}": 1}
    assert CallForm(data).is_valid()
    form = CallForm({**data, field: "0001-01-01T00:00"})
    assert not form.is_valid() and field in form.errors


@pytest.mark.parametrize("points", ["²", "٣", "六十", "-5", ""])
def test_call_form_sheet_takes_ascii_digits_only(kinds, districts, points):
    from wenming.selections.forms import CallForm

    form = CallForm({"kind": kinds["zmld"].pk, "title": "评选", "organiser": Unit.objects.order_by("pk").first().pk,
                     "nominations_open": "2026-01-01T08:00", "nominations_close": "2026-02-01T08:00",
                     "notice_days": 5, "expert_weight": 70, "sheet": f"环境|{points}",
                     f"quota_{districts[0].pk}": 1})
    assert not form.is_valid() and "sheet" in form.errors
