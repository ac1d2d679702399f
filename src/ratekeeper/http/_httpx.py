"""What the httpx transports and clients share with threads and with asyncio: which errors
mean "not sent", reading and rebuilding responses, one transport per proxy of the pool.

The transports and clients themselves are written once, for asyncio
(``_async/httpx.py``); ``scripts/unasync.py`` writes the threaded ones (``_sync/httpx.py``).
:mod:`ratekeeper.httpx` is the public module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from ..proxies import Proxy
from ._extras import check_socks
from ._gate import Gate, log

__all__ = ["AsyncProxyTransport", "ProxyTransport"]

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


def _inherited(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {k: kwargs[k] for k in _TRANSPORT_OPTIONS if k in kwargs}
