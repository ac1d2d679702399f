"""Binance spot as the mock venue enforces it.

The rules come from binance-spot-api-docs rest-api.md "LIMITS" (docs/venues.md).

Written from the venue's documented rules, independently of ``ratekeeper.venues``.

Enforced:

- **REQUEST_WEIGHT** (per TCP peer address): 6000 per clock-aligned window
  ``[k * period, (k + 1) * period)`` (60 s unless scaled; aligned to the clock's zero, i.e. to
  UNIX time with the default clock). Over it: HTTP 429 ``{"code":-1003,...}`` with
  ``Retry-After`` = whole seconds until the window resets; the refused request is not charged.
  Any further request from that IP in the same window: HTTP 418, an IP ban of 2 minutes
  (scaled by ``period / 60``) that doubles with each new ban up to 3 days, with ``Retry-After``.
- **RAW_REQUESTS**: 300000 requests per 5 periods, answered like REQUEST_WEIGHT.
- **ORDERS** (per API key, ``X-MBX-APIKEY``): 100 per 10 s and 200000 per day (both scaled),
  clock aligned; over: HTTP 429 ``-1015``. An order that fills on arrival (MARKET, IOC, FOK)
  gives its count back, as a first fill does on the venue.
- **Order endpoints** (new order, cancel, cancel all, cancel-replace): request weight 0 when
  they succeed (2026 rule), their documented weight (1) when rejected.

Every answer carries ``X-MBX-USED-WEIGHT-1M`` (and the legacy ``X-MBX-USED-WEIGHT``), named
after the real interval even when ``period`` is scaled; successful orders carry
``X-MBX-ORDER-COUNT-10S`` and ``X-MBX-ORDER-COUNT-1D``.

- **/sapi/*** (a few wallet endpoints, :data:`SAPI_ENDPOINTS`): each endpoint has a pool of its
  own, 12000 weight per window per IP for an IP-limited endpoint, 180000 per window per API
  key (standing in for the UID) for a UID-limited one, clock aligned; they never touch
  REQUEST_WEIGHT. Answers carry ``X-SAPI-USED-IP-WEIGHT-1M`` or ``X-SAPI-USED-UID-WEIGHT-1M``.
  Over: HTTP 429 ``-1003`` with ``Retry-After``, and no 418 ban follows (CAAS "Rate limits").
- **Overload**: after :meth:`BinanceRules.overload` every request is answered HTTP 503
  ``{"code":-1008,"msg":"Server is currently overloaded..."}`` (errors.md SERVER_BUSY) until
  the given time has passed; nothing is charged.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._core import FixedWindow, MockRequest, MockResponse, VenueRules, json_response, register_venue

__all__ = ["BinanceRules"]

logger = logging.getLogger("ratekeeper.testing.mock")

REQUEST_WEIGHT = 6000
RAW_REQUESTS = 300_000
RAW_PERIODS = 5
ORDERS_10S = 100
ORDERS_DAY = 200_000
BAN_SECONDS = 120.0
BAN_MAX_SECONDS = 3 * 86_400.0
ORDER_FAILURE_WEIGHT = 1

SYMBOLS: Mapping[str, tuple[str, str, float]] = {
    "BTCUSDT": ("BTC", "USDT", 65000.0),
    "ETHUSDT": ("ETH", "USDT", 3200.0),
    "BNBUSDT": ("BNB", "USDT", 600.0),
    "SOLUSDT": ("SOL", "USDT", 150.0),
}
ORDER_TYPES = frozenset(
    {"LIMIT", "MARKET", "LIMIT_MAKER", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"}
)
KLINE_MS: Mapping[str, int] = {
    "1s": 1_000,
    "1m": 60_000,
    "3m": 180_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": 3_600_000,
    "2h": 7_200_000,
    "4h": 14_400_000,
    "6h": 21_600_000,
    "8h": 28_800_000,
    "12h": 43_200_000,
    "1d": 86_400_000,
    "3d": 259_200_000,
    "1w": 604_800_000,
    "1M": 2_592_000_000,
}


class BinanceError(Exception):
    """An endpoint's refusal: HTTP status and Binance's ``{"code", "msg"}``."""

    def __init__(self, status: int, code: int, msg: str) -> None:
        super().__init__(msg)
        self.status = status
        self.code = code
        self.msg = msg


def _mandatory(name: str) -> BinanceError:
    return BinanceError(400, -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")


def depth_weight(limit: int) -> int:
    if limit <= 100:
        return 5
    if limit <= 500:
        return 25
    if limit <= 1000:
        return 50
    return 250


def _symbols_param(params: Mapping[str, str]) -> list[str] | None:
    raw = params.get("symbols")
    if raw is None:
        return None
    return [s.strip().strip('"') for s in raw.strip("[]").split(",") if s.strip()]


def _weight_24hr(params: Mapping[str, str]) -> int:
    if "symbol" in params:
        return 2
    symbols = _symbols_param(params)
    if symbols is None:
        return 80
    n = len(symbols)
    return 2 if n <= 20 else 40 if n <= 100 else 80


def _weight_rolling(params: Mapping[str, str]) -> int:
    symbols = _symbols_param(params)
    n = 1 if symbols is None else len(symbols)
    return min(4 * n, 200)


def _weight_one_or_all(one: int, every: int) -> Callable[[Mapping[str, str]], int]:
    def weight(params: Mapping[str, str]) -> int:
        return one if "symbol" in params else every

    return weight


def _const(w: int) -> Callable[[Mapping[str, str]], int]:
    return lambda _params: w


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    weight: Callable[[Mapping[str, str]], int]
    """Request weight (for order endpoints: the documented weight, charged on failure)."""
    signed: bool = False
    order_endpoint: bool = False
    """Weight 0 when the request succeeds (2026 rule)."""


def _depth_weight(params: Mapping[str, str]) -> int:
    return depth_weight(_int_param(params, "limit", 100))


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/v3/ping", _const(1)),
    Endpoint("GET", "/api/v3/time", _const(1)),
    Endpoint("GET", "/api/v3/exchangeInfo", _const(20)),
    Endpoint("GET", "/api/v3/depth", _depth_weight),
    Endpoint("GET", "/api/v3/trades", _const(25)),
    Endpoint("GET", "/api/v3/historicalTrades", _const(25)),
    Endpoint("GET", "/api/v3/aggTrades", _const(4)),
    Endpoint("GET", "/api/v3/klines", _const(2)),
    Endpoint("GET", "/api/v3/uiKlines", _const(2)),
    Endpoint("GET", "/api/v3/avgPrice", _const(2)),
    Endpoint("GET", "/api/v3/ticker/24hr", _weight_24hr),
    Endpoint("GET", "/api/v3/ticker/price", _weight_one_or_all(2, 4)),
    Endpoint("GET", "/api/v3/ticker/bookTicker", _weight_one_or_all(2, 4)),
    Endpoint("GET", "/api/v3/ticker/tradingDay", _weight_rolling),
    Endpoint("GET", "/api/v3/ticker", _weight_rolling),
    Endpoint("GET", "/api/v3/account", _const(20), signed=True),
    Endpoint("GET", "/api/v3/myTrades", lambda p: 5 if "orderId" in p else 20, signed=True),
    Endpoint("GET", "/api/v3/order", _const(4), signed=True),
    Endpoint("GET", "/api/v3/openOrders", _weight_one_or_all(6, 80), signed=True),
    Endpoint("GET", "/api/v3/allOrders", _const(20), signed=True),
    Endpoint("GET", "/api/v3/rateLimit/order", _const(40), signed=True),
    Endpoint("POST", "/api/v3/order/test", lambda p: 20 if p.get("computeCommissionRates") == "true" else 1, True),
    Endpoint("POST", "/api/v3/order", _const(ORDER_FAILURE_WEIGHT), signed=True, order_endpoint=True),
    Endpoint("DELETE", "/api/v3/order", _const(ORDER_FAILURE_WEIGHT), signed=True, order_endpoint=True),
    Endpoint("DELETE", "/api/v3/openOrders", _const(ORDER_FAILURE_WEIGHT), signed=True, order_endpoint=True),
    Endpoint("POST", "/api/v3/order/cancelReplace", _const(ORDER_FAILURE_WEIGHT), signed=True, order_endpoint=True),
)
SAPI_IP_WEIGHT = 12_000
SAPI_UID_WEIGHT = 180_000
SAPI_ENDPOINTS: Mapping[tuple[str, str], tuple[bool, int]] = {
    # (method, path): (UID-limited, weight) as the wallet pages state them
    ("GET", "/sapi/v1/capital/config/getall"): (False, 10),
    ("GET", "/sapi/v1/capital/deposit/hisrec"): (False, 1),
    ("GET", "/sapi/v1/capital/withdraw/history"): (True, 18_000),
    ("POST", "/sapi/v1/capital/withdraw/apply"): (True, 900),
    ("POST", "/sapi/v1/asset/transfer"): (True, 900),
}
OVERLOADED_MSG = "Server is currently overloaded with other requests. Please try again in a few minutes."
ROUTES: Mapping[tuple[str, str], Endpoint] = {(e.method, e.path): e for e in ENDPOINTS}
PATHS = frozenset(e.path for e in ENDPOINTS)


def _int_param(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise BinanceError(
            400, -1100, f"Illegal characters found in parameter '{name}'; legal range is '^[0-9]{{1,20}}$'."
        ) from None


def _float_param(params: Mapping[str, str], name: str) -> float | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BinanceError(400, -1100, f"Illegal characters found in parameter '{name}'.") from None
    if not math.isfinite(value):
        raise BinanceError(400, -1100, f"Illegal characters found in parameter '{name}'.")
    return value


def _fmt(x: float) -> str:
    return f"{x:.8f}"


@dataclass
class _Ip:
    weight: FixedWindow
    raw: FixedWindow
    warned_window: float | None = None
    grace_left: int = 0
    banned_until: float = -math.inf
    bans: int = 0


@dataclass
class _Order:
    order_id: int
    client_order_id: str
    symbol: str
    side: str
    type: str
    time_in_force: str
    price: float
    qty: float
    time_ms: int


@dataclass
class _Key:
    orders_10s: FixedWindow
    orders_day: FixedWindow
    orders: dict[int, _Order] = field(default_factory=dict)


@register_venue
class BinanceRules(VenueRules):
    """Binance spot's REST limits and answers.

    Options (all keyword): ``weight_limit`` (6000), ``orders_per_10s`` (100), ``orders_per_day``
    (200000), ``raw_requests`` (300000 per 5 periods), ``ban_grace`` (requests after a 429
    in the same window still answered 429 before a 418 ban, 0), ``ban_seconds`` (120, scaled),
    ``ban_max_seconds`` (3 days, scaled), ``scaled_headers`` (also send
    ``X-MBX-USED-WEIGHT-<period>S`` when ``period`` is scaled to a whole number of seconds), ``seed``.
    """

    name = "binance"

    def __init__(
        self,
        *,
        period: float | None = None,
        clock: Callable[[], float],
        weight_limit: int = REQUEST_WEIGHT,
        orders_per_10s: int = ORDERS_10S,
        orders_per_day: int = ORDERS_DAY,
        raw_requests: int = RAW_REQUESTS,
        ban_grace: int = 0,
        ban_seconds: float = BAN_SECONDS,
        ban_max_seconds: float = BAN_MAX_SECONDS,
        scaled_headers: bool = False,
        seed: int = 0,
    ) -> None:
        super().__init__(period=period, clock=clock)
        for label, value in (
            ("weight_limit", weight_limit),
            ("orders_per_10s", orders_per_10s),
            ("orders_per_day", orders_per_day),
            ("raw_requests", raw_requests),
        ):
            if not (isinstance(value, int) and value > 0):
                raise ValueError(f"{label} must be a positive int, got {value!r}")
        if ban_grace < 0 or not ban_seconds > 0 or not ban_max_seconds >= ban_seconds:
            raise ValueError("ban_grace must be >= 0 and 0 < ban_seconds <= ban_max_seconds")
        self.weight_limit = weight_limit
        self.orders_per_10s = orders_per_10s
        self.orders_per_day = orders_per_day
        self.raw_requests = raw_requests
        self.ban_grace = ban_grace
        self.ban_seconds = ban_seconds
        self.ban_max_seconds = ban_max_seconds
        self.scaled_headers = scaled_headers
        self.seed = seed
        self.ips: dict[str, _Ip] = {}
        self.keys: dict[str, _Key] = {}
        self.next_order_id = 1
        self.update_id = 1_000_000
        self.pools: dict[str, list[Any]] = {}
        self.sapi: dict[tuple[str, str], FixedWindow] = {}
        self.overloaded_until = -math.inf

    @property
    def capacity(self) -> float:
        return float(self.weight_limit)

    def _reset_state(self) -> None:
        self.ips.clear()
        self.keys.clear()
        self.sapi.clear()
        self.overloaded_until = -math.inf

    def overload(self, seconds: float) -> None:
        """Answer every request HTTP 503 ``-1008`` for the next ``seconds`` (of the mock's clock)."""
        if not (isinstance(seconds, (int, float)) and math.isfinite(seconds) and seconds >= 0):
            raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
        with self.lock:
            self.overloaded_until = self.clock() + float(seconds)

    def _sapi_answer(self, request: MockRequest, path: str, now: float) -> MockResponse:
        entry = SAPI_ENDPOINTS.get((request.method, path))
        if entry is None:
            return MockResponse(404, b"Not Found", content_type="text/plain")
        uid, weight = entry
        kind = f"{request.method} {path}"
        key_name = request.headers.get("x-mbx-apikey")
        if uid and not key_name:
            self.recorder.accept(request.ip, kind)
            self.recorder.error("bad_request")
            return json_response(401, {"code": -2014, "msg": "API-key format invalid."})
        owner = f"key:{key_name}" if uid else f"ip:{request.ip}"
        pool = self.sapi.get((owner, kind))
        if pool is None:
            pool = self.sapi[(owner, kind)] = FixedWindow(self.period)
        capacity = SAPI_UID_WEIGHT if uid else SAPI_IP_WEIGHT
        header = "X-SAPI-USED-UID-WEIGHT-1M" if uid else "X-SAPI-USED-IP-WEIGHT-1M"
        if not pool.fits(now, weight, capacity):
            self.recorder.reject(429, kind)
            wait = max(1, math.ceil(pool.resets_at(now) - now - 1e-9))
            msg = (
                f"Too much request weight used; current limit is {capacity} request weight per 1 MINUTE. "
                "Please use WebSocket Streams for live updates to avoid polling the API."
            )
            headers = {"Retry-After": str(wait), header: str(math.ceil(pool.used(now) - 1e-9))}
            return json_response(429, {"code": -1003, "msg": msg}, headers)
        pool.add(now, weight)
        self.recorder.accept(request.ip, kind)
        headers = {header: str(math.ceil(pool.used(now) - 1e-9))}
        if path.endswith("/apply") or path.endswith("/transfer"):
            return json_response(200, {"id": f"mock{self.next_order_id}", "tranId": self.next_order_id}, headers)
        return json_response(200, [], headers)

    def _ip(self, ip: str) -> _Ip:
        state = self.ips.get(ip)
        if state is None:
            state = self.ips[ip] = _Ip(FixedWindow(self.period), FixedWindow(self.period * RAW_PERIODS))
        return state

    def _key(self, key: str) -> _Key:
        state = self.keys.get(key)
        if state is None:
            state = self.keys[key] = _Key(FixedWindow(10 * self.scale), FixedWindow(86_400 * self.scale))
        return state

    # -- headers ---------------------------------------------------------------------------

    def _weight_headers(self, state: _Ip, now: float) -> dict[str, str]:
        used = str(math.ceil(state.weight.used(now) - 1e-9))
        headers = {"X-MBX-USED-WEIGHT-1M": used, "X-MBX-USED-WEIGHT": used}
        if self.scaled_headers and self.period != self.default_period:
            label = _interval_label(self.period)
            if label is not None:
                headers[f"X-MBX-USED-WEIGHT-{label}"] = used
        return headers

    @staticmethod
    def _order_headers(key: _Key, now: float) -> dict[str, str]:
        return {
            "X-MBX-ORDER-COUNT-10S": str(int(key.orders_10s.used(now))),
            "X-MBX-ORDER-COUNT-1D": str(int(key.orders_day.used(now))),
        }

    # -- dispatch --------------------------------------------------------------------------

    def _handle(self, request: MockRequest, now: float) -> MockResponse:
        path = request.path.rstrip("/") or "/"
        if now < self.overloaded_until:
            self.recorder.error("overloaded_503")
            return json_response(503, {"code": -1008, "msg": OVERLOADED_MSG})
        if path.startswith("/sapi/"):
            return self._sapi_answer(request, path, now)
        endpoint = ROUTES.get((request.method, path))
        if endpoint is None:
            if path in PATHS:
                return MockResponse(405, b"Method Not Allowed", content_type="text/plain")
            return MockResponse(404, b"Not Found", content_type="text/plain")
        kind = f"{endpoint.method} {endpoint.path}"
        ip = self._ip(request.ip)
        params = request.query

        if now < ip.banned_until:
            return self._banned(ip, kind, now)
        ip.banned_until = -math.inf
        if ip.warned_window is not None:
            if ip.warned_window == ip.weight.window_of(now):
                if ip.grace_left <= 0:
                    return self._ban(ip, kind, now)
                ip.grace_left -= 1
                return self._too_much_weight(ip, kind, now)
            ip.warned_window = None

        try:
            doc_weight = endpoint.weight(params)
        except BinanceError as e:
            doc_weight = 1
            error: BinanceError | None = e
        else:
            error = None
        admission_weight = 0 if endpoint.order_endpoint else doc_weight
        if not ip.raw.fits(now, 1, self.raw_requests):
            return self._too_many_raw(ip, kind, now)
        if not ip.weight.fits(now, admission_weight, self.weight_limit):
            return self._too_much_weight(ip, kind, now)
        ip.raw.add(now, 1)
        self._charge(request.ip, ip, now, admission_weight)

        key_name = request.headers.get("x-mbx-apikey")
        key = self._key(key_name) if key_name else None
        try:
            if error is not None:
                raise error
            if endpoint.signed and key is None:
                raise BinanceError(401, -2014, "API-key format invalid.")
            status, payload = self._serve(endpoint, params, key, now)
        except BinanceError as e:
            if endpoint.order_endpoint:
                self._charge(request.ip, ip, now, doc_weight)
            if e.code == -1015:
                self.recorder.reject(429, kind)
                self.recorder.error("orders_429")
            else:
                self.recorder.accept(request.ip, kind)
                self.recorder.error("order_rejected" if endpoint.order_endpoint else "bad_request")
            headers = self._weight_headers(ip, now)
            if key is not None and endpoint.order_endpoint and e.code == -1015:
                headers.update(self._order_headers(key, now))
            return json_response(e.status, {"code": e.code, "msg": e.msg}, headers)
        self.recorder.accept(request.ip, kind)
        headers = self._weight_headers(ip, now)
        if (
            key is not None
            and endpoint.path in ("/api/v3/order", "/api/v3/order/cancelReplace")
            and endpoint.method == "POST"
        ):
            headers.update(self._order_headers(key, now))
        return json_response(status, payload, headers)

    def _charge(self, ip_name: str, ip: _Ip, now: float, weight: float) -> None:
        total = ip.weight.add(now, weight)
        self.recorder.charge(ip_name, weight, total, now)

    def _banned(self, ip: _Ip, kind: str, now: float) -> MockResponse:
        self.recorder.reject(418, kind)
        until_ms = round(ip.banned_until * 1000)
        headers = {"Retry-After": str(max(1, math.ceil(ip.banned_until - now - 1e-9)))}
        headers.update(self._weight_headers(ip, now))
        msg = (
            f"Way too much request weight used; IP banned until {until_ms}. "
            "Please use WebSocket Streams for live updates to avoid bans."
        )
        return json_response(418, {"code": -1003, "msg": msg}, headers)

    def _ban(self, ip: _Ip, kind: str, now: float) -> MockResponse:
        ip.bans += 1
        self.recorder.bans += 1
        seconds = min(self.ban_seconds * 2 ** (ip.bans - 1), self.ban_max_seconds) * self.scale
        ip.banned_until = now + seconds
        ip.warned_window = None
        logger.info("mock binance: IP banned for %.3f s (ban %d)", seconds, ip.bans)
        return self._banned(ip, kind, now)

    def _warn(self, ip: _Ip, now: float) -> None:
        if ip.warned_window != ip.weight.window_of(now):
            ip.warned_window = ip.weight.window_of(now)
            ip.grace_left = self.ban_grace

    def _too_much_weight(self, ip: _Ip, kind: str, now: float) -> MockResponse:
        self._warn(ip, now)
        self.recorder.reject(429, kind)
        headers = {"Retry-After": str(max(1, math.ceil(ip.weight.resets_at(now) - now - 1e-9)))}
        headers.update(self._weight_headers(ip, now))
        msg = (
            f"Too much request weight used; current limit is {self.weight_limit} request weight per 1 MINUTE. "
            "Please use WebSocket Streams for live updates to avoid polling the API."
        )
        return json_response(429, {"code": -1003, "msg": msg}, headers)

    def _too_many_raw(self, ip: _Ip, kind: str, now: float) -> MockResponse:
        self._warn(ip, now)
        self.recorder.reject(429, kind)
        headers = {"Retry-After": str(max(1, math.ceil(ip.raw.resets_at(now) - now - 1e-9)))}
        headers.update(self._weight_headers(ip, now))
        msg = f"Too many requests; current limit of IP is {self.raw_requests} requests per 5 MINUTE."
        return json_response(429, {"code": -1003, "msg": msg}, headers)

    # -- endpoints -------------------------------------------------------------------------

    def _serve(self, endpoint: Endpoint, params: Mapping[str, str], key: _Key | None, now: float) -> tuple[int, Any]:
        now_ms = int(now * 1000)
        path = endpoint.path
        method = endpoint.method
        if path == "/api/v3/ping":
            return 200, {}
        if path == "/api/v3/time":
            return 200, {"serverTime": now_ms}
        if path == "/api/v3/exchangeInfo":
            return 200, self._exchange_info(now_ms)
        if path == "/api/v3/depth":
            return 200, self._depth(params)
        if path in ("/api/v3/klines", "/api/v3/uiKlines"):
            return 200, self._klines(params, now_ms)
        if path in ("/api/v3/trades", "/api/v3/historicalTrades", "/api/v3/aggTrades"):
            return 200, self._trades(path, params, now_ms)
        if path == "/api/v3/avgPrice":
            _base, _quote, mid = self._symbol(params)
            return 200, {"mins": 5, "price": _fmt(mid), "closeTime": now_ms}
        if path.startswith("/api/v3/ticker"):
            return 200, self._ticker(path, params, now_ms)
        assert key is not None
        if path == "/api/v3/account":
            return 200, self._account(now_ms)
        if path == "/api/v3/rateLimit/order":
            return 200, self._order_limits(key, now)
        if path == "/api/v3/openOrders" and method == "GET":
            symbol = params.get("symbol")
            if symbol is not None:
                self._symbol(params)
            orders = [o for o in key.orders.values() if symbol is None or o.symbol == symbol]
            return 200, [self._order_json(o, "NEW") for o in orders]
        if path == "/api/v3/order" and method == "GET":
            return 200, self._order_json(self._find(key, params), "NEW")
        if path in ("/api/v3/allOrders", "/api/v3/myTrades"):
            self._symbol(params)
            return 200, []
        if path == "/api/v3/order/test":
            self._validate_order(params)
            return 200, {}
        if path == "/api/v3/order" and method == "POST":
            return 200, self._new_order(key, params, now, now_ms)
        if path == "/api/v3/order" and method == "DELETE":
            order = self._find(key, params)
            del key.orders[order.order_id]
            return 200, self._order_json(order, "CANCELED")
        if path == "/api/v3/openOrders" and method == "DELETE":
            self._symbol(params)
            symbol = params["symbol"]
            cancelled = [o for o in key.orders.values() if o.symbol == symbol]
            if not cancelled:
                raise BinanceError(400, -2011, "Unknown order sent.")
            for o in cancelled:
                del key.orders[o.order_id]
            return 200, [self._order_json(o, "CANCELED") for o in cancelled]
        if path == "/api/v3/order/cancelReplace":
            return 200, self._cancel_replace(key, params, now, now_ms)
        raise BinanceError(404, -1000, "An unknown error occurred while processing the request.")

    def _pool(self, name: str, n: int, make: Callable[[random.Random, int], Any]) -> list[Any]:
        """The first ``n`` of a deterministic series of generated values, built once."""
        pool = self.pools.setdefault(name, [])
        if len(pool) < n:
            rng = random.Random(f"{self.seed}:{name}:{len(pool)}")
            pool.extend(make(rng, i) for i in range(len(pool), n))
        return pool

    def _symbol(self, params: Mapping[str, str]) -> tuple[str, str, float]:
        symbol = params.get("symbol")
        if not symbol:
            raise _mandatory("symbol")
        info = SYMBOLS.get(symbol.upper())
        if info is None:
            raise BinanceError(400, -1121, "Invalid symbol.")
        return info

    def _exchange_info(self, now_ms: int) -> dict[str, Any]:
        def limit(kind: str, interval: str, num: int, value: int, seconds: float) -> dict[str, Any]:
            return {
                "rateLimitType": kind,
                "interval": interval,
                "intervalNum": num,
                "limit": value,
                "mockIntervalSeconds": seconds,
            }

        return {
            "timezone": "UTC",
            "serverTime": now_ms,
            "rateLimits": [
                limit("REQUEST_WEIGHT", "MINUTE", 1, self.weight_limit, self.period),
                limit("ORDERS", "SECOND", 10, self.orders_per_10s, 10 * self.scale),
                limit("ORDERS", "DAY", 1, self.orders_per_day, 86_400 * self.scale),
                limit("RAW_REQUESTS", "MINUTE", 5, self.raw_requests, self.period * RAW_PERIODS),
            ],
            "exchangeFilters": [],
            "symbols": [
                {
                    "symbol": symbol,
                    "status": "TRADING",
                    "baseAsset": base,
                    "baseAssetPrecision": 8,
                    "quoteAsset": quote,
                    "quotePrecision": 8,
                    "quoteAssetPrecision": 8,
                    "orderTypes": sorted(ORDER_TYPES),
                    "icebergAllowed": True,
                    "ocoAllowed": True,
                    "isSpotTradingAllowed": True,
                    "isMarginTradingAllowed": False,
                    "filters": [
                        {
                            "filterType": "PRICE_FILTER",
                            "minPrice": "0.01000000",
                            "maxPrice": "1000000.00000000",
                            "tickSize": "0.01000000",
                        },
                        {
                            "filterType": "LOT_SIZE",
                            "minQty": "0.00001000",
                            "maxQty": "9000.00000000",
                            "stepSize": "0.00001000",
                        },
                        {"filterType": "NOTIONAL", "minNotional": "5.00000000", "applyMinToMarket": True},
                    ],
                    "permissions": [],
                    "permissionSets": [["SPOT"]],
                    "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
                    "allowedSelfTradePreventionModes": ["NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
                }
                for symbol, (base, quote, _mid) in SYMBOLS.items()
            ],
        }

    def _depth(self, params: Mapping[str, str]) -> dict[str, Any]:
        _b, _q, mid = self._symbol(params)
        limit = _int_param(params, "limit", 100)
        if not 1 <= limit <= 5000:
            raise BinanceError(400, -1100, "Illegal characters found in parameter 'limit'; legal range is '1-5000'.")
        tick = 0.01
        symbol = params["symbol"].upper()
        bids = self._pool(
            f"bids:{symbol}", limit, lambda rng, i: [_fmt(mid - tick * (i + 1)), _fmt(rng.uniform(0.001, 5))]
        )
        asks = self._pool(
            f"asks:{symbol}", limit, lambda rng, i: [_fmt(mid + tick * (i + 1)), _fmt(rng.uniform(0.001, 5))]
        )
        self.update_id += 1
        return {"lastUpdateId": self.update_id, "bids": bids[:limit], "asks": asks[:limit]}

    def _klines(self, params: Mapping[str, str], now_ms: int) -> list[list[Any]]:
        _b, _q, mid = self._symbol(params)
        interval = params.get("interval")
        if not interval:
            raise _mandatory("interval")
        iv = KLINE_MS.get(interval)
        if iv is None:
            raise BinanceError(400, -1120, "Invalid interval.")
        limit = min(max(_int_param(params, "limit", 500), 1), 1000)
        start = _int_param(params, "startTime", -1)
        end = _int_param(params, "endTime", now_ms)
        end = min(end, now_ms)
        if start >= 0:
            first = -(-start // iv) * iv
            count = max(0, min(limit, (end - first) // iv + 1))
        else:
            count = limit
            first = (end // iv) * iv - (count - 1) * iv

        def values(rng: random.Random, _i: int) -> tuple[list[Any], list[Any]]:
            o, c = mid * (1 + rng.uniform(-1e-3, 1e-3)), mid * (1 + rng.uniform(-1e-3, 1e-3))
            v = rng.uniform(1, 100)
            high, low = max(o, c) * 1.0005, min(o, c) * 0.9995
            quote = v * mid
            ohlcv = [_fmt(o), _fmt(high), _fmt(low), _fmt(c), _fmt(v)]
            return ohlcv, [_fmt(quote), rng.randint(10, 1000), _fmt(v / 2), _fmt(quote / 2), "0"]

        pool = self._pool(f"klines:{params['symbol'].upper()}", count, values)
        out: list[list[Any]] = []
        for i in range(count):
            t = first + i * iv
            ohlcv, rest = pool[i]
            out.append([t, *ohlcv, t + iv - 1, *rest])
        return out

    def _trades(self, path: str, params: Mapping[str, str], now_ms: int) -> list[dict[str, Any]]:
        _b, _q, mid = self._symbol(params)
        limit = min(max(_int_param(params, "limit", 500), 1), 1000)
        qty = self._pool("qty", limit, lambda rng, _i: _fmt(rng.uniform(0.001, 1)))
        price = _fmt(mid)
        if path == "/api/v3/aggTrades":
            return [
                {"a": i, "p": price, "q": qty[i], "f": i, "l": i, "T": now_ms - i, "m": bool(i % 2), "M": True}
                for i in range(limit)
            ]
        quote = _fmt(mid * 0.5)
        return [
            {
                "id": i,
                "price": price,
                "qty": qty[i],
                "quoteQty": quote,
                "time": now_ms - i,
                "isBuyerMaker": bool(i % 2),
                "isBestMatch": True,
            }
            for i in range(limit)
        ]

    def _ticker(self, path: str, params: Mapping[str, str], now_ms: int) -> Any:
        if "symbol" in params:
            self._symbol(params)
            names = [params["symbol"].upper()]
        else:
            names = _symbols_param(params) or list(SYMBOLS)
            for name in names:
                if name.upper() not in SYMBOLS:
                    raise BinanceError(400, -1121, "Invalid symbol.")
        rows: list[dict[str, Any]] = []
        for name in names:
            mid = SYMBOLS[name.upper()][2]
            if path == "/api/v3/ticker/price":
                rows.append({"symbol": name, "price": _fmt(mid)})
            elif path == "/api/v3/ticker/bookTicker":
                rows.append(
                    {
                        "symbol": name,
                        "bidPrice": _fmt(mid - 0.01),
                        "bidQty": "1.00000000",
                        "askPrice": _fmt(mid + 0.01),
                        "askQty": "1.00000000",
                    }
                )
            else:
                rows.append(
                    {
                        "symbol": name,
                        "priceChange": "0.00000000",
                        "priceChangePercent": "0.000",
                        "weightedAvgPrice": _fmt(mid),
                        "openPrice": _fmt(mid),
                        "highPrice": _fmt(mid * 1.01),
                        "lowPrice": _fmt(mid * 0.99),
                        "lastPrice": _fmt(mid),
                        "volume": "1000.00000000",
                        "quoteVolume": _fmt(1000 * mid),
                        "openTime": now_ms - 86_400_000,
                        "closeTime": now_ms,
                        "count": 1000,
                    }
                )
        return rows[0] if "symbol" in params else rows

    @staticmethod
    def _account(now_ms: int) -> dict[str, Any]:
        return {
            "makerCommission": 10,
            "takerCommission": 10,
            "buyerCommission": 0,
            "sellerCommission": 0,
            "canTrade": True,
            "canWithdraw": True,
            "canDeposit": True,
            "brokered": False,
            "requireSelfTradePrevention": False,
            "updateTime": now_ms,
            "accountType": "SPOT",
            "balances": [
                {"asset": "BTC", "free": "1.00000000", "locked": "0.00000000"},
                {"asset": "ETH", "free": "10.00000000", "locked": "0.00000000"},
                {"asset": "USDT", "free": "100000.00000000", "locked": "0.00000000"},
            ],
            "permissions": ["SPOT"],
            "uid": 354937868,
        }

    def _order_limits(self, key: _Key, now: float) -> list[dict[str, Any]]:
        return [
            {
                "rateLimitType": "ORDERS",
                "interval": "SECOND",
                "intervalNum": 10,
                "limit": self.orders_per_10s,
                "count": int(key.orders_10s.used(now)),
            },
            {
                "rateLimitType": "ORDERS",
                "interval": "DAY",
                "intervalNum": 1,
                "limit": self.orders_per_day,
                "count": int(key.orders_day.used(now)),
            },
        ]

    def _find(self, key: _Key, params: Mapping[str, str]) -> _Order:
        self._symbol(params)
        if "orderId" in params:
            order = key.orders.get(_int_param(params, "orderId", -1))
        elif "origClientOrderId" in params:
            order = next((o for o in key.orders.values() if o.client_order_id == params["origClientOrderId"]), None)
        else:
            raise _mandatory("orderId")
        if order is None or order.symbol != params["symbol"].upper():
            raise BinanceError(400, -2011, "Unknown order sent.")
        return order

    def _validate_order(self, params: Mapping[str, str]) -> tuple[str, str, str, str, float, float]:
        """(symbol, side, type, timeInForce, price, quantity) or a ``BinanceError``."""
        _b, _q, mid = self._symbol(params)
        symbol = params["symbol"].upper()
        side = params.get("side")
        if not side:
            raise _mandatory("side")
        if side not in ("BUY", "SELL"):
            raise BinanceError(400, -1117, "Invalid side.")
        order_type = params.get("type")
        if not order_type:
            raise _mandatory("type")
        if order_type not in ORDER_TYPES:
            raise BinanceError(400, -1116, "Invalid orderType.")
        qty = _float_param(params, "quantity")
        quote_qty = _float_param(params, "quoteOrderQty")
        price = _float_param(params, "price")
        tif = params.get("timeInForce", "")
        if order_type == "MARKET":
            if qty is None and quote_qty is None:
                raise _mandatory("quantity")
            price = mid
            if qty is None and quote_qty is not None:
                qty = quote_qty / mid
        else:
            if qty is None:
                raise _mandatory("quantity")
            if order_type in ("LIMIT", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT", "LIMIT_MAKER") and price is None:
                raise _mandatory("price")
            if order_type in ("LIMIT", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT") and not tif:
                raise _mandatory("timeInForce")
            if tif and tif not in ("GTC", "IOC", "FOK"):
                raise BinanceError(400, -1115, "Invalid timeInForce.")
            price = price if price is not None else mid
        assert qty is not None
        if qty <= 0 or price <= 0:
            raise BinanceError(400, -1013, "Filter failure: LOT_SIZE")
        if qty * price < 5:
            raise BinanceError(400, -1013, "Filter failure: NOTIONAL")
        return symbol, side, order_type, tif, price, qty

    def _check_order_count(self, key: _Key, now: float) -> None:
        if not key.orders_10s.fits(now, 1, self.orders_per_10s):
            raise BinanceError(
                429, -1015, f"Too many new orders; current limit is {self.orders_per_10s} orders per 10 SECOND."
            )
        if not key.orders_day.fits(now, 1, self.orders_per_day):
            raise BinanceError(
                429, -1015, f"Too many new orders; current limit is {self.orders_per_day} orders per DAY."
            )

    def _count_order(self, key: _Key, now: float) -> None:
        self._check_order_count(key, now)
        key.orders_10s.add(now, 1)
        key.orders_day.add(now, 1)

    def _new_order(self, key: _Key, params: Mapping[str, str], now: float, now_ms: int) -> dict[str, Any]:
        symbol, side, order_type, tif, price, qty = self._validate_order(params)
        self._count_order(key, now)
        self.next_order_id += 1
        client_id = params.get("newClientOrderId") or f"mock{self.next_order_id}"
        order = _Order(self.next_order_id, client_id, symbol, side, order_type, tif, price, qty, now_ms)
        filled = order_type == "MARKET" or tif in ("IOC", "FOK")
        if filled:
            # the first fill gives the unfilled-order count back (faqs/order_count_decrement.md)
            key.orders_10s.add(now, -1)
            key.orders_day.add(now, -1)
        elif order_type != "MARKET":
            key.orders[order.order_id] = order
        body = self._order_json(order, "FILLED" if filled else "NEW")
        body["transactTime"] = now_ms
        body["fills"] = (
            [
                {
                    "price": _fmt(price),
                    "qty": _fmt(qty),
                    "commission": "0.00000000",
                    "commissionAsset": "BNB",
                    "tradeId": order.order_id,
                }
            ]
            if filled
            else []
        )
        return body

    def _cancel_replace(self, key: _Key, params: Mapping[str, str], now: float, now_ms: int) -> dict[str, Any]:
        mode = params.get("cancelReplaceMode")
        if mode not in ("STOP_ON_FAILURE", "ALLOW_FAILURE"):
            raise _mandatory("cancelReplaceMode")
        cancel_params = dict(params)
        if "cancelOrderId" in params:
            cancel_params["orderId"] = params["cancelOrderId"]
        if "cancelOrigClientOrderId" in params:
            cancel_params["origClientOrderId"] = params["cancelOrigClientOrderId"]
        self._validate_order(params)
        self._check_order_count(key, now)
        try:
            old = self._find(key, cancel_params)
        except BinanceError as e:
            if mode == "STOP_ON_FAILURE":
                raise BinanceError(400, -2022, "Order cancel-replace failed.") from e
            cancel: dict[str, Any] = {"code": e.code, "msg": e.msg}
            cancel_result = "FAILURE"
        else:
            del key.orders[old.order_id]
            cancel = self._order_json(old, "CANCELED")
            cancel_result = "SUCCESS"
        new = self._new_order(key, params, now, now_ms)
        return {
            "cancelResult": cancel_result,
            "newOrderResult": "SUCCESS",
            "cancelResponse": cancel,
            "newOrderResponse": new,
        }

    @staticmethod
    def _order_json(o: _Order, status: str) -> dict[str, Any]:
        executed = o.qty if status == "FILLED" else 0.0
        return {
            "symbol": o.symbol,
            "orderId": o.order_id,
            "orderListId": -1,
            "clientOrderId": o.client_order_id,
            "price": _fmt(o.price),
            "origQty": _fmt(o.qty),
            "executedQty": _fmt(executed),
            "cummulativeQuoteQty": _fmt(executed * o.price),
            "status": status,
            "timeInForce": o.time_in_force or "GTC",
            "type": o.type,
            "side": o.side,
            "time": o.time_ms,
            "workingTime": o.time_ms,
            "selfTradePreventionMode": "NONE",
        }


def _interval_label(seconds: float) -> str | None:
    if seconds != int(seconds):
        return None
    s = int(seconds)
    if s % 86_400 == 0:
        return f"{s // 86_400}D"
    if s % 3600 == 0:
        return f"{s // 3600}H"
    if s % 60 == 0:
        return f"{s // 60}M"
    return f"{s}S"
