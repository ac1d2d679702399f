"""The thread limiter's way to its store (the twin of ``_aio.py``): every operation is the
store's own, called in the calling thread. What the store can do is read from its protocol
once."""

from __future__ import annotations

from collections.abc import Sequence

from .._algorithms import Decision
from .._limits import Limit, Observation
from ..stores._protocol import BudgetStore, Deferring, Estimating, Item, KeySnapshot, Rebooking

__all__ = ["StoreOps"]


class StoreOps:
    """The store operations of a :class:`~ratekeeper.Limiter`."""

    __slots__ = ("_deferring", "_estimating", "_rebooking", "_store")

    def __init__(self, store: BudgetStore) -> None:
        self._store = store
        self._estimating = store if isinstance(store, Estimating) else None
        self._rebooking = store if isinstance(store, Rebooking) else None
        self._deferring = store if isinstance(store, Deferring) else None

    def reserve(self, items: Sequence[Item], priority: int, max_wait: float | None, again: bool = False) -> Decision:
        """``again``: the store deferred this request before (its fair share): not again."""
        if again and self._deferring is not None:
            return self._deferring.reserve_again(items, priority, max_wait)
        return self._store.reserve(items, priority, max_wait)

    def refund(self, items: Sequence[Item], placed: Sequence[float]) -> None:
        self._store.refund(items, placed)

    def snapshot(self, limits: Sequence[Limit]) -> list[KeySnapshot]:
        return self._store.snapshot(limits)

    def estimate(self, items: Sequence[Item], priority: int) -> Decision:
        """The earliest start of ``items``, booking nothing (a store without ``estimate``
        is asked to reserve with a negative wait, which books nothing either)."""
        if self._estimating is not None:
            return self._estimating.estimate(items, priority)
        return self._store.reserve(items, priority, -1.0)

    def rebook(self, items: Sequence[Item], priority: int, placed: Sequence[float], later: bool = False) -> Decision:
        """Move a booking earlier (only called for a store that can: ``Limiter._rebooks``)."""
        store = self._rebooking
        assert store is not None
        return store.rebook(items, priority, placed, later)

    def observe_all(self, items: Sequence[tuple[Limit, str | None, Observation]]) -> None:
        for limit, sc, obs in items:
            self._store.observe(limit, sc, obs)

    def close(self) -> None:
        self._store.close()
