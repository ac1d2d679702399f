"""KuCoin classic API: pools per 30 s by VIP (https://www.kucoin.com/docs-new/rate-limit) and the
endpoints' declared pool and weight (docs-new/rest pages, tabulated in the XChange policy
retrieved 2026-10-06) — reference §7."""

from __future__ import annotations

import logging

import pytest

from ratekeeper.venues import _model, venue

V = venue("kucoin")

CASES: list[tuple[str, str, dict[str, float]]] = [
    ("GET", "/api/v1/accounts", {"management": 5}),  # accounts 5
    ("GET", "/api/v1/accounts/ledgers", {"management": 2}),  # ledgers 2
    ("GET", "/api/v1/accounts/6123", {"management": 5}),
    ("POST", "/api/v2/accounts/inner-transfer", {"management": 10}),  # inner transfer 10
    ("POST", "/api/v1/withdrawals", {"management": 5}),  # withdrawals POST 5
    ("GET", "/api/v1/withdrawals", {"management": 20}),  # withdrawals GET 20
    ("POST", "/api/v1/deposit-addresses", {"management": 20}),  # deposit address create 20
    ("GET", "/api/v1/earn/hold-assets", {"earn": 5}),
    ("POST", "/api/v1/hf/orders", {"spot": 1}),  # HF add order 1
    ("POST", "/api/v1/orders", {"spot": 2}),  # rules page example: spot limit order 2
    ("DELETE", "/api/v1/orders/5bd6e9286d99522a52e458de", {"spot": 3}),  # cancel by orderId 3
    ("DELETE", "/api/v1/orders", {"spot": 20}),  # cancel all 20
    ("GET", "/api/v1/orders/5bd6e9286d99522a52e458de", {"spot": 2}),  # get order 2
    ("GET", "/api/v1/orders", {"spot": 2}),  # list orders 2
    ("GET", "/api/v1/fills", {"spot": 10}),  # fills 10
    ("POST", "/api/v1/stop-order", {"spot": 1}),  # stop order 1
    ("GET", "/api/v1/trade-fees", {"spot": 3}),  # trade fees 3
    ("POST", "/api/v1/bullet-private", {"spot": 10}),  # bullet-private 10 (spot pool)
    ("GET", "/api/v1/market/allTickers", {"public": 15}),  # allTickers 15
    ("GET", "/api/v1/market/stats", {"public": 15}),  # 24h stats 15
    ("GET", "/api/v2/symbols", {"public": 4}),  # symbols 4
    ("GET", "/api/v1/market/candles", {"public": 3}),  # candles 3
    ("GET", "/api/v1/market/histories", {"public": 3}),  # trade histories 3
    ("GET", "/api/v1/market/orderbook/level1", {"public": 2}),  # level1 2
    ("GET", "/api/v1/market/orderbook/level2_20", {"public": 2}),
    ("POST", "/api/v1/bullet-public", {"public": 10}),  # bullet-public 10
]


@pytest.mark.parametrize(("method", "path", "expected"), CASES, ids=lambda x: str(x)[:30])
def test_weights(method: str, path: str, expected: dict[str, float]) -> None:
    assert V.cost(method, path) == expected


@pytest.mark.parametrize(
    ("vip", "spot", "management"),
    [(0, 4000, 2000), (1, 6000, 2000), (2, 8000, 4000), (5, 16000, 7000), (9, 30000, 14000), (12, 40000, 20000)],
)
def test_vip_pools(vip: int, spot: int, management: int) -> None:
    v = venue("kucoin", vip=vip)
    assert v.limits["spot"].capacity == spot
    assert v.limits["management"].capacity == management
    assert v.limits["public"].capacity == 2000 and v.limits["public"].scope == "ip"
    assert v.limits["spot"].period == 30 and v.limits["spot"].scope == "account"


def test_bad_vip() -> None:
    with pytest.raises(ValueError):
        venue("kucoin", vip=13)


def test_unknown_endpoints_priced_by_class(caplog: pytest.LogCaptureFixture) -> None:
    # public market data -> the Public pool per IP at its heaviest current weight (announcements 20);
    # anything else is signed -> the Spot pool per account at its heaviest current weight (30)
    _model._forget_unknown()
    with caplog.at_level(logging.WARNING, logger="ratekeeper.venues"):
        public = V.weigh("GET", "/api/v1/market/somethingNew")
        private = V.weigh("POST", "/api/v1/margin/somethingNew")
    assert (dict(public.cost), public.known, public.primary) == ({"public": 20}, False, "public")
    assert V.limits["public"].scope == "ip"
    assert (dict(private.cost), private.known, private.primary) == ({"spot": 30}, False, "spot")
    assert V.limits["spot"].scope == "account"
    logged = [r.getMessage() for r in caplog.records]
    assert any("GET /api/v1/market/somethingNew" in m and "'public': 20.0" in m for m in logged)
    assert any("POST /api/v1/margin/somethingNew" in m and "'spot': 30.0" in m for m in logged)


def test_headers_sync_the_requests_pool() -> None:
    weighed = V.weigh("GET", "/api/v1/fills")
    headers = {"gw-ratelimit-limit": "4000", "gw-ratelimit-remaining": "3990", "gw-ratelimit-reset": "12000"}
    [o] = V.feedback(200, headers, {"code": "200000"}, weighed)
    assert (o.limit, o.cap, o.remaining, o.reset_after) == ("spot", 4000, 3990, 12)


def test_429000_with_headers_blocks_the_pool_until_reset() -> None:
    weighed = V.weigh("GET", "/api/v1/accounts")
    headers = {"gw-ratelimit-limit": "2000", "gw-ratelimit-remaining": "0", "gw-ratelimit-reset": "7500"}
    obs = V.feedback(429, headers, {"code": "429000", "msg": "Too Many Requests"}, weighed)
    assert [(o.limit, o.blocked_for) for o in obs if o.blocked_for] == [("management", 7.5)]


def test_429000_without_headers_is_overload() -> None:
    weighed = V.weigh("GET", "/api/v1/accounts")
    [o] = V.feedback(429, {}, {"code": "429000", "msg": "Too Many Requests"}, weighed)
    assert (o.limit, o.blocked_for) == ("management", 1)
    assert "overload" in o.reason


def test_headers_without_a_request_are_not_attributed() -> None:
    assert V.feedback(200, {"gw-ratelimit-remaining": "10"}, {}) == []


def test_malformed_headers_warn(caplog: pytest.LogCaptureFixture) -> None:
    weighed = V.weigh("GET", "/api/v1/fills")
    with caplog.at_level(logging.WARNING, logger="ratekeeper.venues"):
        assert V.feedback(200, {"gw-ratelimit-remaining": "x", "gw-ratelimit-reset": "-5"}, {}, weighed) == []
    assert len(caplog.records) == 2
