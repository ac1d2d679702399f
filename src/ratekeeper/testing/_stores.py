"""Helpers for testing code against the shared stores: a throwaway Redis server, a check
for a Redis that answers, unique key prefixes."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from urllib.parse import urlsplit

__all__ = ["RedisServer", "find_redis", "redis_cluster", "unique_prefix"]


def unique_prefix(base: str = "rktest") -> str:
    """A key prefix no other test (or run) uses: ``base:<random>``. Give it to
    ``RedisStore(prefix=...)`` and clear it afterwards (``store.clear()``)."""
    return f"{base}:{uuid.uuid4().hex[:12]}"


def _ping(host: str, port: int, timeout: float) -> bool:
    """Whether a Redis server answers PING at host:port (plain socket: no redis-py needed)."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            reply = sock.recv(64)
    except OSError:
        return False
    # +PONG, or -NOAUTH … from a server that wants a password (it is there all the same)
    return reply.startswith((b"+PONG", b"-NOAUTH", b"-ERR"))


def find_redis(url: str | None = None, timeout: float = 0.5) -> str | None:
    """The Redis URL to test against if a server answers there, else None.

    ``url`` defaults to ``$REDIS_URL``, then ``redis://127.0.0.1:6379/0``.
    """
    url = url or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        return url  # a socket path or a cluster: let the client find out
    return url if _ping(parts.hostname or "127.0.0.1", parts.port or 6379, timeout) else None


def _free_port(with_bus: bool = False) -> int:
    """A free loopback port; ``with_bus``: one whose cluster bus port (+10000) is free too."""
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if not with_bus:
            return port
        if port + 10000 <= 65535:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                try:
                    sock.bind(("127.0.0.1", port + 10000))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free loopback port with a free cluster bus port")


class RedisServer:
    """A throwaway ``redis-server`` (or ``valkey-server``) on a free loopback port.

    Nothing is saved to disk. Built for fault tests: :meth:`stop` and :meth:`start` again
    (same port), :meth:`kill` (SIGKILL), :meth:`pause` and :meth:`resume` (SIGSTOP / SIGCONT:
    a server that hangs).
    With ``cluster_dir`` it is a Redis Cluster node (see :func:`redis_cluster`)::

        with RedisServer() as server:
            store = RedisStore.from_url(server.url)
            server.stop()        # the store now raises StoreUnavailable
            server.start()       # ... and answers again

    ``RedisServer.binary()`` is None when no server binary is installed (skip such tests).
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        binary: str | None = None,
        args: tuple[str, ...] = (),
        cluster_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        found = binary or self.binary()
        if found is None:
            raise FileNotFoundError("no redis-server or valkey-server on PATH")
        self.executable = found
        self.port = port or _free_port(with_bus=cluster_dir is not None)
        self._scratch: str | None = None
        if cluster_dir is not None:  # a cluster node: its config file lives in cluster_dir
            path = os.fspath(cluster_dir)
            args = ("--cluster-enabled", "yes", "--cluster-config-file", f"{path}/nodes-{self.port}.conf",
                    "--dir", path, *args)  # fmt: skip
        else:  # where a replica's sync writes its snapshot: never the caller's directory
            self._scratch = tempfile.mkdtemp(prefix="ratekeeper-redis-")
            args = ("--dir", self._scratch, *args)
        self.args = args
        self._proc: subprocess.Popen[bytes] | None = None

    @staticmethod
    def binary() -> str | None:
        """The server binary that would be started, or None if there is none."""
        return shutil.which("redis-server") or shutil.which("valkey-server")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self, timeout: float = 10.0) -> RedisServer:
        """Start the server (again, on the same port) and wait until it answers."""
        if self._proc is not None and self._proc.poll() is None:
            return self
        cmd = [
            self.executable,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            *self.args,
        ]  # fmt: skip
        self._proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while not _ping("127.0.0.1", self.port, 0.2):
            if self._proc.poll() is not None:
                raise RuntimeError(f"{self.executable} exited with {self._proc.returncode} (port {self.port} taken?)")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"{self.executable} on port {self.port} did not answer within {timeout} s")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Stop the server (SIGKILL after 5 s of SIGTERM) and wait until its port is free."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)  # a paused server cannot act on SIGTERM
            proc.terminate()
            try:
                proc.wait(5.0)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def kill(self) -> None:
        """Kill the server at once (SIGKILL: no shutdown, nothing flushed) and wait until it is gone."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open, nothing answers."""
        if self._proc is not None:
            os.kill(self._proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self._proc is not None:
            os.kill(self._proc.pid, signal.SIGCONT)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)


@contextmanager
def redis_cluster(
    directory: str | os.PathLike[str], nodes: int = 3, timeout: float = 30.0
) -> Iterator[list[RedisServer]]:
    """A throwaway Redis Cluster of ``nodes`` primaries on loopback (``redis-cli`` creates it).
    Connect with ``redis+cluster://127.0.0.1:<any node's port>``."""
    cli = shutil.which("redis-cli") or shutil.which("valkey-cli")
    if cli is None:
        raise FileNotFoundError("no redis-cli or valkey-cli on PATH to create a cluster")
    servers: list[RedisServer] = []
    try:
        for _ in range(nodes):
            servers.append(RedisServer(cluster_dir=directory).start())
        addresses = [f"127.0.0.1:{s.port}" for s in servers]
        subprocess.run(
            [cli, "--cluster", "create", *addresses, "--cluster-replicas", "0", "--cluster-yes"],
            check=True, capture_output=True, timeout=timeout,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while not all(_cluster_ok(s.port) for s in servers):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the cluster on {addresses} did not become ready within {timeout} s")
            time.sleep(0.05)
        yield servers
    finally:
        for s in servers:
            s.stop()


def _cluster_ok(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
            sock.sendall(b"*2\r\n$7\r\nCLUSTER\r\n$4\r\nINFO\r\n")
            return b"cluster_state:ok" in sock.recv(4096)
    except OSError:
        return False
