"""What the HTTP integrations share: retry policy, errors, and the gate that decides.

The :class:`Gate` does no I/O. Given a request it answers "does this go to the venue, what does
it cost, under which scope, at which priority" (:meth:`Gate.plan`); given the answer it says
"what did it really cost, what did the server tell us, and now what: return it, retry it,
refuse it" (:meth:`Gate.outcome`, :meth:`Gate.after_error`).

The two loops at the bottom (:func:`send_sync`, :func:`send_async`) are the whole flow once:
acquire, send, read, settle, observe, retry. They touch the network only through the callbacks
each integration passes in (requests, httpx, aiohttp), so the three shells stay thin and the
sync and async paths cannot drift apart in what they decide.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import logging
import math
import random
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar
from urllib.parse import urlsplit

from ._clock import Clock, clock_asleep, clock_sleep
from ._errors import RateKeeperError, missing_package
from ._estimates import Estimates
from ._limiter import AsyncGrant, AsyncLimiter, Grant, Limiter
from ._limits import PADDED, Cost, Limit, Observation, check_margin, padded
from ._margin import DIRECT, TransitMargin
from .proxies import (
    AsyncEstimate,
    AsyncProbe,
    Estimate,
    Probe,
    Proxy,
    ProxyConnectionError,
    ProxyPoolArg,
    ProxyRouter,
    ProxyStatistics,
    Trip,
    as_pool,
)
from .stores import Item, StoreSpec

if TYPE_CHECKING:  # the venue packs are imported when a gate is built, not with this module
    from .venues import Venue, Weighed

__all__ = [
    "DEFAULT_MARGINS",
    "RETRYABLE_STATUSES",
    "ActionOutcomeUnknown",
    "ActionRefused",
    "Gate",
    "Outcome",
    "Plan",
    "PriorityFn",
    "ResponseIO",
    "RetryPolicy",
    "VenueRefused",
    "build_gate",
    "check_socks",
    "default_priority",
    "missing_extra",
    "pad_limits",
    "parse_body",
    "resolve_venue",
    "send_async",
    "send_sync",
]

log = logging.getLogger("ratekeeper.http")

RETRYABLE_STATUSES: frozenset[int] = frozenset({418, 429, 500, 502, 503, 504})
"""Statuses after which an idempotent read is tried again: rate limits, bans and server errors."""

DEFAULT_MARGINS: Mapping[str, float] = {
    "hyperliquid": 0.1,
    "binance": 0.1,
    "binance_usdm": 0.1,
    "binance_coinm": 0.1,
    "kucoin": 0.1,
    "kucoin_futures": 0.1,
    "bitmex": 0.1,
    "htx": 0.05,
    "htx_coinm": 0.05,
    "htx_usdtm": 0.05,
    "okx": 0.05,
    "bybit": 0.05,
}
"""Seconds added to each sliding or fixed limit's period, per venue: a request admitted at ``t``
reaches the server a little later, each by a different delay, so the server can see requests
closer together than they were admitted.

Measured against :class:`ratekeeper.testing.MockVenue` (Hyperliquid, 3 s window, 4 workers;
docs/http.md "Margins"): at 0-20 ms 429s get through; 50 ms gave none on the mixed workload,
also with CPU hogs running, but let 429s through when the answers are large (600 KB candle
and fill lists the mock takes 20-40 ms to build, so requests queue at the server); 100 ms
gave none on every workload. 100 ms costs 0.17% of a 60 s window (Hyperliquid, Binance's
weight) and 0.3% of KuCoin's 30 s one. Venues whose per-endpoint windows last 1-3 s (OKX,
Bybit, HTX) get 50 ms, the margin that held on the mixed workload: 100 ms would cost 3-10%
of those windows, and their 429s block for one short window only. BitMEX's limits are token
buckets, which are not padded."""

PROXY_AUTH_FAILED = "HTTP 407 from the proxy (its credentials were refused)"

FALLBACK_MARGIN = 0.1
"""The margin of a venue without an entry in :data:`DEFAULT_MARGINS`."""


def missing_extra(extra: str, module: str, cause: ImportError | None = None) -> ImportError:
    """The ImportError an integration raises when its library is not installed (see
    :func:`~ratekeeper._errors.missing_package`)."""
    return missing_package(f"ratekeeper.{extra}", module, extra, cause)


def check_socks(gate: Gate[Any], integration: str, module: str, package: str) -> None:
    """Refuse, before anything is sent, SOCKS proxies in the gate's pool when ``module``, which
    the integration's HTTP library needs for them, is missing (``ratekeeper[socks]`` brings it)."""
    router = gate.router
    socks = [p for p in router.pool.proxies if p.scheme.startswith("socks")] if router is not None else []
    if not socks:
        return
    try:
        importlib.import_module(module)
    except ImportError as exc:
        where = f"proxy_pool: ratekeeper.{integration} with SOCKS proxies ({socks[0].redacted})"
        raise missing_package(where, package, "socks", exc) from exc


# --------------------------------------------------------------------------------------------
# retry policy


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How idempotent reads are tried again. An immutable value; change it with
    :func:`dataclasses.replace` or :meth:`with_`.

    * ``attempts`` — tries in all, the first included (1: never retry);
    * ``backoff`` — the base delay: retry ``k`` waits a random time in
      ``[0, min(backoff_max, backoff * 2**(k-1))]`` ("full jitter");
    * ``backoff_max`` — the cap of that exponential;
    * ``jitter`` — ``False`` waits the whole exponential delay (deterministic);
    * ``max_retry_after`` — a server block (``Retry-After``, a ban, the venue's default wait)
      longer than this is not waited for: the response is returned as it is. Shorter blocks
      are honoured by the limiter itself: the block lands in the store and the retry's
      ``acquire`` waits for it, like every other request sharing that store;
    * ``statuses`` — statuses that are retried (a rate-limit or ban signal in the body, such
      as Bybit's retCode 10006, is retried too);
    * ``connection_errors`` — retry reads after a connection error or timeout.

    Actions (orders, cancels, transfers) are never retried, whatever this says.
    """

    attempts: int = 4
    backoff: float = 0.25
    backoff_max: float = 8.0
    jitter: bool = True
    max_retry_after: float = 60.0
    statuses: frozenset[int] = RETRYABLE_STATUSES
    connection_errors: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.attempts, bool) or not isinstance(self.attempts, int) or self.attempts < 1:
            raise ValueError(f"RetryPolicy: attempts must be an int >= 1, got {self.attempts!r}")
        for name in ("backoff", "backoff_max", "max_retry_after"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or value < 0:
                raise ValueError(f"RetryPolicy: {name} must be a number >= 0, got {value!r}")
        object.__setattr__(self, "statuses", frozenset(int(s) for s in self.statuses))

    @classmethod
    def never(cls) -> RetryPolicy:
        """A policy that tries once: every answer is returned (or raised) as it comes."""
        return cls(attempts=1)

    def with_(self, **changes: Any) -> RetryPolicy:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def backoff_for(self, retry: int, rng: random.Random | None = None) -> float:
        """The delay before retry number ``retry`` (1 is the first retry)."""
        if retry < 1:
            return 0.0
        ceiling = min(self.backoff_max, self.backoff * 2.0 ** min(retry - 1, 64))
        if not self.jitter or ceiling <= 0:
            return ceiling
        return (rng if rng is not None else random).uniform(0.0, ceiling)

    def retries_status(self, status: int) -> bool:
        return status in self.statuses


# --------------------------------------------------------------------------------------------
# errors


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


# --------------------------------------------------------------------------------------------
# venues, limits, margins


def resolve_venue(venue: str | Venue) -> Venue:
    """A venue by name, or the given :class:`~ratekeeper.venues.Venue` itself."""
    from .venues import Venue
    from .venues import venue as by_name

    if isinstance(venue, Venue):
        return venue
    if isinstance(venue, str):
        return by_name(venue)
    raise TypeError(f"venue must be a name or a Venue, got {type(venue).__name__}")


def pad_limits(limits: Mapping[str, Limit], margin: float) -> list[Limit]:
    """The limits with ``margin`` seconds added to each sliding and fixed window (see
    :func:`ratekeeper._limits.padded`)."""
    pad = check_margin(margin)
    return [padded(limit, pad) for limit in limits.values()]


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not scheme or not host:
        return None
    if port is None:
        port = {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(scheme, 0)
    return scheme, host, port


def join_url(base_url: str, url: str) -> str:
    """``url`` as is when absolute, else appended to ``base_url``'s path (as httpx does)."""
    if "://" in url:
        return url
    return base_url.rstrip("/") + "/" + url.lstrip("/")


# --------------------------------------------------------------------------------------------
# the gate


PriorityFn = Callable[["Weighed"], int]
"""Maps a weighed request to its limiter priority (higher goes first)."""

EstimatesArg = Estimates | Literal["learned", "max"]
"""The integrations' ``estimates=`` option (see :func:`build_gate`)."""

MarginArg = float | TransitMargin | None
"""The integrations' ``margin=`` option (see :func:`build_gate`)."""

Verdict = Literal["ok", "retry", "refuse", "give_up"]


def _is_cancel(w: Weighed) -> bool:
    action = w.detail.get("action")
    if isinstance(action, str) and "cancel" in action.lower():
        return True
    return "cancel" in w.path.lower() or "cancel" in w.name.lower() or w.method == "DELETE"


def default_priority(w: Weighed) -> int:
    """Cancels 10, other actions 5, reads 0: a cancel is never stuck behind market data."""
    if w.kind != "action":
        return 0
    return 10 if _is_cancel(w) else 5


@dataclass(frozen=True, slots=True)
class Plan:
    """What one request to the venue will cost, under which scope, at which priority."""

    weighed: Weighed
    method: str
    url: str
    cost: Mapping[str, float]
    scope: Mapping[str, str]
    priority: int
    shares: tuple[tuple[Mapping[str, float], Mapping[str, str]], ...] = ()
    """Further charges of the same request under other scope values, ``(cost, scope)``: the
    venue's ``detail["shares"]`` (an OKX batch across instruments spends each instrument's
    budget by its own orders). Acquired after ``cost``, settled and released with it."""

    @property
    def kind(self) -> str:
        return self.weighed.kind

    @property
    def retryable(self) -> bool:
        """A read that is safe to send again (an action never is)."""
        return self.weighed.kind == "read" and self.weighed.idempotent


@dataclass(frozen=True, slots=True)
class Outcome:
    """What :meth:`Gate.outcome` concluded from one response.

    ``verdict``: ``"ok"`` return the response; ``"retry"`` try again after ``delay`` seconds
    (the next ``acquire`` also waits for any block the response put in the store);
    ``"refuse"`` raise :class:`ActionRefused`; ``"give_up"`` a retry was wanted but is not
    allowed (attempts used up, or the server's block is longer than ``max_retry_after``):
    return the response as it is.
    """

    verdict: Verdict
    actual: Mapping[str, float]
    observations: tuple[Observation, ...]
    delay: float = 0.0
    retry_after: float | None = None
    limit: str | None = None
    reason: str = ""
    rate_limited: bool = False


L = TypeVar("L", Limiter, AsyncLimiter)


class Gate(Generic[L]):
    """A venue, a limiter and everything the integrations decide without doing I/O.

    ``base_url`` is the venue's API origin: requests to any other host are not the venue's
    (:meth:`plan` returns ``None``) and pass through untouched. ``ip``, ``account``,
    ``address`` and ``key`` (an API key's label, for budgets counted per key such as HTX's
    legacy one) are the scope values the caller knows (the request's own values, such as a
    Hyperliquid ``vaultAddress``, take precedence). ``priority`` maps a weighed request to its
    limiter priority (default :func:`default_priority`). ``rng`` draws the backoff jitter.
    ``router``: the :class:`~ratekeeper.proxies.ProxyRouter` of a proxy pool, if any (each
    request then goes through one member of the pool, under that member's ``ip`` scope).
    ``estimates``: what answers taught about weights known only after them
    (:class:`~ratekeeper.venues.Estimates`); ``None`` books their documented bounds.
    ``transit``: the adaptive margin (:class:`~ratekeeper.TransitMargin`) the gate measures
    and applies to its limiter; ``None`` leaves the limiter's margin as it is.
    """

    __slots__ = (
        "_margin_lock",
        "_origin",
        "account",
        "address",
        "base_url",
        "estimates",
        "ip",
        "key",
        "limiter",
        "priority",
        "retry",
        "rng",
        "router",
        "transit",
        "venue",
    )

    def __init__(
        self,
        venue: Venue,
        limiter: L,
        *,
        base_url: str,
        ip: str | None = None,
        account: str | None = None,
        address: str | None = None,
        key: str | None = None,
        retry: RetryPolicy | None = None,
        priority: PriorityFn | None = None,
        rng: random.Random | None = None,
        router: ProxyRouter | None = None,
        estimates: Estimates | None = None,
        transit: TransitMargin | None = None,
    ) -> None:
        origin = _origin(base_url)
        if origin is None:
            raise ValueError(f"base_url must be an absolute http(s) URL, got {base_url!r}")
        self.venue = venue
        self.limiter: L = limiter
        self.base_url = base_url
        self._origin = origin
        self.ip = ip
        self.account = account
        self.address = address
        self.key = key
        self.retry = retry if retry is not None else RetryPolicy()
        self.priority: PriorityFn = priority if priority is not None else default_priority
        self.rng = rng if rng is not None else random.Random()
        self.router = router
        self.estimates = estimates
        self.transit = transit
        self._margin_lock = threading.Lock()

    @property
    def clock(self) -> Clock:
        return self.limiter.clock

    def handles(self, url: str) -> bool:
        """Whether ``url`` goes to this venue (same scheme, host and port as ``base_url``)."""
        return _origin(url) == self._origin

    def proxy_statistics(self) -> tuple[ProxyStatistics, ...]:
        """The integrations' ``proxy_statistics()``: per member of the pool, its failure
        records (re-read from the store now) and counters; empty without a pool."""
        if self.router is None:
            return ()
        self.router.refresh()
        return self.router.statistics()

    async def aproxy_statistics(self) -> tuple[ProxyStatistics, ...]:
        """:meth:`proxy_statistics`, re-reading the store without blocking the event loop."""
        if self.router is None:
            return ()
        await self.router.arefresh()
        return self.router.statistics()

    def _pool(self, owner: str) -> ProxyRouter:
        if self.router is None:
            raise ValueError(f"this {owner} has no proxy_pool")
        return self.router

    def check_proxies(self, owner: str, *, only_down: bool = True) -> dict[str, bool]:
        """The integrations' ``check_proxies()``; ``owner`` ("client", "session") names the
        caller in the error raised without a pool."""
        return self._pool(owner).check(only_down=only_down)

    async def acheck_proxies(self, owner: str, *, only_down: bool = True) -> dict[str, bool]:
        """:meth:`check_proxies` for the asyncio integrations."""
        return await self._pool(owner).acheck(only_down=only_down)

    def info_url(self) -> str:
        """The URL of Hyperliquid's ``/info`` endpoint, for the integrations' ``post_info``.

        Raises ``TypeError`` for any other venue."""
        if self.venue.name != "hyperliquid":
            raise TypeError(f"post_info is Hyperliquid's /info endpoint; this client is for {self.venue.name}")
        return join_url(self.base_url, "/info")

    def plan(
        self,
        method: str,
        url: str,
        body: object = None,
        params: Mapping[str, Any] | None = None,
        *,
        ip: str | None = None,
    ) -> Plan | None:
        """Weigh a request: ``None`` for another host, else its cost, scope and priority.

        Raises :class:`~ratekeeper.venues.InvalidRequest` (a ``ValueError``) when the venue
        would refuse it whole (a Hyperliquid batch over 200): before anything is reserved.
        """
        if not self.handles(url):
            return None
        weighed = self.venue.weigh(method, url, body, params, estimates=self.estimates)
        priority = self.priority(weighed)
        scope = self._scope(weighed, ip)
        plan = Plan(weighed, weighed.method, url, dict(weighed.cost), scope, int(priority))
        shares = self._shares(weighed, ip)
        return dataclasses.replace(plan, shares=shares) if shares else plan

    def _shares(
        self, weighed: Weighed, ip: str | None, *, force_ip: bool = False
    ) -> tuple[tuple[Mapping[str, float], Mapping[str, str]], ...]:
        """The venue's ``detail["shares"]``, ``(cost, scope values)`` pairs, with full scopes."""
        raw = weighed.detail.get("shares")
        if not raw:
            return ()
        out: list[tuple[Mapping[str, float], Mapping[str, str]]] = []
        for cost, values in raw:
            other = dataclasses.replace(weighed, scope={**weighed.scope, **values})
            out.append((dict(cost), self._scope(other, ip, force_ip=force_ip)))
        return tuple(out)

    def _scope(self, weighed: Weighed, ip: str | None, *, force_ip: bool = False) -> dict[str, str]:
        known: dict[str, str] = {}
        for name, value in (
            ("ip", ip or self.ip),
            ("account", self.account),
            ("address", self.address),
            ("key", self.key),
        ):
            if value is not None:
                known[name] = value
        known.update(weighed.scope)  # what the request itself names wins over the defaults
        if force_ip and ip is not None:
            known["ip"] = ip  # ...except the IP a proxy pool sends it from
        return weighed.scope_for(known)

    def with_ip(self, plan: Plan, ip: str) -> Plan:
        """``plan`` sent from ``ip`` (a proxy's label): the same cost under that ``ip`` scope."""
        if plan.scope.get("ip") == ip:
            return plan
        shares = self._shares(plan.weighed, ip, force_ip=True) if plan.shares else ()
        return dataclasses.replace(plan, scope=self._scope(plan.weighed, ip, force_ip=True), shares=shares)

    def scrub(self, text: str) -> str:
        """``text`` without the credentials of the proxy pool (for log lines and errors)."""
        return self.router.scrub(text) if self.router is not None else text

    def outcome(
        self,
        plan: Plan,
        status: int,
        headers: Any,
        body: Any,
        *,
        attempt: int = 1,
        now: float | None = None,
    ) -> Outcome:
        """The actual cost, what the server said, and what to do next.

        ``body`` is the parsed JSON (``None`` when absent or unreadable: the estimate then
        stands); ``attempt`` counts from 1. Never raises on a malformed response.
        """
        venue = self.venue
        w = plan.weighed
        actual = venue.settle(w, status, headers, body, now=now, estimates=self.estimates)
        observations = tuple(venue.feedback(status, headers, body, request=w, now=now))
        blocks = [o for o in observations if o.blocked_for is not None and o.blocked_for > 0]
        longest = max(blocks, key=lambda o: o.blocked_for or 0.0) if blocks else None
        retry_after = longest.blocked_for if longest is not None else None
        limit = longest.limit if longest is not None else None
        limited = bool(blocks) or status in (418, 429)
        reason = longest.reason if longest is not None else (f"HTTP {status}" if limited else "")
        policy = self.retry

        signal = reason or f"HTTP {status}"

        def done(verdict: Verdict, why: str, delay: float = 0.0) -> Outcome:
            return Outcome(verdict, actual, observations, delay, retry_after, limit, why, limited)

        if limited and plan.kind == "action":
            return done("refuse", signal)
        if not (limited or policy.retries_status(status)):
            return done("ok", reason)
        if not plan.retryable:
            return done("give_up" if limited else "ok", signal)
        if attempt >= policy.attempts:
            return done("give_up", f"{signal}; {attempt} attempts made")
        if retry_after is not None and retry_after > policy.max_retry_after:
            why = f"{signal}: blocked {retry_after:.3g} s, more than max_retry_after={policy.max_retry_after:g} s"
            return done("give_up", why)
        return done("retry", signal, policy.backoff_for(attempt, self.rng))

    def after_error(self, plan: Plan, sent: bool, attempt: int) -> tuple[Literal["retry", "raise", "unknown"], float]:
        """What to do after a connection error or timeout: retry a read (after the returned
        delay), re-raise, or report an action whose outcome is unknown. ``sent`` is ``False``
        only when the request certainly never left (the connection was never made)."""
        if plan.kind == "action" or not plan.retryable:
            if plan.kind == "action" and sent:
                return "unknown", 0.0
            return "raise", 0.0
        if not self.retry.connection_errors or attempt >= self.retry.attempts:
            return "raise", 0.0
        return "retry", self.retry.backoff_for(attempt, self.rng)

    def answered(self, route: str, seconds: float, limited: bool) -> None:
        """One answer came ``seconds`` after its slot began, by ``route`` (``"direct"`` or a
        proxy's key): feed the adaptive margin (a rate-limit answer widens it) and apply the
        margin when it moved."""
        transit = self.transit
        if transit is None:
            return
        if limited:
            margin: float | None = transit.refused()
            if margin is not None:
                log.warning(
                    "ratekeeper: %s answered with a rate limit the ledger did not predict; margin widened to %.3f s",
                    self.venue.name,
                    margin,
                    extra={"venue": self.venue.name, "margin": margin},
                )
        else:
            margin = transit.observe(seconds, route)
            if margin is not None:
                log.debug("ratekeeper: %s transit margin now %.4f s", self.venue.name, margin)
        if margin is not None:
            with self._margin_lock:  # the latest value, whichever thread measured what
                self.limiter.set_margin(transit.value)

    def refused(self, plan: Plan, status: int, body: Any, out: Outcome, response: Any) -> VenueRefused:
        """The exception for a refused request (an action answered with a rate-limit signal)."""
        cls = ActionRefused if plan.kind == "action" else VenueRefused
        wait = f"; retry after {out.retry_after:.3g} s" if out.retry_after is not None else ""
        what = f" on {out.limit}" if out.limit else ""
        message = (
            f"{self.venue.name} refused {plan.weighed.name} ({plan.method} {plan.url}): "
            f"{out.reason or f'HTTP {status}'}{what}{wait}; not retried"
        )
        return cls(
            message,
            venue=self.venue.name,
            method=plan.method,
            url=plan.url,
            status=status,
            body=body,
            retry_after=out.retry_after,
            limit=out.limit,
            rule=plan.weighed.name,
            reason=out.reason,
            response=response,
        )

    def unknown(self, plan: Plan, exc: BaseException) -> ActionOutcomeUnknown:
        what = self.scrub(f"{type(exc).__name__}: {exc}")
        return ActionOutcomeUnknown(
            f"{self.venue.name} {plan.weighed.name} ({plan.method} {plan.url}): {what}; "
            "the action may or may not have been executed: check before sending it again",
            venue=self.venue.name,
            method=plan.method,
            url=plan.url,
            rule=plan.weighed.name,
        )


# --------------------------------------------------------------------------------------------
# bodies


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


# --------------------------------------------------------------------------------------------
# building a gate from the integrations' keyword options


def build_gate(
    venue: str | Venue,
    limiter_cls: type[L],
    *,
    base_url: str | None = None,
    store: StoreSpec = "memory://",
    proxy_pool: ProxyPoolArg = None,
    limiter: L | None = None,
    ip: str | None = None,
    account: str | None = None,
    address: str | None = None,
    key: str | None = None,
    retry: RetryPolicy | None = None,
    priority: PriorityFn | None = None,
    margin: MarginArg = None,
    clock: Clock | None = None,
    testnet: bool = False,
    estimates: EstimatesArg = "learned",
) -> Gate[L]:
    """The gate of one integration instance, from the keyword options they all share.

    ``proxy_pool`` (see :func:`ratekeeper.proxies.as_pool`) is read and checked here, before
    anything is sent: a malformed proxy, an empty file or a missing variable raises
    ``ValueError``. ``estimates``: ``"learned"`` (a fresh :class:`~ratekeeper.venues.Estimates`),
    ``"max"`` (the documented bounds) or an ``Estimates`` to share or tune. ``margin``:
    ``None`` (a :class:`~ratekeeper.TransitMargin` starting at the venue's default), a fixed
    number of seconds, or a ``TransitMargin`` to tune."""
    v = resolve_venue(venue)
    learned = resolve_estimates(estimates)
    pool = as_pool(proxy_pool)
    if pool is not None and inspect.iscoroutinefunction(pool.health_check) and limiter_cls is not AsyncLimiter:
        raise TypeError("proxy_pool: an async health_check needs an asyncio client (httpx.AsyncClient, aiohttp)")
    if base_url is None:
        base_url = v.testnet if testnet else v.mainnet
        if base_url is None:
            raise ValueError(f"{v.name} has no {'testnet' if testnet else 'mainnet'} URL; pass base_url=")
    transit = None
    if limiter is None:
        transit, pad = resolve_margin(v, margin)
        limiter = limiter_cls(v.limits, store=store, clock=clock, margin=pad)
    else:
        if not isinstance(limiter, limiter_cls):
            raise TypeError(f"limiter must be a {limiter_cls.__name__}, got {type(limiter).__name__}")
        if margin is not None or clock is not None or store != "memory://":
            raise ValueError("pass either limiter= or the options that build one (store=, margin=, clock=), not both")
    router = ProxyRouter(pool, limiter, estimate=_estimator(limiter), direct_scope=ip) if pool is not None else None
    return Gate(
        v,
        limiter,
        base_url=base_url,
        ip=ip,
        account=account,
        address=address,
        key=key,
        retry=retry,
        priority=priority,
        router=router,
        estimates=learned,
        transit=transit,
    )


def _estimator(limiter: Limiter | AsyncLimiter) -> Estimate | AsyncEstimate:
    """How a proxy router asks ``limiter``'s store how soon it would admit some items, booking
    nothing: ``(items, priority) -> seconds from now`` (a coroutine function for an
    ``AsyncLimiter``). The one place that knows how the limiter spells it."""
    if isinstance(limiter, AsyncLimiter):
        alimiter = limiter

        async def aestimate(items: Sequence[Item], priority: int) -> float:
            # the limiter's own way to its store (async face, in process, or a thread)
            d = await alimiter._areserve(items, priority, -1.0)
            return d.start - d.now

        return aestimate
    store = limiter.store

    def estimate(items: Sequence[Item], priority: int) -> float:
        d = store.reserve(items, priority, -1.0)
        return d.start - d.now

    return estimate


def resolve_margin(venue: Venue, margin: MarginArg) -> tuple[TransitMargin | None, float]:
    """The ``margin=`` option as the gate keeps it, and the margin to start the limiter with:
    adaptive (``None`` or a TransitMargin; its slack is the shortest window it pads, unless
    it was given one), or a fixed number of seconds (checked; no TransitMargin)."""
    if isinstance(margin, TransitMargin):
        transit = margin
    elif margin is None:
        transit = TransitMargin(DEFAULT_MARGINS.get(venue.name, FALLBACK_MARGIN))
    else:
        return None, check_margin(margin)
    if transit.slack is None:
        # bookings move to their answers and waiters check their slots when they come: the
        # margin covers only an answer slower than the shortest window it pads
        windows = [lim.period for lim in venue.limits.values() if lim.algorithm in PADDED]
        transit.slack = min(windows, default=0.0)
    return transit, transit.value


def resolve_estimates(arg: EstimatesArg) -> Estimates | None:
    """The ``estimates=`` option of the integrations as the gate keeps it."""
    if isinstance(arg, Estimates):
        return arg
    if arg == "learned":
        return Estimates()
    if arg == "max":
        return None
    raise ValueError(f"estimates must be 'learned', 'max' or an Estimates, got {arg!r}")


# --------------------------------------------------------------------------------------------
# the two loops

R = TypeVar("R")
R_contra = TypeVar("R_contra", contravariant=True)


class ResponseIO(Protocol[R_contra]):
    """How a loop reads one HTTP library's responses. ``body`` returns the raw bytes, or
    ``None`` when the caller asked to stream (the body is then not read: the estimate stands)."""

    def status(self, response: R_contra) -> int: ...

    def headers(self, response: R_contra) -> Any: ...

    def discard(self, response: R_contra) -> None:
        """Release a response that is not returned (before a retry)."""
        ...


def _log_retry(gate: Gate[Any], plan: Plan, attempt: int, delay: float, why: str) -> None:
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


def _log_give_up(gate: Gate[Any], plan: Plan, status: int, out: Outcome, attempt: int) -> None:
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


def _log_booking_failed(gate: Gate[Any], plan: Plan, what: str) -> None:
    log.warning(
        "ratekeeper: %s %s: %s failed after the response; the response is returned",
        gate.venue.name,
        plan.weighed.name,
        what,
        exc_info=True,
        extra={"venue": gate.venue.name, "rule": plan.weighed.name, "url": plan.url},
    )


def _move(gate: Gate[Any], plan: Plan, settle: Callable[..., None], cost: Cost) -> None:
    try:
        settle(cost, answered=True)
    except Exception:
        _log_booking_failed(gate, plan, "moving the booking of a request that failed after it was sent")


async def _amove(gate: Gate[Any], plan: Plan, settle: Callable[..., Awaitable[None]], cost: Cost) -> None:
    try:
        await settle(cost, answered=True)
    except Exception:
        _log_booking_failed(gate, plan, "moving the booking of a request that failed after it was sent")


def _raise_clean(gate: Gate[Any], exc: BaseException) -> None:
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


class _Shares:
    """A grant and the grants of its plan's further shares, settled and released together."""

    __slots__ = ("_main", "_others")

    def __init__(self, main: Grant, others: tuple[Grant, ...]) -> None:
        self._main = main
        self._others = others

    @property
    def late(self) -> float:
        return self._others[-1].late if self._others else self._main.late

    @property
    def cost(self) -> dict[str, float]:
        return self._main.cost

    def settle(self, actual_cost: Cost, *, answered: bool = False) -> None:
        self._main.settle(actual_cost, answered=answered)
        for grant in self._others:
            grant.settle(grant.cost, answered=answered)

    def release(self) -> None:
        self._main.release()
        for grant in self._others:
            grant.release()


class _AsyncShares:
    """:class:`_Shares` for the asyncio integrations."""

    __slots__ = ("_main", "_others")

    def __init__(self, main: AsyncGrant, others: tuple[AsyncGrant, ...]) -> None:
        self._main = main
        self._others = others

    @property
    def late(self) -> float:
        return self._others[-1].late if self._others else self._main.late

    @property
    def cost(self) -> dict[str, float]:
        return self._main.cost

    async def settle(self, actual_cost: Cost, *, answered: bool = False) -> None:
        await self._main.settle(actual_cost, answered=answered)
        for grant in self._others:
            await grant.settle(grant.cost, answered=answered)

    async def release(self) -> None:
        await self._main.release()
        for grant in self._others:
            await grant.release()


def _take_shares(limiter: Limiter, plan: Plan, grant: Grant) -> Grant | _Shares:
    """``grant`` with the plan's further shares acquired (all returned if one cannot be)."""
    if not plan.shares:
        return grant
    taken: list[Grant] = []
    try:
        for cost, scope in plan.shares:
            taken.append(limiter.acquire(cost, scope=scope, priority=plan.priority))
    except BaseException:
        for other in taken:
            other.release()
        grant.release()
        raise
    return _Shares(grant, tuple(taken))


async def _atake_shares(limiter: AsyncLimiter, plan: Plan, grant: AsyncGrant) -> AsyncGrant | _AsyncShares:
    """:func:`_take_shares` for the asyncio integrations."""
    if not plan.shares:
        return grant
    taken: list[AsyncGrant] = []
    try:
        for cost, scope in plan.shares:
            taken.append(await limiter.acquire(cost, scope=scope, priority=plan.priority))
    except BaseException:
        for other in taken:
            await other.release()
        await grant.release()
        raise
    return _AsyncShares(grant, tuple(taken))


def send_sync(
    gate: Gate[Limiter],
    plan: Plan,
    send: Callable[[Proxy | None], R],
    read: Callable[[R], bytes | None],
    io: ResponseIO[R],
    classify: Callable[[BaseException], bool | None],
    probe: Probe | None = None,
) -> R:
    """One request to the venue, with threads: route, acquire, send, read, settle, observe,
    retry.

    ``send(proxy)`` sends the request through ``proxy`` (``None``: the way the client sends
    without a pool). ``classify(exc)`` says whether a transport error happened after the
    request may have left (``True``), certainly before (``False``), or is not a transport
    error at all (``None``: re-raised as is, the charge kept). ``probe`` fetches a health-check
    URL through a proxy (for a pool whose every proxy is failed).
    """
    limiter = gate.limiter
    router = gate.router
    trip = Trip() if router is not None else None
    attempt = 0
    while True:
        attempt += 1
        member = None
        p = plan
        if router is None or trip is None:
            grant = _take_shares(limiter, p, limiter.acquire(plan.cost, scope=plan.scope, priority=plan.priority))
        else:
            member, p, first = router.route(plan, trip, probe, with_ip=gate.with_ip)
            grant = _take_shares(limiter, p, first)
            router.note_sent(member)
        slot = gate.clock.now() - grant.late
        response: R | None = None
        try:
            response = send(member.proxy if member is not None else None)
            answered = gate.clock.now() - slot
            raw = read(response)
        except BaseException as exc:
            if response is not None:
                io.discard(response)
            sent = classify(exc)
            if sent is None:
                raise
            if not sent:
                grant.release()
            else:  # it may have been counted, no later than now: its booking moves here
                _move(gate, p, grant.settle, grant.cost)
            if router is not None and trip is not None and member is not None:
                if router.failed(trip, member, exc, sent, p, gate.retry):
                    attempt -= 1  # another route, not another attempt
                    continue
                if p.kind == "action" and sent:
                    raise gate.unknown(p, exc) from exc
                _raise_clean(gate, exc)
            verdict, delay = gate.after_error(p, sent, attempt)
            if verdict == "unknown":
                raise gate.unknown(p, exc) from exc
            if verdict == "raise":
                raise
            _log_retry(gate, p, attempt, delay, f"{type(exc).__name__}: {exc}")
            clock_sleep(gate.clock, delay)
            continue
        status = io.status(response)
        if status == 407 and router is not None and trip is not None and member is not None and member.proxy:
            grant.release()  # the proxy refused it: the venue never saw it
            if router.failed(trip, member, PROXY_AUTH_FAILED, False, p, gate.retry):
                io.discard(response)
                attempt -= 1
                continue
            return response
        headers = io.headers(response)
        body = parse_body(raw, venue=gate.venue.name, status=status, url=p.url) if raw is not None else None
        out = gate.outcome(p, status, headers, body, attempt=attempt)
        try:
            # answered: the venue counted it by now, so its booking moves here (a streamed
            # body is not read: the estimate stands)
            grant.settle(out.actual if raw is not None else grant.cost, answered=True)
            if out.observations:
                limiter.observe(out.observations, scope=p.scope)
            gate.answered(member.key if member is not None else DIRECT, answered, status in (418, 429))
        except Exception:
            _log_booking_failed(gate, p, "settling, observing or measuring the margin")
        if router is not None and trip is not None and member is not None:
            router.note_answer(trip, member, rate_limited=out.rate_limited, retry=out.verdict == "retry")
        if out.verdict == "ok":
            return response
        if out.verdict == "refuse":
            raise gate.refused(p, status, body, out, response)
        if out.verdict == "give_up":
            _log_give_up(gate, p, status, out, attempt)
            return response
        _log_retry(gate, p, attempt, out.delay, out.reason)
        io.discard(response)
        clock_sleep(gate.clock, out.delay)


async def send_async(
    gate: Gate[AsyncLimiter],
    plan: Plan,
    send: Callable[[Proxy | None], Awaitable[R]],
    read: Callable[[R], Awaitable[bytes | None]],
    io: ResponseIO[R],
    classify: Callable[[BaseException], bool | None],
    probe: AsyncProbe | None = None,
) -> R:
    """One request to the venue, with asyncio (see :func:`send_sync`)."""
    limiter = gate.limiter
    router = gate.router
    trip = Trip() if router is not None else None
    attempt = 0
    while True:
        attempt += 1
        member = None
        p = plan
        if router is None or trip is None:
            first = await limiter.acquire(plan.cost, scope=plan.scope, priority=plan.priority)
            grant = await _atake_shares(limiter, p, first)
        else:
            member, p, first = await router.aroute(plan, trip, probe, with_ip=gate.with_ip)
            grant = await _atake_shares(limiter, p, first)
            router.note_sent(member)
        slot = gate.clock.now() - grant.late
        response: R | None = None
        try:
            response = await send(member.proxy if member is not None else None)
            answered = gate.clock.now() - slot
            raw = await read(response)
        except BaseException as exc:
            if response is not None:
                io.discard(response)
            sent = classify(exc)
            if sent is None:
                raise
            if not sent:
                await grant.release()
            else:
                await _amove(gate, p, grant.settle, grant.cost)
            if router is not None and trip is not None and member is not None:
                if await router.afailed(trip, member, exc, sent, p, gate.retry):
                    attempt -= 1
                    continue
                if p.kind == "action" and sent:
                    raise gate.unknown(p, exc) from exc
                _raise_clean(gate, exc)
            verdict, delay = gate.after_error(p, sent, attempt)
            if verdict == "unknown":
                raise gate.unknown(p, exc) from exc
            if verdict == "raise":
                raise
            _log_retry(gate, p, attempt, delay, f"{type(exc).__name__}: {exc}")
            await clock_asleep(gate.clock, delay)
            continue
        status = io.status(response)
        if status == 407 and router is not None and trip is not None and member is not None and member.proxy:
            await grant.release()
            if await router.afailed(trip, member, PROXY_AUTH_FAILED, False, p, gate.retry):
                io.discard(response)
                attempt -= 1
                continue
            return response
        headers = io.headers(response)
        body = parse_body(raw, venue=gate.venue.name, status=status, url=p.url) if raw is not None else None
        out = gate.outcome(p, status, headers, body, attempt=attempt)
        try:
            await grant.settle(out.actual if raw is not None else grant.cost, answered=True)
            if out.observations:
                await limiter.observe(out.observations, scope=p.scope)
            gate.answered(member.key if member is not None else DIRECT, answered, status in (418, 429))
        except Exception:
            _log_booking_failed(gate, p, "settling, observing or measuring the margin")
        if router is not None and trip is not None and member is not None:
            router.note_answer(trip, member, rate_limited=out.rate_limited, retry=out.verdict == "retry")
        if out.verdict == "ok":
            return response
        if out.verdict == "refuse":
            raise gate.refused(p, status, body, out, response)
        if out.verdict == "give_up":
            _log_give_up(gate, p, status, out, attempt)
            return response
        _log_retry(gate, p, attempt, out.delay, out.reason)
        io.discard(response)
        await clock_asleep(gate.clock, out.delay)
