"""ratekeeper for `websockets`: connections, messages, subscriptions and in-flight posts kept
within a venue's WebSocket limits, shared with every process that uses the same store.

::

    from ratekeeper.websockets import connect

    async with connect("wss://api.hyperliquid.xyz/ws", venue="hyperliquid", store="sqlite:///tmp/rk.db") as ws:
        await ws.send({"method": "subscribe", "subscription": {"type": "trades", "coin": "BTC"}})
        async for message in ws:
            ...

What is gated (the per-venue numbers: :func:`ws_rules`, each limit citing its source):

* opening a connection — the simultaneous count (``ws_connections``: a lease per connection,
  renewed while it lives, released when it closes) and the new-connection rate
  (``ws_new_connections``: waits exactly for its slot);
* every ``send`` — the venue's message rates, shared through the store (Hyperliquid
  ``ws_messages``) or counted per connection (Binance's 5 messages per second);
* subscriptions — the count across connections (``ws_subscriptions``), the topics one
  connection may hold, the distinct users (``ws_users``): a subscription over a limit raises
  :class:`SubscriptionRefused` before anything is sent;
* in-flight ``post`` requests (``ws_inflight_posts``): a slot taken before sending, released
  by the matching response, the post timeout, or the connection closing.

Counts shared with other processes are leases (see :meth:`ratekeeper.stores.Store.lease`)
renewed by the live connection: a process that dies frees its slots after the lease period.
Install with ``pip install 'ratekeeper[websockets]'``.

Where each step lives: ``_rules`` (what a message is and costs, per venue), ``_limiter``
(:class:`WebSocketLimiter`: opening and the shared leases), ``_connection`` (:class:`Connection`:
every send limited, answers and closes giving back), ``_reconnect`` (:class:`Reconnecting`,
:class:`Backoff`), ``_shared`` (what the process's connections share), ``_open`` (the
module-level :func:`connect` and :func:`reconnecting`).
"""

from __future__ import annotations

from .._errors import SubscriptionRefused
from ._connection import Connect, Connection, ConnectionStatistics
from ._limiter import WebSocketLimiter, WebSocketStatistics
from ._open import connect, reconnecting
from ._reconnect import Backoff, Reconnecting
from ._rules import WsMessage, WsRules, WsTopic, ws_rule_names, ws_rules

__all__ = [
    "Backoff",
    "Connect",
    "Connection",
    "ConnectionStatistics",
    "Reconnecting",
    "SubscriptionRefused",
    "WebSocketLimiter",
    "WebSocketStatistics",
    "WsMessage",
    "WsRules",
    "WsTopic",
    "connect",
    "reconnecting",
    "ws_rule_names",
    "ws_rules",
]
