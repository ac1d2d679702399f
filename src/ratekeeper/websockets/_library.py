"""The names of the ``websockets`` library this package uses, imported in one place.

Without the library (``pip install 'ratekeeper[websockets]'``), importing
:mod:`ratekeeper.websockets` fails here with an ImportError naming the extra. These imports are
absolute: ``websockets`` is the library, not this package.
"""

from __future__ import annotations

from ..http import missing_extra

try:
    from websockets.asyncio.client import ClientConnection
    from websockets.asyncio.client import connect as ws_connect
    from websockets.exceptions import ConnectionClosed, ConnectionClosedOK, InvalidHandshake, InvalidStatus
except ImportError as _exc:  # pragma: no cover - exercised only without the extra (a subprocess test)
    raise missing_extra("websockets", "websockets", _exc) from _exc

__all__ = [
    "ClientConnection",
    "ConnectionClosed",
    "ConnectionClosedOK",
    "InvalidHandshake",
    "InvalidStatus",
    "ws_connect",
]
