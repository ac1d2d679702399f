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
    # acquired by the HTTP integrations under its own scope: detail["shares"])
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


# ---------------------------------------------------------------------------------------------
# From the documents: (method, path, request, expected cost per limit, expected (capacity,
# period, scope) of the first limit, the "Rate Limit" / "Rate limit rule" lines quoted).
# https://www.okx.com/docs-v5/en/ (each endpoint's section).

DOC_CASES: list[tuple[str, str, Any, dict[str, float], tuple[float, float, str], str]] = [
    (
        "GET",
        "/api/v5/market/trades",
        {"instId": "BTC-USDT"},
        {"market_trades": 1},
        (100, 2, "ip"),
        "GET / Trades: Rate Limit: 100 requests per 2 seconds; Rate limit rule: IP",
    ),
    (
        "GET",
        "/api/v5/market/history-trades",
        {"instId": "BTC-USDT"},
        {"market_history_trades": 1},
        (20, 2, "ip"),
        "GET / Trades history: Rate Limit: 20 requests per 2 seconds; Rate limit rule: IP",
    ),
    (
        "GET",
        "/api/v5/market/index-tickers",
        {"quoteCcy": "USDT"},
        {"market_index_tickers": 1},
        (20, 2, "ip"),
        "GET / Index tickers: Rate Limit: 20 requests per 2 seconds; Rate limit rule: IP",
    ),
    (
        "GET",
        "/api/v5/market/exchange-rate",
        {},
        {"market_exchange_rate": 1},
        (1, 2, "ip"),
        "GET / Exchange rate: Rate Limit: 1 request per 2 seconds; Rate limit rule: IP",
    ),
    (
        "GET",
        "/api/v5/public/open-interest",
        {"instId": "BTC-USDT-SWAP"},
        {"public_open_interest": 1},
        (20, 2, "ip+instrument"),
        "GET / Open interest: 20 requests per 2 seconds; IP + Instrument ID",
    ),
    (
        "GET",
        "/api/v5/public/economic-calendar",
        {},
        {"public_economic_calendar": 1},
        (1, 5, "ip"),
        "GET / Economic calendar data: Rate Limit: 1 request per 5 seconds; Rate limit rule: IP",
    ),
    (
        "GET",
        "/api/v5/public/opt-summary",
        {"instFamily": "BTC-USD"},
        {"public_opt_summary": 1},
        (20, 2, "ip+instrument"),
        "GET / Option market data: 20 requests per 2 seconds; IP + instFamily",
    ),
    (
        "GET",
        "/api/v5/public/price-limit",
        {"instId": "BTC-USDT-SWAP"},
        {"public_price_limit": 1},
        (20, 2, "ip"),
        "GET / Limit price: Rate Limit: 20 requests per 2 seconds; Rate limit rule: IP",
    ),
    (
        "GET",
        "/api/v5/rubik/stat/taker-volume",
        {"ccy": "BTC", "instType": "SPOT"},
        {"rubik_stat_taker_volume": 1},
        (5, 2, "ip"),
        "GET / Taker volume: Rate Limit: 5 requests per 2 seconds; Rate limit rule: IP",
    ),
    (
        "GET",
        "/api/v5/rubik/stat/contracts/open-interest-history",
        {"instId": "BTC-USDT-SWAP"},
        {"rubik_stat_contracts_open_interest_history": 1},
        (10, 2, "ip+instrument"),
        "GET / Contract open interest history: 10 requests per 2 seconds; IP + Instrument ID",
    ),
    (
        "POST",
        "/api/v5/trade/order-algo",
        {"instId": "BTC-USDT-SWAP", "ordType": "conditional"},
        {"trade_order_algo_set": 1},
        (20, 2, "account+instrument"),
        "POST / Place algo order: 20 requests per 2 seconds; User ID + Instrument ID",
    ),
    (
        "POST",
        "/api/v5/trade/cancel-algos",
        [{"instId": "BTC-USDT-SWAP", "algoId": "1"}],
        {"trade_cancel_algos": 1},
        (20, 2, "account+instrument"),
        "POST / Cancel algo order: 20 requests per 2 seconds; User ID + Instrument ID",
    ),
    (
        "POST",
        "/api/v5/trade/mass-cancel",
        {"instType": "OPTION", "instFamily": "BTC-USD"},
        {"trade_mass_cancel": 1},
        (5, 2, "account"),
        "POST / Mass cancel order: Rate Limit: 5 requests per 2 seconds; Rate limit rule: User ID",
    ),
    (
        "POST",
        "/api/v5/trade/order-precheck",
        {"instId": "BTC-USDT-SWAP"},
        {"trade_order_precheck": 1},
        (5, 2, "account"),
        "POST / Order precheck: Rate Limit: 5 requests per 2 seconds; Rate limit rule: User ID",
    ),
    (
        "GET",
        "/api/v5/trade/orders-algo-pending",
        {"ordType": "conditional"},
        {"trade_orders_algo_pending": 1},
        (20, 2, "account"),
        "GET / Algo order list: 20 requests per 2 seconds; User ID",
    ),
    (
        "POST",
        "/api/v5/account/set-leverage",
        {"instId": "BTC-USDT-SWAP", "lever": "5", "mgnMode": "cross"},
        {"account_set_leverage": 1},
        (20, 2, "account"),
        "POST / Set leverage: Rate Limit: 20 requests per 2 seconds; Rate limit rule: User ID",
    ),
    (
        "POST",
        "/api/v5/account/spot-manual-borrow-repay",
        {"ccy": "USDT", "side": "borrow", "amt": "1"},
        {"account_spot_manual_borrow_repay": 1},
        (1, 3, "account"),
        "POST / Manual borrow / repay: Rate Limit: 1 request per 3 seconds; Rate limit rule: User ID",
    ),
    (
        "POST",
        "/api/v5/account/mmp-config",
        {"instFamily": "BTC-USD", "timeInterval": "5000"},
        {"account_mmp_config_set": 1},
        (2, 10, "account"),
        "POST / Set MMP: Rate Limit: 2 requests per 10 seconds; Rate limit rule: User ID",
    ),
    (
        "GET",
        "/api/v5/account/instruments",
        {"instType": "SWAP"},
        {"account_instruments": 1},
        (20, 2, "account+inst_type"),
        "GET / Instruments (account): 20 requests per 2 seconds; User ID + Instrument Type",
    ),
    (
        "POST",
        "/api/v5/account/bills-history-archive",
        {"year": "2024", "quarter": "Q1"},
        {"account_bills_history_archive_set": 1},
        (12, 86400, "account"),
        "POST / Apply bills details (since 2021): Rate Limit: 12 requests per day; Rate limit rule: User ID",
    ),
    (
        "POST",
        "/api/v5/asset/transfer",
        {"ccy": "USDT", "amt": "1", "from": "6", "to": "18"},
        {"asset_transfer": 1},
        (2, 1, "account+currency"),
        "POST / Funds transfer: Rate Limit: 2 requests per second; Rate limit rule: User ID + Currency",
    ),
    (
        "POST",
        "/api/v5/asset/withdrawal",
        {"ccy": "USDT", "amt": "1", "dest": "4", "toAddr": "x"},
        {"asset_withdrawal": 1},
        (6, 1, "account"),
        "POST / Withdrawal: Rate Limit: 6 requests per second; Rate limit rule: User ID",
    ),
    (
        "GET",
        "/api/v5/asset/balances",
        {"ccy": "BTC"},
        {"asset_balances": 1},
        (6, 1, "account"),
        "GET / Balance (funding): Rate Limit: 6 requests per second; Rate limit rule: User ID",
    ),
    (
        "GET",
        "/api/v5/asset/exchange-list",
        {},
        {"asset_exchange_list": 1},
        (6, 1, "ip"),
        "GET / Exchange list (public): Rate Limit: 6 requests per second; Rate limit rule: IP",
    ),
    (
        "POST",
        "/api/v5/asset/convert/estimate-quote",
        {"baseCcy": "BTC", "quoteCcy": "USDT", "side": "buy", "rfqSz": "1", "rfqSzCcy": "USDT"},
        {"asset_convert_estimate_quote": 1, "asset_convert_estimate_quote_per_instrument": 1},
        (10, 1, "account"),
        "POST / Estimate quote: Rate Limit: 10 requests per second (User ID); 1 request per 5 seconds (Instrument ID)",
    ),
    (
        "POST",
        "/api/v5/rfq/create-rfq",
        {"counterparties": ["x"], "legs": []},
        {"rfq_create_rfq": 1, "rfq_create_rfq_long": 1},
        (5, 2, "account"),
        "POST / Create RFQ: Rate Limit: 5 requests per 2 seconds; 80 requests per 12 hours; Rate limit rule: User ID",
    ),
    (
        "POST",
        "/api/v5/sprd/order",
        {"sprdId": "BTC-USDT_BTC-USDT-SWAP", "side": "buy", "sz": "1"},
        {"sprd_order_set": 1},
        (20, 2, "account"),
        "POST / Place order (spread): Rate Limit: 20 requests per 2 seconds; Rate limit rule: User ID",
    ),
    (
        "POST",
        "/api/v5/finance/staking-defi/purchase",
        {"productId": "1", "investData": []},
        {"finance_staking_defi_purchase": 1},
        (2, 1, "account"),
        "POST / Subscribe project: Rate Limit: 2 requests per second; Rate limit rule: User ID",
    ),
    (
        "GET",
        "/api/v5/copytrading/public-lead-traders",
        {"instType": "SWAP"},
        {"copytrading_public_lead_traders": 1},
        (5, 2, "ip"),
        "GET / Lead trader ranks: Rate limit: 5 requests per 2 seconds; Rate limit rule: IP",
    ),
    (
        "GET",
        "/api/v5/users/subaccount/list",
        {},
        {"users_subaccount_list": 1},
        (20, 2, "account"),
        "GET / View sub-account list: Rate limit: 20 requests per 2 seconds; Rate limit rule: User ID",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "payload", "expected", "first", "quote"), DOC_CASES, ids=lambda x: str(x)[:40]
)
def test_documented_weights(
    method: str, path: str, payload: Any, expected: dict[str, float], first: tuple[float, float, str], quote: str
) -> None:
    weighed = V.weigh(method, path, payload) if method == "POST" else V.weigh(method, path, params=payload)
    assert weighed.known, quote
    assert dict(weighed.cost) == expected, quote
    limit = V.limits[next(iter(expected))]
    assert (limit.capacity, limit.period, limit.scope) == first, quote


def test_batch_across_instruments_lists_the_other_instruments_shares() -> None:
    eth = {**SWAP, "instId": "ETH-USDT-SWAP"}
    weighed = V.weigh("POST", "/api/v5/trade/cancel-batch-orders", [SWAP, eth, eth, SWAP, eth])
    assert dict(weighed.cost) == {"cancel_batch_orders": 3}  # ETH's 3 here, under ETH's scope
    assert weighed.scope == {"instrument": "ETH-USDT-SWAP"}
    assert weighed.detail["instruments"] == {"BTC-USDT-SWAP": 2, "ETH-USDT-SWAP": 3}
    assert weighed.detail["shares"] == (({"cancel_batch_orders": 2.0}, {"instrument": "BTC-USDT-SWAP"}),)
    assert "shares" not in V.weigh("POST", "/api/v5/trade/batch-orders", [SWAP, SWAP]).detail


# Recorded answers, shaped as the documents show them (error codes page: 50011 "Rate limit
# reached. Please refer to API documentation and throttle requests accordingly", HTTP 429;
# a batch answers per order with sCode/sMsg; 50061 "Sub-account rate limit exceeded").
RECORDED_50011 = {
    "code": "50011",
    "msg": "Rate limit reached. Please refer to API documentation and throttle requests accordingly",
    "data": [],
}


def test_recorded_50011_on_a_public_endpoint_blocks_its_ip_limit() -> None:
    weighed = V.weigh("GET", "/api/v5/market/books", params={"instId": "BTC-USDT", "sz": "400"})
    [o] = V.feedback(429, {"Content-Type": "application/json"}, RECORDED_50011, weighed)
    assert (o.limit, o.blocked_for) == ("books", 2)
    assert V.limits["books"].scope == "ip"


def test_recorded_batch_with_per_order_50011_blocks_the_batch_limit() -> None:
    weighed = V.weigh("POST", "/api/v5/trade/batch-orders", [SWAP, SWAP])
    body = {
        "code": "2",
        "msg": "",
        "data": [
            {"clOrdId": "", "ordId": "1", "tag": "", "sCode": "0", "sMsg": "Order placed"},
            {"clOrdId": "", "ordId": "", "tag": "", "sCode": "50011", "sMsg": "Rate limit reached"},
        ],
    }
    [o] = V.feedback(200, {}, body, weighed)
    assert (o.limit, o.blocked_for) == ("batch_orders", 2)


def test_recorded_50061_blocks_the_sub_account_cap_only() -> None:
    weighed = V.weigh("POST", "/api/v5/trade/order", SWAP)
    body = {"code": "1", "msg": "", "data": [{"sCode": "50061", "sMsg": "Sub-account rate limit exceeded"}]}
    [o] = V.feedback(200, {}, body, weighed)
    assert (o.limit, o.blocked_for) == ("sub_account_orders", 2)
