"""Flags other apps put on storefront duties (门前五包) without inspections importing them: the credit network marks
the shops with credit records in effect. A provider is ``provider(shop_ids) -> {shop_id: label}`` and is registered
from its app's ``AppConfig.ready()``; the shop list and the shop page show every label."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

FlagProvider = Callable[[list[int]], dict[int, str]]
_PROVIDERS: list[FlagProvider] = []


def storefront_flag_register(provider: FlagProvider) -> None:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def storefront_flags(shop_ids: Iterable[int]) -> dict[int, list[str]]:
    ids = list(shop_ids)
    flags: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return flags
    for provider in _PROVIDERS:
        for shop_id, label in provider(ids).items():
            flags[shop_id].append(label)
    return flags
