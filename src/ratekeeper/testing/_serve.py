"""Running an asyncio server in a daemon thread with its own event loop, shared by the test
servers (:class:`~ratekeeper.testing.MockVenue`, :class:`~ratekeeper.testing.MockWebSocketVenue`,
:class:`~ratekeeper.testing.ForwardProxy`). Standard library only."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TypeVar

__all__: list[str] = []

_S = TypeVar("_S", bound="ThreadedServer")


class ThreadedServer:
    """Mixin: ``with`` runs the server in a background thread (``start``/``stop``).

    A subclass's :meth:`start` checks it is not already running, then calls
    :meth:`_start_thread`; its :meth:`stop` calls :meth:`_stop_thread`."""

    _thread: threading.Thread | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    def start(self: _S) -> _S:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def stop(self) -> None:
        """Stop a server started with :meth:`start` (or ``with``); idempotent."""
        self._stop_thread()

    def __enter__(self: _S) -> _S:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _start_thread(
        self, name: str, serve: Callable[[], Awaitable[object]], shutdown: Callable[[], Awaitable[object]]
    ) -> None:
        """Run ``serve()`` in a new event loop on a daemon thread and keep the loop running
        until :meth:`_stop_thread`, then run ``shutdown()`` there. Returns once ``serve()`` has
        finished; re-raises what it raised."""
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(serve())
            except BaseException as e:  # reported to the starting thread
                failure.append(e)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(shutdown())
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        thread = threading.Thread(target=run, name=name, daemon=True)
        self._thread, self._loop = thread, loop
        thread.start()
        ready.wait()
        if failure:
            self._thread = self._loop = None
            thread.join()
            raise failure[0]

    def _stop_thread(self) -> bool:
        """Stop the loop started by :meth:`_start_thread` and wait for its thread; ``False``
        if it was not running."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return False
        if not loop.is_closed():
            loop.call_soon_threadsafe(loop.stop)
        thread.join()
        self._thread = self._loop = None
        return True
