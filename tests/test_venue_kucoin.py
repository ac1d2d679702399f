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


# Read from each endpoint's docs-new page (https://www.kucoin.com/docs-new/<page>), which shows the
# endpoint's "api-rate-limit-pool" and "api-rate-limit-weight"; the quote names the page and the line.
# Pools at VIP0: Spot 4000/30 s per account, Public 2000/30 s per IP, Management and Earn 2000/30 s.
DOC_CASES: list[tuple[str, str, dict[str, float], str]] = [
    (
        "POST",
        "/api/v1/hf/orders",
        {"spot": 1},
        "api-3470188 Add Order: api-rate-limit-pool: Spot; api-rate-limit-weight: 1",
    ),
    (
        "POST",
        "/api/v1/hf/orders/sync",
        {"spot": 1},
        "api-3470170 Add Order Sync: api-rate-limit-pool: Spot; api-rate-limit-weight: 1",
    ),
    (
        "POST",
        "/api/v1/hf/orders/test",
        {"spot": 1},
        "api-3470187 Add Order Test: api-rate-limit-pool: Spot; api-rate-limit-weight: 1",
    ),
    (
        "POST",
        "/api/v1/hf/orders/multi",
        {"spot": 1},
        "api-3470168 Batch Add Orders: api-rate-limit-pool: Spot; api-rate-limit-weight: 1",
    ),
    (
        "POST",
        "/api/v1/hf/orders/multi/sync",
        {"spot": 1},
        "api-3470169 Batch Add Orders Sync: api-rate-limit-pool: Spot; api-rate-limit-weight: 1",
    ),
    (
        "DELETE",
        "/api/v1/hf/orders/671124f9365ccb00073debd4",
        {"spot": 1},
        "api-3470174 Cancel Order By OrderId: api-rate-limit-pool: Spot; api-rate-limit-weight: 1",
    ),
    (
        "DELETE",
        "/api/v1/hf/orders/sync/671124f9365ccb00073debd4",
        {"spot": 1},
        "api-3470185 Cancel Order By OrderId Sync: api-rate-limit-pool: Spot; api-rate-limit-weight: 1",
    ),
    (
        "DELETE",
        "/api/v1/hf/orders/client-order/5c52e11203aa677f33e493fb",
        {"spot": 1},
        "api-3470184 Cancel Order By ClientOid: api-rate-limit-pool: Spot; api-rate-limit-weight: 1",
    ),
    (
        "DELETE",
        "/api/v1/hf/orders/sync/client-order/5c52e11203aa677f33e493fb",
        {"spot": 1},
        "api-3470186 Cancel Order By ClientOid Sync: api-rate-limit-pool: Spot; api-rate-limit-weight: 1",
    ),
    (
        "DELETE",
        "/api/v1/hf/orders/cancel/671124f9365ccb00073debd4",
        {"spot": 2},
        "api-3470183 Cancel Partial Order: api-rate-limit-pool: Spot; api-rate-limit-weight: 2",
    ),
    (
        "DELETE",
        "/api/v1/hf/orders",
        {"spot": 2},
        "api-3470175 Cancel All Orders By Symbol: api-rate-limit-pool: Spot; api-rate-limit-weight: 2",
    ),
    (
        "DELETE",
        "/api/v1/hf/orders/cancelAll",
        {"spot": 30},
        "api-3470176 Cancel All Orders: api-rate-limit-pool: Spot; api-rate-limit-weight: 30",
    ),
    (
        "POST",
        "/api/v1/hf/orders/alter",
        {"spot": 1},
        "api-3470171 Modify Order: api-rate-limit-pool: Spot; api-rate-limit-weight: 1",
    ),
    (
        "GET",
        "/api/v1/hf/orders/671124f9365ccb00073debd4",
        {"spot": 2},
        "api-3470181 Get Order By OrderId: api-rate-limit-pool: Spot; api-rate-limit-weight: 2",
    ),
    (
        "GET",
        "/api/v1/hf/orders/client-order/5c52e11203aa677f33e493fb",
        {"spot": 2},
        "api-3470182 Get Order By ClientOid: api-rate-limit-pool: Spot; api-rate-limit-weight: 2",
    ),
    (
        "GET",
        "/api/v1/hf/orders/active",
        {"spot": 2},
        "api-3470178 Get Open Orders: api-rate-limit-pool: Spot; api-rate-limit-weight: 2",
    ),
    (
        "GET",
        "/api/v1/hf/orders/done",
        {"spot": 2},
        "api-3470179 Get Closed Orders: api-rate-limit-pool: Spot; api-rate-limit-weight: 2",
    ),
    (
        "GET",
        "/api/v1/hf/fills",
        {"spot": 2},
        "api-3470180 Get Trade History: api-rate-limit-pool: Spot; api-rate-limit-weight: 2",
    ),
    (
        "POST",
        "/api/v1/hf/orders/dead-cancel-all",
        {"spot": 2},
        "api-3470173 Set DCP: api-rate-limit-pool: Spot; api-rate-limit-weight: 2",
    ),
    (
        "POST",
        "/api/v3/hf/margin/order",
        {"spot": 2},
        "api-3470204 Add Order: api-rate-limit-pool: Spot; api-rate-limit-weight: 2",
    ),
    (
        "DELETE",
        "/api/v3/hf/margin/orders/671124f9365ccb00073debd4",
        {"spot": 2},
        "api-3470195 Cancel Order By OrderId: api-rate-limit-pool: Spot; api-rate-limit-weight: 2",
    ),
    (
        "GET",
        "/api/v3/hf/margin/orders/done",
        {"spot": 10},
        "api-3470199 Get Closed Orders: api-rate-limit-pool: Spot; api-rate-limit-weight: 10",
    ),
    (
        "POST",
        "/api/v3/margin/borrow",
        {"spot": 15},
        "api-3470206 Borrow: api-rate-limit-pool: Spot; api-rate-limit-weight: 15",
    ),
    (
        "GET",
        "/api/v3/margin/interest",
        {"spot": 20},
        "api-3470209 Get Interest History.: api-rate-limit-pool: Spot; api-rate-limit-weight: 20",
    ),
    (
        "GET",
        "/api/v1/margin/config",
        {"spot": 25},
        "api-3470190 Get Margin Config: api-rate-limit-pool: Spot; api-rate-limit-weight: 25",
    ),
    (
        "GET",
        "/api/v3/market/orderbook/level2",
        {"spot": 3},
        "api-3470164 Get Full OrderBook: api-rate-limit-pool: Spot; api-rate-limit-weight: 3",
    ),
    (
        "GET",
        "/api/v3/announcements",
        {"public": 20},
        "api-3470157 Get Announcements: api-rate-limit-pool: Public; api-rate-limit-weight: 20",
    ),
    (
        "GET",
        "/api/v2/symbols/BTC-USDT",
        {"public": 4},
        "api-3470159 Get Symbol: api-rate-limit-pool: Public; api-rate-limit-weight: 4",
    ),
    (
        "GET",
        "/api/v1/my-ip",
        {"public": 0},
        "api-3471123 Get Client IP Address: api-rate-limit-pool: Public; api-rate-limit-weight: 0",
    ),
    (
        "GET",
        "/api/v1/mark-price/BTC-USDT/current",
        {"public": 2},
        "api-3470193 Get Mark Price Detail: api-rate-limit-pool: Public; api-rate-limit-weight: 2",
    ),
    (
        "GET",
        "/api/v3/mark-price/all-symbols",
        {"public": 10},
        "api-3470192 Get Mark Price List: api-rate-limit-pool: Public; api-rate-limit-weight: 10",
    ),
    (
        "GET",
        "/api/v1/market/orderbook/callauction/level2_20",
        {"public": 2},
        "api-3471564 Get Call Auction Part OrderBook: api-rate-limit-pool: Public; api-rate-limit-weight: 2",
    ),
    (
        "GET",
        "/api/v1/hf/accounts/opened",
        {"spot": 30},
        "api-3470120 Get Account Type - Spot: api-rate-limit-pool: Spot; api-rate-limit-weight: 30",
    ),
    (
        "POST",
        "/api/v3/accounts/universal-transfer",
        {"management": 4},
        "api-3470147 Flex Transfer: api-rate-limit-pool: Management; api-rate-limit-weight: 4",
    ),
    (
        "POST",
        "/api/v3/withdrawals",
        {"management": 5},
        "api-3470146 Withdraw (V3): api-rate-limit-pool: Management; api-rate-limit-weight: 5",
    ),
    (
        "GET",
        "/api/v1/otc-loan/discount-rate-configs",
        {"public": 10},
        "api-3471463 Get Discount Rate Configs: api-rate-limit-pool: Public; api-rate-limit-weight: 10",
    ),
    (
        "POST",
        "/api/v1/earn/orders",
        {"earn": 5},
        "api-3470268 Purchase: api-rate-limit-pool: Earn; api-rate-limit-weight: 5",
    ),
]


@pytest.mark.parametrize(("method", "path", "expected", "quote"), DOC_CASES, ids=[f"{c[0]} {c[1]}" for c in DOC_CASES])
def test_documented_weights(method: str, path: str, expected: dict[str, float], quote: str) -> None:
    weighed = V.weigh(method, path)
    assert weighed.known, quote
    assert {k: v for k, v in weighed.cost.items() if v or k in expected} == expected, quote
    [pool] = expected
    assert weighed.primary == pool
    assert V.limits[pool].scope == ("ip" if pool == "public" else "account")


def test_hf_orders_are_not_charged_the_default() -> None:
    # the issue: HF order endpoints weigh 1-2 but were charged the unknown default of 20
    oid = "671124f9365ccb00073debd4"
    for method, path in [
        ("DELETE", f"/api/v1/hf/orders/{oid}"),
        ("DELETE", f"/api/v1/hf/orders/sync/{oid}"),
        ("GET", f"/api/v1/hf/orders/{oid}"),
        ("POST", "/api/v1/hf/orders/alter"),
    ]:
        weighed = V.weigh(method, path)
        assert weighed.known and weighed.cost["spot"] <= 2, (method, path)


def test_public_market_data_spends_the_ip_pool_not_the_account_pool() -> None:
    for path in ["/api/v1/mark-price/BTC-USDT/current", "/api/v3/mark-price/all-symbols", "/api/v2/symbols/BTC-USDT"]:
        weighed = V.weigh("GET", path)
        assert weighed.known and set(weighed.cost) == {"public"}, path
        assert weighed.scope_for(ip="1.2.3.4", account="main")["ip"] == "1.2.3.4"
    # the full order book is signed: it spends the Spot pool (api-3470164: pool Spot, weight 3)
    assert V.cost("GET", "/api/v3/market/orderbook/level2", params={"symbol": "BTC-USDT"}) == {"spot": 3}


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


# Recorded answers, shaped as https://www.kucoin.com/docs-new/rate-limit describes them: every
# answer carries "gw-ratelimit-limit" (the pool's quota), "gw-ratelimit-remaining" and
# "gw-ratelimit-reset" (ms until the pool resets) for the pool the endpoint spends; over the
# quota: "http code:429, error code:429000"; server overload: 429000 "but the request header will
# not carry other personal rate limit information. This type of rate limit does not count".
HF_ORDER_OK = (
    200,
    {
        "Content-Type": "application/json",
        "gw-ratelimit-limit": "4000",
        "gw-ratelimit-remaining": "3999",
        "gw-ratelimit-reset": "29870",
    },
    '{"code":"200000","data":{"orderId":"670fd33bf9406e0007ab3945","clientOid":"5c52e11203aa677f33e493fb"}}',
)
TICKER_OK = (
    200,
    {"Gw-Ratelimit-Limit": "2000", "Gw-Ratelimit-Remaining": "1996", "Gw-Ratelimit-Reset": "17012"},
    '{"code":"200000","data":{"time":1729172965609,"sequence":"14609309753","price":"67269","size":"0.000025"}}',
)
POOL_EXHAUSTED = (
    429,
    {"gw-ratelimit-limit": "4000", "gw-ratelimit-remaining": "0", "gw-ratelimit-reset": "4210"},
    '{"code":"429000","msg":"Too Many Requests"}',
)
OVERLOADED = (429, {"Content-Type": "application/json"}, '{"code":"429000","msg":"Too Many Requests"}')


def test_recorded_hf_order_answer_syncs_the_spot_pool() -> None:
    status, headers, body = HF_ORDER_OK
    weighed = V.weigh("POST", "/api/v1/hf/orders", {"symbol": "BTC-USDT", "side": "buy", "type": "limit"})
    [o] = V.feedback(status, headers, body, weighed)
    assert (o.limit, o.cap, o.remaining, o.reset_after, o.blocked_for) == ("spot", 4000, 3999, 29.87, None)


def test_recorded_public_answer_syncs_the_ip_pool() -> None:
    status, headers, body = TICKER_OK
    weighed = V.weigh("GET", "/api/v1/market/orderbook/level1", params={"symbol": "BTC-USDT"})
    [o] = V.feedback(status, headers, body, weighed)
    assert (o.limit, o.cap, o.remaining, o.reset_after) == ("public", 2000, 1996, 17.012)


def test_recorded_429000_blocks_the_pool_until_the_reset_header() -> None:
    status, headers, body = POOL_EXHAUSTED
    weighed = V.weigh("DELETE", "/api/v1/hf/orders/671124f9365ccb00073debd4", params={"symbol": "BTC-USDT"})
    obs = V.feedback(status, headers, body, weighed)
    assert [(o.limit, o.remaining) for o in obs if o.blocked_for is None] == [("spot", 0)]
    assert [(o.limit, o.blocked_for) for o in obs if o.blocked_for] == [("spot", 4.21)]


def test_recorded_overload_429000_backs_off_without_touching_the_quota() -> None:
    status, headers, body = OVERLOADED
    weighed = V.weigh("GET", "/api/v1/market/allTickers")
    [o] = V.feedback(status, headers, body, weighed)
    assert (o.limit, o.blocked_for, o.remaining, o.cap) == ("public", 1, None, None)
    assert "overload" in o.reason
