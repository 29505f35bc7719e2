"""Findings of the review of the citizen's pages: each test failed before its fix."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_tracking_code_with_a_slash_is_refused_not_a_server_error(english):
    response = english.get(reverse("public:track"), {"code": "AB/CD"})
    assert response.status_code == 200 and response.context["form"].errors["code"]
