"""``ratekeeper gateway VENUE``: a limiting HTTP gateway any client can point at (the server
itself is :mod:`ratekeeper.gateway`)."""

from __future__ import annotations

import sys
from typing import Any

import click

from ._common import CONTEXT, fail

__all__ = ["gateway"]


@click.command(context_settings=CONTEXT)
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
        from ..gateway._cli import run_command
    except ImportError as exc:
        fail(f"the gateway is not available in this installation: {exc}")

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
        fail=fail,
        ready=ready,
    )
