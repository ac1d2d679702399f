"""Every HTTP integration against a real local server: the same behaviour through requests,
httpx (sync and async) and aiohttp.

What is checked each time: what the server received (how many requests, when), what the
caller got (a response, or which exception), and what the store learned
(``limiter.statistics()``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

import ratekeeper as rk
from ratekeeper import ActionOutcomeUnknown, ActionRefused, RetryPolicy, VenueRefused
from ratekeeper.venues import InvalidRequest, Venue

from .test_http_fixtures import DROP, FLAVOURS, Driver, Reply, ScriptServer, closed_port, reply, stat

ADDR = "0x00000000000000000000000000000000000000aa"
FAST = RetryPolicy(attempts=3, backoff=0.01, backoff_max=0.02)


def order(n: int = 1, action: str = "order") -> dict[str, Any]:
    key = "orders" if action == "order" else "cancels"
    return {"action": {"type": action, key: [{"a": 0, "b": True, "p": "1", "s": "1"}] * n}, "nonce": 1}


@pytest.fixture(params=FLAVOURS)
def flavour(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def srv() -> Iterator[ScriptServer]:
    with ScriptServer() as s:
        yield s


class Clients:
    """Builds drivers for one test and closes them after it."""

    def __init__(self, flavour: str) -> None:
        self.flavour = flavour
        self.made: list[Driver] = []

    def __call__(self, venue: str | Venue, base_url: str, **options: Any) -> Driver:
        options.setdefault("retry", FAST)
        d = Driver(self.flavour, venue, base_url=base_url, **options)
        self.made.append(d)
        return d


@pytest.fixture
def clients(flavour: str) -> Iterator[Clients]:
    c = Clients(flavour)
    yield c
    for d in c.made:
        d.close()


def hl(period: float = 60.0) -> Venue:
    return rk.venue("hyperliquid", ip_weight=(1200, period))


# --------------------------------------------------------------------------------------------
# the happy path


def test_read_is_weighed_and_settled_with_items_returned(clients: Clients, srv: ScriptServer) -> None:
    srv.script(reply(200, [{"tid": i} for i in range(100)]))
    c = clients(hl(), srv.url)
    r = c.call("POST", "/info", json_body={"type": "userFills", "user": ADDR})
    assert r.status == 200 and len(r.json()) == 100
    assert [s.path for s in srv.seen] == ["/info"]
    # estimated 20 + 2000/20 before, settled to 20 + ceil(100/20) after
    assert stat(c.stats(), "ip_weight").used == pytest.approx(25)


def test_post_info_returns_parsed_json(clients: Clients, srv: ScriptServer) -> None:
    srv.script(reply(200, {"coin": "BTC", "levels": [[], []]}))
    c = clients(hl(), srv.url)
    assert c.post_info({"type": "l2Book", "coin": "BTC"}) == {"coin": "BTC", "levels": [[], []]}
    assert srv.seen[0].json() == {"type": "l2Book", "coin": "BTC"}
    assert stat(c.stats(), "ip_weight").used == pytest.approx(2)


def test_post_info_is_hyperliquid_only(clients: Clients, srv: ScriptServer) -> None:
    c = clients("binance", srv.url)
    with pytest.raises(TypeError, match="Hyperliquid"):
        c.post_info({"type": "meta"})


def test_other_hosts_pass_through_untouched(clients: Clients, srv: ScriptServer) -> None:
    with ScriptServer() as other:
        other.script(reply(429, None), reply(429, None))
        c = clients(hl(), srv.url)
        r = c.call("POST", other.url + "/info", json_body={"type": "meta"})
        assert r.status == 429  # not the venue: returned as is, not retried, not charged
        assert len(other.seen) == 1 and not srv.seen
        assert c.stats() == ()


def test_relative_urls_are_joined_to_base_url(clients: Clients, srv: ScriptServer) -> None:
    c = clients(hl(), srv.url)
    c.call("POST", "/info", json_body={"type": "allMids"})
    c.call("POST", srv.url + "/info", json_body={"type": "allMids"})
    assert [s.path for s in srv.seen] == ["/info", "/info"]
    assert stat(c.stats(), "ip_weight").used == pytest.approx(4)


# --------------------------------------------------------------------------------------------
# reads: retried, each retry acquires again; Retry-After honoured through the store


def test_read_429_with_retry_after_waits_and_reacquires(clients: Clients, srv: ScriptServer) -> None:
    srv.script(reply(429, None, {"Retry-After": "0.3"}), reply(200, {"BTC": "1"}))
    c = clients(hl(), srv.url)
    r = c.call("POST", "/info", json_body={"type": "allMids"})
    assert r.status == 200
    assert len(srv.seen) == 2
    assert srv.seen[1].at - srv.seen[0].at >= 0.3 - 0.02
    # both attempts were charged: the 429 keeps its charge, the retry acquired its own
    assert stat(c.stats(), "ip_weight").used == pytest.approx(4)


def test_read_429_without_retry_after_waits_one_window(clients: Clients, srv: ScriptServer) -> None:
    srv.script(reply(429, None), reply(200, {}))
    c = clients(hl(period=0.4), srv.url, margin=0.0)
    assert c.call("POST", "/info", json_body={"type": "meta"}).status == 200
    assert len(srv.seen) == 2
    assert srv.seen[1].at - srv.seen[0].at >= 0.4 - 0.02


def test_read_5xx_retried_then_returned(clients: Clients, srv: ScriptServer) -> None:
    srv.default = reply(503, {"error": "busy"})
    c = clients(hl(), srv.url)
    r = c.call("POST", "/info", json_body={"type": "meta"})
    assert r.status == 503
    assert len(srv.seen) == FAST.attempts
    assert stat(c.stats(), "ip_weight").used == pytest.approx(20 * FAST.attempts)


def test_read_block_longer_than_cap_is_not_waited_for(clients: Clients, srv: ScriptServer) -> None:
    srv.script(reply(429, None, {"Retry-After": "30"}))
    c = clients(hl(), srv.url, retry=FAST.with_(max_retry_after=5.0))
    started = time.monotonic()
    assert c.call("POST", "/info", json_body={"type": "meta"}).status == 429
    assert time.monotonic() - started < 2.0
    assert len(srv.seen) == 1
    assert stat(c.stats(), "ip_weight").blocked_for == pytest.approx(30, abs=1)


def test_read_connection_drop_is_retried(clients: Clients, srv: ScriptServer) -> None:
    srv.script(DROP, reply(200, {"ok": 1}))
    c = clients(hl(), srv.url)
    assert c.call("POST", "/info", json_body={"type": "meta"}).json() == {"ok": 1}
    assert len(srv.seen) == 2


def test_read_timeout_retried_then_original_error_reraised(clients: Clients, srv: ScriptServer) -> None:
    srv.default = Reply(200, b"{}", delay=0.6)
    c = clients(hl(), srv.url, retry=FAST.with_(attempts=2))
    with pytest.raises(Exception) as info:
        c.call("POST", "/info", json_body={"type": "meta"}, timeout=0.15)
    assert not isinstance(info.value, rk.RateKeeperError)
    assert "imeout" in type(info.value).__name__ or "imeout" in repr(info.value)
    assert len(srv.seen) == 2


# --------------------------------------------------------------------------------------------
# actions: never retried; a rate-limit answer raises ActionRefused


def test_action_429_raises_action_refused_and_blocks_the_store(clients: Clients, srv: ScriptServer) -> None:
    srv.script(reply(429, None, {"Retry-After": "7"}))
    c = clients(hl(), srv.url, address=ADDR)
    with pytest.raises(ActionRefused) as info:
        c.call("POST", "/exchange", json_body=order())
    e = info.value
    assert isinstance(e, VenueRefused) and isinstance(e, rk.RateKeeperError)
    assert (e.status, e.venue, e.retry_after, e.limit) == (429, "hyperliquid", 7.0, "ip_weight")
    assert e.rule is not None and "order" in e.rule
    assert e.body is None and e.response is not None
    assert len(srv.seen) == 1
    assert stat(c.stats(), "ip_weight").blocked_for == pytest.approx(7, abs=0.5)


def test_action_5xx_is_returned_not_retried(clients: Clients, srv: ScriptServer) -> None:
    srv.default = reply(502, None)
    c = clients(hl(), srv.url, address=ADDR)
    assert c.call("POST", "/exchange", json_body=order()).status == 502
    assert len(srv.seen) == 1


def test_hyperliquid_address_limit_body(clients: Clients, srv: ScriptServer) -> None:
    message = "Too many cumulative requests sent (10001 > 10000) for cumulative volume traded $0.00."
    srv.script(reply(200, {"status": "err", "response": message}))
    c = clients(hl(), srv.url, address=ADDR)
    with pytest.raises(ActionRefused) as info:
        c.call("POST", "/exchange", json_body=order())
    assert info.value.limit == "address_actions"
    assert info.value.body == {"status": "err", "response": message}
    st = stat(c.stats(), "address_actions", ADDR)
    assert st.blocked_for > 0 and st.capacity == 10000 and st.used >= 10000


def test_action_connection_drop_outcome_unknown(clients: Clients, srv: ScriptServer) -> None:
    srv.script(DROP)
    c = clients(hl(), srv.url, address=ADDR)
    with pytest.raises(ActionOutcomeUnknown) as info:
        c.call("POST", "/exchange", json_body=order())
    assert info.value.__cause__ is not None
    assert len(srv.seen) == 1
    assert stat(c.stats(), "ip_weight").used == pytest.approx(1)  # it may have counted: kept


def test_action_never_connected_reraises_and_gives_budget_back(clients: Clients) -> None:
    c = clients(hl(), closed_port(), address=ADDR)
    with pytest.raises(Exception) as info:
        c.call("POST", "/exchange", json_body=order())
    assert not isinstance(info.value, rk.RateKeeperError)
    assert all(s.used == 0 for s in c.stats())


def test_oversized_batch_refused_before_sending(clients: Clients, srv: ScriptServer) -> None:
    c = clients(hl(), srv.url, address=ADDR)
    with pytest.raises(InvalidRequest, match="200"):
        c.call("POST", "/exchange", json_body=order(201))
    assert not srv.seen
    assert c.stats() == ()


# --------------------------------------------------------------------------------------------
# other venues' signals


def test_binance_418_ban_blocks_every_ip_limit(clients: Clients, srv: ScriptServer) -> None:
    srv.script(reply(418, {"code": -1003, "msg": "IP banned"}, {"Retry-After": "120"}))
    c = clients("binance", srv.url)
    r = c.call("GET", "/api/v3/depth?symbol=BTCUSDT")
    assert r.status == 418  # a 2-minute ban is longer than max_retry_after: returned as is
    assert len(srv.seen) == 1
    stats = c.stats()
    assert stat(stats, "request_weight").blocked_for == pytest.approx(120, abs=1)
    assert stat(stats, "raw_requests").blocked_for == pytest.approx(120, abs=1)


def test_binance_used_weight_header_syncs_the_store(clients: Clients, srv: ScriptServer) -> None:
    srv.script(reply(200, {}, {"X-MBX-USED-WEIGHT-1M": "5000"}))
    c = clients("binance", srv.url)
    c.call("GET", "/api/v3/depth?symbol=BTCUSDT")
    assert stat(c.stats(), "request_weight").used >= 5000


def test_bitmex_403_ban_on_an_action(clients: Clients, srv: ScriptServer) -> None:
    error = {"message": "You have been banned for exceeding rate limits", "name": "HTTPError"}
    srv.script(reply(403, {"error": error}))
    c = clients("bitmex", srv.url, account="acct")
    with pytest.raises(ActionRefused) as info:
        c.call("POST", "/api/v1/order", json_body={"symbol": "XBTUSD", "orderQty": 1})
    assert info.value.status == 403 and info.value.retry_after == pytest.approx(3600)
    stats = c.stats()
    assert stat(stats, "requests").blocked_for > 3000
    assert stat(stats, "orders_1s").blocked_for > 3000


def test_bybit_403_on_a_read_is_returned_and_blocks(clients: Clients, srv: ScriptServer) -> None:
    srv.script(reply(403, None))
    c = clients("bybit", srv.url)
    assert c.call("GET", "/v5/market/tickers?category=linear").status == 403
    assert len(srv.seen) == 1
    assert stat(c.stats(), "ip_requests").blocked_for == pytest.approx(600, abs=1)


def test_bybit_10006_on_a_read_is_retried_after_the_reset(clients: Clients, srv: ScriptServer) -> None:
    reset_ms = str(int((time.time() + 0.3) * 1000))
    headers = {"X-Bapi-Limit": "50", "X-Bapi-Limit-Status": "0", "X-Bapi-Limit-Reset-Timestamp": reset_ms}
    srv.script(reply(200, {"retCode": 10006, "retMsg": "Too many visits!"}, headers), reply(200, {"retCode": 0}))
    c = clients("bybit", srv.url, account="acct")
    r = c.call("GET", "/v5/order/realtime?category=linear")
    assert r.json() == {"retCode": 0}
    assert len(srv.seen) == 2
    assert srv.seen[1].at - srv.seen[0].at >= 0.2


def test_okx_50011_on_an_order(clients: Clients, srv: ScriptServer) -> None:
    srv.script(reply(429, {"code": "50011", "msg": "Rate limit reached", "data": []}))
    c = clients("okx", srv.url, account="acct")
    with pytest.raises(ActionRefused) as info:
        c.call("POST", "/api/v5/trade/order", json_body={"instId": "BTC-USDT", "side": "buy", "sz": "1"})
    assert info.value.limit == "place_order"
    assert info.value.body == {"code": "50011", "msg": "Rate limit reached", "data": []}
    assert stat(c.stats(), "place_order").blocked_for > 0


def test_okx_batch_across_instruments_spends_each_instruments_budget(clients: Clients, srv: ScriptServer) -> None:
    # "Rate limits are defined on the Instrument ID level": a batch of 2 BTC and 1 ETH orders
    # spends 2 of BTC's and 1 of ETH's 300-per-2-s batch budget, not 3 of one of them
    srv.script(reply(200, {"code": "0", "msg": "", "data": []}))
    c = clients("okx", srv.url, account="acct")
    btc = {"instId": "BTC-USDT-SWAP", "tdMode": "cross", "side": "buy", "ordType": "limit", "sz": "1", "px": "1"}
    eth = {**btc, "instId": "ETH-USDT-SWAP"}
    c.call("POST", "/api/v5/trade/batch-orders", json_body=[btc, eth, btc])
    stats = c.stats()
    assert stat(stats, "batch_orders", "acct|BTC-USDT-SWAP").used == pytest.approx(2)
    assert stat(stats, "batch_orders", "acct|ETH-USDT-SWAP").used == pytest.approx(1)
    assert stat(stats, "sub_account_orders", "acct").used == pytest.approx(3)


# --------------------------------------------------------------------------------------------
# bad input: warnings, never a crash, never lost accounting


def test_garbage_body_warns_and_keeps_the_estimate(
    clients: Clients, srv: ScriptServer, caplog: pytest.LogCaptureFixture
) -> None:
    srv.script(reply(200, raw=b"<html>\x00\xff oops", headers={"Content-Type": "text/html"}))
    c = clients(hl(), srv.url)
    with caplog.at_level(logging.WARNING):
        r = c.call("POST", "/info", json_body={"type": "userFills", "user": ADDR})
    assert r.status == 200 and r.body.startswith(b"<html>")
    assert any("estimate" in rec.getMessage() for rec in caplog.records)
    assert stat(c.stats(), "ip_weight").used == pytest.approx(120)


def test_malformed_headers_warn_and_do_not_crash(
    clients: Clients, srv: ScriptServer, caplog: pytest.LogCaptureFixture
) -> None:
    srv.script(
        reply(200, {}, {"X-MBX-USED-WEIGHT-1M": "-5", "X-MBX-ORDER-COUNT-10S": "many"}),
        reply(429, {"code": -1003}, {"Retry-After": "soon", "X-MBX-USED-WEIGHT-1M": "lots"}),
    )
    # the 429 without a usable Retry-After blocks until the clock-aligned window ends, which
    # may be any time up to a minute away: a cap of 0 gives it back at once, wherever we are
    c = clients("binance", srv.url, retry=FAST.with_(max_retry_after=0.0))
    with caplog.at_level(logging.WARNING):
        assert c.call("GET", "/api/v3/ticker/price?symbol=BTCUSDT").status == 200
        assert c.call("GET", "/api/v3/ticker/price?symbol=BTCUSDT").status == 429
    text = " ".join(rec.getMessage() for rec in caplog.records)
    for name in ("Retry-After", "x-mbx-used-weight-1m", "x-mbx-order-count-10s"):
        assert name in text
    assert len(srv.seen) == 2
    assert stat(c.stats(), "request_weight").blocked_for > 0


def test_unknown_info_type_is_charged_conservatively_and_not_retried(clients: Clients, srv: ScriptServer) -> None:
    srv.script(reply(429, None, {"Retry-After": "0.1"}))
    c = clients(hl(), srv.url)
    assert c.call("POST", "/info", json_body={"type": "someNewInfoType"}).status == 429
    assert len(srv.seen) == 1
    assert stat(c.stats(), "ip_weight").used == pytest.approx(20)


def test_extra_weight_after_success_is_charged_at_once_and_never_fails(clients: Clients, srv: ScriptServer) -> None:
    # a window of 40: the estimate is capped at 40, the response says 20 + 2000/20 = 120
    srv.script(reply(200, [{"tid": i} for i in range(2000)]))
    c = clients(rk.venue("hyperliquid", ip_weight=(40, 60)), srv.url, margin=0.0)
    r = c.call("POST", "/info", json_body={"type": "userFills", "user": ADDR})
    assert r.status == 200 and len(r.json()) == 2000
    # the venue counted 120: so does the ledger, over the capacity, and the next request waits
    s = stat(c.stats(), "ip_weight")
    assert (s.used, s.available) == (120, 0) and s.next_free == pytest.approx(60, abs=1)


def test_priority_and_scope_reach_the_limiter(clients: Clients, srv: ScriptServer) -> None:
    vault = "0x00000000000000000000000000000000000000BB"
    c = clients(hl(), srv.url, address=ADDR, ip="203.0.113.7")
    c.call("POST", "/exchange", json_body={**order(3), "vaultAddress": vault})
    stats = c.stats()
    assert stat(stats, "ip_weight", "203.0.113.7").used == pytest.approx(1)
    assert stat(stats, "address_actions", vault.lower()).used == pytest.approx(3)
