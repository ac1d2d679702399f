"""WebSocket counts shared through a store by separate users of it: two store objects on one
SQLite file, two Redis clients, and a process that dies holding connections (its slots come
back after the lease period). Real time, with lease periods of one second."""

from __future__ import annotations

import asyncio
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

import ratekeeper as rk
from ratekeeper.stores.sqlite import SQLiteStore
from ratekeeper.testing import FakeClock, MockWebSocketVenue, unique_prefix
from ratekeeper.venues import Venue
from ratekeeper.websockets import WebSocketLimiter

from .test_websockets import drain, sub, unsub

LEASE = 1.0


def venue() -> Venue:
    return rk.venue("hyperliquid", ws_connections=(2, LEASE))


async def no_renewal() -> None:
    return None


async def shared_count(first: WebSocketLimiter, second: WebSocketLimiter, url: str) -> None:
    """``first`` fills the connection count; ``second`` is refused, waits, and gets the slot
    ``first`` gives back (noticed within the recheck interval, a tenth of the lease)."""
    held = [await first.connect(url) for _ in range(2)]
    with pytest.raises(rk.RateLimited, match="2 of 2 held"):
        await second.connect(url, timeout=0)
    waiting = asyncio.ensure_future(second.connect(url))
    await asyncio.sleep(0.3)
    assert not waiting.done()
    t0 = time.monotonic()
    await held[0].close()
    got = await asyncio.wait_for(waiting, 5)
    assert time.monotonic() - t0 < 0.4
    # the first stops renewing (hung): its last connection is freed by the lease expiring
    held[1]._renew = no_renewal  # type: ignore[method-assign]
    t0 = time.monotonic()
    again = await second.connect(url, timeout=5)
    waited = time.monotonic() - t0
    assert waited <= LEASE + 0.4, waited
    for conn in (got, again, held[1]):
        await conn.close()


async def test_two_sqlite_store_objects_on_one_file(tmp_path: Path) -> None:
    path = tmp_path / "ws.db"
    a, b = SQLiteStore(path), SQLiteStore(path)
    try:
        async with (
            MockWebSocketVenue(connections=None) as mock,
            WebSocketLimiter(venue(), store=a) as first,
            WebSocketLimiter(venue(), store=b) as second,
        ):
            await shared_count(first, second, mock.url)
    finally:
        a.close()
        b.close()


async def test_two_redis_clients(redis_url: str) -> None:
    url = redis_url + ("&" if "?" in redis_url else "?") + "prefix=" + unique_prefix("rkws")
    async with MockWebSocketVenue(connections=None) as mock:
        first, second = WebSocketLimiter(venue(), store=url), WebSocketLimiter(venue(), store=url)
        try:
            await shared_count(first, second, mock.url)
        finally:
            await getattr(first.store, "aclear")()  # noqa: B009 - AsyncRedisStore only
            await first.aclose()
            await second.aclose()


CHILD = textwrap.dedent(
    """
    import asyncio, sys
    import ratekeeper as rk
    from ratekeeper.websockets import WebSocketLimiter

    async def main(url, store):
        wsl = WebSocketLimiter(rk.venue("hyperliquid", ws_connections=(2, 1.0)), store=store)
        conns = [await wsl.connect(url) for _ in range(2)]
        print("ready", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main(sys.argv[1], sys.argv[2]))
    """
)


async def dead_process_frees_its_slots(store_url: str, mock: MockWebSocketVenue, tmp_path: Path) -> float:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(script), mock.url, store_url, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        assert line.strip() == b"ready"
        async with WebSocketLimiter(venue(), store=store_url) as wsl:
            with pytest.raises(rk.RateLimited):
                await wsl.connect(mock.url, timeout=0)
            proc.kill()  # SIGKILL: no close, no release
            await proc.wait()
            t0 = time.monotonic()
            conn = await wsl.connect(mock.url, timeout=5)
            waited = time.monotonic() - t0
            await conn.close()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return waited


async def test_a_killed_process_frees_its_connections_after_the_lease_sqlite(tmp_path: Path) -> None:
    async with MockWebSocketVenue(connections=2) as mock:
        waited = await dead_process_frees_its_slots(f"sqlite:///{tmp_path / 'ws.db'}", mock, tmp_path)
        assert mock.stats.violations == []
    # the child renewed every third of a second: its leases had 2/3 to 1 s left when it died
    assert 0.4 <= waited <= LEASE + 0.4, waited


async def test_a_killed_process_frees_its_connections_after_the_lease_redis(redis_url: str, tmp_path: Path) -> None:
    url = redis_url + ("&" if "?" in redis_url else "?") + "prefix=" + unique_prefix("rkws")
    async with MockWebSocketVenue(connections=2) as mock:
        waited = await dead_process_frees_its_slots(url, mock, tmp_path)
        assert mock.stats.violations == []
    assert 0.4 <= waited <= LEASE + 0.4, waited


@pytest.fixture
async def fake_sqlite(tmp_path: Path) -> AsyncIterator[tuple[FakeClock, SQLiteStore]]:
    clock = FakeClock()
    store = SQLiteStore(tmp_path / "users.db", clock=clock)
    yield clock, store
    store.close()


async def test_users_on_a_shared_store_expire_instead_of_being_released(
    fake_sqlite: tuple[FakeClock, SQLiteStore],
) -> None:
    """Another process may subscribe the same user: the last use here lets the lease expire."""
    clock, store = fake_sqlite
    v = rk.venue("hyperliquid", ws_users=(2, 30.0))
    async with MockWebSocketVenue() as mock, WebSocketLimiter(v, store=store, clock=clock, release_delay=0) as wsl:
        ws = await wsl.connect(mock.url)
        reader = asyncio.ensure_future(drain(ws))
        users = wsl.limits["ws_users"]
        await ws.send(sub("BTC", "0xabc"))
        await ws.send(unsub("BTC", "0xabc"))
        assert "user:0xabc" in await asyncio.to_thread(store.leases, users, "*")
        assert ws.statistics().users == ()
        await advance(clock, 31.0, lambda: asyncio.to_thread(store.leases, users, "*"))
        assert await asyncio.to_thread(store.leases, users, "*") == {}
        await ws.close()
        await reader


async def advance(clock: FakeClock, seconds: float, probe: Callable[[], Awaitable[Any]]) -> None:
    """Advance a FakeClock in steps, letting work done in threads (SQLite) finish in between."""
    step = 1.0
    done = 0.0
    while done < seconds:
        await clock.advance_async(min(step, seconds - done))
        await probe()
        done += step
