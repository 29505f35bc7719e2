"""The demo's selections build through the real services: a published call with its winners and a withdrawn title, a
call taking nominations, a call in review with the expert login on its panel."""

import pytest

from wenming.demo.selections import EXPERT, selections_demo_build
from wenming.selections.models import Call, CallStatus, NominationStatus, PanelMember

pytestmark = pytest.mark.django_db


def test_the_demo_builds_three_calls(client):
    made = selections_demo_build()
    assert made["calls"] == 3
    statuses = dict(Call.objects.values_list("kind__code", "status"))
    assert statuses == {"zmxq": CallStatus.PUBLISHED, "zmld": CallStatus.NOMINATING, "wmsq": CallStatus.REVIEWING}
    published = Call.objects.get(kind__code="zmxq")
    assert published.nominations.filter(status=NominationStatus.WINNER).exists()
    assert published.nominations.filter(status=NominationStatus.REVOKED).exclude(public_note="").count() == 1
    review = Call.objects.get(kind__code="wmsq")
    assert PanelMember.objects.filter(call=review, user__username=EXPERT).exists()
    assert selections_demo_build()["calls"] == 3  # again: nothing added
    board = client.get("/results/")
    assert board.status_code == 200 and "撤销".encode() in board.content
