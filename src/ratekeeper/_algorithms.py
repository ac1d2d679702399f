"""The decision core: one set of pure functions per algorithm.

Every function takes the state of one (limit, scope) budget, the store's ``now`` and the
numbers of the request; none reads a clock or does I/O. Stores (memory, SQLite) call them
under their own lock or transaction; the Redis store mirrors them in Lua and is checked
against the same test vectors.

States are small mutable objects that the functions update in place (the stores own them);
``decide`` combines several limits into one all-or-nothing decision.

Reservations: a request that cannot start now gets the earliest start time at which every
limit it names admits it, and that slot is booked at once. A later request may fill an
earlier gap if (and only if) no interval any booked request relies on would overflow, so a
booked slot is never invalidated and nobody starves.
"""

from __future__ import annotations

import copy
import math
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Sequence
from typing import Any, NamedTuple

from ._errors import CostExceedsCapacity
from ._limits import Limit, Observation

__all__ = [
    "Decision",
    "FixedState",
    "LeaseState",
    "QuotaState",
    "SlidingState",
    "State",
    "TokenState",
    "decide",
    "earliest",
    "commit",
    "check_concurrent",
    "leased_only",
    "check_lease",
    "lease",
    "lease_expire",
    "lease_held",
    "lease_snapshot",
    "new_state",
    "observe",
    "rebook",
    "refund",
    "snapshot",
    "state_from_dict",
    "state_to_dict",
    "MAX_SLIDING_ENTRIES",
    "Shares",
    "fair_check",
    "fair_level",
    "fair_used",
    "may_defer",
]

TOL = 1e-9
"""Relative tolerance for float sums (weights like 0.1 do not add up exactly)."""

MAX_SLIDING_ENTRIES = 8192
"""Past entries a sliding window keeps; beyond that the oldest are merged pairwise into the
later one of each pair (counted as if spent later), which never admits more."""

SLIDING_RESOLUTION = 1.0 / 4096
"""A request admitted in the same cell of the grid ``period * SLIDING_RESOLUTION`` as the
newest entry is merged into it and the entry moves to the later time: counted as spent a little later, so
it stays in the window a little longer. That never admits more than the exact rule, keeps
at most ~4096 entries per window, and delays a start by at most that much."""


_SLACK = 1.0 + TOL  # (the fit test's factor, computed once: the same double every time)
_floor = math.floor

_ULP = 2.0**-52
_TINY = 5e-324  # the smallest double: a step that moves 0.0


def _cell_top(cell: int, grid: float) -> float:
    """A time in ``cell`` of the grid of width ``grid`` (``floor(t / grid) == cell``) at or
    just below the cell's end: every time from one in ``cell`` up to it lies in ``cell``
    (``floor(t / grid)`` never decreases as ``t`` grows). ``-inf`` if none was found."""
    top = (cell + 1) * grid
    for _ in range(8):
        if _floor(top / grid) <= cell:
            return top
        top = math.nextafter(top, -math.inf)
    return -math.inf


def _fits(used: float, cost: float, cap: float) -> bool:
    return used + cost <= cap * (1.0 + TOL) + TOL


# ---------------------------------------------------------------------------------------
# sliding: at most `cap` in any interval of length `period`
# ---------------------------------------------------------------------------------------


class SlidingState:
    """Entries ``(time, weight)`` sorted by time, stored as times and running totals.

    ``cums[i]`` is the total weight of entries ``0..i``; entries below ``head`` have left
    every window that still matters and are dropped in bulk now and then.
    """

    __slots__ = ("blocked_until", "cell_of", "cell_period", "cell_top", "cums", "head", "times")

    def __init__(self) -> None:
        self.times: list[float] = []
        self.cums: list[float] = []
        self.head = 0
        self.blocked_until = -math.inf
        # take_now's memo of the grid cell of the newest entry: while ``times[-1]`` is the
        # very float ``cell_of`` and the period the very float ``cell_period``, a time in
        # ``[times[-1], cell_top]`` lies in that entry's cell (no division, no floor)
        self.cell_of: float | None = None
        self.cell_period: float | None = None
        self.cell_top = -math.inf

    def _cum_le(self, x: float) -> float:
        """Total weight of entries with time <= x."""
        i = bisect_right(self.times, x)
        return self.cums[i - 1] if i else 0.0

    def load(self, t: float, period: float) -> float:
        """Units counted at ``t``: entries with ``time <= t < time + period``."""
        cums = self.cums
        le = bisect_right(self.times, t)
        lv = _live_from(self.times, self.head, t, period)
        return (cums[le - 1] if le else 0.0) - (cums[lv - 1] if lv else 0.0)

    def total(self) -> float:
        return self.cums[-1] if self.cums else 0.0

    def take_now(self, now: float, cost: float, cap: float, limit: Limit, epoch: float) -> bool:
        """The common case in one step: nothing is booked after ``now`` and the cost fits
        at ``now``, so it is booked there. False (nothing booked) means "ask ``earliest``"."""
        if now < self.blocked_until:
            return False
        times = self.times
        if times:
            last = times[-1]
            if last > now:
                return False
            period = limit.period
            head = self.head
            if times[head] + period <= now:
                _sliding_expire(self, now, period)
                times = self.times
                head = self.head
            if times:
                cums = self.cums
                total = cums[-1]
                if (total - cums[head - 1] if head else total) + cost > cap * _SLACK + TOL:
                    return False
                if now <= self.cell_top and last is self.cell_of and period is self.cell_period:
                    # (``now`` is in the newest entry's cell: merged, as below)
                    times[-1] = self.cell_of = now
                    cums[-1] = total + cost
                    return True
                grid = period * SLIDING_RESOLUTION
                # merge only within one cell of a fixed grid, so a merged entry never drifts more
                # than one cell: under steady traffic entries still leave the window on time
                cell = _floor(now / grid)
                if cell == _floor(last / grid):
                    times[-1] = now
                    cums[-1] = total + cost
                else:
                    times.append(now)
                    cums.append(total + cost)
                    if len(times) - head > MAX_SLIDING_ENTRIES:
                        _sliding_coarsen(self, now)
                self.cell_of = now
                self.cell_period = period
                self.cell_top = _cell_top(cell, grid)
                return True
        total = 0.0 + cost  # (a running total is a float)
        if total > cap * _SLACK + TOL:
            return False
        times.append(now)
        self.cums.append(total)
        return True

    def untake(self, now: float, cost: float, limit: Limit, epoch: float) -> None:
        """Undo the last ``take_now`` (when another limit of the same request refused)."""
        self.cums[-1] -= cost


def _live_from(times: list[float], lo: int, t: float, period: float) -> int:
    """The first position >= ``lo`` whose entry is still counted at ``t`` (``time + period > t``).

    One rule decides whether an entry counts: it is spent at ``a`` and leaves when
    ``a + period`` (rounded as floats round) is reached. ``t - period`` rounds differently
    near large times, so it only seeds the search, which then settles on the exact boundary;
    expiry times are monotone in entry times, so the boundary is a single position.
    """
    i = bisect_right(times, t - period, lo)
    while i > lo and times[i - 1] + period > t:
        i -= 1
    n = len(times)
    while i < n and times[i] + period <= t:
        i += 1
    return i


def _gallop(cums: list[float], need: float, lo: int, hi: int) -> int:
    """The first position in ``[lo, hi)`` with ``cums[k] >= need`` (``hi`` if none), probing
    ``lo, lo+1, lo+3, lo+7, ...`` first: O(log d) for an answer d places on, so a sweep that
    moves forward through the entries pays O(entries) in all."""
    step = 1
    while True:
        probe = lo + step - 1
        if probe >= hi or cums[probe] >= need:
            return bisect_left(cums, need, lo, min(probe + 1, hi))
        lo = probe + 1
        step *= 2


def _sliding_expire(st: SlidingState, now: float, period: float) -> None:
    times = st.times
    head = st.head
    n = len(times)
    while head < n and times[head] + period <= now:
        head += 1
    st.head = head
    if head and head * 2 >= n:
        # drop the expired prefix and rebase the running totals so they stay small
        base = st.cums[head - 1]
        del times[:head]
        st.cums = [c - base for c in st.cums[head:]]
        st.head = 0


def sliding_earliest(st: SlidingState, now: float, frm: float, cost: float, cap: float, period: float) -> float:
    """The earliest ``t >= frm`` at which ``cost`` fits: a sweep that only moves forward.

    An entry ``a`` counts during ``[a, a + period)``. Placing ``cost`` at ``t`` is feasible when
    the load at ``t`` and the load at every booked entry in ``(t, t + period)`` (the only
    places where the windows containing ``t`` peak) leave room for it. The sweep keeps the
    load at ``t`` with two pointers and the largest load at the entries ahead in a monotone
    queue, and jumps straight to the next point where a failing check can pass: the expiry
    that frees enough room, or the entry whose load is the largest ahead. Every jump moves
    ``t`` strictly forward past an expiry or an entry, so the search ends after at most
    ``2 * entries`` jumps; every pointer and the queue only move forward, so a search past
    k entries costs O(k) (plus O(log n) to find its first jump).
    """
    _sliding_expire(st, now, period)
    t = max(frm, st.blocked_until)
    limit = cap * (1.0 + TOL) + TOL
    if cost > limit:
        return math.inf  # callers check first; never search for what cannot fit
    times, cums = st.times, st.cums
    n = len(times)
    head = st.head
    le = bisect_right(times, t, head)  # entries at or before t: positions < le
    if le == n and le == head:
        return t  # nothing counted, nothing ahead
    lv = _live_from(times, head, t, period)  # entries counted at t: positions lv .. le-1
    room = limit - cost  # the load a window may carry before the cost is added
    # the entries ahead (t, t + period): their loads, largest first (position, load)
    ahead: deque[tuple[int, float]] = deque()
    nxt = le  # the next entry to enter `ahead`
    q = lv  # first entry counted at times[nxt]: moves forward with nxt
    while True:
        while le < n and times[le] <= t:
            le += 1
        while lv < le and times[lv] + period <= t:
            lv += 1
        while ahead and ahead[0][0] < le:
            ahead.popleft()
        if nxt < le:
            nxt = le
        if q < lv:
            q = lv
        end = t + period
        while nxt < n and times[nxt] < end:
            a = times[nxt]
            while q < nxt and times[q] + period <= a:
                q += 1
            w = cums[nxt] - (cums[q - 1] if q else 0.0)
            while ahead and ahead[-1][1] <= w:
                ahead.pop()
            ahead.append((nxt, w))
            nxt += 1
        below = cums[lv - 1] if lv else 0.0
        upto = cums[le - 1] if le else 0.0
        if upto - below > room:
            # the load at t is too high: wait for enough of it to expire. Arrivals before
            # then only add load, so skip straight to that expiry.
            k = _gallop(cums, upto - room, lv, le)
            if k >= le:  # rounding: free everything counted now
                k = le - 1
            t = times[k] + period
            continue
        if ahead and ahead[0][1] > room:
            # a booked entry ahead already carries too much: nothing before it can go
            t = times[ahead[0][0]]
            continue
        return t


def sliding_commit(st: SlidingState, at: float, cost: float) -> float:
    times, cums = st.times, st.cums
    n = len(times)
    if n == 0 or at > times[-1]:
        times.append(at)
        cums.append((cums[-1] if n else 0.0) + cost)
    elif at == times[-1]:
        cums[-1] += cost
    else:
        i = bisect_left(times, at, st.head)
        if i < n and times[i] == at:
            for k in range(i, n):
                cums[k] += cost
        else:
            times.insert(i, at)
            cums.insert(i, (cums[i - 1] if i else 0.0))
            for k in range(i, n + 1):
                cums[k] += cost
    if len(times) - st.head > MAX_SLIDING_ENTRIES:
        _sliding_coarsen(st, at)
    return at


def _sliding_coarsen(st: SlidingState, now: float) -> None:
    """Merge the oldest half of the past entries pairwise into the later entry of each pair.

    Counting a weight as spent later than it was keeps it in windows longer: never admits more.
    """
    head = st.head
    past_end = bisect_right(st.times, now, head)
    span = (past_end - head) // 2
    if span < 2:
        return
    stop = head + span
    # keep every second index in [head, stop), and the one just before stop, so totals hold
    keep = list(range(head + 1, stop, 2))
    if not keep or keep[-1] != stop - 1:
        keep.append(stop - 1)
    st.times[head:stop] = [st.times[k] for k in keep]
    st.cums[head:stop] = [st.cums[k] for k in keep]


def sliding_refund(st: SlidingState, now: float, at: float, amount: float, period: float) -> None:
    if at + period <= now:
        return  # that entry has left every window already
    times, cums = st.times, st.cums
    i = bisect_left(times, at, st.head)
    if i >= len(times):
        return
    weight = cums[i] - (cums[i - 1] if i else 0.0)
    take = min(amount, weight)
    if take <= 0:
        return
    for k in range(i, len(times)):
        cums[k] -= take


def sliding_used(st: SlidingState, now: float, period: float) -> tuple[float, float]:
    """(units in the window ending now, units booked after now)."""
    _sliding_expire(st, now, period)
    return st.load(now, period), st.total() - st._cum_le(now)


# ---------------------------------------------------------------------------------------
# fixed: at most `cap` per window [k*period + offset, (k+1)*period + offset)
# ---------------------------------------------------------------------------------------


class FixedState:
    """Units used per window index; windows before the current one are dropped."""

    __slots__ = ("blocked_until", "windows")

    def __init__(self) -> None:
        self.windows: dict[int, float] = {}
        self.blocked_until = -math.inf

    def take_now(self, now: float, cost: float, cap: float, limit: Limit, epoch: float) -> bool:
        if now < self.blocked_until:
            return False
        windows = self.windows
        k = _floor((now + epoch - limit.offset) / limit.period)
        used = windows.get(k)
        if used is None:
            if windows:
                for old in [j for j in windows if j < k]:
                    del windows[old]
            used = 0.0
        if used + cost > cap * _SLACK + TOL:
            return False
        windows[k] = used + cost
        return True

    def untake(self, now: float, cost: float, limit: Limit, epoch: float) -> None:
        fixed_refund(self, now, cost, limit, epoch)


def _window_index(t: float, limit: Limit, epoch: float) -> int:
    return math.floor((t + epoch - limit.offset) / limit.period)


def _window_start(k: int, limit: Limit, epoch: float) -> float:
    """The start of window ``k``, nudged up where rounding would place it in window k - 1
    (periods like 0.1 at clock values like 1.7e9): a slot found for window k is booked there."""
    return _grid_start(k, limit.period, limit.offset, epoch)


def _grid_start(k: int, period: float, offset: float, epoch: float) -> float:
    """The first time of period ``k`` of the grid ``floor((t + epoch - offset) / period)``
    (a fixed limit's windows: :func:`_window_index`), nudged up where rounding would place
    it in period k - 1."""
    t = k * period + offset - epoch
    while math.floor((t + epoch - offset) / period) < k:
        t += max(abs(t) * _ULP, _TINY)
    return t


def fixed_earliest(
    st: FixedState, now: float, frm: float, cost: float, cap: float, limit: Limit, epoch: float
) -> float:
    windows = st.windows
    if windows:
        current = _window_index(now, limit, epoch)
        for k in [k for k in windows if k < current]:
            del windows[k]
    t = max(frm, st.blocked_until)
    if cost > cap * (1.0 + TOL) + TOL:
        return math.inf
    k = _window_index(t, limit, epoch)
    while not _fits(windows.get(k, 0.0), cost, cap):
        k += 1
        t = _window_start(k, limit, epoch)
    return t


def fixed_commit(st: FixedState, at: float, cost: float, limit: Limit, epoch: float) -> float:
    k = _window_index(at, limit, epoch)
    st.windows[k] = st.windows.get(k, 0.0) + cost
    return at


def fixed_refund(st: FixedState, at: float, amount: float, limit: Limit, epoch: float) -> None:
    k = _window_index(at, limit, epoch)
    if k in st.windows:
        st.windows[k] = max(0.0, st.windows[k] - amount)


# ---------------------------------------------------------------------------------------
# token: GCRA, a bucket of `cap` refilled at cap/period per second
# ---------------------------------------------------------------------------------------


class TokenState:
    """The theoretical arrival time: the bucket holds ``(tat - now) / interval`` units."""

    __slots__ = ("blocked_until", "tat")

    def __init__(self) -> None:
        self.tat = -math.inf
        self.blocked_until = -math.inf

    def take_now(self, now: float, cost: float, cap: float, limit: Limit, epoch: float) -> bool:
        if token_earliest(self, now, cost, cap, limit) > now:
            return False
        token_commit(self, now, cost, limit)
        return True

    def untake(self, now: float, cost: float, limit: Limit, epoch: float) -> None:
        token_refund(self, now, cost, limit)


def token_earliest(st: TokenState, frm: float, cost: float, cap: float, limit: Limit) -> float:
    interval = limit.period / limit.capacity
    t = max(frm, st.blocked_until)
    if st.tat == -math.inf:
        return t
    # the level after admitting at s is (max(tat, s) - s)/interval + cost <= cap
    return max(t, st.tat + (cost - cap) * interval)


def token_commit(st: TokenState, at: float, cost: float, limit: Limit) -> float:
    interval = limit.period / limit.capacity
    st.tat = max(st.tat, at) + cost * interval
    return at


def token_refund(st: TokenState, now: float, amount: float, limit: Limit) -> None:
    interval = limit.period / limit.capacity
    if st.tat > now:
        st.tat = max(now, st.tat - amount * interval)


def token_level(st: TokenState, now: float, limit: Limit) -> float:
    interval = limit.period / limit.capacity
    return max(0.0, st.tat - now) / interval if st.tat != -math.inf else 0.0


# ---------------------------------------------------------------------------------------
# quota: a cumulative allowance whose cap the server updates; once spent, 1 unit per period
# ---------------------------------------------------------------------------------------


class QuotaState:
    """Cumulative units used, the current cap (None: the limit's capacity), and the next
    trickle slot once the allowance is spent."""

    __slots__ = ("blocked_until", "cap", "next_trickle", "used")

    def __init__(self) -> None:
        self.used = 0.0
        self.cap: float | None = None
        self.next_trickle = -math.inf
        self.blocked_until = -math.inf

    def take_now(self, now: float, cost: float, cap: float, limit: Limit, epoch: float) -> bool:
        # only within the allowance itself; the trickle after it is spent goes through decide()
        if now < self.blocked_until:
            return False
        allowance = (self.cap if self.cap is not None else limit.capacity) * (min(cap, limit.capacity) / limit.capacity)
        if not _fits(self.used, cost, allowance):
            return False
        self.used += cost
        return True

    def untake(self, now: float, cost: float, limit: Limit, epoch: float) -> None:
        quota_refund(self, cost)


def quota_earliest(st: QuotaState, frm: float, cost: float, cap: float, limit: Limit) -> float:
    t = max(frm, st.blocked_until)
    allowance = (st.cap if st.cap is not None else limit.capacity) * (cap / limit.capacity)
    if _fits(st.used, cost, allowance):
        return t
    # spent: the venue lets one unit through per period
    return max(t, st.next_trickle)


def quota_commit(st: QuotaState, at: float, cost: float, limit: Limit, cap: float) -> float:
    # a charge after the answer (unbounded cap) that overspends starts the trickle all the same
    allowance = (st.cap if st.cap is not None else limit.capacity) * (min(cap, limit.capacity) / limit.capacity)
    if not _fits(st.used, cost, allowance):
        st.next_trickle = max(st.next_trickle, at) + cost * limit.period
    st.used += cost
    return at


def quota_refund(st: QuotaState, amount: float) -> None:
    st.used = max(0.0, st.used - amount)


# ---------------------------------------------------------------------------------------
# concurrent: at most `capacity` units held at any moment, through leases that expire
# ---------------------------------------------------------------------------------------


class LeaseState:
    """The leases of one concurrent (limit, scope): holder -> (units, expiry time).

    A lease is live while ``now < expiry``. Concurrent limits are not a :data:`State`: they
    are never reserved, only leased (``lease``), and ``new_state`` refuses them.
    """

    __slots__ = ("holders",)

    def __init__(self) -> None:
        self.holders: dict[str, tuple[float, float]] = {}


def leased_only(limit: Limit) -> ValueError:
    """The error for reserving, refunding or charging a concurrent limit."""
    return ValueError(
        f"limit {limit.name!r} is a concurrent limit: it is held through leases (Store.lease), "
        "never reserved or charged"
    )


def check_concurrent(limit: Limit) -> None:
    """Raise ValueError unless ``limit`` is a concurrent limit (the only kind leased)."""
    if not isinstance(limit, Limit):
        raise TypeError(f"limit must be a Limit, got {type(limit).__name__}")
    if limit.algorithm != "concurrent":
        raise ValueError(
            f"limit {limit.name!r} is a {limit.algorithm!r} limit: only concurrent limits are leased; "
            "charge it with Limiter.acquire instead"
        )


def check_lease(limit: Limit, holder: object, units: object, ttl: object) -> tuple[float, float]:
    """Validate one lease call before anything changes: ``(units, ttl)`` as floats, the ttl
    defaulting to the limit's period. Raises ValueError (TypeError for a non-number), or
    ``CostExceedsCapacity`` for more units than the limit holds."""
    check_concurrent(limit)
    if not isinstance(holder, str) or not holder:
        raise ValueError(f"lease on {limit.name!r}: holder must be a non-empty string, got {holder!r}")
    if isinstance(units, bool) or not isinstance(units, (int, float)):
        raise TypeError(f"lease on {limit.name!r}: units must be a number, got {type(units).__name__}")
    u = float(units)
    if not math.isfinite(u) or u < 0:
        raise ValueError(f"lease on {limit.name!r}: units must be a finite number >= 0, got {units!r}")
    if u > limit.capacity * (1.0 + TOL) + TOL:
        raise CostExceedsCapacity(limit.name, u, limit.capacity, "at once (a concurrent limit)")
    if ttl is None:
        return u, limit.period
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
        raise TypeError(f"lease on {limit.name!r}: ttl must be a number or None, got {type(ttl).__name__}")
    t = float(ttl)
    if not math.isfinite(t) or t <= 0:
        raise ValueError(f"lease on {limit.name!r}: ttl must be a finite number > 0, got {ttl!r}")
    return u, t


def lease_expire(st: LeaseState, now: float) -> bool:
    """Drop every lease that has expired by ``now``; whether any was dropped."""
    holders = st.holders
    gone = [h for h, (_, expires) in holders.items() if expires <= now]
    for h in gone:
        del holders[h]
    return bool(gone)


def lease_held(st: LeaseState, now: float) -> float:
    """Units held by the live leases at ``now``."""
    return sum(units for units, expires in st.holders.values() if expires > now)


def lease(
    st: LeaseState, now: float, holder: str, units: float, ttl: float, capacity: float
) -> tuple[bool, float, float]:
    """One lease step (``Store.lease``): ``(granted, held after it, retry_after)``.

    Drops expired leases; refuses (changing nothing else) when the holder asks for more than
    it holds and the other live holders leave no room; otherwise ``units == 0`` releases the
    holder's lease and any other value sets its units and its expiry to ``now + ttl``. A
    refusal's ``retry_after`` is the time until the earliest other live lease expires.
    """
    lease_expire(st, now)
    holders = st.holders
    current = 0.0
    others = 0.0
    first = math.inf
    for h, (u, expires) in holders.items():
        if h == holder:
            current = u
        else:
            others += u
            if expires < first:
                first = expires
    if units > current and not _fits(others, units, capacity):
        return False, others + current, max(0.0, first - now) if first < math.inf else 0.0
    if units == 0:
        holders.pop(holder, None)
        return True, others, 0.0
    holders[holder] = (units, now + ttl)
    return True, others + units, 0.0


def lease_snapshot(st: LeaseState, now: float) -> tuple[float, float]:
    """(units held now, seconds until the earliest live lease expires; 0 if none)."""
    held = 0.0
    first = math.inf
    for units, expires in st.holders.values():
        if expires > now:
            held += units
            first = min(first, expires)
    return held, (first - now if first < math.inf else 0.0)


# ---------------------------------------------------------------------------------------
# dispatch
# ---------------------------------------------------------------------------------------

State = SlidingState | FixedState | TokenState | QuotaState


def new_state(limit: Limit) -> State:
    algo = limit.algorithm
    if algo == "concurrent":
        raise leased_only(limit)
    if algo == "sliding":
        return SlidingState()
    if algo == "fixed":
        return FixedState()
    if algo == "token":
        return TokenState()
    return QuotaState()


def earliest(
    st: State, now: float, cost: float, limit: Limit, priority: int, epoch: float = 0.0, frm: float | None = None
) -> float:
    """The earliest time >= ``frm`` (default ``now``) at which ``cost`` fits this limit for
    ``priority``. ``now`` is the store's present, which decides what has expired."""
    cap = limit.capacity_for(priority)
    t = now if frm is None else frm
    if isinstance(st, SlidingState):
        return sliding_earliest(st, now, t, cost, cap, limit.period)
    if isinstance(st, FixedState):
        return fixed_earliest(st, now, t, cost, cap, limit, epoch)
    if isinstance(st, TokenState):
        return token_earliest(st, t, cost, cap, limit)
    return quota_earliest(st, t, cost, cap, limit)


def commit(st: State, at: float, cost: float, limit: Limit, priority: int, epoch: float = 0.0) -> float:
    """Book ``cost`` at ``at``; returns the time to quote when refunding it."""
    if isinstance(st, SlidingState):
        return sliding_commit(st, at, cost)
    if isinstance(st, FixedState):
        return fixed_commit(st, at, cost, limit, epoch)
    if isinstance(st, TokenState):
        return token_commit(st, at, cost, limit)
    return quota_commit(st, at, cost, limit, limit.capacity_for(priority))


def refund(st: State, now: float, at: float, amount: float, limit: Limit, epoch: float = 0.0) -> None:
    """Give back ``amount`` of what was booked at ``at`` (never more than was booked there)."""
    if amount <= 0:
        return
    if isinstance(st, SlidingState):
        sliding_refund(st, now, at, amount, limit.period)
    elif isinstance(st, FixedState):
        fixed_refund(st, at, amount, limit, epoch)
    elif isinstance(st, TokenState):
        token_refund(st, now, amount, limit)
    else:
        quota_refund(st, amount)


def observe(st: State, now: float, limit: Limit, obs: Observation, epoch: float = 0.0) -> None:
    """Make the state at least as pessimistic as what the server said."""
    if obs.blocked_for is not None and obs.blocked_for > 0:
        st.blocked_until = max(st.blocked_until, now + obs.blocked_for)
    if isinstance(st, QuotaState):
        if obs.cap is not None and obs.cap > 0:
            st.cap = obs.cap
        used = obs.used
        if used is None and obs.remaining is not None:
            used = (st.cap if st.cap is not None else limit.capacity) - obs.remaining
        if used is not None:
            st.used = max(st.used, used)
        return
    cap = obs.cap if obs.cap is not None and obs.cap > 0 else limit.capacity
    used = obs.used
    if used is None and obs.remaining is not None:
        used = cap - obs.remaining
    if used is None or used <= 0:
        return
    # the server's window may be smaller than ours (a header carrying a lower limit)
    used = used * (limit.capacity / cap)
    if isinstance(st, SlidingState):
        mine = sliding_used(st, now, limit.period)[0]
        if used > mine + TOL:
            sliding_commit(st, now, used - mine)
    elif isinstance(st, FixedState):
        k = _window_index(now, limit, epoch)
        st.windows[k] = max(st.windows.get(k, 0.0), used)
    else:
        interval = limit.period / limit.capacity
        if used > token_level(st, now, limit) + TOL:
            st.tat = now + used * interval
            if obs.reset_after is not None and obs.reset_after > 0:
                st.tat = max(st.tat, now + min(obs.reset_after, limit.period))


# ---------------------------------------------------------------------------------------
# a store that lost its state (a restart, a flush, an eviction, a failover): what the venue
# counted before the loss is unknown, so every budget is taken as full from that moment
# ---------------------------------------------------------------------------------------

LOST_HOLDER = "(lost state)"
"""The holder that stands, after a loss of state, for the leases held then (see lease_fill)."""


def fill_until(limit: Limit, lost: float, epoch: float = 0.0) -> float:
    """Until when a budget is taken as full after its store lost its state at ``lost``: until
    what the venue counted before has left its window. A sliding window and a bucket: one
    period; a fixed window: the end of the window holding ``lost``; a quota, which does not
    refill with time: until the venue says what is left (``inf``; see :func:`unfill`)."""
    if limit.algorithm == "fixed":
        return _window_start(_window_index(lost, limit, epoch) + 1, limit, epoch)
    if limit.algorithm == "quota":
        return math.inf
    return lost + limit.period


def fill(st: State, now: float, limit: Limit, lost: float, epoch: float = 0.0) -> bool:
    """Make ``st`` at least as full as a budget spent whole at ``lost``: blocked until
    :func:`fill_until`, or a quota used up. Whether it changed."""
    if isinstance(st, QuotaState):
        base = st.cap if st.cap is not None else limit.capacity
        if st.used < base:
            st.used = base
            return True
        return False
    until = fill_until(limit, lost, epoch)
    if until <= now or st.blocked_until >= until:
        return False
    st.blocked_until = until
    return True


def unfill(st: State, now: float, limit: Limit, lost: float, epoch: float = 0.0) -> bool:
    """Take the fill back before a count from the venue (used weight, requests used) is
    observed in its place. False when no fill can be in force any more (nothing to resync)."""
    until = fill_until(limit, lost, epoch)
    if until <= now:
        return False
    if isinstance(st, QuotaState):
        st.used = 0.0
    elif st.blocked_until == until:
        st.blocked_until = -math.inf
    return True


def lease_fill(st: LeaseState, now: float, lost: float, ttl: float, capacity: float) -> bool:
    """After a loss of state the leases held then are unknown: the whole capacity is taken
    as held (by :data:`LOST_HOLDER`) until a lease of this ``ttl`` taken at ``lost`` would
    have expired. Whether it changed."""
    if lost + ttl <= now or LOST_HOLDER in st.holders:
        return False
    st.holders[LOST_HOLDER] = (capacity, lost + ttl)
    return True


def snapshot(st: State, now: float, limit: Limit, epoch: float = 0.0) -> tuple[float, float, float]:
    """(used now, reserved for later, seconds until one more unit fits at the top priority)."""
    if isinstance(st, SlidingState):
        used, reserved = sliding_used(st, now, limit.period)
    elif isinstance(st, FixedState):
        k = _window_index(now, limit, epoch)
        used = st.windows.get(k, 0.0)
        reserved = sum(v for j, v in st.windows.items() if j > k)
    elif isinstance(st, TokenState):
        used, reserved = token_level(st, now, limit), 0.0
    else:
        used, reserved = st.used, 0.0
    unit = min(1.0, limit.capacity)
    nxt = earliest(st, now, unit, limit, limit.reserve_priority if limit.reserve else 0, epoch)
    return used, reserved, max(0.0, nxt - now)


def _events(st: State) -> int:
    """How many points a search over this state can stop at (a bound on decide's passes)."""
    if isinstance(st, SlidingState):
        return 2 * (len(st.times) - st.head) + 2
    if isinstance(st, FixedState):
        return len(st.windows) + 2
    return 2


def horizon(st: State, cost: float, limit: Limit, priority: int, epoch: float = 0.0) -> float:
    """A time from which this limit admits ``cost`` at every later instant (for a cost that
    fits at all): past every entry, booked window, bucket level and block."""
    cap = limit.capacity_for(priority)
    t = st.blocked_until
    if isinstance(st, SlidingState):
        if len(st.times) > st.head:
            t = max(t, st.times[-1] + limit.period)
    elif isinstance(st, FixedState):
        if st.windows:
            t = max(t, _window_start(max(st.windows) + 1, limit, epoch))
    elif isinstance(st, TokenState):
        if st.tat != -math.inf:
            t = max(t, st.tat + (cost - cap) * (limit.period / limit.capacity))
    else:
        t = max(t, st.next_trickle)
    return t


# ---------------------------------------------------------------------------------------
# several limits at once
# ---------------------------------------------------------------------------------------


class Decision(NamedTuple):
    """The outcome of one all-or-nothing reservation over several limits.

    ``start`` is the store time at which the request may go; ``granted`` is False when it
    would have had to wait longer than allowed (then nothing was booked); ``binding`` is the
    index of the limit that set ``start``; ``placed`` the per-item time to quote on refund.
    """

    start: float
    now: float
    granted: bool
    binding: int
    placed: tuple[float, ...]
    deferred: bool = False
    """Nothing was booked: the request is over its fair share of a contended budget (see
    :class:`Shares`) and should ask again at ``start``, store time."""


def decide(
    states: Sequence[State],
    limits: Sequence[Limit],
    costs: Sequence[float],
    now: float,
    priority: int,
    max_wait: float | None,
    epoch: float = 0.0,
) -> Decision:
    """Find the earliest start at which every limit admits its cost, and book it there.

    All or nothing: with ``max_wait`` set and the start further away than that, nothing is
    booked and ``granted`` is False (the start is still reported, for ``retry_after``).
    """
    n = len(states)
    t = now
    binding = 0
    # a common start: raise t to each limit's earliest until all agree (a fixed point). Each
    # pass that moves t moves it to one of finitely many points (an entry, an expiry, a
    # window start), so this ends; the bound is only a guard, and past it the horizon (a
    # time from which every limit admits the cost) is a common start that always holds.
    rounds = 4 + sum(_events(st) for st in states)
    for _ in range(rounds):
        moved = False
        for i in range(n):
            s = earliest(states[i], now, costs[i], limits[i], priority, epoch, t)
            if s > t:
                t = s
                binding = i
                moved = True
        if not moved:
            break
    else:
        for i in range(n):
            s = horizon(states[i], costs[i], limits[i], priority, epoch)
            if s > t:
                t = s
                binding = i
    if max_wait is not None and t - now > max_wait:
        return Decision(t, now, False, binding, ())
    placed = tuple(commit(states[i], t, costs[i], limits[i], priority, epoch) for i in range(n))
    return Decision(t, now, True, binding, placed)


def estimate(
    states: Sequence[State],
    limits: Sequence[Limit],
    costs: Sequence[float],
    now: float,
    priority: int,
    epoch: float = 0.0,
) -> Decision:
    """The earliest start at which every limit admits its cost, booking nothing: a
    :func:`decide` that may not wait at all, so its Decision is never granted."""
    return decide(states, limits, costs, now, priority, -math.inf, epoch)


def take_many(
    states: Sequence[State],
    items: Sequence[tuple[Limit, Any, float]],
    caps: Sequence[float] | None,
    now: float,
    epoch: float = 0.0,
) -> bool:
    """The common case of :func:`decide` in one pass, all or nothing: book every item's cost
    (``items``: ``(limit, scope, cost)``, ``states`` their states) at ``now`` if each limit
    admits it there with nothing booked after ``now``. ``caps``: each limit's capacity for
    the request's priority (:meth:`Limit.capacity_for`); None: each limit's full capacity.
    False: nothing was booked (ask :func:`decide`)."""
    for i in range(len(states)):
        limit, _, cost = items[i]
        if not states[i].take_now(now, cost, limit.capacity if caps is None else caps[i], limit, epoch):
            for j in range(i - 1, -1, -1):
                prev, _, back = items[j]
                states[j].untake(now, back, prev, epoch)
            return False
    return True


def _saved(st: State) -> list[Any]:
    """Everything a decision can change in ``st``, copied (lists and dicts shallowly)."""
    return [copy.copy(getattr(st, slot)) for slot in st.__slots__]


def _restore(st: State, saved: list[Any]) -> None:
    for slot, value in zip(st.__slots__, saved, strict=True):
        setattr(st, slot, value)


def rebook(
    states: Sequence[State],
    limits: Sequence[Limit],
    costs: Sequence[float],
    now: float,
    priority: int,
    placed: Sequence[float],
    epoch: float = 0.0,
    later: bool = False,
) -> Decision:
    """Move a booking earlier when room was freed before it: one all-or-nothing step.

    With ``later`` (a waiter whose slot has come, checking it against the bookings moved
    since it was made): the booking is given back and the earliest common start from now is
    booked, wherever it falls; the Decision is always granted.

    The booking of ``costs`` at ``placed`` (a :class:`Decision`'s ``placed``) is given back
    and the earliest common start is booked instead, if it comes before the old one. Then
    the Decision is granted with the new slot. Otherwise (nothing earlier, or the old slot is
    already due) it is not granted, reports the old slot, and every state is left exactly as
    it was. The old slot stays feasible once its own booking is given back, so the search
    never lands later than it; it can only land earlier.
    """
    old = max(placed, default=now)
    if later:
        for i in range(len(states)):
            refund(states[i], now, placed[i], costs[i], limits[i], epoch)
        return decide(states, limits, costs, now, priority, None, epoch)
    if old <= now:
        return Decision(old, now, False, 0, tuple(placed))
    distinct = list({id(st): st for st in states}.values())
    saved = [_saved(st) for st in distinct]
    for i in range(len(states)):
        refund(states[i], now, placed[i], costs[i], limits[i], epoch)
    d = decide(states, limits, costs, now, priority, old - now, epoch)
    if d.granted and d.start < old:
        return d
    for st, before in zip(distinct, saved, strict=True):
        _restore(st, before)
    return Decision(old, now, False, d.binding, tuple(placed))


# ---------------------------------------------------------------------------------------
# serialisation (the SQLite store keeps states as JSON)
# ---------------------------------------------------------------------------------------


def _num(x: float) -> Any:
    return None if x == -math.inf else x


def _unnum(x: Any) -> float:
    return -math.inf if x is None else float(x)


def state_to_dict(st: State) -> dict[str, Any]:
    if isinstance(st, SlidingState):
        head = st.head
        base = st.cums[head - 1] if head else 0.0
        return {
            "a": "sliding",
            "t": st.times[head:],
            "c": [c - base for c in st.cums[head:]],
            "b": _num(st.blocked_until),
        }
    if isinstance(st, FixedState):
        return {"a": "fixed", "w": {str(k): v for k, v in st.windows.items()}, "b": _num(st.blocked_until)}
    if isinstance(st, TokenState):
        return {"a": "token", "tat": _num(st.tat), "b": _num(st.blocked_until)}
    return {"a": "quota", "u": st.used, "cap": st.cap, "n": _num(st.next_trickle), "b": _num(st.blocked_until)}


def state_from_dict(d: dict[str, Any]) -> State:
    kind = d["a"]
    st: State
    if kind == "sliding":
        st = SlidingState()
        st.times = [float(x) for x in d["t"]]
        st.cums = [float(x) for x in d["c"]]
    elif kind == "fixed":
        st = FixedState()
        st.windows = {int(k): float(v) for k, v in d["w"].items()}
    elif kind == "token":
        st = TokenState()
        st.tat = _unnum(d["tat"])
    else:
        st = QuotaState()
        st.used = float(d["u"])
        st.cap = None if d["cap"] is None else float(d["cap"])
        st.next_trickle = _unnum(d["n"])
    st.blocked_until = _unnum(d["b"])
    return st


# ---------------------------------------------------------------------------------------
# fair shares of a contended budget between the clients (processes) that spend it
# ---------------------------------------------------------------------------------------

FAIR_SLACK = 0.05
"""A client may take this much more than its fair share in a period before it is deferred."""
FAIR_BUSY = 0.5
"""Shares are counted and enforced only while a request finds its budget at least this full
(its cost included): a budget far from full costs nothing extra (the Redis scripts skip the
bookkeeping)."""
FAIR_MAX_PERIOD = 60.0
"""Limits with a longer period (daily order counts, quotas) are never rationed: a deferral
waits for the next period."""


def fair_level(
    got: dict[str, float], waited: dict[str, float], capacity: float, period: float, counted: float | None = None
) -> float:
    """The fair share of one period (``inf``: nobody is rationed), from the period before.

    Each client's demand is estimated from what it was granted and how long it waited:
    ``got * period / (counted - waited)``, the rate it would have spent had it never waited
    (a client that got everything at once shows its own pace; one that waited nearly all the
    time shows a large demand). ``counted``: how much of the period was counted (from its
    first busy request to its end; None: all of it), so that the first period of a run, or
    one that became busy late, does not make its clients look light. Then max-min fairness
    (water-filling): clients that want less than an equal part of what is left keep what
    they want, the others share the rest equally. When every demand fits (the budget was not
    contended), or one client spends it alone, the level is ``inf``."""
    if len(got) < 2:
        return math.inf
    floor = period * 1e-3
    span = period if counted is None else counted
    demands = sorted(g * period / max(span - waited.get(c, 0.0), floor) for c, g in got.items())
    left, n = capacity, len(demands)
    for d in demands:
        if d * n <= left:
            left -= d
            n -= 1
        else:
            return left / n
    return math.inf


class Shares:
    """Who spent one budget in its current period, for fair shares between the store's
    clients (each store object is one client: in practice, one process).

    A sequential client that is slower to ask again (fewer CPU cycles on a loaded machine,
    a longer round trip) takes a smaller part of a contended budget than the others, and a
    quick one a larger part. With shares, a request that would take its client past
    ``(1 + FAIR_SLACK)`` times the fair share of this period is deferred to the next period
    (nothing booked: it asks again then), leaving the room to the others. The fair share is
    :func:`fair_level` of the period before, so an idle or light client does not hold back
    the busy ones. The Redis scripts (``reserve.lua``) mirror this class."""

    __slots__ = ("began", "busy", "got", "index", "level", "waited")

    def __init__(self) -> None:
        self.index: int | None = None
        self.level = math.inf
        self.got: dict[str, float] = {}
        self.waited: dict[str, float] = {}
        self.began = -math.inf  # the store time the period's counting began (its first busy request)
        self.busy: dict[str, float] = {}  # each client's latest end of a wait counted

    @staticmethod
    def applies(limit: Limit) -> bool:
        """Whether ``limit`` is rationed at all (a windowed limit of a short period)."""
        return limit.algorithm in ("sliding", "fixed", "token") and limit.period <= FAIR_MAX_PERIOD

    @staticmethod
    def period_of(limit: Limit, now: float, epoch: float = 0.0) -> tuple[int, float]:
        """The index of the period ``now`` falls in (a fixed limit's window; for the others,
        periods counted from 0), and the first time of the next one: nudged up where rounding
        would leave it in this one (periods like 0.1 at clock values like 1.7e9), so a
        request deferred there is in the next period when it asks again, and strictly later
        than ``now``."""
        off, ep = (limit.offset, epoch) if limit.algorithm == "fixed" else (0.0, 0.0)
        k = math.floor((now + ep - off) / limit.period)  # (_window_index for a fixed limit)
        return k, _grid_start(k + 1, limit.period, off, ep)

    def roll(self, k: int, limit: Limit, now: float, epoch: float = 0.0) -> None:
        """Begin period ``k`` at ``now``: its level from the period before (if that one was
        counted, from when its counting began to its end)."""
        if self.index == k:
            return
        if self.index == k - 1:
            off, ep = (limit.offset, epoch) if limit.algorithm == "fixed" else (0.0, 0.0)
            counted = min(k * limit.period + off - ep - self.began, limit.period)
            self.level = fair_level(self.got, self.waited, limit.capacity, limit.period, counted)
        else:
            self.level = math.inf
        self.index, self.got, self.waited, self.began, self.busy = k, {}, {}, now, {}

    def over(self, client: str, cost: float) -> bool:
        """Whether ``cost`` takes ``client`` past its share of the current period. A client
        that got nothing yet in the period never is: a cost larger than a share still goes
        (once a period), so nothing is deferred for ever."""
        got = self.got.get(client, 0.0)
        return got > 0 and got + cost > (1.0 + FAIR_SLACK) * self.level

    def count(self, client: str, cost: float, now: float, until: float) -> None:
        """``client`` asked at ``now`` and was granted ``cost`` at ``until`` (or, with a cost
        of 0, was deferred until then). Its waiting is the union of such intervals, not
        their sum: the threads of one client waiting at the same time wait once (summed, a
        client with two threads looked twice as hungry as it was)."""
        if cost > 0:
            self.got[client] = self.got.get(client, 0.0) + cost
        busy = self.busy.get(client, -math.inf)
        added = until - max(now, busy)
        if added > 0:
            self.waited[client] = self.waited.get(client, 0.0) + added
            self.busy[client] = until


def may_defer(priority: int, max_wait: float | None) -> bool:
    """Whether a reservation may be deferred for its fair share: only at priority 0 or below
    (a cancel sent at a higher priority is never held back) and only if it may wait at all
    (not a charge, which comes at the top priority; not ``try_acquire``)."""
    return priority <= 0 and (max_wait is None or max_wait > 0)


def fair_used(st: State, now: float, limit: Limit, epoch: float = 0.0) -> float:
    """How full the budget is at ``now`` for :data:`FAIR_BUSY` (units used, and for a
    sliding window booked ahead too): read right after the request's cost was taken."""
    if isinstance(st, SlidingState):
        used, reserved = sliding_used(st, now, limit.period)
        return used + reserved
    if isinstance(st, FixedState):
        return st.windows.get(_window_index(now, limit, epoch), 0.0)
    if isinstance(st, TokenState):
        return token_level(st, now, limit)
    return 0.0


def fair_check(
    entries: Sequence[tuple[Shares, Limit, float, int]],
    client: str,
    deferrable: bool,
    now: float,
    max_wait: float | None,
    epoch: float = 0.0,
) -> Decision | None:
    """The fair-share step of a reservation, before anything is booked: ``entries`` are the
    busy budgets of the request (their shares, limit, the request's cost, the item's index).
    Each one's shares are rolled to the period of ``now``. Returns the deferral (nothing
    booked: ask again when the latest of the periods it is over its share in ends), or None
    to go on (then :meth:`Shares.count` each once the request is booked)."""
    until, binding = -math.inf, 0
    full = []
    for shares, limit, cost, index in entries:
        k, nxt = Shares.period_of(limit, now, epoch)
        shares.roll(k, limit, now, epoch)
        if shares.got.get(client, 0.0) + cost > shares.level:
            full.append(shares)
            if deferrable and shares.over(client, cost) and nxt > until:
                until, binding = nxt, index
    if until > -math.inf and (max_wait is None or until - now <= max_wait):
        # the deferral is waiting: the client wants more of every budget it would take past
        # its share (the one it is deferred for, and those of the request it spends as
        # much of; not one it spends little of, which holds nobody back)
        for shares in full:
            shares.count(client, 0.0, now, until)
        return Decision(until, now, False, binding, (), True)
    return None
