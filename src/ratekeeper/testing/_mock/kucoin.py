"""KuCoin classic spot (api.kucoin.com, ``"kucoin"``) and futures (api-futures.kucoin.com,
``"kucoin_futures"``) as the mock venue enforces them.

The rules come from https://www.kucoin.com/docs-new/rate-limit and the endpoints' pages
(their "api-rate-limit-pool" and "api-rate-limit-weight"), written independently of
``ratekeeper.venues``.

Enforced:

- **Resource pools**, each with a quota per 30 s cycle that starts at the first request of the
  cycle ("updated every 30s (starting from the arrival time of the user's first request)"):
  Public (2000, per TCP peer address) and Spot (4000), Management (2000), Earn (2000) per
  API key (``KC-API-KEY``, standing for the UID the key belongs to); futures: Public per
  address, Futures (2000) per API key. VIP0 quotas by default.
- **Weights** per endpoint as the pages give them (see ``ENDPOINTS``).
- Over a pool's quota: HTTP 429 ``{"code":"429000","msg":"Too Many Requests"}`` with the
  pool's headers; the refused request is not charged.
- Every answer carries ``gw-ratelimit-limit`` (the pool's quota), ``gw-ratelimit-remaining``
  and ``gw-ratelimit-reset`` (ms until the pool's cycle ends) for the pool the endpoint spends.
- Server overload (:meth:`KucoinRules.overload`): 429000 *without* the personal headers, not
  counted against any quota ("This type of rate limit does not count toward the number of
  rate limits").
- A signed endpoint without ``KC-API-KEY``: HTTP 401 code ``400001``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ._core import MockRequest, MockResponse, VenueRules, json_response, register_venue

__all__ = ["CycleWindow", "KucoinFuturesRules", "KucoinRules"]

QUOTAS: Mapping[str, int] = {"public": 2000, "spot": 4000, "management": 2000, "earn": 2000}
"""VIP0 quotas per 30 s (rate-limit page, "VIP0 | 4000/30s | 2000/30s | 2000/30s | 2000/30s ...")."""
FUTURES_QUOTAS: Mapping[str, int] = {"public": 2000, "futures": 2000}
TOO_MANY = {"code": "429000", "msg": "Too Many Requests"}
SYMBOLS: Mapping[str, float] = {"BTC-USDT": 65000.0, "ETH-USDT": 3200.0, "KCS-USDT": 10.0}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    pool: str
    weight: int


ENDPOINTS: tuple[Endpoint, ...] = (
    # Spot market data pages: api-rate-limit-pool Public
    Endpoint("GET", "/api/v1/timestamp", "public", 3),
    Endpoint("GET", "/api/v1/status", "public", 3),
    Endpoint("GET", "/api/v2/symbols", "public", 4),
    Endpoint("GET", "/api/v1/market/orderbook/level1", "public", 2),
    Endpoint("GET", "/api/v1/market/orderbook/level2_20", "public", 2),
    Endpoint("GET", "/api/v1/market/allTickers", "public", 15),
    Endpoint("GET", "/api/v1/market/stats", "public", 15),
    Endpoint("GET", "/api/v1/market/candles", "public", 3),
    # Spot HF trading pages: api-rate-limit-pool Spot
    Endpoint("POST", "/api/v1/hf/orders", "spot", 1),
    Endpoint("DELETE", "/api/v1/hf/orders/{orderId}", "spot", 1),
    Endpoint("GET", "/api/v1/hf/orders/active", "spot", 2),
    Endpoint("DELETE", "/api/v1/hf/orders/cancelAll", "spot", 30),
    Endpoint("GET", "/api/v1/hf/fills", "spot", 2),
    # Account pages: api-rate-limit-pool Management
    Endpoint("GET", "/api/v1/accounts", "management", 5),
    # Earn pages: api-rate-limit-pool Earn
    Endpoint("GET", "/api/v1/earn/hold-assets", "earn", 5),
)


FUTURES_ENDPOINTS: tuple[Endpoint, ...] = (
    # Futures market data pages: api-rate-limit-pool Public
    Endpoint("GET", "/api/v1/timestamp", "public", 2),
    Endpoint("GET", "/api/v1/ticker", "public", 2),
    Endpoint("GET", "/api/v1/allTickers", "public", 5),
    Endpoint("GET", "/api/v1/level2/depth20", "public", 5),
    Endpoint("GET", "/api/v1/kline/query", "public", 3),
    # Futures trading pages: api-rate-limit-pool Futures
    Endpoint("POST", "/api/v1/orders", "futures", 2),
    Endpoint("POST", "/api/v1/orders/multi", "futures", 20),
    Endpoint("DELETE", "/api/v1/orders/{orderId}", "futures", 1),
    Endpoint("DELETE", "/api/v3/orders", "futures", 10),
    Endpoint("GET", "/api/v1/positions", "futures", 2),
    Endpoint("GET", "/api/v1/account-overview", "futures", 5),
)


def _route(endpoints: tuple[Endpoint, ...], method: str, path: str) -> tuple[Endpoint | None, dict[str, str], bool]:
    """(endpoint, captured path parameters, whether the path exists for another method)."""
    parts = [p for p in path.split("/") if p]
    other_method = False
    for endpoint in endpoints:
        pattern = [p for p in endpoint.path.split("/") if p]
        if len(pattern) != len(parts):
            continue
        captured: dict[str, str] = {}
        for want, got in zip(pattern, parts, strict=True):
            if want.startswith("{"):
                captured[want[1:-1]] = got
            elif want != got:
                break
        else:
            if endpoint.method == method:
                return endpoint, captured, False
            other_method = True
    return None, {}, other_method


class CycleWindow:
    """A quota per cycle of ``period`` seconds that starts at the first request after the
    previous cycle ended (KuCoin's pools)."""

    __slots__ = ("period", "start", "used")

    def __init__(self, period: float) -> None:
        self.period = period
        self.start = -math.inf
        self.used = 0.0

    def _roll(self, now: float) -> None:
        if now >= self.start + self.period:
            self.start = now
            self.used = 0.0

    def fits(self, now: float, weight: float, capacity: float) -> bool:
        self._roll(now)
        return self.used + weight <= capacity

    def add(self, now: float, weight: float) -> float:
        self._roll(now)
        self.used += weight
        return self.used

    def reset_ms(self, now: float) -> int:
        """Milliseconds until the current cycle ends (0 when none is running)."""
        if now >= self.start + self.period:
            return 0
        return max(0, math.ceil((self.start + self.period - now) * 1000))


@register_venue
class KucoinRules(VenueRules):
    """KuCoin classic spot's resource pools and answers.

    Options (keyword): ``quotas`` (pool name -> quota per cycle; VIP0 by default, e.g.
    ``{"spot": 16000}`` for VIP5). :meth:`overload` makes the next answers server-overload
    429000s.
    """

    name = "kucoin"
    default_period = 30.0
    default_quotas: ClassVar[Mapping[str, int]] = QUOTAS
    endpoints: ClassVar[tuple[Endpoint, ...]] = ENDPOINTS

    def __init__(
        self,
        *,
        period: float | None = None,
        clock: Callable[[], float],
        quotas: Mapping[str, int] | None = None,
    ) -> None:
        super().__init__(period=period, clock=clock)
        merged = dict(self.default_quotas)
        for pool, quota in (quotas or {}).items():
            if pool not in merged:
                raise ValueError(f"{self.name} mock: unknown pool {pool!r}; known: {', '.join(sorted(merged))}")
            if isinstance(quota, bool) or not isinstance(quota, int) or quota <= 0:
                raise ValueError(f"{self.name} mock: quota of {pool!r} must be a positive int, got {quota!r}")
            merged[pool] = quota
        self.quotas: Mapping[str, int] = merged
        self.windows: dict[tuple[str, str], CycleWindow] = {}
        self.overloaded = 0
        self.next_order_id = 1

    @property
    def capacity(self) -> float:
        return float(self.quotas["public"])

    def overload(self, count: int = 1) -> None:
        """Answer the next ``count`` requests as an overloaded server would."""
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"overload count must be an int >= 0, got {count!r}")
        with self.lock:
            self.overloaded = count

    def _reset_state(self) -> None:
        self.windows.clear()
        self.overloaded = 0

    def _window(self, pool: str, who: str) -> CycleWindow:
        key = (pool, who)
        window = self.windows.get(key)
        if window is None:
            window = self.windows[key] = CycleWindow(self.period)
        return window

    def _headers(self, pool: str, window: CycleWindow, now: float) -> dict[str, str]:
        quota = self.quotas[pool]
        return {
            "gw-ratelimit-limit": str(quota),
            "gw-ratelimit-remaining": str(max(0, math.floor(quota - window.used))),
            "gw-ratelimit-reset": str(window.reset_ms(now)),
        }

    def _handle(self, request: MockRequest, now: float) -> MockResponse:
        path = request.path.rstrip("/") or "/"
        endpoint, captured, other_method = _route(self.endpoints, request.method, path)
        if endpoint is None:
            status = 405 if other_method else 404
            return json_response(status, {"code": str(status) + "000", "msg": "Not Found"})
        kind = f"{endpoint.method} {endpoint.path}"
        if self.overloaded > 0:
            self.overloaded -= 1
            self.recorder.reject(429, kind)
            self.recorder.error("overload")
            return json_response(429, TOO_MANY)
        key = request.headers.get("kc-api-key")
        if endpoint.pool != "public" and not key:
            self.recorder.error("unsigned")
            return json_response(
                401,
                {
                    "code": "400001",
                    "msg": "Any of KC-API-KEY, KC-API-SIGN, KC-API-TIMESTAMP, KC-API-PASSPHRASE is missing "
                    "in your request header.",
                },
            )
        who = request.ip if endpoint.pool == "public" else f"key:{key}"
        window = self._window(endpoint.pool, who)
        if not window.fits(now, endpoint.weight, self.quotas[endpoint.pool]):
            self.recorder.reject(429, kind)
            if endpoint.pool != "public":
                self.recorder.error(f"{endpoint.pool}_429000")
            return json_response(429, TOO_MANY, self._headers(endpoint.pool, window, now))
        total = window.add(now, endpoint.weight)
        self.recorder.accept(request.ip, kind)
        if endpoint.pool == "public":
            self.recorder.charge(request.ip, endpoint.weight, total, now)
        data = self._serve(endpoint, captured, request, now)
        return json_response(200, {"code": "200000", "data": data}, self._headers(endpoint.pool, window, now))

    def _serve(self, endpoint: Endpoint, captured: Mapping[str, str], request: MockRequest, now: float) -> Any:
        now_ms = int(now * 1000)
        path = endpoint.path
        if path == "/api/v1/timestamp":
            return now_ms
        if path == "/api/v1/status":
            return {"status": "open", "msg": ""}
        if path == "/api/v2/symbols":
            return [{"symbol": s, "baseCurrency": s.split("-")[0], "quoteCurrency": "USDT"} for s in SYMBOLS]
        if path in ("/api/v1/hf/orders", "/api/v1/orders"):
            self.next_order_id += 1
            try:
                body = request.json() or {}
            except ValueError:
                body = {}
            return {"orderId": f"{self.next_order_id:024x}", "clientOid": str(body.get("clientOid", ""))}
        if path in ("/api/v1/hf/orders/{orderId}", "/api/v1/orders/{orderId}"):
            return {"orderId": captured["orderId"], "cancelledOrderIds": [captured["orderId"]]}
        if path in ("/api/v1/hf/orders/active", "/api/v1/hf/fills", "/api/v1/accounts", "/api/v1/earn/hold-assets"):
            return []
        if path in ("/api/v1/positions", "/api/v1/orders/multi"):
            return []
        if path == "/api/v1/hf/orders/cancelAll":
            return {"succeedSymbols": [], "failedSymbols": []}
        if path == "/api/v3/orders":
            return {"cancelledOrderIds": []}
        symbol = request.query.get("symbol", "BTC-USDT")
        mid = SYMBOLS.get(symbol, 1.0)
        return {"time": now_ms, "symbol": symbol, "price": f"{mid:.2f}", "bestBid": f"{mid - 0.01:.2f}"}


@register_venue
class KucoinFuturesRules(KucoinRules):
    """KuCoin Futures' resource pools and answers: the Futures pool per API key, the Public
    pool per address (same options as :class:`KucoinRules`)."""

    name = "kucoin_futures"
    default_quotas: ClassVar[Mapping[str, int]] = FUTURES_QUOTAS
    endpoints: ClassVar[tuple[Endpoint, ...]] = FUTURES_ENDPOINTS
