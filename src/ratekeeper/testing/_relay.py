"""A fault-injecting TCP relay on loopback, for fault tests between a client and a server.

::

    from ratekeeper.testing import RedisServer, TcpRelay

    with RedisServer() as server, TcpRelay("127.0.0.1", server.port) as relay:
        store = RedisStore.from_url(relay.url_for())
        relay.delay = 0.1          # 100 ms more on every chunk, each way
        relay.blackhole()          # a hung network: calls time out
        relay.blackhole(False)
        relay.cut()                # every open connection closed at once
        relay.drop_rate = 0.05     # 1 chunk in 20 is lost and its connection cut
        relay.retarget("127.0.0.1", other.port)   # a failover behind a fixed address

It listens on 127.0.0.1 and copies bytes both ways between each client connection and a
connection of its own to the target, in a daemon thread with its own event loop (standard
library only). Every fault can be switched while it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random

from ._serve import ThreadedServer
from ._stores import _free_port

__all__ = ["TcpRelay"]

logger = logging.getLogger("ratekeeper.testing.relay")

_CHUNK = 65536
_CONNECT_TIMEOUT = 5.0
"""Seconds the relay waits for the target to accept a connection before closing the client's."""
_CALL_TIMEOUT = 10.0
"""Seconds a call from another thread (``cut``) waits for the relay's loop."""


class _Link:
    """One client connection and the relay's connection to the target for it."""

    __slots__ = ("client", "closed", "tasks", "upstream")

    def __init__(self, client: asyncio.StreamWriter) -> None:
        self.client = client
        self.upstream: asyncio.StreamWriter | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.closed = False


class TcpRelay(ThreadedServer):
    """A TCP relay on a loopback port to ``host:port``, with faults to inject while it runs.

    * :attr:`delay`: seconds added to every chunk, in each direction (latency, not a
      bandwidth limit: chunks keep their order and do not wait for each other's delay).
    * :attr:`drop_rate`: the fraction of chunks (either direction) that are lost, each
      cutting its connection (both sides) at once. The draws come from ``random.Random(seed)``,
      so the same sequence of chunks loses the same ones.
    * :meth:`blackhole`: a hung network. Connections are still accepted and read, but no byte
      is forwarded and nothing answers; chunks still waiting out their delay are lost too.
      A connection accepted while blackholed never gets a connection to the target (it
      stays a sink until it is closed); one that lost bytes may be in the middle of a
      message when the blackhole ends: close it (clients do after a timeout) or :meth:`cut`.
    * :meth:`cut`: close every open connection now, both sides.
    * :meth:`retarget`: new connections go to another target; open ones stay where they are
      (:meth:`cut` them to move everyone).

    :attr:`port` is chosen when the relay is built (``listen_port`` to choose it) and kept
    across :meth:`stop` and :meth:`start`. :attr:`connections` counts the client connections
    open now. Use as a context manager, or :meth:`start` / :meth:`stop`.
    """

    def __init__(self, host: str, port: int, *, listen_port: int | None = None, seed: int = 0) -> None:
        _check_port(port, "port")
        if listen_port is not None:
            _check_port(listen_port, "listen_port")
        self._target = (host, port)
        self._port = listen_port if listen_port is not None else _free_port()
        self._delay = 0.0
        self._drop_rate = 0.0
        self._blackholed = False
        self._rng = random.Random(seed)
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        host, port = self._target
        return f"TcpRelay(127.0.0.1:{self._port} -> {host}:{port}, running={self._thread is not None})"

    # -- facts and knobs ---------------------------------------------------------------

    @property
    def port(self) -> int:
        """The loopback port clients connect to."""
        return self._port

    @property
    def target(self) -> tuple[str, int]:
        """Where new connections go: ``(host, port)``."""
        return self._target

    def url_for(self, scheme: str = "redis", db: int = 0) -> str:
        """A URL for clients of the relay, e.g. ``redis://127.0.0.1:<port>/0``."""
        return f"{scheme}://127.0.0.1:{self._port}/{db}"

    @property
    def connections(self) -> int:
        """Client connections open now."""
        return len(self._links)

    @property
    def delay(self) -> float:
        """Seconds added to every chunk in each direction (0 by default)."""
        return self._delay

    @delay.setter
    def delay(self, seconds: float) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds):
            raise ValueError(f"delay must be a finite number of seconds >= 0, got {seconds!r}")
        if seconds < 0:
            raise ValueError(f"delay must be >= 0, got {seconds!r}")
        self._delay = float(seconds)

    @property
    def drop_rate(self) -> float:
        """The fraction of chunks, 0 to 1, that are lost with their connection (0 by default)."""
        return self._drop_rate

    @drop_rate.setter
    def drop_rate(self, fraction: float) -> None:
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0.0 <= fraction <= 1.0:
            raise ValueError(f"drop_rate must be a number from 0 to 1, got {fraction!r}")
        self._drop_rate = float(fraction)

    @property
    def blackholed(self) -> bool:
        return self._blackholed

    def blackhole(self, on: bool = True) -> None:
        """Accept and read, never forward nor answer (``on=False``: forward again)."""
        self._blackholed = bool(on)

    def retarget(self, host: str, port: int) -> None:
        """Send new connections to ``host:port``; open connections are left alone."""
        _check_port(port, "port")
        self._target = (host, port)

    def cut(self) -> None:
        """Close every open connection now, both sides (no-op when the relay is not running)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return

        async def cut_all() -> None:
            for link in list(self._links):
                self._close(link, abort=True)

        asyncio.run_coroutine_threadsafe(cut_all(), loop).result(_CALL_TIMEOUT)

    # -- running -----------------------------------------------------------------------

    def start(self) -> TcpRelay:
        """Listen, in a daemon thread with its own event loop; returns ``self``."""
        if self._thread is not None:
            raise RuntimeError("TcpRelay is already running")

        async def serve() -> None:
            self._server = await asyncio.start_server(self._accept, "127.0.0.1", self._port)

        self._start_thread(f"TcpRelay-{self._port}", serve, self._shutdown)
        logger.debug("relay on 127.0.0.1:%d to %s:%d", self._port, *self._target)
        return self

    def stop(self) -> None:
        """Stop listening and close every connection; idempotent."""
        self._stop_thread()

    def __enter__(self) -> TcpRelay:
        return self.start()

    async def _shutdown(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for link in list(self._links):
            self._close(link, abort=True)
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 1.0)

    # -- one client connection ---------------------------------------------------------

    def _track(self, link: _Link, task: asyncio.Task[None]) -> None:
        link.tasks.add(task)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _close(self, link: _Link, *, abort: bool) -> None:
        """Close both sides of ``link`` (``abort``: at once, discarding what is unsent) and
        cancel its tasks. Runs in the relay's loop."""
        if link.closed:
            return
        link.closed = True
        self._links.discard(link)
        for writer in (link.client, link.upstream):
            if writer is None:
                continue
            if abort:
                writer.transport.abort()
            else:
                writer.close()
        current = asyncio.current_task()
        for task in link.tasks:
            if task is not current:
                task.cancel()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        link = _Link(writer)
        self._links.add(link)
        task = asyncio.current_task()
        if task is not None:
            self._track(link, task)
        try:
            if self._blackholed:
                while await reader.read(_CHUNK):  # a sink: read everything, answer nothing
                    pass
                return
            host, port = self._target
            try:
                up_reader, up_writer = await asyncio.wait_for(asyncio.open_connection(host, port), _CONNECT_TIMEOUT)
            except (OSError, asyncio.TimeoutError) as exc:
                logger.debug("relay %d: target %s:%d not reached: %r", self._port, host, port, exc)
                return
            if link.closed:  # cut while connecting
                up_writer.transport.abort()
                return
            link.upstream = up_writer
            pumps = [
                asyncio.ensure_future(self._pump(link, reader, up_writer)),
                asyncio.ensure_future(self._pump(link, up_reader, writer)),
            ]
            for pump in pumps:
                self._track(link, pump)
            await asyncio.gather(*pumps)
        except (OSError, asyncio.CancelledError):
            pass  # a broken connection, a cut or the relay stopping: closed below
        finally:
            self._close(link, abort=False)

    async def _pump(self, link: _Link, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        """Copy ``src`` to ``dst``, each chunk after :attr:`delay`; at the end of ``src``,
        deliver what is pending, then close the link."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
        sender = asyncio.ensure_future(self._send(link, queue, dst))
        self._track(link, sender)
        try:
            while True:
                data = await src.read(_CHUNK)
                if not data:
                    queue.put_nowait(None)
                    break
                if self._blackholed:
                    continue
                if self._drop_rate > 0 and self._rng.random() < self._drop_rate:
                    logger.debug("relay %d: chunk of %d bytes dropped, connection cut", self._port, len(data))
                    self._close(link, abort=True)
                    return
                queue.put_nowait((loop.time() + self._delay, data))
            await sender
        except OSError:
            self._close(link, abort=True)

    async def _send(
        self, link: _Link, queue: asyncio.Queue[tuple[float, bytes] | None], dst: asyncio.StreamWriter
    ) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                item = await queue.get()
                if item is None:
                    self._close(link, abort=False)  # the other side ended: what was sent goes out first
                    return
                due, data = item
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if self._blackholed:
                    continue
                dst.write(data)
                await dst.drain()
        except OSError:
            self._close(link, abort=True)


def _check_port(port: int, name: str) -> None:
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ValueError(f"{name} must be a TCP port from 1 to 65535, got {port!r}")
