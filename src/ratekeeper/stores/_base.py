"""The store protocol: the narrow set of operations every budget store offers.

A store holds the state of every (limit, scope) budget and makes each decision atomically:
memory (one process), SQLite (processes on one host), Redis (hosts). The limiter never
looks inside a store; it asks it to reserve, refund, observe and report.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable

from .._algorithms import Decision
from .._limits import Limit, Observation

__all__ = [
    "QUOTA_IDLE",
    "AsyncStore",
    "Freed",
    "Item",
    "KeySnapshot",
    "LeaseResult",
    "Listeners",
    "Store",
    "WallClock",
    "freed_by",
    "limit_from_json",
    "limit_to_json",
]

Item = tuple[Limit, "str | None", float]
"""One limit of one request: the limit, the scope value it is charged under, the units."""

Freed = Sequence[tuple[str, "str | None"]]
"""The budgets ``(limit name, scope value)`` whose room a refund freed: what a store tells
its listeners, so that whoever waits on them can move its booking earlier."""

log = logging.getLogger("ratekeeper")


def freed_by(items: Sequence[Item]) -> Freed:
    """The budgets a refund of ``items`` gives room back to (those it gives anything back)."""
    return [(limit.name, scope) for limit, scope, amount in items if amount > 0]


class Listeners:
    """The callbacks a store calls when a refund freed room (``subscribe``). Cheap to test
    for (false while empty) and safe to change from any thread while it notifies."""

    __slots__ = ("_callbacks", "_lock")

    def __init__(self) -> None:
        self._callbacks: tuple[Callable[[Freed], None], ...] = ()
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        return bool(self._callbacks)

    def add(self, callback: Callable[[Freed], None]) -> Callable[[], None]:
        with self._lock:
            self._callbacks = (*self._callbacks, callback)

        def remove() -> None:
            with self._lock:
                self._callbacks = tuple(c for c in self._callbacks if c is not callback)

        return remove

    def notify(self, freed: Freed) -> None:
        if not freed:
            return
        for callback in self._callbacks:
            try:
                callback(freed)
            except Exception:  # a listener's bug must not fail the refund that freed the room
                log.exception("a freed-room listener failed")


QUOTA_IDLE = 7 * 86400.0
"""Seconds a quota (a cumulative allowance, which time does not reset) is kept unused; one
forgotten is synced again by the venue's next answer."""


def limit_to_json(limit: Limit) -> str:
    """A limit's definition as the shared stores record it (``known_limits``)."""
    return json.dumps(asdict(limit), separators=(",", ":"), sort_keys=True)


def limit_from_json(text: str) -> Limit:
    return Limit(**json.loads(text))


class WallClock(Protocol):
    """Anything that tells UNIX time (``time.time``-like): the clock of the shared stores.
    ``ratekeeper.testing.FakeClock`` is one."""

    def wall(self) -> float: ...


@dataclass(frozen=True, slots=True)
class KeySnapshot:
    """What a store knows about one (limit, scope) budget right now."""

    limit: Limit
    scope: str | None
    used: float
    reserved: float
    next_free: float
    blocked_for: float
    capacity: float | None = None
    """The capacity in force when the server set one (a quota's synced cap); None: the limit's."""


@dataclass(frozen=True, slots=True)
class LeaseResult:
    """The outcome of one :meth:`Store.lease` call on a concurrent limit.

    ``granted``: the holder now holds the units it asked for (a release, ``units=0``, is
    always granted). ``held``: the units held in this (limit, scope) by every live holder
    after the call. ``retry_after``: when refused, the seconds until the earliest other
    live lease expires (an upper bound on the wait if nobody renews or releases); 0.0 when
    granted.
    """

    granted: bool
    held: float
    retry_after: float


@runtime_checkable
class _BudgetStore(Protocol):
    """The rate-limit half of :class:`Store` (what a store needs to back a Limiter). The
    runtime check ``open_store`` and the limiters make: a store written before leases
    existed still backs rate limits."""

    local: bool

    def reserve(self, items: Sequence[Item], priority: int, max_wait: float | None) -> Decision: ...

    def refund(self, items: Sequence[Item], placed: Sequence[float]) -> None: ...

    def observe(self, limit: Limit, scope: str | None, observation: Observation) -> None: ...

    def snapshot(self, limits: Sequence[Limit]) -> list[KeySnapshot]: ...

    def close(self) -> None: ...


@runtime_checkable
class _AsyncBudgetStore(Protocol):
    """The rate-limit half of :class:`AsyncStore` (see :class:`_BudgetStore`)."""

    async def areserve(self, items: Sequence[Item], priority: int, max_wait: float | None) -> Decision: ...

    async def arefund(self, items: Sequence[Item], placed: Sequence[float]) -> None: ...

    async def aobserve(self, limit: Limit, scope: str | None, observation: Observation) -> None: ...

    async def asnapshot(self, limits: Sequence[Limit]) -> list[KeySnapshot]: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class Store(Protocol):
    """A synchronous store. ``local`` stores never block on I/O (the memory store)."""

    local: bool

    def reserve(self, items: Sequence[Item], priority: int, max_wait: float | None) -> Decision:
        """Book every item at the earliest common start, or nothing if that is more than
        ``max_wait`` seconds away (``max_wait < 0``: only report the start)."""
        ...

    def refund(self, items: Sequence[Item], placed: Sequence[float]) -> None:
        """Give back each item's units, booked at the matching ``placed`` time."""
        ...

    def observe(self, limit: Limit, scope: str | None, observation: Observation) -> None:
        """Fold in what the server said: used/remaining units, a new cap, a ban."""
        ...

    def snapshot(self, limits: Sequence[Limit]) -> list[KeySnapshot]:
        """One entry per (limit, scope) the store holds state for, for the given limits.
        A concurrent limit reports its held units as ``used`` and, as ``next_free``, the
        seconds until its earliest lease expires (0 if none)."""
        ...

    def lease(
        self, limit: Limit, scope: str | None, holder: str, units: float, ttl: float | None = None
    ) -> LeaseResult:
        """Hold ``units`` of the concurrent ``limit`` (scope value ``scope``) for ``holder``,
        in one atomic step: drop expired leases; refuse, changing nothing, if the holder asks
        for more than it holds and the other live holders leave no room; ``units == 0``
        releases the holder's lease (always granted, idempotent); otherwise set its units and
        its expiry to now + ``ttl`` (default: the limit's period). Calling again with the same
        units renews the lease. Raises ``ValueError`` for a limit that is not concurrent or
        bad numbers, ``CostExceedsCapacity`` for more units than the limit holds."""
        ...

    def leases(self, limit: Limit, scope: str | None) -> dict[str, tuple[float, float]]:
        """The live leases of (``limit``, ``scope``): holder -> (units, seconds left)."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class AsyncStore(Protocol):
    """The asyncio face of a store that does network I/O (Redis)."""

    async def areserve(self, items: Sequence[Item], priority: int, max_wait: float | None) -> Decision: ...

    async def arefund(self, items: Sequence[Item], placed: Sequence[float]) -> None: ...

    async def aobserve(self, limit: Limit, scope: str | None, observation: Observation) -> None: ...

    async def asnapshot(self, limits: Sequence[Limit]) -> list[KeySnapshot]: ...

    async def alease(
        self, limit: Limit, scope: str | None, holder: str, units: float, ttl: float | None = None
    ) -> LeaseResult:
        """See :meth:`Store.lease`."""
        ...

    async def aleases(self, limit: Limit, scope: str | None) -> dict[str, tuple[float, float]]:
        """See :meth:`Store.leases`."""
        ...

    async def aclose(self) -> None: ...


async def call_async(store: object, name: str, *args: Any) -> Any:
    """Run the store operation ``name`` the asyncio way: the store's own ``a<name>`` method
    where it has one (Redis), the method itself for an in-process store (``local``: it never
    blocks on I/O), any other in a worker thread (SQLite), so the event loop never waits on it."""
    amethod = getattr(store, "a" + name, None)
    if amethod is not None:
        return await amethod(*args)
    method = getattr(store, name)
    if getattr(store, "local", False):
        return method(*args)
    return await asyncio.to_thread(method, *args)
