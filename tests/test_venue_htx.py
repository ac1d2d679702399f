"""HTX spot (https://huobiapi.github.io/docs/spot/v1/en/) and USDT-M swaps
(https://huobiapi.github.io/docs/usdt_swap/v1/en/ "API Rate Limit Illustration") — reference §6."""

from __future__ import annotations

import logging

import pytest

from ratekeeper.venues import venue

SPOT = venue("htx")
SWAP = venue("htx_usdtm")

SPOT_CASES: list[tuple[str, str, dict[str, float]]] = [
    ("POST", "/v1/order/orders/place", {"place_order": 1}),  # NEW: 100 / 2 s per UID
    ("POST", "/v1/order/batch-orders", {"batch_orders": 1}),  # 50 / 2 s
    ("POST", "/v1/order/orders/59378/submitcancel", {"cancel_order": 1}),  # 100 / 2 s
    ("POST", "/v1/order/orders/submitCancelClientOrder", {"cancel_client_order": 1}),  # 100 / 2 s
    ("POST", "/v1/order/cancelAllOrders", {"cancel_all": 1}),  # 1 / 2 s
    ("POST", "/v1/order/orders/batchcancel", {"batch_cancel": 1}),  # 50 / 2 s
    ("GET", "/v1/order/openOrders", {"open_orders": 1}),  # 50 / 2 s
    ("GET", "/v1/order/orders/59378", {"order_detail": 1}),  # 50 / 2 s
    ("GET", "/v1/order/orders/getClientOrder", {"client_order_detail": 1}),
    ("GET", "/v1/order/orders/59378/matchresults", {"order_match_results": 1}),
    ("GET", "/v1/order/orders", {"search_orders": 1}),  # search past orders 50 / 2 s
    ("GET", "/v1/order/history", {"order_history": 1}),  # history (48 h) 20 / 2 s
    ("GET", "/v1/order/matchresults", {"match_results": 1}),  # 20 / 2 s
    ("POST", "/v2/algo-orders", {"algo_orders": 1}),  # algo orders 20 / 2 s
    ("GET", "/v2/algo-orders/opening", {"algo_orders": 1}),
    ("GET", "/v1/account/accounts", {"accounts": 1}),  # 100 / 2 s
    ("GET", "/v1/account/accounts/123/balance", {"account_balance": 1}),  # 100 / 2 s
    ("GET", "/market/history/kline", {"market_kline": 1}),  # 4500 / 5 min
    ("GET", "/market/depth", {"market_depth": 1}),  # 4000 / 5 min
    ("GET", "/market/history/trade", {"market_history_trade": 1}),  # 3000 / 5 min
    ("GET", "/v1/common/symbols", {"legacy_ip": 1}),  # legacy: 10/s per IP without a key
    ("GET", "/v2/account/ledger", {"legacy_key": 1}),  # legacy: 10/s per API key
]


@pytest.mark.parametrize(("method", "path", "expected"), SPOT_CASES, ids=lambda x: str(x)[:30])
def test_spot_weights(method: str, path: str, expected: dict[str, float]) -> None:
    assert SPOT.cost(method, path) == expected


def test_spot_limit_values() -> None:
    assert (SPOT.limits["place_order"].capacity, SPOT.limits["place_order"].period) == (100, 2)
    assert SPOT.limits["place_order"].scope == "account"
    assert SPOT.limits["cancel_all"].capacity == 1
    assert (SPOT.limits["market_kline"].capacity, SPOT.limits["market_kline"].period) == (4500, 300)
    assert SPOT.limits["legacy_key"].scope == "key" and SPOT.limits["legacy_key"].capacity == 10
    assert SPOT.cost("GET", "/v1/unknown/thing") == {"legacy_key": 1, "legacy_ip": 1}


SWAP_CASES: list[tuple[str, str, dict[str, float]]] = [
    ("POST", "/linear-swap-api/v1/swap_order", {"trade": 1}),  # trade 72 / 3 s per UID
    ("POST", "/linear-swap-api/v1/swap_cross_order", {"trade": 1}),
    ("POST", "/linear-swap-api/v1/swap_cross_batchorder", {"trade": 1}),
    ("POST", "/linear-swap-api/v1/swap_cross_cancel", {"trade": 1}),
    ("POST", "/linear-swap-api/v1/swap_cross_cancelall", {"trade": 1}),
    ("POST", "/linear-swap-api/v1/swap_cross_switch_lever_rate", {"trade": 1}),
    ("POST", "/linear-swap-api/v1/swap_cross_account_info", {"read": 1}),  # read 72 / 3 s per UID
    ("POST", "/linear-swap-api/v1/swap_cross_position_info", {"read": 1}),
    ("POST", "/linear-swap-api/v1/swap_cross_openorders", {"read": 1}),
    ("POST", "/linear-swap-api/v1/swap_cross_order_info", {"read": 1}),
    ("POST", "/linear-swap-api/v1/swap_cross_hisorders_exact", {"read": 1}),
    ("GET", "/linear-swap-api/v1/swap_contract_info", {"market": 1}),  # contract info: market 800/s per IP
    ("GET", "/linear-swap-ex/market/depth", {"market": 1}),
    ("GET", "/linear-swap-ex/market/history/kline", {"market": 1}),
    ("GET", "/linear-swap-ex/market/detail/merged", {"market": 1}),
    ("GET", "/linear-swap-ex/market/trade", {"market": 1}),
    ("GET", "/index/market/history/linear_swap_mark_price_kline", {"market": 1}),
    ("GET", "/linear-swap-api/v1/swap_index", {"public": 1}),  # non-market public 240 / 3 s per IP
    ("GET", "/linear-swap-api/v1/swap_price_limit", {"public": 1}),
    ("GET", "/linear-swap-api/v1/swap_open_interest", {"public": 1}),
    ("GET", "/linear-swap-api/v1/swap_funding_rate", {"public": 1}),
    ("GET", "/linear-swap-api/v1/swap_some_new_public_thing", {"public": 1}),
]


@pytest.mark.parametrize(("method", "path", "expected"), SWAP_CASES, ids=lambda x: str(x)[:40])
def test_usdtm_weights(method: str, path: str, expected: dict[str, float]) -> None:
    assert SWAP.cost(method, path) == expected


def test_usdtm_limits_and_unknown_private() -> None:
    assert (SWAP.limits["trade"].capacity, SWAP.limits["trade"].period) == (72, 3)
    assert (SWAP.limits["read"].capacity, SWAP.limits["read"].period) == (72, 3)
    assert (SWAP.limits["public"].capacity, SWAP.limits["public"].period, SWAP.limits["public"].scope) == (240, 3, "ip")
    assert (SWAP.limits["market"].capacity, SWAP.limits["market"].period) == (800, 1)
    assert SWAP.cost("POST", "/linear-swap-api/v1/swap_new_private") == {"trade": 1, "read": 1}


# ------------------------------------------------------------------------------ feedback

NOW = 1_700_000_000.0


def test_spot_headers() -> None:
    weighed = SPOT.weigh("POST", "/v1/order/orders/place")
    headers = {"X-HB-RateLimit-Requests-Remain": "97", "X-HB-RateLimit-Requests-Expire": "1700000001500"}
    [o] = SPOT.feedback(200, headers, {"status": "ok"}, weighed, now=NOW)
    assert (o.limit, o.remaining) == ("place_order", 97)
    assert o.reset_after == pytest.approx(1.5)


def test_spot_expire_as_milliseconds_left() -> None:
    weighed = SPOT.weigh("GET", "/v1/order/openOrders")
    [o] = SPOT.feedback(
        200, {"X-HB-RateLimit-Requests-Remain": "3", "X-HB-RateLimit-Requests-Expire": "800"}, {}, weighed, now=NOW
    )
    assert o.reset_after == pytest.approx(0.8)


def test_spot_429_and_40403() -> None:
    weighed = SPOT.weigh("POST", "/v1/order/orders/place")
    [o] = SPOT.feedback(429, {}, None, weighed, now=NOW)
    assert (o.limit, o.blocked_for) == ("place_order", 2)
    [o] = SPOT.feedback(200, {"Retry-After": "1"}, {"code": 40403, "message": "Too many requests"}, weighed, now=NOW)
    assert o.blocked_for == 1
    [o] = SPOT.feedback(200, {}, {"status": "error", "err-code": "api-request-too-frequent"}, weighed, now=NOW)
    assert o.limit == "place_order"


def test_spot_malformed_expire_warns(caplog: pytest.LogCaptureFixture) -> None:
    weighed = SPOT.weigh("POST", "/v1/order/orders/place")
    headers = {"X-HB-RateLimit-Requests-Remain": "5", "X-HB-RateLimit-Requests-Expire": "99999999"}
    with caplog.at_level(logging.WARNING, logger="ratekeeper.venues"):
        [o] = SPOT.feedback(200, headers, {}, weighed, now=NOW)
    assert o.reset_after is None and o.remaining == 5
    assert caplog.records


def test_usdtm_headers() -> None:
    weighed = SWAP.weigh("POST", "/linear-swap-api/v1/swap_cross_order")
    headers = {
        "ratelimit-limit": "72",
        "ratelimit-interval": "3000",
        "ratelimit-remaining": "70",
        "ratelimit-reset": "1700000002000",
    }
    [o] = SWAP.feedback(200, headers, {"status": "ok"}, weighed, now=NOW)
    assert (o.limit, o.cap, o.remaining) == ("trade", 72, 70)
    assert o.reset_after == pytest.approx(2)


def test_usdtm_header_for_another_window_does_not_change_the_cap() -> None:
    weighed = SWAP.weigh("POST", "/linear-swap-api/v1/swap_cross_order")
    headers = {"ratelimit-limit": "144", "ratelimit-interval": "6000", "ratelimit-remaining": "100"}
    [o] = SWAP.feedback(200, headers, {}, weighed, now=NOW)
    assert o.cap is None and o.remaining == 100


def test_usdtm_1032_blocks_the_budget() -> None:
    weighed = SWAP.weigh("POST", "/linear-swap-api/v1/swap_cross_account_info")
    body = {"status": "error", "err_code": 1032, "err_msg": "The number of access exceeded the limit."}
    [o] = SWAP.feedback(200, {}, body, weighed, now=NOW)
    assert (o.limit, o.blocked_for) == ("read", 3)


def test_usdtm_1084_cancel_ratio_ban() -> None:
    body = {"status": "error", "err_code": 1084, "err_msg": "Your contract API is disabled"}
    [o] = SWAP.feedback(200, {"recovery-time": "1700000300000"}, body, now=NOW)
    assert o.limit == "trade"
    assert o.blocked_for == pytest.approx(300)
    [o] = SWAP.feedback(200, {}, body, now=NOW)
    assert o.blocked_for == 300


def test_usdtm_malformed_headers_warn(caplog: pytest.LogCaptureFixture) -> None:
    weighed = SWAP.weigh("POST", "/linear-swap-api/v1/swap_cross_order")
    with caplog.at_level(logging.WARNING, logger="ratekeeper.venues"):
        out = SWAP.feedback(200, {"ratelimit-remaining": "?", "ratelimit-reset": "12"}, {}, weighed, now=NOW)
    assert out == []
    assert len(caplog.records) == 2
