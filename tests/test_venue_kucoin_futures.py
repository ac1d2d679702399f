"""KuCoin Futures (api-futures.kucoin.com): its own Futures pool per account, the Public pool per IP
(https://www.kucoin.com/docs-new/rate-limit), each endpoint's pool and weight from its docs-new page."""

from __future__ import annotations

import logging

import pytest

from ratekeeper.venues import _model, venue

F = venue("kucoin_futures")
S = venue("kucoin")

# Read from each endpoint's docs-new page (https://www.kucoin.com/docs-new/<page>), which shows the
# endpoint's "api-rate-limit-pool" and "api-rate-limit-weight"; the quote names the page and the line.
# Pools at VIP0: Futures 2000/30 s per account, Public 2000/30 s per IP, Management and CopyTrading
# 2000/30 s per account ("VIP0 | 4000/30s | 2000/30s | 2000/30s | 2000/30s | 2000/30s | 2000/30s").
DOC_CASES: list[tuple[str, str, dict[str, float], str]] = [
    (
        "POST",
        "/api/v1/orders",
        {"futures": 2},
        "api-3470235 Add Order: api-rate-limit-pool: Futures; api-rate-limit-weight: 2",
    ),
    (
        "POST",
        "/api/v1/orders/test",
        {"futures": 2},
        "api-3470238 Add Order Test: api-rate-limit-pool: Futures; api-rate-limit-weight: 2",
    ),
    (
        "POST",
        "/api/v1/orders/multi",
        {"futures": 20},
        "api-3470236 Batch Add Orders: api-rate-limit-pool: Futures; api-rate-limit-weight: 20",
    ),
    (
        "POST",
        "/api/v1/st-orders",
        {"futures": 2},
        "api-3470237 Add Take Profit And Stop Loss Order: api-rate-limit-pool: Futures; api-rate-limit-weight: 2",
    ),
    (
        "DELETE",
        "/api/v1/orders/671124f9365ccb00073debd4",
        {"futures": 1},
        "api-3470239 Cancel Order By OrderId: api-rate-limit-pool: Futures; api-rate-limit-weight: 1",
    ),
    (
        "DELETE",
        "/api/v1/orders/client-order/5c52e11203aa677f33e493fb",
        {"futures": 1},
        "api-3470240 Cancel Order By ClientOid: api-rate-limit-pool: Futures; api-rate-limit-weight: 1",
    ),
    (
        "DELETE",
        "/api/v1/orders/multi-cancel",
        {"futures": 20},
        "api-3470241 Batch Cancel Orders: api-rate-limit-pool: Futures; api-rate-limit-weight: 20",
    ),
    (
        "DELETE",
        "/api/v3/orders",
        {"futures": 10},
        "api-3470242 Cancel All Orders: api-rate-limit-pool: Futures; api-rate-limit-weight: 10",
    ),
    (
        "DELETE",
        "/api/v1/orders",
        {"futures": 800},
        "api-3470362 Cancel All Orders - V1: api-rate-limit-pool: Futures; api-rate-limit-weight: 800",
    ),
    (
        "DELETE",
        "/api/v1/stopOrders",
        {"futures": 15},
        "api-3470243 Cancel All Stop orders: api-rate-limit-pool: Futures; api-rate-limit-weight: 15",
    ),
    (
        "GET",
        "/api/v1/stopOrders",
        {"futures": 6},
        "api-3470247 Get Stop Order List: api-rate-limit-pool: Futures; api-rate-limit-weight: 6",
    ),
    (
        "GET",
        "/api/v1/orders/671124f9365ccb00073debd4",
        {"futures": 5},
        "api-3470245 Get Order By OrderId: api-rate-limit-pool: Futures; api-rate-limit-weight: 5",
    ),
    (
        "GET",
        "/api/v1/orders/byClientOid",
        {"futures": 5},
        "api-3470352 Get Order By ClientOid: api-rate-limit-pool: Futures; api-rate-limit-weight: 5",
    ),
    (
        "GET",
        "/api/v1/openOrderStatistics",
        {"futures": 10},
        "api-3470250 Get Open Order Value: api-rate-limit-pool: Futures; api-rate-limit-weight: 10",
    ),
    (
        "GET",
        "/api/v1/fills",
        {"futures": 5},
        "api-3470248 Get Trade History: api-rate-limit-pool: Futures; api-rate-limit-weight: 5",
    ),
    (
        "GET",
        "/api/v1/positions",
        {"futures": 2},
        "api-3470253 Get Position List: api-rate-limit-pool: Futures; api-rate-limit-weight: 2",
    ),
    (
        "POST",
        "/api/v1/position/margin/deposit-margin",
        {"futures": 4},
        "api-3470257 Add Isolated Margin: api-rate-limit-pool: Futures; api-rate-limit-weight: 4",
    ),
    (
        "GET",
        "/api/v1/margin/maxWithdrawMargin",
        {"futures": 10},
        "api-3470258 Get Max Withdraw Margin: api-rate-limit-pool: Futures; api-rate-limit-weight: 10",
    ),
    (
        "GET",
        "/api/v1/contracts/risk-limit/XBTUSDTM",
        {"public": 5},
        "api-3470263 Get Isolated Margin Risk Limit: api-rate-limit-pool: Public; api-rate-limit-weight: 5",
    ),
    (
        "GET",
        "/api/v1/contracts/active",
        {"public": 3},
        "api-3470220 Get All Symbols: api-rate-limit-pool: Public; api-rate-limit-weight: 3",
    ),
    (
        "GET",
        "/api/v1/allTickers",
        {"public": 5},
        "api-3470223 Get All Tickers: api-rate-limit-pool: Public; api-rate-limit-weight: 5",
    ),
    (
        "GET",
        "/api/v1/ticker",
        {"public": 2},
        "api-3470222 Get Ticker: api-rate-limit-pool: Public; api-rate-limit-weight: 2",
    ),
    (
        "GET",
        "/api/v1/level2/depth20",
        {"public": 5},
        "api-3470225 Get Part OrderBook: api-rate-limit-pool: Public; api-rate-limit-weight: 5",
    ),
    (
        "GET",
        "/api/v1/kline/query",
        {"public": 3},
        "api-3470234 Get Klines: api-rate-limit-pool: Public; api-rate-limit-weight: 3",
    ),
    (
        "GET",
        "/api/v1/trade-statistics",
        {"futures": 3},
        "api-3470228 Get 24hr stats: api-rate-limit-pool: Futures; api-rate-limit-weight: 3",
    ),
    (
        "GET",
        "/api/v1/timestamp",
        {"public": 2},
        "api-3470229 Get Server Time: api-rate-limit-pool: Public; api-rate-limit-weight: 2",
    ),
    (
        "GET",
        "/api/v1/status",
        {"public": 4},
        "api-3470230 Get Service Status: api-rate-limit-pool: Public; api-rate-limit-weight: 4",
    ),
    (
        "GET",
        "/api/v1/funding-rate/XBTUSDTM/current",
        {"public": 2},
        "api-3470265 Get Current Funding Rate: api-rate-limit-pool: Public; api-rate-limit-weight: 2",
    ),
    (
        "GET",
        "/api/v1/funding-history",
        {"futures": 5},
        "api-3470267 Get Private Funding History: api-rate-limit-pool: Futures; api-rate-limit-weight: 5",
    ),
    (
        "POST",
        "/api/v1/bullet-private",
        {"futures": 10},
        "api-3470296 Get Private Token - Futures: api-rate-limit-pool: Futures; api-rate-limit-weight: 10",
    ),
    (
        "GET",
        "/api/v1/account-overview",
        {"futures": 5},
        "api-3470129 Get Account - Futures: api-rate-limit-pool: Futures; api-rate-limit-weight: 5",
    ),
    (
        "GET",
        "/api/v1/trade-fees",
        {"futures": 3},
        "api-3470151 Get Actual Fee - Futures: api-rate-limit-pool: Futures; api-rate-limit-weight: 3",
    ),
    (
        "POST",
        "/api/v3/transfer-out",
        {"management": 20},
        "api-3470303 Futures Account Transfer Out: api-rate-limit-pool: Management; api-rate-limit-weight: 20",
    ),
    (
        "POST",
        "/api/v1/copy-trade/futures/orders",
        {"copytrading": 2},
        "api-3470363 Add Order: api-rate-limit-pool: CopyTrading; api-rate-limit-weight: 2",
    ),
    (
        "DELETE",
        "/api/v1/copy-trade/futures/orders",
        {"copytrading": 1},
        "api-3470620 Cancel Order By OrderId: api-rate-limit-pool: CopyTrading; api-rate-limit-weight: 1",
    ),
]


@pytest.mark.parametrize(("method", "path", "expected", "quote"), DOC_CASES, ids=[f"{c[0]} {c[1]}" for c in DOC_CASES])
def test_documented_weights(method: str, path: str, expected: dict[str, float], quote: str) -> None:
    weighed = F.weigh(method, path)
    assert weighed.known, quote
    assert dict(weighed.cost) == expected, quote
    [pool] = expected
    assert weighed.primary == pool
    assert F.limits[pool].scope == ("ip" if pool == "public" else "account")


@pytest.mark.parametrize(
    ("vip", "futures", "management"),
    # rate-limit page: "VIP0 | 4000/30s | 2000/30s | 2000/30s", "VIP2 | 8000/30s | 4000/30s | 4000/30s",
    # "VIP7 | 23000/30s | 10000/30s | 10000/30s", "VIP12 | 40000/30s | 20000/30s | 20000/30s"
    [(0, 2000, 2000), (2, 4000, 4000), (7, 10000, 10000), (12, 20000, 20000)],
)
def test_vip_pools(vip: int, futures: int, management: int) -> None:
    v = venue("kucoin_futures", vip=vip)
    assert (v.limits["futures"].capacity, v.limits["futures"].period, v.limits["futures"].scope) == (
        futures,
        30,
        "account",
    )
    assert v.limits["management"].capacity == management
    assert (v.limits["public"].capacity, v.limits["public"].scope) == (2000, "ip")
    assert (v.limits["copytrading"].capacity, v.limits["copytrading"].scope) == (2000, "account")
    assert v.mainnet == "https://api-futures.kucoin.com"


def test_bad_vip() -> None:
    with pytest.raises(ValueError, match="kucoin_futures: vip"):
        venue("kucoin_futures", vip=-1)


def test_futures_have_a_pool_of_their_own() -> None:
    # the same path on the two hosts spends different pools
    assert F.cost("POST", "/api/v1/orders") == {"futures": 2}
    assert S.cost("POST", "/api/v1/orders") == {"spot": 2}
    assert "spot" not in F.limits and "futures" not in S.limits


def test_unknown_endpoints_priced_by_class(caplog: pytest.LogCaptureFixture) -> None:
    _model._forget_unknown()
    with caplog.at_level(logging.WARNING, logger="ratekeeper.venues"):
        public = F.weigh("GET", "/api/v1/level3/snapshot")
        private = F.weigh("POST", "/api/v1/position/somethingNew")
    # public: the Public pool's heaviest futures weight (5); private: the Futures pool's heaviest
    # current weight (20, batch orders)
    assert (dict(public.cost), public.known, public.primary) == ({"public": 5}, False, "public")
    assert (dict(private.cost), private.known, private.primary) == ({"futures": 20}, False, "futures")
    logged = [r.getMessage() for r in caplog.records]
    assert any("kucoin_futures" in m and "GET /api/v1/level3/snapshot" in m for m in logged)
    assert any("POST /api/v1/position/somethingNew" in m and "'futures': 20.0" in m for m in logged)


def test_pages_without_a_weight_are_not_free() -> None:
    # api-3470249 Get Recent Trade History declares the Futures pool but no weight
    weighed = F.weigh("GET", "/api/v1/recentFills", params={"symbol": "XBTUSDTM"})
    assert weighed.known and weighed.cost["futures"] > 0


# Recorded answers, shaped as https://www.kucoin.com/docs-new/rate-limit describes them (headers
# gw-ratelimit-limit / -remaining / -reset in ms; "http code:429, error code:429000"; overload:
# 429000 without the personal headers, not counted against the quota).
ORDER_OK = (
    200,
    {"gw-ratelimit-limit": "2000", "gw-ratelimit-remaining": "1994", "gw-ratelimit-reset": "21560"},
    '{"code":"200000","data":{"orderId":"234125150956625920","clientOid":"5c52e11203aa677f33e493fb"}}',
)
POOL_EXHAUSTED = (
    429,
    {"gw-ratelimit-limit": "2000", "gw-ratelimit-remaining": "0", "gw-ratelimit-reset": "9800"},
    '{"code":"429000","msg":"Too Many Requests"}',
)
OVERLOADED: tuple[int, dict[str, str], str] = (429, {}, '{"code":"429000","msg":"Too Many Requests"}')


def test_recorded_order_answer_syncs_the_futures_pool() -> None:
    status, headers, body = ORDER_OK
    weighed = F.weigh("POST", "/api/v1/orders", {"symbol": "XBTUSDTM", "side": "buy", "leverage": 3, "size": 1})
    [o] = F.feedback(status, headers, body, weighed)
    assert (o.limit, o.cap, o.remaining, o.reset_after) == ("futures", 2000, 1994, 21.56)


def test_recorded_429000_blocks_the_futures_pool_until_reset() -> None:
    status, headers, body = POOL_EXHAUSTED
    weighed = F.weigh("DELETE", "/api/v1/orders/234125150956625920")
    obs = F.feedback(status, headers, body, weighed)
    assert [(o.limit, o.blocked_for) for o in obs if o.blocked_for] == [("futures", 9.8)]


def test_recorded_public_429000_blocks_the_ip_pool() -> None:
    status, headers, body = POOL_EXHAUSTED
    weighed = F.weigh("GET", "/api/v1/kline/query", params={"symbol": "XBTUSDTM", "granularity": 1})
    obs = F.feedback(status, {**headers, "gw-ratelimit-reset": "3000"}, body, weighed)
    assert [(o.limit, o.blocked_for) for o in obs if o.blocked_for] == [("public", 3.0)]


def test_recorded_overload_backs_off_one_second() -> None:
    status, headers, body = OVERLOADED
    weighed = F.weigh("GET", "/api/v1/positions")
    [o] = F.feedback(status, headers, body, weighed)
    assert (o.limit, o.blocked_for) == ("futures", 1)
    assert "overload" in o.reason
