"""The thread limiter: ``acquire`` blocks the calling thread until the cost is admitted.

The waiting itself is written once (``_async/waiting.py``, generated into
``_sync/waiting.py``), as is the rest of the limiter (``_async/limiter.py``). What is the
threads' own is here: a lock guarding the queues (the in-process store's lock, when there is
one: one lock per acquire), one ``threading.Event`` per waiter (cleared under the lock before
sleeping, so no wake is lost), booking under the store's lock, moving a booking earlier and
giving a slot back by blocking on the store. The asyncio twin is ``tasks.py``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence

from .._algorithms import Decision
from .._clock import Clock
from ..stores import Item, StoreSpec
from ._core import _STAY, LimitsArg, _Queue, _Waiter
from ._sync.limiter import Grant
from ._sync.waiting import Waiting

__all__ = ["Grant", "Limiter"]

log = logging.getLogger("ratekeeper")


class Limiter(Waiting):
    """A thread-safe limiter: ``acquire`` blocks the calling thread until the cost is admitted.

    ``limits`` is an iterable or mapping of :class:`Limit`, or a venue. ``store`` is a store
    URL or object (``"memory://"`` by default). ``default_limit`` names the limit that costs
    naming an unknown limit are charged to (otherwise an unknown name is an error).
    """

    def __init__(
        self,
        limits: LimitsArg,
        *,
        store: StoreSpec = "memory://",
        clock: Clock | None = None,
        default_limit: str | None = None,
        margin: float = 0.0,
    ) -> None:
        super().__init__(limits, store=store, clock=clock, default_limit=default_limit, margin=margin)
        # with an in-process store, its lock guards our queues too: one lock per acquire
        local = self._local_store
        self._lock = local.lock if local is not None else threading.Lock()
        self._guard = self._lock
        # booking in the store under its lock (the guard) when nobody waits: take now if it fits
        self._take_here = local.take_many_locked if local is not None else None
        self._reserve_here = local.reserve_locked if local is not None else None

    def _on_freed(self, freed: Iterable[tuple[str, str | None]]) -> None:
        if not self._queues:
            return
        with self._lock:
            woken = self._mark_freed(freed)
        for w in woken:
            w.wake()

    # -- the primitives of the waiting (_sync/waiting.py) --------------------------------

    def _new_waiter(self, priority: int, items: tuple[Item, ...]) -> _Waiter:
        w = _Waiter(priority, next(self._seq), items)
        w.event = threading.Event()
        return w

    def _begin_wait(self) -> None:
        pass

    def _arm(self, w: _Waiter) -> None:
        event = w.event
        assert event is not None
        event.clear()

    def _sleep_until(self, w: _Waiter, until: float | None) -> None:
        event = w.event
        assert event is not None
        self._clock.wait(event, until)

    def _move_earlier(
        self,
        items: tuple[Item, ...],
        qkey: tuple[tuple[str, str | None], ...],
        q: _Queue,
        w: _Waiter,
        priority: int,
        old: Decision,
        due: bool = False,
    ) -> None:
        """Room was freed: give back the booking and take an earlier one, in one store step.
        ``due``: the slot has come; check it against the bookings moved since it was made
        (bookings move to their answers), booking the earliest start from now instead."""
        try:
            d = self._ops.rebook(items, priority, old.placed, due)
        except Exception as exc:  # moving is an improvement: the booking held stands
            log.debug("booking not moved earlier: %s", exc)
            d = _STAY
        except BaseException:
            with self._lock:
                w.busy = False
            raise
        now = self._clock.now()
        with self._lock:
            aside = self._moved(q, w, d, now, due)
        if aside is not None:  # a higher priority queued meanwhile: give back where we ended up
            self._give_back(items, aside.placed)

    def _give_back_leaving(self, items: Sequence[Item], placed: Sequence[float]) -> None:
        self._give_back(items, placed)

    def __enter__(self) -> Limiter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
