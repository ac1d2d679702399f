"""The exceptions ratekeeper raises. One base class; ValueError where the caller passed bad input."""

from __future__ import annotations

__all__ = [
    "CostExceedsCapacity",
    "ProxyConnectionError",
    "ProxyUnavailable",
    "RateKeeperError",
    "RateLimited",
    "StoreError",
    "StoreUnavailable",
    "SubscriptionRefused",
    "UnknownLimit",
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
