"""BitMEX: https://www.bitmex.com/app/restAPI#Limits (120/min token bucket, every route 1),
second-layer blog (10/s on order routes), support article on 403 bans — reference §5."""

from __future__ import annotations

import logging

import pytest

import ratekeeper as rk
from ratekeeper.testing import FakeClock
from ratekeeper.venues import venue

V = venue("bitmex")
ORDER: dict[str, float] = {"requests": 1, "orders_1s": 1}
READ: dict[str, float] = {"requests": 1}

CASES: list[tuple[str, str, dict[str, float]]] = [
    ("GET", "/api/v1/instrument", READ),  # every route costs one request
    ("GET", "/api/v1/instrument/active", READ),
    ("GET", "/api/v1/orderBook/L2", READ),
    ("GET", "/api/v1/trade", READ),
    ("GET", "/api/v1/trade/bucketed", READ),
    ("GET", "/api/v1/quote", READ),
    ("GET", "/api/v1/funding", READ),
    ("GET", "/api/v1/order", READ),  # reading orders is not an order-management route
    ("GET", "/api/v1/position", READ),
    ("GET", "/api/v1/execution/tradeHistory", READ),
    ("GET", "/api/v1/user/margin", READ),
    ("GET", "/api/v1/user/wallet", READ),
    ("POST", "/api/v1/order", ORDER),  # second layer: POST/PUT/DELETE /order
    ("PUT", "/api/v1/order", ORDER),
    ("DELETE", "/api/v1/order", ORDER),
    ("DELETE", "/api/v1/order/all", ORDER),  # DELETE /order/all
    ("POST", "/api/v1/order/bulk", ORDER),  # bulk: listed in the 2020 blog; one request
    ("PUT", "/api/v1/order/bulk", ORDER),
    ("POST", "/api/v1/position/isolate", ORDER),  # position routes of the second layer
    ("POST", "/api/v1/position/leverage", ORDER),
    ("POST", "/api/v1/position/transferMargin", ORDER),
    ("POST", "/api/v1/order/cancelAllAfter", READ),  # not in the second layer
]


@pytest.mark.parametrize(("method", "path", "expected"), CASES, ids=lambda x: str(x)[:30])
def test_weights(method: str, path: str, expected: dict[str, float]) -> None:
    assert V.cost(method, path) == expected


def test_limits_and_authentication() -> None:
    requests = V.limits["requests"]
    assert (requests.capacity, requests.period, requests.algorithm, requests.scope) == (120, 60, "token", "account")
    second = V.limits["orders_1s"]
    assert (second.capacity, second.period, second.algorithm) == (10, 1, "token")
    anonymous = venue("bitmex", authenticated=False).limits["requests"]
    assert (anonymous.capacity, anonymous.scope) == (30, "ip")
    assert V.testnet == "https://testnet.bitmex.com"


def test_unknown_writes_also_charge_the_order_layer() -> None:
    assert V.cost("POST", "/api/v1/something/new") == ORDER
    assert V.cost("GET", "/api/v1/something/new") == READ


def test_headers_sync_both_buckets() -> None:
    now = 1_700_000_000.0
    headers = {
        "x-ratelimit-limit": "120",
        "x-ratelimit-remaining": "100",
        "x-ratelimit-reset": "1700000010",
        "x-ratelimit-remaining-1s": "8",
    }
    obs = {o.limit: o for o in V.feedback(200, headers, {}, now=now)}
    assert (obs["requests"].remaining, obs["requests"].cap, obs["requests"].reset_after) == (100, 120, 10)
    assert obs["orders_1s"].remaining == 8


def test_429_with_retry_after() -> None:
    obs = [o for o in V.feedback(429, {"Retry-After": "4", "x-ratelimit-remaining": "0"}, {}) if o.blocked_for]
    assert [(o.limit, o.blocked_for) for o in obs] == [("requests", 4)]


def test_429_on_the_second_layer_blocks_the_order_bucket() -> None:
    obs = [o for o in V.feedback(429, {"x-ratelimit-remaining-1s": "0"}, {}) if o.blocked_for]
    assert [(o.limit, o.blocked_for) for o in obs] == [("orders_1s", 1)]


def test_429_without_retry_after_uses_the_reset_time() -> None:
    now = 1_700_000_000.0
    obs = [o for o in V.feedback(429, {"x-ratelimit-reset": "1700000030"}, {}, now=now) if o.blocked_for]
    assert [(o.limit, o.blocked_for) for o in obs] == [("requests", 30)]


def test_403_ban_blocks_everything_for_an_hour() -> None:
    body = {"error": {"message": "You have been banned for exceeding rate limits.", "name": "HTTPError"}}
    obs = V.feedback(403, {}, body)
    assert {(o.limit, o.blocked_for) for o in obs} == {("requests", 3600), ("orders_1s", 3600)}


def test_403_for_permissions_is_not_a_ban() -> None:
    body = {"error": {"message": "Access Denied: invalid API key permissions", "name": "HTTPError"}}
    assert V.feedback(403, {}, body) == []


def test_503_overload_backs_off_half_a_second() -> None:
    [o] = V.feedback(503, {}, {"error": {"message": "The system is currently overloaded."}})
    assert (o.limit, o.blocked_for) == ("requests", 0.5)


def test_malformed_headers_warn(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ratekeeper.venues"):
        obs = V.feedback(200, {"x-ratelimit-remaining": "lots", "x-ratelimit-reset": "12"}, {}, now=1e9)
    assert obs == []
    assert len(caplog.records) == 2


# --------------------------------------------------------------------------------------------
# Documented cases: routes of the API explorer (https://www.bitmex.com/api/explorer/swagger.json)
# the cases above do not cover, each with the line its numbers come from.

Q_ALL = "restAPI#Limits / 'Updates to Rate Limits': Now 120 requests per minute on all routes"
Q_2ND = "'Updates to Rate Limits': second layer ... 10 requests per second; routes: Dec 2020 post"

DOCUMENTED_CASES: list[tuple[str, str, dict[str, object] | None, dict[str, float], str]] = [
    ("GET", "/api/v1/announcement/urgent", None, READ, Q_ALL),
    ("GET", "/api/v1/chat", {"channelID": 1}, READ, Q_ALL),
    ("GET", "/api/v1/chat/channels", None, READ, Q_ALL),
    ("GET", "/api/v1/chat/connected", None, READ, Q_ALL),
    ("GET", "/api/v1/chat/pinned", {"channelID": 1}, READ, Q_ALL),
    ("POST", "/api/v1/chat", {"message": "hi"}, READ, Q_ALL + " (a write outside the second layer)"),
    ("GET", "/api/v1/instrument/activeAndIndices", None, READ, Q_ALL),
    ("GET", "/api/v1/instrument/activeIntervals", None, READ, Q_ALL),
    ("GET", "/api/v1/instrument/compositeIndex", {"symbol": ".BXBT"}, READ, Q_ALL),
    ("GET", "/api/v1/instrument/usdVolume", None, READ, Q_ALL),
    ("GET", "/api/v1/insurance", None, READ, Q_ALL),
    ("GET", "/api/v1/leaderboard", None, READ, Q_ALL),
    ("GET", "/api/v1/quote/bucketed", {"binSize": "1m"}, READ, Q_ALL),
    ("GET", "/api/v1/schema", None, READ, Q_ALL),
    ("GET", "/api/v1/stats/history", None, READ, Q_ALL),
    ("GET", "/api/v1/stats/historyUSD", None, READ, Q_ALL),
    ("GET", "/api/v1/user/commission", None, READ, Q_ALL),
    ("GET", "/api/v1/user/depositAddress", {"currency": "XBt"}, READ, Q_ALL),
    ("GET", "/api/v1/user/walletSummary", {"currency": "XBt"}, READ, Q_ALL),
    ("GET", "/api/v1/user/executionHistory", {"symbol": "XBTUSD"}, READ, Q_ALL),
    ("GET", "/api/v1/user/quoteFillRatio", None, READ, Q_ALL),
    ("GET", "/api/v1/user/tradingVolume", None, READ, Q_ALL),
    ("GET", "/api/v1/userEvent", None, READ, Q_ALL),
    ("GET", "/api/v1/wallet/assets", None, READ, Q_ALL),
    ("GET", "/api/v1/wallet/networks", None, READ, Q_ALL),
    ("GET", "/api/v1/porl/nonce", None, READ, Q_ALL),
    ("POST", "/api/v1/user/walletTransfer", {"amount": 1}, READ, Q_ALL + " (a write outside the second layer)"),
    ("POST", "/api/v1/user/requestWithdrawal", {"amount": 1}, READ, Q_ALL),
    ("DELETE", "/api/v1/user/withdrawal", {"transactID": "x"}, READ, Q_ALL),
    ("POST", "/api/v1/user/unstakingRequests", {"amount": 1}, READ, Q_ALL),
    ("DELETE", "/api/v1/user/unstakingRequests", {"redemptionID": "x"}, READ, Q_ALL),
    ("POST", "/api/v1/address", {"address": "x"}, READ, Q_ALL),
    ("POST", "/api/v1/guild/join", {"code": "x"}, READ, Q_ALL),
    ("POST", "/api/v1/order/closePosition", {"symbol": "XBTUSD"}, READ, Q_ALL + " (deprecated; not in the list)"),
    ("POST", "/api/v1/position/riskLimit", {"symbol": "XBTUSD", "riskLimit": 1}, READ, Q_ALL + " (not in the list)"),
    ("POST", "/api/v1/order", {"symbol": "XBTUSD", "orderQty": 100}, ORDER, Q_2ND + ": POST /api/v1/order"),
    ("DELETE", "/api/v1/order/all", {"symbol": "XBTUSD"}, ORDER, Q_2ND + ": DELETE /api/v1/order/all"),
]


@pytest.mark.parametrize(("method", "path", "body", "expected", "quote"), DOCUMENTED_CASES, ids=lambda x: str(x)[:40])
def test_documented_weights(
    method: str, path: str, body: dict[str, object] | None, expected: dict[str, float], quote: str
) -> None:
    weighed = V.weigh(method, path, body)
    assert weighed.known, quote
    assert dict(weighed.cost) == expected, quote


def test_unauthenticated_clients_spend_the_per_ip_bucket() -> None:
    # 'Updates to Rate Limits': "Unauthenticated limit remains 30 requests per minute"
    anonymous = venue("bitmex", authenticated=False)
    assert anonymous.cost("GET", "/api/v1/instrument/active") == READ
    limit = anonymous.limits["requests"]
    assert (limit.capacity, limit.period, limit.scope, limit.algorithm) == (30, 60, "ip", "token")


# --------------------------------------------------------------------------------------------
# Signals, with answers as BitMEX sends them: headers on every answer (x-ratelimit-limit,
# -remaining, -reset in UNIX seconds; x-ratelimit-remaining-1s on second-layer routes), 429 with
# Retry-After, and the 503 load-shedding answer. Bodies use BitMEX's error envelope
# {"error": {"message", "name"}}; the 503 text is the one the REST guide quotes.

NOW = 1_700_000_000.0
ORDER_OK_HEADERS = {
    "X-RateLimit-Limit": "120",
    "X-RateLimit-Remaining": "117",
    "X-RateLimit-Reset": "1700000003",
    "X-RateLimit-Remaining-1s": "9",
    "Content-Type": "application/json; charset=utf-8",
}
ORDER_OK_BODY = {"orderID": "5e3f...", "symbol": "XBTUSD", "ordStatus": "New", "orderQty": 100}
REST_429_HEADERS = {
    "X-RateLimit-Limit": "120",
    "X-RateLimit-Remaining": "0",
    "X-RateLimit-Reset": "1700000012",
    "Retry-After": "12",
}
REST_429_BODY = {"error": {"message": "Rate limit exceeded, retry in 12 seconds.", "name": "RateLimitError"}}
SECOND_429_HEADERS = {
    "X-RateLimit-Limit": "120",
    "X-RateLimit-Remaining": "95",
    "X-RateLimit-Reset": "1700000025",
    "X-RateLimit-Remaining-1s": "0",
    "Retry-After": "1",
}
OVERLOAD_503_BODY = {
    "error": {"message": "The system is currently overloaded. Please try again later.", "name": "HTTPError"}
}


def test_recorded_order_answer_syncs_both_buckets() -> None:
    request = V.weigh("POST", "/api/v1/order", {"symbol": "XBTUSD", "orderQty": 100})
    obs = {o.limit: o for o in V.feedback(200, ORDER_OK_HEADERS, ORDER_OK_BODY, request=request, now=NOW)}
    assert (obs["requests"].remaining, obs["requests"].cap, obs["requests"].reset_after) == (117, 120, 3)
    assert obs["orders_1s"].remaining == 9
    assert all(o.blocked_for is None for o in obs.values())


def test_recorded_429_on_the_minute_bucket_blocks_it_for_retry_after() -> None:
    request = V.weigh("GET", "/api/v1/position")
    obs = V.feedback(429, REST_429_HEADERS, REST_429_BODY, request=request, now=NOW)
    blocked = [(o.limit, o.blocked_for) for o in obs if o.blocked_for]
    assert blocked == [("requests", 12)]
    [synced] = [o for o in obs if o.limit == "requests" and o.remaining is not None]
    assert synced.remaining == 0


def test_recorded_429_on_the_second_layer_blocks_the_order_bucket_only() -> None:
    request = V.weigh("PUT", "/api/v1/order", {"orderID": "x", "price": 1})
    obs = V.feedback(429, SECOND_429_HEADERS, REST_429_BODY, request=request, now=NOW)
    assert [(o.limit, o.blocked_for) for o in obs if o.blocked_for] == [("orders_1s", 1)]
    requests = next(o for o in obs if o.limit == "requests")
    assert requests.remaining == 95 and requests.blocked_for is None


def test_recorded_503_overload_backs_off_reads_and_writes_for_half_a_second() -> None:
    # restAPI#Overload: "you will quickly receive a 503 ... retry after at least 500 milliseconds"
    for method, path in (("GET", "/api/v1/instrument/active"), ("POST", "/api/v1/order")):
        request = V.weigh(method, path)
        obs = V.feedback(503, {"Content-Type": "application/json"}, OVERLOAD_503_BODY, request=request, now=NOW)
        assert [(o.limit, o.blocked_for) for o in obs] == [("requests", 0.5)]


def test_recorded_answers_drive_a_limiter() -> None:
    # The 429 answer above, observed by a limiter: the next request waits for Retry-After.
    clock = FakeClock(NOW)
    limiter = rk.Limiter(list(V.limits.values()), clock=clock)
    limiter.observe(V.feedback(429, REST_429_HEADERS, REST_429_BODY, now=NOW))
    assert limiter.try_acquire({"requests": 1}) is None
    clock.advance(12.01)
    assert limiter.try_acquire({"requests": 1}) is not None
