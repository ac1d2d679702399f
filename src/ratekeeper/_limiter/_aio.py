"""The asyncio limiter's way to its store (the twin of ``_io.py``): the store's own asyncio
face where it has one (the async Redis store), inline for an in-process store (``local``: it
never blocks on I/O), any other in a worker thread (SQLite, the synchronous Redis store), so
the event loop never waits on I/O. What the store can do is read from its protocol once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from .._algorithms import Decision
from .._limits import Limit, Observation
from ..stores._protocol import (
    AsyncBudgetStore,
    AsyncDeferring,
    AsyncEstimating,
    AsyncRebooking,
    BudgetStore,
    Deferring,
    Estimating,
    Item,
    KeySnapshot,
    Rebooking,
)

__all__ = ["AsyncStoreOps"]


class AsyncStoreOps:
    """The store operations of an :class:`~ratekeeper.AsyncLimiter`."""

    __slots__ = (
        "_adeferring",
        "_aestimating",
        "_arebooking",
        "_astore",
        "_deferring",
        "_estimating",
        "_rebooking",
        "_store",
        "inline",
    )

    def __init__(self, store: BudgetStore) -> None:
        self._store = store
        self._astore = store if isinstance(store, AsyncBudgetStore) else None
        self.inline = self._astore is None and bool(store.local)
        """The store is called on the event loop itself: it never blocks (memory)."""
        self._estimating = store if isinstance(store, Estimating) else None
        self._aestimating = store if self._astore is not None and isinstance(store, AsyncEstimating) else None
        self._rebooking = store if isinstance(store, Rebooking) else None
        self._arebooking = store if self._astore is not None and isinstance(store, AsyncRebooking) else None
        self._deferring = store if isinstance(store, Deferring) else None
        self._adeferring = store if self._astore is not None and isinstance(store, AsyncDeferring) else None

    async def reserve(
        self, items: Sequence[Item], priority: int, max_wait: float | None, again: bool = False
    ) -> Decision:
        """``again``: the store deferred this request before (its fair share): not again."""
        if again:
            if self._adeferring is not None:
                return await self._adeferring.areserve_again(items, priority, max_wait)
            sync = self._deferring
            if self._astore is None and sync is not None:
                if self.inline:
                    return sync.reserve_again(items, priority, max_wait)
                return await asyncio.to_thread(sync.reserve_again, items, priority, max_wait)
        if self._astore is not None:
            return await self._astore.areserve(items, priority, max_wait)
        if self.inline:
            return self._store.reserve(items, priority, max_wait)
        return await asyncio.to_thread(self._store.reserve, items, priority, max_wait)

    async def estimate(self, items: Sequence[Item], priority: int) -> Decision:
        """The earliest start of ``items``, booking nothing (a store without ``estimate``
        is asked to reserve with a negative wait, which books nothing either)."""
        if self._aestimating is not None:
            return await self._aestimating.aestimate(items, priority)
        if self._astore is not None:
            return await self._astore.areserve(items, priority, -1.0)
        est = self._estimating
        if est is not None:
            return (
                est.estimate(items, priority) if self.inline else await asyncio.to_thread(est.estimate, items, priority)
            )
        return await self.reserve(items, priority, -1.0)

    async def refund(self, items: Sequence[Item], placed: Sequence[float]) -> None:
        if self._astore is not None:
            await self._astore.arefund(items, placed)
        elif self.inline:
            self._store.refund(items, placed)
        else:
            await asyncio.to_thread(self._store.refund, items, placed)

    async def rebook(
        self, items: Sequence[Item], priority: int, placed: Sequence[float], later: bool = False
    ) -> Decision:
        """Move a booking earlier (only called for a store that can: ``Limiter._rebooks``)."""
        if self._arebooking is not None:
            return await self._arebooking.arebook(items, priority, placed, later)
        store = self._rebooking
        assert store is not None
        if self.inline:
            return store.rebook(items, priority, placed, later)
        return await asyncio.to_thread(store.rebook, items, priority, placed, later)

    async def observe_all(self, items: Sequence[tuple[Limit, str | None, Observation]]) -> None:
        if self._astore is not None:
            for limit, sc, obs in items:
                await self._astore.aobserve(limit, sc, obs)
        elif self.inline:
            self._observe_all(items)
        elif items:
            await asyncio.to_thread(self._observe_all, items)

    def _observe_all(self, items: Sequence[tuple[Limit, str | None, Observation]]) -> None:
        for limit, sc, obs in items:
            self._store.observe(limit, sc, obs)

    async def snapshot(self, limits: Sequence[Limit]) -> list[KeySnapshot]:
        if self._astore is not None:
            return await self._astore.asnapshot(limits)
        if self.inline:
            return self._store.snapshot(limits)
        return await asyncio.to_thread(self._store.snapshot, limits)

    async def aclose(self) -> None:
        if self._astore is not None:
            await self._astore.aclose()
        elif self.inline:
            self._store.close()
        else:
            await asyncio.to_thread(self._store.close)
