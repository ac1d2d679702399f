"""The asyncio limiter: ``await acquire(...)`` suspends the task until the cost is admitted.

Waiting here is futures on the event loop (the head of a queue holds the one timer); the
thread twin (``threads.py``) waits on a lock and events instead. All the rest of the
limiter is written once (``_async/limiter.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import math
from collections.abc import Iterable, Sequence

from .._algorithms import Decision
from .._clock import Clock
from .._limits import Cost, ScopeArg
from ..stores import Item, StoreSpec
from ._async.limiter import AsyncGrant, AsyncLimiterBase
from ._core import _EMPTY, _STAY, DISPLACED, DONE, QUEUED, RESERVED, TURN, LimitsArg, _Queue, _Waiter

__all__ = ["AsyncGrant", "AsyncLimiter"]

log = logging.getLogger("ratekeeper")


class AsyncLimiter(AsyncLimiterBase):
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
        self._background: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop its waiters sleep on

    async def _areserve(self, items: Sequence[Item], priority: int, max_wait: float | None) -> Decision:
        """The store's ``reserve`` the asyncio way (kept for callers from before
        :meth:`_estimate_items`; ``max_wait < 0`` books nothing)."""
        return await self._ops.reserve(items, priority, max_wait)

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

    async def _acquire(self, cost: Cost, timeout: float | None, priority: int, scope: ScopeArg) -> AsyncGrant:
        """``acquire`` past the fast path: the full validation, the store, the queue."""
        items = self._prepare(cost, scope, priority)
        if not items:
            return AsyncGrant(self, _EMPTY, (), 0.0)
        if timeout is not None and (not isinstance(timeout, (int, float)) or math.isnan(timeout) or timeout < 0):
            raise ValueError(f"timeout must be None or a number >= 0, got {timeout!r}")
        qkey = self._qkey(items)
        if self._local and qkey not in self._queues:
            d = self._store.reserve(items, priority, timeout)
            if d.granted and d.start <= d.now:
                return AsyncGrant(self, items, d.placed, 0.0)
            if not d.granted:
                raise self._limited(d, items)
            q = self._new_queue(qkey)
            w = _Waiter(priority, next(self._seq), items)
            w.state = RESERVED
            w.decision = d
            w.wake_at = self._clock.now() + (d.start - d.now)
            q.holder = w
            return await self._wait(items, qkey, q, w, priority, timeout, self._clock.now())
        started = self._clock.now()
        if self._may_backfill(self._queues.get(qkey), priority):
            d = await self._ops.reserve(items, priority, 0.0)
            if d.granted:
                return AsyncGrant(self, items, d.placed, self._clock.now() - started)
        q_opt = self._queues.get(qkey)
        w = _Waiter(priority, next(self._seq), items)
        displaced = None
        if q_opt is None:
            q = self._new_queue(qkey)
            q.holder = w
            w.state = TURN
        else:
            q = q_opt
            displaced = self._enqueue(q, w)
        if displaced is not None:
            await self._give_back(displaced[0], displaced[1].placed)
        return await self._wait(items, qkey, q, w, priority, timeout, started)

    async def _wait(
        self,
        items: tuple[Item, ...],
        qkey: tuple[tuple[str, str | None], ...],
        q: _Queue,
        w: _Waiter,
        priority: int,
        timeout: float | None,
        started: float,
    ) -> AsyncGrant:
        clock = self._clock
        loop = self._loop = asyncio.get_running_loop()
        deadline = None if timeout is None else started + timeout
        try:
            while True:
                state = w.state
                if state == DISPLACED:
                    w.state = state = QUEUED
                if state == TURN:
                    left = None if deadline is None else max(0.0, deadline - clock.now())
                    d = await self._ops.reserve(items, priority, left)
                    if not d.granted:
                        self._handoff(qkey, q)
                        w.state = DONE
                        raise self._limited(d, items)
                    if d.start <= d.now:
                        self._handoff(qkey, q)
                        w.state = DONE
                        return AsyncGrant(self, items, d.placed, clock.now() - started)
                    w.state = RESERVED
                    w.decision = d
                    w.wake_at = clock.now() + (d.start - d.now)
                    if self._outranked(q, w):
                        w.state = DISPLACED
                        heapq.heappush(q.heap, w)
                        self._promote(q)
                        await self._give_back(items, d.placed)
                    continue
                if state == RESERVED:
                    now = clock.now()
                    if now >= w.wake_at and (not self._rebooks or w.checked == w.wake_at):
                        d_opt = w.decision
                        assert d_opt is not None
                        self._handoff(qkey, q)
                        w.state = DONE
                        return AsyncGrant(self, items, d_opt.placed, now - started, now - w.wake_at)
                    if now >= w.wake_at or (w.replan and self._rebooks):
                        due = now >= w.wake_at
                        w.replan = False
                        assert w.decision is not None
                        await self._amove_earlier(items, qkey, q, w, priority, w.decision, due)
                        continue
                    until: float | None = w.wake_at
                else:  # QUEUED
                    if deadline is not None and clock.now() >= deadline:
                        self._leave(qkey, q, w)
                        w.state = DONE
                        raise await self._refusal(items, priority)
                    until = deadline
                fut: asyncio.Future[None] = loop.create_future()
                w.fut = fut
                handle = clock.call_at(loop, until, w.wake) if until is not None else None
                try:
                    await fut
                finally:
                    w.fut = None
                    if handle is not None:
                        handle.cancel()
        except BaseException:
            if w.state != DONE:
                refund = self._leave(qkey, q, w)
                w.state = DONE
                if refund is not None:
                    self._spawn_refund(items, refund.placed)  # without awaiting: we may be cancelled
            raise

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
        w.busy = True
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

    def _spawn_refund(self, items: tuple[Item, ...], placed: tuple[float, ...]) -> None:
        """Give a slot back without awaiting (from a callback, or while being cancelled)."""
        if self._ops.inline:
            self._store.refund(items, placed)
            self._freed_by_me(items)
            return
        task = asyncio.get_running_loop().create_task(self._give_back(items, placed))
        self._background.add(task)
        task.add_done_callback(self._background.discard)
