"""The OKX mock venue: per-endpoint limits per IP, per key and per key and instrument, the
sub-account order limit, codes 50011 / 50061, and the venue pack reading its answers."""

from __future__ import annotations

import json
from typing import Any

import pytest

import ratekeeper as rk
from ratekeeper.testing import FakeClock
from ratekeeper.testing._mock import MockRequest, MockResponse, OkxRules

SWAP = {"instId": "BTC-USDT-SWAP", "tdMode": "cross", "side": "buy", "ordType": "limit", "sz": "1", "px": "1"}
ETH = {**SWAP, "instId": "ETH-USDT-SWAP"}


def call(rules: OkxRules, method: str, path: str, body: Any = None, *, key: str | None = "k1") -> MockResponse:
    data = json.dumps(body).encode() if body is not None else b""
    headers = {"ok-access-key": key} if key else {}
    return rules.handle(MockRequest(method, path, "1.1.1.1", headers, {}, data))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=1_700_000_000.0)


def test_place_order_is_60_per_2s_per_instrument_then_50011(clock: FakeClock) -> None:
    rules = OkxRules(clock=clock.now)
    for _ in range(60):
        assert call(rules, "POST", "/api/v5/trade/order", SWAP).json()["code"] == "0"
    refused = call(rules, "POST", "/api/v5/trade/order", SWAP)
    assert refused.status == 429 and refused.json()["code"] == "50011"
    assert call(rules, "POST", "/api/v5/trade/order", ETH).json()["code"] == "0"  # another instrument
    venue = rk.venue("okx")
    weighed = venue.weigh("POST", "/api/v5/trade/order", SWAP)
    [o] = venue.feedback(refused.status, refused.headers, refused.body, weighed)
    assert (o.limit, o.blocked_for) == ("place_order", 2)
    clock.advance(2.0)
    assert call(rules, "POST", "/api/v5/trade/order", SWAP).json()["code"] == "0"


def test_a_batch_spends_each_instruments_budget(clock: FakeClock) -> None:
    rules = OkxRules(clock=clock.now)
    for _ in range(149):
        assert call(rules, "POST", "/api/v5/trade/batch-orders", [SWAP, SWAP]).json()["code"] == "0"
    # BTC has 2 of 300 left, ETH all 300: a batch of 3 BTC + 1 ETH fails one BTC order only
    r = call(rules, "POST", "/api/v5/trade/batch-orders", [SWAP, ETH, SWAP, SWAP])
    assert r.status == 200 and r.json()["code"] == "2"
    assert [d["sCode"] for d in r.json()["data"]] == ["0", "0", "0", "50011"]
    venue = rk.venue("okx")
    weighed = venue.weigh("POST", "/api/v5/trade/batch-orders", [SWAP, ETH, SWAP, SWAP])
    [o] = venue.feedback(r.status, r.headers, r.body, weighed)
    assert o.limit == "batch_orders"


def test_sub_account_limit_answers_50061_and_spares_spot(clock: FakeClock) -> None:
    rules = OkxRules(clock=clock.now, sub_account_orders=3)
    assert call(rules, "POST", "/api/v5/trade/batch-orders", [SWAP, ETH, SWAP]).json()["code"] == "0"
    r = call(rules, "POST", "/api/v5/trade/order", ETH)
    assert r.status == 429 and r.json()["code"] == "50061"
    venue = rk.venue("okx")
    [o] = venue.feedback(r.status, r.headers, r.body, venue.weigh("POST", "/api/v5/trade/order", ETH))
    assert o.limit == "sub_account_orders"
    spot = {**SWAP, "instId": "BTC-USDT", "tdMode": "cash"}
    assert call(rules, "POST", "/api/v5/trade/order", spot).json()["code"] == "0"


def test_public_limits_are_per_ip_and_private_need_a_key(clock: FakeClock) -> None:
    rules = OkxRules(clock=clock.now)
    codes = [call(rules, "GET", "/api/v5/public/time", key=None).status for _ in range(11)]
    assert codes == [200] * 10 + [429]  # 10 per 2 s per IP
    assert call(rules, "GET", "/api/v5/account/balance", key=None).status == 401
    codes = [call(rules, "GET", "/api/v5/account/balance").status for _ in range(11)]
    assert codes == [200] * 10 + [429]  # 10 per 2 s per key
    assert call(rules, "GET", "/api/v5/account/balance", key="k2").status == 200
    assert call(rules, "GET", "/nothing").status == 404
