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
from typing import Protocol, TypeVar, runtime_checkable

from .._limits import Limit
from ._protocol import (
    AsyncLeasing,
    AsyncStore,
    Freed,
    Item,
    KeySnapshot,
    LeaseResult,
    Leasing,
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
    return isinstance(store, _Local) and bool(store.local)


def can_lease(store: object) -> bool:
    """Whether ``store`` holds leases (the concurrent limits), one way or the other."""
    return isinstance(store, (Leasing, AsyncLeasing))


@runtime_checkable
class _Local(Protocol):
    local: bool


@runtime_checkable
class _Snapshots(Protocol):
    def snapshot(self, limits: Sequence[Limit]) -> list[KeySnapshot]: ...


@runtime_checkable
class _AsyncSnapshots(Protocol):
    async def asnapshot(self, limits: Sequence[Limit]) -> list[KeySnapshot]: ...


@runtime_checkable
class _Leases(Protocol):
    def leases(self, limit: Limit, scope: str | None) -> dict[str, tuple[float, float]]: ...


@runtime_checkable
class _AsyncLeases(Protocol):
    async def aleases(self, limit: Limit, scope: str | None) -> dict[str, tuple[float, float]]: ...


@runtime_checkable
class _Closes(Protocol):
    def close(self) -> None: ...


@runtime_checkable
class _AsyncCloses(Protocol):
    async def aclose(self) -> None: ...


def _lacks(store: object, what: str) -> TypeError:
    return TypeError(f"store {type(store).__name__} has no {what}()")


async def _off_loop(store: object, call: Callable[[], T]) -> T:
    """A sync store's call the asyncio way: inline for an in-process store (it never blocks
    on I/O), in a worker thread for any other (SQLite), so the event loop never waits on it."""
    if is_local(store):
        return call()
    return await asyncio.to_thread(call)


# Each store operation the asyncio way: the store's own ``a<name>`` method where it has one
# (Redis), else its sync method (see _off_loop). Checked one method at a time, as a store
# written against an older protocol may have some and not others.


async def asnapshot(store: object, limits: Sequence[Limit]) -> list[KeySnapshot]:
    if isinstance(store, _AsyncSnapshots):
        return await store.asnapshot(limits)
    if isinstance(store, _Snapshots):
        return await _off_loop(store, lambda: store.snapshot(limits))
    raise _lacks(store, "snapshot")


async def alease(
    store: object, limit: Limit, scope: str | None, holder: str, units: float, ttl: float | None = None
) -> LeaseResult:
    if isinstance(store, AsyncLeasing):
        return await store.alease(limit, scope, holder, units, ttl)
    if isinstance(store, Leasing):
        return await _off_loop(store, lambda: store.lease(limit, scope, holder, units, ttl))
    raise _lacks(store, "lease")


async def aleases(store: object, limit: Limit, scope: str | None) -> dict[str, tuple[float, float]]:
    if isinstance(store, _AsyncLeases):
        return await store.aleases(limit, scope)
    if isinstance(store, _Leases):
        return await _off_loop(store, lambda: store.leases(limit, scope))
    raise _lacks(store, "leases")


async def aclose(store: object) -> None:
    if isinstance(store, _AsyncCloses):
        await store.aclose()
    elif isinstance(store, _Closes):
        store.close()
