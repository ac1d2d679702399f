"""The limiter: :class:`WebSocketLimiter` holds a venue's WebSocket limits over one store, opens
connections once the connection count and the new-connection rate admit them, and keeps the
leases (connections, subscriptions, users, posts in flight) every connection grows and renews.
What each message costs is in ``_rules``; how a connection spends it is in ``_connection``."""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from .._clock import SYSTEM_CLOCK, Clock
from .._errors import RateLimited
from .._limiter import AsyncLimiter
from .._limits import Limit, LimitStatistics
from ..http import DEFAULT_MARGINS, FALLBACK_MARGIN, pad_limits, resolve_venue
from ..stores import LeaseResult, Store, StoreSpec, open_store
from ..stores._base import aclose, alease, can_lease, is_local
from ..venues import Venue
from ._common import DEFAULT_POST_TIMEOUT, DEFAULT_RELEASE_DELAY, check_seconds, check_url, log, sleep_or_event
from ._connection import Connect, Connection, ConnectionStatistics
from ._library import ws_connect
from ._reconnect import Backoff, Reconnecting
from ._rules import CONNECTIONS, LEASED, NEW_CONNECTIONS, WsRules, ws_rules

__all__ = ["WebSocketLimiter", "WebSocketStatistics"]


@dataclass(frozen=True, slots=True)
class WebSocketStatistics:
    """The open connections of one :class:`WebSocketLimiter` and its limits' snapshot (held
    units of the concurrent limits, usage of the rates, as the store sees them)."""

    connections: tuple[ConnectionStatistics, ...]
    limits: tuple[LimitStatistics, ...]


_HOST = socket.gethostname()
_SEQ = itertools.count(1)


def _new_id() -> str:
    return f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex[:12]}:{next(_SEQ)}"


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
        self._timeout: float = check_seconds("post_timeout", post_timeout, allow_none=False, allow_zero=False) or 0.0
        self._release_delay = check_seconds("release_delay", release_delay, allow_none=False) or 0.0
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
        if self._leased and not can_lease(self._store):
            raise TypeError(
                f"store {type(self._store).__name__} has no lease(): it cannot hold the concurrent limits "
                f"{sorted(self._leased)}"
            )
        self._local_store = is_local(self._store)
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
        check_url(url)
        check_seconds("timeout", timeout)
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
        check_url(url)
        check_seconds("timeout", timeout)
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
            ws = await ws_connect(url, **kwargs)
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
        result: LeaseResult = await alease(self._store, self._limits[name], scope, holder, units)
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
            await sleep_or_event(clock, step, event)

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
            await aclose(self._store)

    async def __aenter__(self) -> WebSocketLimiter:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
