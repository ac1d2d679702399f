"""The registries this process's connections share: which users they subscribe to (per store
and scope), the one ``memory://`` store per clock, and the :class:`WebSocketLimiter` each event
loop shares between the connections of the module-level helpers (one per venue, store and
options), borrowed for each connection's life."""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..stores import LeaseResult, MemoryStore, Store
from ..stores._base import is_local
from ..venues import Venue

if TYPE_CHECKING:
    from .._clock import Clock
    from .._limits import Limit
    from ._connection import Connection
    from ._limiter import WebSocketLimiter


class _UserRefs:
    """Which users this process's connections subscribe to, per store object and scope.

    Several connections (and processes) may subscribe the same user: the lease of a user is
    one holder (the address) with one unit. Its count here keeps it held while any
    connection of this process uses it. When the last one stops: a local (memory) store is
    only seen by this process, so the lease is released; a shared store may have other
    processes using the user, so the lease is left to expire (at most its period later).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._refs: dict[tuple[int, str | None, str], int] = {}

    def count(self, store: object, scope: str | None, user: str) -> int:
        with self._lock:
            return self._refs.get((id(store), scope, user), 0)

    def add(self, store: object, scope: str | None, user: str) -> None:
        key = (id(store), scope, user)
        with self._lock:
            self._refs[key] = self._refs.get(key, 0) + 1

    def take_local(self, store: Store, limit: Limit, scope: str | None, user: str) -> LeaseResult:
        """Count one more use; lease the user if this is the first (a local store: one step)."""
        key = (id(store), scope, user)
        with self._lock:
            n = self._refs.get(key, 0)
            if n:
                self._refs[key] = n + 1
                return LeaseResult(True, 0.0, 0.0)
            r = store.lease(limit, scope, _user_holder(user), 1)
            if r.granted:
                self._refs[key] = 1
            return r

    def drop(self, store: Store, limit: Limit, scope: str | None, user: str) -> None:
        """One use fewer; the last use of a local store's user releases its lease."""
        key = (id(store), scope, user)
        with self._lock:
            n = self._refs.get(key, 0) - 1
            if n > 0:
                self._refs[key] = n
                return
            self._refs.pop(key, None)
            if is_local(store):
                store.lease(limit, scope, _user_holder(user), 0)


_USERS = _UserRefs()


def _user_holder(user: str) -> str:
    return f"user:{user}"


@dataclass
class _Shared:
    limiter: WebSocketLimiter
    users: int = 0


_SHARED: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[Any, ...], _Shared]] = (
    weakref.WeakKeyDictionary()
)
_MEMORY: dict[int, tuple[Clock | None, MemoryStore]] = {}
_SHARED_LOCK = threading.Lock()


def _venue_key(venue: str | Venue) -> tuple[Any, ...]:
    if isinstance(venue, str):
        return ("name", venue.lower().strip())
    if isinstance(venue, Venue):
        return ("venue", venue.name, tuple(sorted(venue.limits.items())))
    raise TypeError(f"venue must be a name or a Venue, got {type(venue).__name__}")


def _memory_store(clock: Clock | None) -> MemoryStore:
    """The process's one ``memory://`` store for WebSocket limits (per clock)."""
    with _SHARED_LOCK:
        found = _MEMORY.get(id(clock))
        if found is None or found[0] is not clock:
            found = _MEMORY[id(clock)] = (clock, MemoryStore(clock))
        return found[1]


class _SharedUse:
    """Borrow the shared limiter of (loop, venue, store, options) for one connection's life."""

    def __init__(self, key: tuple[Any, ...], build: Callable[[], WebSocketLimiter]) -> None:
        self._key = key
        self._build = build
        self._entry: _Shared | None = None

    def take(self) -> WebSocketLimiter:
        loop = asyncio.get_running_loop()
        table = _SHARED.setdefault(loop, {})
        entry = table.get(self._key)
        if entry is None:
            entry = table[self._key] = _Shared(self._build())
        entry.users += 1
        self._entry = entry
        return entry.limiter

    async def give_back(self) -> None:
        entry, self._entry = self._entry, None
        if entry is None:
            return
        entry.users -= 1
        if entry.users <= 0:
            table = _SHARED.get(asyncio.get_running_loop(), {})
            if table.get(self._key) is entry:
                del table[self._key]
            await entry.limiter.aclose()

    def again(self) -> _SharedUse:
        """Another use of the same shared limiter (a use is taken and given back once)."""
        return _SharedUse(self._key, self._build)

    async def open(
        self, url: str, ip: str | None, account: str | None, timeout: float | None, websockets_kwargs: dict[str, Any]
    ) -> Connection:
        """Open a connection through the shared limiter, held until the connection finishes."""
        gate = self.take()
        try:
            conn = await gate.connect(url, ip=ip, account=account, timeout=timeout, **websockets_kwargs)
        except BaseException:
            await self.give_back()
            raise
        conn._on_finish(self.give_back)
        return conn
