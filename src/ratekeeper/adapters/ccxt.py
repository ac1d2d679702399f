"""ratekeeper for ccxt: a ccxt exchange (sync or ``ccxt.async_support``) spends a shared budget
instead of its own per-process throttler.

::

    import ccxt
    from ratekeeper.adapters.ccxt import limit

    exchange = limit(ccxt.hyperliquid(), store="sqlite:///tmp/hl.db")
    exchange.fetch_order_book("BTC/USDC:USDC")     # weighed 2 by the Hyperliquid rules

What :func:`limit` changes on the instance:

* ``throttle`` no longer waits: ccxt still works out each call's declared cost (which is why
  ``enableRateLimit`` stays ``True``) and hands it to ratekeeper;
* requests to the venue's API, where ratekeeper has the venue's rules (:data:`VENUES`:
  Hyperliquid, Binance spot), go through a ratekeeper transport: weighed by those rules from
  the request itself (info type, batch size, depth limit, items returned), admitted by the
  limiter over the shared store, settled with the real cost, the response's headers and
  status (``X-MBX-USED-WEIGHT-*``, 429 ``Retry-After``, 418 bans, Hyperliquid's address-limit
  error and ``userRateLimit``) folded back into the store, idempotent reads retried. The sync
  instance's ``requests.Session`` gets a ratekeeper adapter mounted for the venue's origin;
  the async instance's aiohttp session is wrapped when ccxt opens it;
* every other request (an exchange without rules here, or another host of the same exchange,
  such as Binance's ``fapi``) is charged ccxt's own declared cost to a token bucket that
  refills at ccxt's ``rateLimit`` (one cost unit per ``rateLimit`` ms), kept in the same
  store; a 429/418 there blocks that bucket for ``Retry-After`` for every process sharing it.

Several processes (or hosts) that pass the same ``store`` (``sqlite:///…``, ``redis://…``)
share one budget. Supported ccxt versions: :data:`SUPPORTED`. Install with
``pip install 'ratekeeper[ccxt]'``.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import logging
import math
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, Literal, TypeVar

from . import check_version, missing_client, mount, origin_prefix

try:
    import ccxt
    from ccxt.base.errors import BadRequest, DDoSProtection, RateLimitExceeded, RequestTimeout
except ImportError as _exc:  # pragma: no cover - exercised only without the extra (a subprocess test)
    raise missing_client("ccxt", "ccxt", "ccxt", _exc) from _exc

from .._clock import Clock
from .._errors import ActionOutcomeUnknown, CostExceedsCapacity, RateKeeperError, RateLimited, VenueRefused
from .._limiter import AsyncLimiter, Limiter
from .._limits import Limit, Observation
from ..http._async.send import send_async
from ..http._gate import Gate, PriorityFn
from ..http._options import EstimatesArg, MarginArg, Options, build_gate, resolve_margin
from ..http._retry import RetryPolicy
from ..stores import StoreSpec
from ..venues import InvalidRequest, Venue
from ..venues import venue as venue_by_name

__all__ = ["SUPPORTED", "VENUES", "ccxt_bucket", "gate_of", "limit", "limiter_of"]

log = logging.getLogger("ratekeeper.adapters")

MINIMUM: tuple[int, ...] = (4, 4)
BELOW: tuple[int, ...] = (4, 6)
SUPPORTED = ">=4.4,<4.6"
"""The ccxt versions this adapter is tested with (``throttle``, ``fetch``, ``open`` and
``session`` where it expects them)."""

VENUES: Mapping[str, tuple[str, str]] = {
    "hyperliquid": ("hyperliquid", "public"),
    "binance": ("binance", "public"),
}
"""ccxt exchange id → (ratekeeper venue, the key of ccxt's ``urls['api']`` whose origin the
venue's rules cover). Exchanges not listed here are charged ccxt's declared costs; pass
``venue=`` to use other ratekeeper rules (with ``base_url=`` when ccxt's URLs do not name the
venue's documented origin)."""

DEFAULT_COST = 1.0
"""ccxt's cost of an endpoint that declares none (``calculate_rate_limiter_cost``'s default)."""

DEFAULT_BLOCK = 1.0
"""Seconds a 429/418 without ``Retry-After`` blocks the ccxt-cost bucket, as a multiple of its
refill time (the burst): one whole burst."""

L = TypeVar("L", Limiter, AsyncLimiter)


# --------------------------------------------------------------------------------------------
# the per-instance state


@dataclass(frozen=True, slots=True)
class _State(Generic[L]):
    exchange_id: str
    gate: Gate[L] | None
    limiter: L
    bucket: Limit
    scope: Mapping[str, str] | None


def _state(exchange: Any) -> _State[Any] | None:
    state = exchange.__dict__.get("_ratekeeper_state")
    return state if isinstance(state, _State) else None


def gate_of(exchange: Any) -> Gate[Any] | None:
    """The gate of the venue rules a limited exchange sends through (``None`` when it is
    charged ccxt's declared costs only)."""
    state = _state(exchange)
    if state is None:
        raise ValueError(f"{type(exchange).__name__} is not rate limited by ratekeeper: call limit() first")
    return state.gate


def limiter_of(exchange: Any) -> Any:
    """The limiter (a :class:`~ratekeeper.Limiter`, or an :class:`~ratekeeper.AsyncLimiter` for
    ``ccxt.async_support``) a limited exchange spends; its ``statistics()`` show the venue's
    limits and the ccxt-cost bucket (``ccxt:<id>``)."""
    state = _state(exchange)
    if state is None:
        raise ValueError(f"{type(exchange).__name__} is not rate limited by ratekeeper: call limit() first")
    return state.limiter


# --------------------------------------------------------------------------------------------
# ccxt's declared cost: recorded by the throttle, spent by fetch

_COST: contextvars.ContextVar[tuple[int, float] | None] = contextvars.ContextVar("ratekeeper_ccxt_cost", default=None)
"""(id of the exchange, cost) of the call being made in this thread / task: ccxt's ``fetch2``
calls ``throttle(cost)`` and then ``fetch`` in the same context."""


def _record(exchange: Any, cost: object) -> None:
    value = DEFAULT_COST
    if isinstance(cost, (int, float)) and not isinstance(cost, bool) and math.isfinite(cost) and cost >= 0:
        value = float(cost)
    _COST.set((id(exchange), value))


def _take(exchange: Any) -> float:
    recorded = _COST.get()
    if recorded is None or recorded[0] != id(exchange):
        return DEFAULT_COST
    _COST.set(None)
    return recorded[1]


def _chunks(cost: float, capacity: float) -> list[float]:
    """``cost`` in equal parts of at most ``capacity``: a call declared costlier than the
    bucket holds waits for the bucket to refill that many times (ccxt's leaky bucket lets it
    through and makes the next calls wait instead: the same rate)."""
    if cost <= 0:
        return []
    n = max(1, math.ceil(cost / capacity - 1e-9))
    return [cost / n] * n


def ccxt_bucket(exchange: Any, burst: float = 1.0) -> Limit:
    """The token bucket of ccxt's declared costs for ``exchange``: refills one cost unit per
    ``rateLimit`` milliseconds (ccxt's own rate), holds ``burst`` seconds of it (at least one
    unit)."""
    rate_ms = getattr(exchange, "rateLimit", None)
    if isinstance(rate_ms, bool) or not isinstance(rate_ms, (int, float)) or not rate_ms > 0:
        raise ValueError(
            f"ccxt {getattr(exchange, 'id', '?')}: rateLimit must be a positive number of milliseconds, got {rate_ms!r}"
        )
    if isinstance(burst, bool) or not isinstance(burst, (int, float)) or not burst > 0:
        raise ValueError(f"burst must be a positive number of seconds, got {burst!r}")
    per_second = 1000.0 / float(rate_ms)
    capacity = max(per_second * burst, 1.0)
    return Limit(
        f"ccxt:{exchange.id}",
        capacity,
        capacity / per_second,
        algorithm="token",
        scope="ip",
        source=f"ccxt {exchange.id}: one declared cost unit per rateLimit={rate_ms:g} ms, {burst:g} s of burst",
    )


def _block_seconds(exchange: Any, bucket: Limit) -> float:
    headers = getattr(exchange, "last_response_headers", None)
    if isinstance(headers, Mapping):
        for key, value in headers.items():
            if isinstance(key, str) and key.lower() == "retry-after":
                try:
                    seconds = float(str(value).strip())
                except ValueError:
                    break
                if math.isfinite(seconds) and seconds > 0:
                    return seconds
    return bucket.period * DEFAULT_BLOCK


# --------------------------------------------------------------------------------------------
# errors: what ccxt code expects to catch


def _ccxt_error(exchange: Any, method: str, url: str, exc: RateKeeperError) -> Exception | None:
    """The ccxt exception for a ratekeeper one (the ratekeeper one becomes its ``__cause__``)."""
    where = f"{exchange.id} {method} {url}"
    cls: type[Exception] | None = None
    if isinstance(exc, (VenueRefused, RateLimited)):  # ActionRefused too: refused, not executed
        cls = RateLimitExceeded
    elif isinstance(exc, ActionOutcomeUnknown):
        cls = RequestTimeout
    elif isinstance(exc, (InvalidRequest, CostExceedsCapacity)):
        cls = BadRequest
    return None if cls is None else cls(f"{where}: {exc}")


# --------------------------------------------------------------------------------------------
# sync


def _install_sync(exchange: Any, state: _State[Limiter]) -> None:
    limiter = state.limiter
    gate = state.gate
    bucket = state.bucket
    fetch = exchange.fetch

    def throttle(cost: Any = None) -> None:
        _record(exchange, cost)

    def gated_fetch(url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        cost = _take(exchange)
        gated = gate is not None and gate.handles(url)
        if gate is not None and gated:
            mount(exchange.session, gate)  # again, in case the session was replaced
        else:
            for part in _chunks(cost, bucket.capacity):
                limiter.acquire({bucket.name: part}, scope=state.scope)
        try:
            return fetch(url, method, headers, body)
        except RateKeeperError as exc:
            mapped = _ccxt_error(exchange, method, url, exc)
            if mapped is None:
                raise
            raise mapped from exc
        except (RateLimitExceeded, DDoSProtection):
            if not gated:
                seconds = _block_seconds(exchange, bucket)
                limiter.observe([Observation(bucket.name, blocked_for=seconds, reason="ccxt")], scope=state.scope)
            raise

    exchange.throttle = throttle
    exchange.fetch = gated_fetch
    if gate is not None:
        mount(exchange.session, gate)


# --------------------------------------------------------------------------------------------
# asyncio


class _Request:
    """What ``session.get(...)`` (etc.) returns: awaitable, and an async context manager."""

    __slots__ = ("_gate", "_kwargs", "_method", "_response", "_session", "_url")

    def __init__(self, session: Any, gate: Gate[AsyncLimiter], method: str, url: Any, kwargs: dict[str, Any]) -> None:
        self._session = session
        self._gate = gate
        self._method = method
        self._url = url
        self._kwargs = kwargs
        self._response: Any = None

    async def _send(self) -> Any:
        from ..aiohttp import _IO, _sent

        session, method, url, kwargs = self._session, self._method, self._url, self._kwargs
        data = kwargs.get("data")
        plan = self._gate.plan(method, str(url), data if isinstance(data, (bytes, str)) else None)
        if plan is None:
            return await session.request(method, url, **kwargs)

        async def send(_proxy: Any) -> Any:  # ccxt adapters take no proxy pool: always None
            return await session.request(method, url, **kwargs)

        async def read(response: Any) -> bytes:
            raw: bytes = await response.read()
            return raw

        return await send_async(self._gate, plan, send, read, _IO, _sent)

    def __await__(self) -> Generator[Any, None, Any]:
        return self._send().__await__()

    async def __aenter__(self) -> Any:
        self._response = await self._send()
        return self._response

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._response is not None:
            self._response.release()


class _GatedSession:
    """Stands in for the aiohttp session of an async ccxt exchange: requests to the venue are
    acquired (outside aiohttp's timeout, so a wait for the budget is not a ccxt
    ``RequestTimeout``), sent, settled and retried through the gate; everything else (closing,
    ``ws_connect`` for ccxt.pro, cookies) is the session's own."""

    __slots__ = ("_gate", "_session")

    def __init__(self, session: Any, gate: Gate[AsyncLimiter]) -> None:
        self._session = session
        self._gate = gate

    @property
    def inner(self) -> Any:
        """The aiohttp session that sends."""
        return self._session

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    def request(self, method: str, url: Any, **kwargs: Any) -> _Request:
        return _Request(self._session, self._gate, method.upper(), url, kwargs)

    def get(self, url: Any, **kwargs: Any) -> _Request:
        return self.request("GET", url, **kwargs)

    def post(self, url: Any, **kwargs: Any) -> _Request:
        return self.request("POST", url, **kwargs)

    def put(self, url: Any, **kwargs: Any) -> _Request:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: Any, **kwargs: Any) -> _Request:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: Any, **kwargs: Any) -> _Request:
        return self.request("DELETE", url, **kwargs)

    def head(self, url: Any, **kwargs: Any) -> _Request:
        return self.request("HEAD", url, **kwargs)

    def options(self, url: Any, **kwargs: Any) -> _Request:
        return self.request("OPTIONS", url, **kwargs)


def _install_async(exchange: Any, state: _State[AsyncLimiter]) -> None:
    limiter = state.limiter
    gate = state.gate
    bucket = state.bucket
    fetch = exchange.fetch
    open_session = exchange.open

    def wrap_session() -> None:
        session = exchange.session
        if gate is not None and session is not None and not isinstance(session, _GatedSession):
            exchange.session = _GatedSession(session, gate)

    async def throttle(cost: Any = None) -> None:
        _record(exchange, cost)

    def gated_open(*args: Any, **kwargs: Any) -> Any:
        result = open_session(*args, **kwargs)
        wrap_session()
        return result

    async def gated_fetch(url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        cost = _take(exchange)
        gated = gate is not None and gate.handles(url)
        if not gated:
            for part in _chunks(cost, bucket.capacity):
                await limiter.acquire({bucket.name: part}, scope=state.scope)
        try:
            return await fetch(url, method, headers, body)
        except RateKeeperError as exc:
            mapped = _ccxt_error(exchange, method, url, exc)
            if mapped is None:
                raise
            raise mapped from exc
        except (RateLimitExceeded, DDoSProtection):
            if not gated:
                seconds = _block_seconds(exchange, bucket)
                obs = [Observation(bucket.name, blocked_for=seconds, reason="ccxt")]
                await limiter.observe(obs, scope=state.scope)
            raise

    exchange.throttle = throttle
    exchange.open = gated_open
    exchange.fetch = gated_fetch
    socks_session = getattr(exchange, "get_socks_proxy_session", None)
    if gate is not None and callable(socks_session):

        def gated_socks_session(*args: Any, **kwargs: Any) -> Any:
            return _GatedSession(socks_session(*args, **kwargs), gate)

        exchange.get_socks_proxy_session = gated_socks_session  # a SOCKS proxy has a session of its own
    wrap_session()  # a session ccxt (or the caller) opened already


# --------------------------------------------------------------------------------------------
# limit()


def _api_url(exchange: Any, key: str) -> str | None:
    urls = getattr(exchange, "urls", None)
    api = urls.get("api") if isinstance(urls, Mapping) else None
    url = api.get(key) if isinstance(api, Mapping) else api if isinstance(api, str) else None
    if not isinstance(url, str):
        return None
    implode: Callable[[str], str] | None = getattr(exchange, "implode_hostname", None)
    return implode(url) if implode is not None else url


def _all_api_urls(exchange: Any) -> list[str]:
    urls = getattr(exchange, "urls", None)
    api = urls.get("api") if isinstance(urls, Mapping) else None
    out: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, Mapping):
            for v in value.values():
                walk(v)

    walk(api)
    implode: Callable[[str], str] | None = getattr(exchange, "implode_hostname", None)
    return [implode(u) if implode is not None else u for u in out]


def _resolve(exchange: Any, venue: str | Venue | Literal[False] | None) -> Venue | None:
    if venue is False:
        return None
    if venue is None:
        entry = VENUES.get(str(getattr(exchange, "id", "")))
        return venue_by_name(entry[0]) if entry is not None else None
    if isinstance(venue, str):
        return venue_by_name(venue)
    if isinstance(venue, Venue):
        return venue
    raise TypeError(f"venue must be a name, a Venue, False or None, got {type(venue).__name__}")


def _base_url(exchange: Any, venue: Venue) -> str:
    """The origin of the venue's API as this ccxt instance addresses it."""
    entry = VENUES.get(str(getattr(exchange, "id", "")))
    if entry is not None and entry[0] == venue.name:
        url = _api_url(exchange, entry[1])
        if url is not None and "://" in url:
            return url
    documented = {origin_prefix(u) for u in (venue.mainnet, venue.testnet) if u}
    for url in _all_api_urls(exchange):
        if "://" in url and origin_prefix(url) in documented:
            return url
    raise ValueError(
        f"ccxt {getattr(exchange, 'id', '?')}: none of its API URLs is on {venue.name}'s origin; pass base_url="
    )


def _account(exchange: Any) -> str | None:
    """An API key identifies the account its orders count against; only a digest of it is
    stored (a store key is no place for a credential)."""
    key = getattr(exchange, "apiKey", None)
    if isinstance(key, str) and key:
        return "key:" + hashlib.sha256(key.encode()).hexdigest()[:16]
    return None


def _address(exchange: Any) -> str | None:
    address = getattr(exchange, "walletAddress", None)
    return address if isinstance(address, str) and address else None


def _is_ccxt_exchange(obj: object) -> bool:
    """A ccxt exchange instance, sync or async (their base classes differ across versions)."""
    return (
        isinstance(getattr(obj, "id", None), str)
        and callable(getattr(obj, "fetch2", None))
        and callable(getattr(obj, "fetch", None))
        and callable(getattr(obj, "throttle", None))
        and hasattr(obj, "__dict__")
    )


def _check(allow_untested: bool) -> None:
    version = getattr(ccxt, "__version__", None)
    check_version("ccxt", version if isinstance(version, str) else None, MINIMUM, BELOW, allow_untested=allow_untested)


def limit(
    exchange: Any,
    *,
    store: StoreSpec = "memory://",
    venue: str | Venue | Literal[False] | None = None,
    base_url: str | None = None,
    ip: str | None = None,
    account: str | None = None,
    address: str | None = None,
    key: str | None = None,
    retry: RetryPolicy | None = None,
    priority: PriorityFn | None = None,
    margin: MarginArg = None,
    clock: Clock | None = None,
    estimates: EstimatesArg = "learned",
    burst: float = 1.0,
    allow_untested: bool = False,
) -> Any:
    """Make a ccxt exchange instance (sync or ``ccxt.async_support``) spend a ratekeeper budget
    instead of ccxt's own throttler; returns the same instance.

    ``store``: where the budget lives: ``"sqlite:///…"`` (processes on one host) or
    ``"redis://…"`` (hosts) to share it, a store object to share it between instances of one
    process. ``venue``: the ratekeeper rules to weigh requests by (default: :data:`VENUES` by
    ccxt id; ``False``: ccxt's declared costs only). ``base_url``: the venue origin those
    rules cover (default: from ccxt's ``urls['api']``, so a sandbox or a mock URL works).
    ``ip``, ``account``, ``address``, ``key``: scope values (defaults: none, a digest of
    ``apiKey``, ``walletAddress``, a digest of ``apiKey``; ``key`` is the dimension of budgets
    counted per API key, such as HTX's legacy one). ``retry``, ``priority``, ``margin``,
    ``clock``, ``estimates``: as for :class:`ratekeeper.requests.Session`. ``burst``: seconds
    of ccxt's rate the ccxt-cost bucket holds.

    Raises :class:`~ratekeeper.adapters.UnsupportedVersion` for a ccxt outside
    :data:`SUPPORTED` (unless ``allow_untested``), ``ValueError`` for an instance already
    limited. Errors then surface as ccxt's: an action refused for a rate-limit reason as
    ``RateLimitExceeded``, an action whose outcome is unknown as ``RequestTimeout``, a request
    the venue would refuse whole as ``BadRequest`` (the ratekeeper error is the ``__cause__``).
    """
    _check(allow_untested)
    if not _is_ccxt_exchange(exchange):
        raise TypeError(f"limit() takes a ccxt exchange instance, got {type(exchange).__name__}")
    if _state(exchange) is not None:
        raise ValueError(f"ccxt {exchange.id} is already rate limited by ratekeeper (limit() was called before)")
    is_async = asyncio.iscoroutinefunction(exchange.fetch)
    rules = _resolve(exchange, venue)
    bucket = ccxt_bucket(exchange, burst)
    limits: list[Limit] = [bucket]
    transit = None
    pad = 0.0
    if rules is not None:
        transit, pad = resolve_margin(rules, margin)
        limits = [*rules.limits.values(), bucket]
    scope = {"ip": ip} if ip is not None else None

    def gate_options(rules: Venue, limiter: Limiter | AsyncLimiter) -> Options:
        # the limiter is built here (it holds ccxt's bucket too): the gate gets the rest
        return Options(
            base_url=base_url or _base_url(exchange, rules),
            limiter=limiter,
            ip=ip,
            account=account or _account(exchange),
            address=address or _address(exchange),
            key=key or _account(exchange),
            retry=retry,
            priority=priority,
            estimates=estimates,
        )

    exchange.enableRateLimit = True  # ccxt then computes each call's cost and hands it to our throttle
    if is_async:
        alimiter = AsyncLimiter(limits, store=store, clock=clock, margin=pad)
        agate: Gate[AsyncLimiter] | None = None
        if rules is not None:
            agate = build_gate(rules, AsyncLimiter, gate_options(rules, alimiter))
            agate.transit = transit  # the limiter was built here: the gate adapts its margin
        astate = _State(str(exchange.id), agate, alimiter, bucket, scope)
        exchange.__dict__["_ratekeeper_state"] = astate
        _install_async(exchange, astate)
    else:
        slimiter = Limiter(limits, store=store, clock=clock, margin=pad)
        sgate: Gate[Limiter] | None = None
        if rules is not None:
            sgate = build_gate(rules, Limiter, gate_options(rules, slimiter))
            sgate.transit = transit
        sstate = _State(str(exchange.id), sgate, slimiter, bucket, scope)
        exchange.__dict__["_ratekeeper_state"] = sstate
        _install_sync(exchange, sstate)
    log.debug(
        "ratekeeper: ccxt %s limited (%s; rules %s)",
        exchange.id,
        "async" if is_async else "sync",
        rules.name if rules is not None else "none: ccxt's costs",
    )
    return exchange
