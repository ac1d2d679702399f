"""The httpx transport and client that weigh, wait, settle and retry, written once:
``_async/httpx.py`` is the source (asyncio), ``_sync/httpx.py`` its generated threaded twin.
The public names live in :mod:`ratekeeper.httpx`."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx

from ..._clock import Clock
from ..._limiter import AsyncLimiter
from ...proxies import Proxy, ProxyPoolArg, ProxyRouter, ProxyStatistics
from ...stores import StoreSpec
from ...venues import Venue
from .._gate import Gate, PriorityFn
from .._httpx import _IO, AsyncProxyTransport, _body, _decoded, _inherited, _proxied, _rebuilt, _sent, _timeout
from .._options import EstimatesArg, MarginArg, Options, build_gate
from .._retry import RetryPolicy
from .send import send_async

__all__ = ["AsyncClient", "AsyncTransport"]


class AsyncTransport(httpx.AsyncBaseTransport):
    """An httpx transport that puts the venue's limiter in front of another transport
    (:class:`ratekeeper.httpx.Transport` with threads, :class:`ratekeeper.httpx.AsyncTransport`
    with asyncio: its limiter is then an :class:`~ratekeeper.AsyncLimiter`, one transport
    per event loop).

    ``transport``: the one that sends (default ``httpx.HTTPTransport()``, or
    ``httpx.AsyncHTTPTransport()``; give it no ``retries``: its connection retries would
    bypass the limiter). The keyword options are the client's (or ``options=``, an
    :class:`~ratekeeper.Options`); or pass a ready ``gate``. With a proxy pool,
    ``proxy_transport(proxy)`` builds the transport of each proxy (default
    ``httpx.HTTPTransport(proxy=proxy.url)``, or its asyncio twin); ``transport`` is then the
    direct connection.
    """

    def __init__(
        self,
        venue: str | Venue | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        gate: Gate[AsyncLimiter] | None = None,
        proxy_transport: AsyncProxyTransport | None = None,
        options: Options | None = None,
        **keywords: Any,
    ) -> None:
        if gate is None:
            if venue is None:
                raise TypeError(f"{type(self).__name__} needs a venue (a name or a Venue) or a gate")
            gate = build_gate(venue, AsyncLimiter, Options.given(options, keywords))
        elif venue is not None or keywords or options is not None:
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
    transport: httpx.AsyncBaseTransport, gate: Gate[AsyncLimiter], proxied: dict[str, httpx.AsyncBaseTransport]
) -> httpx.AsyncBaseTransport:
    """``transport`` behind the gate (unless it is one of ours already), sharing the client's
    per-proxy transports."""
    if isinstance(transport, AsyncTransport):
        return transport
    return AsyncTransport(transport=transport, gate=gate, proxy_transport=lambda p: proxied[p.label])


class AsyncClient(httpx.AsyncClient):
    """An httpx client whose requests to the venue are rate limited
    (:class:`ratekeeper.httpx.Client` subclasses ``httpx.Client``,
    :class:`ratekeeper.httpx.AsyncClient` subclasses ``httpx.AsyncClient``: its limiter is
    then an :class:`~ratekeeper.AsyncLimiter`, one client per event loop).

    The ratekeeper options are :class:`ratekeeper.requests.Session`'s (``base_url`` defaults to
    the venue's API and relative URLs are joined to it), or ``options=``, an
    :class:`~ratekeeper.Options`; every other keyword goes to the httpx client. Every
    transport the client would use (its own, a ``transport=``, the ``mounts=`` and proxy
    transports) is wrapped, so no route to the venue bypasses the limiter. With
    ``proxy_pool``, each proxy gets an httpx transport with the client's ``verify``,
    ``cert``, ``trust_env``, ``http1``, ``http2`` and ``limits`` (or what
    ``proxy_transport(proxy)`` builds); the client's own route is the direct connection.
    """

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
        proxy_transport: AsyncProxyTransport | None = None,
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
        inherited = _inherited(kwargs)
        proxied: dict[str, httpx.AsyncBaseTransport] = _proxied(
            gate, proxy_transport, lambda p: httpx.AsyncHTTPTransport(proxy=p.url, **inherited)
        )
        super().__init__(base_url=gate.base_url, **kwargs)
        self.gate: Gate[AsyncLimiter] = gate
        self._transport = _wrap(self._transport, gate, proxied)
        self._mounts = {pattern: None if t is None else _wrap(t, gate, proxied) for pattern, t in self._mounts.items()}

    @property
    def limiter(self) -> AsyncLimiter:
        """The limiter this client spends (its ``statistics()`` shows what the store learned)."""
        return self.gate.limiter

    @property
    def venue(self) -> Venue:
        return self.gate.venue

    @property
    def proxy_router(self) -> ProxyRouter | None:
        """The router of the proxy pool (``None`` without one)."""
        return self.gate.router

    async def proxy_statistics(self) -> tuple[ProxyStatistics, ...]:
        """Per member of the proxy pool: failure records (re-read from the store now) and this
        client's counters. Empty without a pool."""
        return await self.gate.aproxy_statistics()

    async def check_proxies(self, *, only_down: bool = True) -> dict[str, bool]:
        """Run the pool's ``health_check`` on the failed proxies (every proxy with
        ``only_down=False``); each that passes is back for everyone. Returns label -> passed."""
        return await self.gate.acheck_proxies("client", only_down=only_down)

    async def post_info(self, payload: Mapping[str, Any], timeout: float = 30.0) -> Any:
        """POST ``payload`` to Hyperliquid's ``/info`` and return the parsed JSON (raises
        ``httpx.HTTPStatusError`` when the final answer is not a success)."""
        response = await self.post(self.gate.info_url(), json=dict(payload), timeout=timeout)
        response.raise_for_status()
        return response.json()
