"""The old home of the HTTP layer, kept so that existing imports keep working: everything here
lives in :mod:`ratekeeper.http` now (the gate in ``http/_gate.py``, the retry policy in
``http/_retry.py``, the options and ``build_gate`` in ``http/_options.py``, the send loop in
``http/_async/send.py`` and its generated twin ``http/_sync/send.py``; the errors in
``_errors.py``). New code imports from there."""

from __future__ import annotations

from ._errors import ActionOutcomeUnknown, ActionRefused, VenueRefused
from .http._async.send import send_async
from .http._extras import check_socks, missing_extra
from .http._gate import Gate, Outcome, Plan, PriorityFn, default_priority, join_url, log
from .http._options import (
    DEFAULT_MARGINS,
    FALLBACK_MARGIN,
    EstimatesArg,
    MarginArg,
    Options,
    build_gate,
    pad_limits,
    resolve_estimates,
    resolve_margin,
    resolve_venue,
)
from .http._retry import RETRYABLE_STATUSES, RetryPolicy
from .http._steps import PROXY_AUTH_FAILED, ResponseIO, parse_body
from .http._sync.send import send_sync

__all__ = [
    "DEFAULT_MARGINS",
    "FALLBACK_MARGIN",
    "PROXY_AUTH_FAILED",
    "RETRYABLE_STATUSES",
    "ActionOutcomeUnknown",
    "ActionRefused",
    "EstimatesArg",
    "Gate",
    "MarginArg",
    "Options",
    "Outcome",
    "Plan",
    "PriorityFn",
    "ResponseIO",
    "RetryPolicy",
    "VenueRefused",
    "build_gate",
    "check_socks",
    "default_priority",
    "join_url",
    "log",
    "missing_extra",
    "pad_limits",
    "parse_body",
    "resolve_estimates",
    "resolve_margin",
    "resolve_venue",
    "send_async",
    "send_sync",
]
