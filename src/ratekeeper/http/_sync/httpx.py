# Generated from the _async/ twin by scripts/unasync.py: edit that file, then run the script.
"""The httpx transport and client that weigh, wait, settle and retry, written once:
``_async/httpx.py`` is the source (asyncio), ``_sync/httpx.py`` its generated threaded twin.
The public names live in :mod:`ratekeeper.httpx`."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx

from ..._clock import Clock
from ..._limiter import Limiter
from ...proxies import Proxy, ProxyPoolArg, ProxyRouter, ProxyStatistics
from ...stores import StoreSpec
from ...venues import Venue
from .._gate import Gate, PriorityFn
from .._httpx import _IO, ProxyTransport, _body, _decoded, _inherited, _proxied, _rebuilt, _sent, _timeout
from .._options import EstimatesArg, MarginArg, Options, build_gate
from .._retry import RetryPolicy
from .send import send_sync

__all__ = ["Client", "Transport"]


class Transport(httpx.BaseTransport):
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
        transport: httpx.BaseTransport | None = None,
        gate: Gate[Limiter] | None = None,
        proxy_transport: ProxyTransport | None = None,
        options: Options | None = None,
        **keywords: Any,
    ) -> None:
        if gate is None:
            if venue is None:
                raise TypeError(f"{type(self).__name__} needs a venue (a name or a Venue) or a gate")
            gate = build_gate(venue, Limiter, Options.given(options, keywords))
        elif venue is not None or keywords or options is not None:
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
                raw = b"".join([chunk for chunk in response.iter_raw()])
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


def _wrap(
    transport: httpx.BaseTransport, gate: Gate[Limiter], proxied: dict[str, httpx.BaseTransport]
) -> httpx.BaseTransport:
    """``transport`` behind the gate (unless it is one of ours already), sharing the client's
    per-proxy transports."""
    if isinstance(transport, Transport):
        return transport
    return Transport(transport=transport, gate=gate, proxy_transport=lambda p: proxied[p.label])


class Client(httpx.Client):
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
        options: Options | None = None,
        proxy_transport: ProxyTransport | None = None,
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
        gate = build_gate(venue, Limiter, opts)
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
        """The limiter this client spends (its ``statistics()`` shows what the store learned)."""
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
