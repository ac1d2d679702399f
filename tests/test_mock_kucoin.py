"""The KuCoin mock venue's rules, driven without a server: pools per 30 s cycle, weights,
gw-ratelimit headers, 429000 (pool exhausted and server overload), and the limiter's KuCoin
feedback reading those answers. Time moves only with a FakeClock."""

from __future__ import annotations

import json

import pytest

from ratekeeper.testing import FakeClock
from ratekeeper.testing._mock import KucoinFuturesRules, KucoinRules, MockRequest, MockResponse, rules_for
from ratekeeper.venues import venue

IP = "10.0.0.1"
KEY = {"kc-api-key": "key-1"}


def call(rules: KucoinRules, method: str, path: str, ip: str = IP, **headers: str) -> MockResponse:
    return rules.handle(MockRequest(method, path, ip, headers=headers))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=1000.0)


@pytest.fixture
def mock(clock: FakeClock) -> KucoinRules:
    return KucoinRules(clock=clock.now, quotas={"public": 10, "spot": 3})


def test_registered_and_validated(clock: FakeClock) -> None:
    assert rules_for("KuCoin") is KucoinRules
    rules = KucoinRules(clock=clock.now)
    assert rules.capacity == 2000 and rules.period == 30.0 and rules.quotas["spot"] == 4000
    with pytest.raises(ValueError, match="unknown pool 'futures'"):
        KucoinRules(clock=clock.now, quotas={"futures": 10})
    with pytest.raises(ValueError, match="positive int"):
        KucoinRules(clock=clock.now, quotas={"spot": 0})
    with pytest.raises(ValueError, match="overload count"):
        rules.overload(-1)


def test_every_answer_carries_its_pools_headers(mock: KucoinRules, clock: FakeClock) -> None:
    r = call(mock, "GET", "/api/v1/market/orderbook/level1")  # Public, weight 2
    assert r.status == 200 and r.json()["code"] == "200000"
    assert dict(r.headers) == {"gw-ratelimit-limit": "10", "gw-ratelimit-remaining": "8", "gw-ratelimit-reset": "30000"}
    clock.advance(12.5)
    r = call(mock, "POST", "/api/v1/hf/orders", **KEY)  # Spot, weight 1: its own pool and cycle
    assert r.headers["gw-ratelimit-limit"] == "3" and r.headers["gw-ratelimit-remaining"] == "2"
    assert r.headers["gw-ratelimit-reset"] == "30000"
    r = call(mock, "GET", "/api/v1/timestamp")  # Public, weight 3, 12.5 s into the public cycle
    assert (r.headers["gw-ratelimit-remaining"], r.headers["gw-ratelimit-reset"]) == ("5", "17500")


def test_public_pool_is_per_ip_private_pools_per_key(mock: KucoinRules) -> None:
    for _ in range(5):
        assert call(mock, "GET", "/api/v1/market/orderbook/level1").status == 200
    assert call(mock, "GET", "/api/v1/market/orderbook/level1").status == 429
    assert call(mock, "GET", "/api/v1/market/orderbook/level1", ip="10.0.0.2").status == 200
    for _ in range(3):
        assert call(mock, "DELETE", "/api/v1/hf/orders/6711", **KEY).status == 200
    assert call(mock, "DELETE", "/api/v1/hf/orders/6711", **KEY).status == 429
    # another key (another UID) has its own Spot pool, from the same IP
    assert call(mock, "DELETE", "/api/v1/hf/orders/6711", **{"kc-api-key": "key-2"}).status == 200


def test_exhausted_pool_answers_429000_uncharged_until_the_cycle_ends(mock: KucoinRules, clock: FakeClock) -> None:
    for _ in range(3):
        call(mock, "POST", "/api/v1/hf/orders", **KEY)
    clock.advance(10)
    r = call(mock, "POST", "/api/v1/hf/orders", **KEY)
    assert (r.status, r.json()) == (429, {"code": "429000", "msg": "Too Many Requests"})
    assert dict(r.headers) == {"gw-ratelimit-limit": "3", "gw-ratelimit-remaining": "0", "gw-ratelimit-reset": "20000"}
    clock.advance(19.999)
    assert call(mock, "POST", "/api/v1/hf/orders", **KEY).status == 429
    clock.advance(0.001)  # the cycle that began with the first order has ended
    r = call(mock, "POST", "/api/v1/hf/orders", **KEY)
    assert (r.status, r.headers["gw-ratelimit-remaining"]) == (200, "2")
    assert mock.stats().errors_by_kind == {"spot_429000": 2}


def test_overload_has_no_personal_headers_and_costs_nothing(mock: KucoinRules) -> None:
    mock.overload(1)
    r = call(mock, "GET", "/api/v1/market/allTickers")
    assert (r.status, r.json()["code"], dict(r.headers)) == (429, "429000", {})
    r = call(mock, "GET", "/api/v1/market/orderbook/level1")
    assert (r.status, r.headers["gw-ratelimit-remaining"]) == (200, "8")


def test_signed_endpoints_need_a_key_and_unknown_paths_are_404(mock: KucoinRules) -> None:
    r = call(mock, "GET", "/api/v1/accounts")
    assert (r.status, r.json()["code"]) == (401, "400001")
    assert call(mock, "GET", "/api/v1/nowhere").status == 404
    assert call(mock, "PUT", "/api/v1/hf/orders").status == 405


def test_the_limiters_feedback_reads_the_mocks_answers(mock: KucoinRules, clock: FakeClock) -> None:
    v = venue("kucoin")
    weighed = v.weigh("POST", "/api/v1/hf/orders", {"symbol": "BTC-USDT"})
    r = call(mock, "POST", "/api/v1/hf/orders", **KEY)
    [o] = v.feedback(r.status, r.headers, r.body.decode(), weighed)
    assert (o.limit, o.cap, o.remaining, o.reset_after) == ("spot", 3, 2, 30.0)
    call(mock, "POST", "/api/v1/hf/orders", **KEY)
    call(mock, "POST", "/api/v1/hf/orders", **KEY)
    clock.advance(5)
    r = call(mock, "POST", "/api/v1/hf/orders", **KEY)
    blocks = [o for o in v.feedback(r.status, r.headers, r.body.decode(), weighed) if o.blocked_for]
    assert [(o.limit, o.blocked_for) for o in blocks] == [("spot", 25.0)]
    mock.overload(1)
    public = v.weigh("GET", "/api/v1/market/allTickers")
    r = call(mock, "GET", "/api/v1/market/allTickers")
    [o] = v.feedback(r.status, r.headers, json.loads(r.body), public)
    assert (o.limit, o.blocked_for, o.reason) == ("public", 1, "429000 server overload")


def test_futures_mock_has_its_own_pool(clock: FakeClock) -> None:
    futures = KucoinFuturesRules(clock=clock.now, quotas={"futures": 21})
    assert rules_for("kucoin_futures") is KucoinFuturesRules and futures.capacity == 2000
    with pytest.raises(ValueError, match="kucoin_futures mock: unknown pool 'spot'"):
        KucoinFuturesRules(clock=clock.now, quotas={"spot": 10})
    r = call(futures, "POST", "/api/v1/orders/multi", **KEY)  # Futures, weight 20
    assert dict(r.headers) == {"gw-ratelimit-limit": "21", "gw-ratelimit-remaining": "1", "gw-ratelimit-reset": "30000"}
    assert call(futures, "POST", "/api/v1/orders", **KEY).status == 429  # weight 2 > 1 left
    assert call(futures, "DELETE", "/api/v1/orders/234125150956625920", **KEY).status == 200  # weight 1
    r = call(futures, "GET", "/api/v1/allTickers")  # the Public pool is untouched
    assert (r.status, r.headers["gw-ratelimit-remaining"]) == (200, "1995")
    assert call(futures, "GET", "/api/v1/hf/orders/active", **KEY).status == 404  # a spot path


def test_the_futures_feedback_reads_the_futures_mock(clock: FakeClock) -> None:
    futures = KucoinFuturesRules(clock=clock.now, quotas={"futures": 2})
    v = venue("kucoin_futures")
    weighed = v.weigh("POST", "/api/v1/orders", {"symbol": "XBTUSDTM"})
    r = call(futures, "POST", "/api/v1/orders", **KEY)
    [o] = v.feedback(r.status, r.headers, r.body.decode(), weighed)
    assert (o.limit, o.cap, o.remaining) == ("futures", 2, 0)
    clock.advance(7.5)
    r = call(futures, "POST", "/api/v1/orders", **KEY)
    blocks = [o for o in v.feedback(r.status, r.headers, r.body.decode(), weighed) if o.blocked_for]
    assert [(o.limit, o.blocked_for) for o in blocks] == [("futures", 22.5)]
