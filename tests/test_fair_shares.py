"""Fair shares of a contended budget between the clients (store objects, in practice
processes) that spend it: the Python rules in ``_algorithms`` (``fair_level``, ``Shares``,
``fair_check``), the Redis scripts that mirror them (``fair.lua``), checked against a Python
model on a random run (the SQLite store's own steps), the SQLite store, and the limiters'
handling of a deferred request."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import math
import random
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import pytest
import redis

import ratekeeper as rk
from ratekeeper import _algorithms as algo
from ratekeeper._algorithms import (
    FAIR_MAX_PERIOD,
    FAIR_SLACK,
    Decision,
    Shares,
    fair_check,
    fair_level,
    fair_used,
    may_defer,
)
from ratekeeper._limits import CHARGE_PRIORITY, Algorithm
from ratekeeper.stores.redis import AsyncRedisStore, RedisStore
from ratekeeper.stores.sqlite import SQLiteStore
from ratekeeper.stores.sqlite import _reserve as sqlite_reserve
from ratekeeper.testing import FakeClock, RedisServer, unique_prefix

WINDOWED: list[Algorithm] = ["sliding", "fixed", "token"]

Item = tuple[rk.Limit, "str | None", float]
Client = RedisStore | SQLiteStore
"""A store object: one client of the budgets it spends."""


def one(limit: rk.Limit, amount: float) -> tuple[tuple[rk.Limit, str | None, float]]:
    return ((limit, None, float(amount)),)


# ---------------------------------------------------------------------------------------
# the rules: fair_level, Shares, fair_check, may_defer
# ---------------------------------------------------------------------------------------


def test_equal_heavy_clients_share_the_capacity_equally() -> None:
    # each waited half the period for 50: a demand of 100 each
    assert fair_level({"a": 50.0, "b": 50.0}, {"a": 0.5, "b": 0.5}, 100.0, 1.0) == pytest.approx(50.0)
    three = {"a": 30.0, "b": 30.0, "c": 40.0}
    assert fair_level(three, dict.fromkeys(three, 0.9), 90.0, 1.0) == pytest.approx(30.0)


def test_a_light_client_keeps_its_demand_and_the_heavy_one_gets_the_rest() -> None:
    # b never waited for its 10 (demand 10); a waited 90% of the period for 80 (demand 800)
    assert fair_level({"a": 80.0, "b": 10.0}, {"a": 0.9}, 100.0, 1.0) == pytest.approx(90.0)
    # three clients: the light one keeps 10, the two heavy ones split 90
    level = fair_level({"a": 40.0, "b": 40.0, "c": 10.0}, {"a": 0.9, "b": 0.9}, 100.0, 1.0)
    assert level == pytest.approx(45.0)


def test_one_client_alone_is_never_rationed() -> None:
    assert fair_level({"a": 100.0}, {"a": 0.99}, 100.0, 1.0) == math.inf
    assert fair_level({}, {}, 100.0, 1.0) == math.inf


def test_a_client_that_never_waited_shows_its_own_pace() -> None:
    # a took 20 at once (demand 20), b waited half the period for 80 (demand 160): a keeps
    # its pace, b gets the rest
    assert fair_level({"a": 20.0, "b": 80.0}, {"b": 0.5}, 100.0, 1.0) == pytest.approx(80.0)
    # nobody waited and everything fit: not contended
    assert fair_level({"a": 30.0, "b": 60.0}, {}, 100.0, 1.0) == math.inf


def test_a_client_that_waited_the_whole_period_has_a_large_finite_demand() -> None:
    # waited >= period: the demand is capped by the floor (period * 1e-3), not infinite or negative
    level = fair_level({"a": 10.0, "b": 10.0}, {"a": 5.0, "b": 1.0}, 100.0, 1.0)
    assert level == pytest.approx(50.0)


def test_no_previous_period_means_no_level() -> None:
    limit = rk.Limit("w", 100, 1.0)
    sh = Shares()
    sh.roll(7, limit, 7.0)
    assert (sh.index, sh.level) == (7, math.inf)
    assert not sh.over("a", 1e9)
    sh.count("a", 60.0, 7.0, 7.5)
    sh.count("b", 40.0, 7.0, 7.5)
    sh.roll(7, limit, 7.0)  # the same period: nothing changes
    assert sh.got == {"a": 60.0, "b": 40.0}
    sh.roll(9, limit, 9.0)  # a gap: the period before (8) was not counted
    assert (sh.index, sh.level, sh.got, sh.waited) == (9, math.inf, {}, {})


def test_shares_roll_into_the_next_period_with_a_level() -> None:
    limit = rk.Limit("w", 100, 1.0)
    sh = Shares()
    sh.roll(3, limit, 3.0)
    sh.count("a", 80.0, 3.0, 3.5)
    sh.count("a", 0.0, 3.5, 4.0)
    sh.count("b", 20.0, 3.0, 4.0)
    assert sh.waited == {"a": 1.0, "b": 1.0}
    sh.roll(4, limit, 4.0)
    assert sh.level == pytest.approx(50.0)
    assert (sh.got, sh.waited) == ({}, {})
    # a client that got nothing yet in the period is never over, whatever the cost (once a
    # period: nothing is deferred for ever)
    assert not sh.over("a", 1000.0)
    sh.count("a", 1.0, 4.0, 4.0)
    assert not sh.over("a", 50.0 * (1 + FAIR_SLACK) - 1.0)
    assert sh.over("a", 50.0 * (1 + FAIR_SLACK) - 1.0 + 0.01)
    sh.count("a", 49.0, 4.0, 4.0)
    assert sh.over("a", 3.0) and not sh.over("b", 52.0)
    assert "a" not in sh.waited  # no wait, nothing recorded
    sh.count("b", 0.0, 4.0, 4.25)  # a deferral: a wait, no units
    assert sh.got == {"a": 50.0} and sh.waited == {"b": 0.25}


def test_the_threads_of_a_client_waiting_at_once_wait_once() -> None:
    """A client's waiting is the union of its waits, not their sum: two threads of one
    process waiting over the same half second wait half a second (summed, a process with
    two threads looked twice as hungry as it was, and a greedy one beside it was held to 94%
    of the budget)."""
    sh = Shares()
    sh.roll(3, rk.Limit("w", 100, 1.0), 3.0)
    sh.count("a", 1.0, 3.1, 3.6)
    sh.count("a", 1.0, 3.2, 3.6)  # inside the first
    sh.count("a", 1.0, 3.3, 3.7)  # 0.1 s past it
    sh.count("a", 0.0, 3.9, 4.0)  # a deferral, after a gap
    assert sh.waited["a"] == pytest.approx(0.5 + 0.1 + 0.1)
    assert sh.got["a"] == 3.0


def test_clients_that_began_mid_period_are_not_taken_for_light_ones() -> None:
    """The first period of a run is partial: four clients that began 0.6 s into it and took
    25 each in the 0.4 s left spend at 62.5 per period, more than a quarter of the budget
    each. Read over the whole period they would want 25 each, all fitting, and the next
    period would go unrationed (the fastest taking what it can: one process of sixteen took
    four times its share of the first measured window of bench/bench_scale.py that way)."""
    limit = rk.Limit("w", 100, 1.0)
    sh = Shares()
    sh.roll(5, limit, 5.6)
    for c in "abcd":  # counting began at 5.6, with the first busy request
        sh.count(c, 25.0, 5.6, 5.6)
    sh.roll(6, limit, 6.0)
    assert sh.level == pytest.approx(25.0)
    assert fair_level({c: 25.0 for c in "abcd"}, {}, 100.0, 1.0) == math.inf  # without the start


def test_which_limits_are_rationed() -> None:
    assert Shares.applies(rk.Limit("s", 10, 1.0))
    assert Shares.applies(rk.Limit("f", 10, FAIR_MAX_PERIOD, algorithm="fixed"))
    assert Shares.applies(rk.Limit("t", 10, 1.0, algorithm="token"))
    assert not Shares.applies(rk.Limit("s", 10, FAIR_MAX_PERIOD * 2))
    assert not Shares.applies(rk.Limit("q", 10, 1.0, algorithm="quota"))


def test_periods_and_their_ends() -> None:
    assert Shares.period_of(rk.Limit("s", 10, 2.0), 7.0) == (3, 8.0)
    # fixed windows count from their offset; the others from 0
    assert Shares.period_of(rk.Limit("f", 10, 2.0, algorithm="fixed", offset=0.5), 7.0) == (3, 8.5)
    assert Shares.period_of(rk.Limit("t", 10, 2.0, algorithm="token", offset=0.5), 7.0) == (3, 8.0)


def test_the_period_of_a_fixed_window_is_its_window_whatever_the_epoch() -> None:
    limit = rk.Limit("f", 10, 1.0, algorithm="fixed", offset=0.25)
    epoch = 1_700_000_000.4
    for now in (1000.0, 1000.3, 1000.7, 1001.9):
        k, nxt = Shares.period_of(limit, now, epoch)
        assert k == algo._window_index(now, limit, epoch)
        assert nxt == algo._window_start(k + 1, limit, epoch)


@pytest.mark.parametrize("algorithm", ["sliding", "fixed"])
@pytest.mark.parametrize("period", [0.1, 0.3, 1.0, 86400.0 / 1440])
@pytest.mark.parametrize("base", [0.0, 1e-300, 2.0**30, 2.0**31 - 0.05, 1_765_000_000.0])
def test_a_deferral_always_ends_in_the_next_period(algorithm: Algorithm, period: float, base: float) -> None:
    """Where ``(k + 1) * period`` rounds back into period k (0.1 at 1.7e9), a request deferred
    there would find itself in the same period again and be deferred to the same time for
    ever: the end is nudged up until it is in period k + 1, and it is always after now."""
    limit = rk.Limit("w", 10, period, algorithm=algorithm, offset=period / 3 if algorithm == "fixed" else 0.0)
    rng = random.Random(f"{algorithm}{period}{base}")
    for _ in range(2000):
        now = base + rng.uniform(0, 1000 * period) if rng.random() < 0.5 else base + rng.randint(0, 1000) * period
        k, nxt = Shares.period_of(limit, now)
        assert nxt > now
        assert Shares.period_of(limit, nxt)[0] == k + 1


def test_who_may_be_deferred() -> None:
    assert may_defer(0, None) and may_defer(0, 0.5) and may_defer(-3, 2.0)
    assert not may_defer(1, None)  # a higher priority
    assert not may_defer(0, 0.0)  # try_acquire
    assert not may_defer(0, -1.0)  # an estimate


def test_fair_check_defers_to_the_next_period_and_books_nothing() -> None:
    limit = rk.Limit("w", 100, 1.0)
    sh = Shares()
    sh.roll(9, limit, 9.0)
    sh.count("a", 80.0, 9.0, 10.0)
    sh.count("b", 20.0, 9.0, 10.0)
    now = 10.25
    sh2 = copy.deepcopy(sh)
    assert fair_check([(sh, limit, 40.0, 0)], "a", True, now, None) is None  # 40 <= 52.5
    sh.count("a", 40.0, 10.25, 10.25)
    d = fair_check([(sh, limit, 20.0, 0)], "a", True, now, None)
    assert d == Decision(11.0, now, False, 0, (), True)
    # the latest next period among the budgets it is over wins, and names the binding item
    slow = rk.Limit("v", 100, 4.0)
    sh3 = Shares()
    sh3.roll(1, slow, 4.0)
    sh3.count("a", 80.0, 4.0, 7.0)
    sh3.count("b", 20.0, 4.0, 7.0)
    sh3.roll(2, slow, 8.0)  # level 50
    sh3.count("a", 1.0, 8.0, 8.0)
    d = fair_check([(sh, limit, 20.0, 0), (sh3, slow, 60.0, 1)], "a", True, now, None)
    assert d is not None and (d.start, d.binding, d.deferred) == (12.0, 1, True)
    # the deferral counts as waiting (no units) on each budget of the request the client would
    # take past its share, as the union of its waits: on sh, 0.75 s until 11.0 before, 1.0 more now
    assert sh.waited["a"] == pytest.approx(0.75 + 1.0) and sh3.waited["a"] == pytest.approx(1.75)
    assert sh.got["a"] == 40.0 and sh3.got["a"] == 1.0
    # not allowed to wait that long, or not deferrable: go on as usual
    assert fair_check([(sh, limit, 20.0, 0)], "a", True, now, 0.5) is None
    assert fair_check([(sh, limit, 20.0, 0)], "a", True, now, 0.75) is not None
    assert fair_check([(sh, limit, 20.0, 0)], "a", False, now, None) is None
    assert fair_check([(sh, limit, 20.0, 0)], "b", True, now, None) is None
    # the check rolls the shares to the period of now
    assert fair_check([(sh2, limit, 1.0, 0)], "a", True, 10.0, None) is None
    assert sh2.index == 10 and sh2.level == pytest.approx(50.0)


def test_fair_used_reads_the_fullness_after_the_take() -> None:
    now = 100.0
    s = rk.Limit("s", 10, 1.0)
    st = algo.new_state(s)
    assert st.take_now(now, 4.0, 10.0, s, 0.0)
    assert fair_used(st, now, s) == pytest.approx(4.0)
    f = rk.Limit("f", 10, 1.0, algorithm="fixed")
    st = algo.new_state(f)
    assert st.take_now(now, 6.0, 10.0, f, 0.0)
    assert fair_used(st, now, f) == pytest.approx(6.0)
    t = rk.Limit("t", 10, 1.0, algorithm="token")
    st = algo.new_state(t)
    assert st.take_now(now, 5.0, 10.0, t, 0.0)
    assert fair_used(st, now, t) == pytest.approx(5.0)
    assert fair_used(st, now + 0.2, t) == pytest.approx(3.0)


# ---------------------------------------------------------------------------------------
# the Redis store
# ---------------------------------------------------------------------------------------


@contextmanager
def redis_clients(url: str, clock: FakeClock, n: int) -> Iterator[list[RedisStore]]:
    """``n`` store objects (``n`` clients) on one fresh prefix, driven by ``clock``."""
    prefix = unique_prefix()
    stores = [RedisStore.from_url(url, prefix=prefix, clock=clock) for _ in range(n)]
    try:
        yield stores
    finally:
        stores[0].clear()
        for s in stores:
            s.close()


def _b(x: bytes | str) -> bytes:
    return x if isinstance(x, bytes) else x.encode()


def share_keys(url: str, store: RedisStore) -> dict[bytes, dict[bytes, bytes]]:
    """The fair-share hashes under the store's prefix (``{prefix}:r:...``)."""
    c = redis.Redis.from_url(url)
    try:
        tag = "{" + store.prefix + "}:r:"
        out: dict[bytes, dict[bytes, bytes]] = {}
        for k in c.scan_iter(match=tag.replace("[", "\\[") + "*"):
            out[_b(k)] = {_b(f): _b(v) for f, v in c.hgetall(k).items()}
        return out
    finally:
        c.close()


def budget(store: Client, limit: rk.Limit) -> tuple[float, float]:
    (snap,) = store.snapshot([limit])
    return snap.used, snap.reserved


def contend(clock: FakeClock, a: Client, b: Client, c: Client, limit: rk.Limit) -> float:
    """Fill ``limit`` (capacity 100, period 1 s) and make ``a`` and ``b`` two heavy waiting
    clients of period 0: a is granted 80 and b 20, every request waiting. ``clock`` starts
    half a period before period 0; returns the store time period 0 starts (T0)."""
    t0 = clock.wall() + 0.5
    assert t0 == math.floor(t0)
    # period -1: c alone books the budget full until T0 + 0.5 at least (for every algorithm)
    assert c.reserve(one(limit, 100), 0, None).granted
    assert c.reserve(one(limit, 100), 0, None).granted
    clock.advance(0.5)
    for store, amount in ((a, 40), (a, 40), (b, 10), (b, 10)):
        d = store.reserve(one(limit, amount), 0, None)
        assert d.granted and not d.deferred and d.start > d.now
    return t0


@pytest.mark.parametrize("algorithm", WINDOWED)
def test_the_heavier_client_is_deferred_past_its_share_then_served(redis_url: str, algorithm: Algorithm) -> None:
    clock = FakeClock(start=999.5)
    limit = rk.Limit("w", 100, 1.0, algorithm=algorithm)
    with redis_clients(redis_url, clock, 3) as (a, b, c):
        t0 = contend(clock, a, b, c, limit)
        clock.advance(1.0)  # period 1: the level is 50 (both heavy), A may take 52.5
        assert clock.wall() == t0 + 1
        d = a.reserve(one(limit, 40), 0, None)
        assert d.granted and not d.deferred and d.start > d.now
        (counts,) = share_keys(redis_url, a).values()
        assert float(counts[b"f"]) == pytest.approx(50.0)  # the level of period 1
        before = budget(a, limit)
        late = a.estimate(one(limit, 40), 0).start
        d = a.reserve(one(limit, 40), 0, None)  # 80 > 52.5
        assert d == Decision(t0 + 2, t0 + 1, False, 0, (), True)
        assert budget(a, limit) == before  # nothing booked
        assert a.estimate(one(limit, 40), 0).start == late
        # the deferral is counted as a wait (until the next period), not as units
        (after,) = share_keys(redis_url, a).values()
        ga, wa = b"g:" + a._instance.encode(), b"w:" + a._instance.encode()
        assert float(after[ga]) == float(counts[ga]) == 40.0
        # (the union of its waits: only the part after the end of those counted before)
        busy = float(counts.get(b"u:" + a._instance.encode(), -math.inf))
        assert float(after[wa]) == pytest.approx(float(counts[wa]) + max(0.0, t0 + 2 - max(t0 + 1, busy)))
        # B is within its share
        d = b.reserve(one(limit, 40), 0, None)
        assert d.granted and not d.deferred
        # the next period: A is served again
        clock.advance(1.0)
        d = a.reserve(one(limit, 40), 0, None)
        assert d.granted and not d.deferred
        (hash_,) = share_keys(redis_url, a).values()
        assert hash_[b"k"] == str(int(t0 + 2)).encode()
        assert float(hash_[b"g:" + a._instance.encode()]) == 40.0


@pytest.mark.parametrize("algorithm", WINDOWED)
def test_a_clients_first_request_of_a_period_is_never_deferred(redis_url: str, algorithm: Algorithm) -> None:
    """A cost larger than the share still goes, once a period: with two heavy clients
    keeping the budget contended, a third asking for more than its share every period is
    served every period (not deferred for ever), and deferred only for a second request."""
    clock = FakeClock(start=999.5)
    limit = rk.Limit("w", 100, 1.0, algorithm=algorithm)
    with redis_clients(redis_url, clock, 4) as (a, b, c, d):
        t0 = contend(clock, b, c, d, limit)  # b 80 and c 20 in period 0: level 50 in period 1
        for period in range(1, 5):
            clock.advance(1.0)
            assert clock.wall() == t0 + period
            for store in (b, c):  # the two others keep it contended (110 a period)
                r = store.reserve(one(limit, 25), 0, None)
                assert r.granted and not r.deferred, (period, r)
            r = a.reserve(one(limit, 60), 0, None)  # over a share of 50 (then 33) at once
            assert r.granted and not r.deferred, (period, r)
            r = a.reserve(one(limit, 1), 0, None)  # a second request: over it
            assert r.deferred and r.start == t0 + period + 1, (period, r)


@pytest.mark.parametrize("algorithm", WINDOWED)
def test_what_is_never_deferred(redis_url: str, algorithm: Algorithm) -> None:
    clock = FakeClock(start=999.5)
    limit = rk.Limit("w", 100, 1.0, algorithm=algorithm)
    with redis_clients(redis_url, clock, 3) as (a, b, c):
        t0 = contend(clock, a, b, c, limit)
        clock.advance(1.0)
        assert a.reserve(one(limit, 50), 0, None).granted  # A now has 50 of its 52.5
        # priority 1: never deferred, still counted
        d = a.reserve(one(limit, 10), 1, None)
        assert d.granted and not d.deferred
        # a charge (settle's under-estimate, at the top priority): never deferred, counted
        d = a.reserve(one(limit, 5), CHARGE_PRIORITY, None)
        assert d.granted and not d.deferred
        # try_acquire (max_wait 0): never deferred (refused: the budget is full)
        d = a.reserve(one(limit, 10), 0, 0.0)
        assert not d.granted and not d.deferred
        # a max_wait shorter than the time to the next period: goes on as usual
        d = a.reserve(one(limit, 10), 0, 0.5)
        assert not d.deferred and not d.granted  # (its slot is further than 0.5 s too)
        assert d.start >= t0 + 2
        # an estimate: never deferred, never counted
        d = a.reserve(one(limit, 10), 0, -1.0)
        assert not d.deferred and not d.granted and d.start >= t0 + 2
        # but one that may wait is
        d = a.reserve(one(limit, 10), 0, 1.0)
        assert d.deferred and d.start == t0 + 2
        (hash_,) = share_keys(redis_url, a).values()
        assert float(hash_[b"g:" + a._instance.encode()]) == 65.0  # 50 + 10 (priority 1) + 5 (charge)


@pytest.mark.parametrize("algorithm", [*WINDOWED, "quota"])
def test_a_budget_under_half_full_counts_nothing(redis_url: str, algorithm: Algorithm) -> None:
    clock = FakeClock()
    limit = rk.Limit("w", 100, 1.0, algorithm=algorithm)
    with redis_clients(redis_url, clock, 2) as (a, b):
        for _ in range(4):
            assert a.reserve(one(limit, 12), 0, None).granted
        assert b.reserve(one(limit, 1), 0, None).granted  # 49: under half full
        assert share_keys(redis_url, a) == {}
        if algorithm != "quota":
            assert b.reserve(one(limit, 2), 0, None).granted  # 51: busy, counted
            (hash_,) = share_keys(redis_url, a).values()
            assert float(hash_[b"g:" + b._instance.encode()]) == 2.0
            assert b"g:" + a._instance.encode() not in hash_


def test_the_share_hash_expires_after_two_periods(redis_url: str) -> None:
    clock = FakeClock()
    limit = rk.Limit("w", 10, 5.0)
    with redis_clients(redis_url, clock, 1) as (a,):
        assert a.reserve(one(limit, 6), 0, None).granted
        (key,) = share_keys(redis_url, a)
        c = redis.Redis.from_url(redis_url)
        try:
            assert 10_000 < c.pttl(key) <= 11_000
        finally:
            c.close()


def test_a_long_period_is_never_rationed(redis_url: str) -> None:
    clock = FakeClock(start=960.0)
    limit = rk.Limit("d", 100, 120.0)
    with redis_clients(redis_url, clock, 3) as (a, b, c):
        assert c.reserve(one(limit, 100), 0, None).granted
        assert c.reserve(one(limit, 100), 0, None).granted
        clock.advance(60.0)
        for store, amount in ((a, 40), (a, 40), (b, 10), (b, 10)):
            d = store.reserve(one(limit, amount), 0, None)
            assert d.granted and d.start > d.now
        for _ in range(2):
            clock.advance(120.0)
            for _ in range(3):
                d = a.reserve(one(limit, 40), 0, None)
                assert d.granted and not d.deferred
        assert share_keys(redis_url, a) == {}


@pytest.mark.parametrize("algorithm", WINDOWED)
def test_status_reads_skip_the_share_hashes(redis_url: str, algorithm: Algorithm) -> None:
    clock = FakeClock(start=999.5)
    limit = rk.Limit("w", 100, 1.0, algorithm=algorithm)
    scoped = rk.Limit("s", 100, 1.0, algorithm=algorithm, scope="ip")
    with redis_clients(redis_url, clock, 3) as (a, b, c):
        contend(clock, a, b, c, limit)
        for store in (a, b, a):
            store.reserve(((scoped, "1.2.3.4", 40.0),), 0, None)
        assert len(share_keys(redis_url, a)) == 2
        snaps = a.snapshot([limit, scoped])
        assert sorted((s.limit.name, s.scope) for s in snaps) == [("s", "1.2.3.4"), ("w", None)]
        assert {x.name for x in a.known_limits()} == {"w", "s"}
        # a limit named like the share hashes' letter does not pick them up either
        assert a.snapshot([rk.Limit("r", 100, 1.0), rk.Limit(algorithm[0], 100, 1.0)]) == []


def test_several_budgets_defer_to_the_latest_next_period(redis_url: str) -> None:
    clock = FakeClock(start=999.5)
    fast = rk.Limit("w", 100, 1.0)
    slow = rk.Limit("v", 100, 2.0)
    with redis_clients(redis_url, clock, 3) as (a, b, c):
        t0 = contend(clock, a, b, c, fast)
        clock.advance(1.0)
        assert a.reserve(one(fast, 50), 0, None).granted
        items = ((slow, None, 1.0), (fast, None, 10.0))
        d = a.reserve(items, 0, None)
        assert d.deferred and (d.start, d.binding) == (t0 + 2, 1)
        assert a.snapshot([slow]) == []  # nothing booked on the other budget either


def test_a_redis_cluster_keeps_the_shares_in_the_budgets_slot(redis_cluster_nodes: list[RedisServer]) -> None:
    """The share hash is not among the script's KEYS: it must live in the budget's slot
    (the prefix's hash tag) for the scripts to reach it on a cluster."""
    clock = FakeClock(start=999.5)
    url = f"redis+cluster://127.0.0.1:{redis_cluster_nodes[0].port}/0"
    prefix = unique_prefix()
    limit = rk.Limit("w", 100, 1.0, scope="ip")
    a, b, c = (RedisStore.from_url(url, prefix=prefix, clock=clock) for _ in range(3))
    try:
        items = [((limit, "1.2.3.4", float(n)),) for n in (100, 40, 10, 50)]
        assert c.reserve(items[0], 0, None).granted and c.reserve(items[0], 0, None).granted
        clock.advance(0.5)
        for store, it in ((a, items[1]), (a, items[1]), (b, items[2]), (b, items[2])):
            assert store.reserve(it, 0, None).granted
        clock.advance(1.0)
        assert a.reserve(items[3], 0, None).granted
        d = a.reserve(items[2], 0, None)
        assert d.deferred and d.start == d.now + 1.0
        assert not b.reserve(items[2], 0, None).deferred
        assert [s.scope for s in a.snapshot([limit])] == ["1.2.3.4"]
    finally:
        a.clear()
        for s in (a, b, c):
            s.close()


# ---------------------------------------------------------------------------------------
# a Python model of the store, on a random run
# ---------------------------------------------------------------------------------------


class Model:
    """The budgets of one prefix in memory, decided by the SQLite store's own steps
    (``sqlite._reserve``: the takes, the fair check of the busy budgets before anything is
    booked, else decide), which ``reserve.lua`` mirrors; a state the store would not save
    is put back as it was."""

    def __init__(self, limits: Sequence[rk.Limit]) -> None:
        self.states = {limit.name: algo.new_state(limit) for limit in limits}
        self.shares = {limit.name: Shares() for limit in limits}

    def reserve(
        self, client: str, items: Sequence[Item], priority: int, max_wait: float | None, now: float, again: bool
    ) -> Decision:
        saved = copy.deepcopy(self.states)
        states = [self.states[limit.name] for limit, _, _ in items]
        d, changed = sqlite_reserve(
            states,
            items,
            now,
            priority,
            max_wait,
            lambda idx: [self.shares[items[i][0].name] for i in idx],
            client,
            again,
        )
        if not changed:
            self.states = saved
        return d


def check_invariants(limit: rk.Limit, booked: Sequence[tuple[float, float]]) -> None:
    """No window of a sliding or fixed limit ever holds more than its capacity; a token
    bucket never admits more than its capacity plus its refill since the first grant."""
    times = sorted(booked)
    if limit.algorithm == "sliding":
        for i, (t, _) in enumerate(times):
            inside = sum(c for u, c in times[i:] if u < t + limit.period - 1e-9)
            assert inside <= limit.capacity + 1e-6, (t, inside)
    elif limit.algorithm == "fixed":
        windows: dict[int, float] = {}
        for t, c in times:
            k = math.floor((t - limit.offset) / limit.period + 1e-9)
            windows[k] = windows.get(k, 0.0) + c
        assert max(windows.values(), default=0.0) <= limit.capacity + 1e-6
    elif limit.algorithm == "token" and times:
        rate = limit.capacity / limit.period
        for j, (first, _) in enumerate(times):
            spent = 0.0
            for t, c in times[j:]:
                spent += c  # admitted in [first, t]
                assert spent <= limit.capacity + rate * (t - first) + 1e-3, (first, t, spent)


BUDGETS: dict[str, list[rk.Limit]] = {
    "sliding": [rk.Limit("w", 20, 1.0)],
    "fixed": [rk.Limit("w", 20, 1.0, algorithm="fixed")],
    "fixed+offset": [rk.Limit("w", 20, 2.0, algorithm="fixed", offset=0.25)],
    "token": [rk.Limit("w", 20, 1.0, algorithm="token")],
    # periods like 0.1 at clock values like 1.7e9: a period's end that rounds back into it
    "tenth": [rk.Limit("s", 20, 0.1), rk.Limit("f", 20, 0.1, algorithm="fixed", offset=0.05)],
    "several": [
        rk.Limit("s", 20, 1.0),
        rk.Limit("f", 30, 2.0, algorithm="fixed", offset=0.25),
        rk.Limit("t", 10, 0.5, algorithm="token"),
        rk.Limit("long", 200, 120.0),
    ],
}


@pytest.mark.parametrize("budgets", list(BUDGETS))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_store_decides_as_the_python_model(redis_url: str, budgets: str, seed: int) -> None:
    """A random run (seeded) of three clients through the Redis store and through the
    model: the same decisions (granted, deferred, start, binding, placed)."""
    rng = random.Random(seed)
    clock = FakeClock(start=1000.0)
    limits = BUDGETS[budgets]
    scale = min(1.0, *(x.period for x in limits))
    model = Model(limits)
    counts = {"granted": 0, "deferred": 0, "refused": 0, "fast": 0}
    booked: dict[str, list[tuple[float, float]]] = {limit.name: [] for limit in limits}
    with redis_clients(redis_url, clock, 3) as stores:
        ids = [s._instance for s in stores]
        last_deferred = [False] * len(stores)
        for step in range(300):
            if rng.random() < 0.6:  # steps scaled to the shortest period (0.1 s: 1 ms to 0.1 s)
                clock.advance(rng.choice([0.0, 0.01, 0.02, 0.05, 0.1, 0.3, 1.0]) * scale)
            who = rng.choices([0, 1, 2], weights=[5, 2, 1])[0]
            chosen = rng.sample(limits, rng.randint(1, len(limits)))
            items: list[Item] = [(limit, None, float(rng.randint(1, 5))) for limit in chosen]
            priority = 1 if rng.random() < 0.08 else 0
            max_wait = rng.choice([None, None, 0.0, 0.3, 0.6, 2.0, 5.0, -1.0])
            now = clock.wall()
            shares_before = copy.deepcopy(model.shares)
            where = f"step {step}: client {who} {[(x.name, c) for x, _, c in items]} p{priority} max_wait {max_wait}"
            again = last_deferred[who] and rng.random() < 0.5  # the try after a deferral, as a limiter asks
            want = model.reserve(ids[who], items, priority, max_wait, now, again)
            got = (stores[who].reserve_again if again else stores[who].reserve)(items, priority, max_wait)
            last_deferred[who] = got.deferred
            assert not (again and got.deferred), where
            assert (got.granted, got.deferred, got.binding) == (want.granted, want.deferred, want.binding), (
                where,
                got,
                want,
            )
            assert got.now == want.now == now, where
            assert got.start == pytest.approx(want.start, abs=1e-6), (where, got, want)
            assert got.placed == pytest.approx(want.placed, abs=1e-6), (where, got, want)
            if got.deferred:
                counts["deferred"] += 1
                # only if it may wait, and only past (1 + slack) times the level of the
                # period of its binding budget, to that period's end
                assert may_defer(priority, max_wait)
                limit, _, cost = items[got.binding]
                sh = shares_before[limit.name]
                k, nxt = Shares.period_of(limit, now)
                level = sh.level if sh.index == k else fair_level(sh.got, sh.waited, limit.capacity, limit.period)
                got_before = sh.got.get(ids[who], 0.0) if sh.index == k else 0.0
                assert sh.index in (k, k - 1) and level < math.inf
                assert got_before > 0 and got_before + cost > (1 + FAIR_SLACK) * level
                assert got.start == nxt and (max_wait is None or nxt - now <= max_wait)
            elif got.granted:
                counts["granted"] += 1
                counts["fast"] += got.start == got.now
                for (limit, _, cost), at in zip(items, got.placed, strict=True):
                    booked[limit.name].append((at, cost))
            else:
                counts["refused"] += 1
        for limit in limits:
            check_invariants(limit, booked[limit.name])
    assert counts["deferred"] >= 3 and counts["granted"] >= 30 and counts["fast"] >= 5, counts


# ---------------------------------------------------------------------------------------
# the limiters
# ---------------------------------------------------------------------------------------


def over_share(clock: FakeClock, a: Client, b: Client, c: Client, limit: rk.Limit) -> float:
    """Period 1 of :func:`contend`, A holding 50 of its 52.5: its next request of 10 is over
    its share. Returns T0."""
    t0 = contend(clock, a, b, c, limit)
    clock.advance(1.0)
    assert a.reserve(one(limit, 50), 0, None).granted
    return t0


def until(condition: object, timeout: float = 5.0) -> None:
    """Poll (real time, briefly) until ``condition()`` holds."""
    for _ in range(int(timeout / 0.002)):
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.002)
    raise AssertionError("condition never held")


def drive(clock: FakeClock, thread: threading.Thread) -> None:
    """Move the clock from one sleeper's deadline to the next until ``thread`` is done."""
    for _ in range(50):
        thread.join(0.02)
        if not thread.is_alive():
            return
        deadline = clock.next_deadline()
        if deadline is not None:
            clock.set(max(deadline, clock.now()))
    raise AssertionError("the thread never finished")


def start_thread(target: object) -> tuple[threading.Thread, list[object]]:
    out: list[object] = []

    def run() -> None:
        try:
            out.append(target())  # type: ignore[operator]
        except BaseException as exc:  # reported to the test
            out.append(exc)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


@pytest.mark.parametrize("algorithm", WINDOWED)
def test_a_deferred_acquire_sleeps_until_the_next_period_then_is_granted(redis_url: str, algorithm: Algorithm) -> None:
    clock = FakeClock(start=999.5)
    limit = rk.Limit("w", 100, 1.0, algorithm=algorithm)
    with redis_clients(redis_url, clock, 3) as (a, b, c):
        t0 = over_share(clock, a, b, c, limit)
        lim = rk.Limiter([limit], store=a, clock=clock)
        before = budget(a, limit)
        thread, out = start_thread(lambda: lim.acquire({"w": 10}))
        clock.wait_for_sleepers(1)
        assert clock.next_deadline() == pytest.approx(clock.now() + 1.0)  # the next period
        assert budget(a, limit) == before  # nothing booked while deferred
        # meanwhile B's limiter (the other client, within its share) books at once
        other = rk.Limiter([limit], store=b, clock=clock)
        thread_b, out_b = start_thread(lambda: other.acquire({"w": 10}))
        until(lambda: sum(budget(a, limit)) == pytest.approx(sum(before) + 10.0))
        drive(clock, thread)  # period 2: it asks again, is booked (or admitted) and served
        (grant,) = out
        assert isinstance(grant, rk.Grant), grant
        assert grant.at is not None and grant.at >= t0 + 2
        assert grant.waited >= 1.0
        drive(clock, thread_b)
        (grant_b,) = out_b
        assert isinstance(grant_b, rk.Grant), grant_b
        assert grant_b.at is not None and grant_b.at <= grant.at
        lim.close()
        other.close()


def test_a_timeout_shorter_than_the_deferral_is_not_deferred(redis_url: str) -> None:
    clock = FakeClock(start=999.5)
    limit = rk.Limit("w", 100, 1.0, algorithm="token")
    with redis_clients(redis_url, clock, 3) as (a, b, c):
        over_share(clock, a, b, c, limit)
        lim = rk.Limiter([limit], store=a, clock=clock)
        before = budget(a, limit)
        with pytest.raises(rk.RateLimited) as e:
            lim.acquire({"w": 10}, timeout=0.5)
        # refused as usual, for its slot (not for the deferral to the next period)
        assert e.value.retry_after is not None and e.value.retry_after > 0.5
        assert e.value.retry_after != pytest.approx(1.0)
        assert clock.sleepers() == 0 and budget(a, limit) == before
        # a timeout that covers the deferral: deferred, then served
        thread, out = start_thread(lambda: lim.acquire({"w": 10}, timeout=5.0))
        clock.wait_for_sleepers(1)
        assert clock.next_deadline() == pytest.approx(clock.now() + 1.0)
        drive(clock, thread)
        assert isinstance(out[0], rk.Grant), out
        lim.close()


def test_the_timeout_is_kept_across_a_deferral(redis_url: str) -> None:
    clock = FakeClock(start=999.5)
    limit = rk.Limit("w", 100, 1.0)
    with redis_clients(redis_url, clock, 3) as (a, b, c):
        t0 = over_share(clock, a, b, c, limit)
        lim = rk.Limiter([limit], store=a, clock=clock)
        # 1.2 s covers the deferral (1 s) but not the slot after it: deferred, then at the
        # next period it has 0.2 s left and is refused, nothing booked
        thread, out = start_thread(lambda: lim.acquire({"w": 10}, timeout=1.2))
        clock.wait_for_sleepers(1)
        assert clock.next_deadline() == pytest.approx(clock.now() + 1.0)
        drive(clock, thread)
        (err,) = out
        assert isinstance(err, rk.RateLimited), err
        assert clock.wall() == t0 + 2 and clock.sleepers() == 0
        # only what over_share booked: A and B's 100 at t0 + 1.5, A's 50 at t0 + 2.5
        assert budget(a, limit) == (100.0, 50.0)
        lim.close()


def test_a_higher_priority_displaces_a_deferred_head(redis_url: str) -> None:
    clock = FakeClock(start=999.5)
    limit = rk.Limit("w", 100, 1.0, algorithm="fixed")
    with redis_clients(redis_url, clock, 3) as (a, b, c):
        t0 = over_share(clock, a, b, c, limit)
        lim = rk.Limiter([limit], store=a, clock=clock)
        before = budget(a, limit)
        low, low_out = start_thread(lambda: lim.acquire({"w": 10}))
        clock.wait_for_sleepers(1)  # deferred: asleep until the next period, nothing booked
        assert clock.next_deadline() == pytest.approx(clock.now() + 1.0)
        assert budget(a, limit) == before
        high, high_out = start_thread(lambda: lim.acquire({"w": 10}, priority=1))
        # the high one takes the turn, books at once (never deferred) and sleeps until its
        # slot (window 2); the low one waits behind it, without a timer of its own
        until(lambda: budget(a, limit) != before)
        clock.wait_for_sleepers(1)
        assert clock.next_deadline() == t0 + 2 - clock.wall() + clock.now()
        drive(clock, high)
        assert isinstance(high_out[0], rk.Grant) and high_out[0].at == t0 + 2
        drive(clock, low)
        assert isinstance(low_out[0], rk.Grant), low_out
        assert low_out[0].at is not None and low_out[0].at >= t0 + 2
        lim.close()


@asynccontextmanager
async def async_clients(url: str, clock: FakeClock) -> AsyncIterator[tuple[AsyncRedisStore, list[RedisStore]]]:
    """An async store (client A) and two sync ones (B, C) on one prefix."""
    prefix = unique_prefix()
    astore = AsyncRedisStore.from_url(url, prefix=prefix, clock=clock)
    others = [RedisStore.from_url(url, prefix=prefix, clock=clock) for _ in range(2)]
    try:
        yield astore, others
    finally:
        others[0].clear()
        for s in others:
            s.close()
        await astore.aclose()


async def async_over_share(
    clock: FakeClock, a: AsyncRedisStore, b: RedisStore, c: RedisStore, limit: rk.Limit
) -> float:
    t0 = clock.wall() + 0.5
    assert c.reserve(one(limit, 100), 0, None).granted
    assert c.reserve(one(limit, 100), 0, None).granted
    clock.advance(0.5)
    for amount in (40, 40):
        assert (await a.areserve(one(limit, amount), 0, None)).granted
    for amount in (10, 10):
        assert b.reserve(one(limit, amount), 0, None).granted
    clock.advance(1.0)
    assert (await a.areserve(one(limit, 50), 0, None)).granted
    return t0


async def spin(n: int = 50) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def wait_sleepers(clock: FakeClock, n: int) -> None:
    for _ in range(2000):
        if clock.sleepers() >= n:
            return
        await asyncio.sleep(0.001)
    raise AssertionError(f"{n} sleepers expected, {clock.sleepers()} found")


async def adrive(clock: FakeClock, task: asyncio.Future[rk.AsyncGrant]) -> None:
    """Move the clock from one timer to the next until ``task`` is done."""
    for _ in range(50):
        for _ in range(20):  # the store calls are real: give them a moment
            if task.done():
                return
            await asyncio.sleep(0.001)
        deadline = clock.next_deadline()
        if deadline is not None:
            await clock.advance_async(max(deadline - clock.now(), 0.0))
    raise AssertionError("the task never finished")


@asynccontextmanager
async def async_deferring(
    url: str, limit: rk.Limit
) -> AsyncIterator[tuple[FakeClock, rk.AsyncLimiter, RedisStore, float, tuple[float, float]]]:
    """Client A over its share of ``limit`` (:func:`async_over_share`) and an AsyncLimiter
    on A's store: (clock, the limiter, client B's store, T0, the budget as it stands)."""
    clock = FakeClock(start=999.5)
    async with async_clients(url, clock) as (a, (b, c)):
        t0 = await async_over_share(clock, a, b, c, limit)
        lim = rk.AsyncLimiter([limit], store=a, clock=clock)
        try:
            yield clock, lim, b, t0, budget(b, limit)
        finally:
            await lim.aclose()


@pytest.mark.parametrize("algorithm", WINDOWED)
async def test_async_a_deferred_acquire_sleeps_until_the_next_period(redis_url: str, algorithm: Algorithm) -> None:
    limit = rk.Limit("w", 100, 1.0, algorithm=algorithm)
    async with async_deferring(redis_url, limit) as (clock, lim, b, t0, before):
        task = asyncio.ensure_future(lim.acquire({"w": 10}))
        await wait_sleepers(clock, 1)
        assert clock.next_deadline() == pytest.approx(clock.now() + 1.0)
        assert budget(b, limit) == before
        await adrive(clock, task)
        grant = await asyncio.wait_for(task, 5)
        assert grant.at is not None and grant.at >= t0 + 2 and grant.waited >= 1.0


async def test_async_a_timeout_shorter_than_the_deferral_is_not_deferred(redis_url: str) -> None:
    limit = rk.Limit("w", 100, 1.0)
    async with async_deferring(redis_url, limit) as (clock, lim, b, _, before):
        with pytest.raises(rk.RateLimited) as e:
            await lim.acquire({"w": 10}, timeout=0.5)
        assert e.value.retry_after is not None and e.value.retry_after > 1.0
        assert clock.sleepers() == 0 and budget(b, limit) == before


async def test_async_cancelling_a_deferred_acquire_leaves_nothing_booked(redis_url: str) -> None:
    limit = rk.Limit("w", 100, 1.0)
    async with async_deferring(redis_url, limit) as (clock, lim, b, _, before):
        task = asyncio.ensure_future(lim.acquire({"w": 10}))
        await wait_sleepers(clock, 1)
        assert clock.next_deadline() == pytest.approx(clock.now() + 1.0)  # deferred
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await spin()
        assert clock.sleepers() == 0
        assert budget(b, limit) == before
        # and the limiter is free: the next period serves a new request
        await clock.advance_async(1.0)
        task = asyncio.ensure_future(lim.acquire({"w": 10}))
        await adrive(clock, task)
        await asyncio.wait_for(task, 5)


# ---------------------------------------------------------------------------------------
# the SQLite store: the same steps (sqlite._reserve), its counts in ratekeeper_shares
# ---------------------------------------------------------------------------------------


@contextmanager
def sqlite_clients(path: str, clock: FakeClock, n: int) -> Iterator[list[SQLiteStore]]:
    """``n`` store objects (``n`` clients) on one file, driven by ``clock``."""
    stores = [SQLiteStore(path, clock=clock) for _ in range(n)]
    try:
        yield stores
    finally:
        for s in stores:
            s.close()


def share_rows(path: str) -> dict[tuple[str, str], dict[str, object]]:
    import json
    import sqlite3

    with contextlib.closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT name, scope, state FROM ratekeeper_shares").fetchall()
    return {(name, scope): json.loads(state) for name, scope, state in rows}


@pytest.mark.parametrize("algorithm", WINDOWED)
def test_sqlite_defers_the_heavier_client_past_its_share_then_serves_it(tmp_path: Path, algorithm: Algorithm) -> None:
    clock = FakeClock(start=999.5)
    limit = rk.Limit("w", 100, 1.0, algorithm=algorithm)
    path = str(tmp_path / "state.db")
    with sqlite_clients(path, clock, 3) as (a, b, c):
        t0 = contend(clock, a, b, c, limit)
        clock.advance(1.0)  # period 1: the level is 50 (both heavy), A may take 52.5
        assert a.reserve(one(limit, 40), 0, None).granted
        (row,) = share_rows(path).values()
        assert row["k"] == t0 + 1 and row["level"] == pytest.approx(50.0)
        before = budget(a, limit)
        d = a.reserve(one(limit, 40), 0, None)  # 80 > 52.5
        assert d == Decision(t0 + 2, t0 + 1, False, 0, (), True)
        assert budget(a, limit) == before  # nothing booked
        assert not b.reserve(one(limit, 40), 0, None).deferred  # B is within its share
        assert a.reserve(one(limit, 40), 1, None).granted  # a higher priority is never deferred
        clock.advance(1.0)
        d = a.reserve(one(limit, 40), 0, None)  # the next period: served again
        assert d.granted and not d.deferred
        a.clear()
        assert share_rows(path) == {}


def test_sqlite_a_deferred_acquire_sleeps_until_the_next_period(tmp_path: Path) -> None:
    clock = FakeClock(start=999.5)
    limit = rk.Limit("w", 100, 1.0)
    with sqlite_clients(str(tmp_path / "state.db"), clock, 3) as (a, b, c):
        t0 = over_share(clock, a, b, c, limit)
        lim = rk.Limiter([limit], store=a, clock=clock)
        before = budget(a, limit)
        thread, out = start_thread(lambda: lim.acquire({"w": 10}))
        clock.wait_for_sleepers(1)
        assert clock.next_deadline() == pytest.approx(clock.now() + 1.0)  # the next period
        assert budget(a, limit) == before  # nothing booked while deferred
        drive(clock, thread)
        (grant,) = out
        assert isinstance(grant, rk.Grant), grant
        assert grant.at is not None and grant.at >= t0 + 2 and grant.waited >= 1.0
        lim.close()


async def test_sqlite_an_async_limiter_is_deferred_the_same_way(tmp_path: Path) -> None:
    clock = FakeClock(start=999.5)
    limit = rk.Limit("w", 100, 1.0)
    with sqlite_clients(str(tmp_path / "state.db"), clock, 3) as (a, b, c):
        t0 = over_share(clock, a, b, c, limit)
        lim = rk.AsyncLimiter([limit], store=a, clock=clock)
        task = asyncio.ensure_future(lim.acquire({"w": 10}))
        await adrive(clock, task)
        grant = task.result()
        assert grant.at is not None and grant.at >= t0 + 2 and grant.waited >= 1.0
        await lim.aclose()


# ---------------------------------------------------------------------------------------
# a wait counts where it was spent; one deferral per request; a priority never waits behind one
# ---------------------------------------------------------------------------------------


def test_a_wait_counts_only_on_the_budget_that_held_the_request_back(redis_url: str) -> None:
    """A process whose orders budget binds (it waits for orders, not for weight) shows no
    demand for more weight: the weight left over goes to the process that wants it. (Counted
    on every budget of the request, its waiting for orders made it look hungry for weight
    too, and a market-data process beside it was held to half the weight, leaving a third of
    it unused.)"""
    clock = FakeClock(start=1000.0)
    weight, orders = rk.Limit("weight", 100, 1.0), rk.Limit("orders", 10, 1.0)
    both = ((weight, None, 1.0), (orders, None, 1.0))
    with redis_clients(redis_url, clock, 2) as (a, b):
        t0 = clock.wall()
        assert b.reserve(one(weight, 60), 0, None).granted  # the weight busy from the start
        for _ in range(20):  # a: 10 orders at once, then 10 booked for the next period
            assert a.reserve(both, 0, None).granted
        d = a.reserve(both, 0, None)
        assert d.granted and d.start > d.now and d.binding == 1  # the orders budget set the start
        assert b.reserve(one(weight, 9), 0, None).granted
        hashes = share_keys(redis_url, a)
        wa = b"w:" + a._instance.encode()
        by_name = {key.rsplit(b":", 1)[-1]: fields for key, fields in hashes.items()}
        assert float(by_name[b"orders"][wa]) > 0  # the wait, where it was spent
        assert wa not in by_name[b"weight"]  # none for the weight: a wants no more of it
        clock.advance(1.0)
        # the next period: a's weight demand is its own pace, so b's share is the rest
        assert a.reserve(one(weight, 1), 0, None).granted
        (w_hash,) = (f for k, f in share_keys(redis_url, a).items() if k.endswith(b"weight"))
        level = float(w_hash[b"f"])
        assert level == -1 or level > 60, level  # not 50: a light client holds nobody back
        assert clock.wall() == t0 + 1


async def test_a_priority_queued_while_the_head_is_being_deferred_goes_first(redis_url: str) -> None:
    """A priority-1 request that queues while the priority-0 head's reservation is on its way
    to the store (the store then defers the head) takes the turn at once, instead of
    waiting behind the deferred head until the next period."""
    clock = FakeClock(start=995.0)
    limit = rk.Limit("w", 100, 10.0, algorithm="fixed")
    prefix = unique_prefix()
    a = AsyncRedisStore.from_url(redis_url, prefix=prefix, clock=clock)
    b, c = (RedisStore.from_url(redis_url, prefix=prefix, clock=clock) for _ in range(2))
    try:
        assert c.reserve(one(limit, 100), 0, None).granted  # window -1 full
        clock.advance(5.0)  # window 0
        assert (await a.areserve(one(limit, 60), 0, None)).granted
        assert b.reserve(one(limit, 40), 0, None).granted
        assert b.reserve(one(limit, 40), 0, None).start == clock.wall() + 10  # b waited the period
        clock.advance(10.0)  # window 1: the level is 50; a takes 50 of its 52.5 (room for 10 left)
        assert (await a.areserve(one(limit, 50), 0, None)).granted
        lim = rk.AsyncLimiter([limit], store=a, clock=clock)
        low = asyncio.ensure_future(lim.acquire({"w": 5}))
        await asyncio.sleep(0)  # the low one is at the store now
        high = asyncio.ensure_future(lim.acquire({"w": 1}, priority=1))
        for _ in range(400):
            if high.done() and low.done():
                break
            await asyncio.sleep(0.005)
        assert high.done() and high.result().waited == 0.0  # no clock moved: served at once
        # the low one, deferred once and stepping aside, asks again after it: never deferred twice
        assert low.done() and low.result().waited == 0.0
        await lim.aclose()
    finally:
        b.clear()
        b.close()
        c.close()
        await a.aclose()


def test_a_request_is_deferred_once_at_most(redis_url: str, tmp_path: Path) -> None:
    """Budgets whose periods are offset (fixed windows at 0 and 0.5): a request over its share
    in both, from a process that keeps spending a little of each, would find itself over its
    share of one of them at every retry. Its try after a deferral is never deferred, so it is
    served; the limiter asks that way."""
    x = rk.Limit("x", 100, 1.0, algorithm="fixed")
    y = rk.Limit("y", 100, 1.0, algorithm="fixed", offset=0.5)
    big = ((x, None, 60.0), (y, None, 60.0))
    for kind in ("redis", "sqlite"):
        clock = FakeClock(start=1000.0)
        ctx = (
            redis_clients(redis_url, clock, 2)
            if kind == "redis"
            else sqlite_clients(str(tmp_path / "state.db"), clock, 2)
        )
        with ctx as (a, b):
            t0 = clock.wall()
            deferred = 0
            retry = t0 + 2.0
            d = None
            while clock.wall() < t0 + 12:
                if round((clock.wall() - t0) % 0.25, 6) == 0.1:  # b heavy, a a little of each
                    for lim in (x, y):
                        b.reserve(one(lim, 30), 0, None)
                        a.reserve(one(lim, 10), 0, None)
                if clock.wall() >= retry:
                    d = (a.reserve_again if deferred else a.reserve)(big, 0, None)
                    if not d.deferred:
                        break
                    deferred += 1
                    retry = d.start
                clock.advance(0.05)
            assert d is not None and not d.deferred and d.granted, (kind, d)
            assert deferred == 1, kind


def test_the_limiter_asks_again_without_a_second_deferral(redis_url: str) -> None:
    """The limiter's try after a deferral goes to the store's ``reserve_again``."""
    clock = FakeClock(start=999.5)
    limit = rk.Limit("w", 100, 1.0)
    calls: list[str] = []

    class Counting(RedisStore):
        def reserve(self, items: Sequence[Item], priority: int, max_wait: float | None) -> Decision:
            calls.append("reserve")
            return super().reserve(items, priority, max_wait)

        def reserve_again(self, items: Sequence[Item], priority: int, max_wait: float | None) -> Decision:
            calls.append("again")
            return super().reserve_again(items, priority, max_wait)

    prefix = unique_prefix()
    a = Counting.from_url(redis_url, prefix=prefix, clock=clock)
    b, c = (RedisStore.from_url(redis_url, prefix=prefix, clock=clock) for _ in range(2))
    try:
        over_share(clock, a, b, c, limit)
        lim = rk.Limiter([limit], store=a, clock=clock)
        calls.clear()
        thread, out = start_thread(lambda: lim.acquire({"w": 10}))
        clock.wait_for_sleepers(1)
        drive(clock, thread)
        assert isinstance(out[0], rk.Grant), out
        assert calls[:2] == ["reserve", "again"], calls
        lim.close()
    finally:
        b.clear()
        for s in (a, b, c):
            s.close()
