"""What the threaded router does differently from the asyncio one (see ``_aio.py``): the
store called directly, health checks run one after the other under the router's lock."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .._limits import Limit
    from ..stores import KeySnapshot, LeaseResult
    from ._pool import HealthCheck, Proxy

T = TypeVar("T")


def snapshot(store: Any, limits: Sequence[Limit]) -> list[KeySnapshot]:
    """``store.snapshot(limits)``."""
    out: list[KeySnapshot] = store.snapshot(limits)
    return out


def lease(
    store: Any, limit: Limit, scope: str | None, holder: str, units: float, ttl: float | None = None
) -> LeaseResult:
    """``store.lease(...)``."""
    args = (limit, scope, holder, units) if ttl is None else (limit, scope, holder, units, ttl)
    out: LeaseResult = store.lease(*args)
    return out


def leases(store: Any, limit: Limit, scope: str | None) -> dict[str, tuple[float, float]]:
    """``store.leases(...)``."""
    out: dict[str, tuple[float, float]] = store.leases(limit, scope)
    return out


def usable(check: HealthCheck) -> None:
    """Raise if ``check`` cannot run in this world: an async function needs an event loop."""
    if inspect.iscoroutinefunction(check):
        raise TypeError("the health_check is an async function: use it with the asyncio clients")


def healthy(check: HealthCheck, proxy: Proxy) -> bool:
    """Run a health-check function."""
    return bool(check(proxy))


def exclusive(lock: threading.Lock) -> AbstractContextManager[object]:
    """``lock``: one health check of a router at a time, whichever thread asks."""
    return lock


def run_checks(
    targets: Sequence[T],
    probe: Callable[[T], tuple[T, bool, str]],
    settle: Callable[[T, bool, str], None],
) -> None:
    """Probe and settle each target in turn."""
    for target in targets:
        settle(*probe(target))
