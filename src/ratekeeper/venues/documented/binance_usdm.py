"""Binance USD-M futures (``binance_usdm``): the endpoints the documents list.

Each number is the endpoint page's "Request Weight" line on
https://developers.binance.com/docs/derivatives/usds-margined-futures (copies read in
rosssaunders/coincise docs/binance/usdm/endpoints). Limits: the Futures FAQ "Rate Limits on
Binance Futures": 2,400 weight per minute per IP, 1,200 orders per minute and 300 per 10 s per
account. Every read also passes the library's ``reads`` gate (closed by a -1008 overload
answer; not a venue budget), named in ``extra_ok``.
"""

from __future__ import annotations

from typing import Any

from .._coverage import Documented, Pool

DOCS = "https://developers.binance.com/docs/derivatives/usds-margined-futures/"
TRADE = DOCS + "trade/rest-api/"
MARKET = DOCS + "market-data/rest-api/"
ACCOUNT = DOCS + "account/rest-api/"


def weight(n: float) -> Pool:
    return Pool(n, 2400, 60, "ip", "request_weight")


ORDER_10S = Pool(1, 300, 10, "account", "orders_10s")
ORDER_1M = Pool(1, 1200, 60, "account", "orders_1m")
FUNDING = Pool(1, 500, 300, "ip", "funding_rate")
FUTURES_DATA = Pool(1, 1000, 300, "ip", "futures_data")


def get(
    section: str,
    path: str,
    pools: float | tuple[Pool, ...],
    page: str,
    quote: str,
    params: dict[str, Any] | None = None,
) -> Documented:
    found = (weight(pools),) if isinstance(pools, (int, float)) else pools
    return Documented(section, "GET", path, found, page, quote, params=params, extra_ok=("reads",))


def act(
    section: str,
    method: str,
    path: str,
    pools: float | tuple[Pool, ...],
    page: str,
    quote: str,
    params: dict[str, Any] | None = None,
) -> Documented:
    found = (weight(pools),) if isinstance(pools, (int, float)) else pools
    return Documented(section, method, path, found, page, quote, params=params)


S = {"symbol": "BTCUSDT"}
K = {**S, "interval": "1m"}
BATCH = {"batchOrders": '[{"symbol":"BTCUSDT"},{"symbol":"BTCUSDT"}]'}

TABLE: tuple[Documented, ...] = (
    # ---- market data
    get("market", "/fapi/v1/ping", 1, MARKET + "Test-Connectivity", "Request Weight 1"),
    get("market", "/fapi/v1/time", 1, MARKET + "Check-Server-Time", "Request Weight 1"),
    get("market", "/fapi/v1/exchangeInfo", 1, MARKET + "Exchange-Information", "Request Weight 1"),
    get("market", "/fapi/v1/depth", 2, MARKET + "Order-Book", "Limit 5, 10, 20, 50: weight 2", {**S, "limit": 20}),
    get("market", "/fapi/v1/depth", 5, MARKET + "Order-Book", "Limit 100: weight 5", {**S, "limit": 100}),
    get("market", "/fapi/v1/depth", 10, MARKET + "Order-Book", "Limit 500: weight 10 (default limit 500)", S),
    get("market", "/fapi/v1/depth", 20, MARKET + "Order-Book", "Limit 1000: weight 20", {**S, "limit": 1000}),
    get("market", "/fapi/v1/trades", 5, MARKET + "Recent-Trades-List", "Request Weight 5", S),
    get("market", "/fapi/v1/historicalTrades", 20, MARKET + "Old-Trades-Lookup", "Request Weight 20", S),
    get("market", "/fapi/v1/aggTrades", 20, MARKET + "Compressed-Aggregate-Trades-List", "Request Weight 20", S),
    get("market", "/fapi/v1/klines", 1, MARKET + "Kline-Candlestick-Data", "LIMIT [1,100): 1", {**K, "limit": 99}),
    get("market", "/fapi/v1/klines", 2, MARKET + "Kline-Candlestick-Data", "LIMIT [100,500): 2", {**K, "limit": 100}),
    get("market", "/fapi/v1/klines", 5, MARKET + "Kline-Candlestick-Data", "LIMIT [500,1000]: 5 (default 500)", K),
    get("market", "/fapi/v1/klines", 10, MARKET + "Kline-Candlestick-Data", "LIMIT > 1000: 10", {**K, "limit": 1500}),
    get(
        "market",
        "/fapi/v1/continuousKlines",
        5,
        MARKET + "Continuous-Contract-Kline-Candlestick-Data",
        "based on LIMIT: [500, 1000]: 5",
        {"pair": "BTCUSDT", "contractType": "PERPETUAL", "interval": "1m"},
    ),
    get(
        "market",
        "/fapi/v1/indexPriceKlines",
        2,
        MARKET + "Index-Price-Kline-Candlestick-Data",
        "based on LIMIT: [100, 500): 2",
        {"pair": "BTCUSDT", "interval": "1m", "limit": 200},
    ),
    get(
        "market",
        "/fapi/v1/markPriceKlines",
        1,
        MARKET + "Mark-Price-Kline-Candlestick-Data",
        "based on LIMIT: [1,100): 1",
        {**K, "limit": 50},
    ),
    get(
        "market",
        "/fapi/v1/premiumIndexKlines",
        5,
        MARKET + "Premium-Index-Kline-Data",
        "based on LIMIT: [500, 1000]: 5",
        {**K, "limit": 1000},
    ),
    get("market", "/fapi/v1/premiumIndex", 1, MARKET + "Mark-Price", "1 with symbol", S),
    get("market", "/fapi/v1/premiumIndex", 10, MARKET + "Mark-Price", "10 without symbol"),
    get("market", "/fapi/v1/ticker/24hr", 1, MARKET + "24hr-Ticker-Price-Change-Statistics", "1 for one symbol", S),
    get(
        "market",
        "/fapi/v1/ticker/24hr",
        40,
        MARKET + "24hr-Ticker-Price-Change-Statistics",
        "40 when the symbol parameter is omitted",
    ),
    get("market", "/fapi/v1/ticker/price", 1, MARKET + "Symbol-Price-Ticker", "1 for a single symbol", S),
    get("market", "/fapi/v1/ticker/price", 2, MARKET + "Symbol-Price-Ticker", "2 when the symbol parameter is omitted"),
    get("market", "/fapi/v2/ticker/price", 1, MARKET + "Symbol-Price-Ticker-v2", "1 for a single symbol", S),
    get("market", "/fapi/v2/ticker/price", 2, MARKET + "Symbol-Price-Ticker-v2", "2 when the symbol is omitted"),
    get("market", "/fapi/v1/ticker/bookTicker", 2, MARKET + "Symbol-Order-Book-Ticker", "2 for a single symbol", S),
    get("market", "/fapi/v1/ticker/bookTicker", 5, MARKET + "Symbol-Order-Book-Ticker", "5 when symbol is omitted"),
    get("market", "/fapi/v1/openInterest", 1, MARKET + "Open-Interest", "Request Weight 1", S),
    get(
        "market",
        "/fapi/v1/fundingRate",
        (FUNDING,),
        MARKET + "Get-Funding-Rate-History",
        "share 500/5min/IP rate limit with GET /fapi/v1/fundingInfo",
    ),
    get(
        "market",
        "/fapi/v1/fundingInfo",
        (FUNDING,),
        MARKET + "Get-Funding-Rate-Info",
        "0; share 500/5min/IP rate limit with GET /fapi/v1/fundingInfo",
    ),
    get("market", "/fapi/v1/assetIndex", 1, MARKET + "Multi-Assets-Mode-Asset-Index", "1 for a single symbol", S),
    get("market", "/fapi/v1/assetIndex", 10, MARKET + "Multi-Assets-Mode-Asset-Index", "10 when symbol is omitted"),
    get("market", "/fapi/v1/constituents", 2, MARKET + "Index-Constituents", "Request Weight 2", S),
    get("market", "/fapi/v1/indexInfo", 1, MARKET + "Composite-Index-Symbol-Information", "Request Weight 1"),
    get("market", "/fapi/v1/insuranceBalance", 1, MARKET + "Insurance-Fund-Balance", "Request Weight 1"),
    get("market", "/fapi/v1/symbolAdlRisk", 1, MARKET + "ADL-Risk", "Request Weight 1"),
    get(
        "market",
        "/futures/data/openInterestHist",
        (FUTURES_DATA,),
        MARKET + "Open-Interest-Statistics",
        "Request Weight 0; IP rate limit 1000 requests/5min",
        {**S, "period": "5m"},
    ),
    get(
        "market",
        "/futures/data/topLongShortPositionRatio",
        (FUTURES_DATA,),
        MARKET + "Top-Trader-Long-Short-Ratio",
        "Request Weight 0; IP rate limit 1000 requests/5min",
        {**S, "period": "5m"},
    ),
    get(
        "market",
        "/futures/data/globalLongShortAccountRatio",
        (FUTURES_DATA,),
        MARKET + "Long-Short-Ratio",
        "Request Weight 0; IP rate limit 1000 requests/5min",
        {**S, "period": "5m"},
    ),
    get(
        "market",
        "/futures/data/takerlongshortRatio",
        (FUTURES_DATA,),
        MARKET + "Taker-BuySell-Volume",
        "Request Weight 0; IP rate limit 1000 requests/5min",
        {**S, "period": "5m"},
    ),
    get(
        "market",
        "/futures/data/basis",
        (FUTURES_DATA,),
        MARKET + "Basis",
        "Request Weight 0; IP rate limit 1000 requests/5min",
        {"pair": "BTCUSDT", "contractType": "PERPETUAL", "period": "5m"},
    ),
    get(
        "market",
        "/futures/data/delivery-price",
        (FUTURES_DATA,),
        MARKET + "Delivery-Price",
        "Request Weight 0",
        {"pair": "BTCUSDT"},
    ),
    # ---- trading
    act(
        "trade",
        "POST",
        "/fapi/v1/order",
        (ORDER_10S, ORDER_1M),
        TRADE + "New-Order",
        "1 on 10s order rate limit; 1 on 1min order rate limit; 0 on IP rate limit",
        S,
    ),
    act(
        "trade",
        "PUT",
        "/fapi/v1/order",
        (ORDER_10S, ORDER_1M),
        TRADE + "Modify-Order",
        "1 on 10s order rate limit; 1 on 1min order rate limit; 0 on IP rate limit",
        S,
    ),
    act(
        "trade",
        "POST",
        "/fapi/v1/batchOrders",
        (weight(5), Pool(5, 300, 10, "account"), ORDER_1M),
        TRADE + "Place-Multiple-Orders",
        "5 on 10s order rate limit; 1 on 1min order rate limit; 5 on IP rate limit",
        BATCH,
    ),
    act(
        "trade",
        "PUT",
        "/fapi/v1/batchOrders",
        (weight(5), Pool(5, 300, 10, "account"), ORDER_1M),
        TRADE + "Modify-Multiple-Orders",
        "5 on 10s order rate limit; 1 on 1min order rate limit; 5 on IP rate limit",
        BATCH,
    ),
    act("trade", "DELETE", "/fapi/v1/order", 1, TRADE + "Cancel-Order", "Request Weight 1", S),
    act("trade", "DELETE", "/fapi/v1/batchOrders", 1, TRADE + "Cancel-Multiple-Orders", "Request Weight 1", S),
    act("trade", "DELETE", "/fapi/v1/allOpenOrders", 1, TRADE + "Cancel-All-Open-Orders", "Request Weight 1", S),
    act(
        "trade",
        "POST",
        "/fapi/v1/countdownCancelAll",
        10,
        TRADE + "Auto-Cancel-All-Open-Orders",
        "Weight: 10",
        {**S, "countdownTime": 1000},
    ),
    act("trade", "POST", "/fapi/v1/leverage", 1, TRADE + "Change-Initial-Leverage", "Request Weight 1", S),
    act("trade", "POST", "/fapi/v1/marginType", 1, TRADE + "Change-Margin-Type", "Request Weight 1", S),
    act(
        "trade",
        "POST",
        "/fapi/v1/positionMargin",
        1,
        TRADE + "Modify-Isolated-Position-Margin",
        "Request Weight 1",
        S,
    ),
    act("trade", "POST", "/fapi/v1/positionSide/dual", 1, TRADE + "Change-Position-Mode", "Request Weight 1"),
    act("trade", "POST", "/fapi/v1/multiAssetsMargin", 1, TRADE + "Change-Multi-Assets-Mode", "Request Weight 1"),
    get("trade", "/fapi/v1/order", 1, TRADE + "Query-Order", "Request Weight 1", {**S, "orderId": 1}),
    get("trade", "/fapi/v1/openOrder", 1, TRADE + "Query-Current-Open-Order", "Request Weight 1", {**S, "orderId": 1}),
    get("trade", "/fapi/v1/openOrders", 1, TRADE + "Current-All-Open-Orders", "1 for a single symbol", S),
    get("trade", "/fapi/v1/openOrders", 40, TRADE + "Current-All-Open-Orders", "40 when the symbol is omitted"),
    get("trade", "/fapi/v1/allOrders", 5, TRADE + "All-Orders", "Request Weight 5", S),
    get("trade", "/fapi/v1/userTrades", 5, TRADE + "Account-Trade-List", "Request Weight 5", S),
    get("trade", "/fapi/v1/forceOrders", 20, TRADE + "Users-Force-Orders", "20 with symbol", S),
    get("trade", "/fapi/v1/forceOrders", 50, TRADE + "Users-Force-Orders", "50 without symbol"),
    get("trade", "/fapi/v1/adlQuantile", 5, TRADE + "Position-ADL-Quantile-Estimation", "Request Weight 5"),
    get("trade", "/fapi/v1/orderAmendment", 1, TRADE + "Get-Order-Modify-History", "Request Weight 1", S),
    get(
        "trade",
        "/fapi/v1/positionMargin/history",
        1,
        TRADE + "Get-Position-Margin-Change-History",
        "Request Weight 1",
        S,
    ),
    get("trade", "/fapi/v2/positionRisk", 5, TRADE + "Position-Information-V2", "Request Weight 5"),
    get("trade", "/fapi/v3/positionRisk", 5, TRADE + "Position-Information-V3", "Request Weight 5"),
    # ---- account
    get("account", "/fapi/v2/account", 5, ACCOUNT + "Account-Information-V2", "Request Weight 5"),
    get("account", "/fapi/v3/account", 5, ACCOUNT + "Account-Information-V3", "Request Weight 5"),
    get("account", "/fapi/v2/balance", 5, ACCOUNT + "Futures-Account-Balance-V2", "Request Weight 5"),
    get("account", "/fapi/v3/balance", 5, ACCOUNT + "Futures-Account-Balance-V3", "Request Weight 5"),
    get("account", "/fapi/v1/accountConfig", 5, ACCOUNT + "Account-Config", "Request Weight 5"),
    get("account", "/fapi/v1/symbolConfig", 5, ACCOUNT + "Symbol-Config", "Request Weight 5"),
    get("account", "/fapi/v1/income", 30, ACCOUNT + "Get-Income-History", "Request Weight 30"),
    get(
        "account",
        "/fapi/v1/income/asyn",
        1000,
        ACCOUNT + "Get-Download-Id-For-Futures-Transaction-History",
        "Request Weight 1000",
        {"startTime": 1, "endTime": 2},
    ),
    get(
        "account",
        "/fapi/v1/income/asyn/id",
        10,
        ACCOUNT + "Get-Futures-Transaction-History-Download-Link-by-Id",
        "Request Weight 10",
        {"downloadId": "x"},
    ),
    get(
        "account",
        "/fapi/v1/order/asyn",
        1000,
        ACCOUNT + "Get-Download-Id-For-Futures-Order-History",
        "Request Weight 1000",
        {"startTime": 1, "endTime": 2},
    ),
    get(
        "account",
        "/fapi/v1/order/asyn/id",
        10,
        ACCOUNT + "Get-Futures-Order-History-Download-Link-by-Id",
        "Request Weight 10",
        {"downloadId": "x"},
    ),
    get(
        "account",
        "/fapi/v1/trade/asyn",
        1000,
        ACCOUNT + "Get-Download-Id-For-Futures-Trade-History",
        "Request Weight 1000",
        {"startTime": 1, "endTime": 2},
    ),
    get(
        "account",
        "/fapi/v1/trade/asyn/id",
        10,
        ACCOUNT + "Get-Futures-Trade-Download-Link-by-Id",
        "Request Weight 10",
        {"downloadId": "x"},
    ),
    get("account", "/fapi/v1/commissionRate", 20, ACCOUNT + "User-Commission-Rate", "Request Weight 20", S),
    get("account", "/fapi/v1/rateLimit/order", 1, ACCOUNT + "Query-Rate-Limit", "Request Weight 1"),
    get("account", "/fapi/v1/leverageBracket", 1, ACCOUNT + "Notional-and-Leverage-Brackets", "Request Weight 1"),
    get("account", "/fapi/v1/multiAssetsMargin", 30, ACCOUNT + "Get-Current-Multi-Assets-Mode", "Request Weight 30"),
    get("account", "/fapi/v1/positionSide/dual", 30, ACCOUNT + "Get-Current-Position-Mode", "Request Weight 30"),
    get("account", "/fapi/v1/feeBurn", 30, ACCOUNT + "Get-BNB-Burn-Status", "Request Weight 30"),
    act(
        "account",
        "POST",
        "/fapi/v1/feeBurn",
        1,
        ACCOUNT + "Toggle-BNB-Burn-On-Futures-Trade",
        "Request Weight 1",
        {"feeBurn": "true"},
    ),
    get(
        "account",
        "/fapi/v1/apiTradingStatus",
        1,
        ACCOUNT + "Futures-Trading-Quantitative-Rules-Indicators",
        "1 for a single symbol",
        S,
    ),
    get(
        "account",
        "/fapi/v1/apiTradingStatus",
        10,
        ACCOUNT + "Futures-Trading-Quantitative-Rules-Indicators",
        "10 when the symbol parameter is omitted",
    ),
    get("account", "/fapi/v1/pmAccountInfo", 5, DOCS + "portfolio-margin-endpoints", "Request Weight 5"),
    get("convert", "/fapi/v1/convert/exchangeInfo", 20, DOCS + "convert", "Request Weight 20(IP)"),
    get("convert", "/fapi/v1/convert/orderStatus", 50, DOCS + "convert/Order-Status", "Request Weight 50(IP)"),
    act("convert", "POST", "/fapi/v1/convert/acceptQuote", 200, DOCS + "convert/Accept-Quote", "Weight 200(IP)"),
)
