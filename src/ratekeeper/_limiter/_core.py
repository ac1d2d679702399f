"""What Limiter (threads) and AsyncLimiter (asyncio) share: limits, validation, queues, the
fast path's test, statistics. Each limiter waits exactly until the store admits a cost.

The package: ``_async/limiter.py`` (``AsyncGrant`` and the part of ``AsyncLimiter`` that
does not wait) and ``_async/waiting.py`` (the waiting) are the sources of everything written
once; ``_sync/`` holds their generated twins (``scripts/unasync.py``); ``_aio.py`` /
``_io.py`` are the store calls of each world; ``threads.py`` and ``tasks.py`` hold each
world's primitives of the waiting (a thread lock and events against futures on the event
loop).

"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import math
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

from .._algorithms import Decision, State
from .._clock import SYSTEM_CLOCK, Clock
from .._errors import CostExceedsCapacity, RateLimited, UnknownLimit
from .._limits import (
    CHARGE_PRIORITY,
    PADDED,
    Cost,
    Limit,
    LimitStatistics,
    Observation,
    ScopeArg,
    check_margin,
    padded,
    resolve_scope,
)
from ..stores import Item, StoreSpec, open_store
from ..stores._protocol import BudgetStore, Freed, KeySnapshot, LocalStore, Rebooking, Store, Subscribing

__all__ = ["HasLimits", "LimitsArg"]

log = logging.getLogger("ratekeeper")


class HasLimits(Protocol):
    """Anything that carries limits by name: a ``Venue``."""

    @property
    def limits(self) -> Mapping[str, Limit]: ...


LimitsArg = Iterable[Limit] | Mapping[str, Limit] | HasLimits

QUEUED, TURN, RESERVED, DISPLACED, DONE = 0, 1, 2, 3, -1
_EMPTY: tuple[Item, ...] = ()
_STAY = Decision(0.0, 0.0, False, 0, ())
"""A rebooking that moved nothing (the store failed to answer): the booking held stands."""
_NUMBERS = (int, float)


def _plain(priority: object) -> bool:
    """An int priority a request may use (the hot paths check it; the others raise)."""
    return priority.__class__ is int and priority < CHARGE_PRIORITY


def _limits_of(arg: LimitsArg) -> dict[str, Limit]:
    source: Iterable[Limit]
    if isinstance(arg, Mapping):
        source = arg.values()
    elif hasattr(arg, "limits"):
        source = arg.limits.values()
    else:
        source = arg
    out: dict[str, Limit] = {}
    for limit in source:
        if not isinstance(limit, Limit):
            raise TypeError(f"expected Limit values, got {type(limit).__name__}")
        if limit.name in out:
            raise ValueError(f"two limits are named {limit.name!r}")
        out[limit.name] = limit
    if not out:
        raise ValueError("a limiter needs at least one Limit")
    return out


def _leased_only(name: str) -> ValueError:
    """The error for a cost (or a default limit) naming a concurrent limit."""
    return ValueError(
        f"limit {name!r} is a concurrent limit: it counts units held at once, not spent, and is never "
        "charged through acquire/try_acquire/settle; hold its units with a lease instead "
        "(store.lease(limit, scope, holder, units), units=0 to release)"
    )


def _bad_amount(name: str, amount: object) -> float:
    """Turn one cost amount into a float, or raise a ValueError that names the limit."""
    if isinstance(amount, (bool, str, bytes)) or amount is None:
        raise ValueError(f"cost for limit {name!r} must be a number, got {amount!r}")
    try:
        value = float(amount)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"cost for limit {name!r} must be a number, got {amount!r}") from None
    if math.isnan(value) or math.isinf(value) or value < 0:
        raise ValueError(f"cost for limit {name!r} must be a finite number >= 0, got {amount!r}")
    return value


class _Waiter:
    __slots__ = (
        "busy",
        "checked",
        "decision",
        "deferred",
        "event",
        "fut",
        "items",
        "priority",
        "replan",
        "retry_at",
        "seq",
        "state",
        "wake_at",
    )

    def __init__(self, priority: int, seq: int, items: tuple[Item, ...]) -> None:
        self.items = items
        self.priority = priority
        self.seq = seq
        self.state = QUEUED
        self.decision: Decision | None = None
        self.wake_at = 0.0
        self.event: threading.Event | None = None
        self.fut: asyncio.Future[None] | None = None
        self.replan = False  # room was freed on its budgets: try to move its booking earlier
        self.busy = False  # a rebooking is in flight: whoever displaces it leaves the refund to it
        self.checked = -math.inf  # the slot last checked, when due, against the bookings moved since
        self.retry_at = -math.inf  # deferred by the store (over its fair share): its turn resumes then
        self.deferred = False  # the store deferred it once: its next try is never deferred again

    def __lt__(self, other: _Waiter) -> bool:
        return (other.priority, self.seq) < (self.priority, other.seq)

    def wake(self) -> None:
        if self.event is not None:
            self.event.set()
        fut = self.fut
        if fut is not None and not fut.done():
            fut.set_result(None)


class _Queue:
    __slots__ = ("heap", "holder")

    def __init__(self) -> None:
        self.heap: list[_Waiter] = []
        self.holder: _Waiter | None = None


class _Core:
    """What the sync and async limiters share: limits, validation, queues, statistics."""

    def __init__(
        self,
        limits: LimitsArg,
        store: StoreSpec,
        clock: Clock | None,
        default_limit: str | None,
        margin: float = 0.0,
    ) -> None:
        self._given = _limits_of(limits)
        self._pad(check_margin(margin))
        self._clock: Clock = clock or SYSTEM_CLOCK
        self._store: Store = open_store(store, self._clock)
        st: BudgetStore = self._store
        self._local = bool(st.local)
        # what the store can do, learned once from its protocol (stores/_protocol.py)
        self._local_store: LocalStore | None = st if self._local and isinstance(st, LocalStore) else None
        """An in-process store deciding under its lock: the fast paths call it under that lock."""
        if default_limit is not None and default_limit not in self._limits:
            raise UnknownLimit(default_limit, sorted(self._limits))
        if default_limit is not None and default_limit not in self._chargeable:
            raise _leased_only(default_limit)
        self._default = default_limit
        self._warned: set[str] = set()
        self._queues: dict[tuple[tuple[str, str | None], ...], _Queue] = {}
        self._seq = itertools.count()
        # freed room (a refund here, in another limiter on this store, or in another process)
        # wakes the heads sleeping on those budgets, which move their bookings earlier
        self._rebooks = isinstance(st, Rebooking)
        self._subscribing: Subscribing | None = st if isinstance(st, Subscribing) else None
        self._self_notify = self._subscribing is None
        self._unsubscribe: Callable[[], None] | None = None  # listening starts with the first queue

    @property
    def limits(self) -> Mapping[str, Limit]:
        """The limits in force (with the margin added to sliding and fixed windows)."""
        return dict(self._limits)

    @property
    def margin(self) -> float:
        """Seconds added to each sliding and fixed window for transit (see :meth:`set_margin`)."""
        return self._margin

    def set_margin(self, margin: float) -> None:
        """Add ``margin`` seconds to each sliding and fixed limit's window from now on, in place
        of the margin before: a request admitted at ``t`` may reach the venue up to
        ``margin`` later than one admitted after it and still find room (a fixed window
        padded becomes a sliding one; see :func:`ratekeeper._limits.padded`). Bookings
        already made stand; the integrations call this as their measured margin moves.

        Raises ``ValueError`` for a negative margin, and for a change between 0 and more
        than 0 when a fixed limit is among the limits (it would change algorithm, and the
        budget held under it)."""
        pad = check_margin(margin)
        if pad == self._margin:
            return
        if (pad == 0) != (self._margin == 0) and any(lim.algorithm == "fixed" for lim in self._given.values()):
            raise ValueError(
                f"a margin of {pad:g} s would turn a fixed limit {'back ' if pad == 0 else ''}into a sliding one "
                f"(the margin is {self._margin:g} s): choose the margin before spending, and keep it above 0"
            )
        self._pad(pad)
        self._retuned()

    def _pad(self, margin: float) -> None:
        """The limits in force: those given, with ``margin`` added to their windows."""
        limits = {name: padded(limit, margin) for name, limit in self._given.items()}
        self._limits = limits
        # the limits a cost may charge (concurrent ones are leased): what the hot paths look up
        self._chargeable = {n: lim for n, lim in limits.items() if lim.algorithm != "concurrent"}
        self._one: dict[str, tuple[Limit, State, threading.Lock, Callable[[], float], float]] = {}
        """The hottest path's cache (an in-process store's): by limit name, an unscoped limit
        without a reserve, its state, the store's lock, clock and epoch; filled by the fast
        path as it charges them, emptied here with the limits it was read from (assigned
        after them: a reader that sees the new cache sees the new limits)."""
        self._margin = margin

    def _retuned(self) -> None:
        """The limits changed: drop what was cached from them."""

    def _padded(self, name: str) -> bool:
        given = self._given.get(name)
        return given is not None and given.algorithm in PADDED

    @property
    def store(self) -> Store:
        return self._store

    @property
    def clock(self) -> Clock:
        return self._clock

    # -- validation ---------------------------------------------------------------------

    def _prepare(self, cost: Cost, scope: ScopeArg, priority: int) -> tuple[Item, ...]:
        """Validate a cost and turn it into store items; raise before anything is charged."""
        if _plain(priority):
            items = self._simple(cost, scope, priority)
            if items is not None:
                return items
        return self._prepare_slow(cost, scope, priority)

    def _simple(self, cost: Cost, scope: ScopeArg, priority: int) -> tuple[Item, ...] | None:
        """The fast path's test: every name a chargeable limit, every amount a plain number
        in (0, capacity], no reserve held back from ``priority`` (a plain int, :func:`_plain`).
        The store items, or None: the full validation decides. (``acquire``'s hottest case,
        one unscoped limit without a reserve, tests the same of a limit this test passed
        before and ``_one`` keeps.)"""
        limits = self._chargeable
        items: tuple[Item, ...] = ()
        try:
            for name, amount in cost.items():
                limit = limits.get(name)
                if (
                    limit is None
                    or amount.__class__ not in _NUMBERS
                    or not (0 < amount <= limit.capacity)
                    or (limit.reserve and priority < limit.reserve_priority)
                ):
                    return None
                # (a tuple grown per item: costs name one to three limits, and most one)
                items += ((limit, None if limit.scope is None else resolve_scope(limit.scope, scope), amount),)
        except (AttributeError, TypeError):
            return None
        return items

    def _prepare_slow(self, cost: Cost, scope: ScopeArg, priority: int) -> tuple[Item, ...]:
        if not isinstance(cost, Mapping):
            raise TypeError(f"cost must be a mapping of limit name to units, got {type(cost).__name__}")
        if isinstance(priority, bool) or not isinstance(priority, int):
            raise TypeError(f"priority must be an int, got {priority!r}")
        if priority >= CHARGE_PRIORITY:
            raise ValueError(f"priority must be below 2**62 (kept for charges after an answer), got {priority}")
        merged: dict[str, float] = {}
        for name, raw in cost.items():
            amount = _bad_amount(name, raw)
            limit = self._limits.get(name)
            if limit is None:
                if self._default is None:
                    raise UnknownLimit(name, sorted(self._limits))
                if name not in self._warned:
                    self._warned.add(name)
                    log.warning(
                        "unknown limit %r charged to the default limit %r",
                        name,
                        self._default,
                        extra={"limit": name, "default_limit": self._default},
                    )
                limit = self._limits[self._default]
            if limit.algorithm == "concurrent":
                raise _leased_only(limit.name)
            merged[limit.name] = merged.get(limit.name, 0.0) + amount
        items: list[Item] = []
        for name, amount in merged.items():
            limit = self._limits[name]
            if amount == 0:
                continue
            if limit.algorithm != "quota":
                cap = limit.capacity_for(priority)
                if amount > cap * (1 + 1e-9):
                    detail = ""
                    if cap < limit.capacity:
                        detail = (
                            f"at priority {priority} (a {limit.reserve:.0%} reserve is kept for "
                            f"priority >= {limit.reserve_priority})"
                        )
                    raise CostExceedsCapacity(name, amount, cap, detail)
            sc = None if limit.scope is None else resolve_scope(limit.scope, scope)
            items.append((limit, sc, amount))
        return tuple(items)

    @staticmethod
    def _qkey(items: Sequence[Item]) -> tuple[tuple[str, str | None], ...]:
        if len(items) == 1:
            return ((items[0][0].name, items[0][1]),)
        return tuple(sorted((limit.name, sc) for limit, sc, _ in items))

    @staticmethod
    def _limited(d: Decision, items: Sequence[Item]) -> RateLimited:
        limit, scope, _ = items[d.binding] if d.binding < len(items) else items[0]
        return RateLimited(max(0.0, d.start - d.now), limit.name, scope)

    # -- freed room ----------------------------------------------------------------------

    def _on_freed(self, freed: Iterable[tuple[str, str | None]]) -> None:
        """A store listener: room was freed on these budgets (any thread)."""
        raise NotImplementedError

    def _new_queue(self, qkey: tuple[tuple[str, str | None], ...]) -> _Queue:
        """A queue for these budgets (callers hold the lock / run on the loop). The first one
        subscribes this limiter to the store's freed-room announcements, through a weak
        reference: a limiter nobody holds any more is not kept alive by its store."""
        q = self._queues[qkey] = _Queue()
        if self._unsubscribe is None and self._subscribing is not None:
            method = weakref.WeakMethod(self._on_freed)
            remove: list[Callable[[], None]] = []

            def on_freed(freed: Freed) -> None:
                target = method()
                if target is not None:
                    target(freed)
                elif remove:
                    remove[0]()

            remove.append(self._subscribing.subscribe(on_freed))
            self._unsubscribe = remove[0]
        return q

    def _mark_freed(self, freed: Iterable[tuple[str, str | None]]) -> list[_Waiter]:
        """Flag the heads holding (or booking) a slot over any of these budgets (callers hold
        the lock / run on the loop); returns them, to be woken."""
        keys = set(freed)
        out = []
        for qkey, q in self._queues.items():
            w = q.holder
            # a head whose booking is in flight (TURN) may book before this room was freed:
            # it tries to move as soon as it holds the booking
            if w is not None and w.state in (RESERVED, TURN) and not keys.isdisjoint(qkey):
                w.replan = True
                out.append(w)
        return out

    def _freed_by_me(self, items: Sequence[Item]) -> None:
        """After a refund through this limiter, for a store that tells no listeners."""
        if self._self_notify and self._queues:
            self._on_freed([(limit.name, sc) for limit, sc, _ in items])

    # -- queue operations (callers hold the lock / run on the loop) ----------------------

    def _enqueue(self, q: _Queue, w: _Waiter) -> tuple[tuple[Item, ...], Decision] | None:
        """Queue ``w``; if it outranks a head that is sleeping on a reservation, displace
        that head and return its booking, for the caller to give back. A head moving its
        booking at this moment is left alone: it steps aside itself when the store answers
        (``_moved``), giving back wherever its booking landed."""
        heapq.heappush(q.heap, w)
        holder = q.holder
        # a head moving its booking steps aside itself once the store has answered
        if (
            holder is not None
            and (holder.state == RESERVED or (holder.state == TURN and holder.retry_at > -math.inf))
            and holder.priority < w.priority
            and not holder.busy
        ):
            # (a head deferred by the store holds no booking: nothing to give back)
            holder.state = DISPLACED
            holder.retry_at = -math.inf
            heapq.heappush(q.heap, holder)
            q.holder = None
            holder.wake()
            self._promote(q)
            if holder.decision is None:
                return None
            return holder.items, holder.decision
        if holder is None:
            self._promote(q)
        return None

    def _promote(self, q: _Queue) -> None:
        if q.heap:
            nxt = heapq.heappop(q.heap)
            nxt.state = TURN
            q.holder = nxt
            nxt.wake()
        else:
            q.holder = None

    def _handoff(self, qkey: tuple[tuple[str, str | None], ...], q: _Queue) -> None:
        """The head is done (admitted or gave up): pass the turn on, drop an empty queue."""
        self._promote(q)
        if q.holder is None and self._queues.get(qkey) is q:
            del self._queues[qkey]

    def _leave(self, qkey: tuple[tuple[str, str | None], ...], q: _Queue, w: _Waiter) -> Decision | None:
        """``w`` gives up. Returns the reservation to give back, if it held one."""
        to_refund = None
        if q.holder is w:
            if w.state == RESERVED:
                to_refund = w.decision
            self._handoff(qkey, q)
        else:
            # a displaced waiter's reservation was already given back by the one that displaced it
            try:
                q.heap.remove(w)
                heapq.heapify(q.heap)
            except ValueError:
                pass
        w.state = QUEUED
        return to_refund

    @staticmethod
    def _may_backfill(q: _Queue | None, priority: int) -> bool:
        """Whether a request joining ``q`` may first try to start now: the head sleeps on a
        booking it outranks or equals (a higher priority displaces it instead). The store
        admits it now only where that leaves every booked slot valid, so the head is never
        delayed: room the head cannot use yet is not left idle (EASY backfilling)."""
        if q is None:
            return False
        holder = q.holder
        return holder is not None and holder.state == RESERVED and priority <= holder.priority

    def _moved(self, q: _Queue, w: _Waiter, d: Decision, now: float, due: bool = False) -> Decision | None:
        """The store answered a head's rebooking (``d``; ``now`` on the limiter's clock): keep
        the new slot if it moved, then, if a higher priority queued meanwhile, give it the
        turn and return the booking to give back (callers hold the lock / run on the loop)."""
        w.busy = False
        if d.granted:
            w.decision = d
            w.wake_at = now + (d.start - d.now) if d.start > d.now else min(now, w.wake_at)
            if d.start <= d.now:
                w.checked = w.wake_at  # booked now, against the bookings as they are: admit it
        elif due:
            w.checked = w.wake_at  # the store could not say: the booking held stands
        if q.holder is not w or w.state != RESERVED or not self._outranked(q, w):
            return None
        self._step_aside(q, w)
        return w.decision

    def _outranked(self, q: _Queue, w: _Waiter) -> bool:
        return bool(q.heap) and q.heap[0].priority > w.priority

    def _step_aside(self, q: _Queue, w: _Waiter) -> None:
        """The head ``w`` gives the turn to the higher priority queued meanwhile and queues
        again behind it (the caller gives back whatever ``w`` had booked)."""
        w.state = DISPLACED
        heapq.heappush(q.heap, w)
        self._promote(q)

    # -- statistics ---------------------------------------------------------------------

    def _stats_from(self, snaps: Iterable[KeySnapshot]) -> tuple[LimitStatistics, ...]:
        waiting: dict[tuple[str, str | None], int] = {}
        for qkey, q in self._queues.items():
            n = len(q.heap) + (1 if q.holder is not None else 0)
            for key in qkey:
                waiting[key] = waiting.get(key, 0) + n
        out = []
        for s in snaps:
            limit, scope, used, reserved, blocked = s.limit, s.scope, s.used, s.reserved, s.blocked_for
            capacity = s.capacity if s.capacity is not None else limit.capacity
            available = 0.0 if blocked > 0 else max(0.0, capacity - used - reserved)
            out.append(
                LimitStatistics(
                    limit=limit.name,
                    scope=scope,
                    capacity=capacity,
                    used=used,
                    reserved=reserved,
                    available=available,
                    waiters=waiting.get((limit.name, scope), 0),
                    next_free=s.next_free,
                    blocked_for=blocked,
                    margin=self._margin if self._padded(limit.name) else 0.0,
                )
            )
        out.sort(key=lambda x: (x.limit, x.scope or ""))
        return tuple(out)

    def _obs_items(
        self, observations: Iterable[Observation], scope: ScopeArg
    ) -> list[tuple[Limit, str | None, Observation]]:
        out = []
        for obs in observations:
            limit = self._limits.get(obs.limit)
            if limit is None:
                log.debug("observation for unknown limit %r ignored", obs.limit, extra={"limit": obs.limit})
                continue
            sc = (
                obs.scope
                if obs.scope is not None
                else (None if limit.scope is None else resolve_scope(limit.scope, scope))
            )
            out.append((limit, sc, obs))
        return out


def _split(
    core: _Core, items: tuple[Item, ...], placed: tuple[float, ...], actual: Cost, answered: bool = False
) -> tuple[tuple[list[Item], list[float]], list[Item]]:
    """Refunds (item with the amount to give back, where it was booked) and charges to book
    now: the extras, and with ``answered`` the whole actual cost of every sliding booking
    (whose booking at the slot is then refunded whole: the booking moves to now)."""
    if not isinstance(actual, Mapping):
        raise TypeError(f"actual cost must be a mapping, got {type(actual).__name__}")
    known = {limit.name: (limit, sc, amount, at) for (limit, sc, amount), at in zip(items, placed, strict=True)}
    refund_items: list[Item] = []
    refund_at: list[float] = []
    extras: list[Item] = []
    for name, raw in actual.items():
        amount = _bad_amount(name, raw)
        if name in known:
            limit, sc, booked, at = known.pop(name)
        else:
            limit_opt = core._limits.get(name)
            if limit_opt is None:
                if core._default is None:
                    raise UnknownLimit(name, sorted(core._limits))
                limit_opt = core._limits[core._default]
            if limit_opt.algorithm == "concurrent":
                raise _leased_only(name)
            limit, sc, booked, at = limit_opt, (items[0][1] if items and limit_opt.scope else None), 0.0, 0.0
            if limit.scope is not None:
                sc = next((s for lim, s, _ in items if lim.scope == limit.scope), resolve_scope(limit.scope, None))
        current = core._limits.get(limit.name, limit)  # charged with the window in force now
        if answered and booked and limit.algorithm == "sliding":
            refund_items.append((limit, sc, booked))
            refund_at.append(at)
            if amount > 0:
                extras.append((current, sc, amount))
            continue
        delta = amount - booked
        if delta < 0:
            refund_items.append((limit, sc, -delta))
            refund_at.append(at)
        elif delta > 0:
            extras.append((current, sc, delta))
    # names the actual cost leaves out were not spent at all
    for limit, sc, booked, at in known.values():
        refund_items.append((limit, sc, booked))
        refund_at.append(at)
    return (refund_items, refund_at), extras
