"""Test helpers for the HTTP integrations: a scripted HTTP server on 127.0.0.1, and one driver
per client flavour (requests, httpx, httpx async, aiohttp) so every behaviour is checked
through all four with the same test.

The server answers whatever it is told: odd statuses, garbage bodies, malformed headers, a
dropped connection, a slow answer. The mock venue (``ratekeeper.testing.MockVenue``) is used
where the venue's real rules matter (tests/test_e2e_*.py).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

from ratekeeper import LimitStatistics

__all__ = [
    "DROP",
    "FLAVOURS",
    "Driver",
    "Reply",
    "ScriptServer",
    "Seen",
    "closed_port",
    "reply",
    "stat",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b"{}"
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    """Close the connection without answering."""


DROP = Reply(drop=True)


_EMPTY_OBJECT: Any = object()


def reply(
    status: int = 200, body: Any = _EMPTY_OBJECT, headers: Mapping[str, str] | None = None, *, raw: bytes | None = None
) -> Reply:
    """A JSON reply (``{}`` by default; ``None`` is JSON ``null``), or ``raw`` bytes."""
    data = raw if raw is not None else json.dumps({} if body is _EMPTY_OBJECT else body).encode()
    return Reply(status, data, dict(headers or {}))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.monotonic())
        answer = self.server.owner._answer(seen)
        if answer.delay:
            time.sleep(answer.delay)
        if answer.drop:
            self.close_connection = True
            return
        self.send_response(answer.status)
        sent = {k.lower() for k in answer.headers}
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if "content-type" not in sent:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    do_GET = do_POST = do_PUT = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: ScriptServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (a timeout test) breaks the pipe: not news


class ScriptServer:
    """An HTTP server that answers from a script: ``script(r1, r2, ...)`` queues replies served
    in order; once it is empty, ``default`` answers (or ``responder(seen)`` when given)."""

    def __init__(self, responder: Callable[[Seen], Reply] | None = None, default: Reply | None = None) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._lock = threading.Lock()
        self._script: list[Reply] = []
        self.responder = responder
        self.default = default if default is not None else reply(200, {})
        self.seen: list[Seen] = []
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._script.extend(replies)

    def _answer(self, seen: Seen) -> Reply:
        with self._lock:
            self.seen.append(seen)
            if self._script:
                return self._script.pop(0)
        return self.responder(seen) if self.responder is not None else self.default

    def __enter__(self) -> ScriptServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def closed_port() -> str:
    """A URL on 127.0.0.1 where nothing listens."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def stat(stats: tuple[LimitStatistics, ...], limit: str, scope: str | None = None) -> LimitStatistics:
    """The statistics entry of one limit (and scope, when given)."""
    found = [s for s in stats if s.limit == limit and (scope is None or s.scope == scope)]
    assert found, f"no statistics for {limit!r} (scope {scope!r}) in {stats}"
    return found[0]


# --------------------------------------------------------------------------------------------
# one driver per client flavour


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


FLAVOURS = ("requests", "httpx", "httpx-async", "aiohttp")


class Driver:
    """One ratekeeper client of a flavour, driven synchronously by the tests.

    The async flavours run on one event loop the driver owns (so their AsyncLimiter lives in
    one loop for the whole test)."""

    def __init__(self, flavour: str, venue: Any, **options: Any) -> None:
        self.flavour = flavour
        self._loop: asyncio.AbstractEventLoop | None = None
        self.client: Any
        if flavour == "requests":
            from ratekeeper.requests import Session

            self.client = Session(venue, **options)
        elif flavour == "httpx":
            from ratekeeper.httpx import Client

            self.client = Client(venue, **options)
        elif flavour == "httpx-async":
            from ratekeeper.httpx import AsyncClient

            self._loop = asyncio.new_event_loop()
            self.client = AsyncClient(venue, **options)
        elif flavour == "aiohttp":
            from ratekeeper.aiohttp import ClientSession

            self._loop = asyncio.new_event_loop()

            async def make() -> Any:
                return ClientSession(venue, **options)

            self.client = self._loop.run_until_complete(make())
        else:  # pragma: no cover
            raise ValueError(flavour)

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        assert self._loop is not None
        return self._loop.run_until_complete(coro)

    def call(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 5.0,
    ) -> Answer:
        c = self.client
        if self.flavour == "requests":
            r = c.request(method, url, json=json_body, headers=headers, timeout=timeout)
            return Answer(r.status_code, r.content, dict(r.headers))
        if self.flavour == "httpx":
            r = c.request(method, url, json=json_body, headers=headers, timeout=timeout)
            return Answer(r.status_code, r.content, dict(r.headers))
        if self.flavour == "httpx-async":

            async def go() -> Answer:
                r = await c.request(method, url, json=json_body, headers=headers, timeout=timeout)
                return Answer(r.status_code, r.content, dict(r.headers))

            return self._run(go())
        import aiohttp

        async def go_aio() -> Answer:
            async with c.request(
                method, url, json=json_body, headers=headers, timeout=aiohttp.ClientTimeout(sock_read=timeout)
            ) as r:
                return Answer(r.status, await r.read(), dict(r.headers))

        return self._run(go_aio())

    def post_info(self, payload: Mapping[str, Any]) -> Any:
        if self._loop is None:
            return self.client.post_info(payload)
        return self._run(self.client.post_info(payload))

    def stats(self) -> tuple[LimitStatistics, ...]:
        limiter = self.client.limiter
        if self._loop is None:
            result: tuple[LimitStatistics, ...] = limiter.statistics()
            return result
        return self._run(limiter.statistics())

    def close(self) -> None:
        if self._loop is None:
            self.client.close()
            return
        if self.flavour == "httpx-async":
            self._run(self.client.aclose())
        else:
            self._run(self.client.close())
        self._loop.run_until_complete(asyncio.sleep(0))
        self._loop.close()


def test_script_server_answers_in_order() -> None:
    with ScriptServer() as srv:
        import requests

        srv.script(reply(201, {"a": 1}), reply(202, raw=b"x", headers={"Content-Type": "text/plain"}))
        assert requests.get(srv.url + "/a", timeout=5).status_code == 201
        r = requests.get(srv.url + "/b", timeout=5)
        assert (r.status_code, r.content) == (202, b"x")
        assert requests.get(srv.url + "/c", timeout=5).status_code == 200
        assert [s.path for s in srv.seen] == ["/a", "/b", "/c"]
