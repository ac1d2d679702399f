"""The gateway end to end, in real processes: the mock venue in its own process (the referee),
``ratekeeper gateway`` as a command, and unmodified clients pointed at it —
hyperliquid-python-sdk in 4 processes, ccxt's Binance, and a Node.js script (curl where Node is
missing). Each spends a budget it could not keep on its own, and the mock counts every 429."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from bench.bench_http import MockServer

CTX = multiprocessing.get_context("spawn")
META = {"universe": [{"name": "BTC", "szDecimals": 5}]}
SPOT_META: dict[str, Any] = {"universe": [], "tokens": []}
READY = re.compile(r"at (http://\S+) -> ")


class GatewayProcess:
    """``ratekeeper gateway VENUE`` in a child process, on a free port."""

    def __init__(self, venue: str, upstream: str, *options: str) -> None:
        src = str(Path(__file__).resolve().parent.parent / "src")
        env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
        args = [sys.executable, "-c", "import sys; from ratekeeper.cli import main; sys.exit(main())"]
        args += ["gateway", venue, "--listen", "127.0.0.1:0", "--admin", "", "--upstream", upstream, *options]
        self.proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # the command prints its address once it listens
        found = READY.search(line)
        if found is None:
            self.proc.kill()
            raise AssertionError(
                f"the gateway did not start: {line!r} {self.proc.stderr.read() if self.proc.stderr else ''}"
            )
        self.url = found.group(1)

    def stop(self) -> str:
        """SIGTERM (a graceful stop), and what it logged."""
        self.proc.terminate()
        _, err = self.proc.communicate(timeout=30)
        assert self.proc.returncode == 0, err
        return err

    def __enter__(self) -> GatewayProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=10)


def _share(stats: dict[str, Any], seconds: float) -> float:
    return float(sum(stats["weight_by_ip"].values()) / (stats["capacity"] * seconds / stats["period"]))


# --------------------------------------------------------------------------------------------
# hyperliquid-python-sdk, unmodified, 4 processes


def _sdk_worker(url: str, seconds: float, ready: Any, go: Any, out: Any) -> None:
    from hyperliquid.info import Info

    info = Info(url, skip_ws=True, meta=META, spot_meta=SPOT_META)
    ready.put(True)
    start_at: float = go.get(timeout=60)
    time.sleep(max(0.0, start_at - time.time()))
    calls = errors = 0
    stop_at = start_at + seconds
    while time.time() < stop_at:
        try:
            if calls % 2:
                info.l2_snapshot("BTC")
            else:
                info.all_mids()
            calls += 1
        except Exception as exc:
            errors += 1
            out.put(("error", repr(exc)[:200]))
    out.put(("done", calls, errors))


def _run_sdk(mock: MockServer, urls: list[str], seconds: float) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """One SDK process per URL, started together; the mock's statistics over ``seconds``."""
    ready: Any = CTX.Queue()
    go: Any = CTX.Queue()
    out: Any = CTX.Queue()
    procs = [CTX.Process(target=_sdk_worker, args=(url, seconds, ready, go, out)) for url in urls]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=60)
    start_at = time.time() + 0.5
    for _ in procs:
        go.put(start_at)
    time.sleep(max(0.0, start_at - 0.05 - time.time()))
    mock.reset()
    time.sleep(max(0.0, start_at + seconds - time.time()))
    stats = mock.stats()
    results: list[tuple[Any, ...]] = []
    while len([r for r in results if r[0] == "done"]) < len(procs):
        results.append(out.get(timeout=60))
    for p in procs:
        p.join(10)
    return stats, results


def _check_sdk(stats: dict[str, Any], results: list[tuple[Any, ...]], seconds: float, floor: float, what: str) -> None:
    done = [r for r in results if r[0] == "done"]
    share = _share(stats, seconds)
    print(f"\n{what}: {done}, {stats['rejected_429']} x 429, budget {share:.1%}")
    assert [r for r in results if r[0] == "error"] == []
    assert all(calls > 0 for _, calls, _ in done)  # nobody starved
    assert stats["rejected_429"] == 0
    assert stats["max_window_weight_by_ip"]["127.0.0.1"] <= 1200
    assert stats["accepted"] <= sum(calls for _, calls, _ in done)  # nothing sent twice (calls end after the snapshot)
    assert share >= floor


@pytest.mark.timeout(90)
def test_hyperliquid_sdk_in_four_processes_gets_no_429_and_the_whole_budget() -> None:
    # the 1200-weight window scaled from 60 s to 10 s; two windows, the second in steady state
    period, seconds = 10.0, 20.0
    with (
        MockServer(period) as mock,
        GatewayProcess("hyperliquid", mock.url, "--limit", f"ip_weight=1200/{period:g}", "--no-access-log") as gateway,
    ):
        stats, results = _run_sdk(mock, [gateway.url] * 4, seconds)
        gateway.stop()
    _check_sdk(stats, results, seconds, 0.97, "hyperliquid-python-sdk x4 via one gateway")


@pytest.mark.timeout(90)
def test_two_gateways_share_one_budget_through_redis(redis_url: str) -> None:
    from ratekeeper.testing import unique_prefix

    period, seconds = 3.0, 6.0
    store = f"{redis_url}?prefix={unique_prefix()}"
    options = ("--store", store, "--limit", f"ip_weight=1200/{period:g}", "--no-access-log")
    with (
        MockServer(period) as mock,
        GatewayProcess("hyperliquid", mock.url, *options) as one,
        GatewayProcess("hyperliquid", mock.url, *options) as two,
    ):
        stats, results = _run_sdk(mock, [one.url, two.url] * 2, seconds)
        one.stop()
        two.stop()
    # both gateways leave from the same IP (127.0.0.1): one budget, kept between them
    _check_sdk(stats, results, seconds, 0.95, "hyperliquid-python-sdk x4 via two gateways sharing Redis")


# --------------------------------------------------------------------------------------------
# ccxt's Binance, its URLs pointed at the gateway


def test_ccxt_binance_through_the_gateway_gets_no_429_or_418() -> None:
    ccxt = pytest.importorskip("ccxt")
    period, seconds = 5.0, 6.0
    with (
        MockServer(period, venue="binance") as mock,
        GatewayProcess("binance", mock.url, "--limit", f"request_weight=6000/{period:g}", "--no-access-log") as gateway,
    ):
        options = {"fetchMarkets": ["spot"], "fetchCurrencies": False, "fetchMargins": False}
        ex = ccxt.binance({"apiKey": "k" * 64, "secret": "s" * 64, "options": options, "enableRateLimit": False})
        for name, value in list(ex.urls["api"].items()):  # the documented way to point ccxt at another host
            ex.urls["api"][name] = gateway.url + urlsplit(value).path
        ex.load_markets()
        mock.reset()
        calls = 0
        stop_at = time.time() + seconds
        while time.time() < stop_at:  # depth of 1000 levels weighs 50: 120 of them per window
            ex.fetch_order_book("BTC/USDT", limit=1000)
            calls += 1
        stats = mock.stats()
        gateway.stop()
    share = _share(stats, seconds)
    print(f"\nccxt binance via the gateway: {calls} order books, {stats['rejected_429']} x 429, budget {share:.1%}")
    assert stats["rejected_429"] == 0 and stats["rejected_418"] == 0 and stats["bans"] == 0
    assert calls * 50 > 6000  # more than one window's budget was asked for: the gateway held it back
    assert share >= 0.8


# --------------------------------------------------------------------------------------------
# any language: Node.js (or curl)

NODE_SCRIPT = """
const [url, count] = process.argv.slice(-2);
const n = Number(count);
async function one(i) {
  const r = await fetch(url + "/info", {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({type: "l2Book", coin: "BTC"}),
  });
  await r.arrayBuffer();
  return r.status;
}
(async () => {
  const statuses = {};
  const all = [];
  for (let i = 0; i < n; i++) all.push(one(i));
  for (const s of await Promise.all(all)) statuses[s] = (statuses[s] || 0) + 1;
  const bad = await fetch(url + "/info", {method: "POST", headers: {"Content-Type": "application/json"}, body: "{"});
  console.log(JSON.stringify({statuses, bad: bad.status, badBody: await bad.json()}));
})();
"""


def test_a_nodejs_client_through_the_gateway() -> None:
    node = shutil.which("node")
    period = 2.0
    n = 800  # 1600 weight at once: more than a 1200 window holds
    with (
        MockServer(period) as mock,
        GatewayProcess("hyperliquid", mock.url, "--limit", f"ip_weight=1200/{period:g}", "--no-access-log") as gateway,
    ):
        mock.reset()
        if node is not None:
            done = subprocess.run(
                [node, "-e", NODE_SCRIPT, gateway.url, str(n)], capture_output=True, text=True, timeout=60
            )
            assert done.returncode == 0, done.stderr
            result = json.loads(done.stdout)
            assert result["statuses"] == {"200": n}
            assert result["bad"] == 400 and result["badBody"]["error"] == "invalid_body"
        else:  # pragma: no cover - machines without Node
            curl = shutil.which("curl")
            if curl is None:
                pytest.skip("neither node nor curl is installed")
            for _ in range(n // 4):
                done = subprocess.run(
                    [
                        curl,
                        "-s",
                        "-o",
                        "/dev/null",
                        "-w",
                        "%{http_code}",
                        "-H",
                        "Content-Type: application/json",
                        "-d",
                        '{"type":"l2Book","coin":"BTC"}',
                        gateway.url + "/info",
                    ],
                    capture_output=True,
                    text=True,
                    timeout=30,
                )
                assert done.stdout == "200"
        stats = mock.stats()
        gateway.stop()
    assert stats["rejected_429"] == 0
    assert stats["accepted"] >= (n if node is not None else n // 4)
