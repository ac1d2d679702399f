"""Brute-force reference models of the algorithms, written independently of the core.

Times are integers here, so every window [x, x + period) can be checked one by one.
"""

from __future__ import annotations

import math


class BruteSliding:
    """Entries (time, weight); at most `cap` in every window [x, x + period), integer x."""

    def __init__(self, period: int) -> None:
        self.period = period
        self.entries: list[tuple[int, float]] = []

    def window_sum(self, x: int) -> float:
        return sum(w for t, w in self.entries if x <= t < x + self.period)

    def fits(self, t: int, cost: float, cap: float) -> bool:
        # every window containing t: x in (t - period, t]
        return all(self.window_sum(x) + cost <= cap + 1e-9 for x in range(t - self.period + 1, t + 1))

    def earliest(self, now: int, cost: float, cap: float) -> int:
        horizon = max([now] + [t for t, _ in self.entries]) + 2 * self.period + 1
        for t in range(now, horizon + 1):
            if self.fits(t, cost, cap):
                return t
        raise AssertionError("no start found")

    def max_window(self) -> float:
        if not self.entries:
            return 0.0
        lo = min(t for t, _ in self.entries) - self.period
        hi = max(t for t, _ in self.entries)
        return max(self.window_sum(x) for x in range(lo, hi + 1))


class BruteFixed:
    def __init__(self, period: int, offset: int = 0) -> None:
        self.period = period
        self.offset = offset
        self.used: dict[int, float] = {}

    def index(self, t: int) -> int:
        return (t - self.offset) // self.period

    def earliest(self, now: int, cost: float, cap: float) -> int:
        t = now
        while self.used.get(self.index(t), 0.0) + cost > cap + 1e-9:
            t += 1
        return t

    def add(self, t: int, cost: float) -> None:
        k = self.index(t)
        self.used[k] = self.used.get(k, 0.0) + cost


def token_violations(entries: list[tuple[float, float]], cap: float, period: float) -> float:
    """Replay admissions through a real token bucket; return the worst overflow (0 = none)."""
    rate = cap / period
    level = 0.0
    last = -math.inf
    worst = 0.0
    for t, c in sorted(entries):
        if last != -math.inf:
            level = max(0.0, level - (t - last) * rate)
        last = t
        level += c
        worst = max(worst, level - cap)
    return worst
