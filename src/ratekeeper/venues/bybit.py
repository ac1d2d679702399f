"""Bybit v5: 600 requests per 5 s per IP, per-UID per-endpoint limits on a rolling second
(raised by VIP level on the trade endpoints), ``X-Bapi-Limit*`` headers, retCode 10006, 403 bans.

Numbers: https://bybit-exchange.github.io/docs/v5/rate-limit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .._limits import Limit, Observation
from ._model import Feedback, Request, Rule, Rules, Venue, by_name
from ._signals import block, epoch_ms_to_after, header_number, json_code, retry_after, source

__all__ = ["OPTIONS", "VIP_TRADE_LIMITS", "build"]

DOCS = "https://bybit-exchange.github.io/docs/v5/rate-limit"
SRC = source(DOCS, "coincise copy")
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


FIXED: tuple[_Endpoint, ...] = (
    _Endpoint("order_cancel_all", "POST", "/v5/order/cancel-all", (10, 1, 20), kind="action"),
    _Endpoint(
        "order_disconnected_cancel_all", "POST", "/v5/order/disconnected-cancel-all", 5, kind="action", idempotent=True
    ),
    _Endpoint("order_pre_check", "POST", "/v5/order/pre-check", 10, src=SRC_XCHANGE, idempotent=True),
    _Endpoint("order_realtime", "GET", "/v5/order/realtime", 50),
    _Endpoint("order_history", "GET", "/v5/order/history", 50),
    _Endpoint("execution_list", "GET", "/v5/execution/list", 50),
    _Endpoint("position_list", "GET", "/v5/position/list", 50),
    _Endpoint("position_closed_pnl", "GET", "/v5/position/closed-pnl", 50),
    _Endpoint("position_set_leverage", "POST", "/v5/position/set-leverage", 10, kind="action", idempotent=True),
    _Endpoint(
        "position_switch_mode", "POST", "/v5/position/switch-mode", 10, kind="action", src=SRC_XCHANGE, idempotent=True
    ),
    _Endpoint("position_trading_stop", "POST", "/v5/position/trading-stop", 10, kind="action", src=SRC_XCHANGE),
    _Endpoint("account_wallet_balance", "GET", "/v5/account/wallet-balance", 50),
    _Endpoint("account_transaction_log", "GET", "/v5/account/transaction-log", 50),
    _Endpoint("account_collateral_info", "GET", "/v5/account/collateral-info", 50),
    _Endpoint("account_borrow_history", "GET", "/v5/account/borrow-history", 50),
    _Endpoint("account_info", "GET", "/v5/account/info", 50, src=SRC_XCHANGE),
    _Endpoint("account_borrow", "POST", "/v5/account/borrow", 1, kind="action"),
    _Endpoint("account_repay", "POST", "/v5/account/repay", 1, kind="action"),
    _Endpoint("account_no_convert_repay", "POST", "/v5/account/no-convert-repay", 1, kind="action"),
    _Endpoint("account_fee_rate", "GET", "/v5/account/fee-rate", (10, 5, 5)),
    _Endpoint("asset_coin_query_info", "GET", "/v5/asset/coin/query-info", 60, period=60),
    _Endpoint("asset_coins_balance", "GET", "/v5/asset/transfer/query-account-coins-balance", 5),
    _Endpoint("asset_deposit_records", "GET", "/v5/asset/deposit/query-record", 100, period=60),
    _Endpoint("asset_withdraw_create", "POST", "/v5/asset/withdraw/create", 5, kind="action"),
    _Endpoint("asset_universal_transfer", "POST", "/v5/asset/transfer/universal-transfer", 5, kind="action"),
)
"""Per-UID endpoint limits that do not move with the VIP level (reference §9; fee-rate:
linear/inverse 10, option 5, spot 5)."""

PUBLIC: tuple[str, ...] = (
    "/v5/market/time",
    "/v5/market/kline",
    "/v5/market/mark-price-kline",
    "/v5/market/index-price-kline",
    "/v5/market/instruments-info",
    "/v5/market/orderbook",
    "/v5/market/tickers",
    "/v5/market/funding/history",
    "/v5/market/recent-trade",
    "/v5/market/open-interest",
    "/v5/market/risk-limit",
    "/v5/market/delivery-price",
)
"""Market data: the IP limit only."""

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
    rules += [Rule("GET", p, {"ip_requests": 1}, source=SRC, primary="ip_requests") for p in PUBLIC]
    return rules


def _unknown(request: Request) -> Mapping[str, float]:
    if request.path.startswith("/v5/market/"):
        return {"ip_requests": 1}
    return {"ip_requests": 1, "other": 1}


DEFAULT_RULE = Rule(
    "*",
    "/*",
    _unknown,
    name="(unknown endpoint)",
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
        urls={"mainnet": "https://api.bybit.com", "testnet": "https://api-testnet.bybit.com"},
        parser=_parse,
        source=SRC,
        options={"vip": key},
    )


OPTIONS: frozenset[str] = frozenset({"vip"})
