"""A Binance order loop whose cancels never queue behind market data.

Four threads poll order books as fast as the budget allows: weight 50 each, so together they
fill the REQUEST_WEIGHT window and keep a queue of reads waiting for the next one. Meanwhile
one thread places an order and cancels it, again and again. Every request goes through one
``ratekeeper.requests.Session``, which gives each request a priority (reads 0, new orders 5,
cancels 10), and the weight limit keeps its last 10% for priority 10 and up
(``reserve=0.1, reserve_priority=10``). So the reads (and the new orders) wait for the next
window when this one is full, and the cancels go out at once.

The venue is ratekeeper's mock Binance (``ratekeeper.testing.MockVenue``) on loopback, its
windows scaled from 60 s to 2 s; the run takes about 8 seconds.

    python examples/binance_order_loop.py

Needs the ``requests`` and ``mock`` extras. Exits 1 if the venue refused a request (429 or
418), or if a cancel waited anywhere near as long as the reads.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from typing import Any

import ratekeeper as rk
from ratekeeper.requests import Session
from ratekeeper.testing import MockVenue
from ratekeeper.venues import Venue

PERIOD = 2.0  # the mock's REQUEST_WEIGHT window (Binance's real one is 60 s)
SCALE = PERIOD / 60  # the mock shrinks every other window by the same factor
SECONDS = 6.0
READERS = 4
ORDER = {
    "symbol": "BTCUSDT",
    "side": "BUY",
    "type": "LIMIT",
    "timeInForce": "GTC",
    "quantity": "0.001",
    "price": "50000",
}


def binance_venue() -> Venue:
    """Binance spot's rules with the mock's scaled windows, and 10% of the weight kept for cancels."""
    return rk.venue(
        "binance",
        request_weight=rk.Limit(
            "request_weight", 6000, PERIOD, algorithm="fixed", scope="ip", reserve=0.1, reserve_priority=10
        ),
        raw_requests=(300_000, 5 * PERIOD),
        orders_10s=(100, 10 * SCALE),
        orders_1d=(200_000, 86_400 * SCALE),
    )


def main() -> int:
    times: dict[str, list[float]] = {"read": [], "order": [], "cancel": []}
    errors: list[BaseException] = []
    lock = threading.Lock()

    with (
        MockVenue("binance", period=PERIOD) as mock,
        Session(binance_venue(), base_url=mock.url, account="demo") as session,
    ):
        session.headers["X-MBX-APIKEY"] = "demo-key"  # the mock wants a key, not a real one
        deadline = time.monotonic() + SECONDS

        def timed(kind: str, method: str, path: str, params: dict[str, str]) -> Any:
            """Send one request (the Session waits for its slot first); record the time to the answer."""
            t0 = time.monotonic()
            r = session.request(method, path, params=params, timeout=30)
            elapsed = time.monotonic() - t0
            r.raise_for_status()
            with lock:
                times[kind].append(elapsed)
            return r.json()

        def run(loop: Any) -> None:
            try:
                loop()
            except BaseException as e:  # reported by the main thread
                errors.append(e)

        def poll_books() -> None:
            while time.monotonic() < deadline:
                timed("read", "GET", "/api/v3/depth", {"symbol": "BTCUSDT", "limit": "1000"})  # weight 50

        def order_loop() -> None:
            time.sleep(0.5)  # let the reads fill the window first
            while time.monotonic() < deadline:
                order = timed("order", "POST", "/api/v3/order", ORDER)  # priority 5
                timed("cancel", "DELETE", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": str(order["orderId"])})
                time.sleep(0.05)

        threads = [threading.Thread(target=run, args=(poll_books,)) for _ in range(READERS)]
        threads.append(threading.Thread(target=run, args=(order_loop,)))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stats = mock.stats

    if errors:
        print(f"FAILED: {errors[0]!r}", file=sys.stderr)
        return 1
    print(f"{READERS} threads polling order books and one order loop for {SECONDS:g} s, through one Session:")
    for kind, values in times.items():
        slow = sum(1 for v in values if v > 0.1)
        print(
            f"  {kind + 's':>7}: {len(values):3d}, answered in median {statistics.median(values) * 1000:6.1f} ms, "
            f"max {max(values) * 1000:6.1f} ms; {slow} took over 100 ms"
        )
    print(
        f"the mock venue: {stats.accepted} requests accepted, {stats.rejected_429} x 429, {stats.rejected_418} x 418; "
        f"at most {max(stats.max_window_weight_by_ip.values(), default=0):g} weight of {stats.capacity:g} in a window"
    )
    if stats.rejected:
        print("FAILED: the venue refused requests", file=sys.stderr)
        return 1
    worst_read, worst_cancel = max(times["read"]), max(times["cancel"])
    if worst_read < PERIOD / 4:
        print("FAILED: the reads never had to queue, so this run shows nothing", file=sys.stderr)
        return 1
    if worst_cancel > worst_read / 4:
        print(f"FAILED: a cancel waited {worst_cancel:.3f} s, the reads at most {worst_read:.3f} s", file=sys.stderr)
        return 1
    print(
        f"reads queued up to {worst_read:.2f} s for room in a window; no cancel took over {worst_cancel * 1000:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
