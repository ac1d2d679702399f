"""ratekeeper.metrics: Prometheus export of waits, budgets and HTTP outcomes; JSON logs."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import threading
from pathlib import Path

import pytest

import ratekeeper as rk
from ratekeeper.metrics import JsonFormatter, Metrics, statistics_now
from ratekeeper.stores.sqlite import SQLiteStore
from ratekeeper.testing import FakeClock

pytest.importorskip("prometheus_client", reason="the metrics extra is not installed")

from prometheus_client import CollectorRegistry, generate_latest


def _value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def test_acquire_waits_are_observed() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    clock = FakeClock()
    limiter = metrics.instrument(rk.Limiter([rk.Limit("a", 1, 1.0)], clock=clock), name="hl")
    limiter.acquire({"a": 1})  # admitted at once
    waiter = threading.Thread(target=limiter.acquire, args=({"a": 1},))
    waiter.start()
    clock.wait_for_sleepers(1)
    clock.advance(1.0)
    waiter.join(10)
    assert _value(registry, "ratekeeper_acquire_wait_seconds_count", limiter="hl") == 2
    assert _value(registry, "ratekeeper_acquire_wait_seconds_sum", limiter="hl") == pytest.approx(1.0)
    # the 0 bucket counts the acquisition that did not wait
    assert _value(registry, "ratekeeper_acquire_wait_seconds_bucket", limiter="hl", le="0.0") == 1


def test_timeouts_are_counted_and_reraised() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    limiter = metrics.instrument(rk.Limiter([rk.Limit("a", 1, 60.0)], clock=FakeClock()), name="x")
    limiter.acquire({"a": 1})
    with pytest.raises(rk.RateLimited):
        limiter.acquire({"a": 1}, timeout=0.5)
    assert _value(registry, "ratekeeper_acquire_timeouts_total", limiter="x", limit="a") == 1


def test_budget_gauges_are_read_at_scrape_time() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    limiter = rk.Limiter([rk.Limit("w", 100, 10.0, scope="ip")], clock=FakeClock(), margin=0.1)
    metrics.watch(limiter, "hl")
    limiter.acquire({"w": 30}, scope={"ip": "1.2.3.4"})
    labels = {"limiter": "hl", "limit": "w", "scope": "1.2.3.4"}
    assert _value(registry, "ratekeeper_budget_used", **labels) == 30
    assert _value(registry, "ratekeeper_budget_available", **labels) == 70
    assert _value(registry, "ratekeeper_budget_capacity", **labels) == 100
    limiter.acquire({"w": 20}, scope={"ip": "1.2.3.4"})
    assert _value(registry, "ratekeeper_budget_used", **labels) == 50  # live, not cached
    limiter.observe([rk.Observation("w", scope="1.2.3.4", blocked_for=30.0)])
    assert _value(registry, "ratekeeper_budget_blocked_seconds", **labels) == pytest.approx(30.0)
    assert _value(registry, "ratekeeper_budget_margin_seconds", **labels) == pytest.approx(0.1)
    limiter.set_margin(0.25)  # as an integration's measured margin moves
    assert _value(registry, "ratekeeper_budget_margin_seconds", **labels) == pytest.approx(0.25)


def test_many_scopes_are_folded() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry, max_scopes=2)
    limiter = rk.Limiter([rk.Limit("w", 10, 10.0, scope="address")], clock=FakeClock())
    metrics.watch(limiter, "hl")
    for i in range(5):
        limiter.acquire({"w": 1}, scope=f"0x{i}")
    text = generate_latest(registry).decode()
    used = [line for line in text.splitlines() if line.startswith("ratekeeper_budget_used{")]
    assert len(used) == 3
    assert _value(registry, "ratekeeper_budget_used", limiter="hl", limit="w", scope="(other)") == 3


def test_async_limiter() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    limiter = metrics.instrument(rk.AsyncLimiter([rk.Limit("a", 5, 1.0)]), name="aio")

    async def spend() -> None:
        for _ in range(3):
            await limiter.acquire({"a": 1})

    asyncio.run(spend())
    assert _value(registry, "ratekeeper_acquire_wait_seconds_count", limiter="aio") == 3
    assert _value(registry, "ratekeeper_budget_used", limiter="aio", limit="a", scope="") == 3
    assert [s.used for s in statistics_now(limiter)] == [3]


def test_only_the_instrumented_limiter_changes() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    plain = rk.Limiter([rk.Limit("a", 5, 1.0)])
    watched = metrics.instrument(rk.Limiter([rk.Limit("a", 5, 1.0)]))
    assert "acquire" not in vars(plain)
    assert "acquire" in vars(watched)
    assert metrics.instrument(watched) is watched  # twice is harmless: still one wrapper
    watched.acquire({"a": 1})
    assert _value(registry, "ratekeeper_acquire_wait_seconds_count", limiter="default") == 1
    metrics.uninstrument(watched)
    assert "acquire" not in vars(watched)
    watched.acquire({"a": 1})
    assert _value(registry, "ratekeeper_acquire_wait_seconds_count", limiter="default") == 1


def test_http_outcome_counters() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    metrics.record_response("hyperliquid", 200)
    metrics.record_response("hyperliquid", 429)
    metrics.record_response("binance", 418, banned=True)
    metrics.record_retry("hyperliquid", "429")
    metrics.record_store_error("redis", ConnectionError("gone"))
    metrics.record_store_error("redis", "timeout")
    assert _value(registry, "ratekeeper_http_429_total", venue="hyperliquid") == 1
    assert _value(registry, "ratekeeper_bans_total", venue="binance", status="418") == 1
    assert _value(registry, "ratekeeper_retries_total", venue="hyperliquid", reason="429") == 1
    assert _value(registry, "ratekeeper_store_errors_total", store="redis", error="ConnectionError") == 1
    assert _value(registry, "ratekeeper_store_errors_total", store="redis", error="timeout") == 1


def test_a_failing_store_does_not_fail_the_scrape() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    limiter = rk.Limiter([rk.Limit("a", 5, 1.0)])

    def broken(limits: object) -> list[object]:
        raise rk.StoreUnavailable("down")

    limiter.store.snapshot = broken  # type: ignore[method-assign,assignment]
    metrics.watch(limiter, "hl")
    generate_latest(registry)
    assert _value(registry, "ratekeeper_store_errors_total", store="MemoryStore", error="StoreUnavailable") == 1


def test_missing_extra_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "prometheus_client", None)
    with pytest.raises(ImportError, match=r"ratekeeper\[metrics\]"):
        Metrics()


def test_json_formatter_keeps_extra_fields() -> None:
    record = logging.LogRecord("ratekeeper.http", logging.WARNING, __file__, 1, "answered %d", (429,), None)
    record.venue = "hyperliquid"
    record.attempt = 2
    record.delay = float("inf")
    out = json.loads(JsonFormatter().format(record))
    assert out["message"] == "answered 429"
    assert out["logger"] == "ratekeeper.http"
    assert out["level"] == "WARNING"
    assert out["venue"] == "hyperliquid"
    assert out["attempt"] == 2
    assert out["delay"] == "inf"


def test_a_store_that_lost_its_state_is_shown(tmp_path: Path) -> None:
    """The time a shared store found its state lost, for an alert on its change."""
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    clock = FakeClock()
    path = tmp_path / "budgets.db"
    limiter = rk.Limiter([rk.Limit("w", 5, 10.0)], store=SQLiteStore(path, clock=clock), clock=clock)
    metrics.watch(limiter, "hl")
    limiter.acquire({"w": 5})
    assert _value(registry, "ratekeeper_store_lost_at_seconds", limiter="hl") is None
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    assert not limiter.try_acquire({"w": 1})  # the file is gone: the budget is taken as full
    assert _value(registry, "ratekeeper_store_lost_at_seconds", limiter="hl") == clock.wall()
    limiter.close()
