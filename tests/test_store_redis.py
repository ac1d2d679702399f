"""The Redis store: keys and slots, expiry, scripts, the server's clock, URLs, and faults
tested for real against a redis-server of the test's own (stopped, paused, restarted)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator

import pytest
import redis
from redis.crc import key_slot

import ratekeeper as rk
from ratekeeper.stores import open_store
from ratekeeper.stores.redis import SCRIPTS, AsyncRedisStore, RedisStore, _parse_url
from ratekeeper.testing import FakeClock, RedisServer, unique_prefix


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    c = redis.Redis.from_url(redis_url)
    yield c
    c.close()


@pytest.fixture
def store(redis_url: str) -> Iterator[RedisStore]:
    s = RedisStore.from_url(redis_url, prefix=unique_prefix())
    yield s
    s.clear()
    s.close()


def one(limit: rk.Limit, amount: float = 1.0, scope: str | None = None) -> tuple[tuple[rk.Limit, str | None, float]]:
    return ((limit, scope, amount),)


def test_all_keys_of_one_prefix_share_a_cluster_slot(store: RedisStore) -> None:
    limits = [
        rk.Limit("ip_weight", 1200, 60.0, scope="ip"),
        rk.Limit("orders", 10, 1.0, algorithm="fixed", scope="account"),
        rk.Limit("bucket", 5, 1.0, algorithm="token"),
        rk.Limit("address_actions", 10000, 10.0, algorithm="quota", scope="address"),
    ]
    keys = [store.key(limit, scope) for limit in limits for scope in (None, "1.2.3.4", "acct:7", "0xabc")]
    assert len({key_slot(k) for k in keys}) == 1
    assert store.key(limits[0], "1.2.3.4") == f"{{{store.prefix}}}:s:ip_weight:1.2.3.4".encode()
    assert store.key(limits[1], "a:b%c") == f"{{{store.prefix}}}:f:orders:a%3Ab%25c".encode()


def test_scopes_with_separators_round_trip_through_snapshots(store: RedisStore) -> None:
    limit = rk.Limit("w", 5, 10.0, scope="account")
    for scope in ("a:b", "50%", "plain"):
        store.reserve(one(limit, 2.0, scope), 0, None)
    snaps = {s.scope: s.used for s in store.snapshot([limit])}
    assert snaps == {"a:b": 2.0, "50%": 2.0, "plain": 2.0}


def test_idle_keys_expire_after_their_window_and_bookings(store: RedisStore, client: redis.Redis) -> None:
    sliding = rk.Limit("s", 1, 30.0)
    fixed = rk.Limit("f", 1, 60.0, algorithm="fixed")
    token = rk.Limit("t", 1, 20.0, algorithm="token")
    quota = rk.Limit("q", 1, 5.0, algorithm="quota")
    for limit in (sliding, fixed, token, quota):
        store.reserve(one(limit), 0, None)
    store.reserve(one(sliding), 0, None)  # booked 30 s ahead: the key must outlive it
    ttl = {limit.name: client.pttl(store.key(limit, None)) / 1000 for limit in (sliding, fixed, token, quota)}
    assert 60.0 <= ttl["s"] <= 61.5
    assert 0 < ttl["f"] <= 61.5
    assert 20.0 <= ttl["t"] <= 41.5
    assert 7 * 86400 - 5 <= ttl["q"] <= 7 * 86400  # a cumulative quota: kept a week unused


def test_the_fast_path_renews_the_ttl_only_when_it_runs_short(store: RedisStore, client: redis.Redis) -> None:
    limit = rk.Limit("s", 1e9, 10.0)
    store.reserve(one(limit), 0, None)
    key = store.key(limit, None)
    client.pexpire(key, 5000)  # pretend time has passed since the TTL was set
    store.reserve(one(limit), 0, None)
    assert client.pttl(key) <= 5000  # still long enough: not renewed
    client.pexpire(key, 100)
    store.reserve(one(limit), 0, None)  # ... but it would not outlive the window: renewed


def test_scripts_are_reloaded_after_a_script_flush(store: RedisStore, client: redis.Redis) -> None:
    limit = rk.Limit("a", 5, 1.0)
    store.reserve(one(limit), 0, None)
    client.script_flush()
    assert store.reserve(one(limit), 0, None).granted
    assert client.script_exists(SCRIPTS["reserve"].sha.decode()) == [True]
    multi = ((limit, None, 1.0), (rk.Limit("b", 5, 1.0), None, 1.0))
    client.script_flush()
    assert store.reserve(multi, 0, None).granted


def test_the_servers_time_is_the_clock(store: RedisStore, client: redis.Redis) -> None:
    sec, usec = client.time()
    d = store.reserve(one(rk.Limit("a", 5, 1.0)), 0, None)
    assert sec + usec / 1e6 - 0.5 <= d.now <= sec + usec / 1e6 + 5.0


def test_a_test_clock_drives_the_store_instead(redis_url: str) -> None:
    clock = FakeClock()
    store = RedisStore.from_url(redis_url, prefix=unique_prefix(), clock=clock)
    try:
        assert store.reserve(one(rk.Limit("a", 5, 1.0)), 0, None).now == clock.wall()
        # the limiter hands its clock to stores it opens by URL; the system clock is ignored
        lim = rk.Limiter([rk.Limit("a", 5, 1.0)], store=redis_url + "?prefix=" + unique_prefix(), clock=clock)
        assert isinstance(lim.store, RedisStore)
        assert lim.store.reserve(one(rk.Limit("a", 5, 1.0)), 0, None).now == clock.wall()
        lim.store.clear()
        lim.close()
        real = open_store(redis_url, rk.SystemClock())
        assert isinstance(real, RedisStore) and real._clock is None
        real.close()
    finally:
        store.clear()
        store.close()


def test_clients_that_decode_or_hold_one_connection_work_too(redis_url: str) -> None:
    prefix = unique_prefix()
    limit = rk.Limit("a", 2, 60.0)
    for client in (
        redis.Redis.from_url(redis_url, decode_responses=True),
        redis.Redis.from_url(redis_url, single_connection_client=True),
    ):
        store = RedisStore(client, prefix=prefix)
        store.clear()
        assert store.reserve(one(limit), 0, None).granted
        assert store.reserve(one(limit, 1.0), 0, 0.0).granted
        assert not store.reserve(one(limit), 0, 0.0).granted
        assert [s.used for s in store.snapshot([limit])] == [2.0]
        store.clear()
        client.close()


def test_urls() -> None:
    u = _parse_url(
        "redis://:secret@h:6380/2?prefix=app&fallback=0.5&socket_timeout=3&retry_interval=2", None, None, None, None
    )
    assert (u.prefix, u.fallback, u.retry_interval, u.cluster) == ("app", 0.5, 2.0, False)
    assert u.plain == "redis://:secret@h:6380/2?socket_timeout=3" and u.shown == "redis://h:6380/2"
    assert _parse_url("redis+cluster://h:7000", None, None, None, None).cluster
    assert _parse_url("rediss://h:7000?cluster=true", None, None, None, None).cluster
    assert _parse_url("redis://h", "x", 0.25, 5.0, True) == _parse_url("redis://h", "x", 0.25, 5.0, True)
    with pytest.raises(ValueError, match="not a Redis URL"):
        _parse_url("http://h", None, None, None, None)
    with pytest.raises(ValueError, match="braces"):
        RedisStore(redis.Redis(), prefix="a{b}")
    with pytest.raises(ValueError, match="fallback"):
        RedisStore(redis.Redis(), fallback=1.5)


async def test_a_redis_cluster_runs_the_same_scripts(redis_cluster_nodes: list[RedisServer]) -> None:
    """Three primaries (the session's cluster): every key of a request lands in the prefix's
    slot, scripts are reloaded on the node that owns it, snapshots scan every node."""
    nodes = redis_cluster_nodes
    limits = [
        rk.Limit("a", 3, 10.0, scope="ip"),
        rk.Limit("b", 5, 60.0, algorithm="fixed"),
        rk.Limit("c", 2, 1.0, algorithm="token"),
    ]
    items = tuple((limit, limit.scope_value("1.2.3.4"), 1.0) for limit in limits)
    url = f"redis+cluster://127.0.0.1:{nodes[0].port}/0?prefix={unique_prefix()}"
    store = RedisStore.from_url(url)
    waits = [store.reserve(items, 0, None) for _ in range(4)]
    assert [(d.start - d.now > 0.4, items[d.binding][0].name) for d in waits] == [
        (False, "a"),
        (False, "a"),
        (True, "c"),  # the bucket of 2 per second refills in 0.5 s
        (True, "a"),  # 3 per 10 s: the next slot is 10 s after the first
    ]
    for node in nodes:
        with redis.Redis(port=node.port) as direct:
            direct.script_flush()
    assert store.reserve(items, 0, -1.0).start - store.reserve(items, 0, -1.0).now > 9.0
    booked = {s.limit.name: s.used + s.reserved for s in store.snapshot(limits)}
    assert (booked["a"], booked["b"]) == (4.0, 4.0)  # now and ahead: the same four requests
    astore = AsyncRedisStore.from_url(url)
    assert (await astore.areserve(items, 0, 0.0)).granted is False
    assert len(await astore.asnapshot(limits)) == 3
    await astore.aclose()
    store.clear()
    store.close()


async def test_the_async_store_shares_budgets_with_the_sync_one(redis_url: str) -> None:
    prefix = unique_prefix()
    clock = FakeClock()
    sync = RedisStore.from_url(redis_url, prefix=prefix, clock=clock)
    astore = AsyncRedisStore.from_url(redis_url, prefix=prefix, clock=clock)
    limit = rk.Limit("a", 3, 10.0)
    try:
        assert (await astore.areserve(one(limit, 2.0), 0, None)).granted
        assert sync.reserve(one(limit, 1.0), 0, 0.0).granted
        d = await astore.areserve(one(limit, 1.0), 0, None)
        assert d.start - d.now == 10.0
        await astore.arefund(one(limit, 1.0), d.placed)
        await astore.aobserve(limit, None, rk.Observation("a", blocked_for=4.0))
        (snap,) = await astore.asnapshot([limit])
        assert (snap.used, snap.reserved, snap.blocked_for) == (3.0, 0.0, 4.0)
        assert astore.reserve(one(limit), 0, -1.0).start - clock.wall() == 10.0  # its sync face
    finally:
        sync.clear()
        sync.close()
        await astore.aclose()


# ---------------------------------------------------------------------------------------
# faults, for real
# ---------------------------------------------------------------------------------------

BOUND = 3.0
"""Seconds within which an unreachable store must raise: connect timeout + reply timeout
(1 s each by default) and slack for a loaded machine."""


def timed_unavailable(call: object) -> float:
    started = time.monotonic()
    with pytest.raises(rk.StoreUnavailable):
        call()  # type: ignore[operator]
    return time.monotonic() - started


def test_redis_down_at_start_fails_closed_at_once() -> None:
    port = RedisServer(port=None).port  # a free port nobody listens on
    store = RedisStore.from_url(f"redis://127.0.0.1:{port}/0")
    assert timed_unavailable(lambda: store.reserve(one(rk.Limit("a", 5, 1.0)), 0, None)) < BOUND
    limiter = rk.Limiter([rk.Limit("a", 5, 1.0)], store=store)
    with pytest.raises(rk.StoreUnavailable, match=f"127.0.0.1:{port}"):
        limiter.acquire({"a": 1})


def test_redis_stopped_mid_run_then_restarted(redis_server: RedisServer) -> None:
    store = RedisStore.from_url(redis_server.url, prefix=unique_prefix())
    limit = rk.Limit("a", 100, 1.0)
    assert store.reserve(one(limit), 0, None).granted
    redis_server.stop()
    assert timed_unavailable(lambda: store.reserve(one(limit), 0, None)) < BOUND
    assert timed_unavailable(lambda: store.snapshot([limit])) < BOUND
    redis_server.start()  # an empty server: the scripts are gone too
    assert store.reserve(one(limit), 0, None).granted
    store.close()


def test_a_hung_redis_is_unavailable_within_the_socket_timeout(redis_server: RedisServer) -> None:
    store = RedisStore.from_url(redis_server.url, prefix=unique_prefix(), socket_timeout=0.5)
    limit = rk.Limit("a", 100, 1.0)
    assert store.reserve(one(limit), 0, None).granted
    redis_server.pause()
    try:
        assert timed_unavailable(lambda: store.reserve(one(limit), 0, None)) < 0.5 + BOUND / 2
    finally:
        redis_server.resume()
    assert store.reserve(one(limit), 0, None).granted
    store.close()


def test_fallback_limits_locally_at_a_share_and_comes_back(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ratekeeper")
    store = RedisStore.from_url(redis_server.url, prefix=unique_prefix(), fallback=0.5, retry_interval=0.2)
    limit = rk.Limit("a", 10, 60.0)
    for _ in range(4):
        assert store.reserve(one(limit), 0, None).granted
    redis_server.stop()
    # Redis is away: 5 of the 10 units are available locally right now, the 6th waits
    waits = [store.reserve(one(limit), 0, None) for _ in range(6)]
    assert store.degraded
    assert [d.start - d.now for d in waits[:5]] == [0.0] * 5 and waits[5].start - waits[5].now > 50
    assert "limiting locally at 50%" in caplog.text
    store.refund(one(limit), waits[5].placed)  # a local booking goes back to the local store
    assert store.reserve(one(limit), 0, -1.0).start - waits[5].now > 50
    redis_server.start()
    time.sleep(0.25)  # the retry interval
    d = store.reserve(one(limit), 0, None)
    assert not store.degraded and d.now > 1e9  # Redis time again (UNIX seconds)
    assert "answers again" in caplog.text
    # a server that came back empty lost the 4 units booked there: the budget is taken as
    # full until they have left the 60 s window, so this one waits for it
    assert store.lost_at is not None and "lost its state" in caplog.text
    assert d.start == pytest.approx(store.lost_at + 60.0) and d.start - d.now > 59.0
    assert [(s.used, s.reserved) for s in store.snapshot([limit])] == [(0.0, 1.0)]
    store.close()


async def test_the_async_store_fails_closed_and_falls_back_too(redis_server: RedisServer) -> None:
    closed = AsyncRedisStore.from_url(redis_server.url, prefix=unique_prefix())
    lenient = AsyncRedisStore.from_url(redis_server.url, prefix=unique_prefix(), fallback=0.5, retry_interval=0.2)
    limit = rk.Limit("a", 10, 60.0)
    assert (await closed.areserve(one(limit), 0, None)).granted
    assert (await lenient.areserve(one(limit), 0, None)).granted
    redis_server.stop()
    started = time.monotonic()
    with pytest.raises(rk.StoreUnavailable):
        await closed.areserve(one(limit), 0, None)
    assert time.monotonic() - started < BOUND
    assert (await lenient.areserve(one(limit), 0, None)).granted and lenient.degraded
    redis_server.start()
    await asyncio.sleep(0.25)
    assert (await lenient.areserve(one(limit), 0, None)).granted and not lenient.degraded
    assert (await closed.areserve(one(limit), 0, None)).granted
    await closed.aclose()
    await lenient.aclose()


def test_the_limiter_fails_closed_while_redis_is_away(redis_server: RedisServer) -> None:
    limiter = rk.Limiter([rk.Limit("a", 5, 1.0)], store=redis_server.url + "?prefix=" + unique_prefix())
    limiter.acquire({"a": 1})
    redis_server.stop()
    started = time.monotonic()
    with pytest.raises(rk.StoreUnavailable):
        limiter.acquire({"a": 1})
    assert time.monotonic() - started < BOUND
    with pytest.raises(rk.StoreUnavailable):
        limiter.try_acquire({"a": 1})  # never admits without the store
    redis_server.start()
    assert limiter.acquire({"a": 1}, timeout=1.0) is not None
    limiter.close()


async def test_estimate_reports_the_earliest_start_and_books_nothing(redis_url: str) -> None:
    prefix = unique_prefix()
    clock = FakeClock()
    sync = RedisStore.from_url(redis_url, prefix=prefix, clock=clock)
    astore = AsyncRedisStore.from_url(redis_url, prefix=prefix, clock=clock)
    a, b = rk.Limit("a", 2, 10.0), rk.Limit("b", 5, 1.0, algorithm="token")
    items = ((a, None, 1.0), (b, None, 1.0))
    try:
        assert sync.reserve(items, 0, None).granted and sync.reserve(items, 0, None).granted
        for d in (sync.estimate(items, 0), await astore.aestimate(items, 0), astore.estimate(items, 0)):
            assert d.start - d.now == pytest.approx(10.0)  # the same answer as report-only reserve
            assert d == sync.reserve(items, 0, -1.0)
        booked = {s.limit.name: s.used + s.reserved for s in sync.snapshot([a, b])}
        assert booked["a"] == 2.0  # the estimates booked nothing
    finally:
        sync.clear()
        sync.close()
        await astore.aclose()
