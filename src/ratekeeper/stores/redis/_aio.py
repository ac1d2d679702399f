"""The asyncio world of the Redis store: redis-py's asyncio clients, a connection per call.

The twin of ``_io.py`` (see there): the same names, for ``_async/store.py``.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis, RedisCluster
from redis.asyncio.retry import Retry

from ._url import Client

__all__ = ["Lanes", "Redis", "RedisCluster", "Retry", "thread_client"]


class Lanes:
    """The connections of a plain pooled client: one checked out per call (tasks interleave)."""

    __slots__ = ("_pool",)

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    async def take(self) -> Any:
        return await self._pool.get_connection()

    async def give(self, conn: Any) -> None:
        await self._pool.release(conn)

    def close(self) -> None:
        """Nothing: every connection went back to the pool after its call."""


def thread_client(client: Client) -> Client | None:
    """None: an asyncio client cannot serve a listener thread (the store with a synchronous
    face lends its twin's client instead)."""
    return None
