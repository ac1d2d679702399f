"""The adapters against the mock venue: the same workload through plain ccxt / the plain
Hyperliquid SDK and through them with ratekeeper, across several processes.

A Hyperliquid :class:`~ratekeeper.testing.MockVenue` runs in its own process with its
1200-weight window scaled down to ``--period`` seconds. ``--processes`` worker processes (4)
start together and send one seeded workload each for ``--periods`` windows (4):

* **ccxt, its own throttler** — ``ccxt.hyperliquid`` as shipped, ``enableRateLimit=True``, its
  ``rateLimit`` scaled to the mock's window (50 ms * period / 60: the same 1200 per window);
  each process throttles itself, as ccxt does;
* **ccxt, budget split by hand** — the same with ``rateLimit`` multiplied by the number of
  processes: what a careful user does without a shared limiter;
* **ccxt + ratekeeper** — :func:`ratekeeper.adapters.ccxt.limit` with one SQLite (and, where a
  Redis server answers, one Redis) store shared by the processes;
* **SDK, no limiter** — hyperliquid-python-sdk as shipped (it has none);
* **SDK + ratekeeper** — :func:`ratekeeper.adapters.hyperliquid_sdk.exchange` / ``info`` over a
  shared SQLite store.

The workload (:data:`MIX`): order books and balances (weight 2), tickers (20), the account's
fills (20 + 1 per 20 fills returned), 1000-candle histories (20 + 1 per 60 candles), orders and
cancels (1 each, plus the address quota). What is reported: the 429s the venue sent, the errors
the clients saw, the share of the budget used (weight the venue accepted over 1200 per window
for the run) and the busiest window.

::

    python bench/bench_adapters.py                 # ~1.5 min
    python bench/bench_adapters.py --docs          # also rewrite the bench:adapters sections
                                                   # of docs/benchmarks.md and docs/adapters.md
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import platform
import random
import re
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import requests

WALLET_KEY = "0x" + "11" * 32
"""A throwaway private key: the clients sign locally, the mock venue does not check."""

PERP = "BTC/USDC:USDC"
COINS = ("BTC", "ETH", "SOL", "HYPE")
CAPACITY = 1200.0

MIX: list[tuple[int, str]] = [
    (30, "book"),
    (10, "balance"),
    (10, "ticker"),
    (10, "fills"),
    (10, "candles"),
    (20, "order"),
    (10, "cancel"),
]
"""By request count."""


# --------------------------------------------------------------------------------------------
# the mock venue in its own process


def _serve(period: float, port_out: Any, stop: Any) -> None:
    from ratekeeper.testing.mock_venue import serve_forever

    serve_forever(
        "hyperliquid",
        0,
        period,
        stop=stop,
        on_ready=lambda mock: port_out.put(mock.port),
        address_initial=10_000_000,  # the address quota is not what this measures
    )


class MockServer:
    """A Hyperliquid mock venue in a child process (so it does not share the clients' GIL)."""

    def __init__(self, period: float) -> None:
        ctx = mp.get_context("spawn")
        self._stop = ctx.Event()
        port_q: Any = ctx.Queue()
        self._proc = ctx.Process(target=_serve, args=(period, port_q, self._stop), daemon=True)
        self._proc.start()
        self.url = f"http://127.0.0.1:{port_q.get(timeout=30)}"

    def reset(self) -> None:
        requests.post(self.url + "/_mock/reset", timeout=5).raise_for_status()

    def stats(self) -> dict[str, Any]:
        r = requests.get(self.url + "/_mock/stats", timeout=5)
        r.raise_for_status()
        result: dict[str, Any] = r.json()
        return result

    def close(self) -> None:
        self._stop.set()
        self._proc.join(timeout=10)
        if self._proc.is_alive():
            self._proc.kill()

    def __enter__(self) -> MockServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------------------------
# one worker process


@dataclass
class Counts:
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, exc: BaseException) -> None:
        name = type(exc).__name__
        self.errors[name] = self.errors.get(name, 0) + 1


def _hyperliquid_venue(period: float) -> Any:
    import ratekeeper as rk

    base = rk.venue("hyperliquid")
    scale = period / 60.0
    return base.with_limits(
        ip_weight=(CAPACITY, period),
        address_actions=(base.limits["address_actions"].capacity, 10.0 * scale),
        address_cancels=(base.limits["address_cancels"].capacity, 10.0 * scale),
    )


def _ccxt_client(kind: str, url: str, period: float, processes: int, store: str | None) -> Any:
    import ccxt

    ex = ccxt.hyperliquid({"walletAddress": _wallet_address(), "privateKey": WALLET_KEY, "timeout": 30_000})
    ex.urls["api"] = {"public": url, "private": url}
    ex.rateLimit = ex.rateLimit * period / 60.0  # ccxt's 1200 per minute, per scaled window
    if kind == "ccxt-split":
        ex.rateLimit *= processes
    if kind == "ccxt+ratekeeper":
        from ratekeeper.adapters.ccxt import limit

        assert store is not None
        limit(ex, store=store, venue=_hyperliquid_venue(period))
    ex.load_markets()
    return ex


def _wallet_address() -> str:
    from eth_account import Account

    address: str = Account.from_key(WALLET_KEY).address
    return address


def _ccxt_step(ex: Any, what: str, rng: random.Random, resting: list[str]) -> None:
    symbol = f"{rng.choice(COINS)}/USDC:USDC"
    if what == "book":
        ex.fetch_order_book(symbol)
    elif what == "balance":
        ex.fetch_balance()
    elif what == "ticker":
        ex.fetch_ticker(symbol)
    elif what == "fills":
        ex.fetch_my_trades()
    elif what == "candles":
        ex.fetch_ohlcv(symbol, "1m", limit=1000)
    elif what == "order":
        order = ex.create_order(PERP, "limit", "buy", 0.001, 60_000)
        resting.append(str(order["id"]))
    elif resting:
        ex.cancel_order(resting.pop(), PERP)
    else:
        ex.fetch_open_orders()


def _sdk_clients(kind: str, url: str, period: float, store: str | None) -> tuple[Any, Any]:
    from eth_account import Account

    wallet = Account.from_key(WALLET_KEY)
    if kind == "sdk+ratekeeper":
        from ratekeeper.adapters import hyperliquid_sdk as hs

        assert store is not None
        venue = _hyperliquid_venue(period)
        info = hs.info(url, skip_ws=True, store=store, venue=venue)
        exchange = hs.exchange(wallet, url, store=store, venue=venue)
        return info, exchange
    from hyperliquid.exchange import Exchange
    from hyperliquid.info import Info

    return Info(url, skip_ws=True), Exchange(wallet, url)


def _sdk_step(info: Any, exchange: Any, what: str, rng: random.Random, resting: list[int]) -> None:
    coin = rng.choice(COINS)
    user = exchange.wallet.address
    if what == "book":
        info.l2_snapshot(coin)
    elif what == "balance":
        info.user_state(user)
    elif what == "ticker":
        info.meta_and_asset_ctxs()
    elif what == "fills":
        info.user_fills(user)
    elif what == "candles":
        now = int(time.time() * 1000)
        info.candles_snapshot(coin, "1m", now - 1000 * 60_000, now)
    elif what == "order":
        placed = exchange.order("BTC", True, 0.001, 60_000.0, {"limit": {"tif": "Gtc"}})
        statuses = placed.get("response", {}).get("data", {}).get("statuses", []) if isinstance(placed, dict) else []
        for status in statuses:
            if isinstance(status, dict) and "resting" in status:
                resting.append(int(status["resting"]["oid"]))
    elif resting:
        exchange.cancel("BTC", resting.pop())
    else:
        info.open_orders(user)


def _worker(kind: str, url: str, period: float, seconds: float, processes: int, store: str | None, seed: int,
            ready: Any, go: Any, out: Any) -> None:  # fmt: skip
    readied = False
    try:
        counts = Counts()
        rng = random.Random(seed)
        names = [name for _, name in MIX]
        weights = [w for w, _ in MIX]
        if kind.startswith("ccxt"):
            ex = _ccxt_client(kind, url, period, processes, store)
            resting_ids: list[str] = []

            def step() -> None:
                _ccxt_step(ex, rng.choices(names, weights)[0], rng, resting_ids)

        else:
            info, exchange = _sdk_clients(kind, url, period, store)
            resting_oids: list[int] = []

            def step() -> None:
                _sdk_step(info, exchange, rng.choices(names, weights)[0], rng, resting_oids)

        ready.put(True)
        readied = True
        _run(step, counts, go.get(timeout=120), seconds)
        out.put(("ok", asdict(counts)))
    except BaseException as e:  # reported to the parent
        if not readied:
            ready.put(False)
        out.put(("error", f"{type(e).__name__}: {e}"))


def _run(step: Callable[[], None], counts: Counts, start_at: float, seconds: float) -> None:
    time.sleep(max(0.0, start_at - time.time()))
    while time.time() < start_at + seconds:  # every process stops at the same moment
        try:
            step()
            counts.ok += 1
        except Exception as e:  # a 429 (ccxt's RateLimitExceeded, the SDK's ClientError) and the like
            counts.error(e)


# --------------------------------------------------------------------------------------------
# one configuration


@dataclass
class Row:
    client: str
    limiter: str
    kind: str
    processes: int
    seconds: float
    period: float
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    per_process: list[int] = field(default_factory=list)
    rejected_429: int = 0
    weight: float = 0.0
    max_window: float = 0.0

    @property
    def budget_share(self) -> float:
        return self.weight / (CAPACITY * self.seconds / self.period)

    @property
    def client_errors(self) -> int:
        return sum(self.errors.values())


def run_config(
    server: MockServer,
    client: str,
    limiter: str,
    kind: str,
    *,
    period: float,
    seconds: float,
    processes: int,
    store: str | None,
) -> Row:
    ctx = mp.get_context("spawn")
    out: Any = ctx.Queue()
    ready: Any = ctx.Queue()
    go: Any = ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(kind, server.url, period, seconds, processes, store, k, ready, go, out))
        for k in range(processes)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=120)  # every child has imported its client and warmed up (markets, metadata)
    start_at = time.time() + period + 0.3  # the warm-up's weight has left every window by then
    for _ in procs:
        go.put(start_at)
    time.sleep(max(0.0, start_at - 0.02 - time.time()))
    server.reset()
    row = Row(client, limiter, kind, processes, seconds, period)
    for _ in procs:
        status, payload = out.get(timeout=seconds + 120)
        if status != "ok":
            row.failed.append(str(payload))
            continue
        row.ok += payload["ok"]
        row.per_process.append(payload["ok"])
        for name, n in payload["errors"].items():
            row.errors[name] = row.errors.get(name, 0) + n
    stats = server.stats()
    for p in procs:
        p.join(timeout=10)
    row.rejected_429 = int(stats["rejected_429"])
    row.weight = float(sum(stats["weight_by_ip"].values()))
    row.max_window = float(max(stats["max_window_weight_by_ip"].values(), default=0.0))
    return row


def _redis_url() -> str | None:
    try:
        from ratekeeper.testing import find_redis

        return find_redis()
    except Exception:
        return None


def configs(processes: int, tmp: Path, redis_url: str | None) -> list[tuple[str, str, str, str | None, int]]:
    """(client, limiter, kind, store, processes) for each configuration measured."""
    rows: list[tuple[str, str, str, str | None, int]] = [
        ("ccxt", "ccxt's own throttler", "ccxt", None, 1),
        ("ccxt", "ccxt's own throttler (per process)", "ccxt", None, processes),
        ("ccxt", f"ccxt's throttler, rateLimit x {processes} (split by hand)", "ccxt-split", None, processes),
        ("ccxt", "ratekeeper, SQLite store", "ccxt+ratekeeper", f"sqlite:///{tmp / 'ccxt.db'}", processes),
    ]
    if redis_url is not None:
        prefix = f"bench-{uuid.uuid4().hex[:8]}:"
        rows.append(("ccxt", "ratekeeper, Redis store", "ccxt+ratekeeper", f"{redis_url}?prefix={prefix}", processes))
    rows += [
        ("hyperliquid-python-sdk", "none (as shipped)", "sdk", None, processes),
        (
            "hyperliquid-python-sdk",
            "ratekeeper, SQLite store",
            "sdk+ratekeeper",
            f"sqlite:///{tmp / 'sdk.db'}",
            processes,
        ),
    ]
    return rows


# --------------------------------------------------------------------------------------------
# report


def _versions() -> str:
    from importlib import metadata

    parts = [f"Python {platform.python_version()}"]
    for dist in ("ccxt", "hyperliquid-python-sdk"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            parts.append(f"{dist} {metadata.version(dist)}")
    return ", ".join(parts)


def markdown(rows: list[Row], period: float, seconds: float) -> str:
    lines = [
        f"Processes started together against one Hyperliquid mock venue (1200 weight per {period:g} s window), "
        f"{seconds:g} s ({seconds / period:g} windows), the mixed workload of `bench/bench_adapters.py`. "
        f"{_versions()}, {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs.",
        "",
        "| client | limiter | processes | calls answered | 429s from the venue | calls failed "
        "| budget used | busiest window |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        errors = ", ".join(f"{n} {name}" for name, n in sorted(r.errors.items())) or "0"
        if r.failed:
            errors += f"; {len(r.failed)} process(es) failed: {r.failed[0][:80]}"
        lines.append(
            f"| {r.client} | {r.limiter} | {r.processes} | {r.ok} | {r.rejected_429} | {errors} "
            f"| {r.budget_share:.0%} | {r.max_window / CAPACITY:.0%} |"
        )
    lines += [
        "",
        "Budget used: the weight the venue accepted over 1200 per window for the run (the requests in flight when "
        "the run stops can add a percent). Busiest window: the most weight the venue counted in any one window, "
        "over 1200 (above 100% only when weight charged after the answer, for items returned, pushed it there). "
        "Calls failed: the exceptions the clients raised (each a 429 from the venue; a call can send several "
        "requests, and ccxt swallows a 429 on some of them).",
        "",
        "Reproduce: `python bench/bench_adapters.py --docs`.",
    ]
    return "\n".join(lines)


START = "<!-- bench:adapters:start -->"
END = "<!-- bench:adapters:end -->"


def write_docs(text: str, path: Path, heading: str) -> None:
    """Replace the bench:adapters section of ``path`` (appended, under ``heading``, when missing)."""
    doc = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    block = f"{START}\n{text}\n{END}"
    if START in doc and END in doc:
        doc = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: block, doc, flags=re.S)
    else:
        doc = doc.rstrip("\n") + f"\n\n{heading}\n\n" + block + "\n"
    path.write_text(doc, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--period", type=float, default=2.0, help="the mock's window in seconds (default 2)")
    parser.add_argument("--periods", type=float, default=4.0, help="run length in windows (default 4)")
    parser.add_argument("--processes", type=int, default=4, help="worker processes (default 4)")
    parser.add_argument("--only", choices=("ccxt", "sdk"), help="only the ccxt rows or only the SDK rows")
    parser.add_argument("--json", type=Path, help="write the raw rows here")
    parser.add_argument("--docs", action="store_true", help="rewrite the bench:adapters sections of the docs")
    args = parser.parse_args(argv)
    seconds = args.period * args.periods
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp, MockServer(args.period) as server:
        for client, limiter, kind, store, processes in configs(args.processes, Path(tmp), _redis_url()):
            if args.only is not None and not kind.startswith(args.only):
                continue
            row = run_config(
                server,
                client,
                limiter,
                kind,
                period=args.period,
                seconds=seconds,
                processes=processes,
                store=store,
            )
            print(
                f"{client:24} {limiter:48} n={processes} ok={row.ok:6} 429={row.rejected_429:6} "
                f"errors={row.client_errors:6} "
                f"share={row.budget_share:6.1%} busiest={row.max_window / CAPACITY:6.1%} per-process={row.per_process}"
                + (f" FAILED {row.failed}" if row.failed else ""),
                flush=True,
            )
            rows.append(row)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2))
    text = markdown(rows, args.period, seconds)
    print()
    print(text)
    if args.docs:
        docs = Path(__file__).resolve().parent.parent / "docs"
        write_docs(text, docs / "benchmarks.md", "## Adapters (ccxt, hyperliquid-python-sdk) against the mock venue")
        write_docs(text, docs / "adapters.md", "## The numbers")


if __name__ == "__main__":
    main()
