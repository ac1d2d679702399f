"""OKX v5 as the mock venue enforces it.

The rules come from https://www.okx.com/docs-v5/en/#overview-rate-limits and the endpoint
sections (docs/venues.md), written from the venue's documents, independently of
``ratekeeper.venues``.

Enforced (every window sliding, 2 s unless scaled by ``period / 2``):

- **Public endpoints** (``/api/v5/market/…``, ``/api/v5/public/…``): per TCP peer address and
  endpoint, e.g. tickers 20, books 40, candles 40, trades 100 per 2 s.
- **Private endpoints** (API key ``OK-ACCESS-KEY``): per key and endpoint; the trading
  endpoints per key and instrument (``instId``; an option's instrument family), e.g. place
  order 60 per 2 s. A multiple-order endpoint counts each order against the budget of its own
  instrument (300 per 2 s); a batch of one order counts against the single-order endpoint.
- **Sub-account order limit**: 1000 new and amended orders per 2 s per key (spot orders
  exempt), code 50061.
- Over a limit: HTTP 429 ``{"code": "50011", "msg": "Rate limit reached. ..."}``; in a batch,
  the orders over their instrument's budget fail with ``sCode`` 50011 (or 50061) and the
  others succeed (``code`` "2", or "1" when all fail).

Every request is counted as weight 1 per IP in the statistics (the per-endpoint limits are
per endpoint; ``capacity`` reports the tickers endpoint's 20 per period).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from ._core import MockRequest, MockResponse, SlidingWindow, VenueRules, json_response, register_venue

__all__ = ["OkxRules"]

PERIOD = 2.0
SUB_ACCOUNT_ORDERS = 1000
RATE_LIMITED = "Rate limit reached. Please refer to API documentation and throttle requests accordingly"

PUBLIC: Mapping[str, int] = {
    "/api/v5/market/tickers": 20,
    "/api/v5/market/ticker": 20,
    "/api/v5/market/books": 40,
    "/api/v5/market/books-full": 10,
    "/api/v5/market/candles": 40,
    "/api/v5/market/history-candles": 20,
    "/api/v5/market/trades": 100,
    "/api/v5/public/instruments": 20,
    "/api/v5/public/time": 10,
}
"""Per IP, per 2 s."""

PRIVATE: Mapping[tuple[str, str], int] = {
    ("GET", "/api/v5/account/balance"): 10,
    ("GET", "/api/v5/account/positions"): 10,
    ("GET", "/api/v5/trade/orders-pending"): 60,
    ("GET", "/api/v5/trade/fills"): 60,
    ("POST", "/api/v5/account/set-leverage"): 20,
}
"""Per key, per 2 s."""

SINGLE: Mapping[str, int] = {
    "/api/v5/trade/order": 60,
    "/api/v5/trade/amend-order": 60,
    "/api/v5/trade/cancel-order": 60,
}
"""Per key and instrument, per 2 s."""

MULTIPLE: Mapping[str, str] = {
    "/api/v5/trade/batch-orders": "/api/v5/trade/order",
    "/api/v5/trade/amend-batch-orders": "/api/v5/trade/amend-order",
    "/api/v5/trade/cancel-batch-orders": "/api/v5/trade/cancel-order",
}
"""Multiple-order endpoint -> its single-order endpoint (300 orders per 2 s per instrument)."""
MULTIPLE_LIMIT = 300
COUNTED = frozenset(
    {
        "/api/v5/trade/order",
        "/api/v5/trade/amend-order",
        "/api/v5/trade/batch-orders",
        "/api/v5/trade/amend-batch-orders",
    }
)
"""Endpoints whose orders count toward the sub-account order limit."""


def instrument_key(inst_id: str) -> str:
    parts = inst_id.split("-")
    return "-".join(parts[:2]) if len(parts) >= 5 else inst_id


def _body(request: MockRequest) -> Any:
    if not request.body:
        return None
    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


@register_venue
class OkxRules(VenueRules):
    """OKX v5's per-endpoint limits (per IP, per key, per key and instrument), the sub-account
    order limit and codes 50011 / 50061. Option: ``sub_account_orders`` (1000 per period)."""

    name = "okx"
    default_period = PERIOD

    def __init__(
        self, *, period: float | None = None, clock: Callable[[], float], sub_account_orders: int = SUB_ACCOUNT_ORDERS
    ) -> None:
        super().__init__(period=period, clock=clock)
        if not (isinstance(sub_account_orders, int) and sub_account_orders > 0):
            raise ValueError(f"sub_account_orders must be a positive int, got {sub_account_orders!r}")
        self.sub_account_orders = sub_account_orders
        self.windows: dict[tuple[str, ...], SlidingWindow] = {}

    @property
    def capacity(self) -> float:
        return float(PUBLIC["/api/v5/market/tickers"])

    def _reset_state(self) -> None:
        self.windows.clear()

    def _window(self, *key: str) -> SlidingWindow:
        window = self.windows.get(key)
        if window is None:
            window = self.windows[key] = SlidingWindow(self.period)
        return window

    def _take(self, now: float, capacity: float, *key: str) -> bool:
        window = self._window(*key)
        if not window.fits(now, 1, capacity):
            return False
        window.add(now, 1)
        return True

    def _refused(self, kind: str, code: str = "50011") -> MockResponse:
        self.recorder.reject(429, kind)
        msg = RATE_LIMITED if code == "50011" else "Sub-account rate limit exceeded"
        return json_response(429, {"code": code, "msg": msg, "data": []})

    def _handle(self, request: MockRequest, now: float) -> MockResponse:
        path = request.path.rstrip("/") or "/"
        if not path.startswith("/api/v5/"):
            return MockResponse(404, b"Not Found", content_type="text/plain")
        kind = f"{request.method} {path}"
        self.recorder.charge(request.ip, 1, 0.0, now)
        public = PUBLIC.get(path)
        if public is not None:
            if not self._take(now, public, "ip", request.ip, path):
                return self._refused(kind)
            self.recorder.accept(request.ip, kind)
            return json_response(200, {"code": "0", "msg": "", "data": []})
        key = request.headers.get("ok-access-key")
        if key is None:
            self.recorder.error("no_key")
            return json_response(401, {"code": "50113", "msg": "Invalid Sign", "data": []})
        body = _body(request)
        if request.method == "POST" and path in MULTIPLE:
            orders = [o for o in body if isinstance(o, Mapping)] if isinstance(body, list) else []
            return self._orders(request.ip, kind, now, key, path, orders, single=len(orders) == 1)
        if request.method == "POST" and path in SINGLE:
            order = body if isinstance(body, Mapping) else {}
            return self._orders(request.ip, kind, now, key, path, [order], single=True)
        capacity = PRIVATE.get((request.method, path), SINGLE.get(path) if request.method == "GET" else None)
        if capacity is not None and not self._take(now, capacity, "key", key, request.method, path):
            return self._refused(kind)
        self.recorder.accept(request.ip, kind)
        return json_response(200, {"code": "0", "msg": "", "data": []})

    def _orders(
        self, ip: str, kind: str, now: float, key: str, path: str, orders: list[Mapping[str, Any]], *, single: bool
    ) -> MockResponse:
        budget_path = MULTIPLE.get(path, path) if single else path
        capacity = SINGLE[budget_path] if single else MULTIPLE_LIMIT
        counted = path in COUNTED
        results: list[dict[str, str]] = []
        for order in orders or [{}]:
            inst = str(order.get("instId") or order.get("instFamily") or "")
            spot = len(inst.split("-")) == 2
            if not self._window("key", key, budget_path, instrument_key(inst)).fits(now, 1, capacity):
                results.append({"sCode": "50011", "sMsg": RATE_LIMITED})
                continue
            if counted and not spot and not self._window("sub", key).fits(now, 1, self.sub_account_orders):
                results.append({"sCode": "50061", "sMsg": "Sub-account rate limit exceeded"})
                continue
            self._window("key", key, budget_path, instrument_key(inst)).add(now, 1)
            if counted and not spot:
                self._window("sub", key).add(now, 1)
            results.append({"ordId": str(len(results) + 1), "sCode": "0", "sMsg": ""})
        failed = [r for r in results if r["sCode"] != "0"]
        if single and failed:
            return self._refused(kind, failed[0]["sCode"])
        self.recorder.accept(ip, kind)
        if failed:
            self.recorder.error("order_" + failed[0]["sCode"])
        code = "0" if not failed else ("1" if len(failed) == len(results) else "2")
        return json_response(200, {"code": code, "msg": "", "data": results})
