"""ratekeeper for hyperliquid-python-sdk: make an SDK ``Info`` or ``Exchange`` spend a shared budget.

::

    from hyperliquid.info import Info
    from ratekeeper.adapters import hyperliquid_sdk

    info = hyperliquid_sdk.limit(Info(skip_ws=True), store="sqlite:///tmp/hl.db")
    info.l2_snapshot("BTC")            # weighed (2), waited for, settled, shared through the store

    # or build it limited, start-up requests (spotMeta, meta) included:
    exchange = hyperliquid_sdk.exchange(wallet, store="sqlite:///tmp/hl.db")

Every request the SDK sends to its ``base_url`` goes through a ratekeeper transport adapter
mounted on the SDK's own ``requests.Session``: weighed by the Hyperliquid rules (info type,
batch size, item estimates), admitted by the limiter over the shared store, settled with the
items returned, its server signals (429, the address-limit error, ``userRateLimit``) folded
back into the store, idempotent reads retried. The SDK's WebSocket manager, where there is
one, has each message it sends charged to ``ws_messages``, and each connection it opens to
``ws_new_connections``. (``ws_connections`` and ``ws_subscriptions`` are concurrent counts,
held through leases; the SDK's manager does not report when it closes, so they are not held
here.)

Supported SDK versions: :data:`SUPPORTED` (checked by :func:`limit`; ``allow_untested=True``
skips the check). Install with ``pip install 'ratekeeper[hyperliquid-sdk]'``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from . import check_version, installed_version, missing_client, mount, mounted_adapter, origin_prefix

try:
    import requests
    from hyperliquid.exchange import Exchange
    from hyperliquid.info import Info
    from hyperliquid.utils.constants import MAINNET_API_URL
except ImportError as _exc:  # pragma: no cover - exercised only without the extra (a subprocess test)
    raise missing_client("hyperliquid_sdk", "hyperliquid-python-sdk", "hyperliquid-sdk", _exc) from _exc

from .._limiter import Limiter
from ..http._gate import Gate
from ..http._options import Options, build_gate
from ..proxies import ProxyPoolArg
from ..stores import StoreSpec
from ..venues import Venue
from ..venues import venue as venue_by_name

__all__ = [
    "SUPPORTED",
    "exchange",
    "gate_of",
    "info",
    "limit",
    "limiter_of",
]

log = logging.getLogger("ratekeeper.adapters")

DISTRIBUTION = "hyperliquid-python-sdk"
MINIMUM: tuple[int, ...] = (0, 20)
BELOW: tuple[int, ...] = (0, 25)
SUPPORTED = ">=0.20,<0.25"
"""The SDK versions this adapter is tested with (their ``API.session`` is a ``requests.Session``
and ``Info``/``Exchange`` take the same constructor arguments)."""

_EMPTY_META: Mapping[str, Any] = {"universe": []}
_EMPTY_SPOT_META: Mapping[str, Any] = {"universe": [], "tokens": []}


# --------------------------------------------------------------------------------------------
# the SDK's objects


def _is_sdk_api(obj: object) -> bool:
    return isinstance(getattr(obj, "base_url", None), str) and isinstance(
        getattr(obj, "session", None), requests.Session
    )


# --------------------------------------------------------------------------------------------
# the WebSocket manager


def _ws_cost(data: object) -> dict[str, float]:
    """What one message sent on the WebSocket costs: 1 message (subscriptions are a
    concurrent count, held through leases, not charged per message)."""
    return {"ws_messages": 1.0}


def _wrap_ws(obj: Any, gate: Gate[Limiter], *, connected: bool) -> None:
    """Charge every message the SDK's WebsocketManager sends; ``connected``: its connection
    was opened before ratekeeper saw it (charged now, after the fact, without waiting)."""
    manager = getattr(obj, "ws_manager", None)
    ws = getattr(manager, "ws", None)
    send = getattr(ws, "send", None)
    if ws is None or send is None or not callable(send):
        return
    if getattr(send, "_ratekeeper_gate", None) is not None:
        return
    limiter = gate.limiter
    scope = {"ip": gate.ip} if gate.ip is not None else None

    def gated_send(data: Any, *args: Any, **kwargs: Any) -> Any:
        limiter.acquire(_ws_cost(data), scope=scope)
        return send(data, *args, **kwargs)

    gated_send._ratekeeper_gate = gate  # type: ignore[attr-defined]
    ws.send = gated_send
    if connected and limiter.try_acquire({"ws_new_connections": 1}, scope=scope) is None:
        log.warning(
            "ratekeeper: the SDK's WebSocket connection was opened while the ws_new_connections "
            "budget was spent; build the object with hyperliquid_sdk.info(...) to have it waited for",
            extra={"venue": gate.venue.name},
        )


# --------------------------------------------------------------------------------------------
# limit()


def _venue(venue: str | Venue | None) -> Venue:
    v = venue_by_name("hyperliquid") if venue is None else venue
    if isinstance(v, str):
        v = venue_by_name(v)
    if not isinstance(v, Venue):
        raise TypeError(f"venue must be a name or a Venue, got {type(v).__name__}")
    if v.name != "hyperliquid":
        raise ValueError(f"hyperliquid-python-sdk talks to Hyperliquid; got the rules of {v.name!r}")
    return v


def _default_address(obj: Any) -> str | None:
    """The address whose quota an ``Exchange``'s actions spend: the vault it trades for, else
    the account an agent wallet acts for, else the signing wallet."""
    for name in ("vault_address", "account_address"):
        value = getattr(obj, name, None)
        if isinstance(value, str) and value:
            return value
    wallet = getattr(obj, "wallet", None)
    address = getattr(wallet, "address", None)
    return address if isinstance(address, str) and address else None


def _check(allow_untested: bool) -> None:
    check_version(DISTRIBUTION, installed_version(DISTRIBUTION), MINIMUM, BELOW, allow_untested=allow_untested)


def _build_gate(
    base_url: str,
    *,
    store: StoreSpec,
    proxy_pool: ProxyPoolArg,
    venue: str | Venue | None,
    address: str | None,
    options: Mapping[str, Any],
) -> Gate[Limiter]:
    if "base_url" in options:
        raise TypeError("base_url comes from the SDK object; construct it with the base_url you want")
    opts = Options(base_url=base_url, store=store, proxy_pool=proxy_pool, address=address, **options)
    return build_gate(_venue(venue), Limiter, opts)


def _install(obj: Any, gate: Gate[Limiter]) -> None:
    mount(obj.session, gate)
    inner = getattr(obj, "info", None)
    if inner is not None and _is_sdk_api(inner):  # an Exchange: its Info posts too (all_mids, meta)
        if origin_prefix(inner.base_url) != origin_prefix(gate.base_url):
            raise ValueError(
                f"the Exchange's info object talks to {inner.base_url!r}, not {gate.base_url!r}; limit it separately"
            )
        mount(inner.session, gate)
        _wrap_ws(inner, gate, connected=True)
    _wrap_ws(obj, gate, connected=True)


def limit(
    obj: Any,
    *,
    store: StoreSpec = "memory://",
    proxy_pool: ProxyPoolArg = None,
    venue: str | Venue | None = None,
    address: str | None = None,
    allow_untested: bool = False,
    **limiter_options: Any,
) -> Any:
    """Make an SDK ``Info`` or ``Exchange`` spend a ratekeeper budget; returns the same object.

    ``store``: where the budget lives (``"sqlite:///…"`` or ``"redis://…"`` to share it with
    other processes and hosts; a store object to share it inside this process). ``venue``: the
    Hyperliquid rules, or a :class:`~ratekeeper.venues.Venue` with overrides. ``address``: the
    address whose action quota an ``Exchange`` spends (default: its vault, else its account,
    else its wallet). ``limiter_options``: the other options of
    :class:`ratekeeper.requests.Session` (``ip``, ``retry``, ``priority``, ``margin``,
    ``clock``, or a ready ``limiter``). ``proxy_pool``: proxies to send the SDK's HTTP requests
    through, each spending its own per-IP budget (a list of URLs, a
    :class:`~ratekeeper.proxies.ProxyPool`, ``"file:/path"`` or ``"env:VAR"``; see
    docs/proxies.md); ``gate_of(obj).router`` reports on it. The SDK's WebSocket is not proxied.

    An ``Exchange``'s own ``info`` object is limited with it, by the same limiter. Requests the
    object made before this call (the SDK's constructor fetches ``spotMeta`` and ``meta``) were
    not charged; :func:`info` and :func:`exchange` build objects whose start-up requests are.

    Raises :class:`~ratekeeper.adapters.UnsupportedVersion` for an SDK outside
    :data:`SUPPORTED` (unless ``allow_untested``), ``ValueError`` for an object already limited.
    """
    _check(allow_untested)
    if not _is_sdk_api(obj):
        raise TypeError(
            "limit() takes a hyperliquid-python-sdk Info or Exchange (an object with a base_url and a "
            f"requests.Session), got {type(obj).__name__}"
        )
    if mounted_adapter(obj.session, obj.base_url) is not None:
        raise ValueError("this SDK object is already rate limited by ratekeeper (limit() was called before)")
    if address is None:
        address = _default_address(obj)
    gate = _build_gate(
        obj.base_url, store=store, proxy_pool=proxy_pool, venue=venue, address=address, options=limiter_options
    )
    _install(obj, gate)
    return obj


def gate_of(obj: Any) -> Gate[Limiter]:
    """The gate (venue, limiter, retry policy) an SDK object limited by ratekeeper sends through."""
    session = getattr(obj, "session", None)
    base_url = getattr(obj, "base_url", None)
    adapter = (
        mounted_adapter(session, base_url)
        if isinstance(session, requests.Session) and isinstance(base_url, str)
        else None
    )
    if adapter is None:
        raise ValueError(f"{type(obj).__name__} object is not rate limited by ratekeeper: call limit() first")
    return adapter.gate


def limiter_of(obj: Any) -> Limiter:
    """The limiter an SDK object spends (``statistics()`` shows what the store learned)."""
    return gate_of(obj).limiter


# --------------------------------------------------------------------------------------------
# constructors whose start-up requests are limited too


class _LimitedInfo(Info):  # type: ignore[misc]  # the SDK ships no type information
    """An SDK ``Info`` whose session is gated from the moment the SDK creates it, so the
    requests its constructor sends (``spotMeta``, ``meta``, ``perpDexs``) are limited too."""

    def __init__(self, gate: Gate[Limiter], *args: Any, **kwargs: Any) -> None:
        self.__dict__["_ratekeeper_gate"] = gate
        super().__init__(*args, **kwargs)

    @property
    def session(self) -> requests.Session:
        session: requests.Session = self.__dict__["_ratekeeper_session"]
        return session

    @session.setter
    def session(self, value: requests.Session) -> None:
        mount(value, self.__dict__["_ratekeeper_gate"])
        self.__dict__["_ratekeeper_session"] = value


def _open_ws(gate: Gate[Limiter]) -> None:
    scope = {"ip": gate.ip} if gate.ip is not None else None
    gate.limiter.acquire({"ws_new_connections": 1}, scope=scope)


def info(
    base_url: str | None = None,
    skip_ws: bool = False,
    meta: Any = None,
    spot_meta: Any = None,
    perp_dexs: list[str] | None = None,
    timeout: float | None = None,
    *,
    store: StoreSpec = "memory://",
    proxy_pool: ProxyPoolArg = None,
    venue: str | Venue | None = None,
    address: str | None = None,
    allow_untested: bool = False,
    **limiter_options: Any,
) -> Any:
    """An SDK ``Info`` (same positional arguments) that spends a ratekeeper budget from its
    first request: the ``spotMeta``/``meta``/``perpDexs`` requests of its constructor are
    weighed and waited for like every later one, and its WebSocket connection (unless
    ``skip_ws``) is charged to ``ws_new_connections`` before it opens.
    The keyword options are :func:`limit`'s."""
    _check(allow_untested)
    url = base_url or MAINNET_API_URL
    gate = _build_gate(url, store=store, proxy_pool=proxy_pool, venue=venue, address=address, options=limiter_options)
    if not skip_ws:
        _open_ws(gate)
    obj = _LimitedInfo(gate, url, skip_ws, meta, spot_meta, perp_dexs, timeout)
    _wrap_ws(obj, gate, connected=False)
    return obj


def exchange(
    wallet: Any,
    base_url: str | None = None,
    meta: Any = None,
    vault_address: str | None = None,
    account_address: str | None = None,
    spot_meta: Any = None,
    perp_dexs: list[str] | None = None,
    timeout: float | None = None,
    *,
    store: StoreSpec = "memory://",
    proxy_pool: ProxyPoolArg = None,
    venue: str | Venue | None = None,
    address: str | None = None,
    allow_untested: bool = False,
    **limiter_options: Any,
) -> Any:
    """An SDK ``Exchange`` (same positional arguments) that spends a ratekeeper budget from its
    first request, its inner ``info`` object's start-up requests included. The keyword options
    are :func:`limit`'s; ``address`` defaults to ``vault_address``, else ``account_address``,
    else the wallet's address."""
    _check(allow_untested)
    url = base_url or MAINNET_API_URL
    if address is None:
        address = vault_address or account_address or getattr(wallet, "address", None)
    gate = _build_gate(url, store=store, proxy_pool=proxy_pool, venue=venue, address=address, options=limiter_options)
    inner = _LimitedInfo(gate, url, True, meta, spot_meta, perp_dexs, timeout)
    # The Exchange builds an Info of its own; given metadata and no perp dexs, it sends nothing.
    # That Info is replaced by the limited one, which fetched the real metadata through the gate.
    obj = Exchange(
        wallet,
        base_url=url,
        meta=dict(_EMPTY_META),
        vault_address=vault_address,
        account_address=account_address,
        spot_meta=dict(_EMPTY_SPOT_META),
        perp_dexs=None,
        timeout=timeout,
    )
    obj.info.session.close()
    obj.info = inner
    mount(obj.session, gate)
    return obj
