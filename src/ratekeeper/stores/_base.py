"""The store protocol: the narrow set of operations every budget store offers.

A store holds the state of every (limit, scope) budget and makes each decision atomically:
memory (one process), SQLite (processes on one host), Redis (hosts). The limiter never
looks inside a store; it asks it to reserve, refund, observe and report.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Protocol, runtime_checkable

from .._algorithms import Decision
from .._limits import Limit, Observation

__all__ = [
    "QUOTA_IDLE",
    "AsyncStore",
    "Item",
    "KeySnapshot",
    "Store",
    "WallClock",
    "limit_from_json",
    "limit_to_json",
]

Item = tuple[Limit, "str | None", float]
"""One limit of one request: the limit, the scope value it is charged under, the units."""


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
        """One entry per (limit, scope) the store holds state for, for the given limits."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class AsyncStore(Protocol):
    """The asyncio face of a store that does network I/O (Redis)."""

    async def areserve(self, items: Sequence[Item], priority: int, max_wait: float | None) -> Decision: ...

    async def arefund(self, items: Sequence[Item], placed: Sequence[float]) -> None: ...

    async def aobserve(self, limit: Limit, scope: str | None, observation: Observation) -> None: ...

    async def asnapshot(self, limits: Sequence[Limit]) -> list[KeySnapshot]: ...

    async def aclose(self) -> None: ...
