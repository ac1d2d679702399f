"""Bybit v5: 600 requests per 5 s per IP, per-UID per-endpoint limits on a rolling second
(raised by VIP level on the trade endpoints), ``X-Bapi-Limit*`` headers, retCode 10006, 403 bans.

Numbers: https://bybit-exchange.github.io/docs/v5/rate-limit (read 2026-12-06; copy in
rosssaunders/coincise docs/bybit/rate_limits.md, 2025-11-30). Every endpoint of the v5
documents has a rule: its per-UID limit where the API Rate Limit Table lists one, the IP limit
alone where it lists none. A request no rule matches is charged by class: ``/v5/market/``
(public) the IP limit only, anything else also the per-UID ``other`` limit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .._limits import Limit, Observation
from ._model import Feedback, Request, Rule, Rules, Venue, by_name
from ._signals import block, epoch_ms_to_after, header_number, json_code, retry_after, source

__all__ = ["OPTIONS", "VIP_TRADE_LIMITS", "build", "is_private"]

DOCS = "https://bybit-exchange.github.io/docs/v5/rate-limit"
SRC = source(DOCS, "API Rate Limit Table; coincise copy of 2025-11-30", read="2026-12-06")
SRC_VIP = source(DOCS + "/rules-for-vips", "per-UID caps for the upgradable trade endpoints")
SRC_XCHANGE = source(
    "https://github.com/TheCookieLab/XChange xchange-bybit BybitRateLimitPolicy.java",
    "retrieved 2026-10-06 from the same Bybit page; used where the reference table is silent",
)

IP_BAN_SECONDS = 600.0
"""403 "access too frequent": stop and wait at least 10 minutes."""
SYSTEM_BACKOFF = 1.0
"""429 / retCode 10429 (system-level protection) without Retry-After: back off one second."""

PRODUCTS: tuple[str, ...] = ("futures", "option", "spot")
"""linear and inverse share one budget (one cell of the docs' table): "futures"."""
_PRODUCT_OF: Mapping[str, str] = {"linear": "futures", "inverse": "futures", "option": "option", "spot": "spot"}

VIP_TRADE_LIMITS: Mapping[int | str, tuple[int, int, int]] = {
    0: (10, 10, 20),
    1: (20, 20, 25),
    2: (40, 40, 30),
    3: (60, 60, 40),
    4: (60, 60, 40),
    5: (60, 60, 40),
    "supreme": (60, 60, 40),
}
"""Per-UID per-second caps (futures, option, spot) of the upgradable trade endpoints."""

UPGRADABLE: tuple[tuple[str, str], ...] = (
    ("order_create", "/v5/order/create"),
    ("order_amend", "/v5/order/amend"),
    ("order_cancel", "/v5/order/cancel"),
    ("order_create_batch", "/v5/order/create-batch"),
    ("order_amend_batch", "/v5/order/amend-batch"),
    ("order_cancel_batch", "/v5/order/cancel-batch"),
)
BATCHES: frozenset[str] = frozenset({"order_create_batch", "order_amend_batch", "order_cancel_batch"})


AMEND_SPOT_DEFAULT = 10
"""POST /v5/order/amend, spot, non-VIP: 10/s (the rate-limit table's amend row reads 10/s for
inverse/linear, option and spot alike, where create and cancel read 20/s for spot). The VIP
table gives one spot figure for the upgradable endpoints; from VIP 1 on it is used for amend
too (the documents do not say otherwise; ``X-Bapi-Limit`` corrects it from the answers)."""


@dataclass(frozen=True, slots=True)
class _Endpoint:
    limit: str
    method: str
    path: str
    capacity: int | tuple[int, int, int]  # one value, or per product (futures, option, spot)
    period: float = 1.0
    kind: str = "read"
    src: str = SRC
    idempotent: bool | None = None


def _e(limit: str, path: str, capacity: int | tuple[int, int, int], period: float = 1.0) -> _Endpoint:
    """A read (GET) endpoint with its own per-UID limit."""
    return _Endpoint(limit, "GET", path, capacity, period)


def _a(
    limit: str, path: str, capacity: int | tuple[int, int, int], period: float = 1.0, *, idempotent: bool | None = None
) -> _Endpoint:
    """An action (POST) endpoint with its own per-UID limit."""
    return _Endpoint(limit, "POST", path, capacity, period, kind="action", idempotent=idempotent)


SRC_SPREAD = source(DOCS + "#spread-trading", "Spread Trading table")
SRC_PRO = source(DOCS + "/rules-for-pros/apilimit-set", "and /apilimit-query: API rate limit 50 req per second")
SRC_BROKER = source("https://bybit-exchange.github.io/docs/v5/broker/", "each endpoint's 'API rate limit' line")

FIXED: tuple[_Endpoint, ...] = (
    # Trade
    _a("order_cancel_all", "/v5/order/cancel-all", (10, 1, 20)),
    _a("order_disconnected_cancel_all", "/v5/order/disconnected-cancel-all", 5, idempotent=True),
    _e("order_realtime", "/v5/order/realtime", 50),
    _e("order_history", "/v5/order/history", 50),
    _e("execution_list", "/v5/execution/list", 50),
    _e("order_spot_borrow_check", "/v5/order/spot-borrow-check", 50),
    # Position
    _e("position_list", "/v5/position/list", 50),
    _e("position_closed_pnl", "/v5/position/closed-pnl", 50),
    _a("position_set_leverage", "/v5/position/set-leverage", 10, idempotent=True),
    # Account
    _e("account_wallet_balance", "/v5/account/wallet-balance", 50),
    _e("account_withdrawal", "/v5/account/withdrawal", 50),
    _e("account_borrow_history", "/v5/account/borrow-history", 50),
    _a("account_borrow", "/v5/account/borrow", 1),
    _a("account_repay", "/v5/account/repay", 1),
    _a("account_no_convert_repay", "/v5/account/no-convert-repay", 1),
    _e("account_collateral_info", "/v5/account/collateral-info", 50),
    _e("asset_coin_greeks", "/v5/asset/coin-greeks", 50),
    _e("account_transaction_log", "/v5/account/transaction-log", 50),
    _e("account_fee_rate", "/v5/account/fee-rate", (10, 5, 5)),
    # Asset
    _e("asset_query_asset_info", "/v5/asset/transfer/query-asset-info", 60, 60),
    _e("asset_transfer_coin_list", "/v5/asset/transfer/query-transfer-coin-list", 60, 60),
    _e("asset_inter_transfer_list", "/v5/asset/transfer/query-inter-transfer-list", 60, 60),
    _e("asset_sub_member_list", "/v5/asset/transfer/query-sub-member-list", 60, 60),
    _e("asset_universal_transfer_list", "/v5/asset/transfer/query-universal-transfer-list", 5),
    _e("asset_coins_balance", "/v5/asset/transfer/query-account-coins-balance", 5),
    _e("asset_deposit_records", "/v5/asset/deposit/query-record", 100, 60),
    _e("asset_sub_deposit_records", "/v5/asset/deposit/query-sub-member-record", 300, 60),
    _e("asset_deposit_address", "/v5/asset/deposit/query-address", 300, 60),
    _e("asset_sub_deposit_address", "/v5/asset/deposit/query-sub-member-address", 300, 60),
    _e("asset_withdraw_records", "/v5/asset/withdraw/query-record", 300, 60),
    _e("asset_coin_query_info", "/v5/asset/coin/query-info", 5),
    _e("asset_exchange_order_record", "/v5/asset/exchange/order-record", 600, 60),
    _a("asset_inter_transfer", "/v5/asset/transfer/inter-transfer", 60, 60),
    _a("asset_save_transfer_sub_member", "/v5/asset/transfer/save-transfer-sub-member", 20, idempotent=True),
    _a("asset_universal_transfer", "/v5/asset/transfer/universal-transfer", 5),
    _a("asset_withdraw_create", "/v5/asset/withdraw/create", 5),
    _a("asset_withdraw_cancel", "/v5/asset/withdraw/cancel", 60, 60),
    # User
    _a("user_create_sub_member", "/v5/user/create-sub-member", 1),
    _a("user_create_sub_api", "/v5/user/create-sub-api", 1),
    _a("user_frozen_sub_member", "/v5/user/frozen-sub-member", 5),
    _a("user_update_api", "/v5/user/update-api", 5),
    _a("user_update_sub_api", "/v5/user/update-sub-api", 5),
    _a("user_delete_api", "/v5/user/delete-api", 5),
    _a("user_delete_sub_api", "/v5/user/delete-sub-api", 5),
    _e("user_query_sub_members", "/v5/user/query-sub-members", 10),
    _e("user_query_api", "/v5/user/query-api", 10),
    _e("user_aff_customer_info", "/v5/user/aff-customer-info", 10),
    # Spread trading
    _Endpoint("spread_order_create", "POST", "/v5/spread/order/create", 20, kind="action", src=SRC_SPREAD),
    _Endpoint("spread_order_amend", "POST", "/v5/spread/order/amend", 20, kind="action", src=SRC_SPREAD),
    _Endpoint("spread_order_cancel", "POST", "/v5/spread/order/cancel", 20, kind="action", src=SRC_SPREAD),
    _Endpoint("spread_order_cancel_all", "POST", "/v5/spread/order/cancel-all", 5, kind="action", src=SRC_SPREAD),
    _Endpoint("spread_order_realtime", "GET", "/v5/spread/order/realtime", 50, src=SRC_SPREAD),
    _Endpoint("spread_order_history", "GET", "/v5/spread/order/history", 50, src=SRC_SPREAD),
    _Endpoint("spread_execution_list", "GET", "/v5/spread/execution/list", 50, src=SRC_SPREAD),
    # PRO rate-limit management (each endpoint's page: "API rate limit: 50 req per second")
    _Endpoint("apilimit_set", "POST", "/v5/apilimit/set", 50, kind="action", src=SRC_PRO, idempotent=True),
    _Endpoint("apilimit_query", "GET", "/v5/apilimit/query", 50, src=SRC_PRO),
    # Broker (each endpoint's page)
    _Endpoint("broker_account_info", "GET", "/v5/broker/account-info", 10, src=SRC_BROKER),
    _Endpoint("broker_earnings_info", "GET", "/v5/broker/earnings-info", 10, src=SRC_BROKER),
    _Endpoint(
        "broker_sub_deposit_records", "GET", "/v5/broker/asset/query-sub-member-deposit-record", 300, 60, src=SRC_BROKER
    ),
    # Not in the table; XChange's policy gives them a per-UID limit: kept (conservative)
    _Endpoint("order_pre_check", "POST", "/v5/order/pre-check", 10, src=SRC_XCHANGE, idempotent=True),
    _Endpoint(
        "position_switch_mode", "POST", "/v5/position/switch-mode", 10, kind="action", src=SRC_XCHANGE, idempotent=True
    ),
    _Endpoint("position_trading_stop", "POST", "/v5/position/trading-stop", 10, kind="action", src=SRC_XCHANGE),
    _Endpoint("account_info", "GET", "/v5/account/info", 50, src=SRC_XCHANGE),
)
"""Per-UID endpoint limits that do not move with the VIP level: the rate-limit page's API
Rate Limit Table (fee-rate: linear/inverse 10, option 5, spot 5; cancel-all: futures 10,
option 1, spot 20), the Spread Trading table, and the broker pages."""

PUBLIC: tuple[str, ...] = (
    "/v5/market/time",
    "/v5/market/kline",
    "/v5/market/mark-price-kline",
    "/v5/market/index-price-kline",
    "/v5/market/premium-index-price-kline",
    "/v5/market/instruments-info",
    "/v5/market/orderbook",
    "/v5/market/tickers",
    "/v5/market/funding/history",
    "/v5/market/recent-trade",
    "/v5/market/open-interest",
    "/v5/market/historical-volatility",
    "/v5/market/insurance",
    "/v5/market/risk-limit",
    "/v5/market/delivery-price",
    "/v5/market/account-ratio",
    "/v5/market/index-price-components",
    "/v5/market/price-limit",
    "/v5/market/adlAlert",
    "/v5/market/fee-group-info",
    "/v5/spread/instrument",
    "/v5/spread/orderbook",
    "/v5/spread/tickers",
    "/v5/spread/recent-trade",
    "/v5/spot-margin-trade/data",
    "/v5/spot-margin-trade/collateral",
    "/v5/crypto-loan/loanable-data",
    "/v5/crypto-loan/collateral-data",
    "/v5/ins-loan/product-infos",
    "/v5/ins-loan/ensure-tokens-convert",
)
"""Public data (no API key): the IP limit only."""

UNLISTED: tuple[tuple[str, str], ...] = (
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
"""Private endpoints of the v5 documents with no published per-UID limit (not in the API
Rate Limit Table; "Spot Margin Trade (UTA): For now, there is no limit for endpoints under
this category"): the IP limit only. Their ``X-Bapi-Limit`` headers and a 10006 name no limit
of ours (the rule has no ``primary``): the answer is handed back as it is."""

OTHER_CAPACITY = 5
"""Unknown private endpoints share one per-UID limit of 5 per second (a common documented
value); they also pay the IP limit."""


def product_of(request: Request) -> str:
    """The budget a category-dependent endpoint uses; an absent category is charged as futures."""
    return _PRODUCT_OF.get(str(request.field("category") or "linear").lower(), "futures")


def _batch_size(request: Request) -> int:
    items = request.field("request")
    return max(1, len(items)) if isinstance(items, list) else 1


def _per_product(base: str, batch: bool) -> Callable[[Request], Mapping[str, float]]:
    def cost(request: Request) -> Mapping[str, float]:
        return {"ip_requests": 1, f"{base}_{product_of(request)}": _batch_size(request) if batch else 1}

    return cost


def _limits(vip: int | str) -> list[Limit]:
    trade = VIP_TRADE_LIMITS[vip]
    limits = [Limit("ip_requests", 600, 5, scope="ip", source=SRC + " — 600 requests per 5 s per IP, all traffic")]
    for name, path in UPGRADABLE:
        for product, capacity in zip(PRODUCTS, trade, strict=True):
            if name == "order_amend" and product == "spot" and vip == 0:
                capacity = AMEND_SPOT_DEFAULT
            limits.append(
                Limit(
                    f"{name}_{product}",
                    capacity,
                    1,
                    scope="account",
                    source=SRC_VIP + f" — {path} {product} VIP {vip}: {capacity}/s",
                )
            )
    for e in FIXED:
        if isinstance(e.capacity, tuple):
            for product, capacity in zip(PRODUCTS, e.capacity, strict=True):
                limits.append(
                    Limit(
                        f"{e.limit}_{product}",
                        capacity,
                        e.period,
                        scope="account",
                        source=e.src + f" — {e.path} {product}",
                    )
                )
        else:
            limits.append(Limit(e.limit, e.capacity, e.period, scope="account", source=e.src + f" — {e.path}"))
    limits.append(
        Limit("other", OTHER_CAPACITY, 1, scope="account", source=SRC + " — assumed for endpoints without a rule")
    )
    return limits


def _fixed_cost(e: _Endpoint) -> Mapping[str, float] | Callable[[Request], Mapping[str, float]]:
    if isinstance(e.capacity, tuple):
        return _per_product(e.limit, batch=False)
    return {"ip_requests": 1, e.limit: 1}


def _primary_of(base: str) -> Callable[[Request], str]:
    def primary(request: Request) -> str:
        return f"{base}_{product_of(request)}"

    return primary


def _rules() -> list[Rule]:
    rules: list[Rule] = []
    for name, path in UPGRADABLE:
        rules.append(
            Rule(
                "POST",
                path,
                _per_product(name, batch=name in BATCHES),
                kind="action",
                source=SRC + "; " + SRC_VIP,
                primary=_primary_of(name),
                note="per category; a batch costs one unit per order" if name in BATCHES else "per category",
            )
        )
    for e in FIXED:
        rules.append(
            Rule(
                e.method,
                e.path,
                _fixed_cost(e),
                kind="action" if e.kind == "action" else "read",
                source=e.src,
                primary=_primary_of(e.limit) if isinstance(e.capacity, tuple) else e.limit,
                idempotent=e.idempotent,
            )
        )
    # The rate-limit table prints the inter-transfer list as query-inter-transfer-list; the
    # endpoint's own page (https://bybit-exchange.github.io/docs/v5/asset/transfer/inter-transfer-list-query)
    # is GET /v5/asset/transfer/inter-transfer-list-query. Both spend the same 60 per minute.
    inter = next(e for e in FIXED if e.limit == "asset_inter_transfer_list")
    rules.append(
        Rule(
            "GET",
            "/v5/asset/transfer/inter-transfer-list-query",
            _fixed_cost(inter),
            source=source(
                "https://bybit-exchange.github.io/docs/v5/asset/transfer/inter-transfer-list-query",
                "the endpoint's page; its limit is the table's query-inter-transfer-list row",
            ),
            primary=inter.limit,
        )
    )
    rules += [Rule("GET", p, {"ip_requests": 1}, source=SRC, note="public: the IP limit only") for p in PUBLIC]
    rules += [
        Rule(
            method,
            path,
            {"ip_requests": 1},
            kind="action" if method == "POST" else "read",
            source=SRC,
            note="no published per-UID limit: the IP limit only",
        )
        for method, path in UNLISTED
    ]
    return rules


def is_private(request: Request) -> bool:
    """Whether an unknown endpoint is private (per UID): anything but ``/v5/market/``."""
    return not request.path.startswith("/v5/market/")


DEFAULT_RULE = Rule(
    "*",
    "/*",
    {"ip_requests": 1},
    name="(unknown public endpoint)",
    source=SRC + " — every request pays the IP limit",
    idempotent=False,
)
PRIVATE_DEFAULT_RULE = Rule(
    "*",
    "/*",
    {"ip_requests": 1, "other": 1},
    name="(unknown private endpoint)",
    source=SRC + " — every request pays the IP limit; unknown private endpoints share 'other'",
    primary="other",
    idempotent=False,
)


def _endpoint_limit(fb: Feedback) -> str | None:
    return fb.request.primary if fb.request is not None else None


def _parse(fb: Feedback) -> list[Observation]:
    out: list[Observation] = []
    if fb.status == 403:
        out.append(block("ip_requests", retry_after(fb) or IP_BAN_SECONDS, "HTTP 403 IP limit breached"))
        return out
    target = _endpoint_limit(fb)
    cap = header_number(fb, "x-bapi-limit")
    remaining = header_number(fb, "x-bapi-limit-status")
    reset = epoch_ms_to_after(fb, "x-bapi-limit-reset-timestamp", header_number(fb, "x-bapi-limit-reset-timestamp"))
    if target is not None and target in fb.venue.limits and (cap is not None or remaining is not None):
        out.append(Observation(target, remaining=remaining, cap=cap, reset_after=reset, reason="x-bapi-limit"))
    code = json_code(fb.body, "retCode", "ret_code")
    if code == "10006" and target is not None and target in fb.venue.limits:
        wait = retry_after(fb) or reset or fb.venue.limits[target].period
        out.append(block(target, wait, "retCode 10006 Too many visits"))
    elif fb.status == 429 or code == "10429":
        out.append(
            block(
                "ip_requests", retry_after(fb) or SYSTEM_BACKOFF, f"system frequency protection ({code or 'HTTP 429'})"
            )
        )
    return out


def build(*, vip: int | str = 0) -> Venue:
    """Bybit. ``vip``: 0-5 or ``"supreme"``, raising the upgradable trade endpoints' caps."""
    key: int | str = vip.lower() if isinstance(vip, str) else vip
    if key not in VIP_TRADE_LIMITS:
        raise ValueError(f"bybit: vip must be one of {', '.join(map(str, VIP_TRADE_LIMITS))}; got {vip!r}")
    return Venue(
        name="bybit",
        limits=by_name(_limits(key)),
        rules=Rules(_rules()),
        default=DEFAULT_RULE,
        private_default=PRIVATE_DEFAULT_RULE,
        is_private=is_private,
        urls={"mainnet": "https://api.bybit.com", "testnet": "https://api-testnet.bybit.com"},
        parser=_parse,
        source=SRC,
        options={"vip": key},
    )


OPTIONS: frozenset[str] = frozenset({"vip"})
