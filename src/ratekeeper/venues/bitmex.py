"""BitMEX: a token bucket of 120 requests per minute (30 unauthenticated) plus 10 per second on
order routes, ``x-ratelimit-*`` headers, 429 with ``Retry-After``, 403 bans.

Numbers: https://www.bitmex.com/app/restAPI#Limits and the BitMEX blog posts cited below.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from .._limits import Limit, Observation
from ._model import Feedback, Request, Rule, Rules, Venue, by_name
from ._signals import block, header_number, retry_after, source

__all__ = ["OPTIONS", "build"]

logger = logging.getLogger("ratekeeper.venues")

SRC_LIMITS = source(
    "https://www.bitmex.com/app/restAPI#Limits; https://blog.bitmex.com/api_announcement/updates-to-rate-limits/",
    "now 120 requests per minute on all routes when authenticated, unauthenticated limit remains 30 per minute; "
    "token bucket refilled continuously",
)
SRC_SECOND = source(
    "https://blog.bitmex.com/second-layer-rate-limits-to-improve-the-bitmex-trading-experience/",
    "Dec 2020: 10 requests/s on order-management routes (bulk routes listed there; current status unconfirmed)",
)
SRC_BAN = source(
    "https://support.bitmex.com/hc/en-gb/articles/6205535588125",
    "banned clients get HTTP 403; wait at least one hour",
)

BAN_SECONDS = 3600.0
"""A 403 ban lasts at least one hour (support article); repeat bans are longer."""
OVERLOAD_SECONDS = 0.5
"""REST guide: on 503 "overloaded" retry after at least 500 ms."""
_BAN_WORDS = re.compile(r"ban|rate ?limit|too many", re.IGNORECASE)

ORDER_ROUTES: tuple[tuple[str, str], ...] = (
    ("POST", "/api/v1/order"),
    ("PUT", "/api/v1/order"),
    ("DELETE", "/api/v1/order"),
    ("DELETE", "/api/v1/order/all"),
    ("POST", "/api/v1/order/bulk"),
    ("PUT", "/api/v1/order/bulk"),
    ("POST", "/api/v1/position/isolate"),
    ("POST", "/api/v1/position/leverage"),
    ("POST", "/api/v1/position/transferMargin"),
)
"""Routes under the 10 per second second layer ("Updates to Rate Limits": "Second layer burst rate
limits for specific routes will remain unchanged at a rate of 10 requests per second"; the routes:
the Dec 2020 post). The bulk routes are in that post but no longer in the API explorer; kept so a
client that still sends them is charged safely."""

SRC_ROUTES = source(
    "https://www.bitmex.com/api/explorer/swagger.json",
    "every /api/v1 route of the API explorer (public copy: BitMEX/api-connectors swagger.json, 2024-05-28)",
)

READ_ROUTES: tuple[str, ...] = (
    # public market data
    "/api/v1/announcement",
    "/api/v1/chat",
    "/api/v1/chat/channels",
    "/api/v1/chat/connected",
    "/api/v1/chat/pinned",
    "/api/v1/funding",
    "/api/v1/guild",
    "/api/v1/instrument",
    "/api/v1/instrument/active",
    "/api/v1/instrument/activeAndIndices",
    "/api/v1/instrument/activeIntervals",
    "/api/v1/instrument/compositeIndex",
    "/api/v1/instrument/indices",
    "/api/v1/instrument/usdVolume",
    "/api/v1/insurance",
    "/api/v1/leaderboard",
    "/api/v1/liquidation",
    "/api/v1/orderBook/L2",
    "/api/v1/porl/snapshots",
    "/api/v1/quote",
    "/api/v1/quote/bucketed",
    "/api/v1/schema",
    "/api/v1/schema/websocketHelp",
    "/api/v1/settlement",
    "/api/v1/stats",
    "/api/v1/stats/history",
    "/api/v1/stats/historyUSD",
    "/api/v1/trade",
    "/api/v1/trade/bucketed",
    "/api/v1/user/checkReferralCode",
    "/api/v1/user/staking/tiers",
    "/api/v1/wallet/assets",
    "/api/v1/wallet/networks",
    # account reads
    "/api/v1/address",
    "/api/v1/announcement/urgent",
    "/api/v1/apiKey",
    "/api/v1/execution",
    "/api/v1/execution/tradeHistory",
    "/api/v1/globalNotification",
    "/api/v1/leaderboard/name",
    "/api/v1/order",
    "/api/v1/porl/nonce",
    "/api/v1/position",
    "/api/v1/user",
    "/api/v1/user/affiliateStatus",
    "/api/v1/user/commission",
    "/api/v1/user/csa",
    "/api/v1/user/depositAddress",
    "/api/v1/user/depositAddressInformation",
    "/api/v1/user/executionHistory",
    "/api/v1/user/getWalletTransferAccounts",
    "/api/v1/user/margin",
    "/api/v1/user/quoteFillRatio",
    "/api/v1/user/quoteValueRatio",
    "/api/v1/user/staking",
    "/api/v1/user/staking/instruments",
    "/api/v1/user/tradingVolume",
    "/api/v1/user/unstakingRequests",
    "/api/v1/user/wallet",
    "/api/v1/user/walletHistory",
    "/api/v1/user/walletSummary",
    "/api/v1/userAffiliates",
    "/api/v1/userEvent",
)
"""Every documented GET route: one request of the general budget."""

OTHER_ACTIONS: tuple[tuple[str, str, bool], ...] = (
    ("POST", "/api/v1/order/cancelAllAfter", True),
    ("POST", "/api/v1/order/closePosition", False),
    ("POST", "/api/v1/position/riskLimit", False),
    ("POST", "/api/v1/chat", False),
    ("POST", "/api/v1/address", False),
    ("POST", "/api/v1/guild", False),
    ("PUT", "/api/v1/guild", True),
    ("POST", "/api/v1/guild/archive", False),
    ("POST", "/api/v1/guild/join", False),
    ("POST", "/api/v1/guild/kick", False),
    ("POST", "/api/v1/guild/leave", False),
    ("POST", "/api/v1/guild/shareTrades", True),
    ("POST", "/api/v1/user/addSubaccount", False),
    ("POST", "/api/v1/user/cancelWithdrawal", False),
    ("POST", "/api/v1/user/communicationToken", True),
    ("POST", "/api/v1/user/confirmEmail", False),
    ("POST", "/api/v1/user/confirmWithdrawal", False),
    ("POST", "/api/v1/user/logout", True),
    ("POST", "/api/v1/user/preferences", True),
    ("POST", "/api/v1/user/requestWithdrawal", False),
    ("POST", "/api/v1/user/unstakingRequests", False),
    ("DELETE", "/api/v1/user/unstakingRequests", False),
    ("POST", "/api/v1/user/updateSubaccount", True),
    ("DELETE", "/api/v1/user/withdrawal", False),
    ("POST", "/api/v1/user/walletTransfer", False),
)
"""Documented writes outside the second layer (method, path, idempotent): one request each."""


def _rules() -> list[Rule]:
    rules = [
        Rule(
            m,
            p,
            {"requests": 1, "orders_1s": 1},
            kind="action",
            source=SRC_LIMITS + "; " + SRC_SECOND,
            primary="requests",
            note="a bulk request counts as one",
        )
        for m, p in ORDER_ROUTES
    ]
    rules += [
        Rule("GET", p, {"requests": 1}, source=SRC_LIMITS + "; " + SRC_ROUTES, primary="requests") for p in READ_ROUTES
    ]
    rules += [
        Rule(
            m,
            p,
            {"requests": 1},
            kind="action",
            idempotent=idem,
            source=SRC_LIMITS + "; " + SRC_ROUTES,
            primary="requests",
        )
        for m, p, idem in OTHER_ACTIONS
    ]
    return rules


def _unknown(request: Request) -> Mapping[str, float]:
    # Every route costs one request; an unknown write might be an order route: charge both.
    if request.method in ("GET", "HEAD"):
        return {"requests": 1}
    return {"requests": 1, "orders_1s": 1}


DEFAULT_RULE = Rule(
    "*",
    "/*",
    _unknown,
    name="(unknown endpoint)",
    source=SRC_LIMITS + " — every route costs 1; unknown writes also charge the order layer",
    primary="requests",
    idempotent=False,
)


def _parse(fb: Feedback) -> list[Observation]:
    out: list[Observation] = []
    limit = header_number(fb, "x-ratelimit-limit")
    remaining = header_number(fb, "x-ratelimit-remaining")
    reset = header_number(fb, "x-ratelimit-reset")
    reset_after = None
    if reset is not None:
        if reset < 1e9 or reset > 1e11:
            logger.warning("ratekeeper: %s sent x-ratelimit-reset=%r, not UNIX seconds; ignored", fb.venue.name, reset)
        else:
            reset_after = max(0.0, reset - fb.now)
    if remaining is not None or limit is not None:
        out.append(
            Observation("requests", remaining=remaining, cap=limit, reset_after=reset_after, reason="x-ratelimit")
        )
    remaining_1s = header_number(fb, "x-ratelimit-remaining-1s")
    if remaining_1s is not None:
        out.append(Observation("orders_1s", remaining=remaining_1s, reason="x-ratelimit-remaining-1s"))

    if fb.status == 429:
        wait = retry_after(fb)
        target = "orders_1s" if remaining_1s == 0 else "requests"
        if wait is None:
            wait = reset_after if reset_after is not None else fb.venue.limits[target].period
        out.append(block(target, wait, "HTTP 429"))
    elif fb.status == 403 and _BAN_WORDS.search(_message(fb.body)):
        wait = retry_after(fb) or BAN_SECONDS
        out.extend(block(name, wait, "HTTP 403 ban") for name in fb.venue.limits)
    elif fb.status == 503:
        out.append(block("requests", retry_after(fb) or OVERLOAD_SECONDS, "HTTP 503 overloaded"))
    return out


def _message(body: object) -> str:
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping):
            return f"{error.get('message', '')} {error.get('name', '')}"
        return str(body.get("message", ""))
    return body if isinstance(body, str) else ""


def build(*, authenticated: bool = True) -> Venue:
    """BitMEX. ``authenticated=False``: the 30 per minute per-IP bucket of anonymous clients."""
    if authenticated:
        requests = Limit("requests", 120, 60, algorithm="token", scope="account", source=SRC_LIMITS)
    else:
        requests = Limit("requests", 30, 60, algorithm="token", scope="ip", source=SRC_LIMITS)
    return Venue(
        name="bitmex",
        limits=by_name([requests, Limit("orders_1s", 10, 1, algorithm="token", scope="account", source=SRC_SECOND)]),
        rules=Rules(_rules()),
        default=DEFAULT_RULE,
        urls={"mainnet": "https://www.bitmex.com", "testnet": "https://testnet.bitmex.com"},
        parser=_parse,
        source=SRC_LIMITS,
        options={"authenticated": authenticated},
    )


OPTIONS: frozenset[str] = frozenset({"authenticated"})
