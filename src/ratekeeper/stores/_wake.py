"""Freed room announced to the other processes of one host: unix datagram sockets.

Every store object with listeners (a limiter waiting on it) binds one datagram socket in a
directory named after the database file, and a thread blocks on it: nothing runs while
nobody refunds. A refund sends one datagram to each socket there (non-blocking; a socket
whose process died is removed by the first sender that finds it dead). The message names
the budgets ``(limit name, scope)`` that got room back and the sender, which skips itself.

Where unix sockets are missing (Windows), nothing is announced across processes; waiters
then wake at their booked time, as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import socket
import tempfile
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

from ._base import Freed

__all__ = ["HostWake", "wake_dir"]

log = logging.getLogger("ratekeeper")

_MAX_KEYS = 256
"""Budgets named in one datagram at most (a refund names one per limit of a request)."""


def wake_dir(db: Path) -> Path:
    """The directory of the sockets that listen for one database file (short: a socket path
    has at most 107 bytes)."""
    digest = hashlib.sha1(str(os.path.realpath(db)).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"ratekeeper-wake-{digest}"


class HostWake:
    """Send and hear freed-room announcements for one database file."""

    available = hasattr(socket, "AF_UNIX")

    def __init__(self, db: Path) -> None:
        self.dir = wake_dir(db)
        self._origin = ""
        self._origin_pid = 0
        self._send: socket.socket | None = None
        self._recv: socket.socket | None = None
        self._path: Path | None = None
        self._thread: threading.Thread | None = None
        self._listener_pid = 0
        self._lock = threading.Lock()
        self._pid = os.getpid()

    @property
    def origin(self) -> str:
        """This process's id for this store (a forked child gets its own)."""
        if self._origin_pid != os.getpid():
            self._origin, self._origin_pid = uuid.uuid4().hex[:16], os.getpid()
        return self._origin

    # -- sending ------------------------------------------------------------------------

    def announce(self, freed: Freed) -> None:
        """Tell every other listening process on this host that these budgets have room."""
        if not self.available or not freed:
            return
        try:
            entries = list(os.scandir(self.dir))
        except FileNotFoundError:
            return  # nobody has ever listened
        except OSError as exc:
            log.debug("freed-room sockets not listed: %s", exc)
            return
        mine = f"{self.origin}.sock"
        targets = [e.path for e in entries if e.name.endswith(".sock") and e.name != mine]
        if not targets:
            return
        keys = [list(k) for k in freed][:_MAX_KEYS]
        payload = json.dumps([self.origin, keys], separators=(",", ":")).encode()
        sock = self._sender()
        for path in targets:
            try:
                sock.sendto(payload, path)
            except (ConnectionRefusedError, FileNotFoundError):
                with contextlib.suppress(OSError):
                    os.unlink(path)  # its process is gone
            except OSError as exc:  # a full buffer: that process wakes at its booked time
                log.debug("freed-room announcement to %s dropped: %s", path, exc)

    def _sender(self) -> socket.socket:
        with self._lock:
            if self._send is None or self._pid != os.getpid():
                self._pid = os.getpid()
                self._send = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                self._send.setblocking(False)
            return self._send

    # -- hearing ------------------------------------------------------------------------

    def listen(self, heard: Callable[[Freed], None]) -> None:
        """Start the thread that hears other processes (once)."""
        if not self.available or (self._thread is not None and self._listener_pid == os.getpid()):
            return  # listening already (a forked child inherits no thread: it binds its own)
        path = self.dir / f"{self.origin}.sock"
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            for attempt in (1, 2):
                self.dir.mkdir(mode=0o700, exist_ok=True)
                try:
                    sock.bind(str(path))
                    break
                except FileNotFoundError:  # the last listener removed the folder just then
                    if attempt == 2:
                        raise
        except OSError as exc:
            sock.close()
            log.warning("freed room in other processes will not be heard (%s): waiters wake at their booked time", exc)
            return
        self._recv, self._path, self._listener_pid = sock, path, os.getpid()
        self._thread = threading.Thread(target=self._run, args=(sock, heard), name="ratekeeper-wake", daemon=True)
        self._thread.start()

    def _run(self, sock: socket.socket, heard: Callable[[Freed], None]) -> None:
        me = self.origin
        while True:
            try:
                data = sock.recv(65536)
            except OSError:
                return  # closed
            if not data:
                return  # the empty datagram close() sends itself
            try:
                origin, keys = json.loads(data)
                freed = [(str(k[0]), None if k[1] is None else str(k[1])) for k in keys]
            except (ValueError, TypeError, IndexError):
                continue  # not ours
            if origin != me:
                heard(freed)

    def close(self) -> None:
        if self._listener_pid and self._listener_pid != os.getpid():
            # a forked child's copy: the socket and the thread are its parent's
            self._recv = self._path = self._thread = None
            return
        sock, path = self._recv, self._path
        self._recv = self._path = None
        if sock is not None and path is not None:
            with contextlib.suppress(OSError):
                self._sender().sendto(b"", str(path))  # wakes the thread, which then ends
        if path is not None:
            with contextlib.suppress(OSError):
                os.unlink(path)
            with contextlib.suppress(OSError):
                os.rmdir(self.dir)  # the last listener leaves no folder behind
        if self._thread is not None:
            self._thread.join(1.0)
            self._thread = None
        if sock is not None:
            sock.close()
        with self._lock:
            if self._send is not None:
                self._send.close()
                self._send = None
