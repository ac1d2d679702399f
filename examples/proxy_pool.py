"""A pool of proxies, each with its own per-IP budget, in one short run (about 7 seconds).

Starts a mock Hyperliquid venue (1200 weight per 2 s per IP, keyed by the client's address) and
three forward proxies on loopback that connect from 127.0.0.2, 127.0.0.3 and 127.0.0.4 (Linux),
plus a proxy that is down. Six threads poll through one ``ratekeeper.requests.Session``; the
session skips the dead proxy after its first failure and spreads the load over the others.

python examples/proxy_pool.py
"""

from __future__ import annotations

import logging
import threading
import time

import ratekeeper as rk
from ratekeeper.proxies import ProxyPool
from ratekeeper.requests import Session
from ratekeeper.testing import ForwardProxy, MockVenue, loopback_source_works, refusing_proxy_url

PERIOD = 2.0
SECONDS = 2 * PERIOD
READS = [{"type": "meta"}, {"type": "metaAndAssetCtxs"}, {"type": "l2Book", "coin": "BTC"}]


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sources = ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
    if not all(loopback_source_works(s) for s in sources):
        sources = ["127.0.0.1"] * 3  # macOS without loopback aliases: the mock sees one IP
    venue = rk.venue("hyperliquid", ip_weight=(1200, PERIOD))
    with (
        MockVenue("hyperliquid", period=PERIOD) as mock,
        ForwardProxy(source=sources[0]) as p1,
        ForwardProxy(source=sources[1]) as p2,
        ForwardProxy(source=sources[2], auth=("alice", "s3cret-pass")) as p3,
    ):
        dead = refusing_proxy_url().replace("http://", "http://bob:hunter2@")
        pool = ProxyPool([dead, p1.url, p2.url, p3.url], grace=60, max_rotations=2)
        print(f"pool: {pool}")  # credentials redacted
        with Session(venue, base_url=mock.url, proxy_pool=pool) as session:
            mock.reset()
            started = time.monotonic()

            def poll(k: int) -> None:
                i = k
                while time.monotonic() - started < SECONDS:
                    session.post("/info", json=READS[i % len(READS)], timeout=10)
                    i += 1

            threads = [threading.Thread(target=poll, args=(k,)) for k in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            stats = mock.stats

            print(f"\n{sum(stats.requests_by_ip.values())} requests in {SECONDS:g} s, {stats.rejected_429} x 429")
            print("what the venue saw, by client IP:")
            for ip, weight in sorted(stats.weight_by_ip.items()):
                print(f"  {ip:>10}: {stats.requests_by_ip[ip]:>4} requests, weight {weight:>6g}")
            print("each proxy's ip_weight budget in the store:")
            for s in session.limiter.statistics():
                if s.limit == "ip_weight":
                    print(f"  {s.scope:>16}: used {s.used:>6g} of {s.capacity:g}, {s.waiters} waiting")
            print("the pool:")
            for p in session.proxy_statistics():
                state = "ok" if p.healthy else f"down for {p.down_for:.0f} s"
                print(f"  {p.proxy:>32}: sent {p.sent:>4}, failures {p.failures}, {state}")


if __name__ == "__main__":
    main()
