"""Decisions with many bookings ahead, and hours of over-subscribed work in ``simulate``.

* ``ahead``: a sliding limit of 1200 per 60 s booked full with ``k`` entries ahead of now
  (k = 10 ... 10,000), on clocks that start at 0, just below 2**33 and at
  today's UNIX time. One more decision then has to search past all of them. Reported: the
  median ns per decision, and ns per booking ahead (flat = linear: O(k)).
* ``simulate``: ``ratekeeper simulate hyperliquid`` on a workload that asks 4.1 times what
  the ip_weight budget renews, offered for 3 minutes and for 3 hours (wall seconds taken).

    python bench/bench_decide.py                # prints the tables
    python bench/bench_decide.py --docs         # also rewrites their section of docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from _harness import replace_section  # noqa: E402

from ratekeeper import Limit  # noqa: E402
from ratekeeper import _algorithms as algo  # noqa: E402
from ratekeeper._simulate import parse_workload, simulate  # noqa: E402
from ratekeeper.venues import venue  # noqa: E402

DOCS = HERE.parent / "docs" / "benchmarks.md"

BASES = {"0": 0.0, "2**33 - 1e-5": 2.0**33 - 1e-5, "1.7e9": 1_700_000_000.0}
KS = (10, 100, 1000, 10_000)

WORKLOAD = {
    "requests": [
        {"name": "book", "path": "/info", "body": {"type": "l2Book", "coin": "BTC"}, "rate": 10},
        {"name": "fills", "path": "/info", "body": {"type": "userFills", "user": "0xabc"}, "items": 30, "rate": 1},
        {"name": "role", "path": "/info", "body": {"type": "userRole", "user": "0xabc"}, "rate": 0.5},
        {"name": "candles", "path": "/info", "body": {"type": "candleSnapshot", "req": {}}, "items": 200, "rate": 0.5},
    ]
}


def ahead(base: float, k: int, reps: int) -> float:
    """Median ns of one decision that must search past ``k`` bookings ahead of now: every
    window full from now on (``m`` entries of 1200/m per window of 60 s, m = min(k, 1200))."""
    limit = Limit("w", 1200, 60)
    state = algo.SlidingState()
    m = min(k, 1200)
    step = 60.0 / m
    for j in range(k):
        algo.commit(state, base + j * step, 1200.0 / m, limit, 0)
    snapshot = algo.state_to_dict(state)
    times = []
    for _ in range(reps):
        st = algo.state_from_dict(snapshot)
        t0 = time.perf_counter_ns()
        d = algo.decide([st], [limit], [60.0], base, 0, None)
        times.append(time.perf_counter_ns() - t0)
    assert d.start >= base + (k - 1) * step, "the decision must land past the bookings"
    return statistics.median(times)


def simulate_seconds(seconds: float) -> tuple[float, int]:
    work = parse_workload(dict(WORKLOAD), venue("hyperliquid"), seconds=seconds)
    t0 = time.perf_counter()
    sim = simulate(work, sample=False)
    return time.perf_counter() - t0, len(sim.start)


def run(quick: bool) -> str:
    reps = 5 if quick else 21
    lines = [
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.system()} "
        f"{platform.machine()}, Python {platform.python_version()}. Reproduce: `python bench/bench_decide.py --docs`.",
        "",
        "| clock starts at | " + " | ".join(f"k = {k:,}" for k in KS) + " | ns per booking ahead, k = 100 → 10,000 |",
        "|---|" + "---:|" * len(KS) + "---|",
    ]
    for label, base in BASES.items():
        ns = [ahead(base, k, reps) for k in KS]
        per = [n / k for n, k in zip(ns, KS, strict=True)]
        cells = " | ".join(f"{n / 1000:,.1f} µs" for n in ns)
        lines.append(f"| {label} | {cells} | {per[1]:,.0f} → {per[-1]:,.0f} |")
    lines += ["", "| `simulate`, 4.1x over-subscribed | requests | wall time |", "|---|---:|---:|"]
    for offered in (180.0, 3 * 3600.0):
        took, n = simulate_seconds(offered)
        lines.append(f"| offered for {offered / 60:,.0f} min | {n:,} | {took:.2f} s |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--docs", action="store_true")
    args = ap.parse_args()
    text = run(args.quick)
    print(text)
    if args.docs:
        replace_section(DOCS, "decide", "Decisions with bookings ahead", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
