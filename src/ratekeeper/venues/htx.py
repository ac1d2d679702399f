"""HTX (Huobi): spot ("htx"), USDT-margined swaps ("htx_usdtm"), coin-margined swaps and
futures ("htx_coinm").

Spot: the endpoints whose page states a "Rate Limit" have their own budget per UID (shared by
every API key of the UID); the others fall into the legacy budget of 10 requests per second
per API key (per IP without a key); market data has per-endpoint budgets per IP.
``X-HB-RateLimit-Requests-*`` headers; HTTP 429 / code 40403 / err-code ``frequent-invoke``.
Derivatives: per UID a trade and a read budget per business line (USDT-M 72 + 72 per 3 s;
coin-M swaps and coin-M futures 36 + 36 per 3 s each), public non-market data per IP (240 /
120 per 3 s), market data 800 per second per IP; a few endpoints have their own budget as
well (trigger / TP-SL / trailing orders 5 per second, switching leverage 1 per 3 s);
``ratelimit-*`` headers; err_code 1032, 1084.

Numbers: https://huobiapi.github.io/docs/spot/v1/en/, https://huobiapi.github.io/docs/usdt_swap/v1/en/,
https://huobiapi.github.io/docs/coin_margined_swap/v1/en/ and https://huobiapi.github.io/docs/dm/v1/en/
(copies: rosssaunders/coincise docs/htx/, scraped 2025-11). The endpoint tables below were
read off those pages, one entry per documented endpoint.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping

from .._limits import Limit, Observation
from ._model import Feedback, Request, Rule, Rules, Venue, by_name
from ._signals import block, epoch_ms_to_after, header_number, json_code, retry_after, source

__all__ = ["OPTIONS", "build_coinm", "build_spot", "build_usdtm"]

logger = logging.getLogger("ratekeeper.venues")

SPOT_DOCS = "https://huobiapi.github.io/docs/spot/v1/en/"
SRC_SPOT = source(SPOT_DOCS, "endpoints with a stated 'Rate Limit': that many per UID per endpoint")
SRC_SPOT_LEGACY = source(
    SPOT_DOCS + "#rate-limiting-rule",
    "endpoints without a stated limit: 10 requests/s per API key, per IP without a key",
)
SRC_SPOT_MARKET = source(SPOT_DOCS, "market data: per endpoint, e.g. 'Rate Limit: 4,500 5 minutes'; per IP")
SRC_SPOT_2020 = source(
    "https://www.htx.com/support/900001168066",
    "2020-06-04 announcement: wallet endpoints 20times/2s per UID",
)
USDTM_DOCS = "https://huobiapi.github.io/docs/usdt_swap/v1/en/"
SRC_USDTM = source(
    USDTM_DOCS + "#api-rate-limit-illustration",
    "at most 144 times every 3 seconds for each UID (Trade: 72 / 3 s, Read: 72 / 3 s); public non-market"
    " 240 per 3 s per IP; market data 800 per second per IP",
)
COINM_SWAP_DOCS = "https://huobiapi.github.io/docs/coin_margined_swap/v1/en/"
SRC_COINM_SWAP = source(
    COINM_SWAP_DOCS + "#api-rate-limit-illustration",
    "at most 72 times every 3 seconds for each UID (Trade: 36 / 3 s, Read: 36 / 3 s); public non-market"
    " 120 per 3 s per IP; market data 800 per second per IP",
)
FUTURES_DOCS = "https://huobiapi.github.io/docs/dm/v1/en/"
SRC_FUTURES = source(
    FUTURES_DOCS + "#api-rate-limit-illustration",
    "at most 72 times every 3 seconds for each UID (Trade: 36 / 3 s, Read: 36 / 3 s); public non-market"
    " 120 per 3 s per IP; market data 800 per second per IP",
)

CANCEL_RATIO_BAN = 300.0
"""Code 1084 (order-cancellation-ratio ban) without a recovery-time header: 5 minutes."""

# ---------------------------------------------------------------------------------- spot

# (limit, method, path, capacity, period in s, kind); per UID. "*" as the method: the page
# names one method but clients use both (cancelAllOrders is documented as GET).
SPOT_OWN: tuple[tuple[str, str, str, int, float, str], ...] = (
    # account
    ("accounts", "GET", "/v1/account/accounts", 100, 2, "read"),
    ("account_balance", "GET", "/v1/account/accounts/{account-id}/balance", 100, 2, "read"),
    ("sub_user_balance", "GET", "/v1/account/accounts/{sub-uid}", 20, 2, "read"),
    ("account_valuation", "GET", "/v2/account/valuation", 3, 1, "read"),
    ("asset_valuation", "GET", "/v2/account/asset-valuation", 100, 2, "read"),
    ("account_history", "GET", "/v1/account/history", 5, 2, "read"),
    ("point_account", "GET", "/v2/point/account", 2, 1, "read"),
    ("point_transfer", "POST", "/v2/point/transfer", 2, 1, "action"),
    ("fee_switch_info", "GET", "/v1/account/switch/user/info", 5, 1, "read"),
    ("fee_overview_info", "GET", "/v1/account/overview/info", 5, 1, "read"),
    ("fee_switch", "POST", "/v1/account/fee/switch", 2, 1, "action"),
    ("general_transfer", "POST", "/v2/account/transfer", 1, 1, "action"),
    ("futures_transfer", "POST", "/v1/futures/transfer", 1, 1, "action"),
    # trading
    ("place_order", "POST", "/v1/order/orders/place", 100, 2, "action"),
    ("batch_orders", "POST", "/v1/order/batch-orders", 50, 2, "action"),
    ("margin_order", "POST", "/v1/order/auto/place", 100, 2, "action"),
    ("cancel_order", "POST", "/v1/order/orders/{order-id}/submitcancel", 100, 2, "action"),
    ("cancel_client_order", "POST", "/v1/order/orders/submitCancelClientOrder", 100, 2, "action"),
    ("cancel_all", "*", "/v1/order/cancelAllOrders", 1, 2, "action"),
    ("open_orders", "GET", "/v1/order/openOrders", 50, 2, "read"),
    ("batch_cancel_open", "POST", "/v1/order/orders/batchCancelOpenOrders", 50, 2, "action"),
    ("batch_cancel", "POST", "/v1/order/orders/batchcancel", 50, 2, "action"),
    ("client_order_detail", "GET", "/v1/order/orders/getClientOrder", 50, 2, "read"),
    ("order_match_results", "GET", "/v1/order/orders/{order-id}/matchresults", 50, 2, "read"),
    ("order_detail", "GET", "/v1/order/orders/{order-id}", 50, 2, "read"),
    ("search_orders", "GET", "/v1/order/orders", 50, 2, "read"),
    ("order_history", "GET", "/v1/order/history", 20, 2, "read"),
    ("match_results", "GET", "/v1/order/matchresults", 20, 2, "read"),
    ("fee_rate", "GET", "/v2/reference/transact-fee-rate", 50, 2, "read"),
    # conditional orders
    ("algo_place", "POST", "/v2/algo-orders", 20, 2, "action"),
    ("algo_cancel", "POST", "/v2/algo-orders/cancellation", 20, 2, "action"),
    ("algo_opening", "GET", "/v2/algo-orders/opening", 20, 2, "read"),
    ("algo_history", "GET", "/v2/algo-orders/history", 20, 2, "read"),
    ("algo_specific", "GET", "/v2/algo-orders/specific", 20, 2, "read"),
    # margin loans
    ("repay", "POST", "/v2/account/repayment", 2, 1, "action"),
    ("repayment_record", "GET", "/v2/account/repayment", 2, 2, "read"),
    ("isolated_transfer_in", "POST", "/v1/dw/transfer-in/margin", 2, 2, "action"),
    ("isolated_transfer_out", "POST", "/v1/dw/transfer-out/margin", 2, 2, "action"),
    ("isolated_loan_info", "GET", "/v1/margin/loan-info", 20, 2, "read"),
    ("isolated_loan", "POST", "/v1/margin/orders", 2, 2, "action"),
    ("isolated_repay", "POST", "/v1/margin/orders/{order-id}/repay", 2, 2, "action"),
    ("isolated_loan_orders", "GET", "/v1/margin/loan-orders", 100, 2, "read"),
    ("isolated_balance", "GET", "/v1/margin/accounts/balance", 100, 2, "read"),
    ("cross_loan_info", "GET", "/v1/cross-margin/loan-info", 2, 2, "read"),
    ("cross_loan", "POST", "/v1/cross-margin/orders", 2, 2, "action"),
    ("cross_repay", "POST", "/v1/cross-margin/orders/{order-id}/repay", 2, 2, "action"),
    ("cross_loan_orders", "GET", "/v1/cross-margin/loan-orders", 2, 2, "read"),
    ("cross_balance", "GET", "/v1/cross-margin/accounts/balance", 2, 2, "read"),
    ("margin_limit", "GET", "/v2/margin/limit", 2, 2, "read"),
    # sub-users
    ("sub_user_management", "POST", "/v2/sub-user/management", 20, 2, "action"),
    ("subuser_transfer", "POST", "/v1/subuser/transfer", 2, 2, "action"),
    ("subuser_aggregate_balance", "GET", "/v1/subuser/aggregate-balance", 2, 2, "read"),
    # wallet (2020 announcement; the current pages list no wallet section)
    ("deposit_address", "GET", "/v2/account/deposit/address", 20, 2, "read"),
    ("withdraw_quota", "GET", "/v2/account/withdraw/quota", 20, 2, "read"),
    ("withdraw_create", "POST", "/v1/dw/withdraw/api/create", 20, 2, "action"),
    ("withdraw_cancel", "POST", "/v1/dw/withdraw-virtual/{withdraw-id}/cancel", 20, 2, "action"),
    ("deposit_withdraw", "GET", "/v1/query/deposit-withdraw", 20, 2, "read"),
)
"""Endpoints whose page states their own limit: one budget each, per UID, charged instead of
the legacy per-key budget. ``/v2/account/transfer`` (1 per second) and ``/v1/futures/transfer``
(1 per second) are stated on the USDT-M and coin-M pages that document them; the wallet
endpoints in the 2020-06-04 announcement."""

# (limit, path, capacity, period in s): market data, per IP
SPOT_MARKET: tuple[tuple[str, str, int, float], ...] = (
    ("market_kline", "/market/history/kline", 4500, 300),
    ("market_merged", "/market/detail/merged", 4500, 300),
    ("market_tickers", "/market/tickers", 4500, 300),
    ("market_depth", "/market/depth", 4000, 300),
    ("market_trade", "/market/trade", 4500, 300),
    ("market_history_trade", "/market/history/trade", 3000, 300),
    ("market_detail", "/market/detail", 4500, 300),
    ("market_full_mbp", "/market/fullMbp", 5, 1),
)

# public endpoints without a stated limit: the legacy budget per IP
SPOT_LEGACY_PUBLIC: tuple[str, ...] = (
    "/v2/market-status",
    "/v2/settings/common/symbols",
    "/v2/settings/common/currencies",
    "/v1/settings/common/currencys",
    "/v1/settings/common/symbols",
    "/v1/settings/common/market-symbols",
    "/v2/reference/currencies",
    "/v1/common/timestamp",
    "/v1/common/symbols",
    "/v1/common/currencys",
    "/market/bbo",
)
# private endpoints without a stated limit: the legacy budget per API key
SPOT_LEGACY_PRIVATE: tuple[tuple[str, str, str], ...] = (
    ("POST", "/v1/account/transfer", "action"),
    ("GET", "/v2/account/ledger", "read"),
    ("POST", "/v2/algo-orders/cancel-all-after", "action"),
    ("POST", "/v1/cross-margin/transfer-in", "action"),
    ("POST", "/v1/cross-margin/transfer-out", "action"),
    ("POST", "/v2/sub-user/deduct-mode", "action"),
    ("GET", "/v2/user/api-key", "read"),
    ("GET", "/v2/user/uid", "read"),
    ("POST", "/v2/sub-user/creation", "action"),
    ("GET", "/v2/sub-user/user-list", "read"),
    ("GET", "/v2/sub-user/user-state", "read"),
    ("POST", "/v2/sub-user/tradable-market", "action"),
    ("POST", "/v2/sub-user/transferability", "action"),
    ("GET", "/v2/sub-user/account-list", "read"),
    ("POST", "/v2/sub-user/api-key-generation", "action"),
    ("POST", "/v2/sub-user/api-key-modification", "action"),
    ("POST", "/v2/sub-user/api-key-deletion", "action"),
    ("GET", "/v2/sub-user/deposit-address", "read"),
    ("GET", "/v2/sub-user/query-deposit", "read"),
)

SPOT_PUBLIC_PREFIXES: tuple[str, ...] = (
    "/market/",
    "/v1/common/",
    "/v1/settings/",
    "/v2/settings/",
    "/v2/market-status",
    "/v2/reference/currencies",
)


def _spot_limits() -> list[Limit]:
    limits = [
        Limit(name, cap, period, scope="account", source=SRC_SPOT + f" — {method} {path}: {cap} per {period:g} s")
        for name, method, path, cap, period, _ in SPOT_OWN
    ]
    limits += [
        Limit(name, cap, period, scope="ip", source=SRC_SPOT_MARKET + f" — GET {path}: {cap} per {period:g} s")
        for name, path, cap, period in SPOT_MARKET
    ]
    limits.append(Limit("legacy_key", 10, 1, scope="key", source=SRC_SPOT_LEGACY))
    limits.append(Limit("legacy_ip", 10, 1, scope="ip", source=SRC_SPOT_LEGACY))
    return limits


def _spot_rules() -> list[Rule]:
    rules = [
        Rule(
            method,
            path,
            {name: 1},
            kind="action" if kind == "action" else "read",
            source=SRC_SPOT_2020 if name in _SPOT_2020 else SRC_SPOT,
            primary=name,
        )
        for name, method, path, _, _, kind in SPOT_OWN
    ]
    rules += [Rule("GET", path, {name: 1}, source=SRC_SPOT_MARKET, primary=name) for name, path, _, _ in SPOT_MARKET]
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


_SPOT_2020 = frozenset({"deposit_address", "withdraw_quota", "withdraw_create", "withdraw_cancel", "deposit_withdraw"})

SPOT_DEFAULT = Rule(
    "*",
    "/*",
    {"legacy_ip": 1},
    name="(unknown public endpoint)",
    source=SRC_SPOT_LEGACY + " — unknown public endpoint: the legacy budget per IP",
    primary="legacy_ip",
    idempotent=False,
)
SPOT_PRIVATE_DEFAULT = Rule(
    "*",
    "/*",
    {"legacy_key": 1},
    name="(unknown private endpoint)",
    source=SRC_SPOT_LEGACY + " — unknown private endpoint: the legacy budget per API key",
    primary="legacy_key",
    idempotent=False,
)


def _signed(request: Request) -> bool:
    return any(k in request.params for k in ("AccessKeyId", "Signature"))


def _spot_is_private(request: Request) -> bool:
    """Signed, or outside the public market / reference paths."""
    return _signed(request) or not request.path.startswith(SPOT_PUBLIC_PREFIXES)


SPOT_LIMITED_CODES = frozenset(
    {
        "40403",
        "429",
        "1006",
        "frequent-invoke",
        "base-user-request-exceed-limit",
        "too-many-request",
        "api-request-too-frequent",
    }
)
"""Spot answers that mean "too many requests": code 40403 "Too many requests." (account
section), 1006 "Exceed rate limit" (conditional orders), err-code ``frequent-invoke`` and
``base-user-request-exceed-limit`` "Operates too frequently, try again later" (margin loans).
``too-many-request`` and ``api-request-too-frequent`` are kept from earlier releases (seen in
the wild, not on the current pages). ``api-signature-not-valid`` and the like are not rate
limits."""


def _spot_parse(fb: Feedback) -> list[Observation]:
    out: list[Observation] = []
    target = fb.request.primary if fb.request is not None else None
    remaining = header_number(fb, "x-hb-ratelimit-requests-remain")
    expire = header_number(fb, "x-hb-ratelimit-requests-expire")
    reset = _expire_after(fb, expire)
    if target in fb.venue.limits and remaining is not None:
        out.append(Observation(str(target), remaining=remaining, reset_after=reset, reason="x-hb-ratelimit"))
    code = json_code(fb.body, "err-code", "err_code", "code")
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


# ---------------------------------------------------------------------------------- derivatives

Endpoint = tuple[str, str, "str | None", "tuple[int, float] | None"]
"""(method, path, general budget, own limit): the general budget is ``"trade"`` or ``"read"``
(per UID, as the page's "Interface permission"), ``"public"`` (non-market data per IP) or
``"market"`` (market data per IP); the own limit ``(capacity, period)`` is the endpoint's
stated "Rate Limit", per UID for signed endpoints, per IP for public ones."""

USDTM_ENDPOINTS: tuple[Endpoint, ...] = (
    ("POST", "/linear-swap-api/v1/swap_balance_valuation", "read", None),
    ("POST", "/linear-swap-api/v1/swap_account_info", "read", None),
    ("POST", "/linear-swap-api/v1/swap_cross_account_info", "read", None),
    ("POST", "/linear-swap-api/v1/swap_position_info", "read", None),
    ("POST", "/linear-swap-api/v1/swap_cross_position_info", "read", None),
    ("POST", "/linear-swap-api/v1/swap_account_position_info", "read", None),
    ("POST", "/linear-swap-api/v1/swap_cross_account_position_info", "read", None),
    ("POST", "/linear-swap-api/v1/swap_sub_auth", "trade", None),
    ("GET", "/linear-swap-api/v1/swap_sub_auth_list", "read", None),
    ("POST", "/linear-swap-api/v1/swap_sub_account_list", "read", None),
    ("POST", "/linear-swap-api/v1/swap_cross_sub_account_list", "read", None),
    ("POST", "/linear-swap-api/v1/swap_sub_account_info_list", "read", None),
    ("POST", "/linear-swap-api/v1/swap_cross_sub_account_info_list", "read", None),
    ("POST", "/linear-swap-api/v1/swap_sub_account_info", "read", None),
    ("POST", "/linear-swap-api/v1/swap_cross_sub_account_info", "read", None),
    ("POST", "/linear-swap-api/v1/swap_sub_position_info", "read", None),
    ("POST", "/linear-swap-api/v1/swap_cross_sub_position_info", "read", None),
    ("POST", "/linear-swap-api/v3/swap_financial_record", "read", None),
    ("POST", "/linear-swap-api/v3/swap_financial_record_exact", "read", None),
    ("POST", "/linear-swap-api/v1/swap_available_level_rate", "read", None),
    ("POST", "/linear-swap-api/v1/swap_cross_available_level_rate", "read", None),
    ("POST", "/linear-swap-api/v1/swap_order_limit", "read", None),
    ("POST", "/linear-swap-api/v1/swap_fee", "read", None),
    ("POST", "/linear-swap-api/v1/swap_transfer_limit", "read", None),
    ("POST", "/linear-swap-api/v1/swap_cross_transfer_limit", "read", None),
    ("POST", "/linear-swap-api/v1/swap_position_limit", "read", None),
    ("POST", "/linear-swap-api/v1/swap_cross_position_limit", "read", None),
    ("POST", "/linear-swap-api/v1/swap_lever_position_limit", "read", None),
    ("POST", "/linear-swap-api/v1/swap_cross_lever_position_limit", "read", None),
    ("POST", "/linear-swap-api/v1/swap_master_sub_transfer", "trade", (10, 60)),
    ("POST", "/linear-swap-api/v1/swap_master_sub_transfer_record", "read", None),
    ("POST", "/linear-swap-api/v1/swap_transfer_inner", "trade", (10, 60)),
    ("GET", "/linear-swap-api/v1/swap_api_trading_status", "read", None),
    ("POST", "/linear-swap-api/v1/linear-cancel-after", "trade", None),
    ("GET", "/linear-swap-api/v1/swap_cross_trade_state", "read", None),
    ("POST", "/linear-swap-api/v1/swap_switch_position_mode", "trade", None),
    ("POST", "/linear-swap-api/v1/swap_cross_switch_position_mode", "trade", None),
    ("POST", "/linear-swap-api/v1/swap_order", "trade", None),
    ("POST", "/linear-swap-api/v1/swap_cross_order", "trade", None),
    ("POST", "/linear-swap-api/v1/swap_batchorder", "trade", None),
    ("POST", "/linear-swap-api/v1/swap_cross_batchorder", "trade", None),
    ("POST", "/linear-swap-api/v1/swap_cancel", "trade", None),
    ("POST", "/linear-swap-api/v1/swap_cross_cancel", "trade", None),
    ("POST", "/linear-swap-api/v1/swap_cancelall", "trade", None),
    ("POST", "/linear-swap-api/v1/swap_cross_cancelall", "trade", None),
    ("POST", "/linear-swap-api/v1/swap_switch_lever_rate", "trade", (1, 3)),
    ("POST", "/linear-swap-api/v1/swap_cross_switch_lever_rate", "trade", (1, 3)),
    ("POST", "/linear-swap-api/v1/swap_order_info", "read", None),
    ("POST", "/linear-swap-api/v1/swap_cross_order_info", "read", None),
    ("POST", "/linear-swap-api/v1/swap_order_detail", "read", None),
    ("POST", "/linear-swap-api/v1/swap_cross_order_detail", "read", None),
    ("POST", "/linear-swap-api/v1/swap_openorders", "read", None),
    ("POST", "/linear-swap-api/v1/swap_cross_openorders", "read", None),
    ("POST", "/linear-swap-api/v3/swap_hisorders", "read", None),
    ("POST", "/linear-swap-api/v3/swap_cross_hisorders", "read", None),
    ("POST", "/linear-swap-api/v3/swap_hisorders_exact", "read", None),
    ("POST", "/linear-swap-api/v3/swap_cross_hisorders_exact", "read", None),
    ("POST", "/linear-swap-api/v3/swap_matchresults", "read", None),
    ("POST", "/linear-swap-api/v3/swap_cross_matchresults", "read", None),
    ("POST", "/linear-swap-api/v3/swap_matchresults_exact", "read", None),
    ("POST", "/linear-swap-api/v3/swap_cross_matchresults_exact", "read", None),
    ("POST", "/linear-swap-api/v1/swap_lightning_close_position", "trade", None),
    ("POST", "/linear-swap-api/v1/swap_cross_lightning_close_position", "trade", None),
    ("GET", "/linear-swap-api/v1/swap_position_side", "read", None),
    ("GET", "/linear-swap-api/v1/swap_cross_position_side", "read", None),
    ("POST", "/linear-swap-api/v1/swap_trigger_order", "trade", (5, 1)),
    ("POST", "/linear-swap-api/v1/swap_cross_trigger_order", "trade", (5, 1)),
    ("POST", "/linear-swap-api/v1/swap_trigger_cancel", "trade", (5, 1)),
    ("POST", "/linear-swap-api/v1/swap_cross_trigger_cancel", "trade", (5, 1)),
    ("POST", "/linear-swap-api/v1/swap_trigger_cancelall", "trade", (5, 1)),
    ("POST", "/linear-swap-api/v1/swap_cross_trigger_cancelall", "trade", (5, 1)),
    ("POST", "/linear-swap-api/v1/swap_trigger_openorders", "read", (5, 1)),
    ("POST", "/linear-swap-api/v1/swap_cross_trigger_openorders", "read", None),
    ("POST", "/linear-swap-api/v1/swap_trigger_hisorders", "read", None),
    ("POST", "/linear-swap-api/v1/swap_cross_trigger_hisorders", "read", None),
    ("POST", "/linear-swap-api/v1/swap_tpsl_order", "trade", (5, 1)),
    ("POST", "/linear-swap-api/v1/swap_cross_tpsl_order", "trade", (5, 1)),
    ("POST", "/linear-swap-api/v1/swap_tpsl_cancel", "trade", (5, 1)),
    ("POST", "/linear-swap-api/v1/swap_cross_tpsl_cancel", "trade", (5, 1)),
    ("POST", "/linear-swap-api/v1/swap_tpsl_cancelall", "trade", (5, 1)),
    ("POST", "/linear-swap-api/v1/swap_cross_tpsl_cancelall", "trade", (5, 1)),
    ("POST", "/linear-swap-api/v1/swap_tpsl_openorders", "read", None),
    ("POST", "/linear-swap-api/v1/swap_cross_tpsl_openorders", "read", None),
    ("POST", "/linear-swap-api/v1/swap_tpsl_hisorders", "read", None),
    ("POST", "/linear-swap-api/v1/swap_cross_tpsl_hisorders", "read", None),
    ("POST", "/linear-swap-api/v1/swap_relation_tpsl_order", "read", None),
    ("POST", "/linear-swap-api/v1/swap_cross_relation_tpsl_order", "read", None),
    ("POST", "/linear-swap-api/v1/swap_track_order", "trade", (5, 1)),
    ("POST", "/linear-swap-api/v1/swap_cross_track_order", "trade", (5, 1)),
    ("POST", "/linear-swap-api/v1/swap_track_cancel", "trade", (5, 1)),
    ("POST", "/linear-swap-api/v1/swap_cross_track_cancel", "trade", (5, 1)),
    ("POST", "/linear-swap-api/v1/swap_track_cancelall", "trade", (5, 1)),
    ("POST", "/linear-swap-api/v1/swap_cross_track_cancelall", "trade", (5, 1)),
    ("POST", "/linear-swap-api/v1/swap_track_openorders", "trade", None),
    ("POST", "/linear-swap-api/v1/swap_cross_track_openorders", "read", None),
    ("POST", "/linear-swap-api/v1/swap_track_hisorders", "read", None),
    ("POST", "/linear-swap-api/v1/swap_cross_track_hisorders", "read", None),
    ("GET", "/linear-swap-api/v1/swap_cross_transfer_state", "read", None),
    ("GET", "/linear-swap-api/v3/unified_account_info", "read", None),
    ("GET", "/linear-swap-api/v3/linear_swap_overview_account_info", "read", None),
    ("POST", "/linear-swap-api/v3/linear_swap_fee_switch", "trade", None),
    ("POST", "/linear-swap-api/v3/fix_position_margin_change", "trade", None),
    ("GET", "/linear-swap-api/v3/fix_position_margin_change_record", "read", None),
    ("GET", "/linear-swap-api/v3/swap_unified_account_type", "read", None),
    ("POST", "/linear-swap-api/v3/swap_switch_account_type", "trade", None),
    ("GET", "/linear-swap-api/v1/swap_funding_rate", "public", None),
    ("GET", "/linear-swap-api/v1/swap_batch_funding_rate", "public", None),
    ("GET", "/linear-swap-api/v1/swap_historical_funding_rate", "public", None),
    ("GET", "/linear-swap-api/v3/swap_liquidation_orders", "public", None),
    ("GET", "/linear-swap-api/v1/swap_settlement_records", "public", None),
    ("GET", "/linear-swap-api/v1/swap_elite_account_ratio", "public", None),
    ("GET", "/linear-swap-api/v1/swap_elite_position_ratio", "public", None),
    ("GET", "/linear-swap-api/v1/swap_api_state", "public", None),
    ("GET", "/linear-swap-api/v1/swap_cross_ladder_margin", "public", None),
    ("GET", "/linear-swap-api/v1/swap_ladder_margin", "public", None),
    ("GET", "/linear-swap-api/v1/swap_estimated_settlement_price", "public", None),
    ("GET", "/linear-swap-api/v1/swap_adjustfactor", "public", None),
    ("GET", "/linear-swap-api/v1/swap_cross_adjustfactor", "public", None),
    ("GET", "/v1/insurance_fund_info", "read", None),
    ("GET", "/v1/insurance_fund_history", "read", None),
    ("GET", "/linear-swap-api/v1/swap_price_limit", "public", None),
    ("GET", "/linear-swap-api/v1/swap_open_interest", "public", None),
    ("GET", "/linear-swap-api/v1/swap_contract_info", "public", None),
    ("GET", "/linear-swap-api/v1/swap_index", "public", None),
    ("GET", "/linear-swap-api/market/swap_contract_constituents", "read", None),
    ("GET", "/linear-swap-api/v1/swap_query_elements", None, (20, 2)),
    ("GET", "/api/v1/timestamp", "public", None),
    ("GET", "/linear-swap-ex/market/depth", "market", None),
    ("GET", "/linear-swap-ex/market/bbo", "market", None),
    ("GET", "/linear-swap-ex/market/history/kline", "market", None),
    ("GET", "/index/market/history/linear_swap_mark_price_kline", "market", None),
    ("GET", "/linear-swap-ex/market/detail/merged", "market", None),
    ("GET", "/v2/linear-swap-ex/market/detail/batch_merged", "market", None),
    ("GET", "/linear-swap-ex/market/trade", "market", None),
    ("GET", "/linear-swap-ex/market/history/trade", "market", None),
    ("GET", "/linear-swap-api/v1/swap_his_open_interest", "market", None),
    ("GET", "/index/market/history/linear_swap_premium_index_kline", "market", None),
    ("GET", "/index/market/history/linear_swap_estimated_rate_kline", "market", None),
    ("GET", "/index/market/history/linear_swap_basis", "market", None),
)

FUTURES_ENDPOINTS: tuple[Endpoint, ...] = (
    ("POST", "/api/v1/contract_balance_valuation", "read", None),
    ("POST", "/api/v1/contract_account_info", "read", None),
    ("POST", "/api/v1/contract_position_info", "read", None),
    ("POST", "/api/v1/contract_sub_auth", "trade", None),
    ("GET", "/api/v1/contract_sub_auth_list", "read", None),
    ("POST", "/api/v1/contract_sub_account_list", "read", None),
    ("POST", "/api/v1/contract_sub_account_info_list", "read", None),
    ("POST", "/api/v1/contract_sub_account_info", "read", None),
    ("POST", "/api/v1/contract_sub_position_info", "read", None),
    ("POST", "/api/v3/contract_financial_record", "read", None),
    ("POST", "/api/v3/contract_financial_record_exact", "read", None),
    ("POST", "/api/v1/contract_user_settlement_records", "read", None),
    ("POST", "/api/v1/contract_order_limit", "read", None),
    ("POST", "/api/v1/contract_fee", "read", None),
    ("POST", "/api/v1/contract_transfer_limit", "read", None),
    ("POST", "/api/v1/contract_position_limit", "read", None),
    ("POST", "/api/v1/contract_account_position_info", "read", None),
    ("POST", "/api/v1/contract_master_sub_transfer", "trade", (10, 60)),
    ("POST", "/api/v1/contract_master_sub_transfer_record", "read", None),
    ("GET", "/api/v1/contract_api_trading_status", "read", None),
    ("POST", "/api/v1/contract_available_level_rate", "read", None),
    ("POST", "/api/v1/contract-cancel-after", "trade", None),
    ("POST", "/api/v1/contract_order", "trade", None),
    ("POST", "/api/v1/contract_batchorder", "trade", None),
    ("POST", "/api/v1/contract_cancel", "trade", None),
    ("POST", "/api/v1/contract_cancelall", "trade", None),
    ("POST", "/api/v1/contract_switch_lever_rate", "trade", None),
    ("POST", "/api/v1/contract_order_info", "read", None),
    ("POST", "/api/v1/contract_order_detail", "read", None),
    ("POST", "/api/v1/contract_openorders", "read", None),
    ("POST", "/api/v3/contract_hisorders", "read", None),
    ("POST", "/api/v3/contract_hisorders_exact", "read", None),
    ("POST", "/api/v3/contract_matchresults", "read", None),
    ("POST", "/api/v3/contract_matchresults_exact", "read", None),
    ("POST", "/api/v1/lightning_close_position", "trade", None),
    ("POST", "/api/v1/contract_trigger_order", "trade", (5, 1)),
    ("POST", "/api/v1/contract_trigger_cancel", "trade", (5, 1)),
    ("POST", "/api/v1/contract_trigger_cancelall", "trade", (5, 1)),
    ("POST", "/api/v1/contract_trigger_openorders", "read", None),
    ("POST", "/api/v1/contract_trigger_hisorders", "read", None),
    ("POST", "/api/v1/contract_tpsl_order", "read", (5, 1)),
    ("POST", "/api/v1/contract_tpsl_cancel", "trade", (5, 1)),
    ("POST", "/api/v1/contract_tpsl_cancelall", "trade", (5, 1)),
    ("POST", "/api/v1/contract_tpsl_openorders", "read", None),
    ("POST", "/api/v1/contract_tpsl_hisorders", "read", None),
    ("POST", "/api/v1/contract_relation_tpsl_order", "read", None),
    ("POST", "/api/v1/contract_track_order", "trade", (5, 1)),
    ("POST", "/api/v1/contract_track_cancel", "trade", (5, 1)),
    ("POST", "/api/v1/contract_track_cancelall", "trade", (5, 1)),
    ("POST", "/api/v1/contract_track_openorders", "read", None),
    ("POST", "/api/v1/contract_track_hisorders", "read", None),
    ("POST", "/v2/account/transfer", "trade", None),
    ("GET", "/api/v1/contract_adjustfactor", "public", None),
    ("GET", "/api/v1/contract_his_open_interest", "public", None),
    ("GET", "/api/v1/contract_ladder_margin", "public", None),
    ("GET", "/api/v1/contract_elite_account_ratio", "public", None),
    ("GET", "/api/v1/contract_elite_position_ratio", "public", None),
    ("GET", "/api/v3/contract_liquidation_orders", "public", None),
    ("GET", "/api/v1/contract_settlement_records", "public", None),
    ("GET", "/v1/insurance_fund_info", "read", None),
    ("GET", "/v1/insurance_fund_history", "read", None),
    ("GET", "/api/v1/contract_price_limit", "public", None),
    ("GET", "/api/v1/contract_open_interest", "public", None),
    ("GET", "/api/v1/contract_delivery_price", "public", None),
    ("GET", "/api/v1/contract_estimated_settlement_price", "public", None),
    ("GET", "/api/v1/contract_api_state", "public", None),
    ("GET", "/api/v1/contract_contract_info", "public", None),
    ("GET", "/api/v1/contract_index", "public", None),
    ("GET", "/api/market/contract_constituents", "read", None),
    ("GET", "/api/v1/contract_query_elements", "read", None),
    ("GET", "/api/v1/timestamp", "public", None),
    ("GET", "/market/depth", "market", None),
    ("GET", "/market/bbo", "market", None),
    ("GET", "/market/history/kline", "market", None),
    ("GET", "/index/market/history/mark_price_kline", "market", None),
    ("GET", "/market/detail/merged", "market", None),
    ("GET", "/v2/market/detail/batch_merged", "market", None),
    ("GET", "/market/trade", "market", None),
    ("GET", "/market/history/trade", "market", None),
    ("GET", "/index/market/history/index", "market", None),
    ("GET", "/index/market/history/basis", "market", None),
)

SWAP_ENDPOINTS: tuple[Endpoint, ...] = (
    ("POST", "/swap-api/v3/swap_matchresults", "read", None),
    ("POST", "/swap-api/v1/swap-cancel-after", "trade", None),
    ("POST", "/swap-api/v1/swap_tpsl_cancel", "trade", (5, 1)),
    ("POST", "/swap-api/v1/swap_track_cancel", "trade", (5, 1)),
    ("POST", "/swap-api/v1/swap_cancelall", "trade", None),
    ("POST", "/swap-api/v1/swap_tpsl_cancelall", "trade", (5, 1)),
    ("POST", "/swap-api/v1/swap_track_cancelall", "trade", (5, 1)),
    ("POST", "/swap-api/v1/swap_trigger_cancelall", "trade", (5, 1)),
    ("POST", "/swap-api/v1/swap_cancel", "trade", None),
    ("POST", "/swap-api/v1/swap_trigger_cancel", "trade", (5, 1)),
    ("POST", "/swap-api/v1/swap_user_settlement_records", "read", None),
    ("GET", "/swap-api/v1/swap_query_elements", "read", None),
    ("POST", "/swap-api/v1/swap_openorders", "read", None),
    ("POST", "/swap-api/v1/swap_track_openorders", "trade", None),
    ("POST", "/swap-api/v3/swap_hisorders", "read", None),
    ("POST", "/swap-api/v1/swap_track_hisorders", "trade", None),
    ("GET", "/swap-api/market/swap_constituents", "read", None),
    ("POST", "/swap-api/v1/swap_order_info", "read", None),
    ("GET", "/swap-ex/market/history/kline", "market", None),
    ("GET", "/index/market/history/swap_mark_price_kline", "market", None),
    ("GET", "/swap-ex/market/bbo", "market", None),
    ("GET", "/swap-ex/market/detail/merged", "market", None),
    ("GET", "/swap-ex/market/depth", "market", None),
    ("POST", "/swap-api/v1/swap_order_detail", "read", None),
    ("POST", "/swap-api/v1/swap_batchorder", "trade", None),
    ("POST", "/swap-api/v1/swap_track_order", "trade", (5, 1)),
    ("POST", "/swap-api/v1/swap_order", "trade", None),
    ("POST", "/swap-api/v1/swap_lightning_close_position", "trade", None),
    ("POST", "/swap-api/v1/swap_trigger_order", "trade", (5, 1)),
    ("GET", "/swap-api/v1/swap_batch_funding_rate", "public", None),
    ("POST", "/swap-api/v1/swap_sub_account_info_list", "read", None),
    ("GET", "/swap-ex/market/history/trade", "market", None),
    ("POST", "/swap-api/v1/swap_sub_account_info", "read", None),
    ("POST", "/swap-api/v1/swap_sub_position_info", "read", None),
    ("POST", "/swap-api/v3/swap_financial_record", "read", None),
    ("POST", "/swap-api/v1/swap_balance_valuation", "read", None),
    ("POST", "/swap-api/v1/swap_account_position_info", "read", None),
    ("POST", "/swap-api/v1/swap_sub_account_list", "read", None),
    ("GET", "/index/market/history/swap_basis", "market", None),
    ("GET", "/index/market/history/swap_estimated_rate_kline", "market", None),
    ("POST", "/swap-api/v3/swap_financial_record_exact", "read", None),
    ("GET", "/swap-api/v1/swap_funding_rate", "public", None),
    ("GET", "/swap-api/v1/swap_historical_funding_rate", "public", None),
    ("GET", "/swap-api/v1/swap_settlement_records", "public", None),
    ("POST", "/swap-api/v3/swap_hisorders_exact", "read", None),
    ("GET", "/swap-api/v1/swap_insurance_fund", "public", None),
    ("POST", "/swap-api/v3/swap_matchresults_exact", "read", None),
    ("POST", "/swap-api/v1/swap_relation_tpsl_order", "read", None),
    ("GET", "/swap-api/v1/swap_risk_info", "public", None),
    ("GET", "/swap-api/v1/swap_his_open_interest", "public", None),
    ("POST", "/swap-api/v1/swap_position_limit", "read", None),
    ("POST", "/swap-api/v1/swap_fee", "read", None),
    ("GET", "/swap-api/v1/swap_api_state", "public", None),
    ("GET", "/swap-api/v1/swap_adjustfactor", "public", None),
    ("GET", "/swap-api/v1/swap_ladder_margin", "public", None),
    ("POST", "/swap-api/v1/swap_transfer_limit", "read", None),
    ("GET", "/swap-api/v3/swap_liquidation_orders", "public", None),
    ("POST", "/swap-api/v1/swap_tpsl_openorders", "read", None),
    ("GET", "/index/market/history/swap_premium_index_kline", "market", None),
    ("GET", "/swap-api/v1/swap_sub_auth_list", "read", None),
    ("GET", "/swap-api/v1/swap_index", "public", None),
    ("GET", "/swap-api/v1/swap_contract_info", "public", None),
    ("POST", "/swap-api/v1/swap_order_limit", "read", None),
    ("GET", "/swap-api/v1/swap_price_limit", "public", None),
    ("POST", "/swap-api/v1/swap_tpsl_hisorders", "read", None),
    ("GET", "/swap-ex/market/trade", "market", None),
    ("GET", "/swap-api/v1/swap_elite_account_ratio", "public", None),
    ("GET", "/swap-api/v1/swap_elite_position_ratio", "public", None),
    ("POST", "/swap-api/v1/swap_master_sub_transfer_record", "read", None),
    ("POST", "/swap-api/v1/swap_trigger_hisorders", "read", None),
    ("POST", "/swap-api/v1/swap_trigger_openorders", "read", None),
    ("POST", "/swap-api/v1/swap_account_info", "read", None),
    ("GET", "/swap-api/v1/swap_api_trading_status", "read", None),
    ("POST", "/swap-api/v1/swap_available_level_rate", "read", None),
    ("POST", "/swap-api/v1/swap_position_info", "read", None),
    ("POST", "/swap-api/v1/swap_sub_auth", "trade", None),
    ("POST", "/swap-api/v1/swap_tpsl_order", "trade", (5, 1)),
    ("GET", "/swap-api/v1/swap_open_interest", "public", None),
    ("POST", "/swap-api/v1/swap_switch_lever_rate", "trade", (1, 3)),
    ("GET", "/swap-api/v1/swap_estimated_settlement_price", "public", None),
    ("POST", "/swap-api/v1/swap_master_sub_transfer", "trade", None),
)


def _own_name(path: str) -> str:
    """An endpoint's own limit is named after it: ``swap_trigger_order``, ``contract_tpsl_cancel``."""
    tail = re.sub(r"^/(linear-swap-api|swap-api|api)/v\d/", "", path)
    return re.sub(r"[^a-z0-9]+", "_", tail.lower()).strip("_")


def _derivative(endpoints: tuple[Endpoint, ...], pools: Mapping[str, str], src: str) -> tuple[list[Limit], list[Rule]]:
    """Own limits and rules for one business line; ``pools`` maps the general budgets to this
    venue's limit names."""
    limits: list[Limit] = []
    rules: list[Rule] = []
    for method, path, pool, own in endpoints:
        cost: dict[str, float] = {}
        primary = pools[pool] if pool is not None else None
        if pool is not None:
            cost[pools[pool]] = 1
        if own is not None:
            name = _own_name(path)
            capacity, period = own
            scope = "ip" if pool is None or pool in ("public", "market") else "account"
            limits.append(
                Limit(name, capacity, period, scope=scope, source=src + f" — {method} {path}: {capacity}/{period:g} s")
            )
            cost[name] = 1
            primary = primary or name
        rules.append(
            Rule(method, path, cost, kind="action" if pool == "trade" else "read", source=src, primary=primary)
        )
    return limits, rules


def _market_limit(src: str) -> Limit:
    return Limit("market", 800, 1, scope="ip", source=src + " — market data, all products together")


def _is_signed_or_post(request: Request) -> bool:
    return request.method != "GET" or _signed(request)


def _derivative_parse(ban: str) -> Callable[[Feedback], list[Observation]]:
    def parse(fb: Feedback) -> list[Observation]:
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
            wait = recovery if recovery is not None else CANCEL_RATIO_BAN
            out.append(block(_ban_target(fb, ban), wait, "1084 cancel-ratio ban"))
        elif (code == "1032" or fb.status == 429) and target in fb.venue.limits:
            wait = retry_after(fb) or reset or fb.venue.limits[str(target)].period
            out.append(block(str(target), wait, f"access limit exceeded ({code or fb.status})"))
        return out

    return parse


def _ban_target(fb: Feedback, default: str) -> str:
    """The trade budget of the business line the banned request belongs to."""
    target = fb.request.primary if fb.request is not None else None
    if target is not None and target.endswith("trade"):
        return target
    if target is not None and target.endswith("read"):
        return target[: -len("read")] + "trade"
    return default


# ---------------------------------------------------------------------------------- USDT-M


def _usdtm() -> tuple[list[Limit], list[Rule]]:
    limits = [
        Limit("trade", 72, 3, scope="account", source=SRC_USDTM + " — trade interfaces"),
        Limit("read", 72, 3, scope="account", source=SRC_USDTM + " — read interfaces"),
        Limit("public", 240, 3, scope="ip", source=SRC_USDTM + " — non-market public"),
        _market_limit(SRC_USDTM),
    ]
    pools = {"trade": "trade", "read": "read", "public": "public", "market": "market"}
    own, rules = _derivative(USDTM_ENDPOINTS, pools, SRC_USDTM)
    rules += [
        Rule("GET", "/linear-swap-ex/market/*", {"market": 1}, source=SRC_USDTM, primary="market"),
        Rule("GET", "/v2/linear-swap-ex/market/*", {"market": 1}, source=SRC_USDTM, primary="market"),
        Rule("GET", "/index/market/*", {"market": 1}, source=SRC_USDTM, primary="market"),
    ]
    return limits + own, rules


USDTM_DEFAULT = Rule(
    "*",
    "/*",
    {"public": 1},
    name="(unknown public endpoint)",
    source=SRC_USDTM + " — unknown public endpoint: the non-market budget per IP",
    primary="public",
    idempotent=False,
)
USDTM_PRIVATE_DEFAULT = Rule(
    "*",
    "/*",
    {"trade": 1, "read": 1},
    name="(unknown private endpoint)",
    source=SRC_USDTM + " — unknown private endpoint: charged to both budgets per UID",
    primary="trade",
    idempotent=False,
)

# ---------------------------------------------------------------------------------- coin-M


def _coinm() -> tuple[list[Limit], list[Rule]]:
    limits = [
        Limit("swap_trade", 36, 3, scope="account", source=SRC_COINM_SWAP + " — trade interfaces"),
        Limit("swap_read", 36, 3, scope="account", source=SRC_COINM_SWAP + " — read interfaces"),
        Limit("swap_public", 120, 3, scope="ip", source=SRC_COINM_SWAP + " — non-market public"),
        Limit("futures_trade", 36, 3, scope="account", source=SRC_FUTURES + " — trade interfaces"),
        Limit("futures_read", 36, 3, scope="account", source=SRC_FUTURES + " — read interfaces"),
        Limit("futures_public", 120, 3, scope="ip", source=SRC_FUTURES + " — non-market public"),
        _market_limit(SRC_FUTURES),
    ]
    swap = {"trade": "swap_trade", "read": "swap_read", "public": "swap_public", "market": "market"}
    futures = {"trade": "futures_trade", "read": "futures_read", "public": "futures_public", "market": "market"}
    own_swap, rules = _derivative(SWAP_ENDPOINTS, swap, SRC_COINM_SWAP)
    own_futures, more = _derivative(FUTURES_ENDPOINTS, futures, SRC_FUTURES)
    rules += more
    rules += [
        Rule("GET", path, {"market": 1}, source=src, primary="market")
        for path, src in (
            ("/swap-ex/market/*", SRC_COINM_SWAP),
            ("/market/*", SRC_FUTURES),
            ("/v2/market/*", SRC_FUTURES),
            ("/index/market/*", SRC_FUTURES),
        )
    ]
    # Coin-M swap endpoints not listed above: priced by class on the swap line's budgets
    # (a signed GET reads per UID, an unsigned one is public per IP; a POST is private and
    # charged both UID budgets), and logged as unknown.
    rules += [
        Rule(
            "GET",
            "/swap-api/*",
            lambda r: {"swap_read": 1} if _signed(r) else {"swap_public": 1},
            source=SRC_COINM_SWAP + " — unlisted coin-M swap read",
            primary=lambda r: "swap_read" if _signed(r) else "swap_public",
            fallback=True,
            name="(unknown coin-M swap read)",
        ),
        Rule(
            "POST",
            "/swap-api/*",
            {"swap_trade": 1, "swap_read": 1},
            source=SRC_COINM_SWAP + " — unlisted coin-M swap endpoint: both budgets per UID",
            primary="swap_trade",
            fallback=True,
            idempotent=False,
            name="(unknown coin-M swap endpoint)",
        ),
    ]
    return limits + own_swap + own_futures, rules


COINM_DEFAULT = Rule(
    "*",
    "/*",
    {"futures_public": 1},
    name="(unknown public endpoint)",
    source=SRC_FUTURES + " — unknown public endpoint: the non-market budget per IP",
    primary="futures_public",
    idempotent=False,
)
COINM_PRIVATE_DEFAULT = Rule(
    "*",
    "/*",
    {"futures_trade": 1, "futures_read": 1},
    name="(unknown private endpoint)",
    source=SRC_FUTURES + " — unknown private endpoint: charged to both budgets per UID",
    primary="futures_trade",
    idempotent=False,
)

# ---------------------------------------------------------------------------------- venues


def build_spot() -> Venue:
    """HTX spot (api.huobi.pro). Scope dimensions: ``account`` (UID), ``key``, ``ip``."""
    return Venue(
        name="htx",
        limits=by_name(_spot_limits()),
        rules=Rules(_spot_rules()),
        default=SPOT_DEFAULT,
        private_default=SPOT_PRIVATE_DEFAULT,
        is_private=_spot_is_private,
        urls={"mainnet": "https://api.huobi.pro", "aws": "https://api-aws.huobi.pro"},
        parser=_spot_parse,
        source=SRC_SPOT,
    )


def build_usdtm() -> Venue:
    """HTX USDT-margined swaps (api.hbdm.com). Scope dimensions: ``account`` (UID), ``ip``."""
    limits, rules = _usdtm()
    return Venue(
        name="htx_usdtm",
        limits=by_name(limits),
        rules=Rules(rules),
        default=USDTM_DEFAULT,
        private_default=USDTM_PRIVATE_DEFAULT,
        is_private=_is_signed_or_post,
        urls={"mainnet": "https://api.hbdm.com", "aws": "https://api.hbdm.vn"},
        parser=_derivative_parse("trade"),
        source=SRC_USDTM,
    )


def build_coinm() -> Venue:
    """HTX coin-margined swaps (``/swap-api``) and futures (``/api/v1/contract_``) on
    api.hbdm.com: separate budgets per business line. Scope dimensions: ``account``, ``ip``."""
    limits, rules = _coinm()
    return Venue(
        name="htx_coinm",
        limits=by_name(limits),
        rules=Rules(rules),
        default=COINM_DEFAULT,
        private_default=COINM_PRIVATE_DEFAULT,
        is_private=_is_signed_or_post,
        urls={"mainnet": "https://api.hbdm.com", "aws": "https://api.hbdm.vn"},
        parser=_derivative_parse("futures_trade"),
        source=SRC_FUTURES,
    )


OPTIONS: frozenset[str] = frozenset()
