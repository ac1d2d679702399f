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

The asyncio classes are the source (:mod:`ratekeeper.http._async.httpx`); the threaded ones
are generated from them (:mod:`ratekeeper.http._sync.httpx`).
"""

from __future__ import annotations

from .http._extras import missing_extra

try:
    import httpx as _httpx  # noqa: F401  # the missing-extra error is raised here
except ImportError as _exc:  # pragma: no cover - exercised only without the extra (a subprocess test)
    raise missing_extra("httpx", "httpx", _exc) from _exc

from ._errors import ActionOutcomeUnknown, ActionRefused, VenueRefused
from .http._async.httpx import AsyncClient, AsyncTransport
from .http._httpx import AsyncProxyTransport, ProxyTransport
from .http._options import Options
from .http._retry import RetryPolicy
from .http._sync.httpx import Client, Transport

__all__ = [
    "ActionOutcomeUnknown",
    "ActionRefused",
    "AsyncClient",
    "AsyncProxyTransport",
    "AsyncTransport",
    "Client",
    "Options",
    "ProxyTransport",
    "RetryPolicy",
    "Transport",
    "VenueRefused",
]
