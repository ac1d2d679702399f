"""``ratekeeper status --store URL``: every limit and scope held in a shared store (used,
available, booked ahead, bans), read without writing; ``--watch`` redraws."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import click

from ._common import CONTEXT, EXIT_STORE, EXIT_USAGE, fail, load_venue
from ._output import Column, Output, bar, duration, num, redact, rich_table

if TYPE_CHECKING:
    from .._limits import Limit, LimitStatistics
    from ..stores import Store
    from ..venues import Venue

__all__ = ["LimitCatalog", "StatusRow", "status", "status_rows", "store_limits"]


@runtime_checkable
class LimitCatalog(Protocol):
    """A store that can tell which limits it holds state for, so that ``status`` can show a
    shared store without being told the limits (SQLite and Redis stores)."""

    def known_limits(self) -> list[Limit]: ...


@dataclass(frozen=True, slots=True)
class StatusRow:
    """One budget of a store, as ``status`` shows it."""

    limit: str
    scope: str | None
    algorithm: str
    capacity: float
    period: float
    used: float
    reserved: float
    available: float
    waiters: int | None
    next_free: float
    blocked_for: float
    blocked_until: float | None
    """UNIX time the ban ends (None: no ban)."""
    margin: float | None = None
    """Seconds the programs spending it add to the window for transit, as the last one to
    record its limits padded it (None: not known without the venue's own period)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "limit": self.limit,
            "scope": self.scope,
            "algorithm": self.algorithm,
            "capacity": self.capacity,
            "period": self.period,
            "used": self.used,
            "reserved": self.reserved,
            "available": self.available,
            "waiters": self.waiters,
            "next_free": self.next_free,
            "blocked_for": self.blocked_for,
            "blocked_until": self.blocked_until,
            "margin": self.margin,
        }


def store_limits(store: Store, venue: Venue | None) -> tuple[dict[str, Limit], dict[str, float]]:
    """The limits to show for ``store``: those it catalogues, then the venue's (which win);
    and the margin by which the catalogued windows exceed the venue's (both known)."""
    from .._limits import PADDED

    limits: dict[str, Limit] = {}
    margins: dict[str, float] = {}
    if isinstance(store, LimitCatalog):
        for limit in store.known_limits():
            limits[limit.name] = limit
    if venue is not None:
        for name, own in venue.limits.items():
            spent = limits.get(name)
            if spent is not None and spent.algorithm == "sliding" and own.algorithm in PADDED:
                margins[name] = max(0.0, spent.period - own.period)
        limits.update(venue.limits)
    return limits, margins


def status_rows(
    store: Store, limits: Mapping[str, Limit], waiters: bool = False, margins: Mapping[str, float] | None = None
) -> list[StatusRow]:
    """Every (limit, scope) budget ``store`` holds for ``limits``, read without writing."""
    from .._limiter import Limiter

    stats: Sequence[LimitStatistics] = Limiter(limits, store=store).statistics()
    now = time.time()
    rows = []
    for s in stats:
        limit = limits[s.limit]
        rows.append(
            StatusRow(
                s.limit,
                s.scope,
                limit.algorithm,
                s.capacity,
                limit.period,
                s.used,
                s.reserved,
                s.available,
                s.waiters if waiters else None,
                s.next_free,
                s.blocked_for,
                now + s.blocked_for if s.blocked_for > 0 else None,
                (margins or {}).get(s.limit),
            )
        )
    return rows


def _status_table(rows: Sequence[StatusRow], title: str) -> tuple[str, list[Column], list[list[str]]]:
    columns: list[Column] = [
        ("limit", "left"),
        ("scope", "left"),
        ("capacity", "right"),
        ("used", "right"),
        ("booked ahead", "right"),
        ("available", "right"),
        ("use", "left"),
        ("waiters", "right"),
        ("next free", "right"),
        ("margin", "right"),
        ("ban", "left"),
    ]
    body = []
    for r in rows:
        share = r.used / r.capacity if r.capacity else 0.0
        if r.blocked_until is not None:
            ban = f"{duration(r.blocked_for)} (until {time.strftime('%H:%M:%S', time.localtime(r.blocked_until))})"
        else:
            ban = "-"
        next_free = r.next_free
        if r.algorithm == "quota":
            capacity = f"{num(r.capacity)} (quota)"
        elif r.algorithm == "concurrent":
            capacity = f"{num(r.capacity)} at once"
            if r.available >= min(1.0, r.capacity):
                next_free = 0.0  # (a concurrent budget's next_free is when its first lease expires)
        else:
            capacity = f"{num(r.capacity)}/{num(r.period)} s"
        body.append(
            [
                r.limit,
                r.scope if r.scope is not None else "-",
                capacity,
                num(round(r.used, 3)),
                num(round(r.reserved, 3)),
                num(round(r.available, 3)),
                f"{bar(share)} {share:5.1%}",
                "?" if r.waiters is None else str(r.waiters),
                "now" if next_free <= 0 else duration(next_free),
                "-" if r.margin is None else f"{r.margin * 1000:.0f} ms",
                ban,
            ]
        )
    return title, columns, body


@click.command(context_settings=CONTEXT)
@click.option(
    "--store", "store_url", required=True, metavar="URL", help="sqlite:///abs/path.db or redis://host:port/db"
)
@click.option(
    "--venue",
    "venue_name",
    metavar="VENUE",
    help="Read the limits of this venue (needed when the store cannot list them).",
)
@click.option("--watch", is_flag=True, help="Keep redrawing until interrupted.")
@click.option(
    "--interval",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0.05),
    help="Seconds between redraws with --watch.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one line per refresh with --watch).")
def status(store_url: str, venue_name: str | None, watch: bool, interval: float, as_json: bool) -> None:
    """Show every limit and scope held in a shared store: used, available, bans.

    Reads only: it never charges or changes a budget, so it is safe to run beside the
    programs that spend it. "booked ahead" counts units reserved by requests waiting for a
    later slot (at most one request per waiting queue holds a booking).
    """
    from .._errors import StoreError
    from ..stores import open_store

    venue = load_venue(venue_name) if venue_name else None
    try:
        store = open_store(store_url)
    except (ValueError, TypeError) as exc:
        raise click.BadParameter(str(exc), param_hint="--store") from None
    except StoreError as exc:
        fail(f"cannot open the store {redact(store_url)}: {exc}", EXIT_STORE)
    limits, margins = store_limits(store, venue)
    if not limits:
        store.close()
        fail(
            f"the store {redact(store_url)} cannot list the limits it holds; "
            "pass --venue NAME to read the limits of a venue",
            EXIT_USAGE,
        )
    out = Output()
    title = f"{redact(store_url)}"

    def read() -> list[StatusRow]:
        try:
            return status_rows(store, limits, margins=margins)
        except StoreError as exc:
            fail(f"cannot read the store {redact(store_url)}: {exc}", EXIT_STORE)

    def render(rows: Sequence[StatusRow]) -> Any:
        stamp = time.strftime("%H:%M:%S")
        t, cols, body = _status_table(rows, f"{title} at {stamp}")
        if not body:
            t += " — no budget has been spent yet"
        return t, cols, body

    try:
        if not watch:
            rows = read()
            if as_json:
                click.echo(json.dumps([r.as_dict() for r in rows]))
            else:
                out.table(*render(rows))
            return
        if as_json:
            while True:
                click.echo(json.dumps({"time": time.time(), "budgets": [r.as_dict() for r in read()]}), nl=True)
                sys.stdout.flush()
                time.sleep(interval)
        if out.live:
            from rich.live import Live

            with Live(rich_table(*render(read())), console=out.console, auto_refresh=False) as live:
                while True:
                    time.sleep(interval)
                    live.update(rich_table(*render(read())), refresh=True)
        while True:
            out.table(*render(read()))
            sys.stdout.flush()
            time.sleep(interval)
    except KeyboardInterrupt:
        return
    finally:
        store.close()
