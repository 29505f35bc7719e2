import datetime as dt
import uuid

import pytest


@pytest.fixture(autouse=True)
def _media_and_english(media_and_english, client):
    """Uploads in a temporary folder, messages in English (the pages too: the UI answers in Chinese by default)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def schemes(db):
    """The demo schemes (农贸市场, 学校, 背街小巷), loaded through the import, with the demo framework for the clauses."""
    from wenming.demo.evaluation import evaluation_demo_build
    from wenming.demo.inspections import inspections_demo_build
    from wenming.inspections.models import Scheme

    evaluation_demo_build()
    inspections_demo_build(record=False)
    return {s.site_type.code: s for s in Scheme.objects.select_related("site_type")}


@pytest.fixture
def demo_round(schemes):
    """The demo round, planned (unannounced), no results yet."""
    from wenming.demo.inspections import ROUND_CODE
    from wenming.inspections.models import Round

    return Round.objects.get(code=ROUND_CODE)


def observation(assignment, item_code, outcome="pass", *, photo=True, client_id=None, when=None):
    from django.utils import timezone

    from wenming.cases.services import workflow as wf
    from wenming.conftest import photo_bytes
    from wenming.inspections.services import results as res

    failing = outcome in {"fail", "severe"}
    return res.Observation(
        client_id=client_id or str(uuid.uuid4()), assignment_id=assignment.pk, item_code=item_code, outcome=outcome,
        observed_at=when or timezone.now() - dt.timedelta(minutes=5), note="门口堆物" if failing else "",
        lng=assignment.site.lng if failing else None, lat=assignment.site.lat if failing else None,
        photo=wf.Upload("p.png", photo_bytes()) if failing and photo else None)
