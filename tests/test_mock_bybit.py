"""The Bybit mock venue: its IP limit, per-UID endpoint limits, headers and codes, and the
venue pack reading its answers. The rules run without a server on a FakeClock."""

from __future__ import annotations

import json
from typing import Any

import pytest

import ratekeeper as rk
from ratekeeper.testing import FakeClock
from ratekeeper.testing._mock import BybitRules, MockRequest, MockResponse

KEY = {"x-bapi-api-key": "k1"}


def call(
    rules: BybitRules, method: str, path: str, body: Any = None, *, key: bool = True, ip: str = "1.1.1.1"
) -> MockResponse:
    data = json.dumps(body).encode() if body is not None else b""
    return rules.handle(MockRequest(method, path, ip, dict(KEY) if key else {}, {}, data))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=1_700_000_000.0)


def test_spot_amend_allows_10_per_second_then_10006_with_headers(clock: FakeClock) -> None:
    rules = BybitRules(clock=clock.now)
    order = {"category": "spot", "symbol": "BTCUSDT", "orderId": "1", "price": "2"}
    for i in range(10):
        r = call(rules, "POST", "/v5/order/amend", order)
        assert r.json()["retCode"] == 0
        assert r.headers["X-Bapi-Limit"] == "10" and r.headers["X-Bapi-Limit-Status"] == str(9 - i)
    refused = call(rules, "POST", "/v5/order/amend", order)
    assert refused.status == 200 and refused.json()["retCode"] == 10006
    assert refused.json()["retMsg"] == "Too many visits!"
    assert int(refused.headers["X-Bapi-Limit-Reset-Timestamp"]) == 1_700_000_001_000
    # the venue pack reads the mock's answer: blocks spot amend until the reset
    venue = rk.venue("bybit")
    weighed = venue.weigh("POST", "/v5/order/amend", order)
    obs = venue.feedback(refused.status, refused.headers, refused.body, weighed, now=clock.now())
    [blocked] = [o for o in obs if o.blocked_for]
    assert blocked.limit == "order_amend_spot" and blocked.blocked_for == pytest.approx(1.0)
    clock.advance(1.0)
    assert call(rules, "POST", "/v5/order/amend", order).json()["retCode"] == 0
    # linear amend is a separate budget
    assert call(rules, "POST", "/v5/order/amend", {**order, "category": "linear"}).json()["retCode"] == 0


def test_a_batch_over_the_remaining_quota_fails_its_tail(clock: FakeClock) -> None:
    rules = BybitRules(clock=clock.now)
    batch = {"category": "linear", "request": [{"symbol": "BTCUSDT"}] * 8}
    assert call(rules, "POST", "/v5/order/create-batch", batch).json()["retCode"] == 0
    r = call(rules, "POST", "/v5/order/create-batch", batch)
    codes = [item["code"] for item in r.json()["retExtInfo"]["list"]]
    assert codes == [0, 0] + [10006] * 6  # 10 per second, 8 used: the first 2 pass
    assert r.headers["X-Bapi-Limit-Status"] == "0"


def test_coin_query_info_is_5_per_second(clock: FakeClock) -> None:
    rules = BybitRules(clock=clock.now)
    codes = [call(rules, "GET", "/v5/asset/coin/query-info").json()["retCode"] for _ in range(6)]
    assert codes == [0] * 5 + [10006]


def test_ip_limit_answers_403_and_bans(clock: FakeClock) -> None:
    rules = BybitRules(clock=clock.now, ip_limit=3)
    for _ in range(3):
        assert call(rules, "GET", "/v5/market/tickers", key=False).status == 200
    r = call(rules, "GET", "/v5/market/tickers", key=False)
    assert r.status == 403 and b"access too frequent" in r.body
    [o] = rk.venue("bybit").feedback(r.status, r.headers, r.body)
    assert (o.limit, o.blocked_for) == ("ip_requests", 600)
    clock.advance(10.0)  # the window is clear, the ban (10 minutes) is not
    assert call(rules, "GET", "/v5/market/tickers", key=False).status == 403
    assert call(rules, "GET", "/v5/market/tickers", key=False, ip="2.2.2.2").status == 200
    clock.advance(600.0)
    assert call(rules, "GET", "/v5/market/tickers", key=False).status == 200
    stats = rules.stats()
    assert stats.bans == 1 and stats.rejected_429 == 2


def test_public_answers_carry_no_uid_headers(clock: FakeClock) -> None:
    rules = BybitRules(clock=clock.now)
    r = call(rules, "GET", "/v5/market/orderbook", key=False)
    assert r.json()["retCode"] == 0 and "X-Bapi-Limit" not in r.headers
    assert call(rules, "GET", "/elsewhere").status == 404
