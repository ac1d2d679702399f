"""What only the httpx integration has: transports on plain clients, mounts, encodings."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import Iterator

import httpx
import pytest

import ratekeeper as rk
from ratekeeper.httpx import AsyncClient, AsyncTransport, Client, Transport

from .test_http_fixtures import ScriptServer, reply, stat


@pytest.fixture
def srv() -> Iterator[ScriptServer]:
    with ScriptServer() as s:
        yield s


def test_transport_on_a_plain_client(srv: ScriptServer) -> None:
    transport = Transport("hyperliquid", base_url=srv.url)
    with httpx.Client(transport=transport) as c:
        r = c.post(srv.url + "/info", json={"type": "meta"})
        assert r.status_code == 200 and r.elapsed.total_seconds() >= 0
    assert stat(transport.limiter.statistics(), "ip_weight").used == 20
    with pytest.raises(TypeError):
        Transport()


def test_async_transport_on_a_plain_client(srv: ScriptServer) -> None:
    async def main() -> float:
        transport = AsyncTransport("hyperliquid", base_url=srv.url)
        async with httpx.AsyncClient(transport=transport) as c:
            assert (await c.post(srv.url + "/info", json={"type": "allMids"})).status_code == 200
        return stat(await transport.limiter.statistics(), "ip_weight").used

    assert asyncio.run(main()) == 2


def test_client_wraps_mounts(srv: ScriptServer) -> None:
    inner = httpx.HTTPTransport()
    with Client("hyperliquid", base_url=srv.url, mounts={"all://": inner}) as c:
        assert isinstance(c, httpx.Client) and isinstance(c.limiter, rk.Limiter)
        c.post("/info", json={"type": "meta"})
        assert stat(c.limiter.statistics(), "ip_weight").used == 20
        c.post("/info", json={"type": "meta"})
        assert stat(c.limiter.statistics(), "ip_weight").used == 40


def test_encoded_bodies_are_decoded_for_settling_and_for_the_caller(srv: ScriptServer) -> None:
    fills = [{"tid": i} for i in range(100)]
    raw = gzip.compress(json.dumps(fills).encode())
    srv.script(reply(200, raw=raw, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}))
    with Client("hyperliquid", base_url=srv.url) as c:
        r = c.post("/info", json={"type": "userFills", "user": "0xab"})
        assert r.json() == fills
        assert stat(c.limiter.statistics(), "ip_weight").used == 25


def test_streaming_upload_is_weighed_without_its_body(srv: ScriptServer) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"type": "l2Book", "coin": "BTC"}'

    with Client("hyperliquid", base_url=srv.url) as c:
        assert c.post("/info", content=chunks()).status_code == 200
        # no body to read the type from: the unknown-request default (20), not 0
        assert stat(c.limiter.statistics(), "ip_weight").used == 20


def test_async_client_options(srv: ScriptServer) -> None:
    async def main() -> None:
        async with AsyncClient("hyperliquid", base_url=srv.url, timeout=3) as c:
            assert isinstance(c, httpx.AsyncClient) and isinstance(c.limiter, rk.AsyncLimiter)
            assert c.venue.name == "hyperliquid"
            await c.post("/info", json={"type": "allMids"})

    asyncio.run(main())
    assert [s.path for s in srv.seen] == ["/info"]


def test_a_ratekeeper_transport_is_not_wrapped_twice(srv: ScriptServer) -> None:
    with Client("hyperliquid", base_url=srv.url) as outer:
        own = Transport(gate=outer.gate)
        with Client("hyperliquid", base_url=srv.url, limiter=outer.limiter, transport=own) as c:
            c.post("/info", json={"type": "meta"})
            assert stat(c.limiter.statistics(), "ip_weight").used == 20
