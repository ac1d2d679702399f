"""Venue rules for :class:`ratekeeper.testing.MockVenue` (no aiohttp needed here).

Each venue is a :class:`VenueRules` subclass registered with :func:`register_venue`; the
server in ``ratekeeper.testing.mock_venue`` only turns HTTP into :class:`MockRequest` and
:class:`MockResponse` back. Adding a venue = one module with one registered class, imported
below.
"""

from __future__ import annotations

from . import binance as binance
from . import bitmex as bitmex
from . import bybit as bybit
from . import htx as htx
from . import hyperliquid as hyperliquid
from . import kucoin as kucoin
from . import okx as okx
from ._core import (
    FixedWindow,
    MockRequest,
    MockResponse,
    MockStats,
    SlidingWindow,
    VenueRules,
    register_venue,
    rules_for,
    venue_names,
)
from .binance import BinanceRules
from .bitmex import BitmexRules
from .bybit import BybitRules
from .htx import HtxRules, HtxUsdtmRules
from .hyperliquid import HyperliquidRules
from .kucoin import KucoinFuturesRules, KucoinRules
from .okx import OkxRules

__all__ = [
    "BinanceRules",
    "BitmexRules",
    "BybitRules",
    "FixedWindow",
    "HtxRules",
    "HtxUsdtmRules",
    "HyperliquidRules",
    "KucoinFuturesRules",
    "KucoinRules",
    "MockRequest",
    "MockResponse",
    "MockStats",
    "OkxRules",
    "SlidingWindow",
    "VenueRules",
    "register_venue",
    "rules_for",
    "venue_names",
]
