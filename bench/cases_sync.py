"""Synchronous in-memory benchmarks: 1 limit, 3 limits atomically, and cost as the window fills.

Every peer is built from its documented public API, checked against the installed source:
pyrate-limiter 4.5 (``Limiter``/``InMemoryBucket``/``Rate``, ``try_acquire(name, weight)``),
limits 5.8 (``*RateLimiter(MemoryStorage()).hit(item, cost=…)``), throttled-py 3.5
(``Throttled(key, using, quota, store=MemoryStore()).limit()``).
"""

from __future__ import annotations

import gc
import importlib
import tracemalloc
from collections.abc import Callable
from itertools import repeat
from typing import Any

from _harness import WARMUP_S, Sizes, Skip, bench, case, time_loop

BIG = 10**9  # "never waits" capacity


def need(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise Skip(f"{module} not importable: {exc}") from None


def rk() -> Any:
    return need("ratekeeper")


def loop0(call: Callable[[], object]) -> Callable[[int], None]:
    def loop(n: int) -> None:
        for _ in repeat(None, n):
            call()

    return loop


def loop1(call: Callable[[Any], object], arg: Any) -> Callable[[int], None]:
    def loop(n: int) -> None:
        for _ in repeat(None, n):
            call(arg)

    return loop


def check(ok: bool, what: str) -> None:
    if not ok:
        raise Skip(f"{what}: a call that should be admitted was refused (API mismatch?)")


def sync_sizes(s: Sizes) -> dict[str, Any]:
    """Counts for sync1/sync3. A full run warms up past one period of the 1 s limit first (the
    steady state); a quick run does not (rougher numbers, a fraction of the time)."""
    sizes: dict[str, Any] = s.pick(dict(n=10_000, reps=5, warmup=2_000), dict(n=20_000, reps=7, warmup=5_000))
    return dict(sizes, warmup_s=s.pick(0.0, WARMUP_S))


def throttled_limiter(using: str, quota: Any) -> Any:
    throttled = need("throttled")
    t = throttled.Throttled(key="a", using=using, quota=quota, store=throttled.MemoryStore())
    check(not t.limit().limited, f"throttled {using}")
    return t


# --------------------------------------------------------------------------------------------
# 1. in-memory sync acquire, 1 limit

B1 = bench(
    "sync1",
    "In-memory sync acquire, 1 limit (capacity 1e9 per 1 s, never waits)",
    metric="ns_per_op",
    unit="ns/acquire",
    better="lower",
    target="≤ 1.5 µs",
)


def _rk_single(s: Sizes, algorithm: str, method: str) -> dict[str, Any]:
    m = rk()
    lim = m.Limiter([m.Limit("a", 1e9, 1.0, algorithm=algorithm)])
    call = getattr(lim, method)
    cost = {"a": 1}
    check(call(cost) is not None, f"ratekeeper {method}")
    return time_loop(loop1(call, cost), **sync_sizes(s))


@case(B1, "ratekeeper Limiter.acquire (sliding)", ours=True)
def b1_rk(s: Sizes) -> dict[str, Any]:
    return _rk_single(s, "sliding", "acquire")


@case(B1, "ratekeeper Limiter.try_acquire (sliding)", variant=True)
def b1_rk_try(s: Sizes) -> dict[str, Any]:
    return _rk_single(s, "sliding", "try_acquire")


@case(B1, "ratekeeper Limiter.acquire (fixed)", variant=True)
def b1_rk_fixed(s: Sizes) -> dict[str, Any]:
    return _rk_single(s, "fixed", "acquire")


@case(B1, "ratekeeper Limiter.acquire (token)", variant=True)
def b1_rk_token(s: Sizes) -> dict[str, Any]:
    return _rk_single(s, "token", "acquire")


@case(B1, "pyrate-limiter Limiter(Rate) InMemoryBucket .try_acquire")
def b1_pyrate(s: Sizes) -> dict[str, Any]:
    p = need("pyrate_limiter")
    lim = p.Limiter(p.InMemoryBucket([p.Rate(BIG, p.Duration.SECOND)]))
    check(lim.try_acquire("a") is True, "pyrate try_acquire")
    r = time_loop(loop1(lim.try_acquire, "a"), **sync_sizes(s))
    lim.close()
    return r


def _limits_single(s: Sizes, strategy: str) -> dict[str, Any]:
    limits = need("limits")
    from limits.storage import MemoryStorage

    cls = getattr(limits.strategies, strategy, None)
    if cls is None:
        raise Skip(f"limits.strategies.{strategy} does not exist in this version")
    lim = cls(MemoryStorage())
    item = limits.RateLimitItemPerSecond(BIG)
    check(lim.hit(item) is True, f"limits {strategy}")
    return time_loop(loop1(lim.hit, item), **sync_sizes(s))


@case(B1, "limits MovingWindowRateLimiter .hit")
def b1_limits_moving(s: Sizes) -> dict[str, Any]:
    r = _limits_single(s, "MovingWindowRateLimiter")
    r["note"] = "stores every hit; list insert at the front is O(live entries)"
    return r


@case(B1, "limits FixedWindowRateLimiter .hit")
def b1_limits_fixed(s: Sizes) -> dict[str, Any]:
    return _limits_single(s, "FixedWindowRateLimiter")


@case(B1, "limits SlidingWindowCounterRateLimiter .hit")
def b1_limits_counter(s: Sizes) -> dict[str, Any]:
    r = _limits_single(s, "SlidingWindowCounterRateLimiter")
    r["note"] = "approximate sliding window (weighted two-window counter)"
    return r


@case(B1, "throttled-py Throttled sliding_window .limit")
def b1_throttled_sliding(s: Sizes) -> dict[str, Any]:
    t = throttled_limiter("sliding_window", need("throttled").per_sec(BIG))
    r = time_loop(loop0(t.limit), **sync_sizes(s))
    r["note"] = "approximate sliding window (two-window counter)"
    return r


@case(B1, "throttled-py Throttled token_bucket .limit")
def b1_throttled_token(s: Sizes) -> dict[str, Any]:
    t = throttled_limiter("token_bucket", need("throttled").per_sec(BIG))
    return time_loop(loop0(t.limit), **sync_sizes(s))


@case(B1, "aiolimiter")
def b1_aiolimiter(s: Sizes) -> dict[str, Any]:
    raise Skip("aiolimiter has no synchronous API (asyncio only); measured in 'async'")


@case(B1, "(floor: empty Python function call)", reference=True)
def b1_floor(s: Sizes) -> dict[str, Any]:
    def noop(cost: object) -> None:
        return None

    return time_loop(loop1(noop, {"a": 1}), **dict(sync_sizes(s), warmup_s=0.0))


# --------------------------------------------------------------------------------------------
# 2. in-memory acquire over 3 limits, atomic

B2 = bench(
    "sync3",
    "In-memory acquire over 3 limits (1 s sliding, 60 s sliding, 10 s fixed; cost a=1, b=5, c=2)",
    metric="ns_per_op",
    unit="ns/acquire",
    better="lower",
    target="≤ 3 µs",
)


@case(B2, "ratekeeper Limiter.acquire, 3 limits in one call", ours=True)
def b2_rk(s: Sizes) -> dict[str, Any]:
    m = rk()
    lim = m.Limiter(
        [
            m.Limit("a", 1e9, 1.0),
            m.Limit("b", 1e9, 60.0),
            m.Limit("c", 1e9, 10.0, algorithm="fixed"),
        ]
    )
    cost = {"a": 1, "b": 5, "c": 2}
    check(lim.acquire(cost) is not None, "ratekeeper acquire 3 limits")
    return time_loop(loop1(lim.acquire, cost), **sync_sizes(s))


@case(B2, "pyrate-limiter one InMemoryBucket with 3 rates")
def b2_pyrate(s: Sizes) -> dict[str, Any]:
    p = need("pyrate_limiter")
    # pyrate requires strictly increasing intervals *and* limits: 1e9/1 s, 1e9+1/10 s, 1e9+2/60 s.
    rates = [
        p.Rate(BIG, p.Duration.SECOND),
        p.Rate(BIG + 1, 10 * p.Duration.SECOND),
        p.Rate(BIG + 2, p.Duration.MINUTE),
    ]
    lim = p.Limiter(p.InMemoryBucket(rates))
    check(lim.try_acquire("a") is True, "pyrate 3 rates")
    r = time_loop(loop1(lim.try_acquire, "a"), **sync_sizes(s))
    lim.close()
    r["note"] = "one weight for all 3 rates (cannot charge a=1, b=5, c=2); all sliding logs"
    return r


def _limits3(s: Sizes, strategies: tuple[str, str, str], sizes: dict[str, Any] | None = None) -> dict[str, Any]:
    limits = need("limits")
    from limits.storage import MemoryStorage

    storage = MemoryStorage()
    la, lb, lc = (getattr(limits.strategies, name)(storage) for name in strategies)
    ia = limits.RateLimitItemPerSecond(BIG)
    ib = limits.RateLimitItemPerMinute(BIG)
    ic = limits.RateLimitItemPerSecond(BIG, 10)
    ha, hb, hc = la.hit, lb.hit, lc.hit

    def one() -> bool:
        return bool(ha(ia, cost=1) and hb(ib, cost=5) and hc(ic, cost=2))

    check(one(), "limits 3 hits")
    return time_loop(loop0(one), **(sizes or sync_sizes(s)))


@case(B2, "limits 3 x hit (moving, moving, fixed)")
def b2_limits_moving(s: Sizes) -> dict[str, Any]:
    # Its cost grows with every call (the 60 s window keeps 5 entries per call, inserted at the
    # front of a list), so it gets fewer calls than the others to keep the run short.
    sizes = s.pick(dict(n=2_000, reps=3, warmup=500), dict(n=5_000, reps=5, warmup=1_000))
    r = _limits3(s, ("MovingWindowRateLimiter", "MovingWindowRateLimiter", "FixedWindowRateLimiter"), sizes)
    calls = r["warmup_ops"] + sizes["n"] * sizes["reps"]
    r["note"] = (
        "not atomic (a later refusal leaves earlier hits charged); the 60 s moving window "
        "keeps 5 entries per call, inserted at the front of a list, so the cost grows with "
        f"every call: measured over the first {calls:,} calls only"
    )
    return r


@case(B2, "limits 3 x hit (all fixed window)")
def b2_limits_fixed(s: Sizes) -> dict[str, Any]:
    r = _limits3(s, ("FixedWindowRateLimiter",) * 3)
    r["note"] = "not atomic; fixed windows only"
    return r


@case(B2, "throttled-py 3 x Throttled.limit (token bucket)")
def b2_throttled(s: Sizes) -> dict[str, Any]:
    throttled = need("throttled")
    from datetime import timedelta

    store = throttled.MemoryStore()
    ts = [
        throttled.Throttled(
            key=k, using="token_bucket", store=store, quota=throttled.per_duration(timedelta(seconds=p), BIG)
        )
        for k, p in (("a", 1), ("b", 60), ("c", 10))
    ]
    fa, fb, fc = (t.limit for t in ts)

    def one() -> bool:
        return not (fa(cost=1).limited or fb(cost=5).limited or fc(cost=2).limited)

    check(one(), "throttled 3 limits")
    r = time_loop(loop0(one), **sync_sizes(s))
    r["note"] = "not atomic"
    return r


# --------------------------------------------------------------------------------------------
# 6. cost as the window fills

B6 = bench(
    "fill",
    "Cost as the window fills: sliding 1e6 per 86400 s with 100k vs 10 live entries",
    metric="ratio",
    unit="ns @100k / ns @10",
    better="lower",
    target="100k within 2x of 10; bounded memory",
    extra=(
        ("ns_10", "ns @10"),
        ("ns_100k", "ns @100k"),
        ("kib_10", "KiB @10"),
        ("kib_100k", "KiB @100k"),
        ("bytes_per_entry", "B/entry"),
    ),
)


def _fill(
    s: Sizes, make: Callable[[], tuple[Callable[[int], None], Callable[[], None]]], big: int = 100_000
) -> dict[str, Any]:
    """``make()`` returns a fresh limiter as ``(loop, close)``; ``loop(n)`` acquires n units."""
    n, reps_small, reps_big = s.pick((1_000, 9, 5), (2_000, 15, 9))

    def traced(k: int) -> tuple[float, Callable[[int], None], Callable[[], None]]:
        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        loop, close = make()
        loop(k)
        gc.collect()
        used = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.stop()
        return used, loop, close

    # memory, then timing, with the same pre-filled limiters; a throwaway limiter first, so
    # one-time allocations (caches, interned names) are not billed to the first measurement
    warm_loop, warm_close = make()
    warm_loop(20)
    warm_close()
    mem_small, loop, close = traced(10)
    close()
    mem_big, loop_big, close_big = traced(big)

    # 100k: one pre-filled limiter; entries grow from 100k to 100k + (reps+1)·n
    t_big = time_loop(loop_big, n=n, reps=reps_big, warmup=n)
    close_big()
    # 10: a fresh limiter with 10 entries for every repetition (entries grow from 10 to 10 + n)
    warm_loop, warm_close = make()
    warm_loop(10 + n)
    warm_close()
    samples = []
    for _ in range(reps_small):
        loop, close = make()
        loop(10)
        r = time_loop(loop, n=n, reps=1, warmup=0)
        samples.append(r["ns_per_op"])
        close()
    samples.sort()
    ns_small = samples[len(samples) // 2]
    return {
        "ratio": t_big["ns_per_op"] / ns_small,
        "ns_10": ns_small,
        "ns_100k": t_big["ns_per_op"],
        "kib_10": mem_small / 1024,
        "kib_100k": mem_big / 1024,
        "bytes_per_entry": (mem_big - mem_small) / (big - 10),
        "ops_per_rep": n,
    }


@case(B6, "ratekeeper Limiter (sliding)", ours=True)
def b6_rk(s: Sizes) -> dict[str, Any]:
    m = rk()

    def make() -> tuple[Callable[[int], None], Callable[[], None]]:
        lim = m.Limiter([m.Limit("a", 1e6, 86400.0)])
        return loop1(lim.acquire, {"a": 1}), lambda: None

    r = _fill(s, make)
    r["note"] = (
        "entries less than period/4096 apart share one record (here: the whole pre-fill), "
        "so 100k acquires are not 100k records"
    )
    return r


@case(B6, "ratekeeper Limiter (sliding), entries 21 s apart (FakeClock)", variant=True)
def b6_rk_spread(s: Sizes) -> dict[str, Any]:
    """The same limit on a FakeClock moved just over period/4096 after every acquire, so no two
    entries share a record: the window holds its maximum number of distinct records (~4k)."""
    m = rk()
    try:
        from ratekeeper.testing import FakeClock
    except ImportError as exc:
        raise Skip(f"ratekeeper.testing.FakeClock not importable: {exc}") from None
    step = 86400.0 / 4096 * 1.01

    def make() -> tuple[Callable[[int], None], Callable[[], None]]:
        clock = FakeClock()
        lim = m.Limiter([m.Limit("a", 1e6, 86400.0)], clock=clock)
        acquire, advance, cost = lim.acquire, clock.advance, {"a": 1}

        def loop(n: int) -> None:
            for _ in repeat(None, n):
                acquire(cost)
                advance(step)

        return loop, lambda: None

    r = _fill(s, make)
    r["note"] = (
        "worst case for ratekeeper's record count (~4k distinct records live); "
        "ns include one FakeClock.advance per acquire"
    )
    return r


@case(B6, "limits MovingWindowRateLimiter")
def b6_limits(s: Sizes) -> dict[str, Any]:
    limits = need("limits")
    from limits.storage import MemoryStorage

    item = limits.RateLimitItemPerDay(10**6)

    def make() -> tuple[Callable[[int], None], Callable[[], None]]:
        lim = limits.strategies.MovingWindowRateLimiter(MemoryStorage())
        return loop1(lim.hit, item), lambda: None

    r = _fill(s, make)
    r["note"] = "one Entry object per hit, list insert at the front"
    return r


@case(B6, "pyrate-limiter InMemoryBucket")
def b6_pyrate(s: Sizes) -> dict[str, Any]:
    p = need("pyrate_limiter")

    def make() -> tuple[Callable[[int], None], Callable[[], None]]:
        lim = p.Limiter(p.InMemoryBucket([p.Rate(10**6, p.Duration.DAY)]))
        return loop1(lim.try_acquire, "a"), lim.close

    r = _fill(s, make)
    r["note"] = "one RateItem per unit; skips the window scan while the list is shorter than the limit"
    return r
