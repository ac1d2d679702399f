"""Budget stores, chosen by URL: ``memory://``, ``sqlite:///abs/path.db``, ``redis://host:port/db``.

The typed protocol every store satisfies, and the optional capabilities, are in
:mod:`ratekeeper.stores._protocol` (re-exported here)."""

from __future__ import annotations

from typing import cast
from urllib.parse import parse_qsl, unquote

from .._clock import Clock
from ._protocol import (
    AsyncBudgetStore,
    AsyncDeferring,
    AsyncEstimating,
    AsyncLeasing,
    AsyncRebooking,
    AsyncStore,
    BudgetStore,
    Deferring,
    Estimating,
    Item,
    KeySnapshot,
    LeaseResult,
    Leasing,
    LocalStore,
    Rebooking,
    Store,
    Subscribing,
)
from .memory import MemoryStore

__all__ = [
    "AsyncBudgetStore",
    "AsyncDeferring",
    "AsyncEstimating",
    "AsyncLeasing",
    "AsyncRebooking",
    "AsyncStore",
    "BudgetStore",
    "Deferring",
    "Estimating",
    "Item",
    "KeySnapshot",
    "LeaseResult",
    "LocalStore",
    "MemoryStore",
    "Leasing",
    "Rebooking",
    "Store",
    "StoreSpec",
    "Subscribing",
    "open_store",
]

StoreSpec = str | Store | BudgetStore
"""A store URL, or a store object. A store without the lease methods (written before
concurrent limits existed) still backs rate limits."""

SCHEMES = ("memory://", "sqlite:///", "redis://", "rediss://", "redis+cluster://", "rediss+cluster://")


def open_store(spec: StoreSpec, clock: Clock | None = None, *, for_async: bool = False) -> Store:
    """Return the store a URL names, or the store object itself.

    ``sqlite:///abs/path.db`` (``?busy_timeout=5``), ``redis://host:6379/0`` and
    ``rediss://…`` (``?prefix=…&fallback=0.5&retry_interval=1`` plus redis-py's options),
    ``redis+cluster://host:port`` for Redis Cluster. ``clock`` drives the store's time:
    the SQLite store reads its ``wall()``; the Redis store uses the server's ``TIME``
    unless the clock is a test clock (not the system clock). ``for_async``: a Redis URL
    gives an :class:`~ratekeeper.stores.redis.AsyncRedisStore` (for an AsyncLimiter).
    """
    if not isinstance(spec, str):
        if isinstance(spec, BudgetStore):  # a store without leases still backs rate limits
            return cast(Store, spec)
        raise TypeError(f"store must be a URL string or a Store, got {type(spec).__name__}")
    if spec in ("memory://", "memory:", "memory"):
        return MemoryStore(clock)
    scheme = spec.partition("://")[0].lower()
    if scheme == "sqlite":
        from .sqlite import SQLiteStore

        rest, _, query = spec[len("sqlite://") :].partition("?")
        options = dict(parse_qsl(query))
        if not rest:
            raise ValueError(f"store URL {spec!r} names no file; use sqlite:///absolute/path/state.db")
        kwargs = {k: float(options.pop(k)) for k in ("busy_timeout", "clock_hold") if k in options}
        if options:
            raise ValueError(f"unknown option(s) {', '.join(sorted(options))} in store URL {spec!r}")
        return SQLiteStore(unquote(rest), clock=clock, **kwargs)
    if scheme in ("redis", "rediss", "redis+cluster", "rediss+cluster"):
        from .redis import AsyncRedisStore, RedisStore

        cls = AsyncRedisStore if for_async else RedisStore
        return cls.from_url(spec, clock=clock)
    raise ValueError(f"unsupported store URL {spec!r}; supported: {', '.join(SCHEMES)}")
