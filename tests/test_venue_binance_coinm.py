"""Binance COIN-M futures (``binance_coinm``, dapi.binance.com).

Weights: the endpoint pages' "Request Weight" lines on
https://developers.binance.com/docs/derivatives/coin-margined-futures (copies in
rosssaunders/coincise docs/binance/coinm/endpoints). Limits: the Futures FAQ "Rate Limits on
Binance Futures" (27 December 2024): 2,400/min per IP, 1,200/min orders per account; the 10 s
order limit is USD-M's only.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import pytest

import ratekeeper as rk
from ratekeeper.http import Gate
from ratekeeper.testing import FakeClock
from ratekeeper.venues import InvalidRequest, venue
from ratekeeper.venues.binance import OVERLOAD_BACKOFF

COINM = venue("binance_coinm")
S = {"symbol": "BTCUSD_PERP"}
P = {"pair": "BTCUSD"}
K = {**S, "interval": "1m"}
T30 = 1_800_000_030.0

CASES: list[tuple[str, str, Mapping[str, Any], Mapping[str, float], str]] = [
    ("GET", "/dapi/v1/ping", {}, {"request_weight": 1}, "Test Connectivity: Request Weight **1**"),
    ("GET", "/dapi/v1/time", {}, {"request_weight": 1}, "Check Server time: Request Weight **1**"),
    ("GET", "/dapi/v1/depth", {**S, "limit": 5}, {"request_weight": 2}, "Order Book: 5, 10, 20, 50 | 2"),
    ("GET", "/dapi/v1/depth", {**S, "limit": 100}, {"request_weight": 5}, "Order Book: 100 | 5"),
    ("GET", "/dapi/v1/depth", {**S, "limit": 500}, {"request_weight": 10}, "Order Book: 500 | 10"),
    ("GET", "/dapi/v1/depth", {**S, "limit": 1000}, {"request_weight": 20}, "Order Book: 1000 | 20"),
    ("GET", "/dapi/v1/trades", S, {"request_weight": 5}, "Recent Trades List: Request Weight 5"),
    ("GET", "/dapi/v1/historicalTrades", S, {"request_weight": 20}, "Old Trades Lookup: **20**"),
    ("GET", "/dapi/v1/aggTrades", S, {"request_weight": 20}, "Compressed/Aggregate Trades List: **20**"),
    ("GET", "/dapi/v1/premiumIndex", {}, {"request_weight": 10}, "Index Price and Mark Price: **10**"),
    ("GET", "/dapi/v1/fundingRate", S, {"request_weight": 1}, "Funding Rate History: **1**"),
    ("GET", "/dapi/v1/klines", {**K, "limit": 10}, {"request_weight": 1}, "Klines: LIMIT [1,100) | 1"),
    ("GET", "/dapi/v1/klines", {**K, "limit": 100}, {"request_weight": 2}, "Klines: LIMIT [100, 500) | 2"),
    ("GET", "/dapi/v1/klines", K, {"request_weight": 5}, "Klines: LIMIT [500, 1000] | 5 (default 500)"),
    ("GET", "/dapi/v1/klines", {**K, "limit": 1500}, {"request_weight": 10}, "Klines: LIMIT > 1000 | 10"),
    ("GET", "/dapi/v1/ticker/24hr", S, {"request_weight": 1}, "24hr Ticker: **1** for a single symbol"),
    ("GET", "/dapi/v1/ticker/24hr", {}, {"request_weight": 40}, "24hr Ticker: **40** when symbol is omitted"),
    ("GET", "/dapi/v1/ticker/price", {}, {"request_weight": 2}, "Price Ticker: **2** when symbol is omitted"),
    ("GET", "/dapi/v1/ticker/bookTicker", S, {"request_weight": 2}, "Book Ticker: **2** for a single symbol"),
    ("GET", "/dapi/v1/ticker/bookTicker", {}, {"request_weight": 5}, "Book Ticker: **5** when symbol is omitted"),
    ("GET", "/futures/data/basis", {**P, "period": "5m"}, {"request_weight": 1}, "Basis: Request Weight **1**"),
    ("GET", "/dapi/v1/allOrders", S, {"request_weight": 20}, "All Orders: **20** with symbol"),
    ("GET", "/dapi/v1/allOrders", P, {"request_weight": 40}, "All Orders: **40** with pair"),
    ("GET", "/dapi/v1/userTrades", P, {"request_weight": 40}, "Account Trade List: **40** with pair"),
    ("GET", "/dapi/v1/openOrders", {}, {"request_weight": 40}, "Current All Open Orders: **40** for multiple"),
    ("GET", "/dapi/v1/forceOrders", {}, {"request_weight": 50}, "User's Force Orders: **50** without symbol"),
    ("GET", "/dapi/v1/positionRisk", {}, {"request_weight": 1}, "Position Information: **1**"),
    ("GET", "/dapi/v1/account", {}, {"request_weight": 5}, "Account Information: **5**"),
    ("GET", "/dapi/v1/balance", {}, {"request_weight": 1}, "Futures Account Balance: **1**"),
    ("GET", "/dapi/v1/income", {}, {"request_weight": 20}, "Get Income History: **20**"),
    ("GET", "/dapi/v1/income/asyn", {"startTime": 1, "endTime": 2}, {"request_weight": 5}, "Download Id: **5**"),
    ("GET", "/dapi/v1/trade/asyn/id", {"downloadId": "1"}, {"request_weight": 5}, "Trade Download Link: **5**"),
    ("GET", "/dapi/v1/positionSide/dual", {}, {"request_weight": 30}, "Get Current Position Mode: **30**"),
    ("GET", "/dapi/v1/commissionRate", S, {"request_weight": 20}, "User Commission Rate: **20**"),
    (
        "POST",
        "/dapi/v1/order",
        S,
        {"orders_1m": 1},
        "New Order: 1 on 1min order rate limit(X-MBX-ORDER-COUNT-1M); 0 on IP rate limit",
    ),
    ("POST", "/dapi/v1/batchOrders", {"batchOrders": [{}, {}]}, {"request_weight": 5, "orders_1m": 1}, "**5**"),
    ("DELETE", "/dapi/v1/order", S, {"request_weight": 1}, "Cancel Order: Weight: **1**"),
    ("POST", "/dapi/v1/countdownCancelAll", S, {"request_weight": 10}, "Auto-Cancel All Open Orders: **10**"),
    ("POST", "/dapi/v1/leverage", S, {"request_weight": 1}, "Change Initial Leverage: **1**"),
]


@pytest.mark.parametrize(("method", "path", "params", "expected", "quote"), CASES, ids=lambda x: str(x)[:40])
def test_coinm_documented_costs(
    method: str, path: str, params: Mapping[str, Any], expected: Mapping[str, float], quote: str
) -> None:
    gate = {"reads": 1} if method == "GET" else {}
    assert COINM.cost(method, path, params=params) == {**expected, **gate}, quote


def test_coinm_limits_are_its_own() -> None:
    weight, orders = COINM.limits["request_weight"], COINM.limits["orders_1m"]
    assert (weight.capacity, weight.period, weight.scope) == (2400, 60, "ip")
    assert (orders.capacity, orders.period, orders.scope) == (1200, 60, "account")
    assert "orders_10s" not in COINM.limits  # "additional 10-second limit applicable to USDⓈ-M Futures"
    assert COINM.mainnet == "https://dapi.binance.com"


def test_coinm_exchange_info_replaces_the_defaults() -> None:
    info = {
        "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
            {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
        ]
    }
    v = venue("binance_coinm", exchange_info=info)
    assert v.limits["request_weight"].capacity == 6000 and v.limits["orders_1m"].capacity == 6000
    assert "reads" in v.limits


def test_coinm_batch_above_five_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="binance_coinm: batchOrders holds 6"):
        COINM.weigh("POST", "/dapi/v1/batchOrders", {"batchOrders": [{}] * 6})


def test_coinm_headers_sync_weight_and_order_count() -> None:
    # a recorded answer of POST /dapi/v1/order
    headers = {"X-MBX-USED-WEIGHT-1M": "37", "X-MBX-ORDER-COUNT-1M": "12"}
    weighed = COINM.weigh("POST", "/dapi/v1/order", S)
    obs = {o.limit: o for o in COINM.feedback(200, headers, '{"orderId":1}', request=weighed, now=T30)}
    assert obs["request_weight"].used == 37 and obs["orders_1m"].used == 12
    assert obs["orders_1m"].reset_after == pytest.approx(30.0)


def test_coinm_429_and_418() -> None:
    body = '{"code":-1003,"msg":"Too many requests; current limit is 2400 requests per minute."}'
    [blocked] = [o for o in COINM.feedback(429, {}, body, now=T30) if o.blocked_for]
    assert blocked.limit == "request_weight" and blocked.blocked_for == pytest.approx(30.0)
    order_body = '{"code":-1015,"msg":"Too many new orders; current limit is 1200 orders per MINUTE."}'
    [o] = [o for o in COINM.feedback(429, {}, order_body, now=T30) if o.blocked_for]
    assert o.limit == "orders_1m"
    ban = COINM.feedback(418, {"Retry-After": "120"}, '{"code":-1003,"msg":"banned"}', now=T30)
    assert {o.limit for o in ban if o.blocked_for} == {"request_weight", "reads"}


def test_coinm_overload_backs_reads_off_and_refuses_actions() -> None:
    body = '{"code":-1008,"msg":"Request throttled by system-level protection. Please try again."}'
    weighed = COINM.weigh("GET", "/dapi/v1/account")
    [obs] = COINM.feedback(503, {}, body, request=weighed, now=T30)
    assert obs.limit == "reads" and obs.blocked_for == OVERLOAD_BACKOFF
    base = "https://dapi.binance.com"
    g = Gate(COINM, rk.Limiter(COINM.limits, clock=FakeClock(T30)), base_url=base, rng=random.Random(1))
    read = g.plan("GET", base + "/dapi/v1/account")
    order = g.plan("POST", base + "/dapi/v1/order", params=S)
    assert read is not None and order is not None
    assert g.outcome(read, 503, {}, body, now=T30).verdict == "retry"
    assert g.outcome(order, 503, {}, body, now=T30).verdict == "refuse"


def test_coinm_unknown_endpoint_is_charged_a_heavy_weight() -> None:
    weighed = COINM.weigh("GET", "/dapi/v1/somethingNew")
    assert not weighed.known and dict(weighed.cost) == {"request_weight": 20, "reads": 1}
    cancel = COINM.weigh("DELETE", "/dapi/v1/somethingNew")
    assert dict(cancel.cost) == {"request_weight": 20}
