"""Shared plumbing for the benchmark cases: the case registry, sizes, timing and statistics.

Every case runs in its own fresh interpreter (see ``run.py``), so background threads and heap
state left by one library (pyrate-limiter's leaker, limits' expiry timer, millions of stored
entries) never bleed into the next measurement.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "BENCHES",
    "Bench",
    "Case",
    "Sizes",
    "Skip",
    "bench",
    "case",
    "median",
    "percentile",
    "replace_section",
    "time_loop",
]


class Skip(Exception):
    """A case that cannot run here (peer API differs, package missing, …); the message says why."""


@dataclass(frozen=True)
class Sizes:
    """Iteration counts. ``quick`` keeps the whole suite near a minute."""

    quick: bool

    def pick(self, quick: Any, full: Any) -> Any:
        return quick if self.quick else full


CaseFn = Callable[[Sizes], dict[str, Any]]


@dataclass
class Case:
    impl: str  # shown in the table, e.g. "limits MovingWindowRateLimiter"
    fn: CaseFn
    reference: bool = False  # a floor/context row (no limiter): never a peer in ratios
    ours: bool = False  # the ratekeeper row the peers are compared with
    variant: bool = False  # another ratekeeper configuration: shown, but not a peer


@dataclass
class Bench:
    name: str  # used by --only
    title: str
    metric: str  # key of the headline number in each case's result
    unit: str
    better: str  # "lower" or "higher"
    target: str  # the DESIGN.md target, as text
    cases: list[Case] = field(default_factory=list)
    extra: tuple[tuple[str, str], ...] = ()  # further (metric key, unit) shown in the table
    repeat: bool = True  # run in several interleaved rounds (full runs); False: once is enough


BENCHES: dict[str, Bench] = {}


def bench(
    name: str,
    title: str,
    metric: str,
    unit: str,
    better: str,
    target: str,
    extra: tuple[tuple[str, str], ...] = (),
    repeat: bool = True,
) -> Bench:
    b = Bench(name, title, metric, unit, better, target, extra=extra, repeat=repeat)
    BENCHES[name] = b
    return b


def case(
    b: Bench, impl: str, *, ours: bool = False, reference: bool = False, variant: bool = False
) -> Callable[[CaseFn], CaseFn]:
    def register(fn: CaseFn) -> CaseFn:
        b.cases.append(Case(impl, fn, reference=reference, ours=ours, variant=variant))
        return fn

    return register


WARMUP_S = 1.2
"""Warm-up time for limits with a 1 s window: past one period, the window really slides (old
entries expire while new ones arrive), which is the steady state a long-running client sees."""


def time_loop(
    loop: Callable[[int], object], *, n: int, reps: int, warmup: int, warmup_s: float = 0.0
) -> dict[str, Any]:
    """ns per operation of ``loop(n)`` (which performs n operations): median of ``reps`` runs,
    after at least ``warmup`` operations and ``warmup_s`` seconds of warm-up.

    The garbage collector stays enabled (allocation-heavy designs pay for it in real use too);
    a full collection runs before each repetition so one run's garbage is not billed to the next.
    """
    done = 0
    t_end = time.perf_counter() + warmup_s
    while done < warmup or time.perf_counter() < t_end:
        chunk = max(1, min(warmup or 1000, 1000))
        loop(chunk)
        done += chunk
    samples = []
    for _ in range(reps):
        gc.collect()
        t0 = time.perf_counter_ns()
        loop(n)
        samples.append((time.perf_counter_ns() - t0) / n)
    return {
        "ns_per_op": statistics.median(samples),
        "ns_min": min(samples),
        "ns_max": max(samples),
        "reps": reps,
        "ops_per_rep": n,
        "warmup_ops": done,
    }


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def percentile(xs: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    s = sorted(xs)
    k = max(0, min(len(s) - 1, round(p / 100 * len(s) + 0.5) - 1))
    return s[k]


def replace_section(page: Path, tag: str, title: str, text: str) -> None:
    """Put ``text`` between the ``<!-- bench:TAG:start/end -->`` markers of ``page`` (the
    results section a benchmark owns), or append it under ``## title`` the first time."""
    start, end = f"<!-- bench:{tag}:start -->", f"<!-- bench:{tag}:end -->"
    content = page.read_text()
    block = f"{start}\n{text}\n{end}"
    if start in content:
        head, rest = content.split(start, 1)
        content = head + block + rest.split(end, 1)[1]
    else:
        content = content.rstrip("\n") + f"\n\n## {title}\n\n" + block + "\n"
    page.write_text(content)
