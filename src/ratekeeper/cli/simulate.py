"""``ratekeeper simulate VENUE --workload FILE``: a workload run through a venue's limits in
simulated time (no sleeping, no network), reported per request type and per budget."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

import click

from ._common import CONTEXT, fail, load_venue
from ._output import Output, cost_text, duration, num

if TYPE_CHECKING:
    from .._simulate import Report, Simulation

__all__ = ["simulate"]


def _print_report(out: Output, report: Report, sim: Simulation) -> None:
    out.line(
        f"{report.venue}: {report.requests} requests offered over {duration(report.offered_seconds)}; "
        f"all started after {duration(report.makespan)}" + (" (recorded log)" if sim.workload.recorded else "")
    )
    if report.total_wait > 1e-9 and report.binding:
        out.line(
            f"binding limit: {report.binding} ({report.binding_share:.0%} of all waiting, "
            f"{duration(report.total_wait)} of waiting in total)",
            style="bold",
        )
    elif report.binding:
        out.line(f"nothing waited; the fullest budget is {report.binding}")
    key = next((k for k in report.keys if k.label == report.saturates), None)
    if math.isfinite(report.headroom) and key is not None:
        renews = f"{num(key.capacity)} per {duration(key.period)}"
        if report.headroom >= 1:
            out.line(f"this mix could run {report.headroom:.2f} times faster before {key.label} ({renews}) saturates")
        else:
            line = (
                f"this mix asks {key.label} for {1 / report.headroom:.2f} times what it renews ({renews}): "
                "it cannot be sustained"
            )
            if key.period > report.makespan:
                line += f"; its window ({duration(key.period)}) is longer than this run, which it lets through"
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
                num(round(t.offered_rate, 3)),
                num(round(t.achieved_rate, 3)),
                "-" if t.sustainable_rate is None else num(round(t.sustainable_rate, 3)),
                "-" if t.alone_rate is None else num(round(t.alone_rate, 3)),
                cost_text(t.cost),
                duration(t.wait_p50),
                duration(t.wait_p99),
                duration(t.wait_max),
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
                f"{num(k.capacity)}/{num(k.period)} s" if k.algorithm != "quota" else num(k.capacity),
                k.algorithm,
                num(round(k.demand, 3)),
                "-" if k.algorithm == "quota" else f"{k.utilisation:.0%}",
                f"{k.peak:.0%}",
                duration(k.waits),
                ""
                if k.lasts is None
                else f"allowance lasts {duration(k.lasts)} at this demand, then 1 per {num(k.period)} s",
            ]
            for k in report.keys
        ],
    )


@click.command(context_settings=CONTEXT)
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
    from .._simulate import WorkloadError, analyse, load_workload, plot
    from .._simulate import simulate as run

    venue = load_venue(venue_name)
    try:
        workload = load_workload(workload_path, venue, seconds)
    except WorkloadError as exc:
        fail(str(exc))
    sim = run(workload, sample=True)
    report = analyse(sim)
    if plot_path:
        try:
            plot(sim, report, plot_path)
        except ImportError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"cannot write {plot_path!r}: {exc.strerror or exc}")
    if as_json:
        data = report.as_dict()
        if plot_path:
            data["plot"] = plot_path
        click.echo(json.dumps(data, indent=2))
        return
    out = Output()
    _print_report(out, report, sim)
    if plot_path:
        out.line(f"plot: {plot_path}")
