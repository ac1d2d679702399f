"""AsyncLimiter: exact waits on one timer, FIFO, cancellation, priorities, 10k waiters."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

import ratekeeper as rk
from ratekeeper.stores import KeySnapshot
from ratekeeper.stores.sqlite import SQLiteStore
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


class _Threads:
    """Records the thread each store call ran in."""

    def __init__(self) -> None:
        self.seen: dict[str, set[int]] = {}

    def note(self, name: str) -> None:
        self.seen.setdefault(name, set()).add(threading.get_ident())


class _TracedSQLite(SQLiteStore):
    def __init__(self, path: Path, threads: _Threads) -> None:
        super().__init__(path)
        self.threads = threads

    def observe(self, limit: rk.Limit, scope: str | None, observation: rk.Observation) -> None:
        self.threads.note("observe")
        super().observe(limit, scope, observation)

    def snapshot(self, limits: Sequence[rk.Limit]) -> list[KeySnapshot]:
        self.threads.note("snapshot")
        return super().snapshot(limits)

    def close(self) -> None:
        self.threads.note("close")
        super().close()


class _TracedMemory(rk.MemoryStore):
    def __init__(self, threads: _Threads) -> None:
        super().__init__()
        self.threads = threads

    def observe(self, limit: rk.Limit, scope: str | None, observation: rk.Observation) -> None:
        self.threads.note("observe")
        super().observe(limit, scope, observation)

    def snapshot(self, limits: Sequence[rk.Limit]) -> list[KeySnapshot]:
        self.threads.note("snapshot")
        return super().snapshot(limits)


async def test_observe_statistics_and_close_run_a_blocking_store_in_a_worker_thread(tmp_path: Path) -> None:
    threads = _Threads()
    lim = rk.AsyncLimiter([rk.Limit("w", 10, 60.0)], store=_TracedSQLite(tmp_path / "s.db", threads))
    await lim.observe([rk.Observation("w", used=4)])
    (stats,) = await lim.statistics()
    await lim.aclose()
    assert stats.used == pytest.approx(4)
    loop_thread = threading.get_ident()
    assert set(threads.seen) == {"observe", "snapshot", "close"}
    for name, idents in threads.seen.items():
        assert loop_thread not in idents, f"SQLiteStore.{name} ran on the event loop"


async def test_the_memory_store_is_called_inline() -> None:
    threads = _Threads()  # it does no I/O: a thread hop would only cost time
    lim = rk.AsyncLimiter([rk.Limit("w", 10, 60.0)], store=_TracedMemory(threads))
    await lim.observe([rk.Observation("w", used=4)])
    (stats,) = await lim.statistics()
    assert stats.used == pytest.approx(4)
    assert threads.seen == {"observe": {threading.get_ident()}, "snapshot": {threading.get_ident()}}


async def test_observe_waits_for_a_locked_sqlite_file_while_the_loop_runs(tmp_path: Path) -> None:
    """Another process holds the file's write lock and lets go from a callback of this loop:
    an observe that blocked the loop would wait for it until the busy timeout and fail."""
    path = tmp_path / "s.db"
    lim = rk.AsyncLimiter([rk.Limit("w", 10, 60.0)], store=SQLiteStore(path, busy_timeout=5.0))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    loop = asyncio.get_running_loop()
    released = loop.create_future()

    def release() -> None:
        holder.execute("COMMIT")
        released.set_result(loop.time())

    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    ticker = asyncio.ensure_future(tick())
    try:
        loop.call_later(0.05, release)
        await lim.observe([rk.Observation("w", used=3)])
        assert released.done(), "observe finished while another connection held the write lock"
        assert ticks >= 2  # the loop ran other tasks while observe waited for the lock
        (stats,) = await lim.statistics()
        assert stats.used == pytest.approx(3)
    finally:
        ticker.cancel()
        holder.close()
        await lim.aclose()


@pytest.mark.parametrize("timeout", [-1.0, float("nan"), "2"])
async def test_a_bad_timeout_is_refused_even_for_an_empty_cost(timeout: object) -> None:
    """As the thread limiter does: bad input is an error before anything happens, whatever
    the cost."""
    alimiter = rk.AsyncLimiter([rk.Limit("a", 10, 1.0)], clock=FakeClock())
    with pytest.raises(ValueError, match="timeout must be None or a number"):
        await alimiter.acquire({}, timeout=timeout)  # type: ignore[arg-type]
    limiter = rk.Limiter([rk.Limit("a", 10, 1.0)], clock=FakeClock())
    with pytest.raises(ValueError, match="timeout must be None or a number"):
        limiter.acquire({}, timeout=timeout)  # type: ignore[arg-type]
