"""Limiter (threads) and AsyncLimiter (asyncio): wait exactly until the store admits a cost.

How a wait works. Requests that name the same set of (limit, scope) budgets form one local
queue, ordered by priority (higher first), then arrival. Only the head of a queue holds a
reservation in the store; it sleeps (or sets one timer) until its start time and on waking
hands the turn to the next, who books its own slot in one step. So

* there is one sleeping thread or one timer per queue, however many wait (no polling);
* a waiter that gives up (timeout, cancellation) leaves the queue and costs nothing; a head
  that gives up returns its reservation and the next waiter moves up;
* a higher priority never waits behind a lower one in this process: it takes the head's
  place and the displaced head's reservation is returned;
* across processes, reservations already booked are honoured; a limit's ``reserve`` keeps a
  share of the budget that only high priorities may use;
* a request arriving while the head sleeps on a later booking first tries to start now
  (backfilling): the store admits it only where every booked slot stays valid;
* freed room (a refund here, in another limiter on the store or in another process) wakes
  the heads booked over those budgets, which move their bookings earlier in one store step.

When nobody waits for the same budgets, ``acquire`` is one store call and no queue at all.
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
from typing import Protocol, cast

from . import _algorithms as algo
from ._algorithms import Decision
from ._clock import SYSTEM_CLOCK, Clock
from ._errors import CostExceedsCapacity, RateLimited, UnknownLimit
from ._limits import (
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
from .stores import Item, Store, StoreSpec, open_store
from .stores._base import AsyncStore, Freed, KeySnapshot, _AsyncBudgetStore

__all__ = ["AsyncGrant", "AsyncLimiter", "Grant", "HasLimits", "Limiter", "LimitsArg"]

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
        "event",
        "fut",
        "items",
        "priority",
        "replan",
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
        self._local = bool(getattr(self._store, "local", False))
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
        self._rebook = getattr(self._store, "rebook", None)
        self._subscribe = getattr(self._store, "subscribe", None)
        self._self_notify = self._subscribe is None
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
        limits = self._chargeable
        items = []
        if not _plain(priority):
            return self._prepare_slow(cost, scope, priority)
        try:
            for name, amount in cost.items():
                limit = limits.get(name)
                if (
                    limit is None
                    or amount.__class__ not in _NUMBERS
                    or not (0 < amount <= limit.capacity)
                    or (limit.reserve and priority < limit.reserve_priority)
                ):
                    return self._prepare_slow(cost, scope, priority)
                items.append((limit, None if limit.scope is None else resolve_scope(limit.scope, scope), amount))
        except (AttributeError, TypeError):
            return self._prepare_slow(cost, scope, priority)
        return tuple(items)

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
        if self._unsubscribe is None and self._subscribe is not None:
            method = weakref.WeakMethod(self._on_freed)
            remove: list[Callable[[], None]] = []

            def on_freed(freed: Freed) -> None:
                target = method()
                if target is not None:
                    target(freed)
                elif remove:
                    remove[0]()

            remove.append(self._subscribe(on_freed))
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
        if holder is not None and holder.state == RESERVED and holder.priority < w.priority and not holder.busy:
            holder.state = DISPLACED
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
        w.state = DISPLACED
        heapq.heappush(q.heap, w)
        self._promote(q)
        return w.decision

    def _outranked(self, q: _Queue, w: _Waiter) -> bool:
        return bool(q.heap) and q.heap[0].priority > w.priority

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


# =========================================================================================
# threads
# =========================================================================================


class Grant:
    """The receipt of one acquisition. ``settle`` charges or refunds the difference once the
    real cost is known; ``release`` gives everything back (the request was never sent)."""

    __slots__ = ("_done", "_items", "_limiter", "_placed", "late", "waited")

    def __init__(
        self, limiter: Limiter, items: tuple[Item, ...], placed: tuple[float, ...], waited: float, late: float = 0.0
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
        refunds, charges = _split(self._limiter, self._items, self._placed, actual_cost, answered)
        if charges:  # first: the ledger never holds less than the venue, even for a moment
            self._limiter._store.reserve(charges, CHARGE_PRIORITY, None)
        if refunds[0]:
            self._limiter._give_back(refunds[0], refunds[1])

    def release(self) -> None:
        """Give back everything this grant charged (the request was not sent)."""
        if self._done:
            return
        self._done = True
        if self._items:
            self._limiter._give_back(self._items, self._placed)


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


class Limiter(_Core):
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
        super().__init__(limits, store, clock, default_limit, margin)
        # with an in-process store, its lock guards our queues too: one lock per acquire
        shared = getattr(self._store, "lock", None) if self._local else None
        self._lock = shared if shared is not None else threading.Lock()
        self._reserve_locked = getattr(self._store, "reserve_locked", None) if shared is not None else None
        self._take_locked = getattr(self._store, "take_locked", None) if shared is not None else None
        self._take_many_locked = getattr(self._store, "take_many_locked", None) if shared is not None else None
        # unscoped budgets of an in-process store, by limit name: the hot path skips the lookup
        self._hot: dict[str, algo.State] = {}
        self._plans: dict[tuple[str, ...], tuple[tuple[Limit, algo.State], ...]] = {}
        self._hot_now = self._clock.now
        self._epoch: float = getattr(self._store, "_epoch", 0.0)

    def _retuned(self) -> None:
        with self._lock:
            self._plans = {}

    def _on_freed(self, freed: Iterable[tuple[str, str | None]]) -> None:
        if not self._queues:
            return
        with self._lock:
            woken = self._mark_freed(freed)
        for w in woken:
            w.wake()

    def try_acquire(self, cost: Cost, *, priority: int = 0, scope: ScopeArg = None) -> Grant | None:
        """Admit now or not at all: a Grant, or None (nothing charged). Never waits."""
        items = self._prepare(cost, scope, priority)
        if not items:
            return Grant(self, _EMPTY, (), 0.0)
        take_many = self._take_many_locked
        with self._lock:
            if self._queues and self._qkey(items) in self._queues:
                return None  # others are queued for these budgets: no cutting in
            if take_many is not None:
                at = take_many(items, priority)
                if at is not None:
                    return Grant(self, items, (at,) * len(items), 0.0)
        d = self._store.reserve(items, priority, 0.0)
        if d.granted:
            return Grant(self, items, d.placed, 0.0)
        return None

    def _take_hot_many(self, cost: Cost, scope: ScopeArg, priority: int) -> Grant | None:
        """Several unscoped limits of an in-process store, nobody waiting, all fit now."""
        if scope is not None:
            return None
        names = tuple(cost)
        plan = self._plans.get(names)
        if plan is None or plan[0][0] is not self._chargeable.get(plan[0][0].name):  # (a margin changed)
            limits = [self._chargeable.get(n) for n in names]
            if any(lim is None or lim.scope is not None for lim in limits):
                return None
            states = [self._store.state_for(lim, None) for lim in limits]  # type: ignore[attr-defined]
            plan = self._plans[names] = tuple(zip(limits, states, strict=True))  # type: ignore[arg-type]
        items = []
        for limit, _ in plan:
            amount = cost[limit.name]
            if (
                amount.__class__ not in _NUMBERS
                or not (0 < amount <= limit.capacity)
                or (limit.reserve and priority < limit.reserve_priority)
            ):
                return None
            items.append((limit, None, amount))
        epoch = self._epoch
        with self._lock:
            if self._queues:
                return None
            now = self._hot_now()
            for i, (limit, st) in enumerate(plan):
                if not st.take_now(now, items[i][2], limit.capacity, limit, epoch):
                    for j in range(i - 1, -1, -1):
                        plan[j][1].untake(now, items[j][2], plan[j][0], epoch)
                    return None
        return Grant(self, tuple(items), (now,) * len(items), 0.0)

    def acquire(self, cost: Cost, *, timeout: float | None = None, priority: int = 0, scope: ScopeArg = None) -> Grant:
        """Wait until ``cost`` is admitted and return its Grant.

        Raises ``RateLimited`` (nothing charged) if that would take longer than ``timeout``
        seconds, ``CostExceedsCapacity`` at once for a cost that can never fit, and
        ``ValueError`` for a malformed cost.
        """
        take = self._take_locked
        if take is not None and not self._queues and len(cost) > 1 and timeout is None and _plain(priority):
            grant = self._take_hot_many(cost, scope, priority)
            if grant is not None:
                return grant
        elif take is not None and not self._queues and len(cost) == 1 and timeout is None and _plain(priority):
            # the hot path: one limit, nobody waiting, fits now
            ((name, amount),) = cost.items()
            limit = self._chargeable.get(name)
            if (
                limit is not None
                and amount.__class__ in _NUMBERS
                and 0 < amount <= limit.capacity
                and (not limit.reserve or priority >= limit.reserve_priority)
            ):
                if limit.scope is None:
                    st = self._hot.get(name)
                    if st is None:
                        st = self._hot[name] = self._store.state_for(limit, None)  # type: ignore[attr-defined]
                    with self._lock:
                        if not self._queues:
                            now = self._hot_now()
                            if st.take_now(now, amount, limit.capacity, limit, self._epoch):
                                return Grant(self, ((limit, None, amount),), (now,), 0.0)
                else:
                    sc = resolve_scope(limit.scope, scope)
                    with self._lock:
                        if not self._queues:
                            at = take(limit, sc, amount, priority)
                            if at is not None:
                                return Grant(self, ((limit, sc, amount),), (at,), 0.0)
        items = self._prepare(cost, scope, priority)
        if timeout is not None and (not isinstance(timeout, (int, float)) or math.isnan(timeout) or timeout < 0):
            raise ValueError(f"timeout must be None or a number >= 0, got {timeout!r}")
        if not items:
            return Grant(self, _EMPTY, (), 0.0)
        clock = self._clock
        qkey = ((items[0][0].name, items[0][1]),) if len(items) == 1 else self._qkey(items)
        reserve_locked = self._reserve_locked
        if reserve_locked is not None:
            with self._lock:
                if not self._queues or qkey not in self._queues:
                    at = self._take_many_locked(items, priority)  # type: ignore[misc]
                    if at is not None:
                        return Grant(self, items, (at,) * len(items), 0.0)
                    d = reserve_locked(items, priority, timeout)
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
            d = self._store.reserve(items, priority, 0.0)
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
                        if now >= w.wake_at and (self._rebook is None or w.checked == w.wake_at):
                            d = w.decision
                            assert d is not None
                            self._handoff(qkey, q)
                            w.state = DONE
                            return Grant(self, items, d.placed, now - started, now - w.wake_at)
                        if now >= w.wake_at or (w.replan and self._rebook is not None):
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
                    raise self._estimate(items, priority)  # outside the lock: it asks the store
                if moving is not None:
                    self._move_earlier(items, q, w, priority, moving, recheck)
                    continue
                if state == TURN:
                    left = None if deadline is None else max(0.0, deadline - clock.now())
                    d = self._store.reserve(items, priority, left)
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

    def _give_back(self, items: Sequence[Item], placed: Sequence[float]) -> None:
        """Refund a booking in the store and wake whoever waits on those budgets."""
        self._store.refund(items, placed)
        self._freed_by_me(items)

    def _move_earlier(
        self, items: tuple[Item, ...], q: _Queue, w: _Waiter, priority: int, old: Decision, due: bool = False
    ) -> None:
        """Room was freed: give back the booking and take an earlier one, in one store step.
        ``due``: the slot has come; check it against the bookings moved since it was made
        (bookings move to their answers), booking the earliest start from now instead."""
        assert self._rebook is not None
        try:
            d = self._rebook(items, priority, old.placed, True) if due else self._rebook(items, priority, old.placed)
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

    def _estimate(self, items: tuple[Item, ...], priority: int) -> RateLimited:
        d = self._store.reserve(items, priority, -1.0)
        return self._limited(d, items)

    def observe(self, observations: Iterable[Observation], *, scope: ScopeArg = None) -> None:
        """Fold what a server said into the store (every process sharing it learns)."""
        for limit, sc, obs in self._obs_items(observations, scope):
            self._store.observe(limit, sc, obs)

    def statistics(self) -> tuple[LimitStatistics, ...]:
        """A frozen snapshot per limit and scope value the store holds."""
        snaps = self._store.snapshot(list(self._limits.values()))
        with self._lock:
            return self._stats_from(snaps)

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._store.close()

    def __enter__(self) -> Limiter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# =========================================================================================
# asyncio
# =========================================================================================


class AsyncGrant:
    """The receipt of one asyncio acquisition (see :class:`Grant`)."""

    __slots__ = ("_done", "_items", "_limiter", "_placed", "late", "waited")

    def __init__(
        self,
        limiter: AsyncLimiter,
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
        """See :attr:`Grant.late`."""
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

    async def settle(self, actual_cost: Cost, *, answered: bool = False) -> None:
        """Charge what the request really cost (see :meth:`Grant.settle`)."""
        if self._done:
            raise RuntimeError("this grant was already settled or released")
        self._done = True
        lim = self._limiter
        refunds, charges = _split(lim, self._items, self._placed, actual_cost, answered)
        if charges:
            await lim._areserve(charges, CHARGE_PRIORITY, None)
        if refunds[0]:
            await lim._arefund(refunds[0], refunds[1])

    async def release(self) -> None:
        """Give back everything this grant charged (the request was not sent)."""
        if self._done:
            return
        self._done = True
        if self._items:
            await self._limiter._arefund(self._items, self._placed)


class AsyncLimiter(_Core):
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
        super().__init__(limits, store, clock, default_limit, margin)
        # (the rate-limit methods decide: a store written before leases existed is still async)
        astore = self._store if isinstance(self._store, _AsyncBudgetStore) else None
        self._astore = cast("AsyncStore | None", astore)
        self._background: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop its waiters sleep on
        self._store_lock = getattr(self._store, "lock", None) if self._local else None
        self._take_locked = getattr(self._store, "take_locked", None) if self._store_lock is not None else None
        self._hot: dict[str, algo.State] = {}
        self._hot_now = self._clock.now
        self._epoch: float = getattr(self._store, "_epoch", 0.0)

    async def _areserve(self, items: Sequence[Item], priority: int, max_wait: float | None) -> Decision:
        if self._astore is not None:
            return await self._astore.areserve(items, priority, max_wait)
        if self._local:
            return self._store.reserve(items, priority, max_wait)
        return await asyncio.to_thread(self._store.reserve, items, priority, max_wait)

    async def _arefund(self, items: Sequence[Item], placed: Sequence[float]) -> None:
        if self._astore is not None:
            await self._astore.arefund(items, placed)
        elif self._local:
            self._store.refund(items, placed)
        else:
            await asyncio.to_thread(self._store.refund, items, placed)
        self._freed_by_me(items)

    async def _arebook(
        self, items: Sequence[Item], priority: int, placed: Sequence[float], due: bool = False
    ) -> Decision:
        args = (items, priority, placed, True) if due else (items, priority, placed)
        arebook = getattr(self._astore, "arebook", None)
        if arebook is not None:
            return cast(Decision, await arebook(*args))
        assert self._rebook is not None
        if self._local:
            return cast(Decision, self._rebook(*args))
        return cast(Decision, await asyncio.to_thread(self._rebook, *args))

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

    async def try_acquire(self, cost: Cost, *, priority: int = 0, scope: ScopeArg = None) -> AsyncGrant | None:
        """Admit now or not at all (see :meth:`Limiter.try_acquire`)."""
        items = self._prepare(cost, scope, priority)
        if not items:
            return AsyncGrant(self, _EMPTY, (), 0.0)
        if self._qkey(items) in self._queues:
            return None
        d = await self._areserve(items, priority, 0.0)
        return AsyncGrant(self, items, d.placed, 0.0) if d.granted else None

    async def acquire(
        self, cost: Cost, *, timeout: float | None = None, priority: int = 0, scope: ScopeArg = None
    ) -> AsyncGrant:
        """Wait until ``cost`` is admitted (see :meth:`Limiter.acquire`). Cancelling the task
        while it waits gives its slot back; cancelling it right after it was admitted too."""
        take = self._take_locked
        if take is not None and not self._queues and len(cost) == 1 and timeout is None and _plain(priority):
            # the hot path: one limit, nobody waiting, fits now
            ((name, amount),) = cost.items()
            limit = self._chargeable.get(name)
            if (
                limit is not None
                and amount.__class__ in _NUMBERS
                and 0 < amount <= limit.capacity
                and (not limit.reserve or priority >= limit.reserve_priority)
            ):
                if limit.scope is None:
                    st = self._hot.get(name)
                    if st is None:
                        st = self._hot[name] = self._store.state_for(limit, None)  # type: ignore[attr-defined]
                    with self._store_lock:  # type: ignore[union-attr]
                        now = self._hot_now()
                        if st.take_now(now, amount, limit.capacity, limit, self._epoch):
                            return AsyncGrant(self, ((limit, None, amount),), (now,), 0.0)
                else:
                    sc = resolve_scope(limit.scope, scope)
                    with self._store_lock:  # type: ignore[union-attr]
                        at = take(limit, sc, amount, priority)
                    if at is not None:
                        return AsyncGrant(self, ((limit, sc, amount),), (at,), 0.0)
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
            d = await self._areserve(items, priority, 0.0)
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
            await self._arefund(displaced[0], displaced[1].placed)
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
                    d = await self._areserve(items, priority, left)
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
                        await self._arefund(items, d.placed)
                    continue
                if state == RESERVED:
                    now = clock.now()
                    if now >= w.wake_at and (self._rebook is None or w.checked == w.wake_at):
                        d_opt = w.decision
                        assert d_opt is not None
                        self._handoff(qkey, q)
                        w.state = DONE
                        return AsyncGrant(self, items, d_opt.placed, now - started, now - w.wake_at)
                    if now >= w.wake_at or (w.replan and self._rebook is not None):
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
                        raise await self._aestimate(items, priority)
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
        task = asyncio.ensure_future(self._arebook(items, priority, old.placed, due))
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
        if self._astore is None and self._local:
            self._store.refund(items, placed)
            self._freed_by_me(items)
            return
        task = asyncio.get_running_loop().create_task(self._arefund(items, placed))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _aestimate(self, items: tuple[Item, ...], priority: int) -> RateLimited:
        d = await self._areserve(items, priority, -1.0)
        return self._limited(d, items)

    async def observe(self, observations: Iterable[Observation], *, scope: ScopeArg = None) -> None:
        """Fold what a server said into the store (every process sharing it learns).

        Like every store call of this limiter, it never blocks the event loop: the store's
        own ``aobserve`` (async Redis), inline for an in-process store (memory), else in a
        worker thread (SQLite, the synchronous Redis store)."""
        items = self._obs_items(observations, scope)
        if self._astore is not None:
            for limit, sc, obs in items:
                await self._astore.aobserve(limit, sc, obs)
        elif self._local:
            self._observe_all(items)
        elif items:
            await asyncio.to_thread(self._observe_all, items)

    def _observe_all(self, items: Sequence[tuple[Limit, str | None, Observation]]) -> None:
        for limit, sc, obs in items:
            self._store.observe(limit, sc, obs)

    async def statistics(self) -> tuple[LimitStatistics, ...]:
        """A frozen snapshot per limit and scope value the store holds (read as
        :meth:`observe` writes: never blocking the event loop)."""
        limits = list(self._limits.values())
        if self._astore is not None:
            snaps = await self._astore.asnapshot(limits)
        elif self._local:
            snaps = self._store.snapshot(limits)
        else:
            snaps = await asyncio.to_thread(self._store.snapshot, limits)
        return self._stats_from(snaps)  # on the loop: it counts the waiters of its queues

    async def aclose(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._astore is not None:
            await self._astore.aclose()
        elif self._local:
            self._store.close()
        else:
            await asyncio.to_thread(self._store.close)
