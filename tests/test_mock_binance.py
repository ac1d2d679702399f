"""The Binance mock's /sapi pools and -1008 overload answer, driven in-process (no server),
and read back through the venue's feedback so the mock and the rules agree on the signals."""

from __future__ import annotations

import pytest

from ratekeeper.testing import FakeClock
from ratekeeper.testing._mock._core import MockRequest
from ratekeeper.testing._mock.binance import BinanceRules
from ratekeeper.venues import venue

SPOT = venue("binance")


def rules(start: float = 1_800_000_000.0) -> tuple[BinanceRules, FakeClock]:
    clock = FakeClock(start)
    return BinanceRules(clock=clock.now), clock


def test_sapi_ip_endpoint_has_its_own_pool_and_header() -> None:
    mock, _clock = rules()
    answer = mock.handle(MockRequest("GET", "/sapi/v1/capital/config/getall", "10.0.0.1"))
    assert answer.status == 200
    assert answer.headers["X-SAPI-USED-IP-WEIGHT-1M"] == "10"
    assert "X-MBX-USED-WEIGHT-1M" not in answer.headers  # /api weight untouched
    api = mock.handle(MockRequest("GET", "/api/v3/ping", "10.0.0.1"))
    assert api.headers["X-MBX-USED-WEIGHT-1M"] == "1"
    # the venue folds the header into that endpoint's pool
    weighed = SPOT.weigh("GET", "/sapi/v1/capital/config/getall")
    [obs] = SPOT.feedback(answer.status, answer.headers, answer.body, request=weighed, now=1_800_000_000.0)
    assert (obs.limit, obs.used) == ("sapi_ip_weight", 10)


def test_sapi_uid_pool_fills_per_key_and_endpoint_then_429_without_ban() -> None:
    mock, clock = rules()
    key = {"x-mbx-apikey": "k1"}
    history = MockRequest("GET", "/sapi/v1/capital/withdraw/history", "10.0.0.1", key)
    statuses = [mock.handle(history).status for _ in range(10)]
    assert statuses == [200] * 10  # 10 x 18000 = 180000
    refused = mock.handle(history)
    assert refused.status == 429 and refused.json()["code"] == -1003
    assert refused.headers["X-SAPI-USED-UID-WEIGHT-1M"] == "180000"
    again = mock.handle(history)
    assert again.status == 429  # never a 418 ban on /sapi
    # another endpoint and another key are separate pools
    assert mock.handle(MockRequest("POST", "/sapi/v1/asset/transfer", "10.0.0.1", key)).status == 200
    assert mock.handle(MockRequest("GET", history.path, "10.0.0.1", {"x-mbx-apikey": "k2"})).status == 200
    weighed = SPOT.weigh("GET", history.path)
    blocks = [
        o for o in SPOT.feedback(429, refused.headers, refused.body, request=weighed, now=clock.now()) if o.blocked_for
    ]
    assert [o.limit for o in blocks] == ["sapi_uid_weight"]
    clock.advance(60.0)
    assert mock.handle(history).status == 200


def test_overload_answers_503_minus_1008_then_recovers() -> None:
    mock, clock = rules()
    mock.overload(2.0)
    answer = mock.handle(MockRequest("GET", "/api/v3/depth", "10.0.0.1", query={"symbol": "BTCUSDT"}))
    assert answer.status == 503 and answer.json()["code"] == -1008
    usdm = venue("binance_usdm")
    weighed = usdm.weigh("GET", "/fapi/v1/depth", params={"symbol": "BTCUSDT"})
    [obs] = usdm.feedback(answer.status, answer.headers, answer.body, request=weighed, now=clock.now())
    assert obs.limit == "reads" and obs.blocked_for == pytest.approx(1.0)
    clock.advance(2.0)
    assert mock.handle(MockRequest("GET", "/api/v3/ping", "10.0.0.1")).status == 200
    with pytest.raises(ValueError, match="seconds"):
        mock.overload(-1)
