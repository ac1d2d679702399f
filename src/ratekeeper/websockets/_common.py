"""What every part of the package shares: its logger, the default post timeout and release
delay, argument checks, and a wait that ends early on an event."""

from __future__ import annotations

import asyncio
import logging
import math

from .._clock import Clock, clock_asleep

__all__ = [
    "DEFAULT_POST_TIMEOUT",
    "DEFAULT_RELEASE_DELAY",
    "check_seconds",
    "check_url",
    "log",
    "sleep_or_event",
]

log = logging.getLogger("ratekeeper.websockets")

DEFAULT_POST_TIMEOUT = 30.0
"""Seconds an unanswered post holds its in-flight slot."""
DEFAULT_RELEASE_DELAY = 0.5
"""Seconds an unsubscribed topic (and its user) still counts after the unsubscribe is sent:
the server may read it after a subscribe sent on another connection."""


def check_seconds(name: str, value: object, *, allow_none: bool = True, allow_zero: bool = True) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be {'None or ' if allow_none else ''}a finite number of seconds, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'} seconds, got {value!r}")
    return float(value)


def check_url(url: object) -> None:
    if not isinstance(url, str) or not url.lower().startswith(("ws://", "wss://")):
        raise ValueError(f"url must be a ws:// or wss:// URL, got {url!r}")


async def sleep_or_event(clock: Clock, seconds: float | None, event: asyncio.Event | None) -> None:
    """Wait ``seconds`` on ``clock`` (None: forever) or until ``event`` is set."""
    if event is None:
        if seconds is None:
            await asyncio.Event().wait()
        else:
            await clock_asleep(clock, seconds)
        return
    if event.is_set():
        return
    waiter = asyncio.ensure_future(event.wait())
    if seconds is None:
        try:
            await waiter
        finally:
            waiter.cancel()
        return
    sleeper = asyncio.ensure_future(clock_asleep(clock, seconds))
    try:
        await asyncio.wait({waiter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
        sleeper.cancel()
