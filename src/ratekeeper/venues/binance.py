"""Binance spot ("binance"), USD-M futures ("binance_usdm") and COIN-M futures ("binance_coinm").

Limits are clock-aligned fixed windows (REQUEST_WEIGHT and RAW_REQUESTS per IP, ORDERS per
account); the live values are published in ``exchangeInfo`` (:func:`limits_from_exchange_info`,
or ``venue("binance", exchange_info=response)``) and preferred over the defaults here.
Numbers: https://github.com/binance/binance-spot-api-docs (rest-api.md "LIMITS", CHANGELOG.md) and
https://developers.binance.com/docs/derivatives/usds-margined-futures/general-info.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .._limits import Limit, Observation
from ._binance_sapi import SAPI_SPEC, SAPI_WEIGHTS
from ._model import CostFn, Feedback, InvalidRequest, Request, Response, Rule, Rules, Venue, Weighed, by_name
from ._signals import block, header_number, json_code, retry_after, source

__all__ = [
    "OPTIONS",
    "build_coinm",
    "build_spot",
    "build_usdm",
    "limit_name",
    "limits_from_exchange_info",
]

SPOT_DOCS = "https://github.com/binance/binance-spot-api-docs/blob/master/rest-api.md"
SRC_SPOT = source(SPOT_DOCS, "HEAD a5e0bc3 of 2026-07-21, section LIMITS and each endpoint's Weight")
SRC_SPOT_CHANGELOG = source(
    "https://github.com/binance/binance-spot-api-docs/blob/master/CHANGELOG.md",
    "2023-08-25 REQUEST_WEIGHT 6000/min; 2026-03-27 RAW_REQUESTS 300000/5 min and weight 0 for successful "
    "order requests from 2026-04-02",
)
SRC_SPOT_ORDERS = source(
    SPOT_DOCS,
    "ORDERS values are account-specific: doc examples 50/10 s and 160000/day; 100/10 s and 200000/day from "
    "hummingbot binance_constants.py and XChange; confirm with exchangeInfo or GET /api/v3/rateLimit/order",
)
FAPI_DOCS = "https://developers.binance.com/docs/derivatives/usds-margined-futures"
SRC_FAPI = source(FAPI_DOCS + "/general-info", "LIMITS; copy in rosssaunders/coincise docs/binance/usdm")
SRC_FAPI_FAQ = source(
    "https://www.binance.com/en/support/faq/rate-limits-on-binance-futures-281596e222414cdd9051664ea621cdc3",
    "last updated 2023-08-04: 2400 weight/min per IP, orders 1200/min and 300/10 s per account",
)

SRC_FUTURES_FAQ_2024 = source(
    "https://binance.com/en/support/faq/rate-limits-on-binance-futures-281596e222414cdd9051664ea621cdc3",
    "last updated 27 December 2024: default 2,400/min per IP and 1,200/min orders per account/sub-account; "
    "the additional 10-second order limit (300/10 s) applies to USD-M Futures",
)
SRC_SAPI = source(
    "https://developers.binance.com/docs/products/caas/basics/4.rate-limits",
    "/sapi/*: each endpoint is marked IP- or UID-limited with its own weight; each IP-limited endpoint has an "
    "independent 12,000 per minute, each UID-limited endpoint an independent 180,000 per minute; headers "
    "X-SAPI-USED-IP-WEIGHT-1M / X-SAPI-USED-UID-WEIGHT-1M; always 429, no 418 escalation",
)
SRC_OVERLOAD = source(
    "https://developers.binance.com/docs/derivatives/usds-margined-futures/general-info",
    'HTTP 503 -1008 "Request throttled by system-level protection": node overload, 100% failure, not counted '
    "against limits, retry with backoff and reduce concurrency; reduce-only/close-position/cancel exempt "
    "(copy in rosssaunders/coincise docs/binance/usdm/rate_limits.md)",
)
DAPI_DOCS = "https://developers.binance.com/docs/derivatives/coin-margined-futures"
SRC_DAPI = source(DAPI_DOCS + "/general-info", "LIMITS; copy in rosssaunders/coincise docs/binance/coinm")


def _dapi(page: str) -> str:
    return source(f"{DAPI_DOCS}/{page}", "Request Weight section; copy in rosssaunders/coincise docs/binance/coinm")


def _fapi(page: str) -> str:
    return source(f"{FAPI_DOCS}/{page}", "Request Weight section; copy in rosssaunders/coincise")


_UNITS: Mapping[str, tuple[str, float]] = {
    "SECOND": ("s", 1.0),
    "MINUTE": ("m", 60.0),
    "HOUR": ("h", 3600.0),
    "DAY": ("d", 86400.0),
}
_LETTERS: Mapping[str, float] = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}

# Groups name every limit of one rateLimitType, so rules stay right when exchangeInfo adds one.
WEIGHT, RAW, ORDERS = "REQUEST_WEIGHT", "RAW_REQUESTS", "ORDERS"
_CANONICAL: Mapping[tuple[str, float], str] = {(WEIGHT, 60.0): "request_weight", (RAW, 300.0): "raw_requests"}
_SCOPES: Mapping[str, str] = {WEIGHT: "ip", RAW: "ip", ORDERS: "account", "CONNECTIONS": "ip"}


def limit_name(rate_limit_type: str, interval_num: int, interval: str) -> str:
    """The limit name for one ``rateLimits`` entry: ``request_weight`` (1 minute),
    ``raw_requests`` (5 minutes), otherwise ``<type>_<n><unit>`` such as ``orders_10s``."""
    letter, seconds = _UNITS[interval.upper()]
    period = interval_num * seconds
    canonical = _CANONICAL.get((rate_limit_type.upper(), period))
    if canonical is not None:
        return canonical
    return f"{rate_limit_type.lower()}_{interval_num}{letter}"


def limits_from_exchange_info(info: Mapping[str, Any], *, venue: str = "binance") -> dict[str, Limit]:
    """Limits from an ``exchangeInfo`` response's ``rateLimits`` array (fixed windows).

    ``{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000}``
    becomes ``Limit("request_weight", 6000, 60, algorithm="fixed", scope="ip")``. Raises
    ``ValueError`` if the response carries no usable entry.
    """
    entries = info.get("rateLimits") if isinstance(info, Mapping) else None
    if not isinstance(entries, list):
        raise ValueError(f"{venue}: exchangeInfo has no rateLimits array")
    out: dict[str, Limit] = {}
    for entry in entries:
        try:
            kind = str(entry["rateLimitType"]).upper()
            interval = str(entry["interval"]).upper()
            num = int(entry["intervalNum"])
            capacity = float(entry["limit"])
            _UNITS[interval]
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"{venue}: malformed rateLimits entry {entry!r}") from None
        name = limit_name(kind, num, interval)
        out[name] = Limit(
            name,
            capacity,
            num * _UNITS[interval][1],
            algorithm="fixed",
            scope=_SCOPES.get(kind, "ip"),
            source=f"exchangeInfo rateLimits {kind} {num} {interval} (loaded at runtime)",
        )
    if not out:
        raise ValueError(f"{venue}: exchangeInfo rateLimits is empty")
    return out


def _groups(limits: Iterable[Limit]) -> dict[str, tuple[str, ...]]:
    """Every limit of one rateLimitType, by the name :func:`limit_name` gives it."""
    bases = {WEIGHT: "request_weight", RAW: "raw_requests", ORDERS: "orders"}
    return {
        kind: tuple(lim.name for lim in limits if lim.name == base or lim.name.startswith(base + "_"))
        for kind, base in bases.items()
    }


# --------------------------------------------------------------------------------------------
# parameter readers


def _int_param(request: Request, name: str, default: int) -> int:
    value = request.field(name)
    try:
        return int(value) if value is not None else default
    except (TypeError, ValueError):
        return default


def symbol_count(request: Request) -> int | None:
    """How many symbols a request names: 1 for ``symbol``, the length of ``symbols`` (a list or
    its JSON text), ``None`` when it names none (= all symbols)."""
    if request.field("symbol"):
        return 1
    symbols = request.field("symbols")
    if symbols is None or symbols == "":
        return None
    if isinstance(symbols, (list, tuple)):
        return len(symbols)
    text = str(symbols)
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, list):
        return len(parsed)
    return len([s for s in text.strip("[]").split(",") if s.strip()])


def _truthy(value: object) -> bool:
    return value is True or str(value).lower() == "true"


# --------------------------------------------------------------------------------------------
# spot weights (rest-api.md)


def spot_depth_weight(limit: int) -> int:
    """limit 1-100: 5, 101-500: 25, 501-1000: 50, 1001-5000: 250 (default limit 100)."""
    if limit <= 100:
        return 5
    if limit <= 500:
        return 25
    if limit <= 1000:
        return 50
    return 250


def spot_ticker_24hr_weight(count: int | None) -> int:
    """symbol: 2; symbols 1-20: 2, 21-100: 40, 101+: 80; none (all symbols): 80."""
    if count is None or count > 100:
        return 80
    if count > 20:
        return 40
    return 2


def spot_rolling_ticker_weight(count: int | None) -> int:
    """4 per symbol, capped at 200 (reached beyond 50 symbols); all symbols: 200."""
    return 200 if count is None else min(4 * count, 200)


def spot_execution_rules_weight(request: Request) -> int:
    """``symbol``: 2; ``symbols``: 2 each, capped at 40; ``symbolStatus`` or nothing: 40."""
    if request.field("symbolStatus"):
        return 40
    count = symbol_count(request)
    return 40 if count is None else min(2 * count, 40)


def _w(cost: Callable[[Request], int], group: str = WEIGHT) -> Callable[[Request], Mapping[str, float]]:
    def priced(request: Request) -> Mapping[str, float]:
        return {group: cost(request)}

    return priced


def _refund_weight_on_success(weighed: Weighed, response: Response) -> Mapping[str, float] | None:
    # Since 2026-04-02 a successful order request costs no IP weight; a failed one pays.
    if 200 <= response.status < 300:
        return {WEIGHT: 0.0}
    return None


def _spot_rules() -> list[Rule]:
    s, ch = SRC_SPOT, SRC_SPOT_CHANGELOG

    def read(path: str, weight: int | Callable[[Request], int], note: str = "") -> Rule:
        cost: Mapping[str, float] | CostFn = {WEIGHT: weight} if isinstance(weight, int) else _w(weight)
        return Rule("GET", path, cost, source=s, primary="request_weight", note=note)

    def order(method: str, path: str, weight: int, orders: int, note: str = "") -> Rule:
        cost: dict[str, float] = {WEIGHT: weight}
        if orders:
            cost[ORDERS] = orders
        return Rule(
            method,
            path,
            cost,
            kind="action",
            source=s + "; " + ch,
            settle=_refund_weight_on_success,
            primary="request_weight",
            note=note or f"weight {weight} charged, refunded on success",
        )

    def test_order(path: str) -> Rule:
        return Rule(
            "POST",
            path,
            _w(lambda r: 20 if _truthy(r.field("computeCommissionRates")) else 1),
            source=s,
            primary="request_weight",
            idempotent=True,
            note="1; 20 with computeCommissionRates",
        )

    return [
        read("/api/v3/ping", 1),
        read("/api/v3/time", 1),
        read("/api/v3/exchangeInfo", 20),
        read("/api/v3/depth", lambda r: spot_depth_weight(_int_param(r, "limit", 100)), "by limit"),
        read("/api/v3/trades", 25),
        read("/api/v3/historicalTrades", 25),
        read("/api/v3/aggTrades", 4),
        read("/api/v3/klines", 2),
        read("/api/v3/uiKlines", 2),
        read("/api/v3/avgPrice", 2),
        read("/api/v3/ticker/24hr", lambda r: spot_ticker_24hr_weight(symbol_count(r)), "by symbol count"),
        read(
            "/api/v3/ticker/tradingDay", lambda r: spot_rolling_ticker_weight(symbol_count(r)), "4 per symbol, max 200"
        ),
        read("/api/v3/ticker", lambda r: spot_rolling_ticker_weight(symbol_count(r)), "4 per symbol, max 200"),
        read("/api/v3/ticker/price", lambda r: 2 if r.field("symbol") else 4),
        read("/api/v3/ticker/bookTicker", lambda r: 2 if r.field("symbol") else 4),
        read("/api/v3/order", 4),
        read("/api/v3/openOrders", lambda r: 6 if r.field("symbol") else 80, "6 with symbol, 80 without"),
        read("/api/v3/allOrders", 20),
        read("/api/v3/orderList", 4),
        read("/api/v3/allOrderList", 20),
        read("/api/v3/openOrderList", 6),
        read("/api/v3/account", 20),
        read("/api/v3/myTrades", lambda r: 5 if r.field("orderId") is not None else 20, "5 with orderId"),
        read("/api/v3/rateLimit/order", 40),
        read(
            "/api/v3/myPreventedMatches",
            lambda r: 2 if r.field("preventedMatchId") is not None else 20,
            "2 by preventedMatchId, 20 by orderId",
        ),
        read("/api/v3/executionRules", spot_execution_rules_weight, "2 per symbol, max 40; 40 for all"),
        read("/api/v3/historicalBlockTrades", 25),
        read("/api/v3/referencePrice", 2),
        read("/api/v3/referencePrice/calculation", 2),
        read("/api/v3/myAllocations", 20),
        read("/api/v3/account/commission", 20),
        read("/api/v3/order/amendments", 4),
        read("/api/v3/myFilters", 40),
        test_order("/api/v3/order/test"),
        test_order("/api/v3/sor/order/test"),
        order("POST", "/api/v3/order", 1, 1),
        order("DELETE", "/api/v3/order", 1, 0),
        order("DELETE", "/api/v3/openOrders", 1, 0),
        order("POST", "/api/v3/order/cancelReplace", 1, 1),
        order("POST", "/api/v3/orderList/oco", 1, 2),
        order("POST", "/api/v3/orderList/oto", 1, 2),
        order("POST", "/api/v3/orderList/otoco", 1, 3),
        order("POST", "/api/v3/orderList/opo", 1, 2),
        order("POST", "/api/v3/orderList/opoco", 1, 3),
        order("POST", "/api/v3/order/oco", 1, 2, "deprecated OCO; weight 1 refunded on success, 2 orders"),
        order("DELETE", "/api/v3/orderList", 1, 0),
        order("POST", "/api/v3/sor/order", 1, 1),
        Rule(
            "PUT",
            "/api/v3/order/amend/keepPriority",
            {WEIGHT: 4},
            kind="action",
            source=s + "; " + ch,
            primary="request_weight",
            note="4; 0 only when the amend makes the order expire (not refunded: not knowable up front)",
        ),
        Rule(
            "POST",
            "/api/v3/userDataStream",
            {WEIGHT: 2},
            kind="action",
            idempotent=True,
            source=s,
            primary="request_weight",
        ),
        Rule(
            "PUT",
            "/api/v3/userDataStream",
            {WEIGHT: 2},
            kind="action",
            idempotent=True,
            source=s,
            primary="request_weight",
        ),
        Rule(
            "DELETE",
            "/api/v3/userDataStream",
            {WEIGHT: 2},
            kind="action",
            idempotent=True,
            source=s,
            primary="request_weight",
        ),
    ]


# --------------------------------------------------------------------------------------------
# /sapi/* (wallet, margin, sub-accounts…): pools of their own, one per endpoint

SAPI_IP, SAPI_UID = "sapi_ip_weight", "sapi_uid_weight"
ENDPOINT = "endpoint"
"""The scope dimension that keeps one /sapi endpoint's pool apart from another's."""


def _endpoint_scope(request: Request) -> Mapping[str, str]:
    return {ENDPOINT: f"{request.method} {request.path}"}


_SAPI_WALLET = "https://developers.binance.com/docs/wallet"
_SAPI_WALLET_ZH = "https://developers.binance.com/docs/zh-CN/wallet"
# Binance's own Rust connector documents each endpoint's weight.
_CONNECTOR = "https://docs.rs/binance_spot_connector_rust/latest/binance_spot_connector_rust/wallet"

# Pages read on developers.binance.com (and Binance's connector docs) for some endpoints; every
# other /sapi weight comes from Binance's OpenAPI specification (``_binance_sapi``).
_SAPI_PAGES: Mapping[tuple[str, str], str] = {
    ("GET", "/sapi/v1/capital/config/getall"): _SAPI_WALLET_ZH + "/capital",
    ("GET", "/sapi/v1/capital/deposit/hisrec"): _SAPI_WALLET_ZH + "/capital/deposite-history",
    ("GET", "/sapi/v1/capital/withdraw/quota"): _SAPI_WALLET + "/capital/fetch-withdraw-quota",
    ("GET", "/sapi/v1/capital/withdraw/history"): _SAPI_WALLET_ZH + "/capital/withdraw-history",
    ("POST", "/sapi/v1/capital/withdraw/apply"): _SAPI_WALLET_ZH + "/capital/withdraw",
    ("POST", "/sapi/v1/asset/transfer"): _SAPI_WALLET + "/asset/user-universal-transfer",
    ("POST", "/sapi/v1/asset/dust"): _CONNECTOR + "/dust_transfer/struct.DustTransfer.html",
    ("POST", "/sapi/v3/asset/getUserAsset"): _CONNECTOR + "/user_asset/struct.UserAsset.html",
    ("GET", "/sapi/v1/localentity/withdraw/history"): _SAPI_WALLET_ZH + "/travel-rule/withdraw-history",
    ("GET", "/sapi/v2/localentity/deposit/history"): _SAPI_WALLET_ZH + "/travel-rule/deposit-history-v2",
    ("GET", "/sapi/v1/margin/rateLimit/order"): (
        "https://developers.binance.com/docs/margin_trading/trade/Query-Current-Margin-Order-Count-Usage"
    ),
}
_SAPI_POST_READS = frozenset({"/sapi/v3/asset/getUserAsset", "/sapi/v1/asset/get-funding-asset"})


def _sapi_rules() -> list[Rule]:
    rules: list[Rule] = []
    for method, path, kind, weight in SAPI_WEIGHTS:
        limit = SAPI_UID if kind == "UID" else SAPI_IP
        page = _SAPI_PAGES.get((method, path), SAPI_SPEC)
        read = method == "GET" or path in _SAPI_POST_READS
        rules.append(
            Rule(
                method,
                path,
                {limit: weight},
                kind="read" if read else "action",
                source=source(page, f"Request Weight({kind}) {weight}") + "; " + SRC_SAPI,
                scope=_endpoint_scope,
                primary=limit,
            )
        )
    return rules


SAPI_UNKNOWN_IP, SAPI_UNKNOWN_UID = 10, 900
"""What an unknown /sapi endpoint is charged on its own pool: 10 IP weight unsigned (a heavy
IP weight among the documented ones), 900 UID weight signed (withdraw and universal transfer)."""


def _is_signed(request: Request) -> bool:
    return request.field("signature") is not None


def _unknown_scope(request: Request) -> Mapping[str, str]:
    return _endpoint_scope(request) if request.path.startswith("/sapi/") else {}


def _sapi_limits() -> list[Limit]:
    return [
        Limit(SAPI_IP, 12_000, 60, algorithm="fixed", scope="ip+" + ENDPOINT, source=SRC_SAPI),
        Limit(SAPI_UID, 180_000, 60, algorithm="fixed", scope="account+" + ENDPOINT, source=SRC_SAPI),
    ]


# --------------------------------------------------------------------------------------------
# USD-M weights


def usdm_depth_weight(limit: int) -> int:
    """limit 5/10/20/50: 2, 100: 5, 500: 10, 1000: 20 (default 500)."""
    if limit <= 50:
        return 2
    if limit <= 100:
        return 5
    if limit <= 500:
        return 10
    return 20


def usdm_klines_weight(limit: int) -> int:
    """limit [1,100): 1, [100,500): 2, [500,1000]: 5, >1000: 10 (default 500)."""
    if limit < 100:
        return 1
    if limit < 500:
        return 2
    if limit <= 1000:
        return 5
    return 10


def _batch_size(request: Request, venue: str) -> int:
    raw = request.field("batchOrders")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = None
    n = len(raw) if isinstance(raw, list) else 5
    if n > 5:
        raise InvalidRequest(f"{venue}: batchOrders holds {n} orders; the maximum is 5")
    return n


READS = "reads"
"""A gate every futures read passes, not a venue budget (its capacity is never reached): an
HTTP 503 ``-1008`` overload answer closes it for a short while, so reads back off while
cancels and orders (which the venue exempts or which must not be retried blindly) go on."""
OVERLOAD_BACKOFF = 1.0
"""Seconds reads wait after a ``-1008`` answer without Retry-After (the documents say only
"retry with backoff and reduce concurrency"; their 503 example backs off 200 → 800 ms)."""
FUTURES_DATA = "futures_data"


def _futures_reads_limit() -> Limit:
    return Limit(
        READS,
        1e9,
        1,
        algorithm="fixed",
        scope="ip",
        source=SRC_OVERLOAD + " — a gate for reads that a -1008 answer closes, not a venue budget",
    )


class _Book:
    """Rule builders shared by the USD-M and COIN-M tables: every read also passes the gate."""

    def __init__(self, page: Callable[[str], str]) -> None:
        self.page = page

    def read(
        self,
        path: str,
        weight: int | Callable[[Request], int],
        page: str,
        note: str = "",
        *,
        extra: Mapping[str, float] | None = None,
        primary: str = "request_weight",
        src: str = "",
    ) -> Rule:
        fixed = dict(extra or {})
        fixed[READS] = 1

        def cost(request: Request) -> Mapping[str, float]:
            out = dict(fixed)
            amount = weight if isinstance(weight, int) else weight(request)
            if amount:
                out[WEIGHT] = amount
            return out

        return Rule("GET", path, cost, source=src or self.page(page), primary=primary, note=note)

    def action(
        self,
        method: str,
        path: str,
        cost: Mapping[str, float] | Callable[[Request], Mapping[str, float]],
        page: str,
        note: str = "",
        idempotent: bool | None = None,
    ) -> Rule:
        return Rule(
            method,
            path,
            cost,
            kind="action",
            source=self.page(page),
            primary="request_weight",
            note=note,
            idempotent=idempotent,
        )


def _by_symbol(single: int, every: int) -> Callable[[Request], int]:
    return lambda r: single if r.field("symbol") else every


def _klines(request: Request) -> int:
    return usdm_klines_weight(_int_param(request, "limit", 500))


def _usdm_rules() -> list[Rule]:
    b = _Book(_fapi)
    read, action, by_symbol, klines = b.read, b.action, _by_symbol, _klines
    trade = "trade/rest-api/"
    market = "market-data/rest-api/"
    account = "account/rest-api/"

    def batch_cost(request: Request) -> Mapping[str, float]:
        _batch_size(request, "binance_usdm")
        return {WEIGHT: 5, "orders_10s": 5, "orders_1m": 1}

    def futures_data(path: str, page: str) -> Rule:
        return read(
            path,
            0,
            market + page,
            "weight 0; 1000 requests per 5 min per IP",
            extra={FUTURES_DATA: 1},
            primary=FUTURES_DATA,
        )

    funding = " — fundingRate and fundingInfo share 500 per 5 min per IP; no IP weight"
    return [
        read("/fapi/v1/ping", 1, market + "Test-Connectivity"),
        read("/fapi/v1/time", 1, market + "Check-Server-Time"),
        read("/fapi/v1/exchangeInfo", 1, market + "Exchange-Information"),
        read(
            "/fapi/v1/depth",
            lambda r: usdm_depth_weight(_int_param(r, "limit", 500)),
            market + "Order-Book",
            "by limit",
        ),
        read("/fapi/v1/trades", 5, market + "Recent-Trades-List"),
        read("/fapi/v1/historicalTrades", 20, market + "Old-Trades-Lookup"),
        read("/fapi/v1/aggTrades", 20, market + "Compressed-Aggregate-Trades-List"),
        read("/fapi/v1/klines", klines, market + "Kline-Candlestick-Data", "by limit"),
        read("/fapi/v1/continuousKlines", klines, market + "Continuous-Contract-Kline-Candlestick-Data", "by limit"),
        read("/fapi/v1/indexPriceKlines", klines, market + "Index-Price-Kline-Candlestick-Data", "by limit"),
        read("/fapi/v1/markPriceKlines", klines, market + "Mark-Price-Kline-Candlestick-Data", "by limit"),
        read("/fapi/v1/premiumIndexKlines", klines, market + "Premium-Index-Kline-Data", "by limit"),
        read("/fapi/v1/premiumIndex", by_symbol(1, 10), market + "Mark-Price", "1 with symbol, 10 without"),
        read(
            "/fapi/v1/ticker/24hr",
            by_symbol(1, 40),
            market + "24hr-Ticker-Price-Change-Statistics",
            "1 with symbol, 40 without",
        ),
        read("/fapi/v1/ticker/price", by_symbol(1, 2), market + "Symbol-Price-Ticker", "1 with symbol, 2 without"),
        read("/fapi/v2/ticker/price", by_symbol(1, 2), market + "Symbol-Price-Ticker-v2", "1 with symbol, 2 without"),
        read(
            "/fapi/v1/ticker/bookTicker",
            by_symbol(2, 5),
            market + "Symbol-Order-Book-Ticker",
            "2 with symbol, 5 without",
        ),
        read("/fapi/v1/openInterest", 1, market + "Open-Interest"),
        read(
            "/fapi/v1/fundingRate",
            0,
            "",
            extra={"funding_rate": 1},
            primary="funding_rate",
            src=_fapi(market + "Get-Funding-Rate-History") + funding,
        ),
        read(
            "/fapi/v1/fundingInfo",
            0,
            "",
            extra={"funding_rate": 1},
            primary="funding_rate",
            src=_fapi(market + "Get-Funding-Rate-Info") + funding,
        ),
        read("/fapi/v1/assetIndex", by_symbol(1, 10), market + "Multi-Assets-Mode-Asset-Index"),
        read("/fapi/v1/constituents", 2, market + "Index-Constituents"),
        read("/fapi/v1/indexInfo", 1, market + "Composite-Index-Symbol-Information"),
        read("/fapi/v1/insuranceBalance", 1, market + "Insurance-Fund-Balance"),
        read("/fapi/v1/symbolAdlRisk", 1, market + "ADL-Risk"),
        futures_data("/futures/data/openInterestHist", "Open-Interest-Statistics"),
        futures_data("/futures/data/topLongShortAccountRatio", "Top-Long-Short-Account-Ratio"),
        futures_data("/futures/data/topLongShortPositionRatio", "Top-Trader-Long-Short-Ratio"),
        futures_data("/futures/data/globalLongShortAccountRatio", "Long-Short-Ratio"),
        futures_data("/futures/data/takerlongshortRatio", "Taker-BuySell-Volume"),
        futures_data("/futures/data/basis", "Basis"),
        futures_data("/futures/data/delivery-price", "Delivery-Price"),
        read("/fapi/v1/order", 1, trade + "Query-Order"),
        read("/fapi/v1/openOrder", 1, trade + "Query-Current-Open-Order"),
        read("/fapi/v1/openOrders", by_symbol(1, 40), trade + "Current-All-Open-Orders", "1 with symbol, 40 without"),
        read("/fapi/v1/allOrders", 5, trade + "All-Orders"),
        read("/fapi/v1/userTrades", 5, trade + "Account-Trade-List"),
        read("/fapi/v1/forceOrders", by_symbol(20, 50), trade + "Users-Force-Orders", "20 with symbol, 50 without"),
        read("/fapi/v1/adlQuantile", 5, trade + "Position-ADL-Quantile-Estimation"),
        read("/fapi/v1/orderAmendment", 1, trade + "Get-Order-Modify-History"),
        read("/fapi/v1/positionMargin/history", 1, trade + "Get-Position-Margin-Change-History"),
        read("/fapi/v2/account", 5, account + "Account-Information-V2"),
        read("/fapi/v3/account", 5, account + "Account-Information-V3"),
        read("/fapi/v2/balance", 5, account + "Futures-Account-Balance-V2"),
        read("/fapi/v3/balance", 5, account + "Futures-Account-Balance-V3"),
        read("/fapi/v2/positionRisk", 5, trade + "Position-Information-V2"),
        read("/fapi/v3/positionRisk", 5, trade + "Position-Information-V3"),
        read("/fapi/v1/accountConfig", 5, account + "Account-Config"),
        read("/fapi/v1/symbolConfig", 5, account + "Symbol-Config"),
        read("/fapi/v1/income", 30, account + "Get-Income-History"),
        read("/fapi/v1/income/asyn", 1000, account + "Get-Download-Id-For-Futures-Transaction-History"),
        read("/fapi/v1/income/asyn/id", 10, account + "Get-Futures-Transaction-History-Download-Link-by-Id"),
        read("/fapi/v1/order/asyn", 1000, account + "Get-Download-Id-For-Futures-Order-History"),
        read("/fapi/v1/order/asyn/id", 10, account + "Get-Futures-Order-History-Download-Link-by-Id"),
        read("/fapi/v1/trade/asyn", 1000, account + "Get-Download-Id-For-Futures-Trade-History"),
        read("/fapi/v1/trade/asyn/id", 10, account + "Get-Futures-Trade-Download-Link-by-Id"),
        read("/fapi/v1/commissionRate", 20, account + "User-Commission-Rate"),
        read("/fapi/v1/rateLimit/order", 1, account + "Query-Rate-Limit"),
        read("/fapi/v1/leverageBracket", 1, account + "Notional-and-Leverage-Brackets"),
        read("/fapi/v1/multiAssetsMargin", 30, account + "Get-Current-Multi-Assets-Mode"),
        read("/fapi/v1/positionSide/dual", 30, account + "Get-Current-Position-Mode"),
        read("/fapi/v1/feeBurn", 30, account + "Get-BNB-Burn-Status"),
        read(
            "/fapi/v1/apiTradingStatus",
            by_symbol(1, 10),
            account + "Futures-Trading-Quantitative-Rules-Indicators",
            "1 with symbol, 10 without",
        ),
        read("/fapi/v1/pmAccountInfo", 5, "portfolio-margin-endpoints"),
        read("/fapi/v1/convert/exchangeInfo", 20, "convert"),
        read("/fapi/v1/convert/orderStatus", 50, "convert/Order-Status"),
        action(
            "POST", "/fapi/v1/convert/getQuote", {WEIGHT: 50}, "convert/Send-quote-request", "50; also 360/h, 500/day"
        ),
        action("POST", "/fapi/v1/convert/acceptQuote", {WEIGHT: 200}, "convert/Accept-Quote"),
        action(
            "POST",
            "/fapi/v1/order",
            {"orders_10s": 1, "orders_1m": 1},
            trade + "New-Order",
            "0 IP weight; 1 on each order count",
        ),
        action(
            "PUT",
            "/fapi/v1/order",
            {"orders_10s": 1, "orders_1m": 1},
            trade + "Modify-Order",
            "0 IP weight; 1 on each order count",
        ),
        action(
            "POST",
            "/fapi/v1/batchOrders",
            batch_cost,
            trade + "Place-Multiple-Orders",
            "5 IP weight; 5 on 10 s, 1 on 1 min; max 5 orders",
        ),
        action("PUT", "/fapi/v1/batchOrders", batch_cost, trade + "Modify-Multiple-Orders", "as Place-Multiple-Orders"),
        action("POST", "/fapi/v1/order/test", {WEIGHT: 1}, trade + "Test-Order", idempotent=True),
        action("DELETE", "/fapi/v1/order", {WEIGHT: 1}, trade + "Cancel-Order"),
        action("DELETE", "/fapi/v1/batchOrders", {WEIGHT: 1}, trade + "Cancel-Multiple-Orders"),
        action("DELETE", "/fapi/v1/allOpenOrders", {WEIGHT: 1}, trade + "Cancel-All-Open-Orders"),
        action(
            "POST", "/fapi/v1/countdownCancelAll", {WEIGHT: 10}, trade + "Auto-Cancel-All-Open-Orders", idempotent=True
        ),
        action("POST", "/fapi/v1/leverage", {WEIGHT: 1}, trade + "Change-Initial-Leverage", idempotent=True),
        action("POST", "/fapi/v1/marginType", {WEIGHT: 1}, trade + "Change-Margin-Type", idempotent=True),
        action("POST", "/fapi/v1/positionMargin", {WEIGHT: 1}, trade + "Modify-Isolated-Position-Margin"),
        action("POST", "/fapi/v1/positionSide/dual", {WEIGHT: 1}, trade + "Change-Position-Mode", idempotent=True),
        action("POST", "/fapi/v1/multiAssetsMargin", {WEIGHT: 1}, trade + "Change-Multi-Assets-Mode", idempotent=True),
        action("POST", "/fapi/v1/feeBurn", {WEIGHT: 1}, account + "Toggle-BNB-Burn-On-Futures-Trade", idempotent=True),
        action("POST", "/fapi/v1/listenKey", {WEIGHT: 1}, "user-data-streams/Start-User-Data-Stream", idempotent=True),
        action(
            "PUT", "/fapi/v1/listenKey", {WEIGHT: 1}, "user-data-streams/Keepalive-User-Data-Stream", idempotent=True
        ),
        action(
            "DELETE", "/fapi/v1/listenKey", {WEIGHT: 1}, "user-data-streams/Close-User-Data-Stream", idempotent=True
        ),
    ]


# --------------------------------------------------------------------------------------------
# COIN-M weights (dapi): depth and klines are weighed as on USD-M


def _coinm_rules() -> list[Rule]:
    b = _Book(_dapi)
    read, action, by_symbol, klines = b.read, b.action, _by_symbol, _klines
    trade = "trade/rest-api/"
    market = "market-data/rest-api/"
    account = "account/rest-api/"

    def by_pair(symbol: int, pair: int) -> Callable[[Request], int]:
        return lambda r: pair if r.field("pair") and not r.field("symbol") else symbol

    def batch_cost(request: Request) -> Mapping[str, float]:
        _batch_size(request, "binance_coinm")
        return {WEIGHT: 5, "orders_1m": 1}

    order_note = "order count charged 1 as on USD-M (the page states only the weight)"
    return [
        read("/dapi/v1/ping", 1, market + "Test-Connectivity"),
        read("/dapi/v1/time", 1, market + "Check-Server-Time"),
        read("/dapi/v1/exchangeInfo", 1, market + "Exchange-Information"),
        read(
            "/dapi/v1/depth",
            lambda r: usdm_depth_weight(_int_param(r, "limit", 500)),
            market + "Order-Book",
            "by limit",
        ),
        read("/dapi/v1/trades", 5, market + "Recent-Trades-List"),
        read("/dapi/v1/historicalTrades", 20, market + "Old-Trades-Lookup"),
        read("/dapi/v1/aggTrades", 20, market + "Compressed-Aggregate-Trades-List"),
        read("/dapi/v1/premiumIndex", 10, market + "Index-Price-and-Mark-Price"),
        read("/dapi/v1/fundingRate", 1, market + "Get-Funding-Rate-History-of-Perpetual-Futures"),
        read("/dapi/v1/fundingInfo", 1, market + "Get-Funding-Info", "weight not stated; charged 1"),
        read("/dapi/v1/klines", klines, market + "Kline-Candlestick-Data", "by limit"),
        read("/dapi/v1/continuousKlines", klines, market + "Continuous-Contract-Kline-Candlestick-Data", "by limit"),
        read("/dapi/v1/indexPriceKlines", klines, market + "Index-Price-Kline-Candlestick-Data", "by limit"),
        read("/dapi/v1/markPriceKlines", klines, market + "Mark-Price-Kline-Candlestick-Data", "by limit"),
        read("/dapi/v1/premiumIndexKlines", klines, market + "Premium-Index-Kline-Data", "by limit"),
        read(
            "/dapi/v1/ticker/24hr",
            by_symbol(1, 40),
            market + "24hr-Ticker-Price-Change-Statistics",
            "1 with symbol, 40 without",
        ),
        read("/dapi/v1/ticker/price", by_symbol(1, 2), market + "Symbol-Price-Ticker", "1 with symbol, 2 without"),
        read(
            "/dapi/v1/ticker/bookTicker",
            by_symbol(2, 5),
            market + "Symbol-Order-Book-Ticker",
            "2 with symbol, 5 without",
        ),
        read("/dapi/v1/constituents", 1, market + "Index-Constituents"),
        read("/dapi/v1/openInterest", 1, market + "Open-Interest"),
        read("/futures/data/openInterestHist", 1, market + "Open-Interest-Statistics"),
        read("/futures/data/topLongShortAccountRatio", 1, market + "Top-Long-Short-Account-Ratio"),
        read("/futures/data/topLongShortPositionRatio", 1, market + "Top-Trader-Long-Short-Ratio"),
        read("/futures/data/globalLongShortAccountRatio", 1, market + "Long-Short-Ratio"),
        read("/futures/data/takerBuySellVol", 1, market + "Taker-Buy-Sell-Volume"),
        read("/futures/data/basis", 1, market + "Basis"),
        read("/dapi/v1/order", 1, trade + "Query-Order"),
        read("/dapi/v1/openOrder", 1, trade + "Query-Current-Open-Order"),
        read("/dapi/v1/openOrders", by_symbol(1, 40), trade + "Current-All-Open-Orders", "1 with symbol, 40 without"),
        read("/dapi/v1/allOrders", by_pair(20, 40), trade + "All-Orders", "20 with symbol, 40 with pair"),
        read("/dapi/v1/userTrades", by_pair(20, 40), trade + "Account-Trade-List", "20 with symbol, 40 with pair"),
        read("/dapi/v1/forceOrders", by_symbol(20, 50), trade + "Users-Force-Orders", "20 with symbol, 50 without"),
        read("/dapi/v1/adlQuantile", 5, trade + "Position-ADL-Quantile-Estimation"),
        read("/dapi/v1/orderAmendment", 1, trade + "Get-Order-Modify-History"),
        read("/dapi/v1/positionMargin/history", 1, trade + "Get-Position-Margin-Change-History"),
        read("/dapi/v1/positionRisk", 1, trade + "Position-Information"),
        read("/dapi/v1/account", 5, account + "Account-Information"),
        read("/dapi/v1/balance", 1, account + "Futures-Account-Balance"),
        read("/dapi/v1/income", 20, account + "Get-Income-History"),
        read("/dapi/v1/income/asyn", 5, account + "Get-Download-Id-For-Futures-Transaction-History"),
        read("/dapi/v1/income/asyn/id", 5, account + "Get-Futures-Transaction-History-Download-Link-by-Id"),
        read("/dapi/v1/order/asyn", 5, account + "Get-Download-Id-For-Futures-Order-History"),
        read("/dapi/v1/order/asyn/id", 5, account + "Get-Futures-Order-History-Download-Link-by-Id"),
        read("/dapi/v1/trade/asyn", 5, account + "Get-Download-Id-For-Futures-Trade-History"),
        read("/dapi/v1/trade/asyn/id", 5, account + "Get-Futures-Trade-Download-Link-by-Id"),
        read("/dapi/v1/commissionRate", 20, account + "User-Commission-Rate"),
        read("/dapi/v1/leverageBracket", 1, account + "Notional-Bracket-for-Pair"),
        read("/dapi/v2/leverageBracket", 1, account + "Notional-Bracket-for-Symbol"),
        read("/dapi/v1/positionSide/dual", 30, account + "Get-Current-Position-Mode"),
        read("/dapi/v1/pmAccountInfo", 5, "portfolio-margin-endpoints"),
        action("POST", "/dapi/v1/order", {"orders_1m": 1}, trade + "New-Order", "0 IP weight; 1 on the order count"),
        action("PUT", "/dapi/v1/order", {WEIGHT: 1, "orders_1m": 1}, trade + "Modify-Order", "1; " + order_note),
        action("POST", "/dapi/v1/batchOrders", batch_cost, trade + "Place-Multiple-Orders", "5; " + order_note),
        action("PUT", "/dapi/v1/batchOrders", batch_cost, trade + "Modify-Multiple-Orders", "5; " + order_note),
        action("POST", "/dapi/v1/order/test", {WEIGHT: 1}, trade + "Test-Order", idempotent=True),
        action("DELETE", "/dapi/v1/order", {WEIGHT: 1}, trade + "Cancel-Order"),
        action("DELETE", "/dapi/v1/batchOrders", {WEIGHT: 1}, trade + "Cancel-Multiple-Orders"),
        action("DELETE", "/dapi/v1/allOpenOrders", {WEIGHT: 1}, trade + "Cancel-All-Open-Orders"),
        action(
            "POST", "/dapi/v1/countdownCancelAll", {WEIGHT: 10}, trade + "Auto-Cancel-All-Open-Orders", idempotent=True
        ),
        action("POST", "/dapi/v1/leverage", {WEIGHT: 1}, trade + "Change-Initial-Leverage", idempotent=True),
        action("POST", "/dapi/v1/marginType", {WEIGHT: 1}, trade + "Change-Margin-Type", idempotent=True),
        action("POST", "/dapi/v1/positionMargin", {WEIGHT: 1}, trade + "Modify-Isolated-Position-Margin"),
        action("POST", "/dapi/v1/positionSide/dual", {WEIGHT: 1}, trade + "Change-Position-Mode", idempotent=True),
        action("POST", "/dapi/v1/listenKey", {WEIGHT: 1}, "user-data-streams/Start-User-Data-Stream", idempotent=True),
        action(
            "PUT", "/dapi/v1/listenKey", {WEIGHT: 1}, "user-data-streams/Keepalive-User-Data-Stream", idempotent=True
        ),
        action(
            "DELETE", "/dapi/v1/listenKey", {WEIGHT: 1}, "user-data-streams/Close-User-Data-Stream", idempotent=True
        ),
    ]


# --------------------------------------------------------------------------------------------
# feedback

_HEADER = re.compile(r"^x-mbx-(used-weight|order-count)-(\d+)([smhd])$")
_BANNED_UNTIL = re.compile(r"banned until (\d{12,})")
DEFAULT_BAN = 120.0
"""418 without Retry-After or a "banned until" time: bans start at 2 minutes."""


def _window_left(limit: Limit, now: float) -> float:
    """Seconds until the current fixed window of ``limit`` ends."""
    return limit.period - ((now - limit.offset) % limit.period)


def _by_period(fb: Feedback, group: str, period: float) -> Limit | None:
    for name in fb.venue.groups.get(group, ()):
        limit = fb.venue.limits.get(name)
        if limit is not None and abs(limit.period - period) < 1e-9:
            return limit
    return None


def _group_limits(fb: Feedback, group: str) -> list[Limit]:
    return [fb.venue.limits[n] for n in fb.venue.groups.get(group, ()) if n in fb.venue.limits]


def _parse(fb: Feedback) -> list[Observation]:
    out: list[Observation] = []
    full: dict[str, list[Limit]] = {WEIGHT: [], ORDERS: []}
    for header in fb.headers:
        matched = _HEADER.match(header)
        if matched is None:
            continue
        group = WEIGHT if matched.group(1) == "used-weight" else ORDERS
        period = int(matched.group(2)) * _LETTERS[matched.group(3)]
        used = header_number(fb, header)
        limit = _by_period(fb, group, period)
        if used is None or limit is None:
            continue
        out.append(Observation(limit.name, used=used, reset_after=_window_left(limit, fb.now), reason=header))
        if used >= limit.capacity:
            full[group].append(limit)
    legacy = header_number(fb, "x-mbx-used-weight")
    minute = _by_period(fb, WEIGHT, 60.0)
    if legacy is not None and minute is not None and "x-mbx-used-weight-1m" not in fb.headers:
        out.append(
            Observation(minute.name, used=legacy, reset_after=_window_left(minute, fb.now), reason="x-mbx-used-weight")
        )

    out.extend(_sapi_observations(fb))
    if fb.status == 503 and json_code(fb.body, "code") == "-1008":
        backoff = retry_after(fb) or OVERLOAD_BACKOFF
        if READS in fb.venue.limits:
            out.append(block(READS, backoff, "HTTP 503 -1008 server overload: reads back off"))
        return out
    sapi = _sapi_charged(fb)
    if sapi and fb.status == 429:
        # /sapi/* answers 429 on its own pools and never escalates to a 418 IP ban
        for name in sapi:
            pause = retry_after(fb) or _window_left(fb.venue.limits[name], fb.now)
            out.append(block(name, pause, f"HTTP 429 {json_code(fb.body, 'code') or ''}".strip()))
        return out
    if fb.status == 418:
        wait = retry_after(fb) or _banned_for(fb)
        if wait is None:
            wait = DEFAULT_BAN
        for limit in fb.venue.limits.values():
            if limit.scope == "ip":
                out.append(block(limit.name, wait, "HTTP 418 IP ban"))
    elif fb.status == 429:
        code = json_code(fb.body, "code")
        group = ORDERS if code == "-1015" else WEIGHT
        targets = full[group] or sorted(_group_limits(fb, group), key=lambda lim: lim.period)[:1]
        banned = _banned_for(fb)
        for limit in targets:
            wait = retry_after(fb) or banned or _window_left(limit, fb.now)
            out.append(block(limit.name, wait, f"HTTP 429 {code or ''}".strip()))
    return out


_SAPI_HEADERS: Mapping[str, str] = {
    "x-sapi-used-ip-weight-1m": SAPI_IP,
    "x-sapi-used-uid-weight-1m": SAPI_UID,
}


def _sapi_charged(fb: Feedback) -> list[str]:
    """The /sapi pools the answered request was charged (none when it is not known)."""
    if fb.request is None:
        return []
    return [n for n in (SAPI_IP, SAPI_UID) if fb.request.cost.get(n) and n in fb.venue.limits]


def _sapi_observations(fb: Feedback) -> list[Observation]:
    """``X-SAPI-USED-IP-WEIGHT-1M`` / ``X-SAPI-USED-UID-WEIGHT-1M``: the weight used this minute on
    the pool of the endpoint just called (folded into that endpoint's pool, never into the /api
    weight). Without the weighed request the pool cannot be told apart, so the header is left."""
    charged = _sapi_charged(fb)
    out: list[Observation] = []
    for header, name in _SAPI_HEADERS.items():
        if name not in charged or header not in fb.headers:
            continue
        used = header_number(fb, header)
        if used is None:
            continue
        limit = fb.venue.limits[name]
        out.append(Observation(name, used=used, reset_after=_window_left(limit, fb.now), reason=header))
    return out


def _banned_for(fb: Feedback) -> float | None:
    message = json_code(fb.body, "msg") or ""
    found = _BANNED_UNTIL.search(message)
    if found is None:
        return None
    return max(0.0, int(found.group(1)) / 1000.0 - fb.now)


# --------------------------------------------------------------------------------------------
# venues


def _spot_defaults() -> list[Limit]:
    return [
        Limit("request_weight", 6000, 60, algorithm="fixed", scope="ip", source=SRC_SPOT_CHANGELOG),
        Limit("raw_requests", 300_000, 300, algorithm="fixed", scope="ip", source=SRC_SPOT_CHANGELOG),
        Limit("orders_10s", 100, 10, algorithm="fixed", scope="account", source=SRC_SPOT_ORDERS),
        Limit("orders_1d", 200_000, 86_400, algorithm="fixed", scope="account", source=SRC_SPOT_ORDERS),
    ]


def _usdm_defaults() -> list[Limit]:
    return [
        Limit("request_weight", 2400, 60, algorithm="fixed", scope="ip", source=SRC_FAPI_FAQ),
        Limit("orders_1m", 1200, 60, algorithm="fixed", scope="account", source=SRC_FAPI_FAQ),
        Limit("orders_10s", 300, 10, algorithm="fixed", scope="account", source=SRC_FAPI_FAQ),
    ]


def _coinm_defaults() -> list[Limit]:
    # The COIN-M exchangeInfo page's example shows 6000/min for both REQUEST_WEIGHT and ORDERS; the
    # newer Futures FAQ (27 Dec 2024) states the defaults: 2,400/min per IP, 1,200/min orders per
    # account, the 10-second order limit for USD-M only. The FAQ is chosen; exchange_info= loads the
    # live values.
    return [
        Limit("request_weight", 2400, 60, algorithm="fixed", scope="ip", source=SRC_FUTURES_FAQ_2024),
        Limit("orders_1m", 1200, 60, algorithm="fixed", scope="account", source=SRC_FUTURES_FAQ_2024),
    ]


_FUNDING = Limit(
    "funding_rate",
    500,
    300,
    scope="ip",
    source=_fapi("market-data/rest-api/Get-Funding-Rate-History")
    + " — fundingRate and fundingInfo share 500 per 5 min per IP",
)
_FUTURES_DATA = Limit(
    FUTURES_DATA,
    1000,
    300,
    scope="ip",
    source=_fapi("market-data/rest-api/Open-Interest-Statistics")
    + ' — each /futures/data page: weight 0, "IP rate limit 1000 requests/5min"; counted as one pool',
)


def _futures_default_rule(src: str) -> Rule:
    def cost(request: Request) -> Mapping[str, float]:
        return {WEIGHT: 20, READS: 1} if request.method == "GET" else {WEIGHT: 20}

    return Rule(
        "*",
        "/*",
        cost,
        name="(unknown endpoint)",
        source=src + " — unknown endpoints are charged 20 IP weight (a heavy documented weight; every futures "
        "weight is per IP, signed or not); unknown reads also pass the reads gate",
        primary="request_weight",
        idempotent=False,
    )


def _spot_default_rules() -> tuple[Rule, Rule]:
    """The unknown-endpoint rules: (public, private). A signed request (one with a
    ``signature``) is private. /api weight is per IP whatever the class, so an unknown /api
    endpoint costs 20 ``request_weight`` either way; an unknown /sapi endpoint spends its own
    pool: the IP pool when public, the UID (account) pool when private."""

    def public(request: Request) -> Mapping[str, float]:
        return {SAPI_IP: SAPI_UNKNOWN_IP} if request.path.startswith("/sapi/") else {WEIGHT: 20}

    def private(request: Request) -> Mapping[str, float]:
        return {SAPI_UID: SAPI_UNKNOWN_UID} if request.path.startswith("/sapi/") else {WEIGHT: 20}

    note = (
        " — unknown /api endpoints cost 20 IP weight (a heavy documented weight; /api weight is per IP, signed or not)"
    )

    def rule(cost: CostFn, what: str, sapi_limit: str) -> Rule:
        return Rule(
            "*",
            "/*",
            cost,
            name="(unknown endpoint)",
            source=SRC_SPOT + note + "; " + what + " " + SRC_SAPI,
            scope=_unknown_scope,
            primary=lambda r: sapi_limit if r.path.startswith("/sapi/") else WEIGHT,
            idempotent=False,
        )

    return (
        rule(public, f"unknown public /sapi endpoints {SAPI_UNKNOWN_IP} on their own IP pool;", SAPI_IP),
        rule(private, f"unknown signed /sapi endpoints {SAPI_UNKNOWN_UID} on their own UID pool;", SAPI_UID),
    )


def _venue(
    name: str,
    limits: Sequence[Limit],
    rules: list[Rule],
    default: Rule,
    urls: Mapping[str, str],
    every: Mapping[str, float],
    src: str,
    private_default: Rule | None = None,
) -> Venue:
    return Venue(
        name=name,
        limits=by_name(list(limits)),
        rules=Rules(rules),
        default=default,
        urls=urls,
        every_request=every,
        groups=_groups(limits),
        parser=_parse,
        source=src,
        private_default=private_default,
        is_private=_is_signed if private_default is not None else None,
    )


def build_spot(*, exchange_info: Mapping[str, Any] | None = None) -> Venue:
    """Binance spot. ``exchange_info``: an ``/api/v3/exchangeInfo`` response whose
    ``rateLimits`` replace the default limits (the /sapi pools are kept)."""
    limits = list(limits_from_exchange_info(exchange_info).values()) if exchange_info is not None else _spot_defaults()
    public, private = _spot_default_rules()
    return _venue(
        "binance",
        [*limits, *_sapi_limits()],
        [*_spot_rules(), *_sapi_rules()],
        public,
        {"mainnet": "https://api.binance.com", "testnet": "https://testnet.binance.vision"},
        {RAW: 1},
        SRC_SPOT,
        private,
    )


def build_usdm(*, exchange_info: Mapping[str, Any] | None = None) -> Venue:
    """Binance USD-M futures. ``exchange_info``: a ``/fapi/v1/exchangeInfo`` response whose
    ``rateLimits`` replace the default limits (the fundingRate, futures-data and read-gate
    limits are kept)."""
    if exchange_info is not None:
        limits = list(limits_from_exchange_info(exchange_info, venue="binance_usdm").values())
    else:
        limits = _usdm_defaults()
    limits = [*limits, _FUNDING, _FUTURES_DATA, _futures_reads_limit()]
    return _venue(
        "binance_usdm",
        limits,
        _usdm_rules(),
        _futures_default_rule(SRC_FAPI),
        {"mainnet": "https://fapi.binance.com", "testnet": "https://testnet.binancefuture.com"},
        {RAW: 1},
        SRC_FAPI,
    )


def build_coinm(*, exchange_info: Mapping[str, Any] | None = None) -> Venue:
    """Binance COIN-M futures (dapi). ``exchange_info``: a ``/dapi/v1/exchangeInfo`` response
    whose ``rateLimits`` replace the default limits (the read gate is kept)."""
    if exchange_info is not None:
        limits = list(limits_from_exchange_info(exchange_info, venue="binance_coinm").values())
    else:
        limits = _coinm_defaults()
    return _venue(
        "binance_coinm",
        [*limits, _futures_reads_limit()],
        _coinm_rules(),
        _futures_default_rule(SRC_DAPI),
        {"mainnet": "https://dapi.binance.com", "testnet": "https://testnet.binancefuture.com"},
        {RAW: 1},
        SRC_DAPI,
    )


OPTIONS: frozenset[str] = frozenset({"exchange_info"})
