"""A shared store that loses its state never doubles a budget.

Redis: a restart without persistence, a flush, an eviction, a failover to a replica that
missed the last writes. SQLite: the file deleted, or replaced by an older copy, while
processes spend it. In each case what the venue counted before the loss is unknown, so
every budget is taken as full from the moment the loss is found until what was counted has
left its window (a quota, which does not refill with time: until the venue's own count
replaces the fill). The first half drives both stores with a fake clock and loses their
state by hand; the second half loses it for real, with redis-server processes.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis

import ratekeeper as rk
from ratekeeper import _algorithms as algo
from ratekeeper.stores import Store
from ratekeeper.stores.redis import RedisStore
from ratekeeper.stores.sqlite import SQLiteStore
from ratekeeper.testing import FakeClock, RedisServer, TcpRelay, unique_prefix

from .conftest import missing

SLIDING = rk.Limit("s", 5, 10.0)
FIXED = rk.Limit("f", 5, 10.0, algorithm="fixed")
TOKEN = rk.Limit("t", 5, 10.0, algorithm="token")
QUOTA = rk.Limit("q", 5, 10.0, algorithm="quota")
CONC = rk.Limit("c", 2, 5.0, algorithm="concurrent")
BUDGETS = (SLIDING, FIXED, TOKEN, QUOTA)


@dataclass
class Shared:
    """Store objects on one shared state (each one a process of its own), and the loss."""

    kind: str
    clock: FakeClock
    open: Callable[[], Store]
    lose: Callable[[], None]


@pytest.fixture(params=("sqlite", "redis", "cluster"))
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Shared]:
    clock = FakeClock(start=1000.0, wall_offset=1_700_000_000.0)
    opened: list[Store] = []
    if request.param == "sqlite":
        path = tmp_path / "state.db"

        def open_sqlite() -> Store:
            opened.append(SQLiteStore(path, clock=clock))
            return opened[-1]

        def delete() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

        yield Shared("sqlite", clock, open_sqlite, delete)
    else:
        prefix = unique_prefix()
        client: redis.Redis | redis.RedisCluster
        if request.param == "redis":
            url = request.getfixturevalue("redis_url")
            client = redis.Redis.from_url(url)
        else:  # a local 3-primary Redis Cluster: the prefix's keys live on one of them
            url = request.getfixturevalue("redis_cluster_url")
            nodes: list[RedisServer] = request.getfixturevalue("redis_cluster_nodes")
            client = redis.RedisCluster(host="127.0.0.1", port=nodes[0].port)

        def open_redis() -> Store:
            opened.append(RedisStore.from_url(url, prefix=prefix, clock=clock))
            return opened[-1]

        def flush() -> None:
            for key in list(client.scan_iter(match="{" + prefix + "}:*")):
                client.delete(key)

        yield Shared(request.param, clock, open_redis, flush)
        flush()
        client.close()
    for store in opened:
        store.close()


def wait_for(store: Store, limit: rk.Limit, cost: float = 1.0) -> float:
    """Book ``cost`` of ``limit`` (scope-less) and return how long it waits."""
    d = store.reserve(((limit, None, cost),), 0, None)
    assert d.granted
    return d.start - d.now


def spend_all(store: Store) -> None:
    for limit in BUDGETS:
        assert wait_for(store, limit, 5.0) == 0.0


def test_a_lost_state_fills_every_budget_until_what_was_counted_has_left(shared: Shared) -> None:
    a = shared.open()
    spend_all(a)
    shared.clock.advance(2.0)
    shared.lose()
    # sliding and bucket: one period from the loss; fixed: the end of the window holding it
    assert wait_for(a, SLIDING) == 10.0
    lost = a.lost_at  # type: ignore[attr-defined]
    assert lost == shared.clock.wall()
    assert wait_for(a, FIXED) == algo.fill_until(FIXED, lost) - lost == 8.0
    assert wait_for(a, TOKEN) >= 10.0
    # a quota does not refill: once used up the venue lets one request through per period
    assert [wait_for(a, QUOTA) for _ in range(2)] == [0.0, 10.0]
    blocked = {s.limit.name: s.blocked_for for s in a.snapshot([SLIDING, FIXED, TOKEN])}
    assert blocked == {"s": 10.0, "f": 8.0, "t": 10.0}
    # and nothing is refused once the window has passed
    shared.clock.advance(20.0)
    assert wait_for(a, FIXED) == 0.0


def test_without_the_loss_nothing_is_filled(shared: Shared) -> None:
    """The control: a store used for the first time, or emptied by clear(), starts with
    room, as every limiter does at start."""
    a = shared.open()
    assert [wait_for(a, limit) for limit in BUDGETS] == [0.0] * 4
    assert a.lost_at is None  # type: ignore[attr-defined]
    b = shared.open()
    b.clear()  # type: ignore[attr-defined]
    shared.clock.advance(1.0)
    spend_all(a)  # a deliberate reset empties every budget: not a loss, nothing filled
    assert a.lost_at is None  # type: ignore[attr-defined]


def test_a_process_started_after_the_loss_is_filled_too(shared: Shared) -> None:
    a = shared.open()
    spend_all(a)
    shared.lose()
    assert wait_for(a, SLIDING) == 10.0
    shared.clock.advance(3.0)
    b = shared.open()  # knew nothing before: it learns the loss from the store
    assert wait_for(b, SLIDING) == 7.0
    assert b.lost_at == a.lost_at  # type: ignore[attr-defined]


def test_a_newcomer_that_saw_nothing_does_not_hide_the_loss(shared: Shared) -> None:
    a = shared.open()
    spend_all(a)
    shared.lose()
    shared.clock.advance(1.0)
    b = shared.open()
    # b comes first: an empty store it never saw is a new store to it (it cannot know)
    assert wait_for(b, SLIDING) == 0.0
    born = shared.clock.wall()
    shared.clock.advance(1.0)
    # a knew the old state: the loss dates from the first use after it, for both
    assert wait_for(a, SLIDING) == born + 10.0 - shared.clock.wall()
    assert a.lost_at == born  # type: ignore[attr-defined]
    assert wait_for(b, FIXED) > 0.0


def test_the_venues_own_count_replaces_the_fill(shared: Shared) -> None:
    a = shared.open()
    spend_all(a)
    shared.lose()
    assert wait_for(a, SLIDING) == 10.0
    # used weight from a response header: 2 of 5 in the window, so 3 more fit now (and the
    # one booked at the end of the fill stays booked there)
    a.observe(SLIDING, None, rk.Observation("s", used=2.0))
    assert [wait_for(a, SLIDING) for _ in range(3)] == [0.0] * 3
    assert wait_for(a, SLIDING) > 0.0
    # the quota's requests used, from the venue (Hyperliquid's userRateLimit)
    assert wait_for(a, QUOTA) == 0.0  # the trickle's one
    a.observe(QUOTA, None, rk.Observation("q", used=1.0, cap=5.0))
    assert [wait_for(a, QUOTA) for _ in range(4)] == [0.0] * 4
    # a 429 alone says nothing of the count: it does not lift the fill
    a.observe(TOKEN, None, rk.Observation("t", blocked_for=1.0))
    assert wait_for(a, TOKEN) >= 10.0


def test_leases_held_at_the_loss_are_taken_as_held_for_one_ttl(shared: Shared) -> None:
    a = shared.open()
    assert a.lease(CONC, None, "w1", 2).granted
    shared.lose()
    shared.clock.advance(1.0)
    refused = a.lease(CONC, None, "w2", 1, ttl=5.0)
    assert not refused.granted and refused.retry_after == 5.0
    assert algo.LOST_HOLDER in a.leases(CONC, None)
    shared.clock.advance(5.0)
    assert a.lease(CONC, None, "w2", 1, ttl=5.0).granted


def test_a_sqlite_file_replaced_by_an_older_copy_is_a_loss(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "state.db"
    a = SQLiteStore(path, clock=clock)
    assert wait_for(a, SLIDING, 2.0) == 0.0
    a.close()  # a backup taken from a quiet file
    shutil.copy(path, tmp_path / "backup.db")
    a = SQLiteStore(path, clock=clock)
    assert wait_for(a, SLIDING, 3.0) == 0.0
    os.replace(tmp_path / "backup.db", path)  # put back while a runs: it misses those 3
    assert wait_for(a, SLIDING) == 10.0
    assert a.lost_at == clock.wall()
    a.close()


def _unlink(path: Path, *suffixes: str) -> None:
    for suffix in suffixes:
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def test_a_sqlite_file_deleted_one_file_at_a_time_while_stores_reopen_it_stays_usable(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """``rm state.db*`` deletes the file, its WAL and its index one after the other. A store
    that opens the file in between must not pair the new file with the old WAL (SQLite
    would read the deleted file's pages: disk I/O errors), and one whose new WAL is then
    deleted too holds a file whose pages are gone: it is moved aside, never an error that
    lasts. Every budget counts as full for a period afterwards, in every store."""
    caplog.set_level(logging.WARNING, logger="ratekeeper")
    clock = FakeClock()
    path = tmp_path / "state.db"
    a = SQLiteStore(path, clock=clock)
    assert wait_for(a, SLIDING, 2.0) == 0.0
    _unlink(path, "")  # the file goes first...
    b = SQLiteStore(path, clock=clock)  # ...a process starts in between: a new file beside the old WAL
    assert "removed the WAL and index its deleted file left behind" in caplog.text
    assert wait_for(b, SLIDING, 1.0) == 0.0  # no earlier state known to b: a new file to it
    _unlink(path, "-wal", "-shm")  # ...then the WAL and index: b's own, holding what b wrote
    assert wait_for(a, SLIDING) == 10.0  # a knew the file: lost, so full for a period
    assert "read as damaged" in caplog.text and list(tmp_path.glob("state.db.damaged-*"))
    assert wait_for(b, SLIDING) == 10.0  # b learns the loss from the new file
    late = SQLiteStore(path, clock=clock)  # a process started after all this
    assert wait_for(late, SLIDING) == 10.0
    clock.advance(10.0)
    assert wait_for(late, SLIDING) == 0.0
    for store in (a, b, late):
        store.close()


def test_a_sqlite_file_deleted_alone_leaves_no_store_failing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """``rm state.db`` leaves the WAL and index behind: the store that held the file opens
    the new one, without the old WAL, and counts the loss; a new store does too."""
    caplog.set_level(logging.WARNING, logger="ratekeeper")
    clock = FakeClock()
    path = tmp_path / "state.db"
    a = SQLiteStore(path, clock=clock)
    assert wait_for(a, SLIDING, 3.0) == 0.0
    _unlink(path, "")
    assert wait_for(a, SLIDING) == 10.0
    assert a.lost_at == clock.wall()
    late = SQLiteStore(path, clock=clock)
    assert wait_for(late, SLIDING) == 10.0
    assert "read as damaged" not in caplog.text
    a.close()
    late.close()


# ---------------------------------------------------------------------------------------
# for real: redis-server processes killed, flushed, evicting, failed over
# ---------------------------------------------------------------------------------------


def grants_in_windows(times: list[float], window: float) -> int:
    """The most grants inside any window of ``window`` seconds."""
    times = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def spend_through(url: str, limit: rk.Limit, seconds: float, fault: Callable[[], None], at: float) -> list[float]:
    """Acquire one unit at a time for ``seconds`` from a limiter on ``url``; run ``fault``
    ``at`` seconds in. Returns the grant times (monotonic); a StoreUnavailable is retried."""
    limiter = rk.Limiter([limit], store=url)
    times: list[float] = []
    stop = threading.Event()

    def spend() -> None:
        while not stop.is_set():
            try:
                limiter.acquire({limit.name: 1}, timeout=0.2)
                times.append(time.monotonic())
            except rk.RateLimited:
                pass
            except rk.StoreUnavailable:
                time.sleep(0.01)

    worker = threading.Thread(target=spend)
    start = time.monotonic()
    worker.start()
    time.sleep(at)
    fault()
    time.sleep(max(0.0, seconds - (time.monotonic() - start)))
    stop.set()
    worker.join(5.0)
    limiter.close()
    return [t - start for t in times]


@pytest.mark.parametrize("fault", ["restart", "flush"])  # restart: SIGKILL, then started again empty
def test_redis_restarted_or_flushed_mid_window_never_doubles_a_budget(
    redis_server: RedisServer, fault: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The new user's case: 50 per 2 s from one thread; Redis restarted empty (or flushed)
    0.5 s in. Without the loss found, 50 more went through at once."""
    caplog.set_level(logging.WARNING, logger="ratekeeper")
    limit = rk.Limit("q", 50, 2.0)
    url = f"{redis_server.url}?prefix={unique_prefix()}"

    def lose() -> None:
        if fault == "restart":
            redis_server.kill()
            redis_server.start()
        else:
            redis.Redis(port=redis_server.port).flushall()

    times = spend_through(url, limit, 3.2, lose, 0.5)
    assert "lost its state" in caplog.text
    # at most one budget in any window (1.95 s: the client sees each grant a little after the server made it)
    assert grants_in_windows(times, 1.95) <= 50
    # the first 50 at once; after the loss nothing until the fill has passed (2 s after it)
    assert len([t for t in times if t < 0.5]) == 50
    assert not [t for t in times if 0.6 < t < 2.4]
    assert len(times) >= 99  # and then the budget again


CTX = multiprocessing.get_context("spawn")


def spend_from_a_process(target: str, begin: float, end: float, out: Any) -> None:
    """A worker process: 1 unit at a time of 50 per 2 s from ``begin`` to ``end`` (wall
    times; its store is opened at ``begin``); puts its grant times on ``out``."""
    time.sleep(max(0.0, begin - time.time()))
    limiter = rk.Limiter([rk.Limit("q", 50, 2.0)], store=target)
    times: list[float] = []
    while time.time() < end:
        try:
            limiter.acquire({"q": 1}, timeout=0.2)
            times.append(time.time())
        except rk.RateLimited:
            pass
        except rk.StoreUnavailable:
            time.sleep(0.01)
    limiter.close()
    out.put(times)


@pytest.mark.parametrize("kind", ["redis", "sqlite"])
def test_four_processes_never_double_a_budget_when_the_store_loses_it(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """4 processes share 50 per 2 s; 0.5 s in, Redis is restarted empty, or the SQLite file
    deleted. The two running find the loss on their next call; the two that start 0.9 s in
    (a restarted service) learn it from the store."""
    if kind == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        target = f"{server.url}?prefix={unique_prefix()}"

        def lose() -> None:
            server.kill()
            server.start()

    else:
        path = tmp_path / "shared.db"
        target = f"sqlite:///{path}"

        def lose() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

    out = CTX.Queue()
    begin = time.time() + 4.0  # spawned interpreters take a while to start on a loaded machine
    starts = (begin, begin, begin + 0.9, begin + 0.9)
    workers = [CTX.Process(target=spend_from_a_process, args=(target, t, begin + 3.2, out)) for t in starts]
    for w in workers:
        w.start()
    time.sleep(max(0.0, begin + 0.5 - time.time()))
    lose()
    times = sorted(t - begin for _ in workers for t in out.get(timeout=60))
    for w in workers:
        w.join(10)
    assert grants_in_windows(times, 1.95) <= 50
    assert len([t for t in times if t < 0.5]) == 50
    assert not [t for t in times if 0.6 < t < 2.4]
    assert len(times) >= 99


def test_an_evicting_server_is_named_at_start_and_its_evictions_are_losses(
    caplog: pytest.LogCaptureFixture,
) -> None:
    if RedisServer.binary() is None:
        missing("fault tests need a redis-server binary they can start and stop")
    caplog.set_level(logging.WARNING, logger="ratekeeper")
    with RedisServer(args=("--maxmemory", "8mb", "--maxmemory-policy", "allkeys-lru")) as server:
        store = RedisStore.from_url(server.url, prefix=unique_prefix())
        assert wait_for(store, SLIDING, 5.0) == 0.0
        assert "maxmemory-policy allkeys-lru" in caplog.text and "noeviction" in caplog.text
        client = redis.Redis(port=server.port)
        blob = b"x" * 4096
        for i in range(4096):  # 16 MB through an 8 MB server: it evicts
            client.set(f"cache:{i}", blob)
        assert int(client.info("stats")["evicted_keys"]) > 0
        assert wait_for(store, SLIDING) >= 9.9  # the next call finds the eviction
        assert store.lost_at is not None and "lost its state" in caplog.text
        store.close()
        client.close()


def test_a_failover_to_a_replica_that_missed_the_last_writes_is_a_loss(caplog: pytest.LogCaptureFixture) -> None:
    if RedisServer.binary() is None:
        missing("fault tests need a redis-server binary they can start and stop")
    caplog.set_level(logging.WARNING, logger="ratekeeper")
    prefix = unique_prefix()
    with RedisServer() as primary, RedisServer() as replica:
        r = redis.Redis(port=replica.port)
        r.replicaof("127.0.0.1", primary.port)
        store = RedisStore.from_url(primary.url, prefix=prefix)
        assert wait_for(store, SLIDING, 3.0) == 0.0
        deadline = time.monotonic() + 10.0
        while r.exists("{" + prefix + "}:s:s") == 0:  # the replica has the first 3
            assert time.monotonic() < deadline, "the replica never caught up"
            time.sleep(0.02)
        os.kill(replica.pid or 0, signal.SIGSTOP)  # it misses what follows
        try:
            assert wait_for(store, SLIDING, 2.0) == 0.0
        finally:
            primary.stop()
            os.kill(replica.pid or 0, signal.SIGCONT)
        r.replicaof("NO", "ONE")  # promoted: it holds 3 of the 5 units booked
        promoted = RedisStore.from_url(replica.url, prefix=prefix)
        # another server answers for the prefix: a loss, so the budget is full for one window
        assert wait_for(promoted, SLIDING) >= 9.9
        assert promoted.lost_at is not None
        assert "another server answers" in caplog.text
        promoted.close()
        store.close()
        r.close()


def test_a_store_behind_one_address_that_fails_over_finds_the_loss(caplog: pytest.LogCaptureFixture) -> None:
    """The same store object, through one address (a relay standing for DNS, a proxy or a
    virtual IP) that moves from the primary to its promoted replica: the connection the
    switch closed is noticed, and the next call asks which server answers."""
    if RedisServer.binary() is None:
        missing("fault tests need a redis-server binary they can start and stop")
    caplog.set_level(logging.WARNING, logger="ratekeeper")
    prefix = unique_prefix()
    with RedisServer() as primary, RedisServer() as replica, TcpRelay("127.0.0.1", primary.port) as relay:
        r = redis.Redis(port=replica.port)
        r.replicaof("127.0.0.1", primary.port)
        store = RedisStore.from_url(relay.url_for(), prefix=prefix)
        assert wait_for(store, SLIDING, 3.0) == 0.0
        deadline = time.monotonic() + 10.0
        while r.exists("{" + prefix + "}:s:s") == 0:
            assert time.monotonic() < deadline, "the replica never caught up"
            time.sleep(0.02)
        os.kill(replica.pid or 0, signal.SIGSTOP)
        try:
            assert wait_for(store, SLIDING, 2.0) == 0.0  # the window is full: 5 of 5
        finally:
            primary.kill()
            os.kill(replica.pid or 0, signal.SIGCONT)
        r.replicaof("NO", "ONE")
        relay.retarget("127.0.0.1", replica.port)
        relay.cut()
        assert wait_for(store, SLIDING) >= 9.9  # not 0: the replica knew of 3 units only
        assert store.lost_at is not None and "another server answers" in caplog.text
        store.close()
        r.close()
