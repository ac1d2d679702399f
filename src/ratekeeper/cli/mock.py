"""``ratekeeper mock VENUE``: the mock venue on loopback, enforcing the venue's published
limits, until interrupted."""

from __future__ import annotations

import signal
import sys

import click

from ._common import CONTEXT, fail
from ._output import num

__all__ = ["mock"]


@click.command(context_settings=CONTEXT)
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
        from ..testing.mock_venue import MockVenue, serve_forever, venue_names
    except ImportError as exc:
        fail(f"the mock venue is not available in this installation: {exc}")
    names = list(venue_names())
    if venue_name.lower() not in names:
        raise click.BadParameter(f"the mock venue knows {', '.join(names)}, not {venue_name!r}", param_hint="VENUE")

    def ready(server: MockVenue) -> None:
        click.echo(
            f"serving a mock {server.venue} venue at {server.url} "
            f"({num(server.capacity)} weight per {num(server.period)} s per IP); Ctrl-C stops it"
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
        fail(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}")
