"""hyperliquid-python-sdk and ccxt in one bot, spending one Hyperliquid budget.

The SDK's ``Info`` is built through ``ratekeeper.adapters.hyperliquid_sdk.info`` and a ccxt
``hyperliquid`` instance is passed to ``ratekeeper.adapters.ccxt.limit``; both get the same
store, so their requests are weighed by the venue's rules and admitted from one budget.
Each client polls market data in its own thread as fast as the budget allows.

The venue is ratekeeper's mock Hyperliquid (``ratekeeper.testing.MockVenue``) on loopback,
its 60 s window scaled down to 2 s; the run takes about 8 seconds.

    python examples/sdk_and_ccxt.py

Needs the ``hyperliquid-sdk``, ``ccxt`` and ``mock`` extras. Exits 1 if the venue answered
any 429.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable

import ccxt

import ratekeeper as rk
from ratekeeper.adapters import ccxt as rk_ccxt
from ratekeeper.adapters import hyperliquid_sdk
from ratekeeper.testing import MockVenue

PERIOD = 2.0  # the mock's window (Hyperliquid's real one is 60 s)
SECONDS = 6.0
PERP = "BTC/USDC:USDC"


def main() -> int:
    venue = rk.venue("hyperliquid", ip_weight=(1200, PERIOD))  # the mock's scaled window
    store = rk.MemoryStore()  # one budget in this process; "sqlite:///…" or "redis://…" to share it wider
    calls = {"sdk": 0, "ccxt": 0}
    errors: list[BaseException] = []

    with MockVenue("hyperliquid", period=PERIOD) as mock:
        info = hyperliquid_sdk.info(mock.url, skip_ws=True, store=store, venue=venue)
        exchange = ccxt.hyperliquid({"walletAddress": "0x" + "ab" * 20})
        exchange.urls["api"] = {"public": mock.url, "private": mock.url}  # before limit(): it reads them
        rk_ccxt.limit(exchange, store=store, venue=venue)
        exchange.load_markets()
        mock.reset()  # count from here: the start-up requests are done
        deadline = time.monotonic() + SECONDS

        def sdk_loop() -> None:
            while time.monotonic() < deadline:
                info.l2_snapshot("ETH")  # weight 2
                now = int(time.time() * 1000)
                info.candles_snapshot("BTC", "1m", now - 3_600_000, now)  # 20 + 1 per 60 candles
                calls["sdk"] += 2

        def ccxt_loop() -> None:
            while time.monotonic() < deadline:
                exchange.fetch_order_book(PERP)  # l2Book: weight 2
                exchange.fetch_ohlcv(PERP, "1m", limit=120)  # candleSnapshot: 20 + 1 per 60 candles
                calls["ccxt"] += 2

        def run(loop: Callable[[], None]) -> None:
            try:
                loop()
            except BaseException as e:  # reported by the main thread
                errors.append(e)

        threads = [threading.Thread(target=run, args=(loop,)) for loop in (sdk_loop, ccxt_loop)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stats = mock.stats

    if errors:
        print(f"FAILED: {errors[0]!r}", file=sys.stderr)
        return 1
    print(f"hyperliquid-python-sdk and ccxt polling for {SECONDS:g} s, one budget:")
    print(f"  SDK Info: {calls['sdk']} calls; ccxt hyperliquid: {calls['ccxt']} calls")
    print(
        f"the mock venue: {stats.accepted} requests accepted, {stats.rejected_429} x 429; "
        f"{stats.share_of(stats.elapsed):.1%} of the budget used, never more than "
        f"{max(stats.max_window_weight_by_ip.values(), default=0):g} of {stats.capacity:g} in one window"
    )
    if stats.rejected:
        print("FAILED: the venue refused requests", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
