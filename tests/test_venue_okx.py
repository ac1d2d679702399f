"""OKX v5: https://www.okx.com/docs-v5/en/#overview-rate-limits and each endpoint's "Rate Limit"
line (reference §8). Every request costs 1 on its endpoint's own limit."""

from __future__ import annotations

from typing import Any

import pytest

from ratekeeper.venues import venue
from ratekeeper.venues.okx import instrument_key, order_cap_for_fill_ratio

V = venue("okx")

SWAP = {"instId": "BTC-USDT-SWAP", "tdMode": "cross", "side": "buy", "ordType": "limit", "sz": "1", "px": "1"}
SPOT = {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit", "sz": "1", "px": "1"}

CASES: list[tuple[str, str, Any, dict[str, float]]] = [
    # place/amend: 60 per 2 s per UID + instId, and the sub-account order cap
    ("POST", "/api/v5/trade/order", SWAP, {"place_order": 1, "sub_account_orders": 1}),
    ("POST", "/api/v5/trade/order", SPOT, {"place_order": 1}),  # spot/margin exempt from the sub-account cap
    ("POST", "/api/v5/trade/amend-order", SWAP, {"amend_order": 1, "sub_account_orders": 1}),
    ("POST", "/api/v5/trade/cancel-order", SWAP, {"cancel_order": 1}),  # cancels do not count there
    # multiple orders: 300 orders per 2 s, each order counted
    ("POST", "/api/v5/trade/batch-orders", [SWAP] * 3, {"batch_orders": 3, "sub_account_orders": 3}),
    (
        "POST",
        "/api/v5/trade/batch-orders",
        [SWAP],
        {"place_order": 1, "sub_account_orders": 1},
    ),  # 1-order batch = single
    ("POST", "/api/v5/trade/cancel-batch-orders", [SWAP] * 4, {"cancel_batch_orders": 4}),
    # two instruments, one order each: each instrument's budget spends 1 (the other share is
    # charged by the HTTP integrations under its own scope, see instrument_charges)
    ("POST", "/api/v5/trade/amend-batch-orders", [SWAP, SPOT], {"amend_batch_orders": 1, "sub_account_orders": 1}),
    ("POST", "/api/v5/trade/close-position", SWAP, {"close_position": 1}),  # 20 per 2 s
    ("POST", "/api/v5/trade/cancel-all-after", {"timeOut": "10"}, {"cancel_all_after": 1}),  # 1 per s
    ("GET", "/api/v5/trade/order", {"instId": "BTC-USDT", "ordId": "1"}, {"order_details": 1}),  # 60 per 2 s
    ("GET", "/api/v5/trade/orders-pending", {}, {"orders_pending": 1}),
    ("GET", "/api/v5/trade/orders-history", {"instType": "SWAP"}, {"orders_history": 1}),  # 40 per 2 s
    ("GET", "/api/v5/trade/fills-history", {"instType": "SWAP"}, {"fills_history": 1}),  # 10 per 2 s
    ("GET", "/api/v5/account/balance", {}, {"balance": 1}),  # 10 per 2 s
    ("GET", "/api/v5/account/positions", {}, {"positions": 1}),
    ("GET", "/api/v5/account/config", {}, {"account_config": 1}),  # 5 per 2 s
    ("GET", "/api/v5/account/bills", {}, {"bills": 1}),  # 5 per s
    ("GET", "/api/v5/account/max-size", {"instId": "BTC-USDT"}, {"max_size": 1}),  # 20 per 2 s
    ("GET", "/api/v5/market/tickers", {"instType": "SPOT"}, {"tickers": 1}),  # 20 per 2 s per IP
    ("GET", "/api/v5/market/books", {"instId": "BTC-USDT"}, {"books": 1}),  # 40 per 2 s
    ("GET", "/api/v5/market/books-full", {"instId": "BTC-USDT"}, {"books_full": 1}),  # 10 per 2 s
    ("GET", "/api/v5/market/candles", {"instId": "BTC-USDT"}, {"candles": 1}),  # 40 per 2 s
    ("GET", "/api/v5/public/instruments", {"instType": "SWAP"}, {"instruments": 1}),  # 20 per 2 s, IP + instType
    ("GET", "/api/v5/public/funding-rate", {"instId": "BTC-USDT-SWAP"}, {"funding_rate": 1}),  # 10 per 2 s
    ("GET", "/api/v5/public/time", {}, {"time": 1}),  # 10 per 2 s
]


@pytest.mark.parametrize(("method", "path", "payload", "expected"), CASES, ids=lambda x: str(x)[:30])
def test_weights(method: str, path: str, payload: Any, expected: dict[str, float]) -> None:
    if method == "GET":
        assert V.cost(method, path, params=payload) == expected
    else:
        assert V.cost(method, path, payload) == expected


def test_limit_values_and_scopes() -> None:
    place = V.limits["place_order"]
    assert (place.capacity, place.period, place.scope) == (60, 2, "account+instrument")
    assert V.limits["batch_orders"].capacity == 300
    assert V.limits["tickers"].scope == "ip"
    assert V.limits["instruments"].scope == "ip+inst_type"
    assert V.limits["funding_rate"].scope == "ip+instrument"
    assert V.limits["sub_account_orders"].capacity == 1000 and V.limits["sub_account_orders"].period == 2


def test_fill_ratio_tiers() -> None:
    assert order_cap_for_fill_ratio(0.5) == 1000
    assert order_cap_for_fill_ratio(1) == 1250
    assert order_cap_for_fill_ratio(4.9) == 1750
    assert order_cap_for_fill_ratio(75) == 10000
    assert venue("okx", fill_ratio=12).limits["sub_account_orders"].capacity == 2500


def test_scopes_key_on_instrument_or_option_family() -> None:
    assert instrument_key("BTC-USD-250328-50000-C") == "BTC-USD"
    weighed = V.weigh("POST", "/api/v5/trade/order", {**SWAP, "instId": "BTC-USD-250328-50000-C"})
    assert weighed.scope == {"instrument": "BTC-USD"}
    scope = weighed.scope_for(account="sub1")
    assert scope["account+instrument"] == "sub1|BTC-USD" and scope["account"] == "sub1"
    batch = V.weigh("POST", "/api/v5/trade/batch-orders", [SWAP, SWAP, SPOT])
    assert batch.scope == {"instrument": "BTC-USDT-SWAP"}
    tickers = V.weigh("GET", "/api/v5/public/instruments", params={"instType": "SWAP"})
    assert tickers.scope_for(ip="1.2.3.4")["ip+inst_type"] == "1.2.3.4|SWAP"


def test_unknown_endpoints_are_priced_by_class() -> None:
    # private (per user id) -> "other"; public (market/public/rubik) -> the per-IP "public_other"
    assert V.cost("GET", "/api/v5/asset/not-yet-documented") == {"other": 1}
    assert V.cost("GET", "/api/v5/market/not-yet-documented") == {"public_other": 1}
    assert V.cost("GET", "/api/v5/copytrading/public-not-yet") == {"public_other": 1}
    assert (V.limits["other"].capacity, V.limits["other"].period, V.limits["other"].scope) == (5, 2, "account")
    other = V.limits["public_other"]
    assert (other.capacity, other.period, other.scope) == (5, 2, "ip")


def test_50011_blocks_the_endpoint_limit() -> None:
    weighed = V.weigh("POST", "/api/v5/trade/order", SWAP)
    [o] = V.feedback(429, {}, {"code": "50011", "msg": "Rate limit reached", "data": []}, weighed)
    assert (o.limit, o.blocked_for) == ("place_order", 2)
    [o] = V.feedback(200, {"Retry-After": "1"}, {"code": "50011", "msg": "x", "data": []}, weighed)
    assert o.blocked_for == 1


def test_50061_in_a_batch_blocks_the_sub_account_cap() -> None:
    weighed = V.weigh("POST", "/api/v5/trade/batch-orders", [SWAP, SWAP])
    body = {"code": "1", "msg": "", "data": [{"sCode": "0"}, {"sCode": "50061", "sMsg": "Sub-account rate limit"}]}
    [o] = V.feedback(200, {}, body, weighed)
    assert (o.limit, o.blocked_for) == ("sub_account_orders", 2)


def test_50040_too_frequent() -> None:
    weighed = V.weigh("GET", "/api/v5/account/balance")
    [o] = V.feedback(200, {}, {"code": 50040, "msg": "Too frequent operations"}, weighed)
    assert o.limit == "balance"


def test_success_and_unrelated_errors_say_nothing() -> None:
    weighed = V.weigh("GET", "/api/v5/account/balance")
    assert V.feedback(200, {}, {"code": "0", "data": []}, weighed) == []
    assert V.feedback(200, {}, {"code": "51000", "msg": "Parameter error"}, weighed) == []
    assert V.feedback(200, {}, {"code": "50011"}) == []  # no request: no endpoint to blame
