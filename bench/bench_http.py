"""HTTP integrations against the mock venue: 429s and the share of the budget used.

The same Hyperliquid workload is sent three ways, 4 workers for 4 periods of a mock venue whose
1200-weight window is scaled down to ``--period`` seconds:

* **ratekeeper** — ``ratekeeper.requests.Session``, 4 threads sharing one session;
* **requests-ratelimiter** — what users do today (seed 000): a flat 1 request per second for a
  60 s window, scaled to the period (60 / period requests per second), 4 threads sharing it;
* **per-process limits (Hummingbot-style)** — 4 processes, each with its own in-memory
  ratekeeper ``Limiter`` holding the full budget, charging the venue's weights (settled with the
  real item counts) but with no shared state, no server feedback and no retries: Hummingbot's
  ``AsyncThrottler`` model, where each process believes it owns the IP's budget.

``--margins`` measures the 429 rate of ratekeeper at transit margins 0, 5, 10, 20, 50 ms (the
table in docs/http.md). The mock venue runs in its own process, as a remote venue would.

::

    python bench/bench_http.py                 # the three ways, three workloads (~2 min)
    python bench/bench_http.py --margins       # the margin table (~3 min)
    python bench/bench_http.py --docs          # also rewrite docs/benchmarks.md's section

The workload (:func:`payloads`) and the runners are also used by tests/test_e2e_*.py.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import multiprocessing as mp
import os
import platform
import queue
import random
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import requests

import ratekeeper as rk
from ratekeeper._errors import ActionRefused
from ratekeeper.http import pad_limits
from ratekeeper.venues import Venue

__all__ = [
    "ADDRESS",
    "WORKLOADS",
    "MockServer",
    "RunResult",
    "hyperliquid_venue",
    "measured",
    "payloads",
    "run_aiohttp",
    "run_httpx_async",
    "run_per_process",
    "run_processes",
    "run_requests",
    "run_requests_ratelimiter",
]

ADDRESS = "0x" + "ab" * 20
"""The address the workload's orders and user queries are for."""

COINS = ("BTC", "ETH", "SOL", "HYPE")
MINUTE_MS = 60_000

# --------------------------------------------------------------------------------------------
# the workload


def _order(rng: random.Random, n: int) -> dict[str, Any]:
    orders = [
        {
            "a": rng.randrange(4),
            "b": rng.random() < 0.5,
            "p": "100.0",
            "s": "1.0",
            "r": False,
            "t": {"limit": {"tif": "Gtc"}},
        }
        for _ in range(n)
    ]
    return {
        "action": {"type": "order", "orders": orders, "grouping": "na"},
        "nonce": int(time.time() * 1000),
        "signature": {"r": "0x0", "s": "0x0", "v": 27},
    }


def _cancel(rng: random.Random) -> dict[str, Any]:
    return {
        "action": {"type": "cancel", "cancels": [{"a": 0, "o": rng.randrange(1_000_000, 2_000_000)}]},
        "nonce": int(time.time() * 1000),
        "signature": {"r": "0x0", "s": "0x0", "v": 27},
    }


def _candles(rng: random.Random, minutes: int) -> dict[str, Any]:
    end = int(time.time() * 1000)
    req = {"coin": rng.choice(COINS), "interval": "1m", "startTime": end - minutes * MINUTE_MS, "endTime": end}
    return {"type": "candleSnapshot", "req": req}


def _fills(n: int) -> dict[str, Any]:
    return {"type": "userFills", "user": ADDRESS, "mockItems": n}


Maker = Callable[[random.Random], tuple[str, dict[str, Any]]]

MIXED: list[tuple[int, Maker]] = [
    (35, lambda r: ("/info", {"type": "l2Book", "coin": r.choice(COINS)})),
    (15, lambda r: ("/info", {"type": "allMids"})),
    (10, lambda r: ("/info", {"type": "meta"})),
    (3, lambda r: ("/info", _fills(r.choice((500, 1000, 2000))))),
    (10, lambda r: ("/info", _candles(r, r.choice((30, 240, 1000))))),
    (20, lambda r: ("/exchange", _order(r, r.choice((1, 5, 40))))),
    (5, lambda r: ("/exchange", _cancel(r))),
]
"""By request count, a trading bot's mix: market-data polling (l2Book, allMids), meta,
userFills of an active account (500 to 2000 fills), candle ranges (30 minutes to 16 hours of
1-minute candles), order batches of 1 to 40, cancels."""

HEAVY_FILLS: list[tuple[int, Maker]] = [
    *MIXED[:3],
    (10, lambda r: ("/info", _fills(r.choice((500, 1000, 2000))))),
    (10, lambda r: ("/info", _candles(r, r.choice((240, 1000, 5000))))),
    *MIXED[5:],
]
"""MIXED with more and bigger item-priced requests (userFills 10% of requests, candle ranges up
to the 5000 available)."""

LIGHT: list[tuple[int, Maker]] = [
    (60, lambda r: ("/info", {"type": "l2Book", "coin": r.choice(COINS)})),
    (40, lambda r: ("/info", {"type": "allMids"})),
]
"""Market-data polling only (weight 2 each)."""

HEAVY: list[tuple[int, Maker]] = [
    (40, lambda r: ("/info", _fills(r.choice((500, 1000, 2000))))),
    (30, lambda r: ("/info", _candles(r, r.choice((1000, 3000, 5000))))),
    (30, lambda r: ("/info", {"type": "metaAndAssetCtxs"})),
]
"""Only heavy reads: userFills, long candle ranges, metaAndAssetCtxs (weight 20 to 120)."""

SMALL_FILLS: list[tuple[int, Maker]] = [
    *MIXED[:3],
    (10, lambda r: ("/info", _fills(r.choice((0, 40, 200, 600))))),
    *MIXED[4:],
]
"""MIXED with frequent userFills of small accounts (0 to 600 fills, 10% of requests). The
venue's estimate before the answer is the documented maximum, 2000 fills (120 weight), and
most of it is refunded after the answer."""

REALISTIC: list[tuple[int, Maker]] = [
    *MIXED[:3],
    (6, lambda r: ("/info", _fills(r.choice((0, 5, 20, 40, 60, 120))))),
    *MIXED[4:],
]
"""MIXED with userFills answers of realistic size: 0 to 120 fills (most accounts have tens
of recent fills, not 2000), 6% of requests; the estimate before the answer is still the
documented maximum (120 weight), so most of each booking comes back after the answer."""

READS: list[tuple[int, Maker]] = [*MIXED[:5]]
"""MIXED without the orders and cancels: what a pool of proxies multiplies (actions also spend
the address's budget, which no proxy changes)."""

POLLING: list[tuple[int, Maker]] = [
    (30, lambda r: ("/info", {"type": "meta"})),
    (30, lambda r: ("/info", {"type": "metaAndAssetCtxs"})),
    (25, lambda r: ("/info", {"type": "openOrders", "user": ADDRESS})),
    (15, lambda r: ("/info", {"type": "l2Book", "coin": r.choice(COINS)})),
]
"""Reads of weight 20 with small answers (and some l2Book): a budget spent with few requests,
so the client's CPU is not what limits a run."""

WORKLOADS: dict[str, list[tuple[int, Maker]]] = {
    "mixed": MIXED,
    "reads": READS,
    "polling": POLLING,
    "light": LIGHT,
    "heavy": HEAVY,
    "heavy-fills": HEAVY_FILLS,
    "small-fills": SMALL_FILLS,
    "realistic": REALISTIC,
}


def payloads(seed: int, workload: str = "mixed") -> Iterator[tuple[str, dict[str, Any]]]:
    """An endless, seeded stream of (path, JSON body) requests of a workload."""
    mix = WORKLOADS[workload]
    rng = random.Random(seed)
    makers = [m for _, m in mix]
    weights = [w for w, _ in mix]
    while True:
        yield rng.choices(makers, weights)[0](rng)


def hyperliquid_venue(period: float) -> Venue:
    """Hyperliquid with its IP window scaled to the mock's ``period`` (the quota trickle too)."""
    base = rk.venue("hyperliquid")
    scale = period / 60.0
    return base.with_limits(
        ip_weight=(1200, period),
        address_actions=(base.limits["address_actions"].capacity, 10.0 * scale),
        address_cancels=(base.limits["address_cancels"].capacity, 10.0 * scale),
    )


# --------------------------------------------------------------------------------------------
# the mock venue in its own process


def _serve(venue: str, period: float, port_out: Any, stop: Any) -> None:
    from ratekeeper.testing.mock_venue import serve_forever

    serve_forever(venue, 0, period, stop=stop, on_ready=lambda mock: port_out.put(mock.port))


class MockServer:
    """A :class:`~ratekeeper.testing.MockVenue` (Hyperliquid unless told) in a child process (so
    the server does not share the clients' GIL), driven through its admin endpoints."""

    def __init__(self, period: float, venue: str = "hyperliquid") -> None:
        ctx = mp.get_context("spawn")
        self._stop = ctx.Event()
        port_q: Any = ctx.Queue()
        self._proc = ctx.Process(target=_serve, args=(venue, period, port_q, self._stop), daemon=True)
        self._proc.start()
        self.url = f"http://127.0.0.1:{port_q.get(timeout=30)}"
        self.period = period

    def reset(self) -> None:
        requests.post(self.url + "/_mock/reset", timeout=5).raise_for_status()

    def stats(self) -> dict[str, Any]:
        r = requests.get(self.url + "/_mock/stats", timeout=5)
        r.raise_for_status()
        result: dict[str, Any] = r.json()
        return result

    def close(self) -> None:
        self._stop.set()
        self._proc.join(timeout=10)
        if self._proc.is_alive():
            self._proc.kill()

    def __enter__(self) -> MockServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------------------------
# results


@dataclass
class RunResult:
    """One run: what the clients saw and what the mock counted."""

    name: str
    seconds: float
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    refused: int = 0
    errors: list[str] = field(default_factory=list)
    mock: dict[str, Any] = field(default_factory=dict)
    margin: float = float("nan")
    """The limiter's transit margin when the run ended (the largest of its processes)."""

    @property
    def rejected_429(self) -> int:
        return int(self.mock.get("rejected_429", 0))

    @property
    def budget_share(self) -> float:
        return float(self.mock.get("budget_share", 0.0))

    def merge(self, other: RunResult) -> None:
        self.requests += other.requests
        self.refused += other.refused
        self.errors.extend(other.errors)
        for status, n in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + n
        if not other.margin <= self.margin:  # (nan on either side: take the other)
            self.margin = other.margin


def _count(result: RunResult, status: int) -> None:
    result.requests += 1
    result.statuses[status] = result.statuses.get(status, 0) + 1


# --------------------------------------------------------------------------------------------
# ratekeeper, each integration


def run_requests(
    url: str,
    *,
    period: float,
    seconds: float,
    workers: int = 4,
    workload: str = "mixed",
    store: str = "memory://",
    margin: float | None = None,
    seed: int = 0,
    ready: Callable[[], None] | None = None,
    proxy_pool: list[str] | None = None,
) -> RunResult:
    """ratekeeper.requests.Session shared by ``workers`` threads for ``seconds``. ``ready()`` is
    called once the session is built; the workers start when it returns. ``proxy_pool``: send
    through these proxies (bench/bench_proxies.py)."""
    from ratekeeper.requests import Session

    result = RunResult("requests", seconds)
    lock = threading.Lock()
    session = Session(
        hyperliquid_venue(period), base_url=url, store=store, margin=margin, address=ADDRESS, proxy_pool=proxy_pool
    )
    if ready is not None:
        ready()
    deadline = time.monotonic() + seconds

    def worker(k: int) -> None:
        mine = RunResult("requests", seconds)
        for path, body in payloads(seed * 100 + k, workload):
            if time.monotonic() >= deadline:
                break
            try:
                r = session.post(path, json=body, timeout=30)
                _count(mine, r.status_code)
            except ActionRefused as e:
                mine.refused += 1
                _count(mine, e.status)
            except Exception as e:  # reported, not hidden
                mine.errors.append(f"{type(e).__name__}: {e}")
        with lock:
            result.merge(mine)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.margin = session.limiter.margin
    session.close()
    return result


async def _async_workers(
    send: Callable[[str, dict[str, Any]], Any],
    *,
    seconds: float,
    workers: int,
    workload: str,
    seed: int,
    name: str,
    ready: Callable[[], None] | None,
) -> RunResult:
    result = RunResult(name, seconds)
    if ready is not None:
        ready()
    deadline = time.monotonic() + seconds

    async def worker(k: int) -> None:
        for path, body in payloads(seed * 100 + k, workload):
            if time.monotonic() >= deadline:
                break
            try:
                _count(result, await send(path, body))
            except ActionRefused as e:
                result.refused += 1
                _count(result, e.status)
            except Exception as e:
                result.errors.append(f"{type(e).__name__}: {e}")

    await asyncio.gather(*(worker(k) for k in range(workers)))
    return result


def run_httpx_async(
    url: str,
    *,
    period: float,
    seconds: float,
    workers: int = 4,
    workload: str = "mixed",
    store: str = "memory://",
    margin: float | None = None,
    seed: int = 0,
    ready: Callable[[], None] | None = None,
    proxy_pool: list[str] | None = None,
) -> RunResult:
    """ratekeeper.httpx.AsyncClient shared by ``workers`` asyncio tasks."""
    from ratekeeper.httpx import AsyncClient

    async def main() -> RunResult:
        venue = hyperliquid_venue(period)
        async with AsyncClient(
            venue, base_url=url, store=store, margin=margin, address=ADDRESS, timeout=30, proxy_pool=proxy_pool
        ) as c:

            async def send(path: str, body: dict[str, Any]) -> int:
                return (await c.post(path, json=body)).status_code

            result = await _async_workers(
                send, seconds=seconds, workers=workers, workload=workload, seed=seed, name="httpx", ready=ready
            )
            result.margin = c.limiter.margin
            return result

    return asyncio.run(main())


def run_aiohttp(
    url: str,
    *,
    period: float,
    seconds: float,
    workers: int = 4,
    workload: str = "mixed",
    store: str = "memory://",
    margin: float | None = None,
    seed: int = 0,
    ready: Callable[[], None] | None = None,
    proxy_pool: list[str] | None = None,
) -> RunResult:
    """ratekeeper.aiohttp.ClientSession shared by ``workers`` asyncio tasks."""
    from ratekeeper.aiohttp import ClientSession

    async def main() -> RunResult:
        venue = hyperliquid_venue(period)
        async with ClientSession(
            venue, base_url=url, store=store, margin=margin, address=ADDRESS, proxy_pool=proxy_pool
        ) as s:

            async def send(path: str, body: dict[str, Any]) -> int:
                async with s.post(path, json=body) as r:
                    await r.read()
                    return r.status

            result = await _async_workers(
                send, seconds=seconds, workers=workers, workload=workload, seed=seed, name="aiohttp", ready=ready
            )
            result.margin = s.limiter.margin
            return result

    return asyncio.run(main())


# --------------------------------------------------------------------------------------------
# several processes


def _process_main(kind: str, kwargs: dict[str, Any], out: Any, ready_q: Any, go: Any, start: Any) -> None:
    def ready() -> None:
        ready_q.put(os.getpid())  # built and imported: tell the parent, wait for the common start
        go.wait()
        time.sleep(max(0.0, start.value - time.time()))

    try:
        run = run_requests if kind == "ratekeeper" else _run_isolated
        result = run(**kwargs, ready=ready)
        out.put(("ok", result.__dict__))
    except BaseException as e:  # reported to the parent
        out.put(("error", f"{type(e).__name__}: {e}"))


def _in_processes(
    kind: str, n: int, kwargs: dict[str, Any], seconds: float, name: str, mock: MockServer | None
) -> RunResult:
    """Run ``n`` processes that start their workloads at the same moment, once every one of
    them has imported and built its client."""
    ctx = mp.get_context("spawn")
    out: Any = ctx.Queue()
    ready_q: Any = ctx.Queue()
    go = ctx.Event()
    start = ctx.Value("d", 0.0)
    procs = [
        ctx.Process(target=_process_main, args=(kind, {**kwargs, "seed": k}, out, ready_q, go, start)) for k in range(n)
    ]
    for p in procs:
        p.start()
    waiting = len(procs)
    deadline = time.monotonic() + 120
    while waiting:
        try:
            ready_q.get(timeout=0.5)
            waiting -= 1
        except queue.Empty:
            if time.monotonic() > deadline or any(p.exitcode not in (None, 0) for p in procs):
                go.set()
                errors = [out.get()[1] for _ in range(out.qsize())] if hasattr(out, "qsize") else []
                raise RuntimeError(f"a worker process did not get ready: {errors}") from None
    start_at = time.time() + 0.1
    start.value = start_at
    go.set()
    snapshot: dict[str, Any] = {}
    if mock is not None:
        time.sleep(max(0.0, start_at - 0.005 - time.time()))
        mock.reset()
        time.sleep(max(0.0, start_at + seconds - time.time()))
        snapshot = mock.stats()
    result = RunResult(name, seconds)
    for _ in procs:
        status, payload = out.get(timeout=seconds + 120)
        if status != "ok":
            result.errors.append(payload)
            continue
        result.merge(RunResult(**payload))
    for p in procs:
        p.join(timeout=10)
    result.mock = snapshot
    return result


def run_processes(
    url: str,
    *,
    period: float,
    seconds: float,
    store: str,
    processes: int = 4,
    workload: str = "mixed",
    margin: float | None = None,
    mock: MockServer | None = None,
) -> RunResult:
    """``processes`` processes, one worker each, sharing ``store`` (``sqlite:///…``, ``redis://…``),
    started together. With ``mock``, it is reset as they start and its statistics are taken
    ``seconds`` later (``result.mock``)."""
    kwargs = {
        "url": url,
        "period": period,
        "seconds": seconds,
        "workers": 1,
        "workload": workload,
        "store": store,
        "margin": margin,
    }
    return _in_processes("ratekeeper", processes, kwargs, seconds, "processes", mock)


def _run_isolated(
    url: str,
    *,
    period: float,
    seconds: float,
    workload: str = "mixed",
    margin: float | None = None,
    seed: int = 0,
    ready: Callable[[], None] | None = None,
    **_: Any,
) -> RunResult:
    """One Hummingbot-style process: its own in-memory limiter with the full budget, the venue's
    weights settled with real item counts, no shared store, no feedback, no retries."""
    venue = hyperliquid_venue(period)
    pad = 0.02 if margin is None else margin
    limiter = rk.Limiter(pad_limits(venue.limits, pad))
    scope = {"ip": "*", "address": ADDRESS.lower()}
    result = RunResult("per-process", seconds)
    with requests.Session() as session:
        if ready is not None:
            ready()
        deadline = time.monotonic() + seconds
        for path, body in payloads(seed, workload):
            if time.monotonic() >= deadline:
                break
            w = venue.weigh("POST", path, body)
            grant = limiter.acquire(w.cost, scope=scope)
            try:
                r = session.post(url + path, json=body, timeout=30)
            except Exception as e:
                result.errors.append(f"{type(e).__name__}: {e}")
                continue
            _count(result, r.status_code)
            try:
                parsed = r.json()
            except ValueError:
                parsed = None
            grant.settle(venue.settle(w, r.status_code, r.headers, parsed))
    return result


def run_per_process(
    url: str,
    *,
    period: float,
    seconds: float,
    processes: int = 4,
    workload: str = "mixed",
    mock: MockServer | None = None,
) -> RunResult:
    """Hummingbot-style: ``processes`` processes, each believing it owns the whole budget."""
    kwargs = {"url": url, "period": period, "seconds": seconds, "workload": workload}
    return _in_processes("isolated", processes, kwargs, seconds, "per-process", mock)


def run_requests_ratelimiter(
    url: str,
    *,
    period: float,
    seconds: float,
    workers: int = 4,
    workload: str = "mixed",
    seed: int = 0,
    ready: Callable[[], None] | None = None,
) -> RunResult:
    """Seed 000's configuration: requests-ratelimiter at 1 request per second of a 60 s window,
    scaled to the period, shared by ``workers`` threads."""
    from requests_ratelimiter import LimiterSession

    result = RunResult("requests-ratelimiter", seconds)
    lock = threading.Lock()
    session = LimiterSession(per_second=60.0 / period)
    if ready is not None:
        ready()
    deadline = time.monotonic() + seconds

    def worker(k: int) -> None:
        mine = RunResult("requests-ratelimiter", seconds)
        for path, body in payloads(seed * 100 + k, workload):
            if time.monotonic() >= deadline:
                break
            try:
                _count(mine, session.post(url + path, json=body, timeout=30).status_code)
            except Exception as e:
                mine.errors.append(f"{type(e).__name__}: {e}")
        with lock:
            result.merge(mine)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return result


# --------------------------------------------------------------------------------------------
# the benchmark


def measured(server: MockServer, run: Callable[..., RunResult], seconds: float) -> RunResult:
    """Run ``run(ready=...)``: once its client is built it calls ``ready()``, which resets the
    mock; the mock's statistics are taken ``seconds`` later. That is the budget share of
    exactly the run's span (neither client start-up nor requests still waiting or in flight
    at its end stretch it)."""
    snapshot: dict[str, Any] = {}
    timers: list[threading.Timer] = []

    def take() -> None:
        snapshot.update(server.stats())

    def ready() -> None:
        server.reset()
        timer = threading.Timer(seconds, take)
        timers.append(timer)
        timer.start()

    result = run(ready=ready)
    for timer in timers:
        timer.join()
    result.mock = snapshot
    return result


def _three_ways(server: MockServer, period: float, seconds: float, workloads: list[str]) -> list[dict[str, Any]]:
    url = server.url
    rows: list[dict[str, Any]] = []
    for workload in workloads:
        runs: list[tuple[str, Callable[[], RunResult]]] = [
            (
                "ratekeeper (requests Session, 4 threads)",
                functools.partial(run_requests, url, period=period, seconds=seconds, workload=workload),
            ),
            (
                "requests-ratelimiter, flat 1 req/s scaled (seed 000), 4 threads",
                functools.partial(run_requests_ratelimiter, url, period=period, seconds=seconds, workload=workload),
            ),
        ]
        for name, run in runs:
            r = measured(server, run, seconds)
            rows.append(_row(name, workload, r))
            print(_fmt(rows[-1]), flush=True)
        r = run_per_process(url, period=period, seconds=seconds, workload=workload, mock=server)
        rows.append(_row("per-process limits, Hummingbot-style (4 processes)", workload, r))
        print(_fmt(rows[-1]), flush=True)
    return rows


def _row(name: str, workload: str, r: RunResult) -> dict[str, Any]:
    return {
        "way": name,
        "workload": workload,
        "requests": r.requests,
        "rejected_429": r.rejected_429,
        "budget_share": r.budget_share,
        "elapsed": float(r.mock.get("snapshot_at", 0.0)) - float(r.mock.get("started_at", 0.0)),
        "errors": len(r.errors),
    }


def _fmt(row: dict[str, Any]) -> str:
    return (
        f"{row['workload']:>6}  {row['way']:<66} requests {row['requests']:>5}  "
        f"429s {row['rejected_429']:>4}  budget used {row['budget_share']:6.1%}  errors {row['errors']}"
    )


MARGINS_MS = (0, 5, 10, 20, 30, 50, 100)


def _hog(stop: Any) -> None:
    while not stop.is_set():
        sum(range(10_000))


def _margins(
    server: MockServer,
    period: float,
    seconds: float,
    repeats: int,
    margins_ms: tuple[int, ...],
    hogs: int,
    workload: str = "mixed",
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    hog_procs = [ctx.Process(target=_hog, args=(stop,), daemon=True) for _ in range(hogs)]
    for p in hog_procs:
        p.start()
    try:
        for margin_ms in margins_ms:
            rows.extend(_one_margin(server, period, seconds, repeats, margin_ms, hogs, workload))
    finally:
        stop.set()
        for p in hog_procs:
            p.join(timeout=5)
    return rows


def _one_margin(
    server: MockServer, period: float, seconds: float, repeats: int, margin_ms: int, hogs: int, workload: str
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for runner_name, runner in (("requests, 4 threads", run_requests), ("aiohttp, 4 tasks", run_aiohttp)):
        total_429 = total_requests = 0
        shares: list[float] = []
        for rep in range(repeats):
            run = functools.partial(
                runner,
                server.url,
                period=period,
                seconds=seconds,
                margin=margin_ms / 1000,
                seed=rep,
                workload=workload,
            )
            r = measured(server, run, seconds)
            total_429 += r.rejected_429
            total_requests += r.requests
            shares.append(r.budget_share)
        row = {
            "margin_ms": margin_ms,
            "cpu_hogs": hogs,
            "workload": workload,
            "client": runner_name,
            "runs": repeats,
            "requests": total_requests,
            "rejected_429": total_429,
            "rate_429": total_429 / max(1, total_requests),
            "budget_share_min": min(shares),
            "budget_share_mean": sum(shares) / len(shares),
        }
        rows.append(row)
        print(
            f"margin {margin_ms:>3} ms  {runner_name:<20} 429s {total_429:>4} / {total_requests:>5} requests "
            f"({row['rate_429']:.3%})  budget used mean {row['budget_share_mean']:.1%} "
            f"min {row['budget_share_min']:.1%}",
            flush=True,
        )
    return rows


WORKLOAD_NOTES: dict[str, str] = {
    "mixed": "l2Book 35%, allMids 15%, meta 10%, userFills of 500-2000 fills 3%, candle ranges of "
    "30 min-16 h 10%, order batches of 1-40 20%, cancels 5% (by request count)",
    "light": "l2Book and allMids only (weight 2)",
    "heavy": "userFills of 500-2000 fills, candle ranges of 1000-5000 candles, metaAndAssetCtxs",
    "heavy-fills": "mixed with userFills at 10% and candle ranges up to 5000 candles",
    "small-fills": "mixed with userFills of 0-600 fills at 10% (estimated at the documented 2000)",
}


def _markdown(rows: list[dict[str, Any]], margins: list[dict[str, Any]], period: float, seconds: float) -> str:
    machine = f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, {sys.platform}"
    lines = [
        f"Mock Hyperliquid venue (`ratekeeper.testing.MockVenue`, 1200 weight per {period:g} s sliding window, "
        f"in its own process), 4 workers, {seconds:g} s per run ({seconds / period:g} periods); {machine}; "
        "measured while other jobs shared the machine. Budget used = weight the mock accepted during the run / "
        "(1200 x run length / period); it can pass 100% because the mock charges the items-returned weight "
        "after answering, over the limit.",
        "",
        "* **ratekeeper**: `ratekeeper.requests.Session`, default options, 4 threads sharing it.",
        "* **requests-ratelimiter**: seed 000's configuration, a flat 1 request per second for a 60 s window "
        "(1200 / 20), scaled to the period: `LimiterSession(per_second=60 / period)`, 4 threads sharing it.",
        "* **per-process limits, Hummingbot-style**: 4 processes, each with its own in-memory ratekeeper "
        "`Limiter` holding the whole budget (the venue's weights, settled with the real item counts; no shared "
        "store, no server feedback, no retries). The budget looks fully used because the 4 processes together "
        "send about 4 times what it admits: the mock refuses the excess with 429s (Binance would ban the IP).",
        "",
        "Workloads: " + "; ".join(f"**{k}**: {v}" for k, v in WORKLOAD_NOTES.items()) + ".",
        "",
        "| workload | way | requests | HTTP 429 | budget used |",
        "|---|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['workload']} | {r['way']} | {r['requests']} | {r['rejected_429']} | {r['budget_share']:.1%} |"
        )
    if margins:
        lines += [
            "",
            "Transit margin (ratekeeper; 3 runs per row, seeds 0-2): 429s and budget used per margin. "
            "CPU hogs: busy-loop processes run meanwhile, as other jobs would.",
            "",
            "| workload | margin | CPU hogs | client | requests | HTTP 429 | budget used (mean, min) |",
            "|---|---:|---:|---|---:|---:|---:|",
        ]
        for m in margins:
            lines.append(
                f"| {m.get('workload', 'mixed')} | {m['margin_ms']} ms | {m.get('cpu_hogs') or 0} | {m['client']} | "
                f"{m['requests']} | {m['rejected_429']} | {m['budget_share_mean']:.1%}, {m['budget_share_min']:.1%} |"
            )
    lines += [
        "",
        "Reproduce: `python bench/bench_http.py --docs` (the three ways), "
        "`python bench/bench_http.py --only-margins --json m.json` (margins; `--cpu-hogs 2`, "
        "`--margin-workload heavy`), then `--margins-from m.json` to add them to the page.",
    ]
    return "\n".join(lines)


START = "<!-- bench:http:start -->"
END = "<!-- bench:http:end -->"


def write_docs(text: str, path: Path) -> None:
    """Replace the bench:http section of ``path`` (appended, with a heading, when missing)."""
    doc = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    block = f"{START}\n{text}\n{END}"
    if START in doc and END in doc:
        doc = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: block, doc, flags=re.S)
    else:
        doc = doc.rstrip("\n") + "\n\n## HTTP integrations against the mock venue\n\n" + block + "\n"
    path.write_text(doc, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--period", type=float, default=3.0, help="the mock's window in seconds (default 3)")
    parser.add_argument("--periods", type=float, default=4.0, help="run length in periods (default 4)")
    parser.add_argument("--workloads", default="mixed,light,heavy,heavy-fills,small-fills")
    parser.add_argument("--margins", action="store_true", help="also measure the margin table")
    parser.add_argument("--only-margins", action="store_true", help="only the margin table")
    parser.add_argument("--repeats", type=int, default=3, help="runs per margin (default 3)")
    parser.add_argument(
        "--margin-list", default=",".join(map(str, MARGINS_MS)), help="margins to measure, in ms (comma-separated)"
    )
    parser.add_argument("--margin-workload", default="mixed", help="the workload of the margin table")
    parser.add_argument(
        "--cpu-hogs", type=int, default=0, help="busy-loop processes to run meanwhile (CPU contention, as under load)"
    )
    parser.add_argument("--json", type=Path, help="write the raw rows here")
    parser.add_argument(
        "--margins-from", type=Path, action="append", help="add the margin rows of an earlier run's --json file"
    )
    parser.add_argument("--rows-from", type=Path, help="take the three-ways rows from an earlier run's --json file")
    parser.add_argument("--docs", action="store_true", help="rewrite docs/benchmarks.md's bench:http section")
    args = parser.parse_args(argv)
    seconds = args.period * args.periods
    rows: list[dict[str, Any]] = []
    margins: list[dict[str, Any]] = []
    run_ways = args.rows_from is None and bool(args.workloads) and not args.only_margins
    if run_ways or args.margins or args.only_margins:
        with MockServer(args.period) as server:
            if run_ways:
                rows = _three_ways(server, args.period, seconds, [w for w in args.workloads.split(",") if w])
            if args.margins or args.only_margins:
                chosen = tuple(int(m) for m in args.margin_list.split(",") if m)
                margins = _margins(
                    server, args.period, seconds, args.repeats, chosen, args.cpu_hogs, args.margin_workload
                )
    if args.rows_from:
        rows = json.loads(args.rows_from.read_text())["rows"]
    for extra in args.margins_from or []:
        margins += json.loads(extra.read_text())["margins"]
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "margins": margins}, indent=2))
    text = _markdown(rows, margins, args.period, seconds)
    print()
    print(text)
    if args.docs:
        write_docs(text, Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md")


if __name__ == "__main__":
    main()
