"""End to end against the mock venue, which runs in its own process (as a remote venue
would, not sharing the clients' GIL) and is the referee: it enforces the venue's rules
independently of ratekeeper's venue packs and counts every acceptance, 429 and ban.

* Hyperliquid: the mixed workload (l2Book, allMids, meta, userFills with N items,
  candleSnapshot ranges, order batches, cancels) for 2 periods of a mock whose 1200-weight
  window lasts PERIOD seconds, through each integration (threads for requests, asyncio tasks
  for httpx and aiohttp) and across 4 processes sharing one SQLite or Redis store.
* Binance: market data of mixed weights through requests; the mock's windows are
  clock-aligned (fixed), ratekeeper pads them into sliding windows.

Targets: zero 429s (and bans) on every run, and the budget used. The design target is 97%
of the budget; bench/bench_http.py measures and records it (with the peers). These tests
hold a floor of 95%: with a 6 s window, ratekeeper's 100 ms transit margin alone bounds
steady use at 6 / 6.1 = 98.4% (99.8% at a venue's real 60 s), which leaves a loaded 2-CPU
machine 3 points of slack, while a real loss of budget (a lost wake-up, a stuck booking)
costs far more. (A 3 s window left 1.8 points, and a loaded run once landed at 94.8%.)
"""

from __future__ import annotations

import functools
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from bench.bench_http import MockServer, RunResult, measured, run_aiohttp, run_httpx_async, run_processes, run_requests

PERIOD = 6.0
PERIODS = 2
SECONDS = PERIOD * PERIODS
FLOOR_SHARE = 0.95


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer(PERIOD) as server:
        yield server


def _check(result: RunResult) -> None:
    stats = result.mock
    print(
        f"\n{result.name}: {result.requests} requests, {stats['rejected_429']} x 429, "
        f"budget used {stats['budget_share']:.1%} over {stats['snapshot_at'] - stats['started_at']:.2f} s, "
        f"by type {stats['requests_by_type']}, by window {stats.get('weight_by_window')}"
    )
    assert not result.errors, result.errors[:5]
    assert result.refused == 0
    assert stats["rejected_429"] == 0
    assert stats["errors_by_kind"] == {}
    assert result.budget_share >= FLOOR_SHARE


Runner = Callable[..., RunResult]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "runner",
    [
        pytest.param(run_requests, id="requests-4-threads"),
        pytest.param(run_httpx_async, id="httpx-4-tasks"),
        pytest.param(run_aiohttp, id="aiohttp-4-tasks"),
    ],
)
def test_mixed_workload_through_each_integration(mock: MockServer, runner: Runner) -> None:
    result = measured(mock, functools.partial(runner, mock.url, period=PERIOD, seconds=SECONDS, workers=4), SECONDS)
    _check(result)


def _sqlite_url(tmp_path: Path) -> str:
    from ratekeeper.stores import open_store

    url = f"sqlite:///{tmp_path / 'budget.db'}"
    try:
        open_store(url).close()
    except (ValueError, ImportError) as e:  # pragma: no cover - until the SQLite store lands
        pytest.skip(f"the SQLite store is not available yet: {e}")
    return url


@pytest.mark.timeout(90)
def test_four_processes_share_one_sqlite_store(mock: MockServer, tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path)
    result = run_processes(mock.url, period=PERIOD, seconds=SECONDS, store=url, processes=4, mock=mock)
    assert result.mock["requests_by_ip"], "no request reached the mock"
    _check(result)


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A private redis-server on a free port (never a server someone else runs)."""
    try:
        import redis  # noqa: F401
    except ImportError:  # pragma: no cover
        pytest.skip("the redis package is not installed")
    binary = shutil.which("redis-server")
    if binary is None:  # pragma: no cover
        pytest.skip("redis-server is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:  # pragma: no cover
                    pytest.skip("redis-server did not start")
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.timeout(90)
def test_four_processes_share_one_redis_store(mock: MockServer, redis_url: str) -> None:
    from ratekeeper.stores import open_store

    try:
        open_store(redis_url).close()
    except (ValueError, ImportError) as e:  # pragma: no cover - until the Redis store lands
        pytest.skip(f"the Redis store is not available yet: {e}")
    prefix = f"{redis_url}?prefix=e2e{os.getpid()}"
    result = run_processes(mock.url, period=PERIOD, seconds=SECONDS, store=prefix, processes=4, mock=mock)
    _check(result)


# --------------------------------------------------------------------------------------------
# Binance: clock-aligned fixed windows on the server, used-weight headers, 429 then 418


def _binance_payloads(seed: int) -> Iterator[str]:
    import random

    rng = random.Random(seed)
    makers: list[tuple[int, Callable[[], str]]] = [
        (30, lambda: f"/api/v3/depth?symbol=BTCUSDT&limit={rng.choice((100, 500, 1000, 5000))}"),
        (20, lambda: "/api/v3/ticker/price?symbol=BTCUSDT"),
        (20, lambda: "/api/v3/klines?symbol=BTCUSDT&interval=1m"),
        (10, lambda: "/api/v3/ticker/24hr"),
        (10, lambda: "/api/v3/exchangeInfo"),
    ]
    while True:
        yield rng.choices([m for _, m in makers], [w for w, _ in makers])[0]()


def _run_binance(url: str, *, ready: Callable[[], None], workers: int = 4) -> RunResult:
    import threading

    import ratekeeper as rk
    from ratekeeper.requests import Session

    venue = rk.venue("binance", request_weight=(6000, PERIOD), raw_requests=(300_000, 5 * PERIOD))
    result = RunResult("binance requests", SECONDS)
    lock = threading.Lock()
    with Session(venue, base_url=url) as session:
        ready()
        deadline = time.monotonic() + SECONDS

        def worker(k: int) -> None:
            statuses: list[int] = []
            for path in _binance_payloads(k):
                if time.monotonic() >= deadline:
                    break
                statuses.append(session.get(path, timeout=30).status_code)
            with lock:
                for status in statuses:
                    result.requests += 1
                    result.statuses[status] = result.statuses.get(status, 0) + 1

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return result


@pytest.mark.timeout(60)
def test_binance_fixed_windows_through_requests() -> None:
    with MockServer(PERIOD, venue="binance") as binance:
        result = measured(binance, functools.partial(_run_binance, binance.url), SECONDS)
    stats = result.mock
    print(f"\nbinance: {result.requests} requests, statuses {result.statuses}, budget used {result.budget_share:.1%}")
    assert stats["rejected_429"] == 0 and stats["rejected_418"] == 0 and stats["bans"] == 0
    assert set(result.statuses) == {200}
    assert result.budget_share >= FLOOR_SHARE
