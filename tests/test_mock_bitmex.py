"""The BitMEX mock venue's rules, driven without a server: token buckets, headers, 429, 403 bans
and 503 overload, and their answers read back by ``rk.venue("bitmex")``.

The mock reads ``FakeClock.wall`` (UNIX seconds, as BitMEX's x-ratelimit-reset is); nothing sleeps.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

import ratekeeper as rk
from ratekeeper.testing import FakeClock
from ratekeeper.testing._mock import BitmexRules, MockRequest, MockResponse, rules_for

V = rk.venue("bitmex")
KEY = {"api-key": "k1"}


def call(
    rules: BitmexRules,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    ip: str = "127.0.0.1",
) -> MockResponse:
    raw = json.dumps(body).encode() if body is not None else b""
    return rules.handle(MockRequest(method, path, ip, headers=dict(KEY if headers is None else headers), body=raw))


def make(clock: FakeClock, **options: Any) -> BitmexRules:
    return BitmexRules(clock=clock.wall, **options)


def test_registered_under_its_venue_name() -> None:
    assert rules_for("bitmex") is BitmexRules


def test_every_answer_carries_the_bucket_headers_the_venue_reads(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    rules = make(clock)
    answer = call(rules, "GET", "/api/v1/position")
    assert answer.status == 200
    assert answer.headers["x-ratelimit-limit"] == "120"
    assert answer.headers["x-ratelimit-remaining"] == "119"
    # full again after one token refills: 0.5 s at 120 per 60 s, rounded up to whole seconds
    assert int(answer.headers["x-ratelimit-reset"]) == pytest.approx(clock.wall() + 1, abs=1)
    assert "x-ratelimit-remaining-1s" not in answer.headers
    with caplog.at_level(logging.WARNING, logger="ratekeeper.venues"):
        [obs] = V.feedback(answer.status, answer.headers, answer.json(), now=clock.wall())
    assert (obs.limit, obs.remaining, obs.cap) == ("requests", 119, 120)
    assert not caplog.records


def test_the_121st_request_at_once_is_refused_with_retry_after_and_not_charged() -> None:
    clock = FakeClock()
    rules = make(clock)
    for _ in range(120):
        assert call(rules, "GET", "/api/v1/user/wallet").status == 200
    refused = call(rules, "GET", "/api/v1/user/wallet")
    assert refused.status == 429
    assert refused.headers["Retry-After"] == "1"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.json()["error"]["name"] == "RateLimitError"
    blocked = [(o.limit, o.blocked_for) for o in V.feedback(429, refused.headers, refused.json()) if o.blocked_for]
    assert blocked == [("requests", 1)]
    clock.advance(0.5)  # one token back at 2 per second
    assert call(rules, "GET", "/api/v1/user/wallet").status == 200
    assert call(rules, "GET", "/api/v1/user/wallet").status == 429
    stats = rules.stats()
    assert (stats.accepted, stats.rejected_429) == (121, 2)


def test_the_second_layer_refuses_the_eleventh_order_in_a_second() -> None:
    clock = FakeClock()
    rules = make(clock)
    order = {"symbol": "XBTUSD", "orderQty": 100, "price": 50000}
    for i in range(10):
        answer = call(rules, "POST", "/api/v1/order", order)
        assert answer.status == 200
        assert answer.headers["x-ratelimit-remaining-1s"] == str(9 - i)
    refused = call(rules, "POST", "/api/v1/order", order)
    assert refused.status == 429
    assert refused.headers["x-ratelimit-remaining-1s"] == "0"
    assert refused.headers["x-ratelimit-remaining"] == "110"  # the general token is given back
    blocked = [(o.limit, o.blocked_for) for o in V.feedback(429, refused.headers, refused.json()) if o.blocked_for]
    assert blocked == [("orders_1s", 1)]
    # reads are not in the second layer
    assert call(rules, "GET", "/api/v1/order").status == 200
    clock.advance(0.1)  # one order token back at 10 per second
    assert call(rules, "POST", "/api/v1/order", order).status == 200


def test_orders_round_trip() -> None:
    rules = make(FakeClock())
    created = call(rules, "POST", "/api/v1/order", {"symbol": "XBTUSD", "orderQty": 100, "price": 1}).json()
    amended = call(rules, "PUT", "/api/v1/order", {"orderID": created["orderID"], "price": 2}).json()
    assert amended["price"] == 2
    [cancelled] = call(rules, "DELETE", "/api/v1/order", {"orderID": created["orderID"]}).json()
    assert cancelled["ordStatus"] == "Canceled"
    assert call(rules, "POST", "/api/v1/order", {"symbol": "XBTUSD", "orderQty": 0}).status == 400


def test_anonymous_clients_share_thirty_per_minute_per_address() -> None:
    clock = FakeClock()
    rules = make(clock)
    for _ in range(30):
        assert call(rules, "GET", "/api/v1/instrument/active", headers={}).status == 200
    assert call(rules, "GET", "/api/v1/instrument/active", headers={}).status == 429
    assert call(rules, "GET", "/api/v1/instrument/active", headers={}, ip="127.0.0.2").status == 200
    assert call(rules, "GET", "/api/v1/instrument/active").status == 200  # a key has its own bucket
    assert call(rules, "GET", "/api/v1/position", headers={}, ip="127.0.0.3").status == 401


def test_repeated_429s_start_a_ban_answered_403_that_the_venue_reads_as_one() -> None:
    clock = FakeClock()
    rules = make(clock, requests_limit=2, ban_after=3)
    for _ in range(2):
        assert call(rules, "GET", "/api/v1/position").status == 200
    assert [call(rules, "GET", "/api/v1/position").status for _ in range(3)] == [429, 429, 429]
    banned = call(rules, "GET", "/api/v1/position")
    assert banned.status == 403
    assert banned.headers["Retry-After"] == "3600"
    observations = V.feedback(403, banned.headers, banned.json())
    assert {(o.limit, o.blocked_for) for o in observations} == {("requests", 3600), ("orders_1s", 3600)}
    clock.advance(3600)
    assert call(rules, "GET", "/api/v1/position").status == 200
    assert rules.stats().bans == 1


def test_overload_answers_503_and_the_venue_backs_off_half_a_second() -> None:
    rules = make(FakeClock(), overload_every=3)
    statuses = [call(rules, "GET", "/api/v1/orderBook/L2").status for _ in range(6)]
    assert statuses == [200, 200, 503, 200, 200, 503]
    answer = [call(rules, "GET", "/api/v1/orderBook/L2") for _ in range(3)][-1]
    assert answer.status == 503
    assert answer.json()["error"]["message"] == "The system is currently overloaded. Please try again later."
    blocked = [(o.limit, o.blocked_for) for o in V.feedback(503, answer.headers, answer.json()) if o.blocked_for]
    assert blocked == [("requests", 0.5)]


def test_unknown_routes_and_methods() -> None:
    rules = make(FakeClock())
    assert call(rules, "GET", "/api/v1/nothing").status == 404
    assert call(rules, "POST", "/api/v1/trade").status == 405


def test_bad_options_fail_at_construction() -> None:
    with pytest.raises(ValueError, match="requests_limit"):
        make(FakeClock(), requests_limit=0)
    with pytest.raises(ValueError, match="ban_after"):
        make(FakeClock(), ban_after=-1)


def test_a_limiter_with_the_venue_rules_gets_no_429_and_uses_the_budget() -> None:
    # Requests and orders as fast as the limiter admits them for 60 s of fake time.
    clock = FakeClock()
    rules = make(clock)
    limiter = rk.Limiter(list(V.limits.values()), clock=clock)
    order = {"symbol": "XBTUSD", "orderQty": 1, "price": 1}
    accepted = 0
    step = 0.01
    for i in range(6000):
        method, path, body = ("POST", "/api/v1/order", order) if i % 3 == 0 else ("GET", "/api/v1/position", None)
        cost = V.cost(method, path, body)
        while limiter.try_acquire(cost) is None:
            clock.advance(step)
        answer = call(rules, method, path, body)
        assert answer.status == 200, answer.headers
        limiter.observe(V.feedback(answer.status, answer.headers, answer.json(), now=clock.wall()))
        accepted += 1
        if clock.now() - 1000.0 >= 60:
            break
    elapsed = clock.now() - 1000.0
    # the bucket allows 120 at once plus 2 per second: at least 95% of it was used
    assert accepted >= 0.95 * (120 + 2 * elapsed)
    assert rules.stats().rejected_429 == 0


def test_served_over_http_with_the_headers() -> None:
    pytest.importorskip("aiohttp", reason="MockVenue needs the ratekeeper[mock] extra (aiohttp)")
    requests = pytest.importorskip("requests")
    from ratekeeper.testing import MockVenue

    clock = FakeClock()
    with MockVenue("bitmex", clock=clock.wall, requests_limit=1) as mock, requests.Session() as http:
        ok = http.get(mock.url + "/api/v1/position", headers=KEY, timeout=5)
        refused = http.get(mock.url + "/api/v1/position", headers=KEY, timeout=5)
    assert (ok.status_code, ok.headers["x-ratelimit-remaining"]) == (200, "0")
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "60")
    assert refused.json()["error"]["name"] == "RateLimitError"
