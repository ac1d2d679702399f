"""The demo: a mixed workload spends one budget, and every window it kept is checked.

Two modes:

* ``none`` (in-process): worker threads and asyncio tasks spend a per-IP weight budget (sliding,
  with a reserve for cancels) and a per-account order limit at the same time, through one
  store. Every admission is recorded and every window checked.
* ``mock``: the built-in mock Hyperliquid venue runs on loopback with a short period, and
  worker threads send a mixed workload to it over HTTP through ``ratekeeper.requests.Session``.
  The server counts what it received: the run fails if it answered a single 429.

The CLI (``ratekeeper demo``) starts a run, shows it live on a terminal and prints a summary.
"""

from __future__ import annotations

import asyncio
import importlib.util
import math
import random
import threading
import time
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._limiter import AsyncLimiter, Grant, Limiter
from ._limits import Cost, Limit, LimitStatistics, ScopeArg
from .stores import StoreSpec, open_store
from .stores._base import is_local

__all__ = [
    "DemoResult",
    "DemoRun",
    "InProcessRun",
    "MockRun",
    "mock_available",
    "run_demo",
    "start_demo",
]

KINDS: list[tuple[str, dict[str, float], int]] = [
    ("market data (weight 2)", {"ip_weight": 2}, 0),
    ("account info (weight 20)", {"ip_weight": 20}, 0),
    ("order (weight 1 + 1 order)", {"ip_weight": 1, "orders": 1}, 1),
    ("cancel (weight 1, priority 5)", {"ip_weight": 1}, 5),
]


@dataclass
class DemoResult:
    """Everything a run admitted: per-limit admissions (store time), kinds, waits, responses."""

    seconds: float
    limits: dict[str, Limit]
    mode: str = "none"
    admissions: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    waits: list[float] = field(default_factory=list)
    started: float = 0.0
    """Store time when the run began (windows before ``started + period`` are the initial burst)."""
    local_started: float = 0.0
    """``time.monotonic()`` when the run began."""
    local_times: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    """HTTP status → count (mock mode)."""
    server: Mapping[str, Any] = field(default_factory=dict)
    """What the mock venue counted (mock mode), once every request was answered."""
    server_weight: float | None = None
    """The weight the mock venue received during the run (mock mode; requests still waiting
    when the run ended are not counted)."""
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record(self, kind: str, cost: Mapping[str, float], at: float, waited: float) -> None:
        """One admission (the caller holds :attr:`lock`)."""
        for name, units in cost.items():
            self.admissions.setdefault(name, []).append((at, units))
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
        self.waits.append(waited)
        self.local_times.append(time.monotonic())

    @property
    def requests(self) -> int:
        return sum(self.by_kind.values())

    @property
    def http_429(self) -> int:
        return self.statuses.get(429, 0)

    def max_window(self, name: str) -> float:
        """The most units admitted in any interval as long as the limit's period."""
        entries = sorted(self.admissions.get(name, []))
        period = self.limits[name].period
        best = total = 0.0
        j = 0
        for t, units in entries:
            total += units
            while entries[j][0] + period <= t:  # as the algorithm counts: an entry leaves at its time + period
                total -= entries[j][1]
                j += 1
            best = max(best, total)
        return best

    def steady_share(self, name: str) -> float:
        """Units admitted after the first period (the initial burst excluded), as a share of
        what the limit allows over that time."""
        lim = self.limits[name]
        span = self.seconds - lim.period
        if span <= 0:
            return 0.0
        spent = sum(u for t, u in self.admissions.get(name, []) if t >= self.started + lim.period)
        return spent / (lim.capacity * span / lim.period)

    def allowed(self, name: str) -> float:
        """The most a limit admits over the run: a full capacity in each period it spans
        (a sliding window starting empty takes a burst at 0, period, 2 x period...)."""
        lim = self.limits[name]
        return lim.capacity * max(1, math.ceil(self.seconds / lim.period - 1e-9))

    def share(self, name: str) -> float:
        """Units admitted over the whole run, as a share of :meth:`allowed`."""
        return sum(u for _, u in self.admissions.get(name, [])) / self.allowed(name)

    def rate(self, now: float, window: float = 1.0) -> float:
        """Admissions per second over the last ``window`` seconds (monotonic ``now``)."""
        with self.lock:
            times = self.local_times
            return (len(times) - bisect_left(times, now - window)) / window

    def wait_quantiles(self) -> tuple[float, float]:
        """(p50, p99) of the waits so far, in seconds."""
        with self.lock:
            waits = sorted(self.waits)
        if not waits:
            return 0.0, 0.0
        return waits[len(waits) // 2], waits[min(len(waits) - 1, int(len(waits) * 0.99))]


class DemoRun:
    """A demo run in background threads: start it, watch it, wait for it."""

    result: DemoResult
    description: str

    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []
        self._failure: BaseException | None = None

    def start(self) -> None:
        raise NotImplementedError

    def statistics(self) -> Sequence[LimitStatistics]:
        """The budgets as the store sees them now (for the live view)."""
        raise NotImplementedError

    def _spawn(self, target: Callable[..., object], *args: object) -> None:
        def run() -> None:
            try:
                target(*args)
            except BaseException as exc:  # reported by wait()
                self._failure = exc

        t = threading.Thread(target=run, daemon=True)
        self._threads.append(t)
        t.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds; True once every worker is done. Re-raises a
        worker's failure."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for t in self._threads:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            t.join(left)
            if t.is_alive():
                return False
        self.close()
        if self._failure is not None:
            raise self._failure
        return True

    def close(self) -> None:
        """Release what the run holds (servers, stores)."""


# =========================================================================================
# in-process: threads and asyncio tasks on one store
# =========================================================================================


class InProcessRun(DemoRun):
    """Threads and asyncio tasks spend one budget through one store."""

    def __init__(self, seconds: float, workers: int, store: StoreSpec = "memory://") -> None:
        super().__init__()
        self.limits = {
            "ip_weight": Limit("ip_weight", 240, 2.0, reserve=0.1, reserve_priority=5),
            "orders": Limit("orders", 20, 1.0),
        }
        self._store = open_store(store)
        self.limiter = Limiter(self.limits, store=self._store)
        self.alimiter = AsyncLimiter(self.limits, store=self._store)  # the same budget, spent from asyncio
        self.seconds = seconds
        self.workers = workers
        self.result = DemoResult(seconds, dict(self.limits), mode="none")
        self.description = f"{workers} threads and {workers * 25} asyncio tasks spend one budget for {seconds:g} s" + (
            "" if store == "memory://" else f" (store {store})"
        )

    def statistics(self) -> Sequence[LimitStatistics]:
        return self.limiter.statistics()

    def start(self) -> None:
        result = self.result
        rng = random.Random(7)
        result.local_started = time.monotonic()
        result.started = time.monotonic() if is_local(self._store) else time.time()
        end = result.local_started + self.seconds
        limiter, alimiter = self.limiter, self.alimiter

        def thread_worker(seed: float) -> None:
            r = random.Random(seed)
            while True:
                kind, cost, prio = r.choice(KINDS)
                g = limiter.acquire(cost, priority=prio)
                if time.monotonic() >= end:
                    g.release()
                    return
                at = g.at
                assert at is not None
                with result.lock:
                    result.record(kind, cost, at, g.waited)

        async def task_worker(seed: float) -> None:
            r = random.Random(seed)
            while True:
                kind, cost, prio = r.choice(KINDS)
                g = await alimiter.acquire(cost, priority=prio)
                if time.monotonic() >= end:
                    await g.release()
                    return
                at = g.at
                assert at is not None
                with result.lock:
                    result.record(kind, cost, at, g.waited)

        async def tasks() -> None:
            await asyncio.gather(*(task_worker(rng.random()) for _ in range(self.workers * 25)))

        seeds = [rng.random() for _ in range(self.workers)]
        for seed in seeds:
            self._spawn(thread_worker, seed)
        self._spawn(asyncio.run, tasks())

    def close(self) -> None:
        self._store.close()


# =========================================================================================
# mock: HTTP to the built-in mock venue through ratekeeper.requests.Session
# =========================================================================================

MOCK_PERIOD = 2.0
"""The mock venue's window: Hyperliquid's 1200 weight per 60 s becomes 1200 per 2 s."""

ADDRESS = "0x00000000000000000000000000000000000000d1"
_ORDER = {"a": 0, "b": True, "p": "100", "s": "0.01", "r": False, "t": {"limit": {"tif": "Gtc"}}}

MOCK_KINDS: list[tuple[str, str, dict[str, Any], int]] = [
    ("l2Book (weight 2)", "/info", {"type": "l2Book", "coin": "BTC"}, 8),
    ("allMids (weight 2)", "/info", {"type": "allMids"}, 4),
    ("meta (weight 20)", "/info", {"type": "meta"}, 2),
    ("openOrders (weight 20)", "/info", {"type": "openOrders", "user": ADDRESS}, 2),
    ("userRole (weight 60)", "/info", {"type": "userRole", "user": ADDRESS}, 1),
    ("userFills (20 + 1 per 20 fills)", "/info", {"type": "userFills", "user": ADDRESS}, 1),
    (
        "order (weight 1 + address quota)",
        "/exchange",
        {"action": {"type": "order", "orders": [_ORDER], "grouping": "na"}, "vaultAddress": ADDRESS},
        2,
    ),
    (
        "cancel (weight 1 + cancel quota)",
        "/exchange",
        {"action": {"type": "cancel", "cancels": [{"a": 0, "o": 1}]}, "vaultAddress": ADDRESS},
        1,
    ),
]
"""(label, path, body, relative frequency)."""


def mock_available() -> bool:
    """Whether the mock venue (aiohttp) and the requests integration are installed."""
    for name in ("aiohttp", "requests", "ratekeeper.testing.mock_venue", "ratekeeper.requests"):
        try:
            if importlib.util.find_spec(name) is None:
                return False
        except (ImportError, ValueError):
            return False
    return True


class _RecordingLimiter(Limiter):
    """A limiter that hands every grant to ``sink`` (the demo's waits and admissions)."""

    def __init__(self, limits: Sequence[Limit], store: StoreSpec, sink: Callable[[Grant], None]) -> None:
        super().__init__(limits, store=store)
        self._sink = sink

    def acquire(self, cost: Cost, *, timeout: float | None = None, priority: int = 0, scope: ScopeArg = None) -> Grant:
        grant = super().acquire(cost, timeout=timeout, priority=priority, scope=scope)
        self._sink(grant)
        return grant


class MockRun(DemoRun):
    """Threads send a mixed Hyperliquid workload over HTTP to the mock venue on loopback,
    each through its own ``ratekeeper.requests.Session``, all spending one limiter."""

    def __init__(self, seconds: float, workers: int, store: StoreSpec = "memory://") -> None:
        super().__init__()
        from . import venue as make_venue
        from .http import DEFAULT_MARGINS, pad_limits
        from .testing.mock_venue import MockVenue

        self.venue = make_venue("hyperliquid", ip_weight=(1200, MOCK_PERIOD))
        self.seconds = seconds
        self.workers = workers
        self.limits = {"ip_weight": self.venue.limits["ip_weight"]}
        self.result = DemoResult(seconds, dict(self.limits), mode="mock")
        self._store = open_store(store)
        self._waits: dict[int, float] = {}
        self.limiter = _RecordingLimiter(
            pad_limits(self.venue.limits, DEFAULT_MARGINS["hyperliquid"]), self._store, self._granted
        )
        self.mock = MockVenue("hyperliquid", period=MOCK_PERIOD)
        self.mock.start()
        self._at_end = threading.Timer(0.0, lambda: None)
        self.description = (
            f"{workers} threads send Hyperliquid requests to the mock venue at {self.mock.url} for {seconds:g} s "
            f"(1200 weight per {MOCK_PERIOD:g} s)"
        )

    def _granted(self, grant: Grant) -> None:
        self._waits[threading.get_ident()] = grant.waited

    def statistics(self) -> Sequence[LimitStatistics]:
        return [s for s in self.limiter.statistics() if s.limit in ("ip_weight", "address_actions")]

    def start(self) -> None:
        from .requests import Session

        result = self.result
        self.mock.reset()  # the server's counts start with the run
        result.local_started = result.started = time.monotonic()
        end = result.local_started + self.seconds
        weights = [k[3] for k in MOCK_KINDS]
        # what the server received during the run itself, for the share of the budget used
        self._at_end = threading.Timer(self.seconds, self._snapshot_at_end)
        self._at_end.daemon = True
        self._at_end.start()

        def worker(seed: int) -> None:
            r = random.Random(seed)
            session = Session(self.venue, base_url=self.mock.url, limiter=self.limiter)
            me = threading.get_ident()
            try:
                while time.monotonic() < end:
                    label, path, body, _ = r.choices(MOCK_KINDS, weights)[0]
                    self._waits.pop(me, None)
                    response = session.post(path, json=body)
                    status = response.status_code
                    response.close()
                    with result.lock:
                        result.statuses[status] = result.statuses.get(status, 0) + 1
                        waited = self._waits.get(me)
                        if waited is not None:
                            result.record(label, {}, time.monotonic(), waited)
            finally:
                session.close()

        for i in range(self.workers):
            self._spawn(worker, 1000 + i)

    def _snapshot_at_end(self) -> None:
        if self.mock.running:
            self.result.server_weight = float(sum(self.mock.stats.weight_by_ip.values()))

    def close(self) -> None:
        self._at_end.join()
        if self.mock.running:
            self.result.server = self.mock.stats.as_dict()
            self.mock.stop()
        self._store.close()


def start_demo(seconds: float, workers: int, *, venue: str = "auto", store: StoreSpec = "memory://") -> DemoRun:
    """Build and start a run: ``venue`` is ``"mock"``, ``"none"`` or ``"auto"`` (mock when installed)."""
    if venue == "auto":
        venue = "mock" if mock_available() else "none"
    run: DemoRun = MockRun(seconds, workers, store) if venue == "mock" else InProcessRun(seconds, workers, store)
    run.start()
    return run


def run_demo(
    seconds: float, workers: int, progress: Callable[[str], None], store: StoreSpec = "memory://"
) -> DemoResult:
    """Run the in-process demo to the end and return what it admitted."""
    run = InProcessRun(seconds, workers, store)
    progress(run.description + " ...")
    run.start()
    run.wait()
    return run.result
