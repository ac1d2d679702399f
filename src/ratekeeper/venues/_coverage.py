"""What each venue documents, endpoint by endpoint, and how well the rules match it.

Each venue keeps a table of the endpoints its documents list (``ratekeeper.venues.documented``):
one :class:`Documented` per endpoint, with an example request, the pools one call spends as the
document states them (capacity, period, scope and weight), the link, and the line the numbers
were taken from. The table is written from the documents, not from the rules: :func:`check`
weighs the example with the venue's rules and compares, so a rule that drifts from the
document shows up as a mismatch, and an endpoint without a rule as "not encoded".

A pool matches when the venue charges one of its limits by the documented weight, and that
limit has the documented capacity, period and scope. Limits are matched by those values, not
by name; ``Pool.limit`` only says which limit the table means when two are alike.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._model import InvalidRequest, Venue

__all__ = ["Check", "Documented", "Pool", "Section", "check", "coverage", "coverage_data"]


@dataclass(frozen=True)
class Pool:
    """One budget a documented endpoint spends: ``weight`` per call, out of ``capacity`` per
    ``period`` seconds, counted per ``scope`` (``"ip"``, ``"account"``, ``"key"``, ``"address"``,
    ``"instrument"``, or a compound such as ``"account+instrument"``)."""

    weight: float
    capacity: float
    period: float
    scope: str | None
    limit: str = ""

    def describe(self) -> str:
        name = f"{self.limit} " if self.limit else ""
        return f"{name}{self.weight:g} of {self.capacity:g}/{self.period:g}s per {self.scope or '-'}"


@dataclass(frozen=True)
class Documented:
    """One endpoint as the venue's document states it.

    ``method``/``path`` (a concrete path, as a client sends it) with ``params``/``body`` form an
    example request; ``pools`` the budgets one such call spends; ``source`` the page's link and
    ``quote`` the line the numbers were read from (paraphrased where long). ``section`` groups
    the table (``"spot"``, ``"usdm"``, ``"public"``…). ``extra_ok`` names limits the venue may
    also charge without that counting against the match (a budget the document states once
    for every request, such as a raw request count).
    """

    section: str
    method: str
    path: str
    pools: tuple[Pool, ...]
    source: str
    quote: str
    params: Mapping[str, Any] | None = None
    body: object = None
    extra_ok: tuple[str, ...] = ()
    note: str = ""

    @property
    def endpoint(self) -> str:
        return f"{self.method.upper()} {self.path}"


@dataclass(frozen=True)
class Check:
    """The result of weighing one :class:`Documented` example with a venue's rules."""

    entry: Documented
    known: bool
    charged: Mapping[str, float]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.known and not self.problems


@dataclass(frozen=True)
class Section:
    """Coverage of one section of a venue's table."""

    name: str
    checks: tuple[Check, ...] = field(default=())

    @property
    def documented(self) -> int:
        return len(self.checks)

    @property
    def encoded(self) -> int:
        return sum(1 for c in self.checks if c.known)

    @property
    def matching(self) -> int:
        return sum(1 for c in self.checks if c.ok)


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def check(venue: Venue, entry: Documented) -> Check:
    """Weigh ``entry``'s example with ``venue`` and list every way it differs from the document."""
    try:
        weighed = venue.weigh(entry.method, entry.path, entry.body, entry.params)
    except InvalidRequest as exc:
        return Check(entry=entry, known=False, charged={}, problems=(f"refused: {exc}",))
    charged = {name: float(v) for name, v in weighed.cost.items() if v}
    problems: list[str] = []
    used: set[str] = set()
    for pool in entry.pools:
        candidates = [
            name
            for name, limit in venue.limits.items()
            if name not in used
            and _same(limit.capacity, pool.capacity)
            and _same(limit.period, pool.period)
            and (limit.scope or None) == (pool.scope or None)
        ]
        if pool.limit and pool.limit in candidates:
            candidates = [pool.limit]
        charged_right = [n for n in candidates if _same(charged.get(n, 0.0), pool.weight)]
        if charged_right:
            used.add(charged_right[0])
            continue
        if not candidates:
            problems.append(f"no limit of {pool.capacity:g}/{pool.period:g}s per {pool.scope or '-'}")
            continue
        name = candidates[0]
        used.add(name)
        problems.append(f"{name}: charged {charged.get(name, 0.0):g}, documented {pool.weight:g}")
    for name, amount in charged.items():
        if name not in used and name not in entry.extra_ok:
            problems.append(f"{name}: charged {amount:g}, not documented for this endpoint")
    return Check(entry=entry, known=weighed.known, charged=charged, problems=tuple(problems))


def coverage(venue: Venue, table: Iterable[Documented]) -> tuple[Section, ...]:
    """Every entry of ``table`` checked against ``venue``, grouped by section in table order."""
    sections: dict[str, list[Check]] = {}
    for entry in table:
        sections.setdefault(entry.section, []).append(check(venue, entry))
    return tuple(Section(name, tuple(checks)) for name, checks in sections.items())


def coverage_data(venue: Venue, table: Iterable[Documented]) -> dict[str, Any]:
    """:func:`coverage` as plain data (what ``ratekeeper rules VENUE --coverage --json`` prints)."""
    sections = coverage(venue, table)
    documented = sum(s.documented for s in sections)
    matching = sum(s.matching for s in sections)
    return {
        "venue": venue.name,
        "documented": documented,
        "encoded": sum(s.encoded for s in sections),
        "matching": matching,
        "share": matching / documented if documented else None,
        "sections": [
            {
                "name": s.name,
                "documented": s.documented,
                "encoded": s.encoded,
                "matching": s.matching,
                "endpoints": [
                    {
                        "endpoint": c.entry.endpoint,
                        "documented": [p.describe() for p in c.entry.pools],
                        "charged": dict(c.charged),
                        "known": c.known,
                        "ok": c.ok,
                        "problems": list(c.problems),
                        "source": c.entry.source,
                        "quote": c.entry.quote,
                        "note": c.entry.note,
                    }
                    for c in s.checks
                ],
            }
            for s in sections
        ],
    }
