"""The gateway's cost: added latency at a fixed request rate, and throughput, against calling the
mock venue directly, measured in the same run.

Three processes: the mock Hyperliquid venue (its budget raised so it never refuses), the gateway
(``ratekeeper gateway hyperliquid`` with its ``ip_weight`` raised so the limiter never waits: this
measures what forwarding costs, not queueing), and this script, the client. The client drives
an **open loop**: request ``i`` is due at ``t0 + i / rate`` and its latency is measured from
that due time, so a stall anywhere shows up in the tail instead of slowing the schedule down.
Direct and gateway runs alternate (direct, gateway, direct, gateway...) and each percentile is
the median over the rounds; the added latency is gateway minus direct at each percentile.
Throughput: ``--concurrency`` clients in a closed loop for ``--seconds``, direct then through
the gateway.

::

    python bench/bench_gateway.py                       # 500 req/s, 3 rounds of 10 s, ~90 s
    python bench/bench_gateway.py --rate 500 --seconds 10 --rounds 3 --access-log
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __name__ == "__main__":  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import aiohttp

PAYLOAD = {"type": "l2Book", "coin": "BTC"}
PERCENTILES = (50.0, 90.0, 99.0, 99.9)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _env() -> dict[str, str]:
    src = str(Path(__file__).resolve().parent.parent / "src")
    return {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}


def start_mock(port: int) -> subprocess.Popen[bytes]:
    code = (
        "import asyncio\n"
        "try:\n"
        "    import uvloop\n"
        "    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())\n"
        "except ImportError:\n"
        "    pass\n"
        "from ratekeeper.testing.mock_venue import serve_forever\n"
        f"serve_forever('hyperliquid', {port}, weight_budget=1e12)\n"
    )
    return subprocess.Popen([sys.executable, "-c", code], env=_env(), stderr=subprocess.DEVNULL)


def start_gateway(port: int, upstream: str, access_log: bool, log_path: Path, loop: str) -> subprocess.Popen[bytes]:
    args = [
        sys.executable,
        "-c",
        "import sys; from ratekeeper.cli import main; sys.exit(main())",
        "gateway",
        "hyperliquid",
        "--listen",
        f"127.0.0.1:{port}",
        "--admin",
        "",
        "--upstream",
        upstream,
        "--limit",
        "ip_weight=1000000000/60",
        "--access-log" if access_log else "--no-access-log",
        "--loop",
        loop,
    ]
    with log_path.open("wb") as log:
        return subprocess.Popen(args, env=_env(), stdout=subprocess.DEVNULL, stderr=log)


async def wait_ready(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.post(url + "/info", json={"type": "allMids"}) as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {timeout} s")
            await asyncio.sleep(0.1)  # start-up only: not part of what is measured


@dataclass
class OpenLoop:
    rate: float
    sent: int
    errors: int
    late_starts: int
    latencies_ms: list[float]

    def pct(self, p: float) -> float:
        xs = sorted(self.latencies_ms)
        if not xs:
            return float("nan")
        k = min(len(xs) - 1, max(0, round(p / 100.0 * len(xs)) - 1))
        return xs[k]


async def open_loop(url: str, rate: float, seconds: float) -> OpenLoop:
    """Requests due at a fixed rate, each timed from its due moment to the end of its body."""
    n = int(rate * seconds)
    latencies: list[float] = []
    errors = 0
    late = 0
    connector = aiohttp.TCPConnector(limit=256, keepalive_timeout=60)
    async with aiohttp.ClientSession(connector=connector) as session:
        # warm the pool: connections already open, as a long-running client has them
        async def warm() -> None:
            async with session.post(url + "/info", json=PAYLOAD) as r:
                await r.read()

        await asyncio.gather(*(warm() for _ in range(8)))
        tasks: list[asyncio.Task[None]] = []

        async def one(due: float) -> None:
            nonlocal errors
            try:
                async with session.post(url + "/info", json=PAYLOAD) as r:
                    await r.read()
                    if r.status != 200:
                        errors += 1
                        return
            except aiohttp.ClientError:
                errors += 1
                return
            latencies.append((time.perf_counter() - due) * 1000.0)

        # perf_counter, not loop.time(): uvloop's clock moves in whole milliseconds
        t0 = time.perf_counter() + 0.05
        for i in range(n):
            due = t0 + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.001:
                late += 1
            tasks.append(asyncio.create_task(one(due)))
        await asyncio.gather(*tasks)
    return OpenLoop(rate, n, errors, late, latencies)


async def closed_loop(url: str, concurrency: int, seconds: float) -> float:
    """Requests per second ``concurrency`` clients get, each sending the next on the answer."""
    done = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        stop_at = time.monotonic() + seconds

        async def worker() -> None:
            nonlocal done
            while time.monotonic() < stop_at:
                async with session.post(url + "/info", json=PAYLOAD) as r:
                    await r.read()
                done += 1

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.monotonic() - started
    return done / elapsed


def _median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


async def main_async(args: argparse.Namespace) -> int:
    mock_port, gw_port = free_port(), free_port()
    mock_url, gw_url = f"http://127.0.0.1:{mock_port}", f"http://127.0.0.1:{gw_port}"
    log_path = Path(args.log)
    mock = start_mock(mock_port)
    gateway = start_gateway(gw_port, mock_url, args.access_log, log_path, args.loop)
    try:
        await wait_ready(mock_url)
        await wait_ready(gw_url)
        direct: list[OpenLoop] = []
        through: list[OpenLoop] = []
        gw_cpu: list[float] = []
        mock_cpu: list[float] = []
        for r in range(args.rounds):
            m0 = cpu_seconds(mock.pid)
            direct.append(await open_loop(mock_url, args.rate, args.seconds))
            mock_cpu.append((cpu_seconds(mock.pid) - m0) / direct[-1].sent * 1e6)
            g0 = cpu_seconds(gateway.pid)
            through.append(await open_loop(gw_url, args.rate, args.seconds))
            gw_cpu.append((cpu_seconds(gateway.pid) - g0) / through[-1].sent * 1e6)
            d, g = direct[-1], through[-1]
            print(
                f"round {r + 1}: direct p50 {d.pct(50):.3f} p99 {d.pct(99):.3f} ms | "
                f"gateway p50 {g.pct(50):.3f} p99 {g.pct(99):.3f} ms | errors {d.errors}/{g.errors} "
                f"late {d.late_starts}/{g.late_starts} | load average {os.getloadavg()[0]:.2f}",
                flush=True,
            )
        tput_direct = await closed_loop(mock_url, args.concurrency, args.tput_seconds)
        tput_gateway = await closed_loop(gw_url, args.concurrency, args.tput_seconds)
    finally:
        for p in (gateway, mock):
            p.terminate()
        for p in (gateway, mock):
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
    print()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"aiohttp {aiohttp.__version__}; open loop {args.rate:g} req/s x {args.seconds:g} s x {args.rounds} rounds; "
        f"gateway loop {args.loop}; access log {'on' if args.access_log else 'off'}"
    )
    print()
    print("| percentile | direct (ms) | through the gateway (ms) | added (ms) |")
    print("|---|---|---|---|")
    for p in PERCENTILES:
        d = _median([x.pct(p) for x in direct])
        g = _median([x.pct(p) for x in through])
        print(f"| p{p:g} | {d:.3f} | {g:.3f} | {g - d:+.3f} |")
    print()
    errors = sum(x.errors for x in direct + through)
    print(f"errors: {errors}")
    print(
        f"throughput ({args.concurrency} clients, closed loop, {args.tput_seconds:g} s): "
        f"direct {tput_direct:.0f} req/s, through the gateway {tput_gateway:.0f} req/s "
        f"({tput_gateway / tput_direct:.2f}x)"
    )
    print(
        f"CPU per request (open loop): gateway process {_median(gw_cpu):.0f} us, "
        f"mock venue process {_median(mock_cpu):.0f} us (the gateway's is its whole cost: "
        "receive, weigh, book, forward, settle, answer)"
    )
    return 0 if errors == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=500.0, help="requests per second (open loop)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each open-loop run")
    parser.add_argument("--rounds", type=int, default=3, help="direct/gateway pairs")
    parser.add_argument("--concurrency", type=int, default=16, help="clients in the throughput run")
    parser.add_argument("--tput-seconds", type=float, default=5.0, help="length of each throughput run")
    parser.add_argument("--access-log", action="store_true", help="the gateway writes its access log (to --log)")
    parser.add_argument("--loop", default="auto", choices=["auto", "uvloop", "asyncio"], help="the gateway's loop")
    parser.add_argument("--log", default=os.devnull, help="where the gateway's stderr goes")
    args = parser.parse_args()
    try:  # the client is the instrument: the less CPU it takes from the others, the better
        import uvloop
    except ImportError:
        return asyncio.run(main_async(args))
    return uvloop.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
