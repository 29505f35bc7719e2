"""Fixtures of the selections tests. The public vote's: a call in its vote with three nominees on the ballot."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wenming.org.models import Area, AreaLevel, Unit
from wenming.selections.models import (
    Call,
    CallStatus,
    Nomination,
    NominationStatus,
    NominatorKind,
    SelectionKind,
)
from wenming.selections.services.votes import voter_token_issue, voter_token_read


def voting_call(*, shortlisted: int = 3, opens=None, closes=None, status=CallStatus.VOTING) -> Call:
    now = timezone.now()
    kind, _created = SelectionKind.objects.get_or_create(code="zmld", defaults={"name": "最美楼道", "subject": "site"})
    call = Call.objects.create(
        kind=kind, title="2026年最美楼道评选", organiser=Unit.objects.order_by("pk").first(), status=status,
        nominations_open=now - dt.timedelta(days=30), nominations_close=now - dt.timedelta(days=10),
        vote_opens=opens or now - dt.timedelta(days=1), vote_closes=closes or now + dt.timedelta(days=6))
    communities = list(Area.objects.filter(level=AreaLevel.COMMUNITY).order_by("code")[:shortlisted + 1])
    for i in range(shortlisted + 1):
        Nomination.objects.create(
            call=call, number=i + 1, name=f"幸福小区{i + 1}号楼{i + 1}单元", area=communities[i],
            statement="楼道整洁，邻里互助，" * 12, nominator_kind=NominatorKind.COMMUNITY,
            status=NominationStatus.SHORTLISTED if i < shortlisted else NominationStatus.HELD_BACK)
    return call


def voter(phone: str = "13800138000", now=None):
    return voter_token_read(voter_token_issue(phone=phone, now=now), now=now)


@pytest.fixture
def call(db):
    return voting_call()


@pytest.fixture
def nominees(call):
    return list(call.nominations.filter(status=NominationStatus.SHORTLISTED).order_by("number"))
