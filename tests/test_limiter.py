"""Limiter (threads): validation, exact waits, FIFO, priorities, timeouts, scopes, settle."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable

import pytest

import ratekeeper as rk
from ratekeeper.testing import FakeClock


def eventually(cond: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait (real time) for another thread to reach a state; never used to measure timing."""
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError("condition not reached")
        time.sleep(0.001)


def waiters(limiter: rk.Limiter, name: str) -> int:
    return sum(s.waiters for s in limiter.statistics() if s.limit == name)


def used(limiter: rk.Limiter, name: str, scope: str | None = None) -> float:
    return sum(s.used + s.reserved for s in limiter.statistics() if s.limit == name and s.scope == scope)


class Worker(threading.Thread):
    def __init__(self, fn: Callable[[], object]) -> None:
        super().__init__(daemon=True)
        self.fn = fn
        self.result: object = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.fn()
        except BaseException as e:
            self.error = e


# -- value types and validation ---------------------------------------------------------


def test_limit_validation_names_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="'sliding', 'fixed', 'token', 'quota'"):
        rk.Limit("a", 1, 1, algorithm="leaky")  # type: ignore[arg-type]
    for bad in (0, -1, math.nan, math.inf):
        with pytest.raises(ValueError, match="capacity must be a finite positive number"):
            rk.Limit("a", bad, 1)
    with pytest.raises(ValueError, match="period"):
        rk.Limit("a", 1, math.nan)
    with pytest.raises(TypeError, match="capacity must be a number"):
        rk.Limit("a", "10", 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="reserve"):
        rk.Limit("a", 1, 1, reserve=1.0)
    with pytest.raises(ValueError, match="name"):
        rk.Limit("", 1, 1)
    lim = rk.Limit("a", 10, 60, algorithm="fixed", offset=75)
    assert lim.offset == 15.0
    with pytest.raises(AttributeError):
        lim.capacity = 5  # type: ignore[misc]


@pytest.mark.parametrize("bad", [-1, math.nan, math.inf, -math.inf, "3", True, None])
def test_bad_costs_are_value_errors_and_charge_nothing(bad: object) -> None:
    lim = rk.Limiter([rk.Limit("a", 10, 1), rk.Limit("b", 10, 1)], clock=FakeClock())
    with pytest.raises(ValueError, match="'b'"):
        lim.acquire({"a": 1, "b": bad})  # type: ignore[dict-item]
    assert used(lim, "a") == 0


def test_unknown_limit_is_an_error_unless_a_default_is_given(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    lim = rk.Limiter([rk.Limit("w", 10, 1)], clock=clock)
    with pytest.raises(rk.UnknownLimit, match=r"'nope'.*'w'"):
        lim.acquire({"nope": 1})
    with pytest.raises(ValueError):
        lim.try_acquire({"nope": 1})
    lim2 = rk.Limiter([rk.Limit("w", 10, 1)], clock=clock, default_limit="w")
    with caplog.at_level(logging.WARNING, logger="ratekeeper"):
        lim2.acquire({"nope": 3})
        lim2.acquire({"nope": 3})
    assert used(lim2, "w") == 6
    assert sum("nope" in r.getMessage() for r in caplog.records) == 1  # logged once


def test_cost_that_can_never_fit_fails_at_once() -> None:
    clock = FakeClock()
    lim = rk.Limiter([rk.Limit("a", 10, 1, reserve=0.2)], clock=clock)
    with pytest.raises(rk.CostExceedsCapacity) as e:
        lim.acquire({"a": 11}, priority=5)
    assert e.value.limit == "a" and e.value.capacity == 10
    assert isinstance(e.value, ValueError)
    with pytest.raises(rk.CostExceedsCapacity, match="reserve"):
        lim.acquire({"a": 9})  # priority 0 may only fill 8
    assert lim.acquire({"a": 9}, priority=1) is not None
    assert clock.sleepers() == 0


def test_zero_and_empty_costs_are_free() -> None:
    lim = rk.Limiter([rk.Limit("a", 1, 1)], clock=FakeClock())
    lim.acquire({})
    lim.acquire({"a": 0})
    assert used(lim, "a") == 0


def test_timeout_must_be_sane() -> None:
    lim = rk.Limiter([rk.Limit("a", 1, 1)], clock=FakeClock())
    with pytest.raises(ValueError, match="timeout"):
        lim.acquire({"a": 1}, timeout=-1)


# -- waiting --------------------------------------------------------------------------


def test_try_acquire_never_waits() -> None:
    clock = FakeClock()
    lim = rk.Limiter([rk.Limit("a", 3, 1.0)], clock=clock)
    assert all(lim.try_acquire({"a": 1}) for _ in range(3))
    assert lim.try_acquire({"a": 1}) is None
    clock.advance(0.999)
    assert lim.try_acquire({"a": 1}) is None
    clock.advance(0.001)
    assert lim.try_acquire({"a": 1}) is not None


def test_acquire_waits_exactly_until_the_slot() -> None:
    clock = FakeClock()
    lim = rk.Limiter([rk.Limit("a", 2, 10.0)], clock=clock)
    lim.acquire({"a": 1})
    clock.advance(3)
    lim.acquire({"a": 1})
    w = Worker(lambda: lim.acquire({"a": 1}))
    w.start()
    clock.wait_for_sleepers(1)
    assert clock.next_deadline() == pytest.approx(clock.now() + 7.0)  # the first entry leaves at 10
    clock.advance(6.999)
    time.sleep(0.02)
    assert w.is_alive()
    clock.advance(0.001)
    w.join(5)
    assert not w.is_alive() and w.error is None
    assert isinstance(w.result, rk.Grant) and w.result.waited == pytest.approx(7.0)


def test_wait_beyond_timeout_raises_at_once_and_reserves_nothing() -> None:
    clock = FakeClock()
    lim = rk.Limiter([rk.Limit("a", 5, 60.0, scope="ip")], clock=clock)
    lim.acquire({"a": 5}, scope="1.2.3.4")
    with pytest.raises(rk.RateLimited) as e:
        lim.acquire({"a": 1}, timeout=30, scope="1.2.3.4")
    assert e.value.retry_after == pytest.approx(60.0)
    assert (e.value.limit, e.value.scope) == ("a", "1.2.3.4")
    assert used(lim, "a", "1.2.3.4") == 5
    assert clock.sleepers() == 0


def test_scopes_have_their_own_budgets() -> None:
    clock = FakeClock()
    lim = rk.Limiter([rk.Limit("ip_weight", 10, 60, scope="ip"), rk.Limit("g", 100, 60)], clock=clock)
    assert lim.try_acquire({"ip_weight": 10, "g": 1}, scope={"ip": "a"})
    assert lim.try_acquire({"ip_weight": 10, "g": 1}, scope={"ip": "b"})
    assert lim.try_acquire({"ip_weight": 1}, scope={"ip": "a"}) is None
    assert lim.try_acquire({"ip_weight": 1}) is not None  # no ip given: the default scope
    stats = {(s.limit, s.scope): s for s in lim.statistics()}
    assert stats[("ip_weight", "a")].used == 10 and stats[("ip_weight", "a")].available == 0
    assert stats[("g", None)].used == 2


def test_all_or_nothing_over_several_limits() -> None:
    clock = FakeClock()
    lim = rk.Limiter([rk.Limit("a", 10, 1), rk.Limit("b", 1, 1)], clock=clock)
    lim.acquire({"b": 1})
    assert lim.try_acquire({"a": 5, "b": 1}) is None
    assert used(lim, "a") == 0  # a was not charged by the refused request
    with pytest.raises(rk.RateLimited) as e:
        lim.acquire({"a": 5, "b": 1}, timeout=0.5)
    assert e.value.limit == "b"
    assert used(lim, "a") == 0


def test_fifo_among_equal_priority_and_higher_priority_first() -> None:
    clock = FakeClock()
    lim = rk.Limiter([rk.Limit("a", 1, 1.0)], clock=clock)
    lim.acquire({"a": 1})
    order: list[str] = []
    lock = threading.Lock()

    def job(tag: str, prio: int) -> None:
        lim.acquire({"a": 1}, priority=prio)
        with lock:
            order.append(tag)

    workers = []
    for i, (tag, prio) in enumerate([("low1", 0), ("low2", 0), ("low3", 0), ("high", 5)]):
        w = Worker(lambda tag=tag, prio=prio: job(tag, prio))  # type: ignore[misc]
        w.start()
        workers.append(w)
        eventually(lambda n=i + 1: waiters(lim, "a") == n)  # type: ignore[misc]
    # low1 holds the reservation for t+1; high displaced it and took that slot
    for k in range(4):
        clock.wait_for_sleepers(1)
        clock.advance(1.0)
        eventually(lambda k=k: len(order) == k + 1)  # type: ignore[misc]
    for w in workers:
        w.join(5)
        assert w.error is None
    assert order == ["high", "low1", "low2", "low3"]


def test_reserve_keeps_headroom_for_high_priority() -> None:
    clock = FakeClock()
    lim = rk.Limiter([rk.Limit("w", 100, 60, reserve=0.2, reserve_priority=10)], clock=clock)
    while lim.try_acquire({"w": 10}):  # market data fills what it may
        pass
    assert used(lim, "w") == 80
    assert lim.try_acquire({"w": 10}, priority=0) is None
    assert lim.try_acquire({"w": 20}, priority=10) is not None  # the cancel goes through
    assert lim.try_acquire({"w": 1}, priority=10) is None


def test_queued_thread_timeout_leaves_the_queue_and_the_next_moves_up() -> None:
    clock = FakeClock()
    lim = rk.Limiter([rk.Limit("a", 1, 10.0)], clock=clock)
    lim.acquire({"a": 1})
    head = Worker(lambda: lim.acquire({"a": 1}))  # books t+10
    head.start()
    eventually(lambda: waiters(lim, "a") == 1)
    impatient = Worker(lambda: lim.acquire({"a": 1}, timeout=5.0))  # queued behind it
    impatient.start()
    eventually(lambda: waiters(lim, "a") == 2)
    patient = Worker(lambda: lim.acquire({"a": 1}))
    patient.start()
    eventually(lambda: waiters(lim, "a") == 3)
    clock.wait_for_sleepers(2)  # the head's wake-up and the impatient deadline
    clock.advance(5.0)
    impatient.join(5)
    assert isinstance(impatient.error, rk.RateLimited)
    assert impatient.error.retry_after > 0
    clock.advance(5.0)
    head.join(5)
    assert head.error is None
    clock.wait_for_sleepers(1)
    assert clock.next_deadline() == pytest.approx(clock.now() + 10.0)
    clock.advance(10.0)
    patient.join(5)
    assert patient.error is None
    assert waiters(lim, "a") == 0


def test_head_timeout_returns_its_reservation() -> None:
    clock = FakeClock()
    lim = rk.Limiter([rk.Limit("a", 10, 10.0)], clock=clock)
    lim.acquire({"a": 10})
    with pytest.raises(rk.RateLimited):
        lim.acquire({"a": 5}, timeout=1.0)
    stats = lim.statistics()[0]
    assert stats.reserved == 0 and stats.used == 10


def test_settle_refunds_and_charges_the_difference() -> None:
    clock = FakeClock()
    lim = rk.Limiter([rk.Limit("w", 100, 60)], clock=clock)
    g = lim.acquire({"w": 40})
    g.settle({"w": 25})
    assert used(lim, "w") == 25
    g2 = lim.acquire({"w": 20})
    g2.settle({"w": 70})  # 50 more: 95 in the window, fits now
    assert used(lim, "w") == 95
    with pytest.raises(RuntimeError):
        g2.settle({"w": 1})
    clock.advance(10)
    g3 = lim.acquire({"w": 5})  # 100 in the window
    g3.settle({"w": 30})  # the venue counted 25 more: charged at once, over the capacity, no wait
    assert used(lim, "w") == 125
    assert lim.try_acquire({"w": 1}) is None  # later requests wait for the debt
    clock.advance(50)  # what was booked at 0 leaves; the 30 booked at 10 stay until 70
    assert used(lim, "w") == 30
    g4 = lim.acquire({"w": 10})
    g4.release()
    assert used(lim, "w") == 30


def test_observe_and_bans_apply_to_the_scope() -> None:
    clock = FakeClock()
    lim = rk.Limiter([rk.Limit("w", 100, 60, scope="ip")], clock=clock)
    lim.observe([rk.Observation("w", used=90)], scope={"ip": "x"})
    assert lim.try_acquire({"w": 20}, scope="x") is None
    assert lim.try_acquire({"w": 20}, scope="y") is not None
    lim.observe([rk.Observation("w", blocked_for=30)], scope="y")
    with pytest.raises(rk.RateLimited) as e:
        lim.acquire({"w": 1}, scope="y", timeout=10)
    assert e.value.retry_after == pytest.approx(30)
    stats = {s.scope: s for s in lim.statistics()}
    assert stats["y"].blocked_for == pytest.approx(30) and stats["y"].available == 0


def test_threads_hammering_never_over_admit() -> None:
    clock = FakeClock()
    lim = rk.Limiter([rk.Limit("a", 500, 60), rk.Limit("b", 300, 60, algorithm="fixed")], clock=clock)
    admitted = [0] * 8

    def hammer(i: int) -> None:
        for _ in range(200):
            if lim.try_acquire({"a": 1, "b": 1} if _ % 2 else {"a": 2}):
                admitted[i] += 1

    ts = [threading.Thread(target=hammer, args=(i,)) for i in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    stats = {s.limit: s for s in lim.statistics()}
    assert stats["a"].used <= 500 and stats["b"].used <= 300
    assert stats["a"].used >= 499  # and the budget is used, not lost


def test_threads_waiting_are_admitted_in_order_without_overlap() -> None:
    clock = FakeClock()
    lim = rk.Limiter([rk.Limit("a", 5, 1.0)], clock=clock)
    done: list[float] = []
    lock = threading.Lock()

    def job() -> None:
        g = lim.acquire({"a": 1})
        with lock:
            done.append(clock.now())
        assert g is not None

    ts = [Worker(job) for _ in range(25)]
    for t in ts:
        t.start()
    eventually(lambda: len(done) == 5)
    for _ in range(4):
        clock.wait_for_sleepers(1)
        clock.advance(1.0)
        eventually(lambda: len(done) >= 5)
    eventually(lambda: len(done) == 25)
    for t in ts:
        t.join(5)
    # never more than 5 admissions within any 1 s
    for t0 in done:
        assert sum(1 for t in done if t0 <= t < t0 + 1.0) <= 5


def test_token_bucket_and_fixed_window_waits() -> None:
    clock = FakeClock(start=1000.0, wall_offset=1_700_000_000.0)  # wall time is a multiple of 10
    lim = rk.Limiter(
        [rk.Limit("bucket", 120, 60, algorithm="token"), rk.Limit("win", 10, 10, algorithm="fixed")], clock=clock
    )
    assert lim.try_acquire({"bucket": 120})
    with pytest.raises(rk.RateLimited) as e:
        lim.acquire({"bucket": 1}, timeout=0.1)
    assert e.value.retry_after == pytest.approx(0.5)  # refills 2 per second
    clock.advance(3.0)
    assert lim.try_acquire({"win": 10})
    with pytest.raises(rk.RateLimited) as e:
        lim.acquire({"win": 1}, timeout=1)
    assert e.value.retry_after == pytest.approx(7.0)  # the next clock-aligned window
    stats = {s.limit: s for s in lim.statistics()}
    assert stats["win"].next_free == pytest.approx(7.0)
    assert stats["bucket"].used == pytest.approx(114.0)  # 3 s refilled 6 units


def test_limiter_takes_anything_with_limits() -> None:
    class FakeVenue:
        def __init__(self) -> None:
            self.limits = {"w": rk.Limit("w", 5, 1)}

    lim = rk.Limiter(FakeVenue(), clock=FakeClock())
    assert set(lim.limits) == {"w"}
    with pytest.raises(ValueError, match="two limits"):
        rk.Limiter([rk.Limit("a", 1, 1), rk.Limit("a", 2, 1)])
    with pytest.raises(ValueError, match="at least one"):
        rk.Limiter([])
    with pytest.raises(ValueError, match="unsupported store"):
        rk.Limiter([rk.Limit("a", 1, 1)], store="mongodb://x")


def test_bad_scope_and_priority_are_type_errors() -> None:
    lim = rk.Limiter([rk.Limit("a", 5, 1, scope="ip")], clock=FakeClock())
    with pytest.raises(TypeError, match="scope"):
        lim.acquire({"a": 1}, scope=42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="priority"):
        lim.acquire({"a": 1}, priority="high")  # type: ignore[arg-type]
    assert used(lim, "a", "*") == 0


def test_quota_statistics_follow_the_synced_cap() -> None:
    clock = FakeClock()
    lim = rk.Limiter([rk.Limit("address_actions", 10_000, 10, algorithm="quota", scope="address")], clock=clock)
    lim.acquire({"address_actions": 3}, scope={"address": "0xa"})
    lim.observe([rk.Observation("address_actions", cap=25_000, used=12_000)], scope={"address": "0xa"})
    (s,) = lim.statistics()
    assert (s.capacity, s.used, s.available) == (25_000, 12_000, 13_000)
