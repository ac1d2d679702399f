"""End to end: a pool of 3 proxies carries about 3 times the traffic of one IP, with zero 429s,
through each integration.

The mock venue (its own process, keying budgets by the peer address) is the referee; the three
forward proxies run in another process and connect upstream from 127.0.0.2, .3 and .4. Each
integration spends the "polling" workload (reads of weight 20 with small answers, so a run is
limited by the budget, not by the CPU of a shared 2-CPU machine) for 3 windows of 3 s.

Floors: zero 429s; every proxy's IP uses at least 75% of its budget, the pool at least 85% of
the three (so at least 2.55 times one IP). bench/bench_proxies.py measures 1 against 3 proxies
(docs/proxies.md). The transit margin is 0.2 s instead of the venue's 0.1 s: a request now
crosses a Python proxy that shares the machine's two CPUs with the client, the mock and other
test runs, which adds transit jitter a remote proxy has too (see docs/proxies.md, "Margins").
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from bench.bench_http import MockServer, RunResult
from bench.bench_proxies import ProxyServers, run_pool

from ratekeeper.testing import loopback_source_works

PERIOD = 3.0
PERIODS = 3
MARGIN = 0.2

if not all(loopback_source_works(f"127.0.0.{i}") for i in (2, 3, 4)):  # pragma: no cover - macOS
    pytest.skip("outgoing connections cannot leave from 127.0.0.2-4 on this machine", allow_module_level=True)


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer(PERIOD) as server:
        yield server


@pytest.fixture(scope="module")
def proxies() -> Iterator[ProxyServers]:
    with ProxyServers(3) as servers:
        yield servers


def _check(result: RunResult) -> None:
    stats = result.mock
    shares = stats["budget_share_by_ip"]
    print(
        f"\n{result.name}: {sum(stats['requests_by_ip'].values())} requests, {stats['rejected_429']} x 429, "
        f"budget share by IP { {ip: f'{s:.1%}' for ip, s in sorted(shares.items())} }"
    )
    assert not result.errors, result.errors[:5]
    assert stats["rejected_429"] == 0
    assert sorted(shares) == ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
    assert min(shares.values()) >= 0.75
    assert stats["budget_share"] >= 0.85


@pytest.mark.timeout(120)
@pytest.mark.parametrize("integration", ["requests", "httpx", "aiohttp"])
def test_three_proxies_carry_three_ips_worth(mock: MockServer, proxies: ProxyServers, integration: str) -> None:
    result = run_pool(integration, mock, proxies.urls, periods=PERIODS, workers=8, workload="polling", margin=MARGIN)
    _check(result)
