"""Findings of the review of the public pages: each test failed before its fix."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]


def test_a_red_black_list_of_inspectors_is_never_public(client, people):
    """Inspector rows carry people's names: the public column lists units and districts only."""
    from wenming.scoring.models import RedBlackList
    from wenming.scoring.services import scores

    snapshot = scores.snapshot_compute(subject="inspector", period="week", day=dt.date.today() - dt.timedelta(days=7),
                                       actor=people["zhiban"])
    scores.snapshot_publish(snapshot_id=snapshot.pk, actor=people["zhiban"])
    board = RedBlackList.objects.create(
        snapshot=snapshot, status="published", published_at=timezone.now(),
        red=[{"key": "7", "name": "暗访员王五", "index": 95.0, "grade": "A", "rank": 1}], black=[])
    assert "暗访员王五" not in client.get(reverse("exposure:red_black")).content.decode()
    assert client.get(reverse("exposure:red_black_detail", args=[board.pk])).status_code == 404
    feed = ET.fromstring(client.get(reverse("exposure:red_black_feed")).content)
    assert not feed.findall("{http://www.w3.org/2005/Atom}entry")
