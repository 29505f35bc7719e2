"""Extra panels on a unit's page (``org:unit_detail``) from apps above org, which org may not import: an app registers
a provider in its ``AppConfig.ready()`` (the credit network's records of the unit). A provider is
``provider(unit, user) -> UnitPanel | None``; it is handed a unit the person already read through their scope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class UnitPanel:
    key: str  # the section's id on the page: panel-<key>
    template: str  # included with ``panel`` in its context
    context: dict = field(default_factory=dict)


UnitPanelProvider = Callable[[object, object], UnitPanel | None]
_PROVIDERS: list[UnitPanelProvider] = []


def unit_panel_register(provider: UnitPanelProvider) -> None:
    """Add a provider once (``ready()`` may run more than once in tests)."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def unit_panels(*, unit, user) -> list[UnitPanel]:
    return [panel for provider in _PROVIDERS if (panel := provider(unit, user)) is not None]
