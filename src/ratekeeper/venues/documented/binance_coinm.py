"""Binance COIN-M futures (``binance_coinm``): the endpoints the documents list.

Each number is the endpoint page's "Request Weight" line on
https://developers.binance.com/docs/derivatives/coin-margined-futures (copies read in
rosssaunders/coincise docs/binance/coinm/endpoints). Limits: the Futures FAQ "Rate Limits on
Binance Futures" (last updated 27 December 2024): 2,400 weight per minute per IP and 1,200
orders per minute per account; its 10-second order limit applies to USD-M only. (The COIN-M
exchangeInfo page's example shows 6000 for both; the FAQ is newer and states the defaults.)
Pages without a weight line (exchangeInfo, fundingInfo, Test-Order, listenKey) are left out.
Every read also passes the library's ``reads`` gate (closed by a -1008 overload answer; not a
venue budget), named in ``extra_ok``.
"""

from __future__ import annotations

from typing import Any

from .._coverage import Documented, Pool

DOCS = "https://developers.binance.com/docs/derivatives/coin-margined-futures/"
TRADE = DOCS + "trade/rest-api/"
MARKET = DOCS + "market-data/rest-api/"
ACCOUNT = DOCS + "account/rest-api/"
FAQ = "https://binance.com/en/support/faq/rate-limits-on-binance-futures-281596e222414cdd9051664ea621cdc3"


def weight(n: float) -> Pool:
    return Pool(n, 2400, 60, "ip", "request_weight")


ORDER_1M = Pool(1, 1200, 60, "account", "orders_1m")
ORDER_NOTE = "the page states the weight only; the order is also counted once (FAQ: order limit per account)"


def get(section: str, path: str, w: float, page: str, quote: str, params: dict[str, Any] | None = None) -> Documented:
    return Documented(section, "GET", path, (weight(w),), page, quote, params=params, extra_ok=("reads",))


def act(
    section: str,
    method: str,
    path: str,
    pools: float | tuple[Pool, ...],
    page: str,
    quote: str,
    params: dict[str, Any] | None = None,
    note: str = "",
) -> Documented:
    found = (weight(pools),) if isinstance(pools, (int, float)) else pools
    return Documented(section, method, path, found, page, quote, params=params, note=note)


S = {"symbol": "BTCUSD_PERP"}
P = {"pair": "BTCUSD"}
K = {**S, "interval": "1m"}
BATCH = {"batchOrders": '[{"symbol":"BTCUSD_PERP"},{"symbol":"BTCUSD_PERP"}]'}

TABLE: tuple[Documented, ...] = (
    # ---- market data
    get("market", "/dapi/v1/ping", 1, MARKET.rstrip("/"), "Test Connectivity: Request Weight 1"),
    get("market", "/dapi/v1/time", 1, MARKET + "Check-Server-time", "Request Weight 1"),
    get("market", "/dapi/v1/depth", 2, MARKET + "Order-Book", "Limit 5, 10, 20, 50: 2", {**S, "limit": 50}),
    get("market", "/dapi/v1/depth", 5, MARKET + "Order-Book", "Limit 100: 5", {**S, "limit": 100}),
    get("market", "/dapi/v1/depth", 10, MARKET + "Order-Book", "Limit 500: 10", {**S, "limit": 500}),
    get("market", "/dapi/v1/depth", 20, MARKET + "Order-Book", "Limit 1000: 20", {**S, "limit": 1000}),
    get("market", "/dapi/v1/trades", 5, MARKET + "Recent-Trades-List", "Request Weight 5", S),
    get("market", "/dapi/v1/historicalTrades", 20, MARKET + "Old-Trades-Lookup", "Request Weight 20", S),
    get("market", "/dapi/v1/aggTrades", 20, MARKET + "Compressed-Aggregate-Trades-List", "Request Weight 20", S),
    get("market", "/dapi/v1/premiumIndex", 10, MARKET + "Index-Price-and-Mark-Price", "Request Weight 10"),
    get(
        "market",
        "/dapi/v1/fundingRate",
        1,
        MARKET + "Get-Funding-Rate-History-of-Perpetual-Futures",
        "Request Weight 1",
        S,
    ),
    get("market", "/dapi/v1/klines", 1, MARKET + "Kline-Candlestick-Data", "LIMIT [1,100): 1", {**K, "limit": 10}),
    get("market", "/dapi/v1/klines", 2, MARKET + "Kline-Candlestick-Data", "LIMIT [100, 500): 2", {**K, "limit": 499}),
    get("market", "/dapi/v1/klines", 5, MARKET + "Kline-Candlestick-Data", "LIMIT [500, 1000]: 5", K),
    get("market", "/dapi/v1/klines", 10, MARKET + "Kline-Candlestick-Data", "LIMIT > 1000: 10", {**K, "limit": 1500}),
    get(
        "market",
        "/dapi/v1/continuousKlines",
        2,
        MARKET + "Continuous-Contract-Kline-Candlestick-Data",
        "LIMIT [100, 500): 2",
        {**P, "contractType": "PERPETUAL", "interval": "1m", "limit": 100},
    ),
    get(
        "market",
        "/dapi/v1/indexPriceKlines",
        5,
        MARKET + "Index-Price-Kline-Candlestick-Data",
        "LIMIT [500, 1000]: 5",
        {**P, "interval": "1m"},
    ),
    get(
        "market",
        "/dapi/v1/markPriceKlines",
        10,
        MARKET + "Mark-Price-Kline-Candlestick-Data",
        "LIMIT > 1000: 10",
        {**K, "limit": 1500},
    ),
    get(
        "market",
        "/dapi/v1/premiumIndexKlines",
        1,
        MARKET + "Premium-Index-Kline-Data",
        "LIMIT [1,100): 1",
        {**K, "limit": 99},
    ),
    get("market", "/dapi/v1/ticker/24hr", 1, MARKET + "24hr-Ticker-Price-Change-Statistics", "1 for one symbol", S),
    get(
        "market",
        "/dapi/v1/ticker/24hr",
        40,
        MARKET + "24hr-Ticker-Price-Change-Statistics",
        "40 when the symbol parameter is omitted",
    ),
    get("market", "/dapi/v1/ticker/price", 1, MARKET + "Symbol-Price-Ticker", "1 for a single symbol", S),
    get("market", "/dapi/v1/ticker/price", 2, MARKET + "Symbol-Price-Ticker", "2 when the symbol is omitted"),
    get("market", "/dapi/v1/ticker/bookTicker", 2, MARKET + "Symbol-Order-Book-Ticker", "2 for a single symbol", S),
    get("market", "/dapi/v1/ticker/bookTicker", 5, MARKET + "Symbol-Order-Book-Ticker", "5 when symbol is omitted"),
    get("market", "/dapi/v1/constituents", 1, MARKET + "Index-Constituents", "Request Weight 1", S),
    get("market", "/dapi/v1/openInterest", 1, MARKET + "Open-Interest", "Request Weight 1", S),
    get(
        "market",
        "/futures/data/openInterestHist",
        1,
        MARKET + "Open-Interest-Statistics",
        "Request Weight 1",
        {**P, "contractType": "PERPETUAL", "period": "5m"},
    ),
    get(
        "market",
        "/futures/data/topLongShortAccountRatio",
        1,
        MARKET + "Top-Long-Short-Account-Ratio",
        "Request Weight 1",
        {**P, "period": "5m"},
    ),
    get(
        "market",
        "/futures/data/topLongShortPositionRatio",
        1,
        MARKET + "Top-Trader-Long-Short-Ratio",
        "Request Weight 1",
        {**P, "period": "5m"},
    ),
    get(
        "market",
        "/futures/data/globalLongShortAccountRatio",
        1,
        MARKET + "Long-Short-Ratio",
        "Request Weight 1",
        {**P, "period": "5m"},
    ),
    get(
        "market",
        "/futures/data/takerBuySellVol",
        1,
        MARKET + "Taker-Buy-Sell-Volume",
        "Request Weight 1",
        {**P, "contractType": "PERPETUAL", "period": "5m"},
    ),
    get(
        "market",
        "/futures/data/basis",
        1,
        MARKET + "Basis",
        "Request Weight 1",
        {**P, "contractType": "PERPETUAL", "period": "5m"},
    ),
    # ---- trading
    act(
        "trade",
        "POST",
        "/dapi/v1/order",
        (ORDER_1M,),
        TRADE.rstrip("/"),
        "New Order: 1 on 1min order rate limit(X-MBX-ORDER-COUNT-1M); 0 on IP rate limit(x-mbx-used-weight-1m)",
        S,
    ),
    act(
        "trade",
        "PUT",
        "/dapi/v1/order",
        (weight(1), ORDER_1M),
        TRADE + "Modify-Order",
        "Request Weight 1",
        S,
        ORDER_NOTE,
    ),
    act(
        "trade",
        "POST",
        "/dapi/v1/batchOrders",
        (weight(5), ORDER_1M),
        TRADE + "Place-Multiple-Orders",
        "Request Weight 5; order list, max 5 orders",
        BATCH,
        ORDER_NOTE,
    ),
    act(
        "trade",
        "PUT",
        "/dapi/v1/batchOrders",
        (weight(5), ORDER_1M),
        TRADE + "Modify-Multiple-Orders",
        "Request Weight 5; order list, max 5 orders",
        BATCH,
        ORDER_NOTE,
    ),
    act("trade", "DELETE", "/dapi/v1/order", 1, TRADE + "Cancel-Order", "Weight: 1", S),
    act("trade", "DELETE", "/dapi/v1/batchOrders", 1, TRADE + "Cancel-Multiple-Orders", "Request Weight 1", S),
    act("trade", "DELETE", "/dapi/v1/allOpenOrders", 1, TRADE + "Cancel-All-Open-Orders", "Request Weight 1", S),
    act(
        "trade",
        "POST",
        "/dapi/v1/countdownCancelAll",
        10,
        TRADE + "Auto-Cancel-All-Open-Orders",
        "Request Weight 10",
        {**S, "countdownTime": 1000},
    ),
    act("trade", "POST", "/dapi/v1/leverage", 1, TRADE + "Change-Initial-Leverage", "Request Weight 1", S),
    act("trade", "POST", "/dapi/v1/marginType", 1, TRADE + "Change-Margin-Type", "Request Weight 1", S),
    act(
        "trade",
        "POST",
        "/dapi/v1/positionMargin",
        1,
        TRADE + "Modify-Isolated-Position-Margin",
        "Request Weight 1",
        S,
    ),
    act("trade", "POST", "/dapi/v1/positionSide/dual", 1, TRADE + "Change-Position-Mode", "Request Weight 1"),
    get("trade", "/dapi/v1/order", 1, TRADE + "Query-Order", "Request Weight 1", {**S, "orderId": 1}),
    get("trade", "/dapi/v1/openOrder", 1, TRADE + "Query-Current-Open-Order", "Request Weight 1", {**S, "orderId": 1}),
    get("trade", "/dapi/v1/openOrders", 1, TRADE + "Current-All-Open-Orders", "1 for a single symbol", S),
    get("trade", "/dapi/v1/openOrders", 40, TRADE + "Current-All-Open-Orders", "40 for mutltiple symbols"),
    get("trade", "/dapi/v1/allOrders", 20, TRADE + "All-Orders", "20 with symbol", S),
    get("trade", "/dapi/v1/allOrders", 40, TRADE + "All-Orders", "40 with pair", P),
    get("trade", "/dapi/v1/userTrades", 20, TRADE + "Account-Trade-List", "20 with symbol", S),
    get("trade", "/dapi/v1/userTrades", 40, TRADE + "Account-Trade-List", "40 with pair", P),
    get("trade", "/dapi/v1/forceOrders", 20, TRADE + "Users-Force-Orders", "20 with symbol", S),
    get("trade", "/dapi/v1/forceOrders", 50, TRADE + "Users-Force-Orders", "50 without symbol"),
    get("trade", "/dapi/v1/adlQuantile", 5, TRADE + "Position-ADL-Quantile-Estimation", "Request Weight 5"),
    get("trade", "/dapi/v1/orderAmendment", 1, TRADE + "Get-Order-Modify-History", "Request Weight 1", S),
    get(
        "trade",
        "/dapi/v1/positionMargin/history",
        1,
        TRADE + "Get-Position-Margin-Change-History",
        "Request Weight 1",
        S,
    ),
    get("trade", "/dapi/v1/positionRisk", 1, TRADE + "Position-Information", "Request Weight 1"),
    # ---- account
    get("account", "/dapi/v1/account", 5, ACCOUNT + "Account-Information", "Request Weight 5"),
    get("account", "/dapi/v1/balance", 1, ACCOUNT + "Futures-Account-Balance", "Request Weight 1"),
    get("account", "/dapi/v1/income", 20, ACCOUNT + "Get-Income-History", "Request Weight 20"),
    get(
        "account",
        "/dapi/v1/income/asyn",
        5,
        ACCOUNT + "Get-Download-Id-For-Futures-Transaction-History",
        "Request Weight 5",
        {"startTime": 1, "endTime": 2},
    ),
    get(
        "account",
        "/dapi/v1/income/asyn/id",
        5,
        ACCOUNT + "Get-Futures-Transaction-History-Download-Link-by-Id",
        "Request Weight 5",
        {"downloadId": "x"},
    ),
    get(
        "account",
        "/dapi/v1/order/asyn/id",
        5,
        ACCOUNT + "Get-Futures-Order-History-Download-Link-by-Id",
        "Request Weight 5",
        {"downloadId": "x"},
    ),
    get(
        "account",
        "/dapi/v1/trade/asyn",
        5,
        ACCOUNT + "Get-Download-Id-For-Futures-Trade-History",
        "Request Weight 5",
        {"startTime": 1, "endTime": 2},
    ),
    get(
        "account",
        "/dapi/v1/trade/asyn/id",
        5,
        ACCOUNT + "Get-Futures-Trade-Download-Link-by-Id",
        "Request Weight 5",
        {"downloadId": "x"},
    ),
    get("account", "/dapi/v1/commissionRate", 20, ACCOUNT + "User-Commission-Rate", "Request Weight 20", S),
    get("account", "/dapi/v1/leverageBracket", 1, ACCOUNT + "Notional-Bracket-for-Pair", "Request Weight 1", P),
    get("account", "/dapi/v2/leverageBracket", 1, ACCOUNT + "Notional-Bracket-for-Symbol", "Request Weight 1", S),
    get("account", "/dapi/v1/positionSide/dual", 30, ACCOUNT + "Get-Current-Position-Mode", "Request Weight 30"),
    get(
        "account",
        "/dapi/v1/pmAccountInfo",
        5,
        DOCS + "portfolio-margin-endpoints",
        "Request Weight(IP) 5",
        {"asset": "BTC"},
    ),
)
