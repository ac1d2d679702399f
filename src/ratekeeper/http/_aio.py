"""What the asyncio send loop does differently from the threaded one, behind the names its
twin (:mod:`ratekeeper.http._io`) gives the same things: sleeping, and the types of the
callbacks an integration passes in (coroutines here)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from .._clock import clock_asleep as sleep
from ..proxies import Proxy

__all__ = ["Read", "Send", "Settle", "sleep"]

R = TypeVar("R")

Send = Callable[[Proxy | None], Awaitable[R]]
"""Sends the request through a proxy (``None``: the way the client sends without a pool)."""
Read = Callable[[R], Awaitable[bytes | None]]
"""Reads a response's raw body (``None``: the caller streams it, the body is not read)."""
Settle = Callable[..., Awaitable[None]]
"""A grant's ``settle``."""
