"""Pushing one record, credit repair, joint-discipline acknowledgements, and what other apps get from the network:
the selections' qualification check, the storefront flag, the unit page's panel."""

import datetime as dt

import pytest

from wenming.common.credit_code import credit_code_complete
from wenming.credit.errors import AlreadyRepaired, CreditError, NotCreditKeeper, StaleRecord
from wenming.credit.hooks import credit_check, storefront_flag, unit_credit_panel
from wenming.credit.models import CreditEvent, CreditRecord, CreditSubject, JointAck, RecordKind
from wenming.credit.selectors import joint_rows, subject_dishonest
from wenming.credit.services.records import credit_record_push, credit_record_repair, joint_acknowledge
from wenming.org.models import Site, StorefrontDuty, Unit
from wenming.selections.models import Nomination
from wenming.selections.services.qualification_checks import qualification_checks

from .conftest import ACME, SHOP

pytestmark = pytest.mark.django_db


def _push(source, actor=None, **over):
    data = {"record_id": "R-1", "kind": "失信", "credit_code": ACME, "name": "衡水某某贸易有限公司",
            "decided_by": "衡水市市场监督管理局", "decided_on": "2026-03-01", "reason": "提供虚假材料",
            "effective_until": "2029-03-01", **over}
    return credit_record_push(source=source, data=data, actor=actor)


def test_the_same_record_pushed_twice_is_stored_once(market, market_staff):
    record, created = _push(market, market_staff)
    assert created
    again, created_again = _push(market, market_staff)
    assert again.pk == record.pk and not created_again and again.version == 0
    assert CreditRecord.objects.count() == 1
    assert CreditEvent.objects.filter(record=record, action=CreditEvent.Action.PUSH).count() == 1
    changed, _created = _push(market, market_staff, reason="提供虚假材料骗取登记")
    assert changed.pk == record.pk and changed.version == 1 and changed.reason == "提供虚假材料骗取登记"


def test_a_bad_push_names_the_field_and_writes_nothing(market, market_staff):
    with pytest.raises(CreditError, match="统一社会信用代码"):
        _push(market, market_staff, credit_code=ACME[:-1] + "X")
    with pytest.raises(CreditError, match="决定日期"):
        _push(market, market_staff, decided_on="9999-01-01")
    assert not CreditRecord.objects.exists() and not CreditSubject.objects.exists()


def test_another_department_cannot_push_into_a_source(market, transport_staff):
    with pytest.raises(NotCreditKeeper):
        _push(market, transport_staff)


def test_credit_repair_ends_the_records_effect(market, market_staff):
    record, _created = _push(market, market_staff)
    subject = record.subject
    assert list(subject_dishonest([subject.pk])) == [record]
    nomination = Nomination(name=subject.name, credit_code=ACME)
    assert [f.blocking for f in credit_check(nomination)] == [True]
    credit_record_repair(record=record, by=market_staff, repaired_on=dt.date(2026, 11, 1), reason="已整改并公开承诺",
                         version=0)
    record.refresh_from_db()
    assert record.status == "repaired" and record.repair_reason == "已整改并公开承诺" and record.version == 1
    assert not subject_dishonest([subject.pk]).exists()
    assert credit_check(nomination) == []
    event = CreditEvent.objects.get(record=record, action=CreditEvent.Action.REPAIR)
    assert event.actor == market_staff and event.data["repaired_on"] == "2026-11-01"
    with pytest.raises(AlreadyRepaired):
        credit_record_repair(record=record, by=market_staff, repaired_on=dt.date(2026, 11, 2), reason="x")


def test_repair_refuses_strangers_stale_forms_and_bad_dates(market, market_staff, transport_staff):
    record, _created = _push(market, market_staff)
    with pytest.raises(NotCreditKeeper):
        credit_record_repair(record=record, by=transport_staff, repaired_on=dt.date(2026, 11, 1), reason="x")
    with pytest.raises(StaleRecord):
        credit_record_repair(record=record, by=market_staff, repaired_on=dt.date(2026, 11, 1), reason="x", version=7)
    with pytest.raises(CreditError, match="before the decision"):
        credit_record_repair(record=record, by=market_staff, repaired_on=dt.date(2026, 1, 1), reason="x")
    with pytest.raises(CreditError, match="reason"):
        credit_record_repair(record=record, by=market_staff, repaired_on=dt.date(2026, 11, 1), reason="  ")
    record.refresh_from_db()
    assert record.repaired_on is None and not CreditEvent.objects.filter(action=CreditEvent.Action.REPAIR).exists()


def test_an_expired_record_no_longer_counts(market, market_staff):
    record, _created = _push(market, market_staff, decided_on="2020-01-01", effective_until="2021-01-01")
    assert record.status == "expired" and not subject_dishonest([record.subject_id]).exists()


def test_the_check_finds_the_nominee_by_code_unit_or_site_and_shows_recent_penalties(market, market_staff):
    record, _created = _push(market, market_staff)
    unit, site = Unit.objects.get(code="WY-1"), Site.objects.order_by("pk").first()
    CreditSubject.objects.filter(pk=record.subject_id).update(unit=unit, site=site)
    assert credit_check(Nomination(name="x", unit=unit))[0].ref == str(record.pk)
    assert credit_check(Nomination(name="x", site=site))[0].blocking
    assert credit_check(Nomination(name="x", credit_code=ACME.lower()))[0].source == "credit"
    assert credit_check(Nomination(name="x", credit_code=credit_code_complete("91131100MA0000077"))) == []
    penalty, _created = _push(market, market_staff, record_id="R-2", kind="行政处罚", credit_code=SHOP, name="小吃店",
                              decided_on=(dt.date.today() - dt.timedelta(days=30)).isoformat(), effective_until="")
    findings = credit_check(Nomination(name="小吃店", credit_code=SHOP))
    assert [(f.blocking, f.ref) for f in findings] == [(False, str(penalty.pk))]
    registered = {c.name: c for c in qualification_checks()}
    assert registered["credit"].refuses_integrity and registered["credit"].check is credit_check


def test_shops_with_records_in_effect_are_flagged(market, market_staff):
    shop = StorefrontDuty.objects.order_by("pk").first()
    shop.licence_no = SHOP
    shop.save()
    other = StorefrontDuty.objects.order_by("pk")[1]
    _push(market, market_staff, record_id="R-3", kind="行政处罚", credit_code=SHOP, name=shop.shop_name)
    flags = storefront_flag([shop.pk, other.pk])
    assert list(flags) == [shop.pk] and "1" in flags[shop.pk]


def test_the_unit_page_shows_its_records(market, market_staff, client):
    unit = Unit.objects.get(code="WY-1")
    record, _created = _push(market, market_staff)
    CreditSubject.objects.filter(pk=record.subject_id).update(unit=unit)
    panel = unit_credit_panel(unit, market_staff)
    assert panel.key == "credit" and panel.context["records"] == [record]
    client.force_login(market_staff)
    page = client.get(f"/org/units/{unit.code}/")
    if page.status_code == 200:  # the unit may lie outside this person's scope
        assert 'id="panel-credit"' in page.content.decode()


def test_joint_discipline_lists_and_acknowledgements(market, market_staff, measure, wmb_staff, transport_staff):
    record, _created = _push(market, market_staff)
    _push(market, market_staff, record_id="R-4", kind="行政处罚")
    rows = joint_rows(wmb_staff)
    assert [(r.record, r.ack) for r in rows] == [(record, None)]
    assert list(joint_rows(transport_staff)) == []
    with pytest.raises(NotCreditKeeper):
        joint_acknowledge(record=record, measure=measure, by=transport_staff, note="x")
    with pytest.raises(CreditError, match="Note"):
        joint_acknowledge(record=record, measure=measure, by=wmb_staff, note=" ")
    ack = joint_acknowledge(record=record, measure=measure, by=wmb_staff, note="已从诚信评选候选名单中剔除")
    assert joint_rows(wmb_staff)[0].ack == ack and list(joint_rows(wmb_staff, pending_only=True)) == []
    with pytest.raises(CreditError):
        joint_acknowledge(record=record, measure=measure, by=wmb_staff, note="再次确认")
    assert JointAck.objects.count() == 1
    assert CreditEvent.objects.filter(action=CreditEvent.Action.ACK).count() == 1


def test_kinds_are_named_in_english_and_chinese(market, market_staff):
    for n, (word, kind) in enumerate((("honour", RecordKind.HONOUR), ("红名单", RecordKind.HONOUR),
                                      ("penalty", RecordKind.PENALTY))):
        record, _created = _push(market, market_staff, record_id=f"K-{n}", kind=word)
        assert record.kind == kind
