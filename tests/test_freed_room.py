"""Freed room reaches waiters: a refund (a settle below the booking, a release, a waiter
that gives up) moves the head sleeping on those budgets to the earliest slot now free, in
the process at once and across processes through the store (Redis pub/sub).

Each store is driven by a FakeClock; the cross-process case uses real processes and real
time, kept short.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Protocol

import pytest

import ratekeeper as rk
from ratekeeper import _algorithms as algo
from ratekeeper.stores import MemoryStore, Store
from ratekeeper.stores.redis import AsyncRedisStore, RedisStore
from ratekeeper.stores.sqlite import SQLiteStore
from ratekeeper.testing import FakeClock, unique_prefix

KINDS = ("memory", "sqlite", "redis")


class EventLike(Protocol):
    def set(self) -> None: ...

    def wait(self, timeout: float | None = None) -> bool: ...


W = rk.Limit("w", 100, 2)


def make_store(kind: str, clock: FakeClock, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
    if kind == "memory":
        return MemoryStore(clock)
    if kind == "sqlite":
        return SQLiteStore(tmp_path / "state.db", clock=clock)
    return RedisStore.from_url(request.getfixturevalue("redis_url"), prefix=unique_prefix(), clock=clock)


@pytest.fixture(params=KINDS)
def rig(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[FakeClock, Store]]:
    clock = FakeClock(start=0.0)
    store = make_store(request.param, clock, tmp_path, request)
    yield clock, store
    if isinstance(store, RedisStore):
        store.clear()
    store.close()


def wait_until_booked(limiter: rk.Limiter | rk.AsyncLimiter) -> None:
    """Until the head of a queue holds its booking (real time, bounded): a refund before
    that would simply let it book the freed room."""
    deadline = time.monotonic() + 5
    while not any(q.holder is not None and q.holder.decision is not None for q in limiter._queues.values()):
        assert time.monotonic() < deadline, "the waiter never booked"
        time.sleep(0.002)


def admit_in_thread(limiter: rk.Limiter, cost: dict[str, float], out: dict[str, rk.Grant]) -> threading.Thread:
    t = threading.Thread(target=lambda: out.setdefault("grant", limiter.acquire(cost)), daemon=True)
    t.start()
    return t


def test_a_settle_below_the_booking_admits_the_waiter_at_once(rig: tuple[FakeClock, Store]) -> None:
    clock, store = rig
    limiter = rk.Limiter([W], store=store, clock=clock)
    a = limiter.acquire({"w": 100})
    out: dict[str, rk.Grant] = {}
    t = admit_in_thread(limiter, {"w": 10}, out)
    wait_until_booked(limiter)
    clock.advance(0.1)
    a.settle({"w": 10})  # 90 units come back 0.1 s in: B fits now, not at 2.0
    t.join(5)
    assert not t.is_alive()
    assert a.at is not None and out["grant"].at is not None
    assert out["grant"].at - a.at == pytest.approx(0.1, abs=1e-6)
    assert out["grant"].waited == pytest.approx(0.1, abs=1e-6)


def test_a_release_admits_the_waiter_at_once(rig: tuple[FakeClock, Store]) -> None:
    clock, store = rig
    limiter = rk.Limiter([W], store=store, clock=clock)
    a = limiter.acquire({"w": 60})
    out: dict[str, rk.Grant] = {}
    t = admit_in_thread(limiter, {"w": 60}, out)
    wait_until_booked(limiter)
    clock.advance(0.25)
    a.release()  # the request was never sent
    t.join(5)
    assert not t.is_alive()
    assert a.at is not None and out["grant"].at is not None
    assert out["grant"].at - a.at == pytest.approx(0.25, abs=1e-6)


def test_a_partial_refund_moves_the_waiter_no_further_than_the_room_allows(rig: tuple[FakeClock, Store]) -> None:
    """A refund too small for the waiter leaves it where it was (nothing earlier fits)."""
    clock, store = rig
    limiter = rk.Limiter([W], store=store, clock=clock)
    a = limiter.acquire({"w": 50})
    clock.advance(0.5)
    b = limiter.acquire({"w": 50})
    out: dict[str, rk.Grant] = {}
    t = admit_in_thread(limiter, {"w": 40}, out)
    wait_until_booked(limiter)
    clock.advance(0.1)
    b.settle({"w": 30})  # 20 back: 40 still does not fit before a's 50 leaves at 2.0
    time.sleep(0.05)
    assert t.is_alive()
    clock.advance(2.0 - 0.6)
    t.join(5)
    assert a.at is not None and out["grant"].at is not None
    assert out["grant"].at - a.at == pytest.approx(2.0, abs=1e-6)
    # and the budget was never over: 50 + 30 + 40 - 50 (a left at 2.0) in any 2 s
    assert sum(s.used for s in limiter.statistics()) <= 100


@pytest.fixture
async def arig(
    rig: tuple[FakeClock, Store], request: pytest.FixtureRequest
) -> AsyncIterator[tuple[FakeClock, rk.AsyncLimiter]]:
    """An AsyncLimiter on each store (Redis through its asyncio store), on the rig's clock."""
    clock, store = rig
    if isinstance(store, RedisStore):
        store = AsyncRedisStore.from_url(request.getfixturevalue("redis_url"), prefix=unique_prefix(), clock=clock)
    limiter = rk.AsyncLimiter([W], store=store, clock=clock)
    yield clock, limiter
    if isinstance(store, AsyncRedisStore):
        await store.aclear()
    await limiter.aclose()


async def booked(limiter: rk.AsyncLimiter) -> None:
    """Until a head holds its booking and is not moving it (a store's answer computed at one
    fake time must not land after the test moved the clock on)."""
    for _ in range(1000):
        heads = [q.holder for q in limiter._queues.values() if q.holder is not None]
        if any(w.decision is not None for w in heads) and not any(w.busy or w.replan for w in heads):
            return
        await asyncio.sleep(0.002)
    raise AssertionError("the waiter never booked")


async def test_async_a_settle_below_the_booking_admits_the_waiter_at_once(
    arig: tuple[FakeClock, rk.AsyncLimiter],
) -> None:
    clock, limiter = arig
    a = await limiter.acquire({"w": 100})
    task = asyncio.create_task(limiter.acquire({"w": 10}))
    await booked(limiter)
    clock.advance(0.1)
    await a.settle({"w": 10})
    b = await asyncio.wait_for(task, 5)
    assert a.at is not None and b.at is not None
    assert b.at - a.at == pytest.approx(0.1, abs=1e-6)


def test_a_small_request_backfills_room_the_sleeping_head_cannot_use(rig: tuple[FakeClock, Store]) -> None:
    """EASY backfilling: the head waits for 30 units at t = 2.0; 10 units fit now without
    moving its slot, so a request for 10 starts now instead of queueing behind it. The head
    still starts at 2.0."""
    clock, store = rig
    limiter = rk.Limiter([W], store=store, clock=clock)
    first = limiter.acquire({"w": 80})
    out: dict[str, rk.Grant] = {}
    head = admit_in_thread(limiter, {"w": 30}, out)
    wait_until_booked(limiter)
    small = limiter.acquire({"w": 10}, timeout=0.0)  # would raise RateLimited if it had to queue
    assert first.at is not None and small.at is not None and small.at == first.at
    stats = {s.limit: s for s in limiter.statistics()}["w"]
    assert stats.used == 90.0 and stats.reserved == 30.0  # the head's 30 still stand at 2.0
    clock.advance(2.0)
    head.join(5)
    assert out["grant"].at is not None and out["grant"].at - first.at == pytest.approx(2.0, abs=1e-6)


async def test_async_backfill(arig: tuple[FakeClock, rk.AsyncLimiter]) -> None:
    clock, limiter = arig
    first = await limiter.acquire({"w": 80})
    head = asyncio.create_task(limiter.acquire({"w": 30}))
    await booked(limiter)
    small = await limiter.acquire({"w": 10}, timeout=0.0)
    assert small.at == first.at
    clock.advance(2.0)
    g = await asyncio.wait_for(head, 5)
    assert first.at is not None and g.at is not None and g.at - first.at == pytest.approx(2.0, abs=1e-6)


def test_rebook_moves_earlier_or_changes_nothing() -> None:
    limit = rk.Limit("w", 10, 1.0)
    st = algo.SlidingState()
    algo.commit(st, 0.0, 10.0, limit, 0)  # full until 1.0
    d = algo.decide([st], [limit], [4.0], 0.2, 0, None)
    assert d.start == 1.0
    before = algo.state_to_dict(st)
    # nothing freed: it stays, and the state is exactly as it was
    same = algo.rebook([st], [limit], [4.0], 0.3, 0, d.placed)
    assert not same.granted and same.start == 1.0 and algo.state_to_dict(st) == before
    algo.refund(st, 0.4, 0.0, 5.0, limit)  # 5 of the first 10 come back
    moved = algo.rebook([st], [limit], [4.0], 0.4, 0, d.placed)
    assert moved.granted and moved.start == 0.4
    assert st.load(0.4, 1.0) == 9.0 and st.load(1.0, 1.0) == 4.0  # the old slot is empty again
    # a slot already due is left alone
    due = algo.rebook([st], [limit], [4.0], 0.5, 0, moved.placed)
    assert not due.granted and due.start == 0.4


def test_rebook_decides_alike_in_every_store(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The Lua mirror of rebook against the Python core, on two limits, bit for bit."""
    a, f = rk.Limit("a", 10, 1.0), rk.Limit("f", 12, 2.0, algorithm="fixed")
    results = []
    for kind in KINDS:
        clock = FakeClock(start=1_700_000_000.0, wall_offset=0.0)  # one time scale: bit-exact times
        store = make_store(kind, clock, tmp_path, request)
        try:
            trace: list[tuple[object, ...]] = []
            first = store.reserve(((a, None, 10.0), (f, None, 6.0)), 0, None)
            second = store.reserve(((a, None, 3.0), (f, None, 3.0)), 0, None)
            trace.append((first.start - first.now, second.start - second.now))
            clock.advance(0.25)
            store.refund(((a, None, 6.0),), first.placed[:1])
            moved = store.rebook(((a, None, 3.0), (f, None, 3.0)), 0, second.placed)  # type: ignore[attr-defined]
            trace.append((moved.granted, moved.start - moved.now, moved.binding))
            stay = store.rebook(((a, None, 3.0), (f, None, 3.0)), 0, moved.placed)  # type: ignore[attr-defined]
            trace.append((stay.granted, stay.start - stay.now))
            results.append(trace)
        finally:
            if isinstance(store, RedisStore):
                store.clear()
            store.close()
    assert results[0] == results[1] == results[2]
    assert results[0][0] == (0.0, 1.0) and results[0][1] == (True, 0.0, 0) and results[0][2] == (False, 0.0)


def _spend_then_settle(spec: str, booked: EventLike, go: EventLike) -> None:
    limiter = rk.Limiter([rk.Limit("w", 100, 3.0)], store=spec)
    grant = limiter.acquire({"w": 100})
    booked.set()
    go.wait(10)
    grant.settle({"w": 10})
    limiter.close()


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_a_refund_in_another_process_wakes_the_waiter(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Real processes, real time: the waiter would sleep ~3 s; the other process's settle
    moves it at once (a datagram or a pub/sub message, then one rebook)."""
    if kind == "sqlite":
        spec = f"sqlite:///{tmp_path / 'shared.db'}"
    else:
        spec = f"{request.getfixturevalue('redis_url')}?prefix={unique_prefix()}"
    ctx = multiprocessing.get_context("spawn")
    booked, go = ctx.Event(), ctx.Event()
    child = ctx.Process(target=_spend_then_settle, args=(spec, booked, go))
    child.start()
    limiter = rk.Limiter([rk.Limit("w", 100, 3.0)], store=spec)
    try:
        assert booked.wait(20)
        out: dict[str, rk.Grant] = {}
        t = admit_in_thread(limiter, {"w": 10}, out)
        wait_until_booked(limiter)
        time.sleep(0.2)  # the waiter sleeps on its booking, ~2.8 s ahead
        settled = time.monotonic()
        go.set()
        t.join(5)
        lag = time.monotonic() - settled
        assert "grant" in out
        assert lag < 1.0, f"admitted {lag:.3f}s after the other process settled (its booking was ~2.8 s away)"
    finally:
        child.join(10)
        if isinstance(limiter.store, RedisStore):
            limiter.store.clear()
        limiter.close()


async def test_a_head_outranked_while_moving_its_booking_leaves_nothing_behind() -> None:
    """A higher priority arrives while the head waits for the store to move its booking: the
    head steps aside once the store answers and gives back the booking it ended up with;
    no unit stays booked for nobody (found in review: 50 units leaked at 0.1)."""
    clock = FakeClock(start=0.0)
    store = MemoryStore(clock)
    limiter = rk.AsyncLimiter([W], store=store, clock=clock)
    a = await limiter.acquire({"w": 100})
    b_task = asyncio.create_task(limiter.acquire({"w": 50}))
    await booked(limiter)
    q = next(iter(limiter._queues.values()))
    clock.advance(0.1)
    await a.settle({"w": 10})  # 90 back: the head B is told to move
    await asyncio.sleep(0)  # B starts moving its booking (the store step is a task)
    assert q.holder is not None and q.holder.busy
    c = await limiter.acquire({"w": 5}, priority=10)  # outranks B while it moves
    assert c.at == 0.1
    b = await asyncio.wait_for(b_task, 5)
    assert b.at == 0.1
    state = store.state_for(W, None)
    assert isinstance(state, algo.SlidingState)
    assert state.load(0.1, 2.0) == 65.0  # a's 10, c's 5, b's 50: nothing else
    assert state.total() == 65.0  # and nothing booked later either
    await limiter.aclose()


def test_redis_moves_a_booking_only_where_it_lives(redis_url: str) -> None:
    """While the Redis store limits locally (its fallback during an outage), a booking made
    in Redis before the outage stays where it is: the local store never held it, and moving
    it there would give back units of other local bookings (found in review)."""
    from ratekeeper._errors import StoreUnavailable

    limit = rk.Limit("t", 10, 10.0, algorithm="token")
    store = RedisStore.from_url(redis_url, prefix=unique_prefix(), fallback=1.0, retry_interval=30)
    try:
        store.reserve(((limit, None, 10.0),), 0, None)
        head = store.reserve(((limit, None, 5.0),), 0, None)  # in Redis, ~5 s ahead
        fallback = store._went_away(StoreUnavailable("simulated outage"))
        store.reserve(((limit, None, 10.0),), 0, None)  # local bookings
        other = store.reserve(((limit, None, 5.0),), 0, None)
        state = fallback.state_for(store._small(limit), None)
        assert isinstance(state, algo.TokenState)
        before = state.tat
        stay = store.rebook(((limit, None, 5.0),), 0, head.placed)
        assert not stay.granted and stay.placed == head.placed
        assert state.tat == before  # nothing given back locally
        moved = store.rebook(((limit, None, 5.0),), 0, other.placed)  # a local booking moves locally
        assert not moved.granted and state.tat == before  # (nothing was freed: it stays too)
    finally:
        store._fallback = None
        store.clear()
        store.close()


def test_host_wake_announces_to_other_listeners_and_leaves_no_folder(tmp_path: Path) -> None:
    from ratekeeper.stores._wake import HostWake, wake_dir

    db = tmp_path / "shared.db"
    listener, sender = HostWake(db), HostWake(db)
    heard: list[object] = []
    listener.listen(heard.append)
    sender.announce([("w", "1.2.3.4"), ("orders", None)])
    deadline = time.monotonic() + 5
    while not heard and time.monotonic() < deadline:
        time.sleep(0.002)
    assert heard == [[("w", "1.2.3.4"), ("orders", None)]]
    listener.announce([("w", None)])  # a process does not hear itself
    listener.close()
    sender.close()
    assert heard == [[("w", "1.2.3.4"), ("orders", None)]]
    assert not wake_dir(db).exists()
