"""Value types: limits, costs, scopes, observations and statistics. All frozen and validated."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ALGORITHMS",
    "Algorithm",
    "Cost",
    "Limit",
    "LimitStatistics",
    "Observation",
    "ScopeArg",
    "resolve_scope",
]

Algorithm = Literal["sliding", "fixed", "token", "quota", "concurrent"]
ALGORITHMS: tuple[str, ...] = ("sliding", "fixed", "token", "quota", "concurrent")

Cost = Mapping[str, float]
"""Units per limit name for one request, e.g. ``{"ip_weight": 20}``."""

ScopeArg = str | Mapping[str, str] | None
"""Scope values for one request: one string for every scoped limit, or a mapping from the
scope dimension (``"ip"``, ``"account"``, ``"address"``…) to its value."""

DEFAULT_SCOPE = "*"
"""The scope value used when a request names none for a scoped limit: one shared budget."""

PADDED: tuple[str, ...] = ("sliding", "fixed")
"""The algorithms whose windows a transit margin pads (see :func:`padded`)."""

CHARGE_PRIORITY = 2**62
"""The priority of a charge the venue has already counted (the extra a settle finds after
the answer): it books at once, over the capacity if it must, so that the ledger holds what
the venue holds and later requests wait for it. Requests cannot use it (``acquire`` refuses
priorities this high)."""


def _positive_finite(owner: str, field: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{owner}: {field} must be a number, got {type(value).__name__}")
    v = float(value)
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"{owner}: {field} must be a finite positive number, got {value!r}")
    return v


@dataclass(frozen=True, slots=True)
class Limit:
    """A named budget: ``capacity`` units per ``period`` seconds.

    ``algorithm``:
      * ``"sliding"`` — at most ``capacity`` units in *any* interval of length ``period``
        (the safe default: a server enforcing a fixed window or a token bucket of the same
        size also admits everything this admits);
      * ``"fixed"`` — at most ``capacity`` per clock-aligned window
        ``[k*period + offset, (k+1)*period + offset)`` in UNIX time (Binance);
      * ``"token"`` — a bucket of ``capacity`` that refills continuously at
        ``capacity/period`` per second (GCRA; BitMEX);
      * ``"quota"`` — a cumulative allowance of ``capacity`` units whose cap the server
        updates (Hyperliquid's address budget); once spent, one unit per ``period`` seconds;
      * ``"concurrent"`` — at most ``capacity`` units *held at any moment* (open connections,
        subscriptions, requests in flight), across every process sharing the store. Units
        are held through leases (``Store.lease``), never charged through ``acquire``;
        ``period`` is the lease time: a hold not renewed within ``period`` seconds expires,
        so a process that dies frees its units after at most ``period``. ``offset`` and
        ``reserve`` do not apply (must stay 0).

    ``scope`` is the key dimension (``"ip"``, ``"account"``, ``"address"``…): every scope
    value gets its own budget. ``reserve`` keeps that fraction of the capacity for requests
    of priority ``>= reserve_priority`` (cancels while market-data polling is saturating).
    ``source`` records where the numbers come from (a link and the date it was read).
    """

    name: str
    capacity: float
    period: float
    algorithm: Algorithm = "sliding"
    scope: str | None = None
    offset: float = 0.0
    reserve: float = 0.0
    reserve_priority: int = 1
    source: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"Limit: name must be a non-empty string, got {self.name!r}")
        owner = f"Limit {self.name!r}"
        object.__setattr__(self, "capacity", _positive_finite(owner, "capacity", self.capacity))
        object.__setattr__(self, "period", _positive_finite(owner, "period", self.period))
        if self.algorithm not in ALGORITHMS:
            raise ValueError(
                f"{owner}: unknown algorithm {self.algorithm!r}; choose one of "
                + ", ".join(repr(a) for a in ALGORITHMS)
            )
        if self.scope is not None and (not isinstance(self.scope, str) or not self.scope):
            raise ValueError(f"{owner}: scope must be None or a non-empty string, got {self.scope!r}")
        if isinstance(self.offset, bool) or not isinstance(self.offset, (int, float)) or not math.isfinite(self.offset):
            raise ValueError(f"{owner}: offset must be a finite number, got {self.offset!r}")
        object.__setattr__(self, "offset", float(self.offset) % self.period)
        if (
            isinstance(self.reserve, bool)
            or not isinstance(self.reserve, (int, float))
            or not (0.0 <= self.reserve < 1.0)
        ):
            raise ValueError(f"{owner}: reserve must be a fraction in [0, 1), got {self.reserve!r}")
        if isinstance(self.reserve_priority, bool) or not isinstance(self.reserve_priority, int):
            raise ValueError(f"{owner}: reserve_priority must be an int, got {self.reserve_priority!r}")
        if self.algorithm == "concurrent" and (self.offset or self.reserve):
            raise ValueError(
                f"{owner}: a concurrent limit has no windows and no priorities: offset and reserve must be 0 "
                f"(its period is the lease time)"
            )

    def capacity_for(self, priority: int) -> float:
        """The units a request of ``priority`` may fill the limit up to (unbounded for
        :data:`CHARGE_PRIORITY`: a debt the venue has already counted)."""
        if priority >= CHARGE_PRIORITY:
            return math.inf
        if self.reserve and priority < self.reserve_priority:
            return self.capacity * (1.0 - self.reserve)
        return self.capacity

    def scope_value(self, scope: ScopeArg) -> str | None:
        """The budget key this limit uses for a request's scope argument."""
        return resolve_scope(self.scope, scope)


def resolve_scope(dimension: str | None, scope: ScopeArg) -> str | None:
    """Pick the value of ``dimension`` out of a request's scope argument."""
    if dimension is None:
        return None
    if scope is None:
        return DEFAULT_SCOPE
    if isinstance(scope, str):
        return scope
    if not isinstance(scope, Mapping):
        raise TypeError(f"scope must be None, a string or a mapping of dimension to value, got {scope!r}")
    value = scope.get(dimension)
    return DEFAULT_SCOPE if value is None else str(value)


@dataclass(frozen=True, slots=True)
class Observation:
    """What a server said about one limit, folded into the store so every process learns it.

    * ``used`` — units the server counts as used in its current window;
    * ``remaining`` — units the server says are left (``used = limit - remaining``);
    * ``reset_after`` — seconds until the server's window or bucket resets (if it said);
    * ``cap`` — a new capacity (quota limits: ``nRequestsCap``; headers that carry the limit);
    * ``blocked_for`` — the server refused or banned: admit nothing for this many seconds.
    """

    limit: str
    scope: str | None = None
    used: float | None = None
    remaining: float | None = None
    reset_after: float | None = None
    cap: float | None = None
    blocked_for: float | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class LimitStatistics:
    """A snapshot of one limit for one scope value.

    ``used`` counts the units the limit holds at this moment (admitted requests still in its
    window, bucket level, quota spent); ``reserved`` the units reserved by waiters for a
    later start; ``available`` what a request could take now; ``waiters`` the requests of
    this limiter queued for it; ``next_free`` the seconds until one more unit is admitted
    (0 when one is admitted now); ``blocked_for`` the seconds a server ban has left.
    """

    limit: str
    scope: str | None
    capacity: float
    used: float
    reserved: float
    available: float
    waiters: int
    next_free: float
    blocked_for: float = 0.0
    margin: float = 0.0
    """Seconds the limiter adds to this limit's window for transit (see :meth:`Limiter.set_margin`)."""


def check_margin(margin: object) -> float:
    """A transit margin in seconds, checked: a finite number >= 0."""
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not math.isfinite(margin) or margin < 0:
        raise ValueError(f"margin must be a number of seconds >= 0, got {margin!r}")
    return float(margin)


def padded(limit: Limit, margin: float) -> Limit:
    """``limit`` with ``margin`` seconds added to its window.

    A sliding window of ``period + margin`` keeps the server's window of ``period`` safe when
    requests reach it up to ``margin`` later than admitted, each by a different delay. A fixed
    window cannot be padded in place (its windows are aligned to the server's clock, so a
    request admitted at the end of one can land in the next): it becomes a sliding window of
    ``period + margin``, which admits nothing a fixed window of ``period`` would refuse, with
    any transit delay up to ``margin``. Token buckets and quotas are left as they are, and so
    are concurrent limits: they count units held at once, through leases, and have no window
    to pad (their period is the lease time).
    """
    if margin and limit.algorithm in PADDED:
        return dataclasses.replace(limit, algorithm="sliding", period=limit.period + margin, offset=0.0)
    return limit
