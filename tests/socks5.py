"""A SOCKS5 proxy server on loopback for the tests (RFC 1928 ``CONNECT``, with no
authentication or with a user name and password, RFC 1929), whose upstream connections
leave from its own ``source`` address, like :class:`ratekeeper.testing.ForwardProxy`."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import struct
import threading
from urllib.parse import quote

from ratekeeper.testing._proxy import _pipe
from ratekeeper.testing._serve import ThreadedServer

_VERSION = 5
_NO_AUTH, _PASSWORD, _NO_METHOD = 0x00, 0x02, 0xFF
_CONNECT = 0x01
_IPV4, _DOMAIN, _IPV6 = 0x01, 0x03, 0x04
_OK, _REFUSED, _NOT_SUPPORTED = 0x00, 0x05, 0x07


class Socks5Proxy(ThreadedServer):
    """``with Socks5Proxy(source="127.0.0.2") as proxy``: :meth:`url` is the proxy's URL;
    :attr:`targets` the ``(host, port)`` of every ``CONNECT`` it carried; :attr:`refused` the
    handshakes it refused (bad credentials, a command other than ``CONNECT``)."""

    def __init__(self, *, source: str | None = None, auth: tuple[str, str] | None = None) -> None:
        self.source = source
        self._auth = auth
        self._port: int | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._lock = threading.Lock()
        self.targets: list[tuple[str, int]] = []
        self.refused = 0

    @property
    def address(self) -> str:
        """``127.0.0.1:port``: the label a pool gives this proxy by default."""
        assert self._port is not None, "not running"
        return f"127.0.0.1:{self._port}"

    def url(self, scheme: str = "socks5h") -> str:
        auth = ""
        if self._auth is not None:
            auth = f"{quote(self._auth[0], safe='')}:{quote(self._auth[1], safe='')}@"
        return f"{scheme}://{auth}{self.address}"

    def start(self) -> Socks5Proxy:
        async def serve() -> None:
            self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
            self._port = int(self._server.sockets[0].getsockname()[1])

        self._start_thread(f"Socks5Proxy-{self.source}", serve, self._shutdown)
        return self

    async def _shutdown(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve_one(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    def _refuse(self) -> None:
        with self._lock:
            self.refused += 1

    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        version, count = await reader.readexactly(2)
        methods = await reader.readexactly(count)
        wanted = _PASSWORD if self._auth is not None else _NO_AUTH
        if version != _VERSION or wanted not in methods:
            writer.write(bytes([_VERSION, _NO_METHOD]))
            self._refuse()
            return
        writer.write(bytes([_VERSION, wanted]))
        if self._auth is not None:
            _, ulen = await reader.readexactly(2)
            user = (await reader.readexactly(ulen)).decode()
            (plen,) = await reader.readexactly(1)
            password = (await reader.readexactly(plen)).decode()
            ok = (user, password) == self._auth
            writer.write(bytes([1, 0 if ok else 1]))
            if not ok:
                self._refuse()
                return
        _, command, _, kind = await reader.readexactly(4)
        if kind == _IPV4:
            host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
        elif kind == _IPV6:
            host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
        else:
            (length,) = await reader.readexactly(1)
            host = (await reader.readexactly(length)).decode()
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        if command != _CONNECT:
            writer.write(_reply(_NOT_SUPPORTED))
            self._refuse()
            return
        try:
            local = (self.source, 0) if self.source is not None else None
            up_reader, up_writer = await asyncio.open_connection(host, port, local_addr=local, family=socket.AF_INET)
        except OSError:
            writer.write(_reply(_REFUSED))
            return
        with self._lock:
            self.targets.append((host, port))
        writer.write(_reply(_OK))
        await writer.drain()
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            up_writer.close()


def _reply(status: int) -> bytes:
    return bytes([_VERSION, status, 0, _IPV4, 0, 0, 0, 0, 0, 0])
