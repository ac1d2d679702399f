"""The in-process store: budget state in a dict, every decision under one lock."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from .. import _algorithms as algo
from .._clock import SYSTEM_CLOCK, Clock
from .._limits import CHARGE_PRIORITY, Limit, Observation
from ._base import Freed, Item, KeySnapshot, LeaseResult, Listeners, freed_by

__all__ = ["MemoryStore"]


class MemoryStore:
    """Budgets shared by every thread and task of one process (``"memory://"``).

    Its clock is the limiter's monotonic clock; fixed windows are aligned to UNIX time
    through the clock's ``wall()`` reading taken once at creation.
    """

    local = True

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or SYSTEM_CLOCK
        self._lock = threading.Lock()
        self.lock = self._lock
        self._states: dict[tuple[str, str | None], algo.State] = {}
        self._leases: dict[tuple[str, str | None], algo.LeaseState] = {}
        self._epoch = self._clock.wall() - self._clock.now()
        self.epoch = self._epoch
        """The clock's offset to UNIX time, read once (fixed windows are aligned with it)."""
        self._now = self._clock.now
        self.now = self._now
        """The store's clock (``now()``), for callers deciding under :attr:`lock`."""
        self._listeners = Listeners()

    def subscribe(self, callback: Callable[[Freed], None]) -> Callable[[], None]:
        """Call ``callback`` with the budgets ``(limit name, scope)`` whose room a refund freed,
        after every refund (from any thread, outside the store's lock). Returns the function
        that unsubscribes."""
        return self._listeners.add(callback)

    def _state(self, limit: Limit, scope: str | None) -> algo.State:
        key = (limit.name, scope)
        st = self._states.get(key)
        if st is None:
            st = self._states[key] = algo.new_state(limit)
        return st

    def reserve(self, items: Sequence[Item], priority: int, max_wait: float | None) -> algo.Decision:
        with self._lock:
            return self.reserve_locked(items, priority, max_wait)

    def state_for(self, limit: Limit, scope: str | None) -> algo.State:
        """The state object of one budget (created if new). It lives as long as the store;
        callers must hold :attr:`lock` while they use it."""
        with self._lock:
            return self._state(limit, scope)

    def take_locked(self, limit: Limit, scope: str | None, amount: float, priority: int) -> float | None:
        """Admit one item now if it fits now (the caller holds :attr:`lock`): the time it
        was booked at, or None (nothing booked)."""
        return self.take_many_locked(((limit, scope, amount),), priority)

    def take_many_locked(self, items: Sequence[Item], priority: int) -> float | None:
        """All-or-nothing: book every item now if each fits now (the caller holds
        :attr:`lock`; see :func:`ratekeeper._algorithms.take_many`): the common time they
        were booked at, or None (nothing booked)."""
        now = self._now()
        states = self._states
        if len(items) == 1:  # take_many's one-state case, without its lists
            limit, scope, amount = items[0]
            st = states.get((limit.name, scope))
            if st is None:
                st = self._state(limit, scope)
            full = priority < CHARGE_PRIORITY and (not limit.reserve or priority >= limit.reserve_priority)
            cap = limit.capacity if full else limit.capacity_for(priority)
            return now if st.take_now(now, amount, cap, limit, self._epoch) else None
        sts = []
        full = priority < CHARGE_PRIORITY  # every limit's whole capacity is open to this priority
        for limit, scope, _ in items:
            st = states.get((limit.name, scope))
            sts.append(st if st is not None else self._state(limit, scope))
            if limit.reserve and priority < limit.reserve_priority:
                full = False
        caps = None if full else [item[0].capacity_for(priority) for item in items]
        return now if algo.take_many(sts, items, caps, now, self._epoch) else None

    def reserve_locked(self, items: Sequence[Item], priority: int, max_wait: float | None) -> algo.Decision:
        """``reserve`` for a caller that already holds :attr:`lock`."""
        now = self._clock.now()
        if len(items) == 1:
            limit, scope, amount = items[0]
            st = self._states.get((limit.name, scope))
            if st is None:
                st = self._states[(limit.name, scope)] = algo.new_state(limit)
            t = algo.earliest(st, now, amount, limit, priority, self._epoch)
            if max_wait is not None and t - now > max_wait:
                return algo.Decision(t, now, False, 0, ())
            return algo.Decision(t, now, True, 0, (algo.commit(st, t, amount, limit, priority, self._epoch),))
        states = [self._state(limit, scope) for limit, scope, _ in items]
        return algo.decide(
            states,
            [item[0] for item in items],
            [item[2] for item in items],
            now,
            priority,
            max_wait,
            self._epoch,
        )

    def estimate(self, items: Sequence[Item], priority: int) -> algo.Decision:
        """The earliest start at which every item fits, booking nothing (never granted)."""
        with self._lock:
            return self.estimate_locked(items, priority)

    def estimate_locked(self, items: Sequence[Item], priority: int) -> algo.Decision:
        """``estimate`` for a caller that already holds :attr:`lock`."""
        states = [self._state(limit, scope) for limit, scope, _ in items]
        return algo.estimate(
            states, [item[0] for item in items], [item[2] for item in items], self._now(), priority, self._epoch
        )

    def refund(self, items: Sequence[Item], placed: Sequence[float]) -> None:
        with self._lock:
            now = self._clock.now()
            for (limit, scope, amount), at in zip(items, placed, strict=True):
                st = self._states.get((limit.name, scope))
                if st is not None:
                    algo.refund(st, now, at, amount, limit, self._epoch)
        if self._listeners:
            self._listeners.notify(freed_by(items))

    def rebook(
        self, items: Sequence[Item], priority: int, placed: Sequence[float], later: bool = False
    ) -> algo.Decision:
        """Move a booking earlier in one step (see :func:`ratekeeper._algorithms.rebook`)."""
        with self._lock:
            return self.rebook_locked(items, priority, placed, later)

    def rebook_locked(
        self, items: Sequence[Item], priority: int, placed: Sequence[float], later: bool = False
    ) -> algo.Decision:
        """``rebook`` for a caller that already holds :attr:`lock`."""
        states = [self._state(limit, scope) for limit, scope, _ in items]
        return algo.rebook(
            states,
            [item[0] for item in items],
            [item[2] for item in items],
            self._clock.now(),
            priority,
            placed,
            self._epoch,
            later,
        )

    def observe(self, limit: Limit, scope: str | None, observation: Observation) -> None:
        if limit.algorithm == "concurrent":
            return  # held units are known exactly: nothing a server says changes them
        with self._lock:
            algo.observe(self._state(limit, scope), self._clock.now(), limit, observation, self._epoch)

    def snapshot(self, limits: Sequence[Limit]) -> list[KeySnapshot]:
        wanted = {limit.name: limit for limit in limits}
        out: list[KeySnapshot] = []
        with self._lock:
            now = self._clock.now()
            for (name, scope), st in self._states.items():
                limit = wanted.get(name)
                if limit is None:
                    continue
                used, reserved, next_free = algo.snapshot(st, now, limit, self._epoch)
                cap = st.cap if isinstance(st, algo.QuotaState) else None
                out.append(KeySnapshot(limit, scope, used, reserved, next_free, max(0.0, st.blocked_until - now), cap))
            for (name, scope), lst in list(self._leases.items()):
                limit = wanted.get(name)
                if limit is None:
                    continue
                if algo.lease_expire(lst, now) and not lst.holders:
                    del self._leases[(name, scope)]
                    continue
                held, next_free = algo.lease_snapshot(lst, now)
                out.append(KeySnapshot(limit, scope, held, 0.0, next_free, 0.0))
        return out

    def lease(
        self, limit: Limit, scope: str | None, holder: str, units: float, ttl: float | None = None
    ) -> LeaseResult:
        """See :meth:`ratekeeper.stores.Store.lease`; times are this store's clock."""
        amount, seconds = algo.check_lease(limit, holder, units, ttl)
        key = (limit.name, scope)
        with self._lock:
            now = self._clock.now()
            st = self._leases.get(key)
            if st is None:
                if amount == 0:
                    return LeaseResult(True, 0.0, 0.0)  # nothing held: nothing to release
                st = self._leases[key] = algo.LeaseState()
            granted, held, retry_after = algo.lease(st, now, holder, amount, seconds, limit.capacity)
            if not st.holders:
                del self._leases[key]
        return LeaseResult(granted, held, retry_after)

    def leases(self, limit: Limit, scope: str | None) -> dict[str, tuple[float, float]]:
        """See :meth:`ratekeeper.stores.Store.leases`."""
        algo.check_concurrent(limit)
        with self._lock:
            now = self._clock.now()
            st = self._leases.get((limit.name, scope))
            if st is None:
                return {}
            return {h: (u, expires - now) for h, (u, expires) in st.holders.items() if expires > now}

    def close(self) -> None:
        pass
