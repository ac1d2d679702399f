"""Learned two-phase estimates: what to book for a request whose weight is known only after
its answer (a Hyperliquid ``userFills`` costs one more weight per 20 fills returned).

A rule marked ``learn`` books its certain ``base`` plus the extra that recent answers of the
same rule and scope carried: a high quantile of the last answers, never more than the
documented bound the rule's own cost function charges. Until a rule and scope has had a few
answers, the documented bound is booked (those requests pay the most and get the difference
back at once): an estimate learned from one or two answers is the likeliest to fall short.
The settle after each answer corrects the booking both ways: an over-estimate is refunded,
an under-estimate charged at once.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict, deque
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["EstimateStatistics", "Estimates"]

Key = tuple[str, str, tuple[tuple[str, str], ...]]
"""(venue, rule name, sorted scope values the request carries)."""


def estimate_key(venue: str, rule: str, scope: Mapping[str, str]) -> Key:
    return (venue, rule, tuple(sorted(scope.items())))


@dataclass(frozen=True, slots=True)
class EstimateStatistics:
    """What one rule and scope has learned: ``extras`` the current estimate of the extra per
    limit name (units above the rule's base), from ``answers`` answers; ``under`` how many
    answers carried more than was booked (each charged at once)."""

    venue: str
    rule: str
    scope: Mapping[str, str]
    extras: Mapping[str, float]
    answers: int
    under: int


class _Track:
    __slots__ = ("answers", "samples", "under")

    def __init__(self) -> None:
        self.samples: dict[str, deque[float]] = {}
        self.answers = 0
        self.under = 0


class Estimates:
    """The extras recent answers carried, per rule and scope, for the rules marked ``learn``.

    ``quantile`` (0 < q <= 1) of the last ``window`` answers is the estimate, by nearest rank:
    with the default 1.0 it is the largest of them (a conservative choice: an over-estimate
    only holds its room for the request's round trip, since the refund reaches waiters at
    once, while an under-estimate can meet a full window at the venue). Before
    ``min_answers`` answers of a rule and scope, the documented bound is booked. ``keys``
    bounds the rules and scopes remembered (the least recently used are forgotten first).

    One instance per client by default; pass the same instance to several clients to let
    them learn together. Thread-safe.
    """

    def __init__(self, *, quantile: float = 1.0, window: int = 64, min_answers: int = 8, keys: int = 4096) -> None:
        if isinstance(quantile, bool) or not isinstance(quantile, (int, float)) or not 0 < quantile <= 1:
            raise ValueError(f"Estimates: quantile must be in (0, 1], got {quantile!r}")
        for name, value in (("window", window), ("min_answers", min_answers), ("keys", keys)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Estimates: {name} must be a positive int, got {value!r}")
        self.quantile = float(quantile)
        self.window = window
        self.min_answers = min_answers
        self.keys = keys
        self._tracks: OrderedDict[Key, _Track] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"Estimates(quantile={self.quantile:g}, window={self.window}, "
            f"min_answers={self.min_answers}, keys={self.keys})"
        )

    def extra(self, key: Key, name: str) -> float | None:
        """The extra to book for limit ``name``, or ``None`` before ``min_answers`` answers."""
        with self._lock:
            track = self._tracks.get(key)
            if track is None:
                return None
            self._tracks.move_to_end(key)
            samples = track.samples.get(name)
            if not samples or len(samples) < min(self.min_answers, self.window):
                return None
            return self._pick(samples)

    def _pick(self, samples: deque[float]) -> float:
        ordered = sorted(samples)
        return ordered[max(0, math.ceil(self.quantile * len(ordered)) - 1)]

    def learn(self, key: Key, extras: Mapping[str, float], booked: Mapping[str, float]) -> None:
        """Record one answer: ``extras`` what it carried above the base per limit name,
        ``booked`` the extra that was booked for it (to count under-estimates)."""
        with self._lock:
            track = self._tracks.get(key)
            if track is None:
                track = self._tracks[key] = _Track()
                while len(self._tracks) > self.keys:
                    self._tracks.popitem(last=False)
            else:
                self._tracks.move_to_end(key)
            track.answers += 1
            under = False
            for name, value in extras.items():
                if not math.isfinite(value):
                    continue
                value = max(0.0, value)
                samples = track.samples.get(name)
                if samples is None:
                    samples = track.samples[name] = deque(maxlen=self.window)
                samples.append(value)
                if value > booked.get(name, math.inf) + 1e-9:
                    under = True
            if under:
                track.under += 1

    def statistics(self) -> tuple[EstimateStatistics, ...]:
        """What each remembered rule and scope has learned."""
        with self._lock:
            return tuple(
                EstimateStatistics(
                    venue=venue,
                    rule=rule,
                    scope=dict(scope),
                    extras={name: self._pick(s) for name, s in track.samples.items() if s},
                    answers=track.answers,
                    under=track.under,
                )
                for (venue, rule, scope), track in self._tracks.items()
            )

    def clear(self) -> None:
        """Forget everything learned (the next request of each kind books the documented bound)."""
        with self._lock:
            self._tracks.clear()
