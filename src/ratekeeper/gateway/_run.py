"""Running a :class:`Gateway`: its forwarding port and its admin port, until a signal."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass

from ._config import is_loopback
from ._server import SHUTDOWN_TIMEOUT, Gateway, web

__all__ = ["Running", "check_listen", "serve", "start"]

log = logging.getLogger("ratekeeper.gateway")


def check_listen(host: str, *, allow_remote: bool, what: str = "--listen") -> None:
    """Refuse a non-loopback address unless ``allow_remote``: a gateway spends the budget of
    whoever reaches it, so it listens on this machine only unless told otherwise."""
    if not allow_remote and not is_loopback(host):
        raise ValueError(
            f"{what} {host}: not a loopback address; anyone who reaches it spends your budget "
            "(and your API keys pass through it). Pass --allow-remote to listen there anyway"
        )


@dataclass
class Running:
    """A started gateway: its runners and the addresses they listen on."""

    gateway: Gateway
    runner: web.AppRunner
    admin: web.AppRunner | None
    url: str
    admin_url: str | None

    async def stop(self) -> None:
        """Stop listening, let in-flight requests finish (up to the shutdown timeout), close."""
        log.info("gateway: stopping; %d request(s) in flight", self.gateway.in_flight)
        await self.runner.cleanup()
        if self.admin is not None:
            await self.admin.cleanup()
        await self.gateway.close()
        log.info("gateway: stopped")


def _url(runner: web.AppRunner) -> str:
    host, port = runner.addresses[0][:2]
    host = f"[{host}]" if ":" in str(host) else host
    return f"http://{host}:{port}"


async def start(
    gateway: Gateway,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    admin: tuple[str, int] | None = None,
    allow_remote: bool = False,
    shutdown_timeout: float = SHUTDOWN_TIMEOUT,
    access_log: bool = True,
) -> Running:
    """Start ``gateway`` on ``host:port`` (and its admin application on ``admin``) in the
    running loop. Addresses are checked before anything listens."""
    check_listen(host, allow_remote=allow_remote)
    if admin is not None:
        check_listen(admin[0], allow_remote=allow_remote, what="--admin")
    await gateway.start()
    runners: list[web.AppRunner] = []
    try:
        # handler_cancellation: a client that disconnects cancels its handler, so a request
        # still waiting for its slot gives the slot back
        runner = web.AppRunner(
            gateway.app(),
            handle_signals=False,
            shutdown_timeout=shutdown_timeout,
            handler_cancellation=True,
            access_log=None,
        )
        await runner.setup()
        runners.append(runner)
        await web.TCPSite(runner, host, port).start()
        admin_runner = None
        if admin is not None:
            admin_runner = web.AppRunner(
                gateway.admin_app(), handle_signals=False, shutdown_timeout=1.0, access_log=None
            )
            await admin_runner.setup()
            runners.append(admin_runner)
            await web.TCPSite(admin_runner, admin[0], admin[1]).start()
    except BaseException:
        for r in runners:
            with contextlib.suppress(Exception):
                await r.cleanup()
        await gateway.close()
        raise
    running = Running(gateway, runner, admin_runner, _url(runner), _url(admin_runner) if admin_runner else None)
    if not access_log:
        logging.getLogger("ratekeeper.gateway.access").setLevel(logging.WARNING)
    log.info(
        "gateway: %s -> %s listening on %s (admin %s)",
        gateway.venue.name,
        gateway.upstream,
        running.url,
        running.admin_url or "off",
        extra={"venue": gateway.venue.name, "upstream": gateway.upstream, "url": running.url},
    )
    return running


async def serve(
    gateway: Gateway,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    admin: tuple[str, int] | None = None,
    allow_remote: bool = False,
    shutdown_timeout: float = SHUTDOWN_TIMEOUT,
    access_log: bool = True,
    on_ready: Callable[[Running], None] | None = None,
) -> None:
    """Run ``gateway`` until SIGINT or SIGTERM, then shut down gracefully."""
    running = await start(
        gateway,
        host,
        port,
        admin=admin,
        allow_remote=allow_remote,
        shutdown_timeout=shutdown_timeout,
        access_log=access_log,
    )
    # what start-up allocated (modules, rules, the app) will live as long as the process: out
    # of the collector's way, so a full collection under load does not walk it (a GC pause is
    # a latency spike for every request in flight)
    gc.collect()
    gc.freeze()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # pragma: no cover - Windows
            loop.add_signal_handler(sig, stop.set)
    try:
        if on_ready is not None:
            on_ready(running)
        await stop.wait()
    finally:
        await running.stop()
