"""A realistic Hyperliquid mix against the mock venue: 429s, the share of the budget used, and
a timeline per window that shows where the budget sat idle.

The workload (``realistic``): market-data polling (l2Book, allMids), meta, userFills of
realistic accounts (0 to 120 fills: tens, not 2000), candle ranges, order batches of 1 to 40
and cancels; the mock charges userFills' and candles' per-item extras after the answer, as
the venue does. It is sent five ways, each for 5 windows, of which the last 4 are measured
(the first starts from an empty ledger and an empty venue window, which flatters any
limiter: a margin or a slow client costs nothing there):

* ``requests.Session``, 4 threads;
* ``httpx.AsyncClient`` and ``aiohttp.ClientSession``, 32 tasks;
* 4 processes sharing one SQLite store, and 4 sharing one Redis store (a requests session
  each).

The mock's window is scaled down to ``--periods`` seconds (default 2 and 10). The timeline
is the mock's own: the weight it charged in each window since the run began, as a share of
the budget; its lowest window is the "idle" column: a budget left unused shows there. "Most
in any window" is the mock's own count over every sliding window (above 100% only by extras
it charges after answering). (Within a window a saturated sliding budget is spent in
bursts, as room comes back when the entries of the window before expire, so finer slices
than a window say nothing about idleness.)

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
WARMUP = 1
"""Windows run before the measured ones."""
MEASURED = 4
"""Windows measured."""


def windows(mock: dict[str, Any], seconds: float) -> list[float]:
    """The share of the budget used in each whole window of the run, from the mock's own
    timeline (the weight it charged in each window since the reset that started the run)."""
    period = float(mock.get("period", 1.0))
    capacity = float(mock.get("capacity", 1.0)) or 1.0
    timeline = [float(w) for w in mock.get("weight_by_window", [])]
    n = round(seconds / period)
    timeline += [0.0] * (n - len(timeline))
    return [w / capacity for w in timeline[:n]]


def clients(tmp: str, redis: str) -> list[tuple[str, Callable[..., bh.RunResult], dict[str, Any]]]:
    return [
        ("requests, 4 threads", bh.run_requests, {"workers": 4}),
        ("httpx async, 32 tasks", bh.run_httpx_async, {"workers": 32}),
        ("aiohttp, 32 tasks", bh.run_aiohttp, {"workers": 32}),
        ("4 processes, SQLite", bh.run_processes, {"store": f"sqlite:///{tmp}/mix-{uuid.uuid4().hex[:8]}.db"}),
        ("4 processes, Redis", bh.run_processes, {"store": f"{redis}?prefix=bench-mix-{uuid.uuid4().hex[:8]}"}),
    ]


def run(periods: list[float], only: str = "") -> str:
    redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for period in periods:
            seconds = (WARMUP + MEASURED) * period
            with bh.MockServer(period) as server:
                for name, fn, extra in clients(tmp, redis):
                    if only and only not in name:
                        continue
                    if fn is bh.run_processes:
                        r = fn(server.url, period=period, seconds=seconds, workload=WORKLOAD, mock=server, **extra)
                    else:
                        run_one = functools.partial(
                            fn, server.url, period=period, seconds=seconds, workload=WORKLOAD, **extra
                        )
                        r = bh.measured(server, run_one, seconds)
                    shares = windows(r.mock, seconds)[WARMUP:]
                    used = sum(shares) / len(shares) if shares else float("nan")
                    idle = min(shares) if shares else float("nan")
                    timeline = " ".join(f"{h:.0%}" for h in shares)
                    peak = max(r.mock.get("max_window_weight_by_ip", {}).values(), default=0.0)
                    peak_share = peak / float(r.mock.get("capacity", 1.0) or 1.0)
                    rows.append(
                        f"| {period:g} s | {name} | {used:.1%} | {r.rejected_429} | {peak_share:.0%} "
                        f"| {idle:.0%} | {timeline} | {r.margin * 1000:.0f} ms |"
                    )
                    print(rows[-1], flush=True)
    head = (
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, one run per row. "
        "Reproduce: `python bench/bench_mix.py --docs`. Each client runs 5 windows; the first (from "
        "an empty ledger) is not measured: budget used is the mean of the other 4, the 429s count "
        "all 5; margin: the measured transit margin when the run ended (the largest of the processes).\n\n"
        "| window | client | budget used | 429s | most in any window | lowest window | each window | margin |\n"
        "|---|---|---:|---:|---:|---:|---|---:|"
    )
    return head + "\n" + "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--periods", default="2,10", help="mock windows in seconds, comma-separated")
    ap.add_argument("--docs", action="store_true")
    ap.add_argument("--only", default="", help="only the clients whose name holds this text, e.g. processes")
    args = ap.parse_args()
    if args.only and args.docs:
        raise SystemExit("--docs records every client: leave out --only")
    text = run([float(p) for p in args.periods.split(",")], args.only)
    print(text)
    if args.docs:
        replace_section(DOCS, "mix", "A realistic mix against the mock venue", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
