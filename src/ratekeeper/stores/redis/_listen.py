"""Freed room heard from other processes: a thread subscribed to a prefix's pub/sub channels."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable

from ._url import Client

log = logging.getLogger("ratekeeper.stores.redis")

LISTEN_TICK = 0.1
"""Seconds the freed-room listener blocks on its connection before it checks whether its
store was closed: closing a store waits at most this long for its thread (ten wake-ups a
second per listening store, no work otherwise)."""


class FreedListener:
    """A daemon thread subscribed to the freed-room channels of one prefix. It blocks on its
    connection; when Redis goes away it reconnects with a capped backoff.

    A thread with a synchronous client in both worlds: the channels are heard while the
    event loop of an asyncio store is busy (or blocked), and a waiter's wake-up is handed
    to its loop by the limiter."""

    def __init__(self, client: Client, pattern: str, origin: bytes, heard: Callable[[bytes], None], where: str) -> None:
        self._client = client
        self._pattern = pattern
        self._origin = origin
        self._heard = heard
        self._where = where
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ratekeeper-freed", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        backoff = 0.05
        while not self._stopped.is_set():
            ps = None
            try:
                ps = self._client.pubsub(ignore_subscribe_messages=True)
                ps.psubscribe(self._pattern)
                backoff = 0.05
                while not self._stopped.is_set():
                    # blocks on the socket; the timeout only lets close() end the thread
                    msg = ps.get_message(timeout=LISTEN_TICK)
                    if msg is None or msg.get("type") != "pmessage" or msg.get("data") == self._origin:
                        continue
                    channel = msg["channel"]
                    self._heard(channel if isinstance(channel, bytes) else str(channel).encode())
            except Exception as exc:
                if self._stopped.is_set():
                    break
                log.debug("freed-room listener lost %s (%s); again in %.2fs", self._where, exc, backoff)
                self._stopped.wait(backoff)
                backoff = min(backoff * 2, 2.0)
            finally:
                if ps is not None:
                    with contextlib.suppress(Exception):
                        ps.close()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not threading.current_thread():
            self._thread.join(LISTEN_TICK + 1.0)
