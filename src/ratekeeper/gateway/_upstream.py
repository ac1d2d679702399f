"""A lean HTTP/1.1 client for the gateway's one upstream: keep-alive connections, one write per
request, httptools' parser for the answer.

With aiohttp's client the gateway spends about a quarter more CPU per request than with this
one (docs/benchmarks.md), and it needs little of what aiohttp's client does: one origin,
bodies already in memory, no cookies, no redirects, no decompression (it asks for none). This
client does only that. It is used when ``httptools`` is installed (the
``gateway`` extra) and a request goes direct; through a proxy of a pool, aiohttp's client sends.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import Iterable
from typing import Any, cast

import httptools
from multidict import CIMultiDict

__all__ = ["Answer", "LeanUpstream", "NotSent", "SentLost"]


class NotSent(ConnectionError):
    """The connection to the venue could not be made: the request never left."""


class SentLost(ConnectionError):
    """The connection failed after the request was written: the venue may have seen it."""


class Answer:
    """One complete answer: status, reason, headers (case-insensitive), body."""

    __slots__ = ("body", "headers", "reason", "status")

    def __init__(self, status: int, reason: str, headers: CIMultiDict[str], body: bytes) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body


class _Connection(asyncio.Protocol):
    __slots__ = (
        "_body",
        "_delimited",
        "_headers",
        "_parser",
        "_reason",
        "_waiter",
        "alive",
        "idle_since",
        "transport",
    )

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.alive = False
        self.idle_since = 0.0
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[Answer] | None = None
        self._headers: list[tuple[str, str]] = []
        self._body: list[bytes] = []
        self._reason = ""
        self._delimited = False  # headers in, with no length and not chunked: the body ends at close

    # -- asyncio ----------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not an asyncio.Transport subclass
        self.alive = True

    def connection_lost(self, exc: Exception | None) -> None:
        self.alive = False
        if self._delimited and exc is None:  # a body delimited by the connection's end is complete
            self._delimited = False
            self.on_message_complete()
            return
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(SentLost(f"the venue closed the connection before answering ({exc or 'EOF'})"))

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self.alive = False
            waiter, self._waiter = self._waiter, None
            if waiter is not None and not waiter.done():
                waiter.set_exception(SentLost(f"the venue's answer is not valid HTTP: {exc}"))
            if self.transport is not None:
                self.transport.close()

    def eof_received(self) -> bool | None:
        self.alive = False
        return None

    # -- httptools ----------------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._reason = ""

    def on_status(self, reason: bytes) -> None:
        # httptools hands the reason over in as many pieces as it arrived in
        self._reason += reason.decode("latin-1")

    def on_header(self, name: bytes, value: bytes) -> None:
        # bytes as the venue sent them, decoded as aiohttp's client does (and its server
        # encodes them back to the same bytes)
        self._headers.append((name.decode("utf-8", "surrogateescape"), value.decode("utf-8", "surrogateescape")))

    def on_headers_complete(self) -> None:
        names = {name.lower() for name, _ in self._headers}
        self._delimited = "content-length" not in names and "transfer-encoding" not in names

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        self._delimited = False
        status = self._parser.get_status_code()
        if 100 <= status < 200 and status != 101:
            # an interim answer (100 Continue, 103 Early Hints): the final one follows on the
            # same connection and is the one the request waits for
            self._headers = []
            self._body = []
            return
        answer = Answer(status, self._reason, CIMultiDict(self._headers), b"".join(self._body))
        self._headers = []
        self._body = []
        if not self._parser.should_keep_alive():
            self.alive = False
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(answer)
        else:
            # an answer nobody asked for: the connection is out of step, never reuse it
            self.close()

    # -- use ---------------------------------------------------------------------------------

    def send(self, data: bytes, loop: asyncio.AbstractEventLoop) -> asyncio.Future[Answer]:
        waiter: asyncio.Future[Answer] = loop.create_future()
        self._waiter = waiter
        assert self.transport is not None
        self.transport.write(data)
        return waiter

    def close(self) -> None:
        self.alive = False
        if self.transport is not None:
            self.transport.close()


class LeanUpstream:
    """Keep-alive connections to one origin (``http`` or ``https``), at most ``limit`` open.

    :meth:`request` sends one request and returns its complete :class:`Answer`; it raises
    :class:`NotSent` when no connection could be made and :class:`SentLost` when the
    connection failed after the request was written, and ``TimeoutError`` when no answer came
    within ``read_timeout`` seconds (the request may have been seen).
    """

    def __init__(
        self,
        scheme: str,
        host: str,
        port: int,
        *,
        limit: int = 100,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        idle_timeout: float = 15.0,
    ) -> None:
        if scheme not in ("http", "https"):
            raise ValueError(f"upstream must be http or https, got {scheme!r}")
        self.host = host
        self.port = port
        self._ssl: ssl.SSLContext | None = ssl.create_default_context() if scheme == "https" else None
        default = 443 if scheme == "https" else 80
        host_header = f"[{host}]" if ":" in host else host
        self._host_line = (f"Host: {host_header}" + ("" if port == default else f":{port}") + "\r\n").encode("latin-1")
        self._idle: deque[_Connection] = deque()
        self._slots = asyncio.Semaphore(limit)
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._idle_timeout = idle_timeout
        self._closed = False

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            _, protocol = await asyncio.wait_for(
                loop.create_connection(
                    _Connection,
                    self.host,
                    self.port,
                    ssl=self._ssl,
                    server_hostname=self.host if self._ssl is not None else None,
                ),
                self._connect_timeout,
            )
        except (OSError, asyncio.TimeoutError) as exc:
            raise NotSent(f"cannot connect to {self.host}:{self.port}: {exc or type(exc).__name__}") from exc
        return protocol

    def _encode(self, method: str, target: str, headers: Iterable[tuple[str, str]], body: bytes) -> bytes:
        # the bytes the client sent: aiohttp's server decoded them as UTF-8 with surrogateescape
        head = [
            f"{method} {target} HTTP/1.1\r\n".encode("utf-8", "surrogateescape"),
            self._host_line,
            b"Accept-Encoding: identity\r\n",
        ]
        for name, value in headers:
            head.append(f"{name}: {value}\r\n".encode("utf-8", "surrogateescape"))
        if body or method in ("POST", "PUT", "PATCH"):
            head.append(b"Content-Length: %d\r\n" % len(body))
        head.append(b"\r\n")
        if body:
            head.append(body)
        return b"".join(head)

    async def request(self, method: str, target: str, headers: Iterable[tuple[str, str]], body: bytes) -> Answer:
        if self._closed:
            raise NotSent("the gateway's upstream client is closed")
        data = self._encode(method, target, headers, body)
        loop = asyncio.get_running_loop()
        async with self._slots:
            conn = None
            now = loop.time()
            while self._idle:
                candidate = self._idle.pop()
                # a connection idle for long may be closed by the venue as we write to it (an
                # action would then have an unknown outcome): a fresh one instead
                fresh = now - candidate.idle_since < self._idle_timeout
                if (
                    fresh
                    and candidate.alive
                    and candidate.transport is not None
                    and not candidate.transport.is_closing()
                ):
                    conn = candidate
                    break
                candidate.close()
            if conn is None:
                conn = await self._connect()
            waiter = conn.send(data, loop)
            timer = loop.call_later(self._read_timeout, _expire, waiter, self._read_timeout)
            try:
                answer = await waiter
            except BaseException:
                conn.close()  # a cancelled or failed exchange leaves the connection in an unknown state
                raise
            finally:
                timer.cancel()
            if conn.alive and not self._closed:
                conn.idle_since = loop.time()
                self._idle.append(conn)
            else:
                conn.close()
            return answer

    async def close(self) -> None:
        self._closed = True
        while self._idle:
            self._idle.pop().close()


def _expire(waiter: asyncio.Future[Any], seconds: float) -> None:
    if not waiter.done():
        waiter.set_exception(asyncio.TimeoutError(f"no answer from the venue within {seconds:g} s"))
