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
    ("GET", "/v5/asset/coin/query-info", {}, {"ip_requests": 1, "asset_coin_query_info": 1}),  # 5/s
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
    # the rate-limit table: "/v5/asset/coin/query-info | 5 req/s" (this was encoded as 60 per
    # 60 s, the figure of /v5/asset/transfer/query-asset-info)
    query_info = V.limits["asset_coin_query_info"]
    assert (query_info.capacity, query_info.period) == (5, 1)
    asset_info = V.limits["asset_query_asset_info"]
    assert (asset_info.capacity, asset_info.period) == (60, 60)
    # "/v5/order/amend | 10/s | 10/s | 10/s": spot amend is 10/s, not create's 20/s
    assert V.limits["order_amend_spot"].capacity == 10
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


# ---------------------------------------------------------------------------------------------
# From the documents: (method, path, request, expected cost per limit, the line it comes from).
# Page: https://bybit-exchange.github.io/docs/v5/rate-limit ("API Rate Limit Table"); every
# request also spends 1 of "600 requests within a 5-second window per IP".

ORDER = {"symbol": "BTCUSDT", "side": "Buy", "orderType": "Limit", "qty": "0.001", "price": "1"}
IP1: dict[str, float] = {"ip_requests": 1}

DOC_CASES: list[tuple[str, str, dict[str, Any], dict[str, float], str]] = [
    (
        "POST",
        "/v5/order/amend",
        {"category": "spot", **ORDER},
        {**IP1, "order_amend_spot": 1},
        "/v5/order/amend | 10/s | 10/s | 10/s (spot 10/s)",
    ),
    (
        "POST",
        "/v5/order/amend",
        {"category": "option", **ORDER},
        {**IP1, "order_amend_option": 1},
        "/v5/order/amend | 10/s | 10/s | 10/s (option 10/s)",
    ),
    (
        "POST",
        "/v5/order/cancel",
        {"category": "inverse", **ORDER},
        {**IP1, "order_cancel_futures": 1},
        "/v5/order/cancel | 10/s (inverse and linear share the cell)",
    ),
    (
        "POST",
        "/v5/order/cancel-all",
        {"category": "spot"},
        {**IP1, "order_cancel_all_spot": 1},
        "/v5/order/cancel-all | 10/s | 1/s | 20/s",
    ),
    (
        "POST",
        "/v5/order/amend-batch",
        {"category": "option", "request": [ORDER] * 5},
        {**IP1, "order_amend_batch_option": 5},
        "if a batch order request is made once and contains 5 orders, then the request limit will consume 5",
    ),
    (
        "POST",
        "/v5/order/create-batch",
        {"category": "spot", "request": [ORDER] * 10},
        {**IP1, "order_create_batch_spot": 10},
        "The batch APIs allows 1-10 orders/request",
    ),
    (
        "POST",
        "/v5/order/disconnected-cancel-all",
        {"timeWindow": 40},
        {**IP1, "order_disconnected_cancel_all": 1},
        "/v5/order/disconnected-cancel-all | 5/s",
    ),
    (
        "GET",
        "/v5/order/spot-borrow-check",
        {"category": "spot", "symbol": "BTCUSDT", "side": "Buy"},
        {**IP1, "order_spot_borrow_check": 1},
        "/v5/order/spot-borrow-check | - | 50/s",
    ),
    (
        "GET",
        "/v5/position/closed-pnl",
        {"category": "linear"},
        {**IP1, "position_closed_pnl": 1},
        "/v5/position/closed-pnl | 50/s",
    ),
    (
        "GET",
        "/v5/account/withdrawal",
        {"coinName": "USDT"},
        {**IP1, "account_withdrawal": 1},
        "/v5/account/withdrawal | 50/s",
    ),
    ("POST", "/v5/account/repay", {"coin": "USDT"}, {**IP1, "account_repay": 1}, "/v5/account/repay | 1/s"),
    (
        "POST",
        "/v5/account/no-convert-repay",
        {"coin": "USDT"},
        {**IP1, "account_no_convert_repay": 1},
        "/v5/account/no-convert-repay | 1/s",
    ),
    ("GET", "/v5/asset/coin-greeks", {}, {**IP1, "asset_coin_greeks": 1}, "/v5/asset/coin-greeks | 50/s"),
    (
        "GET",
        "/v5/account/fee-rate",
        {"category": "option"},
        {**IP1, "account_fee_rate_option": 1},
        "/v5/account/fee-rate category=option | 5/s",
    ),
    (
        "GET",
        "/v5/account/fee-rate",
        {"category": "inverse"},
        {**IP1, "account_fee_rate_futures": 1},
        "/v5/account/fee-rate category=inverse | 10/s",
    ),
    (
        "GET",
        "/v5/asset/transfer/query-asset-info",
        {"accountType": "SPOT"},
        {**IP1, "asset_query_asset_info": 1},
        "GET /v5/asset/transfer/query-asset-info | 60 req/min",
    ),
    (
        "GET",
        "/v5/asset/transfer/query-universal-transfer-list",
        {},
        {**IP1, "asset_universal_transfer_list": 1},
        "/v5/asset/transfer/query-universal-transfer-list | 5 req/s",
    ),
    (
        "GET",
        "/v5/asset/deposit/query-sub-member-record",
        {"subMemberId": "1"},
        {**IP1, "asset_sub_deposit_records": 1},
        "/v5/asset/deposit/query-sub-member-record | 300 req/min",
    ),
    (
        "GET",
        "/v5/asset/exchange/order-record",
        {},
        {**IP1, "asset_exchange_order_record": 1},
        "/v5/asset/exchange/order-record | 600 req/min",
    ),
    (
        "POST",
        "/v5/asset/transfer/inter-transfer",
        {"coin": "USDT"},
        {**IP1, "asset_inter_transfer": 1},
        "POST /v5/asset/transfer/inter-transfer | 60 req/min",
    ),
    (
        "POST",
        "/v5/asset/transfer/save-transfer-sub-member",
        {},
        {**IP1, "asset_save_transfer_sub_member": 1},
        "/v5/asset/transfer/save-transfer-sub-member | 20 req/s",
    ),
    (
        "POST",
        "/v5/asset/withdraw/cancel",
        {"id": "1"},
        {**IP1, "asset_withdraw_cancel": 1},
        "/v5/asset/withdraw/cancel | 60 req/min",
    ),
    (
        "POST",
        "/v5/user/create-sub-member",
        {},
        {**IP1, "user_create_sub_member": 1},
        "POST v5/user/create-sub-member | 1 req/s",
    ),
    ("POST", "/v5/user/delete-sub-api", {}, {**IP1, "user_delete_sub_api": 1}, "/v5/user/delete-sub-api | 5 req/s"),
    ("GET", "/v5/user/query-api", {}, {**IP1, "user_query_api": 1}, "/v5/user/query-api | 10 req/s"),
    (
        "POST",
        "/v5/spread/order/create",
        {"symbol": "SOLUSDT_SOL/USDT"},
        {**IP1, "spread_order_create": 1},
        "Spread Trading: Create Spread Order | 20 req/s",
    ),
    (
        "POST",
        "/v5/spread/order/cancel-all",
        {},
        {**IP1, "spread_order_cancel_all": 1},
        "Spread Trading: Cancel All Spread Orders | 5 req/s",
    ),
    (
        "GET",
        "/v5/spread/execution/list",
        {},
        {**IP1, "spread_execution_list": 1},
        "Spread Trading: Get Spread Trade History | 50 req/s",
    ),
    (
        "GET",
        "/v5/broker/earnings-info",
        {},
        {**IP1, "broker_earnings_info": 1},
        "broker/exchange-earning: API rate limit: 10 req / sec",
    ),
    (
        "POST",
        "/v5/spot-margin-trade/set-leverage",
        {"leverage": "2"},
        IP1,
        "Spot Margin Trade (UTA): For now, there is no limit for endpoints under this category",
    ),
    (
        "GET",
        "/v5/market/premium-index-price-kline",
        {"category": "linear", "symbol": "BTCUSDT"},
        IP1,
        "600 requests within a 5-second window per IP (market data: no API key, no per-UID limit)",
    ),
]


@pytest.mark.parametrize(("method", "path", "payload", "expected", "quote"), DOC_CASES, ids=lambda x: str(x)[:40])
def test_documented_weights(
    method: str, path: str, payload: dict[str, Any], expected: dict[str, float], quote: str
) -> None:
    weighed = V.weigh(method, path, payload) if method == "POST" else V.weigh(method, path, params=payload)
    assert weighed.known, quote
    assert dict(weighed.cost) == expected, quote
    for name in expected:
        if name != "ip_requests":
            assert V.limits[name].scope == "account", quote


def test_unknown_endpoints_are_priced_by_class(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ratekeeper.venues"):
        public = V.weigh("GET", "/v5/market/not-yet-documented")
        private = V.weigh("POST", "/v5/account/not-yet-documented")
    assert (public.known, dict(public.cost)) == (False, {"ip_requests": 1})
    assert (private.known, dict(private.cost)) == (False, {"ip_requests": 1, "other": 1})
    text = " ".join(r.getMessage() for r in caplog.records)
    assert "/v5/market/not-yet-documented" in text and "/v5/account/not-yet-documented" in text


def test_vip_levels_keep_amend_spot_at_its_own_default() -> None:
    assert venue("bybit").limits["order_amend_spot"].capacity == 10
    assert venue("bybit", vip=1).limits["order_amend_spot"].capacity == 25  # the VIP table's spot figure


def test_unlisted_endpoint_headers_name_no_limit() -> None:
    # an endpoint without a published per-UID limit: its X-Bapi-Limit headers must not be taken
    # for the IP limit's (600 per 5 s)
    weighed = V.weigh("POST", "/v5/position/set-risk-limit", {"category": "linear"})
    assert weighed.primary is None
    headers = {"X-Bapi-Limit": "10", "X-Bapi-Limit-Status": "0", "X-Bapi-Limit-Reset-Timestamp": "1700000000500"}
    assert V.feedback(200, headers, {"retCode": 10006, "retMsg": "Too many visits!"}, weighed, now=1.7e9) == []


# Recorded answers, shaped as the documents show them (rate-limit page's header example;
# error-code page: 10006 "Too many visits!", 10429 system protection, 403 IP ban).
RECORDED_OK_HEADERS = {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": "141",
    "X-Bapi-Limit": "100",
    "X-Bapi-Limit-Status": "99",
    "X-Bapi-Limit-Reset-Timestamp": "1672738134824",
}
RECORDED_10006 = {"retCode": 10006, "retMsg": "Too many visits!", "result": {}, "retExtInfo": {}, "time": 1672738134824}


def test_recorded_answer_syncs_the_endpoint_limit() -> None:
    weighed = V.weigh("GET", "/v5/order/realtime", params={"category": "linear"})
    body = {"retCode": 0, "retMsg": "OK", "result": {"list": []}, "retExtInfo": {}, "time": 1672738134824}
    [o] = V.feedback(200, RECORDED_OK_HEADERS, body, weighed, now=1672738134.824)
    assert (o.limit, o.cap, o.remaining, o.reset_after) == ("order_realtime", 100, 99, 0)


def test_recorded_10006_blocks_the_endpoint_until_the_reset_timestamp() -> None:
    weighed = V.weigh("POST", "/v5/order/amend", {"category": "spot", "symbol": "BTCUSDT", "orderId": "1"})
    headers = {**RECORDED_OK_HEADERS, "X-Bapi-Limit": "10", "X-Bapi-Limit-Status": "0"}
    headers["X-Bapi-Limit-Reset-Timestamp"] = "1672738135224"
    obs = V.feedback(200, headers, RECORDED_10006, weighed, now=1672738134.824)
    synced = [o for o in obs if o.blocked_for is None]
    blocked = [o for o in obs if o.blocked_for]
    assert [(o.limit, o.cap, o.remaining) for o in synced] == [("order_amend_spot", 10, 0)]
    assert [o.limit for o in blocked] == ["order_amend_spot"]
    assert blocked[0].blocked_for == pytest.approx(0.4)


def test_recorded_10429_and_403() -> None:
    body = {"retCode": 10429, "retMsg": "System level frequency protection", "result": {}, "retExtInfo": {}}
    [o] = V.feedback(200, {}, body)
    assert (o.limit, o.blocked_for) == ("ip_requests", 1)
    [o] = V.feedback(403, {"Content-Type": "text/html"}, "<html><body>403 Forbidden: access too frequent</body></html>")
    assert (o.limit, o.blocked_for) == ("ip_requests", 600)
