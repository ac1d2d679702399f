"""MockVenue: the referee server. Driven with plain requests / aiohttp clients (no limiter).

Window tests move a FakeClock the mock reads; nothing here sleeps to measure time.
"""

from __future__ import annotations

import asyncio
import importlib
import itertools
import math
import sys
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

pytest.importorskip("aiohttp", reason="MockVenue needs the ratekeeper[mock] extra (aiohttp)")
pytest.importorskip("requests", reason="these tests drive the mock with requests")

import aiohttp
import requests
from requests.adapters import HTTPAdapter

import ratekeeper.testing
from ratekeeper.testing import FakeClock, MockVenue
from ratekeeper.testing.mock_venue import MockStats, serve_forever

LOCAL = "127.0.0.1"
PERIOD = 2.0
SCALE = PERIOD / 60


class SourceAddressAdapter(HTTPAdapter):
    """Sends from a chosen local address, as a request through another egress IP would."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        pool_kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)


def session_from(source: str | None = None) -> requests.Session:
    s = requests.Session()
    if source is not None:
        s.mount("http://", SourceAddressAdapter(source))
    return s


_open_sessions: list[requests.Session] = []


@pytest.fixture(autouse=True)
def _close_sessions() -> Iterator[None]:
    yield
    while _open_sessions:
        _open_sessions.pop().close()


class Client:
    """A plain HTTP client for one mock (keep-alive session, closed after the test)."""

    def __init__(self, mock: MockVenue, source: str | None = None) -> None:
        self.mock = mock
        self.session = session_from(source)
        _open_sessions.append(self.session)

    def info(self, payload: Mapping[str, Any], **headers: str) -> requests.Response:
        return self.session.post(self.mock.url + "/info", json=payload, headers=headers)

    def exchange(self, action: Mapping[str, Any], **extra: Any) -> requests.Response:
        headers = extra.pop("headers", {})
        body = {"action": action, "nonce": 1, "signature": {"r": "0x0", "s": "0x0", "v": 27}, **extra}
        return self.session.post(self.mock.url + "/exchange", json=body, headers=headers)

    def get(self, path: str, key: str | None = None, **params: Any) -> requests.Response:
        headers = {"X-MBX-APIKEY": key} if key else {}
        return self.session.get(self.mock.url + path, params=params, headers=headers)

    def send(self, method: str, path: str, key: str | None = "key-1", **params: Any) -> requests.Response:
        headers = {"X-MBX-APIKEY": key} if key else {}
        return self.session.request(method, self.mock.url + path, params=params, headers=headers)


def weight(mock: MockVenue, ip: str = LOCAL) -> float:
    return mock.stats.weight_by_ip.get(ip, 0.0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=1000.0)


@pytest.fixture
def hl(clock: FakeClock) -> Iterator[MockVenue]:
    with MockVenue("hyperliquid", period=PERIOD, clock=clock.now) as mock:
        yield mock


@pytest.fixture
def bn(clock: FakeClock) -> Iterator[MockVenue]:
    with MockVenue("binance", period=PERIOD, clock=clock.now) as mock:
        yield mock


def order(asset: int = 0, px: str = "65000", sz: str = "0.01", tif: str = "Gtc", **extra: Any) -> dict[str, Any]:
    return {"a": asset, "b": True, "p": px, "s": sz, "r": False, "t": {"limit": {"tif": tif}}, **extra}


def orders(n: int) -> dict[str, Any]:
    return {"type": "order", "orders": [order() for _ in range(n)], "grouping": "na"}


def cancels(n: int) -> dict[str, Any]:
    return {"type": "cancel", "cancels": [{"a": 0, "o": i} for i in range(n)]}


# ---------------------------------------------------------------------------------------
# construction and lifecycle
# ---------------------------------------------------------------------------------------


def test_constructor_validates_and_url_needs_a_running_server() -> None:
    with pytest.raises(ValueError, match=r"unknown venue 'nowhere'.*binance, bybit, hyperliquid, okx"):
        MockVenue("nowhere")
    for bad in (0, -1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="period"):
            MockVenue("hyperliquid", period=bad)
    with pytest.raises(TypeError):
        MockVenue("hyperliquid", no_such_option=1)
    with pytest.raises(TypeError, match=r"FakeClock\(\)\.now"):
        MockVenue("hyperliquid", clock=FakeClock())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="item_rounding"):
        MockVenue("hyperliquid", item_rounding="round")
    mock = MockVenue("Hyperliquid")
    assert mock.venue == "hyperliquid" and mock.period == 60.0 and mock.capacity == 1200
    with pytest.raises(RuntimeError, match="not running"):
        _ = mock.url
    with mock:
        assert mock.running and mock.url.startswith("http://127.0.0.1:")
        with pytest.raises(RuntimeError, match="already running"):
            mock.start()
    assert not mock.running
    mock.stop()  # idempotent


def test_real_clock_smoke() -> None:
    with MockVenue("hyperliquid", period=2) as mock:
        r = requests.post(mock.url + "/info", json={"type": "l2Book", "coin": "BTC"})
        assert r.status_code == 200 and r.json()["coin"] == "BTC"
        assert mock.stats.accepted == 1 and weight(mock) == 2


def test_lazy_export_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ratekeeper.testing.MockVenue is MockVenue
    assert "MockVenue" in ratekeeper.testing.__all__
    monkeypatch.setitem(sys.modules, "aiohttp", None)  # makes `import aiohttp` fail
    monkeypatch.delitem(sys.modules, "ratekeeper.testing.mock_venue")
    with pytest.raises(ImportError, match=r"ratekeeper\[mock\]"):
        _ = ratekeeper.testing.MockVenue
    with pytest.raises(AttributeError):
        _ = ratekeeper.testing.NoSuchThing
    monkeypatch.undo()
    importlib.import_module("ratekeeper.testing.mock_venue")


def test_unknown_paths_and_methods_are_not_charged(hl: MockVenue) -> None:
    assert requests.post(hl.url + "/nothing", json={}).status_code == 404
    assert requests.get(hl.url + "/info").status_code == 405
    assert hl.stats.accepted == 0 and weight(hl) == 0


# ---------------------------------------------------------------------------------------
# Hyperliquid: weights
# ---------------------------------------------------------------------------------------


INFO_CASES: list[tuple[dict[str, Any], int]] = [
    ({"type": "l2Book", "coin": "BTC"}, 2),
    ({"type": "allMids"}, 2),
    ({"type": "clearinghouseState", "user": "0x1"}, 2),
    ({"type": "orderStatus", "user": "0x1", "oid": 1}, 2),
    ({"type": "spotClearinghouseState", "user": "0x1"}, 2),
    ({"type": "exchangeStatus"}, 2),
    ({"type": "userRole", "user": "0x1"}, 60),
    ({"type": "meta"}, 20),
    ({"type": "metaAndAssetCtxs"}, 20),
    ({"type": "openOrders", "user": "0x1"}, 20),
    ({"type": "frontendOpenOrders", "user": "0x1"}, 20),
    ({"type": "userRateLimit", "user": "0x1"}, 20),
    ({"type": "userFees", "user": "0x1"}, 20),
]


@pytest.mark.parametrize(("payload", "expected"), INFO_CASES, ids=[c[0]["type"] for c in INFO_CASES])
def test_info_weight_per_type(hl: MockVenue, payload: dict[str, Any], expected: int) -> None:
    r = Client(hl).info(payload)
    assert r.status_code == 200, r.text
    assert weight(hl) == expected
    assert hl.stats.requests_by_type == {f"info:{payload['type']}": 1}


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (orders(1), 1),
        (orders(39), 1),
        (orders(40), 2),
        (orders(79), 2),
        (orders(80), 3),
        (cancels(40), 2),
        ({"type": "batchModify", "modifies": [{"oid": i, "order": order()} for i in range(120)]}, 4),
        ({"type": "updateLeverage", "asset": 0, "isCross": True, "leverage": 5}, 1),
        ({"type": "scheduleCancel", "time": 1}, 1),
    ],
)
def test_exchange_weight_is_one_plus_batch_over_40(hl: MockVenue, action: dict[str, Any], expected: int) -> None:
    r = Client(hl).exchange(action)
    assert r.status_code == 200 and r.json()["status"] == "ok", r.text
    assert weight(hl) == expected


def test_explorer_weight_and_unknown_types(hl: MockVenue) -> None:
    c = Client(hl)
    r = c.session.post(hl.url + "/explorer", json={"type": "blockDetails", "height": 7})
    assert r.status_code == 200 and r.json()["blockDetails"]["height"] == 7
    assert weight(hl) == 40
    # an unknown info type, a missing type and garbage are answered like the venue's
    # deserializer (422, plain text) and charged the default 20 — the conservative reading
    for body in ({"type": "noSuchType"}, {"coin": "BTC"}):
        r = c.info(body)
        assert r.status_code == 422 and "deserialize" in r.text
    r = c.session.post(hl.url + "/info", data=b"not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert weight(hl) == 40 + 3 * 20
    r = c.exchange({"type": "noSuchAction"})
    assert r.status_code == 422 and weight(hl) == 40 + 3 * 20 + 1
    assert hl.stats.errors_by_kind["bad_request"] == 4
    assert hl.stats.requests_by_type["info:?"] == 3


# ---------------------------------------------------------------------------------------
# Hyperliquid: items returned
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("items", "extra"), [(0, 0), (1, 1), (20, 1), (21, 2), (45, 3), (2000, 100), (5000, 100)])
def test_item_extra_weight_is_ceil_items_over_20(hl: MockVenue, items: int, extra: int) -> None:
    r = Client(hl).info({"type": "userFills", "user": "0xabc"}, **{"X-Mock-Items": str(items)})
    assert r.status_code == 200
    fills = r.json()
    assert len(fills) == min(items, 2000)  # userFills returns at most 2000
    assert weight(hl) == 20 + extra


def test_item_count_from_body_field_default_and_aggregation(hl: MockVenue) -> None:
    c = Client(hl)
    fills = c.info({"type": "userFills", "user": "0xabc", "mockItems": 41}).json()
    assert len(fills) == 41 and weight(hl) == 20 + 3
    assert set(fills[0]) >= {"coin", "px", "sz", "side", "time", "oid", "tid", "fee", "closedPnl", "hash", "dir"}
    hl.reset()
    # with aggregateByTime the partial fills of one order at one time come back as one
    agg = c.info({"type": "userFills", "user": "0xabc", "mockItems": 41, "aggregateByTime": True}).json()
    assert len(agg) == 21 and weight(hl) == 20 + 2
    assert len({(f["oid"], f["time"]) for f in agg}) == 21
    hl.reset()
    assert len(c.info({"type": "userFills", "user": "0xabc"}).json()) == 100  # the default
    assert weight(hl) == 25
    hl.set_items("userFills", 7)
    hl.reset()
    assert len(c.info({"type": "recentTrades", "coin": "ETH"}).json()) == 10
    assert len(c.info({"type": "userFills", "user": "0xabc"}).json()) == 7
    assert weight(hl) == (20 + 1) + (20 + 1)
    with pytest.raises(ValueError, match="returns no counted items"):
        hl.set_items("l2Book", 3)


def test_floor_rounding_option(clock: FakeClock) -> None:
    with MockVenue("hyperliquid", period=PERIOD, clock=clock.now, item_rounding="floor") as mock:
        c = Client(mock)
        c.info({"type": "userFills", "user": "0x1"}, **{"X-Mock-Items": "45"})
        assert weight(mock) == 22
        c.info({"type": "userFills", "user": "0x1"}, **{"X-Mock-Items": "19"})
        assert weight(mock) == 22 + 20


def test_candles_for_the_requested_range_capped_at_5000(hl: MockVenue, clock: FakeClock) -> None:
    clock.set(1_700_000_000.0)
    c = Client(hl)
    now_ms = int(clock.now() * 1000)
    minute = 60_000
    end = (now_ms // minute) * minute
    start = end - 59 * minute
    candles = c.info({"type": "candleSnapshot", "req": {"coin": "BTC", "interval": "1m", "startTime": start}}).json()
    assert len(candles) == 60
    assert [k["t"] for k in candles] == [start + i * minute for i in range(60)]
    assert set(candles[0]) == {"t", "T", "s", "i", "o", "c", "h", "l", "v", "n"}
    assert candles[0]["T"] == start + minute - 1 and candles[0]["s"] == "BTC" and candles[0]["i"] == "1m"
    assert weight(hl) == 20 + 1  # ceil(60 / 60)
    hl.reset()
    c.info({"type": "candleSnapshot", "req": {"coin": "BTC", "interval": "1m", "startTime": start - minute}})
    assert weight(hl) == 20 + 2  # 61 candles
    hl.reset()
    req = {"coin": "ETH", "interval": "1h", "startTime": 0, "endTime": now_ms}
    assert len(c.info({"type": "candleSnapshot", "req": req}).json()) == 5000  # only the latest 5000
    assert weight(hl) == 20 + 84
    hl.reset()
    quarter = (now_ms // 900_000) * 900_000
    req = {"coin": "ETH", "interval": "15m", "startTime": quarter - 10 * 900_000, "endTime": quarter - 5 * 900_000}
    candles = c.info({"type": "candleSnapshot", "req": req}).json()
    assert len(candles) == 6 and all(req["startTime"] <= k["t"] <= req["endTime"] for k in candles)


def test_funding_history_hourly_points_in_range(hl: MockVenue, clock: FakeClock) -> None:
    now_ms = int(clock.now() * 1000)
    hour = 3_600_000
    start = (now_ms // hour - 24) * hour
    points = Client(hl).info({"type": "fundingHistory", "coin": "ETH", "startTime": start}).json()
    assert len(points) == 25 and set(points[0]) == {"coin", "fundingRate", "premium", "time"}
    assert weight(hl) == 20 + 2


def test_items_must_fit_option_refuses_before_answering(clock: FakeClock) -> None:
    with MockVenue("hyperliquid", period=PERIOD, clock=clock.now, items_must_fit=True) as mock:
        c = Client(mock)
        for _ in range(19):
            assert c.info({"type": "userRole", "user": "0x1"}).status_code == 200
        assert weight(mock) == 1140
        # 20 base + ceil(45 / 20) = 23 fits in the 60 left
        assert c.info({"type": "userFills", "user": "0x1"}, **{"X-Mock-Items": "45"}).status_code == 200
        assert weight(mock) == 1163
        # 20 base fits in 37, but 20 + 20 (400 items) does not: refused whole
        r = c.info({"type": "userFills", "user": "0x1"}, **{"X-Mock-Items": "400"})
        assert r.status_code == 429 and weight(mock) == 1163


def test_items_charged_after_may_overfill_the_window(hl: MockVenue) -> None:
    c = Client(hl)
    for _ in range(19):
        c.info({"type": "userRole", "user": "0x1"})
    # base 20 fits in the 60 left; the 100 extra weight of 2000 fills is charged after
    r = c.info({"type": "userFills", "user": "0x1"}, **{"X-Mock-Items": "2000"})
    assert r.status_code == 200 and len(r.json()) == 2000
    assert weight(hl) == 1140 + 120
    assert hl.stats.max_window_weight_by_ip[LOCAL] == 1260
    assert c.info({"type": "l2Book", "coin": "BTC"}).status_code == 429


# ---------------------------------------------------------------------------------------
# Hyperliquid: the IP budget
# ---------------------------------------------------------------------------------------


def test_429_with_null_body_and_nothing_charged(hl: MockVenue) -> None:
    c = Client(hl)
    for _ in range(20):
        assert c.info({"type": "userRole", "user": "0x1"}).status_code == 200
    assert weight(hl) == 1200
    for payload in ({"type": "l2Book", "coin": "BTC"}, {"type": "meta"}):
        r = c.info(payload)
        assert r.status_code == 429
        assert r.text == "null" and r.json() is None
        assert r.headers["Content-Type"].startswith("application/json")
    r = c.exchange(orders(1))
    assert r.status_code == 429 and r.json() is None
    s = hl.stats
    assert weight(hl) == 1200 and s.accepted == 20 and s.rejected_429 == 3 and s.rejected_418 == 0
    assert s.rejected_by_type == {"info:l2Book": 1, "info:meta": 1, "exchange:order": 1}
    assert s.max_window_weight_by_ip[LOCAL] == 1200


def test_sliding_window_any_interval_of_one_period(hl: MockVenue, clock: FakeClock) -> None:
    c = Client(hl)

    def user_role() -> int:
        return c.info({"type": "userRole", "user": "0x1"}).status_code

    for _ in range(10):  # 600 at t = 0
        assert user_role() == 200
    clock.advance(1.0)
    for _ in range(10):  # 600 at t = 1
        assert user_role() == 200
    assert user_role() == 429
    clock.set(1001.999)  # t = 1.999: the first 600 still count
    assert user_role() == 429
    clock.set(1002.0)  # t = 2.0: they have left the window (t - period, t]
    for _ in range(10):
        assert user_role() == 200
    assert user_role() == 429  # a fixed window would have reset everything here; sliding does not
    clock.set(1003.0)  # t = 3.0: the 600 of t = 1 leave
    assert user_role() == 200
    s = hl.stats
    assert s.rejected_429 == 3 and s.accepted == 31
    assert s.max_window_weight_by_ip[LOCAL] == 1200
    assert s.weight_by_ip[LOCAL] == 31 * 60
    # the venue's own timeline, window by window from the reset: [0, 2) [2, 4)
    assert s.weight_by_window == (1200.0, 11 * 60.0)
    assert s.as_dict()["weight_by_window"] == [1200.0, 660.0]


def test_each_source_ip_has_its_own_budget(hl: MockVenue) -> None:
    local, other = Client(hl), Client(hl, source="127.0.0.2")
    for _ in range(20):
        local.info({"type": "userRole", "user": "0x1"})
    assert local.info({"type": "allMids"}).status_code == 429
    r = other.info({"type": "allMids"})
    assert r.status_code == 200 and "BTC" in r.json()
    for _ in range(19):
        assert other.info({"type": "userRole", "user": "0x1"}).status_code == 200
    s = hl.stats
    assert s.weight_by_ip == {LOCAL: 1200, "127.0.0.2": 1142}
    assert s.requests_by_ip == {LOCAL: 20, "127.0.0.2": 20}
    assert s.budget_share_by_ip.keys() == {LOCAL, "127.0.0.2"}


async def test_async_mode_with_aiohttp_clients_from_two_addresses(clock: FakeClock) -> None:
    async with MockVenue("hyperliquid", period=PERIOD, clock=clock.now) as mock:
        connectors = [aiohttp.TCPConnector(local_addr=(ip, 0)) for ip in ("127.0.0.1", "127.0.0.3")]
        sessions = [aiohttp.ClientSession(connector=conn) for conn in connectors]
        try:

            async def post(session: aiohttp.ClientSession, payload: dict[str, Any]) -> tuple[int, Any]:
                async with session.post(mock.url + "/info", json=payload) as r:
                    return r.status, await r.json(content_type=None)

            results = await asyncio.gather(*(post(s, {"type": "userRole", "user": "0x1"}) for s in sessions * 21))
            assert sorted(status for status, _ in results) == [200] * 40 + [429] * 2
            assert all(body is None for status, body in results if status == 429)
            status, book = await post(sessions[1], {"type": "l2Book", "coin": "SOL"})
            assert status == 429 and book is None
        finally:
            for s in sessions:
                await s.close()
        stats = mock.stats
        assert stats.weight_by_ip == {"127.0.0.1": 1200, "127.0.0.3": 1200}
        assert stats.rejected_429 == 3
    assert not mock.running


# ---------------------------------------------------------------------------------------
# Hyperliquid: the address quota
# ---------------------------------------------------------------------------------------


def rate_limit(c: Client, user: str) -> dict[str, Any]:
    body = c.info({"type": "userRateLimit", "user": user}).json()
    assert isinstance(body, dict)
    return body


def test_user_rate_limit_reports_the_cap_from_volume(hl: MockVenue) -> None:
    c = Client(hl)
    assert rate_limit(c, "0xAB") == {"cumVlm": "0.0", "nRequestsUsed": 0, "nRequestsCap": 10000, "nRequestsSurplus": 0}
    hl.set_user_volume("0xab", 87197.94)
    c.exchange(orders(3), headers={"X-Mock-User": "0xAb"})
    assert rate_limit(c, "0xab") == {
        "cumVlm": "87197.94",
        "nRequestsUsed": 3,
        "nRequestsCap": 97197,
        "nRequestsSurplus": 0,
    }
    c.exchange({"type": "reserveRequestWeight", "weight": 10}, headers={"X-Mock-User": "0xab"})
    assert rate_limit(c, "0xab")["nRequestsSurplus"] == 6  # 10 reserved - 4 used
    assert rate_limit(c, "0xab")["nRequestsUsed"] == 0
    with pytest.raises(ValueError, match="volume"):
        hl.set_user_volume("0xab", -1)


def test_address_quota_batches_throttle_and_error_body(clock: FakeClock) -> None:
    with MockVenue("hyperliquid", period=PERIOD, clock=clock.now, address_initial=10) as mock:
        c = Client(mock)
        alice = {"headers": {"X-Mock-User": "0xA11CE"}}
        r = c.exchange(orders(8), **alice)
        assert r.json()["status"] == "ok" and rate_limit(c, "0xa11ce")["nRequestsUsed"] == 8
        r = c.exchange(orders(3), **alice)  # 11 > 10: refused whole, nothing charged
        assert r.status_code == 200
        assert r.json() == {
            "status": "err",
            "response": "Too many cumulative requests sent (11 > 10) for cumulative volume traded $0. "
            "Place taker orders to free up 1 request per USDC traded.",
        }
        assert rate_limit(c, "0xa11ce")["nRequestsUsed"] == 8
        assert c.exchange(orders(2), **alice).json()["status"] == "ok"  # exactly the cap
        # exhausted: one action per 10 s (scaled: 10 * 2 / 60 s) after the last one let through
        assert c.exchange(orders(1), **alice).json()["status"] == "err"
        start = clock.now()
        clock.set(start + 10 * SCALE * 0.9)
        assert c.exchange(orders(1), **alice).json()["status"] == "err"  # refusals do not restart it
        clock.set(start + 10 * SCALE)
        assert c.exchange(orders(1), **alice).json()["status"] == "ok"
        assert c.exchange(orders(1), **alice).json()["status"] == "err"
        # cancels may go on up to min(cap + 100000, 2 * cap) = 20
        assert c.exchange(cancels(9), **alice).json()["status"] == "ok"
        assert c.exchange(cancels(1), **alice).json()["status"] == "err"
        # other addresses are separate: the body's "user" field, then vaultAddress
        assert c.exchange(orders(10), user="0xB0B").json()["status"] == "ok"
        assert c.exchange(orders(10), vaultAddress="0xVAULT").json()["status"] == "ok"
        assert c.exchange(orders(1)).json()["status"] == "ok"  # the default user
        assert rate_limit(c, "0xb0b")["nRequestsUsed"] == 10
        # volume raises the cap: 10 + floor(5.7) = 15
        mock.set_user_volume("0xb0b", 5.7)
        assert c.exchange(orders(5), user="0xb0b").json()["status"] == "ok"
        msg = c.exchange(orders(1), user="0xb0b").json()["response"]
        assert msg.startswith("Too many cumulative requests sent (16 > 15) for cumulative volume traded $5.7.")
        s = mock.stats
        assert s.errors_by_kind["address_quota"] == 6
        assert s.rejected_429 == 0  # the address limit is a body-level error with HTTP 200


def test_ioc_fills_add_volume_that_frees_requests(clock: FakeClock) -> None:
    with MockVenue("hyperliquid", period=PERIOD, clock=clock.now, address_initial=2) as mock:
        c = Client(mock)
        r = c.exchange({"type": "order", "orders": [order(px="100", sz="3", tif="Ioc", asset=2)]}, user="0x1")
        assert r.json()["response"]["data"]["statuses"] == [
            {"filled": {"totalSz": "3.0", "avgPx": "100.0", "oid": 1000001}}
        ]
        assert rate_limit(c, "0x1") == {
            "cumVlm": "300.0",
            "nRequestsUsed": 1,
            "nRequestsCap": 302,
            "nRequestsSurplus": 0,
        }


def test_batch_over_200_is_refused_whole(hl: MockVenue) -> None:
    c = Client(hl)
    r = c.exchange(cancels(201), user="0x1")
    assert r.status_code == 200
    assert r.json() == {"status": "err", "response": "Signed action over weight limit of 200."}
    assert weight(hl) == 1 + 201 // 40  # the IP weight is spent, the address is not
    assert rate_limit(c, "0x1")["nRequestsUsed"] == 0
    assert c.exchange(cancels(200), user="0x1").json()["status"] == "ok"
    assert rate_limit(c, "0x1")["nRequestsUsed"] == 200
    assert hl.stats.errors_by_kind == {"batch_over_200": 1}


# ---------------------------------------------------------------------------------------
# Hyperliquid: bodies
# ---------------------------------------------------------------------------------------


def test_orders_cancels_and_open_orders_in_hyperliquids_shape(hl: MockVenue) -> None:
    c = Client(hl)
    batch = {
        "type": "order",
        "orders": [order(), order(px="1", sz="1"), order(asset=99), order(cloid="x", c="0x" + "1" * 32)],
        "grouping": "na",
    }
    r = c.exchange(batch, user="0x1").json()
    assert r["status"] == "ok" and r["response"]["type"] == "order"
    statuses = r["response"]["data"]["statuses"]
    assert statuses[0] == {"resting": {"oid": 1000001}}
    assert statuses[1] == {"error": "Order must have minimum value of $10."}
    assert statuses[2] == {"error": "Invalid asset."}
    assert statuses[3] == {"resting": {"oid": 1000002, "cloid": "0x" + "1" * 32}}
    open_orders = c.info({"type": "openOrders", "user": "0x1"}).json()
    assert [o["oid"] for o in open_orders] == [1000001, 1000002]
    assert set(open_orders[0]) >= {"coin", "limitPx", "oid", "side", "sz", "timestamp"}
    status = c.info({"type": "orderStatus", "user": "0x1", "oid": 1000001}).json()
    assert status["status"] == "order" and status["order"]["status"] == "open"
    cancel = {"type": "cancel", "cancels": [{"a": 0, "o": 1000001}, {"a": 0, "o": 5}]}
    r = c.exchange(cancel, user="0x1").json()
    assert r == {
        "status": "ok",
        "response": {
            "type": "cancel",
            "data": {"statuses": ["success", {"error": "Order was never placed, already canceled, or filled."}]},
        },
    }
    by_cloid = {"type": "cancelByCloid", "cancels": [{"asset": 0, "cloid": "0x" + "1" * 32}]}
    assert c.exchange(by_cloid, user="0x1").json()["response"]["data"]["statuses"] == ["success"]
    assert c.info({"type": "openOrders", "user": "0x1"}).json() == []
    assert c.info({"type": "orderStatus", "user": "0x1", "oid": 1000001}).json() == {"status": "unknownOid"}
    assert c.exchange({"type": "updateLeverage", "asset": 0, "isCross": True, "leverage": 3}).json() == {
        "status": "ok",
        "response": {"type": "default"},
    }


def test_market_data_bodies(hl: MockVenue, clock: FakeClock) -> None:
    c = Client(hl)
    book = c.info({"type": "l2Book", "coin": "ETH"}).json()
    bids, asks = book["levels"]
    assert book["coin"] == "ETH" and book["time"] == int(clock.now() * 1000)
    assert len(bids) == len(asks) == 20 and set(bids[0]) == {"px", "sz", "n"}
    assert float(bids[0]["px"]) < float(asks[0]["px"])
    assert all(float(a["px"]) > float(b["px"]) for a, b in itertools.pairwise(bids))
    assert c.info({"type": "l2Book", "coin": "NOPE"}).json() is None
    mids = c.info({"type": "allMids"}).json()
    assert mids["BTC"] == "65000.0" and all(isinstance(v, str) for v in mids.values())
    meta = c.info({"type": "meta"}).json()
    assert [u["name"] for u in meta["universe"]][:2] == ["BTC", "ETH"]
    state = c.info({"type": "clearinghouseState", "user": "0x1"}).json()
    assert state["marginSummary"]["accountValue"] == "10000.0" and state["assetPositions"] == []
    trades = c.info({"type": "recentTrades", "coin": "BTC"}).json()
    assert len(trades) == 10 and set(trades[0]) >= {"coin", "side", "px", "sz", "time", "hash", "tid"}
    ctxs = c.info({"type": "metaAndAssetCtxs"}).json()
    assert len(ctxs) == 2 and len(ctxs[1]) == len(ctxs[0]["universe"])


# ---------------------------------------------------------------------------------------
# Binance
# ---------------------------------------------------------------------------------------


def used_header(r: requests.Response) -> int:
    assert r.headers["X-MBX-USED-WEIGHT"] == r.headers["X-MBX-USED-WEIGHT-1M"]
    return int(r.headers["X-MBX-USED-WEIGHT-1M"])


BINANCE_CASES: list[tuple[str, str, dict[str, Any], int]] = [
    ("GET", "/api/v3/ping", {}, 1),
    ("GET", "/api/v3/time", {}, 1),
    ("GET", "/api/v3/exchangeInfo", {}, 20),
    ("GET", "/api/v3/depth", {"symbol": "BTCUSDT"}, 5),
    ("GET", "/api/v3/depth", {"symbol": "BTCUSDT", "limit": 100}, 5),
    ("GET", "/api/v3/depth", {"symbol": "BTCUSDT", "limit": 101}, 25),
    ("GET", "/api/v3/depth", {"symbol": "BTCUSDT", "limit": 500}, 25),
    ("GET", "/api/v3/depth", {"symbol": "BTCUSDT", "limit": 1000}, 50),
    ("GET", "/api/v3/depth", {"symbol": "BTCUSDT", "limit": 5000}, 250),
    ("GET", "/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1m"}, 2),
    ("GET", "/api/v3/trades", {"symbol": "BTCUSDT"}, 25),
    ("GET", "/api/v3/aggTrades", {"symbol": "BTCUSDT"}, 4),
    ("GET", "/api/v3/ticker/price", {"symbol": "BTCUSDT"}, 2),
    ("GET", "/api/v3/ticker/price", {}, 4),
    ("GET", "/api/v3/ticker/24hr", {"symbol": "BTCUSDT"}, 2),
    ("GET", "/api/v3/ticker/24hr", {}, 80),
    ("GET", "/api/v3/account", {}, 20),
    ("GET", "/api/v3/openOrders", {"symbol": "BTCUSDT"}, 6),
    ("GET", "/api/v3/openOrders", {}, 80),
    ("GET", "/api/v3/myTrades", {"symbol": "BTCUSDT"}, 20),
    ("GET", "/api/v3/rateLimit/order", {}, 40),
]


@pytest.mark.parametrize(("method", "path", "params", "expected"), BINANCE_CASES)
def test_binance_request_weights_and_used_weight_header(
    bn: MockVenue, method: str, path: str, params: dict[str, Any], expected: int
) -> None:
    c = Client(bn)
    r = c.send(method, path, **params)
    assert r.status_code == 200, r.text
    assert used_header(r) == expected and weight(bn) == expected
    r = c.send(method, path, **params)
    assert used_header(r) == 2 * expected


def test_binance_bodies(bn: MockVenue, clock: FakeClock) -> None:
    c = Client(bn)
    info = c.get("/api/v3/exchangeInfo").json()
    assert info["rateLimits"][0] == {
        "rateLimitType": "REQUEST_WEIGHT",
        "interval": "MINUTE",
        "intervalNum": 1,
        "limit": 6000,
        "mockIntervalSeconds": PERIOD,
    }
    assert {s["symbol"] for s in info["symbols"]} >= {"BTCUSDT", "ETHUSDT"}
    depth = c.get("/api/v3/depth", symbol="ETHUSDT", limit=10).json()
    assert len(depth["bids"]) == len(depth["asks"]) == 10 and float(depth["bids"][0][0]) < float(depth["asks"][0][0])
    klines = c.get("/api/v3/klines", symbol="BTCUSDT", interval="1h", limit=24).json()
    assert len(klines) == 24 and len(klines[0]) == 12
    assert klines[-1][0] <= int(clock.now() * 1000) < klines[-1][6] + 1
    assert c.get("/api/v3/ticker/price", symbol="BTCUSDT").json() == {"symbol": "BTCUSDT", "price": "65000.00000000"}
    assert c.get("/api/v3/time").json() == {"serverTime": int(clock.now() * 1000)}
    r = c.get("/api/v3/depth", symbol="NOPE")
    assert r.status_code == 400 and r.json() == {"code": -1121, "msg": "Invalid symbol."}
    assert weight(bn) == 20 + 5 + 2 + 2 + 1 + 5  # failed market-data requests pay their weight
    r = c.get("/api/v3/account")
    assert r.status_code == 401 and r.json()["code"] == -2014
    assert c.get("/api/v3/nothing").status_code == 404


def test_binance_fixed_windows_are_clock_aligned(bn: MockVenue, clock: FakeClock) -> None:
    c = Client(bn)
    clock.set(1001.0)  # windows of 2 s: [1000, 1002), [1002, 1004) ...
    for i in range(24):
        r = c.get("/api/v3/depth", symbol="BTCUSDT", limit=5000)
        assert r.status_code == 200 and used_header(r) == 250 * (i + 1)
    clock.set(1002.0)  # a new window: all 6000 again at once (a sliding window would refuse)
    for _ in range(24):
        assert c.get("/api/v3/depth", symbol="BTCUSDT", limit=5000).status_code == 200
    r = c.get("/api/v3/ping")
    assert r.status_code == 429
    clock.set(1004.0)
    r = c.get("/api/v3/ping")
    assert r.status_code == 200 and used_header(r) == 1
    s = bn.stats
    assert s.max_window_weight_by_ip[LOCAL] == 6000 and s.weight_by_ip[LOCAL] == 12001


def test_binance_429_retry_after_then_418_ban_escalating(bn: MockVenue, clock: FakeClock) -> None:
    c = Client(bn)
    clock.set(1000.5)
    for _ in range(24):
        c.get("/api/v3/depth", symbol="BTCUSDT", limit=5000)
    r = c.get("/api/v3/ping")
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "2"  # ceil(1002 - 1000.5)
    assert r.json()["code"] == -1003 and r.json()["msg"].startswith("Too much request weight used")
    assert used_header(r) == 6000  # the refused request was not charged
    clock.advance(0.1)
    r = c.get("/api/v3/ping")  # kept sending in the same window: banned for 2 min * 2/60 = 4 s
    assert r.status_code == 418 and r.headers["Retry-After"] == "4"
    assert r.json()["code"] == -1003 and "IP banned until 1004600" in r.json()["msg"]
    clock.advance(3.0)  # a new window, but still banned
    r = c.get("/api/v3/ping")
    assert r.status_code == 418 and r.headers["Retry-After"] == "1"
    clock.advance(1.01)
    assert c.get("/api/v3/ping").status_code == 200
    s = bn.stats
    assert (s.rejected_429, s.rejected_418, s.bans) == (1, 2, 1)
    assert s.rejected_by_type == {"GET /api/v3/ping": 3}
    # a second offence: the ban doubles
    clock.set(1006.0)
    for _ in range(24):
        c.get("/api/v3/depth", symbol="BTCUSDT", limit=5000)
    assert c.get("/api/v3/ping").status_code == 429
    r = c.get("/api/v3/ping")
    assert r.status_code == 418 and r.headers["Retry-After"] == "8"
    assert bn.stats.bans == 2
    # another IP is not affected
    assert Client(bn, source="127.0.0.2").get("/api/v3/ping").status_code == 200


def test_binance_ban_grace_option(clock: FakeClock) -> None:
    with MockVenue("binance", period=PERIOD, clock=clock.now, ban_grace=2, weight_limit=10) as mock:
        c = Client(mock)
        for _ in range(10):
            assert c.get("/api/v3/ping").status_code == 200
        assert [c.get("/api/v3/ping").status_code for _ in range(4)] == [429, 429, 429, 418]
        clock.advance(0.5)
        assert c.get("/api/v3/ping").status_code == 418


def test_binance_orders_weigh_zero_on_success_and_one_on_failure(bn: MockVenue, clock: FakeClock) -> None:
    c = Client(bn)
    new = {
        "symbol": "BTCUSDT",
        "side": "BUY",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": "0.01",
        "price": "60000",
    }
    r = c.send("POST", "/api/v3/order", **new)
    assert r.status_code == 200 and used_header(r) == 0
    assert r.headers["X-MBX-ORDER-COUNT-10S"] == "1" and r.headers["X-MBX-ORDER-COUNT-1D"] == "1"
    body = r.json()
    assert body["status"] == "NEW" and body["symbol"] == "BTCUSDT" and body["fills"] == []
    r = c.send("POST", "/api/v3/order", **{k: v for k, v in new.items() if k != "price"})
    assert r.status_code == 400 and r.json()["code"] == -1102 and used_header(r) == 1
    r = c.send("DELETE", "/api/v3/order", symbol="BTCUSDT", orderId=body["orderId"])
    assert r.status_code == 200 and r.json()["status"] == "CANCELED" and used_header(r) == 1
    r = c.send("DELETE", "/api/v3/order", symbol="BTCUSDT", orderId=body["orderId"])
    assert r.status_code == 400 and r.json() == {"code": -2011, "msg": "Unknown order sent."} and used_header(r) == 2
    # an order is admitted even when the weight window is full (it weighs 0 when it succeeds)
    clock.advance(PERIOD)
    for _ in range(24):
        c.get("/api/v3/depth", symbol="BTCUSDT", limit=5000)
    r = c.send("POST", "/api/v3/order", **new)
    assert r.status_code == 200 and used_header(r) == 6000
    s = bn.stats
    assert s.errors_by_kind == {"order_rejected": 2}
    assert s.requests_by_type["POST /api/v3/order"] == 3


def test_binance_order_count_per_api_key(clock: FakeClock) -> None:
    with MockVenue("binance", period=PERIOD, clock=clock.now, orders_per_10s=3) as mock:
        c = Client(mock)
        limit = {
            "symbol": "ETHUSDT",
            "side": "SELL",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "1",
            "price": "4000",
        }
        market = {"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET", "quantity": "1"}
        r = c.send("POST", "/api/v3/order", **market)
        assert r.json()["status"] == "FILLED" and r.headers["X-MBX-ORDER-COUNT-10S"] == "0"  # a fill gives it back
        for i in range(3):
            r = c.send("POST", "/api/v3/order", **limit)
            assert r.status_code == 200 and r.headers["X-MBX-ORDER-COUNT-10S"] == str(i + 1)
        r = c.send("POST", "/api/v3/order", **limit)
        assert r.status_code == 429
        assert r.json() == {"code": -1015, "msg": "Too many new orders; current limit is 3 orders per 10 SECOND."}
        assert used_header(r) == 1  # a refused order pays its documented weight
        assert c.send("POST", "/api/v3/order", key="key-2", **limit).status_code == 200
        open_orders = c.get("/api/v3/openOrders", key="key-1", symbol="ETHUSDT").json()
        assert len(open_orders) == 3
        clock.advance(10 * SCALE)  # the 10 s window (scaled) has moved on
        assert c.send("POST", "/api/v3/order", **limit).status_code == 200
        limits = c.get("/api/v3/rateLimit/order", key="key-1").json()
        assert [(x["interval"], x["count"]) for x in limits] == [("SECOND", 1), ("DAY", 4)]
        s = mock.stats
        assert s.rejected_429 == 1 and s.errors_by_kind == {"orders_429": 1} and s.bans == 0


def test_binance_scaled_header_option(clock: FakeClock) -> None:
    with MockVenue("binance", period=PERIOD, clock=clock.now, scaled_headers=True) as mock:
        r = Client(mock).get("/api/v3/ping")
        assert r.headers["X-MBX-USED-WEIGHT-2S"] == r.headers["X-MBX-USED-WEIGHT-1M"] == "1"


# ---------------------------------------------------------------------------------------
# stats, admin endpoints, serve_forever
# ---------------------------------------------------------------------------------------


def test_stats_snapshot_share_and_reset(hl: MockVenue, clock: FakeClock) -> None:
    c = Client(hl)
    for _ in range(20):
        c.info({"type": "userRole", "user": "0x1"})
    clock.advance(2.0)
    for _ in range(10):
        c.info({"type": "userRole", "user": "0x1"})
    clock.advance(2.0)
    s = hl.stats
    assert isinstance(s, MockStats)
    assert s.elapsed == 4.0 and s.capacity == 1200 and s.period == PERIOD
    assert s.budget_share == pytest.approx(1800 / 2400)
    assert s.budget_share_by_ip == {LOCAL: pytest.approx(0.75)}
    assert s.share_of(2.0, LOCAL) == pytest.approx(1.5)
    with pytest.raises(TypeError):
        s.weight_by_ip[LOCAL] = 0  # type: ignore[index]
    with pytest.raises(AttributeError):
        s.accepted = 0  # type: ignore[misc]
    as_http = requests.get(hl.url + "/_mock/stats").json()
    assert as_http["accepted"] == 30 and as_http["weight_by_ip"] == {LOCAL: 1800}
    assert hl.stats.accepted == 30  # admin requests are not counted
    hl.reset()
    s = hl.stats
    assert (s.accepted, s.rejected_429, dict(s.weight_by_ip), s.started_at) == (0, 0, {}, clock.now())
    assert s.budget_share == 0.0


def test_admin_endpoints(hl: MockVenue) -> None:
    c = Client(hl)
    r = requests.post(hl.url + "/_mock/volume", json={"user": "0xAB", "usd": 500})
    assert r.json() == {"user": "0xab", "usd": 500.0}
    assert rate_limit(c, "0xab")["nRequestsCap"] == 10500
    assert requests.post(hl.url + "/_mock/items", json={"type": "userFills", "n": 3}).status_code == 200
    assert len(c.info({"type": "userFills", "user": "0xab"}).json()) == 3
    assert requests.post(hl.url + "/_mock/items", json={"type": "l2Book", "n": 3}).status_code == 400
    assert requests.post(hl.url + "/_mock/reset").status_code == 200
    assert hl.stats.accepted == 0
    assert requests.get(hl.url + "/_mock/health").json() == {"venue": "hyperliquid", "period": PERIOD}
    assert requests.get(hl.url + "/_mock/nothing").status_code == 404


def test_binance_has_no_user_volume(bn: MockVenue) -> None:
    with pytest.raises(NotImplementedError):
        bn.set_user_volume("0x1", 1)
    with pytest.raises(NotImplementedError):
        bn.set_items("userFills", 1)


def test_serve_forever_until_stopped() -> None:
    stop = threading.Event()
    ready: list[MockVenue] = []
    got = threading.Event()

    def on_ready(mock: MockVenue) -> None:
        ready.append(mock)
        got.set()

    thread = threading.Thread(
        target=serve_forever, args=("binance", 0, 2.0), kwargs={"stop": stop, "on_ready": on_ready}
    )
    thread.start()
    try:
        assert got.wait(10)
        mock = ready[0]
        r = requests.get(mock.url + "/api/v3/exchangeInfo")
        assert r.status_code == 200 and used_header(r) == 20
        assert mock.stats.period == 2.0
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert not ready[0].running


def test_a_port_in_use_fails_at_start() -> None:
    with MockVenue("hyperliquid") as first:
        second = MockVenue("binance", port=first.port)
        with pytest.raises(OSError):
            second.start()
        assert not second.running
        assert requests.post(first.url + "/info", json={"type": "allMids"}).status_code == 200


def test_binance_raw_request_limit(clock: FakeClock) -> None:
    with MockVenue("binance", period=PERIOD, clock=clock.now, raw_requests=5) as mock:
        c = Client(mock)
        assert [c.get("/api/v3/ping").status_code for _ in range(6)] == [200] * 5 + [429]
        r = c.get("/api/v3/time")
        assert r.status_code == 418 and mock.stats.bans == 1
        clock.set(1000.0 + 5 * PERIOD + 4 * SCALE * 60)  # the 5-period window and the ban are over
        assert c.get("/api/v3/ping").status_code == 200
