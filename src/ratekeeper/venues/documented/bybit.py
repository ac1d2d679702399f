"""Bybit v5: the REST endpoints of https://bybit-exchange.github.io/docs/v5/ with the limits the
rate-limit page states (https://bybit-exchange.github.io/docs/v5/rate-limit, read 2026-12-06;
copy in rosssaunders/coincise docs/bybit/rate_limits.md, snapshot 2025-11-30).

Every request spends the HTTP IP limit ("600 requests within a 5-second window per IP ...
applies to all traffic"). An endpoint the page's "API Rate Limit Table" lists also spends its
own per-UID limit on a rolling second (a few asset endpoints: per minute). An endpoint the
table does not list has no published per-UID limit: its entry documents the IP limit only.
Trade endpoints have one budget per product (inverse and linear share the futures cell; the
default, non-VIP figures). Batch endpoints spend one unit per order ("Number of consumption
= number of requests * number of orders included in a single request").
"""

from __future__ import annotations

from typing import Any

from .._coverage import Documented, Pool

__all__ = ["TABLE"]

PAGE = "https://bybit-exchange.github.io/docs/v5/rate-limit"
DOCS = "https://bybit-exchange.github.io/docs/v5/"
IP = Pool(1, 600, 5, "ip", "ip_requests")
IP_QUOTE = "You are allowed to send 600 requests within a 5-second window per IP by default"
NO_UID = (
    "not in the API Rate Limit Table (no published per-UID limit); "
    "the HTTP IP limit applies to all traffic: " + IP_QUOTE
)


def _uid(capacity: float, period: float = 1) -> Pool:
    return Pool(1, capacity, period, "account")


def _e(
    section: str,
    method: str,
    path: str,
    pools: tuple[Pool, ...],
    quote: str,
    fields: dict[str, Any] | None = None,
    *,
    anchor: str = "",
    body: object = None,
    note: str = "",
) -> Documented:
    if method == "GET":
        params, payload = fields, None
    else:
        params, payload = None, body if body is not None else (fields or {})
    return Documented(
        section=section,
        method=method,
        path=path,
        pools=(IP, *pools),
        source=(DOCS + anchor) if anchor else PAGE + "#api-rate-limit-table",
        quote=quote,
        params=params,
        body=payload,
        note=note,
    )


ORDER = {"symbol": "BTCUSDT", "side": "Buy", "orderType": "Limit", "qty": "0.001", "price": "10000"}
CATEGORY_SYMBOL = {"linear": "BTCUSDT", "inverse": "BTCUSD", "option": "BTC-27DEC24-80000-C", "spot": "BTCUSDT"}

_TRADE: tuple[tuple[str, tuple[int, int, int], str], ...] = (
    ("/v5/order/create", (10, 10, 20), "POST /v5/order/create: inverse/linear 10/s, option 10/s, spot 20/s"),
    ("/v5/order/amend", (10, 10, 10), "/v5/order/amend: inverse/linear 10/s, option 10/s, spot 10/s"),
    ("/v5/order/cancel", (10, 10, 20), "/v5/order/cancel: inverse/linear 10/s, option 10/s, spot 20/s"),
    ("/v5/order/cancel-all", (10, 1, 20), "/v5/order/cancel-all: inverse/linear 10/s, option 1/s, spot 20/s"),
    ("/v5/order/create-batch", (10, 10, 20), "/v5/order/create-batch: inverse/linear 10/s, option 10/s, spot 20/s"),
    ("/v5/order/amend-batch", (10, 10, 20), "/v5/order/amend-batch: inverse/linear 10/s, option 10/s, spot 20/s"),
    ("/v5/order/cancel-batch", (10, 10, 20), "/v5/order/cancel-batch: inverse/linear 10/s, option 10/s, spot 20/s"),
)
BATCH_QUOTE = (
    "; batch: the counting consumption will be consumed according to the actual number of orders "
    "(a batch of 3 orders consumes 3)"
)


def _trade() -> list[Documented]:
    out: list[Documented] = []
    for path, (futures, option, spot), quote in _TRADE:
        batch = path.endswith("-batch")
        for category, capacity in (("linear", futures), ("inverse", futures), ("option", option), ("spot", spot)):
            if category == "inverse" and path != "/v5/order/create":
                continue
            order = {**ORDER, "symbol": CATEGORY_SYMBOL[category]}
            if batch:
                body: object = {"category": category, "request": [order, dict(order), dict(order)]}
                pool = Pool(3, capacity, 1, "account")
            else:
                body = {"category": category, **order}
                pool = _uid(capacity)
            out.append(_e("trade", "POST", path, (pool,), quote + (BATCH_QUOTE if batch else ""), body=body))
    return out


_LISTED: tuple[Documented, ...] = (
    _e(
        "trade",
        "POST",
        "/v5/order/disconnected-cancel-all",
        (_uid(5),),
        "/v5/order/disconnected-cancel-all: 5/s",
        {"timeWindow": 40},
    ),
    _e("trade", "GET", "/v5/order/realtime", (_uid(50),), "GET /v5/order/realtime: 50/s", {"category": "linear"}),
    _e("trade", "GET", "/v5/order/history", (_uid(50),), "/v5/order/history: 50/s", {"category": "linear"}),
    _e("trade", "GET", "/v5/execution/list", (_uid(50),), "/v5/execution/list: 50/s", {"category": "linear"}),
    _e(
        "trade",
        "GET",
        "/v5/order/spot-borrow-check",
        (_uid(50),),
        "/v5/order/spot-borrow-check: spot 50/s",
        {"category": "spot", "symbol": "BTCUSDT", "side": "Buy"},
    ),
    _e("position", "GET", "/v5/position/list", (_uid(50),), "GET /v5/position/list: 50/s", {"category": "linear"}),
    _e(
        "position",
        "GET",
        "/v5/position/closed-pnl",
        (_uid(50),),
        "/v5/position/closed-pnl: 50/s",
        {"category": "linear"},
    ),
    _e(
        "position",
        "POST",
        "/v5/position/set-leverage",
        (_uid(10),),
        "POST /v5/position/set-leverage: inverse/linear 10/s",
        {"category": "linear", "symbol": "BTCUSDT", "buyLeverage": "5", "sellLeverage": "5"},
    ),
    _e(
        "account",
        "GET",
        "/v5/account/wallet-balance",
        (_uid(50),),
        "GET /v5/account/wallet-balance accountType=UNIFIED: 50/s",
        {"accountType": "UNIFIED"},
    ),
    _e("account", "GET", "/v5/account/withdrawal", (_uid(50),), "/v5/account/withdrawal: 50/s", {"coinName": "USDT"}),
    _e("account", "GET", "/v5/account/borrow-history", (_uid(50),), "/v5/account/borrow-history: 50/s"),
    _e(
        "account", "POST", "/v5/account/borrow", (_uid(1),), "/v5/account/borrow: 1/s", {"coin": "USDT", "amount": "10"}
    ),
    _e("account", "POST", "/v5/account/repay", (_uid(1),), "/v5/account/repay: 1/s", {"coin": "USDT"}),
    _e(
        "account",
        "POST",
        "/v5/account/no-convert-repay",
        (_uid(1),),
        "/v5/account/no-convert-repay: 1/s",
        {"coin": "USDT"},
    ),
    _e("account", "GET", "/v5/account/collateral-info", (_uid(50),), "/v5/account/collateral-info: 50/s"),
    _e("account", "GET", "/v5/asset/coin-greeks", (_uid(50),), "/v5/asset/coin-greeks: 50/s"),
    _e(
        "account",
        "GET",
        "/v5/account/transaction-log",
        (_uid(50),),
        "/v5/account/transaction-log accountType=UNIFIED: 50/s",
        {"accountType": "UNIFIED"},
    ),
    _e(
        "account",
        "GET",
        "/v5/account/fee-rate",
        (_uid(10),),
        "/v5/account/fee-rate category=linear: 10/s",
        {"category": "linear"},
    ),
    _e(
        "account",
        "GET",
        "/v5/account/fee-rate",
        (_uid(5),),
        "/v5/account/fee-rate category=spot: 5/s",
        {"category": "spot"},
    ),
    _e(
        "account",
        "GET",
        "/v5/account/fee-rate",
        (_uid(5),),
        "/v5/account/fee-rate category=option: 5/s",
        {"category": "option"},
    ),
    _e(
        "account",
        "GET",
        "/v5/account/fee-rate",
        (_uid(10),),
        "/v5/account/fee-rate category=inverse: 10/s",
        {"category": "inverse"},
    ),
    _e(
        "asset",
        "GET",
        "/v5/asset/transfer/query-asset-info",
        (_uid(60, 60),),
        "GET /v5/asset/transfer/query-asset-info: 60 req/min",
        {"accountType": "SPOT"},
    ),
    _e(
        "asset",
        "GET",
        "/v5/asset/transfer/query-transfer-coin-list",
        (_uid(60, 60),),
        "/v5/asset/transfer/query-transfer-coin-list: 60 req/min",
        {"fromAccountType": "UNIFIED", "toAccountType": "FUND"},
    ),
    _e(
        "asset",
        "GET",
        "/v5/asset/transfer/query-inter-transfer-list",
        (_uid(60, 60),),
        "/v5/asset/transfer/query-inter-transfer-list: 60 req/min",
    ),
    Documented(
        "asset",
        "GET",
        "/v5/asset/transfer/inter-transfer-list-query",
        (IP, _uid(60, 60)),
        "https://bybit-exchange.github.io/docs/v5/asset/transfer/inter-transfer-list-query",
        "GET /v5/asset/transfer/inter-transfer-list-query?coin=USDT&limit=1 (the endpoint's page; the "
        "rate-limit table lists it as query-inter-transfer-list: 60 req/min)",
        params={"coin": "USDT", "limit": 1},
    ),
    _e(
        "asset",
        "GET",
        "/v5/asset/transfer/query-sub-member-list",
        (_uid(60, 60),),
        "/v5/asset/transfer/query-sub-member-list: 60 req/min",
    ),
    _e(
        "asset",
        "GET",
        "/v5/asset/transfer/query-universal-transfer-list",
        (_uid(5),),
        "/v5/asset/transfer/query-universal-transfer-list: 5 req/s",
    ),
    _e(
        "asset",
        "GET",
        "/v5/asset/transfer/query-account-coins-balance",
        (_uid(5),),
        "/v5/asset/transfer/query-account-coins-balance: 5 req/s",
        {"accountType": "FUND"},
    ),
    _e(
        "asset",
        "GET",
        "/v5/asset/deposit/query-record",
        (_uid(100, 60),),
        "/v5/asset/deposit/query-record: 100 req/min",
    ),
    _e(
        "asset",
        "GET",
        "/v5/asset/deposit/query-sub-member-record",
        (_uid(300, 60),),
        "/v5/asset/deposit/query-sub-member-record: 300 req/min",
        {"subMemberId": "1"},
    ),
    _e(
        "asset",
        "GET",
        "/v5/asset/deposit/query-address",
        (_uid(300, 60),),
        "/v5/asset/deposit/query-address: 300 req/min",
        {"coin": "USDT"},
    ),
    _e(
        "asset",
        "GET",
        "/v5/asset/deposit/query-sub-member-address",
        (_uid(300, 60),),
        "/v5/asset/deposit/query-sub-member-address: 300 req/min",
        {"coin": "USDT", "chainType": "ETH"},
    ),
    _e(
        "asset",
        "GET",
        "/v5/asset/withdraw/query-record",
        (_uid(300, 60),),
        "/v5/asset/withdraw/query-record: 300 req/min",
    ),
    _e("asset", "GET", "/v5/asset/coin/query-info", (_uid(5),), "/v5/asset/coin/query-info: 5 req/s", {"coin": "USDT"}),
    _e(
        "asset",
        "GET",
        "/v5/asset/exchange/order-record",
        (_uid(600, 60),),
        "/v5/asset/exchange/order-record: 600 req/min",
    ),
    _e(
        "asset",
        "POST",
        "/v5/asset/transfer/inter-transfer",
        (_uid(60, 60),),
        "POST /v5/asset/transfer/inter-transfer: 60 req/min",
        {"coin": "USDT", "amount": "1", "fromAccountType": "UNIFIED", "toAccountType": "FUND"},
    ),
    _e(
        "asset",
        "POST",
        "/v5/asset/transfer/save-transfer-sub-member",
        (_uid(20),),
        "/v5/asset/transfer/save-transfer-sub-member: 20 req/s",
        {"subMemberIds": ["1"], "transferable": 1},
    ),
    _e(
        "asset",
        "POST",
        "/v5/asset/transfer/universal-transfer",
        (_uid(5),),
        "/v5/asset/transfer/universal-transfer: 5 req/s",
        {"coin": "USDT", "amount": "1"},
    ),
    _e(
        "asset",
        "POST",
        "/v5/asset/withdraw/create",
        (_uid(5),),
        "/v5/asset/withdraw/create: 5 req/s",
        {"coin": "USDT", "amount": "10", "address": "0x0"},
    ),
    _e(
        "asset",
        "POST",
        "/v5/asset/withdraw/cancel",
        (_uid(60, 60),),
        "/v5/asset/withdraw/cancel: 60 req/min",
        {"id": "1"},
    ),
    _e(
        "user",
        "POST",
        "/v5/user/create-sub-member",
        (_uid(1),),
        "POST v5/user/create-sub-member: 1 req/s",
        {"username": "x", "memberType": 1},
    ),
    _e(
        "user",
        "POST",
        "/v5/user/create-sub-api",
        (_uid(1),),
        "/v5/user/create-sub-api: 1 req/s",
        {"subuid": 1, "readOnly": 0},
    ),
    _e(
        "user",
        "POST",
        "/v5/user/frozen-sub-member",
        (_uid(5),),
        "/v5/user/frozen-sub-member: 5 req/s",
        {"subuid": 1, "frozen": 1},
    ),
    _e("user", "POST", "/v5/user/update-api", (_uid(5),), "/v5/user/update-api: 5 req/s", {"readOnly": 0}),
    _e("user", "POST", "/v5/user/update-sub-api", (_uid(5),), "/v5/user/update-sub-api: 5 req/s", {"readOnly": 0}),
    _e("user", "POST", "/v5/user/delete-api", (_uid(5),), "/v5/user/delete-api: 5 req/s"),
    _e("user", "POST", "/v5/user/delete-sub-api", (_uid(5),), "/v5/user/delete-sub-api: 5 req/s"),
    _e("user", "GET", "/v5/user/query-sub-members", (_uid(10),), "GET /v5/user/query-sub-members: 10 req/s"),
    _e("user", "GET", "/v5/user/query-api", (_uid(10),), "/v5/user/query-api: 10 req/s"),
    _e("user", "GET", "/v5/user/aff-customer-info", (_uid(10),), "/v5/user/aff-customer-info: 10 req/s", {"uid": "1"}),
    _e(
        "spread",
        "POST",
        "/v5/spread/order/create",
        (_uid(20),),
        "Create Spread Order: 20 req/s",
        {"symbol": "SOLUSDT_SOL/USDT", "side": "Buy", "orderType": "Limit", "qty": "1", "price": "1"},
    ),
    _e(
        "spread",
        "POST",
        "/v5/spread/order/amend",
        (_uid(20),),
        "Amend Spread Order: 20 req/s",
        {"symbol": "SOLUSDT_SOL/USDT", "orderId": "1", "price": "2"},
    ),
    _e("spread", "POST", "/v5/spread/order/cancel", (_uid(20),), "Cancel Spread Order: 20 req/s", {"orderId": "1"}),
    _e("spread", "POST", "/v5/spread/order/cancel-all", (_uid(5),), "Cancel All Spread Orders: 5 req/s"),
    _e("spread", "GET", "/v5/spread/order/realtime", (_uid(50),), "Get Spread Open Orders: 50 req/s"),
    _e("spread", "GET", "/v5/spread/order/history", (_uid(50),), "Get Spread Order History: 50 req/s"),
    _e("spread", "GET", "/v5/spread/execution/list", (_uid(50),), "Get Spread Trade History: 50 req/s"),
    _e(
        "pro",
        "POST",
        "/v5/apilimit/set",
        (_uid(50),),
        "Set API Rate Limit: API rate limit: 50 req per second",
        {"list": [{"uids": "1", "bizType": "DERIVATIVES", "rate": 50}]},
        anchor="rate-limit/rules-for-pros/apilimit-set",
    ),
    _e(
        "pro",
        "GET",
        "/v5/apilimit/query",
        (_uid(50),),
        "Get API Rate Limit: API rate limit: 50 req per second",
        {"uids": "1"},
        anchor="rate-limit/rules-for-pros/apilimit-query",
    ),
    _e(
        "broker",
        "GET",
        "/v5/broker/account-info",
        (_uid(10),),
        "API rate limit: 10 req / sec",
        anchor="broker/account-info",
    ),
    _e(
        "broker",
        "GET",
        "/v5/broker/earnings-info",
        (_uid(10),),
        "API rate limit: 10 req / sec",
        anchor="broker/exchange-earning",
    ),
    _e(
        "broker",
        "GET",
        "/v5/broker/asset/query-sub-member-deposit-record",
        (_uid(300, 60),),
        "API rate limit: 300 req / min",
        anchor="broker/sub-deposit-record",
    ),
)

_MARKET: tuple[tuple[str, dict[str, Any]], ...] = (
    ("/v5/market/time", {}),
    ("/v5/market/kline", {"category": "linear", "symbol": "BTCUSDT", "interval": "1"}),
    ("/v5/market/mark-price-kline", {"category": "linear", "symbol": "BTCUSDT", "interval": "1"}),
    ("/v5/market/index-price-kline", {"category": "linear", "symbol": "BTCUSDT", "interval": "1"}),
    ("/v5/market/premium-index-price-kline", {"category": "linear", "symbol": "BTCUSDT", "interval": "1"}),
    ("/v5/market/instruments-info", {"category": "linear"}),
    ("/v5/market/orderbook", {"category": "linear", "symbol": "BTCUSDT"}),
    ("/v5/market/tickers", {"category": "linear"}),
    ("/v5/market/funding/history", {"category": "linear", "symbol": "BTCUSDT"}),
    ("/v5/market/recent-trade", {"category": "linear", "symbol": "BTCUSDT"}),
    ("/v5/market/open-interest", {"category": "linear", "symbol": "BTCUSDT", "intervalTime": "5min"}),
    ("/v5/market/historical-volatility", {"category": "option"}),
    ("/v5/market/insurance", {}),
    ("/v5/market/risk-limit", {"category": "linear"}),
    ("/v5/market/delivery-price", {"category": "option"}),
    ("/v5/market/account-ratio", {"category": "linear", "symbol": "BTCUSDT", "period": "1h"}),
    ("/v5/market/index-price-components", {"indexName": "BTCUSDT"}),
    ("/v5/market/price-limit", {"category": "linear", "symbol": "BTCUSDT"}),
    ("/v5/market/adlAlert", {}),
    ("/v5/market/fee-group-info", {"productType": "contract"}),
    ("/v5/spread/instrument", {}),
    ("/v5/spread/orderbook", {"symbol": "SOLUSDT_SOL/USDT", "limit": 25}),
    ("/v5/spread/tickers", {"symbol": "SOLUSDT_SOL/USDT"}),
    ("/v5/spread/recent-trade", {"symbol": "SOLUSDT_SOL/USDT"}),
    ("/v5/spot-margin-trade/data", {}),
    ("/v5/spot-margin-trade/collateral", {}),
    ("/v5/crypto-loan/loanable-data", {}),
    ("/v5/crypto-loan/collateral-data", {}),
    ("/v5/ins-loan/product-infos", {}),
    ("/v5/ins-loan/ensure-tokens-convert", {}),
)
"""Public endpoints (no API key): the IP limit only."""

_UNLISTED: tuple[tuple[str, str], ...] = (
    ("GET", "/v5/account/info"),
    ("GET", "/v5/account/contract-transaction-log"),
    ("GET", "/v5/account/query-dcp-info"),
    ("GET", "/v5/account/smp-group"),
    ("POST", "/v5/account/mmp-modify"),
    ("POST", "/v5/account/mmp-reset"),
    ("POST", "/v5/account/quick-repayment"),
    ("POST", "/v5/account/set-collateral-switch"),
    ("POST", "/v5/account/set-collateral-switch-batch"),
    ("POST", "/v5/account/set-hedging-mode"),
    ("POST", "/v5/account/set-margin-mode"),
    ("POST", "/v5/account/upgrade-to-uta"),
    ("GET", "/v5/asset/delivery-record"),
    ("GET", "/v5/asset/settlement-record"),
    ("GET", "/v5/asset/deposit/query-internal-record"),
    ("POST", "/v5/asset/deposit/deposit-to-account"),
    ("GET", "/v5/asset/exchange/query-coin-list"),
    ("POST", "/v5/asset/exchange/quote-apply"),
    ("POST", "/v5/asset/exchange/convert-execute"),
    ("GET", "/v5/asset/exchange/convert-result-query"),
    ("GET", "/v5/asset/exchange/query-convert-history"),
    ("GET", "/v5/asset/transfer/query-account-coin-balance"),
    ("GET", "/v5/asset/withdraw/vasp/list"),
    ("GET", "/v5/asset/withdraw/withdrawable-amount"),
    ("POST", "/v5/broker/award/info"),
    ("POST", "/v5/broker/award/distribute-award"),
    ("POST", "/v5/broker/award/distribution-record"),
    ("GET", "/v5/crypto-loan/borrowable-collateralisable-number"),
    ("POST", "/v5/crypto-loan/borrow"),
    ("POST", "/v5/crypto-loan/repay"),
    ("GET", "/v5/crypto-loan/ongoing-orders"),
    ("GET", "/v5/crypto-loan/borrow-history"),
    ("GET", "/v5/crypto-loan/repayment-history"),
    ("GET", "/v5/crypto-loan/max-collateral-amount"),
    ("POST", "/v5/crypto-loan/adjust-ltv"),
    ("GET", "/v5/crypto-loan/adjustment-history"),
    ("POST", "/v5/earn/place-order"),
    ("GET", "/v5/earn/order"),
    ("GET", "/v5/earn/position"),
    ("GET", "/v5/ins-loan/loan-order"),
    ("GET", "/v5/ins-loan/repaid-history"),
    ("GET", "/v5/ins-loan/ltv-convert"),
    ("POST", "/v5/ins-loan/association-uid"),
    ("POST", "/v5/position/set-risk-limit"),
    ("POST", "/v5/position/set-tpsl-mode"),
    ("POST", "/v5/position/switch-isolated"),
    ("POST", "/v5/position/set-auto-add-margin"),
    ("POST", "/v5/position/add-margin"),
    ("POST", "/v5/position/confirm-pending-mmr"),
    ("POST", "/v5/position/move-positions"),
    ("GET", "/v5/position/move-history"),
    ("POST", "/v5/spot-margin-trade/switch-mode"),
    ("POST", "/v5/spot-margin-trade/set-leverage"),
    ("GET", "/v5/spot-margin-trade/state"),
    ("GET", "/v5/spot-margin-trade/interest-rate-history"),
    ("GET", "/v5/user/escrow_sub_members"),
    ("GET", "/v5/user/get-member-type"),
    ("GET", "/v5/user/sub-apikeys"),
    ("GET", "/v5/user/submembers"),
    ("POST", "/v5/user/del-submember"),
    ("GET", "/v5/spread/max-qty"),
)
"""Private endpoints the API Rate Limit Table does not list: the IP limit only."""

_ASSUMED: tuple[tuple[str, str, str], ...] = (
    ("POST", "/v5/order/pre-check", "order_pre_check"),
    ("POST", "/v5/position/switch-mode", "position_switch_mode"),
    ("POST", "/v5/position/trading-stop", "position_trading_stop"),
    ("GET", "/v5/account/info", "account_info"),
)
"""Unlisted endpoints the rules also charge an unpublished per-UID limit (10/s or 50/s, from
XChange's BybitRateLimitPolicy): allowed as extra, not documented."""

_SPOT_MARGIN = "Spot Margin Trade (UTA): For now, there is no limit for endpoints under this category"


def _public() -> list[Documented]:
    return [
        _e("market", "GET", path, (), "Market endpoints: " + IP_QUOTE + " (no per-UID limit: no API key)", params)
        for path, params in _MARKET
    ]


def _unlisted() -> list[Documented]:
    assumed = {(m, p): name for m, p, name in _ASSUMED}
    out = []
    for method, path in _UNLISTED + tuple((m, p) for m, p, _ in _ASSUMED if (m, p) not in _UNLISTED):
        quote = _SPOT_MARGIN if path.startswith("/v5/spot-margin-trade/") else NO_UID
        entry = _e("unlisted", method, path, (), quote)
        if (method, path) in assumed:
            entry = Documented(**{**entry.__dict__, "extra_ok": (assumed[(method, path)],)})
        out.append(entry)
    return out


TABLE: tuple[Documented, ...] = (*_trade(), *_LISTED, *_public(), *_unlisted())
