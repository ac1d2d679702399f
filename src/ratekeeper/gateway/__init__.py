"""ratekeeper gateway: a limiting HTTP gateway that any client, in any language, can point at.

::

    ratekeeper gateway hyperliquid --listen 127.0.0.1:8080 --store redis://127.0.0.1:6379/0

Each request to the gateway is forwarded to the venue's origin through the same send loop as
the HTTP integrations: weighed by the venue's rules, held until its slot, settled with the
answer, the venue's signals folded into the store; reads are retried, actions never. Several
gateways sharing a Redis store share one budget. ``GET /metrics`` and ``GET /status`` are
served on a separate admin port. Install with ``pip install 'ratekeeper[gateway]'``.
"""

from __future__ import annotations

from ._config import is_loopback, parse_limit, parse_listen
from ._run import Running, check_listen, serve, start
from ._server import SHUTDOWN_TIMEOUT, Gateway

__all__ = [
    "SHUTDOWN_TIMEOUT",
    "Gateway",
    "Running",
    "check_listen",
    "is_loopback",
    "parse_limit",
    "parse_listen",
    "serve",
    "start",
]
