"""ratekeeper: one rate-limit budget shared by every thread, process and host that spends it.

Weights computed per request by rules that mirror each venue's published limits, the
server's own signals folded back in, exact waits instead of polling.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._clock import Clock, SystemClock
from ._errors import (
    ActionOutcomeUnknown,
    ActionRefused,
    CostExceedsCapacity,
    InvalidRequest,
    ProxyConnectionError,
    ProxyUnavailable,
    RateKeeperError,
    RateLimited,
    StoreError,
    StoreUnavailable,
    SubscriptionRefused,
    UnknownLimit,
    UnsupportedVersion,
    VenueRefused,
)
from ._estimates import Estimates
from ._limiter import AsyncGrant, AsyncLimiter, Grant, Limiter
from ._limits import Cost, Limit, LimitStatistics, Observation
from ._margin import MarginStatistics, TransitMargin
from .http import Options, RetryPolicy
from .proxies import ProxyPool
from .stores import MemoryStore, Store, open_store

if TYPE_CHECKING:
    from .venues import Venue

__version__ = "0.1.0"

__all__ = [
    "ActionOutcomeUnknown",
    "ActionRefused",
    "AsyncGrant",
    "AsyncLimiter",
    "Clock",
    "Cost",
    "CostExceedsCapacity",
    "Estimates",
    "Grant",
    "Limit",
    "LimitStatistics",
    "Limiter",
    "MarginStatistics",
    "MemoryStore",
    "Observation",
    "ProxyPool",
    "ProxyUnavailable",
    "RateKeeperError",
    "RateLimited",
    "RetryPolicy",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "SystemClock",
    "TransitMargin",
    "UnknownLimit",
    "VenueRefused",
    "__version__",
    "open_store",
    "venue",
    "SubscriptionRefused",
    "ProxyConnectionError",
    "InvalidRequest",
    "Options",
    "UnsupportedVersion",
]


def venue(name: str, **overrides: Any) -> Venue:
    """The rules of a venue by name, e.g. ``venue("hyperliquid", ip_weight=(1200, 3.0))``.

    Overrides replace a limit by name with a ``Limit`` or ``(capacity, period)``; tier
    keywords (``vip=5``) pick published tiers.
    """
    from .venues import venue as _venue

    return _venue(name, **overrides)
