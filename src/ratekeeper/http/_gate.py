"""The gate: what the HTTP integrations decide without doing I/O.

Given a request the :class:`Gate` answers "does this go to the venue, what does it cost,
under which scope, at which priority" (:meth:`Gate.plan`, a :class:`Plan`); given the answer
it says "what did it really cost, what did the server tell us, and now what: return it, retry
it, refuse it" (:meth:`Gate.outcome`, an :class:`Outcome`; :meth:`Gate.after_error`).
"""

from __future__ import annotations

import dataclasses
import logging
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar
from urllib.parse import urlsplit

from .._clock import Clock
from .._errors import ActionOutcomeUnknown, ActionRefused, VenueRefused
from .._estimates import Estimates
from .._limiter import AsyncLimiter, Limiter
from .._limits import Observation
from .._margin import TransitMargin
from ..proxies import ProxyRouter, ProxyStatistics
from ._retry import RetryPolicy

if TYPE_CHECKING:  # the venue packs are imported when a gate is built, not with this module
    from ..venues import Venue, Weighed

__all__ = ["Gate", "Outcome", "Plan", "PriorityFn", "Verdict", "default_priority", "join_url"]

log = logging.getLogger("ratekeeper.http")


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


PriorityFn = Callable[["Weighed"], int]
"""Maps a weighed request to its limiter priority (higher goes first)."""

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
