"""Bybit v5 as the mock venue enforces it.

The rules come from https://bybit-exchange.github.io/docs/v5/rate-limit (docs/venues.md),
written from the venue's documents, independently of ``ratekeeper.venues``.

Enforced:

- **HTTP IP limit** (per TCP peer address): 600 requests in any 5 s (sliding; ``period``
  scales it). Over it: HTTP 403 "access too frequent" and the IP is refused for 10 minutes
  (scaled by ``period / 5``); the refused requests are not counted.
- **Per-UID endpoint limits** (per API key, ``X-BAPI-API-KEY``), rolling 1 s (scaled): the
  trade endpoints per product (``category``: linear and inverse share one budget), the other
  endpoints of the API Rate Limit Table below. A batch consumes one unit per order; when the
  remaining quota is smaller than the batch, the orders past it fail with code 10006 and the
  rest succeed. Over the limit: HTTP 200 ``{"retCode": 10006, "retMsg": "Too many visits!"}``.
  Private endpoints outside the table are not limited per UID here (none is published).
- Every answer to a request with an API key on a limited endpoint carries ``X-Bapi-Limit``,
  ``X-Bapi-Limit-Status`` (remaining) and ``X-Bapi-Limit-Reset-Timestamp`` (ms: when the
  limit resets if exceeded, else now).

Answers are minimal ``{"retCode": 0, "retMsg": "OK", "result": {...}, "retExtInfo": {}, "time": ms}``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._core import MockRequest, MockResponse, SlidingWindow, VenueRules, json_response, register_venue

__all__ = ["BybitRules"]

IP_LIMIT = 600
IP_PERIOD = 5.0
BAN_SECONDS = 600.0
UID_PERIOD = 1.0
PRODUCTS: Mapping[str, str] = {"linear": "futures", "inverse": "futures", "option": "option", "spot": "spot"}

PER_PRODUCT: Mapping[str, tuple[int, int, int]] = {
    "/v5/order/create": (10, 10, 20),
    "/v5/order/amend": (10, 10, 10),
    "/v5/order/cancel": (10, 10, 20),
    "/v5/order/cancel-all": (10, 1, 20),
    "/v5/order/create-batch": (10, 10, 20),
    "/v5/order/amend-batch": (10, 10, 20),
    "/v5/order/cancel-batch": (10, 10, 20),
}
"""(futures, option, spot) per second, default (non-VIP) level."""

PER_UID: Mapping[str, tuple[int, float]] = {
    "/v5/order/disconnected-cancel-all": (5, 1),
    "/v5/order/realtime": (50, 1),
    "/v5/order/history": (50, 1),
    "/v5/execution/list": (50, 1),
    "/v5/position/list": (50, 1),
    "/v5/position/closed-pnl": (50, 1),
    "/v5/position/set-leverage": (10, 1),
    "/v5/account/wallet-balance": (50, 1),
    "/v5/account/borrow": (1, 1),
    "/v5/account/repay": (1, 1),
    "/v5/asset/coin/query-info": (5, 1),
    "/v5/asset/transfer/query-asset-info": (60, 60),
    "/v5/asset/withdraw/create": (5, 1),
}
"""(capacity, period in seconds) of a few endpoints of the API Rate Limit Table."""

BATCHES = frozenset({"/v5/order/create-batch", "/v5/order/amend-batch", "/v5/order/cancel-batch"})


@dataclass
class _Ip:
    window: SlidingWindow
    banned_until: float = -math.inf


@dataclass
class _Uid:
    windows: dict[str, SlidingWindow] = field(default_factory=dict)


def _params(request: MockRequest) -> dict[str, Any]:
    out: dict[str, Any] = dict(request.query)
    if request.body:
        try:
            body = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            body = None
        if isinstance(body, Mapping):
            out.update(body)
    return out


@register_venue
class BybitRules(VenueRules):
    """Bybit v5's IP limit, per-UID endpoint limits, headers and error codes.

    Options (keyword): ``ip_limit`` (600 per ``period``, default 5 s), ``ban_seconds`` (600,
    scaled by ``period / 5``).
    """

    name = "bybit"
    default_period = IP_PERIOD

    def __init__(
        self,
        *,
        period: float | None = None,
        clock: Callable[[], float],
        ip_limit: int = IP_LIMIT,
        ban_seconds: float = BAN_SECONDS,
    ) -> None:
        super().__init__(period=period, clock=clock)
        if not (isinstance(ip_limit, int) and ip_limit > 0) or not ban_seconds > 0:
            raise ValueError("ip_limit must be a positive int and ban_seconds > 0")
        self.ip_limit = ip_limit
        self.ban_seconds = ban_seconds
        self.ips: dict[str, _Ip] = {}
        self.uids: dict[str, _Uid] = {}

    @property
    def capacity(self) -> float:
        return float(self.ip_limit)

    def _reset_state(self) -> None:
        self.ips.clear()
        self.uids.clear()

    def _limit_of(self, path: str, params: Mapping[str, Any]) -> tuple[str, float, float] | None:
        """(budget name, capacity, period) of a per-UID limited endpoint, scaled."""
        caps = PER_PRODUCT.get(path)
        if caps is not None:
            product = PRODUCTS.get(str(params.get("category", "linear")).lower(), "futures")
            capacity = caps[("futures", "option", "spot").index(product)]
            return f"{path}:{product}", capacity, UID_PERIOD * self.scale
        fixed = PER_UID.get(path)
        if fixed is not None:
            return path, fixed[0], fixed[1] * self.scale
        return None

    def _handle(self, request: MockRequest, now: float) -> MockResponse:
        path = request.path.rstrip("/") or "/"
        if not path.startswith("/v5/"):
            return MockResponse(404, b"Not Found", content_type="text/plain")
        kind = f"{request.method} {path}"
        ip = self.ips.get(request.ip)
        if ip is None:
            ip = self.ips[request.ip] = _Ip(SlidingWindow(self.period))
        if now < ip.banned_until:
            self.recorder.reject(403, kind)
            return MockResponse(403, b"403 Forbidden: access too frequent", content_type="text/plain")
        if not ip.window.fits(now, 1, self.ip_limit):
            ip.banned_until = now + self.ban_seconds * self.scale
            self.recorder.reject(403, kind)
            self.recorder.bans += 1
            return MockResponse(403, b"403 Forbidden: access too frequent", content_type="text/plain")
        total = ip.window.add(now, 1)
        self.recorder.charge(request.ip, 1, total, now)
        self.recorder.accept(request.ip, kind)

        ms = round(now * 1000)
        params = _params(request)
        key = request.headers.get("x-bapi-api-key")
        limit = self._limit_of(path, params) if key else None
        if key is None or limit is None:
            return self._ok(ms, {})
        budget, capacity, period = limit
        uid = self.uids.setdefault(key, _Uid())
        window = uid.windows.get(budget)
        if window is None:
            window = uid.windows[budget] = SlidingWindow(period)
        items = params.get("request")
        orders = len(items) if path in BATCHES and isinstance(items, list) and items else 1
        room = max(0, int(capacity - window.used(now) + 1e-9))
        taken = min(room, orders)
        if taken:
            window.add(now, taken)
        remaining = max(0, int(capacity - window.used(now) + 1e-9))
        reset_ms = round(window.free_at(now, 1, capacity) * 1000)
        headers = {
            "X-Bapi-Limit": str(int(capacity)),
            "X-Bapi-Limit-Status": str(remaining),
            "X-Bapi-Limit-Reset-Timestamp": str(reset_ms),
        }
        if taken == 0:
            self.recorder.error("uid_10006")
            body = {"retCode": 10006, "retMsg": "Too many visits!", "result": {}, "retExtInfo": {}, "time": ms}
            return json_response(200, body, headers)
        if path in BATCHES:
            codes = [{"code": 0, "msg": "OK"}] * taken + [{"code": 10006, "msg": "Too many visits!"}] * (orders - taken)
            if taken < orders:
                self.recorder.error("uid_10006_partial")
            return self._ok(ms, {"list": [{} for _ in range(orders)]}, {"list": codes}, headers)
        return self._ok(ms, {}, None, headers)

    @staticmethod
    def _ok(
        ms: int,
        result: Mapping[str, Any],
        ext: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> MockResponse:
        body = {"retCode": 0, "retMsg": "OK", "result": dict(result), "retExtInfo": dict(ext or {}), "time": ms}
        return json_response(200, body, headers)
