"""The venues' WebSocket rules as data: limits, what each outgoing message costs, and how to
read subscribe / unsubscribe / post messages. Read by the limiter (``_limiter``) and the
connections (``_connection``); nothing here does I/O.

Each table cites where its numbers come from. Limits the venue's REST pack already defines
(Hyperliquid's ``ws_*`` limits are part of its :class:`~ratekeeper.venues.Venue`) are taken
from the venue, so ``rk.venue("hyperliquid", ws_messages=(20, 1.0))`` overrides them; the other
venues' WebSocket limits live here and are overridden with :meth:`WsRules.with_limits`.

Limit names have fixed roles:

* ``ws_connections`` — simultaneous connections (a concurrent limit, one unit per connection);
* ``ws_new_connections`` — connections opened per period (a rate);
* ``ws_subscriptions`` — subscriptions held at once across connections (concurrent);
* ``ws_users`` — distinct users across user-specific subscriptions (concurrent, one unit per user);
* ``ws_inflight_posts`` — requests sent and not yet answered (concurrent);
* any other name is a rate charged by :attr:`WsRules.costs` (``ws_messages``, ``ws_requests`` …);
  the ones in :attr:`WsRules.connection_limits` count per connection, in the connection object.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from .._limits import Limit
from ..venues._signals import source
from ..venues.hyperliquid import DOCS as HL_DOCS
from ..venues.hyperliquid import WS_LEASE

__all__ = [
    "CONNECTIONS",
    "INFLIGHT_POSTS",
    "LEASED",
    "NEW_CONNECTIONS",
    "SUBSCRIPTIONS",
    "USERS",
    "MessageKind",
    "WsMessage",
    "WsRules",
    "WsTopic",
    "ws_rule_names",
    "ws_rules",
]

CONNECTIONS = "ws_connections"
NEW_CONNECTIONS = "ws_new_connections"
SUBSCRIPTIONS = "ws_subscriptions"
USERS = "ws_users"
INFLIGHT_POSTS = "ws_inflight_posts"
LEASED: tuple[str, ...] = (CONNECTIONS, SUBSCRIPTIONS, USERS, INFLIGHT_POSTS)
"""The limit names held through leases (they must be ``algorithm="concurrent"``)."""

MessageKind = Literal["subscribe", "unsubscribe", "post", "ping", "login", "request", "other"]
KINDS: tuple[str, ...] = ("subscribe", "unsubscribe", "post", "ping", "login", "request", "other")


@dataclass(frozen=True, slots=True)
class WsTopic:
    """One subscription: a stable ``key`` (the stream name, or the subscription object as
    canonical JSON) and the user it is about, for user-specific subscriptions."""

    key: str
    user: str | None = None


@dataclass(frozen=True, slots=True)
class WsMessage:
    """What one outgoing message does, as far as the limits care.

    ``kind``: ``subscribe`` / ``unsubscribe`` (with ``topics``), ``post`` (a request answered
    by a response carrying ``post_id``), ``ping``, ``login``, ``request`` (other venue
    requests, e.g. HTX ``req``) or ``other``.
    """

    kind: MessageKind = "other"
    topics: tuple[WsTopic, ...] = ()
    post_id: str | None = None


OTHER = WsMessage()
Parser = Callable[[Any], WsMessage]
"""A decoded outgoing message (JSON value, or the raw text when it is not JSON) -> what it does."""
ResponseId = Callable[[Any], "str | None"]
"""A decoded incoming message -> the id of the post it answers (None: not an answer)."""
UrlTopics = Callable[[str], "tuple[WsTopic, ...]"]
"""A connection URL -> the subscriptions it opens with (Binance ``/stream?streams=a/b``)."""


def _no_answer(_: Any) -> str | None:
    return None


def _no_url_topics(_: str) -> tuple[WsTopic, ...]:
    return ()


def _other(_: Any) -> WsMessage:
    return OTHER


def canonical(value: Any) -> str:
    """A stable text key for a JSON value (sorted keys, no spaces)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def post_key(value: Any) -> str:
    """The key a post id is matched under (``7`` and ``7.0`` alike; strings as they are)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return canonical(value)


@dataclass(frozen=True, slots=True)
class WsRules:
    """One venue's WebSocket rules (see the module docstring for the limit roles).

    * ``limits`` — limits shared through the store (per IP, per account…), used when the
      venue's own :class:`~ratekeeper.venues.Venue` does not define the same name;
    * ``connection_limits`` — rates that count per connection (kept in the connection);
    * ``costs`` — units per limit name for each message kind; ``"*"`` applies to every
      message (e.g. ``{"*": {"ws_messages": 1}}``);
    * ``parse`` / ``response_id`` / ``url_topics`` — how to read messages (see the aliases);
      ``answer_hint`` — text every answer to a post contains (incoming messages without it
      are not decoded while posts are in flight);
    * ``max_topics`` — subscriptions one connection may hold; ``max_topics_per_message`` —
      topics one subscribe message may carry;
    * ``source`` / ``notes`` — where the numbers come from; what is not covered.
    """

    venue: str
    limits: Mapping[str, Limit] = field(default_factory=dict)
    connection_limits: Mapping[str, Limit] = field(default_factory=dict)
    costs: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    parse: Parser = _other
    response_id: ResponseId = _no_answer
    url_topics: UrlTopics = _no_url_topics
    answer_hint: str | None = None
    max_topics: int | None = None
    max_topics_per_message: int | None = None
    source: str = ""
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        owner = f"WsRules({self.venue!r})"
        for attr in ("limits", "connection_limits"):
            table = getattr(self, attr)
            values = table.values() if isinstance(table, Mapping) else table
            frozen: dict[str, Limit] = {}
            for limit in values:
                if not isinstance(limit, Limit):
                    raise TypeError(f"{owner}: {attr} must hold Limit values, got {type(limit).__name__}")
                frozen[limit.name] = limit
            object.__setattr__(self, attr, MappingProxyType(frozen))
        clash = set(self.limits) & set(self.connection_limits)
        if clash:
            raise ValueError(f"{owner}: {sorted(clash)} named both as shared and as per-connection limits")
        for name, limit in self.connection_limits.items():
            if name in LEASED or limit.algorithm == "concurrent":
                raise ValueError(f"{owner}: per-connection limit {name!r} must be a rate, not a concurrent count")
        costs: dict[str, Mapping[str, float]] = {}
        for kind, cost in self.costs.items():
            if kind != "*" and kind not in KINDS:
                raise ValueError(f"{owner}: unknown message kind {kind!r} in costs; kinds: '*', {', '.join(KINDS)}")
            checked: dict[str, float] = {}
            for name, units in cost.items():
                if name in LEASED:
                    raise ValueError(f"{owner}: {name!r} is held through leases, not charged per message")
                if isinstance(units, bool) or not isinstance(units, (int, float)) or not math.isfinite(units):
                    raise ValueError(f"{owner}: cost of {name!r} for {kind!r} messages must be a number, got {units!r}")
                if units < 0:
                    raise ValueError(f"{owner}: cost of {name!r} for {kind!r} messages must be >= 0, got {units!r}")
                checked[name] = float(units)
            costs[kind] = MappingProxyType(checked)
        object.__setattr__(self, "costs", MappingProxyType(costs))
        for attr in ("max_topics", "max_topics_per_message"):
            value = getattr(self, attr)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"{owner}: {attr} must be None or an int >= 1, got {value!r}")

    def cost(self, kind: str) -> dict[str, float]:
        """Units per limit name one message of ``kind`` costs (its own entry plus ``"*"``)."""
        out = dict(self.costs.get("*", {}))
        for name, units in self.costs.get(kind, {}).items():
            out[name] = out.get(name, 0.0) + units
        return {k: v for k, v in out.items() if v > 0}

    def with_limits(self, **overrides: Limit | tuple[float, float]) -> WsRules:
        """A copy with limits replaced by name: a :class:`~ratekeeper.Limit`, or
        ``(capacity, period)`` keeping the rest (shared or per-connection, wherever the name is)."""
        shared = dict(self.limits)
        local = dict(self.connection_limits)
        for name, value in overrides.items():
            table = local if name in local else shared
            current = table.get(name)
            if isinstance(value, Limit):
                table[name] = value if value.name == name else dataclasses.replace(value, name=name)
            elif isinstance(value, tuple) and len(value) == 2:
                if current is None:
                    known = ", ".join(sorted([*shared, *local])) or "none"
                    raise ValueError(
                        f"{self.venue}: no WebSocket limit {name!r} to override with (capacity, period); "
                        f"known: {known}; pass a Limit to add one"
                    )
                table[name] = dataclasses.replace(current, capacity=value[0], period=value[1])
            else:
                raise TypeError(f"{self.venue}: override {name}= must be a Limit or (capacity, period), got {value!r}")
        return dataclasses.replace(self, limits=shared, connection_limits=local)


# --------------------------------------------------------------------------------------------
# readers


def _sub_kind(word: str) -> MessageKind:
    return "subscribe" if word in ("subscribe", "sub") else "unsubscribe"


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str)]
    return []


def _dedupe(topics: list[WsTopic]) -> tuple[WsTopic, ...]:
    seen: dict[str, WsTopic] = {}
    for t in topics:
        seen.setdefault(t.key, t)
    return tuple(seen.values())


def hyperliquid_message(msg: Any) -> WsMessage:
    """``{"method": "subscribe" | "unsubscribe", "subscription": {...}}``, ``{"method": "post",
    "id": n, "request": {...}}``, ``{"method": "ping"}``. A subscription with a ``user`` field
    is user-specific (addresses compared lower-cased)."""
    if not isinstance(msg, Mapping):
        return OTHER
    method = msg.get("method")
    if method in ("subscribe", "unsubscribe"):
        kind = _sub_kind(method)
        sub = msg.get("subscription")
        if not isinstance(sub, Mapping):
            return WsMessage(kind)
        user = sub.get("user")
        norm = dict(sub)
        user_key = user.lower() if isinstance(user, str) and user else None
        if user_key is not None:
            norm["user"] = user_key
        return WsMessage(kind, (WsTopic(canonical(norm), user_key),))
    if method == "post":
        pid = msg.get("id")
        return WsMessage("post", post_id=None if pid is None or isinstance(pid, bool) else post_key(pid))
    if method == "ping":
        return WsMessage("ping")
    return OTHER


def hyperliquid_response_id(msg: Any) -> str | None:
    """``{"channel": "post", "data": {"id": n, "response": ...}}`` -> ``n``."""
    if isinstance(msg, Mapping) and msg.get("channel") == "post":
        data = msg.get("data")
        if isinstance(data, Mapping) and "id" in data and not isinstance(data["id"], bool):
            return post_key(data["id"])
    return None


def binance_message(msg: Any) -> WsMessage:
    """``{"method": "SUBSCRIBE" | "UNSUBSCRIBE", "params": ["btcusdt@trade", ...], "id": 1}``;
    stream names are case-insensitive (compared lower-cased)."""
    if not isinstance(msg, Mapping):
        return OTHER
    method = str(msg.get("method", "")).upper()
    if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
        kind: MessageKind = "subscribe" if method == "SUBSCRIBE" else "unsubscribe"
        return WsMessage(kind, _dedupe([WsTopic(s.lower()) for s in _strings(msg.get("params"))]))
    return WsMessage("request") if method else OTHER


def binance_url_topics(url: str) -> tuple[WsTopic, ...]:
    """Streams a URL opens with: ``/ws/<stream>`` (raw) or ``/stream?streams=a/b/c`` (combined)."""
    parts = urlsplit(url)
    names: list[str] = []
    path = unquote(parts.path)
    if path.startswith("/ws/"):
        names += [s for s in path[len("/ws/") :].split("/") if s]
    for key, value in parse_qsl(parts.query):
        if key == "streams":
            names += [s for s in value.split("/") if s]
    return _dedupe([WsTopic(n.lower()) for n in names])


def _op_args(msg: Any) -> tuple[str, list[Any]] | None:
    if not isinstance(msg, Mapping):
        return None
    op = msg.get("op")
    args = msg.get("args")
    return (op if isinstance(op, str) else "", args if isinstance(args, list) else [])


def okx_message(msg: Any) -> WsMessage:
    """``{"op": "subscribe" | "unsubscribe" | "login", "args": [{"channel": …, "instId": …}]}``;
    the text ``ping`` is a keep-alive. Each argument object is one subscription."""
    if msg == "ping":
        return WsMessage("ping")
    found = _op_args(msg)
    if found is None:
        return OTHER
    op, args = found
    if op in ("subscribe", "unsubscribe"):
        return WsMessage(_sub_kind(op), _dedupe([WsTopic(canonical(a)) for a in args if isinstance(a, Mapping)]))
    if op == "login":
        return WsMessage("login")
    return WsMessage("request") if op else OTHER


def bybit_message(msg: Any) -> WsMessage:
    """``{"op": "subscribe" | "unsubscribe", "args": ["orderbook.1.BTCUSDT", ...]}``; ``auth``
    is a login, ``ping`` a keep-alive."""
    found = _op_args(msg)
    if found is None:
        return OTHER
    op, args = found
    if op in ("subscribe", "unsubscribe"):
        return WsMessage(_sub_kind(op), _dedupe([WsTopic(a) for a in args if isinstance(a, str)]))
    if op == "auth":
        return WsMessage("login")
    if op == "ping":
        return WsMessage("ping")
    return WsMessage("request") if op else OTHER


def bitmex_message(msg: Any) -> WsMessage:
    """``{"op": "subscribe" | "unsubscribe", "args": ["trade:XBTUSD", ...]}``; ``authKeyExpires``
    is a login; the text ``ping`` a keep-alive."""
    if msg == "ping":
        return WsMessage("ping")
    found = _op_args(msg)
    if found is None:
        return OTHER
    op, args = found
    if op in ("subscribe", "unsubscribe"):
        return WsMessage(_sub_kind(op), _dedupe([WsTopic(a) for a in args if isinstance(a, str)]))
    if op in ("authKeyExpires", "authKey"):
        return WsMessage("login")
    return WsMessage("request") if op else OTHER


def kucoin_message(msg: Any) -> WsMessage:
    """``{"type": "subscribe" | "unsubscribe", "topic": "/market/ticker:BTC-USDT,ETH-USDT"}``:
    each symbol after the colon is one topic; ``{"type": "ping"}`` is a keep-alive."""
    if not isinstance(msg, Mapping):
        return OTHER
    kind = msg.get("type")
    if kind in ("subscribe", "unsubscribe"):
        sk = _sub_kind(kind)
        topic = msg.get("topic")
        if not isinstance(topic, str) or not topic:
            return WsMessage(sk)
        prefix, colon, rest = topic.partition(":")
        if not colon:
            return WsMessage(sk, (WsTopic(topic),))
        return WsMessage(sk, _dedupe([WsTopic(f"{prefix}:{s.strip()}") for s in rest.split(",") if s.strip()]))
    if kind == "ping":
        return WsMessage("ping")
    return OTHER


def htx_message(msg: Any) -> WsMessage:
    """Market data ``{"sub": "market.btcusdt.kline.1min"}`` / ``{"unsub": …}`` / ``{"req": …}``;
    v2 ``{"action": "sub" | "unsub" | "req", "ch": …}``; ``{"pong": …}`` answers a ping."""
    if not isinstance(msg, Mapping):
        return OTHER
    for key in ("sub", "unsub"):
        value = msg.get(key)
        if isinstance(value, str):
            return WsMessage(_sub_kind(key), (WsTopic(value),))
    if "req" in msg:
        return WsMessage("request")
    action = msg.get("action")
    ch = msg.get("ch")
    if action in ("sub", "unsub"):
        topics = (WsTopic(ch),) if isinstance(ch, str) else ()
        return WsMessage(_sub_kind(action), topics)
    if action == "req":
        return WsMessage("login" if ch == "auth" else "request")
    if action in ("ping", "pong") or "pong" in msg:
        return WsMessage("ping")
    return OTHER


# --------------------------------------------------------------------------------------------
# the tables


def _new_connections(count: int, seconds: float, url: str, text: str) -> Limit:
    """A per-IP rate of new connections, documented at ``url``."""
    return Limit(NEW_CONNECTIONS, count, seconds, scope="ip", source=source(url, text))


_HL_SRC = source(HL_DOCS, "WebSocket limits, page text of late 2025")

HYPERLIQUID = WsRules(
    venue="hyperliquid",
    # ws_connections, ws_new_connections, ws_subscriptions, ws_users, ws_messages and
    # ws_inflight_posts are limits of the Hyperliquid venue itself (ratekeeper.venues.hyperliquid)
    costs={"*": {"ws_messages": 1}},
    parse=hyperliquid_message,
    response_id=hyperliquid_response_id,
    answer_hint='"post"',
    source=_HL_SRC + " — 10 simultaneous connections, 30 new connections per minute, 1000 subscriptions, "
    "10 unique users across user-specific subscriptions, 2000 messages sent per minute, 100 inflight posts; "
    "all per IP",
    notes=(
        "Whether WS post requests also spend the 1200/min REST weight is unconfirmed: "
        "they are not charged to ip_weight.",
        "Pings count as messages sent (the page counts every message sent).",
        "The server closes a connection it has not sent anything to for 60 s: send {'method': 'ping'}.",
    ),
)

_BINANCE_STREAMS = "https://github.com/binance/binance-spot-api-docs/blob/master/web-socket-streams.md"
_BINANCE_FUTURES = "https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams"

BINANCE = WsRules(
    venue="binance",
    limits={
        NEW_CONNECTIONS: _new_connections(300, 300, _BINANCE_STREAMS, "300 new connections per 5 minutes per IP"),
    },
    connection_limits={
        "ws_connection_messages": Limit(
            "ws_connection_messages",
            4,
            1,
            source=source(
                _BINANCE_STREAMS,
                "5 incoming messages per second per connection, PING, PONG and JSON control messages "
                "included; 4 used here, 1 per second left for the PING/PONG frames the websockets library "
                "sends by itself",
            ),
        ),
    },
    costs={"*": {"ws_connection_messages": 1}},
    parse=binance_message,
    url_topics=binance_url_topics,
    max_topics=1024,
    source=source(
        _BINANCE_STREAMS,
        "spot streams: 5 messages/s per connection, 1024 streams per connection, "
        "300 new connections per 5 minutes per IP",
    ),
    notes=(
        "Covers the market streams (stream.binance.com); the WebSocket API (ws-api.binance.com) spends "
        "REQUEST_WEIGHT like REST and is not gated here.",
        "A connection lives at most 24 h; the server pings every 20 s.",
    ),
)

BINANCE_USDM = WsRules(
    venue="binance_usdm",
    connection_limits={
        "ws_connection_messages": Limit(
            "ws_connection_messages",
            9,
            1,
            source=source(
                _BINANCE_FUTURES,
                "10 incoming messages per second per connection; 9 used here, 1 left for PING/PONG frames",
            ),
        ),
    },
    costs={"*": {"ws_connection_messages": 1}},
    parse=binance_message,
    url_topics=binance_url_topics,
    max_topics=1024,
    source=source(_BINANCE_FUTURES, "10 messages/s per connection, 1024 streams per connection"),
    notes=("The futures new-connection rate is unconfirmed: not limited.",),
)

_OKX = "https://www.okx.com/docs-v5/en/#overview-rate-limits"

OKX = WsRules(
    venue="okx",
    limits={
        NEW_CONNECTIONS: _new_connections(3, 1, _OKX, "WebSocket: 3 new connections per second per IP"),
    },
    connection_limits={
        "ws_connection_requests": Limit(
            "ws_connection_requests",
            480,
            3600,
            source=source(_OKX, "subscribe, unsubscribe and login requests: 480 per hour per connection"),
        ),
    },
    costs={k: {"ws_connection_requests": 1} for k in ("subscribe", "unsubscribe", "login")},
    parse=okx_message,
    source=source(_OKX, "3 new connections/s per IP; 480 subscribe/unsubscribe/login per hour per connection"),
    notes=(
        "30 connections per private channel per sub-account (channel-conn-count-error) is not counted.",
        "The server closes a connection idle for 30 s: send the text 'ping'.",
    ),
)

_KUCOIN = "https://www.kucoin.com/docs-new/rate-limit"

KUCOIN = WsRules(
    venue="kucoin",
    limits={
        CONNECTIONS: Limit(
            CONNECTIONS,
            800,
            WS_LEASE,
            algorithm="concurrent",
            scope="account",
            source=source(_KUCOIN, "at most 800 connections per UID (held by leases; the period is the lease time)"),
        ),
        NEW_CONNECTIONS: _new_connections(
            30, 60, _KUCOIN, "30 new connections per minute; per IP here (scope not stated)"
        ),
        "ws_messages": Limit(
            "ws_messages",
            100,
            10,
            scope="ip",
            source=source(
                _KUCOIN,
                "100 uplink messages per 10 s; the scope is not stated: shared by every connection of an IP, "
                "which is safe either way",
            ),
        ),
    },
    costs={"*": {"ws_messages": 1}},
    parse=kucoin_message,
    max_topics=400,
    max_topics_per_message=100,
    source=source(
        _KUCOIN,
        "800 connections per UID, 30 new connections/min, 100 uplink messages per 10 s, "
        "100 topics per subscribe message, 400 topics per connection (spot)",
    ),
    notes=("The 400 topics per connection apply to Spot; Futures has no such limit (override max_topics).",),
)

_BYBIT = "https://bybit-exchange.github.io/docs/v5/rate-limit"

BYBIT = WsRules(
    venue="bybit",
    limits={
        CONNECTIONS: Limit(
            CONNECTIONS,
            1000,
            WS_LEASE,
            algorithm="concurrent",
            scope="ip",
            source=source(
                _BYBIT,
                "at most 1000 market-data connections per IP, counted per product (spot, linear, inverse, option); "
                "counted here across products, which is safe",
            ),
        ),
        NEW_CONNECTIONS: _new_connections(
            500, 300, _BYBIT, "at most 500 new connections per 5 minutes to stream.bybit.com"
        ),
    },
    parse=bybit_message,
    source=source(_BYBIT, "1000 connections per IP, 500 new connections per 5 minutes"),
)

_BITMEX = "https://blog.bitmex.com/api_announcement/updates-to-rate-limits/"

BITMEX = WsRules(
    venue="bitmex",
    limits={
        NEW_CONNECTIONS: _new_connections(
            60, 3600, _BITMEX, "60 new WebSocket connections per hour (per IP: unconfirmed)"
        ),
    },
    parse=bitmex_message,
    source=source(_BITMEX, "60 new connections per hour; subscriptions are not rate-limited"),
)

_HTX = "https://huobiapi.github.io/docs/spot/v1/en/"

HTX = WsRules(
    venue="htx",
    limits={
        "ws_requests": Limit(
            "ws_requests", 100, 1, scope="ip", source=source(_HTX, "WebSocket v2: 100 requests per second per IP")
        ),
    },
    connection_limits={
        "ws_connection_requests": Limit(
            "ws_connection_requests",
            50,
            1,
            source=source(_HTX, "WebSocket v2: 50 valid requests (req/sub/unsub) per second per connection"),
        ),
    },
    costs={
        k: {"ws_requests": 1, "ws_connection_requests": 1} for k in ("subscribe", "unsubscribe", "request", "login")
    },
    parse=htx_message,
    source=source(_HTX, "50 requests/s per connection, 100 requests/s per IP (v2; applied to market data too)"),
    notes=("10 connections per API key (private v2) are not counted.",),
)

_TABLES: Mapping[str, WsRules] = MappingProxyType(
    {r.venue: r for r in (HYPERLIQUID, BINANCE, BINANCE_USDM, OKX, KUCOIN, BYBIT, BITMEX, HTX)}
)


def ws_rule_names() -> list[str]:
    """The venues with a WebSocket table, sorted."""
    return sorted(_TABLES)


def ws_rules(venue: str) -> WsRules:
    """The WebSocket rules of a venue by name. A venue without a table gets empty rules: only
    the ``ws_*`` limits of its :class:`~ratekeeper.venues.Venue` apply, every message costs one
    ``ws_messages`` if it defines that limit, and no message is read."""
    if not isinstance(venue, str):
        raise TypeError(f"venue must be a name, got {type(venue).__name__}")
    found = _TABLES.get(venue.lower().strip())
    if found is not None:
        return found
    return WsRules(venue=venue, costs={"*": {"ws_messages": 1}}, notes=("no WebSocket table for this venue",))
