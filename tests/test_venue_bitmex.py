"""BitMEX: https://www.bitmex.com/app/restAPI#Limits (120/min token bucket, every route 1),
second-layer blog (10/s on order routes), support article on 403 bans — reference §5."""

from __future__ import annotations

import logging

import pytest

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
