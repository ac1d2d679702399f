"""What the asyncio router does differently from the threaded one, in one place: the store
reached without blocking the loop, health checks run concurrently (a plain function in a
thread), no lock (the router's asyncio side belongs to one event loop). The threaded twin is
``_io.py``; ``scripts/unasync.py`` rewrites ``_aio`` to ``_io`` in the generated router."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, TypeVar

from ..stores import _base

if TYPE_CHECKING:
    from .._limits import Limit
    from ..stores import KeySnapshot, LeaseResult
    from ._pool import HealthCheck, Proxy

T = TypeVar("T")


async def snapshot(store: Any, limits: Sequence[Limit]) -> list[KeySnapshot]:
    """``store.snapshot(limits)``: the async store's own method, the in-process store directly,
    any other in a thread."""
    return await _base.asnapshot(store, limits)


async def lease(
    store: Any, limit: Limit, scope: str | None, holder: str, units: float, ttl: float | None = None
) -> LeaseResult:
    """``store.lease(...)`` the asyncio way (see :func:`snapshot`)."""
    return await _base.alease(store, limit, scope, holder, units, ttl)


async def leases(store: Any, limit: Limit, scope: str | None) -> dict[str, tuple[float, float]]:
    """``store.leases(...)`` the asyncio way (see :func:`snapshot`)."""
    return await _base.aleases(store, limit, scope)


def usable(check: HealthCheck) -> None:
    """Raise if ``check`` cannot run in this world (every health check can with asyncio)."""


async def healthy(check: HealthCheck, proxy: Proxy) -> bool:
    """Run a health-check function: awaited if async, else in a thread."""
    if inspect.iscoroutinefunction(check):
        return bool(await check(proxy))
    return bool(await asyncio.to_thread(check, proxy))


def exclusive(lock: threading.Lock) -> AbstractAsyncContextManager[object]:
    """No lock: the asyncio side of a router belongs to one event loop (the threads' ``lock``
    is not taken)."""
    return contextlib.nullcontext()


async def run_checks(
    targets: Sequence[T],
    probe: Callable[[T], Awaitable[tuple[T, bool, str]]],
    settle: Callable[[T, bool, str], Awaitable[None]],
) -> None:
    """Probe every target at once, then settle each result in the targets' order."""
    for target, ok, why in await asyncio.gather(*(probe(t) for t in targets)):
        await settle(target, ok, why)
