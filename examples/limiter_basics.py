"""Limits, weights, priorities and waits in one short run (about 2 seconds).

python examples/limiter_basics.py
"""

from __future__ import annotations

import sys
import threading
import time

import ratekeeper as rk


def main() -> int:
    limiter = rk.Limiter(
        [
            # 100 weight per second, the last 20% kept for priority >= 5 (cancels)
            rk.Limit("ip_weight", 100, 1.0, reserve=0.2, reserve_priority=5),
            rk.Limit("orders", 5, 1.0),
        ]
    )
    start = time.monotonic()
    admitted: list[tuple[float, str]] = []
    lock = threading.Lock()

    def poll_market_data() -> None:  # weight 10, low priority: may fill 80 of every 100
        while time.monotonic() - start < 2.0:
            limiter.acquire({"ip_weight": 10})
            with lock:
                admitted.append((time.monotonic() - start, "market data"))

    def cancel_orders() -> None:  # weight 1 + one order, high priority: uses the reserve
        for _ in range(8):
            g = limiter.acquire({"ip_weight": 1, "orders": 1}, priority=5, timeout=2.0)
            with lock:
                admitted.append((time.monotonic() - start, f"cancel (waited {g.waited * 1000:.0f} ms)"))

    threads = [threading.Thread(target=poll_market_data) for _ in range(3)]
    threads.append(threading.Thread(target=cancel_orders))
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    try:
        limiter.acquire({"ip_weight": 500})
    except rk.CostExceedsCapacity as e:
        print(f"refused at once: {e}")
    limiter.acquire({"orders": 5}, priority=5)  # all order slots of this second
    try:
        limiter.acquire({"orders": 1}, timeout=0.0)
    except rk.RateLimited as e:
        print(f"would wait {e.retry_after:.3f} s on {e.limit!r}: refused, nothing charged")

    cancels = [a for a in admitted if a[1].startswith("cancel")]
    print(f"{len(admitted) - len(cancels)} market-data polls and {len(cancels)} cancels in 2 s")
    for at, what in cancels:
        print(f"  {at:6.3f} s  {what}")
    for s in limiter.statistics():
        print(f"{s.limit:>10}: used {s.used:g} of {s.capacity:g}, next free in {s.next_free:.3f} s")
    if len(cancels) != 8:  # a cancel that timed out raised in its thread
        print(f"FAILED: {len(cancels)} of 8 cancels admitted", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
