"""Clocks: where every limiter reads the time and how it waits for a moment to come.

Waiting is always for a computed moment: one sleep, one event wait with a timeout, or one
event-loop timer. Nothing here polls.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Protocol

__all__ = ["Clock", "SystemClock", "TimerHandle", "SYSTEM_CLOCK"]


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    """The time source and the way to wait for a moment of it.

    ``now()`` is monotonic seconds (intervals are measured with it); ``wall()`` is UNIX time
    (used only to align fixed windows with the server's clock).
    """

    def now(self) -> float: ...

    def wall(self) -> float: ...

    def wait(self, event: threading.Event, deadline: float | None) -> None:
        """Block the calling thread until ``event`` is set or ``now() >= deadline``."""
        ...

    def call_at(self, loop: asyncio.AbstractEventLoop, when: float, callback: Callable[[], None]) -> TimerHandle:
        """Run ``callback`` on ``loop`` once ``now() >= when``."""
        ...


class SystemClock:
    """The real clock: ``time.monotonic`` for intervals, ``time.time`` for alignment."""

    __slots__ = ()

    now = staticmethod(time.monotonic)
    wall = staticmethod(time.time)

    def wait(self, event: threading.Event, deadline: float | None) -> None:
        if deadline is None:
            event.wait()
            return
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or event.wait(remaining):
                return

    def call_at(self, loop: asyncio.AbstractEventLoop, when: float, callback: Callable[[], None]) -> TimerHandle:
        return loop.call_at(loop.time() + (when - time.monotonic()), callback)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


SYSTEM_CLOCK = SystemClock()


def clock_sleep(clock: Clock, seconds: float) -> None:
    """Sleep ``seconds`` on ``clock`` (a fake clock wakes the sleeper when it is advanced)."""
    if seconds <= 0:
        return
    clock.wait(threading.Event(), clock.now() + seconds)


async def clock_asleep(clock: Clock, seconds: float) -> None:
    """Await ``seconds`` on ``clock`` with one timer."""
    if seconds <= 0:
        return
    if isinstance(clock, SystemClock):
        await asyncio.sleep(seconds)
        return
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[None] = loop.create_future()

    def fire() -> None:
        if not fut.done():
            fut.set_result(None)

    handle = clock.call_at(loop, clock.now() + seconds, fire)
    try:
        await fut
    finally:
        handle.cancel()
