"""WebSocket limits: subscriptions, users, in-flight posts and the message rate, kept by
ratekeeper against a mock Hyperliquid WebSocket server on loopback that enforces them itself
(about 3 seconds).

python examples/websocket_subscriptions.py
"""

from __future__ import annotations

import asyncio
import time

import websockets

import ratekeeper as rk
from ratekeeper.testing import MockWebSocketVenue
from ratekeeper.websockets import Connection, SubscriptionRefused, WebSocketLimiter

# Hyperliquid's WebSocket limits, shrunk so the run is short (the real ones: 10 connections,
# 1000 subscriptions, 10 users, 2000 messages per minute, 100 posts in flight); the mock
# server enforces the same numbers and records every violation
VENUE = rk.venue(
    "hyperliquid",
    ws_connections=(3, 30.0),
    ws_subscriptions=(6, 30.0),
    ws_users=(2, 30.0),
    ws_messages=(20, 1.0),
    ws_inflight_posts=(3, 30.0),
)


def trades(coin: str) -> dict[str, object]:
    return {"method": "subscribe", "subscription": {"type": "trades", "coin": coin}}


def fills(user: str) -> dict[str, object]:
    return {"method": "subscribe", "subscription": {"type": "userFills", "user": user}}


async def read(ws: Connection) -> None:
    try:
        async for _ in ws:  # reading is what releases answered posts
            pass
    except websockets.ConnectionClosed:
        pass


async def main() -> None:
    mock = MockWebSocketVenue(
        connections=3, subscriptions=6, users=2, messages=(20, 1.0), inflight_posts=3, post_delay=0.2
    )
    async with mock, WebSocketLimiter(VENUE) as wsl:
        a, b = await wsl.connect(mock.url), await wsl.connect(mock.url)
        readers = [asyncio.create_task(read(ws)) for ws in (a, b)]

        for i, coin in enumerate(["BTC", "ETH", "SOL"]):
            await (a, b)[i % 2].send(trades(coin))
        await a.send(fills("0x1111111111111111111111111111111111111111"))
        await b.send(fills("0x2222222222222222222222222222222222222222"))
        for message in (fills("0x3333333333333333333333333333333333333333"), trades("DOGE"), trades("XRP")):
            try:
                await b.send(message)
            except SubscriptionRefused as e:
                print(f"refused before sending: {e.limit} ({e.held:g} of {e.capacity:g} held)")

        start = time.monotonic()
        await asyncio.gather(*((a, b)[i % 2].send({"method": "post", "id": i, "request": {}}) for i in range(9)))
        print(f"9 posts, at most 3 in flight: all sent in {time.monotonic() - start:.2f} s")

        start = time.monotonic()
        sent = 0
        while time.monotonic() - start < 1.5:
            await a.send({"method": "ping"})
            sent += 1
        print(f"{sent} messages in 1.5 s (20 per second allowed; at most 20 in any second at the server)")

        await wsl.connect(mock.url, timeout=0)  # the third connection
        try:
            await wsl.connect(mock.url, timeout=0)
        except rk.RateLimited as e:
            print(f"no fourth connection: {e}")

        for n, ws in enumerate(wsl.connections, 1):
            s = ws.statistics()
            print(f"connection {n}: {s.subscriptions} subscriptions, {len(s.users)} users, {s.messages_sent} sent")
        for ws in wsl.connections:
            await ws.close()
        for r in readers:
            await r
        stats = mock.stats
        print(
            f"server saw: {stats.messages} messages (max {stats.max_messages_in_window} in a second), "
            f"{stats.max_subscriptions} subscriptions, {stats.max_users} users, "
            f"{stats.max_inflight_posts} posts in flight at most, {len(stats.violations)} violations"
        )
        assert not stats.violations, stats.violations


if __name__ == "__main__":
    asyncio.run(main())
