"""ratekeeper for `httpx`: transports that weigh, wait, settle and retry, and clients using them.

::

    from ratekeeper.httpx import AsyncClient

    async with AsyncClient("hyperliquid") as client:
        book = await client.post_info({"type": "l2Book", "coin": "BTC"})

    # or wrap any transport yourself (httpx's extension point)
    transport = Transport("binance", transport=httpx.HTTPTransport(retries=0))
    client = httpx.Client(transport=transport)

The transport reads each venue response in full before handing it on (the settler and the
body-level signals need it); requests to other hosts pass through untouched. With
``proxy_pool=[...]`` each request to the venue goes through one proxy of the pool (an
``httpx.HTTPTransport(proxy=...)`` per proxy), spending that proxy's own per-IP budget (see
:mod:`ratekeeper.proxies`). Install with ``pip install 'ratekeeper[httpx]'``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from ._http import missing_extra

try:
    import httpx
except ImportError as _exc:  # pragma: no cover - exercised only without the extra (a subprocess test)
    raise missing_extra("httpx", "httpx", _exc) from _exc

from ._clock import Clock
from ._http import (
    ActionOutcomeUnknown,
    ActionRefused,
    EstimatesArg,
    Gate,
    MarginArg,
    PriorityFn,
    RetryPolicy,
    VenueRefused,
    build_gate,
    check_socks,
    log,
    send_async,
    send_sync,
)
from ._limiter import AsyncLimiter, Limiter
from .proxies import Proxy, ProxyPoolArg, ProxyRouter, ProxyStatistics
from .stores import StoreSpec
from .venues import Venue

__all__ = [
    "ActionOutcomeUnknown",
    "ActionRefused",
    "AsyncClient",
    "AsyncTransport",
    "Client",
    "RetryPolicy",
    "Transport",
    "VenueRefused",
]

_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
)


def _sent(exc: BaseException) -> bool | None:
    """Whether an httpx error happened after the request may have reached the server."""
    if isinstance(exc, _NOT_SENT):
        return False
    if isinstance(exc, httpx.TransportError):
        return True
    return None


class _IO:
    @staticmethod
    def status(response: httpx.Response) -> int:
        return response.status_code

    @staticmethod
    def headers(response: httpx.Response) -> Any:
        return response.headers

    @staticmethod
    def discard(response: httpx.Response) -> None:
        pass  # already read into memory


def _body(request: httpx.Request) -> bytes | None:
    try:
        return request.content
    except httpx.RequestNotRead:
        return None  # a streaming upload: weighed without its body


def _rebuilt(response: httpx.Response, raw: bytes, request: httpx.Request) -> httpx.Response:
    """The response with its raw (still encoded) body in memory, for the client to decode."""
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=httpx.ByteStream(raw),
        extensions=response.extensions,
        request=request,
    )


def _decoded(response: httpx.Response, raw: bytes) -> bytes:
    """``raw`` decoded as the response's content-encoding says (for parsing only)."""
    probe = httpx.Response(response.status_code, headers=response.headers, stream=httpx.ByteStream(raw))
    try:
        return probe.read()
    except httpx.DecodingError:
        log.warning(
            "ratekeeper: a response body could not be decoded (content-encoding %r); the estimate stands",
            response.headers.get("content-encoding"),
            extra={"status": response.status_code},
        )
        return b""


def _options(
    base_url: str | None,
    store: StoreSpec,
    proxy_pool: ProxyPoolArg,
    ip: str | None,
    account: str | None,
    address: str | None,
    retry: RetryPolicy | None,
    priority: PriorityFn | None,
    margin: MarginArg,
    clock: Clock | None,
    testnet: bool,
    estimates: EstimatesArg,
    key: str | None = None,
) -> dict[str, Any]:
    return {
        "base_url": base_url,
        "store": store,
        "proxy_pool": proxy_pool,
        "ip": ip,
        "account": account,
        "address": address,
        "key": key,
        "retry": retry,
        "priority": priority,
        "margin": margin,
        "clock": clock,
        "testnet": testnet,
        "estimates": estimates,
    }


ProxyTransport = Callable[[Proxy], httpx.BaseTransport]
"""Builds the transport that sends through one proxy of the pool."""
AsyncProxyTransport = Callable[[Proxy], httpx.AsyncBaseTransport]

_TRANSPORT_OPTIONS = ("verify", "cert", "trust_env", "http1", "http2", "limits")
"""The client keywords a per-proxy transport inherits."""


def _timeout(seconds: float) -> dict[str, float]:
    return {"connect": seconds, "read": seconds, "write": seconds, "pool": seconds}


_HTTPX_SCHEMES = ("http", "https", "socks5", "socks5h")
"""The proxy schemes httpx's own transports send through (SOCKS 5 with socksio)."""


def _proxied(gate: Gate[Any], make: Callable[[Proxy], Any] | None, default: Callable[[Proxy], Any]) -> dict[str, Any]:
    """One transport per proxy of the gate's pool (none without a pool), built now, so a proxy
    this httpx cannot use (SOCKS 4, SOCKS 5 without socksio) fails before anything is sent.
    A ``make`` of the caller's builds transports its own way: what it accepts is its call."""
    router = gate.router
    if router is None:
        return {}
    if make is None:
        for p in router.pool.proxies:
            if p.scheme not in _HTTPX_SCHEMES:
                raise ValueError(
                    f"proxy_pool: httpx cannot send through {p.scheme} proxies ({p.redacted}); use "
                    f"{', '.join(_HTTPX_SCHEMES)} proxies, or ratekeeper.requests (pip install 'ratekeeper[socks]')"
                )
        check_socks(gate, "httpx", "socksio", "socksio")
    build = make if make is not None else default
    return {p.label: build(p) for p in router.pool.proxies}


class Transport(httpx.BaseTransport):
    """An httpx transport that puts the venue's limiter in front of another transport.

    ``transport``: the one that sends (default ``httpx.HTTPTransport()``; give it no
    ``retries``: its connection retries would bypass the limiter). The keyword options are
    :class:`Client`'s; or pass a ready ``gate``. With a proxy pool, ``proxy_transport(proxy)``
    builds the transport of each proxy (default ``httpx.HTTPTransport(proxy=proxy.url)``);
    ``transport`` is then the direct connection.
    """

    def __init__(
        self,
        venue: str | Venue | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        gate: Gate[Limiter] | None = None,
        proxy_transport: ProxyTransport | None = None,
        **options: Any,
    ) -> None:
        if gate is None:
            if venue is None:
                raise TypeError("Transport needs a venue (a name or a Venue) or a gate")
            gate = build_gate(venue, Limiter, **options)
        elif venue is not None or options:
            raise TypeError("pass either gate= or a venue with its options, not both")
        self.gate = gate
        self.inner: httpx.BaseTransport = transport if transport is not None else httpx.HTTPTransport()
        self.proxied: dict[str, httpx.BaseTransport] = _proxied(
            gate, proxy_transport, lambda p: httpx.HTTPTransport(proxy=p.url)
        )
        if gate.router is not None:
            gate.router.bind_probe(self._probe)

    @property
    def limiter(self) -> Limiter:
        return self.gate.limiter

    def _probe(self, proxy: Proxy, url: str, timeout: float) -> int:
        request = httpx.Request("GET", url, extensions={"timeout": _timeout(timeout)})
        response = self.proxied[proxy.label].handle_request(request)
        try:
            response.read()
            return response.status_code
        finally:
            response.close()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        inner = self.inner
        plan = self.gate.plan(request.method, str(request.url), _body(request))
        if plan is None:
            return inner.handle_request(request)

        bodies: list[bytes] = []

        def send(proxy: Proxy | None) -> httpx.Response:
            transport = inner if proxy is None else self.proxied[proxy.label]
            response = transport.handle_request(request)
            try:
                raw = b"".join(response.iter_raw())
            finally:
                response.close()
            bodies.append(raw)
            return _rebuilt(response, raw, request)

        def read(response: httpx.Response) -> bytes:
            return _decoded(response, bodies[-1])

        return send_sync(self.gate, plan, send, read, _IO, _sent, self._probe)

    def close(self) -> None:
        self.inner.close()
        for transport in self.proxied.values():
            transport.close()

    def __enter__(self) -> Transport:
        self.inner.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self.inner.__exit__(exc_type, exc_value, traceback)
        for transport in self.proxied.values():
            transport.close()


class AsyncTransport(httpx.AsyncBaseTransport):
    """The asyncio twin of :class:`Transport` (default inner: ``httpx.AsyncHTTPTransport()``;
    default per-proxy transport: ``httpx.AsyncHTTPTransport(proxy=proxy.url)``).

    Its limiter is an :class:`~ratekeeper.AsyncLimiter`: use one transport per event loop.
    """

    def __init__(
        self,
        venue: str | Venue | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        gate: Gate[AsyncLimiter] | None = None,
        proxy_transport: AsyncProxyTransport | None = None,
        **options: Any,
    ) -> None:
        if gate is None:
            if venue is None:
                raise TypeError("AsyncTransport needs a venue (a name or a Venue) or a gate")
            gate = build_gate(venue, AsyncLimiter, **options)
        elif venue is not None or options:
            raise TypeError("pass either gate= or a venue with its options, not both")
        self.gate = gate
        self.inner: httpx.AsyncBaseTransport = transport if transport is not None else httpx.AsyncHTTPTransport()
        self.proxied: dict[str, httpx.AsyncBaseTransport] = _proxied(
            gate, proxy_transport, lambda p: httpx.AsyncHTTPTransport(proxy=p.url)
        )
        if gate.router is not None:
            gate.router.bind_aprobe(self._probe)

    @property
    def limiter(self) -> AsyncLimiter:
        return self.gate.limiter

    async def _probe(self, proxy: Proxy, url: str, timeout: float) -> int:
        request = httpx.Request("GET", url, extensions={"timeout": _timeout(timeout)})
        response = await self.proxied[proxy.label].handle_async_request(request)
        try:
            await response.aread()
            return response.status_code
        finally:
            await response.aclose()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        inner = self.inner
        plan = self.gate.plan(request.method, str(request.url), _body(request))
        if plan is None:
            return await inner.handle_async_request(request)

        bodies: list[bytes] = []

        async def send(proxy: Proxy | None) -> httpx.Response:
            transport = inner if proxy is None else self.proxied[proxy.label]
            response = await transport.handle_async_request(request)
            try:
                raw = b"".join([chunk async for chunk in response.aiter_raw()])
            finally:
                await response.aclose()
            bodies.append(raw)
            return _rebuilt(response, raw, request)

        async def read(response: httpx.Response) -> bytes:
            return _decoded(response, bodies[-1])

        return await send_async(self.gate, plan, send, read, _IO, _sent, self._probe)

    async def aclose(self) -> None:
        await self.inner.aclose()
        for transport in self.proxied.values():
            await transport.aclose()

    async def __aenter__(self) -> AsyncTransport:
        await self.inner.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.inner.__aexit__(exc_type, exc_value, traceback)
        for transport in self.proxied.values():
            await transport.aclose()


def _wrap(
    transport: httpx.BaseTransport, gate: Gate[Limiter], proxied: dict[str, httpx.BaseTransport]
) -> httpx.BaseTransport:
    """``transport`` behind the gate (unless it is one of ours already), sharing the client's
    per-proxy transports."""
    if isinstance(transport, Transport):
        return transport
    wrapped = Transport(transport=transport, gate=gate, proxy_transport=lambda p: proxied[p.label])
    return wrapped


def _awrap(
    transport: httpx.AsyncBaseTransport, gate: Gate[AsyncLimiter], proxied: dict[str, httpx.AsyncBaseTransport]
) -> httpx.AsyncBaseTransport:
    if isinstance(transport, AsyncTransport):
        return transport
    return AsyncTransport(transport=transport, gate=gate, proxy_transport=lambda p: proxied[p.label])


def _inherited(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {k: kwargs[k] for k in _TRANSPORT_OPTIONS if k in kwargs}


class Client(httpx.Client):
    """An ``httpx.Client`` whose requests to the venue are rate limited.

    The ratekeeper options are :class:`ratekeeper.requests.Session`'s (``base_url`` defaults to
    the venue's API and relative URLs are joined to it); every other keyword goes to
    ``httpx.Client``. Every transport the client would use (its own, a ``transport=``, the
    ``mounts=`` and proxy transports) is wrapped, so no route to the venue bypasses the
    limiter. With ``proxy_pool``, each proxy gets an ``httpx.HTTPTransport`` with the client's
    ``verify``, ``cert``, ``trust_env``, ``http1``, ``http2`` and ``limits`` (or what
    ``proxy_transport(proxy)`` builds); the client's own route is the direct connection.
    """

    def __init__(
        self,
        venue: str | Venue,
        *,
        base_url: str | None = None,
        store: StoreSpec = "memory://",
        proxy_pool: ProxyPoolArg = None,
        limiter: Limiter | None = None,
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
        proxy_transport: ProxyTransport | None = None,
        **kwargs: Any,
    ) -> None:
        opts = _options(
            base_url, store, proxy_pool, ip, account, address, retry, priority, margin, clock, testnet, estimates, key
        )
        gate = build_gate(venue, Limiter, limiter=limiter, **opts)
        inherited = _inherited(kwargs)
        proxied: dict[str, httpx.BaseTransport] = _proxied(
            gate, proxy_transport, lambda p: httpx.HTTPTransport(proxy=p.url, **inherited)
        )
        super().__init__(base_url=gate.base_url, **kwargs)
        self.gate: Gate[Limiter] = gate
        self._transport = _wrap(self._transport, gate, proxied)
        self._mounts = {pattern: None if t is None else _wrap(t, gate, proxied) for pattern, t in self._mounts.items()}

    @property
    def limiter(self) -> Limiter:
        """The limiter this client spends (``statistics()`` shows what the store learned)."""
        return self.gate.limiter

    @property
    def venue(self) -> Venue:
        return self.gate.venue

    @property
    def proxy_router(self) -> ProxyRouter | None:
        """The router of the proxy pool (``None`` without one)."""
        return self.gate.router

    def proxy_statistics(self) -> tuple[ProxyStatistics, ...]:
        """Per member of the proxy pool: failure records (re-read from the store now) and this
        client's counters. Empty without a pool."""
        return self.gate.proxy_statistics()

    def check_proxies(self, *, only_down: bool = True) -> dict[str, bool]:
        """Run the pool's ``health_check`` on the failed proxies (every proxy with
        ``only_down=False``); each that passes is back for everyone. Returns label -> passed."""
        return self.gate.check_proxies("client", only_down=only_down)

    def post_info(self, payload: Mapping[str, Any], timeout: float = 30.0) -> Any:
        """POST ``payload`` to Hyperliquid's ``/info`` and return the parsed JSON (raises
        ``httpx.HTTPStatusError`` when the final answer is not a success)."""
        response = self.post(self.gate.info_url(), json=dict(payload), timeout=timeout)
        response.raise_for_status()
        return response.json()


class AsyncClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` whose requests to the venue are rate limited (see
    :class:`Client`). Its limiter is an :class:`~ratekeeper.AsyncLimiter`: one client per
    event loop."""

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
        proxy_transport: AsyncProxyTransport | None = None,
        **kwargs: Any,
    ) -> None:
        opts = _options(
            base_url, store, proxy_pool, ip, account, address, retry, priority, margin, clock, testnet, estimates, key
        )
        gate = build_gate(venue, AsyncLimiter, limiter=limiter, **opts)
        inherited = _inherited(kwargs)
        proxied: dict[str, httpx.AsyncBaseTransport] = _proxied(
            gate, proxy_transport, lambda p: httpx.AsyncHTTPTransport(proxy=p.url, **inherited)
        )
        super().__init__(base_url=gate.base_url, **kwargs)
        self.gate: Gate[AsyncLimiter] = gate
        self._transport = _awrap(self._transport, gate, proxied)
        self._mounts = {pattern: None if t is None else _awrap(t, gate, proxied) for pattern, t in self._mounts.items()}

    @property
    def limiter(self) -> AsyncLimiter:
        """The limiter this client spends (``await statistics()`` shows what the store learned)."""
        return self.gate.limiter

    @property
    def venue(self) -> Venue:
        return self.gate.venue

    @property
    def proxy_router(self) -> ProxyRouter | None:
        """The router of the proxy pool (``None`` without one)."""
        return self.gate.router

    async def proxy_statistics(self) -> tuple[ProxyStatistics, ...]:
        """See :meth:`Client.proxy_statistics`."""
        return await self.gate.aproxy_statistics()

    async def check_proxies(self, *, only_down: bool = True) -> dict[str, bool]:
        """See :meth:`Client.check_proxies`."""
        return await self.gate.acheck_proxies("client", only_down=only_down)

    async def post_info(self, payload: Mapping[str, Any], timeout: float = 30.0) -> Any:
        """POST ``payload`` to Hyperliquid's ``/info`` and return the parsed JSON (raises
        ``httpx.HTTPStatusError`` when the final answer is not a success)."""
        response = await self.post(self.gate.info_url(), json=dict(payload), timeout=timeout)
        response.raise_for_status()
        return response.json()
