"""Processes sharing one budget through SQLite and Redis, for real: workers killed while they
wait or write leak nothing beyond their own reservation's window, and 4 processes sharing
100 units per second for 3 s never exceed it, use all of it, and each get a fair share
(through SQLite, Redis, and the session's local three-primary Redis Cluster)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import ratekeeper as rk
from ratekeeper._algorithms import Decision
from ratekeeper.stores import Item, KeySnapshot, Store
from ratekeeper.stores.redis import RedisStore
from ratekeeper.stores.sqlite import SQLiteStore
from ratekeeper.testing import FakeClock, unique_prefix

CTX = multiprocessing.get_context("spawn")  # independent interpreters, as in production
SHARED = ("sqlite", "redis")
URL_FIXTURE = {"redis": "redis_url", "cluster": "redis_cluster_url"}


def open_shared(kind: str, target: str, prefix: str, clock: FakeClock | None) -> Store:
    if kind == "sqlite":
        return SQLiteStore(target, clock=clock)
    return RedisStore.from_url(target, prefix=prefix, clock=clock)  # redis:// or redis+cluster://


@dataclass
class Shared:
    kind: str
    target: str  # a file path, a Redis URL or a Redis Cluster URL
    prefix: str

    def open(self, clock: FakeClock | None = None) -> Store:
        return open_shared(self.kind, self.target, self.prefix, clock)


@pytest.fixture(params=SHARED)
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Shared]:
    if request.param == "sqlite":
        yield Shared("sqlite", str(tmp_path / "shared.db"), "")
        return
    s = Shared(request.param, request.getfixturevalue(URL_FIXTURE[request.param]), unique_prefix())
    yield s
    store = s.open()
    assert isinstance(store, RedisStore)
    store.clear()
    store.close()


# ---------------------------------------------------------------------------------------
# killed workers
# ---------------------------------------------------------------------------------------

LIMIT = rk.Limit("a", 5, 10.0)


def wait_on_a_booking(kind: str, target: str, prefix: str) -> None:
    """Take the whole budget, then book 3 more units 10 s ahead and wait for them forever
    (the fake clock never moves in this process)."""
    clock = FakeClock()
    limiter = rk.Limiter([LIMIT], store=open_shared(kind, target, prefix, clock), clock=clock)
    limiter.acquire({"a": 5})
    limiter.acquire({"a": 3})


def test_a_worker_killed_while_waiting_leaks_nothing_beyond_its_window(shared: Shared) -> None:
    worker = CTX.Process(target=wait_on_a_booking, args=(shared.kind, shared.target, shared.prefix))
    worker.start()
    clock = FakeClock()  # the same time as the worker's
    store = shared.open(clock)
    deadline = time.monotonic() + 30
    while sum(s.reserved for s in store.snapshot([LIMIT])) < 3:  # the worker is waiting on its slot
        assert worker.is_alive() and time.monotonic() < deadline
        time.sleep(0.02)
    assert worker.pid is not None
    os.kill(worker.pid, signal.SIGKILL)
    worker.join(10)
    # its slot at +10 is honoured until that window ends...
    d = store.reserve(((LIMIT, None, 2.0),), 0, None)
    assert d.start - d.now == 10.0
    clock.advance(10.0)
    assert not store.reserve(((LIMIT, None, 1.0),), 0, 0.0).granted
    # ...and not a moment longer: the whole budget is back
    clock.advance(10.0)
    assert store.reserve(((LIMIT, None, 5.0),), 0, 0.0).granted
    store.close()


def hammer(kind: str, target: str, prefix: str, writing: Any) -> None:
    store = open_shared(kind, target, prefix, None)
    many = (rk.Limit("x", 1e9, 1.0), None, 1.0), (rk.Limit("y", 1e9, 60.0, algorithm="fixed"), None, 1.0)
    store.reserve(many, 0, None)
    writing.put(os.getpid())
    while True:
        store.reserve(many, 0, None)


def test_workers_killed_mid_write_leave_no_lock_and_no_damage(shared: Shared) -> None:
    store = shared.open()
    limits = [rk.Limit("x", 1e9, 1.0), rk.Limit("y", 1e9, 60.0, algorithm="fixed")]
    writing = CTX.Queue()
    for delay in (0.05, 0.13, 0.21):  # killed at different moments of their writes
        workers = [
            CTX.Process(target=hammer, args=(shared.kind, shared.target, shared.prefix, writing)) for _ in range(2)
        ]
        for w in workers:
            w.start()
        for _ in workers:
            writing.get(timeout=60)
        time.sleep(delay)
        for w in workers:
            assert w.pid is not None and w.is_alive()
            os.kill(w.pid, signal.SIGKILL)
        for w in workers:
            w.join(10)
        started = time.monotonic()
        assert store.reserve(tuple((limit, None, 1.0) for limit in limits), 0, None).granted
        assert time.monotonic() - started < 1.0  # no lock left behind
        snaps = {s.limit.name: s.used for s in store.snapshot(limits)}
        assert snaps["y"] > 1 and snaps["y"] == int(snaps["y"])  # whole requests only, all or nothing
    if shared.kind == "sqlite":
        conn = sqlite3.connect(shared.target)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
    store.close()


# ---------------------------------------------------------------------------------------
# 4 processes share 100 units per second for 3 s
# ---------------------------------------------------------------------------------------

CAPACITY, PERIOD, SECONDS, WORKERS = 100, 1.0, 3.0, 4


class Recording:
    """A store wrapper that remembers the start of the last granted reservation: the store
    time (server time for Redis) of the slot the process was admitted to."""

    local = False

    def __init__(self, store: Store) -> None:
        self.store = store
        self.last = 0.0

    def reserve(self, items: Sequence[Item], priority: int, max_wait: float | None) -> Decision:
        d = self.store.reserve(items, priority, max_wait)
        if d.granted:
            self.last = d.start
        return d

    def refund(self, items: Sequence[Item], placed: Sequence[float]) -> None:
        self.store.refund(items, placed)

    def observe(self, limit: rk.Limit, scope: str | None, observation: rk.Observation) -> None:
        self.store.observe(limit, scope, observation)

    def snapshot(self, limits: Sequence[rk.Limit]) -> list[KeySnapshot]:
        return self.store.snapshot(limits)

    def close(self) -> None:
        self.store.close()


def share(kind: str, target: str, prefix: str, ready: Any, go: Any, start: Any, out: Any) -> None:
    rec = Recording(open_shared(kind, target, prefix, None))
    limit = rk.Limit("w", CAPACITY, PERIOD)
    limiter = rk.Limiter([limit], store=rec)
    rec.store.reserve(((limit, None, 1.0),), 0, -1.0)  # connect (and load scripts): books nothing
    ready.put(os.getpid())
    go.wait(60)
    start_at = float(start.value)
    time.sleep(max(0.0, start_at - time.time()))
    admitted: list[tuple[float, float]] = []  # (the slot's store time, wall time once admitted)
    while time.time() < start_at + SECONDS:
        limiter.acquire({"w": 1})
        admitted.append((rec.last, time.time()))
    out.put((os.getpid(), admitted))


def most_in_any_window(times: Sequence[float], length: float) -> int:
    """The largest number of times in any window [t, t + length) starting at one of them."""
    ts = sorted(times)
    most = j = 0
    for i, t in enumerate(ts):
        while j < len(ts) and ts[j] < t + length:
            j += 1
        most = max(most, j - i)
    return most


@pytest.mark.parametrize("shared", [*SHARED, "cluster"], indirect=True)
def test_four_processes_share_one_budget_exactly_fully_and_fairly(shared: Shared) -> None:
    ready, out = CTX.Queue(), CTX.Queue()
    go, start = CTX.Event(), CTX.Value("d", 0.0)
    procs = [
        CTX.Process(target=share, args=(shared.kind, shared.target, shared.prefix, ready, go, start, out))
        for _ in range(WORKERS)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=60)  # every interpreter is up and connected
    start.value = time.time() + 0.2
    go.set()
    results: dict[int, list[tuple[float, float]]] = dict(out.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(10)

    slots = sorted(s for admitted in results.values() for s, _ in admitted)
    walls = sorted(w for admitted in results.values() for _, w in admitted)
    lags = sorted(w - s for admitted in results.values() for s, w in admitted)
    # 1. the store never admits more than 100 into any 1 s window (every window checked)
    assert most_in_any_window(slots, PERIOD) <= CAPACITY
    # ... and as the processes saw it: wall-clock admission times, minus the wake-up jitter
    # (a slot is admitted when its sleeper wakes, a little late and not always by the same)
    jitter = lags[-1] - lags[0]
    assert jitter < 0.25, f"wake-up jitter {jitter:.3f} s"
    assert most_in_any_window(walls, PERIOD - jitter) <= CAPACITY
    # 2. the whole budget is used: bursts at 0, 1, 2 s fill every window of the run
    t0 = slots[0]
    used = sum(1 for s in slots if s < t0 + SECONDS)
    assert used >= 0.99 * CAPACITY * SECONDS, f"{used} admitted in {SECONDS} s"
    # 3. every process gets a fair share. In the first window the whole budget is free and
    # goes to whichever interpreters the OS runs first (one started late may get nothing);
    # from then on the freed units go round: each process holds one booking, and the units
    # nobody booked go to whoever asks first. Redis answers in arrival order, so shares come
    # out nearly equal; SQLite's write lock is no queue (waiters announce themselves and a
    # writer lets them go first), so they vary more. Measured on a busy 2-core machine:
    # mostly 23-26 % each with Redis (lowest seen 18 %), 20-27 % with SQLite (lowest 14 %),
    # 23-26 % with the Redis Cluster (lowest seen 17 %: redis-py's cluster client does more
    # work per call in each process, so CPU contention shows more; it gets SQLite's margin)
    counts = sorted(len(admitted) for admitted in results.values())
    steady = sorted(sum(1 for s, _ in admitted if s >= t0 + PERIOD) for admitted in results.values())
    assert counts[0] >= 0.05 * sum(counts), f"a process starved: {counts}"
    fair = 0.15 if shared.kind == "redis" else 0.125  # 60 % / 50 % of an equal share
    assert steady[0] >= fair * sum(steady), f"per process after the first window: {steady}"
    print(
        f"\n[{shared.kind}] {used} admitted in {SECONDS:g} s (budget {CAPACITY * SECONDS:g}); "
        f"most in any 1 s window: {most_in_any_window(slots, PERIOD)} (store time), "
        f"{most_in_any_window(walls, PERIOD)} (wall time, jitter {jitter * 1e3:.1f} ms); "
        f"per process {counts}, after the first window {steady}"
    )
