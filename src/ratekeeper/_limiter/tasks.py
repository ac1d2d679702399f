"""The asyncio limiter: ``await acquire(...)`` suspends the task until the cost is admitted.

The waiting itself is written once (``_async/waiting.py``), as is the rest of the limiter
(``_async/limiter.py``). What is asyncio's own is here: no lock (one task runs at a time on
the loop; the guard is a no-op), a future per sleeping waiter and one timer for the head of a
queue, freed room from other threads posted to the loop, and moving a booking or giving a
slot back in ways that survive cancellation. The thread twin is ``threads.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence

from .._algorithms import Decision
from .._clock import Clock
from ..stores import Item, StoreSpec
from ._async.limiter import AsyncGrant
from ._async.waiting import AsyncWaiting
from ._core import _STAY, DONE, LimitsArg, _Queue, _Waiter

__all__ = ["AsyncGrant", "AsyncLimiter"]

log = logging.getLogger("ratekeeper")


class AsyncLimiter(AsyncWaiting):
    """The asyncio limiter: ``await acquire(...)`` suspends the task until admitted.

    Use one AsyncLimiter per event loop. Waiting tasks hold no timers; the head of each queue
    holds one.
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
        self._guard = contextlib.nullcontext()
        # an in-process store never blocks the loop: book in it at once (it takes its own lock)
        self._take_here = None
        self._reserve_here = self._store.reserve if self._local else None
        self._background: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop its waiters sleep on

    def _on_freed(self, freed: Iterable[tuple[str, str | None]]) -> None:
        loop = self._loop
        if loop is None or not self._queues:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            for w in self._mark_freed(freed):
                w.wake()
        elif not loop.is_closed():
            keys = list(freed)
            loop.call_soon_threadsafe(self._on_freed_here, keys)

    def _on_freed_here(self, freed: list[tuple[str, str | None]]) -> None:
        for w in self._mark_freed(freed):
            w.wake()

    # -- the primitives of the waiting (_async/waiting.py) -------------------------------

    def _new_waiter(self, priority: int, items: tuple[Item, ...]) -> _Waiter:
        return _Waiter(priority, next(self._seq), items)

    def _begin_wait(self) -> None:
        self._loop = asyncio.get_running_loop()

    def _arm(self, w: _Waiter) -> None:
        pass  # nothing runs between the guard and the sleep: no wake can come in between

    async def _sleep_until(self, w: _Waiter, until: float | None) -> None:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        w.fut = fut
        handle = self._clock.call_at(loop, until, w.wake) if until is not None else None
        try:
            await fut
        finally:
            w.fut = None
            if handle is not None:
                handle.cancel()

    async def _amove_earlier(
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
        Cancelled while the store moves it, the booking is given back wherever it landed.
        ``due``: see :meth:`Limiter._move_earlier`."""
        task = asyncio.ensure_future(self._ops.rebook(items, priority, old.placed, due))
        try:
            d = await asyncio.shield(task)
        except Exception as exc:  # moving is an improvement: the booking held stands
            log.debug("booking not moved earlier: %s", exc)
            d = _STAY
        except BaseException:
            # cancelled while the store moves the booking: leave the queue now (handing the
            # turn on) and give the booking back wherever the store leaves it
            w.busy = False
            if w.state != DONE:
                self._leave(qkey, q, w)
                w.state = DONE

            def give_back(t: asyncio.Future[Decision]) -> None:
                moved = None if t.cancelled() or t.exception() is not None else t.result()
                final = moved if moved is not None and moved.granted else old
                self._spawn_refund(items, final.placed)

            task.add_done_callback(give_back)
            raise
        aside = self._moved(q, w, d, self._clock.now(), due)
        if aside is not None:  # a higher priority queued meanwhile: give back where we ended up
            self._spawn_refund(items, aside.placed)

    def _give_back_leaving(self, items: Sequence[Item], placed: Sequence[float]) -> None:
        self._spawn_refund(items, placed)  # without awaiting: the task may be being cancelled

    def _spawn_refund(self, items: Sequence[Item], placed: Sequence[float]) -> None:
        """Give a slot back without awaiting (from a callback, or while being cancelled)."""
        if self._ops.inline:
            self._store.refund(items, placed)
            self._freed_by_me(items)
            return
        task = asyncio.get_running_loop().create_task(self._give_back(items, placed))
        self._background.add(task)
        task.add_done_callback(self._background.discard)
