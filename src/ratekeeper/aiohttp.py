"""ratekeeper for `aiohttp`: a client middleware that weighs, waits, settles and retries, and a
``ClientSession`` that installs it.

::

    from ratekeeper.aiohttp import ClientSession

    async with ClientSession("hyperliquid") as session:
        book = await session.post_info({"type": "l2Book", "coin": "BTC"})
        async with session.post("/info", json={"type": "allMids"}) as r:
            mids = await r.json()

Built on aiohttp's client middlewares (aiohttp >= 3.12), its public extension point: the
middleware sees every request the session sends, redirects and aiohttp's own reconnect retry
included, so none of them bypasses the limiter. A plain ``aiohttp.ClientSession`` can use it
too: ``aiohttp.ClientSession(middlewares=[Middleware("hyperliquid")])``. With
``proxy_pool=[...]`` (http and https proxies) each request to the venue goes through one proxy
of the pool, spending that proxy's own per-IP budget (see :mod:`ratekeeper.proxies`). Install
with ``pip install 'ratekeeper[aiohttp]'``.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from .http._extras import missing_extra

try:  # yarl and multidict come with aiohttp: missing, they are the aiohttp extra missing too
    import aiohttp
    from yarl import URL
except ImportError as _exc:  # pragma: no cover - exercised only without the extra (a subprocess test)
    raise missing_extra("aiohttp", "aiohttp", _exc) from _exc
try:
    from aiohttp import hdrs
    from aiohttp import payload as _payload
    from aiohttp.client_middlewares import ClientHandlerType, ClientMiddlewareType
    from aiohttp.client_reqrep import ClientRequest, ClientResponse
except ImportError as _exc:  # pragma: no cover - aiohttp older than 3.12
    raise ImportError(
        f"ratekeeper.aiohttp needs aiohttp >= 3.12 (client middlewares), found {aiohttp.__version__}: "
        "pip install -U 'ratekeeper[aiohttp]'"
    ) from _exc

from ._clock import Clock
from ._errors import ActionOutcomeUnknown, ActionRefused, VenueRefused
from ._limiter import AsyncLimiter
from .http._async.send import send_async
from .http._gate import Gate, Plan, PriorityFn, log
from .http._options import EstimatesArg, MarginArg, Options, build_gate
from .http._retry import RetryPolicy
from .proxies import Proxy, ProxyPoolArg, ProxyRouter, ProxyStatistics
from .stores import StoreSpec
from .venues import Venue

__all__ = [
    "ActionOutcomeUnknown",
    "ActionRefused",
    "ClientSession",
    "Middleware",
    "Options",
    "RetryPolicy",
    "VenueRefused",
]

_NOT_SENT: tuple[type[BaseException], ...] = (
    aiohttp.ClientConnectorError,  # DNS, refused, TLS handshake, proxy connect
    aiohttp.ConnectionTimeoutError,
    aiohttp.ClientHttpProxyError,
    aiohttp.InvalidURL,
)


def _sent(exc: BaseException) -> bool | None:
    """Whether an aiohttp error happened after the request may have reached the server."""
    if isinstance(exc, _NOT_SENT):
        return False
    if isinstance(exc, (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, asyncio.TimeoutError)):
        return True
    return None


class _IO:
    @staticmethod
    def status(response: ClientResponse) -> int:
        return response.status

    @staticmethod
    def headers(response: ClientResponse) -> Any:
        return response.headers

    @staticmethod
    def discard(response: ClientResponse) -> None:
        response.release()


def _body(request: ClientRequest) -> bytes | str | None:
    body = request.body
    if isinstance(body, (bytes, bytearray)):
        return bytes(body) or None
    if isinstance(body, _payload.BytesPayload):  # json=, data=bytes/str, url-encoded forms
        try:
            return body.decode()
        except UnicodeDecodeError:
            return None
    return None  # a streaming or multipart body: weighed without it


def _check_pool(gate: Gate[AsyncLimiter]) -> None:
    """Refuse, before anything is sent, proxies aiohttp cannot use (it speaks HTTP proxies only)."""
    router = gate.router
    if router is None:
        return
    for p in router.pool.proxies:
        if p.scheme not in ("http", "https"):
            raise ValueError(
                f"proxy_pool: aiohttp cannot send through {p.scheme} proxies ({p.redacted}); use http(s) "
                "proxies, or ratekeeper.requests / ratekeeper.httpx with pip install 'ratekeeper[socks]'"
            )


async def _probe(proxy: Proxy, url: str, timeout: float) -> int:
    """A health-check probe: GET ``url`` through ``proxy`` with a session of its own (not rate
    limited)."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, proxy=proxy.url, timeout=aiohttp.ClientTimeout(total=timeout)) as response,
    ):
        return response.status


class Middleware:
    """An aiohttp client middleware that puts the venue's limiter in front of each request.

    The keyword options are :class:`ClientSession`'s (or ``options=``, an
    :class:`~ratekeeper.Options`); or pass a ready ``gate``. Its limiter is
    an :class:`~ratekeeper.AsyncLimiter`: use one middleware per event loop. With a proxy pool,
    each attempt sets the request's proxy to the chosen member (the request's own proxy, if
    any, is the direct connection).
    """

    __slots__ = ("gate",)

    def __init__(
        self,
        venue: str | Venue | None = None,
        *,
        gate: Gate[AsyncLimiter] | None = None,
        options: Options | None = None,
        **keywords: Any,
    ):
        if gate is None:
            if venue is None:
                raise TypeError("Middleware needs a venue (a name or a Venue) or a gate")
            gate = build_gate(venue, AsyncLimiter, Options.given(options, keywords))
        elif venue is not None or keywords or options is not None:
            raise TypeError("pass either gate= or a venue with its options, not both")
        _check_pool(gate)
        if gate.router is not None:
            gate.router.bind_aprobe(_probe)
        self.gate = gate

    @property
    def limiter(self) -> AsyncLimiter:
        return self.gate.limiter

    async def __call__(self, request: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        plan = self.gate.plan(request.method, str(request.url), _body(request))
        if plan is None:
            return await handler(request)

        own = (request.proxy, request.proxy_auth, request.proxy_headers, request.headers.get(hdrs.PROXY_AUTHORIZATION))

        async def send(proxy: Proxy | None) -> ClientResponse:
            if self.gate.router is not None:
                _route(request, proxy, own)
            try:
                return await handler(request)
            except asyncio.CancelledError:
                _cancelled(self.gate, plan)
                raise

        async def read(response: ClientResponse) -> bytes:
            return await response.read()

        return await send_async(self.gate, plan, send, read, _IO, _sent, _probe)


_Own = tuple[URL | None, "aiohttp.BasicAuth | None", Any, str | None]


def _route(request: ClientRequest, proxy: Proxy | None, own: _Own) -> None:
    """Point ``request`` at ``proxy`` (``None``: back to its own proxy settings). aiohttp puts
    a proxy's credentials in the request's ``Proxy-Authorization`` header when it connects:
    the header of the previous route goes, so no proxy (nor the venue) sees another's."""
    request.headers.popall(hdrs.PROXY_AUTHORIZATION, None)
    if proxy is None:
        request.update_proxy(own[0], own[1], own[2])
        if own[3] is not None:
            request.headers[hdrs.PROXY_AUTHORIZATION] = own[3]
    else:
        request.update_proxy(URL(proxy.url), None, None)


def _cancelled(gate: Gate[AsyncLimiter], plan: Plan) -> None:
    if plan.kind == "action":
        log.warning(
            "ratekeeper: %s %s was cancelled (aiohttp's total timeout, or the task) after it may have been "
            "sent: its outcome is unknown",
            gate.venue.name,
            plan.weighed.name,
            extra={"venue": gate.venue.name, "rule": plan.weighed.name, "method": plan.method, "url": plan.url},
        )


def _ensure_slash(url: str) -> str:
    """aiohttp wants a base_url whose path ends with '/'."""
    return url if urlsplit(url).path.endswith("/") else url + "/"


with warnings.catch_warnings():
    # aiohttp discourages subclassing ClientSession because subclasses tend to override its
    # private methods; this one overrides none: it only passes a middleware to __init__.
    warnings.simplefilter("ignore", DeprecationWarning)

    class ClientSession(aiohttp.ClientSession):
        """An ``aiohttp.ClientSession`` whose requests to the venue are rate limited.

        The ratekeeper options are :class:`ratekeeper.requests.Session`'s (or ``options=``, an
        :class:`~ratekeeper.Options`); every other keyword
        goes to ``aiohttp.ClientSession``. ``base_url`` defaults to the venue's API and relative
        URLs are joined to it the way aiohttp joins them. ``middlewares=`` of your own run
        outside ratekeeper's (they see one call per request; ratekeeper's retries happen
        inside). A per-request ``middlewares=`` replaces the session's in aiohttp: include
        ``session.middleware`` in it, or that request bypasses the limiter.

        The limiter's wait counts against aiohttp's total timeout, like a wait for a pooled
        connection does. A total timeout that fires after an action was sent surfaces as
        aiohttp's ``TimeoutError`` (logged as an unknown outcome); a ``sock_read`` timeout
        raises :class:`~ratekeeper.ActionOutcomeUnknown`.
        """

        ATTRS = aiohttp.ClientSession.ATTRS | frozenset({"gate", "middleware"})

        def __init__(
            self,
            venue: str | Venue,
            *,
            base_url: str | None = None,
            store: StoreSpec = "memory://",
            proxy_pool: ProxyPoolArg = None,
            limiter: AsyncLimiter | None = None,
            ip: str | None = None,
            account: str | None = None,
            address: str | None = None,
            key: str | None = None,
            retry: RetryPolicy | None = None,
            priority: PriorityFn | None = None,
            margin: MarginArg = None,
            clock: Clock | None = None,
            testnet: bool = False,
            estimates: EstimatesArg = "learned",
            options: Options | None = None,
            middlewares: Sequence[ClientMiddlewareType] = (),
            **kwargs: Any,
        ) -> None:
            opts = Options.given(
                options,
                Options(
                    base_url=base_url,
                    store=store,
                    proxy_pool=proxy_pool,
                    limiter=limiter,
                    ip=ip,
                    account=account,
                    address=address,
                    key=key,
                    retry=retry,
                    priority=priority,
                    margin=margin,
                    clock=clock,
                    testnet=testnet,
                    estimates=estimates,
                ),
            )
            gate = build_gate(venue, AsyncLimiter, opts)
            middleware = Middleware(gate=gate)
            super().__init__(base_url=_ensure_slash(gate.base_url), middlewares=(*middlewares, middleware), **kwargs)
            self.gate: Gate[AsyncLimiter] = gate
            self.middleware = middleware

        async def __aenter__(self) -> ClientSession:
            await super().__aenter__()
            return self

        @property
        def limiter(self) -> AsyncLimiter:
            """The limiter this session spends (``await statistics()`` shows what the store learned)."""
            return self.gate.limiter

        @property
        def venue(self) -> Venue:
            return self.gate.venue

        @property
        def proxy_router(self) -> ProxyRouter | None:
            """The router of the proxy pool (``None`` without one)."""
            return self.gate.router

        async def proxy_statistics(self) -> tuple[ProxyStatistics, ...]:
            """Per member of the proxy pool: failure records (re-read from the store now) and
            this session's counters. Empty without a pool."""
            return await self.gate.aproxy_statistics()

        async def check_proxies(self, *, only_down: bool = True) -> dict[str, bool]:
            """Run the pool's ``health_check`` on the failed proxies (every proxy with
            ``only_down=False``); each that passes is back for everyone. Returns label -> passed."""
            return await self.gate.acheck_proxies("session", only_down=only_down)

        async def post_info(self, payload: Mapping[str, Any], timeout: float = 30.0) -> Any:
            """POST ``payload`` to Hyperliquid's ``/info`` and return the parsed JSON (raises
            ``aiohttp.ClientResponseError`` when the final answer is not a success)."""
            limit = aiohttp.ClientTimeout(total=timeout)
            async with self.post(self.gate.info_url(), json=dict(payload), timeout=limit) as response:
                response.raise_for_status()
                return await response.json(content_type=None)
