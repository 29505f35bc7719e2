"""Issuing, checking and revoking API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.api.models import ApiKey
from wenming.cases.models.case import Channel
from wenming.cases.services.errors import WorkflowError


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> tuple[str, str]:
    """A fresh key: a short public prefix to find the row, and the secret whose hash is stored."""
    return secrets.token_hex(4), secrets.token_urlsafe(32)


def api_key_issue(*, name: str, person=None, channel: str = Channel.API) -> tuple[ApiKey, str]:
    """A new key; returns the row and the key itself (``prefix.secret``), which is never stored."""
    if not name.strip():
        raise WorkflowError(_("Name the system the key is for."))
    if channel not in Channel.values:
        raise WorkflowError(_("Unknown channel %(channel)s.") % {"channel": channel})
    prefix, secret = new_secret()
    with transaction.atomic():
        key = ApiKey.objects.create(name=name.strip(), prefix=prefix, key_hash=_hash(secret), person=person,
                                    channel=channel)
    return key, f"{prefix}.{secret}"


def api_key_check(raw: str) -> ApiKey | None:
    """The active key this text is, else None (constant-time comparison of the hash)."""
    prefix, _sep, secret = (raw or "").strip().partition(".")
    if not prefix or not secret:
        return None
    key = ApiKey.objects.select_related("person").filter(prefix=prefix, is_active=True).first()
    if key is None or not hmac.compare_digest(key.key_hash, _hash(secret)):
        return None
    if key.person is not None and not key.person.is_active:
        return None
    return key


def api_key_revoke(*, key_id: int) -> ApiKey:
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().get(pk=key_id)
        key.is_active = False
        key.revoked_at = timezone.now()
        key.save(update_fields=["is_active", "revoked_at"])
    return key
