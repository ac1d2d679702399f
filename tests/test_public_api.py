"""The public surface: __all__ complete and the contract names of DESIGN.md importable."""

from __future__ import annotations

import inspect
import subprocess
import sys

import ratekeeper as rk


def test_all_is_complete_and_importable() -> None:
    public = {n for n in dir(rk) if not n.startswith("_") and not inspect.ismodule(getattr(rk, n))}
    assert public - {"annotations"} <= set(rk.__all__) | {"TYPE_CHECKING", "Any"}
    for name in rk.__all__:
        assert hasattr(rk, name), name


def test_contract_names() -> None:
    for name in ("Limit", "Limiter", "AsyncLimiter", "RateLimited", "CostExceedsCapacity", "StoreUnavailable", "venue"):
        assert hasattr(rk, name)
    assert issubclass(rk.CostExceedsCapacity, ValueError)
    assert issubclass(rk.RateLimited, rk.RateKeeperError)
    assert issubclass(rk.StoreUnavailable, rk.RateKeeperError)
    sig = inspect.signature(rk.Limiter.acquire)
    assert list(sig.parameters)[1:] == ["cost", "timeout", "priority", "scope"]
    assert str(inspect.signature(rk.Limit)).startswith("(name: 'str', capacity: 'float', period: 'float', algorithm")


def test_errors_live_in_one_module_and_keep_their_old_homes() -> None:
    from ratekeeper import _errors, adapters, venues
    from ratekeeper import http as rkhttp
    from ratekeeper import requests as rkrequests

    for name in ("VenueRefused", "ActionRefused", "ActionOutcomeUnknown", "InvalidRequest", "UnsupportedVersion"):
        assert name in rk.__all__, name
        assert getattr(rk, name) is getattr(_errors, name)
        assert issubclass(getattr(rk, name), rk.RateKeeperError)
    assert venues.InvalidRequest is rk.InvalidRequest and issubclass(rk.InvalidRequest, ValueError)
    assert adapters.UnsupportedVersion is rk.UnsupportedVersion
    assert rkrequests.VenueRefused is rk.VenueRefused
    assert rk.Options is rkrequests.Options is rkhttp.Options and rk.RetryPolicy is rkhttp.RetryPolicy


def test_demo_runs_and_keeps_every_window() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ratekeeper.cli", "demo", "--seconds", "2", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "OK: no window exceeded its limit" in out.stdout
    assert "ip_weight" in out.stdout
