"""The one-limit fast path of ``acquire`` and the sliding window's memo of its newest cell
decide exactly as the plain rule does (``floor(t / grid)`` compared, every call)."""

from __future__ import annotations

import asyncio
import math
import random

import pytest

import ratekeeper as rk
from ratekeeper import _algorithms as algo
from ratekeeper.testing import FakeClock


def _plain_take_now(st: algo.SlidingState, now: float, cost: float, cap: float, period: float) -> bool:
    """SlidingState.take_now without its memo: the grid cell computed on every call."""
    if now < st.blocked_until:
        return False
    times = st.times
    if times:
        if times[-1] > now:
            return False
        if times[st.head] + period <= now:
            algo._sliding_expire(st, now, period)
            times = st.times
    cums = st.cums
    if times:
        total = cums[-1]
        used = total - cums[st.head - 1] if st.head else total
    else:
        total = used = 0.0
    if used + cost > cap * (1.0 + algo.TOL) + algo.TOL:
        return False
    grid = period * algo.SLIDING_RESOLUTION
    if times and math.floor(now / grid) == math.floor(times[-1] / grid):
        times[-1] = now
        cums[-1] = total + cost
    else:
        times.append(now)
        cums.append(total + cost)
        if len(times) - st.head > algo.MAX_SLIDING_ENTRIES:
            algo._sliding_coarsen(st, now)
    return True


@pytest.mark.parametrize("seed", range(20))
def test_the_cell_memo_merges_as_the_plain_rule(seed: int) -> None:
    rnd = random.Random(seed)
    period = rnd.choice([1.0, 0.1, 0.37, 1e-3, 60.0])
    cap = rnd.choice([1e9, 50.0, 3.5])
    limits = [rk.Limit("a", cap, period), rk.Limit("a", cap, period + 0.05)]  # a margin: one state, two periods
    grid = period * algo.SLIDING_RESOLUTION
    now = rnd.choice([0.0, 12345.678, 1.7e9, -5.0]) + rnd.randrange(1000) * grid
    for _ in range(8):  # start a few ulps below a cell's edge
        now = math.nextafter(now, -math.inf)
    memo, plain = algo.SlidingState(), algo.SlidingState()
    for _ in range(600):
        step = rnd.choice([0.0, -1.0, 1e-7, grid / 3, grid, period * rnd.random()])  # -1: one ulp
        now = math.nextafter(now, math.inf) if step < 0 else now + step
        limit = rnd.choice(limits)
        cost = rnd.choice([1, 1.0, 0.5, 2.0])
        got = memo.take_now(now, cost, limit.capacity, limit, 0.0)
        assert got == _plain_take_now(plain, now, cost, limit.capacity, limit.period)
        assert (memo.times, memo.cums, memo.head) == (plain.times, plain.cums, plain.head)


def test_a_cell_top_is_in_its_cell() -> None:
    rnd = random.Random(7)
    for _ in range(2000):
        grid = rnd.choice([1.0, 0.1, 0.37, 1e-3, 60.0]) * algo.SLIDING_RESOLUTION
        cell = math.floor(rnd.uniform(-1e12, 1e12) / grid) if rnd.random() < 0.5 else rnd.randrange(10**7)
        top = algo._cell_top(cell, grid)
        assert top == -math.inf or math.floor(top / grid) == cell


async def test_the_fast_path_follows_a_new_margin() -> None:
    """The one-limit path keeps each limit it charged; a new margin (new limits) drops them:
    a wider window is not judged by the narrower one it replaced."""
    clock = FakeClock()
    lim = rk.AsyncLimiter([rk.Limit("w", 2, 1.0)], clock=clock, margin=0.1)
    for _ in range(2):
        assert (await lim.acquire({"w": 1})).at == clock.now()
    clock.advance(1.2)  # past the 1.1 s window, not past a 1.5 s one
    lim.set_margin(0.5)  # the window is 1.5 s now: the first two still count
    assert await lim.estimate({"w": 1}) == pytest.approx(0.3)
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(lim.acquire({"w": 1}), 0.05)  # (the fake clock never gets there)
    clock.advance(0.3)
    assert (await lim.acquire({"w": 1})).waited == 0.0


async def test_the_async_fast_path_grants_as_the_full_path() -> None:
    clock = FakeClock()
    lim = rk.AsyncLimiter([rk.Limit("a", 3, 1.0), rk.Limit("s", 3, 1.0, scope="ip")], clock=clock)
    grants = [await lim.acquire({"a": 1}) for _ in range(3)]
    assert [(g.at, g.cost, g.waited, g.late) for g in grants] == [(clock.now(), {"a": 1}, 0.0, 0.0)] * 3
    assert await lim.try_acquire({"a": 1}) is None
    await grants[0].release()
    again = await lim.acquire({"a": 1.0})
    assert again.cost == {"a": 1.0} and again.at == clock.now()
    await again.settle({"a": 0})
    assert (await lim.acquire({"a": 1})).waited == 0.0
    with pytest.raises(RuntimeError, match="already settled"):
        await again.settle({"a": 1})
