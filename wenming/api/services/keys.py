"""Issuing, checking and revoking API keys.

Checking a key is on every API request's path, so a checked key is kept in memory, with its person and the
person's scope, until keys, people or roles change: any such change bumps a version row that each process reads at
most every WENMING_GEO_CHECK_SECONDS (2 s by default), so a revoked key or a removed role stops working on every
worker within that time. Saving or deleting those rows bumps it (``api.signals``); bulk writes that skip the
signals (imports, admin actions) call ``credentials_bump`` themselves.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import secrets
import threading
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.api.models import ApiKey
from wenming.cases.models.case import Channel, channels_for
from wenming.common.access import scope_for
from wenming.common.db_router import primary_reading
from wenming.common.errors import WorkflowError
from wenming.common.services.audit import audit_event_record
from wenming.common.services.geography import CREDENTIALS, version_read

# Enough for every system a city connects; past it the cache starts over rather than grow (a flood of made-up keys
# never reaches it: only keys that check out are kept).
CACHE_LIMIT = 1000

_lock = threading.Lock()
_cache: dict[str, ApiKey] = {}
_version: int | None = None
_checked_at = 0.0
# Bumped whenever the cache is emptied: a lookup that started before a clear must not store what it read then
# (it may be a key revoked meanwhile, which would otherwise stay cached until the next change).
_generation = 0


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


def api_key_channel_check(*, person, channel: str) -> None:
    """Refuse (WorkflowError) a key acting as ``person`` on a channel their roles do not report on: the intake
    would refuse every report it posted. A key of nobody takes any channel; a person who reports nothing keeps
    "other system", the channel that claims no source. Checked where keys are issued by hand (the admin); the
    intake checks again on every report, since roles change after a key is issued."""
    if person is None:
        return
    labels = dict(Channel.choices)
    allowed = channels_for(scope_for(person).roles)
    if not allowed:
        if channel != Channel.API:
            raise WorkflowError(_("%(person)s reports no cases: a key acting as them keeps the channel “%(api)s”.")
                                % {"person": person, "api": labels[Channel.API]})
        return
    if channel not in allowed:
        raise WorkflowError(_("%(person)s reports only on %(allowed)s; a key acting as them cannot report on "
                              "“%(channel)s”.") % {"person": person, "channel": labels.get(channel, channel),
                                                   "allowed": "、".join(str(labels[c]) for c in allowed)})


@primary_reading()
def _lookup(prefix: str, digest: str) -> ApiKey | None:
    key = ApiKey.objects.select_related("person").filter(prefix=prefix, is_active=True).first()
    if key is None or not hmac.compare_digest(key.key_hash, digest):
        return None
    if key.person is not None:
        if not key.person.is_active:
            return None
        scope_for(key.person)  # computed once, kept on the cached person
    return key


def _current() -> None:
    """Forget the cached keys if keys, people or roles changed in another process since the last look."""
    global _version, _checked_at, _generation
    now = time.monotonic()
    if now - _checked_at < settings.WENMING_GEO_CHECK_SECONDS:
        return
    version = version_read(CREDENTIALS)
    with _lock:
        if version != _version:
            _cache.clear()
            _generation += 1
            _version = version
        _checked_at = now


def api_key_check(raw: str) -> ApiKey | None:
    """The active key this text is, with its person, else None (constant-time comparison of the hash)."""
    prefix, _sep, secret = (raw or "").strip().partition(".")
    if not prefix or not secret:
        return None
    digest = _hash(secret)
    _current()
    cache_id = f"{prefix}.{digest}"
    key = _cache.get(cache_id)
    if key is None:
        generation = _generation
        key = _lookup(prefix, digest)
        if key is None:
            return None
        with _lock:
            if generation == _generation:  # else the cache was emptied meanwhile: use the key, do not keep it
                if len(_cache) >= CACHE_LIMIT:
                    _cache.clear()
                _cache[cache_id] = key
    # Each request gets its own copies: views may set attributes on the person; the scope comes along.
    key = copy.copy(key)
    if key.person is not None:
        key.person = copy.copy(key.person)
    return key


def api_key_cache_clear() -> None:
    global _checked_at, _generation
    with _lock:
        _cache.clear()
        _generation += 1
        _checked_at = 0.0


def api_key_revoke(*, key_id: int, actor=None) -> ApiKey:
    """Switch a key off for good (every worker refuses it within WENMING_GEO_CHECK_SECONDS); logged."""
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().get(pk=key_id)
        if not key.is_active:
            return key
        key.is_active = False
        key.revoked_at = timezone.now()
        key.save(update_fields=["is_active", "revoked_at"])  # the save signal bumps the credentials version
        audit_event_record(actor=actor, action="api_key.revoke", summary=f"{key.name} ({key.prefix}…)",
                           data={"api_key": key.pk})
        # Once committed (a caller's outer transaction included): before that, another thread could cache the
        # key again as it still reads active.
        transaction.on_commit(api_key_cache_clear, robust=True)
    return key
