"""The gateway: an aiohttp server that forwards each request to the venue through the same send
loop as the HTTP integrations (:func:`ratekeeper.http.send_async`): weigh, wait for the slot,
send, settle with the answer, fold the venue's signals into the store, retry reads, never
retry an action.

The hot path is kept short: one client session with a keep-alive connector for the whole
process, the request body read once and parsed once (the parsed JSON is what the rules weigh,
the raw bytes are what is forwarded), the answer read once (settling needs it) and written
back as it came. Nothing in the path sleeps or polls: a request that must wait holds one
limiter booking and the limiter wakes it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections.abc import Mapping
from typing import Any, Union
from urllib.parse import urlsplit

from .._errors import ActionOutcomeUnknown, VenueRefused
from ..http._async.send import send_async
from ..http._gate import Gate
from ..http._options import MarginArg, Options, build_gate, resolve_venue
from ..http._retry import RetryPolicy

try:
    import aiohttp
    import yarl
    from aiohttp import hdrs
    from aiohttp import web as web  # re-exported for _run (the missing-extra error is raised here)
    from multidict import CIMultiDict, istr
except ImportError as _exc:  # pragma: no cover - exercised only without the extra
    from .._errors import missing_package

    raise missing_package("ratekeeper.gateway", "aiohttp", "gateway", _exc) from _exc

from .._clock import Clock
from .._errors import CostExceedsCapacity, RateKeeperError
from .._limiter import AsyncLimiter
from ..aiohttp import _check_pool, _probe, _sent
from ..proxies import Proxy, ProxyPoolArg
from ..stores import StoreSpec
from ..venues import InvalidRequest, Venue

try:  # the lean client for direct requests (the gateway extra brings httptools)
    from ._upstream import Answer, LeanUpstream, NotSent, SentLost
except ImportError:  # pragma: no cover - without httptools, aiohttp's client sends everything
    LeanUpstream = None  # type: ignore[assignment,misc]

__all__ = ["Gateway"]

Reply = Union[aiohttp.ClientResponse, "Answer"]


class _IO:
    """How the send loop reads either client's answers."""

    @staticmethod
    def status(response: Reply) -> int:
        return response.status

    @staticmethod
    def headers(response: Reply) -> Any:
        return response.headers

    @staticmethod
    def discard(response: Reply) -> None:
        if isinstance(response, aiohttp.ClientResponse):
            response.release()


async def _read(response: Reply) -> bytes:
    if isinstance(response, aiohttp.ClientResponse):
        return await response.read()
    return response.body


def _sent_either(exc: BaseException) -> bool | None:
    """Whether a transport error happened after the request may have reached the venue."""
    if LeanUpstream is not None:
        if isinstance(exc, NotSent):
            return False
        if isinstance(exc, SentLost):
            return True
    return _sent(exc)


log = logging.getLogger("ratekeeper.gateway")
access_log = logging.getLogger("ratekeeper.gateway.access")

_HOP_BY_HOP: frozenset[istr] = frozenset(
    istr(h)
    for h in (
        "Connection",
        "Keep-Alive",
        "Proxy-Authenticate",
        "Proxy-Authorization",
        "Proxy-Connection",
        "TE",
        "Trailer",
        "Transfer-Encoding",
        "Upgrade",
    )
)
_DROP_REQUEST: frozenset[istr] = _HOP_BY_HOP | {hdrs.HOST, hdrs.CONTENT_LENGTH, hdrs.ACCEPT_ENCODING, hdrs.EXPECT}
"""Request headers not forwarded: hop-by-hop ones, what the gateway's client sets itself, and
``Expect`` (the gateway has the whole body already: no interim 100 from the venue)."""
_DROP_RESPONSE: frozenset[istr] = _HOP_BY_HOP | {hdrs.CONTENT_LENGTH, hdrs.CONTENT_ENCODING}
"""Answer headers not passed back from aiohttp's client: it decoded the body, passed back with
its own length."""
_DROP_LEAN: frozenset[istr] = _HOP_BY_HOP | {hdrs.CONTENT_LENGTH}
"""Answer headers not passed back from the lean client, which passes the body as it came (a
venue that compresses although asked not to keeps its ``Content-Encoding``)."""

SHUTDOWN_TIMEOUT = 30.0
"""Seconds a stopping gateway lets in-flight requests finish before it cancels them."""


def _error(status: int, code: str, message: str, **extra: Any) -> web.Response:
    """The gateway's own answer (never the venue's): JSON with ``error``, ``message`` and an
    ``X-Ratekeeper-Error`` header so clients can tell the two apart."""
    body = {"error": code, "message": message, "source": "ratekeeper-gateway", **extra}
    return web.json_response(body, status=status, headers={"X-Ratekeeper-Error": code})


def _loads(raw: bytes, content_type: str) -> tuple[object, str | None]:
    """The body as the rules weigh it (parsed JSON, or the text for form bodies), and an error
    when a body that says it is JSON is not."""
    if not raw:
        return None, None
    if "json" in content_type:
        try:
            return json.loads(raw), None
        except (ValueError, UnicodeDecodeError) as exc:
            return None, f"the body is not valid JSON ({exc})"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, None  # binary: weighed without it (the rules then charge their default)
    return text, None


class Gateway:
    """A limiting HTTP gateway for one venue.

    ``venue``: a name or a :class:`~ratekeeper.venues.Venue`; ``limits`` overrides limits by
    name with ``(capacity, period)`` as ``rk.venue(name, **limits)`` does. ``upstream``: the
    venue's origin (default its mainnet URL). ``store``, ``proxy_pool``, ``retry``, ``margin``
    and ``clock`` are the HTTP integrations' options (see :class:`ratekeeper.aiohttp.ClientSession`).
    ``metrics``: a :class:`ratekeeper.metrics.Metrics` the gateway instruments its limiter
    with and counts answers in (``None``: no metrics). ``connections``: the most connections
    kept open to the venue (per proxy). ``ws_upstream``: where WebSocket connections go
    (default: the upstream's host with ``ws``/``wss``; the request's path is appended).
    ``ip``: the ``ip`` scope of requests sent direct (the address this gateway leaves from:
    gateways on different hosts sharing a store then keep one budget each).
    ``lean``: send direct requests with the gateway's own keep-alive client when ``httptools``
    is installed (a fraction of aiohttp's client's CPU per request); ``False`` sends every
    request with aiohttp's.

    :meth:`app` is the forwarding application, :meth:`admin_app` the one with ``/metrics``
    and ``/status``; :meth:`start` opens the client session and :meth:`close` closes it and
    the limiter. :func:`ratekeeper.gateway.serve` runs both on their ports.
    """

    def __init__(
        self,
        venue: str | Venue,
        *,
        upstream: str | None = None,
        store: StoreSpec = "memory://",
        proxy_pool: ProxyPoolArg = None,
        limits: Mapping[str, tuple[float, float]] | None = None,
        retry: RetryPolicy | None = None,
        margin: MarginArg = None,
        clock: Clock | None = None,
        metrics: Any = None,
        connections: int = 100,
        lean: bool = True,
        ws_upstream: str | None = None,
        ip: str | None = None,
    ) -> None:
        v = resolve_venue(venue)
        if limits:
            v = v.with_limits(**dict(limits))
        options = Options(
            base_url=upstream, store=store, proxy_pool=proxy_pool, retry=retry, margin=margin, clock=clock, ip=ip
        )
        self.gate: Gate[AsyncLimiter] = build_gate(v, AsyncLimiter, options)
        _check_pool(self.gate)
        if self.gate.router is not None:
            self.gate.router.bind_aprobe(_probe)
        if isinstance(connections, bool) or not isinstance(connections, int) or connections < 1:
            raise ValueError(f"connections must be an int >= 1, got {connections!r}")
        self._connections = connections
        self._upstream = self.gate.base_url.rstrip("/")
        self._store = store
        parts = urlsplit(self._upstream)
        if ws_upstream is None:  # the same host: https://api.hyperliquid.xyz -> wss://api.hyperliquid.xyz
            ws_upstream = ("wss" if parts.scheme == "https" else "ws") + "://" + parts.netloc
        if urlsplit(ws_upstream).scheme not in ("ws", "wss"):
            raise ValueError(f"ws_upstream must be a ws:// or wss:// URL, got {ws_upstream!r}")
        self.ws_upstream = ws_upstream.rstrip("/")
        self.websockets = 0
        """WebSocket connections passed through now."""
        self._sockets: set[web.WebSocketResponse] = set()
        self._base_path = parts.path.rstrip("/")
        self._origin = (parts.scheme, parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
        self.lean = lean and LeanUpstream is not None
        self._lean: LeanUpstream | None = None
        self._session: aiohttp.ClientSession | None = None
        self.metrics = metrics
        self._responses: Any = None
        self._children: dict[tuple[str, int], Any] = {}
        if metrics is not None:
            self._instrument(metrics)
        self.in_flight = 0
        """Requests being handled now (waiting for a slot, or at the venue)."""
        self.handled = 0
        """Requests answered since start (by the venue or by the gateway)."""
        self.refused = 0
        """Requests the gateway answered itself with a 4xx or 5xx (never forwarded, or failed)."""
        self.disconnected = 0
        """Requests whose client went away before the answer (a waiting one gave its slot back)."""
        self._started = time.monotonic()

    # -- facts ---------------------------------------------------------------------------

    @property
    def venue(self) -> Venue:
        return self.gate.venue

    @property
    def limiter(self) -> AsyncLimiter:
        return self.gate.limiter

    @property
    def upstream(self) -> str:
        return self._upstream

    # -- life ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the client session (one keep-alive connection pool for every request)."""
        if self._session is not None:
            return
        connector = aiohttp.TCPConnector(
            limit=0,
            limit_per_host=self._connections,
            ttl_dns_cache=300,
            keepalive_timeout=60.0,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=10.0, sock_read=60.0),
            auto_decompress=True,
            skip_auto_headers=(hdrs.USER_AGENT,),
        )
        if self.lean and LeanUpstream is not None:
            scheme, host, port = self._origin
            self._lean = LeanUpstream(scheme, host, port, limit=self._connections)

    async def close(self) -> None:
        """Close the client session and the limiter (after the servers stopped)."""
        session, self._session = self._session, None
        lean, self._lean = self._lean, None
        if lean is not None:
            await lean.close()
        if session is not None:
            await session.close()
        await self.limiter.aclose()

    # -- metrics -------------------------------------------------------------------------

    def _instrument(self, metrics: Any) -> None:
        from ..metrics import _prometheus

        metrics.instrument(self.limiter, self.venue.name)
        prom = _prometheus()
        self._responses = prom.Counter(
            "ratekeeper_gateway_responses",
            "Answers the gateway gave, by who answered (venue or gateway) and status.",
            ["venue", "source", "status"],
            registry=metrics.registry,
        )

    def _count(self, source: str, status: int) -> None:
        if self._responses is None:
            return
        key = (source, status)
        child = self._children.get(key)
        if child is None:  # a prometheus child per (source, status), looked up once
            child = self._children[key] = self._responses.labels(self.venue.name, source, str(status))
        child.inc()
        if source == "venue" and status == 429:
            self.metrics.record_response(self.venue.name, status)

    # -- forwarding ----------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Forward one request to the venue (the forwarding application's only handler)."""
        started = time.perf_counter()
        self.in_flight += 1
        status = 0
        source = "gateway"
        try:
            if request.headers.get(hdrs.UPGRADE, "").lower() == "websocket":
                ws_response, source = await self._websocket(request)
                status = ws_response.status
                return ws_response
            response, source = await self._forward(request)
            status = response.status
            return response
        except asyncio.CancelledError:
            self.disconnected += 1
            status = 499  # the client closed the connection (nginx's code for it)
            raise
        finally:
            self.in_flight -= 1
            self.handled += 1
            if source == "gateway":
                self.refused += 1
            self._count(source, status)
            if access_log.isEnabledFor(logging.INFO):
                elapsed = time.perf_counter() - started
                access_log.info(
                    "%s %s %d %.1fms",
                    request.method,
                    request.raw_path,
                    status,
                    elapsed * 1000.0,
                    extra={
                        "method": request.method,
                        "path": request.raw_path,
                        "status": status,
                        "source": source,
                        "ms": round(elapsed * 1000.0, 3),
                        "peer": request.remote,
                    },
                )

    async def _forward(self, request: web.Request) -> tuple[web.Response, str]:
        session = self._session
        if session is None:
            return _error(503, "not_started", "the gateway is not started"), "gateway"
        raw = await request.read() if request.body_exists else b""
        weighed_body, problem = _loads(raw, request.content_type)
        method = request.method
        url = self._upstream + request.raw_path
        if problem is not None:
            return _error(400, "invalid_body", f"{method} {request.path}: {problem}; not forwarded"), "gateway"
        try:
            plan = self.gate.plan(method, url, weighed_body)
        except InvalidRequest as exc:
            return _error(400, "invalid_request", f"{exc}; not forwarded", venue=self.venue.name), "gateway"
        if plan is None:  # pragma: no cover - the URL is built on the venue's origin
            return _error(502, "not_the_venue", f"{url} is not {self.venue.name}'s origin"), "gateway"
        for name, amount in plan.cost.items():
            limit = self.venue.limits.get(name)
            if limit is not None and amount > limit.capacity:
                message = (
                    f"{method} {request.path} ({plan.weighed.name}) costs {amount:g} {name}, more than the "
                    f"limit's capacity of {limit.capacity:g} per {limit.period:g} s: it can never be sent; "
                    "not forwarded"
                )
                return _error(422, "cost_exceeds_capacity", message, limit=name, cost=amount), "gateway"
        # hop-by-hop: the fixed set, and whatever the client's Connection header names (RFC 9110 7.6.1)
        listed = request.headers.getall(hdrs.CONNECTION, ())
        named = {istr(t.strip()) for v in listed for t in v.split(",") if t.strip()}
        headers = [(k, v) for k, v in request.headers.items() if k not in _DROP_REQUEST and k not in named]
        lean = self._lean
        target = self._base_path + request.raw_path

        async def send(proxy: Proxy | None) -> Reply:
            if proxy is None and lean is not None and method != "HEAD":  # (a HEAD answer has no body to wait for)
                return await lean.request(method, target, headers, raw)
            assert session is not None
            return await session.request(
                method,
                yarl.URL(url, encoded=True),  # the query as the client sent it (a signature covers it)
                data=raw or None,
                headers=CIMultiDict(headers),
                proxy=proxy.url if proxy is not None else None,
                allow_redirects=False,
            )

        try:
            answer = await send_async(self.gate, plan, send, _read, _IO, _sent_either, _probe)
        except VenueRefused as exc:  # an action answered with a rate limit: the venue's answer, as it came
            refused: Reply | None = exc.response
            if refused is not None:
                refusal = {"X-Ratekeeper-Refused": exc.reason or f"HTTP {exc.status}"}
                return await self._relay(refused, refusal, head=method == "HEAD"), "venue"
            return _error(exc.status, "venue_refused", str(exc)), "gateway"  # pragma: no cover
        except CostExceedsCapacity as exc:
            return _error(422, "cost_exceeds_capacity", f"{exc}; not forwarded", limit=exc.limit), "gateway"
        except ActionOutcomeUnknown as exc:
            return _error(502, "action_outcome_unknown", str(exc), venue=self.venue.name), "gateway"
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError, RateKeeperError) as exc:
            message = self.gate.scrub(f"{type(exc).__name__}: {exc}")
            log.warning("gateway: %s %s failed: %s", method, request.path, message)
            return _error(502, "upstream_failed", message, venue=self.venue.name), "gateway"
        return await self._relay(answer, head=method == "HEAD"), "venue"

    async def _relay(
        self, answer: Reply, extra: Mapping[str, str] | None = None, *, head: bool = False
    ) -> web.Response:
        body = await _read(answer)  # already read by the send loop: aiohttp keeps it
        drop = _DROP_RESPONSE if isinstance(answer, aiohttp.ClientResponse) else _DROP_LEAN
        if head:  # no body: the venue's Content-Length is the length a GET would have
            drop = drop - {hdrs.CONTENT_LENGTH}
        headers = CIMultiDict((k, v) for k, v in answer.headers.items() if k not in drop)
        if extra:
            headers.update(extra)
        return web.Response(status=answer.status, reason=answer.reason, body=body, headers=headers)

    # -- WebSockets ----------------------------------------------------------------------

    async def _websocket(self, request: web.Request) -> tuple[web.StreamResponse, str]:
        """Pass a WebSocket through, within the venue's WebSocket limits (connections,
        subscriptions, message rates, posts in flight: :mod:`ratekeeper.websockets`, sharing
        the gateway's store). The venue's connection is opened first: one the limits refuse
        is answered with a JSON error, and the client's is never accepted."""
        try:
            from ..websockets import SubscriptionRefused, connect
        except ImportError as exc:
            return _error(501, "websockets_unavailable", f"WebSocket pass-through needs {exc}"), "gateway"
        url = self.ws_upstream + self._base_path + request.raw_path
        try:
            upstream = await connect(url, venue=self.venue, store=self._store, timeout=30.0)
        except RateKeeperError as exc:
            return _error(429, "websocket_refused", f"{exc}; not connected", venue=self.venue.name), "gateway"
        except Exception as exc:  # the handshake failed (refused, 4xx/5xx, timeout)
            message = f"cannot open the venue's WebSocket {url}: {type(exc).__name__}: {exc}"
            return _error(502, "upstream_failed", message, venue=self.venue.name), "gateway"
        ws = web.WebSocketResponse(autoping=True, max_msg_size=16 * 1024 * 1024)
        self.websockets += 1
        self._sockets.add(ws)
        try:
            await ws.prepare(request)

            async def to_venue() -> None:
                async for msg in ws:
                    if msg.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                        continue
                    try:
                        await upstream.send(msg.data)
                    except SubscriptionRefused as exc:  # over a limit: never sent; the client is told
                        await ws.send_json(
                            {"error": "subscription_refused", "message": str(exc), "source": "ratekeeper-gateway"}
                        )

            async def to_client() -> None:
                async for message in upstream:
                    if isinstance(message, str):
                        await ws.send_str(message)
                    else:
                        await ws.send_bytes(message)

            tasks = [asyncio.ensure_future(to_venue()), asyncio.ensure_future(to_client())]
            try:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            self.websockets -= 1
            self._sockets.discard(ws)
            await upstream.close()
            await ws.close()
        return ws, "venue"

    def app(self) -> web.Application:
        """The forwarding application: every method and path goes to the venue."""
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        app.on_shutdown.append(self._close_sockets)
        return app

    async def _close_sockets(self, app: web.Application) -> None:
        """Stopping: WebSockets live until closed, so they are closed (1001, going away) while
        plain requests in flight finish."""
        for ws in list(self._sockets):
            await ws.close(code=aiohttp.WSCloseCode.GOING_AWAY, message=b"gateway stopping")

    # -- admin ---------------------------------------------------------------------------

    async def status(self) -> dict[str, Any]:
        """What ``/status`` shows: budgets, waiters, margins, proxies, counters."""
        budgets = [dataclasses.asdict(s) for s in await self.limiter.statistics()]
        proxies = [dataclasses.asdict(p) for p in await self.gate.aproxy_statistics()]
        return {
            "venue": self.venue.name,
            "upstream": self.upstream,
            "uptime": round(time.monotonic() - self._started, 3),
            "in_flight": self.in_flight,
            "handled": self.handled,
            "refused": self.refused,
            "disconnected": self.disconnected,
            "websockets": self.websockets,
            "waiters": sum(s["waiters"] for s in budgets),
            "margin": self.limiter.margin,
            "budgets": budgets,
            "proxies": proxies,
        }

    async def _status(self, request: web.Request) -> web.Response:
        return web.json_response(await self.status())

    async def _metrics(self, request: web.Request) -> web.Response:
        if self.metrics is None:
            return _error(404, "no_metrics", "this gateway runs without metrics (pip install 'ratekeeper[metrics]')")
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        body = generate_latest(self.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": self._session is not None, "venue": self.venue.name})

    def admin_app(self) -> web.Application:
        """``GET /metrics`` (Prometheus), ``GET /status`` (JSON), ``GET /health``."""
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/status", self._status)
        app.router.add_get("/health", self._health)
        return app
