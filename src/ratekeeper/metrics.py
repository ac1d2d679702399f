"""Prometheus metrics and structured logs.

::

    import prometheus_client
    from ratekeeper.metrics import Metrics

    metrics = Metrics()                          # on prometheus_client's default registry
    limiter = metrics.instrument(rk.Limiter(venue), name="hl")
    prometheus_client.start_http_server(9100)

What is exported (``docs/metrics.md`` has the full list):

* ``ratekeeper_acquire_wait_seconds`` — a histogram of how long ``acquire`` waited, per limiter;
* ``ratekeeper_acquire_timeouts_total`` — acquisitions that gave up (``RateLimited``);
* ``ratekeeper_budget_{used,available,capacity,reserved,waiters,blocked_seconds}`` — gauges per
  limiter, limit and scope, read from ``limiter.statistics()`` when Prometheus scrapes;
* ``ratekeeper_http_429_total``, ``ratekeeper_bans_total``, ``ratekeeper_retries_total``,
  ``ratekeeper_store_errors_total`` — counters the HTTP integrations (or your code) feed with
  :meth:`Metrics.record_response`, :meth:`Metrics.record_retry` and
  :meth:`Metrics.record_store_error`.

prometheus-client is an optional extra (``pip install 'ratekeeper[metrics]'``), imported only
when a :class:`Metrics` is created. :class:`JsonFormatter` needs nothing: it renders log
records, with the ``extra=`` fields ratekeeper attaches, as one JSON object per line.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from ._errors import RateLimited, missing_package
from ._limiter import AsyncGrant, AsyncLimiter, Grant, Limiter
from ._limits import Cost, LimitStatistics, ScopeArg

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry
    from prometheus_client.core import Metric

__all__ = ["DEFAULT_BUCKETS", "JsonFormatter", "Metrics", "statistics_now"]

log = logging.getLogger("ratekeeper.metrics")

DEFAULT_BUCKETS: tuple[float, ...] = (
    0.0,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
    math.inf,
)
"""Wait buckets in seconds. The ``0`` bucket counts the acquisitions that did not wait at all."""

L = TypeVar("L", Limiter, AsyncLimiter)

_OTHER_SCOPES = "(other)"


def _prometheus() -> Any:
    try:
        import prometheus_client
    except ImportError as exc:
        raise missing_package("ratekeeper.metrics.Metrics", "prometheus-client", "metrics", exc) from exc
    return prometheus_client


def statistics_now(limiter: Limiter | AsyncLimiter) -> tuple[LimitStatistics, ...]:
    """``limiter.statistics()`` from any thread, for an :class:`AsyncLimiter` too.

    An asyncio limiter's statistics are read through its store's synchronous face (every
    ratekeeper store has one), so a scrape from Prometheus's HTTP thread never needs the
    event loop.
    """
    if isinstance(limiter, Limiter):
        return limiter.statistics()
    snaps = limiter.store.snapshot(list(limiter.limits.values()))
    for _ in range(3):
        try:
            return limiter._stats_from(snaps)
        except RuntimeError:  # the loop changed its queues while we counted waiters
            continue
    return limiter._stats_from(snaps)


class _BudgetCollector:
    """Reads the statistics of every watched limiter when Prometheus scrapes."""

    def __init__(self, owner: Metrics, max_scopes: int) -> None:
        self._owner = owner
        self._max_scopes = max_scopes
        self._lock = threading.Lock()
        self._limiters: dict[str, weakref.ref[Limiter | AsyncLimiter]] = {}

    def watch(self, name: str, limiter: Limiter | AsyncLimiter) -> None:
        with self._lock:
            self._limiters[name] = weakref.ref(limiter)

    def describe(self) -> Iterable[Metric]:
        return self._families()  # the loss gauge is described when collected: it may be absent

    def _families(self) -> list[Any]:
        from prometheus_client import core

        labels = ["limiter", "limit", "scope"]
        return [
            core.GaugeMetricFamily(
                "ratekeeper_budget_used", "Units the budget holds now (in its window).", labels=labels
            ),
            core.GaugeMetricFamily("ratekeeper_budget_available", "Units a request could take now.", labels=labels),
            core.GaugeMetricFamily("ratekeeper_budget_capacity", "The budget's capacity.", labels=labels),
            core.GaugeMetricFamily(
                "ratekeeper_budget_reserved", "Units booked for a later start by waiting requests.", labels=labels
            ),
            core.GaugeMetricFamily(
                "ratekeeper_budget_waiters", "Requests of this limiter queued for the budget.", labels=labels
            ),
            core.GaugeMetricFamily(
                "ratekeeper_budget_blocked_seconds", "Seconds a server ban on this budget has left.", labels=labels
            ),
            core.GaugeMetricFamily(
                "ratekeeper_budget_margin_seconds",
                "Seconds the limiter adds to the budget's window for transit (adaptive in the HTTP integrations).",
                labels=labels,
            ),
        ]

    def collect(self) -> Iterator[Metric]:
        from prometheus_client import core

        lost = core.GaugeMetricFamily(
            "ratekeeper_store_lost_at_seconds",
            "Store time (UNIX seconds) at which the limiter's shared store last found its state lost "
            "(a restart, a flush, an eviction, a failover; a SQLite file deleted or replaced); absent if never.",
            labels=["limiter"],
        )
        families = self._families()
        with self._lock:
            watched = [(name, ref()) for name, ref in self._limiters.items()]
            for name, lim in watched:
                if lim is None:
                    del self._limiters[name]
        for name, limiter in watched:
            if limiter is None:
                continue
            try:
                stats = statistics_now(limiter)
            except Exception as exc:  # a scrape must not fail because the store did
                self._owner.record_store_error(type(limiter.store).__name__, exc)
                log.warning(
                    "ratekeeper: metrics could not read the budgets of limiter %r: %s",
                    name,
                    exc,
                    extra={"limiter": name, "error": type(exc).__name__},
                )
                continue
            for limit, scope, values in self._fold(stats):
                for family, value in zip(families, values, strict=True):
                    family.add_metric([name, limit, scope], value)
            at = getattr(limiter.store, "lost_at", None)  # the shared stores: Redis, SQLite
            if isinstance(at, float):
                lost.add_metric([name], at)
        yield from families
        yield lost

    def _fold(self, stats: Sequence[LimitStatistics]) -> list[tuple[str, str, list[float]]]:
        """One row per (limit, scope); past ``max_scopes`` per limit the rest are summed under
        scope ``"(other)"`` so that a venue with thousands of addresses cannot flood Prometheus."""
        per_limit: dict[str, int] = {}
        rows: dict[tuple[str, str], list[float]] = {}
        for s in stats:
            seen = per_limit.get(s.limit, 0)
            scope = "" if s.scope is None else s.scope
            if seen >= self._max_scopes:
                scope = _OTHER_SCOPES
            else:
                per_limit[s.limit] = seen + 1
            row = rows.get((s.limit, scope))
            if row is None:
                rows[(s.limit, scope)] = [
                    s.used,
                    s.available,
                    s.capacity,
                    s.reserved,
                    float(s.waiters),
                    s.blocked_for,
                    s.margin,
                ]
            else:
                row[0] += s.used
                row[1] += s.available
                row[2] += s.capacity
                row[3] += s.reserved
                row[4] += s.waiters
                row[5] = max(row[5], s.blocked_for)
                row[6] = max(row[6], s.margin)
        return [(limit, scope, values) for (limit, scope), values in rows.items()]


class Metrics:
    """Prometheus metrics for ratekeeper limiters and HTTP integrations.

    ``registry``: where to register (default: prometheus_client's global ``REGISTRY``); pass a
    fresh ``CollectorRegistry()`` to keep several apart (tests). ``buckets``: the wait
    histogram's buckets in seconds. ``max_scopes``: per limit, how many scope values get
    their own gauge labels before the rest are summed under ``scope="(other)"``.

    Creating a second ``Metrics`` on the same registry raises (prometheus-client refuses
    duplicate metric names): create one per process and pass it around.
    """

    def __init__(
        self,
        registry: CollectorRegistry | None = None,
        *,
        buckets: Sequence[float] = DEFAULT_BUCKETS,
        max_scopes: int = 100,
    ) -> None:
        prom = _prometheus()
        if registry is None:
            registry = prom.REGISTRY
        self.registry: CollectorRegistry = registry
        self.acquire_wait = prom.Histogram(
            "ratekeeper_acquire_wait_seconds",
            "Seconds acquire() waited before the request was admitted.",
            ["limiter"],
            buckets=tuple(buckets),
            registry=registry,
        )
        self.acquire_timeouts = prom.Counter(
            "ratekeeper_acquire_timeouts",
            "Acquisitions that gave up because the wait would exceed their timeout (RateLimited).",
            ["limiter", "limit"],
            registry=registry,
        )
        self.http_429 = prom.Counter(
            "ratekeeper_http_429", "HTTP 429 answers received from a venue.", ["venue"], registry=registry
        )
        self.bans = prom.Counter(
            "ratekeeper_bans",
            "Answers that banned or blocked us (418, 403 bans, address-limit errors...).",
            ["venue", "status"],
            registry=registry,
        )
        self.retries = prom.Counter(
            "ratekeeper_retries", "Requests sent again after a failure.", ["venue", "reason"], registry=registry
        )
        self.store_errors = prom.Counter(
            "ratekeeper_store_errors",
            "Failures of the store holding the budget (each one an outage or a refused operation).",
            ["store", "error"],
            registry=registry,
        )
        self._budgets = _BudgetCollector(self, max_scopes)
        registry.register(self._budgets)
        self._instrumented: weakref.WeakSet[Limiter | AsyncLimiter] = weakref.WeakSet()

    # -- limiters ---------------------------------------------------------------------------

    def watch(self, limiter: Limiter | AsyncLimiter, name: str = "default") -> None:
        """Export ``limiter``'s budgets (used, available…) as gauges, read at scrape time.

        Costs nothing between scrapes. A limiter watched under a name already in use
        replaces the earlier one; a limiter that is garbage-collected disappears.
        """
        self._budgets.watch(name, limiter)

    def instrument(self, limiter: L, name: str = "default") -> L:
        """Observe every ``acquire`` of ``limiter`` (its wait, its timeouts) and :meth:`watch` it.

        Only this limiter object changes: its ``acquire`` becomes a thin wrapper around the
        original. Other limiters keep the plain method, so code without metrics pays nothing.
        Instrumenting the same limiter twice is harmless. Returns ``limiter``.
        """
        self.watch(limiter, name)
        if limiter in self._instrumented:
            return limiter
        wait = self.acquire_wait.labels(name)
        timeouts = self.acquire_timeouts
        if isinstance(limiter, AsyncLimiter):
            aoriginal = limiter.acquire

            async def aacquire(
                cost: Cost, *, timeout: float | None = None, priority: int = 0, scope: ScopeArg = None
            ) -> AsyncGrant:
                try:
                    grant = await aoriginal(cost, timeout=timeout, priority=priority, scope=scope)
                except RateLimited as exc:
                    timeouts.labels(name, exc.limit or "").inc()
                    raise
                wait.observe(grant.waited)
                return grant

            aacquire.__doc__ = aoriginal.__doc__
            limiter.__dict__["acquire"] = aacquire
        else:
            original = limiter.acquire

            def acquire(
                cost: Cost, *, timeout: float | None = None, priority: int = 0, scope: ScopeArg = None
            ) -> Grant:
                try:
                    grant = original(cost, timeout=timeout, priority=priority, scope=scope)
                except RateLimited as exc:
                    timeouts.labels(name, exc.limit or "").inc()
                    raise
                wait.observe(grant.waited)
                return grant

            acquire.__doc__ = original.__doc__
            limiter.__dict__["acquire"] = acquire
        self._instrumented.add(limiter)
        return limiter

    def uninstrument(self, limiter: Limiter | AsyncLimiter) -> None:
        """Give ``limiter`` its plain ``acquire`` back (its gauges stay watched)."""
        limiter.__dict__.pop("acquire", None)
        self._instrumented.discard(limiter)

    # -- what the HTTP integrations report --------------------------------------------------

    def record_response(self, venue: str, status: int, banned: bool = False) -> None:
        """One answer from ``venue``: counts a 429, and a ban when ``banned`` (the venue's
        feedback parser said the answer blocks a scope: 418, a 403 ban, an address limit)."""
        if status == 429:
            self.http_429.labels(venue).inc()
        if banned:
            self.bans.labels(venue, str(status)).inc()

    def record_retry(self, venue: str, reason: str = "") -> None:
        """A request is being sent again; ``reason`` is short and from a small set
        (``"429"``, ``"503"``, ``"connection"``…): it becomes a label."""
        self.retries.labels(venue, reason).inc()

    def record_store_error(self, store: str, error: BaseException | str) -> None:
        """The store failed: ``store`` names it (``"redis"``, ``"sqlite"``), ``error`` is the
        exception (its class name becomes the label) or a short kind."""
        kind = error if isinstance(error, str) else type(error).__name__
        self.store_errors.labels(store, kind).inc()


# =========================================================================================
# logs
# =========================================================================================

_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys() | {"message", "asctime", "taskName"})


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, and every ``extra=`` field.

    ::

        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logging.getLogger("ratekeeper").addHandler(handler)
    """

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": record.created,
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = _jsonable(value)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def _jsonable(value: object) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return str(value)
