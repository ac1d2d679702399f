"""Proxy pools against the mock venue: N proxies carry about N times one IP's traffic, 0 x 429.

The mock venue runs in its own process and keys its budgets by the peer address; the forward
proxies (:class:`ratekeeper.testing.ForwardProxy`) run in another process and connect upstream
from 127.0.0.2, 127.0.0.3, … (Linux routes all of 127/8 to loopback), so each proxy is one IP
to the venue. Each integration sends the read-only workload for ``--periods`` windows of
``--period`` seconds through 1 proxy, then through 3, and the mock counts what each IP spent
and every 429.

::

    python bench/bench_proxies.py                      # requests, httpx, aiohttp; 1 and 3 proxies (~1 min)
    python bench/bench_proxies.py --proxies 1 2 3 4    # more pool sizes

The proxies run out of the client's process on purpose: a Python proxy in the client's own
process competes with it for the GIL and the CPU, which measures the machine, not the routing.
"""

from __future__ import annotations

import argparse
import functools
import multiprocessing as mp
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_http import MockServer, RunResult, measured, run_aiohttp, run_httpx_async, run_requests

__all__ = ["RUNNERS", "ProxyServers", "run_pool", "source_addresses"]

RUNNERS: dict[str, Callable[..., RunResult]] = {
    "requests": run_requests,
    "httpx": run_httpx_async,
    "aiohttp": run_aiohttp,
}


def source_addresses(n: int) -> list[str]:
    """The upstream source addresses of ``n`` proxies: 127.0.0.2, 127.0.0.3, …"""
    return [f"127.0.0.{2 + i}" for i in range(n)]


def _serve(sources: list[str], urls_out: Any, stop: Any) -> None:
    from ratekeeper.testing import ForwardProxy

    proxies = [ForwardProxy(source=src).start() for src in sources]
    urls_out.put([p.url for p in proxies])
    stop.wait()
    for p in proxies:
        p.stop()


class ProxyServers:
    """``n`` forward proxies in a child process; :attr:`urls` in source-address order."""

    def __init__(self, n: int) -> None:
        ctx = mp.get_context("spawn")
        self._stop = ctx.Event()
        urls_q: Any = ctx.Queue()
        self.sources = source_addresses(n)
        self._proc = ctx.Process(target=_serve, args=(self.sources, urls_q, self._stop), daemon=True)
        self._proc.start()
        self.urls: list[str] = urls_q.get(timeout=30)

    def close(self) -> None:
        self._stop.set()
        self._proc.join(timeout=10)
        if self._proc.is_alive():
            self._proc.kill()

    def __enter__(self) -> ProxyServers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_pool(
    integration: str,
    server: MockServer,
    urls: list[str],
    *,
    periods: int,
    workers: int,
    workload: str = "reads",
    margin: float | None = None,
) -> RunResult:
    """One integration through the pool ``urls`` for ``periods`` windows of the mock's period
    (``margin``: the transit margin, default the venue's)."""
    seconds = server.period * periods
    runner = functools.partial(
        RUNNERS[integration],
        server.url,
        period=server.period,
        seconds=seconds,
        workers=workers,
        workload=workload,
        proxy_pool=urls,
        margin=margin,
    )
    result = measured(server, runner, seconds)
    result.name = f"{integration} x{len(urls)}"
    return result


def _row(result: RunResult, n: int, one_ip_weight: float | None) -> dict[str, Any]:
    mock = result.mock
    shares = mock.get("budget_share_by_ip", {})
    weight = sum(mock.get("weight_by_ip", {}).values())
    return {
        "name": result.name,
        "proxies": n,
        "ips": len(shares),
        "requests": sum(mock.get("requests_by_ip", {}).values()),
        "per_second": sum(mock.get("requests_by_ip", {}).values()) / result.seconds,
        "rejected_429": mock.get("rejected_429", 0),
        "weight": weight,
        "x_one_ip": weight / one_ip_weight if one_ip_weight else 1.0,
        "share_min": min(shares.values(), default=0.0),
        "share_max": max(shares.values(), default=0.0),
        "errors": len(result.errors),
    }


def _fmt(row: dict[str, Any]) -> str:
    return (
        f"| {row['name']:<12} | {row['ips']:>3} | {row['requests']:>6} | {row['per_second']:>7.1f} | "
        f"{row['rejected_429']:>5} | {row['weight']:>8.0f} | {row['x_one_ip']:>5.2f} | "
        f"{row['share_min']:>6.1%} to {row['share_max']:<6.1%} | {row['errors']:>6} |"
    )


HEADER = (
    "| run          | IPs | requests | req/s | 429s |   weight | x one IP | budget share per IP | errors |\n"
    "|---|---|---|---|---|---|---|---|---|"
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--period", type=float, default=2.0, help="the mock's window, seconds (default 2)")
    parser.add_argument("--periods", type=int, default=3, help="windows per run (default 3)")
    parser.add_argument("--workers", type=int, default=8, help="threads or tasks per run (default 8)")
    parser.add_argument("--proxies", type=int, nargs="+", default=[1, 3], help="pool sizes (default 1 3)")
    parser.add_argument("--integrations", nargs="+", default=list(RUNNERS), choices=list(RUNNERS))
    parser.add_argument("--margin", type=float, default=None, help="transit margin, seconds (default: the venue's)")
    args = parser.parse_args(argv)

    started = time.monotonic()
    rows: list[dict[str, Any]] = []
    margin = "the venue's margin" if args.margin is None else f"margin {args.margin:g} s"
    print(f"mock Hyperliquid, 1200 weight per {args.period:g} s per IP; reads, {args.workers} workers, {margin}")
    print(HEADER)
    with MockServer(args.period) as server, ProxyServers(max(args.proxies)) as proxies:
        for integration in args.integrations:
            one_ip: float | None = None
            for n in args.proxies:
                result = run_pool(
                    integration,
                    server,
                    proxies.urls[:n],
                    periods=args.periods,
                    workers=args.workers,
                    margin=args.margin,
                )
                row = _row(result, n, one_ip)
                if n == 1:
                    one_ip = row["weight"]
                rows.append(row)
                print(_fmt(row), flush=True)
    print(f"({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
