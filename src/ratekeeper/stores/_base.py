"""What the stores share besides their protocol: freed-room listeners, the shared stores'
limit records, and the names the protocol defines (re-exported from :mod:`._protocol`, where
the typed store protocol and its capabilities now live).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Protocol, TypeVar

from .._limits import Limit
from ._protocol import (
    AsyncBudgetStore,
    AsyncStore,
    BudgetStore,
    Freed,
    Item,
    KeySnapshot,
    LeaseResult,
    Store,
)

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
    "aclose",
    "aleases",
    "alease",
    "asnapshot",
    "can_lease",
    "freed_by",
    "is_local",
    "limit_from_json",
    "limit_to_json",
]

T = TypeVar("T")

_BudgetStore = BudgetStore  # the names these protocols had before ._protocol
_AsyncBudgetStore = AsyncBudgetStore

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


def is_local(store: object) -> bool:
    """Whether ``store`` decides in this process and never blocks on I/O (the memory store)."""
    return isinstance(store, BudgetStore) and store.local


def can_lease(store: object) -> bool:
    """Whether ``store`` holds leases (the concurrent limits): a :class:`Store` or an
    :class:`AsyncStore`."""
    return isinstance(store, (Store, AsyncStore))


async def _off_loop(store: BudgetStore, call: Callable[[], T]) -> T:
    """A sync store's call the asyncio way: inline for an in-process store (it never blocks
    on I/O), in a worker thread for any other (SQLite), so the event loop never waits on it."""
    if store.local:
        return call()
    return await asyncio.to_thread(call)


async def asnapshot(store: BudgetStore | AsyncBudgetStore, limits: Sequence[Limit]) -> list[KeySnapshot]:
    """``snapshot`` the asyncio way: the store's own ``asnapshot`` where it has one (Redis)."""
    if isinstance(store, AsyncBudgetStore):
        return await store.asnapshot(limits)
    return await _off_loop(store, lambda: store.snapshot(limits))


async def alease(
    store: Store | AsyncStore, limit: Limit, scope: str | None, holder: str, units: float, ttl: float | None = None
) -> LeaseResult:
    """``lease`` the asyncio way (see :func:`asnapshot`)."""
    if isinstance(store, AsyncStore):
        return await store.alease(limit, scope, holder, units, ttl)
    return await _off_loop(store, lambda: store.lease(limit, scope, holder, units, ttl))


async def aleases(store: Store | AsyncStore, limit: Limit, scope: str | None) -> dict[str, tuple[float, float]]:
    """``leases`` the asyncio way (see :func:`asnapshot`)."""
    if isinstance(store, AsyncStore):
        return await store.aleases(limit, scope)
    return await _off_loop(store, lambda: store.leases(limit, scope))


async def aclose(store: BudgetStore | AsyncBudgetStore) -> None:
    """``close`` the asyncio way: the store's own ``aclose`` where it has one."""
    if isinstance(store, AsyncBudgetStore):
        await store.aclose()
    else:
        store.close()
