"""AsyncLimiter: exact waits on one timer, FIFO, cancellation, priorities, 10k waiters."""

from __future__ import annotations

import asyncio

import pytest

import ratekeeper as rk
from ratekeeper.testing import FakeClock


async def spin(n: int = 20) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


def reserved(lim: rk.AsyncLimiter) -> float:
    snaps = lim.store.snapshot(list(lim.limits.values()))
    return sum(s.reserved for s in snaps)


def used(lim: rk.AsyncLimiter) -> float:
    snaps = lim.store.snapshot(list(lim.limits.values()))
    return sum(s.used for s in snaps)


async def test_fast_path_and_exact_wait() -> None:
    clock = FakeClock()
    lim = rk.AsyncLimiter([rk.Limit("a", 2, 10.0)], clock=clock)
    await lim.acquire({"a": 2})
    task = asyncio.ensure_future(lim.acquire({"a": 1}))
    await spin()
    assert not task.done()
    assert clock.next_deadline() == pytest.approx(clock.now() + 10.0)
    await clock.advance_async(9.999)
    assert not task.done()
    await clock.advance_async(0.001)
    grant = await asyncio.wait_for(task, 1)
    assert grant.waited == pytest.approx(10.0)


async def test_timeout_raises_at_once_without_reserving() -> None:
    clock = FakeClock()
    lim = rk.AsyncLimiter([rk.Limit("a", 1, 10.0)], clock=clock)
    await lim.acquire({"a": 1})
    with pytest.raises(rk.RateLimited) as e:
        await lim.acquire({"a": 1}, timeout=3.0)
    assert e.value.retry_after == pytest.approx(10.0)
    assert reserved(lim) == 0 and clock.sleepers() == 0


async def test_cancelled_queued_waiter_costs_nothing() -> None:
    clock = FakeClock()
    lim = rk.AsyncLimiter([rk.Limit("a", 1, 1.0)], clock=clock)
    await lim.acquire({"a": 1})
    head = asyncio.ensure_future(lim.acquire({"a": 1}))
    queued = asyncio.ensure_future(lim.acquire({"a": 1}))
    last = asyncio.ensure_future(lim.acquire({"a": 1}))
    await spin()
    queued.cancel()
    await spin()
    assert queued.cancelled()
    await clock.advance_async(1.0)
    assert head.done()
    await clock.advance_async(1.0)
    assert last.done()  # moved up into the cancelled one's place
    assert (await last).waited == pytest.approx(2.0)


async def test_cancelled_head_returns_its_slot_and_the_next_moves_up() -> None:
    clock = FakeClock()
    lim = rk.AsyncLimiter([rk.Limit("a", 1, 10.0)], clock=clock)
    await lim.acquire({"a": 1})
    head = asyncio.ensure_future(lim.acquire({"a": 1}))
    await spin()
    assert reserved(lim) == 1
    nxt = asyncio.ensure_future(lim.acquire({"a": 1}))
    await spin()
    head.cancel()
    await spin()
    # the next waiter now holds the slot the head gave back (t+10), not t+20
    assert reserved(lim) == 1
    assert clock.next_deadline() == pytest.approx(clock.now() + 10.0)
    await clock.advance_async(10.0)
    assert (await nxt).waited == pytest.approx(10.0)


async def test_grant_cancelled_right_after_being_granted_is_returned() -> None:
    clock = FakeClock()
    lim = rk.AsyncLimiter([rk.Limit("a", 1, 10.0)], clock=clock)
    await lim.acquire({"a": 1})
    task = asyncio.ensure_future(lim.acquire({"a": 1}))
    await spin()
    # fire the timer (the grant is decided) and cancel before the task resumes
    clock.set(clock.now() + 10.0)
    await asyncio.sleep(0)  # the timer callback runs: the waiter's future is resolved
    task.cancel()
    await spin()
    assert task.cancelled()
    assert used(lim) == 0 and reserved(lim) == 0  # the slot went back
    g = await lim.try_acquire({"a": 1})
    assert g is not None


async def test_higher_priority_is_not_queued_behind_lower() -> None:
    clock = FakeClock()
    lim = rk.AsyncLimiter([rk.Limit("a", 1, 1.0)], clock=clock)
    await lim.acquire({"a": 1})
    order: list[str] = []

    async def job(tag: str, prio: int) -> None:
        await lim.acquire({"a": 1}, priority=prio)
        order.append(tag)

    tasks = [asyncio.ensure_future(job(f"low{i}", 0)) for i in range(3)]
    await spin()
    tasks.append(asyncio.ensure_future(job("high", 1)))
    await spin()
    await clock.advance_async(4.0)
    await asyncio.gather(*tasks)
    assert order == ["high", "low0", "low1", "low2"]


async def test_queued_timeout_raises_after_the_deadline() -> None:
    clock = FakeClock()
    lim = rk.AsyncLimiter([rk.Limit("a", 1, 10.0)], clock=clock)
    await lim.acquire({"a": 1})
    head = asyncio.ensure_future(lim.acquire({"a": 1}))
    await spin()
    impatient = asyncio.ensure_future(lim.acquire({"a": 1}, timeout=4.0))
    await spin()
    await clock.advance_async(4.0)
    with pytest.raises(rk.RateLimited):
        await impatient
    await clock.advance_async(6.0)
    assert head.done()


async def test_settle_async() -> None:
    clock = FakeClock()
    lim = rk.AsyncLimiter([rk.Limit("w", 100, 60)], clock=clock)
    g = await lim.acquire({"w": 50})
    await g.settle({"w": 20})
    assert used(lim) == 20
    g2 = await lim.acquire({"w": 70})
    await asyncio.wait_for(g2.settle({"w": 110}), 1)  # 40 extra: charged at once, no wait
    assert used(lim) == 130
    waiter = asyncio.ensure_future(lim.acquire({"w": 1}))  # waits for the debt to leave
    await spin()
    assert not waiter.done()
    await clock.advance_async(60)
    await asyncio.wait_for(waiter, 1)


async def test_ten_thousand_waiters_fifo_one_timer_bounded_memory() -> None:
    clock = FakeClock()
    lim = rk.AsyncLimiter([rk.Limit("a", 100, 1.0)], clock=clock)
    finished: list[int] = []

    async def job(i: int) -> None:
        await lim.acquire({"a": 1})
        finished.append(i)

    tasks = [asyncio.ensure_future(job(i)) for i in range(10_000)]
    await spin()
    assert len(finished) == 100
    assert clock.sleepers() == 1  # one timer, however many wait
    for _ in range(100):
        await clock.advance_async(1.0)
        state = lim.store._states[("a", None)]  # type: ignore[attr-defined]
        assert len(state.times) - state.head <= 100  # the window keeps only what it holds
    await asyncio.gather(*tasks)
    assert finished == list(range(10_000))
    assert not lim._queues  # nothing left behind once everyone is through
    assert clock.sleepers() == 0
