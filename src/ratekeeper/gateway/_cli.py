"""``ratekeeper gateway``: what the command does once click has read its options."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from ._config import parse_limit, parse_listen
from ._run import Running, check_listen, serve
from ._server import Gateway

__all__ = ["loop_runner", "run_command"]


def loop_runner(loop: str) -> Callable[[Coroutine[Any, Any, None]], None]:
    """What runs the server: uvloop's event loop when installed (``auto``; the gateway spends
    about 12% less CPU per request on it: docs/benchmarks.md), or asyncio's."""
    if loop not in ("auto", "uvloop", "asyncio"):
        raise ValueError(f"--loop must be auto, uvloop or asyncio, got {loop!r}")
    if loop != "asyncio":
        try:
            import uvloop
        except ImportError as exc:
            if loop == "uvloop":
                raise ImportError(
                    f"--loop uvloop: uvloop is not installed: pip install 'ratekeeper[gateway]' ({exc})"
                ) from exc
        else:
            return uvloop.run
    return asyncio.run


def _logging(json_logs: bool, access_log: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if json_logs:
        from ..metrics import JsonFormatter

        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("ratekeeper")
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = False
    logging.getLogger("ratekeeper.gateway.access").setLevel(logging.INFO if access_log else logging.WARNING)


def build(
    venue: str,
    *,
    listen: str,
    admin: str | None,
    store: str,
    proxy_pool: str | None,
    upstream: str | None,
    limits: Sequence[str],
    allow_remote: bool,
    metrics: bool = True,
    ws_upstream: str | None = None,
    ip: str | None = None,
) -> tuple[Gateway, tuple[str, int], tuple[str, int] | None]:
    """The gateway and its addresses from the command's options; raises ``ValueError`` (or
    ``ImportError`` naming the extra to install) before anything listens or is sent."""
    host, port = parse_listen(listen)
    check_listen(host, allow_remote=allow_remote)
    admin_at = parse_listen(admin, what="--admin") if admin else None
    if admin_at is not None:
        check_listen(admin_at[0], allow_remote=allow_remote, what="--admin")
        if admin_at == (host, port) and port != 0:
            raise ValueError(f"--admin {admin}: must differ from --listen {listen}")
    overrides = dict(parse_limit(text) for text in limits)
    registry: Any = None
    if metrics:
        try:
            from prometheus_client import CollectorRegistry

            from ..metrics import Metrics
        except ImportError:
            registry = None
        else:
            registry = Metrics(CollectorRegistry())
    from ..venues import venue as by_name

    v = by_name(venue)
    gateway = Gateway(
        v,
        upstream=upstream,
        store=store,
        proxy_pool=proxy_pool,
        limits=overrides,
        metrics=registry,
        ws_upstream=ws_upstream,
        ip=ip,
    )
    return gateway, (host, port), admin_at


def run_command(
    venue: str,
    *,
    listen: str,
    admin: str | None,
    store: str,
    proxy_pool: str | None,
    upstream: str | None,
    limits: Sequence[str],
    allow_remote: bool,
    access_log: bool,
    ws_upstream: str | None = None,
    ip: str | None = None,
    json_logs: bool,
    shutdown_timeout: float,
    loop: str = "auto",
    fail: Callable[[str], None],
    ready: Callable[[Running], None],
) -> None:
    """Build, listen, serve until SIGINT/SIGTERM. Bad options go to ``fail`` (the CLI's usage
    error) before anything listens (and before logging is set up: nothing global changes)."""
    try:
        gateway, (host, port), admin_at = build(
            venue,
            listen=listen,
            admin=admin,
            store=store,
            proxy_pool=proxy_pool,
            upstream=upstream,
            limits=limits,
            allow_remote=allow_remote,
            ws_upstream=ws_upstream,
            ip=ip,
        )
    except (ValueError, TypeError, ImportError) as exc:
        fail(str(exc))
        return
    try:
        runner = loop_runner(loop)
    except ImportError as exc:
        fail(str(exc))
        return
    _logging(json_logs, access_log)
    try:
        runner(
            serve(
                gateway,
                host,
                port,
                admin=admin_at,
                allow_remote=allow_remote,
                shutdown_timeout=shutdown_timeout,
                access_log=access_log,
                on_ready=ready,
            )
        )
    except OSError as exc:
        fail(f"cannot listen on {listen}: {exc.strerror or exc}")
