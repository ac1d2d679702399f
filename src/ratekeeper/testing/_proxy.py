"""A forward HTTP proxy on loopback, for tests of proxy pools.

::

    from ratekeeper.testing import ForwardProxy, MockVenue

    with MockVenue("hyperliquid") as venue, ForwardProxy(source="127.0.0.2") as proxy:
        session = Session("hyperliquid", base_url=venue.url, proxy_pool=[proxy.url])
        session.post_info({"type": "allMids"})
        assert venue.stats.requests_by_ip == {"127.0.0.2": 1}

Each proxy sends its upstream connections from its own ``source`` address (Linux routes all
of 127.0.0.0/8 to the loopback interface, so 127.0.0.2, 127.0.0.3, … are distinct client
IPs for a server on 127.0.0.1, such as :class:`~ratekeeper.testing.MockVenue`, which keys
its budgets by the peer address). It speaks plain-HTTP absolute-URI proxying and ``CONNECT``
tunnels, one request per client connection; ``auth=(user, password)`` makes it demand Basic
``Proxy-Authorization``; :attr:`mode` makes it misbehave on purpose. Standard library only:
it runs its own event loop in a daemon thread.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import socket
import threading
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, urlsplit

from ._serve import ThreadedServer

__all__ = ["ForwardProxy", "ProxyStats", "loopback_source_works", "refusing_proxy_url"]

logger = logging.getLogger("ratekeeper.testing.proxy")

Mode = Literal["forward", "hang", "drop", "bad_gateway"]
"""``forward``: do the job; ``hang``: read the request, never answer (a read timeout for the
client: the request may have been sent); ``drop``: read the request and close the connection
(a connection reset after sending); ``bad_gateway``: answer 502 without forwarding."""

_HOP_BY_HOP = frozenset({"proxy-authorization", "proxy-connection", "connection", "keep-alive"})
_MAX_HEAD = 65536


@dataclass(frozen=True, slots=True)
class ProxyStats:
    """What a :class:`ForwardProxy` did since it started (or its last :meth:`~ForwardProxy.reset`)."""

    connections: int
    forwarded: int
    tunnels: int
    auth_refused: int
    upstream_errors: int
    misbehaved: int


def refusing_proxy_url(host: str = "127.0.0.1") -> str:
    """An ``http://`` proxy URL on ``host`` where nothing listens: connections are refused."""
    with socket.socket() as s:
        s.bind((host, 0))
        port = s.getsockname()[1]
    return f"http://{host}:{port}"


def loopback_source_works(address: str) -> bool:
    """Whether outgoing connections can leave from ``address`` (127.0.0.2 and up: Linux yes,
    macOS only with an alias configured)."""
    try:
        with socket.socket() as s:
            s.bind((address, 0))
    except OSError:
        return False
    return True


class ForwardProxy(ThreadedServer):
    """A forward HTTP proxy server on ``host`` (default 127.0.0.1) that connects upstream from
    ``source`` (default: any address).

    ``auth=(user, password)``: clients must send ``Proxy-Authorization: Basic …`` (else 407);
    :attr:`url` then carries the credentials. ``mode`` (settable while running): see
    :data:`Mode`. Use as a context manager, or :meth:`start` / :meth:`stop`.
    """

    def __init__(
        self,
        *,
        source: str | None = None,
        auth: tuple[str, str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        mode: Mode = "forward",
    ) -> None:
        self.source = source
        self.mode: Mode = mode
        self._auth = auth
        self._expected = (
            "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode() if auth is not None else None
        )
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(ProxyStats.__dataclass_fields__, 0)

    # -- facts -------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("ForwardProxy is not running: use `with ForwardProxy(...)` or start()")
        return self._port

    @property
    def address(self) -> str:
        """``host:port``: the label a pool gives this proxy by default."""
        return f"{self._host}:{self.port}"

    @property
    def url(self) -> str:
        """``http://[user:password@]host:port``."""
        auth = ""
        if self._auth is not None:
            auth = f"{quote(self._auth[0], safe='')}:{quote(self._auth[1], safe='')}@"
        return f"http://{auth}{self.address}"

    @property
    def stats(self) -> ProxyStats:
        with self._lock:
            return ProxyStats(**self._counts)

    def reset(self) -> None:
        """Zero the counters."""
        with self._lock:
            for key in self._counts:
                self._counts[key] = 0

    def _count(self, what: str) -> None:
        with self._lock:
            self._counts[what] += 1

    # -- running -----------------------------------------------------------------------

    def start(self) -> ForwardProxy:
        """Listen, in a daemon thread with its own event loop; returns ``self``."""
        if self._thread is not None:
            raise RuntimeError("ForwardProxy is already running")
        if self.source is not None and not loopback_source_works(self.source):
            raise OSError(f"cannot send from source address {self.source} on this machine")

        async def serve() -> None:
            self._server = await asyncio.start_server(self._client, self._host, self._requested_port)
            self._port = int(self._server.sockets[0].getsockname()[1])

        self._start_thread(f"ForwardProxy-{self.source or self._host}", serve, self._shutdown)
        logger.debug("forward proxy on %s (upstream from %s)", self.address, self.source or "any")
        return self

    def stop(self) -> None:
        """Stop listening and close every connection; idempotent."""
        if self._stop_thread():
            self._port = None

    async def _shutdown(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- one client connection ---------------------------------------------------------

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._count("connections")
        try:
            await self._serve_one(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        except asyncio.CancelledError:
            pass  # the proxy is stopping: this connection ends with it
        finally:
            if task is not None:
                self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > _MAX_HEAD:
            raise ValueError("request head too large")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers: list[tuple[str, str]] = []
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers.append((name.strip(), value.strip()))
        lowered = {k.lower(): v for k, v in headers}
        if self._expected is not None and lowered.get("proxy-authorization") != self._expected:
            self._count("auth_refused")
            await _answer(writer, 407, "Proxy Authentication Required", {"Proxy-Authenticate": 'Basic realm="proxy"'})
            return
        body = await _read_body(reader, lowered) if method != "CONNECT" else b""
        mode = self.mode
        if mode != "forward":
            self._count("misbehaved")
            if mode == "hang":
                while await reader.read(65536):  # until the client gives up (or the proxy stops)
                    pass
            elif mode == "bad_gateway":
                await _answer(writer, 502, "Bad Gateway", {})
            elif mode == "drop":
                writer.transport.abort()
            return
        if method == "CONNECT":
            await self._tunnel(target, reader, writer)
        else:
            await self._forward(method, target, headers, body, writer)

    async def _open(self, host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        local = (self.source, 0) if self.source is not None else None
        return await asyncio.open_connection(host, port, local_addr=local)

    async def _forward(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, writer: asyncio.StreamWriter
    ) -> None:
        parts = urlsplit(target)
        if parts.scheme != "http" or not parts.hostname:
            await _answer(writer, 400, "Bad Request", {})
            return
        try:
            up_reader, up_writer = await self._open(parts.hostname, parts.port or 80)
        except OSError:
            self._count("upstream_errors")
            await _answer(writer, 502, "Bad Gateway", {})
            return
        self._count("forwarded")
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        out = [f"{method} {path} HTTP/1.1"]
        out += [f"{k}: {v}" for k, v in headers if k.lower() not in _HOP_BY_HOP]
        out.append("Connection: close")
        try:
            up_writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body)
            await up_writer.drain()
            head = await up_reader.readuntil(b"\r\n\r\n")
            writer.write(_closing(head))  # one request per connection: the client must know
            await _pipe(up_reader, writer)
        finally:
            up_writer.close()

    async def _tunnel(self, target: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host, _, port = target.rpartition(":")
        try:
            up_reader, up_writer = await self._open(host.strip("[]"), int(port))
        except (OSError, ValueError):
            self._count("upstream_errors")
            await _answer(writer, 502, "Bad Gateway", {})
            return
        self._count("tunnels")
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            up_writer.close()


def _closing(head: bytes) -> bytes:
    """A response head that says ``Connection: close`` (and no other connection options)."""
    lines = head.decode("latin-1").split("\r\n")
    kept = [lines[0]] + [
        line for line in lines[1:] if line and line.split(":", 1)[0].strip().lower() not in _HOP_BY_HOP
    ]
    return ("\r\n".join([*kept, "Connection: close"]) + "\r\n\r\n").encode("latin-1")


async def _answer(writer: asyncio.StreamWriter, status: int, reason: str, headers: dict[str, str]) -> None:
    lines = [f"HTTP/1.1 {status} {reason}", "Content-Length: 0", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    await writer.drain()


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    """The request body: ``Content-Length`` bytes, or the raw chunks of a chunked body."""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        raw = bytearray()
        while True:
            line = await reader.readuntil(b"\r\n")
            raw += line
            size = int(line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while True:  # trailers, then the blank line
                    trailer = await reader.readuntil(b"\r\n")
                    raw += trailer
                    if trailer == b"\r\n":
                        return bytes(raw)
            raw += await reader.readexactly(size + 2)
    length = int(headers.get("content-length") or 0)
    return await reader.readexactly(length) if length else b""


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until end of file, then half-close the writer."""
    try:
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                break
            writer.write(chunk)
            await writer.drain()
    except ConnectionError:
        return
    with contextlib.suppress(OSError, RuntimeError):
        if writer.can_write_eof():
            writer.write_eof()
