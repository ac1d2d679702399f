"""Proxy pools through every HTTP integration (requests, httpx sync and async, aiohttp) and the
hyperliquid-python-sdk adapter, against real forward proxies on loopback whose upstream
connections leave from 127.0.0.2, 127.0.0.3, … and a mock venue that keys its budgets by the
peer address.

What is checked: each proxy is its own IP at the venue and its own budget in the store; a dead
proxy is skipped, recorded in a shared SQLite/Redis store and skipped by a second client
without trying; it comes back after the grace period or a health check; a 429 blocks one
proxy's budget only; an action is re-sent only when it certainly never left; credentials never
show in logs, errors or statistics.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import ratekeeper as rk
from ratekeeper._errors import ActionOutcomeUnknown
from ratekeeper.http import RetryPolicy
from ratekeeper.proxies import Proxy, ProxyPool, ProxyStatistics, ProxyUnavailable
from ratekeeper.testing import FakeClock, ForwardProxy, MockVenue, loopback_source_works, refusing_proxy_url

from .test_http_fixtures import FLAVOURS, Driver, ScriptServer, reply, stat

SECRET = "pa55-w0rd-XYZ"
SOURCES = ("127.0.0.2", "127.0.0.3", "127.0.0.4")
FAST = RetryPolicy(attempts=3, backoff=0.01, backoff_max=0.02)
ORDER = {"action": {"type": "order", "orders": [{"a": 0, "b": True, "p": "1", "s": "1"}]}, "nonce": 1}

if not all(loopback_source_works(a) for a in SOURCES):  # pragma: no cover - macOS without aliases
    pytest.skip("outgoing connections cannot leave from 127.0.0.2-4 on this machine", allow_module_level=True)


def hl(period: float = 60.0) -> Any:
    return rk.venue("hyperliquid", ip_weight=(1200, period))


@pytest.fixture(scope="module")
def venue() -> Iterator[MockVenue]:
    with MockVenue("hyperliquid") as mock:
        yield mock


@pytest.fixture(scope="module")
def proxies() -> Iterator[list[ForwardProxy]]:
    with (
        ForwardProxy(source=SOURCES[0]) as a,
        ForwardProxy(source=SOURCES[1]) as b,
        ForwardProxy(source=SOURCES[2]) as c,
    ):
        yield [a, b, c]


@pytest.fixture
def fresh(venue: MockVenue, proxies: list[ForwardProxy]) -> Iterator[None]:
    venue.reset()
    for p in proxies:
        p.mode = "forward"
        p.reset()
    yield
    for p in proxies:
        p.mode = "forward"


@pytest.fixture(params=FLAVOURS)
def flavour(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class Clients:
    def __init__(self, flavour: str) -> None:
        self.flavour = flavour
        self.made: list[Driver] = []

    def __call__(self, base_url: str, **options: Any) -> Driver:
        options.setdefault("retry", FAST)
        venue = options.pop("venue", hl())
        d = Driver(self.flavour, venue, base_url=base_url, **options)
        self.made.append(d)
        return d


@pytest.fixture
def clients(flavour: str) -> Iterator[Clients]:
    c = Clients(flavour)
    yield c
    for d in c.made:
        d.close()


def pstats(d: Driver) -> dict[str, ProxyStatistics]:
    """The client's proxy statistics by label (re-read from the store)."""
    out = d.client.proxy_statistics() if d._loop is None else d._run(d.client.proxy_statistics())
    return {s.label: s for s in out}


def check_proxies(d: Driver, **kw: Any) -> dict[str, bool]:
    if d._loop is None:
        result: dict[str, bool] = d.client.check_proxies(**kw)
        return result
    result = d._run(d.client.check_proxies(**kw))
    return result


def mids(d: Driver) -> int:
    return d.call("POST", "/info", json_body={"type": "allMids"}).status


# --------------------------------------------------------------------------------------------
# budgets


@pytest.mark.usefixtures("fresh")
def test_each_proxy_is_its_own_ip_and_its_own_budget(
    clients: Clients, venue: MockVenue, proxies: list[ForwardProxy]
) -> None:
    c = clients(venue.url, proxy_pool=[p.url for p in proxies])
    assert [mids(c) for _ in range(9)] == [200] * 9
    assert dict(venue.stats.requests_by_ip) == dict.fromkeys(SOURCES, 3)
    for p in proxies:
        assert stat(c.stats(), "ip_weight", p.address).used == 6  # allMids: 2 each
        assert p.stats.forwarded == 3
    assert {s.sent for s in pstats(c).values()} == {3}


# --------------------------------------------------------------------------------------------
# a dead proxy: skipped, recorded in the shared store, skipped by another worker, back later


@pytest.fixture(params=["sqlite", "redis"])
def shared_store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'budget.db'}"
    from ratekeeper.testing import unique_prefix

    return f"{request.getfixturevalue('redis_url')}?prefix={unique_prefix()}"


@pytest.mark.usefixtures("fresh")
def test_a_dead_proxy_is_recorded_for_every_worker_and_comes_back_after_the_grace_period(
    clients: Clients,
    venue: MockVenue,
    proxies: list[ForwardProxy],
    shared_store: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    dead = refusing_proxy_url()
    dead_label = dead.removeprefix("http://")
    pool = ProxyPool([dead, proxies[0].url], grace=60)
    first = clients(venue.url, proxy_pool=pool, store=shared_store, clock=clock)
    caplog.set_level(logging.INFO, logger="ratekeeper")
    assert mids(first) == 200  # tried the dead one first (pool order), moved on
    s = pstats(first)[dead_label]
    assert (s.sent, s.errors, s.failures, s.healthy) == (1, 1, 1, False)
    assert s.down_for == pytest.approx(60, abs=1)
    assert sum("failed" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records) == 1

    caplog.clear()
    second = clients(venue.url, proxy_pool=pool, store=shared_store, clock=clock)  # another worker
    assert [mids(second) for _ in range(4)] == [200] * 4
    s = pstats(second)[dead_label]
    assert (s.sent, s.errors, s.failures, s.healthy) == (0, 0, 0, False)  # skipped without trying
    assert not any("failed" in r.getMessage() for r in caplog.records)
    assert dict(venue.stats.requests_by_ip) == {SOURCES[0]: 5}

    clock.advance(61)  # the grace period ends: the dead proxy is tried again, and recorded again
    assert pstats(second)[dead_label].healthy
    assert [mids(second) for _ in range(2)] == [200, 200]
    s = pstats(second)[dead_label]
    assert (s.sent, s.failures, s.healthy) == (1, 1, False)


@pytest.mark.usefixtures("fresh")
def test_a_health_check_brings_a_proxy_back(clients: Clients, venue: MockVenue, proxies: list[ForwardProxy]) -> None:
    flaky, good = proxies[0], proxies[1]
    pool = ProxyPool([flaky.url, good.url], grace=300, health_check=venue.url + "/_mock/health")
    c = clients(venue.url, proxy_pool=pool)
    flaky.mode = "drop"  # reads the request and hangs up: a read may be sent again elsewhere
    assert mids(c) == 200
    assert not pstats(c)[flaky.address].healthy
    assert check_proxies(c) == {flaky.address: False}
    flaky.mode = "forward"
    assert check_proxies(c) == {flaky.address: True}
    assert pstats(c)[flaky.address].healthy
    assert [mids(c) for _ in range(4)] == [200] * 4
    assert dict(venue.stats.requests_by_ip) == {SOURCES[0]: 2, SOURCES[1]: 3}


# --------------------------------------------------------------------------------------------
# a 429 through one proxy blocks that proxy's budget only


@pytest.mark.usefixtures("fresh")
def test_a_429_blocks_one_proxy_only(clients: Clients, proxies: list[ForwardProxy]) -> None:
    with ScriptServer() as srv:
        srv.script(reply(429, {}, headers={"Retry-After": "30"}))
        c = clients(srv.url, proxy_pool=[proxies[0].url, proxies[1].url])
        assert mids(c) == 200  # retried through the other proxy at once
        assert len(srv.seen) == 2
        stats = c.stats()
        assert stat(stats, "ip_weight", proxies[0].address).blocked_for > 25
        assert stat(stats, "ip_weight", proxies[1].address).blocked_for == 0
        assert pstats(c)[proxies[0].address].rate_limited == 1
        assert [mids(c) for _ in range(3)] == [200] * 3
        assert (proxies[0].stats.forwarded, proxies[1].stats.forwarded) == (1, 4)


# --------------------------------------------------------------------------------------------
# actions: re-sent only when they certainly never left


@pytest.mark.usefixtures("fresh")
@pytest.mark.parametrize("mode", ["hang", "drop"])
def test_an_action_that_may_have_been_sent_is_not_sent_again(
    clients: Clients, proxies: list[ForwardProxy], mode: Any
) -> None:
    bad, other = proxies[0], proxies[1]
    bad.mode = mode  # hang: a read timeout; drop: the proxy read the order, then hung up
    with ScriptServer() as srv:
        c = clients(srv.url, proxy_pool=[bad.url, other.url])
        with pytest.raises(ActionOutcomeUnknown, match="may or may not have been executed"):
            c.call("POST", "/exchange", json_body=ORDER, timeout=0.5)
        assert other.stats.forwarded == 0 and srv.seen == []  # never re-sent elsewhere
        assert not pstats(c)[bad.address].healthy  # but the proxy is recorded as failed


@pytest.mark.usefixtures("fresh")
def test_an_action_that_never_left_goes_through_another_proxy(clients: Clients, proxies: list[ForwardProxy]) -> None:
    with ScriptServer() as srv:
        c = clients(srv.url, proxy_pool=[refusing_proxy_url(), proxies[1].url])
        assert c.call("POST", "/exchange", json_body=ORDER).status == 200
        assert [s.path for s in srv.seen] == ["/exchange"]  # exactly once
        assert proxies[1].stats.forwarded == 1


@pytest.mark.usefixtures("fresh")
def test_a_proxy_answering_502_sends_the_read_elsewhere(clients: Clients, proxies: list[ForwardProxy]) -> None:
    proxies[0].mode = "bad_gateway"
    with ScriptServer() as srv:
        c = clients(srv.url, proxy_pool=[proxies[0].url, proxies[1].url])
        assert mids(c) == 200
        assert len(srv.seen) == 1 and proxies[1].stats.forwarded == 1


# --------------------------------------------------------------------------------------------
# running out of proxies


@pytest.mark.usefixtures("fresh")
def test_fallback_direct_after_every_proxy_failed(clients: Clients, venue: MockVenue) -> None:
    pool = ProxyPool([refusing_proxy_url(), refusing_proxy_url()], fallback_direct=True)
    c = clients(venue.url, proxy_pool=pool)
    assert mids(c) == 200
    assert dict(venue.stats.requests_by_ip) == {"127.0.0.1": 1}
    stats = pstats(c)
    assert stats["*"].sent == 1 and stats["*"].proxy == "direct"
    assert sum(s.failures for s in stats.values()) == 2


@pytest.mark.usefixtures("fresh")
def test_without_fallback_the_error_is_raised_then_proxy_unavailable(clients: Clients, venue: MockVenue) -> None:
    c = clients(venue.url, proxy_pool=ProxyPool([f"http://u:{SECRET}@127.0.0.1:{refusing_proxy_url()[-5:]}"]))
    with pytest.raises(Exception) as first:  # the transport's own connection error
        mids(c)
    assert not isinstance(first.value, ProxyUnavailable) and SECRET not in f"{first.value} {first.value!r}"
    with pytest.raises(ProxyUnavailable, match="every proxy of the pool") as second:
        mids(c)
    assert second.value.retry_after is not None and SECRET not in str(second.value)
    assert venue.stats.requests_by_ip == {}


# --------------------------------------------------------------------------------------------
# credentials


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and seen not in out:
        out.append(seen)
        seen = seen.__cause__ or seen.__context__
    return out[1:]


@pytest.mark.usefixtures("fresh")
def test_credentials_never_show_in_logs_errors_or_statistics(
    clients: Clients, venue: MockVenue, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    basic = base64.b64encode(f"alice:{SECRET}".encode()).decode()
    with ForwardProxy(source="127.0.0.5", auth=("alice", SECRET)) as authed:
        wrong = Proxy.parse(authed.url.replace(SECRET, "not-it"), "wrong-password")
        c = clients(venue.url, proxy_pool=ProxyPool([wrong, authed.url], grace=30))
        assert mids(c) == 200  # 407 from the proxy with the wrong password: recorded, moved on
        assert authed.stats.auth_refused == 1 and authed.stats.forwarded == 1
        assert dict(venue.stats.requests_by_ip) == {"127.0.0.5": 1}
        assert pstats(c)["wrong-password"].failures == 1

        authed.mode = "drop"
        with pytest.raises(Exception) as dropped:  # no proxy left for the read: the error itself
            mids(c)
        with pytest.raises(ProxyUnavailable) as unavailable:
            mids(c)
        shown = [
            caplog.text,
            repr(c.stats()),
            repr(pstats(c)),
            repr(c.client.gate.router.pool),
            f"{dropped.value} {dropped.value!r}",
            f"{unavailable.value} {unavailable.value!r}",
            *(f"{e} {e!r}" for e in _chain(dropped.value)),  # nor hidden in the exception chain
        ]
    for text in shown:
        assert SECRET not in text and basic not in text and "alice:" not in text
    assert "http://***@127.0.0.1" in shown[2]


# --------------------------------------------------------------------------------------------
# integration-specific checks


def test_bad_pools_fail_before_anything_is_sent(flavour: str, venue: MockVenue) -> None:
    with pytest.raises(ValueError, match=r"proxy_pool\[0\]: 'nonsense' is not a proxy"):
        Driver(flavour, hl(), base_url=venue.url, proxy_pool=["nonsense"])
    with pytest.raises(ValueError, match="environment variable RK_NOPE is not set"):
        Driver(flavour, hl(), base_url=venue.url, proxy_pool="env:RK_NOPE")


def test_aiohttp_refuses_socks_proxies(venue: MockVenue) -> None:
    with pytest.raises(ValueError, match="aiohttp cannot send through socks5 proxies"):
        Driver("aiohttp", hl(), base_url=venue.url, proxy_pool=["socks5://127.0.0.1:1080"])


@pytest.mark.usefixtures("fresh")
def test_the_direct_connection_as_a_member(venue: MockVenue, proxies: list[ForwardProxy]) -> None:
    from ratekeeper.requests import Session

    with Session(hl(), base_url=venue.url, proxy_pool=ProxyPool([proxies[0].url], direct=True), ip="me") as s:
        for _ in range(4):
            s.post_info({"type": "allMids"})
        assert dict(venue.stats.requests_by_ip) == {"127.0.0.1": 2, SOURCES[0]: 2}
        assert stat(s.limiter.statistics(), "ip_weight", "me").used == 4


@pytest.mark.usefixtures("fresh")
def test_hyperliquid_sdk_adapter_sends_through_the_pool(venue: MockVenue, proxies: list[ForwardProxy]) -> None:
    pytest.importorskip("hyperliquid")
    from hyperliquid.info import Info

    from ratekeeper.adapters import hyperliquid_sdk as hs

    info = hs.limit(Info(venue.url, skip_ws=True), proxy_pool=[p.url for p in proxies])
    venue.reset()  # the SDK's start-up requests went before limit(): direct, as without a pool
    for _ in range(3):
        info.all_mids()
    assert dict(venue.stats.requests_by_ip) == dict.fromkeys(SOURCES, 1)
    router = hs.gate_of(info).router
    assert router is not None and {s.sent for s in router.statistics()} == {1}
