"""The demo's online materials: a window, requirements for the current edition's contents, uploads in every
state; a second run adds nothing."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]


def test_the_demo_materials(demo_framework):
    from wenming.demo.evaluation_materials import evaluation_materials_demo_build
    from wenming.evaluation.models import CriterionKind, MaterialRequirement

    counts = evaluation_materials_demo_build()
    contents = demo_framework.criteria.filter(kind=CriterionKind.CONTENT).count()
    assert counts["requirements"] > contents and counts["submitted"] > 0
    states = set(MaterialRequirement.objects.values_list("state", flat=True))
    assert states == {"missing", "submitted", "returned", "resubmitted", "approved"}
    assert evaluation_materials_demo_build() == {"requirements": 0, "submitted": 0}
