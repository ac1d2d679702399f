"""How idempotent reads are tried again: :class:`RetryPolicy`, an immutable value."""

from __future__ import annotations

import dataclasses
import math
import random
from dataclasses import dataclass
from typing import Any

__all__ = ["RETRYABLE_STATUSES", "RetryPolicy"]

RETRYABLE_STATUSES: frozenset[int] = frozenset({418, 429, 500, 502, 503, 504})
"""Statuses after which an idempotent read is tried again: rate limits, bans and server errors."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How idempotent reads are tried again. An immutable value; change it with
    :func:`dataclasses.replace` or :meth:`with_`.

    * ``attempts`` — tries in all, the first included (1: never retry);
    * ``backoff`` — the base delay: retry ``k`` waits a random time in
      ``[0, min(backoff_max, backoff * 2**(k-1))]`` ("full jitter");
    * ``backoff_max`` — the cap of that exponential;
    * ``jitter`` — ``False`` waits the whole exponential delay (deterministic);
    * ``max_retry_after`` — a server block (``Retry-After``, a ban, the venue's default wait)
      longer than this is not waited for: the response is returned as it is. Shorter blocks
      are honoured by the limiter itself: the block lands in the store and the retry's
      ``acquire`` waits for it, like every other request sharing that store;
    * ``statuses`` — statuses that are retried (a rate-limit or ban signal in the body, such
      as Bybit's retCode 10006, is retried too);
    * ``connection_errors`` — retry reads after a connection error or timeout.

    Actions (orders, cancels, transfers) are never retried, whatever this says.
    """

    attempts: int = 4
    backoff: float = 0.25
    backoff_max: float = 8.0
    jitter: bool = True
    max_retry_after: float = 60.0
    statuses: frozenset[int] = RETRYABLE_STATUSES
    connection_errors: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.attempts, bool) or not isinstance(self.attempts, int) or self.attempts < 1:
            raise ValueError(f"RetryPolicy: attempts must be an int >= 1, got {self.attempts!r}")
        for name in ("backoff", "backoff_max", "max_retry_after"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or value < 0:
                raise ValueError(f"RetryPolicy: {name} must be a number >= 0, got {value!r}")
        object.__setattr__(self, "statuses", frozenset(int(s) for s in self.statuses))

    @classmethod
    def never(cls) -> RetryPolicy:
        """A policy that tries once: every answer is returned (or raised) as it comes."""
        return cls(attempts=1)

    def with_(self, **changes: Any) -> RetryPolicy:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def backoff_for(self, retry: int, rng: random.Random | None = None) -> float:
        """The delay before retry number ``retry`` (1 is the first retry)."""
        if retry < 1:
            return 0.0
        ceiling = min(self.backoff_max, self.backoff * 2.0 ** min(retry - 1, 64))
        if not self.jitter or ceiling <= 0:
            return ceiling
        return (rng if rng is not None else random).uniform(0.0, ceiling)

    def retries_status(self, status: int) -> bool:
        return status in self.statuses
