"""The I/O-free core of the HTTP integrations: retry policy, margins, the gate's plans and
verdicts per signal, body parsing, option checks. No sockets, no sleeping."""

from __future__ import annotations

import dataclasses
import importlib
import logging
import random
import sys
from typing import Any

import pytest

import ratekeeper as rk
from ratekeeper._errors import ActionOutcomeUnknown, ActionRefused, VenueRefused
from ratekeeper.http import (
    DEFAULT_MARGINS,
    RETRYABLE_STATUSES,
    Gate,
    Options,
    Outcome,
    Plan,
    RetryPolicy,
    build_gate,
    default_priority,
    join_url,
    missing_extra,
    pad_limits,
    parse_body,
    resolve_venue,
)
from ratekeeper.testing import FakeClock
from ratekeeper.venues import InvalidRequest, Venue

BASE = "https://api.example.test"
ADDR = "0x00000000000000000000000000000000000000aa"
NOW = 1_800_000_000.0


def gate(venue: str | Venue = "hyperliquid", retry: RetryPolicy | None = None, **kw: Any) -> Gate[rk.Limiter]:
    v = resolve_venue(venue)
    limiter = rk.Limiter(v.limits, clock=FakeClock())
    return Gate(v, limiter, base_url=BASE, retry=retry, rng=random.Random(1), **kw)


def plan_of(g: Gate[Any], method: str, path: str, body: Any = None) -> Plan:
    p = g.plan(method, BASE + path, body)
    assert p is not None
    return p


def orders(n: int = 1, kind: str = "order") -> dict[str, Any]:
    key = "cancels" if kind.startswith("cancel") else "orders"
    return {"action": {"type": kind, key: [{"a": 0}] * n}, "nonce": 1}


# --------------------------------------------------------------------------------------------
# RetryPolicy


def test_backoff_is_full_jitter_under_a_capped_exponential() -> None:
    policy = RetryPolicy(backoff=0.5, backoff_max=3.0)
    a, b = random.Random(42), random.Random(42)
    delays = [policy.backoff_for(k, a) for k in range(1, 8)]
    assert delays == [policy.backoff_for(k, b) for k in range(1, 8)]  # seeded: reproducible
    ceilings = [0.5, 1.0, 2.0, 3.0, 3.0, 3.0, 3.0]
    assert all(0 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert len(set(delays)) == len(delays)  # jittered, not a fixed ladder


def test_backoff_without_jitter_is_the_exponential() -> None:
    policy = RetryPolicy(backoff=0.25, backoff_max=1.0, jitter=False)
    assert [policy.backoff_for(k) for k in range(0, 6)] == [0.0, 0.25, 0.5, 1.0, 1.0, 1.0]
    assert policy.backoff_for(10_000) == 1.0  # no overflow


def test_full_jitter_spreads_over_the_whole_interval() -> None:
    policy = RetryPolicy(backoff=1.0, backoff_max=1.0)
    rng = random.Random(7)
    samples = [policy.backoff_for(1, rng) for _ in range(2000)]
    assert min(samples) < 0.05 and max(samples) > 0.95
    assert 0.45 < sum(samples) / len(samples) < 0.55


def test_retry_policy_is_a_validated_frozen_value() -> None:
    p = RetryPolicy()
    assert p.statuses == RETRYABLE_STATUSES == frozenset({418, 429, 500, 502, 503, 504})
    assert RetryPolicy.never().attempts == 1
    assert p.with_(attempts=2).attempts == 2 and p.attempts == 4
    with pytest.raises(AttributeError):
        p.attempts = 3  # type: ignore[misc]
    for bad in ({"attempts": 0}, {"attempts": 1.5}, {"backoff": -1}, {"backoff_max": float("nan")}):
        with pytest.raises(ValueError):
            RetryPolicy(**bad)


# --------------------------------------------------------------------------------------------
# margins


def test_pad_limits() -> None:
    limits = {
        "s": rk.Limit("s", 10, 1.0),
        "f": rk.Limit("f", 10, 10.0, algorithm="fixed", offset=3.0),
        "t": rk.Limit("t", 10, 1.0, algorithm="token"),
        "q": rk.Limit("q", 10, 1.0, algorithm="quota"),
    }
    padded = {lim.name: lim for lim in pad_limits(limits, 0.02)}
    assert padded["s"].period == pytest.approx(1.02) and padded["s"].algorithm == "sliding"
    # a fixed window cannot be shifted in place: it becomes a sliding window of period + margin
    assert padded["f"].algorithm == "sliding" and padded["f"].offset == 0.0
    assert padded["f"].period == pytest.approx(10.02)
    assert padded["t"] == limits["t"] and padded["q"] == limits["q"]
    assert pad_limits(limits, 0) == list(limits.values())
    for bad in (-0.01, float("inf"), True):
        with pytest.raises(ValueError):
            pad_limits(limits, bad)


def test_every_venue_has_a_default_margin() -> None:
    from ratekeeper.venues import venue_names

    assert set(venue_names()) <= set(DEFAULT_MARGINS)
    g = build_gate("hyperliquid", rk.Limiter, clock=FakeClock())
    assert g.limiter.limits["ip_weight"].period == pytest.approx(60 + DEFAULT_MARGINS["hyperliquid"])
    g = build_gate("hyperliquid", rk.Limiter, margin=0.0, clock=FakeClock())
    assert g.limiter.limits["ip_weight"].period == 60


# --------------------------------------------------------------------------------------------
# plans


def test_plan_is_none_for_other_hosts() -> None:
    g = gate()
    assert g.plan("POST", "https://elsewhere.test/info", {"type": "meta"}) is None
    assert g.plan("POST", "http://api.example.test/info", {"type": "meta"}) is None  # other scheme
    assert g.plan("POST", "https://api.example.test:8443/info", {"type": "meta"}) is None
    assert g.plan("POST", "https://API.example.test:443/info", {"type": "meta"}) is not None
    assert g.plan("POST", "not a url", None) is None


def test_plan_weighs_scopes_and_prioritises() -> None:
    g = gate(ip="203.0.113.7", address=ADDR.upper().replace("0X", "0x"))
    read = plan_of(g, "POST", "/info", {"type": "l2Book", "coin": "BTC"})
    assert (dict(read.cost), read.priority, read.retryable, read.kind) == ({"ip_weight": 2}, 0, True, "read")
    assert read.scope["ip"] == "203.0.113.7"
    order = plan_of(g, "POST", "/exchange", orders(3))
    assert order.priority == 5 and not order.retryable
    assert order.scope["address"] == ADDR  # lower-cased
    cancel = plan_of(g, "POST", "/exchange", orders(1, "cancel"))
    assert cancel.priority == 10
    vault = "0x00000000000000000000000000000000000000bb"
    in_vault = plan_of(g, "POST", "/exchange", {**orders(1), "vaultAddress": vault})
    assert in_vault.scope["address"] == vault  # what the request names wins over the default


def test_plan_refuses_an_oversized_batch_before_anything() -> None:
    g = gate()
    with pytest.raises(InvalidRequest):
        g.plan("POST", BASE + "/exchange", orders(201))
    assert g.limiter.statistics() == ()


def test_priority_function_is_overridable() -> None:
    g = gate(priority=lambda w: 7 if w.kind == "read" else 1)
    assert plan_of(g, "POST", "/info", {"type": "meta"}).priority == 7
    assert plan_of(g, "POST", "/exchange", orders()).priority == 1


def test_default_priority_recognises_cancels_across_venues() -> None:
    cases = [
        ("binance", "DELETE", "/api/v3/order?symbol=BTCUSDT&orderId=1", 10),
        ("binance", "POST", "/api/v3/order", 5),
        ("okx", "POST", "/api/v5/trade/cancel-order", 10),
        ("bybit", "POST", "/v5/order/cancel", 10),
        ("bybit", "GET", "/v5/market/tickers", 0),
    ]
    for name, method, path, expected in cases:
        w = rk.venue(name).weigh(method, path, {"symbol": "BTCUSDT"} if method == "POST" else None)
        assert default_priority(w) == expected, (name, path)


# --------------------------------------------------------------------------------------------
# verdicts per signal


def verdict(
    g: Gate[Any], method: str, path: str, body: Any, status: int, headers: Any, answer: Any, attempt: int = 1
) -> Outcome:
    return g.outcome(plan_of(g, method, path, body), status, headers, answer, attempt=attempt, now=NOW)


def test_success_settles_items_returned() -> None:
    out = verdict(gate(), "POST", "/info", {"type": "userFills", "user": ADDR}, 200, {}, [{}] * 100)
    assert out.verdict == "ok" and dict(out.actual) == {"ip_weight": 25} and not out.rate_limited


def test_read_429_is_retried_and_blocks() -> None:
    out = verdict(gate(), "POST", "/info", {"type": "meta"}, 429, {"Retry-After": "2"}, None)
    assert out.verdict == "retry" and out.retry_after == 2 and out.limit == "ip_weight"
    assert 0 <= out.delay <= RetryPolicy().backoff
    assert [o.blocked_for for o in out.observations] == [2.0]


def test_read_429_without_retry_after_blocks_one_window_and_is_retried() -> None:
    out = verdict(gate(), "POST", "/info", {"type": "meta"}, 429, {}, None)
    assert out.verdict == "retry" and out.retry_after == 60


def test_read_block_above_the_cap_gives_up() -> None:
    out = verdict(gate(), "POST", "/info", {"type": "meta"}, 429, {"Retry-After": "61"}, None)
    assert out.verdict == "give_up" and "max_retry_after" in out.reason


def test_read_attempts_run_out() -> None:
    g = gate(retry=RetryPolicy(attempts=3))
    assert verdict(g, "POST", "/info", {"type": "meta"}, 503, {}, None, attempt=2).verdict == "retry"
    out = verdict(g, "POST", "/info", {"type": "meta"}, 503, {}, None, attempt=3)
    assert out.verdict == "give_up" and "3 attempts" in out.reason


def test_non_retryable_statuses_are_returned() -> None:
    for status in (400, 401, 404, 501):
        assert verdict(gate(), "POST", "/info", {"type": "meta"}, status, {}, None).verdict == "ok"
    g = gate(retry=RetryPolicy(statuses=frozenset({429})))
    assert verdict(g, "POST", "/info", {"type": "meta"}, 503, {}, None).verdict == "ok"


def test_actions_are_refused_on_rate_limits_and_returned_otherwise() -> None:
    g = gate()
    assert verdict(g, "POST", "/exchange", orders(), 429, {}, None).verdict == "refuse"
    assert verdict(g, "POST", "/exchange", orders(), 503, {}, None).verdict == "ok"
    ok = verdict(g, "POST", "/exchange", orders(), 200, {}, {"status": "ok"})
    assert ok.verdict == "ok"


def test_hyperliquid_address_limit_refuses_the_action() -> None:
    body = {"status": "err", "response": "Too many cumulative requests sent (10050 > 10000) for volume $0."}
    out = verdict(gate(), "POST", "/exchange", orders(), 200, {}, body)
    assert out.verdict == "refuse" and out.limit == "address_actions"
    assert dict(out.actual) == {"ip_weight": 1, "address_actions": 0, "address_cancels": 0}  # refused whole: refunded


def test_binance_418_gives_up_on_reads_unless_the_cap_allows() -> None:
    args = ("GET", "/api/v3/depth?symbol=BTCUSDT", None, 418, {"Retry-After": "120"}, {"code": -1003})
    assert verdict(gate("binance"), *args).verdict == "give_up"
    patient = gate("binance", retry=RetryPolicy(max_retry_after=300))
    out = verdict(patient, *args)
    assert out.verdict == "retry" and out.retry_after == 120
    assert {o.limit for o in out.observations} == {"request_weight", "raw_requests"}


def test_bybit_and_bitmex_403_bans() -> None:
    out = verdict(gate("bybit"), "GET", "/v5/market/tickers", None, 403, {}, None)
    assert out.verdict == "give_up" and out.retry_after == 600
    ban = {"error": {"message": "You have been banned", "name": "HTTPError"}}
    out = verdict(gate("bitmex"), "POST", "/api/v1/order", {"symbol": "XBTUSD"}, 403, {}, ban)
    assert out.verdict == "refuse" and out.retry_after == 3600
    plain = {"error": {"message": "Invalid API Key.", "name": "HTTPError"}}
    assert verdict(gate("bitmex"), "POST", "/api/v1/order", {"symbol": "XBTUSD"}, 403, {}, plain).verdict == "ok"


def test_body_level_signals() -> None:
    out = verdict(gate("bybit"), "GET", "/v5/order/realtime", None, 200, {}, {"retCode": 10006, "retMsg": "Too many"})
    assert out.verdict == "retry" and out.limit == "order_realtime"
    out = verdict(gate("okx"), "POST", "/api/v5/trade/order", {"instId": "BTC-USDT"}, 200, {}, {"code": "50011"})
    assert out.verdict == "refuse" and out.limit == "place_order"


def test_unknown_request_is_not_retried() -> None:
    out = verdict(gate(), "POST", "/info", {"type": "brandNew"}, 429, {"Retry-After": "1"}, None)
    assert out.verdict == "give_up"  # not known to be idempotent: returned as is


def test_garbage_never_raises() -> None:
    g = gate()
    for status, headers, body in [(200, {"Retry-After": "x"}, None), (200, [("a",)], "junk"), (429, None, b"\xff")]:
        out = g.outcome(plan_of(g, "POST", "/info", {"type": "userFills"}), status, headers, body, now=NOW)
        assert out.actual == {"ip_weight": 120}  # the estimate stands


def test_after_connection_errors() -> None:
    g = gate(retry=RetryPolicy(attempts=2))
    read = plan_of(g, "POST", "/info", {"type": "meta"})
    action = plan_of(g, "POST", "/exchange", orders())
    assert g.after_error(read, True, 1)[0] == "retry"
    assert g.after_error(read, True, 2) == ("raise", 0.0)
    assert g.after_error(read, False, 1)[0] == "retry"
    assert g.after_error(action, True, 1) == ("unknown", 0.0)
    assert g.after_error(action, False, 1) == ("raise", 0.0)
    no_conn = gate(retry=RetryPolicy(connection_errors=False))
    assert no_conn.after_error(plan_of(no_conn, "POST", "/info", {"type": "meta"}), True, 1)[0] == "raise"


def test_errors_say_what_happened() -> None:
    g = gate()
    p = plan_of(g, "POST", "/exchange", orders())
    out = g.outcome(p, 429, {"Retry-After": "3"}, None, now=NOW)
    e = g.refused(p, 429, None, out, response="raw")
    assert isinstance(e, ActionRefused) and isinstance(e, VenueRefused) and isinstance(e, rk.RateKeeperError)
    assert (e.status, e.retry_after, e.limit, e.venue, e.response) == (429, 3.0, "ip_weight", "hyperliquid", "raw")
    assert "not retried" in str(e) and "retry after 3 s" in str(e)
    u = g.unknown(p, TimeoutError("read timed out"))
    assert isinstance(u, ActionOutcomeUnknown) and "may or may not" in str(u) and u.venue == "hyperliquid"


# --------------------------------------------------------------------------------------------
# bodies, options, extras


def test_parse_body(caplog: pytest.LogCaptureFixture) -> None:
    assert parse_body(b'{"a": [1]}') == {"a": [1]}
    assert parse_body(b"null") is None
    with caplog.at_level(logging.WARNING, logger="ratekeeper.http"):
        assert parse_body(b"") is None and parse_body(None) is None
        assert not caplog.records
        assert parse_body(b"<html>", venue="v", status=502) is None
        assert parse_body(b"\xff\xfe", venue="v", status=200) is None
    assert len(caplog.records) == 2
    assert caplog.records[0].__dict__["status"] == 502  # structured extras


def test_build_gate_options() -> None:
    g = build_gate("hyperliquid", rk.Limiter, testnet=True)
    assert g.base_url == "https://api.hyperliquid-testnet.xyz"
    assert build_gate("hyperliquid", rk.Limiter).base_url == "https://api.hyperliquid.xyz"
    with pytest.raises(ValueError, match="testnet"):
        build_gate("okx", rk.Limiter, testnet=True)
    pooled = build_gate("hyperliquid", rk.Limiter, proxy_pool=["http://p1:8080"])
    assert pooled.router is not None and pooled.router.members == ("p1:8080",)
    with pytest.raises(ValueError, match="not a proxy"):
        build_gate("hyperliquid", rk.Limiter, proxy_pool=["p1"])
    assert build_gate("hyperliquid", rk.Limiter, proxy_pool=[]).router is None  # empty: no pool
    mine = rk.Limiter(rk.venue("hyperliquid").limits)
    assert build_gate("hyperliquid", rk.Limiter, limiter=mine).limiter is mine
    with pytest.raises(ValueError, match="not both"):
        build_gate("hyperliquid", rk.Limiter, limiter=mine, store="memory://x")
    with pytest.raises(TypeError):
        build_gate("hyperliquid", rk.AsyncLimiter, limiter=mine)
    with pytest.raises(ValueError, match="unknown venue"):
        build_gate("nope", rk.Limiter)
    with pytest.raises(TypeError):
        resolve_venue(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="absolute"):
        Gate(rk.venue("hyperliquid"), mine, base_url="/relative")


def test_options_are_one_checked_frozen_value() -> None:
    assert rk.Options is Options
    opts = Options(account="a", retry=RetryPolicy.never())
    assert (opts.store, opts.estimates, opts.testnet, opts.account) == ("memory://", "learned", False, "a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.account = "b"  # type: ignore[misc]
    changed = opts.with_(account="b", testnet=True)
    assert (changed.account, changed.testnet, changed.retry, opts.account) == ("b", True, opts.retry, "a")
    assert changed == Options(account="b", testnet=True, retry=RetryPolicy.never())
    mine = rk.Limiter(rk.venue("hyperliquid").limits)
    with pytest.raises(ValueError, match="not both"):  # checked when made, before any venue is read
        Options(limiter=mine, clock=FakeClock())
    with pytest.raises(ValueError, match="estimates"):
        Options(estimates="most")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="margin"):
        Options(margin=-1.0)
    with pytest.raises(ValueError, match="margin"):
        opts.with_(margin=float("nan"))


def test_build_gate_takes_the_options_value() -> None:
    opts = Options(testnet=True, account="acc", key="k1", margin=0.0, clock=FakeClock())
    g = build_gate("hyperliquid", rk.Limiter, opts)
    assert g.base_url == "https://api.hyperliquid-testnet.xyz"
    assert (g.account, g.key, g.transit) == ("acc", "k1", None)
    assert build_gate("hyperliquid", rk.AsyncLimiter, opts).account == "acc"  # one value, either world
    with pytest.raises(TypeError, match="not both"):
        build_gate("hyperliquid", rk.Limiter, opts, account="other")
    with pytest.raises(TypeError, match="Options"):
        build_gate("hyperliquid", rk.Limiter, {"account": "acc"})  # type: ignore[arg-type]


def test_every_integration_accepts_options() -> None:
    import inspect

    import aiohttp

    from ratekeeper import aiohttp as rkaiohttp
    from ratekeeper import httpx as rkhttpx
    from ratekeeper import requests as rkrequests

    opts = Options(account="acc", ip="10.0.0.9")
    with rkrequests.Session("hyperliquid", options=opts) as session:
        assert (session.gate.account, session.gate.ip) == ("acc", "10.0.0.9")
    with pytest.raises(TypeError, match="not both"):
        rkrequests.Session("hyperliquid", options=opts, account="other")
    assert rkrequests.Adapter("hyperliquid", options=opts).gate.account == "acc"
    with pytest.raises(TypeError, match="not both"):
        rkrequests.Adapter("hyperliquid", options=opts, account="other")
    with rkhttpx.Client("hyperliquid", options=opts) as client:
        assert client.gate.account == "acc"
    with pytest.raises(TypeError, match="not both"):
        rkhttpx.Client("hyperliquid", options=opts, ip="10.0.0.1")
    assert rkhttpx.AsyncClient("hyperliquid", options=opts).gate.account == "acc"
    assert rkhttpx.Transport("hyperliquid", options=opts).gate.account == "acc"
    assert rkhttpx.AsyncTransport("hyperliquid", options=opts).gate.account == "acc"
    with pytest.raises(TypeError, match="not both"):
        rkhttpx.AsyncTransport("hyperliquid", options=opts, account="other")
    assert rkaiohttp.Middleware("hyperliquid", options=opts).gate.account == "acc"
    for cls in (rkrequests.Session, rkhttpx.Client, rkhttpx.AsyncClient, rkaiohttp.ClientSession):
        assert inspect.signature(cls).parameters["options"].default is None
    assert issubclass(rkaiohttp.ClientSession, aiohttp.ClientSession)


async def test_the_aiohttp_session_accepts_options() -> None:
    from ratekeeper.aiohttp import ClientSession

    async with ClientSession("hyperliquid", options=Options(address=ADDR)) as session:
        assert session.gate.address == ADDR
    with pytest.raises(TypeError, match="not both"):
        ClientSession("hyperliquid", options=Options(), address=ADDR)


def test_venue_with_overrides_is_used_as_given() -> None:
    v = rk.venue("hyperliquid", ip_weight=(100, 2.0))
    g = build_gate(v, rk.Limiter, margin=0.05)
    assert g.venue is v
    assert (g.limiter.limits["ip_weight"].capacity, g.limiter.limits["ip_weight"].period) == (100, 2.05)


def test_join_url() -> None:
    assert join_url("https://h.test", "/info") == "https://h.test/info"
    assert join_url("https://h.test/api/", "v1/x") == "https://h.test/api/v1/x"
    assert join_url("https://h.test", "http://other.test/a") == "http://other.test/a"


def test_missing_extra_names_the_extra() -> None:
    assert "pip install 'ratekeeper[httpx]'" in str(missing_extra("httpx", "httpx"))


@pytest.mark.parametrize(("module", "library"), [("requests", "requests"), ("httpx", "httpx"), ("aiohttp", "aiohttp")])
def test_integration_without_its_library_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, module: str, library: str
) -> None:
    monkeypatch.setitem(sys.modules, library, None)
    monkeypatch.delitem(sys.modules, f"ratekeeper.{module}", raising=False)
    with pytest.raises(ImportError, match=rf"ratekeeper\[{module}\]"):
        importlib.import_module(f"ratekeeper.{module}")


def test_importing_the_core_does_not_import_the_venue_packs() -> None:
    import subprocess

    for module in ("ratekeeper.http", "ratekeeper.proxies"):
        code = f"import sys, {module}; print(any(m.startswith('ratekeeper.venues') for m in sys.modules))"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "False"


def test_contract_signatures() -> None:
    import inspect

    from ratekeeper.aiohttp import ClientSession
    from ratekeeper.httpx import AsyncClient, Client
    from ratekeeper.requests import Session

    for cls in (Session, Client, AsyncClient, ClientSession):
        params = inspect.signature(cls).parameters
        first = next(iter(params.values()))
        assert first.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, cls
        for name, default in (("base_url", None), ("store", "memory://"), ("proxy_pool", None)):
            assert params[name].kind is inspect.Parameter.KEYWORD_ONLY and params[name].default == default, (cls, name)


def test_okx_batch_across_instruments_plans_one_share_per_other_instrument() -> None:
    g = gate("okx", account="acct", ip="1.2.3.4")
    btc = {"instId": "BTC-USDT-SWAP", "side": "buy", "sz": "1"}
    eth = {**btc, "instId": "ETH-USDT-SWAP"}
    opt = {**btc, "instId": "BTC-USD-250328-50000-C"}  # options: limited per instrument family
    p = plan_of(g, "POST", "/api/v5/trade/batch-orders", [btc, eth, btc, opt])
    assert p.cost == {"batch_orders": 2, "sub_account_orders": 4}
    assert p.scope["account+instrument"] == "acct|BTC-USDT-SWAP"
    assert [(dict(c), s["account+instrument"]) for c, s in p.shares] == [
        ({"batch_orders": 1.0}, "acct|ETH-USDT-SWAP"),
        ({"batch_orders": 1.0}, "acct|BTC-USD"),
    ]
    moved = g.with_ip(p, "5.6.7.8")
    assert [s["ip"] for _, s in moved.shares] == ["5.6.7.8", "5.6.7.8"]
    single = plan_of(g, "POST", "/api/v5/trade/batch-orders", [btc, btc])
    assert single.shares == () and single.cost == {"batch_orders": 2, "sub_account_orders": 2}


def test_a_share_that_cannot_be_acquired_returns_everything() -> None:
    from ratekeeper.http._sync.send import _take_shares

    g = gate("okx", account="acct")
    btc = {"instId": "BTC-USDT-SWAP", "side": "buy", "sz": "1"}
    p = plan_of(g, "POST", "/api/v5/trade/batch-orders", [btc, btc, {**btc, "instId": "ETH-USDT-SWAP"}])
    bad = dataclasses.replace(p, shares=(*p.shares, ({"batch_orders": 301.0}, p.scope)))  # over the capacity
    first = g.limiter.acquire(p.cost, scope=p.scope)
    with pytest.raises(rk.CostExceedsCapacity):
        _take_shares(g.limiter, bad, first)
    assert all(s.used == 0 for s in g.limiter.statistics())  # the main grant and the first share given back
    grant = _take_shares(g.limiter, p, g.limiter.acquire(p.cost, scope=p.scope))
    used = {(s.limit, s.scope): s.used for s in g.limiter.statistics() if s.used}
    assert used[("batch_orders", "acct|BTC-USDT-SWAP")] == 2 and used[("batch_orders", "acct|ETH-USDT-SWAP")] == 1
    grant.release()
    assert all(s.used == 0 for s in g.limiter.statistics())
