"""Helpers for testing code that uses ratekeeper: a clock that moves only when told, a mock
venue server (``MockVenue``, needs the ``ratekeeper[mock]`` extra), and what tests against
the shared stores need (a throwaway ``RedisServer``, ``find_redis``, ``unique_prefix``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._clock import FakeClock
from ._stores import RedisServer, find_redis, redis_cluster, unique_prefix

if TYPE_CHECKING:
    from .mock_venue import MockVenue

__all__ = ["FakeClock", "MockVenue", "RedisServer", "find_redis", "redis_cluster", "unique_prefix"]


def __getattr__(name: str) -> Any:
    if name == "MockVenue":
        try:
            from .mock_venue import MockVenue
        except ImportError as e:
            if e.name is not None and e.name.split(".")[0] in ("aiohttp", "multidict", "yarl"):
                raise ImportError(
                    "ratekeeper.testing.MockVenue needs aiohttp: pip install 'ratekeeper[mock]'", name=e.name
                ) from e
            raise
        return MockVenue
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
