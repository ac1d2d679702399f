"""Faults between the clients and Redis, for real: a redis-server of the test's own behind a
``TcpRelay`` that adds latency, hangs (a blackhole) or cuts connections at random, and a
server frozen with SIGSTOP. What must hold through all of them: every call returns or raises
``StoreUnavailable`` within the socket timeouts, nothing a client was granted goes unbooked,
and the booked times never hold more than a limit allows.

(A worker process killed while it waits is tested in test_store_multiprocess.py; a Redis
that loses its state is tested with the lost-state detection.)"""

from __future__ import annotations

import asyncio
import bisect
import functools
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import pytest

import ratekeeper as rk
from ratekeeper.stores.redis import DEFAULT_TIMEOUT, AsyncRedisStore, RedisStore
from ratekeeper.testing import RedisServer, TcpRelay, unique_prefix

BOUND = 2 * DEFAULT_TIMEOUT + 1.0
"""Seconds within which a call to an unreachable, hung or cut-off Redis must raise: the
connect or handshake timeout, the reply timeout (1 s each by default), and slack for a
loaded machine. What each fault really costs is in docs/stores.md "Faults and what they cost"."""


@pytest.fixture
def relay(redis_server: RedisServer) -> Iterator[TcpRelay]:
    with TcpRelay("127.0.0.1", redis_server.port) as r:
        yield r


def most_in_any_window(times: list[float], period: float) -> int:
    """The most of ``times`` in any interval [t, t + period) (a sliding window's rule: an
    entry leaves the window ``period`` after it was booked)."""
    ts = sorted(times)
    return max((bisect.bisect_left(ts, t + period) - i for i, t in enumerate(ts)), default=0)


def timed_unavailable(call: Callable[[], object]) -> float:
    started = time.monotonic()
    with pytest.raises(rk.StoreUnavailable):
        call()
    return time.monotonic() - started


async def atimed_unavailable(call: Callable[[], Awaitable[object]]) -> float:
    started = time.monotonic()
    with pytest.raises(rk.StoreUnavailable):
        await call()
    return time.monotonic() - started


@dataclass
class Run:
    """What the threads of one run saw: grants (booked time, wall time when ``acquire``
    returned), failures (wall times when the failed ``acquire`` started and ended), and
    anything else raised."""

    grants: list[tuple[float, float]] = field(default_factory=list)
    failures: list[tuple[float, float]] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acquire(self, limiter: rk.Limiter, times: int = 1) -> None:
        for _ in range(times):
            started = time.time()
            try:
                grant = limiter.acquire({"a": 1})
            except rk.StoreUnavailable:
                with self.lock:
                    self.failures.append((started, time.time()))
                continue
            except BaseException as exc:
                with self.lock:
                    self.errors.append(exc)
                return
            returned = time.time()
            with self.lock:
                if grant.at is None:
                    self.errors.append(AssertionError("a grant without a slot"))
                else:
                    self.grants.append((grant.at, returned))

    @property
    def booked(self) -> list[float]:
        return [at for at, _ in self.grants]

    @property
    def slowest_failure(self) -> float:
        return max((end - start for start, end in self.failures), default=0.0)


def run_threads(targets: list[Callable[[], object]], timeout: float) -> None:
    """Run each target in a thread of its own; fail if any is still running after ``timeout``."""
    threads = [threading.Thread(target=t, daemon=True) for t in targets]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "a call hung"


# ---------------------------------------------------------------------------------------
# latency
# ---------------------------------------------------------------------------------------


def test_latency_never_puts_a_window_over_its_limit(redis_server: RedisServer) -> None:
    """Two hosts, 50 ms and 200 ms from Redis (each way), two threads each, spending one
    budget of 4 per second. The budget is kept on Redis's clock, so what must never exceed
    it are the times the store booked (``grant.at``, Redis's ``TIME``). A client learns of
    its grant a one-way delay (or more) after the store booked it, so the times the clients
    *saw* lag the bookings, and may bunch (a far host's grants arrive next to a near
    host's): on those, what must hold is that none came before its booked time."""
    limit = rk.Limit("a", 4, 1.0)
    prefix = unique_prefix()
    run = Run()
    with TcpRelay("127.0.0.1", redis_server.port) as near, TcpRelay("127.0.0.1", redis_server.port) as far:
        near.delay, far.delay = 0.05, 0.2
        limiters = [rk.Limiter([limit], store=RedisStore.from_url(r.url_for(), prefix=prefix)) for r in (near, far)]
        try:
            run_threads([functools.partial(run.acquire, lim, 2) for lim in limiters for _ in range(2)], 30.0)
        finally:
            for lim in limiters:
                lim.close()
    assert run.errors == [] and run.failures == []
    assert len(run.grants) == 8
    assert most_in_any_window(run.booked, limit.period) == 4  # full, and never over
    assert max(run.booked) - min(run.booked) >= 1.0  # 8 at 4 per second: the limit did bind
    for at, seen in run.grants:
        assert seen >= at - 0.002  # no client went before its slot (Redis runs on this host's clock)


# ---------------------------------------------------------------------------------------
# a blackhole: the network hangs
# ---------------------------------------------------------------------------------------


def test_a_blackhole_raises_within_the_bound_then_service_returns(relay: TcpRelay) -> None:
    limit = rk.Limit("a", 100, 1.0)
    items = ((limit, None, 1.0),)
    prefix = unique_prefix()
    store = RedisStore.from_url(relay.url_for(), prefix=prefix)
    limiter = rk.Limiter([limit], store=RedisStore.from_url(relay.url_for(), prefix=prefix))
    try:
        assert store.reserve(items, 0, None).granted  # the connection is open
        limiter.acquire({"a": 1})
        relay.blackhole()
        assert timed_unavailable(lambda: store.reserve(items, 0, None)) < BOUND  # on the open connection
        assert timed_unavailable(lambda: store.reserve(items, 0, None)) < BOUND  # on a new one
        assert timed_unavailable(lambda: limiter.acquire({"a": 1})) < BOUND
        relay.blackhole(False)
        assert store.reserve(items, 0, None).granted
        assert limiter.acquire({"a": 1}, timeout=1.0) is not None
    finally:
        store.close()
        limiter.close()


async def test_a_blackhole_raises_within_the_bound_for_asyncio_too(relay: TcpRelay) -> None:
    limit = rk.Limit("a", 100, 1.0)
    items = ((limit, None, 1.0),)
    prefix = unique_prefix()
    store = AsyncRedisStore.from_url(relay.url_for(), prefix=prefix)
    limiter = rk.AsyncLimiter([limit], store=AsyncRedisStore.from_url(relay.url_for(), prefix=prefix))
    try:
        assert (await store.areserve(items, 0, None)).granted
        await limiter.acquire({"a": 1})
        relay.blackhole()
        assert await atimed_unavailable(lambda: store.areserve(items, 0, None)) < BOUND
        assert await atimed_unavailable(lambda: limiter.acquire({"a": 1})) < BOUND
        relay.blackhole(False)
        assert (await store.areserve(items, 0, None)).granted
        assert await asyncio.wait_for(limiter.acquire({"a": 1}, timeout=1.0), BOUND) is not None
    finally:
        await store.aclose()
        await limiter.aclose()


def test_a_connection_broken_while_connecting_to_a_hung_server_costs_two_timeouts_at_most(relay: TcpRelay) -> None:
    """The slowest path the bound allows: a new connection waits for its handshake and breaks
    before the command was sent, so it is tried once more, and waits for the hung server
    again until the timeout (measured: 1.8 s)."""
    store = RedisStore.from_url(relay.url_for(), prefix=unique_prefix())
    relay.blackhole()
    threading.Timer(0.8 * DEFAULT_TIMEOUT, relay.cut).start()
    try:
        assert timed_unavailable(lambda: store.reserve(((rk.Limit("a", 5, 1.0), None, 1.0),), 0, None)) < BOUND
    finally:
        store.close()


# ---------------------------------------------------------------------------------------
# a connection cut while idle, and a reply lost after the command ran
# ---------------------------------------------------------------------------------------


def test_a_connection_cut_while_idle_is_opened_again_before_the_command_goes(relay: TcpRelay) -> None:
    store = RedisStore.from_url(relay.url_for(), prefix=unique_prefix())
    items = ((rk.Limit("a", 100, 60.0), None, 1.0),)
    try:
        assert store.reserve(items, 0, None).granted
        relay.cut()  # as a restarted server does
        assert store.reserve(items, 0, None).granted
        assert store.snapshot([items[0][0]])[0].used == 2.0
    finally:
        store.clear()
        store.close()


async def test_an_asyncio_connection_cut_while_idle_is_opened_again_too(relay: TcpRelay) -> None:
    store = AsyncRedisStore.from_url(relay.url_for(), prefix=unique_prefix())
    items = ((rk.Limit("a", 100, 60.0), None, 1.0),)
    try:
        assert (await store.areserve(items, 0, None)).granted
        relay.cut()
        time.sleep(0.05)  # the close has arrived, but this loop has not run since to see it
        assert (await store.areserve(items, 0, None)).granted
        assert (await store.asnapshot([items[0][0]]))[0].used == 2.0
    finally:
        await store.aclear()
        await store.aclose()


def used(store: RedisStore, limit: rk.Limit) -> float:
    return store.snapshot([limit])[0].used


def lose_the_reply(relay: TcpRelay) -> None:
    """With 0.3 s each way, cut every connection 0.45 s from now: after a command sent now
    reached Redis and ran, before its reply is delivered. (The connection must be open and
    the script loaded: a handshake or a NOSCRIPT would take round trips of their own.)"""
    relay.delay = 0.3
    threading.Timer(0.45, relay.cut).start()


def test_a_command_whose_reply_was_lost_is_not_sent_again(redis_server: RedisServer, relay: TcpRelay) -> None:
    """Sent again, a reservation would be booked twice and a refund given back twice (taking
    someone else's booking): a call that may have run raises StoreUnavailable instead."""
    limit = rk.Limit("a", 100, 60.0)
    prefix = unique_prefix()
    store = RedisStore.from_url(relay.url_for(), prefix=prefix)
    direct = RedisStore.from_url(redis_server.url, prefix=prefix)
    try:
        d = store.reserve(((limit, None, 5.0),), 0, None)
        store.refund(((limit, None, 1.0),), d.placed)  # both scripts loaded: 4 booked
        lose_the_reply(relay)
        assert timed_unavailable(lambda: store.reserve(((limit, None, 1.0),), 0, None)) < 1.0
        assert used(direct, limit) == 5.0  # it ran, once
        relay.delay = 0.0
        store.reserve(((limit, None, 1.0),), 0, None)  # connected again: 6
        lose_the_reply(relay)
        assert timed_unavailable(lambda: store.refund(((limit, None, 2.0),), d.placed)) < 1.0
        assert used(direct, limit) == 4.0  # given back, once
    finally:
        direct.clear()
        direct.close()
        store.close()


async def test_an_asyncio_command_whose_reply_was_lost_is_not_sent_again(
    redis_server: RedisServer, relay: TcpRelay
) -> None:
    limit = rk.Limit("a", 100, 60.0)
    prefix = unique_prefix()
    store = AsyncRedisStore.from_url(relay.url_for(), prefix=prefix)
    direct = RedisStore.from_url(redis_server.url, prefix=prefix)
    try:
        d = await store.areserve(((limit, None, 5.0),), 0, None)
        await store.arefund(((limit, None, 1.0),), d.placed)
        lose_the_reply(relay)
        assert await atimed_unavailable(lambda: store.areserve(((limit, None, 1.0),), 0, None)) < 1.0
        assert used(direct, limit) == 5.0
        relay.delay = 0.0
        await store.areserve(((limit, None, 1.0),), 0, None)
        lose_the_reply(relay)
        assert await atimed_unavailable(lambda: store.arefund(((limit, None, 2.0),), d.placed)) < 1.0
        assert used(direct, limit) == 4.0
    finally:
        direct.clear()
        direct.close()
        await store.aclose()


# ---------------------------------------------------------------------------------------
# drops: connections cut at random
# ---------------------------------------------------------------------------------------


def test_drops_never_lose_nor_double_a_booking(redis_server: RedisServer, relay: TcpRelay) -> None:
    """Three threads, each call on a budget of its own (a scope per call, so each call's
    bookings can be counted): reserve 2 units, then give 1 back (a settle below the
    estimate). One chunk in ten is lost with its connection. Every call returns or raises
    StoreUnavailable within the bound, and what Redis holds afterwards is what the client
    knows, or, where a call failed without knowing whether Redis ran it, one of the two
    outcomes: never a booking lost, never one made twice."""
    limit = rk.Limit("a", 1000, 60.0, scope="call")
    prefix = unique_prefix()
    outcome: dict[str, str] = {}
    slowest = [0.0]
    lock = threading.Lock()

    def worker(w: int) -> None:
        store = RedisStore.from_url(relay.url_for(), prefix=prefix)
        try:
            for i in range(60):
                scope = f"{w}-{i}"
                started = time.monotonic()
                try:
                    d = store.reserve(((limit, scope, 2.0),), 0, None)
                    assert d.granted and d.start == d.now
                except rk.StoreUnavailable:
                    result = "reserve failed"
                else:
                    try:
                        store.refund(((limit, scope, 1.0),), d.placed)
                        result = "booked 1"
                    except rk.StoreUnavailable:
                        result = "refund failed"
                with lock:
                    outcome[scope] = result
                    slowest[0] = max(slowest[0], time.monotonic() - started)
        finally:
            store.close()

    relay.drop_rate = 0.1
    run_threads([functools.partial(worker, w) for w in range(3)], timeout=60.0)
    relay.drop_rate = 0.0
    assert slowest[0] < BOUND
    direct = RedisStore.from_url(redis_server.url, prefix=prefix)
    try:
        held = {s.scope: s.used + s.reserved for s in direct.snapshot([limit])}
    finally:
        direct.clear()
        direct.close()
    allowed = {"booked 1": {1.0}, "refund failed": {1.0, 2.0}, "reserve failed": {0.0, 2.0}}
    wrong = {s: (r, held.get(s, 0.0)) for s, r in outcome.items() if held.get(s, 0.0) not in allowed[r]}
    assert wrong == {}
    kinds = set(outcome.values())
    assert len(outcome) == 180 and kinds == set(allowed)  # every kind of fault happened


def test_drops_through_limiters_never_put_a_window_over_its_limit(relay: TcpRelay) -> None:
    """Two limiters (two hosts), three threads each, spending one budget while one chunk in
    twenty is lost with its connection: acquires return or raise StoreUnavailable, nothing
    hangs, and the booked times of the grants never hold more than the limit."""
    limit = rk.Limit("a", 5, 0.5)
    prefix = unique_prefix()
    run = Run()
    relay.drop_rate = 0.05
    limiters = [rk.Limiter([limit], store=RedisStore.from_url(relay.url_for(), prefix=prefix)) for _ in range(2)]
    try:
        run_threads([functools.partial(run.acquire, lim, 5) for lim in limiters for _ in range(3)], 60.0)
    finally:
        for lim in limiters:
            lim.close()
    assert run.errors == []
    assert len(run.grants) + len(run.failures) == 30 and len(run.grants) >= 15
    assert most_in_any_window(run.booked, limit.period) <= 5


# ---------------------------------------------------------------------------------------
# Redis frozen (SIGSTOP) past the socket timeout, then resumed
# ---------------------------------------------------------------------------------------


def test_a_frozen_redis_fails_calls_within_the_bound_and_serves_again_after(redis_server: RedisServer) -> None:
    """Three threads spend one budget; Redis freezes for over three socket timeouts (0.5 s
    here, to keep the test short), then resumes. While it is frozen, acquires raise
    StoreUnavailable (the threads of one limiter take turns on a budget, so the last in line
    waits for the ones ahead of it: up to three timeouts); afterwards grants come again,
    nothing hangs, and no window of booked times is over the limit."""
    timeout = 0.5
    bound = 2 * timeout + 1.0
    limit = rk.Limit("a", 5, 1.0)
    run = Run()
    store = RedisStore.from_url(
        redis_server.url, prefix=unique_prefix(), socket_timeout=timeout, socket_connect_timeout=timeout
    )
    limiter = rk.Limiter([limit], store=store)
    stop = threading.Event()

    def spend() -> None:
        while not stop.is_set():
            run.acquire(limiter)

    threads = [threading.Thread(target=spend, daemon=True) for _ in range(3)]
    try:
        for t in threads:
            t.start()
        time.sleep(0.5)
        paused_at = time.time()
        redis_server.pause()
        time.sleep(3.5 * timeout)
        redis_server.resume()
        resumed_at = time.time()
        time.sleep(1.5)
        stop.set()
        deadline = time.monotonic() + 3 * bound
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in threads), "a call hung"
    finally:
        stop.set()
        redis_server.resume()
        limiter.close()
    assert run.errors == []
    assert run.failures, "nothing failed while Redis was frozen"
    assert all(paused_at < end < resumed_at + bound for _, end in run.failures)
    # the first: after a waiter's slot (up to a period) and its check (a timeout), one timeout
    assert min(end for _, end in run.failures) < paused_at + limit.period + 2 * timeout + 1.0
    assert run.slowest_failure < 3 * bound
    assert any(at < paused_at for at in run.booked) and any(at > resumed_at for at in run.booked)  # served again
    assert most_in_any_window(run.booked, limit.period) <= 5
