"""The HTX mock venue's limits and signals, driven without a server (pure rules + FakeClock),
and its answers read back by ratekeeper's HTX feedback parser."""

from __future__ import annotations

import pytest

from ratekeeper.testing import FakeClock
from ratekeeper.testing._mock import HtxRules, HtxUsdtmRules, MockRequest, MockResponse, rules_for
from ratekeeper.venues import venue

T0 = 1_700_000_000.0  # a multiple of 2 s: windows start here
SPOT = venue("htx")
SWAP = venue("htx_usdtm")
T3 = 1_700_000_001.0  # a multiple of 3 s


def _req(method: str, path: str, key: str | None = "key-a", ip: str = "10.0.0.1") -> MockRequest:
    query = {"AccessKeyId": key, "SignatureMethod": "HmacSHA256", "Signature": "x"} if key else {}
    return MockRequest(method, path, ip, {}, query)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def htx(clock: FakeClock) -> HtxRules:
    return HtxRules(clock=clock.now, uids={"key-a": "uid-1", "key-b": "uid-1"})


def test_registered_and_validated(clock: FakeClock) -> None:
    assert rules_for("htx") is HtxRules
    with pytest.raises(ValueError, match="uids"):
        HtxRules(clock=clock.now, uids={"k": 1})  # type: ignore[dict-item]


def test_margin_loan_is_two_per_two_seconds_per_uid(htx: HtxRules, clock: FakeClock) -> None:
    first = htx.handle(_req("POST", "/v1/margin/orders"))
    assert first.status == 200 and first.json()["status"] == "ok"
    assert first.headers["X-HB-RateLimit-Requests-Remain"] == "1"
    assert first.headers["X-HB-RateLimit-Requests-Expire"] == str(round((T0 + 2) * 1000))
    assert htx.handle(_req("POST", "/v1/margin/orders", key="key-b")).status == 200  # same UID
    refused = htx.handle(_req("POST", "/v1/margin/orders"))
    assert refused.status == 200
    assert refused.json()["err-code"] == "frequent-invoke"
    clock.advance(2.0)
    assert htx.handle(_req("POST", "/v1/margin/orders")).json()["status"] == "ok"


def test_legacy_budget_is_per_key_and_per_ip(htx: HtxRules, clock: FakeClock) -> None:
    for _ in range(10):
        assert htx.handle(_req("GET", "/v2/account/ledger")).json()["code"] == 200
    assert htx.handle(_req("GET", "/v2/account/ledger")).json()["code"] == 40403
    # another key of the same UID has a legacy budget of its own
    assert htx.handle(_req("GET", "/v2/account/ledger", key="key-b")).json()["code"] == 200
    for _ in range(10):
        assert htx.handle(_req("GET", "/v1/common/timestamp", key=None)).status == 200
    assert htx.handle(_req("GET", "/v1/common/timestamp", key=None)).status == 429
    assert htx.handle(_req("GET", "/v1/common/timestamp", key=None, ip="10.0.0.2")).status == 200
    clock.advance(1.0)
    assert htx.handle(_req("GET", "/v2/account/ledger")).json()["code"] == 200


def test_unsigned_private_request_is_not_a_rate_limit(htx: HtxRules) -> None:
    answer = htx.handle(_req("GET", "/v1/order/openOrders", key=None))
    assert answer.json()["err-code"] == "api-signature-not-valid"
    weighed = SPOT.weigh("GET", "/v1/order/openOrders")
    assert SPOT.feedback(answer.status, answer.headers, answer.body, weighed, now=T0) == []
    assert htx.stats().errors_by_kind == {"api-signature-not-valid": 1}


def test_unknown_paths_and_methods(htx: HtxRules) -> None:
    assert htx.handle(_req("GET", "/v9/nothing")).status == 404
    assert htx.handle(_req("GET", "/v1/order/orders/place")).status == 405


def _feedback(answer: MockResponse, method: str, path: str) -> list[tuple[str, float | None, float | None]]:
    weighed = SPOT.weigh(method, path)
    observations = SPOT.feedback(answer.status, answer.headers, answer.body, weighed, now=T0)
    return [(o.limit, o.remaining, o.blocked_for) for o in observations]


def test_the_venue_reads_the_mock_signals(htx: HtxRules) -> None:
    ok = htx.handle(_req("POST", "/v1/order/orders/place"))
    [(limit, remaining, blocked)] = _feedback(ok, "POST", "/v1/order/orders/place")
    assert (limit, remaining, blocked) == ("place_order", 99, None)
    assert htx.handle(_req("GET", "/v1/order/cancelAllOrders")).status == 200
    refused = htx.handle(_req("GET", "/v1/order/cancelAllOrders"))
    assert refused.status == 429
    out = _feedback(refused, "GET", "/v1/order/cancelAllOrders")
    assert ("cancel_all", 0, None) in out
    assert ("cancel_all", None, 2.0) in out
    htx.handle(_req("POST", "/v1/margin/orders"))
    htx.handle(_req("POST", "/v1/margin/orders"))
    loan = _feedback(htx.handle(_req("POST", "/v1/margin/orders")), "POST", "/v1/margin/orders")
    assert ("isolated_loan", None, 2.0) in loan
    for _ in range(3):
        htx.handle(_req("GET", "/v2/account/valuation"))
    valuation = _feedback(htx.handle(_req("GET", "/v2/account/valuation")), "GET", "/v2/account/valuation")
    assert ("account_valuation", None, 1.0) in valuation
    assert htx.stats().rejected_429 == 3


# ------------------------------------------------------------------------------ USDT-M


@pytest.fixture
def usdtm() -> tuple[HtxUsdtmRules, FakeClock]:
    clock = FakeClock(T3)
    return HtxUsdtmRules(clock=clock.now, uids={"key-a": "uid-1", "key-b": "uid-1"}), clock


def test_usdtm_trade_and_read_are_separate_budgets_per_uid(usdtm: tuple[HtxUsdtmRules, FakeClock]) -> None:
    rules, clock = usdtm
    assert rules_for("htx_usdtm") is HtxUsdtmRules
    order = "/linear-swap-api/v1/swap_cross_order"
    for i in range(72):
        answer = rules.handle(_req("POST", order, key="key-a" if i % 2 else "key-b"))
        assert answer.json()["status"] == "ok"
    assert answer.headers["ratelimit-remaining"] == "0"
    refused = rules.handle(_req("POST", order))
    assert refused.status == 200 and refused.json()["err_code"] == 1032
    assert rules.handle(_req("POST", "/linear-swap-api/v1/swap_cross_account_info")).json()["status"] == "ok"
    assert rules.handle(_req("POST", order, key="key-other")).json()["status"] == "ok"  # another UID
    clock.advance(3.0)
    assert rules.handle(_req("POST", order)).json()["status"] == "ok"


def test_usdtm_public_budgets_and_unsigned_requests(usdtm: tuple[HtxUsdtmRules, FakeClock]) -> None:
    rules, _clock = usdtm
    for _ in range(240):
        assert rules.handle(_req("GET", "/linear-swap-api/v1/swap_index", key=None)).status == 200
    assert rules.handle(_req("GET", "/linear-swap-api/v1/swap_funding_rate", key=None)).status == 429
    assert rules.handle(_req("GET", "/linear-swap-ex/market/depth", key=None)).status == 200
    unsigned = rules.handle(_req("POST", "/linear-swap-api/v1/swap_cross_order", key=None))
    assert unsigned.json()["err_code"] == 1002
    weighed = SWAP.weigh("POST", "/linear-swap-api/v1/swap_cross_order")
    assert SWAP.feedback(unsigned.status, unsigned.headers, unsigned.body, weighed, now=T3) == []
    assert rules.handle(_req("GET", "/nothing")).status == 404


def test_usdtm_signals_are_read_by_the_venue(usdtm: tuple[HtxUsdtmRules, FakeClock]) -> None:
    rules, _clock = usdtm
    path = "/linear-swap-api/v1/swap_cross_account_info"
    weighed = SWAP.weigh("POST", path)
    ok = rules.handle(_req("POST", path))
    [o] = SWAP.feedback(ok.status, ok.headers, ok.body, weighed, now=T3)
    assert (o.limit, o.cap, o.remaining, o.reset_after) == ("read", 72, 71, 3.0)
    for _ in range(71):
        rules.handle(_req("POST", path))
    refused = rules.handle(_req("POST", path))
    out = SWAP.feedback(refused.status, refused.headers, refused.body, weighed, now=T3)
    assert [(o.limit, o.remaining) for o in out if o.blocked_for is None] == [("read", 0)]
    assert [(o.limit, o.blocked_for) for o in out if o.blocked_for is not None] == [("read", 3.0)]
