"""Helpers for testing code that uses ratekeeper: a clock that moves only when told, a mock
venue server (``MockVenue``, needs the ``ratekeeper[mock]`` extra), loopback forward proxies
that connect upstream from their own 127.0.0.x address (``ForwardProxy``, for proxy pools),
a mock venue WebSocket server (``MockWebSocketVenue``, needs ``ratekeeper[websockets]``),
and what tests against the shared stores need (a throwaway ``RedisServer``, ``find_redis``,
``unique_prefix``, and ``TcpRelay``, a relay that injects latency, drops and hangs)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._clock import FakeClock
from ._proxy import ForwardProxy, ProxyStats, loopback_source_works, refusing_proxy_url
from ._relay import TcpRelay
from ._stores import RedisServer, find_redis, redis_cluster, unique_prefix

if TYPE_CHECKING:
    from .mock_venue import MockVenue
    from .ws_venue import MockWebSocketVenue

__all__ = [
    "FakeClock",
    "ForwardProxy",
    "MockVenue",
    "MockWebSocketVenue",
    "ProxyStats",
    "RedisServer",
    "TcpRelay",
    "find_redis",
    "loopback_source_works",
    "redis_cluster",
    "refusing_proxy_url",
    "unique_prefix",
]


def __getattr__(name: str) -> Any:
    # imported when first used: each needs an extra, and says which when it is missing
    if name == "MockVenue":
        from .mock_venue import MockVenue

        return MockVenue
    if name == "MockWebSocketVenue":
        from .ws_venue import MockWebSocketVenue

        return MockWebSocketVenue
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
