"""The module-level entry points, :func:`connect` and :func:`reconnecting`: each connection
borrows the :class:`WebSocketLimiter` its event loop shares for the same venue, store and
options (the registry is in ``_shared``), so connections opened anywhere in the process are
counted together."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from .._clock import SYSTEM_CLOCK, Clock
from ..http import resolve_venue
from ..stores import StoreSpec
from ..venues import Venue
from ._common import DEFAULT_POST_TIMEOUT, DEFAULT_RELEASE_DELAY, check_seconds, check_url
from ._connection import Connect, Connection
from ._limiter import WebSocketLimiter
from ._reconnect import Backoff, Reconnecting
from ._rules import WsRules
from ._shared import _memory_store, _SharedUse, _venue_key

__all__ = ["connect", "reconnecting"]


def _checked_use(
    url: str,
    timeout: float | None,
    venue: str | Venue,
    store: StoreSpec,
    rules: WsRules | None,
    clock: Clock | None,
    margin: float | None,
    post_timeout: float,
    release_delay: float,
) -> _SharedUse:
    """Raise for bad options of the module-level helpers before anything is opened; then
    the use of their shared limiter: one per (event loop, venue, store, options)."""
    check_url(url)
    check_seconds("timeout", timeout)
    venue_key = _venue_key(venue)
    resolve_venue(venue)  # an unknown name fails here
    if rules is not None and not isinstance(rules, WsRules):
        raise TypeError(f"rules must be WsRules, got {type(rules).__name__}")
    check_seconds("margin", margin)
    check_seconds("post_timeout", post_timeout, allow_none=False, allow_zero=False)
    check_seconds("release_delay", release_delay, allow_none=False)
    memory = isinstance(store, str) and store.strip().lower() in ("memory://", "memory:", "memory")
    store_key: tuple[Any, ...] = (
        ("memory",) if memory else (("url", store) if isinstance(store, str) else ("obj", id(store)))
    )
    key = (venue_key, store_key, id(rules), id(clock), margin, post_timeout, release_delay)

    def build() -> WebSocketLimiter:
        return WebSocketLimiter(
            venue,
            store=_memory_store(clock) if memory else store,
            rules=rules,
            clock=clock,
            margin=margin,
            post_timeout=post_timeout,
            release_delay=release_delay,
        )

    return _SharedUse(key, build)


def connect(
    url: str,
    *,
    venue: str | Venue = "hyperliquid",
    store: StoreSpec = "memory://",
    ip: str | None = None,
    account: str | None = None,
    timeout: float | None = None,
    rules: WsRules | None = None,
    clock: Clock | None = None,
    margin: float | None = None,
    post_timeout: float = DEFAULT_POST_TIMEOUT,
    release_delay: float = DEFAULT_RELEASE_DELAY,
    **websockets_kwargs: Any,
) -> Connect:
    """Open a WebSocket connection kept within ``venue``'s limits::

        async with connect(url, venue="hyperliquid", store="redis://127.0.0.1:6379/0") as ws:
            await ws.send({"method": "subscribe", "subscription": {"type": "trades", "coin": "BTC"}})

    Connections opened with the same venue (name, or a Venue with the same limits) and store
    share one :class:`WebSocketLimiter` in the running event loop, so they are counted together;
    ``"memory://"`` is one store for the whole process. Other processes and hosts are counted
    through a shared store (``sqlite:///…``, ``redis://…``). See
    :meth:`WebSocketLimiter.connect` for ``timeout``, ``ip``, ``account`` and the websockets
    keywords, :class:`WebSocketLimiter` for the rest.
    """
    use = _checked_use(url, timeout, venue, store, rules, clock, margin, post_timeout, release_delay)
    return Connect(lambda: use.open(url, ip, account, timeout, websockets_kwargs))


def reconnecting(
    url: str,
    *,
    venue: str | Venue = "hyperliquid",
    store: StoreSpec = "memory://",
    ip: str | None = None,
    account: str | None = None,
    timeout: float | None = None,
    backoff: Backoff | None = None,
    rng: Callable[[], float] | None = None,
    rules: WsRules | None = None,
    clock: Clock | None = None,
    margin: float | None = None,
    post_timeout: float = DEFAULT_POST_TIMEOUT,
    release_delay: float = DEFAULT_RELEASE_DELAY,
    **websockets_kwargs: Any,
) -> Reconnecting:
    """Connections to ``url`` for as long as you iterate, each opened as :func:`connect` does::

        async for ws in reconnecting(url, venue="hyperliquid"):
            try:
                await ws.send(subscribe_message)
                async for message in ws:
                    handle(message)
            except websockets.ConnectionClosed:
                continue

    ``backoff``: a :class:`Backoff` (default ``Backoff()``: 0.5 s doubling to 30 s, full
    jitter); ``rng``: the random source of the jitter (tests). Use it as ``async with
    reconnecting(...) as conns: async for ws in conns: ...`` to close the last connection and
    the shared limiter's store deterministically when the loop ends.
    """
    held = _checked_use(url, timeout, venue, store, rules, clock, margin, post_timeout, release_delay)
    b = backoff or Backoff()
    holding = False

    async def open_one() -> Connection:
        nonlocal holding
        if not holding:  # keep the shared limiter (and its store) between connections
            held.take()
            holding = True
        return await held.again().open(url, ip, account, timeout, websockets_kwargs)

    async def give_back() -> None:
        if holding:
            await held.give_back()

    return Reconnecting(open_one, b, clock or SYSTEM_CLOCK, rng or random.random, on_close=give_back)
