"""The gateway, in process: forwarding, weighing and settling, bad input answered by the gateway
itself, actions never retried, a client that leaves giving its slot back, the admin port and a
graceful stop. Timing that matters runs on a fake clock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import yarl
from aiohttp import web
from prometheus_client import CollectorRegistry

from ratekeeper import RetryPolicy
from ratekeeper.gateway import (
    Gateway,
    Running,
    check_listen,
    is_loopback,
    parse_limit,
    parse_listen,
    start,
)
from ratekeeper.gateway._cli import build
from ratekeeper.metrics import Metrics
from ratekeeper.testing import FakeClock, MockVenue

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Upstream:
    """A tiny venue of the test's own: counts hits, answers what the test says."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.hits: list[tuple[str, str, bytes, dict[str, str]]] = []
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.hits.append((request.method, request.path_qs, body, dict(request.headers)))
        return await self.handler(request)

    async def __aenter__(self) -> Upstream:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


async def _gateway(gateway: Gateway) -> Running:
    return await start(gateway, "127.0.0.1", 0, admin=("127.0.0.1", 0), shutdown_timeout=5.0)


@pytest.fixture
async def mock() -> AsyncIterator[MockVenue]:
    async with MockVenue("hyperliquid") as m:
        yield m


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def used(stats: Any, limit: str) -> float:
    return float(sum(s.used + s.reserved for s in stats if s.limit == limit))


# -- forwarding --------------------------------------------------------------------------


async def test_a_read_is_forwarded_weighed_and_settled(mock: MockVenue, client: aiohttp.ClientSession) -> None:
    running = await _gateway(Gateway("hyperliquid", upstream=mock.url))
    try:
        async with client.post(running.url + "/info", json={"type": "l2Book", "coin": "BTC"}) as r:
            assert r.status == 200
            book = await r.json()
        assert book["coin"] == "BTC"
        stats = mock.stats
        assert (stats.accepted, stats.rejected_429) == (1, 0)
        # the gateway booked what the venue charged (l2Book: 2 of Hyperliquid's ip_weight)
        charged = sum(stats.weight_by_ip.values())
        assert charged == 2
        assert used(await running.gateway.limiter.statistics(), "ip_weight") == charged
    finally:
        await running.stop()


@pytest.mark.parametrize("lean", [True, False], ids=["lean-client", "aiohttp-client"])
async def test_headers_query_and_answer_pass_through(lean: bool) -> None:
    async def answer(request: web.Request) -> web.Response:
        return web.json_response(
            {"q": request.query_string}, status=201, headers={"X-MBX-USED-WEIGHT-1M": "7", "X-Other": "kept"}
        )

    async with Upstream(answer) as up, aiohttp.ClientSession() as client:
        running = await _gateway(Gateway("binance", upstream=up.url, lean=lean))
        try:
            url = running.url + "/api/v3/ticker/price?symbol=BTCUSDT"
            async with client.get(url, headers={"X-MBX-APIKEY": "k", "Connection": "keep-alive"}) as r:
                assert r.status == 201
                assert r.headers["X-Other"] == "kept"
                assert await r.json() == {"q": "symbol=BTCUSDT"}
            method, path, _, headers = up.hits[0]
            assert (method, path) == ("GET", "/api/v3/ticker/price?symbol=BTCUSDT")
            assert headers["X-MBX-APIKEY"] == "k"
            assert headers["Host"] == up.url.removeprefix("http://")  # the venue's host, not the gateway's
            # the venue's own count folded into the store: at least 7 of the minute's weight is used
            assert used(await running.gateway.limiter.statistics(), "request_weight") >= 7
        finally:
            await running.stop()


async def test_a_limit_override_replaces_the_venues() -> None:
    g = Gateway("hyperliquid", upstream="http://127.0.0.1:9", limits={"ip_weight": (1200, 10)})
    assert g.venue.limits["ip_weight"].capacity == 1200
    assert g.venue.limits["ip_weight"].period == 10
    await g.close()
    with pytest.raises(ValueError, match="nope"):
        Gateway("hyperliquid", upstream="http://127.0.0.1:9", limits={"nope": (1, 1)})


# -- bad input ---------------------------------------------------------------------------


async def _refused(client: aiohttp.ClientSession, url: str, **kw: Any) -> tuple[int, dict[str, Any]]:
    async with client.post(url, **kw) as r:
        assert r.headers.get("X-Ratekeeper-Error")
        return r.status, await r.json()


async def test_bad_input_is_answered_by_the_gateway_and_never_forwarded(
    mock: MockVenue, client: aiohttp.ClientSession
) -> None:
    running = await _gateway(Gateway("hyperliquid", upstream=mock.url, limits={"ip_weight": (1, 60)}))
    try:
        status, body = await _refused(
            client, running.url + "/info", data=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert (status, body["error"]) == (400, "invalid_body")
        batch = {"action": {"type": "order", "orders": [{}] * 5000}, "nonce": 1, "signature": {}}
        status, body = await _refused(client, running.url + "/exchange", json=batch)
        assert (status, body["error"]) == (400, "invalid_request")
        # l2Book weighs 2, and this gateway's ip_weight holds 1: it can never be sent
        status, body = await _refused(client, running.url + "/info", json={"type": "l2Book", "coin": "BTC"})
        assert (status, body["error"], body["limit"]) == (422, "cost_exceeds_capacity", "ip_weight")
        assert mock.stats.accepted == 0
        assert used(await running.gateway.limiter.statistics(), "ip_weight") == 0
        assert running.gateway.refused == 3
    finally:
        await running.stop()


def test_addresses_and_limits_are_checked() -> None:
    assert parse_listen("127.0.0.1:8080") == ("127.0.0.1", 8080)
    assert parse_listen("[::1]:0") == ("::1", 0)
    for bad in ("8080", "127.0.0.1:", "127.0.0.1:99999", "::1:80", ":80"):
        with pytest.raises(ValueError, match="--listen"):
            parse_listen(bad)
    assert is_loopback("127.0.0.2") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.0.0.1") and not is_loopback("example.com")
    with pytest.raises(ValueError, match="--allow-remote"):
        check_listen("0.0.0.0", allow_remote=False)
    check_listen("0.0.0.0", allow_remote=True)
    assert parse_limit("ip_weight=1200/10") == ("ip_weight", (1200.0, 10.0))
    for bad in ("ip_weight=1200", "=1/2", "ip_weight=a/10", "ip_weight=0/10", "ip_weight=1/inf"):
        with pytest.raises(ValueError, match="--limit"):
            parse_limit(bad)


def test_the_command_refuses_a_remote_address_before_listening() -> None:
    common: dict[str, Any] = dict(
        admin=None, store="memory://", proxy_pool=None, upstream="http://127.0.0.1:9", limits=(), metrics=False
    )
    with pytest.raises(ValueError, match="not a loopback address"):
        build("hyperliquid", listen="0.0.0.0:8080", allow_remote=False, **common)
    with pytest.raises(ValueError, match="not a loopback address"):
        build("hyperliquid", listen="127.0.0.1:8080", allow_remote=False, **{**common, "admin": "10.1.1.1:9"})
    with pytest.raises(ValueError, match="unknown venue"):
        build("nope", listen="127.0.0.1:8080", allow_remote=False, **common)


# -- what the venue answers --------------------------------------------------------------


@pytest.mark.parametrize("lean", [True, False], ids=["lean-client", "aiohttp-client"])
async def test_an_action_refused_is_passed_back_once_and_a_read_is_retried(lean: bool) -> None:
    async def answer(request: web.Request) -> web.Response:
        return web.json_response({"error": "busy"}, status=503 if request.path == "/info" else 429)

    retry = RetryPolicy(attempts=3, backoff=0.0, max_retry_after=1e9)
    async with Upstream(answer) as up, aiohttp.ClientSession() as client:
        running = await _gateway(Gateway("hyperliquid", upstream=up.url, retry=retry, lean=lean))
        try:
            order = {"action": {"type": "cancel", "cancels": [{"a": 0, "o": 1}]}, "nonce": 1, "signature": {}}
            async with client.post(running.url + "/exchange", json=order) as r:
                assert r.status == 429
                assert r.headers["X-Ratekeeper-Refused"]
                assert await r.json() == {"error": "busy"}
            assert [h[1] for h in up.hits] == ["/exchange"]  # an action: sent once, never again
        finally:
            await running.stop()
        # (a fresh gateway: the 429 blocked this one's ip_weight for Hyperliquid's wait)
        running = await _gateway(Gateway("hyperliquid", upstream=up.url, retry=retry, lean=lean))
        try:
            async with client.post(running.url + "/info", json={"type": "allMids"}) as r:
                assert r.status == 503  # a read: tried three times, then returned as it came
            assert [h[1] for h in up.hits][1:] == ["/info"] * 3
        finally:
            await running.stop()


@pytest.mark.parametrize("lean", [True, False], ids=["lean-client", "aiohttp-client"])
async def test_an_unreachable_venue_is_a_clear_502(lean: bool) -> None:
    retry = RetryPolicy(attempts=1)
    running = await _gateway(Gateway("hyperliquid", upstream="http://127.0.0.1:9", retry=retry, lean=lean))
    try:
        async with aiohttp.ClientSession() as client, client.post(running.url + "/info", json={"type": "allMids"}) as r:
            assert r.status == 502
            assert (await r.json())["error"] == "upstream_failed"
    finally:
        await running.stop()


# -- waiting, leaving, stopping ----------------------------------------------------------


async def _wait_for(check: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(500):
        if await check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_client_that_leaves_while_waiting_gives_its_slot_back(mock: MockVenue) -> None:
    clock = FakeClock()  # never moves: the second request waits until it is abandoned
    gateway = Gateway("hyperliquid", upstream=mock.url, limits={"ip_weight": (2, 60)}, clock=clock, margin=0.0)
    running = await _gateway(gateway)
    try:
        async with (
            aiohttp.ClientSession() as client,
            client.post(running.url + "/info", json={"type": "l2Book", "coin": "BTC"}) as r,
        ):
            assert r.status == 200
        host, port = running.url.removeprefix("http://").split(":")
        _reader, writer = await asyncio.open_connection(host, int(port))
        body = json.dumps({"type": "l2Book", "coin": "ETH"}).encode()
        writer.write(
            b"POST /info HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + b"Content-Length: %d\r\n\r\n" % len(body)
            + body
        )
        await writer.drain()

        async def waiting() -> bool:
            return bool((await gateway.status())["waiters"] == 1)

        await _wait_for(waiting, "the second request to wait")
        assert used(await gateway.limiter.statistics(), "ip_weight") == 4  # 2 used, 2 reserved for later
        writer.close()

        async def left() -> bool:
            return bool((await gateway.status())["waiters"] == 0 and gateway.in_flight == 0)

        await _wait_for(left, "the abandoned request to leave")
        assert used(await gateway.limiter.statistics(), "ip_weight") == 2
        assert gateway.disconnected == 1
        assert mock.stats.accepted == 1
    finally:
        await running.stop()


async def test_stopping_lets_requests_in_flight_finish() -> None:
    release = asyncio.Event()
    arrived = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        arrived.set()
        await release.wait()
        return web.json_response({"ok": True})

    async with Upstream(slow) as up, aiohttp.ClientSession() as client:
        running = await _gateway(Gateway("hyperliquid", upstream=up.url))

        async def call() -> int:
            async with client.post(running.url + "/info", json={"type": "allMids"}) as r:
                await r.read()
                return r.status

        request = asyncio.create_task(call())
        await asyncio.wait_for(arrived.wait(), 5)
        stopping = asyncio.create_task(running.stop())
        await asyncio.sleep(0.05)
        assert not stopping.done()  # waiting for the request in flight
        with pytest.raises(aiohttp.ClientConnectionError):  # no longer listening
            async with client.post(running.url + "/info", json={"type": "allMids"}):
                pass
        release.set()
        assert await asyncio.wait_for(request, 5) == 200
        await asyncio.wait_for(stopping, 5)


# -- admin -------------------------------------------------------------------------------


async def test_status_and_metrics_on_the_admin_port(mock: MockVenue, client: aiohttp.ClientSession) -> None:
    metrics = Metrics(CollectorRegistry())
    running = await _gateway(Gateway("hyperliquid", upstream=mock.url, metrics=metrics))
    try:
        async with client.post(running.url + "/info", json={"type": "allMids"}) as r:
            assert r.status == 200
        assert running.admin_url is not None
        async with client.get(running.admin_url + "/status") as r:
            status = await r.json()
        assert status["venue"] == "hyperliquid"
        assert status["handled"] == 1
        assert status["in_flight"] == 0
        assert status["margin"] > 0
        assert any(b["limit"] == "ip_weight" and b["used"] > 0 for b in status["budgets"])
        assert status["proxies"] == []
        async with client.get(running.admin_url + "/metrics") as r:
            text = await r.text()
        assert 'ratekeeper_gateway_responses_total{source="venue",status="200",venue="hyperliquid"} 1.0' in text
        assert "ratekeeper_acquire_wait_seconds_count" in text
        async with client.get(running.url + "/status") as r:  # the forwarding port has no admin paths
            assert r.status == 404
            assert "X-Ratekeeper-Error" not in r.headers  # the venue's answer
    finally:
        await running.stop()


def test_the_cli_command_reports_bad_options_as_usage_errors() -> None:
    from click.testing import CliRunner

    from ratekeeper.cli import main

    runner = CliRunner()
    result = runner.invoke(main, ["gateway", "hyperliquid", "--listen", "0.0.0.0:8080"])
    assert result.exit_code == 2
    assert "--allow-remote" in result.output
    result = runner.invoke(main, ["gateway", "hyperliquid", "--limit", "ip_weight=many/10"])
    assert result.exit_code == 2
    assert "--limit ip_weight" in result.output


async def test_the_lean_client_keeps_one_connection_and_survives_a_venue_that_closes_it() -> None:
    peers: list[object] = []

    async def answer(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername") if request.transport else None)
        close = request.query.get("close") == "1"
        return web.json_response({"n": len(peers)}, headers={"Connection": "close"} if close else None)

    async with Upstream(answer) as up, aiohttp.ClientSession() as client:
        running = await _gateway(Gateway("hyperliquid", upstream=up.url))
        try:
            for query in ("", "", "?close=1", ""):
                async with client.post(running.url + "/info" + query, json={"type": "allMids"}) as r:
                    assert r.status == 200
            # kept alive for the first three; the venue closed after the third: a new one for the fourth
            assert peers[0] == peers[1] == peers[2] != peers[3]
        finally:
            await running.stop()


# -- WebSockets --------------------------------------------------------------------------


async def test_a_websocket_passes_through_within_the_venues_websocket_limits() -> None:
    from ratekeeper.testing import MockWebSocketVenue

    async with MockWebSocketVenue("hyperliquid", messages=(4, 0.5)) as venue_ws, aiohttp.ClientSession() as client:
        limits = {"ws_messages": (4.0, 0.5), "ws_subscriptions": (2.0, 30.0)}
        gateway = Gateway("hyperliquid", upstream="http://127.0.0.1:9", ws_upstream=venue_ws.url, limits=limits)
        running = await _gateway(gateway)
        try:
            async with client.ws_connect(running.url.replace("http", "ws") + "/ws") as ws:
                for coin in ("BTC", "ETH", "SOL"):  # the third is over this venue's 2 subscriptions
                    sub = {"type": "trades", "coin": coin}
                    await ws.send_json({"method": "subscribe", "subscription": sub})
                answers = [await asyncio.wait_for(ws.receive_json(), 5) for _ in range(3)]
                refused = [a for a in answers if a.get("error") == "subscription_refused"]
                assert len(refused) == 1 and refused[0]["source"] == "ratekeeper-gateway"
                for _ in range(6):  # 8 messages in all at 4 per 0.5 s: the gateway paces them
                    await ws.send_json({"method": "ping"})
                pongs = 0
                while pongs < 6:
                    msg = await asyncio.wait_for(ws.receive_json(), 5)
                    pongs += msg.get("channel") == "pong"
                assert (await gateway.status())["websockets"] == 1
                # stopping closes the sockets passed through (they would never finish by themselves)
                await asyncio.wait_for(running.stop(), 5)
                closing = await asyncio.wait_for(ws.receive(), 5)
                assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            assert venue_ws.stats.violations == []
        finally:
            await running.stop()


# -- proxy pools -------------------------------------------------------------------------


async def test_with_a_proxy_pool_each_request_leaves_through_a_proxy_with_room() -> None:
    from ratekeeper.testing import ForwardProxy, loopback_source_works

    if not (loopback_source_works("127.0.0.2") and loopback_source_works("127.0.0.3")):
        pytest.skip("this machine cannot send from 127.0.0.2 / 127.0.0.3")
    # each proxy's IP holds 3 l2Books (6 weight) per minute: 6 requests need both of them
    with ForwardProxy(source="127.0.0.2") as p2, ForwardProxy(source="127.0.0.3") as p3:
        async with MockVenue("hyperliquid") as mock, aiohttp.ClientSession() as client:
            gateway = Gateway(
                "hyperliquid", upstream=mock.url, proxy_pool=[p2.url, p3.url], limits={"ip_weight": (6, 60)}
            )
            running = await _gateway(gateway)
            try:
                for _ in range(6):
                    async with client.post(running.url + "/info", json={"type": "l2Book", "coin": "BTC"}) as r:
                        assert r.status == 200
                assert dict(mock.stats.requests_by_ip) == {"127.0.0.2": 3, "127.0.0.3": 3}
                proxies = (await gateway.status())["proxies"]
                assert sorted(p["sent"] for p in proxies) == [3, 3]
            finally:
                await running.stop()


async def test_odd_answers_pass_through_whole() -> None:
    import gzip

    async def answer(request: web.Request) -> web.StreamResponse:
        if request.path == "/gzip":  # compressed although the gateway asked for identity
            body = gzip.compress(b'{"zipped": true}')
            return web.Response(body=body, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
        return web.json_response({"method": request.method}, headers={"X-Head": "yes"})

    async with Upstream(answer) as up, aiohttp.ClientSession() as client:
        running = await _gateway(Gateway("binance", upstream=up.url))
        try:
            async with client.get(running.url + "/gzip") as r:
                assert await r.json() == {"zipped": True}
            async with client.head(running.url + "/api/v3/time") as r:
                assert (r.status, r.headers["X-Head"]) == (200, "yes")
            async with client.get(running.url + "/api/v3/time", headers={"Expect": "100-continue"}) as r:
                assert await r.json() == {"method": "GET"}
            assert "Expect" not in up.hits[-1][3]
        finally:
            await running.stop()


async def test_the_lean_client_reads_a_body_that_ends_with_the_connection() -> None:
    from ratekeeper.gateway._upstream import LeanUpstream

    async def venue(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")  # no length, not chunked
        writer.write(b'{"until": ')
        await writer.drain()
        writer.write(b'"close"}')
        writer.close()

    server = await asyncio.start_server(venue, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    lean = LeanUpstream("http", "127.0.0.1", port)
    try:
        answer = await lean.request("GET", "/x", [], b"")
        assert (answer.status, answer.body) == (200, b'{"until": "close"}')
    finally:
        await lean.close()
        server.close()
        await server.wait_closed()


async def test_a_connection_idle_too_long_is_not_reused_and_ip_names_the_budget() -> None:
    peers: list[object] = []

    async def answer(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername") if request.transport else None)
        return web.json_response({})

    async with Upstream(answer) as up, aiohttp.ClientSession() as client:
        gateway = Gateway("hyperliquid", upstream=up.url, ip="203.0.113.7")
        running = await _gateway(gateway)
        try:
            assert gateway._lean is not None
            gateway._lean._idle_timeout = 0.0  # every idle connection is too old
            for _ in range(2):
                async with client.post(running.url + "/info", json={"type": "allMids"}) as r:
                    assert r.status == 200
            assert peers[0] != peers[1]
            scopes = {b["scope"] for b in (await gateway.status())["budgets"] if b["limit"] == "ip_weight"}
            assert scopes == {"203.0.113.7"}
        finally:
            await running.stop()


async def test_the_hyperliquid_sdk_websocket_goes_through_the_gateway(mock: MockVenue) -> None:
    info_mod = pytest.importorskip("hyperliquid.info")
    from ratekeeper.testing import MockWebSocketVenue

    async with MockWebSocketVenue("hyperliquid") as venue_ws:
        gateway = Gateway("hyperliquid", upstream=mock.url, ws_upstream=venue_ws.url)
        running = await _gateway(gateway)
        try:
            meta = {"universe": [{"name": "BTC", "szDecimals": 5}]}
            spot: dict[str, Any] = {"universe": [], "tokens": []}

            def open_sdk() -> Any:  # the SDK's WebSocket runs in its own thread
                return info_mod.Info(running.url, skip_ws=False, meta=meta, spot_meta=spot)

            info = await asyncio.to_thread(open_sdk)
            try:
                await asyncio.to_thread(info.subscribe, {"type": "trades", "coin": "BTC"}, lambda _: None)

                async def subscribed() -> bool:
                    return venue_ws.subscriptions() == 1

                await _wait_for(subscribed, "the SDK's subscription to reach the venue")
                assert (await gateway.status())["websockets"] == 1
            finally:
                await asyncio.to_thread(info.disconnect_websocket)
            assert venue_ws.stats.violations == []
        finally:
            await running.stop()


async def _raw_venue(answer: Callable[[int, bytes], list[bytes]]) -> tuple[asyncio.Server, int, list[bytes]]:
    """A venue speaking raw HTTP/1.1 on one keep-alive connection: ``answer(n, head)`` gives the
    chunks written for the n-th request (written with a pause between them)."""
    heads: list[bytes] = []

    async def venue(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                heads.append(head)
                for chunk in answer(len(heads), head):
                    writer.write(chunk)
                    await writer.drain()
                    await asyncio.sleep(0.01)
        finally:
            writer.close()  # Server.wait_closed waits for every connection (Python 3.12+)

    server = await asyncio.start_server(venue, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], heads


def _ok(body: bytes, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\n" + extra + b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


async def test_the_lean_client_waits_past_interim_answers_and_reads_split_reasons() -> None:
    from ratekeeper.gateway._upstream import LeanUpstream

    def answer(n: int, head: bytes) -> list[bytes]:
        if n == 1:  # an interim answer first: the final one is request 1's
            return [b"HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n", _ok(b"1")]
        if n == 2:  # the status line in pieces
            body = b"2"
            return [b"HTTP/1.1 429 Too M", b"any Req", b"uests\r\nContent-Length: 1\r\n\r\n" + body]
        return [_ok(b"%d" % n, b"X-Msg: caf\xc3\xa9\r\n")]

    server, port, heads = await _raw_venue(answer)
    lean = LeanUpstream("http", "127.0.0.1", port)
    try:
        first = await lean.request("GET", "/r1", [], b"")
        second = await lean.request("GET", "/r2", [], b"")
        third = await lean.request("GET", "/r3?label=caf\u00e9", [("X-Label", "\u20ac")], b"")
        assert (first.status, first.body) == (200, b"1")
        assert (second.status, second.reason, second.body) == (429, "Too Many Requests", b"2")
        assert (third.status, third.body) == (200, b"3")
        # bytes in, the same bytes out: UTF-8 both ways, as aiohttp's server and client read them
        assert third.headers["X-Msg"].encode("utf-8", "surrogateescape") == b"caf\xc3\xa9"
        assert b"GET /r3?label=caf\xc3\xa9 HTTP/1.1" in heads[2] and b"X-Label: \xe2\x82\xac" in heads[2]
    finally:
        await lean.close()
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("lean", [True, False], ids=["lean-client", "aiohttp-client"])
async def test_the_query_is_forwarded_as_sent_and_connection_named_headers_are_not(lean: bool) -> None:
    async def answer(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * 1000, content_type="application/octet-stream")

    query = "/api/v3/depth?symbol=BTC%2FUSDT&symbols=[%22A%22,%22B%22]&timestamp=1&signature=ab12"
    async with Upstream(answer) as up, aiohttp.ClientSession() as client:
        running = await _gateway(Gateway("binance", upstream=up.url, lean=lean))
        try:
            sent = {"Connection": "keep-alive, X-Hop", "X-Hop": "secret", "X-Kept": "yes"}
            async with client.get(yarl.URL(running.url + query, encoded=True), headers=sent) as r:
                assert r.status == 200
            async with client.head(yarl.URL(running.url + query, encoded=True)) as r:
                assert r.status == 200
                assert r.headers["Content-Length"] == "1000"  # what a GET would carry
            (get_method, get_path, _, get_headers), (head_method, head_path, _, _) = up.hits
            assert (get_method, get_path) == ("GET", query)  # a signature covers these bytes
            assert (head_method, head_path) == ("HEAD", query)
            assert "X-Hop" not in get_headers and get_headers["X-Kept"] == "yes"
        finally:
            await running.stop()
