"""Freed room reaching a waiter: the lag from a refund to the waiter's admission.

A limit of 100 per 3 s is spent in full; a waiter for 10 units books its slot ~3 s ahead
and sleeps; then the spender settles its grant down to 10. Measured: the seconds from the
start of ``settle`` until the waiter's ``acquire`` returns.

* in the process: the spender and the waiter share one limiter (memory, SQLite, Redis);
* across processes: the spender is another process on the same store (SQLite: a unix
  datagram; Redis: pub/sub), each side with its own limiter.

    python bench/bench_freed.py                 # 15 rounds per case
    python bench/bench_freed.py --rounds 5
    python bench/bench_freed.py --docs          # also rewrites its section of docs/benchmarks.md

``REDIS_URL`` picks the server (default redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from _harness import replace_section  # noqa: E402

import ratekeeper as rk  # noqa: E402

DOCS = HERE.parent / "docs" / "benchmarks.md"
LIMIT = rk.Limit("w", 100, 3.0)


def waiter(limiter: rk.Limiter, out: list[float]) -> threading.Thread:
    def run() -> None:
        limiter.acquire({"w": 10})
        out.append(time.monotonic())

    t = threading.Thread(target=run, daemon=True)
    t.start()
    deadline = time.monotonic() + 5
    while not any(q.holder is not None and q.holder.decision is not None for q in limiter._queues.values()):
        if time.monotonic() > deadline:
            raise RuntimeError("the waiter never booked")
        time.sleep(0.001)
    time.sleep(0.05)  # asleep on its booking
    return t


def in_process(spec: str) -> float:
    limiter = rk.Limiter([LIMIT], store=spec)
    try:
        grant = limiter.acquire({"w": 100})
        out: list[float] = []
        t = waiter(limiter, out)
        t0 = time.monotonic()
        grant.settle({"w": 10})
        t.join(5)
        return out[0] - t0
    finally:
        limiter.close()


def _spender(spec: str, ready: Any, go: Any, stamp: Any) -> None:
    limiter = rk.Limiter([LIMIT], store=spec)
    grant = limiter.acquire({"w": 100})
    ready.set()
    go.wait(10)
    stamp.value = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process of the host
    grant.settle({"w": 10})
    limiter.close()


def across(spec: str) -> float:
    ctx = multiprocessing.get_context("spawn")
    ready, go, stamp = ctx.Event(), ctx.Event(), ctx.Value("d", 0.0)
    child = ctx.Process(target=_spender, args=(spec, ready, go, stamp))
    child.start()
    limiter = rk.Limiter([LIMIT], store=spec)
    try:
        if not ready.wait(20):
            raise RuntimeError("the spender did not start")
        out: list[float] = []
        t = waiter(limiter, out)
        go.set()
        t.join(5)
        child.join(10)
        return out[0] - stamp.value
    finally:
        limiter.close()


def specs(tmp: str) -> dict[str, str]:
    redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    return {
        "memory": "memory://",
        "sqlite": f"sqlite:///{tmp}/bench-{uuid.uuid4().hex[:8]}.db",
        "redis": f"{redis}?prefix=bench-freed-{uuid.uuid4().hex[:8]}",
    }


def run(rounds: int) -> str:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, spec in specs(tmp).items():
            cases = [("in the process", in_process)]
            if name != "memory":
                cases.append(("another process", across))
            for where, fn in cases:
                lags = sorted(
                    fn(spec if name != "sqlite" else spec.replace(".db", f"-{where[0]}.db")) for _ in range(rounds)
                )
                p50 = statistics.median(lags) * 1000
                worst = lags[-1] * 1000
                rows.append(f"| {name} | {where} | {p50:.2f} ms | {worst:.2f} ms | {rounds} |")
    head = (
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}. "
        "Reproduce: `python bench/bench_freed.py --docs`.\n\n"
        "| store | refund from | lag p50 | lag max | rounds |\n|---|---|---:|---:|---:|"
    )
    return head + "\n" + "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--docs", action="store_true")
    args = ap.parse_args()
    text = run(args.rounds)
    print(text)
    if args.docs:
        replace_section(DOCS, "freed", "Freed room reaching a waiter", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
