"""Bybit v5: https://bybit-exchange.github.io/docs/v5/rate-limit (+ rules-for-vips), reference §9.
Every request costs 1 on the 600-per-5-s IP limit, and 1 (orders for batches) on its endpoint."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from ratekeeper.venues import venue

V = venue("bybit")

CASES: list[tuple[str, str, dict[str, Any], dict[str, float]]] = [
    ("GET", "/v5/market/tickers", {"category": "linear"}, {"ip_requests": 1}),  # market data: IP only
    ("GET", "/v5/market/orderbook", {"category": "spot", "symbol": "BTCUSDT"}, {"ip_requests": 1}),
    ("GET", "/v5/market/kline", {"category": "linear", "symbol": "BTCUSDT"}, {"ip_requests": 1}),
    ("GET", "/v5/market/instruments-info", {"category": "option"}, {"ip_requests": 1}),
    # create/amend/cancel: per category (linear+inverse 10/s, option 10/s, spot 20/s)
    ("POST", "/v5/order/create", {"category": "linear"}, {"ip_requests": 1, "order_create_futures": 1}),
    ("POST", "/v5/order/create", {"category": "inverse"}, {"ip_requests": 1, "order_create_futures": 1}),
    ("POST", "/v5/order/create", {"category": "spot"}, {"ip_requests": 1, "order_create_spot": 1}),
    ("POST", "/v5/order/create", {"category": "option"}, {"ip_requests": 1, "order_create_option": 1}),
    ("POST", "/v5/order/amend", {"category": "linear"}, {"ip_requests": 1, "order_amend_futures": 1}),
    ("POST", "/v5/order/cancel", {"category": "spot"}, {"ip_requests": 1, "order_cancel_spot": 1}),
    ("POST", "/v5/order/cancel-all", {"category": "option"}, {"ip_requests": 1, "order_cancel_all_option": 1}),
    # batch: consumption = number of orders
    (
        "POST",
        "/v5/order/create-batch",
        {"category": "linear", "request": [{}, {}, {}]},
        {"ip_requests": 1, "order_create_batch_futures": 3},
    ),
    (
        "POST",
        "/v5/order/cancel-batch",
        {"category": "spot", "request": [{}] * 10},
        {"ip_requests": 1, "order_cancel_batch_spot": 10},
    ),
    ("GET", "/v5/order/realtime", {"category": "linear"}, {"ip_requests": 1, "order_realtime": 1}),  # 50/s
    ("GET", "/v5/order/history", {"category": "linear"}, {"ip_requests": 1, "order_history": 1}),  # 50/s
    ("GET", "/v5/execution/list", {"category": "linear"}, {"ip_requests": 1, "execution_list": 1}),  # 50/s
    ("GET", "/v5/position/list", {"category": "linear"}, {"ip_requests": 1, "position_list": 1}),  # 50/s
    (
        "POST",
        "/v5/position/set-leverage",
        {"category": "linear"},
        {"ip_requests": 1, "position_set_leverage": 1},
    ),  # 10/s
    ("GET", "/v5/account/wallet-balance", {"accountType": "UNIFIED"}, {"ip_requests": 1, "account_wallet_balance": 1}),
    ("POST", "/v5/account/borrow", {}, {"ip_requests": 1, "account_borrow": 1}),  # 1/s
    ("GET", "/v5/account/fee-rate", {"category": "spot"}, {"ip_requests": 1, "account_fee_rate_spot": 1}),  # spot 5/s
    ("GET", "/v5/asset/coin/query-info", {}, {"ip_requests": 1, "asset_coin_query_info": 1}),  # 60/min
    ("POST", "/v5/asset/withdraw/create", {}, {"ip_requests": 1, "asset_withdraw_create": 1}),  # 5/s
]


@pytest.mark.parametrize(("method", "path", "payload", "expected"), CASES, ids=lambda x: str(x)[:30])
def test_weights(method: str, path: str, payload: dict[str, Any], expected: dict[str, float]) -> None:
    if method == "GET":
        assert V.cost(method, path, params=payload) == expected
    else:
        assert V.cost(method, path, payload) == expected


def test_limit_values() -> None:
    ip = V.limits["ip_requests"]
    assert (ip.capacity, ip.period, ip.scope) == (600, 5, "ip")
    assert V.limits["order_create_futures"].capacity == 10
    assert V.limits["order_create_option"].capacity == 10
    assert V.limits["order_create_spot"].capacity == 20
    assert V.limits["order_cancel_all_option"].capacity == 1
    assert V.limits["account_fee_rate_futures"].capacity == 10
    assert V.limits["asset_coin_query_info"].period == 60
    assert V.limits["order_realtime"].scope == "account"


@pytest.mark.parametrize(
    ("vip", "caps"),
    [
        (0, (10, 10, 20)),
        (1, (20, 20, 25)),
        (2, (40, 40, 30)),
        (3, (60, 60, 40)),
        (5, (60, 60, 40)),
        ("supreme", (60, 60, 40)),
    ],
)
def test_vip_levels_raise_the_trade_caps(vip: int | str, caps: tuple[int, int, int]) -> None:
    v = venue("bybit", vip=vip)
    got = tuple(v.limits[f"order_create_{p}"].capacity for p in ("futures", "option", "spot"))
    assert got == caps
    assert v.limits["order_cancel_batch_spot"].capacity == caps[2]
    assert v.limits["order_cancel_all_option"].capacity == 1  # not upgradable


def test_unknown_vip_is_an_error() -> None:
    with pytest.raises(ValueError, match="vip"):
        venue("bybit", vip=9)


def test_primary_follows_the_category() -> None:
    assert V.weigh("POST", "/v5/order/create", {"category": "spot"}).primary == "order_create_spot"
    assert V.weigh("GET", "/v5/order/realtime").primary == "order_realtime"


def test_headers_sync_the_endpoint_limit() -> None:
    now = 1_700_000_000.0
    weighed = V.weigh("POST", "/v5/order/create", {"category": "linear"})
    headers = {"X-Bapi-Limit": "10", "X-Bapi-Limit-Status": "9", "X-Bapi-Limit-Reset-Timestamp": "1700000000500"}
    [o] = V.feedback(200, headers, {"retCode": 0}, weighed, now=now)
    assert (o.limit, o.cap, o.remaining) == ("order_create_futures", 10, 9)
    assert o.reset_after == pytest.approx(0.5)


def test_ret_code_10006_blocks_the_endpoint_until_reset() -> None:
    now = 1_700_000_000.0
    weighed = V.weigh("GET", "/v5/position/list", params={"category": "linear"})
    headers = {"X-Bapi-Limit": "50", "X-Bapi-Limit-Status": "0", "X-Bapi-Limit-Reset-Timestamp": "1700000000800"}
    obs = V.feedback(200, headers, {"retCode": 10006, "retMsg": "Too many visits!"}, weighed, now=now)
    blocked = [o for o in obs if o.blocked_for]
    assert [o.limit for o in blocked] == ["position_list"]
    assert blocked[0].blocked_for == pytest.approx(0.8)


def test_ret_code_10006_without_headers_blocks_one_period() -> None:
    weighed = V.weigh("GET", "/v5/position/list", params={"category": "linear"})
    [o] = V.feedback(200, {}, {"retCode": 10006, "retMsg": "Too many visits!"}, weighed)
    assert (o.limit, o.blocked_for) == ("position_list", 1)


def test_403_ip_ban_blocks_ten_minutes() -> None:
    [o] = V.feedback(403, {}, "access too frequent")
    assert (o.limit, o.blocked_for) == ("ip_requests", 600)


def test_429_and_10429_system_protection() -> None:
    [o] = V.feedback(429, {}, None)
    assert (o.limit, o.blocked_for) == ("ip_requests", 1)
    [o] = V.feedback(200, {"Retry-After": "3"}, {"retCode": 10429})
    assert o.blocked_for == 3


def test_malformed_headers_warn(caplog: pytest.LogCaptureFixture) -> None:
    weighed = V.weigh("POST", "/v5/order/create", {"category": "linear"})
    headers = {"X-Bapi-Limit": "ten", "X-Bapi-Limit-Status": "", "X-Bapi-Limit-Reset-Timestamp": "123"}
    with caplog.at_level(logging.WARNING, logger="ratekeeper.venues"):
        assert V.feedback(200, headers, {"retCode": 0}, weighed) == []
    assert len(caplog.records) == 3
