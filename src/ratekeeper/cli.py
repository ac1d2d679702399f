"""The ``ratekeeper`` command line: demo, rules, status, simulate, mock, gateway.

Exit codes (every command; see ``docs/cli.md``):

* 0 — done, and every check the command makes passed;
* 1 — a check failed (``demo``: a window held more than its limit, or the server answered 429);
* 2 — bad usage: an unknown option, venue or file, a workload that cannot be priced, or an
  optional part that is not installed (the message names what to install);
* 3 — the store could not be reached;
* 130 — interrupted (Ctrl-C), except ``status --watch`` where Ctrl-C is the normal way out (0).

Output is coloured only on a terminal and never when ``NO_COLOR`` is set (rich decides). When
rich is not installed every command still works and prints plain text.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, runtime_checkable

import click

from . import __version__

if TYPE_CHECKING:
    from ._demo import DemoResult, DemoRun
    from ._limits import Limit, LimitStatistics
    from ._simulate import Report, Simulation
    from .stores import Store
    from .venues import Venue

__all__ = ["EXIT_CHECK_FAILED", "EXIT_OK", "EXIT_STORE", "EXIT_USAGE", "LimitCatalog", "main"]

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_STORE = 3
EXIT_INTERRUPTED = 130

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    click.echo(f"ratekeeper: {message}", err=True)
    sys.exit(code)


# =========================================================================================
# output: rich when installed (colour only on a terminal, NO_COLOR respected), plain otherwise
# =========================================================================================

Cell = str
Column = tuple[str, str]
"""(header, justify: "left" | "right")."""


class _Output:
    """Tables and lines on stdout, through rich if it is installed."""

    def __init__(self) -> None:
        self.console: Any = None
        try:
            from rich.console import Console
        except ImportError:
            return
        terminal = sys.stdout.isatty()
        width = None if terminal else int(os.environ.get("COLUMNS", "160") or 160)
        self.console = Console(width=width, soft_wrap=False, highlight=False)

    @property
    def live(self) -> bool:
        """Whether a live (redrawn) view makes sense: rich on a terminal."""
        return self.console is not None and bool(self.console.is_terminal)

    def line(self, text: str = "", style: str | None = None) -> None:
        if self.console is not None:
            self.console.print(text, style=style, markup=False)
        else:
            click.echo(text)

    def table(self, title: str, columns: Sequence[Column], rows: Sequence[Sequence[Cell]], caption: str = "") -> None:
        if self.console is not None:
            self.console.print(_rich_table(title, columns, rows, caption))
            return
        click.echo(_plain_table(title, columns, rows, caption))


def _rich_table(title: str, columns: Sequence[Column], rows: Sequence[Sequence[Cell]], caption: str = "") -> Any:
    from rich.table import Table

    table = Table(title=title or None, caption=caption or None, title_justify="left", caption_justify="left")
    for header, justify in columns:
        table.add_column(header, justify="right" if justify == "right" else "left", overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def _plain_table(title: str, columns: Sequence[Column], rows: Sequence[Sequence[Cell]], caption: str = "") -> str:
    widths = [len(h) for h, _ in columns]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def fmt(cells: Sequence[str]) -> str:
        out = []
        for (_, justify), cell, w in zip(columns, cells, widths, strict=True):
            out.append(cell.rjust(w) if justify == "right" else cell.ljust(w))
        return "  ".join(out).rstrip()

    lines = [title] if title else []
    lines.append(fmt([h for h, _ in columns]))
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(fmt(row) for row in rows)
    if caption:
        lines.append(caption)
    return "\n".join(lines) + "\n"


def _num(x: float) -> str:
    """A number as people write it: no trailing zeros, thousands kept readable."""
    if not math.isfinite(x):
        return "∞" if x > 0 else "-∞"
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x)}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 1:
        return f"{x:.2f}".rstrip("0").rstrip(".")
    return f"{x:.3g}"


def _seconds(x: float) -> str:
    if not math.isfinite(x):
        return "never"
    if x < 1:
        return f"{x * 1000:.1f} ms"
    if x < 120:
        return f"{x:.2f} s"
    if x < 7200:
        return f"{x / 60:.1f} min"
    return f"{x / 3600:.1f} h"


def _load_venue(name: str) -> Venue:
    from .venues import venue, venue_names

    try:
        return venue(name)
    except ValueError:
        raise click.BadParameter(
            f"unknown venue {name!r}; known venues: {', '.join(venue_names())}", param_hint="VENUE"
        ) from None


# =========================================================================================
# the group
# =========================================================================================


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="ratekeeper")
def main() -> None:
    """Keep programs inside the rate limits of exchange APIs.

    \b
    Exit codes: 0 ok, 1 a check failed (demo), 2 bad usage or a missing
    optional part, 3 the store could not be reached, 130 interrupted.
    """


# =========================================================================================
# rules
# =========================================================================================


def _sample_body(where: Mapping[str, object]) -> dict[str, Any]:
    """A request body that carries a rule's ``where`` fields (dotted names nest)."""
    body: dict[str, Any] = {}
    for name, value in where.items():
        parts = name.split(".")
        node = body
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return body


def _sample_path(path: str) -> str:
    parts = []
    for segment in path.split("/"):
        if segment == "*" or (segment.startswith("{") and segment.endswith("}")):
            parts.append("x")
        else:
            parts.append(segment)
    return "/".join(parts)


def rule_cost(venue: Venue, rule: Any) -> dict[str, float] | None:
    """What a request matching ``rule`` (and carrying only its conditions) is charged, or
    ``None`` when that cannot be shown without a real request."""
    from .venues import Request

    method = "POST" if rule.method == "*" else rule.method
    path = _sample_path(rule.path)
    where = dict(rule.where)
    body: dict[str, Any] | None = _sample_body(where) if method not in ("GET", "DELETE", "HEAD") else None
    params = None if body is not None else {k: v for k, v in where.items()}
    try:
        found = venue.rules.find(Request.build(method, path, body, params))
        if found is None or found[0] is not rule:
            return None if callable(rule.cost) else {k: float(v) for k, v in rule.cost.items()}
        return dict(venue.weigh(method, path, body, params, now=0.0).cost)
    except Exception:  # a cost function that needs more than the conditions
        return None if callable(rule.cost) else {k: float(v) for k, v in rule.cost.items()}


def _cost_text(cost: Mapping[str, float] | None) -> str:
    if cost is None:
        return "computed per request"
    if not cost:
        return "0"
    return ", ".join(f"{name} {_num(v)}" for name, v in cost.items())


def _condition_text(where: Mapping[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in where.items())


def rules_data(venue: Venue) -> dict[str, Any]:
    """The venue's limits and rules as plain data (what ``rules --json`` prints)."""
    limits = [
        {
            "name": lim.name,
            "capacity": lim.capacity,
            "period": lim.period,
            "algorithm": lim.algorithm,
            "scope": lim.scope,
            "reserve": lim.reserve,
            "source": lim.source,
        }
        for lim in venue.limits.values()
    ]
    rules = []
    defaults = [venue.default] + ([venue.private_default] if venue.private_default is not None else [])
    for rule in [*venue.rules, *defaults]:
        rules.append(
            {
                "name": rule.name,
                "method": rule.method,
                "path": rule.path,
                "condition": {k: v for k, v in rule.where.items()},
                "cost": rule_cost(venue, rule),
                "note": rule.note,
                "kind": rule.kind,
                "idempotent": rule.is_idempotent,
                "default": any(rule is d for d in defaults),
                "source": rule.source,
            }
        )
    return {
        "venue": venue.name,
        "source": venue.source,
        "every_request": dict(venue.every_request),
        "groups": {k: list(v) for k, v in venue.groups.items()},
        "limits": limits,
        "rules": rules,
    }


@main.command(context_settings=CONTEXT)
@click.argument("venue_name", metavar="VENUE")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.option(
    "--coverage",
    "show_coverage",
    is_flag=True,
    help="Compare the rules with the venue's documented endpoints, section by section.",
)
def rules(venue_name: str, as_json: bool, show_coverage: bool) -> None:
    """Show a venue's limits and the weight of each request, with sources.

    VENUE is a venue name such as hyperliquid or binance; an unknown name prints the list.
    With --coverage, every endpoint the venue documents is weighed with the rules and compared
    with the document's pools (capacity, period, scope, weight); the differences are listed.
    """
    venue = _load_venue(venue_name)
    if show_coverage:
        _print_coverage(venue, as_json)
        return
    data = rules_data(venue)
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
        return
    out = _Output()
    sources: dict[str, int] = {}

    def ref(source: str) -> str:
        if not source:
            return ""
        if source not in sources:
            sources[source] = len(sources) + 1
        return f"[{sources[source]}]"

    out.table(
        f"{venue.name}: limits",
        [
            ("limit", "left"),
            ("capacity", "right"),
            ("period", "right"),
            ("algorithm", "left"),
            ("scope", "left"),
            ("source", "left"),
        ],
        [
            [
                lim["name"],
                _num(lim["capacity"]),
                f"{_num(lim['period'])} s",
                lim["algorithm"] + (f" (reserve {lim['reserve']:.0%})" if lim["reserve"] else ""),
                lim["scope"] or "-",
                ref(lim["source"]),
            ]
            for lim in data["limits"]
        ],
    )
    extra = []
    if data["every_request"]:
        extra.append("every request also costs " + _cost_text(data["every_request"]))
    for group, members in data["groups"].items():
        extra.append(f"a cost on {group!r} is charged to {', '.join(members)}")
    rows = []
    for r in data["rules"]:
        cost = _cost_text(r["cost"])
        if r["note"]:
            cost += f" ({r['note']})"
        rows.append(
            [
                r["method"],
                r["path"] + (" (no rule matches)" if r["default"] else ""),
                _condition_text(r["condition"]),
                cost,
                r["kind"]
                + (
                    ""
                    if r["idempotent"] == (r["kind"] == "read")
                    else (", retried" if r["idempotent"] else ", never retried")
                ),
                ref(r["source"]),
            ]
        )
    out.table(
        f"{venue.name}: rules (the first that matches a request prices it)",
        [
            ("method", "left"),
            ("path", "left"),
            ("condition", "left"),
            ("cost", "left"),
            ("kind", "left"),
            ("src", "left"),
        ],
        rows,
        caption="; ".join(extra),
    )
    out.line("sources:")
    for source, n in sources.items():
        out.line(f"  [{n}] {source}")


def _print_coverage(venue: Venue, as_json: bool) -> None:
    from .venues._coverage import coverage_data
    from .venues.documented import table

    data = coverage_data(venue, table(venue.name))
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
        return
    out = _Output()
    if not data["documented"]:
        out.line(f"{venue.name}: no table of documented endpoints yet")
        return
    out.table(
        f"{venue.name}: documented endpoints against the rules",
        [("section", "left"), ("documented", "right"), ("encoded", "right"), ("matching", "right"), ("share", "right")],
        [
            [
                s["name"],
                str(s["documented"]),
                str(s["encoded"]),
                str(s["matching"]),
                f"{s['matching'] / s['documented']:.0%}",
            ]
            for s in data["sections"]
        ]
        + [["all", str(data["documented"]), str(data["encoded"]), str(data["matching"]), f"{data['share']:.0%}"]],
        caption="encoded: a rule prices it (not the default); matching: every documented pool charged as documented",
    )
    differ = [(s["name"], e) for s in data["sections"] for e in s["endpoints"] if not e["ok"]]
    if not differ:
        out.line("every documented endpoint matches")
        return
    out.table(
        f"{venue.name}: endpoints that differ from the document",
        [("section", "left"), ("endpoint", "left"), ("documented", "left"), ("problems", "left")],
        [[name, e["endpoint"], "; ".join(e["documented"]), "; ".join(e["problems"])] for name, e in differ],
    )


# =========================================================================================
# status
# =========================================================================================


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
    from ._limits import PADDED

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
    from ._limiter import Limiter

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


def _bar(share: float, width: int = 20) -> str:
    share = min(1.0, max(0.0, share))
    full = round(share * width)
    return "█" * full + "·" * (width - full)


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
            ban = f"{_seconds(r.blocked_for)} (until {time.strftime('%H:%M:%S', time.localtime(r.blocked_until))})"
        else:
            ban = "-"
        next_free = r.next_free
        if r.algorithm == "quota":
            capacity = f"{_num(r.capacity)} (quota)"
        elif r.algorithm == "concurrent":
            capacity = f"{_num(r.capacity)} at once"
            if r.available >= min(1.0, r.capacity):
                next_free = 0.0  # (a concurrent budget's next_free is when its first lease expires)
        else:
            capacity = f"{_num(r.capacity)}/{_num(r.period)} s"
        body.append(
            [
                r.limit,
                r.scope if r.scope is not None else "-",
                capacity,
                _num(round(r.used, 3)),
                _num(round(r.reserved, 3)),
                _num(round(r.available, 3)),
                f"{_bar(share)} {share:5.1%}",
                "?" if r.waiters is None else str(r.waiters),
                "now" if next_free <= 0 else _seconds(next_free),
                "-" if r.margin is None else f"{r.margin * 1000:.0f} ms",
                ban,
            ]
        )
    return title, columns, body


def _redact(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


@main.command(context_settings=CONTEXT)
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
    from ._errors import StoreError
    from .stores import open_store

    venue = _load_venue(venue_name) if venue_name else None
    try:
        store = open_store(store_url)
    except (ValueError, TypeError) as exc:
        raise click.BadParameter(str(exc), param_hint="--store") from None
    except StoreError as exc:
        _fail(f"cannot open the store {_redact(store_url)}: {exc}", EXIT_STORE)
    limits, margins = store_limits(store, venue)
    if not limits:
        store.close()
        _fail(
            f"the store {_redact(store_url)} cannot list the limits it holds; "
            "pass --venue NAME to read the limits of a venue",
            EXIT_USAGE,
        )
    out = _Output()
    title = f"{_redact(store_url)}"

    def read() -> list[StatusRow]:
        try:
            return status_rows(store, limits, margins=margins)
        except StoreError as exc:
            _fail(f"cannot read the store {_redact(store_url)}: {exc}", EXIT_STORE)

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

            with Live(_rich_table(*render(read())), console=out.console, auto_refresh=False) as live:
                while True:
                    time.sleep(interval)
                    live.update(_rich_table(*render(read())), refresh=True)
        while True:
            out.table(*render(read()))
            sys.stdout.flush()
            time.sleep(interval)
    except KeyboardInterrupt:
        return
    finally:
        store.close()


# =========================================================================================
# simulate
# =========================================================================================


def _print_report(out: _Output, report: Report, sim: Simulation) -> None:
    out.line(
        f"{report.venue}: {report.requests} requests offered over {_seconds(report.offered_seconds)}; "
        f"all started after {_seconds(report.makespan)}" + (" (recorded log)" if sim.workload.recorded else "")
    )
    if report.total_wait > 1e-9 and report.binding:
        out.line(
            f"binding limit: {report.binding} ({report.binding_share:.0%} of all waiting, "
            f"{_seconds(report.total_wait)} of waiting in total)",
            style="bold",
        )
    elif report.binding:
        out.line(f"nothing waited; the fullest budget is {report.binding}")
    key = next((k for k in report.keys if k.label == report.saturates), None)
    if math.isfinite(report.headroom) and key is not None:
        renews = f"{_num(key.capacity)} per {_seconds(key.period)}"
        if report.headroom >= 1:
            out.line(f"this mix could run {report.headroom:.2f} times faster before {key.label} ({renews}) saturates")
        else:
            line = (
                f"this mix asks {key.label} for {1 / report.headroom:.2f} times what it renews ({renews}): "
                "it cannot be sustained"
            )
            if key.period > report.makespan:
                line += f"; its window ({_seconds(key.period)}) is longer than this run, which it lets through"
            out.line(line)
    out.table(
        "request types",
        [
            ("type", "left"),
            ("requests", "right"),
            ("offered/s", "right"),
            ("achieved/s", "right"),
            ("sustainable/s (this mix)", "right"),
            ("alone/s", "right"),
            ("cost", "left"),
            ("wait p50", "right"),
            ("wait p99", "right"),
            ("wait max", "right"),
        ],
        [
            [
                t.name,
                str(t.requests),
                _num(round(t.offered_rate, 3)),
                _num(round(t.achieved_rate, 3)),
                "-" if t.sustainable_rate is None else _num(round(t.sustainable_rate, 3)),
                "-" if t.alone_rate is None else _num(round(t.alone_rate, 3)),
                _cost_text(t.cost),
                _seconds(t.wait_p50),
                _seconds(t.wait_p99),
                _seconds(t.wait_max),
            ]
            for t in report.types
        ],
    )
    out.table(
        "budgets",
        [
            ("limit", "left"),
            ("capacity", "right"),
            ("algorithm", "left"),
            ("demand/s", "right"),
            ("of what renews", "right"),
            ("peak use", "right"),
            ("waits it caused", "right"),
            ("note", "left"),
        ],
        [
            [
                k.label + ("  ← binds" if k.label == report.binding else ""),
                f"{_num(k.capacity)}/{_num(k.period)} s" if k.algorithm != "quota" else _num(k.capacity),
                k.algorithm,
                _num(round(k.demand, 3)),
                "-" if k.algorithm == "quota" else f"{k.utilisation:.0%}",
                f"{k.peak:.0%}",
                _seconds(k.waits),
                ""
                if k.lasts is None
                else f"allowance lasts {_seconds(k.lasts)} at this demand, then 1 per {_num(k.period)} s",
            ]
            for k in report.keys
        ],
    )


@main.command(context_settings=CONTEXT)
@click.argument("venue_name", metavar="VENUE")
@click.option(
    "--workload",
    "workload_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="YAML or JSON workload (.jsonl: a recorded log).",
)
@click.option(
    "--seconds", type=click.FloatRange(min=0, min_open=True), help="Offer steady rates this long, or cut a log here."
)
@click.option(
    "--plot", "plot_path", type=click.Path(dir_okay=False, writable=True), help="Write a PNG of budget use over time."
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def simulate(venue_name: str, workload_path: str, seconds: float | None, plot_path: str | None, as_json: bool) -> None:
    """Run a workload through a venue's limits in simulated time (no sleeping, no network).

    Reports how long the work takes, the rate each request type can sustain, and the limit
    that binds (the one whose waits dominate). A workload offers request types at steady
    rates or replays a recorded log; see docs/cli.md for the format.
    """
    from ._simulate import WorkloadError, analyse, load_workload, plot
    from ._simulate import simulate as run

    venue = _load_venue(venue_name)
    try:
        workload = load_workload(workload_path, venue, seconds)
    except WorkloadError as exc:
        _fail(str(exc))
    sim = run(workload, sample=True)
    report = analyse(sim)
    if plot_path:
        try:
            plot(sim, report, plot_path)
        except ImportError as exc:
            _fail(str(exc))
        except OSError as exc:
            _fail(f"cannot write {plot_path!r}: {exc.strerror or exc}")
    if as_json:
        data = report.as_dict()
        if plot_path:
            data["plot"] = plot_path
        click.echo(json.dumps(data, indent=2))
        return
    out = _Output()
    _print_report(out, report, sim)
    if plot_path:
        out.line(f"plot: {plot_path}")


# =========================================================================================
# mock
# =========================================================================================


@main.command(context_settings=CONTEXT)
@click.argument("venue_name", metavar="VENUE")
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="TCP port on 127.0.0.1 (0: any free port).",
)
@click.option(
    "--period", type=click.FloatRange(min=0, min_open=True), help="Shorten the venue's windows to this many seconds."
)
def mock(venue_name: str, port: int, period: float | None) -> None:
    """Run the mock venue on loopback for your own tests, until interrupted.

    It enforces the venue's published limits (optionally with a shorter period) and answers
    429 the way the venue does.
    """
    try:
        from .testing.mock_venue import MockVenue, serve_forever, venue_names
    except ImportError as exc:
        _fail(f"the mock venue is not available in this installation: {exc}")
    names = list(venue_names())
    if venue_name.lower() not in names:
        raise click.BadParameter(f"the mock venue knows {', '.join(names)}, not {venue_name!r}", param_hint="VENUE")

    def ready(server: MockVenue) -> None:
        click.echo(
            f"serving a mock {server.venue} venue at {server.url} "
            f"({_num(server.capacity)} weight per {_num(server.period)} s per IP); Ctrl-C stops it"
        )
        sys.stdout.flush()

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)  # `kill` stops it as cleanly as Ctrl-C
    try:
        serve_forever(venue_name.lower(), port, period, on_ready=ready)
    except KeyboardInterrupt:
        return
    except OSError as exc:
        _fail(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}")


@main.command(context_settings=CONTEXT)
@click.argument("venue_name", metavar="VENUE")
@click.option(
    "--listen", default="127.0.0.1:8080", show_default=True, metavar="HOST:PORT", help="Where clients connect."
)
@click.option(
    "--admin",
    default="127.0.0.1:9180",
    show_default=True,
    metavar="HOST:PORT",
    help="Where /metrics and /status are served ('' turns them off).",
)
@click.option(
    "--store",
    "store_url",
    default="memory://",
    show_default=True,
    metavar="URL",
    help="Where the budget lives: memory://, sqlite:///abs/path.db, redis://… (gateways sharing one Redis share "
    "one budget).",
)
@click.option("--proxy-pool", metavar="SPEC", help="Proxies to send through: a comma-separated list, file:…, env:….")
@click.option("--upstream", metavar="URL", help="The venue's origin (default: its mainnet URL).")
@click.option(
    "--ws-upstream", metavar="URL", help="Where WebSocket connections go (default: the upstream's host, ws/wss)."
)
@click.option(
    "--limit",
    "limits",
    multiple=True,
    metavar="NAME=CAPACITY/PERIOD",
    help="Override a limit, as rk.venue(..., NAME=(CAPACITY, PERIOD)); repeatable.",
)
@click.option(
    "--ip",
    metavar="LABEL",
    help="The IP this gateway's requests leave from (its per-IP budget in a shared store; default: one for all).",
)
@click.option("--allow-remote", is_flag=True, help="Allow listening on an address other than loopback.")
@click.option(
    "--access-log/--no-access-log", default=True, help="One log line per request (logger ratekeeper.gateway.access)."
)
@click.option("--json-logs", is_flag=True, help="Log one JSON object per line.")
@click.option(
    "--shutdown-timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds in-flight requests get to finish after SIGTERM/SIGINT.",
)
@click.option(
    "--loop",
    type=click.Choice(["auto", "uvloop", "asyncio"]),
    default="auto",
    show_default=True,
    help="The event loop: uvloop when installed (auto), or asyncio's.",
)
def gateway(
    venue_name: str,
    listen: str,
    admin: str,
    store_url: str,
    proxy_pool: str | None,
    upstream: str | None,
    ws_upstream: str | None,
    limits: tuple[str, ...],
    ip: str | None,
    allow_remote: bool,
    access_log: bool,
    json_logs: bool,
    shutdown_timeout: float,
    loop: str,
) -> None:
    """Run a limiting HTTP gateway to VENUE that any client can point at, until interrupted.

    Each request is weighed by the venue's rules, held until its slot, forwarded to the venue
    and settled with the answer; reads are retried, actions never.
    """
    try:
        from .gateway._cli import run_command
    except ImportError as exc:
        _fail(f"the gateway is not available in this installation: {exc}")

    def ready(running: Any) -> None:
        admin_text = f"; /metrics and /status at {running.admin_url}" if running.admin_url else ""
        click.echo(
            f"ratekeeper gateway for {running.gateway.venue.name} at {running.url} -> {running.gateway.upstream}"
            f"{admin_text}; Ctrl-C stops it"
        )
        sys.stdout.flush()

    run_command(
        venue_name,
        listen=listen,
        admin=admin or None,
        store=store_url,
        proxy_pool=proxy_pool,
        upstream=upstream,
        ws_upstream=ws_upstream,
        limits=limits,
        ip=ip,
        allow_remote=allow_remote,
        access_log=access_log,
        json_logs=json_logs,
        shutdown_timeout=shutdown_timeout,
        loop=loop,
        fail=_fail,
        ready=ready,
    )


# =========================================================================================
# demo
# =========================================================================================


def _demo_view(run: DemoRun) -> Any:
    """The live view: per-limit use bars, requests per second, waits."""
    from rich.console import Group
    from rich.progress_bar import ProgressBar
    from rich.table import Table
    from rich.text import Text

    result = run.result
    now = time.monotonic()
    elapsed = min(result.seconds, now - result.local_started)
    table = Table(title=f"{run.description} — {elapsed:4.1f} / {result.seconds:g} s", title_justify="left")
    table.add_column("limit")
    table.add_column("scope")
    table.add_column("use", width=32)
    table.add_column("used", justify="right")
    table.add_column("booked ahead", justify="right")
    table.add_column("waiting", justify="right")
    try:
        stats = run.statistics()
    except Exception:  # the view must never break the run
        stats = ()
    for s in stats:
        share = s.used / s.capacity if s.capacity else 0.0
        table.add_row(
            s.limit,
            s.scope or "-",
            ProgressBar(total=1.0, completed=min(1.0, share), width=30),
            f"{s.used:.0f}/{s.capacity:g}",
            f"{s.reserved:.0f}",
            str(s.waiters),
        )
    p50, p99 = result.wait_quantiles()
    line = Text(
        f"{result.rate(now):7.1f} requests/s   {result.requests} admitted   "
        f"wait p50 {p50 * 1000:.1f} ms  p99 {p99 * 1000:.1f} ms"
    )
    if result.mode == "mock":
        with result.lock:
            bad = result.http_429
        line.append(f"   429s: {bad}", style="bold red" if bad else "green")
    return Group(table, line)


def _demo_summary(out: _Output, result: DemoResult) -> bool:
    """Print the summary tables; True when every check passed."""
    failed = False
    rows = []
    columns: list[Column] = [
        ("limit", "left"),
        ("capacity", "right"),
        ("period", "right"),
        ("most in a window", "right"),
        ("budget used", "right"),
    ]
    if result.mode == "mock":
        server = result.server
        most_by_ip = server.get("max_window_weight_by_ip") or {}
        most = max(most_by_ip.values(), default=0.0)
        lim = result.limits["ip_weight"]
        rows.append(
            [
                "ip_weight (as the server counted)",
                _num(lim.capacity),
                f"{_num(lim.period)} s",
                _num(round(most, 3)),
                "-" if result.server_weight is None else f"{result.server_weight / result.allowed('ip_weight'):.1%}",
            ]
        )
    else:
        columns.append(("after the first window", "right"))
        for name, lim in result.limits.items():
            most = result.max_window(name)
            over = most > lim.capacity + 1e-9
            failed |= over
            rows.append(
                [
                    name,
                    _num(lim.capacity),
                    f"{_num(lim.period)} s",
                    _num(round(most, 3)) + ("  OVER" if over else ""),
                    f"{result.share(name):.1%}",
                    f"{result.steady_share(name):.1%}",
                ]
            )
    out.table("budgets", columns, rows)
    total = result.requests or 1
    elapsed = max(result.seconds, 1e-9)
    out.table(
        "requests by type",
        [("type", "left"), ("requests", "right"), ("share", "right"), ("per second", "right")],
        [[kind, str(n), f"{n / total:.0%}", f"{n / elapsed:.1f}"] for kind, n in sorted(result.by_kind.items())],
    )
    p50, p99 = result.wait_quantiles()
    out.line(f"wait p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms over {len(result.waits)} requests")
    if result.mode == "mock":
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(result.statuses.items()))
        refused = max(result.http_429, int(result.server.get("rejected_429", 0) or 0))
        refused += int(result.server.get("rejected_418", 0) or 0)
        out.line(f"responses: {statuses or 'none'}")
        out.line(f"HTTP 429: {refused}", style="bold red" if refused else "bold")
        failed |= refused > 0
    for error in result.errors[:5]:
        out.line(f"error: {error}")
    return not failed


@main.command(context_settings=CONTEXT)
@click.option(
    "--seconds",
    default=6.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="How long the workload runs.",
)
@click.option(
    "--workers",
    default=4,
    show_default=True,
    type=click.IntRange(min=1),
    help="Threads (and 25x as many asyncio tasks in-process).",
)
@click.option(
    "--store",
    "store_url",
    default="memory://",
    show_default=True,
    metavar="URL",
    help="Where the budget lives: memory://, sqlite:///abs/path.db, redis://…",
)
@click.option(
    "--venue",
    "mode",
    type=click.Choice(["auto", "mock", "none"]),
    default="auto",
    show_default=True,
    help="mock: HTTP to the built-in mock Hyperliquid venue; none: threads and tasks in-process; "
    "auto: mock when installed.",
)
@click.option("--live/--no-live", default=True, help="Show the live view (only ever on a terminal).")
def demo(seconds: float, workers: int, store_url: str, mode: str, live: bool) -> None:
    """Run a mixed workload through one budget and check what it kept.

    Exits 1 if any window held more than its limit allows, or (mock venue) if the server
    answered a single 429.
    """
    from ._demo import mock_available, start_demo
    from ._errors import StoreError

    if mode == "mock" and not mock_available():
        _fail("--venue mock needs the mock venue and the requests integration: pip install 'ratekeeper[mock,requests]'")
    out = _Output()
    try:
        run = start_demo(seconds, workers, venue=mode, store=store_url)
    except (ValueError, TypeError) as exc:
        raise click.BadParameter(str(exc), param_hint="--store") from None
    except StoreError as exc:
        _fail(f"cannot use the store {_redact(store_url)}: {exc}", EXIT_STORE)
    try:
        if live and out.live:
            from rich.live import Live

            with Live(_demo_view(run), console=out.console, refresh_per_second=8, transient=False) as view:
                while not run.wait(0.125):
                    view.update(_demo_view(run))
                view.update(_demo_view(run))
        else:
            out.line(run.description + " ...")
            run.wait()
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    except StoreError as exc:
        _fail(f"the store {_redact(store_url)} failed: {exc}", EXIT_STORE)
    out.line("")
    ok = _demo_summary(out, run.result)
    out.line("")
    if not ok:
        if run.result.mode == "mock" and run.result.http_429:
            click.echo(f"FAILED: the server answered {run.result.http_429} HTTP 429s", err=True)
        else:
            click.echo("FAILED: a window held more than its limit", err=True)
        sys.exit(EXIT_CHECK_FAILED)
    if run.result.mode == "mock":
        out.line("OK: no window exceeded its limit; no HTTP 429", style="bold green")
    else:
        out.line("OK: no window exceeded its limit", style="bold green")


if __name__ == "__main__":
    main()
