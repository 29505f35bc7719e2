"""The demo's public vote: a call run up to its vote through the workflow's services, votes through the vote's
service, a burst waiting for review, and nothing added when run twice."""

from __future__ import annotations

import pytest

from wenming.demo.selections import selections_demo_build
from wenming.demo.votes import DEMO_CALL_TITLE, votes_demo_build
from wenming.selections.models import Call, CallStatus, FlagReason, NominationStatus, Vote, VoteFlag


@pytest.mark.usefixtures("public_setup")
def test_the_demo_votes(db):
    selections_demo_build()
    taken = votes_demo_build(per_day=10)
    call = Call.objects.get(title=DEMO_CALL_TITLE)
    assert call.status == CallStatus.VOTING and call.quotas.exists()
    assert call.nominations.filter(status=NominationStatus.SHORTLISTED).count() == 5
    assert taken == Vote.objects.filter(call=call).count() > 30
    assert VoteFlag.objects.filter(reason=FlagReason.BURST_NETWORK).count() >= 30
    assert votes_demo_build(per_day=10) == 0
