"""ProxyRouter: the routing decisions (``_router.py``) with both I/O shells, threaded
(``_sync/``) and asyncio (``_async/``)."""

from __future__ import annotations

from ._async.router import AsyncRouterShell
from ._sync.router import RouterShell

__all__ = ["ProxyRouter"]


class ProxyRouter(RouterShell, AsyncRouterShell):
    """The runtime of a :class:`ProxyPool` for one client: which members are failed (read
    from the store, cached ``refresh`` seconds), which one each request goes to, what is
    recorded when one fails, and what health checks find. Thread-safe; the async methods
    (``a…``) belong to one event loop, like the client's ``AsyncLimiter``.

    ``limiter``: the client's limiter (each request's budget is acquired through it; its
    store keeps the failure records). ``estimate(items, priority)``: how many seconds from
    now the limiter's store would admit these items, booking nothing (a coroutine function
    for an ``AsyncLimiter``): the router sends each request to the member admitted soonest.
    ``direct_scope``: the ``ip`` scope value of the direct connection.
    """
