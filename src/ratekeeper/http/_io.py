"""What the threaded send loop does differently from the asyncio one, behind the names its
twin (:mod:`ratekeeper.http._aio`) gives the same things: sleeping, and the types of the
callbacks an integration passes in (plain functions here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from .._clock import clock_sleep as sleep
from ..proxies import Proxy

__all__ = ["Read", "Send", "Settle", "sleep"]

R = TypeVar("R")

Send = Callable[[Proxy | None], R]
"""Sends the request through a proxy (``None``: the way the client sends without a pool)."""
Read = Callable[[R], bytes | None]
"""Reads a response's raw body (``None``: the caller streams it, the body is not read)."""
Settle = Callable[..., None]
"""A grant's ``settle``."""
