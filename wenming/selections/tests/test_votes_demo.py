"""The demo's public vote: votes through the service, a burst waiting for review, and nothing added when run twice."""

from __future__ import annotations

import pytest

from wenming.demo.votes import votes_demo_build
from wenming.selections.models import FlagReason, Vote, VoteFlag


@pytest.mark.usefixtures("public_setup")
def test_the_demo_votes(db):
    taken = votes_demo_build(per_day=10)
    assert taken == Vote.objects.count() > 30
    assert VoteFlag.objects.filter(reason=FlagReason.BURST_NETWORK).count() >= 30
    assert votes_demo_build(per_day=10) == 0
