"""The one password of every demo account the demo prints, and the list of accounts it prints."""

from __future__ import annotations

import functools

from django.contrib.auth.hashers import make_password

from wenming.org.models import Person

DEMO_PASSWORD = "wenming2026"


@functools.cache
def demo_password_hash() -> str:
    """The demo password hashed once per process (hashing takes a good fraction of a second) for every account."""
    return make_password(DEMO_PASSWORD)


def demo_logins() -> list[Person]:
    """The accounts ``demo-logins`` prints, in the order they were made, with their roles prefetched.

    Only accounts that can log in: not deactivated (停用), and not an unusable password ("!" followed by
    anything). The browser tests log in as these, so what the demo prints is what the tests try.
    """
    return list(Person.objects.filter(is_active=True).exclude(password__startswith="!")
                .prefetch_related("roles").order_by("id"))
