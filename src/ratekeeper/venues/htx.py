"""HTX (Huobi): spot ("htx") and USDT-margined swaps ("htx_usdtm").

Spot: per-UID limits per endpoint for the endpoints marked NEW, the legacy 10 per second per
API key (per IP without a key) for the rest, per-endpoint market-data limits per 5 minutes;
``X-HB-RateLimit-Requests-*`` headers; HTTP 429 / code 40403.
USDT-M: 72 trade + 72 read requests per 3 s per UID, 240 per 3 s per IP for public non-market
data, 800 per second per IP for market data; ``ratelimit-*`` headers; err_code 1032, 1084.

Numbers: https://huobiapi.github.io/docs/spot/v1/en/ and https://huobiapi.github.io/docs/usdt_swap/v1/en/.
"""

from __future__ import annotations

import logging

from .._limits import Limit, Observation
from ._model import Feedback, Rule, Rules, Venue, by_name
from ._signals import block, epoch_ms_to_after, header_number, json_code, retry_after, source

__all__ = ["OPTIONS", "build_spot", "build_usdtm"]

logger = logging.getLogger("ratekeeper.venues")

SPOT_DOCS = "https://huobiapi.github.io/docs/spot/v1/en/"
SRC_SPOT = source(SPOT_DOCS, "rate limits per endpoint (NEW: per UID); coincise copy of 2025-05; via reference §6.1")
SRC_SPOT_LEGACY = source(SPOT_DOCS, "endpoints without a NEW value: 10 requests/s per API key, per IP without a key")
SRC_SPOT_MARKET = source(SPOT_DOCS, "market data per endpoint per 5 min; scope probably IP (unconfirmed)")
SWAP_DOCS = "https://huobiapi.github.io/docs/usdt_swap/v1/en/"
SRC_SWAP = source(
    SWAP_DOCS + "#api-rate-limit-illustration", "USDT-M: 144 per 3 s per UID = 72 trade + 72 read; via reference §6.2"
)
SRC_SWAP_PUBLIC = source(
    SWAP_DOCS + "#api-rate-limit-illustration", "public: non-market 240 per 3 s per IP, market 800 per s per IP"
)

CANCEL_RATIO_BAN = 300.0
"""Code 1084 (order-cancellation-ratio ban) without a recovery-time header: 5 minutes."""

# ---------------------------------------------------------------------------------- spot

# (limit, method, path, capacity per 2 s, kind)
SPOT_UID: tuple[tuple[str, str, str, int, str], ...] = (
    ("place_order", "POST", "/v1/order/orders/place", 100, "action"),
    ("batch_orders", "POST", "/v1/order/batch-orders", 50, "action"),
    ("cancel_order", "POST", "/v1/order/orders/{order-id}/submitcancel", 100, "action"),
    ("cancel_client_order", "POST", "/v1/order/orders/submitCancelClientOrder", 100, "action"),
    ("cancel_all", "POST", "/v1/order/cancelAllOrders", 1, "action"),
    ("batch_cancel", "POST", "/v1/order/orders/batchcancel", 50, "action"),
    ("batch_cancel_open", "POST", "/v1/order/orders/batchCancelOpenOrders", 50, "action"),
    ("open_orders", "GET", "/v1/order/openOrders", 50, "read"),
    ("client_order_detail", "GET", "/v1/order/orders/getClientOrder", 50, "read"),
    ("order_match_results", "GET", "/v1/order/orders/{order-id}/matchresults", 50, "read"),
    ("order_detail", "GET", "/v1/order/orders/{order-id}", 50, "read"),
    ("search_orders", "GET", "/v1/order/orders", 50, "read"),
    ("order_history", "GET", "/v1/order/history", 20, "read"),
    ("match_results", "GET", "/v1/order/matchresults", 20, "read"),
    ("algo_orders", "*", "/v2/algo-orders/*", 20, "read"),
    ("accounts", "GET", "/v1/account/accounts", 100, "read"),
    ("account_balance", "GET", "/v1/account/accounts/{account-id}/balance", 100, "read"),
    ("margin_orders", "POST", "/v1/margin/orders", 100, "action"),
)
"""Endpoints marked NEW: one limit each, per UID (shared by all keys of the UID), per 2 s.
Algo orders: all /v2/algo-orders endpoints share the 20 per 2 s value (one budget here)."""

# (limit, path, capacity per 300 s)
SPOT_MARKET: tuple[tuple[str, str, int], ...] = (
    ("market_kline", "/market/history/kline", 4500),
    ("market_merged", "/market/detail/merged", 4500),
    ("market_tickers", "/market/tickers", 4500),
    ("market_trade", "/market/trade", 4500),
    ("market_depth", "/market/depth", 4000),
    ("market_history_trade", "/market/history/trade", 3000),
)

# legacy endpoints (no NEW value): public → per IP, private → per key
SPOT_LEGACY_PUBLIC: tuple[str, ...] = (
    "/v1/common/timestamp",
    "/v1/common/symbols",
    "/v1/common/currencys",
    "/v2/market-status",
    "/v2/reference/currencies",
    "/v1/settings/common/symbols",
    "/market/detail",
    "/market/bbo",
)
SPOT_LEGACY_PRIVATE: tuple[tuple[str, str, str], ...] = (
    ("GET", "/v2/account/ledger", "read"),
    ("GET", "/v2/account/valuation", "read"),
    ("POST", "/v1/account/transfer", "action"),
    ("GET", "/v1/query/deposit-withdraw", "read"),
    ("POST", "/v1/dw/withdraw/api/create", "action"),
    ("GET", "/v2/reference/transact-fee-rate", "read"),
    ("GET", "/v2/user/uid", "read"),
)


def _spot_limits() -> list[Limit]:
    limits = [
        Limit(name, cap, 2, scope="account", source=SRC_SPOT + f" — {method} {path}: {cap} per 2 s per UID")
        for name, method, path, cap, _ in SPOT_UID
    ]
    limits += [
        Limit(name, cap, 300, scope="ip", source=SRC_SPOT_MARKET + f" — GET {path}: {cap} per 5 min")
        for name, path, cap in SPOT_MARKET
    ]
    limits.append(Limit("legacy_key", 10, 1, scope="key", source=SRC_SPOT_LEGACY))
    limits.append(Limit("legacy_ip", 10, 1, scope="ip", source=SRC_SPOT_LEGACY))
    return limits


def _spot_rules() -> list[Rule]:
    rules = [
        Rule(method, path, {name: 1}, kind="action" if kind == "action" else "read", source=SRC_SPOT, primary=name)
        for name, method, path, _, kind in SPOT_UID
    ]
    rules += [Rule("GET", path, {name: 1}, source=SRC_SPOT_MARKET, primary=name) for name, path, _ in SPOT_MARKET]
    rules += [
        Rule("GET", path, {"legacy_ip": 1}, source=SRC_SPOT_LEGACY, primary="legacy_ip") for path in SPOT_LEGACY_PUBLIC
    ]
    rules += [
        Rule(
            method,
            path,
            {"legacy_key": 1},
            kind="action" if kind == "action" else "read",
            source=SRC_SPOT_LEGACY,
            primary="legacy_key",
        )
        for method, path, kind in SPOT_LEGACY_PRIVATE
    ]
    return rules


SPOT_DEFAULT = Rule(
    "*",
    "/*",
    {"legacy_key": 1, "legacy_ip": 1},
    name="(unknown endpoint)",
    source=SRC_SPOT_LEGACY + " — unknown: both legacy limits (per key and per IP)",
    primary="legacy_key",
    idempotent=False,
)

SPOT_LIMITED_CODES = frozenset({"40403", "429", "too-many-request", "api-request-too-frequent"})


def _spot_parse(fb: Feedback) -> list[Observation]:
    out: list[Observation] = []
    target = fb.request.primary if fb.request is not None else None
    remaining = header_number(fb, "x-hb-ratelimit-requests-remain")
    expire = header_number(fb, "x-hb-ratelimit-requests-expire")
    reset = _expire_after(fb, expire)
    if target in fb.venue.limits and remaining is not None:
        out.append(Observation(str(target), remaining=remaining, reset_after=reset, reason="x-hb-ratelimit"))
    code = json_code(fb.body, "code", "err-code", "err_code")
    if (fb.status == 429 or code in SPOT_LIMITED_CODES) and target in fb.venue.limits:
        wait = retry_after(fb) or reset or fb.venue.limits[str(target)].period
        out.append(block(str(target), wait, f"too many requests ({code or fb.status})"))
    return out


def _expire_after(fb: Feedback, expire: float | None) -> float | None:
    # The unit of X-HB-RateLimit-Requests-Expire is undocumented: an epoch in ms is read as
    # such, a small number as milliseconds left; anything else is ignored.
    if expire is None:
        return None
    if expire >= 1e11:
        return epoch_ms_to_after(fb, "x-hb-ratelimit-requests-expire", expire)
    if expire <= 3_600_000:
        return expire / 1000.0
    logger.warning(
        "ratekeeper: %s sent an unreadable x-hb-ratelimit-requests-expire %r; ignored", fb.venue.name, expire
    )
    return None


# ---------------------------------------------------------------------------------- USDT-M

SWAP_TRADE: tuple[str, ...] = (
    "swap_order",
    "swap_cross_order",
    "swap_batchorder",
    "swap_cross_batchorder",
    "swap_cancel",
    "swap_cross_cancel",
    "swap_cancelall",
    "swap_cross_cancelall",
    "swap_switch_lever_rate",
    "swap_cross_switch_lever_rate",
    "swap_lightning_close_position",
    "swap_cross_lightning_close_position",
    "swap_trigger_order",
    "swap_cross_trigger_order",
    "swap_tpsl_order",
    "swap_cross_tpsl_order",
)
SWAP_READ: tuple[str, ...] = (
    "swap_account_info",
    "swap_cross_account_info",
    "swap_position_info",
    "swap_cross_position_info",
    "swap_openorders",
    "swap_cross_openorders",
    "swap_order_info",
    "swap_cross_order_info",
    "swap_order_detail",
    "swap_cross_order_detail",
    "swap_hisorders_exact",
    "swap_cross_hisorders_exact",
    "swap_matchresults_exact",
    "swap_cross_matchresults_exact",
    "swap_api_trading_status",
)
SWAP_MARKET_API: tuple[str, ...] = ("swap_contract_info",)
SWAP_NON_MARKET: tuple[str, ...] = (
    "swap_index",
    "swap_price_limit",
    "swap_open_interest",
    "swap_funding_rate",
    "swap_batch_funding_rate",
    "swap_historical_funding_rate",
    "swap_estimated_settlement_price",
    "swap_risk_info",
    "swap_insurance_fund",
    "swap_adjustfactor",
)


def _usdtm_limits() -> list[Limit]:
    return [
        Limit("trade", 72, 3, scope="account", source=SRC_SWAP + " — trade interfaces"),
        Limit("read", 72, 3, scope="account", source=SRC_SWAP + " — read interfaces"),
        Limit("public", 240, 3, scope="ip", source=SRC_SWAP_PUBLIC + " — non-market public"),
        Limit("market", 800, 1, scope="ip", source=SRC_SWAP_PUBLIC + " — market data, all products together"),
    ]


def _usdtm_rules() -> list[Rule]:
    api = "/linear-swap-api/v1/"
    rules = [
        Rule("POST", api + name, {"trade": 1}, kind="action", source=SRC_SWAP, primary="trade") for name in SWAP_TRADE
    ]
    rules += [Rule("POST", api + name, {"read": 1}, source=SRC_SWAP, primary="read") for name in SWAP_READ]
    rules += [
        Rule("GET", api + name, {"market": 1}, source=SRC_SWAP_PUBLIC, primary="market") for name in SWAP_MARKET_API
    ]
    rules += [
        Rule("GET", api + name, {"public": 1}, source=SRC_SWAP_PUBLIC, primary="public") for name in SWAP_NON_MARKET
    ]
    rules.append(
        Rule(
            "GET",
            "/linear-swap-ex/market/*",
            {"market": 1},
            source=SRC_SWAP_PUBLIC,
            primary="market",
            name="GET /linear-swap-ex/market/*",
        )
    )
    rules.append(
        Rule(
            "GET",
            "/index/market/*",
            {"market": 1},
            source=SRC_SWAP_PUBLIC,
            primary="market",
            name="GET /index/market/*",
        )
    )
    rules.append(
        Rule(
            "GET",
            "/linear-swap-api/*",
            {"public": 1},
            source=SRC_SWAP_PUBLIC,
            primary="public",
            name="GET /linear-swap-api/* (public)",
        )
    )
    return rules


USDTM_DEFAULT = Rule(
    "*",
    "/*",
    {"trade": 1, "read": 1},
    name="(unknown endpoint)",
    source=SRC_SWAP + " — unknown: charged to both private budgets",
    primary="trade",
    idempotent=False,
)


def _usdtm_parse(fb: Feedback) -> list[Observation]:
    out: list[Observation] = []
    target = fb.request.primary if fb.request is not None else None
    cap = header_number(fb, "ratelimit-limit")
    interval_ms = header_number(fb, "ratelimit-interval")
    remaining = header_number(fb, "ratelimit-remaining")
    reset = epoch_ms_to_after(fb, "ratelimit-reset", header_number(fb, "ratelimit-reset"))
    if target in fb.venue.limits and (remaining is not None or cap is not None):
        limit = fb.venue.limits[str(target)]
        same_window = interval_ms is None or abs(interval_ms / 1000.0 - limit.period) < 1e-6
        out.append(
            Observation(
                limit.name,
                remaining=remaining,
                cap=cap if same_window else None,
                reset_after=reset,
                reason="ratelimit headers",
            )
        )
    code = json_code(fb.body, "err_code", "err-code", "code")
    if code == "1084":
        recovery = epoch_ms_to_after(fb, "recovery-time", header_number(fb, "recovery-time"))
        out.append(block("trade", recovery if recovery is not None else CANCEL_RATIO_BAN, "1084 cancel-ratio ban"))
    elif (code == "1032" or fb.status == 429) and target in fb.venue.limits:
        wait = retry_after(fb) or reset or fb.venue.limits[str(target)].period
        out.append(block(str(target), wait, f"access limit exceeded ({code or fb.status})"))
    return out


# ---------------------------------------------------------------------------------- venues


def build_spot() -> Venue:
    """HTX spot (api.huobi.pro). Scope dimensions: ``account`` (UID), ``key``, ``ip``."""
    return Venue(
        name="htx",
        limits=by_name(_spot_limits()),
        rules=Rules(_spot_rules()),
        default=SPOT_DEFAULT,
        urls={"mainnet": "https://api.huobi.pro", "aws": "https://api-aws.huobi.pro"},
        parser=_spot_parse,
        source=SRC_SPOT,
    )


def build_usdtm() -> Venue:
    """HTX USDT-margined swaps (api.hbdm.com)."""
    return Venue(
        name="htx_usdtm",
        limits=by_name(_usdtm_limits()),
        rules=Rules(_usdtm_rules()),
        default=USDTM_DEFAULT,
        urls={"mainnet": "https://api.hbdm.com"},
        parser=_usdtm_parse,
        source=SRC_SWAP,
    )


OPTIONS: frozenset[str] = frozenset()
