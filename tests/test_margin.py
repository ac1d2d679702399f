"""The transit margin: a limiter pads its windows by it, the integrations measure it."""

from __future__ import annotations

import asyncio
import heapq
import random
import threading
from collections.abc import Iterator

import pytest

import ratekeeper as rk
from ratekeeper._clock import clock_asleep
from ratekeeper.requests import Session
from ratekeeper.testing import FakeClock

from .test_http_fixtures import Reply, ScriptServer, reply, stat


def test_a_limiter_pads_its_windows_by_its_margin() -> None:
    clock = FakeClock()
    limits = [rk.Limit("w", 2, 1.0), rk.Limit("t", 100, 1.0, algorithm="token")]
    lim = rk.Limiter(limits, clock=clock, margin=0.5)
    assert lim.margin == 0.5 and lim.limits["w"].period == 1.5 and lim.limits["t"].period == 1.0
    lim.acquire({"w": 2, "t": 1})
    clock.advance(1.2)
    assert lim.try_acquire({"w": 1}) is None  # the server's window has passed; ours has not
    lim.set_margin(0.1)
    assert lim.limits["w"].period == pytest.approx(1.1)
    assert lim.try_acquire({"w": 1}) is not None  # the bookings stand; the new margin applies
    margins = {s.limit: s.margin for s in lim.statistics()}
    assert margins == {"w": 0.1, "t": 0.0}  # buckets are not padded
    with pytest.raises(ValueError, match="margin must be"):
        lim.set_margin(-1)


def test_a_fixed_limit_keeps_its_algorithm_once_spending_started() -> None:
    lim = rk.Limiter([rk.Limit("f", 10, 1.0, algorithm="fixed")], margin=0.1)
    assert lim.limits["f"].algorithm == "sliding"
    lim.set_margin(0.3)  # fine: it stays a sliding window
    with pytest.raises(ValueError, match="fixed limit"):
        lim.set_margin(0)
    assert lim.margin == 0.3


async def test_the_async_limiter_pads_alike() -> None:
    clock = FakeClock()
    lim = rk.AsyncLimiter([rk.Limit("w", 1, 1.0)], clock=clock, margin=0.25)
    await lim.acquire({"w": 1})
    clock.advance(1.1)
    assert await lim.try_acquire({"w": 1}) is None
    lim.set_margin(0.05)
    assert await lim.try_acquire({"w": 1}) is not None
    (s,) = await lim.statistics()
    assert s.margin == 0.05


def test_the_margin_follows_the_answers() -> None:
    m = rk.TransitMargin(0.1, floor=0.01, cap=1.0, warmup=8, window=16, narrow=0.5, hold=4)
    for _ in range(7):
        assert m.observe(0.002) is None  # warming up: the start value holds
    assert m.value == 0.1
    moved = m.observe(0.002)
    assert moved == pytest.approx(0.055) and m.value == moved  # half way to the floor
    for _ in range(20):
        m.observe(0.002)
    assert m.value == pytest.approx(0.01, abs=1e-4)  # never under the floor
    assert m.observe(0.3, route="proxy-a") == 0.3  # a slower route widens it at once
    assert m.statistics().routes == {"direct": 0.002, "proxy-a": 0.3}
    for _ in range(40):
        m.observe(0.002, route="proxy-a")
    assert m.value == pytest.approx(0.01, abs=1e-3)  # the slow answers left the window
    assert m.observe(5.0) == 1.0  # capped


def test_an_unpredicted_rate_limit_widens_and_holds() -> None:
    m = rk.TransitMargin(0.05, floor=0.01, warmup=4, window=8, narrow=1.0, hold=10)
    for _ in range(4):
        m.observe(0.001)
    assert m.value == 0.01
    assert m.refused() == 0.02  # doubled
    assert m.refused() is None  # answers refused together count once
    for _ in range(4):
        assert m.observe(0.001) is None  # held: no narrowing right after
    assert m.refused() == 0.04  # a refusal after `warmup` more answers widens again
    for _ in range(10):
        m.observe(0.001)
    assert m.value == 0.01  # the hold is over: back to what the answers say
    assert m.statistics().widened == 2


def test_bad_margin_settings_are_refused() -> None:
    for bad in (
        {"floor": -1},
        {"floor": 0.0},
        {"floor": 0.5, "cap": 0.1},
        {"quantile": 0},
        {"narrow": 2},
        {"window": 0},
        {"start": float("nan")},
    ):
        with pytest.raises(ValueError):
            rk.TransitMargin(**bad)
    with pytest.raises(ValueError, match="margin must be"):
        Session("hyperliquid", margin=-0.1)


@pytest.fixture
def srv() -> Iterator[ScriptServer]:
    with ScriptServer() as s:
        yield s


def test_a_session_measures_its_margin_and_widens_on_429(srv: ScriptServer) -> None:
    srv.default = Reply(200, b"{}", {"Content-Type": "application/json"}, delay=0.03)
    transit = rk.TransitMargin(0.005, floor=0.001, warmup=4, window=8, slack=0.0)  # every answer counts
    with Session("hyperliquid", base_url=srv.url, margin=transit, retry=rk.RetryPolicy.never()) as s:
        assert s.limiter.margin == 0.005
        for _ in range(4):
            s.post("/info", json={"type": "allMids"})
        assert 0.03 <= s.limiter.margin < 0.5  # the slowest answers, measured from their slots
        assert stat(s.limiter.statistics(), "ip_weight").margin == s.limiter.margin
        before = s.limiter.margin
        srv.script(reply(429, None))
        assert s.post("/info", json={"type": "allMids"}).status_code == 429
        assert s.limiter.margin == pytest.approx(2 * before)
        assert transit.statistics().widened == 1
    with Session("hyperliquid", base_url=srv.url, margin=0.2) as fixed:
        assert fixed.gate.transit is None
        fixed.post("/info", json={"type": "allMids"})
        assert fixed.limiter.margin == 0.2  # an explicit margin wins


def test_threads_share_one_margin(srv: ScriptServer) -> None:
    srv.default = Reply(200, b"{}", {"Content-Type": "application/json"}, delay=0.01)
    with Session("hyperliquid", base_url=srv.url) as s:
        threads = [
            threading.Thread(target=lambda: [s.post("/info", json={"type": "allMids"}) for _ in range(12)])
            for _ in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert s.gate.transit is not None
        stats = s.gate.transit.statistics()
        assert stats.samples == 48 and 0.01 <= stats.margin <= 0.1
        # applied when it moves by 5% (or 1 ms): the limiter's margin is at most that far behind
        assert abs(s.limiter.margin - stats.margin) <= max(0.001, 0.05 * s.limiter.margin)


def test_the_default_slack_is_the_shortest_padded_window(srv: ScriptServer) -> None:
    """Bookings move to their answers and waiters check their slots when they come, so a
    margin is needed only for answers slower than a window: with 20 ms answers and a 60 s
    window it sinks to its floor; with a 10 ms window it covers the 10 ms they outlast it."""
    srv.default = Reply(200, b"{}", {"Content-Type": "application/json"}, delay=0.02)
    with Session("hyperliquid", base_url=srv.url, margin=rk.TransitMargin(0.1, warmup=2, narrow=1.0)) as s:
        assert s.gate.transit is not None and s.gate.transit.slack == 60.0
        for _ in range(3):
            s.post("/info", json={"type": "allMids"})
        assert s.limiter.margin == 0.01
    short = rk.venue("hyperliquid", ip_weight=(1200, 0.01))
    with Session(short, base_url=srv.url, margin=rk.TransitMargin(0.1, warmup=2, narrow=1.0)) as s:
        assert s.gate.transit is not None and s.gate.transit.slack == 0.01
        for _ in range(3):
            s.post("/info", json={"type": "allMids"})
        assert 0.01 <= s.limiter.margin < 0.2
        assert s.gate.transit.statistics().routes["direct"] >= 0.02


def venue_peak(answered: bool, seed: int, delay: float, margin: float = 0.0) -> float:
    """A saturating client and a venue that counts each request up to ``delay`` after its
    slot (and answers up to 0.1 s later): the most the venue counts in any 1 s window."""
    rng = random.Random(seed)
    clock = FakeClock(start=0.0)
    limiter = rk.Limiter([rk.Limit("w", 20, 1.0)], clock=clock, margin=margin)
    counted: list[tuple[float, int]] = []
    in_flight: list[tuple[float, int, rk.Grant, int]] = []
    t, n = 0.0, 0
    while t < 20.0:
        while in_flight and in_flight[0][0] <= t:
            _, _, grant, weight = heapq.heappop(in_flight)
            grant.settle({"w": weight}, answered=answered)
        while (grant_or_none := limiter.try_acquire({"w": (weight := rng.choice((1, 2, 3)))})) is not None:
            counted_at = t + rng.uniform(0.0, delay)
            counted.append((counted_at, weight))
            heapq.heappush(in_flight, (counted_at + rng.uniform(0.0, 0.1), n, grant_or_none, weight))
            n += 1
        t = round(t + 0.005, 9)
        clock.set(t)
    counted.sort()
    return max(sum(w for c2, w in counted if c - 1.0 < c2 <= c) for c, _ in counted)


@pytest.mark.parametrize("seed", range(4))
def test_bookings_moved_to_their_answers_keep_the_venue_window_without_a_margin(seed: int) -> None:
    # delays up to 0.3 s and no margin at all: the venue still never counts more than 20 in
    # any second, because each booking moved to its answer once it came (within the window)
    assert venue_peak(answered=True, seed=seed, delay=0.3) <= 20
    # the same traffic with the bookings left at their slots overflows the venue's window
    assert venue_peak(answered=False, seed=seed, delay=0.3) > 20


async def queued_venue_peak(margin: float, seed: int, answered: bool = True) -> float:
    """8 tasks that wait their turn (the head books ahead), a venue that counts each request
    up to 0.2 s after its slot and answers up to 0.05 s later, bookings moved on each answer:
    the most the venue counts in any 1 s window."""
    rng = random.Random(seed)
    clock = FakeClock(start=0.0)
    limiter = rk.AsyncLimiter([rk.Limit("w", 20, 1.0)], clock=clock, margin=margin)
    counted: list[tuple[float, int]] = []

    async def worker() -> None:
        while clock.now() < 15.0:
            weight = rng.choice((1, 2, 3))
            grant = await limiter.acquire({"w": weight})
            delay, answer = rng.uniform(0.0, 0.2), rng.uniform(0.0, 0.05)
            counted.append((clock.now() - grant.late + delay, weight))
            await clock_asleep(clock, delay + answer)
            await grant.settle({"w": weight}, answered=answered)

    tasks = [asyncio.ensure_future(worker()) for _ in range(8)]
    while not all(t.done() for t in tasks):
        await clock.advance_async(0.005)
    counted.sort()
    return max(sum(w for c2, w in counted if c - 1.0 < c2 <= c) for c, _ in counted)


@pytest.mark.parametrize("seed", range(3))
async def test_waiters_booking_ahead_check_their_slot_when_it_comes(seed: int) -> None:
    # a waiter books its slot while older requests are still in flight at theirs; when the
    # slot comes it is checked against the bookings moved since (and moved later if it no
    # longer fits): no margin needed, the venue never counts more than 20 in a second
    assert await queued_venue_peak(margin=0.0, seed=seed) <= 20
    if seed == 0:  # with the bookings left at their slots, the same traffic overflows
        assert await queued_venue_peak(margin=0.0, seed=seed, answered=False) > 20


def test_the_high_quantile_is_that_of_the_last_window_of_samples() -> None:
    import math

    rng = random.Random(7)
    margin = rk.TransitMargin(0.1, window=16, warmup=0)
    seen: list[float] = []
    for _ in range(200):
        x = rng.choice([rng.random(), 0.5, 0.25])  # repeated values too: the oldest copy is the one dropped
        margin.observe(x)
        seen.append(x)
        last = sorted(seen[-16:])
        expected = last[max(0, math.ceil(margin.quantile * len(last)) - 1)]
        assert margin.statistics().routes["direct"] == expected
