"""HTX spot (https://huobiapi.github.io/docs/spot/v1/en/), USDT-M swaps
(https://huobiapi.github.io/docs/usdt_swap/v1/en/) and coin-M swaps and futures
(https://huobiapi.github.io/docs/coin_margined_swap/v1/en/, https://huobiapi.github.io/docs/dm/v1/en/).

Each table case quotes the line of the document its number comes from (copies of the pages:
rosssaunders/coincise docs/htx/, scraped 2025-11)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pytest

import ratekeeper as rk
from ratekeeper.http import build_gate
from ratekeeper.testing import FakeClock
from ratekeeper.venues import venue
from ratekeeper.venues._coverage import coverage
from ratekeeper.venues._model import _forget_unknown
from ratekeeper.venues.documented import table

SPOT = venue("htx")
SWAP = venue("htx_usdtm")
COINM = venue("htx_coinm")

Case = tuple[str, str, "Mapping[str, Any] | None", dict[str, float], tuple[float, float, str], str]
"""(method, path, params, expected cost, (capacity, period, scope) of the first limit charged, quote)."""

SIGNED = {"AccessKeyId": "k", "SignatureMethod": "HmacSHA256", "Signature": "s"}

# ------------------------------------------------------------------------------ spot

SPOT_CASES: list[Case] = [
    ("GET", "/v1/account/accounts", None, {"accounts": 1}, (100, 2, "account"), "Rate Limit: 100times/2s"),
    (
        "GET",
        "/v1/account/accounts/100009/balance",
        None,
        {"account_balance": 1},
        (100, 2, "account"),
        "Get Account Balance of a Specific Account — Rate Limit: 100times/2s",
    ),
    ("GET", "/v2/account/valuation", None, {"account_valuation": 1}, (3, 1, "account"), "Rate Limit: 3/1s"),
    ("GET", "/v1/account/history", None, {"account_history": 1}, (5, 2, "account"), "Rate Limit: 5times/2s"),
    ("GET", "/v2/point/account", None, {"point_account": 1}, (2, 1, "account"), "Rate Limit: 2times/s"),
    ("GET", "/v1/account/overview/info", None, {"fee_overview_info": 1}, (5, 1, "account"), "Rate Limit: 5 times/1s"),
    ("POST", "/v1/account/fee/switch", None, {"fee_switch": 1}, (2, 1, "account"), "Rate Limit: 2 times/1s"),
    ("POST", "/v1/order/orders/place", None, {"place_order": 1}, (100, 2, "account"), "Rate Limit: 100times/2s"),
    ("POST", "/v1/order/batch-orders", None, {"batch_orders": 1}, (50, 2, "account"), "Rate Limit: 50times/2s"),
    (
        "POST",
        "/v1/order/auto/place",
        None,
        {"margin_order": 1},
        (100, 2, "account"),
        "/v1/order/auto/place (Margin Order) Rate Limit: 100times/2s",
    ),
    (
        "POST",
        "/v1/order/orders/59378/submitcancel",
        None,
        {"cancel_order": 1},
        (100, 2, "account"),
        "Submit Cancel for an Order — Rate Limit: 100times/2s",
    ),
    ("GET", "/v1/order/cancelAllOrders", None, {"cancel_all": 1}, (1, 2, "account"), "Rate Limit: 1 times/2s"),
    ("POST", "/v1/order/cancelAllOrders", None, {"cancel_all": 1}, (1, 2, "account"), "Rate Limit: 1 times/2s"),
    ("GET", "/v1/order/openOrders", None, {"open_orders": 1}, (50, 2, "account"), "Rate Limit: 50times/2s"),
    ("GET", "/v1/order/orders/59378", None, {"order_detail": 1}, (50, 2, "account"), "Rate Limit: 50times/2s"),
    ("GET", "/v1/order/orders", None, {"search_orders": 1}, (50, 2, "account"), "Search Past Orders: 50times/2s"),
    ("GET", "/v1/order/history", None, {"order_history": 1}, (20, 2, "account"), "Rate Limit: 20times/2s"),
    ("GET", "/v2/reference/transact-fee-rate", None, {"fee_rate": 1}, (50, 2, "account"), "Rate Limit: 50 times / 2s"),
    ("POST", "/v2/algo-orders", None, {"algo_place": 1}, (20, 2, "account"), "Rate Limit: 20times/2sec"),
    ("GET", "/v2/algo-orders/opening", None, {"algo_opening": 1}, (20, 2, "account"), "Rate Limit: 20times/2sec"),
    ("POST", "/v2/account/repayment", None, {"repay": 1}, (2, 1, "account"), "Repay Margin Loan — Rate Limit: 2/s"),
    (
        "GET",
        "/v2/account/repayment",
        None,
        {"repayment_record": 1},
        (2, 2, "account"),
        "Repayment Record Reference — Rate Limit: 2times/2s",
    ),
    (
        "POST",
        "/v1/margin/orders",
        None,
        {"isolated_loan": 1},
        (2, 2, "account"),
        "/v1/margin/orders (Request a Margin Loan (Isolated)) Rate Limit: 2times/2s",
    ),
    ("GET", "/v1/margin/loan-orders", None, {"isolated_loan_orders": 1}, (100, 2, "account"), "100times/2s"),
    ("POST", "/v1/cross-margin/orders", None, {"cross_loan": 1}, (2, 2, "account"), "Rate Limit: 2times/2s"),
    ("GET", "/v1/cross-margin/accounts/balance", None, {"cross_balance": 1}, (2, 2, "account"), "2times/2s"),
    ("POST", "/v2/sub-user/management", None, {"sub_user_management": 1}, (20, 2, "account"), "20times/2s"),
    ("GET", "/v1/account/accounts/12345", None, {"sub_user_balance": 1}, (20, 2, "account"), "20times/2s"),
    (
        "POST",
        "/v1/dw/withdraw/api/create",
        None,
        {"withdraw_create": 1},
        (20, 2, "account"),
        "2020-06-04 announcement: Create a Withdraw Request /v1/dw/withdraw/api/create 20times/2s",
    ),
    (
        "POST",
        "/v2/account/transfer",
        None,
        {"general_transfer": 1},
        (1, 1, "account"),
        "USDT-M page, /v2/account/transfer: Rate Limit: 1 times/second",
    ),
    (
        "POST",
        "/v1/futures/transfer",
        None,
        {"futures_transfer": 1},
        (1, 1, "account"),
        "coin-M futures page, /v1/futures/transfer: Rate Limit: 1times/1s",
    ),
    ("GET", "/market/history/kline", None, {"market_kline": 1}, (4500, 300, "ip"), "Rate Limit: 4,500 5 minutes"),
    ("GET", "/market/depth", None, {"market_depth": 1}, (4000, 300, "ip"), "Rate Limit: 4,000 5 minutes"),
    ("GET", "/market/history/trade", None, {"market_history_trade": 1}, (3000, 300, "ip"), "3,000 5 minutes"),
    ("GET", "/market/detail", None, {"market_detail": 1}, (4500, 300, "ip"), "Rate Limit: 4,500 5 minutes"),
    ("GET", "/market/fullMbp", None, {"market_full_mbp": 1}, (5, 1, "ip"), "Rate Limit: 5 times/1s"),
    (
        "GET",
        "/v2/settings/common/symbols",
        None,
        {"legacy_ip": 1},
        (10, 1, "ip"),
        "no Rate Limit line: legacy rule, 10 per second per IP without an API key",
    ),
    (
        "GET",
        "/v2/account/ledger",
        None,
        {"legacy_key": 1},
        (10, 1, "key"),
        "no Rate Limit line: legacy rule, 10 per second per API key",
    ),
    ("GET", "/v2/user/uid", None, {"legacy_key": 1}, (10, 1, "key"), "Get UID: no Rate Limit line: 10/s per key"),
]


def _check_case(v: rk.venues.Venue, case: Case) -> None:
    method, path, params, expected, (capacity, period, scope), _quote = case
    assert v.cost(method, path, None, params) == expected
    first = v.limits[next(iter(expected))]
    assert (first.capacity, first.period, first.scope) == (capacity, period, scope)


@pytest.mark.parametrize("case", SPOT_CASES, ids=lambda c: f"{c[0]} {c[1]}")
def test_spot_documented_cases(case: Case) -> None:
    _check_case(SPOT, case)


def test_spot_margin_loan_has_its_own_small_budget() -> None:
    # issue #15: POST /v1/margin/orders was encoded 100 per 2 s; the page says 2times/2s
    assert SPOT.cost("POST", "/v1/margin/orders") == {"isolated_loan": 1}
    limit = SPOT.limits["isolated_loan"]
    assert (limit.capacity, limit.period, limit.scope) == (2, 2, "account")


def test_spot_unknown_endpoints_are_priced_by_class(caplog: pytest.LogCaptureFixture) -> None:
    _forget_unknown()
    with caplog.at_level(logging.WARNING, logger="ratekeeper.venues"):
        assert SPOT.cost("GET", "/market/new-thing") == {"legacy_ip": 1}
        assert SPOT.cost("GET", "/v2/new/private-thing") == {"legacy_key": 1}
        assert SPOT.cost("GET", "/market/new-thing", None, SIGNED) == {"legacy_key": 1}
    text = caplog.text
    assert "GET /market/new-thing" in text and "legacy_ip" in text
    assert "GET /v2/new/private-thing" in text and "legacy_key" in text


# ------------------------------------------------------------------------------ USDT-M

ALL = "at most 144 times every 3 seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read ...: 72)"
SWAP_CASES: list[Case] = [
    ("POST", "/linear-swap-api/v1/swap_order", None, {"trade": 1}, (72, 3, "account"), ALL + "; permission Trade"),
    ("POST", "/linear-swap-api/v1/swap_cross_order", None, {"trade": 1}, (72, 3, "account"), ALL),
    ("POST", "/linear-swap-api/v1/swap_cross_batchorder", None, {"trade": 1}, (72, 3, "account"), ALL),
    ("POST", "/linear-swap-api/v1/swap_cross_cancel", None, {"trade": 1}, (72, 3, "account"), ALL),
    ("POST", "/linear-swap-api/v1/swap_cross_cancelall", None, {"trade": 1}, (72, 3, "account"), ALL),
    ("POST", "/linear-swap-api/v1/linear-cancel-after", None, {"trade": 1}, (72, 3, "account"), "permission Trade"),
    ("POST", "/linear-swap-api/v1/swap_cross_account_info", None, {"read": 1}, (72, 3, "account"), ALL + "; Read"),
    ("POST", "/linear-swap-api/v1/swap_cross_position_info", None, {"read": 1}, (72, 3, "account"), ALL),
    ("POST", "/linear-swap-api/v1/swap_cross_openorders", None, {"read": 1}, (72, 3, "account"), ALL),
    ("POST", "/linear-swap-api/v3/swap_cross_hisorders", None, {"read": 1}, (72, 3, "account"), ALL),
    ("POST", "/linear-swap-api/v1/swap_balance_valuation", None, {"read": 1}, (72, 3, "account"), ALL),
    ("GET", "/linear-swap-api/v1/swap_api_trading_status", SIGNED, {"read": 1}, (72, 3, "account"), ALL),
    (
        "POST",
        "/linear-swap-api/v1/swap_cross_switch_lever_rate",
        None,
        {"trade": 1, "swap_cross_switch_lever_rate": 1},
        (72, 3, "account"),
        "Rate Limit: 1 time per 3 seconds.",
    ),
    (
        "POST",
        "/linear-swap-api/v1/swap_cross_trigger_order",
        None,
        {"trade": 1, "swap_cross_trigger_order": 1},
        (72, 3, "account"),
        "Rate Limit: 5 times per second.",
    ),
    (
        "POST",
        "/linear-swap-api/v1/swap_tpsl_cancelall",
        None,
        {"trade": 1, "swap_tpsl_cancelall": 1},
        (72, 3, "account"),
        "Rate Limit: 5 times per second.",
    ),
    (
        "POST",
        "/linear-swap-api/v1/swap_trigger_openorders",
        None,
        {"read": 1, "swap_trigger_openorders": 1},
        (72, 3, "account"),
        "Rate Limit: 5 times per second. (permission Read)",
    ),
    (
        "GET",
        "/linear-swap-api/v1/swap_query_elements",
        None,
        {"swap_query_elements": 1},
        (20, 2, "ip"),
        "Rate Limit: 20 times/2s",
    ),
    ("GET", "/linear-swap-api/v1/swap_index", None, {"public": 1}, (240, 3, "ip"), "240 times every 3 second ... IP"),
    ("GET", "/linear-swap-api/v1/swap_price_limit", None, {"public": 1}, (240, 3, "ip"), "240 times every 3 second"),
    ("GET", "/linear-swap-api/v1/swap_funding_rate", None, {"public": 1}, (240, 3, "ip"), "240 times every 3 second"),
    ("GET", "/linear-swap-api/v1/swap_contract_info", None, {"public": 1}, (240, 3, "ip"), "its page: 240 per 3 s"),
    ("GET", "/linear-swap-api/v3/swap_liquidation_orders", None, {"public": 1}, (240, 3, "ip"), "240 per 3 s"),
    ("GET", "/api/v1/timestamp", None, {"public": 1}, (240, 3, "ip"), "240 times every 3 second"),
    ("GET", "/linear-swap-ex/market/depth", None, {"market": 1}, (800, 1, "ip"), "800 times/second for one IP"),
    ("GET", "/linear-swap-ex/market/bbo", None, {"market": 1}, (800, 1, "ip"), "800 times/second for one IP"),
    ("GET", "/v2/linear-swap-ex/market/detail/batch_merged", None, {"market": 1}, (800, 1, "ip"), "800/s"),
    ("GET", "/linear-swap-api/v1/swap_his_open_interest", None, {"market": 1}, (800, 1, "ip"), "800/s"),
    ("GET", "/index/market/history/linear_swap_basis", None, {"market": 1}, (800, 1, "ip"), "800/s"),
]


@pytest.mark.parametrize("case", SWAP_CASES, ids=lambda c: f"{c[0]} {c[1]}")
def test_usdtm_documented_cases(case: Case) -> None:
    _check_case(SWAP, case)


def test_usdtm_unknown_endpoints_are_priced_by_class() -> None:
    assert SWAP.cost("GET", "/linear-swap-api/v1/swap_some_new_public_thing") == {"public": 1}
    assert SWAP.cost("POST", "/linear-swap-api/v1/swap_new_private") == {"trade": 1, "read": 1}
    assert SWAP.cost("GET", "/linear-swap-api/v1/swap_new_private", None, SIGNED) == {"trade": 1, "read": 1}


# ------------------------------------------------------------------------------ coin-M

COIN = "at most 72 times every 3 seconds for each UID (Trade Interface: at most 36 times every 3 seconds. Read: 36)"
COINM_CASES: list[Case] = [
    ("POST", "/swap-api/v1/swap_order", None, {"swap_trade": 1}, (36, 3, "account"), COIN + "; Trade"),
    ("POST", "/swap-api/v1/swap_batchorder", None, {"swap_trade": 1}, (36, 3, "account"), COIN),
    ("POST", "/swap-api/v1/swap_cancel", None, {"swap_trade": 1}, (36, 3, "account"), COIN),
    ("POST", "/swap-api/v1/swap_account_info", None, {"swap_read": 1}, (36, 3, "account"), COIN + "; Read"),
    ("POST", "/swap-api/v1/swap_position_info", None, {"swap_read": 1}, (36, 3, "account"), COIN),
    ("POST", "/swap-api/v3/swap_hisorders", None, {"swap_read": 1}, (36, 3, "account"), COIN),
    (
        "POST",
        "/swap-api/v1/swap_switch_lever_rate",
        None,
        {"swap_trade": 1, "swap_switch_lever_rate": 1},
        (36, 3, "account"),
        "Switch Leverage: Rate Limit: 1 time per 3 seconds",
    ),
    (
        "POST",
        "/swap-api/v1/swap_trigger_order",
        None,
        {"swap_trade": 1, "swap_trigger_order": 1},
        (36, 3, "account"),
        "Place Trigger Order: Rate Limit: 5 times per second",
    ),
    (
        "POST",
        "/swap-api/v1/swap_track_cancelall",
        None,
        {"swap_trade": 1, "swap_track_cancelall": 1},
        (36, 3, "account"),
        "Rate Limit: 5 times per second",
    ),
    ("GET", "/swap-api/v1/swap_funding_rate", None, {"swap_public": 1}, (120, 3, "ip"), "120 times every 3 seconds"),
    ("GET", "/swap-api/v1/swap_contract_info", None, {"swap_public": 1}, (120, 3, "ip"), "120 per 3 s per IP"),
    ("GET", "/swap-api/v1/swap_index", None, {"swap_public": 1}, (120, 3, "ip"), "120 per 3 s per IP"),
    ("GET", "/swap-ex/market/depth", None, {"market": 1}, (800, 1, "ip"), "all products ... 800 times/second"),
    ("GET", "/swap-ex/market/history/kline", None, {"market": 1}, (800, 1, "ip"), "800 times/second for one IP"),
    ("GET", "/index/market/history/swap_basis", None, {"market": 1}, (800, 1, "ip"), "800 times/second"),
    ("POST", "/api/v1/contract_order", None, {"futures_trade": 1}, (36, 3, "account"), COIN + " (futures page)"),
    ("POST", "/api/v1/contract_cancel", None, {"futures_trade": 1}, (36, 3, "account"), COIN),
    ("POST", "/api/v1/contract_switch_lever_rate", None, {"futures_trade": 1}, (36, 3, "account"), COIN),
    ("POST", "/api/v1/contract_account_info", None, {"futures_read": 1}, (36, 3, "account"), COIN + "; Read"),
    ("POST", "/api/v3/contract_hisorders", None, {"futures_read": 1}, (36, 3, "account"), COIN),
    ("GET", "/api/v1/contract_api_trading_status", SIGNED, {"futures_read": 1}, (36, 3, "account"), COIN),
    (
        "POST",
        "/api/v1/contract_tpsl_cancel",
        None,
        {"futures_trade": 1, "contract_tpsl_cancel": 1},
        (36, 3, "account"),
        "Rate Limit: 5times/1s",
    ),
    (
        "POST",
        "/api/v1/contract_track_order",
        None,
        {"futures_trade": 1, "contract_track_order": 1},
        (36, 3, "account"),
        "Rate Limit: 5times/1s",
    ),
    ("GET", "/api/v1/contract_contract_info", None, {"futures_public": 1}, (120, 3, "ip"), "120 times every 3 s"),
    ("GET", "/api/v1/contract_delivery_price", None, {"futures_public": 1}, (120, 3, "ip"), "120 per 3 s per IP"),
    ("GET", "/api/v1/timestamp", None, {"futures_public": 1}, (120, 3, "ip"), "120 per 3 s per IP"),
    ("GET", "/market/depth", None, {"market": 1}, (800, 1, "ip"), "800 times/second for one IP at most"),
    ("GET", "/v2/market/detail/batch_merged", None, {"market": 1}, (800, 1, "ip"), "800 times/second"),
    ("GET", "/index/market/history/index", None, {"market": 1}, (800, 1, "ip"), "800 times/second"),
]


@pytest.mark.parametrize("case", COINM_CASES, ids=lambda c: f"{c[0]} {c[1]}")
def test_coinm_documented_cases(case: Case) -> None:
    _check_case(COINM, case)


def test_coinm_lines_have_separate_budgets() -> None:
    swap, futures = COINM.limits["swap_trade"], COINM.limits["futures_trade"]
    assert swap.name != futures.name
    assert (swap.capacity, swap.period) == (futures.capacity, futures.period) == (36, 3)
    assert COINM.cost("POST", "/swap-api/v1/swap_new_thing") == {"swap_trade": 1, "swap_read": 1}
    assert COINM.cost("GET", "/swap-api/v1/swap_new_public") == {"swap_public": 1}
    assert COINM.cost("POST", "/api/v1/contract_new_thing") == {"futures_trade": 1, "futures_read": 1}
    assert COINM.cost("GET", "/api/v1/contract_new_public") == {"futures_public": 1}


# ------------------------------------------------------------------------------ coverage


@pytest.mark.parametrize(("name", "minimum"), [("htx", 85), ("htx_usdtm", 130), ("htx_coinm", 150)])
def test_documented_tables_match_the_rules(name: str, minimum: int) -> None:
    entries = table(name)
    assert len(entries) >= minimum
    assert all(e.source.startswith("https://") and e.quote for e in entries)
    sections = coverage(venue(name), entries)
    matching = sum(s.matching for s in sections)
    problems = [(c.entry.endpoint, c.problems) for s in sections for c in s.checks if not c.ok]
    assert matching == len(entries), problems


# ------------------------------------------------------------------------------ the per-key scope


def test_the_legacy_budget_is_per_api_key() -> None:
    gate = build_gate("htx", rk.Limiter, key="key-a", account="uid-1", clock=FakeClock(NOW))
    assert gate.key == "key-a"
    plan = gate.plan("GET", "https://api.huobi.pro/v2/account/ledger")
    assert plan is not None
    assert plan.cost == {"legacy_key": 1}
    assert plan.scope["key"] == "key-a" and plan.scope["account"] == "uid-1"
    # the same UID with a second key has a budget of its own
    other = build_gate("htx", rk.Limiter, limiter=gate.limiter, key="key-b", account="uid-1")
    limiter = gate.limiter
    for _ in range(10):
        assert limiter.try_acquire(plan.cost, scope=plan.scope) is not None
    assert limiter.try_acquire(plan.cost, scope=plan.scope) is None
    plan_b = other.plan("GET", "https://api.huobi.pro/v2/account/ledger")
    assert plan_b is not None and plan_b.scope["key"] == "key-b"
    assert limiter.try_acquire(plan_b.cost, scope=plan_b.scope) is not None


def test_integrations_take_the_key() -> None:
    from ratekeeper.httpx import Client
    from ratekeeper.requests import Session

    with Session("htx", key="key-a") as session:
        assert session.gate.key == "key-a"
    with Client("htx", key="key-b") as client:
        assert client.gate.key == "key-b"


# ------------------------------------------------------------------------------ feedback (recorded answers)

NOW = 1_700_000_000.0


def test_spot_headers() -> None:
    weighed = SPOT.weigh("POST", "/v1/order/orders/place")
    headers = {"X-HB-RateLimit-Requests-Remain": "97", "X-HB-RateLimit-Requests-Expire": "1700000001500"}
    [o] = SPOT.feedback(200, headers, {"status": "ok", "data": "356501383558845"}, weighed, now=NOW)
    assert (o.limit, o.remaining) == ("place_order", 97)
    assert o.reset_after == pytest.approx(1.5)


def test_spot_headers_of_a_legacy_endpoint_feed_the_key_budget() -> None:
    weighed = SPOT.weigh("GET", "/v2/account/ledger")
    headers = {"X-HB-RateLimit-Requests-Remain": "4", "X-HB-RateLimit-Requests-Expire": "1700000000400"}
    [o] = SPOT.feedback(200, headers, {"code": 200, "message": "success", "data": []}, weighed, now=NOW)
    assert (o.limit, o.remaining) == ("legacy_key", 4)
    assert o.reset_after == pytest.approx(0.4)


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
    body = {"code": 40403, "message": "Too many requests.", "success": False}
    [o] = SPOT.feedback(200, {"Retry-After": "1"}, body, weighed, now=NOW)
    assert o.blocked_for == 1
    [o] = SPOT.feedback(200, {}, {"status": "error", "err-code": "api-request-too-frequent"}, weighed, now=NOW)
    assert o.limit == "place_order"


@pytest.mark.parametrize(
    ("method", "path", "body", "limit", "blocked"),
    [
        (
            "POST",
            "/v1/margin/orders",
            {"status": "error", "err-code": "frequent-invoke", "err-msg": "Operates too frequently", "data": None},
            "isolated_loan",
            2,
        ),
        (
            "POST",
            "/v1/cross-margin/orders",
            {"status": "error", "err-code": "base-user-request-exceed-limit", "err-msg": "Operates too frequently"},
            "cross_loan",
            2,
        ),
        ("POST", "/v2/algo-orders", {"code": 1006, "message": "Exceed rate limit", "success": False}, "algo_place", 2),
        ("GET", "/v2/account/valuation", {"code": 40403, "message": "Too many requests."}, "account_valuation", 1),
    ],
)
def test_spot_rate_limit_answers_block_the_endpoint(
    method: str, path: str, body: dict[str, Any], limit: str, blocked: float
) -> None:
    weighed = SPOT.weigh(method, path)
    [o] = SPOT.feedback(200, {}, body, weighed, now=NOW)
    assert (o.limit, o.blocked_for) == (limit, blocked)


def test_spot_errors_that_are_not_rate_limits_change_nothing() -> None:
    weighed = SPOT.weigh("POST", "/v1/order/orders/place")
    for body in (
        {"status": "error", "err-code": "api-signature-not-valid", "err-msg": "Signature not valid", "data": None},
        {"status": "error", "err-code": "order-value-min-error", "err-msg": "Order total cannot be lower than"},
        {"code": 1003, "message": "Signature is wrong", "success": False},
    ):
        assert SPOT.feedback(400, {}, body, weighed, now=NOW) == []


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


def test_usdtm_read_headers_feed_the_read_budget() -> None:
    weighed = SWAP.weigh("POST", "/linear-swap-api/v1/swap_account_info")
    headers = {"ratelimit-limit": "72", "ratelimit-interval": "3000", "ratelimit-remaining": "12"}
    [o] = SWAP.feedback(200, headers, {"status": "ok", "data": [], "ts": 1700000000000}, weighed, now=NOW)
    assert (o.limit, o.cap, o.remaining) == ("read", 72, 12)


def test_usdtm_header_for_another_window_does_not_change_the_cap() -> None:
    weighed = SWAP.weigh("POST", "/linear-swap-api/v1/swap_cross_order")
    headers = {"ratelimit-limit": "144", "ratelimit-interval": "6000", "ratelimit-remaining": "100"}
    [o] = SWAP.feedback(200, headers, {}, weighed, now=NOW)
    assert o.cap is None and o.remaining == 100


def test_usdtm_1032_blocks_the_budget() -> None:
    weighed = SWAP.weigh("POST", "/linear-swap-api/v1/swap_cross_account_info")
    body = {"status": "error", "err_code": 1032, "err_msg": "The number of access exceeded the limit.", "ts": 1}
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


def test_coinm_headers_and_errors_name_the_right_line() -> None:
    weighed = COINM.weigh("POST", "/swap-api/v1/swap_order")
    headers = {"ratelimit-limit": "36", "ratelimit-interval": "3000", "ratelimit-remaining": "30"}
    [o] = COINM.feedback(200, headers, {"status": "ok"}, weighed, now=NOW)
    assert (o.limit, o.cap, o.remaining) == ("swap_trade", 36, 30)
    weighed = COINM.weigh("POST", "/api/v1/contract_account_info")
    body = {"status": "error", "err_code": 1032, "err_msg": "The number of access exceeded the limit."}
    [o] = COINM.feedback(200, {}, body, weighed, now=NOW)
    assert (o.limit, o.blocked_for) == ("futures_read", 3)
    # a cancel-ratio ban on a read answer bans the trade budget of the same line
    ban = {"status": "error", "err_code": 1084, "err_msg": "Your contract API is disabled"}
    [o] = COINM.feedback(
        200, {"recovery-time": "1700000060000"}, ban, COINM.weigh("POST", "/swap-api/v1/swap_account_info"), now=NOW
    )
    assert o.limit == "swap_trade"
    assert o.blocked_for == pytest.approx(60)
    [o] = COINM.feedback(200, {}, ban, now=NOW)
    assert (o.limit, o.blocked_for) == ("futures_trade", 300)


def test_the_ccxt_adapter_gives_the_key_scope_a_digest_of_the_api_key() -> None:
    ccxt = pytest.importorskip("ccxt")
    from ratekeeper.adapters import ccxt as rkccxt

    exchange = ccxt.htx({"apiKey": "k" * 32, "secret": "s" * 32})
    rkccxt.limit(exchange, venue="htx", base_url="https://api.huobi.pro")
    gate = rkccxt.gate_of(exchange)
    assert gate is not None and gate.key is not None and gate.key.startswith("key:")
    assert "k" * 32 not in gate.key  # only a digest is kept
    plan = gate.plan("GET", "https://api.huobi.pro/v2/account/ledger")
    assert plan is not None and plan.scope["key"] == gate.key


def test_unlisted_coinm_swap_endpoints_are_priced_by_class_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    v = rk.venue("htx_coinm")
    signed = {"AccessKeyId": "k", "Signature": "s"}
    with caplog.at_level("WARNING", logger="ratekeeper.venues"):
        private_get = v.weigh("GET", "/swap-api/v1/swap_unlisted_private_read", None, signed)
        public_get = v.weigh("GET", "/swap-api/v1/swap_unlisted_public_read")
        post = v.weigh("POST", "/swap-api/v1/swap_unlisted_write", {})
    assert (private_get.known, dict(private_get.cost)) == (False, {"swap_read": 1.0})
    assert (public_get.known, dict(public_get.cost)) == (False, {"swap_public": 1.0})
    assert (post.known, dict(post.cost), post.idempotent) == (False, {"swap_trade": 1.0, "swap_read": 1.0}, False)
    assert v.limits["swap_read"].scope == "account" and v.limits["swap_public"].scope == "ip"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for path in ("swap_unlisted_private_read", "swap_unlisted_public_read", "swap_unlisted_write"):
        assert path in logged
    listed = v.weigh("POST", "/swap-api/v1/swap_order", {})
    assert listed.known
