"""Binance spot (``binance``): the endpoints the documents list, with their weights and pools.

/api/v3: binance-spot-api-docs rest-api.md (HEAD a5e0bc3, 2026-07-21), each endpoint's
"Weight" and "Unfilled Order Count" lines; limits from its LIMITS section and CHANGELOG.md
(REQUEST_WEIGHT 6000 per minute per IP; RAW_REQUESTS 300,000 per 5 minutes per IP from
2026-04-02). Unfilled order counts are account-specific; the table uses the commonly
returned 100 per 10 s and 200,000 per day (confirm with exchangeInfo).
/sapi: each endpoint has a pool of its own, 12,000 per minute per IP or 180,000 per minute per
UID (developers.binance.com CAAS "Rate limits"); the scope is written ``ip+endpoint`` /
``account+endpoint``. The user-data-stream endpoints are left out: retired 2026-02-20
(CHANGELOG 2026-01-21). Most /sapi weights are read from Binance's OpenAPI specification
(binance/binance-api-swagger spot_api.yaml, commit 64b327c of 2024-10-08); where a newer page on
developers.binance.com disagrees (withdraw/apply and asset/transfer: UID 900 there, IP 1 in the
specification) the newer page is used.
"""

from __future__ import annotations

from typing import Any

from .._coverage import Documented, Pool

REST = "https://github.com/binance/binance-spot-api-docs/blob/master/rest-api.md"
SAPI_LIMITS = "https://developers.binance.com/docs/products/caas/basics/4.rate-limits"
WALLET_ZH = "https://developers.binance.com/docs/zh-CN/wallet"
CONNECTOR = "https://docs.rs/binance_spot_connector_rust/latest/binance_spot_connector_rust/wallet"
SPEC = "https://github.com/binance/binance-api-swagger/blob/64b327c/spot_api.yaml"

RAW = Pool(1, 300_000, 300, "ip", "raw_requests")


def weight(n: float) -> Pool:
    return Pool(n, 6000, 60, "ip", "request_weight")


def orders(n: float) -> tuple[Pool, ...]:
    return (Pool(n, 100, 10, "account", "orders_10s"), Pool(n, 200_000, 86_400, "account", "orders_1d"))


def api(
    section: str,
    method: str,
    path: str,
    w: float,
    quote: str,
    params: dict[str, Any] | None = None,
    unfilled: float = 0,
) -> Documented:
    pools = (weight(w), RAW, *(orders(unfilled) if unfilled else ()))
    return Documented(section, method, path, pools, REST, quote, params=params)


def sapi(method: str, path: str, uid: bool, w: float, src: str, quote: str) -> Documented:
    pool = (
        Pool(w, 180_000, 60, "account+endpoint", "sapi_uid_weight")
        if uid
        else Pool(w, 12_000, 60, "ip+endpoint", "sapi_ip_weight")
    )
    return Documented(
        "sapi",
        method,
        path,
        (pool,),
        src,
        quote + "; pools: " + SAPI_LIMITS,
        params={"timestamp": 1, "signature": "x"},
        extra_ok=("raw_requests",),
        note="the raw request count is charged on every request; the documents state it for /api only",
    )


S = {"symbol": "BTCUSDT"}
MANY = {"symbols": ["A", "B", "C"]}

TABLE: tuple[Documented, ...] = (
    # ---- market data
    api("market", "GET", "/api/v3/ping", 1, "Test connectivity: Weight: 1"),
    api("market", "GET", "/api/v3/time", 1, "Check server time: Weight: 1"),
    api("market", "GET", "/api/v3/exchangeInfo", 20, "Exchange information: Weight: 20"),
    api("market", "GET", "/api/v3/depth", 5, "Order book: Limit 1-100: 5", S),
    api("market", "GET", "/api/v3/depth", 25, "Order book: Limit 101-500: 25", {**S, "limit": 500}),
    api("market", "GET", "/api/v3/depth", 50, "Order book: Limit 501-1000: 50", {**S, "limit": 1000}),
    api("market", "GET", "/api/v3/depth", 250, "Order book: Limit 1001-5000: 250", {**S, "limit": 5000}),
    api("market", "GET", "/api/v3/trades", 25, "Recent trades list: Weight: 25", S),
    api("market", "GET", "/api/v3/historicalTrades", 25, "Old trade lookup: Weight: 25", S),
    api("market", "GET", "/api/v3/historicalBlockTrades", 25, "Historical block trades: Weight: 25", S),
    api("market", "GET", "/api/v3/aggTrades", 4, "Compressed/Aggregate trades list: Weight: 4", S),
    api("market", "GET", "/api/v3/klines", 2, "Kline/Candlestick data: Weight: 2", {**S, "interval": "1m"}),
    api("market", "GET", "/api/v3/uiKlines", 2, "UIKlines: Weight: 2", {**S, "interval": "1m"}),
    api("market", "GET", "/api/v3/avgPrice", 2, "Current average price: Weight: 2", S),
    api("market", "GET", "/api/v3/ticker/24hr", 2, "24hr ticker: symbol, 1 symbol provided: 2", S),
    api("market", "GET", "/api/v3/ticker/24hr", 80, "24hr ticker: symbol parameter is omitted: 80"),
    api(
        "market",
        "GET",
        "/api/v3/ticker/24hr",
        40,
        "24hr ticker: symbols 21-100: 40",
        {"symbols": [f"S{i}" for i in range(30)]},
    ),
    api("market", "GET", "/api/v3/ticker/tradingDay", 4, "Trading Day Ticker: 4 for each requested symbol", S),
    api("market", "GET", "/api/v3/ticker", 12, "Rolling window ticker: 4 for each requested symbol", MANY),
    api(
        "market",
        "GET",
        "/api/v3/ticker",
        200,
        "Rolling window ticker: weight caps at 200 once symbols are more than 50",
        {"symbols": [f"S{i}" for i in range(60)]},
    ),
    api("market", "GET", "/api/v3/ticker/price", 2, "Symbol price ticker: symbol, 1 symbol: 2", S),
    api("market", "GET", "/api/v3/ticker/price", 4, "Symbol price ticker: symbol parameter is omitted: 4"),
    api("market", "GET", "/api/v3/ticker/price", 4, "Symbol price ticker: symbols, any: 4", MANY),
    api("market", "GET", "/api/v3/ticker/bookTicker", 2, "Symbol order book ticker: symbol, 1 symbol: 2", S),
    api("market", "GET", "/api/v3/ticker/bookTicker", 4, "Symbol order book ticker: symbol omitted: 4"),
    api("market", "GET", "/api/v3/referencePrice", 2, "Query Reference Price: Weight: 2", S),
    api(
        "market",
        "GET",
        "/api/v3/referencePrice/calculation",
        2,
        "Query Reference Price Calculation: Weight: 2",
        S,
    ),
    api("market", "GET", "/api/v3/executionRules", 2, "Query Execution Rules: symbol: 2", S),
    api("market", "GET", "/api/v3/executionRules", 40, "Query Execution Rules: None: 40"),
    api(
        "market",
        "GET",
        "/api/v3/executionRules",
        40,
        "Query Execution Rules: symbols: 2 for each symbol, capped at a max of 40",
        {"symbols": [f"S{i}" for i in range(25)]},
    ),
    api(
        "market",
        "GET",
        "/api/v3/executionRules",
        40,
        "Query Execution Rules: symbolStatus: 40",
        {"symbolStatus": "TRADING"},
    ),
    # ---- trading (weights charged up front; since 2026-04-02 a successful order request pays 0)
    api("trade", "POST", "/api/v3/order", 1, "New order: Weight: 1; Unfilled Order Count: 1", S, 1),
    api("trade", "POST", "/api/v3/order/test", 1, "Test new order: Without computeCommissionRates: 1", S),
    api(
        "trade",
        "POST",
        "/api/v3/order/test",
        20,
        "Test new order: With computeCommissionRates: 20",
        {**S, "computeCommissionRates": "true"},
    ),
    api("trade", "DELETE", "/api/v3/order", 1, "Cancel order: Weight: 1", S),
    api("trade", "DELETE", "/api/v3/openOrders", 1, "Cancel All Open Orders on a Symbol: Weight: 1", S),
    api(
        "trade",
        "POST",
        "/api/v3/order/cancelReplace",
        1,
        "Cancel an Existing Order and Send a New Order: Weight: 1; Unfilled Order Count: 1",
        S,
        1,
    ),
    api(
        "trade",
        "PUT",
        "/api/v3/order/amend/keepPriority",
        4,
        "Order Amend Keep Priority: Weight: 4; Unfilled Order Count: 0",
        S,
    ),
    api("trade", "POST", "/api/v3/order/oco", 1, "New OCO - Deprecated: Weight: 1; Unfilled Order Count: 2", S, 2),
    api("trade", "POST", "/api/v3/orderList/oco", 1, "New Order list - OCO: Weight: 1; Unfilled Order Count: 2", S, 2),
    api("trade", "POST", "/api/v3/orderList/oto", 1, "New Order list - OTO: Weight: 1; Unfilled Order Count: 2", S, 2),
    api(
        "trade",
        "POST",
        "/api/v3/orderList/otoco",
        1,
        "New Order list - OTOCO: Weight: 1; Unfilled Order Count: 3",
        S,
        3,
    ),
    api("trade", "POST", "/api/v3/orderList/opo", 1, "New Order List - OPO: Weight: 1; Unfilled Order Count: 2", S, 2),
    api(
        "trade",
        "POST",
        "/api/v3/orderList/opoco",
        1,
        "New Order List - OPOCO: Weight: 1; Unfilled Order Count: 3",
        S,
        3,
    ),
    api("trade", "DELETE", "/api/v3/orderList", 1, "Cancel Order list: Weight: 1", S),
    api("trade", "POST", "/api/v3/sor/order", 1, "New order using SOR: Weight: 1; Unfilled Order Count: 1", S, 1),
    api("trade", "POST", "/api/v3/sor/order/test", 1, "Test new order using SOR: Without computeCommissionRates: 1", S),
    api(
        "trade",
        "POST",
        "/api/v3/sor/order/test",
        20,
        "Test new order using SOR: With computeCommissionRates: 20",
        {**S, "computeCommissionRates": "true"},
    ),
    # ---- account
    api("account", "GET", "/api/v3/account", 20, "Account information: Weight: 20"),
    api("account", "GET", "/api/v3/order", 4, "Query order: Weight: 4", {**S, "orderId": 1}),
    api("account", "GET", "/api/v3/openOrders", 6, "Current open orders: 6 for a single symbol", S),
    api("account", "GET", "/api/v3/openOrders", 80, "Current open orders: 80 when the symbol parameter is omitted"),
    api("account", "GET", "/api/v3/allOrders", 20, "All orders: Weight: 20", S),
    api("account", "GET", "/api/v3/orderList", 4, "Query Order list: Weight: 4", {"orderListId": 1}),
    api("account", "GET", "/api/v3/allOrderList", 20, "Query all Order lists: Weight: 20"),
    api("account", "GET", "/api/v3/openOrderList", 6, "Query Open Order lists: Weight: 6"),
    api("account", "GET", "/api/v3/myTrades", 20, "Account trade list: Without orderId: 20", S),
    api("account", "GET", "/api/v3/myTrades", 5, "Account trade list: With orderId: 5", {**S, "orderId": 7}),
    api("account", "GET", "/api/v3/rateLimit/order", 40, "Query Unfilled Order Count: Weight: 40"),
    api(
        "account",
        "GET",
        "/api/v3/myPreventedMatches",
        2,
        "Query Prevented Matches: Querying by preventedMatchId: 2",
        {**S, "preventedMatchId": 1},
    ),
    api(
        "account",
        "GET",
        "/api/v3/myPreventedMatches",
        20,
        "Query Prevented Matches: Querying by orderId: 20",
        {**S, "orderId": 1},
    ),
    api("account", "GET", "/api/v3/myAllocations", 20, "Query Allocations: Weight: 20", S),
    api("account", "GET", "/api/v3/account/commission", 20, "Query Commission Rates: Weight: 20", S),
    api("account", "GET", "/api/v3/order/amendments", 4, "Query Order Amendments: Weight: 4", {**S, "orderId": 1}),
    api("account", "GET", "/api/v3/myFilters", 40, "Query relevant filters: Weight: 40", S),
    # ---- /sapi: one pool per endpoint
    sapi("GET", "/sapi/v1/capital/config/getall", False, 10, WALLET_ZH + "/capital", "请求权重(IP) 10"),
    sapi(
        "GET",
        "/sapi/v1/capital/deposit/hisrec",
        False,
        1,
        WALLET_ZH + "/capital/deposite-history",
        "请求权重(IP) 1",
    ),
    sapi(
        "GET",
        "/sapi/v1/capital/withdraw/quota",
        False,
        10,
        "https://developers.binance.com/docs/wallet/capital/fetch-withdraw-quota",
        "Request Weight(IP) 10",
    ),
    sapi(
        "GET",
        "/sapi/v1/capital/withdraw/history",
        True,
        18000,
        WALLET_ZH + "/capital/withdraw-history",
        "请求权重(UID) 18000 (the Rust connector's older page says Weight(IP): 1; the official page is newer)",
    ),
    sapi("POST", "/sapi/v1/capital/withdraw/apply", True, 900, WALLET_ZH + "/capital/withdraw", "请求权重(UID) 900"),
    sapi(
        "POST",
        "/sapi/v1/asset/transfer",
        True,
        900,
        "https://developers.binance.com/docs/wallet/asset/user-universal-transfer",
        "Request Weight(UID) 900 (copy in rosssaunders/coincise)",
    ),
    sapi(
        "POST",
        "/sapi/v1/asset/dust",
        True,
        10,
        CONNECTOR + "/dust_transfer/struct.DustTransfer.html",
        "Weight(UID): 10 (Binance's Rust connector)",
    ),
    sapi(
        "POST",
        "/sapi/v3/asset/getUserAsset",
        False,
        5,
        CONNECTOR + "/user_asset/struct.UserAsset.html",
        "Weight(IP): 5 (Binance's Rust connector)",
    ),
    sapi(
        "GET",
        "/sapi/v1/account/apiRestrictions",
        False,
        1,
        SPEC,
        "Get API Key Permission (USER_DATA): Weight(IP): 1",
    ),
    sapi(
        "GET",
        "/sapi/v1/account/apiTradingStatus",
        False,
        1,
        SPEC,
        "Account API Trading Status (USER_DATA): Weight(IP): 1",
    ),
    sapi(
        "GET",
        "/sapi/v1/localentity/withdraw/history",
        False,
        1,
        WALLET_ZH + "/travel-rule/withdraw-history",
        "请求权重(IP) 1",
    ),
    sapi(
        "GET",
        "/sapi/v2/localentity/deposit/history",
        False,
        1,
        WALLET_ZH + "/travel-rule/deposit-history-v2",
        "请求权重(IP) 1",
    ),
    sapi(
        "GET",
        "/sapi/v1/margin/rateLimit/order",
        False,
        20,
        "https://developers.binance.com/docs/margin_trading/trade/Query-Current-Margin-Order-Count-Usage",
        "Request Weight 20(IP)",
    ),
    # ---- more /sapi, from Binance's OpenAPI specification (binance-api-swagger, 2024-10-08)
    sapi(
        "POST",
        "/sapi/v1/margin/borrow-repay",
        True,
        3000,
        SPEC,
        "Margin account borrow/repay(MARGIN): Weight(UID): 3000",
    ),
    sapi("GET", "/sapi/v1/margin/order", False, 10, SPEC, "Query Margin Account's Order (USER_DATA): Weight(IP): 10"),
    sapi(
        "GET",
        "/sapi/v1/margin/openOrders",
        False,
        10,
        SPEC,
        "Query Margin Account's Open Orders (USER_DATA): Weight(IP): 10",
    ),
    sapi(
        "GET",
        "/sapi/v1/margin/allOrderList",
        False,
        200,
        SPEC,
        "Query Margin Account's all OCO (USER_DATA): Weight(IP): 200",
    ),
    sapi(
        "GET",
        "/sapi/v1/margin/isolated/account",
        False,
        10,
        SPEC,
        "Query Isolated Margin Account Info (USER_DATA): Weight(IP): 10",
    ),
    sapi("GET", "/sapi/v1/bnbBurn", False, 1, SPEC, "Get BNB Burn Status(USER_DATA): Weight(IP): 1"),
    sapi(
        "GET",
        "/sapi/v1/margin/exchange-small-liability",
        True,
        100,
        SPEC,
        "Get Small Liability Exchange Coin List (USER_DATA): Weight(UID): 100",
    ),
    sapi(
        "POST",
        "/sapi/v1/margin/manual-liquidation",
        True,
        3000,
        SPEC,
        "Margin manual liquidation(MARGIN): Weight(UID): 3000",
    ),
    sapi("GET", "/sapi/v1/accountSnapshot", False, 2400, SPEC, "Daily Account Snapshot (USER_DATA): Weight(IP): 2400"),
    sapi(
        "POST",
        "/sapi/v1/asset/dust-btc",
        False,
        1,
        SPEC,
        "Get Assets That Can Be Converted Into BNB (USER_DATA): Weight(IP): 1",
    ),
    sapi("POST", "/sapi/v1/asset/convert-transfer", True, 5, SPEC, "Convert Transfer (USER_DATA): Weight(UID): 5"),
    sapi(
        "GET", "/sapi/v1/sub-account/list", False, 1, SPEC, "Query Sub-account List (For Master Account): Weight(IP): 1"
    ),
    sapi(
        "GET",
        "/sapi/v1/capital/deposit/subAddress",
        False,
        1,
        SPEC,
        "Sub-account Spot Assets Summary (For Master Account): Weight(IP): 1",
    ),
    sapi(
        "GET",
        "/sapi/v1/spot/delist-schedule",
        False,
        100,
        SPEC,
        "Get symbols delist schedule for spot (MARKET_DATA): Weight(IP): 100",
    ),
    sapi(
        "GET",
        "/sapi/v1/sub-account/margin/accountSummary",
        False,
        10,
        SPEC,
        "Summary of Sub-account's Margin Account (For Master Account): Weight(IP): 10",
    ),
    sapi(
        "POST",
        "/sapi/v1/sub-account/margin/transfer",
        False,
        1,
        SPEC,
        "Margin Transfer for Sub-account (For Master Account): Weight(IP): 1",
    ),
    sapi(
        "GET",
        "/sapi/v2/sub-account/futures/account",
        False,
        1,
        SPEC,
        "Detail on Sub-account's Futures Account V2 (For Master Account): Weight(IP): 1",
    ),
    sapi(
        "POST",
        "/sapi/v1/managed-subaccount/withdraw",
        False,
        1,
        SPEC,
        "Withdrawl assets from the managed sub-account(For Investor Master Account): Weight(IP): 1",
    ),
    sapi(
        "GET",
        "/sapi/v1/managed-subaccount/query-trans-log",
        True,
        60,
        SPEC,
        "Query Managed Sub Account Transfer Log (For Trading Team Sub Account)(USER_DATA): Weight(UID): 60",
    ),
    sapi(
        "GET",
        "/sapi/v4/sub-account/assets",
        True,
        60,
        SPEC,
        "Query Sub-account Assets (For Master Account): Weight(UID): 60",
    ),
    sapi(
        "POST",
        "/sapi/v1/lending/positionChanged",
        False,
        1,
        SPEC,
        "Change Fixed/Activity Position to Daily Position (USER_DATA): Weight(IP): 1",
    ),
    sapi("GET", "/sapi/v1/mining/payment/other", False, 5, SPEC, "Extra Bonus List (USER_DATA): Weight(IP): 5"),
    sapi("GET", "/sapi/v1/mining/statistics/user/list", False, 5, SPEC, "Account List (USER_DATA): Weight(IP): 5"),
    sapi(
        "POST",
        "/sapi/v1/algo/futures/newOrderTwap",
        True,
        3000,
        SPEC,
        "Time-Weighted Average Price(Twap) New Order (TRADE): Weight(UID): 3000",
    ),
    sapi("DELETE", "/sapi/v1/algo/spot/order", False, 1, SPEC, "Cancel Algo Order: Weight(IP): 1"),
    sapi(
        "GET",
        "/sapi/v2/portfolio/collateralRate",
        False,
        50,
        SPEC,
        "Portfolio Margin Pro Tiered Collateral Rate(USER_DATA): Weight(IP): 50",
    ),
    sapi(
        "POST",
        "/sapi/v1/portfolio/repay-futures-switch",
        False,
        1500,
        SPEC,
        "Change Auto-repay-futures Status (USER_DATA): Weight(IP): 1500",
    ),
    sapi("POST", "/sapi/v1/blvt/subscribe", False, 1, SPEC, "Subscribe BLVT (USER_DATA): Weight(IP): 1"),
    sapi(
        "GET",
        "/sapi/v1/loan/vip/ongoing/orders",
        False,
        400,
        SPEC,
        "Get VIP Loan Ongoing Orders (USER_DATA): Weight(IP): 400",
    ),
    sapi(
        "GET",
        "/sapi/v1/loan/vip/collateral/data",
        False,
        400,
        SPEC,
        "Get Collateral Asset Data (USER_DATA): Weight(IP): 400",
    ),
    sapi(
        "GET",
        "/sapi/v1/loan/borrow/history",
        False,
        400,
        SPEC,
        "Get Crypto Loans Borrow History (USER_DATA): Weight(IP): 400",
    ),
    sapi(
        "GET", "/sapi/v1/loan/loanable/data", False, 400, SPEC, "Get Loanable Assets Data (USER_DATA): Weight(IP): 400"
    ),
    sapi(
        "GET",
        "/sapi/v2/loan/flexible/borrow/history",
        False,
        400,
        SPEC,
        "Borrow - Get Flexible Loan Borrow History (USER_DATA): Weight(IP): 400",
    ),
    sapi(
        "GET",
        "/sapi/v2/loan/flexible/collateral/data",
        False,
        400,
        SPEC,
        "Get Flexible Loan Collateral Assets Data (USER_DATA): Weight(IP): 400",
    ),
    sapi("GET", "/sapi/v1/convert/orderStatus", True, 100, SPEC, "Order status (USER_DATA): Weight(UID): 100"),
    sapi(
        "GET",
        "/sapi/v1/nft/history/transactions",
        True,
        3000,
        SPEC,
        "Get NFT Transaction History (USER_DATA): Weight(UID): 3000",
    ),
    sapi("GET", "/sapi/v1/giftcard/verify", False, 1, SPEC, "Verify a Binance Code (USER_DATA): Weight(IP): 1"),
    sapi(
        "GET",
        "/sapi/v1/lending/auto-invest/all/asset",
        False,
        1,
        SPEC,
        "Query all source asset and target asset (USER_DATA): Weight(IP): 1",
    ),
    sapi(
        "GET",
        "/sapi/v1/lending/auto-invest/plan/id",
        False,
        1,
        SPEC,
        "Query holding details of the plan: Weight(IP): 1",
    ),
    sapi(
        "POST",
        "/sapi/v1/lending/auto-invest/redeem",
        False,
        1,
        SPEC,
        "Index Linked Plan Redemption (TRADE): Weight(IP): 1",
    ),
    sapi(
        "GET",
        "/sapi/v1/eth-staking/eth/history/redemptionHistory",
        False,
        150,
        SPEC,
        "Get ETH redemption history (USER_DATA): Weight(IP): 150",
    ),
    sapi(
        "GET",
        "/sapi/v1/eth-staking/wbeth/history/wrapHistory",
        False,
        150,
        SPEC,
        "Get WBETH wrap history (USER_DATA): Weight(IP): 150",
    ),
    sapi(
        "GET",
        "/sapi/v1/simple-earn/locked/list",
        False,
        150,
        SPEC,
        "Get Simple Earn Locked Product List (USER_DATA): Weight(IP): 150",
    ),
    sapi(
        "GET",
        "/sapi/v1/simple-earn/locked/position",
        False,
        150,
        SPEC,
        "Get Locked Product Position (USER_DATA): Weight(IP): 150",
    ),
    sapi(
        "GET",
        "/sapi/v1/simple-earn/flexible/history/rewardsRecord",
        False,
        150,
        SPEC,
        "Get Flexible Rewards History (USER_DATA): Weight(IP): 150",
    ),
    sapi(
        "GET",
        "/sapi/v1/simple-earn/flexible/subscriptionPreview",
        False,
        150,
        SPEC,
        "Get Flexible Subscription Preview (USER_DATA): Weight(IP): 150",
    ),
    sapi(
        "POST",
        "/sapi/v1/dci/product/subscribe",
        False,
        1,
        SPEC,
        "Subscribe Dual Investment products(USER_DATA): Weight(IP): 1",
    ),
)
