"""Small, forgiving parsers shared by the venues' feedback functions.

Every reader here returns ``None`` for an absent value and logs one warning (then returns
``None``) for a malformed one: a bad header must never crash a request or poison the store.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

from .._limits import Observation
from ._model import Feedback

__all__ = [
    "READ",
    "block",
    "epoch_ms_to_after",
    "header_number",
    "json_code",
    "retry_after",
    "source",
]

logger = logging.getLogger("ratekeeper.venues")

READ = "2026-11-22"
"""The date the figures in the venue packs were read (from the primary pages each source
links)."""


def source(url: str, note: str = "", read: str = READ) -> str:
    """A provenance string: the link, what it says (optional) and the date it was read."""
    detail = f"; {note}" if note else ""
    return f"{url} (read {read}{detail})"


def _number(text: str) -> float | None:
    try:
        value = float(text.strip())
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def header_number(fb: Feedback, name: str, *, minimum: float = 0.0) -> float | None:
    """A numeric header (``name`` lower-case); malformed or below ``minimum`` → warning, None."""
    raw = fb.headers.get(name)
    if raw is None:
        return None
    value = _number(raw)
    if value is None or value < minimum:
        logger.warning("ratekeeper: %s sent a malformed %s header %r; ignored", fb.venue.name, name, raw)
        return None
    return value


def retry_after(fb: Feedback) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date); malformed → warning, None."""
    raw = fb.headers.get("retry-after")
    if raw is None:
        return None
    value = _number(raw)
    if value is not None:
        if value < 0:
            logger.warning("ratekeeper: %s sent a negative Retry-After %r; ignored", fb.venue.name, raw)
            return None
        return value
    try:
        when = parsedate_to_datetime(raw.strip())
    except (TypeError, ValueError, IndexError):
        when = None
    if when is None:
        logger.warning("ratekeeper: %s sent a malformed Retry-After %r; ignored", fb.venue.name, raw)
        return None
    return max(0.0, when.timestamp() - fb.now)


def epoch_ms_to_after(fb: Feedback, name: str, value: float | None) -> float | None:
    """Seconds from now until the epoch-milliseconds ``value`` (0 if already past)."""
    if value is None:
        return None
    if value < 1e11:  # not a plausible epoch in milliseconds
        logger.warning("ratekeeper: %s sent %s=%r, not an epoch in ms; ignored", fb.venue.name, name, value)
        return None
    return max(0.0, value / 1000.0 - fb.now)


def json_code(body: Any, *keys: str) -> str | None:
    """The first of ``keys`` present in a JSON object body, as a string (codes come as both)."""
    if not isinstance(body, Mapping):
        return None
    for key in keys:
        value = body.get(key)
        if value is not None and not isinstance(value, (Mapping, list)):
            return str(value)
    return None


def block(limit: str, seconds: float, reason: str, scope: str | None = None) -> Observation:
    """An observation that admits nothing on ``limit`` for ``seconds``."""
    return Observation(limit=limit, scope=scope, blocked_for=max(0.0, seconds), reason=reason)
