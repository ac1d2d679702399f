"""Budgets shared by hosts through Redis or Valkey: ``redis://``, ``rediss://``, Redis Cluster.

Every operation is one script call (``EVALSHA``; the script is loaded again on ``NOSCRIPT``)
over all keys of the request, so a reservation over several limits is one atomic step and
one round trip. The scripts (``lua/*.lua``, shipped in the package) mirror the Python
decision core line by line; the server's ``TIME`` is the clock, so hosts with skewed clocks
agree on every window.

Keys look like ``{ratekeeper}:s:ip_weight:1.2.3.4``: the hash tag is the configured prefix,
so every key of one prefix lives in one Cluster slot and a request over several limits (of
any scopes) stays atomic. ``docs/stores.md`` explains the trade-off.

Leases of concurrent limits live in one hash per (limit, scope) (``{ratekeeper}:c:…``):
holder -> units and expiry, changed by ``lua/lease.lua`` in one step.

When Redis cannot be reached, operations raise :class:`~ratekeeper.StoreUnavailable` within
the socket timeouts (fail closed). With ``fallback=<fraction>`` the store instead limits
locally, each limit scaled to that fraction of its capacity, and goes back to Redis as soon
as it answers again.

The package, along its seams: ``_wire`` (scripts, packed arguments, replies), ``_url`` (URLs,
clients, connections), ``_fallback`` (limiting locally while Redis is away), ``_listen``
(freed room heard from other processes), ``_core`` (what both stores share, no I/O), and
the store written once: ``_async/store.py``, with its generated twin ``_sync/store.py``
(``scripts/unasync.py``); ``_aio``/``_io`` hold what differs between the two worlds.
"""

from __future__ import annotations

from ..._errors import missing_package

try:
    import redis
    import redis.asyncio  # noqa: F401
except ImportError as _exc:  # pragma: no cover - exercised only without the extra (a subprocess test)
    raise missing_package("ratekeeper.stores.redis (the redis:// store)", "redis", "redis", _exc) from _exc

from . import _url
from ._stores import AsyncRedisStore, RedisStore
from ._url import DEFAULT_PREFIX, DEFAULT_TIMEOUT
from ._url import Client as Client
from ._wire import SCRIPTS as SCRIPTS
from ._wire import Script as Script

__all__ = ["DEFAULT_PREFIX", "DEFAULT_TIMEOUT", "AsyncRedisStore", "RedisStore"]

_parse_url = _url.parse_url  # where it was before the split (tests)
