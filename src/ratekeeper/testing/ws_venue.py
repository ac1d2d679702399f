"""A mock venue WebSocket server: a real WebSocket server on 127.0.0.1 that enforces a venue's
WebSocket limits itself, so clients (ratekeeper's :mod:`ratekeeper.websockets`, or your own
bot) can be shown to stay within them.

::

    from ratekeeper.testing import MockWebSocketVenue

    async with MockWebSocketVenue("hyperliquid", messages=(20, 1.0), connections=3) as mock:
        async with connect(mock.url, venue=rk.venue("hyperliquid", ws_messages=(20, 1.0))) as ws:
            ...
        assert not mock.stats.violations

It counts per client IP, as the venues do: simultaneous connections and new connections
(a refused handshake gets HTTP 429), messages received in every sliding window (over the
limit: a violation, and the connection is closed with 1008), subscriptions, distinct users
of user-specific subscriptions, posts in flight (over a limit: a violation and an error
message, nothing subscribed or processed). Every violation is recorded in
:attr:`MockWsStats.violations`. Windows are sliding (the strictest reading of a limit whose
window type the venue does not publish).

Protocols: ``"hyperliquid"`` (``{"method": "subscribe" | "unsubscribe" | "post" | "ping"}``;
posts answered after ``post_delay`` with ``{"channel": "post", "data": {"id": …}}``) and
``"binance"`` (``{"method": "SUBSCRIBE" | "UNSUBSCRIBE", "params": […], "id": n}``; streams in
the URL, ``/ws/<stream>`` or ``/stream?streams=a/b``, count as subscriptions). Needs the
``websockets`` package (``pip install 'ratekeeper[websockets]'``). Under ``async with`` the
server runs in the running event loop; under ``with``, in a background thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from .._errors import missing_package

try:
    from websockets.asyncio.server import Server, ServerConnection, serve
    from websockets.exceptions import ConnectionClosed
    from websockets.http11 import Request, Response
except ImportError as _exc:  # pragma: no cover - exercised only without the extra (a subprocess test)
    raise missing_package("ratekeeper.testing.MockWebSocketVenue", "websockets", "websockets", _exc) from _exc

from ._serve import ThreadedServer

__all__ = ["MockWebSocketVenue", "MockWsStats", "WsViolation", "ws_mock_venues"]

logger = logging.getLogger("ratekeeper.testing.ws_mock")

Window = tuple[int, float]
"""``(count, seconds)``: at most ``count`` in any ``seconds``-long interval."""

_DEFAULTS: Mapping[str, Mapping[str, Any]] = {
    # Hyperliquid's documented per-IP WebSocket limits (rate-limits-and-user-limits page)
    "hyperliquid": {
        "connections": 10,
        "new_connections": (30, 60.0),
        "subscriptions": 1000,
        "users": 10,
        "messages": (2000, 60.0),
        "connection_messages": None,
        "topics_per_connection": None,
        "inflight_posts": 100,
    },
    # Binance spot market streams (web-socket-streams.md)
    "binance": {
        "connections": None,
        "new_connections": (300, 300.0),
        "subscriptions": None,
        "users": None,
        "messages": None,
        "connection_messages": (5, 1.0),
        "topics_per_connection": 1024,
        "inflight_posts": None,
    },
}
LIMIT_NAMES: tuple[str, ...] = tuple(_DEFAULTS["hyperliquid"])


def ws_mock_venues() -> list[str]:
    """The protocols :class:`MockWebSocketVenue` speaks."""
    return sorted(_DEFAULTS)


@dataclass(frozen=True, slots=True)
class WsViolation:
    """One limit the server saw exceeded: ``kind`` is the limit's keyword (``messages``,
    ``connections``, ``subscriptions``…)."""

    kind: str
    ip: str
    detail: str
    at: float


@dataclass
class MockWsStats:
    """Counters since start (or the last :meth:`MockWebSocketVenue.reset`). ``max_*`` are the
    peaks the server saw (per IP; per connection for ``max_connection_messages``);
    ``handshakes`` the times (server clock) connections were accepted."""

    connections_opened: int = 0
    connections_refused: int = 0
    max_connections: int = 0
    messages: int = 0
    max_messages_in_window: int = 0
    max_connection_messages_in_window: int = 0
    max_subscriptions: int = 0
    max_users: int = 0
    posts: int = 0
    posts_answered: int = 0
    max_inflight_posts: int = 0
    violations: list[WsViolation] = field(default_factory=list)
    handshakes: list[float] = field(default_factory=list)

    def count(self, kind: str) -> int:
        """How many violations of ``kind``."""
        return sum(1 for v in self.violations if v.kind == kind)


class _Conn:
    __slots__ = ("conn", "ip", "msgs", "posts", "subs")

    def __init__(self, conn: ServerConnection, ip: str) -> None:
        self.conn = conn
        self.ip = ip
        self.subs: dict[str, str | None] = {}
        self.msgs: deque[float] = deque()
        self.posts: set[asyncio.Task[None]] = set()


class MockWebSocketVenue(ThreadedServer):
    """A WebSocket server enforcing a venue's WebSocket limits per client IP.

    ``MockWebSocketVenue(venue="hyperliquid", *, host="127.0.0.1", port=0, post_delay=0.05,
    answer_posts=True, close_on_violation=True, clock=time.monotonic, **limits)``

    ``limits`` (``None`` turns one off; the defaults are the venue's published values):
    ``connections`` (simultaneous), ``new_connections`` ``(n, seconds)``, ``subscriptions``,
    ``users``, ``messages`` ``(n, seconds)`` per IP, ``connection_messages`` ``(n, seconds)``
    per connection, ``topics_per_connection``, ``inflight_posts``.

    ``post_delay``: seconds the server works on a post (it is in flight meanwhile);
    ``answer_posts=False``: the answers are lost (the server still finishes each post after
    ``post_delay``), to test timeouts.
    """

    def __init__(
        self,
        venue: str = "hyperliquid",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        post_delay: float = 0.05,
        answer_posts: bool = True,
        close_on_violation: bool = True,
        clock: Callable[[], float] = time.monotonic,
        **limits: Any,
    ) -> None:
        defaults = _DEFAULTS.get(venue)
        if defaults is None:
            raise ValueError(f"unknown mock WebSocket venue {venue!r}; known: {', '.join(ws_mock_venues())}")
        unknown = set(limits) - set(LIMIT_NAMES)
        if unknown:
            raise TypeError(f"unknown limit keyword(s) {sorted(unknown)}; known: {', '.join(LIMIT_NAMES)}")
        settings = {**defaults, **limits}
        for name in ("connections", "subscriptions", "users", "topics_per_connection", "inflight_posts"):
            value = settings[name]
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be None or an int >= 1, got {value!r}")
        for name in ("new_connections", "messages", "connection_messages"):
            value = settings[name]
            if value is not None and not (
                isinstance(value, tuple)
                and len(value) == 2
                and isinstance(value[0], int)
                and value[0] >= 1
                and isinstance(value[1], (int, float))
                and value[1] > 0
            ):
                raise ValueError(f"{name} must be None or (count >= 1, seconds > 0), got {value!r}")
        if not isinstance(post_delay, (int, float)) or post_delay < 0:
            raise ValueError(f"post_delay must be a number of seconds >= 0, got {post_delay!r}")
        self.venue = venue
        self.limits: Mapping[str, Any] = dict(settings)
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self.post_delay = float(post_delay)
        self.answer_posts = answer_posts
        self.close_on_violation = close_on_violation
        self._clock = clock
        self._server: Server | None = None
        self._lock = threading.Lock()
        self._stats = MockWsStats()
        self._new: dict[str, deque[float]] = {}
        self._msgs: dict[str, deque[float]] = {}
        self._open: dict[str, set[ServerConnection]] = {}
        self._conns: dict[ServerConnection, _Conn] = {}
        self._inflight: dict[str, int] = {}

    # -- facts --------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("MockWebSocketVenue is not running: use `async with` or `with`")
        return self._port

    @property
    def url(self) -> str:
        """The WebSocket URL, e.g. ``ws://127.0.0.1:43211/ws`` (Binance streams: append
        ``/<stream>``, or use ``/stream?streams=a/b`` on the same host)."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"ws://{host}:{self.port}/ws"

    @property
    def stats(self) -> MockWsStats:
        """The live counters (a copy of the lists)."""
        with self._lock:
            s = self._stats
            return MockWsStats(
                **{k: getattr(s, k) for k in MockWsStats.__dataclass_fields__ if k not in ("violations", "handshakes")},
                violations=list(s.violations),
                handshakes=list(s.handshakes),
            )

    def open_connections(self, ip: str = "127.0.0.1") -> int:
        """Connections open from ``ip`` now."""
        return len(self._open.get(ip, set()))

    def subscriptions(self, ip: str = "127.0.0.1") -> int:
        """Subscriptions held from ``ip`` now."""
        return sum(len(c.subs) for c in self._conns.values() if c.ip == ip)

    def inflight_posts(self, ip: str = "127.0.0.1") -> int:
        return self._inflight.get(ip, 0)

    def reset(self) -> None:
        """Forget the counters and windows (open connections and subscriptions stay)."""
        with self._lock:
            self._stats = MockWsStats()
        self._new.clear()
        self._msgs.clear()

    async def disconnect_all(self, code: int = 1012, reason: str = "service restart") -> None:
        """Close every connection from the server side (a venue restart). Works from any
        event loop (the server's own thread, under ``with``)."""
        loop = self._loop
        if loop is not None and loop is not asyncio.get_running_loop():
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._disconnect_all(code, reason), loop))
            return
        await self._disconnect_all(code, reason)

    async def _disconnect_all(self, code: int, reason: str) -> None:
        await asyncio.gather(*(c.conn.close(code, reason) for c in list(self._conns.values())))

    # -- running ------------------------------------------------------------------------------

    async def astart(self) -> MockWebSocketVenue:
        """Start the server in the running event loop."""
        if self._server is not None or self._thread is not None:
            raise RuntimeError("MockWebSocketVenue is already running")
        return await self._serve()

    async def _serve(self) -> MockWebSocketVenue:
        self._server = await serve(
            self._handler,
            self._host,
            self._requested_port,
            process_request=self._process_request,
            ping_interval=None,
            compression=None,
        )
        sock = next(iter(self._server.sockets))
        self._port = int(sock.getsockname()[1])
        logger.info("mock %s WebSocket venue listening on %s", self.venue, self.url)
        return self

    async def astop(self) -> None:
        """Stop the server (closing its connections); idempotent."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()
        for c in list(self._conns.values()):
            for task in c.posts:
                task.cancel()
        self._port = None

    async def __aenter__(self) -> MockWebSocketVenue:
        return await self.astart()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.astop()

    def start(self) -> MockWebSocketVenue:
        """Start the server in a daemon thread with its own event loop."""
        if self._server is not None or self._thread is not None:
            raise RuntimeError("MockWebSocketVenue is already running")
        self._start_thread(f"MockWebSocketVenue-{self.venue}", self._serve, self.astop)
        return self

    # -- enforcement --------------------------------------------------------------------------

    def _violation(self, kind: str, ip: str, detail: str) -> None:
        logger.info("mock %s: %s limit exceeded by %s: %s", self.venue, kind, ip, detail)
        with self._lock:
            self._stats.violations.append(WsViolation(kind, ip, detail, self._clock()))

    @staticmethod
    def _ip(conn: ServerConnection) -> str:
        peer = conn.remote_address
        return str(peer[0]) if isinstance(peer, tuple) and peer else "unknown"

    @staticmethod
    def _within(window: deque[float], now: float, seconds: float) -> int:
        while window and window[0] <= now - seconds:
            window.popleft()
        return len(window)

    def _refuse(self, conn: ServerConnection, text: str) -> Response:
        with self._lock:
            self._stats.connections_refused += 1
        response = conn.respond(429, text + "\n")
        response.headers["Retry-After"] = "1"
        return response

    def _process_request(self, conn: ServerConnection, request: Request) -> Response | None:
        ip = self._ip(conn)
        now = self._clock()
        rate = self.limits["new_connections"]
        if rate is not None:
            window = self._new.setdefault(ip, deque())
            n = self._within(window, now, rate[1])
            window.append(now)
            if n + 1 > rate[0]:
                self._violation(
                    "new_connections", ip, f"{n + 1} connection attempts in {rate[1]:g} s (limit {rate[0]})"
                )
                return self._refuse(conn, "too many new connections")
        cap = self.limits["connections"]
        open_now = self._open.setdefault(ip, set())
        if cap is not None and len(open_now) >= cap:
            self._violation("connections", ip, f"{len(open_now) + 1} simultaneous connections (limit {cap})")
            return self._refuse(conn, "too many connections")
        open_now.add(conn)
        with self._lock:
            self._stats.connections_opened += 1
            self._stats.max_connections = max(self._stats.max_connections, len(open_now))
            self._stats.handshakes.append(now)
        return None

    async def _handler(self, conn: ServerConnection) -> None:
        ip = self._ip(conn)
        c = _Conn(conn, ip)
        self._conns[conn] = c
        try:
            if self.venue == "binance":
                path = conn.request.path if conn.request is not None else ""
                streams = _binance_url_streams(path)
                if not await self._binance_add(c, streams, None):
                    return
            async for raw in conn:
                if not self._count_message(c):
                    await conn.close(1008, "rate limit exceeded")
                    return
                text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
                try:
                    msg = json.loads(text)
                except ValueError:
                    msg = text
                if self.venue == "hyperliquid":
                    await self._hyperliquid(c, msg)
                else:
                    await self._binance(c, msg)
        except ConnectionClosed:
            pass
        finally:
            for task in c.posts:
                task.cancel()
            self._conns.pop(conn, None)
            self._open.get(ip, set()).discard(conn)

    def _count_message(self, c: _Conn) -> bool:
        """Count one message received; False if a message limit is exceeded (violation)."""
        now = self._clock()
        ok = True
        with self._lock:
            self._stats.messages += 1
        rate = self.limits["messages"]
        if rate is not None:
            window = self._msgs.setdefault(c.ip, deque())
            window.append(now)
            n = self._within(window, now, rate[1])
            with self._lock:
                self._stats.max_messages_in_window = max(self._stats.max_messages_in_window, n)
            if n > rate[0]:
                self._violation("messages", c.ip, f"{n} messages in {rate[1]:g} s (limit {rate[0]})")
                ok = False
        rate = self.limits["connection_messages"]
        if rate is not None:
            c.msgs.append(now)
            n = self._within(c.msgs, now, rate[1])
            with self._lock:
                self._stats.max_connection_messages_in_window = max(self._stats.max_connection_messages_in_window, n)
            if n > rate[0]:
                self._violation(
                    "connection_messages", c.ip, f"{n} messages in {rate[1]:g} s on one connection (limit {rate[0]})"
                )
                ok = False
        return ok or not self.close_on_violation

    def _ip_subs(self, ip: str) -> int:
        return sum(len(c.subs) for c in self._conns.values() if c.ip == ip)

    def _ip_users(self, ip: str) -> set[str]:
        return {u for c in self._conns.values() if c.ip == ip for u in c.subs.values() if u is not None}

    def _note_subs(self, ip: str) -> None:
        with self._lock:
            self._stats.max_subscriptions = max(self._stats.max_subscriptions, self._ip_subs(ip))
            self._stats.max_users = max(self._stats.max_users, len(self._ip_users(ip)))

    # -- Hyperliquid --------------------------------------------------------------------------

    async def _hyperliquid(self, c: _Conn, msg: Any) -> None:
        conn = c.conn
        if not isinstance(msg, dict):
            await conn.send(json.dumps({"channel": "error", "data": f"Invalid message: {str(msg)[:100]}"}))
            return
        method = msg.get("method")
        if method == "ping":
            await conn.send(json.dumps({"channel": "pong"}))
            return
        if method in ("subscribe", "unsubscribe"):
            sub = msg.get("subscription")
            if not isinstance(sub, dict):
                await conn.send(json.dumps({"channel": "error", "data": "Invalid subscription"}))
                return
            user = sub.get("user")
            user = user.lower() if isinstance(user, str) and user else None
            key = json.dumps({**sub, **({"user": user} if user else {})}, sort_keys=True, separators=(",", ":"))
            if method == "unsubscribe":
                c.subs.pop(key, None)
            else:
                if key in c.subs:
                    await conn.send(json.dumps({"channel": "error", "data": f"Already subscribed: {key}"}))
                    return
                cap = self.limits["subscriptions"]
                if cap is not None and self._ip_subs(c.ip) >= cap:
                    self._violation("subscriptions", c.ip, f"subscription {self._ip_subs(c.ip) + 1} (limit {cap})")
                    await conn.send(json.dumps({"channel": "error", "data": "Too many subscriptions"}))
                    return
                users = self._ip_users(c.ip)
                cap = self.limits["users"]
                if user is not None and cap is not None and user not in users and len(users) >= cap:
                    self._violation("users", c.ip, f"user {len(users) + 1} across subscriptions (limit {cap})")
                    await conn.send(json.dumps({"channel": "error", "data": "Too many unique users"}))
                    return
                c.subs[key] = user
                self._note_subs(c.ip)
            await conn.send(
                json.dumps({"channel": "subscriptionResponse", "data": {"method": method, "subscription": sub}})
            )
            return
        if method == "post":
            await self._post(c, msg)
            return
        await conn.send(json.dumps({"channel": "error", "data": f"Unknown method: {method}"}))

    async def _post(self, c: _Conn, msg: Mapping[str, Any]) -> None:
        pid = msg.get("id")
        with self._lock:
            self._stats.posts += 1
        cap = self.limits["inflight_posts"]
        n = self._inflight.get(c.ip, 0)
        if cap is not None and n >= cap:
            self._violation("inflight_posts", c.ip, f"post {n + 1} in flight (limit {cap})")
            reply = {
                "channel": "post",
                "data": {"id": pid, "response": {"type": "error", "payload": "Too many inflight"}},
            }
            await c.conn.send(json.dumps(reply))
            return
        self._inflight[c.ip] = n + 1
        with self._lock:
            self._stats.max_inflight_posts = max(self._stats.max_inflight_posts, n + 1)
        request = msg.get("request")

        async def work() -> None:
            try:
                await asyncio.sleep(self.post_delay)
            finally:
                self._inflight[c.ip] = max(0, self._inflight.get(c.ip, 0) - 1)
            if self.answer_posts:
                payload = {"type": "info", "payload": {"echo": request}}
                try:
                    await c.conn.send(json.dumps({"channel": "post", "data": {"id": pid, "response": payload}}))
                except ConnectionClosed:
                    return
                with self._lock:
                    self._stats.posts_answered += 1

        task = asyncio.ensure_future(work())
        c.posts.add(task)
        task.add_done_callback(c.posts.discard)

    # -- Binance ------------------------------------------------------------------------------

    async def _binance_add(self, c: _Conn, streams: list[str], rid: Any) -> bool:
        new = [s for s in dict.fromkeys(streams) if s not in c.subs]
        cap = self.limits["topics_per_connection"]
        if cap is not None and len(c.subs) + len(new) > cap:
            self._violation(
                "topics_per_connection", c.ip, f"{len(c.subs) + len(new)} streams on one connection (limit {cap})"
            )
            await c.conn.send(json.dumps({"error": {"code": 2, "msg": "too many streams"}, "id": rid}))
            if self.close_on_violation:
                await c.conn.close(1008, "too many streams")
                return False
            return True
        for s in new:
            c.subs[s] = None
        self._note_subs(c.ip)
        return True

    async def _binance(self, c: _Conn, msg: Any) -> None:
        if not isinstance(msg, dict):
            await c.conn.send(json.dumps({"error": {"code": 3, "msg": "invalid JSON"}}))
            return
        method = str(msg.get("method", "")).upper()
        rid = msg.get("id")
        params = msg.get("params")
        streams = [p.lower() for p in params if isinstance(p, str)] if isinstance(params, list) else []
        if method == "SUBSCRIBE":
            if await self._binance_add(c, streams, rid):
                await c.conn.send(json.dumps({"result": None, "id": rid}))
            return
        if method == "UNSUBSCRIBE":
            for s in streams:
                c.subs.pop(s, None)
        await c.conn.send(json.dumps({"result": None, "id": rid}))


def _binance_url_streams(path: str) -> list[str]:
    parts = urlsplit(path)
    names: list[str] = []
    p = unquote(parts.path)
    if p.startswith("/ws/"):
        names += [s for s in p[len("/ws/") :].split("/") if s]
    for key, value in parse_qsl(parts.query):
        if key == "streams":
            names += [s for s in value.split("/") if s]
    return [n.lower() for n in names]
