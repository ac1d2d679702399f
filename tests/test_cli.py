"""The command line, run as users run it: in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import textwrap
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

import ratekeeper as rk
from ratekeeper.cli import status_rows
from ratekeeper.stores import MemoryStore, open_store

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CLI = [sys.executable, "-m", "ratekeeper.cli"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "200"
    return env


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(),
    )


# ---------------------------------------------------------------------------------------
# conventions


@pytest.mark.parametrize("command", [[], ["rules"], ["status"], ["simulate"], ["mock"], ["demo"]])
def test_help_on_every_command(command: list[str]) -> None:
    for flag in ("--help", "-h"):
        out = run_cli(*command, flag)
        assert out.returncode == 0, out.stderr
        assert "Usage:" in out.stdout


def test_usage_errors_exit_2() -> None:
    assert run_cli("rules", "nowhere").returncode == 2
    assert "known venues" in run_cli("rules", "nowhere").stderr
    assert run_cli("nonsense").returncode == 2
    assert run_cli("status").returncode == 2  # --store is required
    assert run_cli("status", "--store", "ftp://x").returncode == 2
    assert run_cli("demo", "--seconds", "-1").returncode == 2


def test_version() -> None:
    out = run_cli("--version")
    assert out.returncode == 0
    assert rk.__version__ in out.stdout


# ---------------------------------------------------------------------------------------
# rules


def test_rules_hyperliquid_shows_the_documented_weights() -> None:
    out = run_cli("rules", "hyperliquid")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()

    def row(condition: str) -> str:
        found = [line for line in lines if f"{condition} " in line or line.rstrip().endswith(condition)]
        assert found, condition
        return found[0]

    # rate-limits page: l2Book 2, userRole 60, other documented info types 20
    assert "ip_weight 2 " in row("type=l2Book") or row("type=l2Book").split("│")[4].strip() == "ip_weight 2"
    assert "ip_weight 60" in row("type=userRole")
    assert "ip_weight 20" in row("type=meta")
    assert "ip_weight 1, address_actions 1" in row("action.type=order")
    for name in ("ip_weight", "address_actions", "address_cancels", "evm_rpc"):
        assert any(line.strip("│ ").startswith(name) for line in lines), name
    assert "https://hyperliquid.gitbook.io" in out.stdout  # sources are listed


def test_rules_json() -> None:
    out = run_cli("rules", "hyperliquid", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    costs = {tuple(r["condition"].items()): r["cost"] for r in data["rules"]}
    assert costs[(("type", "l2Book"),)] == {"ip_weight": 2}
    assert costs[(("type", "userRole"),)] == {"ip_weight": 60}
    limits = {lim["name"]: lim for lim in data["limits"]}
    assert limits["ip_weight"]["capacity"] == 1200
    assert limits["ip_weight"]["period"] == 60
    assert limits["ip_weight"]["scope"] == "ip"
    assert all(lim["source"] for lim in data["limits"])
    assert all(r["source"] for r in data["rules"])
    assert data["rules"][-1]["default"] is True


def test_rules_every_venue() -> None:
    from ratekeeper.venues import venue_names

    for name in venue_names():
        out = run_cli("rules", name, "--json")
        assert out.returncode == 0, (name, out.stderr)
        data = json.loads(out.stdout)
        assert data["limits"] and data["rules"], name


# ---------------------------------------------------------------------------------------
# status


def test_status_rows_read_a_store_in_process() -> None:
    store = MemoryStore()
    venue = rk.venue("hyperliquid")
    limiter = rk.Limiter(venue, store=store)
    limiter.acquire({"ip_weight": 300}, scope={"ip": "10.0.0.1"})
    limiter.acquire({"ip_weight": 20}, scope={"ip": "10.0.0.2"})
    limiter.observe([rk.Observation("ip_weight", scope="10.0.0.2", blocked_for=30.0)])
    rows = {(r.limit, r.scope): r for r in status_rows(store, venue.limits)}
    assert rows[("ip_weight", "10.0.0.1")].used == 300
    assert rows[("ip_weight", "10.0.0.1")].available == 900
    assert rows[("ip_weight", "10.0.0.1")].blocked_until is None
    banned = rows[("ip_weight", "10.0.0.2")]
    assert banned.available == 0
    assert banned.blocked_for == pytest.approx(30.0, abs=1.0)
    assert banned.blocked_until is not None and banned.blocked_until > time.time() + 25


def test_status_needs_limits() -> None:
    out = run_cli("status", "--store", "memory://")
    assert out.returncode == 2
    assert "--venue" in out.stderr
    out = run_cli("status", "--store", "memory://", "--venue", "hyperliquid")
    assert out.returncode == 0, out.stderr
    assert "no budget has been spent yet" in out.stdout


SPENDER = textwrap.dedent(
    """
    import sys, ratekeeper as rk
    limiter = rk.Limiter(rk.venue("hyperliquid"), store=sys.argv[1], margin=0.25)
    limiter.acquire({"ip_weight": 300}, scope={"ip": "10.0.0.1"})
    limiter.acquire({"ip_weight": 45}, scope={"ip": "10.0.0.2"})
    limiter.observe([rk.Observation("ip_weight", scope="10.0.0.3", blocked_for=120.0)])
    print("spent", flush=True)
    sys.stdin.readline()  # stay alive (and keep the store open) until told to go
    """
)


def _store_supported(url: str) -> bool:
    try:
        open_store(url).close()
    except ValueError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _status_of_a_store_another_process_uses(url: str) -> None:
    spender = subprocess.Popen(
        [sys.executable, "-c", SPENDER, url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        assert spender.stdout is not None and spender.stdout.readline().strip() == "spent"
        out = run_cli("status", "--store", url, "--venue", "hyperliquid", "--json")
        assert out.returncode == 0, out.stderr
        rows = {(r["limit"], r["scope"]): r for r in json.loads(out.stdout)}
        assert rows[("ip_weight", "10.0.0.1")]["used"] == pytest.approx(300)
        assert rows[("ip_weight", "10.0.0.1")]["available"] == pytest.approx(900)
        assert rows[("ip_weight", "10.0.0.2")]["used"] == pytest.approx(45)
        assert rows[("ip_weight", "10.0.0.1")]["margin"] == pytest.approx(0.25)  # as the spender padded it
        ban = rows[("ip_weight", "10.0.0.3")]
        assert ban["available"] == 0
        assert 100 < ban["blocked_for"] <= 120
        assert ban["blocked_until"] > time.time() + 100
        text = run_cli("status", "--store", url, "--venue", "hyperliquid")
        assert text.returncode == 0, text.stderr
        assert "10.0.0.1" in text.stdout and "(until " in text.stdout and "250 ms" in text.stdout
    finally:
        if spender.stdin is not None:
            spender.stdin.close()
        spender.wait(30)


def test_status_reads_a_sqlite_store_another_process_uses(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    if not _store_supported(url):
        pytest.skip("open_store() does not accept sqlite:// URLs yet (stores/sqlite.py is being written)")
    _status_of_a_store_another_process_uses(url)


def test_status_reads_a_redis_store_another_process_uses(redis_url: str) -> None:
    if not _store_supported(redis_url):
        pytest.skip("open_store() does not accept redis:// URLs yet (stores/redis.py is not registered)")
    sep = "&" if "?" in redis_url else "?"
    _status_of_a_store_another_process_uses(f"{redis_url}{sep}prefix=rk-status-{uuid.uuid4().hex[:12]}")


def test_status_watch_redraws_until_interrupted() -> None:
    proc = subprocess.Popen(
        [*CLI, "status", "--store", "memory://", "--venue", "hyperliquid", "--watch", "--interval", "0.1", "--json"],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    assert proc.stdout is not None
    first = json.loads(proc.stdout.readline())
    second = json.loads(proc.stdout.readline())
    assert second["time"] > first["time"]
    proc.send_signal(signal.SIGINT)
    assert proc.wait(10) == 0


def test_status_unreachable_store_exits_3() -> None:
    url = f"redis://127.0.0.1:{_free_port()}/0"
    if not _store_supported(url):
        pytest.skip("open_store() does not accept redis:// URLs yet (stores/redis.py is not registered)")
    out = run_cli("status", "--store", url, "--venue", "hyperliquid")
    assert out.returncode == 3, (out.stdout, out.stderr)


# ---------------------------------------------------------------------------------------
# simulate

WORKLOAD: dict[str, Any] = {
    "seconds": 60,
    "scope": {"ip": "10.0.0.1"},
    "requests": [
        {"name": "book", "path": "/info", "body": {"type": "l2Book", "coin": "BTC"}, "rate": 8},
        {"name": "fills", "path": "/info", "body": {"type": "userFills", "user": "0xabc"}, "items": 150, "rate": 0.5},
        {"name": "order", "path": "/exchange", "body": {"action": {"type": "order", "orders": [{}]}}, "rate": 2},
        {"name": "role", "path": "/info", "body": {"type": "userRole", "user": "0xabc"}, "rate": 0.2},
    ],
}


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_simulate_plot_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="--plot needs matplotlib (the cli extra)")
    workload = tmp_path / "w.json"
    workload.write_text(json.dumps(WORKLOAD))
    png = tmp_path / "out.png"
    out = run_cli("simulate", "hyperliquid", "--workload", str(workload), "--plot", str(png))
    assert out.returncode == 0, out.stderr
    data = png.read_bytes()
    width, height = _png_size(data)
    assert width >= 800 and height >= 500
    assert len(data) > 20_000  # lines and text, not an empty canvas
    assert "binding limit: ip_weight[10.0.0.1]" in out.stdout
    assert f"plot: {png}" in out.stdout


def test_simulate_json_report(tmp_path: Path) -> None:
    workload = tmp_path / "w.json"
    workload.write_text(json.dumps(WORKLOAD))
    out = run_cli("simulate", "hyperliquid", "--workload", str(workload), "--json", "--seconds", "30")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["offered_seconds"] == 30
    assert report["binding"] == "ip_weight[10.0.0.1]"
    # 8 x 2 + 0.5 x 28 + 2 x 1 + 0.2 x 60 = 44 weight/s against 20 renewed: 2.2 times too much
    assert report["headroom"] == pytest.approx(20 / 44)
    types = {t["name"]: t for t in report["types"]}
    assert types["book"]["sustainable_rate"] == pytest.approx(8 * 20 / 44)
    assert types["fills"]["cost"] == {"ip_weight": 28}
    assert report["makespan"] > 30


def test_simulate_bad_workload_exits_2(tmp_path: Path) -> None:
    workload = tmp_path / "w.json"
    workload.write_text(json.dumps({"requests": [{"cost": {"nope": 1}, "rate": 1}]}))
    out = run_cli("simulate", "hyperliquid", "--workload", str(workload))
    assert out.returncode == 2
    assert "unknown limit 'nope'" in out.stderr
    assert run_cli("simulate", "hyperliquid", "--workload", str(tmp_path / "missing.json")).returncode == 2


# ---------------------------------------------------------------------------------------
# mock


def test_mock_serves_until_stopped() -> None:
    pytest.importorskip("aiohttp", reason="the mock venue needs aiohttp (the mock extra)")
    proc = subprocess.Popen(
        [*CLI, "mock", "hyperliquid", "--port", "0", "--period", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "serving a mock hyperliquid venue at http://127.0.0.1:" in line, proc.stderr
        url = line.split(" at ")[1].split()[0]
        request = urllib.request.Request(
            url + "/info", data=b'{"type": "l2Book", "coin": "BTC"}', headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(10) == 0


def test_mock_unknown_venue_exits_2() -> None:
    pytest.importorskip("aiohttp", reason="the mock venue needs aiohttp (the mock extra)")
    out = run_cli("mock", "kraken")
    assert out.returncode == 2
    assert "knows" in out.stderr


# ---------------------------------------------------------------------------------------
# demo


def test_demo_exits_0() -> None:
    out = run_cli("demo", "--seconds", "2", timeout=90)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "OK: no window exceeded its limit" in out.stdout
    assert "requests by type" in out.stdout
    assert "wait p50" in out.stdout


def test_demo_against_the_mock_venue_reports_zero_429s() -> None:
    from ratekeeper._demo import mock_available

    if not mock_available():
        pytest.skip("the mock venue or the requests integration is not installed")
    out = run_cli("demo", "--seconds", "3", "--venue", "mock", timeout=90)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "HTTP 429: 0" in out.stdout
    assert "ip_weight (as the server counted)" in out.stdout


def test_demo_in_process() -> None:
    out = run_cli("demo", "--seconds", "2", "--workers", "2", "--venue", "none", timeout=90)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "OK: no window exceeded its limit" in out.stdout
    assert "after the first window" in out.stdout


def test_demo_on_a_shared_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    if not _store_supported(url):
        pytest.skip("open_store() does not accept sqlite:// URLs yet (stores/sqlite.py is being written)")
    out = run_cli("demo", "--seconds", "2", "--workers", "2", "--venue", "none", "--store", url, timeout=90)
    assert out.returncode == 0, out.stdout + out.stderr
