"""Redis Cluster specifics, on the session's local three-primary cluster (conftest's
``redis_cluster_nodes``): a request over limits whose scope values would hash to slots on
three different nodes without the prefix's hash tag is still one atomic, correct step; the
keys of a prefix live on one node; snapshots and clear find a prefix's keys on whichever
node holds them. (The vector suite runs every store behaviour on the cluster too.)"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import redis
from redis.cluster import RedisCluster
from redis.crc import key_slot
from redis.exceptions import RedisClusterException

import ratekeeper as rk
from ratekeeper.stores import Item
from ratekeeper.stores.redis import AsyncRedisStore, RedisStore
from ratekeeper.testing import FakeClock, RedisServer, unique_prefix

IP = rk.Limit("ip_weight", 80, 60.0, scope="ip")
ORDERS = rk.Limit("orders", 50, 60.0, algorithm="fixed", scope="account")
ACTIONS = rk.Limit("actions", 1000, 10.0, algorithm="quota", scope="address")
LIMITS = (IP, ORDERS, ACTIONS)
# scope values whose own CRC16 slots are 2433, 7550 and 13388: one on each primary of a
# three-primary cluster. With a hash tag per scope value they would be three nodes apart.
SCOPES = {"ip_weight": "2.2.2.2", "orders": "acct-7", "actions": "0xdef"}
COSTS = {"ip_weight": 2.0, "orders": 1.0, "actions": 1.0}
ITEMS: tuple[Item, ...] = tuple((limit, SCOPES[limit.name], COSTS[limit.name]) for limit in LIMITS)


def owner(client: RedisCluster, slot: int) -> str:
    """The "host:port" of the primary that serves ``slot``."""
    return str(client.nodes_manager.get_node_from_slot(slot).name)


def keys_on(node: RedisServer, prefix: str) -> list[bytes]:
    """The keys of ``prefix`` that the node itself holds (asked directly, not via the cluster)."""
    with redis.Redis(port=node.port) as direct:
        return list(direct.scan_iter(match="{" + prefix + "}:*", count=1000))


@pytest.fixture
def store(redis_cluster_url: str) -> Iterator[RedisStore]:
    s = RedisStore.from_url(redis_cluster_url, prefix=unique_prefix(), clock=FakeClock())
    yield s
    s.clear()
    s.close()


def test_scopes_that_would_span_three_nodes_share_the_prefixs_slot(
    store: RedisStore, redis_cluster_nodes: list[RedisServer]
) -> None:
    client = store.client
    assert isinstance(client, RedisCluster)
    # without the hash tag the scope values land on three different primaries...
    assert len({owner(client, key_slot(scope.encode())) for scope in SCOPES.values()}) == 3
    # ...and a script over keys of several slots is refused before it is sent
    with pytest.raises(RedisClusterException, match="same key slot"):
        client.eval("return 1", 3, *(f"{{{s}}}:x" for s in SCOPES.values()))
    # with it, every key of the request is in the prefix's slot, on one node
    keys = [store.key(limit, scope) for limit, scope, _ in ITEMS]
    assert {key_slot(k) for k in keys} == {key_slot(store.prefix.encode())}
    assert store.reserve(ITEMS, 0, None).granted
    holders = [node for node in redis_cluster_nodes if set(keys) <= set(keys_on(node, store.prefix))]
    assert [f"127.0.0.1:{n.port}" for n in holders] == [owner(client, key_slot(keys[0]))]
    assert all(not keys_on(n, store.prefix) for n in redis_cluster_nodes if n not in holders)


def test_a_request_over_three_scopes_is_all_or_nothing_under_contention(
    store: RedisStore, redis_cluster_url: str
) -> None:
    """Four threads, each with a cluster client of its own, race for 60 requests over the
    three limits. ``ip_weight`` (80, 2 a request) runs out first: exactly 40 are admitted,
    and the 20 refused ones charge nothing anywhere (orders and actions hold 1 x 40)."""
    clock = FakeClock()
    stores = [RedisStore.from_url(redis_cluster_url, prefix=store.prefix, clock=clock) for _ in range(4)]
    decisions: list[tuple[bool, str]] = []
    lock = threading.Lock()
    go = threading.Barrier(len(stores))

    def spend(s: RedisStore) -> None:
        go.wait()
        for _ in range(15):
            d = s.reserve(ITEMS, 0, 0.0)
            with lock:
                decisions.append((d.granted, ITEMS[d.binding][0].name))

    threads = [threading.Thread(target=spend, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    try:
        assert len(decisions) == 60
        assert sum(granted for granted, _ in decisions) == 40
        assert {binding for granted, binding in decisions if not granted} == {"ip_weight"}
        used = {(s.limit.name, s.scope): (s.used, s.reserved) for s in stores[0].snapshot(LIMITS)}
        assert used == {
            ("ip_weight", "2.2.2.2"): (80.0, 0.0),
            ("orders", "acct-7"): (40.0, 0.0),
            ("actions", "0xdef"): (40.0, 0.0),
        }
        # a waiting request books all three limits at one start: when ip_weight's window frees
        d = stores[1].reserve(ITEMS, 0, None)
        assert d.granted and d.start - d.now == pytest.approx(60.0)
        assert d.placed == (d.start,) * 3
        # other scope values of the same limits (other slots without the tag) are untouched
        other = tuple((limit, "9.9.9.9" if limit.scope == "ip" else "other", cost) for limit, _, cost in ITEMS)
        assert stores[2].reserve(other, 0, 0.0).granted
    finally:
        for s in stores:
            s.close()


def test_the_limiter_over_three_scopes_on_the_cluster(store: RedisStore) -> None:
    """The Limiter's view: one acquire over three scopes, settle, statistics per scope."""
    clock = FakeClock()
    limiter = rk.Limiter(list(LIMITS), store=RedisStore(store.client, prefix=store.prefix, clock=clock), clock=clock)
    scope = {"ip": "2.2.2.2", "account": "acct-7", "address": "0xdef"}
    grant = limiter.acquire({"ip_weight": 60, "orders": 1, "actions": 1}, scope=scope)
    grant.settle({"ip_weight": 20, "orders": 1, "actions": 1})  # 40 of 60 come back
    assert limiter.try_acquire({"ip_weight": 60, "orders": 1}, scope=scope) is not None
    assert limiter.try_acquire({"ip_weight": 1, "orders": 1}, scope=scope) is None  # ip_weight is full
    stats = {(s.limit, s.scope): s.used for s in limiter.statistics()}
    assert stats == {("ip_weight", "2.2.2.2"): 80.0, ("orders", "acct-7"): 2.0, ("actions", "0xdef"): 1.0}


def prefixes_on_every_node(client: RedisCluster, nodes: list[RedisServer]) -> dict[int, str]:
    """node port -> a fresh prefix whose hash-tag slot that node serves."""
    found: dict[int, str] = {}
    for _ in range(500):
        prefix = unique_prefix()
        port = int(owner(client, key_slot(prefix.encode())).rsplit(":", 1)[1])
        found.setdefault(port, prefix)
        if len(found) == len(nodes):
            return found
    raise AssertionError(f"no prefix found for every node: {found}")


async def test_snapshots_and_clear_find_a_prefix_on_whichever_node_holds_it(
    redis_cluster_url: str, redis_cluster_nodes: list[RedisServer]
) -> None:
    """The client is seeded with the first node; each prefix lives on another primary.
    Snapshot and clear (sync and async) scan every primary, so each finds its own keys."""
    limit = rk.Limit("w", 10, 60.0, scope="ip")
    seed = RedisStore.from_url(redis_cluster_url, prefix=unique_prefix())
    by_port = prefixes_on_every_node(seed.client, redis_cluster_nodes)
    seed.close()
    for i, node in enumerate(redis_cluster_nodes):
        prefix = by_port[node.port]
        sync = RedisStore.from_url(redis_cluster_url, prefix=prefix)
        astore = AsyncRedisStore.from_url(redis_cluster_url, prefix=prefix)
        try:
            for ip in ("1.1.1.1", "2.2.2.2"):
                assert sync.reserve(((limit, ip, 1.0 + i),), 0, None).granted
            assert keys_on(node, prefix) and all(not keys_on(n, prefix) for n in redis_cluster_nodes if n is not node)
            want = {("1.1.1.1", 1.0 + i), ("2.2.2.2", 1.0 + i)}
            assert {(s.scope, s.used) for s in sync.snapshot([limit])} == want
            assert {(s.scope, s.used) for s in await astore.asnapshot([limit])} == want
            if i % 2:
                assert await astore.aclear() >= 2
            else:
                assert sync.clear() >= 2
            # only the generation marker stays: clear() starts a new generation, not a loss
            marker = ("{" + prefix + "}:g").encode()
            assert all(set(keys_on(n, prefix)) <= {marker} for n in redis_cluster_nodes)
            assert keys_on(node, prefix) == [marker]
            assert sync.snapshot([limit]) == []
            assert sync.reserve(((limit, "1.1.1.1", 10.0),), 0, 0.0).granted  # the whole budget is back
        finally:
            sync.clear()
            sync.close()
            await astore.aclose()


def test_fair_shares_of_a_busy_budget_live_in_the_prefixs_slot(
    redis_cluster_url: str, redis_cluster_nodes: list[RedisServer]
) -> None:
    """Two clients (store objects) spend one budget on the cluster: the fair-share counts are
    kept beside the budget, on the node that holds the prefix, and a client over its share
    of the next period is deferred there with nothing booked."""
    clock = FakeClock()
    prefix = unique_prefix()
    a = RedisStore.from_url(redis_cluster_url, prefix=prefix, clock=clock)
    b = RedisStore.from_url(redis_cluster_url, prefix=prefix, clock=clock)
    limit = rk.Limit("w", 100, 1.0)
    try:
        clock.advance(1.0 - clock.wall() % 1.0)  # the start of a period
        k = round(clock.wall())
        assert a.reserve(((limit, None, 60.0),), 0, None).start == clock.wall()
        assert b.reserve(((limit, None, 40.0),), 0, None).start == clock.wall()
        # both book ahead: both waited nearly the whole period, so both want more than half
        assert a.reserve(((limit, None, 10.0),), 0, None).start > clock.wall()
        assert b.reserve(((limit, None, 10.0),), 0, None).start > clock.wall()
        clock.advance(1.01)
        assert a.reserve(((limit, None, 30.0),), 0, None).granted
        d = a.reserve(((limit, None, 25.0),), 0, None)  # 55 in the period: over 1.05 x 50
        assert d.deferred and not d.granted and d.start == k + 2 and d.placed == ()
        assert not b.reserve(((limit, None, 5.0),), 0, None).deferred
        assert a.reserve(((limit, None, 1.0),), 1, None).granted  # a higher priority is never deferred
        holder = [n for n in redis_cluster_nodes if keys_on(n, prefix)]
        assert len(holder) == 1
        on_node = keys_on(holder[0], prefix)
        assert a.key(limit, None) in on_node
        assert ("{" + prefix + "}:r:s:w").encode() in on_node
        # status reads the budget only: the two bookings, 30, 5 and 1 (the deferred 25: not booked)
        assert [s.used for s in a.snapshot([limit])] == [56.0]
    finally:
        a.clear()
        a.close()
        b.close()
