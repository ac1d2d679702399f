"""The limiters' waiting, written once: ``acquire`` past the fast path (``_acquire``) and the
loop of a queued request (``_wait``). This asyncio source is the original; ``_sync/waiting.py``
is its twin, written by ``scripts/unasync.py``.

What differs between the worlds stays in ``tasks.py`` (asyncio) and ``threads.py`` (threads)
as a few small methods and attributes declared here:

* ``_guard``: state reads and transitions happen under ``with self._guard:``, the queue lock
  for threads, a no-op on the event loop (one task runs at a time);
* ``_arm`` (inside the guard) and ``_sleep_until`` (outside it): threads clear the waiter's
  event under the lock, so a wake between releasing it and sleeping is not lost, then wait on
  the event; asyncio arms nothing and awaits a future, with a timer for the deadline;
* ``_take_here`` / ``_reserve_here``: the in-process store's booking, called under the
  guard (threads: under the store's lock, which is the guard, taking now first if it fits;
  asyncio: the store's ``reserve``, which takes its lock itself);
* ``_amove_earlier``: moving a booking earlier (asyncio shields the store call from
  cancellation and gives back wherever the booking lands);
* ``_give_back_leaving``: giving a slot back on an exception exit (threads block on the
  store; asyncio spawns the refund, never awaiting: the task may be being cancelled);
* ``_new_waiter`` (threads give each waiter an event) and ``_begin_wait`` (asyncio remembers the
  loop its waiters sleep on).

The loop reads a waiter's state once per turn under the guard and acts on that reading, so
both worlds go through the same steps in the same order (the threaded order, which reads the
state under the lock before anything else; the asyncio loop used to test ``TURN`` first, on
the same single reading, which is the same thing).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from ..._algorithms import Decision
from ..._limits import Cost, ScopeArg
from ...stores import Item
from .._core import _EMPTY, DISPLACED, DONE, QUEUED, RESERVED, TURN, _Queue, _Waiter
from .limiter import AsyncGrant, AsyncLimiterBase

__all__ = ["AsyncWaiting"]


class AsyncWaiting(AsyncLimiterBase):
    """The waiting of a limiter; its world's primitives are its subclass's."""

    _reserve_here: Callable[[Sequence[Item], int, float | None], Decision] | None
    """The in-process store's booking, called under the guard when nobody waits for the
    budgets (threads: ``reserve_locked`` of a local store, whose lock is the guard; asyncio:
    ``reserve`` of any in-process store, which takes its lock itself); None: book in the
    queue's way."""

    _take_here: Callable[[Sequence[Item], int], float | None] | None
    """Tried before :attr:`_reserve_here`: admit now if it fits now, the time booked at or
    None (threads: the local store's ``take_many_locked``; asyncio: None, no such step)."""

    async def _acquire(self, cost: Cost, timeout: float | None, priority: int, scope: ScopeArg) -> AsyncGrant:
        """``acquire`` past the fast path: the full validation, the store, the queue."""
        items = self._prepare(cost, scope, priority)
        if timeout is not None and (not isinstance(timeout, (int, float)) or math.isnan(timeout) or timeout < 0):
            raise ValueError(f"timeout must be None or a number >= 0, got {timeout!r}")
        if not items:
            return AsyncGrant(self, _EMPTY, (), 0.0)
        clock = self._clock
        qkey = ((items[0][0].name, items[0][1]),) if len(items) == 1 else self._qkey(items)
        reserve_here = self._reserve_here
        if reserve_here is not None:
            waiter = None
            with self._guard:
                if not self._queues or qkey not in self._queues:
                    take_here = self._take_here
                    if take_here is not None:
                        at = take_here(items, priority)
                        if at is not None:
                            return AsyncGrant(self, items, (at,) * len(items), 0.0)
                    d = reserve_here(items, priority, timeout)
                    if d.granted and d.start <= d.now:
                        return AsyncGrant(self, items, d.placed, 0.0)
                    if not d.granted:
                        raise self._limited(d, items)
                    q = self._new_queue(qkey)
                    waiter = w = self._new_waiter(priority, items)
                    w.state = RESERVED
                    w.decision = d
                    w.wake_at = clock.now() + (d.start - d.now)
                    q.holder = w
            if waiter is not None:
                return await self._wait(items, qkey, q, waiter, priority, timeout, clock.now())
        started = clock.now()
        with self._guard:
            backfill = self._may_backfill(self._queues.get(qkey), priority)
        if backfill:
            d = await self._ops.reserve(items, priority, 0.0)
            if d.granted:
                return AsyncGrant(self, items, d.placed, clock.now() - started)
        with self._guard:
            existing = self._queues.get(qkey)
            w = self._new_waiter(priority, items)
            displaced = None
            if existing is None:
                q = self._new_queue(qkey)
                q.holder = w
                w.state = TURN
            else:
                q = existing
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
        """The loop of a queued request: book at its turn, sleep until its slot (moving the
        booking earlier when room is freed), give up at its deadline."""
        clock = self._clock
        guard = self._guard
        self._begin_wait()
        deadline = None if timeout is None else started + timeout
        try:
            while True:
                refund: Decision | None = None
                moving: Decision | None = None
                with guard:
                    state = w.state
                    if state == DISPLACED:
                        w.state = state = QUEUED
                    recheck = False
                    if state == RESERVED:
                        now = clock.now()
                        if now >= w.wake_at and (not self._rebooks or w.checked == w.wake_at):
                            d = w.decision
                            assert d is not None
                            self._handoff(qkey, q)
                            w.state = DONE
                            return AsyncGrant(self, items, d.placed, now - started, now - w.wake_at)
                        if now >= w.wake_at or (w.replan and self._rebooks):
                            recheck = now >= w.wake_at
                            w.replan = False
                            w.busy = True
                            moving = w.decision
                        self._arm(w)
                        until: float | None = w.wake_at
                    elif state == QUEUED:
                        if deadline is not None and clock.now() >= deadline:
                            self._leave(qkey, q, w)
                            w.state = state = DONE
                        else:
                            self._arm(w)
                            until = deadline
                    elif state == TURN and w.retry_at > -math.inf:
                        # deferred by the store: this process was over its fair share of a
                        # busy budget; the turn resumes at the next period (nothing is booked)
                        if clock.now() >= w.retry_at:
                            w.retry_at = -math.inf
                        else:
                            self._arm(w)
                            until = w.retry_at
                            state = QUEUED  # (sleep below, then read the state again)
                if state == DONE:
                    raise await self._refusal(items, priority)  # outside the guard: it asks the store
                if moving is not None:
                    await self._amove_earlier(items, qkey, q, w, priority, moving, recheck)
                    continue
                if state == TURN:
                    left = None if deadline is None else max(0.0, deadline - clock.now())
                    d = await self._ops.reserve(items, priority, left, w.deferred)
                    with guard:
                        if d.deferred:
                            # over its fair share: nothing booked; ask again at the next period
                            # (never deferred twice), after a higher priority if one queued
                            w.decision = None
                            w.deferred = True
                            if self._outranked(q, w):
                                self._step_aside(q, w)
                            else:
                                w.retry_at = clock.now() + (d.start - d.now)
                            continue
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
                            # a higher priority arrived while we were booking: step aside
                            self._step_aside(q, w)
                            refund = d
                    if refund is not None:
                        await self._give_back(items, refund.placed)
                    continue
                await self._sleep_until(w, until)
        except BaseException:
            if w.state != DONE:
                with guard:
                    refund = self._leave(qkey, q, w)
                    w.state = DONE
                if refund is not None:
                    self._give_back_leaving(items, refund.placed)
            raise

    # -- each world's primitives (tasks.py, threads.py) ----------------------------------

    def _new_waiter(self, priority: int, items: tuple[Item, ...]) -> _Waiter:
        """A waiter of this world (under the guard)."""
        raise NotImplementedError

    def _begin_wait(self) -> None:
        """A request starts waiting (asyncio: remember the loop its waiters sleep on)."""
        raise NotImplementedError

    def _arm(self, w: _Waiter) -> None:
        """Under the guard, before sleeping: make sure a wake from now on is not lost."""
        raise NotImplementedError

    async def _sleep_until(self, w: _Waiter, until: float | None) -> None:
        """Outside the guard: sleep until ``w`` is woken or ``until`` (clock time) comes."""
        raise NotImplementedError

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
        """Room was freed: give back the booking and take an earlier one, in one store step
        (``w.busy`` is set; this clears it). ``due``: the slot has come; check it against the
        bookings moved since it was made, booking the earliest start from now instead."""
        raise NotImplementedError

    def _give_back_leaving(self, items: Sequence[Item], placed: Sequence[float]) -> None:
        """Give a slot back as a waiter leaves on an exception (cancellation, interrupt)."""
        raise NotImplementedError
