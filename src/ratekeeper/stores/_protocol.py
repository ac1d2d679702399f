"""The store protocol, typed: what every budget store offers, and the capabilities some add.

A store holds the state of every (limit, scope) budget and makes each decision atomically:
memory (one process), SQLite (processes on one host), Redis (hosts). The limiter never
looks inside a store; it asks it to reserve, estimate, refund, observe and report, and
learns what more a store can do from the protocols below (checked once, with
``isinstance``, when the limiter is built), never by probing for attribute names:

* :class:`BudgetStore` / :class:`AsyncBudgetStore`: the rate-limit operations every store
  has (a store written before leases existed still backs a limiter);
* :class:`Store` / :class:`AsyncStore`: those plus leases (concurrent limits);
* :class:`LocalStore`: a store that decides in this process under one lock (memory): the
  limiter's fast paths call its ``*_locked`` operations under that lock;
* :class:`Estimating`, :class:`Rebooking`, :class:`Subscribing` (and their asyncio faces):
  optional capabilities.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from .._algorithms import Decision, State
from .._limits import Limit, Observation

__all__ = [
    "AsyncBudgetStore",
    "AsyncDeferring",
    "AsyncEstimating",
    "AsyncLeasing",
    "AsyncRebooking",
    "AsyncStore",
    "BudgetStore",
    "Deferring",
    "Estimating",
    "Freed",
    "Item",
    "KeySnapshot",
    "LeaseResult",
    "Leasing",
    "LocalStore",
    "Rebooking",
    "Store",
    "Subscribing",
]

Item = tuple[Limit, "str | None", float]
"""One limit of one request: the limit, the scope value it is charged under, the units."""

Freed = Sequence[tuple[str, "str | None"]]
"""The budgets ``(limit name, scope value)`` whose room a refund freed: what a store tells
its listeners, so that whoever waits on them can move its booking earlier."""


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


# -- the rate-limit operations every store offers ----------------------------------------


@runtime_checkable
class BudgetStore(Protocol):
    """The rate-limit half of :class:`Store` (what a store needs to back a Limiter).
    ``local``: the store never blocks on I/O, so an asyncio limiter calls it inline (else in
    a worker thread)."""

    local: bool

    def reserve(self, items: Sequence[Item], priority: int, max_wait: float | None) -> Decision:
        """Book every item at the earliest common start, or nothing if that is more than
        ``max_wait`` seconds away (``max_wait < 0``: only report the start; prefer
        :meth:`Estimating.estimate`)."""
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

    def close(self) -> None: ...


@runtime_checkable
class AsyncBudgetStore(Protocol):
    """The asyncio face of :class:`BudgetStore` (a store doing network I/O: Redis)."""

    async def areserve(self, items: Sequence[Item], priority: int, max_wait: float | None) -> Decision: ...

    async def arefund(self, items: Sequence[Item], placed: Sequence[float]) -> None: ...

    async def aobserve(self, limit: Limit, scope: str | None, observation: Observation) -> None: ...

    async def asnapshot(self, limits: Sequence[Limit]) -> list[KeySnapshot]: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class Store(BudgetStore, Protocol):
    """A synchronous store: the rate-limit operations and leases."""

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


@runtime_checkable
class AsyncStore(AsyncBudgetStore, Protocol):
    """The asyncio face of a store that does network I/O (Redis)."""

    async def alease(
        self, limit: Limit, scope: str | None, holder: str, units: float, ttl: float | None = None
    ) -> LeaseResult:
        """See :meth:`Store.lease`."""
        ...

    async def aleases(self, limit: Limit, scope: str | None) -> dict[str, tuple[float, float]]:
        """See :meth:`Store.leases`."""
        ...


# -- optional capabilities -----------------------------------------------------------------


@runtime_checkable
class Leasing(Protocol):
    """Holds leases of concurrent limits: what the WebSocket limiter needs of a store."""

    def lease(
        self, limit: Limit, scope: str | None, holder: str, units: float, ttl: float | None = None
    ) -> LeaseResult:
        """See :meth:`Store.lease`."""
        ...


@runtime_checkable
class AsyncLeasing(Protocol):
    """:class:`Leasing`, the asyncio way."""

    async def alease(
        self, limit: Limit, scope: str | None, holder: str, units: float, ttl: float | None = None
    ) -> LeaseResult:
        """See :meth:`Store.lease`."""
        ...


@runtime_checkable
class Estimating(Protocol):
    """A store that reports the earliest common start of some items, booking nothing."""

    def estimate(self, items: Sequence[Item], priority: int) -> Decision:
        """The earliest start at which every item fits (``Decision.start``, on the store's
        clock, with ``now``), booking nothing: the Decision is never granted."""
        ...


@runtime_checkable
class AsyncEstimating(Protocol):
    """The asyncio face of :class:`Estimating`."""

    async def aestimate(self, items: Sequence[Item], priority: int) -> Decision: ...


@runtime_checkable
class Deferring(Protocol):
    """A store that may defer a request over its client's fair share of a busy budget
    (``Decision.deferred``: nothing booked, ask again at ``start``), and takes that
    request's next try without deferring it a second time, so no request waits for ever."""

    def reserve_again(self, items: Sequence[Item], priority: int, max_wait: float | None) -> Decision:
        """``reserve`` for a request this store deferred before: never deferred again."""
        ...


@runtime_checkable
class AsyncDeferring(Protocol):
    """The asyncio face of :class:`Deferring`."""

    async def areserve_again(self, items: Sequence[Item], priority: int, max_wait: float | None) -> Decision: ...


@runtime_checkable
class Rebooking(Protocol):
    """A store that moves a booking earlier in one step (freed room is used at once)."""

    def rebook(self, items: Sequence[Item], priority: int, placed: Sequence[float], later: bool = False) -> Decision:
        """See :func:`ratekeeper._algorithms.rebook`."""
        ...


@runtime_checkable
class AsyncRebooking(Protocol):
    """The asyncio face of :class:`Rebooking`."""

    async def arebook(
        self, items: Sequence[Item], priority: int, placed: Sequence[float], later: bool = False
    ) -> Decision: ...


@runtime_checkable
class Subscribing(Protocol):
    """A store that tells listeners which budgets a refund freed (from any process sharing
    it, for the shared stores)."""

    def subscribe(self, callback: Callable[[Freed], None]) -> Callable[[], None]:
        """Call ``callback`` after every refund with the budgets it freed; returns the
        function that unsubscribes."""
        ...


@runtime_checkable
class LocalStore(Protocol):
    """A store that decides in this process, under :attr:`lock`: the limiter's fast paths
    hold that lock and call the ``*_locked`` operations (and, for a budget's state, the
    pure functions of :mod:`ratekeeper._algorithms` on its states, which live as long as the
    store) directly. ``now``: the store's clock; ``epoch``: its offset to UNIX time (fixed
    windows are aligned with it)."""

    lock: threading.Lock
    epoch: float
    now: Callable[[], float]
    """The store's clock."""

    def state_for(self, limit: Limit, scope: str | None) -> State:
        """The state of one budget (created if new), for use under :attr:`lock`."""
        ...

    def take_many_locked(self, items: Sequence[Item], priority: int) -> float | None:
        """All-or-nothing: book every item now if each fits now, returning that time, or
        book nothing and return None. The caller holds :attr:`lock`."""
        ...

    def reserve_locked(self, items: Sequence[Item], priority: int, max_wait: float | None) -> Decision:
        """:meth:`BudgetStore.reserve` for a caller that holds :attr:`lock`."""
        ...
