"""The thread limiter: ``acquire`` blocks the calling thread until the cost is admitted.

Waiting here is a lock and one ``threading.Event`` per waiter (the head of a queue sleeps on
its own until its slot); the asyncio twin (``tasks.py``) waits on futures instead. All the
rest of the limiter is written once (``_async/limiter.py``, generated into ``_sync/``).
"""

from __future__ import annotations

import heapq
import logging
import math
import threading
from collections.abc import Iterable

from .._algorithms import Decision
from .._clock import Clock
from .._limits import Cost, ScopeArg
from ..stores import Item, StoreSpec
from ._core import _EMPTY, _STAY, DISPLACED, DONE, QUEUED, RESERVED, TURN, LimitsArg, _Queue, _Waiter
from ._sync.limiter import Grant, LimiterBase

__all__ = ["Grant", "Limiter"]

log = logging.getLogger("ratekeeper")


class Limiter(LimiterBase):
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

    def _on_freed(self, freed: Iterable[tuple[str, str | None]]) -> None:
        if not self._queues:
            return
        with self._lock:
            woken = self._mark_freed(freed)
        for w in woken:
            w.wake()

    def _acquire(self, cost: Cost, timeout: float | None, priority: int, scope: ScopeArg) -> Grant:
        """``acquire`` past the fast path: the full validation, the store, the queue."""
        items = self._prepare(cost, scope, priority)
        if timeout is not None and (not isinstance(timeout, (int, float)) or math.isnan(timeout) or timeout < 0):
            raise ValueError(f"timeout must be None or a number >= 0, got {timeout!r}")
        if not items:
            return Grant(self, _EMPTY, (), 0.0)
        clock = self._clock
        qkey = ((items[0][0].name, items[0][1]),) if len(items) == 1 else self._qkey(items)
        local = self._local_store
        if local is not None:
            with self._lock:
                if not self._queues or qkey not in self._queues:
                    at = local.take_many_locked(items, priority)
                    if at is not None:
                        return Grant(self, items, (at,) * len(items), 0.0)
                    d = local.reserve_locked(items, priority, timeout)
                    if d.granted and d.start <= d.now:
                        return Grant(self, items, d.placed, 0.0)
                    if not d.granted:
                        raise self._limited(d, items)
                    q = self._new_queue(qkey)
                    w = _Waiter(priority, next(self._seq), items)
                    w.event = threading.Event()
                    w.state = RESERVED
                    w.decision = d
                    w.wake_at = clock.now() + (d.start - d.now)
                    q.holder = w
                    reserved = True
                else:
                    reserved = False
            if reserved:
                return self._wait(items, qkey, q, w, priority, timeout, clock.now())
        started = clock.now()
        with self._lock:
            backfill = self._may_backfill(self._queues.get(qkey), priority)
        if backfill:
            d = self._ops.reserve(items, priority, 0.0)
            if d.granted:
                return Grant(self, items, d.placed, clock.now() - started)
        with self._lock:
            existing = self._queues.get(qkey)
            w = _Waiter(priority, next(self._seq), items)
            w.event = threading.Event()
            displaced = None
            if existing is None:
                q = self._new_queue(qkey)
                q.holder = w
                w.state = TURN
            else:
                q = existing
                displaced = self._enqueue(q, w)
        if displaced is not None:
            self._give_back(displaced[0], displaced[1].placed)
        return self._wait(items, qkey, q, w, priority, timeout, started)

    def _wait(
        self,
        items: tuple[Item, ...],
        qkey: tuple[tuple[str, str | None], ...],
        q: _Queue,
        w: _Waiter,
        priority: int,
        timeout: float | None,
        started: float,
    ) -> Grant:
        clock = self._clock
        lock = self._lock
        event = w.event
        assert event is not None
        deadline = None if timeout is None else started + timeout
        try:
            while True:
                refund: Decision | None = None
                moving: Decision | None = None
                with lock:
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
                            return Grant(self, items, d.placed, now - started, now - w.wake_at)
                        if now >= w.wake_at or (w.replan and self._rebooks):
                            recheck = now >= w.wake_at
                            w.replan = False
                            w.busy = True
                            moving = w.decision
                        event.clear()
                        until: float | None = w.wake_at
                    elif state == QUEUED:
                        if deadline is not None and clock.now() >= deadline:
                            self._leave(qkey, q, w)
                            w.state = state = DONE
                        else:
                            event.clear()
                            until = deadline
                if state == DONE:
                    raise self._refusal(items, priority)  # outside the lock: it asks the store
                if moving is not None:
                    self._move_earlier(items, q, w, priority, moving, recheck)
                    continue
                if state == TURN:
                    left = None if deadline is None else max(0.0, deadline - clock.now())
                    d = self._ops.reserve(items, priority, left)
                    with lock:
                        if not d.granted:
                            self._handoff(qkey, q)
                            w.state = DONE
                            raise self._limited(d, items)
                        if d.start <= d.now:
                            self._handoff(qkey, q)
                            w.state = DONE
                            return Grant(self, items, d.placed, clock.now() - started)
                        w.state = RESERVED
                        w.decision = d
                        w.wake_at = clock.now() + (d.start - d.now)
                        if self._outranked(q, w):
                            # a higher priority arrived while we were booking: step aside
                            w.state = DISPLACED
                            heapq.heappush(q.heap, w)
                            self._promote(q)
                            refund = d
                    if refund is not None:
                        self._give_back(items, refund.placed)
                    continue
                clock.wait(event, until)
        except BaseException:
            if w.state != DONE:
                with lock:
                    refund = self._leave(qkey, q, w)
                if refund is not None:
                    self._give_back(items, refund.placed)
            raise

    def _move_earlier(
        self, items: tuple[Item, ...], q: _Queue, w: _Waiter, priority: int, old: Decision, due: bool = False
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

    def __enter__(self) -> Limiter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
