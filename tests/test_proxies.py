"""Proxy pools without the network: parsing (lists, files, variables), redaction, least-wait
routing over per-proxy budgets, and failure records shared through every store (one record
per episode, the grace period not extended, back after it or after a health check)."""

from __future__ import annotations

import ast
import asyncio
import contextlib
import dataclasses
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import ratekeeper as rk
import ratekeeper.proxies
from ratekeeper.http import Gate, Plan, build_gate
from ratekeeper.proxies import (
    DOWN_LIMIT,
    Proxy,
    ProxyPool,
    ProxyRouter,
    ProxyUnavailable,
    Trip,
    as_pool,
    redact,
)
from ratekeeper.stores import Item, open_store
from ratekeeper.testing import FakeClock, unique_prefix

SECRET = "pa55-w0rd-XYZ"
BASE = "http://venue.test"


# --------------------------------------------------------------------------------------------
# one proxy


@pytest.mark.parametrize(
    ("text", "url", "label", "redacted"),
    [
        ("http://10.0.0.1:8080", "http://10.0.0.1:8080", "10.0.0.1:8080", "http://10.0.0.1:8080"),
        ("10.0.0.1:3128", "http://10.0.0.1:3128", "10.0.0.1:3128", "http://10.0.0.1:3128"),
        (
            f"http://alice:{SECRET}@Proxy.Example:8080",
            f"http://alice:{SECRET}@proxy.example:8080",
            "proxy.example:8080",
            "http://***@proxy.example:8080",
        ),
        (
            f"p.webshare.io:80:user-1:{SECRET}",
            f"http://user-1:{SECRET}@p.webshare.io:80",
            "p.webshare.io:80",
            "http://***@p.webshare.io:80",
        ),
        ("https://h.test", "https://h.test:443", "h.test:443", "https://h.test:443"),
        (
            "socks5h://u:p%40ss@h.test:1080",
            "socks5h://u:p%40ss@h.test:1080",
            "h.test:1080",
            "socks5h://***@h.test:1080",
        ),
        ("http://[::1]:8080", "http://[::1]:8080", "[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_proxy_forms(text: str, url: str, label: str, redacted: str) -> None:
    p = Proxy.parse(text)
    assert (p.url, p.label, p.redacted) == (url, label, redacted)
    assert str(p) == redacted and SECRET not in repr(p) and "p@ss" not in repr(p)


def test_proxy_password_is_decoded_and_label_can_be_given() -> None:
    p = Proxy.parse("socks5://u:p%40ss@h.test:1080", "eu-1")
    assert (p.username, p.password, p.label) == ("u", "p@ss", "eu-1")
    assert repr(p) == "Proxy('socks5://***@h.test:1080', label='eu-1')"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("ftp://h.test:21", "unsupported scheme"),
        ("http://h.test:99999", "port"),
        ("h.test", "expected scheme"),
        (f"h.test:80:{SECRET}", "expected scheme"),
        ("h.test:http", "port must be a number"),
        (f"http://u:{SECRET}@h.test:8080/path", "no path"),
        (f"http://u:{SECRET}@:8080", "no host"),
    ],
)
def test_malformed_proxies_are_refused_without_showing_the_password(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why) as refused:
        Proxy.parse(text, where="proxy_pool[0]")
    assert SECRET not in str(refused.value)
    if text:
        assert "proxy_pool[0]" in str(refused.value)


def test_labels_are_checked() -> None:
    with pytest.raises(ValueError, match="reserved"):
        Proxy.parse("h.test:80", "direct")
    with pytest.raises(ValueError, match="without spaces"):
        Proxy.parse("h.test:80", "a b")
    with pytest.raises(ValueError, match="credentials"):
        Proxy.parse(f"http://u:{SECRET}@h.test:80", f"x{SECRET}")


def test_redact() -> None:
    text = f"failed: http://alice:{SECRET}@h.test:80 and socks5://bob@x:1 but not http://h.test/a@b"
    assert redact(text) == "failed: http://***@h.test:80 and socks5://***@x:1 but not http://h.test/a@b"


# --------------------------------------------------------------------------------------------
# pools: lists, files, variables


def test_pool_from_list_and_options() -> None:
    pool = ProxyPool(["h1.test:80", Proxy.parse("h2.test:80", "two")], grace=60, max_rotations=1, direct=True)
    assert pool.labels == ("h1.test:80", "two")
    assert (pool.grace, pool.max_rotations, pool.direct, pool.fallback_direct) == (60.0, 1, True, False)
    assert pool.with_(grace=5).grace == 5.0 and pool.with_(grace=5).labels == pool.labels
    assert as_pool(pool) is pool
    assert as_pool(None) is None and as_pool([]) is None
    assert as_pool(["h1.test:80"]) == ProxyPool(["h1.test:80"])
    assert as_pool("h1.test:80, h2.test:80 two").labels == ("h1.test:80", "two")  # type: ignore[union-attr]
    assert "ProxyPool([http://h1.test:80, http://h2.test:80]" in repr(pool)


@pytest.mark.parametrize(
    ("options", "why"),
    [
        ({"grace": 0}, "grace must be > 0"),
        ({"grace": float("nan")}, "grace must be a finite number"),
        ({"max_rotations": -1}, "max_rotations"),
        ({"health_check": "not a url"}, "health_check must be an absolute"),
        ({"health_check": 3}, "health_check must be a URL or a function"),
        ({"refresh": -1}, "refresh must be >= 0"),
    ],
)
def test_bad_pool_options(options: dict[str, Any], why: str) -> None:
    with pytest.raises((ValueError, TypeError), match=why):
        ProxyPool(["h.test:80"], **options)


def test_duplicates_and_empty_pools_are_refused() -> None:
    with pytest.raises(ValueError, match="listed twice"):
        ProxyPool(["h.test:80", "http://h.test:80"])
    with pytest.raises(ValueError, match=r"two proxies have the label 'h\.test:80'.*give each its own label") as e:
        ProxyPool([f"h.test:80:user-1:{SECRET}", f"h.test:80:user-2:{SECRET}"])
    assert SECRET not in str(e.value)
    ProxyPool([Proxy.parse(f"h.test:80:user-1:{SECRET}", "u1"), Proxy.parse(f"h.test:80:user-2:{SECRET}", "u2")])
    with pytest.raises(ValueError, match="no proxies"):
        ProxyPool([])
    with pytest.raises(TypeError, match="from_file"):
        ProxyPool("h.test:80")


def test_pool_from_file(tmp_path: Path) -> None:
    path = tmp_path / "proxies.txt"
    path.write_text(
        "# exported from the provider\n"
        "\n"
        f"http://alice:{SECRET}@10.0.0.1:8080   eu-1   # the fast one\n"
        f"10.0.0.2:8080:alice:{SECRET}\n"
        "  socks5://10.0.0.3:1080\n"
    )
    pool = ProxyPool.from_file(path, grace=30)
    assert pool.labels == ("eu-1", "10.0.0.2:8080", "10.0.0.3:1080")
    assert pool.grace == 30.0 and pool.source == f"file:{path}"
    assert as_pool(f"file:{path}") == ProxyPool.from_file(path)
    assert as_pool(path) == ProxyPool.from_file(path)


def test_file_errors_name_the_file_and_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    with pytest.raises(ValueError, match=f"cannot read file:{missing}"):
        as_pool(f"file:{missing}")
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing yet\n\n")
    with pytest.raises(ValueError, match="lists no proxies"):
        as_pool(f"file:{empty}")
    bad = tmp_path / "bad.txt"
    bad.write_text(f"10.0.0.1:8080\nftp://u:{SECRET}@10.0.0.2:21\n")
    with pytest.raises(ValueError, match=f"file:{bad} line 2: 'ftp://\\*\\*\\*@10.0.0.2:21'") as e:
        as_pool(f"file:{bad}")
    assert SECRET not in str(e.value)
    three = tmp_path / "three.txt"
    three.write_text("10.0.0.1:8080 label extra\n")
    with pytest.raises(ValueError, match="line 1: expected 'PROXY \\[LABEL\\]'"):
        as_pool(f"file:{three}")
    with pytest.raises(ValueError, match="names no file"):
        as_pool("file:")


def test_pool_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RK_PROXIES", f"http://a:{SECRET}@10.0.0.1:8080 one,10.0.0.2:8080\n10.0.0.3:8080")
    assert as_pool("env:RK_PROXIES").labels == ("one", "10.0.0.2:8080", "10.0.0.3:8080")  # type: ignore[union-attr]
    monkeypatch.delenv("RK_PROXIES")
    with pytest.raises(ValueError, match="environment variable RK_PROXIES is not set"):
        as_pool("env:RK_PROXIES")
    monkeypatch.setenv("RK_PROXIES", "  ")
    with pytest.raises(ValueError, match="environment variable RK_PROXIES is empty"):
        as_pool("env:RK_PROXIES")
    with pytest.raises(ValueError, match="names no variable"):
        as_pool("env:")


def test_build_gate_checks_the_pool_before_anything_is_sent(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"proxy_pool\[1\]"):
        build_gate("hyperliquid", rk.Limiter, proxy_pool=["h.test:80", "nonsense"])
    with pytest.raises(ValueError, match="not set"):
        build_gate("hyperliquid", rk.Limiter, proxy_pool="env:RK_NO_SUCH_VARIABLE")

    async def check(p: Proxy) -> bool:
        return True

    with pytest.raises(TypeError, match="async health_check"):
        build_gate("hyperliquid", rk.Limiter, proxy_pool=ProxyPool(["h.test:80"], health_check=check))
    gate = build_gate("hyperliquid", rk.Limiter, proxy_pool=["h.test:80"], ip="203.0.113.7")
    assert gate.router is not None and gate.router.members == ("h.test:80",)
    assert gate.router.direct_scope == "203.0.113.7"


# --------------------------------------------------------------------------------------------
# routing over per-proxy budgets


def _gate(pool: ProxyPool | list[str], *, store: Any = "memory://", clock: FakeClock | None = None) -> Gate[rk.Limiter]:
    venue = rk.venue("hyperliquid", ip_weight=(10, 1.0))
    return build_gate(venue, rk.Limiter, base_url=BASE, proxy_pool=pool, store=store, margin=0, clock=clock)


def _mids(gate: Gate[Any]) -> Plan:
    plan = gate.plan("POST", BASE + "/info", b'{"type": "allMids"}')
    assert plan is not None and plan.cost == {"ip_weight": 2}
    return plan


def _router(gate: Gate[Any]) -> ProxyRouter:
    assert gate.router is not None
    return gate.router


def test_each_proxy_spends_its_own_ip_budget_in_turn() -> None:
    clock = FakeClock()
    gate = _gate(["p1.test:80", "p2.test:80", "p3.test:80"], clock=clock)
    router = _router(gate)
    used: list[str] = []
    for _ in range(15):  # 5 per proxy fit now (10 weight each, 2 per request)
        member, plan, _ = router.route(_mids(gate), Trip(), with_ip=gate.with_ip)
        assert plan.scope["ip"] == member.key
        used.append(member.key)
    assert {k: used.count(k) for k in set(used)} == {"p1.test:80": 5, "p2.test:80": 5, "p3.test:80": 5}
    stats = {(s.limit, s.scope): s.used for s in gate.limiter.statistics()}
    assert stats == {("ip_weight", "p1.test:80"): 10, ("ip_weight", "p2.test:80"): 10, ("ip_weight", "p3.test:80"): 10}


def test_least_wait_routing_avoids_a_spent_proxy() -> None:
    clock = FakeClock()
    gate = _gate(["p1.test:80", "p2.test:80", "p3.test:80"], clock=clock)
    router = _router(gate)
    gate.limiter.acquire({"ip_weight": 10}, scope={"ip": "p1.test:80"})  # p1 spent for 1 s
    clock.advance(0.5)
    gate.limiter.acquire({"ip_weight": 8}, scope={"ip": "p2.test:80"})  # p2 has 2 left, frees 8 at 1.5
    picked = [router.route(_mids(gate), Trip(), with_ip=gate.with_ip)[0].key for _ in range(6)]
    # p3 (10 free) and p2 (2 free) take all six; p1 (free again only at t=1.0) none
    assert picked.count("p1.test:80") == 0
    assert picked.count("p3.test:80") == 5 and picked.count("p2.test:80") == 1

    # every budget is now spent: the next request goes to the one free soonest (p1, at 1.0 s)
    got: list[str] = []
    t = threading.Thread(target=lambda: got.append(router.route(_mids(gate), Trip(), with_ip=gate.with_ip)[0].key))
    t.start()
    clock.wait_for_sleepers(1)
    clock.advance(0.5)
    t.join(5)
    assert got == ["p1.test:80"]


def test_a_cost_without_ip_limits_is_routed_in_turn() -> None:
    gate = _gate(["p1.test:80", "p2.test:80"])
    router = _router(gate)
    plan = _mids(gate)
    bare = Plan(plan.weighed, plan.method, plan.url, {}, plan.scope, 0)
    assert {router.route(bare, Trip(), with_ip=gate.with_ip)[0].key for _ in range(4)} == {"p1.test:80", "p2.test:80"}


def test_direct_is_a_member_when_asked() -> None:
    gate = build_gate(
        rk.venue("hyperliquid"), rk.Limiter, base_url=BASE, proxy_pool=ProxyPool(["p1.test:80"], direct=True)
    )
    router = _router(gate)
    assert router.members == ("p1.test:80", "direct")
    seen = {router.route(_mids(gate), Trip(), with_ip=gate.with_ip)[1].scope["ip"] for _ in range(4)}
    assert seen == {"p1.test:80", "*"}  # the direct connection spends the pool-less budget


# --------------------------------------------------------------------------------------------
# failure records: once per episode, shared, back after the grace period or a health check


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "memory":
        yield "memory"
    elif request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'budget.db'}"
    else:
        redis_url = request.getfixturevalue("redis_url")
        yield f"{redis_url}?prefix={unique_prefix()}"


def _shared(url: str, clock: FakeClock) -> Any:
    """The store for a router: one object for memory (shared in-process), a URL otherwise."""
    return open_store("memory://", clock) if url == "memory" else url


def test_concurrent_failures_make_one_record(store_url: str, caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    store = _shared(store_url, clock)
    pool = ProxyPool(["p1.test:80", "p2.test:80"], grace=60)
    gates = [_gate(pool, store=store, clock=clock) for _ in range(2)]  # two "workers" sharing the store
    member = _router(gates[0])._by_label["p1.test:80"]
    caplog.set_level(logging.DEBUG, logger="ratekeeper")
    barrier = threading.Barrier(16)

    def fail(k: int) -> None:
        barrier.wait()
        _router(gates[k % 2]).record_failure(member, "ConnectError: refused")

    threads = [threading.Thread(target=fail, args=(k,)) for k in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    failures = sum(s.failures for g in gates for s in _router(g).statistics())
    assert failures == 1
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "failed" in r.getMessage()]
    assert len(warnings) == 1
    assert len(gates[0].limiter.store.leases(DOWN_LIMIT, "p1.test:80")) == 1

    # a later failure inside the episode does not extend it
    clock.advance(20)
    _router(gates[1]).record_failure(member, "again")
    fresh = _gate(pool, store=store, clock=clock)  # a later run
    router = _router(fresh)
    router.refresh()
    (p1,) = [s for s in router.statistics() if s.label == "p1.test:80"]
    assert not p1.healthy and p1.down_for == pytest.approx(40, abs=0.5)
    assert [router.route(_mids(fresh), Trip(), with_ip=fresh.with_ip)[0].key for _ in range(3)] == ["p2.test:80"] * 3

    clock.advance(40.5)  # the grace period ends: back for everyone
    router.refresh()
    assert all(s.healthy for s in router.statistics())
    assert {router.route(_mids(fresh), Trip(), with_ip=fresh.with_ip)[0].key for _ in range(4)} == {
        "p1.test:80",
        "p2.test:80",
    }


def test_a_passing_health_check_clears_the_record_for_everyone(store_url: str) -> None:
    clock = FakeClock()
    store = _shared(store_url, clock)
    verdict = {"p1.test:80": False}
    pool = ProxyPool(["p1.test:80", "p2.test:80"], grace=300, health_check=lambda p: verdict.get(p.label, True))
    a, b = _gate(pool, store=store, clock=clock), _gate(pool, store=store, clock=clock)
    _router(a).record_failure(_router(a)._by_label["p1.test:80"], "refused")
    assert _router(a).check() == {"p1.test:80": False}
    verdict["p1.test:80"] = True
    assert _router(a).check() == {"p1.test:80": True}
    _router(b).refresh()
    assert all(s.healthy for s in _router(b).statistics())
    assert _router(a).check(only_down=False) == {"p1.test:80": True, "p2.test:80": True}


def test_every_proxy_failed_raises_proxy_unavailable_unless_direct_may_go() -> None:
    clock = FakeClock()
    store = open_store("memory://", clock)
    pool = ProxyPool([f"http://u:{SECRET}@p1.test:80", "p2.test:80"], grace=30)
    gate = _gate(pool, store=store, clock=clock)
    router = _router(gate)
    for label in ("p1.test:80", "p2.test:80"):
        router.record_failure(router._by_label[label], "refused")
        clock.advance(1)
    with pytest.raises(ProxyUnavailable, match="every proxy of the pool") as e:
        router.route(_mids(gate), Trip(), with_ip=gate.with_ip)
    assert e.value.retry_after == pytest.approx(28) and SECRET not in str(e.value)
    assert e.value.proxies == ("p1.test:80", "p2.test:80")

    fallback = _gate(pool.with_(fallback_direct=True), store=store, clock=clock)
    member, plan, _ = _router(fallback).route(_mids(fallback), Trip(), with_ip=fallback.with_ip)
    assert member.proxy is None and plan.scope["ip"] == "*"


def test_an_inline_health_check_runs_when_every_proxy_failed() -> None:
    clock = FakeClock()
    calls: list[str] = []

    def check(p: Proxy) -> bool:
        calls.append(p.label)
        return p.label == "p2.test:80"

    pool = ProxyPool(["p1.test:80", "p2.test:80"], health_check=check, check_interval=10)
    gate = _gate(pool, clock=clock)
    router = _router(gate)
    for label in ("p1.test:80", "p2.test:80"):
        router.record_failure(router._by_label[label], "refused")
    assert router.route(_mids(gate), Trip(), with_ip=gate.with_ip)[0].key == "p2.test:80"
    assert sorted(calls) == ["p1.test:80", "p2.test:80"]
    router.record_failure(router._by_label["p2.test:80"], "refused")
    with pytest.raises(ProxyUnavailable):  # checked 0 s ago: not again before check_interval
        router.route(_mids(gate), Trip(), with_ip=gate.with_ip)
    assert len(calls) == 2


def test_credentials_never_reach_statistics_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    pool = ProxyPool([f"http://alice:{SECRET}@p1.test:80", f"p2.test:80:bob:{SECRET}"])
    gate = _gate(pool)
    router = _router(gate)
    router.record_failure(router._by_label["p1.test:80"], f"ProxyError('http://alice:{SECRET}@p1.test:80')")
    text = repr(router.statistics()) + repr(pool) + repr(gate.limiter.statistics()) + caplog.text
    assert SECRET not in text and "alice:" not in text
    assert "http://***@p1.test:80" in text
    assert router.scrub(f"x {SECRET} y http://bob:{SECRET}@h:1") == "x *** y http://***@h:1"


@pytest.mark.parametrize("password", ["", "a", "abc"])
def test_an_empty_or_short_password_does_not_garble_messages(password: str) -> None:
    gate = _gate(ProxyPool([f"http://bob:{password}@p1.test:80"]))
    router = _router(gate)
    plain = "Cannot connect to host api.hyperliquid.xyz: Connection refused"
    assert router.scrub(plain) == plain
    assert not router.leaks(plain)
    assert router.scrub(f"via http://bob:{password}@p1.test:80") == "via http://***@p1.test:80"
    assert router.leaks(f"auth bob:{password} sent")


def test_concurrent_routing_spreads_the_load_and_never_overspends_a_proxy() -> None:
    clock = FakeClock()
    gate = _gate(["p1.test:80", "p2.test:80", "p3.test:80"], clock=clock)  # 10 weight/s each: 5 allMids
    router = _router(gate)
    admitted: list[tuple[str, float]] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            member, _, grant = router.route(_mids(gate), Trip(), with_ip=gate.with_ip)
            assert grant.at is not None
            with lock:
                admitted.append((member.key, grant.at))

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for t in threads:
        t.start()
    while alive := sum(t.is_alive() for t in threads):  # move time on once the waiters sleep on it
        with contextlib.suppress(TimeoutError):  # (some still running, or queued behind a sleeper)
            clock.wait_for_sleepers(alive, timeout=0.05)
        clock.advance(0.05)
    assert len(admitted) == 120
    by_member: dict[str, list[float]] = {}
    for key, at in admitted:
        by_member.setdefault(key, []).append(at)
    assert sorted(by_member) == ["p1.test:80", "p2.test:80", "p3.test:80"]
    for times in by_member.values():
        assert 30 <= len(times) <= 50  # 40 each when even; the fake-time driver can skip a slot or two
        times.sort()
        for i, first in enumerate(times):  # never more than 5 (10 weight) in any 1 s window
            assert sum(1 for later in times[i:] if later < first + 1.0) <= 5
    # 15 per second in all: 8 s at best. The driver above moves time in 50 ms steps without
    # waiting for every thread to queue again, so it can skip free slots: allow 2 s of them.
    assert max(at for _, at in admitted) - 1000.0 < 120 / 15 + 2.0


# --------------------------------------------------------------------------------------------
# the router without the HTTP layer: a plan, a re-scoping function and an estimate, as values


@dataclass(frozen=True)
class _Rule:
    name: str = "rule"


@dataclass(frozen=True)
class _Req:
    cost: Mapping[str, float]
    scope: Mapping[str, str]
    priority: int = 0
    retryable: bool = True
    weighed: _Rule = _Rule()


def _at(req: _Req, ip: str) -> _Req:
    return dataclasses.replace(req, scope={**req.scope, "ip": ip})


def test_the_router_routes_plain_values_by_the_estimate_it_was_given() -> None:
    limiter = rk.Limiter(rk.venue("hyperliquid", ip_weight=(10, 1.0)).limits, clock=FakeClock())
    asked: list[tuple[tuple[str | None, ...], int]] = []

    def estimate(items: Sequence[Item], priority: int) -> float:
        asked.append((tuple(scope for _, scope, _ in items), priority))
        return {"p1.test:80": 5.0, "p2.test:80": 0.5, "p3.test:80": 2.0}[str(items[0][1])]

    router = ProxyRouter(ProxyPool(["p1.test:80", "p2.test:80", "p3.test:80"]), limiter, estimate=estimate)
    limiter.acquire({"ip_weight": 10}, scope={"ip": "p1.test:80"})  # p1 cannot admit it now
    member, req, grant = router.route(_Req({"ip_weight": 2}, {"ip": "*"}, priority=3), Trip(), with_ip=_at)
    assert member.key == "p2.test:80" and req.scope["ip"] == "p2.test:80" and grant.cost == {"ip_weight": 2}
    assert sorted(asked) == [(("p1.test:80",), 3), (("p2.test:80",), 3), (("p3.test:80",), 3)]


def test_a_router_built_without_an_estimate_asks_its_limiter() -> None:
    """``ProxyRouter(pool, limiter)`` as before the estimate was a value: the limiter's own."""
    limiter = rk.Limiter(rk.venue("hyperliquid", ip_weight=(10, 1.0)).limits, clock=FakeClock())
    router = ProxyRouter(ProxyPool(["p1.test:80", "p2.test:80"]), limiter)
    limiter.acquire({"ip_weight": 10}, scope={"ip": "p1.test:80"})  # p1 full for 1 s
    member, _, grant = router.route(_Req({"ip_weight": 2}, {"ip": "*"}), Trip(), with_ip=_at)
    assert member.key == "p2.test:80" and grant.cost == {"ip_weight": 2}


async def test_the_async_router_awaits_its_estimate() -> None:
    limiter = rk.AsyncLimiter(rk.venue("hyperliquid", ip_weight=(10, 1.0)).limits, clock=FakeClock())

    async def estimate(items: Sequence[Item], priority: int) -> float:
        return 0.0 if items[0][1] == "p2.test:80" else 9.0

    router = ProxyRouter(ProxyPool(["p1.test:80", "p2.test:80"]), limiter, estimate=estimate)
    await limiter.acquire({"ip_weight": 10}, scope={"ip": "p1.test:80"})
    await limiter.acquire({"ip_weight": 10}, scope={"ip": "p2.test:80"})
    clock = limiter.clock
    assert isinstance(clock, FakeClock)
    task = asyncio.ensure_future(router.aroute(_Req({"ip_weight": 2}, {}), Trip(), with_ip=_at))
    await asyncio.sleep(0)
    clock.advance(1.0)
    member, _, grant = await asyncio.wait_for(task, 5)
    assert member.key == "p2.test:80"
    await grant.release()


def test_the_proxies_package_imports_nothing_of_the_http_layer() -> None:
    package = Path(ratekeeper.proxies.__file__).parent
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or "", *(a.name for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            assert not any("http" in n or n == "Gate" for n in names), (path.name, names)
    text = "".join(p.read_text(encoding="utf-8") for p in package.rglob("*.py"))
    assert "_areserve" not in text and "_reserve" not in text and "gate." not in text


def test_proxy_errors_live_with_the_others() -> None:
    from ratekeeper import _errors

    assert ratekeeper.proxies.ProxyUnavailable is _errors.ProxyUnavailable is rk.ProxyUnavailable
    assert ratekeeper.proxies.ProxyConnectionError is _errors.ProxyConnectionError is rk.ProxyConnectionError
    assert {"ProxyUnavailable", "ProxyConnectionError"} <= set(rk.__all__)
    assert issubclass(rk.ProxyConnectionError, ConnectionError) and issubclass(
        rk.ProxyConnectionError, rk.RateKeeperError
    )
