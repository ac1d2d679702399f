"""The steps of the send loop that are the same with threads and with asyncio: reading a
body, the log lines, cleaning a transport error of proxy credentials.

The loop itself is :func:`ratekeeper.http._async.send.send_async` (its sync twin,
:func:`ratekeeper.http._sync.send.send_sync`, is generated from it).
"""

from __future__ import annotations

import json
from typing import Any, Protocol, TypeVar

from ..proxies import ProxyConnectionError
from ._gate import Gate, Outcome, Plan, log

__all__ = [
    "PROXY_AUTH_FAILED",
    "ResponseIO",
    "log_booking_failed",
    "log_give_up",
    "log_retry",
    "parse_body",
    "raise_clean",
]

PROXY_AUTH_FAILED = "HTTP 407 from the proxy (its credentials were refused)"


R_contra = TypeVar("R_contra", contravariant=True)


class ResponseIO(Protocol[R_contra]):
    """How a loop reads one HTTP library's responses. ``body`` returns the raw bytes, or
    ``None`` when the caller asked to stream (the body is then not read: the estimate stands)."""

    def status(self, response: R_contra) -> int: ...

    def headers(self, response: R_contra) -> Any: ...

    def discard(self, response: R_contra) -> None:
        """Release a response that is not returned (before a retry)."""
        ...


def log_retry(gate: Gate[Any], plan: Plan, attempt: int, delay: float, why: str) -> None:
    why = gate.scrub(why)
    log.info(
        "ratekeeper: %s %s attempt %d: %s; retrying in %.3f s (plus any block the store holds)",
        gate.venue.name,
        plan.weighed.name,
        attempt,
        why,
        delay,
        extra={
            "venue": gate.venue.name,
            "rule": plan.weighed.name,
            "method": plan.method,
            "url": plan.url,
            "attempt": attempt,
            "delay": delay,
            "reason": why,
        },
    )


def log_give_up(gate: Gate[Any], plan: Plan, status: int, out: Outcome, attempt: int) -> None:
    log.warning(
        "ratekeeper: %s %s answered %d (%s); returned as is",
        gate.venue.name,
        plan.weighed.name,
        status,
        out.reason,
        extra={
            "venue": gate.venue.name,
            "rule": plan.weighed.name,
            "method": plan.method,
            "url": plan.url,
            "status": status,
            "attempt": attempt,
            "retry_after": out.retry_after,
            "reason": out.reason,
        },
    )


def log_booking_failed(gate: Gate[Any], plan: Plan, what: str) -> None:
    log.warning(
        "ratekeeper: %s %s: %s failed after the response; the response is returned",
        gate.venue.name,
        plan.weighed.name,
        what,
        exc_info=True,
        extra={"venue": gate.venue.name, "rule": plan.weighed.name, "url": plan.url},
    )


def raise_clean(gate: Gate[Any], exc: BaseException) -> None:
    """Re-raise a transport error, or, when its message would show a proxy's credentials, a
    :class:`~ratekeeper.proxies.ProxyConnectionError` that says the same without them."""
    router = gate.router
    if router is not None and router.leaks(f"{exc} {exc!r}"):
        clean = ProxyConnectionError(gate.scrub(f"{type(exc).__name__}: {exc}"))
        try:
            raise clean from None
        finally:  # not even as the hidden __context__: whoever inspects the chain sees no secret
            clean.__context__ = None
    raise exc


def parse_body(raw: bytes | None, *, venue: str = "", status: int = 0, url: str = "") -> Any:
    """The JSON of a response body; ``None`` (with a warning) when it is not JSON.

    An empty body is ``None`` without a warning. Garbage never raises: the settler then keeps
    the estimate and the feedback parsers see no body.
    """
    if not raw:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        log.warning(
            "ratekeeper: %s answered %s with a body that is not UTF-8 (%d bytes); the estimate stands",
            venue,
            status,
            len(raw),
            extra={"venue": venue, "status": status, "url": url, "size": len(raw)},
        )
        return None
    try:
        return json.loads(text)
    except ValueError:
        log.warning(
            "ratekeeper: %s answered %s with a body that is not JSON (%r); the estimate stands",
            venue,
            status,
            text[:80],
            extra={"venue": venue, "status": status, "url": url, "size": len(raw)},
        )
        return None
