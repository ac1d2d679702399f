"""HTX spot (``htx``) and USDT-M swaps (``htx_usdtm``) as the mock venue enforces them (a
small subset of endpoints, every signal; the USDT-M rules are on :class:`HtxUsdtmRules`).

Written from HTX's spot documents (https://huobiapi.github.io/docs/spot/v1/en/), independently
of ``ratekeeper.venues``.

Enforced, in clock-aligned windows ("the maximum access rate during fixed interval"):

- **Endpoints with their own limit** (per UID, shared by every API key of the UID):
  ``POST /v1/order/orders/place`` 100 per 2 s, ``POST /v1/order/orders/{id}/submitcancel``
  100 per 2 s, ``GET /v1/order/openOrders`` 50 per 2 s, ``GET /v1/order/cancelAllOrders`` (as documented)
  1 per 2 s, ``GET /v1/account/accounts`` 100 per 2 s, ``POST /v1/margin/orders`` (isolated
  margin loan) 2 per 2 s, ``GET /v2/account/valuation`` 3 per 1 s.
- **Legacy rule** for the other private endpoints (``GET /v2/account/ledger``,
  ``GET /v2/user/uid``): 10 per second per API key; for public reference data
  (``GET /v1/common/timestamp``, ``GET /v2/settings/common/symbols``): 10 per second per IP.
- **Market data** per IP: ``GET /market/history/kline`` 4,500 and ``GET /market/depth``
  4,000 per 5 minutes.

Every answer of a limited endpoint carries ``X-HB-RateLimit-Requests-Remain`` (what is left
in the window) and ``X-HB-RateLimit-Requests-Expire`` (the window's end, epoch ms). Over a
limit, nothing is charged and the answer is the documented one of the endpoint's family: the
margin loan answers HTTP 200 ``{"status":"error","err-code":"frequent-invoke",...}``, a v2
endpoint HTTP 200 ``{"code":40403,"message":"Too many requests."}``, every other endpoint
HTTP 429 ``{"status":"error","err-code":"429",...}``. A private request without
``AccessKeyId`` is refused with ``api-signature-not-valid`` (not a rate limit) and charged to
the IP's legacy budget.

``period`` scales every window by ``period / 2`` (the default period is the 2 s of most
per-UID limits); keys map to UIDs with ``uids={"key": "uid"}`` (default: each key is its own
UID).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ._core import FixedWindow, MockRequest, MockResponse, VenueRules, json_response, register_venue

__all__ = ["HtxRules", "HtxUsdtmRules"]

LEGACY_PER_SECOND = 10


@dataclass(frozen=True)
class _Endpoint:
    method: str
    path: str
    scope: str
    """``"uid"``, ``"key"`` (legacy, private), ``"ip"`` (legacy public or market data)."""
    capacity: int
    period: float
    """Seconds at the default period (2 s); scaled with the mock's ``period``."""
    family: str = "v1"
    """How a refusal looks: ``"v1"`` (HTTP 429), ``"v2"`` (40403), ``"loan"`` (frequent-invoke)."""


ENDPOINTS: tuple[_Endpoint, ...] = (
    _Endpoint("POST", "/v1/order/orders/place", "uid", 100, 2),
    _Endpoint("POST", "/v1/order/orders/{id}/submitcancel", "uid", 100, 2),
    _Endpoint("GET", "/v1/order/openOrders", "uid", 50, 2),
    _Endpoint("GET", "/v1/order/cancelAllOrders", "uid", 1, 2),
    _Endpoint("GET", "/v1/account/accounts", "uid", 100, 2),
    _Endpoint("POST", "/v1/margin/orders", "uid", 2, 2, "loan"),
    _Endpoint("GET", "/v2/account/valuation", "uid", 3, 1, "v2"),
    _Endpoint("GET", "/v2/account/ledger", "key", LEGACY_PER_SECOND, 1, "v2"),
    _Endpoint("GET", "/v2/user/uid", "key", LEGACY_PER_SECOND, 1, "v2"),
    _Endpoint("GET", "/v1/common/timestamp", "ip", LEGACY_PER_SECOND, 1),
    _Endpoint("GET", "/v2/settings/common/symbols", "ip", LEGACY_PER_SECOND, 1, "v2"),
    _Endpoint("GET", "/market/history/kline", "ip", 4500, 300),
    _Endpoint("GET", "/market/depth", "ip", 4000, 300),
)


def _route(method: str, path: str) -> tuple[_Endpoint | None, bool]:
    """The endpoint for ``method path``, and whether the path exists under another method."""
    parts = [p for p in path.split("/") if p]
    known_path = False
    for e in ENDPOINTS:
        pattern = [p for p in e.path.split("/") if p]
        if len(pattern) != len(parts):
            continue
        if all(a == b or (a.startswith("{") and a.endswith("}")) for a, b in zip(pattern, parts, strict=True)):
            if e.method == method:
                return e, True
            known_path = True
    return None, known_path


@register_venue
class HtxRules(VenueRules):
    """HTX spot's limits and answers for a few endpoints (see the module docstring).

    Options (keyword): ``uids`` (API key -> UID; keys not listed are their own UID).
    """

    name = "htx"
    default_period = 2.0

    def __init__(
        self,
        *,
        period: float | None = None,
        clock: Callable[[], float],
        uids: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(period=period, clock=clock)
        if uids is not None and not all(isinstance(k, str) and isinstance(v, str) for k, v in uids.items()):
            raise ValueError("uids must map API keys (str) to UIDs (str)")
        self.uids: Mapping[str, str] = MappingProxyType(dict(uids or {}))
        self.windows: dict[tuple[str, str, str], FixedWindow] = {}
        self.next_id = 1000

    @property
    def capacity(self) -> float:
        """The legacy budget per IP per ``period`` (10 per second)."""
        return LEGACY_PER_SECOND * self.period / 1.0

    def _reset_state(self) -> None:
        self.windows.clear()

    def _window(self, endpoint: _Endpoint, who: str) -> FixedWindow:
        key = (endpoint.method + " " + endpoint.path, endpoint.scope, who)
        window = self.windows.get(key)
        if window is None:
            window = self.windows[key] = FixedWindow(endpoint.period * self.scale)
        return window

    def _handle(self, request: MockRequest, now: float) -> MockResponse:
        path = request.path.rstrip("/") or "/"
        endpoint, known = _route(request.method, path)
        if endpoint is None:
            status = 405 if known else 404
            return MockResponse(status, b"Method Not Allowed" if known else b"Not Found", content_type="text/plain")
        kind = f"{endpoint.method} {endpoint.path}"
        access_key = request.query.get("AccessKeyId")
        if endpoint.scope in ("uid", "key") and not access_key:
            # refused before any per-key budget is known: charged as a keyless request per IP
            self.recorder.accept(request.ip, kind)
            self.recorder.error("api-signature-not-valid")
            return json_response(
                200,
                {
                    "status": "error",
                    "err-code": "api-signature-not-valid",
                    "err-msg": "Signature not valid: Missing required parameter: AccessKeyId",
                    "data": None,
                },
            )
        who = (
            self.uids.get(str(access_key), str(access_key))
            if endpoint.scope == "uid"
            else str(access_key)
            if endpoint.scope == "key"
            else request.ip
        )
        window = self._window(endpoint, who)
        expire = str(round(window.resets_at(now) * 1000))
        if not window.fits(now, 1, endpoint.capacity):
            headers = {"X-HB-RateLimit-Requests-Remain": "0", "X-HB-RateLimit-Requests-Expire": expire}
            self.recorder.reject(429, kind)
            return self._refusal(endpoint, headers)
        total = window.add(now, 1)
        self.recorder.accept(request.ip, kind)
        self.recorder.charge(request.ip, 1.0, total, now)
        headers = {
            "X-HB-RateLimit-Requests-Remain": str(max(0, endpoint.capacity - math.ceil(total - 1e-9))),
            "X-HB-RateLimit-Requests-Expire": expire,
        }
        return json_response(200, self._serve(endpoint, now), headers)

    @staticmethod
    def _refusal(endpoint: _Endpoint, headers: Mapping[str, str]) -> MockResponse:
        if endpoint.family == "loan":
            body: dict[str, Any] = {
                "status": "error",
                "err-code": "frequent-invoke",
                "err-msg": "Operates too frequently, try again later",
                "data": None,
            }
            return json_response(200, body, headers)
        if endpoint.family == "v2":
            return json_response(200, {"code": 40403, "message": "Too many requests.", "success": False}, headers)
        body = {"status": "error", "err-code": "429", "err-msg": "Too Many Requests", "data": None}
        return json_response(429, body, headers)

    def _serve(self, endpoint: _Endpoint, now: float) -> Any:
        ms = int(now * 1000)
        path = endpoint.path
        if path == "/v1/common/timestamp":
            return {"status": "ok", "data": ms}
        if path.startswith("/market/"):
            return {"status": "ok", "ch": "market.btcusdt", "ts": ms, "data": []}
        if endpoint.family == "v2":
            return {"code": 200, "message": "success", "data": [], "success": True}
        if path == "/v1/account/accounts":
            return {"status": "ok", "data": [{"id": 100009, "type": "spot", "subtype": "", "state": "working"}]}
        if path in ("/v1/order/orders/place", "/v1/margin/orders"):
            self.next_id += 1
            return {"status": "ok", "data": str(self.next_id) if "order" in path else self.next_id}
        if path == "/v1/order/cancelAllOrders":
            return {"status": "ok", "data": {"success-count": 0, "failed-count": 0, "next-id": -1}}
        return {"status": "ok", "data": []}


# ---------------------------------------------------------------------------------- USDT-M

USDTM_LIMITS: Mapping[str, tuple[str, int, float]] = MappingProxyType(
    {
        "trade": ("uid", 72, 3.0),
        "read": ("uid", 72, 3.0),
        "public": ("ip", 240, 3.0),
        "market": ("ip", 800, 1.0),
    }
)
"""Budget -> (scope, capacity, seconds at the default period of 3 s), from the USDT-M page's
"API Rate Limit Illustration"."""

USDTM_ENDPOINTS: Mapping[tuple[str, str], str] = MappingProxyType(
    {
        ("POST", "/linear-swap-api/v1/swap_cross_order"): "trade",
        ("POST", "/linear-swap-api/v1/swap_cross_cancel"): "trade",
        ("POST", "/linear-swap-api/v1/swap_cross_account_info"): "read",
        ("POST", "/linear-swap-api/v1/swap_cross_position_info"): "read",
        ("GET", "/linear-swap-api/v1/swap_index"): "public",
        ("GET", "/linear-swap-api/v1/swap_funding_rate"): "public",
        ("GET", "/linear-swap-ex/market/depth"): "market",
        ("GET", "/linear-swap-ex/market/history/kline"): "market",
    }
)


@register_venue
class HtxUsdtmRules(VenueRules):
    """HTX USDT-M swaps for a few endpoints: ``trade`` 72 and ``read`` 72 per 3 s per UID,
    ``public`` 240 per 3 s and ``market`` 800 per second per IP, clock-aligned windows.

    Private answers carry ``ratelimit-limit``, ``ratelimit-interval`` (ms),
    ``ratelimit-remaining`` and ``ratelimit-reset`` (epoch ms) for the budget the endpoint
    spends; over it, nothing is charged and the answer is HTTP 200 ``{"status": "error",
    "err_code": 1032, "err_msg": "The number of access exceeded the limit."}``; over a public
    budget, HTTP 429. A private request without ``AccessKeyId`` gets err_code 1002 (not a rate
    limit). Options: ``uids`` (API key -> UID).
    """

    name = "htx_usdtm"
    default_period = 3.0

    def __init__(
        self,
        *,
        period: float | None = None,
        clock: Callable[[], float],
        uids: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(period=period, clock=clock)
        if uids is not None and not all(isinstance(k, str) and isinstance(v, str) for k, v in uids.items()):
            raise ValueError("uids must map API keys (str) to UIDs (str)")
        self.uids: Mapping[str, str] = MappingProxyType(dict(uids or {}))
        self.windows: dict[tuple[str, str], FixedWindow] = {}

    @property
    def capacity(self) -> float:
        """The public non-market budget per IP per ``period`` (240 per 3 s)."""
        return float(USDTM_LIMITS["public"][1])

    def _reset_state(self) -> None:
        self.windows.clear()

    def _handle(self, request: MockRequest, now: float) -> MockResponse:
        path = request.path.rstrip("/") or "/"
        budget = USDTM_ENDPOINTS.get((request.method, path))
        if budget is None:
            known = any(p == path for _, p in USDTM_ENDPOINTS)
            return MockResponse(405 if known else 404, b"Not Found", content_type="text/plain")
        kind = f"{request.method} {path}"
        scope, capacity, seconds = USDTM_LIMITS[budget]
        ms = int(now * 1000)
        access_key = request.query.get("AccessKeyId")
        if scope == "uid" and not access_key:
            self.recorder.accept(request.ip, kind)
            self.recorder.error("1002")
            body = {
                "status": "error",
                "err_code": 1002,
                "err_msg": "Abnormal service. Please try again later.",
                "ts": ms,
            }
            return json_response(200, body)
        who = self.uids.get(str(access_key), str(access_key)) if scope == "uid" else request.ip
        window = self.windows.get((budget, who))
        if window is None:
            window = self.windows[(budget, who)] = FixedWindow(seconds * self.scale)
        reset = str(round(window.resets_at(now) * 1000))
        if not window.fits(now, 1, capacity):
            self.recorder.reject(429, kind)
            if scope == "ip":
                return json_response(429, {"status": "error", "err_code": 429, "err_msg": "Too Many Requests"})
            headers = self._headers(capacity, window.period, 0, reset)
            body = {
                "status": "error",
                "err_code": 1032,
                "err_msg": "The number of access exceeded the limit.",
                "ts": ms,
            }
            return json_response(200, body, headers)
        total = window.add(now, 1)
        self.recorder.accept(request.ip, kind)
        self.recorder.charge(request.ip, 1.0, total, now)
        headers = (
            self._headers(capacity, window.period, capacity - math.ceil(total - 1e-9), reset) if scope == "uid" else {}
        )
        return json_response(200, {"status": "ok", "data": [], "ts": ms}, headers)

    @staticmethod
    def _headers(capacity: int, period: float, remaining: int, reset: str) -> dict[str, str]:
        return {
            "ratelimit-limit": str(capacity),
            "ratelimit-interval": str(round(period * 1000)),
            "ratelimit-remaining": str(max(0, remaining)),
            "ratelimit-reset": reset,
        }
