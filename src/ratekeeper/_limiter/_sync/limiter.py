# Generated from the _async/ twin by scripts/unasync.py: edit that file, then run the script.
"""The part of the limiters written once: the grant, the fast path, try_acquire, estimate,
observe, statistics, close. This asyncio source is the original; ``_sync/limiter.py`` is its
twin, written by ``scripts/unasync.py``. The waiting (``acquire`` past the fast path) is
``waiting.py`` beside it, written once too; each world's primitives for it live in
``tasks.py`` (asyncio) and ``threads.py`` (threads)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from ..._algorithms import State, take_many
from ..._clock import Clock
from ..._errors import RateLimited
from ..._limits import CHARGE_PRIORITY, Cost, Limit, LimitStatistics, Observation, ScopeArg
from ...stores import Item, LocalStore, StoreSpec
from .._core import _EMPTY, _NUMBERS, LimitsArg, _Core, _split
from .._io import StoreOps

__all__ = ["Grant", "LimiterBase"]

_new = object.__new__


class Grant:
    """The receipt of one acquisition. ``settle`` charges or refunds the difference once the
    real cost is known; ``release`` gives everything back (the request was never sent)."""

    __slots__ = ("_done", "_items", "_limiter", "_placed", "late", "waited")

    def __init__(
        self,
        limiter: LimiterBase,
        items: tuple[Item, ...],
        placed: tuple[float, ...],
        waited: float,
        late: float = 0.0,
    ) -> None:
        self._limiter = limiter
        self._items = items
        self._placed = placed
        self.waited = waited
        self.late = late
        """Seconds between the start of the slot this grant waited for and the moment
        ``acquire`` returned (the waiter's wake-up latency; 0 when admitted at once)."""
        self._done = False

    @property
    def cost(self) -> dict[str, float]:
        """The units this grant charged, by limit name."""
        return {limit.name: amount for limit, _, amount in self._items}

    @property
    def at(self) -> float | None:
        """The store time of the slot this grant was admitted in (None for an empty cost).

        For the memory store that is the limiter clock's ``now()``; for shared stores it is
        the store's clock (wall time or the Redis server's time)."""
        return self._placed[0] if self._placed else None

    def settle(self, actual_cost: Cost, *, answered: bool = False) -> None:
        """Charge what the request really cost: over-estimates are refunded at once (waiters
        move up into the room); an under-estimate is charged at once, over the capacity if
        it must be, because the venue has counted it already: later requests wait for it.
        It never waits and never raises ``RateLimited``: the request already succeeded.

        ``answered=True``: the venue's answer has just arrived, so the venue counted the
        request no later than now. Its sliding-window bookings then move to now (the actual
        cost is booked now, then the booking at the slot is given back): however late the
        request reached the venue, the window it is counted in ends no later than ours.
        This is what the HTTP integrations do; see docs/http.md "Margins"."""
        if self._done:
            raise RuntimeError("this grant was already settled or released")
        self._done = True
        lim = self._limiter
        refunds, charges = _split(lim, self._items, self._placed, actual_cost, answered)
        if charges:  # first: the ledger never holds less than the venue, even for a moment
            lim._ops.reserve(charges, CHARGE_PRIORITY, None)
        if refunds[0]:
            lim._give_back(refunds[0], refunds[1])

    def release(self) -> None:
        """Give back everything this grant charged (the request was not sent)."""
        if self._done:
            return
        self._done = True
        if self._items:
            self._limiter._give_back(self._items, self._placed)


class LimiterBase(_Core):
    """What a limiter does besides waiting (``_acquire`` is :class:`AsyncWaiting`'s)."""

    _guard: AbstractContextManager[Any]
    """Held while statistics count the waiters (the queue lock; nothing on the event loop)."""

    def __init__(
        self,
        limits: LimitsArg,
        *,
        store: StoreSpec = "memory://",
        clock: Clock | None = None,
        default_limit: str | None = None,
        margin: float = 0.0,
    ) -> None:
        super().__init__(limits, store, clock, default_limit, margin)
        self._ops = StoreOps(self._store)
        self._plans: dict[tuple[str, ...], list[State]] = {}
        """The states of several unscoped budgets charged together, by their limit names."""
        self._hot: dict[str | tuple[str, str | None], State] = {}
        """The states of the budgets the fast path used (of a local store), by limit name
        (unscoped) or (limit name, scope value)."""

    def acquire(self, cost: Cost, *, timeout: float | None = None, priority: int = 0, scope: ScopeArg = None) -> Grant:
        """Wait until ``cost`` is admitted and return its Grant.

        Raises ``RateLimited`` (nothing charged) if that would take longer than ``timeout``
        seconds, ``CostExceedsCapacity`` at once for a cost that can never fit, and
        ``ValueError`` for a malformed cost. With an :class:`AsyncLimiter`, cancelling the
        task while it waits gives its slot back; cancelling it right after it was admitted
        too."""
        if timeout is None and not self._queues and priority.__class__ is int and priority < CHARGE_PRIORITY:
            if cost.__class__ is dict and len(cost) == 1:
                # the hottest case: one unscoped limit of an in-process store, its state kept
                # in _one by the first acquire that charged it (the full test, _simple, passed)
                (name,) = cost
                one = self._one.get(name)
                if one is not None:
                    amount = cost[name]
                    limit, state, lock, now_of, epoch = one
                    cap = limit.capacity
                    if amount.__class__ in _NUMBERS and 0 < amount <= cap:
                        lock.acquire()  # (cheaper than a with block, on the hottest line)
                        try:
                            if not self._queues:
                                now = now_of()
                                ok = state.take_now(now, amount, cap, limit, epoch)
                                if ok:
                                    # the grant made without its __init__ call, on the hottest line
                                    grant = _new(Grant)
                                    grant._limiter = self
                                    grant._items = ((limit, None, amount),)
                                    grant._placed = (now,)
                                    grant.waited = grant.late = 0.0
                                    grant._done = False
                                    return grant
                        finally:
                            lock.release()
                        return self._acquire(cost, timeout, priority, scope)
            local = self._local_store
            if local is not None:
                # the fast path: an in-process store, nobody queued here, a cost that passes the
                # fast test (_simple) and fits now
                one_map = self._one  # (read before _simple's limits: set_margin replaces both)
                items = self._simple(cost, scope, priority)
                if items:
                    hot = self._hot
                    if len(items) == 1:  # take_many's one-state case, without its lists
                        limit, sc, amount = items[0]
                        st = hot.get(limit.name if sc is None else (limit.name, sc))
                        if st is None:
                            st = self._hot_state(local, limit, sc)
                        if limit.scope is None and not limit.reserve:
                            one_map[limit.name] = (limit, st, local.lock, local.now, local.epoch)
                        lock = local.lock
                        lock.acquire()
                        try:
                            if not self._queues:
                                now = local.now()
                                if st.take_now(now, amount, limit.capacity, limit, local.epoch):
                                    return Grant(self, items, (now,), 0.0)
                        finally:
                            lock.release()
                    else:
                        names = tuple(cost)  # the items' order
                        states = self._plans.get(names)
                        if states is None:
                            states = self._plan(local, items, names)
                        lock = local.lock
                        lock.acquire()
                        try:
                            if not self._queues:
                                now = local.now()
                                if take_many(states, items, None, now, local.epoch):
                                    return Grant(self, items, (now,) * len(items), 0.0)
                        finally:
                            lock.release()
        return self._acquire(cost, timeout, priority, scope)

    def _acquire(self, cost: Cost, timeout: float | None, priority: int, scope: ScopeArg) -> Grant:
        """``acquire`` past the fast path: the full validation, the store, the queue."""
        raise NotImplementedError

    def _plan(self, local: LocalStore, items: tuple[Item, ...], names: tuple[str, ...]) -> list[State]:
        """The states of several budgets, kept by limit names when none is scoped."""
        hot = self._hot
        states = []
        for limit, sc, _ in items:
            st = hot.get(limit.name if sc is None else (limit.name, sc))
            states.append(st if st is not None else self._hot_state(local, limit, sc))
        if all(sc is None for _, sc, _ in items) and len(self._plans) < 256:
            self._plans[names] = states
        return states

    def _hot_state(self, local: LocalStore, limit: Limit, scope: str | None) -> State:
        """A budget's state, kept for the fast path (a store's states live as long as it)."""
        if len(self._hot) >= 4096:  # many scope values: keep the cache small
            self._hot.clear()
        st = self._hot[limit.name if scope is None else (limit.name, scope)] = local.state_for(limit, scope)
        return st

    def try_acquire(self, cost: Cost, *, priority: int = 0, scope: ScopeArg = None) -> Grant | None:
        """Admit now or not at all: a Grant, or None (nothing charged). Never waits."""
        items = self._prepare(cost, scope, priority)
        if not items:
            return Grant(self, _EMPTY, (), 0.0)
        local = self._local_store
        if local is not None:
            lock = local.lock
            lock.acquire()
            try:
                if self._queues and self._qkey(items) in self._queues:
                    return None  # others are queued for these budgets: no cutting in
                at = local.take_many_locked(items, priority)
            finally:
                lock.release()
            if at is not None:
                return Grant(self, items, (at,) * len(items), 0.0)
        elif self._queues and self._qkey(items) in self._queues:
            return None
        d = self._ops.reserve(items, priority, 0.0)
        return Grant(self, items, d.placed, 0.0) if d.granted else None

    def estimate(self, cost: Cost, *, priority: int = 0, scope: ScopeArg = None) -> float:
        """Seconds from now until the earliest start at which every limit admits ``cost``
        (0.0 if it would be admitted now), booking nothing: what ``acquire`` would wait were
        nobody queued ahead. The cost is validated as ``acquire`` validates it
        (``CostExceedsCapacity`` for a cost that can never fit, ``ValueError`` for a
        malformed one); it is an estimate, since others may book meanwhile."""
        items = self._prepare(cost, scope, priority)
        if not items:
            return 0.0
        return self._estimate_items(items, priority)

    def _estimate_items(self, items: Sequence[Item], priority: int) -> float:
        """:meth:`estimate` for store items already made (the proxy router's question)."""
        d = self._ops.estimate(items, priority)
        return max(0.0, d.start - d.now)

    def _refusal(self, items: tuple[Item, ...], priority: int) -> RateLimited:
        """The error for a waiter that gives up at its deadline: when it could have started."""
        d = self._ops.estimate(items, priority)
        return self._limited(d, items)

    def _give_back(self, items: Sequence[Item], placed: Sequence[float]) -> None:
        """Refund a booking in the store and wake whoever waits on those budgets."""
        self._ops.refund(items, placed)
        self._freed_by_me(items)

    def observe(self, observations: Iterable[Observation], *, scope: ScopeArg = None) -> None:
        """Fold what a server said into the store (every process sharing it learns).

        The asyncio limiter never blocks its event loop on it: it uses the store's own
        ``aobserve`` (async Redis), inline for an in-process store (memory), else a worker
        thread (SQLite, the synchronous Redis store)."""
        self._ops.observe_all(self._obs_items(observations, scope))

    def statistics(self) -> tuple[LimitStatistics, ...]:
        """A frozen snapshot per limit and scope value the store holds (the asyncio limiter
        reads it as :meth:`observe` writes: never blocking the event loop)."""
        snaps = self._ops.snapshot(list(self._limits.values()))
        with self._guard:
            return self._stats_from(snaps)

    def close(self) -> None:
        """Stop listening for freed room and close the store."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._ops.close()
