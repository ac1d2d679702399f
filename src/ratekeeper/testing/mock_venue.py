"""A mock exchange: a real HTTP server on 127.0.0.1 that enforces a venue's limits the way the
venue does, so clients (ratekeeper's integrations, or your own bot) can be shown to stay
within them.

::

    from ratekeeper.testing import MockVenue

    with MockVenue("hyperliquid", period=2.0) as mock:      # 1200 weight per 2 s
        requests.post(mock.url + "/info", json={"type": "l2Book", "coin": "BTC"})
        assert mock.stats.rejected_429 == 0

The server runs on aiohttp (the ``ratekeeper[mock]`` extra): in a background thread with its
own event loop under ``with``, or in the running loop under ``async with``. The venue rules
live in :mod:`ratekeeper.testing._mock`, one class per venue, written from the venues'
documentation and independent of :mod:`ratekeeper.venues`.

Admin endpoints (never counted): ``GET /_mock/stats``, ``POST /_mock/reset``,
``POST /_mock/volume`` ``{"user": "0x…", "usd": 12345.6}``, ``POST /_mock/items``
``{"type": "userFills", "n": 500}`` (Hyperliquid), ``GET /_mock/health``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

from .._errors import missing_package

try:
    from aiohttp import web
except ImportError as _exc:  # pragma: no cover - exercised only without the extra (a subprocess test)
    raise missing_package("ratekeeper.testing.MockVenue", "aiohttp", "mock", _exc) from _exc

from ._mock import MockRequest, MockStats, VenueRules, rules_for, venue_names
from ._mock.hyperliquid import HyperliquidRules
from ._serve import ThreadedServer

__all__ = ["MockStats", "MockVenue", "serve_forever", "venue_names"]

logger = logging.getLogger("ratekeeper.testing.mock")

SHUTDOWN_TIMEOUT = 1.0
"""Seconds the server waits for in-flight requests when it stops."""


class MockVenue(ThreadedServer):
    """A mock venue server.

    ``MockVenue(venue, *, period=None, host="127.0.0.1", port=0, clock=None, **options)``

    - ``venue``: one of :func:`venue_names` (``"hyperliquid"``, ``"binance"``, ``"bitmex"``,
      ``"bybit"``, ``"htx"``, ``"htx_usdtm"``, ``"kucoin"``, ``"kucoin_futures"``, ``"okx"``).
    - ``period``: the length of the main budget's window in seconds (default: the venue's:
      60 s; Bybit 5 s; OKX 2 s; HTX 2 s, USDT-M 3 s; KuCoin 30 s). Every other window of the
      venue scales with it.
    - ``port``: 0 picks a free port; read it from :attr:`url` / :attr:`port` once started.
    - ``clock``: a callable returning seconds (default :func:`time.time`; Binance windows are
      aligned to multiples of ``period`` of this clock). ``FakeClock().now`` (or ``.wall``,
      to align windows the way ratekeeper's fixed limits do) makes window tests exact.
    - ``options``: the venue's own settings, see :class:`~ratekeeper.testing._mock.HyperliquidRules`
      and :class:`~ratekeeper.testing._mock.BinanceRules`.
    """

    def __init__(
        self,
        venue: str,
        *,
        period: float | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] | None = None,
        **options: Any,
    ) -> None:
        rules_cls = rules_for(venue)
        if clock is not None and not callable(clock):
            raise TypeError(f"clock must be a callable returning seconds (e.g. FakeClock().now), got {clock!r}")
        self._rules: VenueRules = rules_cls(period=period, clock=clock or time.time, **options)
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self._runner: web.AppRunner | None = None

    # -- facts -------------------------------------------------------------------------

    @property
    def venue(self) -> str:
        return self._rules.name

    @property
    def rules(self) -> VenueRules:
        """The venue's rules object (what the server consults for every request)."""
        return self._rules

    @property
    def period(self) -> float:
        return self._rules.period

    @property
    def capacity(self) -> float:
        """The main per-IP budget per period (Hyperliquid 1200 weight, Binance 6000)."""
        return self._rules.capacity

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("MockVenue is not running: use `with MockVenue(...)` or `async with MockVenue(...)`")
        return self._port

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:43211`` (Hyperliquid paths: ``/info``,
        ``/exchange``, ``/explorer``; Binance: ``/api/v3/...``)."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._runner is not None

    @property
    def stats(self) -> MockStats:
        """A frozen snapshot of the counters since start (or the last :meth:`reset`)."""
        return self._rules.stats()

    # -- control -----------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every charge, ban, order and counter; keep settings (volumes, item counts)."""
        self._rules.reset()

    def set_user_volume(self, address: str, usd: float) -> None:
        """Set an address's cumulative traded volume in USDC (Hyperliquid's address quota is
        ``10000 + volume`` requests)."""
        self._rules.set_user_volume(address, usd)

    def set_items(self, info_type: str, n: int) -> None:
        """How many items an item-charged Hyperliquid info type returns by default."""
        if not isinstance(self._rules, HyperliquidRules):
            raise NotImplementedError(f"{self.venue}: set_items is for Hyperliquid")
        self._rules.set_items(info_type, n)

    # -- running in a background thread ------------------------------------------------

    def start(self) -> MockVenue:
        """Start the server in a daemon thread with its own event loop; returns ``self``."""
        if self._thread is not None or self._runner is not None:
            raise RuntimeError("MockVenue is already running")
        self._start_thread(f"MockVenue-{self.venue}", self._start_server, self._stop_server)
        return self

    # -- running in the current event loop ---------------------------------------------

    async def astart(self) -> MockVenue:
        """Start the server in the running event loop; returns ``self``."""
        if self._thread is not None or self._runner is not None:
            raise RuntimeError("MockVenue is already running")
        await self._start_server()
        return self

    async def astop(self) -> None:
        """Stop a server started with :meth:`astart` (or ``async with``); idempotent."""
        await self._stop_server()

    async def __aenter__(self) -> MockVenue:
        return await self.astart()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.astop()

    # -- the server --------------------------------------------------------------------

    async def _start_server(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_TIMEOUT)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._requested_port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        address = runner.addresses[0]
        self._port = int(address[1])
        self._runner = runner
        logger.info("mock %s venue listening on %s (period %g s)", self.venue, self.url, self.period)

    async def _stop_server(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
            logger.info("mock %s venue on port %s stopped", self.venue, self._port)
        self._port = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        path = request.path
        if path.startswith("/_mock/"):
            return self._admin(request.method, path, body)
        peer = request.transport.get_extra_info("peername") if request.transport is not None else None
        ip = str(peer[0]) if isinstance(peer, tuple) and peer else (request.remote or "unknown")
        query = {key: request.query.getone(key) for key in request.query}
        if request.content_type == "application/x-www-form-urlencoded" and body:
            for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
                query.setdefault(key, value)
        headers = {key.lower(): value for key, value in request.headers.items()}
        mock_request = MockRequest(request.method, path, ip, headers, query, body)
        try:
            reply = self._rules.handle(mock_request)
        except Exception:
            logger.exception("mock %s venue: error answering %s %s", self.venue, request.method, path)
            return web.Response(status=500, text="mock venue error")
        return web.Response(
            status=reply.status, body=reply.body, headers=reply.headers, content_type=reply.content_type
        )

    def _admin(self, method: str, path: str, body: bytes) -> web.Response:
        try:
            payload: Any = json.loads(body) if body else {}
            if method == "GET" and path == "/_mock/stats":
                return web.json_response(self.stats.as_dict())
            if method == "GET" and path == "/_mock/health":
                return web.json_response({"venue": self.venue, "period": self.period})
            if method == "POST" and path == "/_mock/reset":
                self.reset()
                return web.json_response({})
            if method == "POST" and path == "/_mock/volume":
                self.set_user_volume(str(payload["user"]), float(payload["usd"]))
                return web.json_response({"user": str(payload["user"]).lower(), "usd": float(payload["usd"])})
            if method == "POST" and path == "/_mock/items":
                self.set_items(str(payload["type"]), int(payload["n"]))
                return web.json_response({"type": payload["type"], "n": int(payload["n"])})
        except (ValueError, KeyError, TypeError, NotImplementedError) as e:
            return web.json_response({"error": str(e)}, status=400)
        return web.json_response({"error": f"unknown admin endpoint {method} {path}"}, status=404)


def serve_forever(
    venue: str,
    port: int = 0,
    period: float | None = None,
    *,
    host: str = "127.0.0.1",
    stop: threading.Event | None = None,
    on_ready: Callable[[MockVenue], None] | None = None,
    **options: Any,
) -> None:
    """Run a mock venue in the foreground until Ctrl-C (or until ``stop`` is set).

    ``on_ready(mock)`` is called once the server listens (``mock.url`` is then known). This is
    what ``ratekeeper mock`` runs.
    """
    mock = MockVenue(venue, period=period, host=host, port=port, **options)

    async def main() -> None:
        async with mock:
            logger.info("serving mock %s venue at %s until interrupted", venue, mock.url)
            if on_ready is not None:
                on_ready(mock)
            if stop is None:
                await asyncio.Event().wait()
            else:
                while not stop.is_set():
                    await asyncio.sleep(0.1)

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        logger.info("mock %s venue interrupted", venue)
