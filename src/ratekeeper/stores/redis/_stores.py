"""The two public stores: :class:`RedisStore` (generated from the asyncio source), and
:class:`AsyncRedisStore`, that source with a synchronous face."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ... import _algorithms as algo
from ..._limits import Limit, Observation
from .._base import Item, KeySnapshot, LeaseResult, WallClock
from ._async.store import AsyncRedisStore as _AsyncStore
from ._io import thread_client
from ._sync.store import RedisStore
from ._url import DEFAULT_PREFIX, Client

__all__ = ["AsyncRedisStore", "RedisStore"]


class AsyncRedisStore(_AsyncStore):
    """The asyncio twin of :class:`RedisStore`: a ``redis.asyncio`` client, the same scripts.

    It implements the async store methods :class:`~ratekeeper.AsyncLimiter` uses. Its
    synchronous methods (a ``Limiter``, synchronous code) work when it was built with
    :meth:`from_url`: they go through a synchronous client to the same server.
    """

    def __init__(
        self,
        client: Client,
        *,
        prefix: str = DEFAULT_PREFIX,
        clock: WallClock | None = None,
        fallback: float | None = None,
        retry_interval: float = 1.0,
        owns_client: bool = False,
        where: str | None = None,
    ) -> None:
        super().__init__(
            client,
            prefix=prefix,
            clock=clock,
            fallback=fallback,
            retry_interval=retry_interval,
            owns_client=owns_client,
            where=where,
        )
        self._sync_args: tuple[str, dict[str, Any]] | None = None
        self._sync: RedisStore | None = None

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        prefix: str | None = None,
        clock: WallClock | None = None,
        fallback: float | None = None,
        retry_interval: float | None = None,
        cluster: bool | None = None,
        **redis_kwargs: Any,
    ) -> AsyncRedisStore:
        """See :meth:`RedisStore.from_url`."""
        store = super().from_url(
            url,
            prefix=prefix,
            clock=clock,
            fallback=fallback,
            retry_interval=retry_interval,
            cluster=cluster,
            **redis_kwargs,
        )
        store._sync_args = (url, dict(redis_kwargs, cluster=cluster))
        return store

    def _pubsub_client(self) -> Client | None:
        # pub/sub runs on a thread with a synchronous client: the one of the synchronous twin
        if self._sync_args is None:
            return None
        return thread_client(self._twin().client)

    async def aclose(self) -> None:
        await super().aclose()
        self.close()

    # -- the synchronous face -------------------------------------------------------------

    def _twin(self) -> RedisStore:
        if self._sync is None:
            if self._sync_args is None:
                raise TypeError(
                    "this AsyncRedisStore wraps an asyncio client: use it with AsyncLimiter, or build it "
                    "with AsyncRedisStore.from_url(...) to use it from synchronous code too"
                )
            url, kwargs = self._sync_args
            self._sync = RedisStore.from_url(
                url,
                prefix=self.prefix,
                clock=self._clock,
                fallback=self._fraction,
                retry_interval=self._retry_interval,
                **kwargs,
            )
            self._sync._origin = self._origin  # one store: its own announcements are not news
        return self._sync

    def reserve(self, items: Sequence[Item], priority: int, max_wait: float | None) -> algo.Decision:
        return self._twin().reserve(items, priority, max_wait)

    def reserve_again(self, items: Sequence[Item], priority: int, max_wait: float | None) -> algo.Decision:
        """See :meth:`RedisStore.reserve_again`."""
        return self._twin().reserve_again(items, priority, max_wait)

    def estimate(self, items: Sequence[Item], priority: int) -> algo.Decision:
        """See :meth:`RedisStore.estimate`."""
        return self._twin().estimate(items, priority)

    def known_limits(self) -> list[Limit]:
        return self._twin().known_limits()

    def refund(self, items: Sequence[Item], placed: Sequence[float]) -> None:
        self._twin().refund(items, placed)
        self._freed_here(items)

    def rebook(
        self, items: Sequence[Item], priority: int, placed: Sequence[float], later: bool = False
    ) -> algo.Decision:
        return self._twin().rebook(items, priority, placed, later)

    def observe(self, limit: Limit, scope: str | None, observation: Observation) -> None:
        self._twin().observe(limit, scope, observation)

    def snapshot(self, limits: Sequence[Limit]) -> list[KeySnapshot]:
        return self._twin().snapshot(limits)

    def lease(
        self, limit: Limit, scope: str | None, holder: str, units: float, ttl: float | None = None
    ) -> LeaseResult:
        """See :meth:`RedisStore.lease` (through the synchronous twin, as ``reserve``)."""
        return self._twin().lease(limit, scope, holder, units, ttl)

    def leases(self, limit: Limit, scope: str | None) -> dict[str, tuple[float, float]]:
        """See :meth:`RedisStore.leases`."""
        return self._twin().leases(limit, scope)

    def close(self) -> None:
        self._stop_listening()
        if self._sync is not None:
            self._sync.close()
            self._sync = None
