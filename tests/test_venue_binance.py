"""Binance spot and USD-M futures.

Spot weights: binance-spot-api-docs rest-api.md (HEAD a5e0bc3, 2026-07-21) and CHANGELOG.md
(reference §4.1). USD-M: developers.binance.com derivatives/usds-margined-futures pages
("Request Weight" sections; copies in rosssaunders/coincise), reference §4.3.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pytest

from ratekeeper.venues import InvalidRequest, limits_from_exchange_info, venue
from ratekeeper.venues._model import Request
from ratekeeper.venues.binance import limit_name, symbol_count

SPOT = venue("binance")
USDM = venue("binance_usdm")

# (method, path, params, request_weight) — every spot request also costs 1 raw request
SPOT_READS: list[tuple[str, str, dict[str, Any], float]] = [
    ("GET", "/api/v3/ping", {}, 1),
    ("GET", "/api/v3/time", {}, 1),
    ("GET", "/api/v3/exchangeInfo", {}, 20),  # reference §4.1 example weights
    ("GET", "/api/v3/depth", {"symbol": "BTCUSDT"}, 5),  # default limit 100 → 5
    ("GET", "/api/v3/depth", {"symbol": "BTCUSDT", "limit": 100}, 5),  # ≤100: 5
    ("GET", "/api/v3/depth", {"symbol": "BTCUSDT", "limit": 500}, 25),  # ≤500: 25
    ("GET", "/api/v3/depth", {"symbol": "BTCUSDT", "limit": 1000}, 50),  # ≤1000: 50
    ("GET", "/api/v3/depth", {"symbol": "BTCUSDT", "limit": 5000}, 250),  # ≤5000: 250
    ("GET", "/api/v3/trades", {"symbol": "BTCUSDT"}, 25),  # trades 25
    ("GET", "/api/v3/aggTrades", {"symbol": "BTCUSDT"}, 4),  # aggTrades 4
    ("GET", "/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1m"}, 2),  # klines 2
    ("GET", "/api/v3/ticker/24hr", {"symbol": "BTCUSDT"}, 2),  # 1 symbol: 2
    ("GET", "/api/v3/ticker/24hr", {"symbols": '["A","B"]'}, 2),  # 1-20 symbols: 2
    ("GET", "/api/v3/ticker/24hr", {"symbols": [f"S{i}" for i in range(21)]}, 40),  # 21-100: 40
    ("GET", "/api/v3/ticker/24hr", {"symbols": [f"S{i}" for i in range(101)]}, 80),  # 101+: 80
    ("GET", "/api/v3/ticker/24hr", {}, 80),  # symbol omitted: 80
    ("GET", "/api/v3/ticker/tradingDay", {"symbols": '["A","B","C"]'}, 12),  # 4 per symbol
    ("GET", "/api/v3/ticker", {"symbols": [f"S{i}" for i in range(60)]}, 200),  # capped at 200 beyond 50
    ("GET", "/api/v3/ticker/price", {"symbol": "BTCUSDT"}, 2),
    ("GET", "/api/v3/ticker/price", {}, 4),
    ("GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": 1}, 4),  # query order 4
    ("GET", "/api/v3/openOrders", {"symbol": "BTCUSDT"}, 6),  # one symbol: 6
    ("GET", "/api/v3/openOrders", {}, 80),  # all symbols: 80
    ("GET", "/api/v3/account", {}, 20),  # account 20
    ("GET", "/api/v3/myTrades", {"symbol": "BTCUSDT"}, 20),  # myTrades 20
    ("GET", "/api/v3/myTrades", {"symbol": "BTCUSDT", "orderId": 7}, 5),  # 5 with orderId
    ("GET", "/api/v3/rateLimit/order", {}, 40),  # rateLimit/order 40
    ("POST", "/api/v3/order/test", {"symbol": "BTCUSDT"}, 1),
    ("POST", "/api/v3/order/test", {"symbol": "BTCUSDT", "computeCommissionRates": "true"}, 20),
]


@pytest.mark.parametrize(("method", "path", "params", "weight"), SPOT_READS, ids=lambda x: str(x)[:30])
def test_spot_weights(method: str, path: str, params: dict[str, Any], weight: float) -> None:
    assert SPOT.cost(method, path, params=params) == {"request_weight": weight, "raw_requests": 1}


# (method, path, body, cost) — CHANGELOG 2026-03-27: order requests pay their weight only on failure
SPOT_ORDERS: list[tuple[str, str, float, float]] = [
    ("POST", "/api/v3/order", 1, 1),
    ("POST", "/api/v3/order/cancelReplace", 1, 1),
    ("POST", "/api/v3/orderList/oco", 1, 2),
    ("POST", "/api/v3/orderList/otoco", 1, 3),
    ("POST", "/api/v3/sor/order", 1, 1),
    ("DELETE", "/api/v3/order", 1, 0),
    ("DELETE", "/api/v3/openOrders", 1, 0),
]


@pytest.mark.parametrize(("method", "path", "weight", "orders"), SPOT_ORDERS)
def test_spot_orders_are_charged_up_front_and_refunded_on_success(
    method: str, path: str, weight: float, orders: float
) -> None:
    weighed = SPOT.weigh(method, path, {"symbol": "BTCUSDT"})
    expected: dict[str, float] = {"request_weight": weight, "raw_requests": 1}
    if orders:
        expected |= {"orders_10s": orders, "orders_1d": orders}
    assert dict(weighed.cost) == expected
    assert weighed.kind == "action" and not weighed.idempotent
    assert SPOT.settle(weighed, 200, {}, {"orderId": 1}) == {**expected, "request_weight": 0}
    assert SPOT.settle(weighed, 400, {}, {"code": -2010}) == expected


def test_spot_amend_keep_priority_keeps_its_weight() -> None:
    weighed = SPOT.weigh("PUT", "/api/v3/order/amend/keepPriority", {"symbol": "X"})
    assert SPOT.settle(weighed, 200, {}, {}) == {"request_weight": 4, "raw_requests": 1}


USDM_CASES: list[tuple[str, str, dict[str, Any], dict[str, float]]] = [
    ("GET", "/fapi/v1/ping", {}, {"request_weight": 1}),
    ("GET", "/fapi/v1/exchangeInfo", {}, {"request_weight": 1}),
    ("GET", "/fapi/v1/depth", {"symbol": "BTCUSDT", "limit": 5}, {"request_weight": 2}),  # 5,10,20,50: 2
    ("GET", "/fapi/v1/depth", {"symbol": "BTCUSDT", "limit": 100}, {"request_weight": 5}),  # 100: 5
    ("GET", "/fapi/v1/depth", {"symbol": "BTCUSDT"}, {"request_weight": 10}),  # default 500: 10
    ("GET", "/fapi/v1/depth", {"symbol": "BTCUSDT", "limit": 1000}, {"request_weight": 20}),  # 1000: 20
    ("GET", "/fapi/v1/trades", {"symbol": "BTCUSDT"}, {"request_weight": 5}),  # 5
    ("GET", "/fapi/v1/aggTrades", {"symbol": "BTCUSDT"}, {"request_weight": 20}),  # 20
    ("GET", "/fapi/v1/klines", {"symbol": "BTCUSDT", "limit": 99}, {"request_weight": 1}),  # [1,100): 1
    ("GET", "/fapi/v1/klines", {"symbol": "BTCUSDT", "limit": 100}, {"request_weight": 2}),  # [100,500): 2
    ("GET", "/fapi/v1/klines", {"symbol": "BTCUSDT"}, {"request_weight": 5}),  # default 500: 5
    ("GET", "/fapi/v1/klines", {"symbol": "BTCUSDT", "limit": 1500}, {"request_weight": 10}),  # >1000: 10
    ("GET", "/fapi/v1/ticker/24hr", {"symbol": "BTCUSDT"}, {"request_weight": 1}),  # 1 with symbol
    ("GET", "/fapi/v1/ticker/24hr", {}, {"request_weight": 40}),  # 40 without
    ("GET", "/fapi/v1/ticker/bookTicker", {}, {"request_weight": 5}),  # 2 / 5
    ("GET", "/fapi/v1/premiumIndex", {}, {"request_weight": 10}),  # 1 / 10
    ("GET", "/fapi/v1/openOrders", {"symbol": "BTCUSDT"}, {"request_weight": 1}),  # 1 with symbol
    ("GET", "/fapi/v1/openOrders", {}, {"request_weight": 40}),  # 40 without
    ("GET", "/fapi/v1/income", {}, {"request_weight": 30}),  # 30
    # "share 500/5min/IP rate limit with GET /fapi/v1/fundingInfo"; the page states no IP weight
    ("GET", "/fapi/v1/fundingRate", {}, {"funding_rate": 1}),
    ("POST", "/fapi/v1/order", {"symbol": "BTCUSDT"}, {"orders_10s": 1, "orders_1m": 1}),  # 0 IP weight
    ("PUT", "/fapi/v1/order", {"symbol": "BTCUSDT"}, {"orders_10s": 1, "orders_1m": 1}),
    # "5 on 10s order rate limit(X-MBX-ORDER-COUNT-10S); 1 on 1min order rate limit; 5 on IP rate limit"
    (
        "POST",
        "/fapi/v1/batchOrders",
        {"batchOrders": "[{},{},{}]"},
        {"request_weight": 5, "orders_10s": 5, "orders_1m": 1},
    ),
    ("DELETE", "/fapi/v1/order", {"symbol": "BTCUSDT"}, {"request_weight": 1}),
]


@pytest.mark.parametrize(("method", "path", "params", "expected"), USDM_CASES, ids=lambda x: str(x)[:30])
def test_usdm_weights(method: str, path: str, params: dict[str, Any], expected: dict[str, float]) -> None:
    # every read also passes the "reads" gate a -1008 overload answer closes
    gate = {"reads": 1} if method == "GET" else {}
    assert USDM.cost(method, path, params=params) == expected | gate


def test_usdm_batch_above_five_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="maximum is 5"):
        USDM.weigh("POST", "/fapi/v1/batchOrders", {"batchOrders": [{}] * 6})


def test_default_limits() -> None:
    weight = SPOT.limits["request_weight"]
    assert (weight.capacity, weight.period, weight.algorithm, weight.scope) == (6000, 60, "fixed", "ip")
    assert SPOT.limits["raw_requests"].capacity == 300_000 and SPOT.limits["raw_requests"].period == 300
    assert SPOT.limits["orders_10s"].scope == "account"
    assert SPOT.limits["orders_1d"].period == 86_400
    assert USDM.limits["request_weight"].capacity == 2400
    assert USDM.limits["orders_1m"].capacity == 1200 and USDM.limits["orders_10s"].capacity == 300


EXCHANGE_INFO = {
    "timezone": "UTC",
    "rateLimits": [
        {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
        {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 50},
        {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 160000},
        {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": 61000},
    ],
}


def test_limits_from_exchange_info() -> None:
    limits = limits_from_exchange_info(EXCHANGE_INFO)
    assert set(limits) == {"request_weight", "orders_10s", "orders_1d", "raw_requests"}
    assert limits["orders_10s"].capacity == 50
    assert limits["raw_requests"].capacity == 61000 and limits["raw_requests"].period == 300
    assert all(lim.algorithm == "fixed" for lim in limits.values())


def test_venue_from_exchange_info_charges_every_interval_of_a_type() -> None:
    info = {
        "rateLimits": [
            *EXCHANGE_INFO["rateLimits"],
            {"rateLimitType": "ORDERS", "interval": "HOUR", "intervalNum": 1, "limit": 999},
        ]
    }
    v = venue("binance", exchange_info=info)
    assert v.limits["orders_1h"].capacity == 999
    cost = v.cost("POST", "/api/v3/order", {"symbol": "X"})
    assert cost == {"request_weight": 1, "orders_10s": 1, "orders_1d": 1, "orders_1h": 1, "raw_requests": 1}


@pytest.mark.parametrize(
    "info", [{}, {"rateLimits": []}, {"rateLimits": [{"rateLimitType": "X"}]}, {"rateLimits": "no"}]
)
def test_bad_exchange_info_is_a_clear_error(info: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        limits_from_exchange_info(info)


def test_limit_names() -> None:
    assert limit_name("REQUEST_WEIGHT", 1, "MINUTE") == "request_weight"
    assert limit_name("REQUEST_WEIGHT", 10, "SECOND") == "request_weight_10s"
    assert limit_name("ORDERS", 1, "DAY") == "orders_1d"
    assert symbol_count(Request.build("GET", "/x", params={"symbols": "A,B,C"})) == 3


# ------------------------------------------------------------------------------ feedback

NOW = 1_699_999_995.0  # 15 s into a minute, 5 s into a 10 s window


def test_used_weight_and_order_count_headers_sync_the_matching_limits() -> None:
    headers = {"X-MBX-USED-WEIGHT-1M": "1234", "X-MBX-ORDER-COUNT-10S": "7", "X-MBX-ORDER-COUNT-1D": "9000"}
    obs = {o.limit: o for o in SPOT.feedback(200, headers, {}, now=NOW)}
    assert obs["request_weight"].used == 1234 and obs["request_weight"].reset_after == pytest.approx(45)
    assert obs["orders_10s"].used == 7 and obs["orders_10s"].reset_after == pytest.approx(5)
    assert obs["orders_1d"].used == 9000


def test_usdm_order_count_per_minute() -> None:
    obs = {
        o.limit: o for o in USDM.feedback(200, {"x-mbx-order-count-1m": "3", "X-MBX-USED-WEIGHT-1M": "10"}, {}, now=NOW)
    }
    assert obs["orders_1m"].used == 3 and obs["request_weight"].used == 10


def test_legacy_used_weight_header() -> None:
    [o] = SPOT.feedback(200, {"X-MBX-USED-WEIGHT": "77"}, {}, now=NOW)
    assert (o.limit, o.used) == ("request_weight", 77)


def test_headers_for_unknown_intervals_are_ignored() -> None:
    assert SPOT.feedback(200, {"X-MBX-USED-WEIGHT-1H": "5", "X-MBX-ORDER-COUNT-2S": "1"}, {}, now=NOW) == []


def test_malformed_headers_warn_and_are_ignored(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ratekeeper.venues"):
        out = SPOT.feedback(200, {"X-MBX-USED-WEIGHT-1M": "lots", "X-MBX-ORDER-COUNT-10S": "-4"}, {}, now=NOW)
    assert out == []
    assert len([r for r in caplog.records if "malformed" in r.getMessage()]) == 2


def test_429_with_retry_after_blocks_the_weight() -> None:
    [o] = SPOT.feedback(429, {"Retry-After": "12"}, {"code": -1003, "msg": "Too much request weight used"}, now=NOW)
    assert (o.limit, o.blocked_for) == ("request_weight", 12)


def test_429_without_retry_after_blocks_until_the_window_ends() -> None:
    [o] = SPOT.feedback(429, {}, {"code": -1003}, now=NOW)
    assert o.blocked_for == pytest.approx(45)


def test_429_too_many_orders_blocks_the_exhausted_order_limit() -> None:
    headers = {"X-MBX-ORDER-COUNT-10S": "100", "X-MBX-ORDER-COUNT-1D": "5", "Retry-After": "3"}
    obs = [
        o for o in SPOT.feedback(429, headers, {"code": -1015, "msg": "Too many new orders"}, now=NOW) if o.blocked_for
    ]
    assert [(o.limit, o.blocked_for) for o in obs] == [("orders_10s", 3)]


def test_418_ban_blocks_every_ip_limit() -> None:
    obs = SPOT.feedback(418, {"Retry-After": "300"}, {"code": -1003, "msg": "IP banned"}, now=NOW)
    assert {(o.limit, o.blocked_for) for o in obs} == {("request_weight", 300), ("raw_requests", 300)}


def test_418_banned_until_in_the_body() -> None:
    until_ms = int((NOW + 600) * 1000)
    msg = f"Way too much request weight used; IP banned until {until_ms}. Please use WebSocket Streams."
    obs = SPOT.feedback(418, {}, {"code": -1003, "msg": msg}, now=NOW)
    assert all(o.blocked_for == pytest.approx(600) for o in obs) and obs


def test_418_without_any_hint_uses_two_minutes() -> None:
    obs = SPOT.feedback(418, {}, None, now=NOW)
    assert obs and all(o.blocked_for == 120 for o in obs)


def test_retry_after_as_http_date() -> None:
    # 2023-11-14 22:13:50 UTC is 1_700_000_030
    [o] = SPOT.feedback(429, {"Retry-After": "Tue, 14 Nov 2023 22:13:50 GMT"}, {}, now=NOW)
    assert o.blocked_for == pytest.approx(35)


# --------------------------------------------------------------------------------------------
# Cases from the documents, each with the line its number was read from.
# Spot: binance-spot-api-docs rest-api.md (HEAD a5e0bc3, 2026-07-21); /sapi: the wallet and
# margin pages on developers.binance.com (pools: 12,000/min per IP and 180,000/min per UID,
# each endpoint its own).

RAW1: dict[str, float] = {"raw_requests": 1}
SYM: dict[str, Any] = {"symbol": "BTCUSDT"}

SPOT_DOC_CASES: list[tuple[str, str, Mapping[str, Any], Mapping[str, float], str]] = [
    (
        "POST",
        "/api/v3/orderList/opo",
        SYM,
        {"request_weight": 1, "orders_10s": 2, "orders_1d": 2} | RAW1,
        "New Order List - OPO: Weight: 1; Unfilled Order Count: 2",
    ),
    (
        "POST",
        "/api/v3/orderList/opoco",
        SYM,
        {"request_weight": 1, "orders_10s": 3, "orders_1d": 3} | RAW1,
        "New Order List - OPOCO: Weight: 1; Unfilled Order Count: 3",
    ),
    (
        "POST",
        "/api/v3/orderList/oto",
        SYM,
        {"request_weight": 1, "orders_10s": 2, "orders_1d": 2} | RAW1,
        "New Order list - OTO: Weight: 1; Unfilled Order Count: 2",
    ),
    (
        "POST",
        "/api/v3/order/oco",
        SYM,
        {"request_weight": 1, "orders_10s": 2, "orders_1d": 2} | RAW1,
        "New OCO - Deprecated: Weight: 1; Unfilled Order Count: 2",
    ),
    ("GET", "/api/v3/executionRules", SYM, {"request_weight": 2} | RAW1, "executionRules: `symbol` | 2"),
    (
        "GET",
        "/api/v3/executionRules",
        {"symbols": ["A", "B", "C"]},
        {"request_weight": 6} | RAW1,
        "executionRules: `symbols` | 2 for each `symbol`, capped at a max of 40",
    ),
    (
        "GET",
        "/api/v3/executionRules",
        {"symbols": [f"S{i}" for i in range(30)]},
        {"request_weight": 40} | RAW1,
        "executionRules: 2 for each `symbol`, capped at a max of 40",
    ),
    ("GET", "/api/v3/executionRules", {}, {"request_weight": 40} | RAW1, "executionRules: None | 40"),
    (
        "GET",
        "/api/v3/executionRules",
        {"symbolStatus": "HALT"},
        {"request_weight": 40} | RAW1,
        "executionRules: `symbolStatus` | 40",
    ),
    ("GET", "/api/v3/historicalBlockTrades", SYM, {"request_weight": 25} | RAW1, "historicalBlockTrades: Weight: 25"),
    ("GET", "/api/v3/referencePrice", SYM, {"request_weight": 2} | RAW1, "Query Reference Price: **Weight:** 2"),
    (
        "GET",
        "/api/v3/referencePrice/calculation",
        SYM,
        {"request_weight": 2} | RAW1,
        "Query Reference Price Calculation: **Weight:** 2",
    ),
    ("GET", "/api/v3/myAllocations", SYM, {"request_weight": 20} | RAW1, "Query Allocations: Weight: 20"),
    ("GET", "/api/v3/account/commission", SYM, {"request_weight": 20} | RAW1, "Query Commission Rates: Weight: 20"),
    ("GET", "/api/v3/order/amendments", SYM, {"request_weight": 4} | RAW1, "Query Order Amendments: Weight: 4"),
    ("GET", "/api/v3/myFilters", SYM, {"request_weight": 40} | RAW1, "Query relevant filters: Weight: 40"),
    (
        "GET",
        "/api/v3/myPreventedMatches",
        {**SYM, "preventedMatchId": 1},
        {"request_weight": 2} | RAW1,
        "Query Prevented Matches: Querying by `preventedMatchId` | 2",
    ),
    (
        "GET",
        "/api/v3/myPreventedMatches",
        {**SYM, "orderId": 1},
        {"request_weight": 20} | RAW1,
        "Query Prevented Matches: Querying by `orderId` | 20",
    ),
    (
        "POST",
        "/api/v3/sor/order/test",
        SYM,
        {"request_weight": 1} | RAW1,
        "Test new order using SOR: Without `computeCommissionRates` | 1",
    ),
    (
        "POST",
        "/api/v3/sor/order/test",
        {**SYM, "computeCommissionRates": "true"},
        {"request_weight": 20} | RAW1,
        "Test new order using SOR: With `computeCommissionRates` | 20",
    ),
    ("GET", "/api/v3/ticker/bookTicker", SYM, {"request_weight": 2} | RAW1, "bookTicker: symbol, 1 symbol: 2"),
    ("GET", "/api/v3/ticker/bookTicker", {"symbols": '["A","B"]'}, {"request_weight": 4} | RAW1, "symbols: Any: 4"),
    ("GET", "/api/v3/uiKlines", SYM, {"request_weight": 2} | RAW1, "UIKlines: Weight: 2"),
    ("GET", "/api/v3/avgPrice", SYM, {"request_weight": 2} | RAW1, "Current average price: Weight: 2"),
    ("GET", "/api/v3/historicalTrades", SYM, {"request_weight": 25} | RAW1, "Old trade lookup: Weight: 25"),
    ("GET", "/api/v3/allOrders", SYM, {"request_weight": 20} | RAW1, "All orders: Weight: 20"),
    ("GET", "/api/v3/openOrderList", {}, {"request_weight": 6} | RAW1, "Query Open Order lists: Weight: 6"),
    # /sapi: each endpoint spends its own pool, never the /api weight
    (
        "GET",
        "/sapi/v1/capital/config/getall",
        {},
        {"sapi_ip_weight": 10} | RAW1,
        "All Coins' Information: Request Weight(IP) 10",
    ),
    (
        "POST",
        "/sapi/v1/capital/withdraw/apply",
        {"coin": "BTC"},
        {"sapi_uid_weight": 900} | RAW1,
        "Withdraw: Request Weight(UID) 900",
    ),
    (
        "GET",
        "/sapi/v1/capital/withdraw/history",
        {},
        {"sapi_uid_weight": 18000} | RAW1,
        "Withdraw History: Request Weight(UID) 18000",
    ),
    ("GET", "/sapi/v1/capital/deposit/hisrec", {}, {"sapi_ip_weight": 1} | RAW1, "Deposit History: Weight(IP) 1"),
    ("POST", "/sapi/v1/asset/transfer", {}, {"sapi_uid_weight": 900} | RAW1, "Universal Transfer: Weight(UID) 900"),
    ("POST", "/sapi/v1/asset/dust", {}, {"sapi_uid_weight": 10} | RAW1, "Dust Transfer: Weight(UID): 10"),
    ("POST", "/sapi/v3/asset/getUserAsset", {}, {"sapi_ip_weight": 5} | RAW1, "User Asset: Weight(IP): 5"),
    (
        "GET",
        "/sapi/v1/margin/rateLimit/order",
        {},
        {"sapi_ip_weight": 20} | RAW1,
        "Query Current Margin Order Count Usage: Request Weight 20(IP)",
    ),
]


@pytest.mark.parametrize(("method", "path", "params", "expected", "quote"), SPOT_DOC_CASES, ids=lambda x: str(x)[:40])
def test_spot_documented_costs(
    method: str, path: str, params: Mapping[str, Any], expected: Mapping[str, float], quote: str
) -> None:
    assert SPOT.cost(method, path, params=params) == expected, quote


# USD-M: the endpoint pages' "Request Weight" lines (developers.binance.com
# derivatives/usds-margined-futures; copies in rosssaunders/coincise docs/binance/usdm).
# Every read also passes the "reads" gate (added below).
USDM_DOC_CASES: list[tuple[str, str, Mapping[str, Any], Mapping[str, float], str]] = [
    (
        "GET",
        "/fapi/v1/income/asyn",
        {"startTime": 1, "endTime": 2},
        {"request_weight": 1000},
        "Get Download Id For Futures Transaction History: Request Weight **1000**",
    ),
    (
        "GET",
        "/fapi/v1/order/asyn",
        {"startTime": 1, "endTime": 2},
        {"request_weight": 1000},
        "Get Download Id For Futures Order History: Request Weight **1000**",
    ),
    (
        "GET",
        "/fapi/v1/trade/asyn",
        {"startTime": 1, "endTime": 2},
        {"request_weight": 1000},
        "Get Download Id For Futures Trade History: Request Weight **1000**",
    ),
    ("GET", "/fapi/v1/income/asyn/id", {"downloadId": "1"}, {"request_weight": 10}, "Download Link by Id: **10**"),
    ("GET", "/fapi/v1/order/asyn/id", {"downloadId": "1"}, {"request_weight": 10}, "Download Link by Id: **10**"),
    ("GET", "/fapi/v1/trade/asyn/id", {"downloadId": "1"}, {"request_weight": 10}, "Download Link by Id: **10**"),
    ("GET", "/fapi/v1/forceOrders", SYM, {"request_weight": 20}, "User's Force Orders: **20** with symbol"),
    ("GET", "/fapi/v1/forceOrders", {}, {"request_weight": 50}, "User's Force Orders: **50** without symbol"),
    ("GET", "/fapi/v1/adlQuantile", {}, {"request_weight": 5}, "Position ADL Quantile Estimation: **5**"),
    ("GET", "/fapi/v1/orderAmendment", SYM, {"request_weight": 1}, "Get Order Modify History: **1**"),
    ("GET", "/fapi/v1/positionMargin/history", SYM, {"request_weight": 1}, "Position Margin Change History: **1**"),
    ("GET", "/fapi/v1/accountConfig", {}, {"request_weight": 5}, "Account Config: **5**"),
    ("GET", "/fapi/v1/symbolConfig", {}, {"request_weight": 5}, "Symbol Config: **5**"),
    ("GET", "/fapi/v1/multiAssetsMargin", {}, {"request_weight": 30}, "Get Current Multi-Assets Mode: **30**"),
    ("GET", "/fapi/v1/positionSide/dual", {}, {"request_weight": 30}, "Get Current Position Mode: 30"),
    ("GET", "/fapi/v1/feeBurn", {}, {"request_weight": 30}, "Get BNB Burn Status: **30**"),
    ("POST", "/fapi/v1/feeBurn", {"feeBurn": "true"}, {"request_weight": 1}, "Toggle BNB Burn: **1**"),
    ("GET", "/fapi/v1/apiTradingStatus", SYM, {"request_weight": 1}, "Quantitative Rules: **1** for a single symbol"),
    ("GET", "/fapi/v1/apiTradingStatus", {}, {"request_weight": 10}, "**10** when the symbol parameter is omitted"),
    ("GET", "/fapi/v1/assetIndex", {}, {"request_weight": 10}, "Multi-Assets Mode Asset Index: **10** omitted"),
    ("GET", "/fapi/v1/constituents", SYM, {"request_weight": 2}, "Index Constituents: **2**"),
    ("GET", "/fapi/v1/insuranceBalance", {}, {"request_weight": 1}, "Insurance Fund Balance: **1**"),
    ("GET", "/fapi/v1/symbolAdlRisk", {}, {"request_weight": 1}, "ADL Risk: **1**"),
    (
        "GET",
        "/futures/data/openInterestHist",
        {**SYM, "period": "5m"},
        {"futures_data": 1},
        "Open Interest Statistics: **0**; IP rate limit 1000 requests/5min",
    ),
    (
        "GET",
        "/futures/data/basis",
        {"pair": "BTCUSDT", "contractType": "PERPETUAL", "period": "5m"},
        {"futures_data": 1},
        "Basis: **0**",
    ),
    ("GET", "/fapi/v1/fundingInfo", {}, {"funding_rate": 1}, "**0** share 500/5min/IP rate limit"),
    ("GET", "/fapi/v1/convert/orderStatus", {}, {"request_weight": 50}, "Order Status: **50(IP)**"),
    ("POST", "/fapi/v1/convert/acceptQuote", {}, {"request_weight": 200}, "Accept the offered quote: **200(IP)**"),
    (
        "PUT",
        "/fapi/v1/batchOrders",
        {"batchOrders": [{}, {}]},
        {"request_weight": 5, "orders_10s": 5, "orders_1m": 1},
        "Modify Multiple Orders: 5 on 10s order rate limit; 1 on 1min; 5 on IP rate limit",
    ),
]


@pytest.mark.parametrize(("method", "path", "params", "expected", "quote"), USDM_DOC_CASES, ids=lambda x: str(x)[:40])
def test_usdm_documented_costs(
    method: str, path: str, params: Mapping[str, Any], expected: Mapping[str, float], quote: str
) -> None:
    gate = {"reads": 1} if method == "GET" else {}
    assert USDM.cost(method, path, params=params) == {**expected, **gate}, quote


def test_every_documented_entry_matches_the_rules() -> None:
    from ratekeeper.venues._coverage import coverage
    from ratekeeper.venues.documented import table

    for name in ("binance", "binance_usdm", "binance_coinm"):
        entries = table(name)
        assert len(entries) >= 70
        for section in coverage(venue(name), entries):
            bad = [(c.entry.endpoint, c.problems) for c in section.checks if not c.ok]
            assert not bad, (name, section.name, bad)


# --------------------------------------------------------------------------------------------
# /sapi signals and per-endpoint, per-account pools

T30 = 1_800_000_030.0  # 30 s into a minute


def test_sapi_used_weight_headers_fold_into_the_endpoints_own_pool() -> None:
    # a recorded answer of GET /sapi/v1/capital/config/getall (header names as the docs show them)
    weighed = SPOT.weigh("GET", "/sapi/v1/capital/config/getall", params={"timestamp": 1, "signature": "s"})
    headers = {"X-SAPI-USED-IP-WEIGHT-1M": "120", "X-MBX-USED-WEIGHT-1M": "7", "Content-Type": "application/json"}
    obs = SPOT.feedback(200, headers, "[]", request=weighed, now=T30)
    by_limit = {o.limit: o for o in obs}
    assert by_limit["sapi_ip_weight"].used == 120
    assert by_limit["sapi_ip_weight"].reset_after == pytest.approx(30.0)
    assert by_limit["request_weight"].used == 7  # the /api header keeps its own meaning
    assert "sapi_uid_weight" not in by_limit


def test_sapi_uid_header_is_read_for_a_uid_endpoint_only() -> None:
    weighed = SPOT.weigh("POST", "/sapi/v1/capital/withdraw/apply", {"coin": "BTC"})
    obs = SPOT.feedback(200, {"X-SAPI-USED-UID-WEIGHT-1M": "1800"}, '{"id":"7213fea8"}', request=weighed, now=T30)
    assert [(o.limit, o.used) for o in obs] == [("sapi_uid_weight", 1800)]
    # an /api answer carrying a sapi header (it should not) never moves a sapi pool
    api = SPOT.weigh("GET", "/api/v3/account")
    assert SPOT.feedback(200, {"X-SAPI-USED-UID-WEIGHT-1M": "1800"}, "{}", request=api, now=T30) == []


def test_sapi_429_blocks_that_pool_not_the_api_weight_and_never_the_ip_ban() -> None:
    weighed = SPOT.weigh("GET", "/sapi/v1/capital/deposit/hisrec")
    body = '{"code":-1003,"msg":"Too much request weight used; current limit is 12000 request weight per 1 MINUTE."}'
    obs = SPOT.feedback(429, {"X-SAPI-USED-IP-WEIGHT-1M": "12001"}, body, request=weighed, now=T30)
    blocks = {o.limit: o.blocked_for for o in obs if o.blocked_for}
    assert blocks == {"sapi_ip_weight": pytest.approx(30.0)}
    with_retry = SPOT.feedback(429, {"Retry-After": "12"}, body, request=weighed, now=T30)
    assert [(o.limit, o.blocked_for) for o in with_retry if o.blocked_for] == [("sapi_ip_weight", 12.0)]


def test_unknown_sapi_endpoints_are_priced_by_class_on_their_own_pool(caplog: pytest.LogCaptureFixture) -> None:
    from ratekeeper.venues import _model

    _model._forget_unknown()
    with caplog.at_level(logging.WARNING, logger="ratekeeper.venues"):
        signed = SPOT.weigh("GET", "/sapi/v1/some/newThing", params={"timestamp": 1, "signature": "s"})
        public = SPOT.weigh("GET", "/sapi/v1/some/public")
        api = SPOT.weigh("GET", "/api/v3/somethingNew")
    assert not signed.known and dict(signed.cost) == {"sapi_uid_weight": 900, "raw_requests": 1}
    assert dict(public.cost) == {"sapi_ip_weight": 10, "raw_requests": 1}
    assert dict(api.cost) == {"request_weight": 20, "raw_requests": 1}
    assert signed.scope == {"endpoint": "GET /sapi/v1/some/newThing"}
    assert "/sapi/v1/some/newThing" in caplog.text and "sapi_uid_weight" in caplog.text


def test_sapi_pools_are_per_endpoint_and_per_account_through_the_gate() -> None:
    import random

    import ratekeeper as rk
    from ratekeeper.http import Gate
    from ratekeeper.testing import FakeClock

    base = "https://api.binance.com"
    limiter = rk.Limiter(SPOT.limits, clock=FakeClock(T30))

    def gate(account: str) -> Gate[rk.Limiter]:
        return Gate(SPOT, limiter, base_url=base, ip="10.0.0.1", account=account, rng=random.Random(1))

    history = base + "/sapi/v1/capital/withdraw/history"
    plan = gate("acct-a").plan("GET", history, params={"timestamp": 1, "signature": "s"})
    assert plan is not None
    assert plan.scope["account+endpoint"] == "acct-a|GET /sapi/v1/capital/withdraw/history"
    # 180,000 / 18,000: ten calls fill this endpoint's pool for this account
    for _ in range(10):
        assert limiter.try_acquire(plan.cost, scope=plan.scope) is not None
    assert limiter.try_acquire(plan.cost, scope=plan.scope) is None
    other_endpoint = gate("acct-a").plan("POST", base + "/sapi/v1/asset/transfer")
    other_account = gate("acct-b").plan("GET", history)
    assert other_endpoint is not None and other_account is not None
    assert limiter.try_acquire(other_endpoint.cost, scope=other_endpoint.scope) is not None
    assert limiter.try_acquire(other_account.cost, scope=other_account.scope) is not None


# --------------------------------------------------------------------------------------------
# USD-M: 503 -1008 (server overload) backs reads off; actions are not retried

OVERLOAD = (
    '{"code":-1008,"msg":"Request throttled by system-level protection. '
    'Reduce-only/close-position orders are exempt. Please try again."}'
)


def test_usdm_overload_closes_the_reads_gate_briefly() -> None:
    from ratekeeper.venues.binance import OVERLOAD_BACKOFF

    weighed = USDM.weigh("GET", "/fapi/v2/account")
    obs = USDM.feedback(503, {"Content-Type": "application/json"}, OVERLOAD, request=weighed, now=T30)
    assert [(o.limit, o.blocked_for) for o in obs] == [("reads", OVERLOAD_BACKOFF)]
    # a plain 503 "Service Unavailable." is not an overload signal
    assert USDM.feedback(503, {}, '{"code":-1001,"msg":"Service Unavailable."}', request=weighed, now=T30) == []
    # actions do not pass the gate: a cancel is not held back by the block
    assert "reads" not in USDM.cost("DELETE", "/fapi/v1/order", params={"symbol": "BTCUSDT"})


def test_usdm_overload_retries_a_read_and_refuses_an_action() -> None:
    import random

    import ratekeeper as rk
    from ratekeeper.http import Gate
    from ratekeeper.testing import FakeClock

    base = "https://fapi.binance.com"
    g = Gate(USDM, rk.Limiter(USDM.limits, clock=FakeClock(T30)), base_url=base, rng=random.Random(1))
    read = g.plan("GET", base + "/fapi/v1/openOrders", params={"symbol": "BTCUSDT"})
    order = g.plan("POST", base + "/fapi/v1/order", params={"symbol": "BTCUSDT"})
    assert read is not None and order is not None
    assert g.outcome(read, 503, {}, OVERLOAD, now=T30).verdict == "retry"
    refused = g.outcome(order, 503, {}, OVERLOAD, now=T30)
    assert refused.verdict == "refuse" and refused.limit == "reads"
