"""hyperliquid-python-sdk (the real package) sending its requests to the mock venue through
ratekeeper: every call weighed by the Hyperliquid rules, settled with the items returned,
shared through the store, ``userRateLimit`` syncing the address quota, the WebSocket manager's
messages charged. Orders are signed locally by the SDK with a throwaway key."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

import ratekeeper as rk
from ratekeeper import ActionRefused, RetryPolicy
from ratekeeper.adapters import UnsupportedVersion, check_version, installed_version, parse_version
from ratekeeper.testing import MockVenue


def _need(module: str) -> Any:
    """The module, or a skip (locally) / a failure (CI=true) naming what is missing."""
    try:
        return pytest.importorskip(module)
    except pytest.skip.Exception:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{module} is not installed (CI=true: a missing test dependency is a failure)")
        raise


eth_account = _need("eth_account")
_need("hyperliquid")

from hyperliquid.exchange import Exchange  # noqa: E402
from hyperliquid.info import Info  # noqa: E402

from ratekeeper.adapters import hyperliquid_sdk as hs  # noqa: E402

USER = "0x" + "ab" * 20


def ip_weight(limiter: rk.Limiter) -> float:
    return sum(s.used for s in limiter.statistics() if s.limit == "ip_weight")


def stat(limiter: rk.Limiter, limit: str, scope: str | None = None) -> rk.LimitStatistics:
    found = [s for s in limiter.statistics() if s.limit == limit and (scope is None or s.scope == scope)]
    assert len(found) == 1, (limit, scope, limiter.statistics())
    return found[0]


def charged(mock: MockVenue) -> float:
    """What the mock venue charged every IP so far."""
    return sum(mock.stats.weight_by_ip.values())


@pytest.fixture
def mock() -> Iterator[MockVenue]:
    with MockVenue("hyperliquid") as m:
        yield m


def wallet() -> Any:
    return eth_account.Account.create()


# --------------------------------------------------------------------------------------------
# Info


def test_info_calls_are_weighed_settled_and_agree_with_the_venue(mock: MockVenue) -> None:
    info = hs.info(mock.url, skip_ws=True)
    limiter = hs.limiter_of(info)
    assert ip_weight(limiter) == charged(mock) == 40  # the constructor's spotMeta + meta, charged

    assert info.l2_snapshot("BTC")["coin"] == "BTC"
    assert set(info.all_mids()) >= {"BTC", "ETH"}
    fills = info.user_fills(USER)
    assert len(fills) == 100
    now = int(time.time() * 1000)
    candles = info.candles_snapshot("ETH", "1m", now - 3_600_000, now)
    assert 60 <= len(candles) <= 61
    assert info.meta()["universe"][0]["name"] == "BTC"

    stats = mock.stats
    assert stats.rejected_429 == 0
    assert stats.requests_by_type["info:userFills"] == 1
    # userFills was reserved at 20 + 2000/20 and settled to 20 + ceil(100/20); candles to
    # 20 + ceil(n/60): the ledger is the venue's, unit for unit
    assert ip_weight(limiter) == charged(mock) == 40 + 2 + 2 + 25 + 21 + 20


def test_limit_an_info_built_by_the_sdk(mock: MockVenue) -> None:
    info = Info(mock.url, skip_ws=True)  # its start-up requests happen before limit()
    assert hs.limit(info) is info
    info.l2_snapshot("SOL")
    info.user_fills(USER)
    assert ip_weight(hs.limiter_of(info)) == charged(mock) - 40 == 2 + 25


def test_user_rate_limit_syncs_the_address_quota(mock: MockVenue) -> None:
    mock.set_user_volume(USER, 2500.0)
    info = hs.info(mock.url, skip_ws=True)
    answer = info.user_rate_limit(USER)
    assert answer["nRequestsCap"] == 12_500
    limiter = hs.limiter_of(info)
    actions = stat(limiter, "address_actions", USER.lower())
    assert actions.capacity == 12_500 and actions.used == answer["nRequestsUsed"]
    assert stat(limiter, "address_cancels", USER.lower()).capacity == 25_000  # min(cap + 100000, 2 cap)


# --------------------------------------------------------------------------------------------
# Exchange: signed locally, sent to the mock


def test_exchange_order_and_cancel_spend_the_address_quota(mock: MockVenue) -> None:
    account = wallet()
    store = rk.MemoryStore()
    info = hs.info(mock.url, skip_ws=True, store=store)
    ex = hs.exchange(account, mock.url, store=store)
    ex.session.headers["X-Mock-User"] = account.address  # the mock cannot recover the signer
    limiter = hs.limiter_of(ex)
    assert hs.limiter_of(ex.info) is limiter  # its Info (metadata, mids) spends the same budget

    placed = ex.order("BTC", True, 0.001, 60_000.0, {"limit": {"tif": "Gtc"}})
    assert placed["status"] == "ok"
    oid = placed["response"]["data"]["statuses"][0]["resting"]["oid"]
    cancelled = ex.cancel("BTC", oid)
    assert cancelled["response"]["data"]["statuses"] == ["success"]

    address = account.address.lower()
    assert stat(limiter, "address_actions", address).used == 1  # the order
    assert stat(limiter, "address_cancels", address).used == 2  # the order and the cancel
    assert mock.stats.requests_by_type["exchange:order"] == 1
    # both objects share one store: their ledgers add up to what the venue charged
    assert ip_weight(limiter) == charged(mock) == 4 * 20 + 1 + 1

    synced = info.user_rate_limit(account.address)
    assert synced["nRequestsUsed"] == 2
    assert stat(limiter, "address_actions", address).used == 2  # the venue's count, synced


def test_limit_an_exchange_built_by_the_sdk_covers_its_info(mock: MockVenue) -> None:
    account = wallet()
    ex = Exchange(account, mock.url)
    hs.limit(ex)
    ex.session.headers["X-Mock-User"] = account.address
    limiter = hs.limiter_of(ex)
    assert hs.limiter_of(ex.info) is limiter
    before = charged(mock)
    result = ex.market_open("ETH", True, 0.01)  # reads allMids through ex.info, then orders
    assert result["status"] == "ok"
    assert ip_weight(limiter) == charged(mock) - before == 2 + 1
    assert stat(limiter, "address_actions", account.address.lower()).used == 1


def test_the_address_limit_error_refuses_the_action_and_blocks_the_address() -> None:
    with MockVenue("hyperliquid", address_initial=1) as mock:
        account = wallet()
        ex = hs.exchange(account, mock.url)
        ex.session.headers["X-Mock-User"] = account.address
        assert ex.order("BTC", True, 0.001, 60_000.0, {"limit": {"tif": "Gtc"}})["status"] == "ok"
        with pytest.raises(ActionRefused) as refused:
            ex.order("BTC", True, 0.001, 60_000.0, {"limit": {"tif": "Gtc"}})
        assert refused.value.limit == "address_actions"
        assert "Too many cumulative requests" in str(refused.value)
        assert mock.stats.errors_by_kind["address_quota"] == 1
        blocked = stat(hs.limiter_of(ex), "address_actions", account.address.lower())
        assert blocked.blocked_for > 0 and blocked.used == 2 and blocked.capacity == 1  # (2 > 1) from the error


def test_a_read_answered_429_is_retried_after_the_window() -> None:
    with MockVenue("hyperliquid", period=1.0) as mock:
        venue = rk.venue("hyperliquid", ip_weight=(1200, 1.0))
        info = hs.info(mock.url, skip_ws=True, venue=venue, retry=RetryPolicy(attempts=3, jitter=False, backoff=0))
        with requests.Session() as plain:  # another client on this IP spends the venue's window
            for _ in range(60):
                plain.post(mock.url + "/info", json={"type": "meta"}, timeout=5)
        started = time.monotonic()
        book = info.l2_snapshot("BTC")  # 429, the store blocks ip_weight for a window, the retry waits
        assert book["coin"] == "BTC"
        assert mock.stats.rejected_by_type["info:l2Book"] == 1
        assert mock.stats.requests_by_type["info:l2Book"] == 1
        assert time.monotonic() - started >= 0.9


# --------------------------------------------------------------------------------------------
# one budget through a shared store


def test_two_sdk_objects_share_one_budget_through_sqlite(tmp_path: Path) -> None:
    period = 1.0
    with MockVenue("hyperliquid", period=period) as mock:
        venue = rk.venue("hyperliquid", ip_weight=(1200, period))
        store = f"sqlite:///{tmp_path / 'hl.db'}"
        infos = [hs.info(mock.url, skip_ws=True, store=store, venue=venue) for _ in range(2)]
        assert hs.limiter_of(infos[0]) is not hs.limiter_of(infos[1])  # only the store is shared
        mock.reset()
        deadline = time.monotonic() + 3 * period
        errors: list[BaseException] = []

        def work(info: Any) -> None:
            try:
                while time.monotonic() < deadline:
                    info.meta()
                    info.l2_snapshot("BTC")
            except BaseException as e:
                errors.append(e)

        threads = [threading.Thread(target=work, args=(info,)) for info in infos]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stats = mock.stats
        assert not errors
        assert stats.rejected_429 == 0
        assert stats.max_window_weight_by_ip["127.0.0.1"] <= 1200
        assert stats.budget_share >= 0.8


# --------------------------------------------------------------------------------------------
# the WebSocket manager


class WsServer:
    """A loopback WebSocket endpoint at ``/ws`` that records what clients send."""

    def __init__(self) -> None:
        self.received: list[Any] = []
        self.got = threading.Event()
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None

    def _run(self) -> None:
        from aiohttp import WSMsgType, web

        async def handler(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self.received.append(json.loads(msg.data))
                    self.got.set()
            return ws

        async def main() -> None:
            app = web.Application()
            app.router.add_get("/ws", handler)
            runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
            self._stop = asyncio.Event()
            self._ready.set()
            await self._stop.wait()
            await runner.cleanup()

        try:
            self._loop.run_until_complete(main())
        finally:
            self._loop.close()

    def __enter__(self) -> WsServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        stop = self._stop
        if stop is not None:
            self._loop.call_soon_threadsafe(stop.set)
        self._thread.join(10)

    def wait_for(self, n: int, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < n and time.monotonic() < deadline:
            self.got.wait(0.05)
            self.got.clear()
        assert len(self.received) >= n, self.received


META = {"universe": [{"name": "BTC", "szDecimals": 5}]}
SPOT_META: dict[str, Any] = {"universe": [], "tokens": []}


def test_websocket_messages_are_charged() -> None:
    with WsServer() as server:
        info = hs.info(server.url, skip_ws=False, meta=META, spot_meta=SPOT_META)
        try:
            limiter = hs.limiter_of(info)
            assert stat(limiter, "ws_new_connections").used == 1  # charged before it opened
            info.subscribe({"type": "l2Book", "coin": "BTC"}, lambda msg: None)
            info.subscribe({"type": "trades", "coin": "BTC"}, lambda msg: None)
            server.wait_for(2)
            assert [m["method"] for m in server.received] == ["subscribe", "subscribe"]
            assert stat(limiter, "ws_messages").used == 2
            # concurrent counts are leased, never charged per message
            assert {s.limit for s in limiter.statistics()} == {"ws_new_connections", "ws_messages"}
        finally:
            info.disconnect_websocket()


def test_limit_charges_an_open_websocket_after_the_fact() -> None:
    with WsServer() as server:
        info = Info(server.url, skip_ws=False, meta=META, spot_meta=SPOT_META)
        try:
            hs.limit(info)
            limiter = hs.limiter_of(info)
            assert stat(limiter, "ws_new_connections").used == 1
            info.subscribe({"type": "allMids"}, lambda msg: None)
            server.wait_for(1)
            assert stat(limiter, "ws_messages").used == 1
        finally:
            info.disconnect_websocket()


# --------------------------------------------------------------------------------------------
# guards


def test_limit_refuses_what_it_cannot_limit(mock: MockVenue) -> None:
    info = Info(mock.url, skip_ws=True)
    hs.limit(info)
    with pytest.raises(ValueError, match="already rate limited"):
        hs.limit(info)
    with pytest.raises(TypeError, match="Info or Exchange"):
        hs.limit(object())
    with pytest.raises(ValueError, match="Hyperliquid"):
        hs.limit(Info(mock.url, skip_ws=True), venue="binance")
    with pytest.raises(ValueError, match="not rate limited"):
        hs.limiter_of(Info(mock.url, skip_ws=True))
    with pytest.raises(ValueError, match="proxy_pool"):
        hs.limit(Info(mock.url, skip_ws=True), proxy_pool=["127.0.0.1"])  # no port: refused before sending


def test_the_installed_sdk_is_a_supported_version() -> None:
    installed = installed_version(hs.DISTRIBUTION)
    assert installed is not None
    parsed = parse_version(installed)
    assert parsed is not None and hs.MINIMUM <= parsed < hs.BELOW


@pytest.mark.parametrize("version", ["0.19.0", "0.25.0", "1.0", None, "garbage"])
def test_untested_versions_are_refused_unless_allowed(version: str | None) -> None:
    with pytest.raises(UnsupportedVersion, match=r"allow_untested=True") as refused:
        check_version(hs.DISTRIBUTION, version, hs.MINIMUM, hs.BELOW)
    assert refused.value.supported == hs.SUPPORTED
    check_version(hs.DISTRIBUTION, version, hs.MINIMUM, hs.BELOW, allow_untested=True)


@pytest.mark.parametrize("version", ["0.20.0", "0.22.1", "0.24.0", "0.24.9rc1"])
def test_supported_versions_pass(version: str) -> None:
    check_version(hs.DISTRIBUTION, version, hs.MINIMUM, hs.BELOW)


def test_a_missing_client_names_the_extra_to_install() -> None:
    code = "import sys; sys.modules['hyperliquid'] = None; import ratekeeper.adapters.hyperliquid_sdk"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "pip install 'ratekeeper[hyperliquid-sdk]'" in out.stderr
