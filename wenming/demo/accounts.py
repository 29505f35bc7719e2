"""The one password of every demo account the demo prints."""

from __future__ import annotations

import functools

from django.contrib.auth.hashers import make_password

DEMO_PASSWORD = "wenming2026"


@functools.cache
def demo_password_hash() -> str:
    """The demo password hashed once per process (hashing takes a good fraction of a second) for every account."""
    return make_password(DEMO_PASSWORD)
