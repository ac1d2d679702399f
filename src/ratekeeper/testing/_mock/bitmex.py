"""BitMEX as the mock venue enforces it.

Written from the venue's documents (https://www.bitmex.com/app/restAPI#Limits, the "Updates to
Rate Limits" announcement, the 2020 second-layer post, the support article on 403 bans; see
docs/venues.md), independently of ``ratekeeper.venues``.

Enforced:

- **The general bucket**: a token bucket of 120 requests refilled continuously at 120 per
  ``period`` (60 s unless scaled), one per API key (header ``api-key``); 30 per ``period`` per
  TCP peer address for requests without a key. Every route takes one token. Over it: HTTP 429
  with ``Retry-After`` (whole seconds until a token is back) and the error envelope
  ``{"error": {"message", "name"}}``; the refused request takes nothing.
- **The second layer**: 10 requests per second (scaled) on the order-management routes
  (POST/PUT/DELETE ``/api/v1/order``, DELETE ``/api/v1/order/all``, POST
  ``/api/v1/position/isolate``, ``/leverage``, ``/transferMargin``), a token bucket per key.
  Over it: HTTP 429 with ``x-ratelimit-remaining-1s: 0``.
- **Bans** (option ``ban_after``): that many 429s for one key or address within one ``period``
  start a ban of 3600 s (scaled), answered HTTP 403 with ``Retry-After`` (counted in the
  statistics' ``rejected_418``, the field for ban refusals). The documents say only
  "a large number of requests rejected in a short period", so the default (0) never bans.
- **Overload** (option ``overload_every``): every n-th request is refused with HTTP 503 "The
  system is currently overloaded. Please try again later." before reaching the engine; it still
  takes its token (a user report; the guide only says to retry after at least 500 ms).

Every answer carries ``x-ratelimit-limit``, ``x-ratelimit-remaining`` and
``x-ratelimit-reset`` (the clock's time, rounded up to whole seconds, at which the bucket is
full again: give the mock a UNIX clock such as ``FakeClock().wall`` to read it as BitMEX
sends it); second-layer routes add ``x-ratelimit-remaining-1s``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._core import TOL, MockRequest, MockResponse, VenueRules, json_response, register_venue

__all__ = ["BitmexRules"]

REQUESTS_AUTHENTICATED = 120
REQUESTS_ANONYMOUS = 30
ORDERS_PER_SECOND = 10
BAN_SECONDS = 3600.0
OVERLOADED = "The system is currently overloaded. Please try again later."

SECOND_LAYER: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", "/api/v1/order"),
        ("PUT", "/api/v1/order"),
        ("DELETE", "/api/v1/order"),
        ("DELETE", "/api/v1/order/all"),
        ("POST", "/api/v1/position/isolate"),
        ("POST", "/api/v1/position/leverage"),
        ("POST", "/api/v1/position/transferMargin"),
    }
)
PUBLIC_PATHS: frozenset[str] = frozenset(
    {
        "/api/v1/announcement",
        "/api/v1/funding",
        "/api/v1/instrument",
        "/api/v1/instrument/active",
        "/api/v1/instrument/indices",
        "/api/v1/orderBook/L2",
        "/api/v1/quote",
        "/api/v1/settlement",
        "/api/v1/stats",
        "/api/v1/trade",
        "/api/v1/trade/bucketed",
    }
)
PRIVATE_ROUTES: frozenset[tuple[str, str]] = SECOND_LAYER | {
    ("GET", "/api/v1/order"),
    ("GET", "/api/v1/position"),
    ("GET", "/api/v1/execution"),
    ("GET", "/api/v1/execution/tradeHistory"),
    ("GET", "/api/v1/user"),
    ("GET", "/api/v1/user/margin"),
    ("GET", "/api/v1/user/wallet"),
    ("POST", "/api/v1/order/cancelAllAfter"),
    ("POST", "/api/v1/position/riskLimit"),
}
PATHS = frozenset(PUBLIC_PATHS | {p for _m, p in PRIVATE_ROUTES})
PRICES: Mapping[str, float] = {"XBTUSD": 65000.0, "ETHUSD": 3200.0, "SOLUSD": 150.0}


SLACK = 1e-6
"""Tokens of slack: a UNIX-time clock carries about 2e-7 s of float error."""


class TokenBucket:
    """``capacity`` tokens, refilled continuously at ``capacity / period`` per second."""

    __slots__ = ("capacity", "last", "level", "rate")

    def __init__(self, capacity: float, period: float, now: float) -> None:
        self.capacity = capacity
        self.rate = capacity / period
        self.level = capacity
        self.last = now

    def refill(self, now: float) -> float:
        if now > self.last:
            self.level = min(self.capacity, self.level + (now - self.last) * self.rate)
            self.last = now
        return self.level

    def take(self, now: float) -> bool:
        if self.refill(now) + SLACK < 1:
            return False
        self.level -= 1
        return True

    def remaining(self, now: float) -> int:
        return max(0, math.floor(self.refill(now) + SLACK))

    def full_at(self, now: float) -> float:
        return now + (self.capacity - self.refill(now)) / self.rate

    def token_in(self, now: float) -> float:
        """Seconds until one token is back."""
        return max(0.0, (1 - self.refill(now)) / self.rate)


@dataclass
class _Client:
    """One rate-limit identity: an API key, or a peer address without one."""

    requests: TokenBucket
    orders: TokenBucket | None
    rejected: list[float] = field(default_factory=list)
    banned_until: float = -math.inf
    orders_by_id: dict[str, dict[str, Any]] = field(default_factory=dict)


def _error(status: int, message: str, name: str, headers: Mapping[str, str] | None = None) -> MockResponse:
    return json_response(status, {"error": {"message": message, "name": name}}, headers)


@register_venue
class BitmexRules(VenueRules):
    """BitMEX's REST limits and answers.

    Options (all keyword): ``requests_limit`` (120 per period per API key),
    ``anonymous_limit`` (30 per period per address), ``orders_per_second`` (10, the second
    layer; its second scales with ``period``), ``ban_after`` (429s within one period that start
    a one-hour ban; 0 = never), ``ban_seconds`` (3600, scaled), ``overload_every`` (answer every
    n-th request 503; 0 = never).
    """

    name = "bitmex"

    def __init__(
        self,
        *,
        period: float | None = None,
        clock: Callable[[], float],
        requests_limit: int = REQUESTS_AUTHENTICATED,
        anonymous_limit: int = REQUESTS_ANONYMOUS,
        orders_per_second: int = ORDERS_PER_SECOND,
        ban_after: int = 0,
        ban_seconds: float = BAN_SECONDS,
        overload_every: int = 0,
    ) -> None:
        super().__init__(period=period, clock=clock)
        for label, value in (
            ("requests_limit", requests_limit),
            ("anonymous_limit", anonymous_limit),
            ("orders_per_second", orders_per_second),
        ):
            if not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
                raise ValueError(f"{label} must be a positive int, got {value!r}")
        for label, value in (("ban_after", ban_after), ("overload_every", overload_every)):
            if not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
                raise ValueError(f"{label} must be an int >= 0, got {value!r}")
        if not (isinstance(ban_seconds, (int, float)) and math.isfinite(ban_seconds) and ban_seconds > 0):
            raise ValueError(f"ban_seconds must be a finite positive number, got {ban_seconds!r}")
        self.requests_limit = requests_limit
        self.anonymous_limit = anonymous_limit
        self.orders_per_second = orders_per_second
        self.ban_after = ban_after
        self.ban_seconds = float(ban_seconds)
        self.overload_every = overload_every
        self.clients: dict[str, _Client] = {}
        self.seen = 0
        self.next_order = 1

    @property
    def capacity(self) -> float:
        return float(self.requests_limit)

    def _reset_state(self) -> None:
        self.clients.clear()
        self.seen = 0

    def _client(self, request: MockRequest, now: float) -> tuple[str, _Client]:
        key = request.headers.get("api-key")
        ident = f"key:{key}" if key else f"ip:{request.ip}"
        client = self.clients.get(ident)
        if client is None:
            if key:
                client = _Client(
                    TokenBucket(self.requests_limit, self.period, now),
                    TokenBucket(self.orders_per_second, self.scale, now),
                )
            else:
                client = _Client(TokenBucket(self.anonymous_limit, self.period, now), None)
            self.clients[ident] = client
        return ident, client

    # -- headers ---------------------------------------------------------------------------

    @staticmethod
    def _headers(client: _Client, now: float, second_layer: bool) -> dict[str, str]:
        bucket = client.requests
        headers = {
            "x-ratelimit-limit": str(int(bucket.capacity)),
            "x-ratelimit-remaining": str(bucket.remaining(now)),
            "x-ratelimit-reset": str(math.ceil(bucket.full_at(now) - TOL)),
        }
        if second_layer and client.orders is not None:
            headers["x-ratelimit-remaining-1s"] = str(client.orders.remaining(now))
        return headers

    # -- dispatch --------------------------------------------------------------------------

    def _handle(self, request: MockRequest, now: float) -> MockResponse:
        path = request.path.rstrip("/") or "/"
        route = (request.method, path)
        if path not in PATHS:
            return _error(404, "Not Found", "HTTPError")
        if route not in PRIVATE_ROUTES and not (request.method == "GET" and path in PUBLIC_PATHS):
            return _error(405, "Method Not Allowed", "HTTPError")
        kind = f"{request.method} {path}"
        ident, client = self._client(request, now)

        if now < client.banned_until:
            self.recorder.reject(418, kind)
            wait = max(1, math.ceil(client.banned_until - now - TOL))
            message = "You have been banned for exceeding the rate limit. Retry in " + str(wait) + " seconds."
            return _error(403, message, "HTTPError", {"Retry-After": str(wait)})
        second_layer = route in SECOND_LAYER and client.orders is not None

        if not client.requests.take(now):
            return self._limited(client, kind, now, client.requests, second_layer)
        if second_layer and client.orders is not None and not client.orders.take(now):
            client.requests.level += 1  # refused whole: the general token is given back
            return self._limited(client, kind, now, client.orders, second_layer)
        self.recorder.charge(request.ip, 1, client.requests.capacity - client.requests.level, now)
        headers = self._headers(client, now, second_layer)

        self.seen += 1
        if self.overload_every and self.seen % self.overload_every == 0:
            self.recorder.accept(request.ip, kind)
            self.recorder.error("overloaded_503")
            return _error(503, OVERLOADED, "HTTPError", headers)
        if route in PRIVATE_ROUTES and not ident.startswith("key:"):
            self.recorder.accept(request.ip, kind)
            self.recorder.error("unauthenticated")
            return _error(401, "Missing API key.", "HTTPError", headers)
        self.recorder.accept(request.ip, kind)
        status, payload = self._serve(route, request, client, now)
        return json_response(status, payload, headers)

    def _limited(self, client: _Client, kind: str, now: float, bucket: TokenBucket, second_layer: bool) -> MockResponse:
        self.recorder.reject(429, kind)
        wait = max(1, math.ceil(bucket.token_in(now) - TOL))
        if self.ban_after:
            horizon = now - self.period
            client.rejected = [t for t in client.rejected if t > horizon]
            client.rejected.append(now)
            if len(client.rejected) >= self.ban_after:
                client.banned_until = now + self.ban_seconds * self.scale
                client.rejected.clear()
                self.recorder.bans += 1
        headers = self._headers(client, now, second_layer)
        headers["Retry-After"] = str(wait)
        return _error(429, f"Rate limit exceeded, retry in {wait} seconds.", "RateLimitError", headers)

    # -- answers ---------------------------------------------------------------------------

    def _params(self, request: MockRequest) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        try:
            body = request.json()
        except ValueError:
            body = None
        if isinstance(body, Mapping):
            params.update(body)
        return params

    def _serve(self, route: tuple[str, str], request: MockRequest, client: _Client, now: float) -> tuple[int, Any]:
        method, path = route
        params = self._params(request)
        symbol = str(params.get("symbol") or "XBTUSD")
        stamp = _iso(now)
        if path == "/api/v1/order":
            return self._order(method, params, client, symbol, stamp)
        if route == ("DELETE", "/api/v1/order/all"):
            cancelled = [o for o in client.orders_by_id.values() if o["ordStatus"] == "New"]
            for o in cancelled:
                o["ordStatus"] = "Canceled"
            return 200, cancelled
        if path == "/api/v1/orderBook/L2":
            mid = PRICES.get(symbol, 100.0)
            depth = max(1, min(int(params.get("depth") or 25), 100))
            rows = [
                {"symbol": symbol, "id": i, "side": side, "size": 100, "price": mid + sign * 0.5 * (i + 1)}
                for i in range(depth)
                for side, sign in (("Sell", 1), ("Buy", -1))
            ]
            return 200, rows
        if path in ("/api/v1/instrument", "/api/v1/instrument/active"):
            return 200, [{"symbol": s, "state": "Open", "lastPrice": p} for s, p in PRICES.items()]
        if path == "/api/v1/user/wallet":
            return 200, {"currency": "XBt", "amount": 100_000_000, "timestamp": stamp}
        if path in ("/api/v1/user", "/api/v1/user/margin"):
            return 200, {"currency": "XBt", "timestamp": stamp}
        if path.startswith("/api/v1/position/") and method == "POST":
            return 200, {"symbol": symbol, "account": 1, "timestamp": stamp}
        if path == "/api/v1/order/cancelAllAfter":
            return 200, {"now": stamp, "cancelTime": stamp}
        return 200, []

    def _order(
        self, method: str, params: Mapping[str, Any], client: _Client, symbol: str, stamp: str
    ) -> tuple[int, Any]:
        if method == "GET":
            return 200, list(client.orders_by_id.values())
        if method == "POST":
            try:
                qty = float(params.get("orderQty", 0))
            except (TypeError, ValueError):
                qty = 0.0
            if not qty > 0:
                return 400, {"error": {"message": "Invalid orderQty", "name": "ValidationError"}}
            order_id = f"00000000-0000-0000-0000-{self.next_order:012d}"
            self.next_order += 1
            created: dict[str, Any] = {
                "orderID": order_id,
                "symbol": symbol,
                "side": params.get("side") or "Buy",
                "orderQty": qty,
                "price": params.get("price"),
                "ordType": params.get("ordType") or "Limit",
                "ordStatus": "New",
                "timestamp": stamp,
            }
            client.orders_by_id[order_id] = created
            return 200, created
        order_id = str(params.get("orderID") or "")
        order = client.orders_by_id.get(order_id)
        if order is None:
            return 400, {"error": {"message": "Invalid orderID", "name": "HTTPError"}}
        if method == "PUT":
            for name in ("orderQty", "price"):
                if name in params:
                    order[name] = params[name]
            return 200, order
        order["ordStatus"] = "Canceled"
        return 200, [order]


def _iso(now: float) -> str:
    seconds = math.floor(now)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int((now - seconds) * 1000):03d}Z"
