"""ratekeeper.testing.TcpRelay on its own, against a small tagged echo server: forwarding,
latency, a blackhole, cuts, drops, retargeting, and a clean stop."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest

from ratekeeper.testing import TcpRelay


class _Echo(socketserver.BaseRequestHandler):
    server: EchoServer

    def handle(self) -> None:
        while True:
            try:
                data = self.request.recv(65536)
            except OSError:
                return
            if not data:
                return
            with self.server.lock:
                self.server.received += len(data)
            self.request.sendall(self.server.tag + data)


class EchoServer(socketserver.ThreadingTCPServer):
    """Answers every chunk with ``tag`` + the chunk; counts the bytes it received."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, tag: bytes) -> None:
        super().__init__(("127.0.0.1", 0), _Echo)
        self.tag = tag
        self.received = 0
        self.lock = threading.Lock()
        self.port: int = self.server_address[1]
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.shutdown()
        self.server_close()
        self.thread.join(5)


@pytest.fixture
def echo() -> Iterator[EchoServer]:
    server = EchoServer(b"A:")
    yield server
    server.close()


@pytest.fixture
def relay(echo: EchoServer) -> Iterator[TcpRelay]:
    with TcpRelay("127.0.0.1", echo.port) as r:
        yield r


def connect(relay: TcpRelay, timeout: float = 2.0) -> socket.socket:
    return socket.create_connection(("127.0.0.1", relay.port), timeout=timeout)


def ask(sock: socket.socket, data: bytes, want: int | None = None) -> bytes:
    """Send ``data``, read until ``want`` bytes (default: tag + data) arrived."""
    sock.sendall(data)
    want = want if want is not None else len(data) + 2
    got = b""
    while len(got) < want:
        chunk = sock.recv(65536)
        if not chunk:
            break
        got += chunk
    return got


def closed_by_peer(sock: socket.socket, timeout: float = 2.0) -> bool:
    sock.settimeout(timeout)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def wait_until(cond: object, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while not cond():  # type: ignore[operator]
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def relay_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("TcpRelay-")]


def test_it_forwards_both_ways_and_counts_connections(relay: TcpRelay) -> None:
    assert relay.url_for() == f"redis://127.0.0.1:{relay.port}/0"
    assert relay.url_for("rediss", 3) == f"rediss://127.0.0.1:{relay.port}/3"
    assert relay.connections == 0
    with connect(relay) as a, connect(relay) as b:
        assert ask(a, b"hello") == b"A:hello"
        assert ask(b, b"world") == b"A:world"
        assert wait_until(lambda: relay.connections == 2)
    assert wait_until(lambda: relay.connections == 0)


def test_large_transfers_arrive_whole_and_in_order(echo: EchoServer, relay: TcpRelay) -> None:
    payload = bytes(range(256)) * 4000  # ~1 MB: many chunks each way
    with connect(relay) as s:
        s.sendall(payload)
        deadline = time.monotonic() + 10
        while echo.received < len(payload) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert echo.received == len(payload)
        got = b""
        s.settimeout(2.0)
        while len(got.replace(b"A:", b"")) < len(payload):
            got += s.recv(65536)
    assert got.replace(b"A:", b"") == payload  # the payload holds no "A:", so only the tags go


def test_delay_is_added_to_each_chunk_each_way_and_can_change_while_running(relay: TcpRelay) -> None:
    with connect(relay) as s:
        assert ask(s, b"warm") == b"A:warm"
        relay.delay = 0.15
        started = time.monotonic()
        assert ask(s, b"slow") == b"A:slow"
        assert 0.3 <= time.monotonic() - started < 1.5  # 0.15 out, 0.15 back
        # latency, not a queue: five chunks sent 50 ms apart all come back ~0.3 s after each
        started = time.monotonic()
        for i in range(5):
            s.sendall(b"%d" % i)
            time.sleep(0.05)
        got = b""
        while got.count(b"A:") < 5:
            got += s.recv(100)
        assert time.monotonic() - started < 0.25 + 0.3 + 0.6  # not 5 x 0.3
        assert got == b"A:0A:1A:2A:3A:4"
        relay.delay = 0
        started = time.monotonic()
        assert ask(s, b"fast") == b"A:fast"
        assert time.monotonic() - started < 0.3


def test_a_blackhole_accepts_and_reads_but_never_forwards_nor_answers(echo: EchoServer, relay: TcpRelay) -> None:
    with connect(relay) as old:
        assert ask(old, b"before") == b"A:before"
        received = echo.received
        relay.blackhole()
        assert relay.blackholed
        with connect(relay) as new:  # new connections are still accepted
            for s in (old, new):
                s.sendall(b"lost")
                s.settimeout(0.3)
                with pytest.raises(TimeoutError):
                    s.recv(10)
            assert echo.received == received  # nothing reached the target
        relay.blackhole(False)
        with connect(relay) as again:
            assert ask(again, b"after") == b"A:after"


def test_cut_closes_every_open_connection_at_once(relay: TcpRelay) -> None:
    a, b = connect(relay), connect(relay)
    try:
        assert ask(a, b"1") == b"A:1" and ask(b, b"2") == b"A:2"
        relay.cut()
        assert relay.connections == 0  # at once: cut() returns when they are closed
        assert closed_by_peer(a) and closed_by_peer(b)
        with connect(relay) as c:  # the relay itself goes on
            assert ask(c, b"3") == b"A:3"
    finally:
        a.close()
        b.close()


def drop_pattern(port: int, seed: int, n: int = 30) -> list[bool]:
    """Which of ``n`` one-chunk exchanges (one connection each, in turn) were cut."""
    out = []
    with TcpRelay("127.0.0.1", port, seed=seed) as relay:
        relay.drop_rate = 0.3
        for i in range(n):
            with connect(relay) as s:
                got = ask(s, b"m%d" % i)
                out.append(got == b"")
                assert got in (b"", b"A:m%d" % i)
    return out


def test_drops_cut_connections_at_the_rate_given_the_same_way_for_the_same_seed(echo: EchoServer) -> None:
    first = drop_pattern(echo.port, seed=7)
    assert first == drop_pattern(echo.port, seed=7)
    assert 2 <= sum(first) <= 25  # each exchange is two chunks: a 30% rate cuts about half
    with TcpRelay("127.0.0.1", echo.port) as relay:
        relay.drop_rate = 1.0
        with connect(relay) as s:
            assert ask(s, b"never") == b""
        assert wait_until(lambda: relay.connections == 0)


def test_retarget_moves_new_connections_and_leaves_open_ones(echo: EchoServer, relay: TcpRelay) -> None:
    other = EchoServer(b"B:")
    try:
        with connect(relay) as old:
            assert ask(old, b"x") == b"A:x"
            relay.retarget("127.0.0.1", other.port)
            assert relay.target == ("127.0.0.1", other.port)
            with connect(relay) as new:
                assert ask(new, b"y") == b"B:y"
            assert ask(old, b"z") == b"A:z"
    finally:
        other.close()


def test_a_target_that_refuses_closes_the_client_connection(relay: TcpRelay) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    relay.retarget("127.0.0.1", free)
    with connect(relay) as s:
        assert closed_by_peer(s)
    assert wait_until(lambda: relay.connections == 0)


def test_stop_closes_everything_keeps_the_port_and_leaves_no_thread(echo: EchoServer) -> None:
    before = len(relay_threads())
    relay = TcpRelay("127.0.0.1", echo.port).start()
    port = relay.port
    with pytest.raises(RuntimeError, match="already running"):
        relay.start()
    s = connect(relay)
    try:
        assert ask(s, b"1") == b"A:1"
        relay.stop()
        relay.stop()  # idempotent
        assert closed_by_peer(s)
        assert len(relay_threads()) == before
        with pytest.raises(ConnectionRefusedError):
            connect(relay).close()
        relay.cut()  # not running: nothing to do
        relay.start()  # the same port again
        assert relay.port == port
        with connect(relay) as again:
            assert ask(again, b"2") == b"A:2"
    finally:
        s.close()
        relay.stop()
    assert len(relay_threads()) == before


def test_a_listen_port_can_be_chosen(echo: EchoServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    with TcpRelay("127.0.0.1", echo.port, listen_port=free) as relay:
        assert relay.port == free
        with connect(relay) as s:
            assert ask(s, b"p") == b"A:p"


def test_bad_settings_are_refused_with_a_clear_error(echo: EchoServer) -> None:
    relay = TcpRelay("127.0.0.1", echo.port)
    for bad in (-0.1, float("nan"), float("inf"), "1", True):
        with pytest.raises(ValueError, match="delay"):
            relay.delay = bad  # type: ignore[assignment]
    for bad in (-0.1, 1.5, float("nan"), "0.5"):
        with pytest.raises(ValueError, match="drop_rate"):
            relay.drop_rate = bad  # type: ignore[assignment]
    with pytest.raises(ValueError, match="port"):
        TcpRelay("127.0.0.1", 0)
    with pytest.raises(ValueError, match="listen_port"):
        TcpRelay("127.0.0.1", echo.port, listen_port=70000)
    with pytest.raises(ValueError, match="port"):
        relay.retarget("127.0.0.1", -1)
    assert relay.delay == 0 and relay.drop_rate == 0 and relay.target == ("127.0.0.1", echo.port)
