"""Extra panels on the case page from apps above cases (which cases may not import): an app registers a provider in
its ``AppConfig.ready()``; the case page asks each provider for its panel of this case for this person.

A provider is ``provider(case, user) -> CasePanel | None``: None when it has nothing to show (the case is not of its
kind, or the person may not use it). It is handed a case the person already read through their scope.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CasePanel:
    key: str  # the section's id on the page: panel-<key>
    template: str  # included with ``panel`` in its context
    context: dict = field(default_factory=dict)


PanelProvider = Callable[[object, object], CasePanel | None]
_PROVIDERS: list[PanelProvider] = []


def case_panel_register(provider: PanelProvider) -> None:
    """Add a provider once (``ready()`` may run more than once in tests)."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def case_panels(*, case, user) -> list[CasePanel]:
    return [panel for provider in _PROVIDERS if (panel := provider(case, user)) is not None]
