"""A clock that moves only when told, and wakes threads and asyncio tasks that wait on it."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import threading
import time
from collections.abc import Callable

__all__ = ["FakeClock"]


class _Timer:
    __slots__ = ("callback", "cancelled", "event", "loop", "seq", "when")

    def __init__(
        self,
        when: float,
        seq: int,
        event: threading.Event | None,
        loop: asyncio.AbstractEventLoop | None,
        callback: Callable[[], None] | None,
    ) -> None:
        self.when = when
        self.seq = seq
        self.event = event
        self.loop = loop
        self.callback = callback
        self.cancelled = False

    def __lt__(self, other: _Timer) -> bool:
        return (self.when, self.seq) < (other.when, other.seq)

    def cancel(self) -> None:
        self.cancelled = True

    def fire(self) -> None:
        if self.cancelled:
            return
        if self.event is not None:
            self.event.set()
        elif self.loop is not None and self.callback is not None:
            if self.loop.is_closed():
                return
            self.loop.call_soon_threadsafe(self._run)

    def _run(self) -> None:
        if not self.cancelled and self.callback is not None:
            self.callback()


async def _quiesce(limit: int) -> None:
    """Yield to the running loop until it has nothing ready to run (or ``limit`` rounds)."""
    loop = asyncio.get_running_loop()
    for _ in range(limit):
        await asyncio.sleep(0)
        ready = getattr(loop, "_ready", None)
        if ready is not None and not ready:
            # one more round: callbacks scheduled from other threads land on the next turn
            await asyncio.sleep(0)
            if not ready:
                return


class FakeClock:
    """A deterministic clock for tests.

    Time starts at ``start`` and moves only by :meth:`advance` (or :meth:`set`). Threads that
    wait on it (through a limiter) and asyncio timers scheduled on it fire when the time they
    wait for is reached, so timing tests never sleep::

        clock = FakeClock()
        limiter = rk.Limiter([rk.Limit("a", 1, 1.0)], clock=clock)
        limiter.acquire({"a": 1})          # admitted now
        t = threading.Thread(target=limiter.acquire, args=({"a": 1},)); t.start()
        clock.wait_for_sleepers(1)         # the thread is now waiting on the clock
        clock.advance(1.0)                 # ...and is admitted
    """

    def __init__(self, start: float = 1000.0, wall_offset: float = 1_700_000_000.0) -> None:
        self._now = float(start)
        self._wall_offset = float(wall_offset)
        self._timers: list[_Timer] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()

    # -- reading -----------------------------------------------------------------------

    def now(self) -> float:
        return self._now

    def wall(self) -> float:
        return self._now + self._wall_offset

    # -- moving ------------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``, firing every timer that falls due on the way."""
        if seconds < 0:
            raise ValueError(f"FakeClock.advance: seconds must be >= 0, got {seconds!r}")
        self.set(self._now + seconds)

    def set(self, now: float) -> None:
        """Move time to ``now`` (never backwards), firing every timer due by then, in order."""
        with self._cond:
            if now < self._now:
                raise ValueError(f"FakeClock.set: time cannot go back from {self._now} to {now}")
            due: list[_Timer] = []
            while self._timers and self._timers[0].when <= now:
                timer = heapq.heappop(self._timers)
                self._now = max(self._now, timer.when)
                due.append(timer)
            self._now = now
            self._cond.notify_all()
        for timer in due:
            timer.fire()

    async def advance_async(self, seconds: float, settle: int = 10_000) -> None:
        """Advance from one due timer to the next, letting the running event loop finish the
        work each wake-up causes (up to ``settle`` loop iterations) before going on, so chains
        of wake-ups that schedule new timers inside the interval are honoured."""
        target = self._now + seconds
        await _quiesce(settle)
        while True:
            with self._cond:
                live = [t.when for t in self._timers if not t.cancelled]
            nxt = min(live) if live else None
            if nxt is None or nxt > target:
                break
            self.set(max(nxt, self._now))
            await _quiesce(settle)
        self.set(target)
        await _quiesce(settle)

    # -- waiting (used by limiters) ----------------------------------------------------

    def wait(self, event: threading.Event, deadline: float | None) -> None:
        if deadline is None:
            event.wait()
            return
        with self._cond:
            if self._now >= deadline or event.is_set():
                return
            timer = _Timer(deadline, next(self._seq), event, None, None)
            heapq.heappush(self._timers, timer)
            self._cond.notify_all()
        event.wait()
        timer.cancel()
        with self._cond:
            if timer in self._timers:
                self._timers.remove(timer)
                heapq.heapify(self._timers)

    def call_at(self, loop: asyncio.AbstractEventLoop, when: float, callback: Callable[[], None]) -> _Timer:
        with self._cond:
            timer = _Timer(when, next(self._seq), None, loop, callback)
            if when <= self._now:
                loop.call_soon(timer._run)
            else:
                heapq.heappush(self._timers, timer)
                self._cond.notify_all()
        return timer

    # -- inspection for tests ------------------------------------------------------------

    def sleepers(self) -> int:
        """How many timers (sleeping threads and pending asyncio timers) are registered."""
        with self._cond:
            return sum(1 for t in self._timers if not t.cancelled)

    def next_deadline(self) -> float | None:
        with self._cond:
            live = [t.when for t in self._timers if not t.cancelled]
            return min(live) if live else None

    def wait_for_sleepers(self, n: int, timeout: float = 10.0) -> None:
        """Block (in real time, at most ``timeout`` s) until ``n`` timers are registered.

        Use it to know that worker threads have reached their wait before advancing.
        """
        end = time.monotonic() + timeout
        with self._cond:
            while sum(1 for t in self._timers if not t.cancelled) < n:
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"FakeClock: {n} sleepers expected, {len(self._timers)} registered")
                self._cond.wait(left)
