"""``ratekeeper demo``: a mixed workload spends one budget (in-process, or over HTTP against the
mock venue) and the run is checked: no window over its limit, no HTTP 429."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

import click

from ._common import CONTEXT, EXIT_CHECK_FAILED, EXIT_INTERRUPTED, EXIT_STORE, fail
from ._output import Column, Output, num, redact

if TYPE_CHECKING:
    from .._demo import DemoResult, DemoRun

__all__ = ["demo"]


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


def _demo_summary(out: Output, result: DemoResult) -> bool:
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
                num(lim.capacity),
                f"{num(lim.period)} s",
                num(round(most, 3)),
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
                    num(lim.capacity),
                    f"{num(lim.period)} s",
                    num(round(most, 3)) + ("  OVER" if over else ""),
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


@click.command(context_settings=CONTEXT)
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
    from .._demo import mock_available, start_demo
    from .._errors import StoreError

    if mode == "mock" and not mock_available():
        fail("--venue mock needs the mock venue and the requests integration: pip install 'ratekeeper[mock,requests]'")
    out = Output()
    try:
        run = start_demo(seconds, workers, venue=mode, store=store_url)
    except (ValueError, TypeError) as exc:
        raise click.BadParameter(str(exc), param_hint="--store") from None
    except StoreError as exc:
        fail(f"cannot use the store {redact(store_url)}: {exc}", EXIT_STORE)
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
        fail(f"the store {redact(store_url)} failed: {exc}", EXIT_STORE)
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
