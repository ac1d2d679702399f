"""Asyncio throughput, wake-up lag (asyncio and threads) and CPU while 10k tasks wait.

Peers, checked against the installed source: aiolimiter 1.3 (``AsyncLimiter(max_rate,
time_period)``, ``async with`` / ``await acquire()``; a leaky bucket whose waiters sit in a heap
behind one ``call_at`` timer), pyrate-limiter 4.5 (``await Limiter.try_acquire_async(name)``; a
blocked caller sleeps ``wait + buffer_ms`` (50 ms) and retries), throttled-py 3.5
(``throttled.asyncio.Throttled(..., timeout=…).limit()``; a blocked caller re-checks every
0.2-0.5 s).
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from _harness import WARMUP_S, Sizes, Skip, bench, case, median, percentile
from cases_sync import BIG, check, need, rk

# --------------------------------------------------------------------------------------------
# 3. asyncio throughput: 1000 tasks x 100 acquires

B3 = bench(
    "async",
    "asyncio: 1000 tasks x 100 acquires on one limit (capacity 1e9 per 1 s)",
    metric="acq_per_s",
    unit="acquires/s",
    better="higher",
    target="≥ 1.0x aiolimiter in the same run",
)

Worker = Callable[[Any, int], Awaitable[None]]


def _throughput(s: Sizes, make: Callable[[], Any], worker: Worker) -> dict[str, Any]:
    """One limiter per run, warmed up (in a full run: past one period of its 1 s window, so the
    window really slides), then ``reps`` timed rounds of 1000 tasks x 100 acquires."""
    tasks, per = 1000, 100
    reps = s.pick(3, 5)

    async def one(lim: Any, n_tasks: int) -> float:
        gc.collect()
        t0 = time.perf_counter_ns()
        await asyncio.gather(*(worker(lim, per) for _ in range(n_tasks)))
        return (time.perf_counter_ns() - t0) / 1e9

    async def main() -> list[float]:
        lim = make()
        t_end = time.perf_counter() + s.pick(0.0, WARMUP_S)
        await one(lim, 100)
        while time.perf_counter() < t_end:
            await one(lim, 100)
        return [tasks * per / await one(lim, tasks) for _ in range(reps)]

    rates = asyncio.run(main())
    return {"acq_per_s": median(rates), "min": min(rates), "max": max(rates), "reps": reps}


@case(B3, "ratekeeper AsyncLimiter.acquire", ours=True)
def b3_rk(s: Sizes) -> dict[str, Any]:
    m = rk()
    cost = {"a": 1}

    async def worker(lim: Any, k: int) -> None:
        acquire = lim.acquire
        for _ in range(k):
            await acquire(cost)

    async def probe() -> Any:
        return await m.AsyncLimiter([m.Limit("a", 1e9, 1.0)]).acquire(cost)

    check(asyncio.run(probe()) is not None, "ratekeeper AsyncLimiter.acquire")
    return _throughput(s, lambda: m.AsyncLimiter([m.Limit("a", 1e9, 1.0)]), worker)


@case(B3, "aiolimiter AsyncLimiter (async with)")
def b3_aiolimiter(s: Sizes) -> dict[str, Any]:
    aiolimiter = need("aiolimiter")

    async def worker(lim: Any, k: int) -> None:
        for _ in range(k):
            async with lim:
                pass

    r = _throughput(s, lambda: aiolimiter.AsyncLimiter(BIG, 1.0), worker)
    r["note"] = "leaky bucket; one limit, no per-limit weights"
    return r


@case(B3, "pyrate-limiter Limiter.try_acquire_async")
def b3_pyrate(s: Sizes) -> dict[str, Any]:
    p = need("pyrate_limiter")
    if not hasattr(p.Limiter, "try_acquire_async"):
        raise Skip("pyrate_limiter.Limiter has no try_acquire_async in this version")
    made: list[Any] = []

    def make() -> Any:
        lim = p.Limiter(p.InMemoryBucket([p.Rate(BIG, p.Duration.SECOND)]))
        made.append(lim)
        return lim

    async def worker(lim: Any, k: int) -> None:
        acquire = lim.try_acquire_async
        for _ in range(k):
            await acquire("a")

    async def probe() -> bool:
        return bool(await make().try_acquire_async("a"))

    check(asyncio.run(probe()), "pyrate try_acquire_async")
    r = _throughput(s, make, worker)
    for lim in made:
        lim.close()
    r["note"] = "sync InMemoryBucket behind a per-thread asyncio.Lock"
    return r


@case(B3, "throttled-py asyncio Throttled.limit (token bucket)")
def b3_throttled(s: Sizes) -> dict[str, Any]:
    need("throttled")
    ta = need("throttled.asyncio")

    def make() -> Any:
        return ta.Throttled(key="a", using="token_bucket", quota=ta.per_sec(BIG), store=ta.MemoryStore())

    async def worker(lim: Any, k: int) -> None:
        limit = lim.limit
        for _ in range(k):
            await limit()

    async def probe() -> bool:
        return not (await make().limit()).limited

    check(asyncio.run(probe()), "throttled asyncio limit")
    return _throughput(s, make, worker)


@case(B3, "(ceiling: await of an empty coroutine, no limiter)", reference=True)
def b3_ceiling(s: Sizes) -> dict[str, Any]:
    async def noop() -> None:
        return None

    async def worker(lim: Any, k: int) -> None:
        for _ in range(k):
            await noop()

    return _throughput(s, lambda: None, worker)


# --------------------------------------------------------------------------------------------
# 4. wake-up lag

N_WINDOW, PERIOD = 50, 0.1
SPACING = PERIOD / N_WINDOW

B4 = bench(
    "wake",
    f"Wake-up lag: {N_WINDOW} per {PERIOD} s, requests that must wait; observed - ideal admission",
    metric="lag_p99_ms",
    unit="ms p99",
    better="lower",
    target="p99 ≤ 2 ms",
    extra=(("lag_p50_ms", "ms p50"), ("lag_max_ms", "ms max"), ("lag_min_ms", "ms min"), ("measured", "n")),
    repeat=False,  # already pools several rounds inside one case
)

# One round: (admission times, ideal slot times, when the last waiter entered acquire, chain)
Round = tuple[list[float], list[float], float, "int | None"]


def _lags(obs: list[float], ideal: list[float], issued_all: float, chain: int | None) -> list[float]:
    """Pair the k-th admission with the k-th ideal slot (both sorted; a FIFO limiter hands out
    slots in arrival order), in ms.

    Slots whose ideal time precedes the moment the last waiter entered ``acquire`` are left out:
    a late request, not a late wake-up, could explain their lag. For a sliding window
    (``chain=N``) slot k+N opens when slot k's entry leaves the window, so the slots chained
    to a left-out slot are left out too.
    """
    obs = sorted(obs)
    skip = [i <= issued_all for i in ideal]
    if chain:
        for k in range(chain, len(skip)):
            skip[k] = skip[k] or skip[k - chain]
    return [(o - i) * 1e3 for o, i, s in zip(obs, ideal, skip, strict=True) if not s]


def _lag_rounds(s: Sizes, one_round: Callable[[int], Round], waiters: tuple[int, int]) -> dict[str, Any]:
    """Pool the lags of several rounds (fresh limiter each) and summarise them."""
    w = s.pick(*waiters)
    lags: list[float] = []
    total = 0
    for _ in range(s.pick(1, 3)):
        obs, ideal, issued_all, chain = one_round(w)
        if len(obs) != w:
            raise Skip(f"only {len(obs)} of {w} waiters were admitted")
        lags += _lags(obs, ideal, issued_all, chain)
        total += w
    if len(lags) < 20:
        raise Skip(f"only {len(lags)} requests were queued before their ideal time")
    return {
        "lag_p50_ms": percentile(lags, 50),
        "lag_p99_ms": percentile(lags, 99),
        "lag_max_ms": max(lags),
        "lag_min_ms": min(lags),
        "measured": len(lags),
        "excluded": total - len(lags),
    }


def _sliding_ideal(batch0: list[float], waiters: int) -> list[float]:
    """At most N in any window of PERIOD: request i may start when request i-N's slot leaves."""
    slots = list(batch0)
    for i in range(N_WINDOW, N_WINDOW + waiters):
        slots.append(slots[i - N_WINDOW] + PERIOD)
    return slots[N_WINDOW:]


def _bucket_ideal(t_first: float, waiters: int) -> list[float]:
    """A bucket of N refilled continuously at N/PERIOD, emptied by a burst of N at t_first:
    the k-th request beyond capacity (k ≥ 1) may start at t_first + k·PERIOD/N."""
    return [t_first + k * SPACING for k in range(1, waiters + 1)]


async def _async_waiters(acquire: Callable[[], Awaitable[Any]], waiters: int) -> tuple[list[float], float]:
    obs: list[float] = []
    issued: list[float] = []

    async def one() -> None:
        issued.append(time.monotonic())
        await acquire()
        obs.append(time.monotonic())

    await asyncio.gather(*(one() for _ in range(waiters)))
    return obs, max(issued)


async def _spaced_prefill(acquire: Callable[[], Awaitable[Any]]) -> list[float]:
    """Spend the window one unit every PERIOD/N, so later admissions are spread out too."""
    batch0: list[float] = []
    for j in range(N_WINDOW):
        await acquire()
        batch0.append(time.monotonic())
        delay = batch0[0] + (j + 1) * SPACING - time.monotonic()
        if j + 1 < N_WINDOW and delay > 0:
            await asyncio.sleep(delay)
    return batch0


ASYNC_WAITERS = (250, 1000)
THREAD_WAITERS = (250, 400)


@case(B4, "ratekeeper AsyncLimiter (sliding)", ours=True)
def b4_rk_sliding(s: Sizes) -> dict[str, Any]:
    m = rk()

    async def main(w: int) -> Round:
        lim = m.AsyncLimiter([m.Limit("w", N_WINDOW, PERIOD)])
        cost = {"w": 1}

        def acquire() -> Awaitable[Any]:
            coro: Awaitable[Any] = lim.acquire(cost)
            return coro

        batch0 = await _spaced_prefill(acquire)
        obs, issued_all = await _async_waiters(acquire, w)
        return obs, _sliding_ideal(batch0, w), issued_all, N_WINDOW

    r = _lag_rounds(s, lambda w: asyncio.run(main(w)), ASYNC_WAITERS)
    r["note"] = (
        "in a sliding window a slot booked late also delays the slot one window later, so lags "
        "here can add up along a chain; the bucket rows cannot"
    )
    return r


@case(B4, "ratekeeper AsyncLimiter (token)", variant=True)
def b4_rk_token(s: Sizes) -> dict[str, Any]:
    m = rk()

    async def main(w: int) -> Round:
        lim = m.AsyncLimiter([m.Limit("w", N_WINDOW, PERIOD, algorithm="token")])
        cost = {"w": 1}

        def acquire() -> Awaitable[Any]:
            coro: Awaitable[Any] = lim.acquire(cost)
            return coro

        t_first = time.monotonic()
        for _ in range(N_WINDOW):
            await acquire()
        obs, issued_all = await _async_waiters(acquire, w)
        return obs, _bucket_ideal(t_first, w), issued_all, None

    return _lag_rounds(s, lambda w: asyncio.run(main(w)), ASYNC_WAITERS)


@case(B4, "aiolimiter AsyncLimiter (leaky bucket)")
def b4_aiolimiter(s: Sizes) -> dict[str, Any]:
    aiolimiter = need("aiolimiter")

    async def main(w: int) -> Round:
        lim = aiolimiter.AsyncLimiter(N_WINDOW, PERIOD)
        t_first = time.monotonic()
        for _ in range(N_WINDOW):
            await lim.acquire()
        obs, issued_all = await _async_waiters(lim.acquire, w)
        return obs, _bucket_ideal(t_first, w), issued_all, None

    return _lag_rounds(s, lambda w: asyncio.run(main(w)), ASYNC_WAITERS)


@case(B4, "(floor: asyncio.sleep to the same moments)", reference=True)
def b4_asyncio_floor(s: Sizes) -> dict[str, Any]:
    """What the event loop itself delivers: tasks sleeping until the ideal slots of a bucket."""

    async def main(w: int) -> Round:
        loop = asyncio.get_running_loop()
        t_first = time.monotonic()
        ideal = _bucket_ideal(t_first, w)
        obs: list[float] = []

        async def one(at: float) -> None:
            await asyncio.sleep(at - loop.time())
            obs.append(time.monotonic())

        await asyncio.gather(*(one(at) for at in ideal))
        return obs, ideal, t_first, None

    return _lag_rounds(s, lambda w: asyncio.run(main(w)), ASYNC_WAITERS)


def _thread_round(acquire: Callable[[], Any], waiters: int) -> Round:
    """Pre-start ``waiters`` threads parked on an Event, spend the window spaced out from the
    main thread, then release them all into ``acquire``."""
    go = threading.Event()
    obs: list[float] = []
    issued: list[float] = []
    lock = threading.Lock()

    def one() -> None:
        go.wait()
        t_issue = time.monotonic()
        acquire()
        t_obs = time.monotonic()
        with lock:
            issued.append(t_issue)
            obs.append(t_obs)

    threads = [threading.Thread(target=one, daemon=True) for _ in range(waiters)]
    for t in threads:
        t.start()
    batch0: list[float] = []
    for j in range(N_WINDOW):
        acquire()
        batch0.append(time.monotonic())
        delay = batch0[0] + (j + 1) * SPACING - time.monotonic()
        if j + 1 < N_WINDOW and delay > 0:
            time.sleep(delay)
    go.set()
    for t in threads:
        t.join(timeout=60)
    return obs, _sliding_ideal(batch0, waiters), max(issued, default=0.0), N_WINDOW


@case(B4, "ratekeeper Limiter, threads (sliding)", variant=True)
def b4_rk_threads(s: Sizes) -> dict[str, Any]:
    m = rk()

    def one_round(w: int) -> Round:
        lim = m.Limiter([m.Limit("w", N_WINDOW, PERIOD)])
        cost = {"w": 1}
        return _thread_round(lambda: lim.acquire(cost), w)

    r = _lag_rounds(s, one_round, THREAD_WAITERS)
    r["note"] = "one thread per request"
    return r


@case(B4, "pyrate-limiter Limiter, threads (sliding log)")
def b4_pyrate_threads(s: Sizes) -> dict[str, Any]:
    p = need("pyrate_limiter")

    def one_round(w: int) -> Round:
        lim = p.Limiter(p.InMemoryBucket([p.Rate(N_WINDOW, int(PERIOD * 1000))]))

        def acquire() -> None:
            if lim.try_acquire("w") is not True:
                raise RuntimeError("pyrate refused a blocking acquire")

        try:
            return _thread_round(acquire, w)
        finally:
            lim.close()

    r = _lag_rounds(s, one_round, (100, 200))
    r["note"] = "sleeps wait + buffer_ms (50 ms default), then retries"
    return r


@case(B4, "(floor: threads time.sleep to the same moments)", reference=True)
def b4_thread_floor(s: Sizes) -> dict[str, Any]:
    def one_round(w: int) -> Round:
        t_first = time.monotonic() + 0.1  # leave time to start the threads
        ideal = _bucket_ideal(t_first, w)
        obs: list[float] = []
        lock = threading.Lock()

        def one(at: float) -> None:
            time.sleep(max(0.0, at - time.monotonic()))
            t = time.monotonic()
            with lock:
                obs.append(t)

        threads = [threading.Thread(target=one, args=(at,), daemon=True) for at in ideal]
        for t in threads:
            t.start()
        started = time.monotonic()
        for t in threads:
            t.join(timeout=60)
        return obs, ideal, started, None

    return _lag_rounds(s, one_round, THREAD_WAITERS)


# --------------------------------------------------------------------------------------------
# 5. CPU while 10k asyncio tasks wait

B5 = bench(
    "idle_cpu",
    "CPU while 10k asyncio tasks wait on a spent limit (1 per 100 s), over 1 s of wall time",
    metric="cpu_per_wall",
    unit="CPU s / wall s",
    better="lower",
    target="~0 CPU while 10k tasks wait",
    extra=(("setup_ms", "ms to park 10k"), ("cancel_ms", "ms to cancel 10k")),
    repeat=False,
)

N_IDLE = 10_000


Pair = tuple[Callable[[], Awaitable[Any]], Callable[[], Coroutine[Any, Any, Any]]]


def _idle_cpu(make: Callable[[], Pair]) -> dict[str, Any]:
    """``make()`` runs inside the event loop and returns ``(spend, wait)``."""

    async def main() -> dict[str, Any]:
        spend, wait = make()
        await spend()
        gc.collect()
        t0 = time.perf_counter()
        tasks = [asyncio.create_task(wait()) for _ in range(N_IDLE)]
        await asyncio.sleep(0)  # every task runs up to its first suspension
        setup = time.perf_counter() - t0
        await asyncio.sleep(0.3)
        done = sum(t.done() for t in tasks)
        if done:
            errors = {repr(t.exception()) for t in tasks if t.done() and not t.cancelled() and t.exception()}
            raise Skip(f"{done} of {N_IDLE} waiters finished early: {sorted(errors)[:2]}")
        c0, w0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(1.0)
        c1, w1 = time.process_time(), time.perf_counter()
        t1 = time.perf_counter()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        cancel = time.perf_counter() - t1
        return {"cpu_per_wall": (c1 - c0) / (w1 - w0), "setup_ms": setup * 1e3, "cancel_ms": cancel * 1e3}

    return asyncio.run(main())


@case(B5, "ratekeeper AsyncLimiter", ours=True)
def b5_rk(s: Sizes) -> dict[str, Any]:
    m = rk()
    cost = {"w": 1}

    def make() -> Pair:
        lim = m.AsyncLimiter([m.Limit("w", 1, 100.0)])
        return (lambda: lim.acquire(cost)), (lambda: lim.acquire(cost))

    return _idle_cpu(make)


@case(B5, "aiolimiter AsyncLimiter")
def b5_aiolimiter(s: Sizes) -> dict[str, Any]:
    aiolimiter = need("aiolimiter")

    def make() -> Pair:
        lim = aiolimiter.AsyncLimiter(1, 100.0)
        return lim.acquire, lim.acquire

    r = _idle_cpu(make)
    r["note"] = "futures in a heap, one call_at timer for the head waiter"
    return r


@case(B5, "throttled-py asyncio Throttled(timeout=…)")
def b5_throttled(s: Sizes) -> dict[str, Any]:
    need("throttled")
    ta = need("throttled.asyncio")

    def make() -> Pair:
        t = ta.Throttled(
            key="w",
            using="token_bucket",
            quota=ta.per_duration(timedelta(seconds=100), 1),
            timeout=10_000,
            store=ta.MemoryStore(),
        )

        async def spend() -> None:
            check(not (await t.limit()).limited, "throttled spend")

        return spend, t.limit

    r = _idle_cpu(make)
    r["note"] = "every waiter re-checks the store every 0.2-0.5 s"
    return r


@case(B5, "(floor: 10k tasks awaiting an asyncio.Event)", reference=True)
def b5_floor(s: Sizes) -> dict[str, Any]:

    def make() -> Pair:
        event = asyncio.Event()

        async def spend() -> None:
            return None

        return spend, event.wait

    return _idle_cpu(make)
