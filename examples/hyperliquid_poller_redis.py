"""Four processes poll Hyperliquid market data and share ONE budget through Redis.

Each process has its own ``ratekeeper.requests.Session``; they all name the same Redis store,
so together they stay inside the venue's 1200 weight per window — and use nearly all of it.
The venue is ratekeeper's mock (``ratekeeper.testing.MockVenue``) on loopback, whose 60 s
window is scaled down to 2 s, so the run takes about 10 seconds.

    REDIS_URL=redis://127.0.0.1:6379/0 python examples/hyperliquid_poller_redis.py

Needs a Redis at ``$REDIS_URL`` (default ``redis://127.0.0.1:6379/0``; the keys go under a
prefix of their own, deleted at the end) and the ``redis``, ``requests`` and ``mock`` extras.
Exits 1 if the venue refused any request (429), 2 if no Redis answers.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import sys
import time
import uuid
from typing import Any

import ratekeeper as rk
from ratekeeper.requests import Session
from ratekeeper.stores.redis import RedisStore
from ratekeeper.testing import MockVenue, find_redis

PERIOD = 2.0  # the mock's window, in seconds (Hyperliquid's real one is 60 s)
SECONDS = 8.0  # 4 windows
PROCESSES = 4

COINS = ("BTC", "ETH", "SOL", "HYPE")


def payload(rng: random.Random) -> dict[str, Any]:
    """A market-data request: order books and mids (weight 2), asset contexts (20), an hour
    of 1-minute candles (20, plus 1 per 60 candles returned)."""
    kind = rng.choices(["l2Book", "allMids", "metaAndAssetCtxs", "candleSnapshot"], [50, 25, 15, 10])[0]
    if kind == "l2Book":
        return {"type": "l2Book", "coin": rng.choice(COINS)}
    if kind == "candleSnapshot":
        end = int(time.time() * 1000)
        req = {"coin": rng.choice(COINS), "interval": "1m", "startTime": end - 3_600_000, "endTime": end}
        return {"type": "candleSnapshot", "req": req}
    return {"type": kind}


def poller(k: int, mock_url: str, store_url: str, ready: Any, go: Any, results: Any) -> None:
    """One process: poll until the deadline, then report what it sent."""
    venue = rk.venue("hyperliquid", ip_weight=(1200, PERIOD))  # the mock's scaled window
    rng = random.Random(k)
    counts: dict[str, int] = {}
    statuses: dict[int, int] = {}
    with Session(venue, base_url=mock_url, store=store_url) as session:
        ready.wait()  # every process is up ...
        go.wait()  # ... and the mock's counters are reset
        deadline = time.monotonic() + SECONDS
        while time.monotonic() < deadline:
            body = payload(rng)
            r = session.post("/info", json=body, timeout=30)  # waits for its slot first
            counts[body["type"]] = counts.get(body["type"], 0) + 1
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
    results.put((k, os.getpid(), counts, statuses))


def main() -> int:
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    if find_redis(redis_url) is None:
        print(f"no Redis answers at {redis_url}: start one or set REDIS_URL", file=sys.stderr)
        return 2
    prefix = f"example-{uuid.uuid4().hex[:8]}"  # a key prefix of our own, deleted at the end
    store_url = f"{redis_url}{'&' if '?' in redis_url else '?'}prefix={prefix}"

    ctx = mp.get_context("spawn")
    ready = ctx.Barrier(PROCESSES + 1)
    go = ctx.Event()
    results = ctx.Queue()
    store = RedisStore.from_url(store_url)
    try:
        with MockVenue("hyperliquid", period=PERIOD) as mock:
            procs = [
                ctx.Process(target=poller, args=(k, mock.url, store_url, ready, go, results)) for k in range(PROCESSES)
            ]
            for p in procs:
                p.start()
            ready.wait(timeout=60)
            mock.reset()
            go.set()
            time.sleep(SECONDS)
            stats = mock.stats  # the referee's count for exactly the polling period
            reports = sorted(results.get(timeout=60) for _ in procs)
            for p in procs:
                p.join(timeout=30)
    finally:
        store.clear()
        store.close()

    print(f"{PROCESSES} processes polling for {SECONDS:g} s, one budget in Redis ({redis_url}, prefix {prefix}):")
    total = sum(sum(c.values()) for _, _, c, _ in reports)
    for k, pid, counts, statuses in reports:
        n = sum(counts.values())
        kinds = ", ".join(f"{t} {c}" for t, c in sorted(counts.items()))
        print(f"  process {k} (pid {pid}): {n} requests, {n / total:.0%} of all ({kinds}); statuses {statuses}")
    weight = sum(stats.weight_by_ip.values())
    budget = stats.capacity * SECONDS / PERIOD
    print(
        f"the mock venue: {stats.accepted} requests accepted, {stats.rejected_429} x 429; "
        f"weight {weight:g} of the {budget:g} that {stats.capacity:g} per {PERIOD:g} s allows in {SECONDS:g} s: "
        f"{stats.share_of(SECONDS):.1%} of the budget used, never more than "
        f"{max(stats.max_window_weight_by_ip.values(), default=0):g} in one window"
    )
    if stats.rejected:
        print("FAILED: the venue refused requests", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
