"""KuCoin (classic spot/margin API on api.kucoin.com): resource pools per 30 s by VIP level,
a weight per endpoint, ``gw-ratelimit-*`` headers, HTTP 429 with code 429000.

Numbers: https://www.kucoin.com/docs-new/rate-limit (pools) and the endpoints' declared pool and
weight (summarised per endpoint in the XChange KucoinRateLimitPolicy, retrieved 2026-10-06).
"""

from __future__ import annotations

from collections.abc import Mapping

from .._limits import Limit, Observation
from ._model import Feedback, Request, Rule, Rules, Venue, by_name
from ._signals import block, header_number, json_code, retry_after, source

__all__ = ["OPTIONS", "POOLS_BY_VIP", "build"]

SRC_POOLS = source(
    "https://www.kucoin.com/docs-new/rate-limit",
    "VIP table of resource pools per 30 s; coincise copy scraped 2025-11; the newer classic page's text "
    "says 1 s while its table says 30 s: 30 s used",
)
SRC_WEIGHTS = source(
    "https://www.kucoin.com/docs-new/rest/",
    "each endpoint's x-api-rate-limit-pool / -weight, as tabulated in TheCookieLab/XChange "
    "KucoinRateLimitPolicy.java (retrieved 2026-10-06)",
)
SRC_RULES_EXAMPLE = source(
    "https://www.kucoin.com/docs-new/rate-limit-rule-classic",
    "worked example: adding a spot limit order (POST /api/v1/orders) weighs 2",
)

POOLS_BY_VIP: Mapping[int, tuple[int, int, int, int, int, int]] = {
    0: (4000, 2000, 2000, 2000, 2000, 2000),
    1: (6000, 2000, 2000, 2000, 2000, 2000),
    2: (8000, 4000, 4000, 2000, 2000, 2000),
    3: (10000, 5000, 5000, 2000, 2000, 2000),
    4: (13000, 6000, 6000, 2000, 2000, 2000),
    5: (16000, 7000, 7000, 2000, 2000, 2000),
    6: (20000, 8000, 8000, 2000, 2000, 2000),
    7: (23000, 10000, 10000, 2000, 2000, 2000),
    8: (26000, 12000, 12000, 2000, 2000, 2000),
    9: (30000, 14000, 14000, 2000, 2000, 2000),
    10: (33000, 16000, 16000, 2000, 2000, 2000),
    11: (36000, 18000, 18000, 2000, 2000, 2000),
    12: (40000, 20000, 20000, 2000, 2000, 2000),
}
"""Quota per 30 s: (spot incl. margin, futures, management, earn, copytrading, public)."""
POOL_NAMES: tuple[str, ...] = ("spot", "futures", "management", "earn", "copytrading", "public")
WINDOW = 30.0
OVERLOAD_BACKOFF = 1.0
"""429000 without gw-ratelimit headers is server overload (not counted against the quota):
back off one second."""

# (pool, method, path, weight, kind)
ENDPOINTS: tuple[tuple[str, str, str, int, str], ...] = (
    ("management", "GET", "/api/v1/accounts", 5, "read"),
    ("management", "POST", "/api/v1/accounts", 5, "action"),
    ("management", "GET", "/api/v1/accounts/ledgers", 2, "read"),
    ("management", "GET", "/api/v1/accounts/{accountId}", 5, "read"),
    ("management", "POST", "/api/v2/accounts/inner-transfer", 10, "action"),
    ("management", "GET", "/api/v1/deposits", 5, "read"),
    ("management", "POST", "/api/v1/deposit-addresses", 20, "action"),
    ("management", "GET", "/api/v1/deposit-addresses", 5, "read"),
    ("management", "GET", "/api/v2/deposit-addresses", 5, "read"),
    ("management", "POST", "/api/v1/withdrawals", 5, "action"),
    ("management", "GET", "/api/v1/withdrawals", 20, "read"),
    ("earn", "GET", "/api/v1/earn/hold-assets", 5, "read"),
    ("spot", "GET", "/api/v1/fills", 10, "read"),
    ("spot", "GET", "/api/v1/limit/orders", 3, "read"),
    ("spot", "POST", "/api/v1/hf/orders", 1, "action"),
    ("spot", "POST", "/api/v1/stop-order", 1, "action"),
    ("spot", "DELETE", "/api/v1/orders/{orderId}", 3, "action"),
    ("spot", "DELETE", "/api/v1/orders", 20, "action"),
    ("spot", "GET", "/api/v1/orders/{orderId}", 2, "read"),
    ("spot", "GET", "/api/v1/orders", 2, "read"),
    ("spot", "GET", "/api/v1/base-fee", 3, "read"),
    ("spot", "GET", "/api/v1/trade-fees", 3, "read"),
    ("spot", "GET", "/api/v3/market/orderbook/level2", 3, "read"),
    ("spot", "POST", "/api/v1/bullet-private", 10, "read"),
    ("public", "GET", "/api/v1/market/histories", 3, "read"),
    ("public", "GET", "/api/v1/market/candles", 3, "read"),
    ("public", "GET", "/api/v1/market/orderbook/level2_20", 2, "read"),
    ("public", "GET", "/api/v1/market/orderbook/level2_100", 2, "read"),
    ("public", "GET", "/api/v1/market/orderbook/level1", 2, "read"),
    ("public", "GET", "/api/v1/market/allTickers", 15, "read"),
    ("public", "GET", "/api/v1/market/stats", 15, "read"),
    ("public", "GET", "/api/v1/symbols", 4, "read"),
    ("public", "GET", "/api/v2/symbols", 4, "read"),
    ("public", "GET", "/api/v3/currencies", 3, "read"),
    ("public", "GET", "/api/v1/prices", 3, "read"),
    ("public", "GET", "/api/v1/timestamp", 3, "read"),
    ("public", "POST", "/api/v1/bullet-public", 10, "read"),
)


def _rules() -> list[Rule]:
    rules = [
        Rule(
            "POST",
            "/api/v1/orders",
            {"spot": 2},
            kind="action",
            source=SRC_RULES_EXAMPLE,
            primary="spot",
        )
    ]
    for pool, method, path, weight, kind in ENDPOINTS:
        rules.append(
            Rule(
                method,
                path,
                {pool: weight},
                kind="action" if kind == "action" else "read",
                source=SRC_WEIGHTS,
                primary=pool,
                # WebSocket tokens create no economic state: safe to retry.
                idempotent=True if path.startswith("/api/v1/bullet") else None,
            )
        )
    return rules


DEFAULT_PUBLIC_WEIGHT = 15
DEFAULT_PRIVATE_WEIGHT = 20
"""Unknown endpoints: the heaviest documented weight of the pool they most likely use
(market data → public 15; anything else → spot 20)."""


def _unknown(request: Request) -> Mapping[str, float]:
    if "/market/" in request.path:
        return {"public": DEFAULT_PUBLIC_WEIGHT}
    return {"spot": DEFAULT_PRIVATE_WEIGHT}


def _unknown_primary(request: Request) -> str:
    return "public" if "/market/" in request.path else "spot"


DEFAULT_RULE = Rule(
    "*",
    "/*",
    _unknown,
    name="(unknown endpoint)",
    source=SRC_WEIGHTS + " — unknown endpoints: public 15 for market data, else spot 20",
    primary=_unknown_primary,
    idempotent=False,
)


def _parse(fb: Feedback) -> list[Observation]:
    out: list[Observation] = []
    pool = fb.request.primary if fb.request is not None else None
    cap = header_number(fb, "gw-ratelimit-limit")
    remaining = header_number(fb, "gw-ratelimit-remaining")
    reset_ms = header_number(fb, "gw-ratelimit-reset")
    reset = reset_ms / 1000.0 if reset_ms is not None else None
    has_headers = cap is not None or remaining is not None
    if pool in fb.venue.limits and has_headers:
        out.append(Observation(str(pool), remaining=remaining, cap=cap, reset_after=reset, reason="gw-ratelimit"))
    limited = fb.status == 429 or json_code(fb.body, "code") == "429000"
    if limited and pool in fb.venue.limits:
        if has_headers:
            wait = retry_after(fb) or reset or fb.venue.limits[str(pool)].period
            out.append(block(str(pool), wait, "429000 pool exhausted"))
        else:
            out.append(block(str(pool), retry_after(fb) or OVERLOAD_BACKOFF, "429000 server overload"))
    return out


def build(*, vip: int = 0) -> Venue:
    """KuCoin classic API. ``vip``: 0-12, the account's VIP level (pool sizes)."""
    if isinstance(vip, bool) or vip not in POOLS_BY_VIP:
        raise ValueError(f"kucoin: vip must be an int 0..12, got {vip!r}")
    quotas = dict(zip(POOL_NAMES, POOLS_BY_VIP[vip], strict=True))
    limits = [
        Limit(
            name,
            quotas[name],
            WINDOW,
            scope="ip" if name == "public" else "account",
            source=SRC_POOLS + f" — {name} pool at VIP {vip}: {quotas[name]} per 30 s",
        )
        for name in ("spot", "management", "earn", "public")
    ]
    return Venue(
        name="kucoin",
        limits=by_name(limits),
        rules=Rules(_rules()),
        default=DEFAULT_RULE,
        urls={"mainnet": "https://api.kucoin.com"},
        parser=_parse,
        source=SRC_POOLS,
        options={"vip": vip},
    )


OPTIONS: frozenset[str] = frozenset({"vip"})
