"""What only the aiohttp integration has: the middleware on a plain session, the order of
middlewares, the subclass without aiohttp's discouragement warning."""

from __future__ import annotations

import asyncio
import importlib
import warnings
from collections.abc import Iterator

import aiohttp
import pytest
from aiohttp.client_middlewares import ClientHandlerType
from aiohttp.client_reqrep import ClientRequest, ClientResponse

import ratekeeper as rk
import ratekeeper.aiohttp as rk_aiohttp
from ratekeeper.aiohttp import ClientSession, Middleware, RetryPolicy

from .test_http_fixtures import ScriptServer, reply, stat


@pytest.fixture
def srv() -> Iterator[ScriptServer]:
    with ScriptServer() as s:
        yield s


def test_middleware_on_a_plain_session(srv: ScriptServer) -> None:
    async def main() -> float:
        mw = Middleware("hyperliquid", base_url=srv.url)
        async with (
            aiohttp.ClientSession(middlewares=[mw]) as s,
            s.post(srv.url + "/info", json={"type": "meta"}) as r,
        ):
            assert r.status == 200
        return stat(await mw.limiter.statistics(), "ip_weight").used

    assert asyncio.run(main()) == 20
    with pytest.raises(TypeError):
        Middleware()


def test_own_middlewares_run_outside_and_see_one_call(srv: ScriptServer) -> None:
    srv.script(reply(503, {}), reply(200, {"ok": True}))
    calls: list[str] = []

    async def counting(request: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        calls.append(str(request.url))
        return await handler(request)

    async def main() -> None:
        retry = RetryPolicy(backoff=0.01)
        async with ClientSession("hyperliquid", base_url=srv.url, middlewares=[counting], retry=retry) as s:
            assert isinstance(s, aiohttp.ClientSession) and isinstance(s.limiter, rk.AsyncLimiter)
            async with s.post("/info", json={"type": "meta"}) as r:
                assert await r.json() == {"ok": True}

    asyncio.run(main())
    assert len(calls) == 1 and len(srv.seen) == 2


def test_subclass_defined_without_a_deprecation_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        importlib.reload(rk_aiohttp)


def test_form_bodies_are_weighed(srv: ScriptServer) -> None:
    async def main() -> float:
        async with ClientSession("binance", base_url=srv.url, account="a") as s:
            async with s.post("/api/v3/order", data={"symbol": "BTCUSDT", "side": "BUY"}) as r:
                assert r.status == 200
            return stat(await s.limiter.statistics(), "orders_10s").used

    assert asyncio.run(main()) == 1
