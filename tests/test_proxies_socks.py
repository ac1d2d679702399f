"""SOCKS proxies in a proxy pool: requests sends through them with PySocks, httpx with socksio
(the ``ratekeeper[socks]`` extra brings both), each proxy its own IP at the venue and its own
budget; without the package a clear error names the extra before anything is sent."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import ratekeeper as rk
from ratekeeper.http import RetryPolicy
from ratekeeper.testing import MockVenue, loopback_source_works

from .socks5 import Socks5Proxy
from .test_http_fixtures import Driver, stat

SECRET = "s0cks-pa55-XYZ"
SOURCES = ("127.0.0.2", "127.0.0.3")
FAST = RetryPolicy(attempts=2, backoff=0.01, backoff_max=0.02)
NEEDS = {"requests": "socks", "httpx": "socksio", "httpx-async": "socksio"}
"""The module each client flavour sends through SOCKS proxies with."""

if not all(loopback_source_works(a) for a in SOURCES):  # pragma: no cover - macOS without aliases
    pytest.skip("outgoing connections cannot leave from 127.0.0.2-3 on this machine", allow_module_level=True)


def hl() -> Any:
    return rk.venue("hyperliquid", ip_weight=(1200, 60.0))


@pytest.fixture(scope="module")
def venue() -> Iterator[MockVenue]:
    with MockVenue("hyperliquid") as mock:
        yield mock


@pytest.fixture
def socks() -> Iterator[list[Socks5Proxy]]:
    with (
        Socks5Proxy(source=SOURCES[0], auth=("alice", SECRET)) as a,
        Socks5Proxy(source=SOURCES[1], auth=("alice", SECRET)) as b,
    ):
        yield [a, b]


@pytest.mark.parametrize("scheme", ["socks5", "socks5h"])
@pytest.mark.parametrize("flavour", list(NEEDS))
def test_each_socks_proxy_is_its_own_ip_and_its_own_budget(
    venue: MockVenue, socks: list[Socks5Proxy], flavour: str, scheme: str
) -> None:
    pytest.importorskip(NEEDS[flavour], reason="the socks extra is not installed")
    venue.reset()
    d = Driver(flavour, hl(), base_url=venue.url, proxy_pool=[p.url(scheme) for p in socks], retry=FAST)
    try:
        answers = [d.call("POST", "/info", json_body={"type": "allMids"}).status for _ in range(4)]
        assert answers == [200] * 4
        assert dict(venue.stats.requests_by_ip) == dict.fromkeys(SOURCES, 2)
        port = int(venue.url.rpartition(":")[2].rstrip("/"))
        for p in socks:
            assert stat(d.stats(), "ip_weight", p.address).used == 4  # allMids: 2 each
            assert p.targets and set(p.targets) == {("127.0.0.1", port)}
            assert p.refused == 0  # the credentials in the URL were sent
    finally:
        d.close()


def _clients() -> list[tuple[str, Callable[..., Any]]]:
    from ratekeeper import httpx as rkhttpx
    from ratekeeper import requests as rkrequests

    return [
        ("socks", rkrequests.Session),
        ("socks", rkrequests.Adapter),
        ("socksio", rkhttpx.Client),
        ("socksio", rkhttpx.AsyncClient),
        ("socksio", rkhttpx.Transport),
        ("socksio", rkhttpx.AsyncTransport),
    ]


PACKAGES = {"socks": "PySocks", "socksio": "socksio"}


@pytest.mark.parametrize(("module", "make"), _clients(), ids=lambda v: getattr(v, "__qualname__", v))
def test_a_socks_pool_without_the_socks_extra_fails_before_anything_is_sent(
    monkeypatch: pytest.MonkeyPatch, venue: MockVenue, socks: list[Socks5Proxy], module: str, make: Callable[..., Any]
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # what an interpreter without it would say
    venue.reset()
    options: dict[str, Any] = {"proxy_pool": [socks[0].url("socks5")]}
    if make.__name__ not in ("Adapter", "Transport", "AsyncTransport"):
        options["base_url"] = venue.url
    with pytest.raises(ModuleNotFoundError) as refused:
        make(hl(), **options)
    message = str(refused.value)
    assert f"needs the {PACKAGES[module]!r} package" in message
    assert "pip install 'ratekeeper[socks]'" in message
    assert f"socks5://***@{socks[0].address}" in message and SECRET not in message
    assert socks[0].targets == [] and dict(venue.stats.requests_by_ip) == {}


def test_httpx_with_its_own_proxy_transports_is_not_asked_for_socksio(
    monkeypatch: pytest.MonkeyPatch, socks: list[Socks5Proxy]
) -> None:
    import httpx

    from ratekeeper.httpx import Client

    monkeypatch.setitem(sys.modules, "socksio", None)
    made: list[str] = []

    def transport(proxy: Any) -> httpx.BaseTransport:
        made.append(proxy.label)
        return httpx.HTTPTransport()  # the caller's business how it reaches the proxy

    with Client(hl(), proxy_pool=[socks[0].url("socks4")], proxy_transport=transport):
        assert made == [socks[0].address]


def test_httpx_refuses_socks4_proxies_at_once() -> None:
    from ratekeeper.httpx import Client

    with pytest.raises(ValueError, match=r"httpx cannot send through socks4 proxies \(socks4://\*\*\*@h\.test:1080\)"):
        Client(hl(), proxy_pool=[f"socks4://alice:{SECRET}@h.test:1080"])


async def test_aiohttp_refuses_socks_proxies_and_names_the_way_out() -> None:
    from ratekeeper.aiohttp import ClientSession

    with pytest.raises(ValueError, match=r"aiohttp cannot send.*pip install 'ratekeeper\[socks\]'"):
        ClientSession(hl(), proxy_pool=["socks5h://127.0.0.1:1080"])


def test_the_socks_extra_brings_what_the_integrations_import() -> None:
    from .pyproject_data import pyproject
    from .test_extras import requirement_names

    extras = pyproject()["project"]["optional-dependencies"]
    assert requirement_names(extras["socks"]) == {"pysocks", "socksio"}
    assert {"pysocks", "socksio"} <= requirement_names(extras["test"])  # the tests above run in CI
