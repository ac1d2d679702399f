"""OKX v5: one limit per endpoint, keyed by user id (and instrument for trading endpoints) or IP,
plus the sub-account order cap; signals 50011, 50040 and 50061 in the JSON body.

Numbers: https://www.okx.com/docs-v5/en/#overview-rate-limits and the endpoint sections.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .._limits import Limit, Observation
from ._model import Feedback, Request, Rule, Rules, Venue, by_name
from ._signals import block, retry_after, source

__all__ = ["FILL_RATIO_TIERS", "OPTIONS", "build", "order_cap_for_fill_ratio"]

DOCS = "https://www.okx.com/docs-v5/en/"
SRC = source(
    DOCS + "#overview-rate-limits",
    "and each endpoint's Rate Limit line; copies in rosssaunders/coincise docs/okx (2025)",
)
SRC_SUB = source(
    DOCS + "#overview-rate-limits-sub-account-rate-limit",
    "1000 order requests (new + amend, each order of a batch) per 2 s per sub-account; spot/margin exempt; code 50061",
)

# dimensions: the request carries "instrument" (instId, or instFamily for options), "inst_type"
# and "tag"; the caller supplies "account" (the user id) and "ip".
UID_INST = "account+instrument"
UID = "account"
IP = "ip"
IP_INST = "ip+instrument"
IP_TYPE = "ip+inst_type"
UID_TAG = "account+tag"


@dataclass(frozen=True, slots=True)
class _Endpoint:
    limit: str
    method: str
    path: str
    capacity: int
    period: float
    scope: str
    kind: str = "read"


ENDPOINTS: tuple[_Endpoint, ...] = (
    _Endpoint("place_order", "POST", "/api/v5/trade/order", 60, 2, UID_INST, "action"),
    _Endpoint("amend_order", "POST", "/api/v5/trade/amend-order", 60, 2, UID_INST, "action"),
    _Endpoint("cancel_order", "POST", "/api/v5/trade/cancel-order", 60, 2, UID_INST, "action"),
    _Endpoint("batch_orders", "POST", "/api/v5/trade/batch-orders", 300, 2, UID_INST, "action"),
    _Endpoint("amend_batch_orders", "POST", "/api/v5/trade/amend-batch-orders", 300, 2, UID_INST, "action"),
    _Endpoint("cancel_batch_orders", "POST", "/api/v5/trade/cancel-batch-orders", 300, 2, UID_INST, "action"),
    _Endpoint("close_position", "POST", "/api/v5/trade/close-position", 20, 2, UID_INST, "action"),
    _Endpoint("cancel_all_after", "POST", "/api/v5/trade/cancel-all-after", 1, 1, UID_TAG, "action"),
    _Endpoint("order_details", "GET", "/api/v5/trade/order", 60, 2, UID_INST),
    _Endpoint("orders_pending", "GET", "/api/v5/trade/orders-pending", 60, 2, UID),
    _Endpoint("orders_history", "GET", "/api/v5/trade/orders-history", 40, 2, UID),
    _Endpoint("orders_history_archive", "GET", "/api/v5/trade/orders-history-archive", 20, 2, UID),
    _Endpoint("fills", "GET", "/api/v5/trade/fills", 60, 2, UID),
    _Endpoint("fills_history", "GET", "/api/v5/trade/fills-history", 10, 2, UID),
    _Endpoint("balance", "GET", "/api/v5/account/balance", 10, 2, UID),
    _Endpoint("positions", "GET", "/api/v5/account/positions", 10, 2, UID),
    _Endpoint("positions_history", "GET", "/api/v5/account/positions-history", 10, 2, UID),
    _Endpoint("account_position_risk", "GET", "/api/v5/account/account-position-risk", 10, 2, UID),
    _Endpoint("account_config", "GET", "/api/v5/account/config", 5, 2, UID),
    _Endpoint("set_position_mode", "POST", "/api/v5/account/set-position-mode", 5, 2, UID, "action"),
    _Endpoint("trade_fee", "GET", "/api/v5/account/trade-fee", 5, 2, UID),
    _Endpoint("bills", "GET", "/api/v5/account/bills", 5, 1, UID),
    _Endpoint("max_size", "GET", "/api/v5/account/max-size", 20, 2, UID),
    _Endpoint("max_avail_size", "GET", "/api/v5/account/max-avail-size", 20, 2, UID),
    _Endpoint("leverage_info", "GET", "/api/v5/account/leverage-info", 20, 2, UID),
    _Endpoint("account_rate_limit", "GET", "/api/v5/trade/account-rate-limit", 1, 1, UID),
    _Endpoint("tickers", "GET", "/api/v5/market/tickers", 20, 2, IP),
    _Endpoint("ticker", "GET", "/api/v5/market/ticker", 20, 2, IP),
    _Endpoint("books", "GET", "/api/v5/market/books", 40, 2, IP),
    _Endpoint("books_full", "GET", "/api/v5/market/books-full", 10, 2, IP),
    _Endpoint("candles", "GET", "/api/v5/market/candles", 40, 2, IP),
    _Endpoint("history_candles", "GET", "/api/v5/market/history-candles", 20, 2, IP),
    _Endpoint("instruments", "GET", "/api/v5/public/instruments", 20, 2, IP_TYPE),
    _Endpoint("funding_rate", "GET", "/api/v5/public/funding-rate", 10, 2, IP_INST),
    _Endpoint("funding_rate_history", "GET", "/api/v5/public/funding-rate-history", 10, 2, IP_INST),
    _Endpoint("mark_price", "GET", "/api/v5/public/mark-price", 10, 2, IP_INST),
    _Endpoint("time", "GET", "/api/v5/public/time", 10, 2, IP),
)
"""Every endpoint with its own limit (reference §8). ``account_rate_limit``: the documented
query; its own limit is not in the reference, 1 per second is assumed."""

SINGLE_FOR_BATCH: Mapping[str, str] = {
    "batch_orders": "place_order",
    "amend_batch_orders": "amend_order",
    "cancel_batch_orders": "cancel_order",
}
"""A batch of one order counts against the single-order endpoint."""
COUNTS_TOWARD_SUB_ACCOUNT: frozenset[str] = frozenset(
    {"place_order", "amend_order", "batch_orders", "amend_batch_orders"}
)

FILL_RATIO_TIERS: tuple[tuple[float, int], ...] = (
    (0, 1000),
    (1, 1250),
    (2, 1500),
    (3, 1750),
    (5, 2000),
    (10, 2500),
    (20, 3000),
    (50, 10000),
)
"""(lowest fill ratio, sub-account order cap per 2 s) for VIP5+ accounts."""

OTHER_CAPACITY = 5
"""Unknown endpoints share one limit of the tightest common documented value: 5 per 2 s."""


def order_cap_for_fill_ratio(fill_ratio: float) -> int:
    """The sub-account order cap per 2 s for a (VIP5+) fill ratio."""
    cap = FILL_RATIO_TIERS[0][1]
    for lowest, value in FILL_RATIO_TIERS:
        if fill_ratio >= lowest:
            cap = value
    return cap


def instrument_key(inst_id: str) -> str:
    """The instrument a per-instrument limit is keyed on: the instId, or for options
    (``BTC-USD-250328-50000-C``) the instrument family (``BTC-USD``)."""
    parts = inst_id.split("-")
    return "-".join(parts[:2]) if len(parts) >= 5 else inst_id


def _is_spot(inst_id: str) -> bool:
    return len(inst_id.split("-")) == 2


def _orders(request: Request) -> list[Mapping[str, Any]]:
    if isinstance(request.body, list):
        return [o for o in request.body if isinstance(o, Mapping)]
    if isinstance(request.body, Mapping):
        return [request.body]
    return [request.params] if request.params else []


def _inst_ids(request: Request) -> list[str]:
    ids: list[str] = []
    for order in _orders(request):
        value = order.get("instId") or order.get("instFamily")
        if isinstance(value, str) and value:
            ids.append(value)
    return ids


def _cost_for(endpoint: _Endpoint) -> Callable[[Request], Mapping[str, float]]:
    def cost(request: Request) -> Mapping[str, float]:
        name = endpoint.limit
        orders = _orders(request)
        n = max(1, len(orders)) if name in SINGLE_FOR_BATCH else 1
        if name in SINGLE_FOR_BATCH and n == 1:
            name = SINGLE_FOR_BATCH[name]
        out: dict[str, float] = {name: n}
        if endpoint.limit in COUNTS_TOWARD_SUB_ACCOUNT:
            ids = _inst_ids(request)
            counted = sum(1 for i in ids if not _is_spot(i)) + (n - len(ids) if len(ids) < n else 0)
            if counted:
                out["sub_account_orders"] = counted
        return out

    return cost


def _scope(request: Request) -> Mapping[str, str]:
    out: dict[str, str] = {}
    ids = _inst_ids(request)
    if ids:
        # A batch across instruments is charged in full to its most frequent instrument.
        keys = [instrument_key(i) for i in ids]
        out["instrument"] = max(set(keys), key=keys.count)
    for field, dimension in (("instType", "inst_type"), ("tag", "tag")):
        value = request.field(field)
        if isinstance(value, str) and value:
            out[dimension] = value
    return out


def _limits(order_cap: int) -> list[Limit]:
    limits = [
        Limit(
            e.limit,
            e.capacity,
            e.period,
            scope=e.scope,
            source=SRC + f" — {e.method} {e.path}: {e.capacity} per {e.period:g} s",
        )
        for e in ENDPOINTS
    ]
    limits.append(Limit("sub_account_orders", order_cap, 2, scope="account", source=SRC_SUB))
    limits.append(
        Limit(
            "other",
            OTHER_CAPACITY,
            2,
            scope="account",
            source=SRC + " — assumed for endpoints without a rule: the tightest common value, 5 per 2 s",
        )
    )
    return limits


def _rules() -> list[Rule]:
    return [
        Rule(
            e.method,
            e.path,
            _cost_for(e),
            kind="action" if e.kind == "action" else "read",
            source=SRC + (("; " + SRC_SUB) if e.limit in COUNTS_TOWARD_SUB_ACCOUNT else ""),
            scope=_scope,
            primary=e.limit,
            idempotent=True if e.limit == "cancel_all_after" else None,
        )
        for e in ENDPOINTS
    ]


DEFAULT_RULE = Rule(
    "*",
    "/*",
    {"other": 1},
    name="(unknown endpoint)",
    source=SRC + " — unknown endpoints share the 'other' limit",
    primary="other",
    idempotent=False,
)

RATE_CODES: Mapping[str, str] = {
    "50011": "rate limit reached",
    "50040": "too frequent operations",
    "50061": "sub-account order rate limit",
}


def _codes(body: object) -> list[str]:
    codes: list[str] = []
    if isinstance(body, Mapping):
        code = body.get("code")
        if code is not None:
            codes.append(str(code))
        data = body.get("data")
        if isinstance(data, list):
            codes.extend(str(item.get("sCode")) for item in data if isinstance(item, Mapping) and item.get("sCode"))
    return codes


def _parse(fb: Feedback) -> list[Observation]:
    codes = [c for c in _codes(fb.body) if c in RATE_CODES]
    if not codes and fb.status != 429:
        return []
    out: list[Observation] = []
    wait = retry_after(fb)
    primary = fb.request.primary if fb.request is not None else None
    limits = fb.venue.limits
    if "50061" in codes:
        limit = limits["sub_account_orders"]
        out.append(block(limit.name, wait if wait is not None else limit.period, "50061 " + RATE_CODES["50061"]))
    throttled = "50011" in codes or "50040" in codes or (fb.status == 429 and not codes)
    if throttled and primary is not None and primary in limits:
        limit = limits[primary]
        code = next((c for c in codes if c != "50061"), "HTTP 429")
        out.append(
            block(limit.name, wait if wait is not None else limit.period, f"{code} {RATE_CODES.get(code, '')}".strip())
        )
    return out


def build(*, fill_ratio: float | None = None) -> Venue:
    """OKX. ``fill_ratio`` (VIP5+): sets the sub-account order cap from the fill-ratio tiers."""
    cap = 1000 if fill_ratio is None else order_cap_for_fill_ratio(fill_ratio)
    return Venue(
        name="okx",
        limits=by_name(_limits(cap)),
        rules=Rules(_rules()),
        default=DEFAULT_RULE,
        urls={"mainnet": "https://www.okx.com", "demo": "https://www.okx.com"},
        parser=_parse,
        source=SRC,
        options={"fill_ratio": fill_ratio},
    )


OPTIONS: frozenset[str] = frozenset({"fill_ratio"})
