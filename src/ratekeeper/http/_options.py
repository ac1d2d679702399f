"""The options every HTTP integration takes, as one frozen value, and the gate built from them.

The integrations (``requests``, ``httpx``, ``aiohttp``), the adapters and the gateway take the
same options: where the budget lives, which scope values they spend, how reads are retried,
the transit margin... Each builds one :class:`Options` from its keywords (or takes one as
``options=``), and :func:`build_gate` turns it into the :class:`~ratekeeper.http.Gate` of
that instance.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from .._clock import Clock
from .._estimates import Estimates
from .._limiter import AsyncLimiter, Limiter
from .._limits import PADDED, Limit, check_margin, padded
from .._margin import TransitMargin
from ..proxies import ProxyPoolArg, ProxyRouter, as_pool
from ..stores import StoreSpec
from ._gate import Gate, PriorityFn
from ._retry import RetryPolicy

if TYPE_CHECKING:  # the venue packs are imported when a gate is built, not with this module
    from ..venues import Venue

__all__ = [
    "DEFAULT_MARGINS",
    "FALLBACK_MARGIN",
    "EstimatesArg",
    "MarginArg",
    "Options",
    "build_gate",
    "pad_limits",
    "resolve_estimates",
    "resolve_margin",
    "resolve_venue",
]

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


FALLBACK_MARGIN = 0.1
"""The margin of a venue without an entry in :data:`DEFAULT_MARGINS`."""


EstimatesArg = Estimates | Literal["learned", "max"]
"""The integrations' ``estimates=`` option (see :func:`build_gate`)."""

MarginArg = float | TransitMargin | None
"""The integrations' ``margin=`` option (see :func:`build_gate`)."""


L = TypeVar("L", Limiter, AsyncLimiter)


@dataclass(frozen=True, slots=True)
class Options:
    """The options of an HTTP integration (:class:`ratekeeper.requests.Session`, the httpx
    and aiohttp clients, their transports, the adapters, the gateway), as one immutable value,
    checked once when it is made. Change it with :meth:`with_`.

    ``base_url``: the venue's API origin (default: its mainnet URL, or testnet with
    ``testnet=True``). ``store``: where the budget lives. ``limiter``: a ready limiter instead
    (then ``store``, ``margin`` and ``clock`` are not accepted). ``proxy_pool``: proxies to
    send through. ``ip``, ``account``, ``address``, ``key``: the scope values spent.
    ``retry``: a :class:`~ratekeeper.RetryPolicy` for idempotent reads. ``priority``: weighed
    request → limiter priority. ``margin``: ``None`` (measured), seconds, or a
    :class:`~ratekeeper.TransitMargin`. ``clock``: the limiter's clock. ``estimates``:
    ``"learned"``, ``"max"`` or an :class:`~ratekeeper.Estimates`. See
    :class:`ratekeeper.requests.Session` for each in full.

    Every integration takes these as keywords too; ``options=Options(...)`` passes them as
    one value (to share between clients, or to build once from configuration)::

        opts = rk.Options(store="sqlite:///tmp/hl.db", account="main")
        session = Session("hyperliquid", options=opts)
    """

    base_url: str | None = None
    store: StoreSpec = "memory://"
    proxy_pool: ProxyPoolArg = None
    limiter: Limiter | AsyncLimiter | None = None
    ip: str | None = None
    account: str | None = None
    address: str | None = None
    key: str | None = None
    retry: RetryPolicy | None = None
    priority: PriorityFn | None = None
    margin: MarginArg = None
    clock: Clock | None = None
    testnet: bool = False
    estimates: EstimatesArg = "learned"

    def __post_init__(self) -> None:
        if self.limiter is not None and (
            self.margin is not None or self.clock is not None or self.store != "memory://"
        ):
            raise ValueError("pass either limiter= or the options that build one (store=, margin=, clock=), not both")
        if not isinstance(self.estimates, Estimates) and self.estimates not in ("learned", "max"):
            raise ValueError(f"estimates must be 'learned', 'max' or an Estimates, got {self.estimates!r}")
        if self.margin is not None and not isinstance(self.margin, TransitMargin):
            check_margin(self.margin)

    def with_(self, **changes: Any) -> Options:
        """A copy with some fields changed (checked again)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def given(cls, options: Options | None, keywords: Options | Mapping[str, Any]) -> Options:
        """The options of an integration called with ``options=`` and/or its keywords:
        ``keywords`` (an ``Options`` built from the typed keywords, or the ``**keywords`` of a
        transport) unless ``options`` is given, in which case the keywords must be left at
        their defaults."""
        if options is None:
            return keywords if isinstance(keywords, Options) else cls(**keywords)
        if not isinstance(options, Options):
            raise TypeError(f"options must be an Options, got {type(options).__name__}")
        given = keywords != _DEFAULT if isinstance(keywords, Options) else bool(keywords)
        if given:
            raise TypeError("pass either options= or the keyword options it holds, not both")
        return options


_DEFAULT = Options()


def resolve_venue(venue: str | Venue) -> Venue:
    """A venue by name, or the given :class:`~ratekeeper.venues.Venue` itself."""
    from ..venues import Venue
    from ..venues import venue as by_name

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


def build_gate(
    venue: str | Venue,
    limiter_cls: type[L],
    options: Options | None = None,
    **keywords: Any,
) -> Gate[L]:
    """The gate of one integration instance, from its :class:`Options` (or the keywords of
    one, as before the options were a value).

    ``proxy_pool`` (see :func:`ratekeeper.proxies.as_pool`) is read and checked here, before
    anything is sent: a malformed proxy, an empty file or a missing variable raises
    ``ValueError``. ``estimates``: ``"learned"`` (a fresh :class:`~ratekeeper.venues.Estimates`),
    ``"max"`` (the documented bounds) or an ``Estimates`` to share or tune. ``margin``:
    ``None`` (a :class:`~ratekeeper.TransitMargin` starting at the venue's default), a fixed
    number of seconds, or a ``TransitMargin`` to tune."""
    opts = Options.given(options, keywords)
    v = resolve_venue(venue)
    learned = resolve_estimates(opts.estimates)
    pool = as_pool(opts.proxy_pool)
    if pool is not None and inspect.iscoroutinefunction(pool.health_check) and limiter_cls is not AsyncLimiter:
        raise TypeError("proxy_pool: an async health_check needs an asyncio client (httpx.AsyncClient, aiohttp)")
    base_url = opts.base_url
    if base_url is None:
        base_url = v.testnet if opts.testnet else v.mainnet
        if base_url is None:
            raise ValueError(f"{v.name} has no {'testnet' if opts.testnet else 'mainnet'} URL; pass base_url=")
    transit = None
    limiter: L
    if opts.limiter is None:
        transit, pad = resolve_margin(v, opts.margin)
        limiter = limiter_cls(v.limits, store=opts.store, clock=opts.clock, margin=pad)
    elif isinstance(opts.limiter, limiter_cls):
        limiter = opts.limiter
    else:
        raise TypeError(f"limiter must be a {limiter_cls.__name__}, got {type(opts.limiter).__name__}")
    router = (
        ProxyRouter(pool, limiter, estimate=limiter._estimate_items, direct_scope=opts.ip) if pool is not None else None
    )
    return Gate(
        v,
        limiter,
        base_url=base_url,
        ip=opts.ip,
        account=opts.account,
        address=opts.address,
        key=opts.key,
        retry=opts.retry,
        priority=opts.priority,
        router=router,
        estimates=learned,
        transit=transit,
    )


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
