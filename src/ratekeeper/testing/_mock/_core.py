"""The venue-independent half of the mock venue: requests and responses as plain values,
window counters, the statistics recorder and the base class of every venue's rules.

Nothing here imports aiohttp: the rules are pure functions of (request, clock) and can be
driven without a server.
"""

from __future__ import annotations

import json
import math
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

__all__ = [
    "FixedWindow",
    "MockRequest",
    "MockResponse",
    "MockStats",
    "SlidingWindow",
    "StatsRecorder",
    "VenueRules",
    "json_response",
    "register_venue",
    "rules_for",
    "venue_names",
]

TOL = 1e-9
"""Float slack when comparing sums of weights with a budget."""


# ---------------------------------------------------------------------------------------
# requests and responses
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MockRequest:
    """One HTTP request as the rules see it.

    ``headers`` has lower-case names; ``query`` holds the first value of each query (and,
    for form-encoded bodies, form) parameter; ``ip`` is the TCP peer address.
    """

    method: str
    path: str
    ip: str
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        """The body parsed as JSON; raises ``ValueError`` when it is not JSON."""
        return json.loads(self.body.decode("utf-8")) if self.body else None


@dataclass(frozen=True)
class MockResponse:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> MockResponse:
    return MockResponse(status, json.dumps(payload, separators=(",", ":")).encode(), dict(headers or {}))


# ---------------------------------------------------------------------------------------
# windows
# ---------------------------------------------------------------------------------------


class SlidingWindow:
    """At most ``capacity`` in any half-open interval ``(t - period, t]``.

    An entry accepted at ``s`` counts against every request arriving before ``s + period``
    and against none from ``s + period`` on. Checking each arrival against the interval that
    ends at it is enough to bound every interval of length ``period``: the heaviest interval
    always ends at one of its entries.
    """

    __slots__ = ("entries", "period", "total")

    def __init__(self, period: float) -> None:
        self.period = period
        self.entries: deque[tuple[float, float]] = deque()
        self.total = 0.0

    def used(self, now: float) -> float:
        horizon = now - self.period
        entries = self.entries
        while entries and entries[0][0] <= horizon:
            self.total -= entries.popleft()[1]
        if not entries:
            self.total = 0.0
        return self.total

    def fits(self, now: float, weight: float, capacity: float) -> bool:
        return self.used(now) + weight <= capacity * (1 + TOL) + TOL

    def add(self, now: float, weight: float) -> float:
        """Charge ``weight`` at ``now``; returns the total of the interval ending at ``now``."""
        if weight:
            self.entries.append((now, weight))
            self.total += weight
        return self.used(now)

    def free_at(self, now: float, weight: float, capacity: float) -> float:
        """The earliest time at which ``weight`` fits, given only what is already charged."""
        used = self.used(now)
        if used + weight <= capacity * (1 + TOL) + TOL:
            return now
        excess = used + weight - capacity
        for t, w in self.entries:
            excess -= w
            if excess <= TOL:
                return t + self.period
        return now + self.period


class FixedWindow:
    """At most ``capacity`` per window ``[k * period, (k + 1) * period)`` of the clock."""

    __slots__ = ("index", "period", "total")

    def __init__(self, period: float) -> None:
        self.period = period
        self.index = -math.inf
        self.total = 0.0

    def window_of(self, now: float) -> float:
        return float(math.floor(now / self.period))

    def used(self, now: float) -> float:
        k = self.window_of(now)
        if k != self.index:
            self.index = k
            self.total = 0.0
        return self.total

    def fits(self, now: float, weight: float, capacity: float) -> bool:
        return self.used(now) + weight <= capacity * (1 + TOL) + TOL

    def add(self, now: float, weight: float) -> float:
        self.used(now)
        self.total += weight
        return self.total

    def resets_at(self, now: float) -> float:
        return (self.window_of(now) + 1) * self.period


# ---------------------------------------------------------------------------------------
# statistics
# ---------------------------------------------------------------------------------------


def _frozen(d: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(sorted(d.items())))


@dataclass(frozen=True)
class MockStats:
    """A snapshot of what the mock venue has seen since it started (or since ``reset()``).

    Counts are of requests to venue endpoints (the ``/_mock/`` admin endpoints are not
    counted). "Weight" is the venue's main IP budget (Hyperliquid: REST weight; Binance:
    REQUEST_WEIGHT).
    """

    venue: str
    period: float
    """Length of the main budget's window in seconds (60 unless scaled)."""
    capacity: float
    """The main budget per IP per window (Hyperliquid 1200, Binance 6000)."""
    started_at: float
    snapshot_at: float
    accepted: int
    """Requests that passed the IP limits and got a venue answer (including body-level errors)."""
    rejected_429: int
    rejected_418: int
    bans: int
    """Bans started (Binance 418); every request refused during a ban is in ``rejected_418``."""
    weight_by_ip: Mapping[str, float]
    """Weight charged per IP (accepted requests, items-returned extra, failed-order weight)."""
    requests_by_ip: Mapping[str, int]
    requests_by_type: Mapping[str, int]
    """Accepted requests per type, e.g. ``info:l2Book``, ``exchange:order``, ``GET /api/v3/depth``."""
    rejected_by_type: Mapping[str, int]
    """429 and 418 answers per request type."""
    errors_by_kind: Mapping[str, int]
    """Venue-level refusals that are not IP-limit statuses, e.g. ``address_quota``,
    ``batch_over_200``, ``orders_429`` (-1015), ``order_rejected``."""
    max_window_weight_by_ip: Mapping[str, float]
    """The most weight seen in any one window, per IP (sliding: any interval of length
    ``period``; fixed: any clock-aligned window). Above ``capacity`` only when weight charged
    after the response (items returned, a failed order) pushed it there."""
    weight_by_window: tuple[float, ...] = ()
    """Weight charged (all IPs) in each ``period`` since ``started_at``: the first window,
    the second… (a timeline the venue itself keeps, so no poller can misplace a burst)."""

    @property
    def elapsed(self) -> float:
        return max(0.0, self.snapshot_at - self.started_at)

    @property
    def rejected(self) -> int:
        return self.rejected_429 + self.rejected_418

    @property
    def budget_share_by_ip(self) -> Mapping[str, float]:
        """Weight charged per IP over the budget available to it from ``started_at`` to
        ``snapshot_at``: ``weight / (capacity * elapsed / period)``."""
        return _frozen({ip: self.share_of(self.elapsed, ip) for ip in self.weight_by_ip})

    @property
    def budget_share(self) -> float:
        """Total weight over the budget of every IP seen, from ``started_at`` to ``snapshot_at``."""
        return self.share_of(self.elapsed)

    def share_of(self, seconds: float, ip: str | None = None) -> float:
        """Weight charged (one IP, or all IPs seen) over the budget of ``seconds``."""
        if seconds <= 0:
            return 0.0
        if ip is None:
            ips = max(1, len(self.weight_by_ip))
            weight = sum(self.weight_by_ip.values())
        else:
            ips = 1
            weight = self.weight_by_ip.get(ip, 0.0)
        return weight / (self.capacity * ips * seconds / self.period)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (served at ``GET /_mock/stats``)."""
        return {
            "venue": self.venue,
            "period": self.period,
            "capacity": self.capacity,
            "started_at": self.started_at,
            "snapshot_at": self.snapshot_at,
            "accepted": self.accepted,
            "rejected_429": self.rejected_429,
            "rejected_418": self.rejected_418,
            "bans": self.bans,
            "weight_by_ip": dict(self.weight_by_ip),
            "requests_by_ip": dict(self.requests_by_ip),
            "requests_by_type": dict(self.requests_by_type),
            "rejected_by_type": dict(self.rejected_by_type),
            "errors_by_kind": dict(self.errors_by_kind),
            "max_window_weight_by_ip": dict(self.max_window_weight_by_ip),
            "weight_by_window": list(self.weight_by_window),
            "budget_share": self.budget_share,
            "budget_share_by_ip": dict(self.budget_share_by_ip),
        }


class StatsRecorder:
    """Mutable counters behind :class:`MockStats` (callers hold the rules' lock)."""

    def __init__(self, started_at: float, period: float) -> None:
        self.started_at = started_at
        self.period = period
        self.weight_by_window: list[float] = []
        self.accepted = 0
        self.rejected_429 = 0
        self.rejected_418 = 0
        self.bans = 0
        self.weight_by_ip: dict[str, float] = {}
        self.requests_by_ip: dict[str, int] = {}
        self.requests_by_type: dict[str, int] = {}
        self.rejected_by_type: dict[str, int] = {}
        self.errors_by_kind: dict[str, int] = {}
        self.max_window_weight_by_ip: dict[str, float] = {}

    def accept(self, ip: str, kind: str) -> None:
        self.accepted += 1
        self.requests_by_ip[ip] = self.requests_by_ip.get(ip, 0) + 1
        self.requests_by_type[kind] = self.requests_by_type.get(kind, 0) + 1

    def charge(self, ip: str, weight: float, window_total: float, now: float) -> None:
        if weight:
            self.weight_by_ip[ip] = self.weight_by_ip.get(ip, 0.0) + weight
            k = max(0, int((now - self.started_at) // self.period))
            if k < 100_000:
                timeline = self.weight_by_window
                timeline.extend([0.0] * (k + 1 - len(timeline)))
                timeline[k] += weight
        if window_total > self.max_window_weight_by_ip.get(ip, 0.0):
            self.max_window_weight_by_ip[ip] = window_total

    def reject(self, status: int, kind: str) -> None:
        if status == 418:
            self.rejected_418 += 1
        else:
            self.rejected_429 += 1
        self.rejected_by_type[kind] = self.rejected_by_type.get(kind, 0) + 1

    def error(self, kind: str) -> None:
        self.errors_by_kind[kind] = self.errors_by_kind.get(kind, 0) + 1

    def snapshot(self, venue: str, period: float, capacity: float, now: float) -> MockStats:
        return MockStats(
            venue=venue,
            period=period,
            capacity=capacity,
            started_at=self.started_at,
            snapshot_at=now,
            accepted=self.accepted,
            rejected_429=self.rejected_429,
            rejected_418=self.rejected_418,
            bans=self.bans,
            weight_by_ip=_frozen(self.weight_by_ip),
            requests_by_ip=_frozen(self.requests_by_ip),
            requests_by_type=_frozen(self.requests_by_type),
            rejected_by_type=_frozen(self.rejected_by_type),
            errors_by_kind=_frozen(self.errors_by_kind),
            max_window_weight_by_ip=_frozen(self.max_window_weight_by_ip),
            weight_by_window=tuple(self.weight_by_window),
        )


# ---------------------------------------------------------------------------------------
# venue rules
# ---------------------------------------------------------------------------------------


class VenueRules(ABC):
    """One venue's limits and answers. Subclasses implement :meth:`_handle` and
    :meth:`_reset_state`; everything they do runs under ``self.lock``.

    ``period`` scales every window of the venue by ``period / default_period`` (so a
    Hyperliquid mock with ``period=2`` gives 1200 weight per 2 s and unblocks a throttled
    address after 10 * 2 / 60 s).
    """

    name: ClassVar[str]
    default_period: ClassVar[float] = 60.0

    def __init__(self, *, period: float | None = None, clock: Callable[[], float]) -> None:
        if period is None:
            period = self.default_period
        if not (isinstance(period, (int, float)) and math.isfinite(period) and period > 0):
            raise ValueError(f"period must be a finite positive number of seconds, got {period!r}")
        self.period = float(period)
        self.scale = self.period / self.default_period
        self.clock = clock
        self.lock = threading.RLock()
        self.recorder = StatsRecorder(clock(), self.period)

    @property
    @abstractmethod
    def capacity(self) -> float:
        """The main per-IP budget per ``period``."""

    def handle(self, request: MockRequest) -> MockResponse:
        with self.lock:
            return self._handle(request, self.clock())

    def stats(self) -> MockStats:
        with self.lock:
            return self.recorder.snapshot(self.name, self.period, self.capacity, self.clock())

    def reset(self) -> None:
        """Forget every charge, ban and counter (settings such as user volumes are kept)."""
        with self.lock:
            self.recorder = StatsRecorder(self.clock(), self.period)
            self._reset_state()

    def set_user_volume(self, address: str, usd: float) -> None:
        raise NotImplementedError(f"{self.name}: the mock keeps no per-user volume")

    @abstractmethod
    def _handle(self, request: MockRequest, now: float) -> MockResponse: ...

    @abstractmethod
    def _reset_state(self) -> None: ...


_REGISTRY: dict[str, type[VenueRules]] = {}


def register_venue(cls: type[VenueRules]) -> type[VenueRules]:
    """Make ``MockVenue(cls.name)`` build ``cls`` (usable as a class decorator)."""
    _REGISTRY[cls.name] = cls
    return cls


def venue_names() -> tuple[str, ...]:
    return tuple(sorted(_REGISTRY))


def rules_for(name: str) -> type[VenueRules]:
    try:
        return _REGISTRY[name.lower()]
    except KeyError:
        raise ValueError(f"MockVenue: unknown venue {name!r}; known: {', '.join(venue_names())}") from None
