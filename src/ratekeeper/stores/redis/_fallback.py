"""Limiting on while Redis is away: a local store at a fraction of each budget.

With ``fallback=<fraction>`` a store that cannot reach Redis switches to a
:class:`~ratekeeper.stores.MemoryStore` whose limits are scaled to that share of their
capacity, tries Redis again every ``retry_interval`` seconds (one caller probes, the others
keep deciding locally meanwhile), and goes back as soon as it answers. Without it the store
fails closed: :class:`~ratekeeper.StoreUnavailable`.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
import time
from collections.abc import Sequence

from ... import _algorithms as algo
from ..._clock import SystemClock
from ..._errors import StoreError, StoreUnavailable
from ..._limits import Limit
from .._base import Item, LeaseResult, WallClock
from ..memory import MemoryStore

log = logging.getLogger("ratekeeper.stores.redis")


class FallbackClock(SystemClock):
    """The local store's clock while Redis is away: the base time shifted below zero, so a
    refund can tell a local booking (negative time) from one Redis made (UNIX time)."""

    __slots__ = ("_base",)
    SHIFT = 1e10

    def __init__(self, base: WallClock | None) -> None:
        self._base = base

    def now(self) -> float:
        return (time.monotonic() if self._base is None else self._base.wall()) - self.SHIFT

    def wall(self) -> float:
        return time.time() if self._base is None else self._base.wall()


def check_fraction(fallback: float | None) -> float | None:
    if fallback is None:
        return None
    if isinstance(fallback, bool) or not isinstance(fallback, (int, float)) or not (0.0 < fallback <= 1.0):
        raise ValueError(f"fallback must be None or a fraction in (0, 1], got {fallback!r}")
    return float(fallback)


def stay(placed: Sequence[float]) -> algo.Decision:
    """A rebooking that moved nothing: the booking stays where it is."""
    return algo.Decision(max(placed), math.nan, False, 0, tuple(placed))


def split(items: Sequence[Item], placed: Sequence[float]) -> tuple[list[Item], list[float], list[Item], list[float]]:
    """(items booked in Redis, their times, items booked locally, their times)."""
    ri: list[Item] = []
    rp: list[float] = []
    li: list[Item] = []
    lp: list[float] = []
    for item, at in zip(items, placed, strict=True):
        if at < 0:
            li.append(item)
            lp.append(at)
        else:
            ri.append(item)
            rp.append(at)
    return ri, rp, li, lp


class Fallback:
    """The fallback switch of a Redis store (a mixin: the store sets these attributes)."""

    where: str
    _clock: WallClock | None
    _fraction: float | None
    _retry_interval: float
    _retry_at: float
    _fallback: MemoryStore | None
    _scaled: dict[str, tuple[Limit, Limit]]
    _switch: threading.Lock

    def _init_fallback(self, clock: WallClock | None, fallback: float | None, retry_interval: float) -> None:
        self._clock = clock
        self._fraction = check_fraction(fallback)
        self._retry_interval = float(retry_interval)
        self._retry_at = 0.0
        self._fallback = None
        self._scaled = {}
        self._switch = threading.Lock()

    @property
    def degraded(self) -> bool:
        """True while Redis is away and the local fallback decides."""
        return self._fallback is not None

    def _local_now(self) -> MemoryStore | None:
        """While Redis is away: the local store, or None when it is time to try Redis again
        (one caller probes; the others keep deciding locally meanwhile)."""
        fb = self._fallback
        if fb is None or time.monotonic() < self._retry_at:
            return fb
        with self._switch:
            if time.monotonic() < self._retry_at:
                return fb
            self._retry_at = time.monotonic() + self._retry_interval
            return None

    def _went_away(self, exc: StoreError) -> MemoryStore:
        """Redis failed: switch to the local store, or raise if there is none."""
        if self._fraction is None or not isinstance(exc, StoreUnavailable):
            raise exc
        with self._switch:
            if self._fallback is None:
                self._fallback = MemoryStore(FallbackClock(self._clock))
                log.warning(
                    "%s; limiting locally at %.0f%% of each budget until it answers",
                    exc,
                    self._fraction * 100,
                    extra={"store": self.where, "fallback": self._fraction},
                )
            self._retry_at = time.monotonic() + self._retry_interval
            return self._fallback

    def _came_back(self) -> None:
        with self._switch:
            if self._fallback is not None:
                self._fallback = None
                log.warning(
                    "Redis store %s answers again; shared limiting resumed", self.where, extra={"store": self.where}
                )

    def _small(self, limit: Limit) -> Limit:
        """``limit`` at the fallback's share of its capacity."""
        hit = self._scaled.get(limit.name)
        if hit is None or hit[0] is not limit:
            hit = (limit, dataclasses.replace(limit, capacity=limit.capacity * (self._fraction or 1.0)))
            self._scaled[limit.name] = hit
        return hit[1]

    def _scale(self, items: Sequence[Item]) -> list[Item]:
        out: list[Item] = []
        for limit, scope, amount in items:
            small = self._small(limit)
            # a cost above the scaled capacity takes the whole local budget instead of never fitting
            out.append((small, scope, amount if small.algorithm == "quota" else min(amount, small.capacity)))
        return out

    def _rebook_off_redis(
        self, items: Sequence[Item], priority: int, placed: Sequence[float], later: bool
    ) -> algo.Decision | None:
        """A booking is moved where it lives. One held by the local fallback (its times are
        negative, see ``split``) is moved there; one that straddles both stores, or whose
        store is not in use, stays where it is. None: it lives in Redis, ask Redis."""
        local = [at < 0 for at in placed]
        fb = self._fallback
        if all(local) and fb is not None:
            return fb.rebook(self._scale(items), priority, placed, later)
        if not any(local) and (fb is None or self._local_now() is None):
            return None
        return stay(placed)

    def _refund_failed(self, exc: StoreError) -> None:
        if self._fraction is None or not isinstance(exc, StoreUnavailable):
            raise exc
        log.debug("refund dropped while Redis is away: %s", exc, extra={"store": self.where})

    def _fallback_lease(
        self, fb: MemoryStore, limit: Limit, scope: str | None, holder: str, units: float, ttl: float
    ) -> LeaseResult:
        """A lease while Redis is away: against the local store at the fallback's share (a
        lease larger than that share takes all of it, as a large cost does)."""
        small = self._small(limit)
        return fb.lease(small, scope, holder, min(units, small.capacity), ttl)

    def _lease_local(
        self, limit: Limit, scope: str | None, holder: str, units: float, ttl: float | None
    ) -> tuple[float, float, LeaseResult | None]:
        """A lease's checked (units, ttl), and its answer while Redis is away and it is not
        yet time to try Redis again (``None``: ask Redis)."""
        amount, seconds = algo.check_lease(limit, holder, units, ttl)
        if self._fallback is not None:
            fb = self._local_now()
            if fb is not None:
                return amount, seconds, self._fallback_lease(fb, limit, scope, holder, amount, seconds)
        return amount, seconds, None
