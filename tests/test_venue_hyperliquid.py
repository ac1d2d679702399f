"""Hyperliquid rules.

Weights: https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/rate-limits-and-user-limits
("RL" below), as collected in shared/reference/venue-rules.md §1 with the testnet probes (§1.4, §1.6).
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

import ratekeeper as rk
from ratekeeper.testing import FakeClock
from ratekeeper.venues import InvalidRequest, user_rate_limit_observations, venue
from ratekeeper.venues import hyperliquid as hl

V = venue("hyperliquid")
ADDR = "0x00000000000000000000000000000000000000aa"


def _orders(n: int) -> dict[str, Any]:
    return {"action": {"type": "order", "orders": [{"a": 0}] * n, "grouping": "na"}, "nonce": 1}


MINUTE_MS = 60_000

# (body, expected cost) — each weight as RL documents it
INFO_CASES: list[tuple[dict[str, Any], dict[str, float]]] = [
    ({"type": "l2Book", "coin": "BTC"}, {"ip_weight": 2}),  # RL: weight 2 list
    ({"type": "allMids"}, {"ip_weight": 2}),  # RL: weight 2
    ({"type": "clearinghouseState", "user": ADDR}, {"ip_weight": 2}),  # RL: weight 2
    ({"type": "orderStatus", "user": ADDR, "oid": 1}, {"ip_weight": 2}),  # RL: weight 2
    ({"type": "spotClearinghouseState", "user": ADDR}, {"ip_weight": 2}),  # RL: weight 2
    ({"type": "exchangeStatus"}, {"ip_weight": 2}),  # RL: weight 2
    ({"type": "userRole", "user": ADDR}, {"ip_weight": 60}),  # RL: userRole 60
    ({"type": "meta"}, {"ip_weight": 20}),  # RL: all other documented info requests 20
    ({"type": "metaAndAssetCtxs"}, {"ip_weight": 20}),  # RL: 20
    ({"type": "openOrders", "user": ADDR}, {"ip_weight": 20}),  # RL: 20
    ({"type": "frontendOpenOrders", "user": ADDR}, {"ip_weight": 20}),  # RL: 20
    ({"type": "userRateLimit", "user": ADDR}, {"ip_weight": 20}),  # RL: 20
    # RL: +1 per 20 items; userFills returns at most 2000 → estimate 20 + 2000/20
    ({"type": "userFills", "user": ADDR}, {"ip_weight": 120}),
    ({"type": "userFillsByTime", "user": ADDR, "startTime": 0}, {"ip_weight": 120}),  # at most 2000 per response
    ({"type": "fundingHistory", "coin": "BTC", "startTime": 0}, {"ip_weight": 45}),  # 500 per response → +25
    ({"type": "recentTrades", "coin": "BTC"}, {"ip_weight": 120}),  # no bound documented → 2000 assumed
    # RL: candleSnapshot +1 per 60 items; 100 one-minute candles → +2 (ceil)
    (
        {"type": "candleSnapshot", "req": {"coin": "BTC", "interval": "1m", "startTime": 0, "endTime": 99 * MINUTE_MS}},
        {"ip_weight": 22},
    ),
    # 60 candles exactly → +1
    (
        {"type": "candleSnapshot", "req": {"coin": "BTC", "interval": "1h", "startTime": 0, "endTime": 59 * 3_600_000}},
        {"ip_weight": 21},
    ),
    # a range beyond the 5000 available candles is capped: +ceil(5000/60) = +84
    (
        {"type": "candleSnapshot", "req": {"coin": "BTC", "interval": "1m", "startTime": 0, "endTime": 10**12}},
        {"ip_weight": 104},
    ),
    ({"type": "someFutureInfoType"}, {"ip_weight": 20}),  # issue 4: undocumented types 20
]


@pytest.mark.parametrize(("body", "expected"), INFO_CASES, ids=lambda x: str(x)[:40])
def test_info_weights(body: dict[str, Any], expected: dict[str, float]) -> None:
    assert V.cost("POST", "/info", body) == expected


EXCHANGE_CASES: list[tuple[dict[str, Any], dict[str, float]]] = [
    # RL: exchange weight 1 + floor(batch_length / 40); address limits count n per batch
    (_orders(1), {"ip_weight": 1, "address_actions": 1, "address_cancels": 1}),
    (_orders(39), {"ip_weight": 1, "address_actions": 39, "address_cancels": 39}),
    (_orders(40), {"ip_weight": 2, "address_actions": 40, "address_cancels": 40}),
    (_orders(79), {"ip_weight": 2, "address_actions": 79, "address_cancels": 79}),
    (_orders(80), {"ip_weight": 3, "address_actions": 80, "address_cancels": 80}),
    (_orders(200), {"ip_weight": 6, "address_actions": 200, "address_cancels": 200}),
    # cancels charge the (larger) cancel limit only
    ({"action": {"type": "cancel", "cancels": [{"a": 0, "o": 1}] * 10}}, {"ip_weight": 1, "address_cancels": 10}),
    ({"action": {"type": "cancelByCloid", "cancels": [{}] * 41}}, {"ip_weight": 2, "address_cancels": 41}),
    (
        {"action": {"type": "batchModify", "modifies": [{}] * 45}},
        {"ip_weight": 2, "address_actions": 45, "address_cancels": 45},
    ),
    (
        {"action": {"type": "modify", "oid": 1, "order": {}}},
        {"ip_weight": 1, "address_actions": 1, "address_cancels": 1},
    ),
    ({"action": {"type": "updateLeverage", "asset": 0}}, {"ip_weight": 1, "address_actions": 1, "address_cancels": 1}),
    ({"action": {"type": "usdSend", "amount": "1"}}, {"ip_weight": 1, "address_actions": 1, "address_cancels": 1}),
]


@pytest.mark.parametrize(("body", "expected"), EXCHANGE_CASES, ids=lambda x: str(x)[:40])
def test_exchange_weights(body: dict[str, Any], expected: dict[str, float]) -> None:
    weighed = V.weigh("POST", "/exchange", body)
    assert dict(weighed.cost) == expected
    assert weighed.kind == "action"
    assert weighed.idempotent is False


def test_other_endpoints() -> None:
    assert V.cost("POST", "/explorer", {"type": "blockDetails", "height": 1}) == {"ip_weight": 40}  # RL: explorer 40
    assert V.cost("POST", "/explorer", {"type": "txDetails", "hash": "0x"}) == {"ip_weight": 40}
    # RL: blockList +1 per block; 100 blocks assumed up front, or the count the request names
    assert V.cost("POST", "/explorer", {"type": "blockList"}) == {"ip_weight": 140}
    assert V.cost("POST", "/explorer", {"type": "blockList", "count": 10}) == {"ip_weight": 50}
    assert V.cost("POST", "/evm", {"jsonrpc": "2.0", "method": "eth_blockNumber"}) == {"evm_rpc": 1}  # 100/min
    assert V.cost("POST", "/evm", [{"method": "a"}, {"method": "b"}]) == {"evm_rpc": 2}


def test_batch_above_the_maximum_is_refused_before_sending() -> None:
    with pytest.raises(InvalidRequest, match="201 items exceeds the maximum of 200"):
        V.weigh("POST", "/exchange", _orders(201))
    with pytest.raises(ValueError):
        V.weigh("POST", "/exchange", {"action": {"type": "cancel", "cancels": [{}] * 500}})


def test_limits_match_the_contract() -> None:
    assert set(V.limits) == {
        "ip_weight",
        "address_actions",
        "address_cancels",
        "ws_connections",
        "ws_new_connections",
        "ws_subscriptions",
        "ws_users",
        "ws_messages",
        "ws_inflight_posts",
        "evm_rpc",
    }
    ip = V.limits["ip_weight"]
    assert (ip.capacity, ip.period, ip.scope) == (1200, 60, "ip")
    quota = V.limits["address_actions"]
    assert (quota.capacity, quota.period, quota.algorithm, quota.scope) == (10_000, 10, "quota", "address")
    cancels = V.limits["address_cancels"]
    assert cancels.capacity == min(10_000 + 100_000, 2 * 10_000) == 20_000
    assert V.limits["evm_rpc"].capacity == 100 and V.limits["evm_rpc"].period == 60
    assert V.limits["ws_connections"].capacity == 10
    assert V.limits["ws_new_connections"].capacity == 30
    assert V.limits["ws_subscriptions"].capacity == 1000
    assert V.limits["ws_users"].capacity == 10
    assert V.limits["ws_messages"].capacity == 2000
    assert V.limits["ws_inflight_posts"].capacity == 100


def test_urls() -> None:
    assert V.mainnet == "https://api.hyperliquid.xyz"
    assert V.testnet == "https://api.hyperliquid-testnet.xyz"


def test_address_cap_option_moves_both_quotas() -> None:
    v = venue("hyperliquid", address_cap=97_197)
    assert v.limits["address_actions"].capacity == 97_197
    assert v.limits["address_cancels"].capacity == 194_394
    big = venue("hyperliquid", address_cap=500_000)
    assert big.limits["address_cancels"].capacity == 600_000  # limit + 100000 is the smaller


def test_scope_values_from_the_request() -> None:
    assert V.weigh("POST", "/exchange", {**_orders(1), "vaultAddress": "0xVAULT"}).scope == {"address": "0xvault"}
    assert V.weigh("POST", "/exchange", _orders(1)).scope == {}
    assert V.weigh("POST", "/info", {"type": "userRateLimit", "user": "0xABC"}).scope == {"address": "0xabc"}


# ------------------------------------------------------------------------------ settlement


@pytest.mark.parametrize(
    ("body", "returned", "actual"),
    [
        ({"type": "userFills", "user": ADDR}, [{}] * 15, 21),  # ceil(15/20) = 1
        ({"type": "userFills", "user": ADDR}, [], 20),
        ({"type": "userFills", "user": ADDR}, [{}] * 41, 23),
        ({"type": "userFills", "user": ADDR}, [{}] * 2000, 120),
        ({"type": "fundingHistory", "coin": "BTC", "startTime": 0}, [{}] * 700, 55),  # beyond the estimate: charged
        ({"type": "recentTrades", "coin": "BTC"}, {"trades": [{}] * 20}, 21),  # one list inside an object
        (
            {"type": "candleSnapshot", "req": {"coin": "BTC", "interval": "1m", "startTime": 0, "endTime": 10**12}},
            [{}] * 61,
            22,
        ),
        ({"type": "userRole", "user": ADDR}, {"role": "user"}, 60),  # not per item: unchanged
    ],
)
def test_settle_charges_the_real_item_count(body: dict[str, Any], returned: object, actual: float) -> None:
    weighed = V.weigh("POST", "/info", body)
    assert V.settle(weighed, 200, {}, returned) == {"ip_weight": actual}


def test_settle_keeps_the_estimate_without_evidence(caplog: pytest.LogCaptureFixture) -> None:
    weighed = V.weigh("POST", "/info", {"type": "userFills", "user": ADDR})
    assert V.settle(weighed, 500, {}, None) == {"ip_weight": 120}
    assert V.settle(weighed, 429, {}, None) == {"ip_weight": 120}
    with caplog.at_level(logging.WARNING, logger="ratekeeper.venues"):
        assert V.settle(weighed, 200, {}, {"a": 1}) == {"ip_weight": 120}
    assert any("no item list" in r.getMessage() for r in caplog.records)


def test_estimate_never_exceeds_the_capacity() -> None:
    small = venue("hyperliquid", ip_weight=(100, 60))
    assert small.cost("POST", "/info", {"type": "userFills", "user": ADDR}) == {"ip_weight": 100}
    weighed = small.weigh("POST", "/info", {"type": "userFills", "user": ADDR})
    assert small.settle(weighed, 200, {}, [{}] * 2000) == {"ip_weight": 120}


def test_an_action_refused_whole_costs_nothing_on_the_address_limits() -> None:
    weighed = V.weigh("POST", "/exchange", _orders(5))
    refused = {"status": "err", "response": "Signed action over weight limit of 200."}
    assert V.settle(weighed, 200, {}, refused) == {"ip_weight": 1, "address_actions": 0, "address_cancels": 0}
    ok = {"status": "ok", "response": {"type": "order", "data": {"statuses": [{"error": "x"}] * 5}}}
    assert V.settle(weighed, 200, {}, ok) == {"ip_weight": 1, "address_actions": 5, "address_cancels": 5}


# ------------------------------------------------------------------------------ feedback

LIMITED = (
    "Too many cumulative requests sent (10050 > 10000) for cumulative volume traded $0.00. "
    "Place taker orders to free up 1 request per USDC traded."
)


def test_429_with_null_body_blocks_ip_weight_for_one_window() -> None:
    [o] = V.feedback(429, {}, "null")
    assert (o.limit, o.blocked_for) == ("ip_weight", 60)
    [o] = venue("hyperliquid", ip_weight=(1200, 3.0)).feedback(429, {}, None)
    assert o.blocked_for == 3.0


def test_429_honours_retry_after() -> None:
    [o] = V.feedback(429, {"Retry-After": "7"}, None)
    assert o.blocked_for == 7


def test_429_with_malformed_retry_after_warns_and_uses_the_default(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ratekeeper.venues"):
        [o] = V.feedback(429, {"Retry-After": "later please"}, None)
    assert o.blocked_for == 60
    assert any("malformed Retry-After" in r.getMessage() for r in caplog.records)


def test_address_limit_body_blocks_the_address_quota_for_ten_seconds() -> None:
    weighed = V.weigh("POST", "/exchange", _orders(1))
    [o] = V.feedback(200, {}, {"status": "err", "response": LIMITED}, weighed)
    assert (o.limit, o.blocked_for, o.used, o.cap, o.scope) == ("address_actions", 10, 10050, 10000, None)


def test_address_limit_on_a_cancel_blocks_the_cancel_quota() -> None:
    weighed = V.weigh("POST", "/exchange", {"action": {"type": "cancel", "cancels": [{}]}})
    [o] = V.feedback(200, {}, {"status": "err", "response": LIMITED}, weighed)
    assert o.limit == "address_cancels"


def test_address_limit_without_numbers_still_blocks() -> None:
    [o] = V.feedback(200, {}, {"status": "err", "response": "Too many cumulative requests sent"})
    assert (o.limit, o.blocked_for, o.used) == ("address_actions", 10, None)


def test_other_errors_and_successes_say_nothing() -> None:
    assert V.feedback(200, {}, {"status": "err", "response": "Signed action over weight limit of 200."}) == []
    assert V.feedback(200, {}, {"status": "ok", "response": {"type": "order"}}) == []
    assert V.feedback(200, {}, [1, 2, 3]) == []
    assert V.feedback(500, {}, "oops") == []


def test_user_rate_limit_response_syncs_the_address_quota() -> None:
    weighed = V.weigh("POST", "/info", {"type": "userRateLimit", "user": "0xABC"})
    body = {"cumVlm": "87197.94", "nRequestsUsed": 2890, "nRequestsCap": 97197, "nRequestsSurplus": 0}
    actions, cancels = V.feedback(200, {}, body, weighed)
    assert (actions.limit, actions.scope, actions.used, actions.cap) == ("address_actions", "0xabc", 2890, 97197)
    assert (cancels.limit, cancels.cap) == ("address_cancels", 194394)


def test_user_rate_limit_surplus_raises_the_cap() -> None:
    body = {"cumVlm": "0.0", "nRequestsUsed": 0, "nRequestsCap": 10000, "nRequestsSurplus": 500}
    [actions, _] = user_rate_limit_observations(body, "0xA")
    assert actions.cap == 10500 and actions.used == 0


@pytest.mark.parametrize(
    "body",
    [
        None,
        "x",
        [],
        {"nRequestsUsed": "many", "nRequestsCap": 1},
        {"nRequestsUsed": 1},
        {"nRequestsUsed": -1, "nRequestsCap": 5},
    ],
)
def test_malformed_user_rate_limit_is_ignored_with_a_warning(body: object, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ratekeeper.venues"):
        assert user_rate_limit_observations(body) == []
    assert any("userRateLimit" in r.getMessage() for r in caplog.records)


def test_address_quota_follows_a_user_rate_limit_response_in_a_limiter() -> None:
    clock = FakeClock()
    limiter = rk.Limiter(V, clock=clock)
    scope = {"address": "0xabc", "ip": "1.1.1.1"}
    weighed = V.weigh("POST", "/info", {"type": "userRateLimit", "user": "0xABC"})
    body = {"cumVlm": "5.0", "nRequestsUsed": 10_000, "nRequestsCap": 10_005, "nRequestsSurplus": 0}
    limiter.observe(V.feedback(200, {}, body, weighed), scope=scope)
    order = V.weigh("POST", "/exchange", _orders(5))
    assert limiter.try_acquire(order.cost, scope=order.scope_for(scope)) is not None  # exactly 5 left
    one = V.weigh("POST", "/exchange", _orders(1))
    # spent: the 10 s trickle admits at most one more action per 10 s
    admitted = [limiter.try_acquire(one.cost, scope=one.scope_for(scope)) is not None for _ in range(3)]
    assert admitted.count(True) <= 1
    clock.advance(10.0)
    assert limiter.try_acquire(one.cost, scope=one.scope_for(scope)) is not None
    other = {"address": "0xdef", "ip": "1.1.1.1"}
    assert limiter.try_acquire(one.cost, scope=one.scope_for(other)) is not None  # another address is untouched


def test_info_type_tables_are_consistent() -> None:
    assert set(hl.ITEMS_PER_WEIGHT) - {"candleSnapshot"} == {
        "recentTrades",
        "historicalOrders",
        "userFills",
        "userFillsByTime",
        "fundingHistory",
        "userFunding",
        "nonUserFundingUpdates",
        "twapHistory",
        "userTwapSliceFills",
        "userTwapSliceFillsByTime",
        "delegatorHistory",
        "delegatorRewards",
        "validatorStats",
    }
    assert hl.cancel_cap(10_000) == 20_000


# --------------------------------------------------------------------------------------------
# Documented cases: every info type and exchange action the docs list that the cases above do
# not already cover, each with the line of the rate-limits page (RL) its numbers come from.

Q2 = "RL: The following info requests have weight 2: l2Book, allMids, clearinghouseState, orderStatus, ..."
Q20 = "RL: All other documented info requests have weight 20."
QX = "RL: All documented exchange API requests have a weight of 1 + floor(batch_length / 40)"
QA = "RL: 1 request per 1 USDC traded ... A batched request with n orders (or cancels) ... n requests"
ONE_ACTION: dict[str, float] = {"ip_weight": 1, "address_actions": 1, "address_cancels": 1}


def _action(action_type: str, **fields: Any) -> dict[str, Any]:
    return {"action": {"type": action_type, **fields}, "nonce": 1, "signature": {}}


DOCUMENTED_CASES: list[tuple[str, str, dict[str, Any], dict[str, float], str]] = [
    ("POST", "/info", {"type": "spotMeta"}, {"ip_weight": 20}, Q20),
    ("POST", "/info", {"type": "spotMetaAndAssetCtxs"}, {"ip_weight": 20}, Q20),
    ("POST", "/info", {"type": "spotDeployState", "user": ADDR}, {"ip_weight": 20}, Q20),
    ("POST", "/info", {"type": "spotPairDeployAuctionStatus"}, {"ip_weight": 20}, Q20),
    ("POST", "/info", {"type": "tokenDetails", "tokenId": "0x6d1e"}, {"ip_weight": 20}, Q20),
    ("POST", "/info", {"type": "perpDexs"}, {"ip_weight": 20}, Q20),
    ("POST", "/info", {"type": "perpDeployAuctionStatus"}, {"ip_weight": 20}, Q20),
    ("POST", "/info", {"type": "perpDexLimits", "dex": "test"}, {"ip_weight": 20}, Q20),
    ("POST", "/info", {"type": "predictedFundings"}, {"ip_weight": 20}, Q20),
    ("POST", "/info", {"type": "perpsAtOpenInterestCap"}, {"ip_weight": 20}, Q20),
    ("POST", "/info", {"type": "activeAssetData", "user": ADDR, "coin": "BTC"}, {"ip_weight": 20}, Q20),
    ("POST", "/info", {"type": "userNonFundingLedgerUpdates", "user": ADDR, "startTime": 0}, {"ip_weight": 20}, Q20),
    ("POST", "/info", {"type": "userDexAbstraction", "user": ADDR}, {"ip_weight": 20}, Q20),
    ("POST", "/info", {"type": "alignedQuoteTokenInfo", "token": 0}, {"ip_weight": 20}, Q20),
    ("POST", "/info", {"type": "maxBuilderFee", "user": ADDR, "builder": ADDR}, {"ip_weight": 20}, Q20),
    ("POST", "/info", {"type": "vaultDetails", "vaultAddress": ADDR}, {"ip_weight": 20}, Q20),
    ("POST", "/info", {"type": "delegatorSummary", "user": ADDR}, {"ip_weight": 20}, Q20),
    (
        "POST",
        "/info",
        {"type": "userFunding", "user": ADDR, "startTime": 0},
        {"ip_weight": 45},
        "RL: additional rate limit weight per 20 items returned: ... userFunding; a time-range answer holds 500",
    ),
    (
        "POST",
        "/info",
        {"type": "delegatorRewards", "user": ADDR},
        {"ip_weight": 120},
        "RL: additional weight per 20 items returned: ... delegatorRewards; no bound documented: 2000",
    ),
    ("POST", "/info", {"type": "spotClearinghouseState", "user": ADDR}, {"ip_weight": 2}, Q2),
    ("POST", "/exchange", _action("scheduleCancel", time=1), ONE_ACTION, QX + "; " + QA),
    ("POST", "/exchange", _action("topUpIsolatedOnlyMargin", asset=0, leverage="1.0"), ONE_ACTION, QX),
    ("POST", "/exchange", _action("sendAsset", destination=ADDR, amount="1"), ONE_ACTION, QX),
    ("POST", "/exchange", _action("cDeposit", wei=1), ONE_ACTION, QX),
    ("POST", "/exchange", _action("cWithdraw", wei=1), ONE_ACTION, QX),
    ("POST", "/exchange", _action("tokenDelegate", validator=ADDR, wei=1), ONE_ACTION, QX),
    ("POST", "/exchange", _action("userDexAbstraction", user=ADDR, enabled=True), ONE_ACTION, QX),
    ("POST", "/exchange", _action("agentEnableDexAbstraction"), ONE_ACTION, QX),
    ("POST", "/exchange", _action("validatorL1Stream", riskFreeRate="0.04"), ONE_ACTION, QX),
    ("POST", "/exchange", _action("twapOrder", twap={"a": 0}), ONE_ACTION, QX),
    ("POST", "/exchange", _action("twapCancel", a=0, t=1), ONE_ACTION, QX),
    ("POST", "/exchange", _action("reserveRequestWeight", weight=100), ONE_ACTION, QX),
    ("POST", "/exchange", _action("noop"), ONE_ACTION, QX),
    ("POST", "/exchange", _action("approveBuilderFee", builder=ADDR), ONE_ACTION, QX),
    (
        "POST",
        "/exchange",
        _action("cancel", cancels=[{"a": 0, "o": i} for i in range(3)]),
        {"ip_weight": 1, "address_cancels": 3},
        "RL: Cancels have cumulative limit min(limit + 100000, limit * 2) ... a batch of n cancels is n requests",
    ),
    (
        "POST",
        "/explorer",
        {"type": "userDetails", "user": ADDR},
        {"ip_weight": 40},
        "RL: All explorer API requests have a weight of 40.",
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "expected", "quote"), DOCUMENTED_CASES, ids=lambda x: str(x)[:40])
def test_documented_weights(
    method: str, path: str, body: dict[str, Any], expected: dict[str, float], quote: str
) -> None:
    weighed = V.weigh(method, path, body)
    assert weighed.known, quote
    assert dict(weighed.cost) == expected, quote


def test_websocket_connection_cap_is_the_newest_official_text() -> None:
    # RL (newest text): "Maximum of 10 websocket connections", "Maximum of 30 new websocket connections
    # per minute"; the older text's 100 is not used (see the comment in venues/hyperliquid.py).
    assert V.limits["ws_connections"].capacity == 10
    new = V.limits["ws_new_connections"]
    assert (new.capacity, new.period, new.scope) == (30, 60, "ip")
    assert venue("hyperliquid", ws_connections=(100, hl.WS_LEASE)).limits["ws_connections"].capacity == 100
