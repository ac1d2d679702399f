"""ccxt (the real package), sync and async, talking to the mock venue through ratekeeper:
ccxt's throttler off, each call charged by the venue's rules (Hyperliquid, Binance) or by
ccxt's declared cost, response headers folded back in, one budget shared by processes."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

import ratekeeper as rk
from ratekeeper import ActionRefused
from ratekeeper.adapters import UnsupportedVersion, check_version, parse_version
from ratekeeper.testing import MockVenue, unique_prefix


def _need(module: str) -> Any:
    """The module, or a skip (locally) / a failure (CI=true) naming what is missing."""
    try:
        return pytest.importorskip(module)
    except pytest.skip.Exception:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{module} is not installed (CI=true: a missing test dependency is a failure)")
        raise


ccxt = _need("ccxt")
accxt = _need("ccxt.async_support")

from ratekeeper.adapters import ccxt as rkccxt  # noqa: E402

CTX = multiprocessing.get_context("spawn")
WALLET = "0x" + "ab" * 20
KEY = "0x" + "11" * 32  # a throwaway private key: ccxt signs locally, the mock does not check
PERP = "BTC/USDC:USDC"


def hyperliquid(url: str, module: Any = None, **config: Any) -> Any:
    """A ccxt hyperliquid pointed at the mock venue."""
    ex = (module or ccxt).hyperliquid({"walletAddress": WALLET, "privateKey": KEY, **config})
    ex.urls["api"] = {"public": url, "private": url}
    return ex


def binance(url: str, module: Any = None, **config: Any) -> Any:
    """A ccxt binance (spot markets only) with dummy keys, every API URL pointed at the mock."""
    options = {"fetchMarkets": ["spot"], "fetchCurrencies": False, "fetchMargins": False}
    ex = (module or ccxt).binance({"apiKey": "k" * 64, "secret": "s" * 64, "options": options, **config})
    for name, value in list(ex.urls["api"].items()):
        ex.urls["api"][name] = url + urlsplit(value).path
    return ex


def used(stats: Any, limit: str, scope: str | None = None) -> float:
    return float(sum(s.used for s in stats if s.limit == limit and (scope is None or s.scope == scope)))


def stat(stats: Any, limit: str, scope: str | None = None) -> rk.LimitStatistics:
    found: list[rk.LimitStatistics] = [s for s in stats if s.limit == limit and (scope is None or s.scope == scope)]
    assert len(found) == 1, (limit, scope, stats)
    return found[0]


def charged(mock: MockVenue) -> float:
    return sum(mock.stats.weight_by_ip.values())


@pytest.fixture
def hl_mock() -> Iterator[MockVenue]:
    with MockVenue("hyperliquid") as m:
        yield m


@pytest.fixture
def bn_mock() -> Iterator[MockVenue]:
    with MockVenue("binance") as m:
        yield m


# --------------------------------------------------------------------------------------------
# ccxt's throttler is off


def test_the_throttle_no_longer_waits_and_rate_limiting_stays_enabled(hl_mock: MockVenue) -> None:
    ex = rkccxt.limit(hyperliquid(hl_mock.url, enableRateLimit=False))
    assert ex.enableRateLimit is True  # ccxt computes each call's cost and hands it over
    started = time.monotonic()
    ex.throttle(10**6)  # ccxt would sleep 10**6 * 50 ms
    assert time.monotonic() - started < 0.5


# --------------------------------------------------------------------------------------------
# Hyperliquid


def test_hyperliquid_sync_calls_are_charged_by_the_venue_rules(hl_mock: MockVenue) -> None:
    ex = rkccxt.limit(hyperliquid(hl_mock.url))
    ex.load_markets()
    book = ex.fetch_order_book(PERP)
    assert book["bids"] and book["asks"]
    assert len(ex.fetch_ohlcv(PERP, "1m", limit=120)) > 0
    assert len(ex.fetch_my_trades()) == 100
    assert ex.fetch_balance()["total"]["USDC"] == 10_000.0
    order = ex.create_order(PERP, "limit", "buy", 0.001, 60_000)
    ex.cancel_order(order["id"], PERP)

    stats = rkccxt.limiter_of(ex).statistics()
    assert hl_mock.stats.rejected_429 == 0
    # every request weighed by the rules and settled with what it returned: the venue's ledger
    assert used(stats, "ip_weight") == charged(hl_mock)
    # ccxt charges userFills 10 and ignores the 100 fills; the venue charged 20 + 5
    assert hl_mock.stats.requests_by_type["info:userFills"] == 1
    wallet = WALLET.lower()
    actions = hl_mock.stats.requests_by_type
    n_actions = sum(n for kind, n in actions.items() if kind.startswith("exchange:") and kind != "exchange:cancel")
    assert used(stats, "address_actions", wallet) == n_actions
    assert used(stats, "address_cancels", wallet) == n_actions + 1
    assert used(stats, "ccxt:hyperliquid") == 0  # nothing fell back to ccxt's costs


def test_hyperliquid_async_calls_are_charged_by_the_venue_rules(hl_mock: MockVenue) -> None:
    async def main() -> tuple[Any, float]:
        ex = rkccxt.limit(hyperliquid(hl_mock.url, accxt))
        try:
            await ex.load_markets()
            results = await asyncio.gather(
                ex.fetch_order_book(PERP), ex.fetch_order_book("ETH/USDC:USDC"), ex.fetch_my_trades()
            )
            assert results[0]["bids"] and len(results[2]) == 100
            order = await ex.create_order(PERP, "limit", "buy", 0.001, 60_000)
            await ex.cancel_order(order["id"], PERP)
            stats = await rkccxt.limiter_of(ex).statistics()
            return stats, charged(hl_mock)
        finally:
            await ex.close()

    stats, venue_charged = asyncio.run(main())
    assert hl_mock.stats.rejected_429 == 0
    assert used(stats, "ip_weight") == venue_charged
    assert used(stats, "address_cancels", WALLET.lower()) >= 2


def test_an_address_limit_refusal_surfaces_as_ccxt_rate_limit_exceeded() -> None:
    # recent ccxt versions also approve a builder fee and set a referrer before the first order
    with MockVenue("hyperliquid", address_initial=3) as mock:
        ex = rkccxt.limit(hyperliquid(mock.url))
        ex.load_markets()
        with pytest.raises(ccxt.RateLimitExceeded) as raised:
            for _ in range(5):
                ex.create_order(PERP, "limit", "buy", 0.001, 60_000)
        cause = raised.value.__cause__
        assert isinstance(cause, ActionRefused) and cause.limit == "address_actions"
        assert mock.stats.errors_by_kind["address_quota"] == 1
        stats = rkccxt.limiter_of(ex).statistics()
        assert stat(stats, "address_actions", WALLET.lower()).blocked_for > 0


# --------------------------------------------------------------------------------------------
# Binance


def test_binance_sync_public_and_signed_calls(bn_mock: MockVenue) -> None:
    ex = rkccxt.limit(binance(bn_mock.url))
    ex.load_markets()
    assert ex.fetch_order_book("BTC/USDT", limit=500)["bids"]  # weight 25 at limit 500
    assert len(ex.fetch_ohlcv("BTC/USDT", "1m", limit=10)) == 10
    assert ex.fetch_ticker("BTC/USDT")["last"] > 0
    assert ex.fetch_balance()["total"]["USDT"] > 0  # signed with the dummy key
    order = ex.create_order("BTC/USDT", "limit", "buy", 0.001, 60_000)
    ex.cancel_order(order["id"], "BTC/USDT")

    stats = rkccxt.limiter_of(ex).statistics()
    assert bn_mock.stats.rejected == 0
    assert used(stats, "request_weight") == charged(bn_mock) == 20 + 25 + 2 + 2 + 20
    account = [s.scope for s in stats if s.limit == "orders_10s"]
    assert len(account) == 1 and account[0] is not None and account[0].startswith("key:")
    assert "k" * 16 not in account[0]  # a digest of the API key, not the key
    assert used(stats, "orders_10s") == 1


def test_binance_used_weight_headers_sync_the_store() -> None:
    # The mock's minute windows are aligned to its clock: a frozen one keeps both requests in
    # one window (with the real clock, a run that straddled a minute saw the header restart).
    with MockVenue("binance", clock=lambda: 1_700_000_030.0) as bn_mock:
        ex = rkccxt.limit(binance(bn_mock.url))
        # another client on this IP spends 250 without ratekeeper knowing
        requests.get(bn_mock.url + "/api/v3/depth?symbol=BTCUSDT&limit=5000", timeout=5)
        ex.fetch_time()
        stats = rkccxt.limiter_of(ex).statistics()
    assert stat(stats, "request_weight").used >= 250 + 1  # X-MBX-USED-WEIGHT-1M told us


def test_binance_async_calls(bn_mock: MockVenue) -> None:
    async def main() -> Any:
        ex = rkccxt.limit(binance(bn_mock.url, accxt))
        try:
            await ex.load_markets()
            await asyncio.gather(*(ex.fetch_order_book("ETH/USDT", limit=100) for _ in range(5)))
            await ex.fetch_balance()
            return await rkccxt.limiter_of(ex).statistics()
        finally:
            await ex.close()

    stats = asyncio.run(main())
    assert bn_mock.stats.rejected == 0
    assert used(stats, "request_weight") == charged(bn_mock) == 20 + 5 * 5 + 20


# --------------------------------------------------------------------------------------------
# no rules: ccxt's declared costs


def test_without_rules_ccxt_costs_fill_a_token_bucket_at_ccxts_rate(bn_mock: MockVenue) -> None:
    ex = rkccxt.limit(binance(bn_mock.url), venue=False)
    assert rkccxt.gate_of(ex) is None
    bucket = rkccxt.ccxt_bucket(ex)
    assert bucket.name == "ccxt:binance" and bucket.algorithm == "token"
    assert bucket.capacity / bucket.period == pytest.approx(1000 / ex.rateLimit)  # ccxt's refill rate
    ex.load_markets()  # exchangeInfo: ccxt declares cost 4 (binance weight 20)
    ex.fetch_order_book("BTC/USDT", limit=100)  # depth 100: ccxt declares 1 (binance weight 5)
    stats = rkccxt.limiter_of(ex).statistics()
    assert [s.limit for s in stats] == ["ccxt:binance"]
    assert bn_mock.stats.rejected == 0


def test_a_429_without_rules_blocks_the_ccxt_bucket_for_retry_after() -> None:
    with MockVenue("binance", weight_limit=30) as mock:
        ex = rkccxt.limit(binance(mock.url), venue=False)
        ex.load_markets()  # weight 20 of 30
        with pytest.raises((ccxt.RateLimitExceeded, ccxt.DDoSProtection)):  # ccxt's binance says DDoSProtection
            ex.fetch_order_book("BTC/USDT", limit=500)  # weight 25: 429, Retry-After
        blocked = stat(rkccxt.limiter_of(ex).statistics(), "ccxt:binance")
        assert blocked.blocked_for > 0.5


def test_a_cost_above_the_bucket_is_spent_in_parts() -> None:
    assert rkccxt._chunks(50.0, 20.0) == [50 / 3] * 3
    assert rkccxt._chunks(20.0, 20.0) == [20.0]
    assert rkccxt._chunks(0.0, 20.0) == []


# --------------------------------------------------------------------------------------------
# processes sharing one budget


def _process(url: str, store: str, period: float, seconds: float, ready: Any, go: Any, out: Any) -> None:
    import ccxt as ccxt_

    from ratekeeper.adapters.ccxt import limit

    ex = ccxt_.hyperliquid({"walletAddress": WALLET, "privateKey": KEY})
    ex.urls["api"] = {"public": url, "private": url}
    limit(ex, store=store, venue=rk.venue("hyperliquid", ip_weight=(1200, period)))
    ex.load_markets()
    ready.put(True)
    start_at: float = go.get(timeout=60)
    time.sleep(max(0.0, start_at - time.time()))
    calls = errors = 0
    while time.time() < start_at + seconds:  # every process stops at the same moment
        try:
            ex.fetch_order_book(PERP)
            ex.fetch_funding_rate_history(PERP, limit=20)
            calls += 2
        except Exception:
            errors += 1
    out.put((calls, errors))


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_processes_running_ccxt_share_one_budget(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    period, seconds, n = 1.0, 3.0, 3
    if kind == "sqlite":
        store = f"sqlite:///{tmp_path / 'ccxt.db'}"
    else:
        redis_url: str = request.getfixturevalue("redis_url")
        store = f"{redis_url}?prefix={unique_prefix()}"
    with MockVenue("hyperliquid", period=period) as mock:
        ready: Any = CTX.Queue()
        go: Any = CTX.Queue()
        out: Any = CTX.Queue()
        args = (mock.url, store, period, seconds, ready, go, out)
        procs = [CTX.Process(target=_process, args=args) for _ in range(n)]
        for p in procs:
            p.start()
        for _ in procs:
            ready.get(timeout=60)  # every child has imported ccxt and loaded its markets
        start_at = time.time() + 0.3
        for _ in procs:
            go.put(start_at)
        time.sleep(max(0.0, start_at - 0.02 - time.time()))
        mock.reset()
        results = [out.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(10)
        stats = mock.stats
    assert all(errors == 0 for _calls, errors in results), results
    assert all(calls > 0 for calls, _errors in results), results  # nobody starved
    assert stats.rejected_429 == 0, stats
    assert stats.max_window_weight_by_ip["127.0.0.1"] <= 1200, stats
    assert stats.share_of(seconds) >= 0.8, (stats.share_of(seconds), stats)


# --------------------------------------------------------------------------------------------
# guards and versions


def test_limit_refuses_what_it_cannot_limit(hl_mock: MockVenue) -> None:
    ex = rkccxt.limit(hyperliquid(hl_mock.url))
    with pytest.raises(ValueError, match="already rate limited"):
        rkccxt.limit(ex)
    with pytest.raises(TypeError, match="ccxt exchange"):
        rkccxt.limit(object())
    with pytest.raises(ValueError, match="not rate limited"):
        rkccxt.limiter_of(hyperliquid(hl_mock.url))
    other = ccxt.bitstamp()
    rkccxt.limit(other)  # no rules here: ccxt's declared costs, nothing sent
    assert rkccxt.gate_of(other) is None
    with pytest.raises(ValueError, match="base_url"):
        rkccxt.limit(ccxt.bitstamp(), venue="bybit")


def test_the_installed_ccxt_is_a_supported_version() -> None:
    parsed = parse_version(ccxt.__version__)
    assert parsed is not None and rkccxt.MINIMUM <= parsed < rkccxt.BELOW


@pytest.mark.parametrize("version", ["4.3.99", "4.6.0", "5.0.0", None])
def test_untested_ccxt_versions_are_refused_unless_allowed(version: str | None) -> None:
    with pytest.raises(UnsupportedVersion) as refused:
        check_version("ccxt", version, rkccxt.MINIMUM, rkccxt.BELOW)
    assert refused.value.supported == rkccxt.SUPPORTED
    check_version("ccxt", version, rkccxt.MINIMUM, rkccxt.BELOW, allow_untested=True)


def test_a_missing_client_names_the_extra_to_install() -> None:
    code = "import sys; sys.modules['ccxt'] = None; import ratekeeper.adapters.ccxt"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "pip install 'ratekeeper[ccxt]'" in out.stderr
