"""Decisions on awkward floats: they always end, never over-admit, and find the earliest slot.

Times near 0, just below and above powers of two and around today's UNIX time, periods such
as 0.1, 2, 60 and 86400: where ``(a + period) - period`` is not ``a``. The reference here
is a brute-force search written from the rule itself (an entry spent at ``a`` counts during
``[a, a + period)``, the sum rounded as floats round), independent of the core's sweep.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ratekeeper import Limit
from ratekeeper import _algorithms as algo

BASES = (0.0, 1e-9, 2.0**20 - 0.005, 2.0**33 - 1e-5, 2.0**33, 1_700_000_000.0, 1_700_000_000.0 + 1 / 3)
PERIODS = (0.1, 0.3, 2.0, 60.0, 86400.0)
STEPS = (0.0, 0.01, 0.1, 1 / 3, 0.5, 1.0, 7.0)


class FloatSliding:
    """Entries (time, weight); the cap holds at every instant, windows ``[a, a + period)``."""

    def __init__(self, period: float, cap: float) -> None:
        self.period = period
        self.limit = cap * (1.0 + algo.TOL) + algo.TOL
        self.entries: list[tuple[float, float]] = []

    def load(self, t: float) -> float:
        return sum(w for a, w in self.entries if a <= t < a + self.period)

    def fits(self, s: float, cost: float) -> bool:
        # the load peaks at s or at an entry inside [s, s + period)
        points = [s] + [a for a, _ in self.entries if s < a < s + self.period]
        return all(self.load(p) <= self.limit - cost for p in points)

    def earliest(self, frm: float, cost: float) -> float:
        # feasibility changes only at entries and expiries: try frm, then each of those after it
        points = sorted({frm} | {x for a, _ in self.entries for x in (a, a + self.period) if x > frm})
        for p in points:
            if self.fits(p, cost):
                return p
        raise AssertionError("no start found")

    def worst(self) -> float:
        return max((self.load(a) for a, _ in self.entries), default=0.0)


@settings(max_examples=250, deadline=None)
@given(
    base=st.sampled_from(BASES),
    period=st.sampled_from(PERIODS),
    cap=st.sampled_from((3.0, 10.0, 1200.0)),
    ops=st.lists(
        st.tuples(st.sampled_from(STEPS), st.sampled_from((1.0, 2.0, 3.0, 20.0, 60.0)), st.booleans()),
        min_size=1,
        max_size=60,
    ),
)
def test_sliding_is_earliest_and_never_over_admits_on_awkward_floats(
    base: float, period: float, cap: float, ops: list[tuple[float, float, bool]]
) -> None:
    limit = Limit("w", cap, period)
    state = algo.SlidingState()
    ref = FloatSliding(period, cap)
    now = base
    for step, cost, scaled in ops:
        now += step * period if scaled else step
        cost = min(cost, cap)
        want = ref.earliest(now, cost)
        got = algo.earliest(state, now, cost, limit, 0)
        assert got == want, (now, cost, ref.entries)
        algo.commit(state, got, cost, limit, 0)
        ref.entries.append((got, cost))
        assert ref.worst() <= ref.limit


def test_the_63rd_decision_ends() -> None:
    """The reported hang: a 60 s window on a clock that starts at 0 and moves 10 ms a call;
    ``(0.01 + 60) - 60 < 0.01`` once made the search step to the same instant for ever."""
    limit = Limit("w", 1200, 60)
    state = algo.new_state(limit)
    ref = FloatSliding(60.0, 1200.0)
    rng = random.Random(1)
    now = 0.0
    for _ in range(400):
        cost = float(rng.choice([1, 2, 20, 20, 60]))
        d = algo.decide([state], [limit], [cost], now, 0, None)
        assert d.granted and d.start >= now
        ref.entries.append((d.start, cost))
        now += 0.01
    assert ref.worst() <= ref.limit
    # 400 calls asked for far more than 1200: the later ones are booked minutes ahead
    assert ref.entries[-1][0] > 60.0


@pytest.mark.parametrize("base", [0.0, 2.0**31 - 0.01, 1_700_000_000.0])
@pytest.mark.parametrize("period", [0.1, 60.0, 86400.0])
def test_fixed_windows_book_the_window_they_found(base: float, period: float) -> None:
    """A window start such as ``k * 0.1`` rounds below the window near large times: the slot
    found for window k must be booked in window k, never in the full one before it."""
    limit = Limit("f", 5, period, algorithm="fixed")
    state = algo.FixedState()
    per_window: dict[int, float] = {}
    now = base
    for i in range(200):
        d = algo.decide([state], [limit], [2.0], now, 0, None)
        k = algo._window_index(d.start, limit, 0.0)
        per_window[k] = per_window.get(k, 0.0) + 2.0
        assert per_window[k] <= 5.0, (i, d.start, k)
        assert state.windows.get(k) == per_window[k]
        now += period / 7


def test_decide_agrees_over_many_alternating_refusals() -> None:
    """Two budgets that each admit only where the other is full: the common start is past
    every booking. The search used to give up after 64 + 4n passes and book a slot that one
    limit refused."""
    a, b = Limit("a", 1, 1.0), Limit("b", 1, 1.0)
    sa, sb = algo.SlidingState(), algo.SlidingState()
    for j in range(200):
        algo.commit(sa, 2.0 * j, 1.0, a, 0)  # a is free only at odd instants
        algo.commit(sb, 2.0 * j + 1.0, 1.0, b, 0)  # b only at even ones
    d = algo.decide([sa, sb], [a, b], [1.0, 1.0], 0.0, 0, None)
    assert d.granted and d.start == 400.0
    for st_, lim in ((sa, a), (sb, b)):
        assert max(st_.load(t, 1.0) for t in st_.times) <= 1.0
        assert algo.earliest(st_, 400.0, 0.5, lim, 0) == 401.0


@pytest.mark.parametrize("period", [0.1, 2.0, 60.0, 86400.0])
def test_a_search_past_many_bookings_ends_and_is_exact(period: float) -> None:
    """Thousands of bookings ahead on a clock near 2**33: the sweep walks them once."""
    limit = Limit("w", 100, period)
    state = algo.SlidingState()
    now = 2.0**33 - period / 3
    starts = [algo.decide([state], [limit], [7.0], now, 0, None).start for _ in range(3000)]
    assert starts == sorted(starts) and starts[-1] > now + 100 * period
    assert max(state.load(t, period) for t in state.times) <= 100.0 * (1 + algo.TOL) + algo.TOL
