"""Hyperliquid: per-IP REST weight, per-address action quota, WebSocket and EVM RPC limits.

Numbers: https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/rate-limits-and-user-limits
and the public testnet probes cited on the limits below.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from typing import Any

from .._limits import Limit, Observation
from ._model import CostFn, Feedback, InvalidRequest, Request, Response, Rule, Rules, SettleFn, Venue, Weighed, by_name
from ._signals import block, json_code, retry_after, source

__all__ = [
    "CANCEL_ACTIONS",
    "INFO_WEIGHTS",
    "ITEM_ESTIMATES",
    "ITEMS_PER_WEIGHT",
    "MAX_BATCH",
    "WS_LEASE",
    "build",
    "cancel_cap",
    "user_rate_limit_observations",
]

logger = logging.getLogger("ratekeeper.venues")

DOCS = "https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/rate-limits-and-user-limits"
SRC = source(DOCS, "page text of late 2025")
SRC_PROBE = source(
    "https://github.com/MarcosACH/tickwright docs/research/hyperliquid-rate-limit-window-probe.md",
    "testnet probes 2026-10-06/08",
)
SRC_INFO_PAGE = source(
    "https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint",
    "response bounds",
)

DEFAULT_INFO_WEIGHT = 20
"""Every documented info type not listed below, and undocumented ones (issue 4)."""

INFO_WEIGHTS: Mapping[str, int] = {
    "l2Book": 2,
    "allMids": 2,
    "clearinghouseState": 2,
    "orderStatus": 2,
    "spotClearinghouseState": 2,
    "exchangeStatus": 2,
    "userRole": 60,
}
"""Info types whose weight is not the default 20 (rate-limits page)."""

DOCUMENTED_INFO_TYPES: tuple[str, ...] = (
    "meta",
    "spotMeta",
    "metaAndAssetCtxs",
    "spotMetaAndAssetCtxs",
    "openOrders",
    "frontendOpenOrders",
    "userRateLimit",
    "candleSnapshot",
    "userFills",
    "userFillsByTime",
    "historicalOrders",
    "recentTrades",
    "fundingHistory",
    "userFunding",
    "nonUserFundingUpdates",
    "userNonFundingLedgerUpdates",
    "predictedFundings",
    "perpsAtOpenInterestCap",
    "perpDexs",
    "userFees",
    "referral",
    "subAccounts",
    "vaultDetails",
    "userVaultEquities",
    "portfolio",
    "delegations",
    "delegatorSummary",
    "delegatorHistory",
    "delegatorRewards",
    "validatorStats",
    "twapHistory",
    "userTwapSliceFills",
    "userTwapSliceFillsByTime",
    "maxBuilderFee",
    "activeAssetData",
    "tokenDetails",
    "spotDeployState",
    "extraAgents",
    "leadingVaults",
    "userToMultiSigSigners",
    "userDexAbstraction",
    "alignedQuoteTokenInfo",
    "perpDeployAuctionStatus",
    "perpDexLimits",
    "spotPairDeployAuctionStatus",
)
"""Documented info types at the default weight (20): listed so they are not reported unknown
(info-endpoint pages: general, perpetuals, spot)."""

ITEMS_PER_WEIGHT: Mapping[str, int] = {
    "recentTrades": 20,
    "historicalOrders": 20,
    "userFills": 20,
    "userFillsByTime": 20,
    "fundingHistory": 20,
    "userFunding": 20,
    "nonUserFundingUpdates": 20,
    "twapHistory": 20,
    "userTwapSliceFills": 20,
    "userTwapSliceFillsByTime": 20,
    "delegatorHistory": 20,
    "delegatorRewards": 20,
    "validatorStats": 20,
    "candleSnapshot": 60,
}
"""Info types that cost one extra weight per N items returned (rate-limits page)."""

ITEM_ESTIMATES: Mapping[str, int] = {
    "userFills": 2000,  # docs: at most the 2000 most recent fills
    "userFillsByTime": 2000,  # docs: at most 2000 fills per response
    "fundingHistory": 500,  # time-range responses return at most 500 elements (third-party note)
    "userFunding": 500,
    "nonUserFundingUpdates": 500,
}
"""The documented bound on the items of the per-item info types (other than candleSnapshot,
estimated from its time range). Types not listed assume :data:`DEFAULT_ITEM_ESTIMATE`. It
is what a request books when nothing better is known: the integrations learn the real
counts from the answers (:class:`~ratekeeper.venues.Estimates`) and book those instead; the
booking is settled to the real count when the response arrives."""

DEFAULT_ITEM_ESTIMATE = 2000
"""No documented bound: assume the largest bound documented for any per-item type."""

CANDLE_CAP = 5000
"""Only the most recent 5000 candles are available (info endpoint page)."""

CANDLE_INTERVALS_MS: Mapping[str, int] = {
    "1m": 60_000,
    "3m": 180_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": 3_600_000,
    "2h": 7_200_000,
    "4h": 14_400_000,
    "8h": 28_800_000,
    "12h": 43_200_000,
    "1d": 86_400_000,
    "3d": 259_200_000,
    "1w": 604_800_000,
    "1M": 2_592_000_000,
}

EXPLORER_WEIGHT = 40
BLOCK_LIST_ESTIMATE = 100
"""blockList costs 1 per block; the request format names no count we can rely on, so 100 blocks
are assumed before the response and settled with the real count."""

MAX_BATCH = 200
"""Largest batch accepted in one action: testnet probe ("Signed action over weight limit of
200."); not in the docs."""

BATCH_FIELDS: tuple[str, ...] = ("orders", "cancels", "modifies")
CANCEL_ACTIONS: frozenset[str] = frozenset({"cancel", "cancelByCloid"})
"""Actions charged to ``address_cancels`` instead of ``address_actions``."""

EXCHANGE_ACTIONS: tuple[str, ...] = (
    "order",
    "cancel",
    "cancelByCloid",
    "modify",
    "batchModify",
    "scheduleCancel",
    "twapOrder",
    "twapCancel",
    "updateLeverage",
    "updateIsolatedMargin",
    "usdSend",
    "spotSend",
    "withdraw3",
    "usdClassTransfer",
    "vaultTransfer",
    "subAccountTransfer",
    "approveAgent",
    "approveBuilderFee",
    "setReferrer",
    "reserveRequestWeight",
    "noop",
    "topUpIsolatedOnlyMargin",
    "sendAsset",
    "cDeposit",
    "cWithdraw",
    "tokenDelegate",
    "userDexAbstraction",
    "agentEnableDexAbstraction",
    "validatorL1Stream",
)
"""Documented exchange action types, one rule each (so `ratekeeper rules` lists them); any other
action type is priced by the same formula under a catch-all rule."""

ADDRESS_BUFFER = 10_000
"""Initial per-address buffer; the cap grows by 1 per USDC traded."""
ADDRESS_TRICKLE = 10.0
"""Once the quota is spent, one request per 10 s."""
WS_LEASE = 30.0
"""The lease time of the WebSocket concurrent counts (connections, subscriptions, users,
inflight posts): a holder renews within it, and the units of one that died are free again
after at most this long."""
LIMITED_MESSAGE = "too many cumulative requests"
_LIMITED_NUMBERS = re.compile(r"\((\d+)\s*>\s*(\d+)\)")

URLS: Mapping[str, str] = {
    "mainnet": "https://api.hyperliquid.xyz",
    "testnet": "https://api.hyperliquid-testnet.xyz",
    "ws_mainnet": "wss://api.hyperliquid.xyz/ws",
    "ws_testnet": "wss://api.hyperliquid-testnet.xyz/ws",
    "evm_mainnet": "https://rpc.hyperliquid.xyz/evm",
    "evm_testnet": "https://rpc.hyperliquid-testnet.xyz/evm",
    "explorer_mainnet": "https://rpc.hyperliquid.xyz/explorer",
}


def cancel_cap(address_cap: float) -> float:
    """The cumulative cancel limit for an address whose action cap is ``address_cap``."""
    return min(address_cap + 100_000, 2 * address_cap)


def _limits(address_cap: float) -> list[Limit]:
    return [
        Limit(
            "ip_weight",
            1200,
            60,
            scope="ip",
            source=SRC + " — 1200 weight per minute per IP; window type undocumented, sliding is the safe model",
        ),
        Limit(
            "address_actions",
            address_cap,
            ADDRESS_TRICKLE,
            algorithm="quota",
            scope="address",
            source=SRC + f" — {ADDRESS_BUFFER} initial buffer + 1 per USDC traded; 1 request per 10 s when exhausted; "
            "synced from info userRateLimit (nRequestsCap, nRequestsUsed)",
        ),
        Limit(
            "address_cancels",
            cancel_cap(address_cap),
            ADDRESS_TRICKLE,
            algorithm="quota",
            scope="address",
            source=SRC + " — cumulative cancel limit min(limit + 100000, 2 * limit)",
        ),
        # The WebSocket connection cap: the official rate-limits page said "Maximum of 100 websocket
        # connections" (old slug .../api/rate-limits; the copy scraped 2025-11-09 in
        # rosssaunders/coincise docs/hyperliquid/rate_limits.md still has it), while its newer text
        # at .../api/rate-limits-and-user-limits says "Maximum of 10 websocket connections" and adds
        # "Maximum of 30 new websocket connections per minute" (quoted by the guilder-client-hyperliquid
        # README on docs.rs and 2026 articles citing the official page). The newest official text
        # wins: 10. Overridable with venue("hyperliquid", ws_connections=(100, WS_LEASE)).
        Limit(
            "ws_connections",
            10,
            WS_LEASE,
            algorithm="concurrent",
            scope="ip",
            source=SRC + " — at most 10 simultaneous connections (newest text; older text said 100: see the "
            "comment above) (a concurrent count, held by leases; the period is the lease time)",
        ),
        Limit("ws_new_connections", 30, 60, scope="ip", source=SRC + " — 30 new connections per minute"),
        Limit(
            "ws_subscriptions",
            1000,
            WS_LEASE,
            algorithm="concurrent",
            scope="ip",
            source=SRC + " — at most 1000 subscriptions at once (a concurrent count, held by leases; "
            "the period is the lease time)",
        ),
        Limit(
            "ws_users",
            10,
            WS_LEASE,
            algorithm="concurrent",
            scope="ip",
            source=SRC + " — at most 10 unique users across user-specific subscriptions (a concurrent count, "
            "held by leases; the period is the lease time)",
        ),
        Limit(
            "ws_messages", 2000, 60, scope="ip", source=SRC + " — 2000 messages sent per minute across all connections"
        ),
        Limit(
            "ws_inflight_posts",
            100,
            WS_LEASE,
            algorithm="concurrent",
            scope="ip",
            source=SRC + " — at most 100 inflight post messages at once (a concurrent count, held by leases; "
            "the period is the lease time)",
        ),
        Limit(
            "evm_rpc",
            100,
            60,
            scope="ip",
            source=SRC + " — EVM JSON-RPC at rpc.hyperliquid.xyz/evm: 100 requests per minute",
        ),
    ]


# --------------------------------------------------------------------------------------------
# items returned


def count_items(body: Any) -> int | None:
    """Items in an info response: a list, or the one list inside an object; ``None`` if unknown."""
    if isinstance(body, list):
        return len(body)
    if isinstance(body, Mapping):
        for key in ("fills", "data", "items", "blocks", "orders"):
            value = body.get(key)
            if isinstance(value, list):
                return len(value)
        lists = [v for v in body.values() if isinstance(v, list)]
        if len(lists) == 1:
            return len(lists[0])
    return None


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def candle_estimate(request: Request) -> int:
    """Candles a candleSnapshot will return: its time range over its interval, at most 5000."""
    req = request.field("req")
    if not isinstance(req, Mapping):
        return CANDLE_CAP
    interval = CANDLE_INTERVALS_MS.get(str(req.get("interval")))
    start = _int(req.get("startTime"))
    end = _int(req.get("endTime"))
    if end is None:
        end = int(request.wall_now() * 1000)
    if interval is None or start is None:
        return CANDLE_CAP
    if end < start:
        return 0
    return min(CANDLE_CAP, (end - start) // interval + 1)


def _item_estimate(info_type: str, request: Request) -> int:
    if info_type == "candleSnapshot":
        return candle_estimate(request)
    return ITEM_ESTIMATES.get(info_type, DEFAULT_ITEM_ESTIMATE)


def _extra(items: int, per: int) -> int:
    # Rounding is undocumented: ceil (one more weight per started block) is the conservative one.
    return math.ceil(items / per) if items > 0 else 0


def _info_cost(info_type: str, base: int) -> CostFn:
    per = ITEMS_PER_WEIGHT.get(info_type)

    def cost(request: Request) -> Mapping[str, float]:
        if per is None:
            return {"ip_weight": base}
        return {"ip_weight": base + _extra(_item_estimate(info_type, request), per)}

    return cost


def _items_settler(info_type: str, base: int, per: int) -> SettleFn:
    def settle(weighed: Weighed, response: Response) -> Mapping[str, float] | None:
        if not 200 <= response.status < 300:
            return None  # no evidence of what was charged: keep the estimate
        items = count_items(response.body)
        if items is None:
            logger.warning("ratekeeper: hyperliquid %s response has no item list; the estimate is kept", info_type)
            return None
        return {"ip_weight": base + _extra(items, per)}

    return settle


def _user_scope(request: Request) -> Mapping[str, str]:
    user = request.field("user")
    return {"address": user.lower()} if isinstance(user, str) and user else {}


def _info_detail(request: Request) -> Mapping[str, Any]:
    detail: dict[str, Any] = {"type": request.field("type")}
    user = request.field("user")
    if isinstance(user, str):
        detail["user"] = user.lower()
    return detail


def _info_rule(info_type: str, weight: int) -> Rule:
    per = ITEMS_PER_WEIGHT.get(info_type)
    note = ""
    if per is not None:
        note = f"+1 per {per} items returned (ceil), estimated before and settled after"
    return Rule(
        "POST",
        "/info",
        _info_cost(info_type, weight),
        where={"type": info_type},
        source=SRC,
        settle=_items_settler(info_type, weight, per) if per is not None else None,
        estimate=("ip_weight",) if per is not None else (),
        base={"ip_weight": weight},
        learn=per is not None and info_type != "candleSnapshot",  # candles: counted from the range
        scope=_user_scope,
        detail=_info_detail,
        primary="ip_weight",
        note=note,
    )


# --------------------------------------------------------------------------------------------
# exchange actions


def batch_length(action: object) -> int:
    """n for one action: the length of its orders / cancels / modifies array, else 1."""
    if isinstance(action, Mapping):
        for name in BATCH_FIELDS:
            items = action.get(name)
            if isinstance(items, list):
                return len(items)
    return 1


def _exchange_cost(request: Request) -> Mapping[str, float]:
    action = request.field("action")
    action_type = action.get("type") if isinstance(action, Mapping) else None
    n = batch_length(action)
    if n > MAX_BATCH:
        raise InvalidRequest(
            f"hyperliquid: a {action_type or 'batch'} action of {n} items exceeds the maximum of "
            f"{MAX_BATCH} per action (the exchange refuses it whole); split it"
        )
    units = max(n, 1)
    cost: dict[str, float] = {"ip_weight": 1 + n // 40}
    if action_type in CANCEL_ACTIONS:
        cost["address_cancels"] = units
    else:
        # Every action raises the address's cumulative count, which the cancel cap also checks.
        cost["address_actions"] = units
        cost["address_cancels"] = units
    return cost


def _exchange_scope(request: Request) -> Mapping[str, str]:
    vault = request.field("vaultAddress")
    return {"address": vault.lower()} if isinstance(vault, str) and vault else {}


def _exchange_detail(request: Request) -> Mapping[str, Any]:
    action = request.field("action")
    action_type = action.get("type") if isinstance(action, Mapping) else None
    return {"action": action_type, "n": batch_length(action)}


def _exchange_settle(weighed: Weighed, response: Response) -> Mapping[str, float] | None:
    # Probe: an action refused as a whole costs nothing on the address limits.
    if response.status == 200 and json_code(response.body, "status") == "err":
        return {name: 0.0 for name in weighed.cost if name.startswith("address_")}
    return None


def _exchange_rule(action_type: str | None) -> Rule:
    where: dict[str, object] = {"action.type": action_type} if action_type else {}
    return Rule(
        "POST",
        "/exchange",
        _exchange_cost,
        kind="action",
        where=where,
        source=SRC + "; batch maximum and whole-refusal refunds: " + SRC_PROBE,
        scope=_exchange_scope,
        settle=_exchange_settle,
        detail=_exchange_detail,
        primary="ip_weight",
        name=f"POST /exchange action={action_type}" if action_type else "POST /exchange (other action)",
        note="ip_weight 1 + floor(n/40); address quota n (cancels: address_cancels only)",
    )


# --------------------------------------------------------------------------------------------
# explorer and EVM


def _block_list_cost(request: Request) -> Mapping[str, float]:
    for key in ("count", "limit", "n"):
        n = _int(request.field(key))
        if n is not None and n >= 0:
            return {"ip_weight": EXPLORER_WEIGHT + n}
    return {"ip_weight": EXPLORER_WEIGHT + BLOCK_LIST_ESTIMATE}


def _block_list_settle(weighed: Weighed, response: Response) -> Mapping[str, float] | None:
    if not 200 <= response.status < 300:
        return None
    blocks = count_items(response.body)
    if blocks is None:
        return None
    return {"ip_weight": EXPLORER_WEIGHT + blocks}


def _evm_cost(request: Request) -> Mapping[str, float]:
    # A JSON-RPC batch of n calls is counted as n requests (undocumented; conservative).
    return {"evm_rpc": max(1, len(request.body)) if isinstance(request.body, list) else 1}


def _rules() -> list[Rule]:
    rules: list[Rule] = []
    for info_type, weight in INFO_WEIGHTS.items():
        rules.append(_info_rule(info_type, weight))
    for info_type in DOCUMENTED_INFO_TYPES:
        rules.append(_info_rule(info_type, DEFAULT_INFO_WEIGHT))
    for action_type in EXCHANGE_ACTIONS:
        rules.append(_exchange_rule(action_type))
    rules.append(_exchange_rule(None))
    rules.append(
        Rule(
            "POST",
            "/explorer",
            _block_list_cost,
            where={"type": "blockList"},
            source=SRC + " — explorer 40, blockList +1 per block (older blocks may weigh more: unquantified)",
            settle=_block_list_settle,
            estimate=("ip_weight",),
            base={"ip_weight": EXPLORER_WEIGHT},
            primary="ip_weight",
        )
    )
    rules.append(Rule("POST", "/explorer", {"ip_weight": EXPLORER_WEIGHT}, source=SRC, primary="ip_weight"))
    rules.append(Rule("POST", "/evm", _evm_cost, source=SRC + " — 100 requests per minute per IP", primary="evm_rpc"))
    return rules


def _undocumented_info(request: Request) -> Mapping[str, float]:
    return {"ip_weight": DEFAULT_INFO_WEIGHT}


DEFAULT_RULE = Rule(
    "*",
    "/*",
    _undocumented_info,
    name="(unknown endpoint or info type)",
    source=SRC + " — undocumented info types weigh 20; any other unknown request is charged the same",
    primary="ip_weight",
    idempotent=False,
)


# --------------------------------------------------------------------------------------------
# the address quota


def _float(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        v = float(value)
    elif isinstance(value, str):
        try:
            v = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return v if math.isfinite(v) and v >= 0 else None


def user_rate_limit_observations(body: object, address: str | None = None) -> list[Observation]:
    """Observations from an info ``userRateLimit`` response.

    ``{"cumVlm": "87197.9", "nRequestsUsed": 2890, "nRequestsCap": 97197, "nRequestsSurplus": 0}``
    → ``address_actions`` with ``cap`` = nRequestsCap + nRequestsSurplus (requests bought with
    reserveRequestWeight) and ``used`` = nRequestsUsed, and ``address_cancels`` with the cancel
    cap derived from the same cap. ``address`` is the user the response is about (the scope
    value; ``None`` = the request's own scope). Malformed bodies yield ``[]`` with a warning.
    """
    if not isinstance(body, Mapping):
        logger.warning("ratekeeper: hyperliquid userRateLimit body is not an object: %r; ignored", body)
        return []
    used = _float(body.get("nRequestsUsed"))
    cap = _float(body.get("nRequestsCap"))
    surplus = _float(body.get("nRequestsSurplus")) or 0.0
    if used is None or cap is None or cap + surplus <= 0:
        logger.warning(
            "ratekeeper: hyperliquid userRateLimit body lacks valid nRequestsUsed/nRequestsCap: %r; ignored", body
        )
        return []
    scope = address.lower() if address else None
    total = cap + surplus
    reason = "userRateLimit"
    return [
        Observation("address_actions", scope=scope, used=used, cap=total, reason=reason),
        Observation("address_cancels", scope=scope, used=used, cap=cancel_cap(total), reason=reason),
    ]


# --------------------------------------------------------------------------------------------
# feedback


def _parse(fb: Feedback) -> list[Observation]:
    out: list[Observation] = []
    request = fb.request
    if fb.status == 429:
        wait = retry_after(fb)
        if wait is None:
            # No Retry-After is documented: wait one full window of the IP limit.
            wait = fb.venue.limits["ip_weight"].period
        out.append(block("ip_weight", wait, "HTTP 429"))
        return out
    body = fb.body
    if fb.status == 200 and json_code(body, "status") == "err":
        message = json_code(body, "response") or ""
        if LIMITED_MESSAGE in message.lower():
            is_cancel = request is not None and request.detail.get("action") in CANCEL_ACTIONS
            name = "address_cancels" if is_cancel else "address_actions"
            used = cap = None
            found = _LIMITED_NUMBERS.search(message)
            if found:
                used, cap = float(found.group(1)), float(found.group(2))
            wait = fb.venue.limits[name].period
            out.append(
                Observation(name, used=used, cap=cap, blocked_for=wait, reason="address limit: " + message[:120])
            )
        return out
    if (
        fb.status == 200
        and request is not None
        and request.detail.get("type") == "userRateLimit"
        and isinstance(body, Mapping)
    ):
        user = request.detail.get("user")
        out.extend(user_rate_limit_observations(body, user if isinstance(user, str) else None))
    return out


# --------------------------------------------------------------------------------------------
# the venue


def build(*, address_cap: float | None = None) -> Venue:
    """Hyperliquid. ``address_cap``: the address quota's cap (``nRequestsCap``) if known; the
    cancel cap follows it. Defaults to the 10000 initial buffer."""
    cap = float(ADDRESS_BUFFER if address_cap is None else address_cap)
    return Venue(
        name="hyperliquid",
        limits=by_name(_limits(cap)),
        rules=Rules(_rules()),
        default=DEFAULT_RULE,
        urls=URLS,
        parser=_parse,
        source=SRC,
        options={"address_cap": cap},
    )


OPTIONS: frozenset[str] = frozenset({"address_cap"})
