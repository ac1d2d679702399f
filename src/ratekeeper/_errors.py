"""The exceptions ratekeeper raises. One base class; ValueError where the caller passed bad input."""

from __future__ import annotations

from typing import Any

__all__ = [
    "ActionOutcomeUnknown",
    "ActionRefused",
    "CostExceedsCapacity",
    "InvalidRequest",
    "ProxyConnectionError",
    "ProxyUnavailable",
    "RateKeeperError",
    "RateLimited",
    "StoreError",
    "StoreUnavailable",
    "SubscriptionRefused",
    "UnknownLimit",
    "UnsupportedVersion",
    "VenueRefused",
    "WorkloadError",
    "missing_package",
]


class RateKeeperError(Exception):
    """Base class of every error ratekeeper raises on purpose."""


class RateLimited(RateKeeperError):
    """The request would have to wait longer than its timeout; nothing was reserved or charged.

    ``retry_after`` is the number of seconds after which the same request would be admitted
    (as far as the store could tell when it refused), ``limit`` the name of the limit that
    binds and ``scope`` the scope value of that limit (``None`` for an unscoped limit).
    """

    def __init__(
        self,
        retry_after: float,
        limit: str | None = None,
        scope: str | None = None,
        message: str | None = None,
    ) -> None:
        self.retry_after = retry_after
        self.limit = limit
        self.scope = scope
        where = f"limit {limit!r}" if limit is not None else "a limit"
        if scope is not None:
            where += f" (scope {scope!r})"
        super().__init__(message or f"{where} admits this request in {retry_after:.3f} s")


class CostExceedsCapacity(RateKeeperError, ValueError):
    """A cost that can never be admitted: it is larger than what the limit can ever hold.

    Raised at once, before anything is reserved; waiting would never help.
    """

    def __init__(self, limit: str, cost: float, capacity: float, detail: str = "") -> None:
        self.limit = limit
        self.cost = cost
        self.capacity = capacity
        extra = f" {detail}" if detail else ""
        super().__init__(
            f"cost {cost:g} on limit {limit!r} can never be admitted: the limit holds at most {capacity:g}{extra}"
        )


class UnknownLimit(RateKeeperError, ValueError):
    """A cost names a limit the limiter does not have (and no default limit was configured)."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        self.known = known
        super().__init__(f"unknown limit {name!r}; this limiter has {', '.join(repr(k) for k in known) or 'no limits'}")


class StoreError(RateKeeperError):
    """The store holding the budget failed in a way that is not a plain outage."""


class StoreUnavailable(StoreError):
    """The shared store cannot be reached. The limiter fails closed: nothing is admitted."""


def missing_package(where: str, package: str, extra: str, cause: ImportError | None = None) -> ImportError:
    """The error an optional part of ratekeeper raises when a package of its extra is missing.

    ``where``: what needs it (``"ratekeeper.aiohttp"``); ``package``: the distribution to
    install (``"aiohttp"``); ``extra``: the ratekeeper extra that brings it; ``cause``: the
    ImportError seen, whose message is kept (it may name a dependency of the package, e.g.
    ``yarl`` for aiohttp). A :class:`ModuleNotFoundError` when the cause is one, so code that
    catches either keeps working.
    """
    seen = f" ({cause})" if cause is not None else ""
    message = f"{where} needs the {package!r} package{seen}: install it with pip install 'ratekeeper[{extra}]'"
    name = cause.name if cause is not None else None
    if isinstance(cause, ModuleNotFoundError):
        return ModuleNotFoundError(message, name=name)
    return ImportError(message, name=name)


class SubscriptionRefused(RateKeeperError):
    """A subscription that would exceed a limit; nothing was sent and nothing charged.

    ``limit``: the limit that refused (``ws_subscriptions``, ``ws_users``,
    ``topics_per_connection``, ``topics_per_message``); ``scope``: its scope value; ``held``:
    what is held now; ``capacity``: the limit; ``requested``: what the message asked for on
    top; ``topics``: the topics the message would have added.
    """

    def __init__(
        self,
        message: str,
        *,
        limit: str,
        scope: str | None = None,
        held: float = 0.0,
        capacity: float = 0.0,
        requested: float = 0.0,
        topics: tuple[str, ...] = (),
    ) -> None:
        self.limit = limit
        self.scope = scope
        self.held = held
        self.capacity = capacity
        self.requested = requested
        self.topics = topics
        super().__init__(message)


class ProxyConnectionError(RateKeeperError, ConnectionError):
    """A connection error or timeout through a proxy, re-raised in place of the HTTP library's
    own exception when that one's message would have shown the proxy's credentials."""


class ProxyUnavailable(RateKeeperError):
    """No member of the proxy pool may be used now: every proxy is marked failed (by this or
    another process sharing the store) and neither ``direct`` nor ``fallback_direct`` is set.
    Nothing was sent. ``retry_after``: the seconds until the first failure record expires;
    ``proxies``: the labels of the pool."""

    def __init__(self, message: str, *, retry_after: float | None, proxies: tuple[str, ...]) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.proxies = proxies


# --------------------------------------------------------------------------------------------
# the HTTP integrations and the venue rules


class VenueRefused(RateKeeperError):
    """The venue refused a request for a rate-limit or ban reason, and it was not retried.

    ``status`` and ``body`` (parsed JSON, or ``None``) are what the venue answered;
    ``retry_after`` the seconds the venue (or its rules) said to wait, if known; ``limit``
    the limit it blocked; ``rule`` the name of the venue rule that priced the request;
    ``reason`` the signal (``"HTTP 429"``, ``"retCode 10006 …"``); ``response`` the HTTP
    library's own response object.
    """

    def __init__(
        self,
        message: str,
        *,
        venue: str,
        method: str,
        url: str,
        status: int,
        body: Any = None,
        retry_after: float | None = None,
        limit: str | None = None,
        rule: str | None = None,
        reason: str = "",
        response: Any = None,
    ) -> None:
        super().__init__(message)
        self.venue = venue
        self.method = method
        self.url = url
        self.status = status
        self.body = body
        self.retry_after = retry_after
        self.limit = limit
        self.rule = rule
        self.reason = reason
        self.response = response


class ActionRefused(VenueRefused):
    """An action that moves money (an order, a cancel, a transfer) was refused for a rate-limit
    or ban reason. It was not retried: the caller decides, knowing what the venue answered."""


class ActionOutcomeUnknown(RateKeeperError):
    """A connection error or timeout happened after an action may have reached the venue: it may
    or may not have been executed. Check the venue (open orders, fills) before sending it again.
    The transport's exception is chained as ``__cause__``."""

    def __init__(self, message: str, *, venue: str, method: str, url: str, rule: str | None = None) -> None:
        super().__init__(message)
        self.venue = venue
        self.method = method
        self.url = url
        self.rule = rule


class InvalidRequest(RateKeeperError, ValueError):
    """The venue would refuse this request as a whole (e.g. a batch above its maximum size).

    Raised by :meth:`ratekeeper.venues.Venue.weigh` before anything is reserved or sent.
    """


class UnsupportedVersion(RateKeeperError, RuntimeError):
    """The installed client library is outside the version range the adapter was tested with.

    The adapter hooks into the client's internals (which attribute holds the HTTP session,
    which method throttles): an untested version may have moved them, and a limiter that is
    silently bypassed is worse than an error. ``allow_untested=True`` skips the check.
    """

    def __init__(self, package: str, installed: str | None, supported: str) -> None:
        self.package = package
        self.installed = installed
        self.supported = supported
        found = f"{package} {installed}" if installed else f"{package} (version unknown)"
        super().__init__(
            f"{found} is not a version ratekeeper's adapter was tested with (supported: {supported}); "
            f"install a supported version, or pass allow_untested=True to use it anyway"
        )


class WorkloadError(ValueError):
    """``ratekeeper simulate``: the workload file cannot be read or describes requests the
    venue cannot price."""
