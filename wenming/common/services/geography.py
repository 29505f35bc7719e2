import secrets

from django.db import transaction

from wenming.common.models import GeographyVersion

GEOGRAPHY = 1  # the row whose token tracks areas, sites, roads and facilities (the spatial index)
ROUTING_CONFIG = 2  # the row whose token tracks categories, time limits, rules, units, chiefs, facilities
CREDENTIALS = 3  # the row whose token tracks API keys, people, roles, units and areas (see ``api.services.keys``)


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

    def _reset_local():
        from wenming.cases.routing_cache import reset_routing_config

        reset_routing_config()

    transaction.on_commit(_reset_local, robust=True)


def geography_version_bump() -> None:
    """Tell every process's spatial index that the geography changed (it rebuilds on its next check)."""
    version_bump(GEOGRAPHY)

    def _reset_local():
        from wenming.org.spatial import reset_index

        reset_index()

    transaction.on_commit(_reset_local, robust=True)


def credentials_bump() -> None:
    """API keys, people, roles, or the units and areas roles hang on changed: every process's API key cache
    (``api.services.keys``) forgets what it holds on its next check."""
    version_bump(CREDENTIALS)
