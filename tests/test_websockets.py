"""WebSocket limits against a real local WebSocket server that enforces the venue's rules itself
(``MockWebSocketVenue``): zero violations while ratekeeper sends as fast as allowed, violations
without it; subscriptions refused before sending; posts capped and released; connections
counted, waited for, and freed. Real-time tests use periods of about a second; timing that
can be injected runs on a FakeClock."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import websockets
from websockets.asyncio.client import connect as plain_connect

import ratekeeper as rk
import ratekeeper.websockets as rkws
from ratekeeper.testing import FakeClock, MockWebSocketVenue
from ratekeeper.venues import Venue
from ratekeeper.websockets import (
    Backoff,
    Connection,
    SubscriptionRefused,
    WebSocketLimiter,
    connect,
    reconnecting,
    ws_rules,
)
from ratekeeper.websockets._shared import _SHARED


def hl(**limits: Any) -> Venue:
    """Hyperliquid with its WebSocket limits overridden: ``hl(messages=(20, 1.0))``."""
    return rk.venue("hyperliquid", **{f"ws_{k}": v for k, v in limits.items()})


def sub(coin: str, user: str | None = None) -> dict[str, Any]:
    s: dict[str, Any] = {"type": "userFills", "user": user} if user else {"type": "trades", "coin": coin}
    if user:
        s["coin"] = coin
    return {"method": "subscribe", "subscription": s}


def unsub(coin: str, user: str | None = None) -> dict[str, Any]:
    return {**sub(coin, user), "method": "unsubscribe"}


def post(pid: int) -> dict[str, Any]:
    return {"method": "post", "id": pid, "request": {"type": "info", "payload": {"type": "allMids"}}}


async def drain(ws: Connection) -> None:
    """Read everything (answers to posts release their slots as they are read)."""
    try:
        async for _ in ws:
            pass
    except websockets.ConnectionClosed:
        pass


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait (real time) until ``condition()`` holds: what the server has read so far."""
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "condition not reached"
        await asyncio.sleep(0.01)


def max_in_window(times: list[float], seconds: float) -> int:
    best = 0
    for i, t in enumerate(times):
        best = max(best, sum(1 for u in times[i:] if u < t + seconds))
    return best


@pytest.fixture
async def limiter_factory() -> AsyncIterator[Callable[..., WebSocketLimiter]]:
    made: list[WebSocketLimiter] = []

    def make(venue: str | Venue = "hyperliquid", **kwargs: Any) -> WebSocketLimiter:
        kwargs.setdefault("store", rk.MemoryStore(kwargs.get("clock")))
        w = WebSocketLimiter(venue, **kwargs)
        made.append(w)
        return w

    yield make
    for w in made:
        await w.aclose()


# --------------------------------------------------------------------------------------------
# messages


async def test_messages_stay_within_the_rate_while_sending_as_fast_as_allowed(
    limiter_factory: Callable[..., WebSocketLimiter],
) -> None:
    async with MockWebSocketVenue(messages=(20, 1.0)) as mock:
        wsl = limiter_factory(hl(messages=(20, 1.0)))
        conns = [await wsl.connect(mock.url) for _ in range(3)]
        readers = [asyncio.ensure_future(drain(c)) for c in conns]
        sent = 0
        start = time.monotonic()

        async def flood(ws: Connection) -> None:
            nonlocal sent
            while time.monotonic() - start < 2.6:
                await ws.send({"method": "ping"})
                sent += 1

        await asyncio.gather(*(flood(c) for c in conns))
        for c in conns:
            await c.close()
        for r in readers:
            await r
        stats = mock.stats
    assert stats.violations == []
    assert stats.max_messages_in_window == 20  # the whole budget was used, never more
    # 20 at once, then 20 per 1.1 s (1 s window + the 0.1 s transit margin): 60 by 2.2 s (the
    # loop runs to 2.6 s so a late third window still counts; sends begun by then finish at 3.3 s)
    assert sent >= 55, sent
    assert sum(c.statistics().messages_sent for c in conns) == sent
    assert stats.messages == sent  # every message sent reached the server: none lost


async def test_the_same_workload_without_ratekeeper_violates() -> None:
    async with MockWebSocketVenue(messages=(20, 1.0)) as mock:
        conns = [await plain_connect(mock.url) for _ in range(3)]

        async def flood(ws: websockets.ClientConnection) -> None:
            try:
                for _ in range(15):
                    await ws.send(json.dumps({"method": "ping"}))
            except websockets.ConnectionClosed:
                pass

        await asyncio.gather(*(flood(c) for c in conns))
        await asyncio.sleep(0.1)
        closed = sum(c.close_code == 1008 for c in conns)
        for c in conns:
            await c.close()
        stats = mock.stats
    assert stats.count("messages") >= 1
    assert closed >= 1


async def test_per_connection_message_rate_binance(limiter_factory: Callable[..., WebSocketLimiter]) -> None:
    async with MockWebSocketVenue("binance", connection_messages=(5, 1.0)) as mock:
        wsl = limiter_factory("binance")  # 4 per second per connection (1 left for PING/PONG)
        conns = [await wsl.connect(mock.url) for _ in range(2)]
        readers = [asyncio.ensure_future(drain(c)) for c in conns]
        start = time.monotonic()

        async def burst(ws: Connection, n: int) -> None:
            for i in range(n):
                await ws.send({"method": "LIST_SUBSCRIPTIONS", "id": i})

        await asyncio.gather(*(burst(c, 8) for c in conns))
        elapsed = time.monotonic() - start
        for c in conns:
            await c.close()
        for r in readers:
            await r
        assert mock.stats.violations == []
        assert mock.stats.max_connection_messages_in_window == 4
    assert 1.05 <= elapsed < 1.6  # two connections in parallel: each 4 now, 4 after 1.1 s

    async with MockWebSocketVenue("binance", connection_messages=(5, 1.0)) as mock:
        async with plain_connect(mock.url) as ws:
            try:
                for i in range(8):
                    await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": i}))
                await ws.wait_closed()
            except websockets.ConnectionClosed:
                pass
        assert mock.stats.count("connection_messages") >= 1


async def test_per_connection_rate_only_for_the_kinds_it_counts() -> None:
    """OKX counts subscribe/unsubscribe/login per connection; pings pass (FakeClock: no sleeping)."""
    clock = FakeClock()
    rules = ws_rules("okx").with_limits(ws_connection_requests=(3, 1.0))
    async with (
        MockWebSocketVenue(messages=None, close_on_violation=False) as mock,
        WebSocketLimiter("okx", rules=rules, store=rk.MemoryStore(clock), clock=clock, margin=0) as wsl,
    ):
        ws = await wsl.connect(mock.url)
        reader = asyncio.ensure_future(drain(ws))
        for i in range(3):
            await ws.send({"op": "subscribe", "args": [{"channel": "tickers", "instId": f"C{i}"}]})
        for _ in range(5):
            await ws.send("ping")  # not counted
        fourth = asyncio.ensure_future(ws.send({"op": "subscribe", "args": [{"channel": "trades", "instId": "X"}]}))
        await asyncio.sleep(0.05)
        assert not fourth.done()
        await clock.advance_async(1.0)
        await asyncio.wait_for(fourth, 2)
        assert ws.statistics().messages_sent == 9
        await ws.close()
        await reader


# --------------------------------------------------------------------------------------------
# connections


async def test_connection_count_refuses_at_timeout_zero_and_waits_for_a_close(
    limiter_factory: Callable[..., WebSocketLimiter],
) -> None:
    async with MockWebSocketVenue(connections=2) as mock:
        wsl = limiter_factory(hl(connections=(2, 30.0)))
        a = await wsl.connect(mock.url)
        b = await wsl.connect(mock.url)
        with pytest.raises(rk.RateLimited, match="ws_connections") as info:
            await wsl.connect(mock.url, timeout=0)
        assert info.value.limit == "ws_connections" and 0 < info.value.retry_after <= 30
        with pytest.raises(rk.RateLimited):
            await wsl.connect(mock.url, timeout=0.2)
        waiting = asyncio.ensure_future(wsl.connect(mock.url))
        await asyncio.sleep(0.1)
        assert not waiting.done()
        closed_at = time.monotonic()
        await a.close()
        c = await asyncio.wait_for(waiting, 5)
        assert time.monotonic() - closed_at < 0.3  # woken by the local close, not the 30 s lease
        assert mock.stats.violations == [] and mock.stats.max_connections == 2
        stats = await wsl.statistics()
        held = next(s for s in stats.limits if s.limit == "ws_connections")
        assert held.used == 2
        await b.close()
        await c.close()
        assert a.closed and not a.statistics().open


async def test_new_connection_rate_is_waited_for(limiter_factory: Callable[..., WebSocketLimiter]) -> None:
    async with MockWebSocketVenue(new_connections=(3, 1.0)) as mock:
        wsl = limiter_factory(hl(new_connections=(3, 1.0)))
        start = time.monotonic()
        for _ in range(7):
            async with wsl.connect(mock.url) as ws:
                await ws.send({"method": "ping"})
        elapsed = time.monotonic() - start
        stats = mock.stats
    assert stats.violations == []
    assert max_in_window(stats.handshakes, 1.0) == 3
    assert 2.15 <= elapsed < 3.0  # 3 now, 3 after 1.1 s, 1 after 2.2 s


async def test_connect_validates_before_anything(limiter_factory: Callable[..., WebSocketLimiter]) -> None:
    wsl = limiter_factory(hl())
    with pytest.raises(ValueError, match="ws:// or wss://"):
        wsl.connect("http://127.0.0.1/ws")
    with pytest.raises(ValueError, match="timeout"):
        wsl.connect("ws://127.0.0.1/ws", timeout=-1)
    with pytest.raises(ValueError, match="ip"):
        wsl.connect("ws://127.0.0.1/ws", ip="")
    with pytest.raises(ValueError, match="unknown venue"):
        connect("ws://127.0.0.1/ws", venue="nowhere")
    with pytest.raises(ValueError, match="post_timeout"):
        connect("ws://127.0.0.1/ws", post_timeout=0)
    with pytest.raises(ValueError, match="concurrent"):
        WebSocketLimiter(hl(connections=rk.Limit("ws_connections", 3, 1.0, scope="ip")))
    with pytest.raises(TypeError, match="WsRules"):
        WebSocketLimiter("hyperliquid", rules="binance")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"Backoff\.base"):
        Backoff(base=-1)
    assert (await wsl.statistics()).connections == ()


async def test_a_refused_handshake_gives_the_slot_back(limiter_factory: Callable[..., WebSocketLimiter]) -> None:
    async with MockWebSocketVenue(connections=1) as mock:
        wsl = limiter_factory(hl(connections=(5, 30.0)))
        async with plain_connect(mock.url):  # someone else holds the server's only connection
            with pytest.raises(websockets.InvalidStatus):
                await wsl.connect(mock.url)
        limit = wsl.limits["ws_connections"]
        assert wsl.store.leases(limit, "*") == {}
        assert wsl.connections == ()


# --------------------------------------------------------------------------------------------
# subscriptions


async def test_subscriptions_over_the_limit_are_refused_before_sending(
    limiter_factory: Callable[..., WebSocketLimiter],
) -> None:
    async with MockWebSocketVenue(subscriptions=3) as mock:
        wsl = limiter_factory(hl(subscriptions=(3, 30.0)), release_delay=0.05)
        a, b = await wsl.connect(mock.url), await wsl.connect(mock.url)
        readers = [asyncio.ensure_future(drain(c)) for c in (a, b)]
        await a.send(sub("BTC"))
        await a.send(sub("BTC"))  # already held on this connection: not counted twice
        await b.send(sub("ETH"))
        await b.send(sub("SOL"))
        await until(lambda: mock.stats.messages == 4)
        with pytest.raises(SubscriptionRefused) as info:
            await a.send(sub("DOGE"))
        e = info.value
        assert (e.limit, e.held, e.capacity, e.requested) == ("ws_subscriptions", 3, 3, 1)
        assert "DOGE" in str(e) and e.topics == ('{"coin":"DOGE","type":"trades"}',)
        await asyncio.sleep(0.05)
        assert mock.stats.messages == 4  # never sent
        assert a.statistics().subscriptions == 1 and a.statistics().subscriptions_refused == 1
        await b.send(unsub("ETH"))
        with pytest.raises(SubscriptionRefused):  # the unsubscribe still counts for release_delay
            await a.send(sub("DOGE"))
        await asyncio.sleep(0.1)
        await a.send(sub("DOGE"))
        await b.close()  # its subscriptions are released with it
        await a.send(sub("XRP"))
        await a.close()
        for r in readers:
            await r
        assert mock.stats.violations == [] and mock.stats.max_subscriptions == 3


async def test_without_ratekeeper_the_subscription_limit_is_exceeded() -> None:
    async with MockWebSocketVenue(subscriptions=3) as mock:
        async with plain_connect(mock.url) as ws:
            for coin in ("BTC", "ETH", "SOL", "DOGE"):
                await ws.send(json.dumps(sub(coin)))
                await ws.recv()
        assert mock.stats.count("subscriptions") == 1


async def test_unique_users_across_connections(limiter_factory: Callable[..., WebSocketLimiter]) -> None:
    async with MockWebSocketVenue(users=2) as mock:
        wsl = limiter_factory(hl(users=(2, 30.0)), release_delay=0.05)
        a, b = await wsl.connect(mock.url), await wsl.connect(mock.url)
        readers = [asyncio.ensure_future(drain(c)) for c in (a, b)]
        await a.send(sub("BTC", "0xAAA"))
        await a.send(sub("ETH", "0xaaa"))  # the same user, spelled differently
        await b.send(sub("BTC", "0xbbb"))
        await b.send(sub("SOL", "0xAaA"))  # a user already counted: no new one
        with pytest.raises(SubscriptionRefused) as info:
            await b.send(sub("BTC", "0xccc"))
        assert info.value.limit == "ws_users" and info.value.capacity == 2
        assert sorted(a.statistics().users) == ["0xaaa"]
        await a.send(unsub("BTC", "0xaaa"))
        await a.send(unsub("ETH", "0xaaa"))
        with pytest.raises(SubscriptionRefused):  # b still uses 0xaaa
            await b.send(sub("BTC", "0xccc"))
        await b.send(unsub("SOL", "0xaaa"))
        with pytest.raises(SubscriptionRefused):  # the unsubscribes may not have reached the server yet
            await b.send(sub("BTC", "0xccc"))
        await asyncio.sleep(0.1)
        await b.send(sub("BTC", "0xccc"))  # a memory store is this process's alone: released after the delay
        await a.close()
        await b.close()
        for r in readers:
            await r
        assert mock.stats.violations == [] and mock.stats.max_users == 2


async def test_topics_per_connection_binance(limiter_factory: Callable[..., WebSocketLimiter]) -> None:
    rules = ws_rules("binance").with_limits()
    rules = type(rules)(**{**{f: getattr(rules, f) for f in rules.__dataclass_fields__}, "max_topics": 3})
    async with MockWebSocketVenue("binance", topics_per_connection=3) as mock:
        wsl = limiter_factory("binance", rules=rules)
        with pytest.raises(SubscriptionRefused, match="topics_per_connection"):
            await wsl.connect(mock.url.removesuffix("/ws") + "/stream?streams=a@trade/b@trade/c@trade/d@trade")
        assert mock.stats.connections_opened == 0  # refused before connecting
        ws = await wsl.connect(mock.url.removesuffix("/ws") + "/stream?streams=a@trade/b@trade")
        reader = asyncio.ensure_future(drain(ws))
        assert ws.statistics().subscriptions == 2
        await ws.send({"method": "SUBSCRIBE", "params": ["A@TRADE", "c@trade"], "id": 1})
        with pytest.raises(SubscriptionRefused, match="3 of 3 topics"):
            await ws.send({"method": "SUBSCRIBE", "params": ["d@trade"], "id": 2})
        await ws.send({"method": "UNSUBSCRIBE", "params": ["a@trade"], "id": 3})
        await ws.send({"method": "SUBSCRIBE", "params": ["d@trade"], "id": 4})
        await ws.close()
        await reader
        assert mock.stats.violations == []


# --------------------------------------------------------------------------------------------
# posts


async def test_inflight_posts_are_capped_and_released_by_their_answers(
    limiter_factory: Callable[..., WebSocketLimiter],
) -> None:
    async with MockWebSocketVenue(inflight_posts=3, post_delay=0.2) as mock:
        wsl = limiter_factory(hl(inflight_posts=(3, 30.0)))
        a, b = await wsl.connect(mock.url), await wsl.connect(mock.url)
        readers = [asyncio.ensure_future(drain(c)) for c in (a, b)]
        start = time.monotonic()
        await asyncio.gather(*((a if i % 2 else b).send(post(i)) for i in range(9)))
        sent_in = time.monotonic() - start
        while mock.stats.posts_answered < 9:
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.05)
        answered = a.statistics().posts_answered + b.statistics().posts_answered
        inflight = a.statistics().inflight_posts + b.statistics().inflight_posts
        await a.close()
        await b.close()
        for r in readers:
            await r
        stats = mock.stats
    assert stats.violations == [] and stats.max_inflight_posts == 3
    assert answered == 9 and inflight == 0
    assert 0.35 <= sent_in < 0.9  # three rounds of 0.2 s: the last three are sent after two


async def test_without_ratekeeper_inflight_posts_exceed() -> None:
    async with MockWebSocketVenue(inflight_posts=3, post_delay=0.2) as mock:
        async with plain_connect(mock.url) as ws:
            for i in range(5):
                await ws.send(json.dumps(post(i)))
            await asyncio.sleep(0.05)
        assert mock.stats.count("inflight_posts") == 2


async def test_unanswered_posts_are_released_at_the_post_timeout() -> None:
    clock = FakeClock()
    async with MockWebSocketVenue(inflight_posts=2, post_delay=0.0, answer_posts=False) as mock:
        async with WebSocketLimiter(
            hl(inflight_posts=(2, 30.0)), store=rk.MemoryStore(clock), clock=clock, post_timeout=5.0
        ) as wsl:
            ws = await wsl.connect(mock.url)
            reader = asyncio.ensure_future(drain(ws))
            await ws.send(post(1))
            await ws.send(post(2))
            third = asyncio.ensure_future(ws.send(post(3)))
            await asyncio.sleep(0.05)
            assert not third.done() and ws.statistics().inflight_posts == 2
            with pytest.raises(rk.RateLimited, match="ws_inflight_posts"):
                await ws.send(post(4), timeout=0)
            await clock.advance_async(5.0)
            await asyncio.wait_for(third, 2)
            st = ws.statistics()
            assert (st.posts_timed_out, st.inflight_posts, st.posts_sent) == (2, 1, 3)
            await ws.close()
            await reader
        assert mock.stats.violations == []


async def test_posts_are_released_when_the_connection_drops(limiter_factory: Callable[..., WebSocketLimiter]) -> None:
    async with MockWebSocketVenue(inflight_posts=3, post_delay=5.0) as mock:
        wsl = limiter_factory(hl(inflight_posts=(3, 30.0)))
        ws = await wsl.connect(mock.url)
        reader = asyncio.ensure_future(drain(ws))
        for i in range(3):
            await ws.send(post(i))
        limit = wsl.limits["ws_inflight_posts"]
        assert wsl.store.leases(limit, "*")[ws.id][0] == 3
        await mock.disconnect_all()
        await reader
        for _ in range(100):
            if ws.closed and not wsl.store.leases(limit, "*"):
                break
            await asyncio.sleep(0.01)
        assert ws.closed and wsl.store.leases(limit, "*") == {}
        assert wsl.store.leases(wsl.limits["ws_connections"], "*") == {}
        again = await wsl.connect(mock.url)
        for i in range(3):
            await again.send(post(i), timeout=0)  # room again at once
        await again.close()
        assert mock.stats.violations == []


async def test_a_send_waiting_for_a_post_slot_sees_the_server_close_as_connection_closed(
    limiter_factory: Callable[..., WebSocketLimiter],
) -> None:
    async with MockWebSocketVenue(inflight_posts=1, post_delay=5.0) as mock:
        wsl = limiter_factory(hl(inflight_posts=(1, 30.0)))
        ws = await wsl.connect(mock.url)
        reader = asyncio.ensure_future(drain(ws))
        await ws.send(post(1))
        waiting = asyncio.ensure_future(ws.send(post(2)))  # waits for the one slot
        await asyncio.sleep(0.05)
        assert not waiting.done()
        await mock.disconnect_all()
        with pytest.raises(websockets.ConnectionClosed):  # what a reconnect loop catches
            await asyncio.wait_for(waiting, 5)
        await reader
        assert mock.stats.posts == 1


async def test_a_duplicate_post_id_raced_by_two_sends_keeps_the_first_in_flight(
    limiter_factory: Callable[..., WebSocketLimiter],
) -> None:
    # the posts go out one padded message interval apart (0.2 s + the 0.1 s margin): the first
    # is answered 0.6 s after it left, well after the second, so the second meets its id in flight
    async with MockWebSocketVenue(inflight_posts=2, post_delay=0.6) as mock:
        wsl = limiter_factory(hl(inflight_posts=(2, 30.0), messages=(1, 0.2)))
        ws = await wsl.connect(mock.url)
        reader = asyncio.ensure_future(drain(ws))
        await ws.send({"method": "ping"})  # the message rate is spent: both posts wait for it, id unclaimed
        first, second = await asyncio.gather(ws.send(post(7)), ws.send(post(7)), return_exceptions=True)
        assert first is None and isinstance(second, ValueError)
        limit = wsl.limits["ws_inflight_posts"]
        assert ws.statistics().inflight_posts == 1
        assert wsl.store.leases(limit, "*")[ws.id][0] == 1
        for _ in range(200):  # the answer to the first releases its slot
            if ws.statistics().inflight_posts == 0:
                break
            await asyncio.sleep(0.01)
        assert ws.statistics().inflight_posts == 0
        await ws.close()
        await reader
        assert mock.stats.posts == 1 and mock.stats.posts_answered == 1  # the id was never sent twice


async def test_a_post_needs_an_id_and_a_free_one(limiter_factory: Callable[..., WebSocketLimiter]) -> None:
    async with MockWebSocketVenue(post_delay=1.0) as mock:
        wsl = limiter_factory(hl())
        ws = await wsl.connect(mock.url)
        with pytest.raises(ValueError, match="needs an 'id'"):
            await ws.send({"method": "post", "request": {}})
        await ws.send(post(1))
        with pytest.raises(ValueError, match="already in flight"):
            await ws.send(post(1))
        with pytest.raises(TypeError, match="must be str, bytes"):
            await ws.send(3.5)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="JSON"):
            await ws.send({"x": {1, 2}})
        with pytest.raises(ValueError, match="timeout"):
            await ws.send("x", timeout=float("nan"))
        await asyncio.sleep(0.05)
        assert mock.stats.messages == 1
        await ws.close()


# --------------------------------------------------------------------------------------------
# leases: renewal, expiry, statistics


async def test_leases_are_renewed_while_the_connection_lives() -> None:
    clock = FakeClock()
    store = rk.MemoryStore(clock)
    async with (
        MockWebSocketVenue() as mock,
        WebSocketLimiter(hl(connections=(2, 3.0)), store=store, clock=clock) as wsl,
    ):
        ws = await wsl.connect(mock.url)
        limit = wsl.limits["ws_connections"]
        for _ in range(10):
            await clock.advance_async(1.0)
        assert ws.id in store.leases(limit, "*")  # 10 s later, with a 3 s lease
        assert ws.statistics().lease_renewals >= 9 and ws.statistics().leases_lost == 0
        await ws.close()
        assert store.leases(limit, "*") == {}


async def test_a_holder_that_stops_renewing_is_freed_after_the_lease() -> None:
    """Two users of one store; the first stops renewing (a hung or dead process)."""
    clock = FakeClock()
    store = rk.MemoryStore(clock)
    venue = hl(connections=(2, 3.0))
    async with (
        MockWebSocketVenue(connections=None) as mock,
        WebSocketLimiter(venue, store=store, clock=clock) as first,
        WebSocketLimiter(venue, store=store, clock=clock) as second,
    ):
        dead = [await first.connect(mock.url) for _ in range(2)]

        async def no_renewal() -> None:
            return None

        for conn in dead:
            conn._renew = no_renewal  # type: ignore[method-assign]
        with pytest.raises(rk.RateLimited):
            await second.connect(mock.url, timeout=0)
        waiting = asyncio.ensure_future(second.connect(mock.url))
        await clock.advance_async(2.9)
        assert not waiting.done()
        await clock.advance_async(0.2)
        alive = await asyncio.wait_for(waiting, 2)
        await alive.close()
        for conn in dead:
            await conn.close()


async def test_statistics_of_the_limiter(limiter_factory: Callable[..., WebSocketLimiter]) -> None:
    async with MockWebSocketVenue(post_delay=5.0) as mock:
        wsl = limiter_factory(hl())
        ws = await wsl.connect(mock.url)
        await ws.send(sub("BTC"))
        await ws.send(sub("ETH", "0xabc"))
        await ws.send(post(1))
        st = await wsl.statistics()
        (c,) = st.connections
        assert (c.subscriptions, c.inflight_posts, c.messages_sent, c.users) == (2, 1, 3, ("0xabc",))
        used = {s.limit: s.used for s in st.limits}
        assert used["ws_connections"] == 1 and used["ws_subscriptions"] == 2 and used["ws_users"] == 1
        assert used["ws_inflight_posts"] == 1 and used["ws_messages"] == 3
        assert repr(ws).startswith("<ratekeeper.websockets.Connection ws://")
        assert ws.remote_address[0] == "127.0.0.1"  # the websockets connection's own attributes
        await ws.close()


# --------------------------------------------------------------------------------------------
# reconnection, module-level helpers


async def test_reconnecting_respects_the_new_connection_rate() -> None:
    store = rk.MemoryStore()
    async with MockWebSocketVenue(new_connections=(3, 1.0)) as mock:
        start = time.monotonic()
        n = 0
        async with reconnecting(
            mock.url, venue=hl(new_connections=(3, 1.0)), store=store, backoff=Backoff(base=0.01, cap=0.02)
        ) as conns:
            async for ws in conns:
                n += 1
                await ws.send({"method": "ping"})
                if n == 3:
                    await mock.disconnect_all()  # a server restart: the next one reconnects
                if n == 7:
                    break
        elapsed = time.monotonic() - start
        stats = mock.stats
    assert stats.violations == [] and stats.connections_opened == 7
    assert max_in_window(stats.handshakes, 1.0) == 3
    assert elapsed >= 2.15


async def test_reconnecting_backs_off_exponentially_with_jitter() -> None:
    clock = FakeClock()
    async with MockWebSocketVenue() as mock:
        url = mock.url
    # the server is gone: every attempt is refused by the OS
    rc = reconnecting(
        url,
        venue=hl(),
        store=rk.MemoryStore(clock),
        clock=clock,
        backoff=Backoff(base=1.0, cap=4.0, attempts=5),
        rng=lambda: 1.0,
    )
    task = asyncio.ensure_future(rc.__anext__())
    waits: list[float] = []
    while not task.done():
        await asyncio.sleep(0.01)
        nxt = clock.next_deadline()
        if nxt is not None and not task.done():
            waits.append(nxt - clock.now())
            await clock.advance_async(nxt - clock.now())
    with pytest.raises(OSError):
        await task
    assert waits[:4] == [1.0, 2.0, 4.0, 4.0] and rc.attempts == 5
    assert Backoff(base=1.0, cap=4.0).delay(3, rng=lambda: 0.5) == 2.0
    assert Backoff(jitter=False, base=0.5, cap=30).delay(200) == 30


async def test_module_level_connect_shares_one_limiter() -> None:
    store = rk.MemoryStore()
    venue = hl(connections=(1, 30.0))
    async with MockWebSocketVenue() as mock:
        async with connect(mock.url, venue=venue, store=store) as ws:
            await ws.send({"method": "ping"})
            with pytest.raises(rk.RateLimited, match="ws_connections"):
                await connect(mock.url, venue=venue, store=store, timeout=0)
            # an equal venue built again is the same limits: counted together
            with pytest.raises(rk.RateLimited):
                await connect(mock.url, venue=hl(connections=(1, 30.0)), store=store, timeout=0)
        loop = asyncio.get_running_loop()
        assert _SHARED.get(loop, {}) == {}  # the last close returned the shared limiter
        ws2 = await connect(mock.url, venue=venue, store=store, timeout=0)
        await ws2.close()


def test_the_package_uses_the_websockets_library_and_keeps_its_public_names() -> None:
    # ratekeeper.websockets is named like the library: its imports of `websockets` are absolute
    from websockets.asyncio.client import ClientConnection

    from ratekeeper.websockets import _library

    assert _library.ClientConnection is ClientConnection
    assert _library.ConnectionClosed is websockets.ConnectionClosed
    assert rkws.SubscriptionRefused is rk.SubscriptionRefused
    assert issubclass(rkws.SubscriptionRefused, rk.RateKeeperError)
    for name in rkws.__all__:
        assert hasattr(rkws, name), name


def test_import_error_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['websockets'] = None\n"
        "try:\n    import ratekeeper.websockets\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "pip install 'ratekeeper[websockets]'" in out.stdout, out.stdout + out.stderr


async def test_closing_the_limiter_ends_waits_and_sends_after_close_raise() -> None:
    async with MockWebSocketVenue() as mock:
        wsl = WebSocketLimiter(hl(connections=(1, 30.0)), store=rk.MemoryStore())
        ws = await wsl.connect(mock.url)
        waiting = asyncio.ensure_future(wsl.connect(mock.url))
        await asyncio.sleep(0.05)
        await wsl.aclose()
        with pytest.raises(RuntimeError, match="closed while it waited"):
            await waiting
        assert ws.closed
        await ws.wait_closed()
        with pytest.raises(websockets.ConnectionClosed):
            await ws.send({"method": "ping"})
        assert wsl.store.leases(wsl.limits["ws_connections"], "*") == {}
        with pytest.raises(RuntimeError, match="closed"):
            wsl.connect(mock.url)
        await asyncio.sleep(0.05)
        assert mock.stats.messages == 0 and mock.stats.connections_opened == 1


def test_a_connection_left_open_at_loop_end_gives_back_what_it_held() -> None:
    store = rk.MemoryStore()
    venue = hl(connections=(1, 30.0))

    async def leave_open() -> None:
        async with MockWebSocketVenue() as mock:
            ws = await connect(mock.url, venue=venue, store=store)
            await ws.send(sub("BTC"))

    asyncio.run(leave_open())
    assert store.leases(venue.limits["ws_connections"], "*") == {}
    assert store.leases(venue.limits["ws_subscriptions"], "*") == {}


async def test_the_mock_runs_in_a_thread_too(limiter_factory: Callable[..., WebSocketLimiter]) -> None:
    with MockWebSocketVenue(messages=(5, 1.0)) as mock:
        wsl = limiter_factory(hl(messages=(5, 1.0)))
        async with wsl.connect(mock.url) as ws:
            for _ in range(7):
                await ws.send({"method": "ping"})
            await until(lambda: mock.stats.messages == 7)
        assert mock.stats.violations == [] and mock.stats.max_messages_in_window == 5


async def test_a_refusal_with_retry_after_is_honoured_when_reconnecting() -> None:
    clock = FakeClock()
    async with MockWebSocketVenue(connections=1) as mock, plain_connect(mock.url):
        rc = reconnecting(
            mock.url,
            venue=hl(),
            store=rk.MemoryStore(clock),
            clock=clock,
            backoff=Backoff(base=0.01, cap=0.01, attempts=2),
        )
        task = asyncio.ensure_future(rc.__anext__())
        await until(lambda: clock.next_deadline() is not None or task.done())
        deadline = clock.next_deadline()
        assert deadline is not None and deadline - clock.now() == pytest.approx(1.0)  # the mock's Retry-After: 1
        await clock.advance_async(1.0)
        with pytest.raises(websockets.InvalidStatus):
            await asyncio.wait_for(task, 5)
        await rc.aclose()


class _BudgetOnlyStore:
    """A store of rate budgets alone: no leases."""

    local = True

    def __init__(self) -> None:
        self.inner = rk.MemoryStore()

    def reserve(self, *args: Any) -> Any:
        return self.inner.reserve(*args)

    def refund(self, *args: Any) -> None:
        self.inner.refund(*args)

    def observe(self, *args: Any) -> None:
        self.inner.observe(*args)

    def snapshot(self, *args: Any) -> Any:
        return self.inner.snapshot(*args)

    def close(self) -> None:
        self.inner.close()


class _LeaseOnlyStore(_BudgetOnlyStore):
    """A store written against an older protocol: it leases, but has no ``leases()`` and no
    asyncio face."""

    def lease(self, *args: Any) -> Any:
        return self.inner.lease(*args)


async def test_a_store_that_only_leases_still_holds_the_websocket_limits() -> None:
    WebSocketLimiter("hyperliquid", store=_LeaseOnlyStore())  # holds ws_connections by lease()
    with pytest.raises(TypeError, match="has no lease"):
        WebSocketLimiter("hyperliquid", store=_BudgetOnlyStore())
