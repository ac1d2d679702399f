"""The adaptive transit margin: how much later than its slot a request may reach the venue.

A request admitted at ``t`` reaches the venue a little later, each by a different delay; the
limiter pads every sliding and fixed window by a margin so that the venue's window still
finds room. The HTTP integrations also move each booking to the moment its answer arrives
(``Grant.settle(..., answered=True)``): the venue counted the request by then, so once moved
it is safe whatever its delay; and a waiter that booked its slot ahead checks it, when it
comes, against the bookings moved since. What the margin must still cover is a request in
flight when its booking at the slot would leave the window: an answer slower than the window.

:class:`TransitMargin` sets the margin from what it measures: the time from the start of each
request's slot to its answer, per route (the direct connection and each proxy). The target is
the largest route's high quantile less ``slack`` (the integrations: the shortest window
they pad), kept between a floor and a
cap; the margin widens at once when the target grows, narrows slowly when it shrinks, and
doubles after a rate-limit answer the ledger did not predict. One per client: it applies to
the limiter of the client that measures it.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections import deque
from dataclasses import dataclass

__all__ = ["MarginStatistics", "TransitMargin"]

DIRECT = "direct"
"""The route of requests sent without a proxy."""


@dataclass(frozen=True, slots=True)
class MarginStatistics:
    """The margin in force and what it was set from: ``routes`` maps each route (``"direct"``
    or a proxy's key) to the quantile of its recent slot-to-answer times; ``widened`` counts
    the rate-limit answers that doubled the margin."""

    margin: float
    floor: float
    cap: float
    quantile: float
    samples: int
    routes: dict[str, float]
    widened: int
    slack: float = 0.0


def _seconds(name: str, value: object, low: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < low:
        raise ValueError(f"TransitMargin: {name} must be a number of seconds >= {low:g}, got {value!r}")
    return float(value)


class TransitMargin:
    """A margin learned from slot-to-answer times (see the module).

    ``start``: the margin before ``warmup`` answers have been measured (the integrations
    use the venue's default). ``floor`` and ``cap`` bound it. ``quantile`` of the last
    ``window`` answers per route, less ``slack`` (seconds an answer may take without a margin;
    ``None``: the integration sets the shortest window it pads), sets the target; when the
    target is lower the margin moves toward it by ``narrow`` of the gap per answer, and not at
    all during the ``hold`` answers after a widening. Thread-safe.
    """

    def __init__(
        self,
        start: float = 0.1,
        *,
        floor: float = 0.01,
        cap: float = 1.0,
        quantile: float = 1.0,
        window: int = 256,
        warmup: int = 32,
        narrow: float = 0.02,
        hold: int = 256,
        slack: float | None = None,
    ) -> None:
        self.floor = _seconds("floor", floor)
        if self.floor <= 0:
            raise ValueError("TransitMargin: floor must be above 0 (a padded fixed window cannot go back to 0)")
        self.cap = _seconds("cap", cap, self.floor)
        if self.cap <= 0:
            raise ValueError("TransitMargin: cap must be above 0")
        start = _seconds("start", start)
        if isinstance(quantile, bool) or not isinstance(quantile, (int, float)) or not 0 < quantile <= 1:
            raise ValueError(f"TransitMargin: quantile must be in (0, 1], got {quantile!r}")
        if isinstance(narrow, bool) or not isinstance(narrow, (int, float)) or not 0 <= narrow <= 1:
            raise ValueError(f"TransitMargin: narrow must be in [0, 1], got {narrow!r}")
        for name, value in (("window", window), ("warmup", warmup), ("hold", hold)):
            if isinstance(value, bool) or not isinstance(value, int) or value < (1 if name == "window" else 0):
                raise ValueError(f"TransitMargin: {name} must be a {'positive' if name == 'window' else '>= 0'} int")
        self.slack = None if slack is None else _seconds("slack", slack)
        self.quantile = float(quantile)
        self.window = window
        self.warmup = warmup
        self.narrow = float(narrow)
        self.hold = hold
        self._value = min(self.cap, max(self.floor, start))
        self._applied = self._value
        self._routes: dict[str, deque[float]] = {}
        self._sorted: dict[str, list[float]] = {}
        self._high: dict[str, float] = {}
        self._samples = 0
        self._hold_until = 0
        self._widened = 0
        self._widened_at = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TransitMargin(margin={self._value:.4g}, floor={self.floor:g}, cap={self.cap:g})"

    @property
    def value(self) -> float:
        """The margin in seconds."""
        return self._value

    def observe(self, seconds: float, route: str = DIRECT) -> float | None:
        """Record one slot-to-answer time; returns the margin to apply when it moved enough
        to be worth applying (5% or 1 ms), else ``None``."""
        if not math.isfinite(seconds):
            return None
        seconds = max(0.0, seconds)
        with self._lock:
            samples = self._routes.get(route)
            if samples is None:
                samples = self._routes[route] = deque(maxlen=self.window)
                self._sorted[route] = []
            ordered = self._sorted[route]  # the same samples, kept sorted: no sort per answer
            if len(samples) == self.window:
                del ordered[bisect.bisect_left(ordered, samples[0])]
            samples.append(seconds)
            bisect.insort(ordered, seconds)
            self._high[route] = ordered[max(0, math.ceil(self.quantile * len(ordered)) - 1)]
            self._samples += 1
            if self._samples < self.warmup:
                return None
            target = min(self.cap, max(self.floor, max(self._high.values()) - (self.slack or 0.0)))
            if target > self._value:
                self._value = target
            elif self._samples >= self._hold_until:
                self._value = target + (self._value - target) * (1.0 - self.narrow)
            return self._moved()

    def refused(self) -> float | None:
        """A rate-limit answer the ledger did not predict: double the margin (at least one
        floor more), up to the cap, and hold it for ``hold`` answers. Answers refused
        together count once: the margin widens again only after ``warmup`` answers more.
        Returns the margin when it widened, else ``None``."""
        with self._lock:
            if self._widened and self._samples < self._widened_at + max(1, self.warmup):
                return None
            self._value = min(self.cap, max(2 * self._value, self._value + max(self.floor, 0.001)))
            self._hold_until = self._samples + self.hold
            self._widened += 1
            self._widened_at = self._samples
            self._applied = self._value
            return self._value

    def _moved(self) -> float | None:
        if abs(self._value - self._applied) < max(0.001, 0.05 * self._applied):
            return None
        self._applied = self._value
        return self._value

    def statistics(self) -> MarginStatistics:
        with self._lock:
            return MarginStatistics(
                margin=self._value,
                floor=self.floor,
                cap=self.cap,
                quantile=self.quantile,
                samples=self._samples,
                routes=dict(self._high),
                widened=self._widened,
                slack=self.slack or 0.0,
            )
