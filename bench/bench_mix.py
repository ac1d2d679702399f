"""A realistic Hyperliquid mix against the mock venue: 429s, the share of the budget used, and
a timeline per window that shows where the budget sat idle.

The workload (``realistic``): market-data polling (l2Book, allMids), meta, userFills of
realistic accounts (0 to 120 fills: tens, not 2000), candle ranges, order batches of 1 to 40
and cancels; the mock charges userFills' and candles' per-item extras after the answer, as
the venue does. It is sent five ways, each for 4 windows:

* ``requests.Session``, 4 threads;
* ``httpx.AsyncClient`` and ``aiohttp.ClientSession``, 32 tasks;
* 4 processes sharing one SQLite store, and 4 sharing one Redis store (a requests session
  each).

The mock's window is scaled down to ``--periods`` seconds (default 2 and 10). The timeline
samples the weight the mock has charged and reports the share used in each window; its
lowest window is the "idle" column: a budget left unused shows there. "Most in any window"
is the mock's own count over every sliding window (above 100% only by extras it charges
after answering). (Within a window a
saturated sliding budget is spent in bursts, as room comes back when the entries of the
window before expire, so finer slices than a window say nothing about idleness.)

    python bench/bench_mix.py                  # both windows, every client (~6 min)
    python bench/bench_mix.py --periods 2      # one window
    python bench/bench_mix.py --docs           # also rewrites its section of docs/benchmarks.md

``REDIS_URL`` picks the Redis server (default redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

import bench_http as bh  # noqa: E402
from _harness import replace_section  # noqa: E402

DOCS = HERE.parent / "docs" / "benchmarks.md"
WORKLOAD = "realistic"


class Sampler:
    """Polls the mock's statistics every ``step`` seconds: (seconds since its reset, weight
    charged so far), for the reset that the run's own measurement made (the last one)."""

    def __init__(self, server: bh.MockServer, step: float) -> None:
        self.server = server
        self.step = step
        self.samples: list[tuple[float, float, float]] = []  # started_at, elapsed, weight
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.step / 20):
            try:
                s = self.server.stats()
            except Exception:
                continue
            self.samples.append((s["started_at"], s["snapshot_at"] - s["started_at"], sum(s["weight_by_ip"].values())))

    def stop(self) -> list[float]:
        """The share of the budget used in each window of the last measurement."""
        self._stop.set()
        self._thread.join()
        if not self.samples:
            return []
        last = self.samples[-1][0]
        points = [(0.0, 0.0)] + [(e, w) for started, e, w in self.samples if started == last]
        capacity = self.server.stats()["capacity"]
        shares = []
        k = 1
        prev_e, prev_w = 0.0, 0.0
        for e, w in points:
            if e >= k * self.step:
                # the weight charged since the previous boundary sample, over the budget of the
                # seconds between the two samples (a late sample stretches the slice, not the share)
                shares.append((w - prev_w) / (capacity * (e - prev_e) / self.server.period))
                prev_e, prev_w = e, w
                k = int(e // self.step) + 1
        return shares


def clients(tmp: str, redis: str) -> list[tuple[str, Callable[..., bh.RunResult], dict[str, Any]]]:
    return [
        ("requests, 4 threads", bh.run_requests, {"workers": 4}),
        ("httpx async, 32 tasks", bh.run_httpx_async, {"workers": 32}),
        ("aiohttp, 32 tasks", bh.run_aiohttp, {"workers": 32}),
        ("4 processes, SQLite", bh.run_processes, {"store": f"sqlite:///{tmp}/mix-{uuid.uuid4().hex[:8]}.db"}),
        ("4 processes, Redis", bh.run_processes, {"store": f"{redis}?prefix=bench-mix-{uuid.uuid4().hex[:8]}"}),
    ]


def run(periods: list[float]) -> str:
    redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for period in periods:
            seconds = 4 * period
            with bh.MockServer(period) as server:
                for name, fn, extra in clients(tmp, redis):
                    sampler = Sampler(server, period)
                    if fn is bh.run_processes:
                        r = fn(server.url, period=period, seconds=seconds, workload=WORKLOAD, mock=server, **extra)
                    else:
                        run_one = functools.partial(
                            fn, server.url, period=period, seconds=seconds, workload=WORKLOAD, **extra
                        )
                        r = bh.measured(server, run_one, seconds)
                    windows = sampler.stop()
                    idle = min(windows) if windows else float("nan")
                    timeline = " ".join(f"{h:.0%}" for h in windows)
                    peak = max(r.mock.get("max_window_weight_by_ip", {}).values(), default=0.0)
                    peak_share = peak / float(r.mock.get("capacity", 1.0) or 1.0)
                    rows.append(
                        f"| {period:g} s | {name} | {r.budget_share:.1%} | {r.rejected_429} | {peak_share:.0%} "
                        f"| {idle:.0%} | {timeline} |"
                    )
                    print(rows[-1], flush=True)
    head = (
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, one run per row. "
        "Reproduce: `python bench/bench_mix.py --docs`.\n\n"
        "| window | client | budget used | 429s | most in any window | lowest window | each window |\n"
        "|---|---|---:|---:|---:|---:|---|"
    )
    return head + "\n" + "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--periods", default="2,10", help="mock windows in seconds, comma-separated")
    ap.add_argument("--docs", action="store_true")
    args = ap.parse_args()
    text = run([float(p) for p in args.periods.split(",")])
    print(text)
    if args.docs:
        replace_section(DOCS, "mix", "A realistic mix against the mock venue", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
