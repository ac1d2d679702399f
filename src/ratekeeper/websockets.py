"""ratekeeper for `websockets`: connections, messages, subscriptions and in-flight posts kept
within a venue's WebSocket limits, shared with every process that uses the same store.

::

    from ratekeeper.websockets import connect

    async with connect("wss://api.hyperliquid.xyz/ws", venue="hyperliquid", store="sqlite:///tmp/rk.db") as ws:
        await ws.send({"method": "subscribe", "subscription": {"type": "trades", "coin": "BTC"}})
        async for message in ws:
            ...

What is gated (the per-venue numbers: :func:`ws_rules`, each limit citing its source):

* opening a connection — the simultaneous count (``ws_connections``: a lease per connection,
  renewed while it lives, released when it closes) and the new-connection rate
  (``ws_new_connections``: waits exactly for its slot);
* every ``send`` — the venue's message rates, shared through the store (Hyperliquid
  ``ws_messages``) or counted per connection (Binance's 5 messages per second);
* subscriptions — the count across connections (``ws_subscriptions``), the topics one
  connection may hold, the distinct users (``ws_users``): a subscription over a limit raises
  :class:`SubscriptionRefused` before anything is sent;
* in-flight ``post`` requests (``ws_inflight_posts``): a slot taken before sending, released
  by the matching response, the post timeout, or the connection closing.

Counts shared with other processes are leases (see :meth:`ratekeeper.stores.Store.lease`)
renewed by the live connection: a process that dies frees its slots after the lease period.
Install with ``pip install 'ratekeeper[websockets]'``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import math
import os
import random
import socket
import threading
import uuid
import weakref
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from ._http import missing_extra

try:
    from websockets.asyncio.client import ClientConnection
    from websockets.asyncio.client import connect as _ws_connect
    from websockets.exceptions import ConnectionClosed, ConnectionClosedOK, InvalidHandshake, InvalidStatus
except ImportError as _exc:  # pragma: no cover - exercised only without the extra (a subprocess test)
    raise missing_extra("websockets", "websockets", _exc) from _exc

from ._clock import SYSTEM_CLOCK, Clock, TimerHandle, clock_asleep
from ._errors import RateKeeperError, RateLimited
from ._http import DEFAULT_MARGINS, FALLBACK_MARGIN, pad_limits, resolve_venue
from ._limiter import AsyncGrant, AsyncLimiter
from ._limits import Cost, Limit, LimitStatistics
from ._ws_rules import (
    CONNECTIONS,
    INFLIGHT_POSTS,
    LEASED,
    NEW_CONNECTIONS,
    SUBSCRIPTIONS,
    USERS,
    WsMessage,
    WsRules,
    WsTopic,
    ws_rule_names,
    ws_rules,
)
from .stores import LeaseResult, MemoryStore, Store, StoreSpec, open_store
from .stores._base import call_async
from .venues import Venue

__all__ = [
    "Backoff",
    "Connect",
    "Connection",
    "ConnectionStatistics",
    "Reconnecting",
    "SubscriptionRefused",
    "WebSocketLimiter",
    "WebSocketStatistics",
    "WsMessage",
    "WsRules",
    "WsTopic",
    "connect",
    "reconnecting",
    "ws_rule_names",
    "ws_rules",
]

log = logging.getLogger("ratekeeper.websockets")

DEFAULT_POST_TIMEOUT = 30.0
"""Seconds an unanswered post holds its in-flight slot."""
DEFAULT_RELEASE_DELAY = 0.5
"""Seconds an unsubscribed topic (and its user) still counts after the unsubscribe is sent:
the server may read it after a subscribe sent on another connection."""

Message = str | bytes | bytearray | memoryview | Mapping[str, Any] | list[Any]
"""What :meth:`Connection.send` takes: text, bytes, or a JSON object / array (sent as text)."""


class SubscriptionRefused(RateKeeperError):
    """A subscription that would exceed a limit; nothing was sent and nothing charged.

    ``limit``: the limit that refused (``ws_subscriptions``, ``ws_users``,
    ``topics_per_connection``, ``topics_per_message``); ``scope``: its scope value; ``held``:
    what is held now; ``capacity``: the limit; ``requested``: what the message asked for on
    top; ``topics``: the topics the message would have added.
    """

    def __init__(
        self,
        message: str,
        *,
        limit: str,
        scope: str | None = None,
        held: float = 0.0,
        capacity: float = 0.0,
        requested: float = 0.0,
        topics: tuple[str, ...] = (),
    ) -> None:
        self.limit = limit
        self.scope = scope
        self.held = held
        self.capacity = capacity
        self.requested = requested
        self.topics = topics
        super().__init__(message)


# --------------------------------------------------------------------------------------------
# small values


def _check_seconds(name: str, value: object, *, allow_none: bool = True, allow_zero: bool = True) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be {'None or ' if allow_none else ''}a finite number of seconds, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'} seconds, got {value!r}")
    return float(value)


@dataclass(frozen=True, slots=True)
class Backoff:
    """How :func:`reconnecting` waits between attempts: capped exponential with full jitter.

    Attempt ``k`` (1 for the first retry) waits a random time in
    ``[0, min(cap, base * 2**(k-1))]`` (the whole ceiling when ``jitter`` is false). After a
    connection that stayed open ``stable_after`` seconds, the next attempt counts as the first
    again (a random wait up to ``base``, so a server that drops everyone is not hit by all its
    clients at once). ``attempts``:
    consecutive failed attempts before giving up (``None``: never). The new-connection rate
    and the connection count are waited for on top, as for every connection.
    """

    base: float = 0.5
    cap: float = 30.0
    jitter: bool = True
    stable_after: float = 30.0
    attempts: int | None = None

    def __post_init__(self) -> None:
        _check_seconds("Backoff.base", self.base, allow_none=False)
        _check_seconds("Backoff.cap", self.cap, allow_none=False)
        _check_seconds("Backoff.stable_after", self.stable_after, allow_none=False)
        if self.attempts is not None and (
            isinstance(self.attempts, bool) or not isinstance(self.attempts, int) or self.attempts < 1
        ):
            raise ValueError(f"Backoff.attempts must be None or an int >= 1, got {self.attempts!r}")

    def delay(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Seconds to wait before retry number ``attempt`` (0: none)."""
        if attempt <= 0:
            return 0.0
        ceiling = min(self.cap, self.base * 2.0 ** min(attempt - 1, 64))
        return ceiling * rng() if self.jitter else ceiling


@dataclass(frozen=True, slots=True)
class ConnectionStatistics:
    """One connection's counts. ``waited``: seconds spent waiting for the connection count
    and the new-connection rate before it opened; ``leases_lost``: renewals the store
    refused (the lease had expired and its room was taken: logged as a warning)."""

    id: str
    url: str
    open: bool
    waited: float
    subscriptions: int
    topics: tuple[str, ...]
    users: tuple[str, ...]
    inflight_posts: int
    messages_sent: int
    posts_sent: int
    posts_answered: int
    posts_timed_out: int
    subscriptions_refused: int
    lease_renewals: int
    leases_lost: int


@dataclass(frozen=True, slots=True)
class WebSocketStatistics:
    """The open connections of one :class:`WebSocketLimiter` and its limits' snapshot (held
    units of the concurrent limits, usage of the rates, as the store sees them)."""

    connections: tuple[ConnectionStatistics, ...]
    limits: tuple[LimitStatistics, ...]


async def _sleep_or_event(clock: Clock, seconds: float | None, event: asyncio.Event | None) -> None:
    """Wait ``seconds`` on ``clock`` (None: forever) or until ``event`` is set."""
    if event is None:
        if seconds is None:
            await asyncio.Event().wait()
        else:
            await clock_asleep(clock, seconds)
        return
    if event.is_set():
        return
    waiter = asyncio.ensure_future(event.wait())
    if seconds is None:
        try:
            await waiter
        finally:
            waiter.cancel()
        return
    sleeper = asyncio.ensure_future(clock_asleep(clock, seconds))
    try:
        await asyncio.wait({waiter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
        sleeper.cancel()


_HOST = socket.gethostname()
_SEQ = itertools.count(1)


def _new_id() -> str:
    return f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex[:12]}:{next(_SEQ)}"


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
            if getattr(store, "local", False):
                store.lease(limit, scope, _user_holder(user), 0)


_USERS = _UserRefs()


def _user_holder(user: str) -> str:
    return f"user:{user}"


# --------------------------------------------------------------------------------------------
# the limiter


class WebSocketLimiter:
    """A venue's WebSocket limits over one store: opens :class:`Connection` objects.

    ``WebSocketLimiter(venue="hyperliquid", *, store="memory://", rules=None, ip=None,
    account=None, clock=None, margin=None, post_timeout=30.0, release_delay=0.5)``

    - ``venue``: a name or a :class:`~ratekeeper.venues.Venue` (its ``ws_*`` limits, with
      overrides: ``rk.venue("hyperliquid", ws_messages=(20, 1.0))``);
    - ``store``: a store URL or object, shared with other processes (SQLite, Redis) or not;
    - ``rules``: the venue's :class:`WsRules` (default: its table, :func:`ws_rules`);
    - ``ip`` / ``account``: default scope values of the limits scoped by them;
    - ``margin``: seconds added to each rate window for transit jitter (default: the venue's
      HTTP margin); ``post_timeout``: seconds an unanswered post keeps its slot;
      ``release_delay``: seconds an unsubscribed topic still counts.

    One per event loop (it holds an :class:`~ratekeeper.AsyncLimiter`). ``async with`` it,
    or ``await aclose()``: that closes its connections and a store it opened from a URL.
    """

    def __init__(
        self,
        venue: str | Venue = "hyperliquid",
        *,
        store: StoreSpec = "memory://",
        rules: WsRules | None = None,
        ip: str | None = None,
        account: str | None = None,
        clock: Clock | None = None,
        margin: float | None = None,
        post_timeout: float = DEFAULT_POST_TIMEOUT,
        release_delay: float = DEFAULT_RELEASE_DELAY,
    ) -> None:
        self.venue = resolve_venue(venue)
        if rules is None:
            rules = ws_rules(self.venue.name)
        elif not isinstance(rules, WsRules):
            raise TypeError(f"rules must be WsRules, got {type(rules).__name__}")
        self.rules = rules
        self._timeout: float = _check_seconds("post_timeout", post_timeout, allow_none=False, allow_zero=False) or 0.0
        self._release_delay = _check_seconds("release_delay", release_delay, allow_none=False) or 0.0
        for name, value in (("ip", ip), ("account", account)):
            if value is not None and (not isinstance(value, str) or not value):
                raise ValueError(f"{name} must be None or a non-empty string, got {value!r}")
        self._ip = ip
        self._account = account
        merged: dict[str, Limit] = {**rules.limits, **self.venue.limits}
        for name in LEASED:
            limit = merged.get(name)
            if limit is not None and limit.algorithm != "concurrent":
                raise ValueError(
                    f"{self.venue.name}: limit {name!r} counts what is held at once and must be "
                    f"algorithm='concurrent', got {limit.algorithm!r}"
                )
        clash = set(merged) & set(rules.connection_limits)
        if clash:
            raise ValueError(f"{self.venue.name}: {sorted(clash)} are both venue limits and per-connection limits")
        self._limits = merged
        pad = DEFAULT_MARGINS.get(self.venue.name, FALLBACK_MARGIN) if margin is None else margin
        padded = pad_limits(merged, pad)
        self._conn_limits = pad_limits(rules.connection_limits, pad) if rules.connection_limits else []
        self._costs: dict[str, tuple[dict[str, float], dict[str, float]]] = {}
        dropped: set[str] = set()
        for kind in ("subscribe", "unsubscribe", "post", "ping", "login", "request", "other"):
            shared: dict[str, float] = {}
            local: dict[str, float] = {}
            for name, units in rules.cost(kind).items():
                if name in rules.connection_limits:
                    local[name] = units
                elif name in merged:
                    shared[name] = units
                else:
                    dropped.add(name)
            self._costs[kind] = (shared, local)
        if dropped:
            log.debug("%s: no limit named %s: those message costs are not charged", self.venue.name, sorted(dropped))
        self._clock: Clock = clock or SYSTEM_CLOCK
        if isinstance(store, str):
            self._store: Store = open_store(store, self._clock, for_async=True)
            self._owns_store = True
        else:
            self._store = open_store(store, self._clock)
            self._owns_store = False
        self._leased = {name: merged[name] for name in LEASED if name in merged}
        if self._leased and not any(callable(getattr(self._store, m, None)) for m in ("lease", "alease")):
            raise TypeError(
                f"store {type(self._store).__name__} has no lease(): it cannot hold the concurrent limits "
                f"{sorted(self._leased)}"
            )
        self._local_store = bool(getattr(self._store, "local", False))
        self.limiter = AsyncLimiter(padded, store=self._store, clock=self._clock)
        """The :class:`~ratekeeper.AsyncLimiter` charging the shared rates."""
        self._renew_every = min(lim.period for lim in self._leased.values()) / 3 if self._leased else None
        self._connections: dict[str, Connection] = {}
        self._released: asyncio.Event | None = None
        self._closed = False

    # -- properties ---------------------------------------------------------------------------

    @property
    def store(self) -> Store:
        return self._store

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def limits(self) -> Mapping[str, Limit]:
        """The WebSocket-relevant limits: the venue's and the table's shared limits, unpadded."""
        return dict(self._limits)

    @property
    def connection_limits(self) -> Mapping[str, Limit]:
        return dict(self.rules.connection_limits)

    @property
    def connections(self) -> tuple[Connection, ...]:
        """The connections open (or opening) through this limiter."""
        return tuple(self._connections.values())

    # -- opening ------------------------------------------------------------------------------

    def connect(
        self,
        url: str,
        *,
        ip: str | None = None,
        account: str | None = None,
        timeout: float | None = None,
        **websockets_kwargs: Any,
    ) -> Connect:
        """Open a connection once the connection count and the new-connection rate admit it:
        ``await limiter.connect(url)`` or ``async with limiter.connect(url) as ws``.

        ``timeout``: seconds to wait for room (None: as long as it takes; 0: not at all);
        a wait that would exceed it raises :class:`~ratekeeper.RateLimited`. ``ip`` /
        ``account`` override the limiter's scope values; every other keyword goes to
        :func:`websockets.asyncio.client.connect`.
        """
        _check_url(url)
        _check_seconds("timeout", timeout)
        for name, value in (("ip", ip), ("account", account)):
            if value is not None and (not isinstance(value, str) or not value):
                raise ValueError(f"{name} must be None or a non-empty string, got {value!r}")
        self._check_open()
        return Connect(lambda: self._open(url, ip, account, timeout, websockets_kwargs))

    def reconnecting(
        self,
        url: str,
        *,
        ip: str | None = None,
        account: str | None = None,
        timeout: float | None = None,
        backoff: Backoff | None = None,
        rng: Callable[[], float] | None = None,
        **websockets_kwargs: Any,
    ) -> Reconnecting:
        """Connections to ``url``, one after the other (see :func:`reconnecting`)."""
        _check_url(url)
        _check_seconds("timeout", timeout)
        self._check_open()

        def opener() -> Awaitable[Connection]:
            return self._open(url, ip, account, timeout, websockets_kwargs)

        return Reconnecting(opener, backoff or Backoff(), self._clock, rng or random.random)

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this WebSocketLimiter is closed")

    def _scope_arg(self, ip: str | None, account: str | None) -> dict[str, str]:
        out = {}
        ip = ip if ip is not None else self._ip
        account = account if account is not None else self._account
        if ip is not None:
            out["ip"] = ip
        if account is not None:
            out["account"] = account
        return out

    async def _open(
        self, url: str, ip: str | None, account: str | None, timeout: float | None, kwargs: dict[str, Any]
    ) -> Connection:
        self._check_open()
        clock = self._clock
        started = clock.now()
        deadline = None if timeout is None else started + timeout
        scope = self._scope_arg(ip, account)
        topics = self.rules.url_topics(url)
        conn = Connection(self, url, _new_id(), scope)
        if self.rules.max_topics is not None and len(topics) > self.rules.max_topics:
            raise conn._refused(
                "topics_per_connection",
                None,
                0,
                self.rules.max_topics,
                len(topics),
                tuple(t.key for t in topics),
                f"the URL opens {len(topics)} streams; one connection may hold {self.rules.max_topics}",
            )
        self._connections[conn.id] = conn
        try:
            if CONNECTIONS in self._leased:
                await self._hold(conn, CONNECTIONS, 1, deadline, "connection")
            conn._start_keeper()
            if topics:
                await conn._take_topics(topics)
            if NEW_CONNECTIONS in self._limits:
                left = None if deadline is None else max(0.0, deadline - clock.now())
                await self.limiter.acquire({NEW_CONNECTIONS: 1}, timeout=left, scope=scope)
            waited = clock.now() - started
            conn._check_alive()
            ws = await _ws_connect(url, **kwargs)
        except BaseException:
            await conn._finish()
            raise
        if conn.closed:  # the limiter was closed during the handshake
            await ws.close()
            conn._check_alive()
        conn._attach(ws, waited)
        return conn

    # -- leases -------------------------------------------------------------------------------

    def _scope_of(self, name: str, scope: Mapping[str, str]) -> str | None:
        return self._limits[name].scope_value(scope)

    async def _lease(self, name: str, scope: str | None, holder: str, units: float) -> LeaseResult:
        result: LeaseResult = await call_async(self._store, "lease", self._limits[name], scope, holder, units)
        return result

    def _release_event(self) -> asyncio.Event:
        if self._released is None:
            self._released = asyncio.Event()
        return self._released

    def _notify_release(self) -> None:
        """Wake everything waiting for room (a local connection closed, a post was answered)."""
        ev = self._released
        if ev is not None:
            self._released = None
            ev.set()

    def _recheck(self, name: str) -> float:
        """How often a wait for room asks the store again, for releases by other processes
        (which nothing here hears about): a tenth of the lease period, within [0.05, 2] s."""
        return max(0.05, min(2.0, self._limits[name].period / 10))

    async def _hold(self, conn: Connection, name: str, extra: int, deadline: float | None, what: str) -> None:
        """Grow ``conn``'s lease on ``name`` by ``extra`` units, waiting for room until ``deadline``."""
        clock = self._clock
        scope = conn._scopes[name]
        limit = self._limits[name]
        while True:
            conn._check_alive()
            event = self._release_event()
            async with conn._lock(name):
                conn._check_alive()
                units = conn._units(name) + extra
                if units > limit.capacity:  # this connection alone fills the limit: wait for its own releases
                    r = LeaseResult(False, conn._units(name), 0.0)
                else:
                    r = await self._lease(name, scope, conn.id, units)
                if r.granted:
                    if conn.closed:  # closed while the store answered: give it back
                        await self._lease(name, scope, conn.id, conn._units(name))
                        conn._check_alive()
                    conn._grow(name, extra)
                    return
            now = clock.now()
            if deadline is not None and now >= deadline:
                where = f" (scope {scope!r})" if scope is not None else ""
                if r.retry_after > 0:
                    when = f"the earliest lease expires in {r.retry_after:.3f} s"
                else:
                    when = "this connection holds them all: room comes when its own are released"
                raise RateLimited(
                    r.retry_after,
                    name,
                    scope,
                    f"{name}{where}: {r.held:g} of {limit.capacity:g} held, no room for one more {what}; {when}",
                )
            step = max(0.001, min(r.retry_after, self._recheck(name)) if r.retry_after > 0 else self._recheck(name))
            if deadline is not None:
                step = min(step, max(0.0, deadline - now))
            await _sleep_or_event(clock, step, event)

    # -- statistics and closing ---------------------------------------------------------------

    async def statistics(self) -> WebSocketStatistics:
        """The open connections' counts and the limits as the store sees them."""
        conns = tuple(c.statistics() for c in self._connections.values())
        return WebSocketStatistics(conns, await self.limiter.statistics())

    async def aclose(self) -> None:
        """Close every connection opened here, then the store if it was opened from a URL."""
        if self._closed:
            return
        self._closed = True
        for conn in list(self._connections.values()):
            await conn.close()
        if self._owns_store:
            aclose = getattr(self._store, "aclose", None)
            if aclose is not None:
                await aclose()
            else:
                self._store.close()

    async def __aenter__(self) -> WebSocketLimiter:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def _check_url(url: object) -> None:
    if not isinstance(url, str) or not url.lower().startswith(("ws://", "wss://")):
        raise ValueError(f"url must be a ws:// or wss:// URL, got {url!r}")


# --------------------------------------------------------------------------------------------
# one connection


class Connection:
    """A WebSocket connection whose sends are kept within the venue's limits.

    ``send`` waits for the message rates, refuses subscriptions over a limit
    (:class:`SubscriptionRefused`), takes an in-flight slot for each post; ``recv`` and
    ``async for`` hand back what the server sends and release the slot of each answered
    post. Every other attribute is the underlying
    :class:`websockets.asyncio.client.ClientConnection`'s (also at :attr:`protocol`).
    """

    def __init__(self, gate: WebSocketLimiter, url: str, conn_id: str, scope: dict[str, str]) -> None:
        self._gate = gate
        self.url = url
        self.id = conn_id
        self._scope_arg = scope
        self._scopes = {name: gate._scope_of(name, scope) for name in gate._leased}
        self._ws: ClientConnection | None = None
        self._locks: dict[str, asyncio.Lock] = {}
        self._held_connection = 0
        self._topics: dict[str, str | None] = {}
        self._releasing = 0
        self._releasing_users: Counter[str] = Counter()
        self._release_handles: set[TimerHandle] = set()
        self._users: Counter[str] = Counter()
        self._posts: dict[str, TimerHandle | None] = {}
        self._post_units = 0
        self._closed = asyncio.Event()
        self._finishing: asyncio.Future[None] | None = None
        self._keeper: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._local = AsyncLimiter(gate._conn_limits, clock=gate._clock) if gate._conn_limits else None
        self._waited = 0.0
        self._stats: Counter[str] = Counter()
        self._finish_callbacks: list[Callable[[], Awaitable[None]]] = []

    # -- the websockets connection ----------------------------------------------------------

    @property
    def protocol(self) -> ClientConnection:
        """The underlying websockets connection."""
        if self._ws is None:
            raise RuntimeError("the connection is not open yet")
        return self._ws

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or self._ws is None:
            raise AttributeError(name)
        return getattr(self._ws, name)

    def _check_alive(self) -> None:
        if self._closed.is_set() or (self._ws is None and self._gate._closed):
            if self._ws is not None and not self._gate._closed:
                # the server (or the caller) closed it: what websockets itself raises
                exc = getattr(self._ws, "close_exc", None)
                raise exc if isinstance(exc, ConnectionClosed) else ConnectionClosedOK(None, None)
            raise RuntimeError(f"connection to {self.url} was closed while it waited (its limiter was closed)")

    @property
    def closed(self) -> bool:
        """Whether the connection is closed (its slots are given back once it is)."""
        return self._closed.is_set()

    async def recv(self, decode: bool | None = None) -> str | bytes:
        """The next message from the server (see ``ClientConnection.recv``). An answer to a
        post in flight releases that post's slot."""
        message = await self.protocol.recv(decode)
        if self._posts:
            self._check_answer(message)
        return message

    async def __aiter__(self) -> AsyncIterator[str | bytes]:
        """Messages until the connection closes (normally: the loop ends; with an error: it
        raises ``ConnectionClosedError``), as ``ClientConnection`` iterates."""
        try:
            while True:
                yield await self.recv()
        except ConnectionClosedOK:
            return

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection, then give back its connection slot, subscriptions and posts."""
        try:
            if self._ws is not None:
                await self._ws.close(code, reason)
        finally:
            await self._finish()
        keeper = self._keeper
        if keeper is not None and keeper is not asyncio.current_task():
            await asyncio.wait({keeper})

    async def wait_closed(self) -> None:
        """Wait until the connection is closed and everything it held is given back."""
        await self._closed.wait()
        if self._finishing is not None:
            await asyncio.shield(self._finishing)
        keeper = self._keeper
        if keeper is not None and keeper is not asyncio.current_task():
            await asyncio.wait({keeper})

    async def __aenter__(self) -> Connection:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # -- sending ------------------------------------------------------------------------------

    async def send(self, message: Message, *, timeout: float | None = None, priority: int = 0) -> None:
        """Send one message once the venue's limits admit it.

        ``message``: text, bytes, or a dict / list (sent as JSON text). ``timeout``: seconds
        to wait for the message rates and an in-flight post slot (None: as long as it takes);
        a longer wait raises :class:`~ratekeeper.RateLimited`. A subscribe over a limit raises
        :class:`SubscriptionRefused`; a post without an id, or with the id of a post still in
        flight, raises ``ValueError``. All before anything is sent or charged.
        """
        data, decoded = _encode(message)
        _check_seconds("timeout", timeout)
        if isinstance(priority, bool) or not isinstance(priority, int):
            raise TypeError(f"priority must be an int, got {priority!r}")
        ws = self.protocol
        if self.closed:
            closed_exc = getattr(ws, "close_exc", None)
            raise closed_exc if isinstance(closed_exc, ConnectionClosed) else ConnectionClosedOK(None, None)
        gate = self._gate
        msg = gate.rules.parse(decoded)
        if not isinstance(msg, WsMessage):
            raise TypeError(f"{gate.rules.venue} WsRules.parse returned {type(msg).__name__}, not WsMessage")
        clock = gate._clock
        deadline = None if timeout is None else clock.now() + timeout
        post = msg.kind == "post" and INFLIGHT_POSTS in gate._leased
        if post:
            if msg.post_id is None:
                raise ValueError(
                    f"a {gate.rules.venue} post needs an 'id' to match its response (its in-flight slot is "
                    f"released by that response); got {_short(decoded)}"
                )
            if msg.post_id in self._posts:
                raise ValueError(f"post id {msg.post_id} is already in flight on this connection")
        added: tuple[WsTopic, ...] = ()
        if msg.kind == "subscribe" and msg.topics:
            added = await self._take_topics(msg.topics, check_message=True)
        post_taken = inserted = False
        try:
            if post:
                await gate._hold(self, INFLIGHT_POSTS, 1, deadline, "post in flight")
                post_taken = True
                assert msg.post_id is not None
                if msg.post_id in self._posts:  # another send took this id while we waited
                    raise ValueError(f"post id {msg.post_id} is already in flight on this connection")
            shared, local = gate._costs[msg.kind]
            await self._charge(shared, local, deadline, priority)
            if post:
                assert msg.post_id is not None
                if msg.post_id in self._posts:  # another send with this id went while we waited
                    raise ValueError(f"post id {msg.post_id} is already in flight on this connection")
                self._posts[msg.post_id] = None  # before sending: an answer may come at once
                inserted = True
            await ws.send(data)
        except BaseException:
            if post_taken:
                assert msg.post_id is not None
                if not inserted:  # our slot, never tied to an id: give it back
                    await self._shrink(INFLIGHT_POSTS, 1)
                elif msg.post_id in self._posts:  # our entry, not answered yet: give both back
                    self._posts.pop(msg.post_id)
                    await self._shrink(INFLIGHT_POSTS, 1)
                # else an answer already matched it and released the slot (_post_done)
            if added:
                await self._drop_topics(added, at_once=True)
            raise
        self._stats["messages_sent"] += 1
        if post:
            assert msg.post_id is not None
            self._stats["posts_sent"] += 1
            if msg.post_id in self._posts:
                loop = asyncio.get_running_loop()
                pid = msg.post_id
                self._posts[pid] = clock.call_at(
                    loop, clock.now() + gate._timeout, lambda: self._post_done(pid, timed_out=True)
                )
        if msg.kind == "unsubscribe" and msg.topics:
            gone = tuple(t for t in msg.topics if t.key in self._topics)
            if gone:
                await self._drop_topics(gone)

    async def _charge(self, shared: Cost, local: Cost, deadline: float | None, priority: int) -> list[AsyncGrant]:
        """Acquire the shared and the per-connection rates of one message, both admitted at
        the same moment (a grant booked before a later wait on the other would under-count)."""
        gate = self._gate
        clock = gate._clock
        scope = self._scope_arg

        def left() -> float | None:
            return None if deadline is None else max(0.0, deadline - clock.now())

        lim = self._local
        if not local or lim is None:
            return (
                [await gate.limiter.acquire(shared, timeout=left(), priority=priority, scope=scope)] if shared else []
            )
        if not shared:
            return [await lim.acquire(local, timeout=left(), priority=priority)]
        while True:
            g_shared = await gate.limiter.acquire(shared, timeout=left(), priority=priority, scope=scope)
            g_local = await lim.try_acquire(local, priority=priority)
            if g_local is not None:
                return [g_shared, g_local]
            await g_shared.release()
            g_local = await lim.acquire(local, timeout=left(), priority=priority)
            g_shared2 = await gate.limiter.try_acquire(shared, priority=priority, scope=scope)
            if g_shared2 is not None:
                return [g_shared2, g_local]
            await g_local.release()

    # -- subscriptions ------------------------------------------------------------------------

    def _refused(
        self,
        limit: str,
        scope: str | None,
        held: float,
        capacity: float,
        requested: float,
        topics: tuple[str, ...],
        why: str,
    ) -> SubscriptionRefused:
        self._stats["subscriptions_refused"] += 1
        shown = ", ".join(topics[:3]) + (f" and {len(topics) - 3} more" if len(topics) > 3 else "")
        return SubscriptionRefused(
            f"{self._gate.venue.name}: subscription refused before sending ({limit}): {why}; topics: {shown}",
            limit=limit,
            scope=scope,
            held=held,
            capacity=capacity,
            requested=requested,
            topics=topics,
        )

    async def _take_topics(self, topics: tuple[WsTopic, ...], *, check_message: bool = False) -> tuple[WsTopic, ...]:
        """Hold the subscriptions (and users) of ``topics`` not already held on this
        connection, or raise :class:`SubscriptionRefused` holding nothing more."""
        gate = self._gate
        rules = gate.rules
        keys = tuple(t.key for t in topics)
        if check_message and rules.max_topics_per_message is not None and len(topics) > rules.max_topics_per_message:
            raise self._refused(
                "topics_per_message",
                None,
                0,
                rules.max_topics_per_message,
                len(topics),
                keys,
                f"one message may carry {rules.max_topics_per_message} topics, this one has {len(topics)}",
            )
        async with self._lock(SUBSCRIPTIONS):
            new = tuple(t for t in topics if t.key not in self._topics)
            if not new:
                return ()
            new_keys = tuple(t.key for t in new)
            if rules.max_topics is not None and len(self._topics) + len(new) > rules.max_topics:
                raise self._refused(
                    "topics_per_connection",
                    None,
                    len(self._topics),
                    rules.max_topics,
                    len(new),
                    new_keys,
                    f"this connection holds {len(self._topics)} of {rules.max_topics} topics, "
                    f"the message adds {len(new)}",
                )
            if SUBSCRIPTIONS in gate._leased:
                scope = self._scopes[SUBSCRIPTIONS]
                units = self._units(SUBSCRIPTIONS) + len(new)
                if units > gate._limits[SUBSCRIPTIONS].capacity:
                    r = LeaseResult(False, self._units(SUBSCRIPTIONS), 0.0)  # more than the limit holds at all
                else:
                    r = await gate._lease(SUBSCRIPTIONS, scope, self.id, units)
                if not r.granted:
                    cap = gate._limits[SUBSCRIPTIONS].capacity
                    raise self._refused(
                        SUBSCRIPTIONS,
                        scope,
                        r.held,
                        cap,
                        len(new),
                        new_keys,
                        f"{r.held:g} of {cap:g} subscriptions held, the message adds {len(new)}",
                    )
            taken: list[str] = []
            try:
                if USERS in gate._leased:
                    for user in dict.fromkeys(t.user for t in new if t.user is not None and not self._users[t.user]):
                        assert user is not None
                        r = await self._take_user(user)
                        if not r.granted:
                            cap = gate._limits[USERS].capacity
                            raise self._refused(
                                USERS,
                                self._scopes[USERS],
                                r.held,
                                cap,
                                1,
                                new_keys,
                                f"{r.held:g} of {cap:g} users held, user {user} would be one more",
                            )
                        taken.append(user)
            except BaseException:
                for user in taken:
                    self._drop_user(user)
                if SUBSCRIPTIONS in gate._leased:
                    await self._set_lease(SUBSCRIPTIONS, locked=True)
                raise
            for t in new:
                self._topics[t.key] = t.user
                if t.user is not None:
                    self._users[t.user] += 1
            return new

    async def _take_user(self, user: str) -> LeaseResult:
        gate = self._gate
        scope = self._scopes[USERS]
        limit = gate._limits[USERS]
        if gate._local_store:
            return _USERS.take_local(gate._store, limit, scope, user)
        if _USERS.count(gate._store, scope, user):
            _USERS.add(gate._store, scope, user)
            return LeaseResult(True, 0.0, 0.0)
        r = await gate._lease(USERS, scope, _user_holder(user), 1)
        if r.granted:
            _USERS.add(gate._store, scope, user)
        return r

    def _drop_user(self, user: str) -> None:
        gate = self._gate
        if USERS not in gate._leased:
            return
        try:
            _USERS.drop(gate._store, gate._limits[USERS], self._scopes[USERS], user)
        except Exception:
            log.warning("releasing WebSocket user %s failed; its lease expires by itself", user, exc_info=True)
        gate._notify_release()

    async def _drop_topics(self, topics: tuple[WsTopic, ...], *, at_once: bool = False) -> None:
        """Stop holding ``topics`` (unsubscribed, or never sent): at once, or after the
        release delay (an unsubscribe may reach the server after a subscribe sent elsewhere)."""
        users: list[str] = []
        n = 0
        for t in topics:
            if self._topics.pop(t.key, "missing") == "missing":
                continue
            n += 1
            if t.user is not None:
                self._users[t.user] -= 1
                if self._users[t.user] <= 0:
                    del self._users[t.user]
                    users.append(t.user)
        if not n:
            return
        delay = 0.0 if at_once else self._gate._release_delay
        if delay <= 0:
            for user in users:
                self._drop_user(user)
            await self._set_lease(SUBSCRIPTIONS)
            return
        self._releasing += n
        self._releasing_users.update(users)
        clock = self._gate._clock
        handle: TimerHandle | None = None

        def later() -> None:
            if handle is not None:
                self._release_handles.discard(handle)
            if self._finishing is not None:
                return  # the connection closed: everything was given back
            self._releasing -= n
            self._releasing_users.subtract(users)
            self._releasing_users += Counter()  # drop the counts that reached 0
            for user in users:
                self._drop_user(user)
            self._update_soon(SUBSCRIPTIONS)

        handle = clock.call_at(asyncio.get_running_loop(), clock.now() + delay, later)
        self._release_handles.add(handle)

    # -- posts ------------------------------------------------------------------------------

    def _check_answer(self, message: str | bytes) -> None:
        rules = self._gate.rules
        try:
            text = message.decode() if isinstance(message, bytes) else message
            hint = rules.answer_hint
            if (hint is not None and hint not in text) or not text.lstrip().startswith(("{", "[")):
                return
            pid = rules.response_id(json.loads(text))
        except (ValueError, UnicodeDecodeError):
            return
        if pid is not None and pid in self._posts:
            self._post_done(pid, timed_out=False)

    def _post_done(self, pid: str, *, timed_out: bool) -> None:
        if pid not in self._posts:
            return
        handle = self._posts.pop(pid)
        if handle is not None and not timed_out:
            handle.cancel()
        self._stats["posts_timed_out" if timed_out else "posts_answered"] += 1
        if timed_out:
            log.info(
                "post %s on %s unanswered after %.3g s: its in-flight slot is released",
                pid,
                self.url,
                self._gate._timeout,
            )
        self._post_units = max(0, self._post_units - 1)
        self._update_soon(INFLIGHT_POSTS)

    # -- leases of this connection ------------------------------------------------------------

    def _lock(self, name: str) -> asyncio.Lock:
        lock = self._locks.get(name)
        if lock is None:
            lock = self._locks[name] = asyncio.Lock()
        return lock

    def _units(self, name: str) -> int:
        if name == CONNECTIONS:
            return self._held_connection
        if name == SUBSCRIPTIONS:
            return len(self._topics) + self._releasing
        if name == INFLIGHT_POSTS:
            return self._post_units
        return 0

    def _grow(self, name: str, extra: int) -> None:
        if name == CONNECTIONS:
            self._held_connection += extra
        elif name == INFLIGHT_POSTS:
            self._post_units += extra

    async def _shrink(self, name: str, fewer: int) -> None:
        if name == INFLIGHT_POSTS:
            self._post_units = max(0, self._post_units - fewer)
        await self._set_lease(name)

    async def _set_lease(self, name: str, *, locked: bool = False) -> None:
        """Set (lower, or renew) this connection's lease on ``name`` to its current units."""
        gate = self._gate
        if name not in gate._leased:
            return
        try:
            if locked:
                await gate._lease(name, self._scopes[name], self.id, self._units(name))
            else:
                async with self._lock(name):
                    await gate._lease(name, self._scopes[name], self.id, self._units(name))
        except Exception:
            log.warning("updating the %s lease of %s failed; it expires by itself", name, self.url, exc_info=True)
        gate._notify_release()

    def _update_soon(self, name: str) -> None:
        """``_set_lease`` from a callback: at once on a memory store (it never waits), else in
        a task."""
        gate = self._gate
        if name not in gate._leased or self._finishing is not None:
            return
        if gate._local_store:
            try:
                gate._store.lease(gate._limits[name], self._scopes[name], self.id, self._units(name))
            except Exception:
                log.warning("updating the %s lease of %s failed", name, self.url, exc_info=True)
            gate._notify_release()
            return
        task = asyncio.ensure_future(self._set_lease(name))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _start_keeper(self) -> None:
        if self._keeper is None:
            self._keeper = asyncio.ensure_future(self._keep())

    async def _keep(self) -> None:
        """Renew this connection's leases every third of the shortest lease period until it
        closes, then give everything back."""
        gate = self._gate
        every = gate._renew_every
        try:
            while not self._closed.is_set():
                await _sleep_or_event(gate._clock, every, self._closed)
                if self._closed.is_set():
                    break
                await self._renew()
        finally:
            if not self._closed.is_set() or self._finishing is None:
                await self._finish()

    async def _renew(self) -> None:
        gate = self._gate
        for name in (CONNECTIONS, SUBSCRIPTIONS, INFLIGHT_POSTS):
            if name not in gate._leased:
                continue
            async with self._lock(name):
                units = self._units(name)
                if units <= 0 or self._closed.is_set():
                    continue
                await self._renew_one(name, self._scopes[name], self.id, units)
        if USERS in gate._leased:
            for user in dict.fromkeys([*self._users, *self._releasing_users]):
                if self._closed.is_set():
                    break
                await self._renew_one(USERS, self._scopes[USERS], _user_holder(user), 1)

    async def _renew_one(self, name: str, scope: str | None, holder: str, units: int) -> None:
        try:
            r = await self._gate._lease(name, scope, holder, units)
        except Exception:
            log.warning("renewing the %s lease of %s failed; trying again", name, self.url, exc_info=True)
            return
        self._stats["lease_renewals"] += 1
        if not r.granted:
            self._stats["leases_lost"] += 1
            log.warning(
                "the %s lease of %s (%s, %d units) had expired and its room is taken (%g held): this connection "
                "is no longer counted there until room frees; was the event loop blocked longer than the lease?",
                name,
                self.url,
                holder,
                units,
                r.held,
            )

    def _attach(self, ws: ClientConnection, waited: float) -> None:
        self._ws = ws
        self._waited = waited

        def closed(_: object) -> None:
            self._closed.set()

        watcher = asyncio.ensure_future(ws.wait_closed())
        watcher.add_done_callback(closed)
        self._tasks.add(watcher)
        watcher.add_done_callback(self._tasks.discard)

    async def _finish(self) -> None:
        """Give back everything this connection holds (once; later callers wait for it)."""
        if self._finishing is not None:
            await asyncio.shield(self._finishing)
            return
        self._finishing = asyncio.get_running_loop().create_future()
        self._closed.set()
        gate = self._gate
        try:
            for handle in self._posts.values():
                if handle is not None:
                    handle.cancel()
            for later in self._release_handles:
                later.cancel()
            self._release_handles.clear()
            self._posts.clear()
            self._post_units = 0
            self._topics.clear()
            self._releasing = 0
            users = [*self._users, *self._releasing_users.elements()]
            self._users.clear()
            self._releasing_users.clear()
            for name in (INFLIGHT_POSTS, SUBSCRIPTIONS, CONNECTIONS):
                if name in gate._leased:
                    async with self._lock(name):
                        if name == CONNECTIONS:
                            self._held_connection = 0
                        try:
                            await gate._lease(name, self._scopes[name], self.id, 0)
                        except Exception:
                            log.warning(
                                "releasing the %s lease of %s failed; it expires", name, self.url, exc_info=True
                            )
            for user in users:
                self._drop_user(user)
        finally:
            gate._connections.pop(self.id, None)
            gate._notify_release()
            self._finishing.set_result(None)
            for task in list(self._tasks):
                if task is not asyncio.current_task():
                    task.cancel()
            callbacks, self._finish_callbacks = self._finish_callbacks, []
            for callback in callbacks:
                try:
                    await callback()
                except Exception:
                    log.warning("a close callback of %s failed", self.url, exc_info=True)

    def _on_finish(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Run ``callback`` once the connection has given everything back."""
        if self._finishing is not None and self._finishing.done():
            task = asyncio.ensure_future(callback())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            self._finish_callbacks.append(callback)

    # -- statistics -------------------------------------------------------------------------

    def statistics(self) -> ConnectionStatistics:
        """This connection's counts now."""
        s = self._stats
        return ConnectionStatistics(
            id=self.id,
            url=self.url,
            open=self._ws is not None and not self.closed,
            waited=self._waited,
            subscriptions=len(self._topics),
            topics=tuple(self._topics),
            users=tuple(self._users),
            inflight_posts=len(self._posts),
            messages_sent=s["messages_sent"],
            posts_sent=s["posts_sent"],
            posts_answered=s["posts_answered"],
            posts_timed_out=s["posts_timed_out"],
            subscriptions_refused=s["subscriptions_refused"],
            lease_renewals=s["lease_renewals"],
            leases_lost=s["leases_lost"],
        )

    def __repr__(self) -> str:
        state = "closed" if self.closed else ("open" if self._ws is not None else "opening")
        return f"<ratekeeper.websockets.Connection {self.url} {state} id={self.id}>"


def _encode(message: object) -> tuple[str | bytes, Any]:
    """The frame to send and the decoded value the venue's parser reads."""
    if isinstance(message, str):
        return message, _maybe_json(message)
    if isinstance(message, (bytes, bytearray, memoryview)):
        data = bytes(message)
        try:
            text = data.decode()
        except UnicodeDecodeError:
            return data, data
        return data, _maybe_json(text)
    if isinstance(message, (Mapping, list)):
        try:
            text = json.dumps(message, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"message is not JSON-serialisable: {exc}") from None
        return text, json.loads(text)
    raise TypeError(f"message must be str, bytes, or a dict / list to send as JSON, got {type(message).__name__}")


def _maybe_json(text: str) -> Any:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


# --------------------------------------------------------------------------------------------
# awaitable / context manager, reconnection


class Connect:
    """What :func:`connect` returns: ``await`` it for a :class:`Connection`, or use it as
    ``async with connect(...) as ws`` (closed on exit)."""

    def __init__(self, opener: Callable[[], Awaitable[Connection]]) -> None:
        self._opener = opener
        self._conn: Connection | None = None

    def __await__(self) -> Generator[Any, None, Connection]:
        return self._opener().__await__()

    async def __aenter__(self) -> Connection:
        self._conn = await self._opener()
        return self._conn

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._conn is not None:
            await self._conn.close()


_RETRYABLE = (OSError, asyncio.TimeoutError, InvalidHandshake, ConnectionClosed)


class Reconnecting:
    """Connections opened one after another: ``async for ws in reconnecting(url, ...)``.

    Asking for the next connection closes the previous one (if still open) and opens a new
    one, after a capped exponential backoff with full jitter (:class:`Backoff`) when the
    previous attempt failed or the previous connection did not stay open ``stable_after``
    seconds, and within the connection count and the new-connection rate like every
    connection. A failed attempt (network error, refused handshake, ``Retry-After`` of a
    refusal honoured) is retried; ``Backoff.attempts`` consecutive failures raise the last
    error. Errors of ratekeeper's own (a ``RateLimited`` after ``timeout``) are raised.
    Re-subscribing is the caller's: do it at the top of the loop body. ``aclose()`` (or
    ``async with``) closes the current connection.
    """

    def __init__(
        self,
        opener: Callable[[], Awaitable[Connection]],
        backoff: Backoff,
        clock: Clock,
        rng: Callable[[], float],
        on_close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        if not isinstance(backoff, Backoff):
            raise TypeError(f"backoff must be a Backoff, got {type(backoff).__name__}")
        self._opener = opener
        self._backoff = backoff
        self._clock = clock
        self._rng = rng
        self._on_close = on_close
        self._current: Connection | None = None
        self._opened_at = 0.0
        self._failures = 0
        self._failed_opens = 0
        self._done = False
        self.attempts = 0
        """Connection attempts made so far."""

    def __aiter__(self) -> Reconnecting:
        return self

    async def __anext__(self) -> Connection:
        if self._done:
            raise StopAsyncIteration
        clock = self._clock
        delay_after = 0.0
        prev = self._current
        if prev is not None:
            self._current = None
            await prev.close()
            lived = clock.now() - self._opened_at
            self._failures = 1 if lived >= self._backoff.stable_after else self._failures + 1
        while True:
            delay = max(self._backoff.delay(self._failures, self._rng), delay_after)
            if delay > 0:
                log.debug("reconnecting in %.3f s (attempt %d)", delay, self._failures)
                await clock_asleep(clock, delay)
            self.attempts += 1
            try:
                conn = await self._opener()
            except _RETRYABLE as exc:
                self._failures += 1
                self._failed_opens += 1
                limit = self._backoff.attempts
                if limit is not None and self._failed_opens >= limit:
                    self._done = True
                    raise
                delay_after = _retry_after(exc)
                log.info("connection attempt failed (%s); retrying", exc)
                continue
            except BaseException:
                self._done = True
                raise
            self._current = conn
            self._opened_at = clock.now()
            self._failed_opens = 0
            return conn

    async def aclose(self) -> None:
        """Close the current connection; the iteration ends."""
        self._done = True
        conn, self._current = self._current, None
        try:
            if conn is not None:
                await conn.close()
        finally:
            if self._on_close is not None:
                on_close, self._on_close = self._on_close, None
                await on_close()

    async def __aenter__(self) -> Reconnecting:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def _retry_after(exc: BaseException) -> float:
    """The ``Retry-After`` seconds of a refused handshake (0 if none)."""
    if isinstance(exc, InvalidStatus):
        value = exc.response.headers.get("Retry-After")
        if value is not None:
            try:
                seconds = float(value)
            except ValueError:
                return 0.0
            if math.isfinite(seconds) and seconds > 0:
                return min(seconds, 3600.0)
    return 0.0


# --------------------------------------------------------------------------------------------
# module-level helpers: one shared limiter per event loop, venue and store


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


def _checked_use(
    url: str,
    timeout: float | None,
    venue: str | Venue,
    store: StoreSpec,
    rules: WsRules | None,
    clock: Clock | None,
    margin: float | None,
    post_timeout: float,
    release_delay: float,
) -> _SharedUse:
    """Raise for bad options of the module-level helpers before anything is opened; then
    the use of their shared limiter: one per (event loop, venue, store, options)."""
    _check_url(url)
    _check_seconds("timeout", timeout)
    venue_key = _venue_key(venue)
    resolve_venue(venue)  # an unknown name fails here
    if rules is not None and not isinstance(rules, WsRules):
        raise TypeError(f"rules must be WsRules, got {type(rules).__name__}")
    _check_seconds("margin", margin)
    _check_seconds("post_timeout", post_timeout, allow_none=False, allow_zero=False)
    _check_seconds("release_delay", release_delay, allow_none=False)
    memory = isinstance(store, str) and store.strip().lower() in ("memory://", "memory:", "memory")
    store_key: tuple[Any, ...] = (
        ("memory",) if memory else (("url", store) if isinstance(store, str) else ("obj", id(store)))
    )
    key = (venue_key, store_key, id(rules), id(clock), margin, post_timeout, release_delay)

    def build() -> WebSocketLimiter:
        return WebSocketLimiter(
            venue,
            store=_memory_store(clock) if memory else store,
            rules=rules,
            clock=clock,
            margin=margin,
            post_timeout=post_timeout,
            release_delay=release_delay,
        )

    return _SharedUse(key, build)


def connect(
    url: str,
    *,
    venue: str | Venue = "hyperliquid",
    store: StoreSpec = "memory://",
    ip: str | None = None,
    account: str | None = None,
    timeout: float | None = None,
    rules: WsRules | None = None,
    clock: Clock | None = None,
    margin: float | None = None,
    post_timeout: float = DEFAULT_POST_TIMEOUT,
    release_delay: float = DEFAULT_RELEASE_DELAY,
    **websockets_kwargs: Any,
) -> Connect:
    """Open a WebSocket connection kept within ``venue``'s limits::

        async with connect(url, venue="hyperliquid", store="redis://127.0.0.1:6379/0") as ws:
            await ws.send({"method": "subscribe", "subscription": {"type": "trades", "coin": "BTC"}})

    Connections opened with the same venue (name, or a Venue with the same limits) and store
    share one :class:`WebSocketLimiter` in the running event loop, so they are counted together;
    ``"memory://"`` is one store for the whole process. Other processes and hosts are counted
    through a shared store (``sqlite:///…``, ``redis://…``). See
    :meth:`WebSocketLimiter.connect` for ``timeout``, ``ip``, ``account`` and the websockets
    keywords, :class:`WebSocketLimiter` for the rest.
    """
    use = _checked_use(url, timeout, venue, store, rules, clock, margin, post_timeout, release_delay)
    return Connect(lambda: use.open(url, ip, account, timeout, websockets_kwargs))


def reconnecting(
    url: str,
    *,
    venue: str | Venue = "hyperliquid",
    store: StoreSpec = "memory://",
    ip: str | None = None,
    account: str | None = None,
    timeout: float | None = None,
    backoff: Backoff | None = None,
    rng: Callable[[], float] | None = None,
    rules: WsRules | None = None,
    clock: Clock | None = None,
    margin: float | None = None,
    post_timeout: float = DEFAULT_POST_TIMEOUT,
    release_delay: float = DEFAULT_RELEASE_DELAY,
    **websockets_kwargs: Any,
) -> Reconnecting:
    """Connections to ``url`` for as long as you iterate, each opened as :func:`connect` does::

        async for ws in reconnecting(url, venue="hyperliquid"):
            try:
                await ws.send(subscribe_message)
                async for message in ws:
                    handle(message)
            except websockets.ConnectionClosed:
                continue

    ``backoff``: a :class:`Backoff` (default ``Backoff()``: 0.5 s doubling to 30 s, full
    jitter); ``rng``: the random source of the jitter (tests). Use it as ``async with
    reconnecting(...) as conns: async for ws in conns: ...`` to close the last connection and
    the shared limiter's store deterministically when the loop ends.
    """
    held = _checked_use(url, timeout, venue, store, rules, clock, margin, post_timeout, release_delay)
    b = backoff or Backoff()
    holding = False

    async def open_one() -> Connection:
        nonlocal holding
        if not holding:  # keep the shared limiter (and its store) between connections
            held.take()
            holding = True
        return await held.again().open(url, ip, account, timeout, websockets_kwargs)

    async def give_back() -> None:
        if holding:
            await held.give_back()

    return Reconnecting(open_one, b, clock or SYSTEM_CLOCK, rng or random.random, on_close=give_back)
