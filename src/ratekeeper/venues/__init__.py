"""Venue rule packs: each venue's published limits, request weights and server signals as data.

>>> from ratekeeper.venues import venue
>>> venue("hyperliquid").cost("POST", "/info", {"type": "l2Book", "coin": "BTC"})
{'ip_weight': 2.0}
"""

from __future__ import annotations

from .._estimates import Estimates, EstimateStatistics
from ._model import (
    Feedback,
    InvalidRequest,
    Kind,
    LimitOverride,
    Request,
    Response,
    Rule,
    Rules,
    Venue,
    Weighed,
)
from ._registry import venue, venue_names
from .binance import limits_from_exchange_info
from .hyperliquid import user_rate_limit_observations

__all__ = [
    "EstimateStatistics",
    "Estimates",
    "Feedback",
    "InvalidRequest",
    "Kind",
    "LimitOverride",
    "Request",
    "Response",
    "Rule",
    "Rules",
    "Venue",
    "Weighed",
    "limits_from_exchange_info",
    "user_rate_limit_observations",
    "venue",
    "venue_names",
]
