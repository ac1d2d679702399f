"""Hyperliquid's documented endpoints: every info type and exchange action of the official docs.

Written from the documents, not from the rules:

* rate limits: https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/rate-limits-and-user-limits
  (every weight, the 1200 per minute per-IP budget, the address-based action limits);
* info types: the info-endpoint pages (general, perpetuals, spot);
* exchange actions: the exchange-endpoint page.

Every REST request is ``POST /info`` (body ``{"type": ...}``), ``POST /exchange`` (body
``{"action": {"type": ...}, ...}``), ``POST /explorer`` or the EVM JSON-RPC ``POST /evm``.

Info types whose weight grows with the items returned are listed with the weight a request
books before its answer is known: the base weight plus one per started block of ``per`` items
in the largest answer the docs allow (userFills: at most 2000 fills; time-range answers: at
most 500 elements; no documented bound: the largest bound of the family, 2000). The answer
then settles the charge to the real count; each such entry says so in ``note``.
"""

from __future__ import annotations

import math
from typing import Any

from .._coverage import Documented, Pool

__all__ = ["TABLE"]

RL = "https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/rate-limits-and-user-limits"
INFO = "https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint"
PERP = INFO + "/perpetuals"
SPOT = INFO + "/spot"
EXCHANGE = "https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/exchange-endpoint"

ADDR = "0x00000000000000000000000000000000000000aa"

Q_BUDGET = "REST requests share an aggregated weight limit of 1200 per minute (per IP address)"
Q_LIGHT = (
    "The following info requests have weight 2: l2Book, allMids, clearinghouseState, orderStatus, "
    "spotClearinghouseState, exchangeStatus"
)
Q_ROLE = "The following info requests have weight 60: userRole"
Q_OTHER = "All other documented info requests have weight 20"
Q_PER20 = (
    "additional rate limit weight per 20 items returned in the response: recentTrades, historicalOrders, "
    "userFills, userFillsByTime, fundingHistory, userFunding, nonUserFundingUpdates, twapHistory, "
    "userTwapSliceFills, userTwapSliceFillsByTime, delegatorHistory, delegatorRewards, validatorStats"
)
Q_PER60 = "The candleSnapshot info endpoint has an additional rate limit weight per 60 items returned"
Q_EXCHANGE = (
    "All documented exchange API requests have a weight of 1 + floor(batch_length / 40) ... unbatched "
    "actions have weight 1 and a batched order request of length 79 has weight 2"
)
Q_ADDRESS = (
    "1 request per 1 USDC traded cumulatively since address inception ... initial buffer of 10000 requests. "
    "When rate limited, an address is allowed one request every 10 seconds"
)
Q_CANCELS = "Cancels have cumulative limit min(limit + 100000, limit * 2) where limit is the default limit"
Q_BATCH = "A batched request with n orders (or cancels) is treated as one request for IP based rate limiting, but as n"
Q_EXPLORER = "All explorer API requests have a weight of 40"
Q_EVM = "Maximum of 100 EVM JSON-RPC requests per minute for rpc.hyperliquid.xyz/evm"

ADDRESS_BUFFER = 10_000
"""Each address starts with 10000 requests; the table is for a fresh address (no volume yet)."""
CANCEL_CAP = min(ADDRESS_BUFFER + 100_000, ADDRESS_BUFFER * 2)


def ip(weight: float) -> Pool:
    """``weight`` of the 1200 per minute per-IP REST budget."""
    return Pool(weight, 1200, 60, "ip", limit="ip_weight")


def info(
    section: str,
    source: str,
    info_type: str,
    weight: float,
    quote: str,
    note: str = "",
    **fields: Any,
) -> Documented:
    body: dict[str, Any] = {"type": info_type, **fields}
    return Documented(section, "POST", "/info", (ip(weight),), source, quote, body=body, note=note)


def per_items(base: int, bound: int, per: int) -> int:
    """The weight booked before the answer: base + one per started block of ``per`` items."""
    return base + math.ceil(bound / per)


def _note(bound: int, per: int, why: str) -> str:
    return (
        f"weight for an answer-less request: 20 + ceil({bound}/{per}) ({why}); "
        "settled to the items the answer really holds"
    )


FILLS_BOUND = 2000
"""userFills: "at most 2000 most recent fills"; userFillsByTime: "at most 2000 fills per response"."""
RANGE_BOUND = 500
"""info-endpoint pagination: "Responses that take a time range will only return 500 elements"."""
HISTORY_NOTE = _note(FILLS_BOUND, 20, "no bound documented: the family's largest, 2000")

GENERAL: tuple[Documented, ...] = (
    info("info", INFO, "allMids", 2, Q_LIGHT),
    info("info", INFO, "openOrders", 20, Q_OTHER, user=ADDR),
    info("info", INFO, "frontendOpenOrders", 20, Q_OTHER, user=ADDR),
    info(
        "info",
        INFO,
        "userFills",
        per_items(20, FILLS_BOUND, 20),
        Q_PER20,
        _note(FILLS_BOUND, 20, "info page: at most 2000 most recent fills"),
        user=ADDR,
    ),
    info(
        "info",
        INFO,
        "userFillsByTime",
        per_items(20, FILLS_BOUND, 20),
        Q_PER20,
        _note(FILLS_BOUND, 20, "info page: at most 2000 fills per response"),
        user=ADDR,
        startTime=0,
    ),
    info("info", INFO, "userRateLimit", 20, Q_OTHER, user=ADDR),
    info("info", INFO, "orderStatus", 2, Q_LIGHT, user=ADDR, oid=1),
    info("info", INFO, "l2Book", 2, Q_LIGHT, coin="BTC"),
    info(
        "info",
        INFO,
        "candleSnapshot",
        20 + 1,
        Q_PER60,
        "60 one-hour candles asked for (startTime 0 to 59 h): 20 + 60/60",
        req={"coin": "BTC", "interval": "1h", "startTime": 0, "endTime": 59 * 3_600_000},
    ),
    info(
        "info",
        INFO,
        "candleSnapshot",
        20 + math.ceil(5000 / 60),
        Q_PER60,
        "a range beyond the 5000 available candles (info page: only the most recent 5000 candles): 20 + ceil(5000/60)",
        req={"coin": "BTC", "interval": "1m", "startTime": 0, "endTime": 10**12},
    ),
    info("info", INFO, "maxBuilderFee", 20, Q_OTHER, user=ADDR, builder=ADDR),
    info("info", INFO, "historicalOrders", per_items(20, FILLS_BOUND, 20), Q_PER20, HISTORY_NOTE, user=ADDR),
    info("info", INFO, "userTwapSliceFills", per_items(20, FILLS_BOUND, 20), Q_PER20, HISTORY_NOTE, user=ADDR),
    info("info", INFO, "subAccounts", 20, Q_OTHER, user=ADDR),
    info("info", INFO, "vaultDetails", 20, Q_OTHER, vaultAddress=ADDR),
    info("info", INFO, "userVaultEquities", 20, Q_OTHER, user=ADDR),
    info("info", INFO, "userRole", 60, Q_ROLE, user=ADDR),
    info("info", INFO, "portfolio", 20, Q_OTHER, user=ADDR),
    info("info", INFO, "referral", 20, Q_OTHER, user=ADDR),
    info("info", INFO, "userFees", 20, Q_OTHER, user=ADDR),
    info("info", INFO, "delegations", 20, Q_OTHER, user=ADDR),
    info("info", INFO, "delegatorSummary", 20, Q_OTHER, user=ADDR),
    info("info", INFO, "delegatorHistory", per_items(20, FILLS_BOUND, 20), Q_PER20, HISTORY_NOTE, user=ADDR),
    info("info", INFO, "delegatorRewards", per_items(20, FILLS_BOUND, 20), Q_PER20, HISTORY_NOTE, user=ADDR),
    info("info", INFO, "userDexAbstraction", 20, Q_OTHER, user=ADDR),
    info("info", INFO, "alignedQuoteTokenInfo", 20, Q_OTHER, token=0),
    # Named only on the rate-limits page (weights and per-item lists), not on the info pages.
    info("info", RL, "exchangeStatus", 2, Q_LIGHT),
    info("info", RL, "recentTrades", per_items(20, FILLS_BOUND, 20), Q_PER20, HISTORY_NOTE, coin="BTC"),
    info("info", RL, "twapHistory", per_items(20, FILLS_BOUND, 20), Q_PER20, HISTORY_NOTE, user=ADDR),
    info(
        "info",
        RL,
        "userTwapSliceFillsByTime",
        per_items(20, FILLS_BOUND, 20),
        Q_PER20,
        HISTORY_NOTE,
        user=ADDR,
        startTime=0,
    ),
    info("info", RL, "validatorStats", per_items(20, FILLS_BOUND, 20), Q_PER20, HISTORY_NOTE, validator=ADDR),
    info(
        "info",
        RL,
        "nonUserFundingUpdates",
        per_items(20, RANGE_BOUND, 20),
        Q_PER20,
        _note(RANGE_BOUND, 20, "a time-range answer holds at most 500 elements"),
        startTime=0,
    ),
)

PERPETUALS: tuple[Documented, ...] = (
    info("perpetuals", PERP, "perpDexs", 20, Q_OTHER),
    info("perpetuals", PERP, "meta", 20, Q_OTHER),
    info("perpetuals", PERP, "metaAndAssetCtxs", 20, Q_OTHER),
    info("perpetuals", PERP, "clearinghouseState", 2, Q_LIGHT, user=ADDR),
    info(
        "perpetuals",
        PERP,
        "userFunding",
        per_items(20, RANGE_BOUND, 20),
        Q_PER20,
        _note(RANGE_BOUND, 20, "a time-range answer holds at most 500 elements"),
        user=ADDR,
        startTime=0,
    ),
    info("perpetuals", PERP, "userNonFundingLedgerUpdates", 20, Q_OTHER, user=ADDR, startTime=0),
    info(
        "perpetuals",
        PERP,
        "fundingHistory",
        per_items(20, RANGE_BOUND, 20),
        Q_PER20,
        _note(RANGE_BOUND, 20, "a time-range answer holds at most 500 elements"),
        coin="BTC",
        startTime=0,
    ),
    info("perpetuals", PERP, "predictedFundings", 20, Q_OTHER),
    info("perpetuals", PERP, "perpsAtOpenInterestCap", 20, Q_OTHER),
    info("perpetuals", PERP, "perpDeployAuctionStatus", 20, Q_OTHER),
    info("perpetuals", PERP, "activeAssetData", 20, Q_OTHER, user=ADDR, coin="BTC"),
    info("perpetuals", PERP, "perpDexLimits", 20, Q_OTHER, dex="test"),
)

SPOT_INFO: tuple[Documented, ...] = (
    info("spot", SPOT, "spotMeta", 20, Q_OTHER),
    info("spot", SPOT, "spotMetaAndAssetCtxs", 20, Q_OTHER),
    info("spot", SPOT, "spotClearinghouseState", 2, Q_LIGHT, user=ADDR),
    info("spot", SPOT, "spotDeployState", 20, Q_OTHER, user=ADDR),
    info("spot", SPOT, "spotPairDeployAuctionStatus", 20, Q_OTHER),
    info("spot", SPOT, "tokenDetails", 20, Q_OTHER, tokenId="0x6d1e7cde53ba9467b783cb7c530ce054"),
)


def _address(n: int) -> Pool:
    return Pool(n, ADDRESS_BUFFER, 10, "address", limit="address_actions")


def _cancels(n: int) -> Pool:
    return Pool(n, CANCEL_CAP, 10, "address", limit="address_cancels")


CUMULATIVE_NOTE = (
    "the cancel cap min(limit + 100000, limit * 2) bounds the address's cumulative count of all actions, "
    "so every action also counts toward it"
)


def action(action_type: str, n: int = 0, field: str = "", note: str = "", **extra: Any) -> Documented:
    """One exchange action; ``n`` items in its ``field`` array (0: not a batch)."""
    body_action: dict[str, Any] = {"type": action_type, **extra}
    if field:
        body_action[field] = [{"a": 0, "o": i} for i in range(n)]
    units = max(n, 1)
    weight = 1 + n // 40
    if action_type in ("cancel", "cancelByCloid"):
        pools: tuple[Pool, ...] = (ip(weight), _cancels(units))
        quote = f"{Q_EXCHANGE}; {Q_CANCELS}; {Q_BATCH}"
        note = note or "cancels spend the cancel limit only: it is what lets cancels through once orders are limited"
    else:
        pools = (ip(weight), _address(units), _cancels(units))
        quote = f"{Q_EXCHANGE}; {Q_ADDRESS}; {Q_BATCH}"
        note = note or CUMULATIVE_NOTE
    body = {"action": body_action, "nonce": 1, "signature": {}}
    return Documented("exchange", "POST", "/exchange", pools, EXCHANGE, quote, body=body, note=note)


EXCHANGE_ACTIONS: tuple[Documented, ...] = (
    action("order", 1, "orders", grouping="na"),
    action("order", 40, "orders", note="a batch of 40 orders: IP weight 1 + floor(40/40) = 2; " + CUMULATIVE_NOTE),
    action("order", 79, "orders", note="the docs' example: 79 orders weigh 2 on the IP budget, 79 on the address"),
    action("cancel", 1, "cancels"),
    action("cancel", 3, "cancels"),
    action("cancelByCloid", 1, "cancels"),
    action("scheduleCancel", time=1_700_000_000_000),
    action("modify", oid=1, order={"a": 0}),
    action("batchModify", 2, "modifies"),
    action("updateLeverage", asset=0, isCross=True, leverage=10),
    action("updateIsolatedMargin", asset=0, isBuy=True, ntli=1),
    action("topUpIsolatedOnlyMargin", asset=0, leverage="1.0"),
    action("usdSend", destination=ADDR, amount="1"),
    action("spotSend", destination=ADDR, token="PURR:0xc4bf3f870c0e9465323c0b6ed28096c2", amount="1"),
    action("withdraw3", destination=ADDR, amount="1"),
    action("usdClassTransfer", amount="1", toPerp=True),
    action("sendAsset", destination=ADDR, sourceDex="", destinationDex="spot", token="USDC", amount="1"),
    action("cDeposit", wei=1),
    action("cWithdraw", wei=1),
    action("tokenDelegate", validator=ADDR, isUndelegate=False, wei=1),
    action("vaultTransfer", vaultAddress=ADDR, isDeposit=True, usd=1),
    action("approveAgent", agentAddress=ADDR, agentName="bot"),
    action("approveBuilderFee", maxFeeRate="0.001%", builder=ADDR),
    action("twapOrder", twap={"a": 0, "b": True, "s": "1", "r": False, "m": 10, "t": False}),
    action("twapCancel", a=0, t=1),
    action("reserveRequestWeight", weight=100),
    action("noop"),
    action("userDexAbstraction", user=ADDR, enabled=True),
    action("agentEnableDexAbstraction"),
    action("validatorL1Stream", riskFreeRate="0.04"),
)

OTHER: tuple[Documented, ...] = (
    Documented(
        "explorer",
        "POST",
        "/explorer",
        (ip(40),),
        RL,
        Q_EXPLORER,
        body={"type": "blockDetails", "height": 1},
    ),
    Documented(
        "explorer",
        "POST",
        "/explorer",
        (ip(40),),
        RL,
        Q_EXPLORER,
        body={"type": "txDetails", "hash": "0x" + "00" * 32},
    ),
    Documented(
        "evm",
        "POST",
        "/evm",
        (Pool(1, 100, 60, "ip", limit="evm_rpc"),),
        RL,
        Q_EVM,
        body={"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []},
    ),
)

TABLE: tuple[Documented, ...] = GENERAL + PERPETUALS + SPOT_INFO + EXCHANGE_ACTIONS + OTHER
