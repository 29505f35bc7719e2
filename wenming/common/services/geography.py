import secrets
from collections.abc import Callable

from django.db import transaction

from wenming.common.models import GeographyVersion

GEOGRAPHY = 1  # the row whose token tracks areas, sites, roads and facilities (the spatial index)
ROUTING_CONFIG = 2  # the row whose token tracks categories, time limits, rules, units, chiefs, facilities
CREDENTIALS = 3  # the row whose token tracks API keys, people, roles, units and areas (see ``api.services.keys``)
CALENDAR = 4  # the row whose token tracks the city's working-calendar overrides (``common.calendar``)

# The in-process caches to drop when a version row moves, by row: each cache registers its own reset in its app's
# AppConfig.ready (org: the spatial index; cases: the routing configuration), so common never imports them.
_resets: dict[int, list[Callable[[], None]]] = {}


def cache_reset_register(row: int, reset: Callable[[], None]) -> None:
    """Call ``reset`` in this process after a commit that bumped ``row`` (other processes see the new token)."""
    resets = _resets.setdefault(row, [])
    if reset not in resets:
        resets.append(reset)


def _reset_local(row: int) -> None:
    for reset in _resets.get(row, ()):
        transaction.on_commit(reset, robust=True)  # each on its own: one failing reset does not skip the others


def version_bump(row: int) -> None:
    """A fresh token on one version row (created on first use)."""
    # A fresh random token rather than a counter: a rolled-back change can never leave two different
    # states under the same version number.
    token = secrets.randbits(62)
    if not GeographyVersion.objects.filter(pk=row).update(version=token):
        GeographyVersion.objects.update_or_create(pk=row, defaults={"version": token})


def version_read(row: int) -> int:
    return GeographyVersion.objects.filter(pk=row).values_list("version", flat=True).first() or 0


def routing_config_bump() -> None:
    """Tell every process's routing configuration cache to reload on its next check."""
    version_bump(ROUTING_CONFIG)
    _reset_local(ROUTING_CONFIG)


def geography_version_bump() -> None:
    """Tell every process's spatial index that the geography changed (it rebuilds on its next check)."""
    version_bump(GEOGRAPHY)
    _reset_local(GEOGRAPHY)


def credentials_bump() -> None:
    """API keys, people, roles, or the units and areas roles hang on changed: every process's API key cache
    (``api.services.keys``) forgets what it holds on its next check."""
    version_bump(CREDENTIALS)


def calendar_bump() -> None:
    """The city's calendar overrides changed: every process reloads them on its next check."""
    version_bump(CALENDAR)
    _reset_local(CALENDAR)


def caches_bump_all() -> None:
    """Everything the in-process caches hold may have changed (a bulk rebuild, such as the demo city's)."""
    geography_version_bump()
    routing_config_bump()
    credentials_bump()
    calendar_bump()
