"""Reconnection: :class:`Reconnecting` opens connections one after another, waiting a capped
exponential :class:`Backoff` with full jitter between failed or short-lived ones. (The
module-level :func:`~ratekeeper.websockets.reconnecting` that builds one over the shared limiter
is in ``_open``.)"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING

from .._clock import Clock, clock_asleep
from ._common import check_seconds, log
from ._library import ConnectionClosed, InvalidHandshake, InvalidStatus

if TYPE_CHECKING:
    from ._connection import Connection

__all__ = ["Backoff", "Reconnecting"]


@dataclass(frozen=True, slots=True)
class Backoff:
    """How :func:`reconnecting` waits between attempts: capped exponential with full jitter.

    Attempt ``k`` (1 for the first retry) waits a random time in
    ``[0, min(cap, base * 2**(k-1))]`` (the whole ceiling when ``jitter`` is false). After a
    connection that stayed open ``stable_after`` seconds, the next attempt counts as the first
    again (a random wait up to ``base``, so a server that drops everyone is not hit by all its
    clients at once). ``attempts``:
    consecutive failed attempts before giving up (``None``: never). The new-connection rate
    and the connection count are waited for on top, as for every connection.
    """

    base: float = 0.5
    cap: float = 30.0
    jitter: bool = True
    stable_after: float = 30.0
    attempts: int | None = None

    def __post_init__(self) -> None:
        check_seconds("Backoff.base", self.base, allow_none=False)
        check_seconds("Backoff.cap", self.cap, allow_none=False)
        check_seconds("Backoff.stable_after", self.stable_after, allow_none=False)
        if self.attempts is not None and (
            isinstance(self.attempts, bool) or not isinstance(self.attempts, int) or self.attempts < 1
        ):
            raise ValueError(f"Backoff.attempts must be None or an int >= 1, got {self.attempts!r}")

    def delay(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Seconds to wait before retry number ``attempt`` (0: none)."""
        if attempt <= 0:
            return 0.0
        ceiling = min(self.cap, self.base * 2.0 ** min(attempt - 1, 64))
        return ceiling * rng() if self.jitter else ceiling


_RETRYABLE = (OSError, asyncio.TimeoutError, InvalidHandshake, ConnectionClosed)


class Reconnecting:
    """Connections opened one after another: ``async for ws in reconnecting(url, ...)``.

    Asking for the next connection closes the previous one (if still open) and opens a new
    one, after a capped exponential backoff with full jitter (:class:`Backoff`) when the
    previous attempt failed or the previous connection did not stay open ``stable_after``
    seconds, and within the connection count and the new-connection rate like every
    connection. A failed attempt (network error, refused handshake, ``Retry-After`` of a
    refusal honoured) is retried; ``Backoff.attempts`` consecutive failures raise the last
    error. Errors of ratekeeper's own (a ``RateLimited`` after ``timeout``) are raised.
    Re-subscribing is the caller's: do it at the top of the loop body. ``aclose()`` (or
    ``async with``) closes the current connection.
    """

    def __init__(
        self,
        opener: Callable[[], Awaitable[Connection]],
        backoff: Backoff,
        clock: Clock,
        rng: Callable[[], float],
        on_close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        if not isinstance(backoff, Backoff):
            raise TypeError(f"backoff must be a Backoff, got {type(backoff).__name__}")
        self._opener = opener
        self._backoff = backoff
        self._clock = clock
        self._rng = rng
        self._on_close = on_close
        self._current: Connection | None = None
        self._opened_at = 0.0
        self._failures = 0
        self._failed_opens = 0
        self._done = False
        self.attempts = 0
        """Connection attempts made so far."""

    def __aiter__(self) -> Reconnecting:
        return self

    async def __anext__(self) -> Connection:
        if self._done:
            raise StopAsyncIteration
        clock = self._clock
        delay_after = 0.0
        prev = self._current
        if prev is not None:
            self._current = None
            await prev.close()
            lived = clock.now() - self._opened_at
            self._failures = 1 if lived >= self._backoff.stable_after else self._failures + 1
        while True:
            delay = max(self._backoff.delay(self._failures, self._rng), delay_after)
            if delay > 0:
                log.debug("reconnecting in %.3f s (attempt %d)", delay, self._failures)
                await clock_asleep(clock, delay)
            self.attempts += 1
            try:
                conn = await self._opener()
            except _RETRYABLE as exc:
                self._failures += 1
                self._failed_opens += 1
                limit = self._backoff.attempts
                if limit is not None and self._failed_opens >= limit:
                    self._done = True
                    raise
                delay_after = _retry_after(exc)
                log.info("connection attempt failed (%s); retrying", exc)
                continue
            except BaseException:
                self._done = True
                raise
            self._current = conn
            self._opened_at = clock.now()
            self._failed_opens = 0
            return conn

    async def aclose(self) -> None:
        """Close the current connection; the iteration ends."""
        self._done = True
        conn, self._current = self._current, None
        try:
            if conn is not None:
                await conn.close()
        finally:
            if self._on_close is not None:
                on_close, self._on_close = self._on_close, None
                await on_close()

    async def __aenter__(self) -> Reconnecting:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def _retry_after(exc: BaseException) -> float:
    """The ``Retry-After`` seconds of a refused handshake (0 if none)."""
    if isinstance(exc, InvalidStatus):
        value = exc.response.headers.get("Retry-After")
        if value is not None:
            try:
                seconds = float(value)
            except ValueError:
                return 0.0
            if math.isfinite(seconds) and seconds > 0:
                return min(seconds, 3600.0)
    return 0.0
