"""The one registry of venues: names → builders, listed explicitly (no import side effects)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from . import binance, bitmex, bybit, htx, hyperliquid, kucoin, okx
from ._model import LimitOverride, Venue

__all__ = ["venue", "venue_names"]


@dataclass(frozen=True, slots=True)
class _Entry:
    build: Callable[..., Venue]
    options: frozenset[str]


_VENUES: Mapping[str, _Entry] = MappingProxyType(
    {
        "hyperliquid": _Entry(hyperliquid.build, hyperliquid.OPTIONS),
        "binance": _Entry(binance.build_spot, binance.OPTIONS),
        "binance_usdm": _Entry(binance.build_usdm, binance.OPTIONS),
        "binance_coinm": _Entry(binance.build_coinm, binance.OPTIONS),
        "bitmex": _Entry(bitmex.build, bitmex.OPTIONS),
        "htx": _Entry(htx.build_spot, htx.OPTIONS),
        "htx_coinm": _Entry(htx.build_coinm, htx.OPTIONS),
        "htx_usdtm": _Entry(htx.build_usdtm, htx.OPTIONS),
        "kucoin": _Entry(kucoin.build, kucoin.OPTIONS),
        "kucoin_futures": _Entry(kucoin.build_futures, kucoin.OPTIONS),
        "okx": _Entry(okx.build, okx.OPTIONS),
        "bybit": _Entry(bybit.build, bybit.OPTIONS),
    }
)


def venue_names() -> list[str]:
    """The names :func:`venue` accepts, sorted."""
    return sorted(_VENUES)


def venue(name: str, **overrides: Any) -> Venue:
    """A venue's rules by name, with optional tier keywords and limit overrides.

    Keywords a venue defines as options (``vip=5`` for KuCoin and Bybit, ``exchange_info=…``
    for Binance, ``address_cap=…`` for Hyperliquid, …) select its tier; every other keyword
    names a limit and replaces it with a :class:`~ratekeeper.Limit` or ``(capacity, period)``::

        venue("hyperliquid", ip_weight=(1200, 3.0))
    """
    key = name.lower().strip() if isinstance(name, str) else name
    entry = _VENUES.get(key)
    if entry is None:
        raise ValueError(f"unknown venue {name!r}; known venues: {', '.join(venue_names())}")
    options = {k: v for k, v in overrides.items() if k in entry.options}
    limits: dict[str, LimitOverride] = {k: v for k, v in overrides.items() if k not in entry.options}
    built = entry.build(**options)
    return built.with_limits(**limits)
