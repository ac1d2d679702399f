"""The synchronous world of the Redis store: redis-py's clients, and a connection per thread.

``_aio.py`` is its asyncio twin; ``_async/store.py`` imports that one, and its generated
twin ``_sync/store.py`` this one (``scripts/unasync.py`` rewrites ``_aio`` to ``_io``).
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any

from redis import Redis, RedisCluster
from redis.retry import Retry

from ._url import Client

__all__ = ["Lanes", "Redis", "RedisCluster", "Retry", "thread_client"]


class _Held:
    """A pooled connection one thread keeps for all its calls, given back when the thread
    ends (its thread-local holder is dropped) or the store closes. Checking a connection
    out of redis-py's pool for every call costs about as much as the call itself."""

    __slots__ = ("conn", "pid", "pool")

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.pid = os.getpid()
        self.conn: Any = pool.get_connection()

    def release(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None and self.pid == os.getpid():
            self.pool.release(conn)

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # a pool already torn down at exit
            self.release()


class Lanes:
    """The connections of a plain pooled client: each thread keeps one for all its calls."""

    __slots__ = ("_local", "_pool")

    def __init__(self, pool: Any) -> None:
        self._pool = pool
        self._local = threading.local()

    def take(self) -> Any:
        """The calling thread's connection (checked out of the pool on its first call)."""
        held: _Held | None = getattr(self._local, "held", None)
        if held is None or held.conn is None or held.pid != os.getpid():
            held = self._local.held = _Held(self._pool)
        return held.conn

    def give(self, conn: Any) -> None:
        """Nothing: the thread keeps its connection."""

    def close(self) -> None:
        """Give the calling thread's connection back to the pool."""
        held: _Held | None = getattr(self._local, "held", None)
        if held is not None:
            held.release()


def thread_client(client: Client) -> Client | None:
    """The client a freed-room listener thread can use: this one, unless it is a cluster's."""
    return client if isinstance(client, Redis) else None
