"""The routing decisions of a proxy pool, without I/O: which member a request goes to, what a
failure means, what the failure records say.

:class:`RouterCore` holds one client's runtime of a :class:`~ratekeeper.proxies.ProxyPool`
(the failure records as last read, the counters, the rotation) and decides; the shells in
``_async/router.py`` (and its generated sync twin) do the I/O around it: they read and write
the failure records in the store, acquire through the limiter, run the health checks.

The router knows nothing of the HTTP layer. A request reaches it as a :class:`Routed` value
(what it costs, under which scope, at which priority), with a function that re-scopes it to a
member's ``ip`` (``with_ip``); how soon a member's budget would admit it comes from the
``estimate`` function it was built with (``(items, priority) -> seconds``, booking nothing).
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import socket
import threading
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .._errors import ProxyUnavailable
from .._limits import DEFAULT_SCOPE, Limit, resolve_scope
from ..stores import AsyncStore, Item, KeySnapshot, LeaseResult, Store
from ._pool import _USERINFO, DIRECT, AsyncProbe, Probe, Proxy, ProxyPool, ProxyStatistics, redact

if TYPE_CHECKING:
    from .._limiter import AsyncLimiter, Limiter

__all__ = [
    "DOWN_LIMIT",
    "AsyncEstimate",
    "Choice",
    "Estimate",
    "Retries",
    "Routed",
    "RouterCore",
    "Trip",
]

log = logging.getLogger("ratekeeper.proxies")

DOWN_LIMIT = Limit("proxy_down", 1, 3600.0, algorithm="concurrent", scope="proxy")
"""The store record of a failed proxy: a lease on this limit under the proxy's label, held for
the pool's ``grace`` seconds. Capacity 1: a second failure of the same proxy while the record
lives is refused by the store, so one episode makes one record, however many threads, processes
and hosts see it fail (``ratekeeper status`` lists the records of a SQLite store)."""

Estimate = Callable[[Sequence[Item], int], float]
"""How soon the store would admit these items at this priority, in seconds from now, booking
nothing (negative or 0: at once). What the router compares its members by."""

AsyncEstimate = Callable[[Sequence[Item], int], Awaitable[float]]
""":data:`Estimate` for the asyncio clients."""


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class Routed(Protocol):
    """What the router reads of one request (the HTTP layer's plan is one): its cost, its
    scope values, its priority, whether it may be sent again after a connection error, and
    the name of the rule that priced it (for log lines)."""

    @property
    def cost(self) -> Mapping[str, float]: ...

    @property
    def scope(self) -> Mapping[str, str]: ...

    @property
    def priority(self) -> int: ...

    @property
    def retryable(self) -> bool: ...

    @property
    def weighed(self) -> _Named: ...


class Retries(Protocol):
    """What the router reads of the client's retry policy."""

    @property
    def connection_errors(self) -> bool: ...


R = TypeVar("R", bound=Routed)


@dataclass(frozen=True, slots=True)
class _Member:
    key: str
    """``label`` of a proxy, ``"direct"`` for the direct connection."""
    scope: str
    """The ``ip`` scope value the member spends."""
    proxy: Proxy | None


class _Counters:
    __slots__ = ("errors", "failures", "rate_limited", "rotations", "sent", "waiting")

    def __init__(self) -> None:
        self.sent = 0
        self.errors = 0
        self.failures = 0
        self.rotations = 0
        self.rate_limited = 0
        self.waiting = 0


class Trip:
    """The routing state of one request: the members that failed it, the ones to avoid, the
    rotations made, the direct fallback once taken."""

    __slots__ = ("avoid", "checked", "forced", "rotations", "tried")

    def __init__(self) -> None:
        self.tried: set[str] = set()
        self.avoid: set[str] = set()
        self.rotations = 0
        self.forced: _Member | None = None
        self.checked = False


def _ip_dimension(limit: Limit) -> bool:
    return limit.scope is not None and "ip" in limit.scope.split("+")


def _service(items: Sequence[Item]) -> float:
    """Seconds of budget one request of these items takes at the sustained rate (how long each
    request already waiting for a member delays the next)."""
    out = 0.0
    for limit, _, amount in items:
        if limit.algorithm in ("sliding", "fixed", "token"):
            out = max(out, amount * limit.period / limit.capacity)
    return out


def _healthy_status(status: int) -> bool:
    return status < 500 and status != 407


@dataclass(frozen=True, slots=True)
class Choice:
    """The routing decision for one request: the ``member`` to send it through, and ``start``,
    how many seconds from now its budget admits it (the store's estimate plus the requests of
    this process already waiting for it)."""

    member: _Member
    start: float


class RouterCore:
    """The state and the decisions of a :class:`~ratekeeper.proxies.ProxyRouter`, without I/O
    (the shells read and write the store around them)."""

    def __init__(
        self,
        pool: ProxyPool,
        limiter: Limiter | AsyncLimiter,
        *,
        estimate: Estimate | AsyncEstimate | None = None,
        direct_scope: str | None = None,
    ) -> None:
        self.pool = pool
        self._limiter: Any = limiter
        # how soon the limiter would admit some items, booking nothing: given as a value by
        # the HTTP layer; the limiter's own by default (a router built by hand)
        self._estimate: Any = estimate if estimate is not None else limiter._estimate_items
        self._clock = limiter.clock
        self._store: Any = limiter.store
        self._limits: Mapping[str, Limit] = limiter.limits
        self._ip_limits = frozenset(
            n for n, lim in self._limits.items() if _ip_dimension(lim) and lim.algorithm != "concurrent"
        )
        self._members = tuple(_Member(p.label, p.label, p) for p in pool.proxies)
        self._direct = _Member(DIRECT, direct_scope or DEFAULT_SCOPE, None)
        self._routable = self._members + ((self._direct,) if pool.direct else ())
        self._by_label = {m.key: m for m in self._members}
        self._secrets = tuple(sorted({s for p in pool.proxies for s in p.secrets()}, key=len, reverse=True))
        self._down: dict[str, float] = {}
        self._refreshed = -math.inf
        self._checked: dict[str, float] = {}
        self._counters = {m.key: _Counters() for m in (*self._members, self._direct)}
        self._lock = threading.Lock()
        self._check_lock = threading.Lock()
        self._rr = itertools.count()
        self._episode = itertools.count(1)
        self._holder = f"{socket.gethostname()}/{os.getpid()}/{id(self):x}"
        self._probe: Probe | None = None
        self._aprobe: AsyncProbe | None = None
        store = self._store
        self._async_store: AsyncStore | None = store if isinstance(store, AsyncStore) else None
        self._shared = isinstance(store, Store) or self._async_store is not None
        if not self._shared:
            log.warning(
                "ratekeeper: the store %s has no leases: proxy failures are remembered by this process only",
                type(store).__name__,
            )

    # -- facts ---------------------------------------------------------------------------

    @property
    def members(self) -> tuple[str, ...]:
        """The keys of the members requests may be routed to (labels, and ``"direct"``)."""
        return tuple(m.key for m in self._routable)

    @property
    def direct_scope(self) -> str:
        return self._direct.scope

    def bind_probe(self, probe: Probe) -> None:
        """How :meth:`check` fetches a health-check URL through a proxy (the client sets it)."""
        self._probe = probe

    def bind_aprobe(self, probe: AsyncProbe) -> None:
        """How :meth:`acheck` fetches a health-check URL through a proxy (the client sets it)."""
        self._aprobe = probe

    def scrub(self, text: str) -> str:
        """``text`` without any credential of the pool (for log lines and error messages)."""
        out = redact(text)
        for secret in self._secrets:
            out = out.replace(secret, "***")
        return out

    def leaks(self, text: str) -> bool:
        """Whether ``text`` shows a credential of the pool (or any URL's ``user:password@``)."""
        return any(s in text for s in self._secrets) or _USERINFO.search(text) is not None

    def is_down(self, key: str, now: float | None = None) -> bool:
        until = self._down.get(key)
        if until is None:
            return False
        return until > (self._clock.now() if now is None else now)

    def statistics(self) -> tuple[ProxyStatistics, ...]:
        """A frozen snapshot per member (failure records as last read from the store; the
        integrations' ``proxy_statistics()`` re-reads them first)."""
        now = self._clock.now()
        out = []
        for m in (*self._members, self._direct):
            if m.proxy is None and not self.pool.direct and not self.pool.fallback_direct:
                continue
            c = self._counters[m.key]
            left = max(0.0, self._down.get(m.key, now) - now)
            out.append(
                ProxyStatistics(
                    label=m.scope,
                    proxy=m.proxy.redacted if m.proxy is not None else DIRECT,
                    healthy=left <= 0,
                    down_for=left,
                    sent=c.sent,
                    errors=c.errors,
                    failures=c.failures,
                    rotations=c.rotations,
                    rate_limited=c.rate_limited,
                    waiting=c.waiting,
                )
            )
        return tuple(out)

    # -- decisions (no I/O) ----------------------------------------------------------------

    def _stale(self, now: float) -> bool:
        return now - self._refreshed >= self.pool.refresh

    def _apply(self, snaps: Iterable[KeySnapshot], now: float) -> None:
        down: dict[str, float] = {}
        for s in snaps:
            if s.limit.name == DOWN_LIMIT.name and s.scope in self._by_label and s.used > 0 and s.next_free > 0:
                down[s.scope] = now + s.next_free
        self._down = down
        self._refreshed = now

    def _candidates(self, trip: Trip, now: float) -> list[_Member]:
        if trip.forced is not None:
            return [trip.forced]
        out = [m for m in self._routable if m.key not in trip.tried and not (m.proxy and self.is_down(m.key, now))]
        preferred = [m for m in out if m.key not in trip.avoid]
        return preferred or out

    def _fallback(self, trip: Trip) -> _Member | None:
        if self.pool.fallback_direct and DIRECT not in trip.tried:
            return self._direct
        return None

    def _rotated(self, members: Sequence[_Member]) -> list[_Member]:
        if len(members) <= 1:
            return list(members)
        k = next(self._rr) % len(members)
        return [*members[k:], *members[:k]]

    def _items(self, plan: Routed) -> tuple[Item, ...]:
        """The items of ``plan`` whose budget depends on the member (its ``ip`` limits)."""
        items: list[Item] = []
        for name, amount in plan.cost.items():
            if name not in self._ip_limits:
                continue
            limit = self._limits[name]
            value = float(amount)
            if not 0 < value <= limit.capacity:
                continue  # nothing to compare (a cost that never fits is refused by acquire)
            items.append((limit, resolve_scope(limit.scope, plan.scope), value))
        return tuple(items)

    def _best(self, ordered: Sequence[_Member], waits: Sequence[float], service: float) -> Choice:
        """The member whose budget admits the request soonest: the store's start, plus the
        requests of this process already waiting for it; ties go to the rotation order."""
        best = ordered[0]
        best_score = math.inf
        for m, wait in zip(ordered, waits, strict=True):
            score = max(0.0, wait) + self._counters[m.key].waiting * service
            if score < best_score - 1e-9:
                best, best_score = m, score
        return Choice(best, best_score)

    def _enter(self, m: _Member) -> None:
        with self._lock:
            self._counters[m.key].waiting += 1

    def _leave(self, m: _Member) -> None:
        with self._lock:
            self._counters[m.key].waiting -= 1

    def _unavailable(self, now: float) -> ProxyUnavailable:
        lefts = [(self._down[m.key] - now, m) for m in self._members if self.is_down(m.key, now)]
        first = min(lefts, key=lambda x: x[0]) if lefts else None
        when = f"; the first ({first[1].key}) is back in {first[0]:.3g} s" if first else ""
        return ProxyUnavailable(
            f"every proxy of the pool ({len(self._members)}, from {self.pool.source}) is marked failed{when}; "
            "nothing was sent (set fallback_direct=True to send directly meanwhile, or a health_check to "
            "bring proxies back as soon as they answer)",
            retry_after=first[0] if first else None,
            proxies=self.pool.labels,
        )

    def note_sent(self, member: _Member) -> None:
        """``member`` is about to send the request."""
        with self._lock:
            self._counters[member.key].sent += 1

    def note_answer(self, trip: Trip, member: _Member, *, rate_limited: bool, retry: bool) -> None:
        """What an answer through ``member`` means for routing: a rate limit or a server error
        steers this request's next attempt elsewhere (the block itself is in the store)."""
        if rate_limited:
            with self._lock:
                self._counters[member.key].rate_limited += 1
        if rate_limited or retry:
            trip.avoid.add(member.key)

    def _decide_after_failure(self, trip: Trip, member: _Member, sent: bool, plan: Routed, retry: Retries) -> bool:
        """After a connection error through ``member`` (already recorded): send the request
        again through another member (True), or not (False: the caller raises).

        A request that certainly never left may always go elsewhere; one that may have
        reached the venue only if it is an idempotent read and the retry policy retries reads
        after connection errors. An action is never re-sent once it may have been sent."""
        if sent and not (plan.retryable and retry.connection_errors):
            return False
        if trip.forced is not None:
            return False  # the direct fallback failed too
        now = self._clock.now()
        if trip.rotations < self.pool.max_rotations and self._candidates(trip, now):
            trip.rotations += 1
            with self._lock:
                self._counters[member.key].rotations += 1
            return True
        fallback = self._fallback(trip)
        if fallback is not None:
            trip.forced = fallback
            log.warning(
                "ratekeeper: %s: no proxy left to try (%d rotations); sending directly",
                plan.weighed.name,
                trip.rotations,
                extra={"rule": plan.weighed.name, "rotations": trip.rotations},
            )
            return True
        return False

    def _note_error(self, trip: Trip, member: _Member) -> None:
        trip.tried.add(member.key)
        with self._lock:
            self._counters[member.key].errors += 1

    def _recorded(self, member: _Member, result: LeaseResult | None, now: float, reason: str) -> None:
        """Fold the outcome of a failure record into the cache, count and log a new episode."""
        proxy = member.proxy
        assert proxy is not None
        if result is None or result.granted:
            self._down[member.key] = now + self.pool.grace
            with self._lock:
                self._counters[member.key].failures += 1
            shared = "every process sharing the store skips" if result is not None else "this process skips"
            log.warning(
                "ratekeeper: proxy %s (%s) failed: %s; %s it for %g s",
                member.key,
                proxy.redacted,
                reason,
                shared,
                self.pool.grace,
                extra={"proxy": member.key, "reason": reason, "grace": self.pool.grace},
            )
        else:
            self._down[member.key] = max(self._down.get(member.key, now), now + result.retry_after)
            log.debug(
                "ratekeeper: proxy %s failed again (%s); already recorded, back in %.3g s",
                member.key,
                reason,
                result.retry_after,
                extra={"proxy": member.key, "reason": reason},
            )

    def _local_record(self, member: _Member, now: float, reason: str) -> None:
        if self.is_down(member.key, now):
            self._recorded(member, LeaseResult(False, 1.0, self._down[member.key] - now), now, reason)
        else:
            self._recorded(member, None, now, reason)

    def _holder_id(self) -> str:
        return f"{self._holder}/{next(self._episode)}"

    def _reason(self, exc: BaseException | str) -> str:
        text = self.scrub(exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}")
        return text if len(text) <= 240 else text[:239] + "…"

    def _log_rotation(self, plan: Routed, member: _Member, reason: str) -> None:
        log.info(
            "ratekeeper: %s through %s failed (%s); trying another route",
            plan.weighed.name,
            member.key,
            reason,
            extra={"rule": plan.weighed.name, "proxy": member.key, "reason": reason},
        )

    def _check_targets(self, only_down: bool, respect_interval: bool, now: float) -> list[_Member]:
        out = []
        for m in self._members:
            if only_down and not self.is_down(m.key, now):
                continue
            if respect_interval and now - self._checked.get(m.key, -math.inf) < self.pool.check_interval:
                continue
            out.append(m)
        return out

    def _check_result(self, member: _Member, ok: bool, why: str) -> None:
        if ok:
            log.info("ratekeeper: proxy %s passed its health check", member.key, extra={"proxy": member.key})
        else:
            log.info("ratekeeper: proxy %s failed its health check (%s)", member.key, why, extra={"proxy": member.key})
