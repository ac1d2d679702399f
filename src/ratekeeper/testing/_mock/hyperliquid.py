"""Hyperliquid as the mock venue enforces it.

The rules come from the Hyperliquid rate-limits page and public testnet probes (docs/venues.md).

Written from the venue's documented rules, independently of ``ratekeeper.venues``: this is
the referee the library is measured against.

Enforced:

- **IP weight** (per TCP peer address): 1200 per ``period`` (60 s unless scaled) in a sliding
  window, i.e. in any interval ``(t - period, t]``. ``/exchange`` actions weigh
  ``1 + floor(n / 40)`` (``n`` = length of ``orders`` / ``cancels`` / ``modifies``, else 1);
  ``/info`` 2 for the six light types, 60 for ``userRole``, 20 otherwise; ``/explorer`` 40.
  Item-returning info types add ``ceil(items / 20)`` (``candleSnapshot``: ``/ 60``) after the
  answer is built. Over the budget: HTTP 429 with the JSON body ``null``, nothing charged.
- **Address quota** on ``/exchange`` (per user address): ``10000 + cumulative volume`` requests,
  a batch of ``n`` costs ``n``; cancels may go on up to ``min(cap + 100000, 2 * cap)``. Past
  the cap one action per ``10 * period / 60`` s is let through; the rest get HTTP 200
  ``{"status":"err","response":"Too many cumulative requests sent (X > Y) ..."}``, uncharged.
  Batches over 200 are refused whole: ``Signed action over weight limit of 200.``
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ._core import TOL, MockRequest, MockResponse, SlidingWindow, VenueRules, json_response, register_venue

__all__ = ["HyperliquidRules"]

logger = logging.getLogger("ratekeeper.testing.mock")

WEIGHT_BUDGET = 1200
EXCHANGE_BATCH_DIVISOR = 40
EXPLORER_WEIGHT = 40
DEFAULT_INFO_WEIGHT = 20
INFO_WEIGHTS: Mapping[str, int] = {
    "l2Book": 2,
    "allMids": 2,
    "clearinghouseState": 2,
    "orderStatus": 2,
    "spotClearinghouseState": 2,
    "exchangeStatus": 2,
    "userRole": 60,
}
ITEMS_PER_WEIGHT: Mapping[str, int] = {
    **dict.fromkeys(
        (
            "recentTrades",
            "historicalOrders",
            "userFills",
            "userFillsByTime",
            "fundingHistory",
            "userFunding",
            "nonUserFundingUpdates",
            "twapHistory",
            "userTwapSliceFills",
            "userTwapSliceFillsByTime",
            "delegatorHistory",
            "delegatorRewards",
            "validatorStats",
        ),
        20,
    ),
    "candleSnapshot": 60,
}
"""Info types charged extra per started block of items returned."""

MAX_ITEMS: Mapping[str, int] = {
    **dict.fromkeys(ITEMS_PER_WEIGHT, 500),
    "userFills": 2000,
    "userFillsByTime": 2000,
    "historicalOrders": 2000,
    "candleSnapshot": 5000,
}
"""Most items one answer holds (docs: 2000 fills, the latest 5000 candles, 500 for other
time-range queries)."""

DEFAULT_ITEMS: Mapping[str, int] = {
    **dict.fromkeys(ITEMS_PER_WEIGHT, 20),
    "userFills": 100,
    "userFillsByTime": 100,
    "historicalOrders": 100,
    "recentTrades": 10,
}
"""Items returned when neither the request nor the range decides (candles, funding)."""

OTHER_INFO_TYPES = frozenset(
    {
        "meta",
        "spotMeta",
        "metaAndAssetCtxs",
        "spotMetaAndAssetCtxs",
        "openOrders",
        "frontendOpenOrders",
        "userRateLimit",
        "userFees",
        "referral",
        "subAccounts",
        "vaultDetails",
        "userVaultEquities",
        "portfolio",
        "perpDexs",
        "predictedFundings",
        "perpsAtOpenInterestCap",
        "maxBuilderFee",
        "tokenDetails",
        "spotDeployState",
        "userNonFundingLedgerUpdates",
        "delegations",
        "delegatorSummary",
        "activeAssetData",
        "perpDeployAuctionStatus",
        "leadingVaults",
        "userToMultiSigSigners",
        "webData2",
        "extraAgents",
        "marginTable",
        "l2Snapshot",
    }
)
KNOWN_INFO_TYPES = frozenset(INFO_WEIGHTS) | frozenset(ITEMS_PER_WEIGHT) | OTHER_INFO_TYPES

ADDRESS_INITIAL = 10_000
CANCEL_EXTRA = 100_000
MAX_SIGNED_BATCH = 200
THROTTLED_INTERVAL = 10.0
"""Seconds between actions let through once an address has spent its cap (at period 60)."""

CANCEL_ACTIONS = frozenset({"cancel", "cancelByCloid"})
KNOWN_ACTIONS = frozenset(
    {
        "order",
        "cancel",
        "cancelByCloid",
        "modify",
        "batchModify",
        "scheduleCancel",
        "updateLeverage",
        "updateIsolatedMargin",
        "topUpIsolatedOnlyMargin",
        "usdSend",
        "spotSend",
        "withdraw3",
        "usdClassTransfer",
        "sendAsset",
        "vaultTransfer",
        "subAccountTransfer",
        "subAccountSpotTransfer",
        "createSubAccount",
        "approveAgent",
        "approveBuilderFee",
        "setReferrer",
        "twapOrder",
        "twapCancel",
        "reserveRequestWeight",
        "tokenDelegate",
        "cDeposit",
        "cWithdraw",
        "evmUserModify",
        "noop",
    }
)

DEFAULT_USER = "0x" + "0" * 40
DESERIALIZE_ERROR = "Failed to deserialize the JSON body into the target type"
ADDRESS_LIMIT_MSG = (
    "Too many cumulative requests sent ({used} > {cap}) for cumulative volume traded ${vlm}. "
    "Place taker orders to free up 1 request per USDC traded."
)
BATCH_LIMIT_MSG = f"Signed action over weight limit of {MAX_SIGNED_BATCH}."

CANDLE_INTERVALS_MS: Mapping[str, int] = {
    "1m": 60_000,
    "3m": 180_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": 3_600_000,
    "2h": 7_200_000,
    "4h": 14_400_000,
    "8h": 28_800_000,
    "12h": 43_200_000,
    "1d": 86_400_000,
    "3d": 259_200_000,
    "1w": 604_800_000,
    "1M": 2_592_000_000,
}
HOUR_MS = 3_600_000
BOOK_VARIANTS = 16

# name, szDecimals, maxLeverage, mid price
UNIVERSE: tuple[tuple[str, int, int, float], ...] = (
    ("BTC", 5, 40, 65000.0),
    ("ETH", 4, 25, 3200.0),
    ("SOL", 2, 20, 150.0),
    ("HYPE", 2, 10, 30.0),
    ("AVAX", 2, 10, 25.0),
    ("LINK", 1, 10, 14.0),
    ("ARB", 1, 10, 0.8),
    ("DOGE", 0, 10, 0.12),
)
COINS: Mapping[str, int] = {name: i for i, (name, *_rest) in enumerate(UNIVERSE)}


def num(x: float, decimals: int = 6) -> str:
    """A decimal string the way Hyperliquid writes numbers ("65000.0", "0.00123")."""
    s = f"{x:.{decimals}f}".rstrip("0")
    return s + "0" if s.endswith(".") else s


def volume_text(usd: float) -> str:
    s = f"{usd:.2f}".rstrip("0").rstrip(".")
    return s or "0"


def batch_length(action: Mapping[str, Any]) -> int:
    for key in ("orders", "cancels", "modifies"):
        items = action.get(key)
        if isinstance(items, list):
            return max(1, len(items))
    return 1


def exchange_weight(n: int) -> int:
    return 1 + n // EXCHANGE_BATCH_DIVISOR


def info_weight(info_type: str) -> int:
    return INFO_WEIGHTS.get(info_type, DEFAULT_INFO_WEIGHT)


@dataclass
class _Order:
    oid: int
    coin: str
    side: str
    px: float
    sz: float
    timestamp: int
    cloid: str | None
    order_type: str


@dataclass
class _User:
    volume: float = 0.0
    used: int = 0
    reserved: int = 0
    last_action_at: float = -math.inf
    orders: dict[int, _Order] = field(default_factory=dict)


@register_venue
class HyperliquidRules(VenueRules):
    """Hyperliquid's REST limits and answers.

    Options (all keyword):

    - ``weight_budget``: IP weight per period (1200).
    - ``item_rounding``: ``"ceil"`` (default: +1 per started block of 20 / 60 items) or
      ``"floor"`` (+1 per full block); the docs do not say which.
    - ``items_must_fit``: refuse (429) a request whose weight *including* the items it would
      return does not fit. Default False: only the base weight must fit, and the extra is
      charged after the answer, as a server that counts what it sent would.
    - ``items``: default item counts per info type (see ``DEFAULT_ITEMS``).
    - ``address_initial``: the address buffer before volume (10000).
    - ``user_volume``: cumulative traded volume (USDC) per address to start with.
    - ``default_user``: the address charged when a request names none.
    - ``ioc_adds_volume``: an IOC order fills at its limit price and adds ``px * sz`` to the
      user's volume (default True), as taker volume frees requests on the venue.
    - ``seed``: the seed of the random numbers in bodies.
    """

    name = "hyperliquid"

    def __init__(
        self,
        *,
        period: float | None = None,
        clock: Callable[[], float],
        weight_budget: float = WEIGHT_BUDGET,
        item_rounding: Literal["ceil", "floor"] = "ceil",
        items_must_fit: bool = False,
        items: Mapping[str, int] | None = None,
        address_initial: int = ADDRESS_INITIAL,
        user_volume: Mapping[str, float] | None = None,
        default_user: str = DEFAULT_USER,
        ioc_adds_volume: bool = True,
        seed: int = 0,
    ) -> None:
        super().__init__(period=period, clock=clock)
        if item_rounding not in ("ceil", "floor"):
            raise ValueError(f"item_rounding must be 'ceil' or 'floor', got {item_rounding!r}")
        if not weight_budget > 0:
            raise ValueError(f"weight_budget must be positive, got {weight_budget!r}")
        self.weight_budget = float(weight_budget)
        self.item_rounding = item_rounding
        self.items_must_fit = items_must_fit
        self.default_items: dict[str, int] = dict(DEFAULT_ITEMS)
        for info_type, n in (items or {}).items():
            self.set_items(info_type, n)
        self.address_initial = int(address_initial)
        self.default_user = default_user.lower()
        self.ioc_adds_volume = ioc_adds_volume
        self.seed = seed
        self.rng = random.Random(seed)
        self.ip_windows: dict[str, SlidingWindow] = {}
        self.users: dict[str, _User] = {}
        self.volumes: dict[str, float] = {a.lower(): float(v) for a, v in (user_volume or {}).items()}
        self.next_oid = 1_000_000
        self.pools: dict[str, list[Any]] = {}
        self.book_turn = 0

    # -- configuration -------------------------------------------------------------------

    @property
    def capacity(self) -> float:
        return self.weight_budget

    @property
    def throttled_interval(self) -> float:
        return THROTTLED_INTERVAL * self.scale

    def set_items(self, info_type: str, n: int) -> None:
        if info_type not in ITEMS_PER_WEIGHT:
            raise ValueError(f"{info_type!r} returns no counted items; known: {', '.join(sorted(ITEMS_PER_WEIGHT))}")
        if not isinstance(n, int) or n < 0:
            raise ValueError(f"item count must be an int >= 0, got {n!r}")
        with self.lock:
            self.default_items[info_type] = n

    def set_user_volume(self, address: str, usd: float) -> None:
        if not (isinstance(usd, (int, float)) and math.isfinite(usd) and usd >= 0):
            raise ValueError(f"volume must be a finite number >= 0, got {usd!r}")
        with self.lock:
            address = address.lower()
            self.volumes[address] = float(usd)
            if address in self.users:
                self.users[address].volume = float(usd)

    def _reset_state(self) -> None:
        self.ip_windows.clear()
        self.users.clear()
        self.rng = random.Random(self.seed)

    def _user(self, address: str) -> _User:
        user = self.users.get(address)
        if user is None:
            user = self.users[address] = _User(volume=self.volumes.get(address, 0.0))
        return user

    def cap_of(self, user: _User) -> int:
        return self.address_initial + math.floor(user.volume)

    def extra_weight(self, info_type: str, items: int) -> int:
        per = ITEMS_PER_WEIGHT.get(info_type)
        if per is None or items <= 0:
            return 0
        return -(-items // per) if self.item_rounding == "ceil" else items // per

    # -- dispatch --------------------------------------------------------------------------

    def _handle(self, request: MockRequest, now: float) -> MockResponse:
        path = request.path.rstrip("/") or "/"
        if path not in ("/info", "/exchange", "/explorer"):
            return MockResponse(404, b"Not Found", content_type="text/plain")
        if request.method != "POST":
            return MockResponse(405, b"Method Not Allowed", content_type="text/plain")
        try:
            body = request.json()
        except ValueError:
            body = None
        if path == "/info":
            return self._info(request, body, now)
        if path == "/exchange":
            return self._exchange(request, body, now)
        return self._explorer(request, body, now)

    def _window(self, ip: str) -> SlidingWindow:
        window = self.ip_windows.get(ip)
        if window is None:
            window = self.ip_windows[ip] = SlidingWindow(self.period)
        return window

    def _refuse(self, kind: str) -> MockResponse:
        self.recorder.reject(429, kind)
        return MockResponse(429, b"null")

    def _charge(self, ip: str, now: float, weight: float) -> None:
        total = self._window(ip).add(now, weight)
        self.recorder.charge(ip, weight, total, now)

    # -- /info -----------------------------------------------------------------------------

    def _info(self, request: MockRequest, body: Any, now: float) -> MockResponse:
        info_type = body.get("type") if isinstance(body, dict) else None
        known = isinstance(info_type, str) and info_type in KNOWN_INFO_TYPES
        kind = f"info:{info_type}" if known else "info:?"
        weight = info_weight(info_type) if known and isinstance(info_type, str) else DEFAULT_INFO_WEIGHT
        window = self._window(request.ip)
        if (not self.items_must_fit or not known) and not window.fits(now, weight, self.weight_budget):
            return self._refuse(kind)
        if not known or not isinstance(body, dict) or not isinstance(info_type, str):
            # unknown or malformed: answered like the venue's deserializer, charged the default
            self.recorder.accept(request.ip, kind)
            self.recorder.error("bad_request")
            self._charge(request.ip, now, weight)
            return MockResponse(422, DESERIALIZE_ERROR.encode(), content_type="text/plain")
        payload, items = self._info_body(info_type, body, request, now)
        extra = self.extra_weight(info_type, items) if items is not None else 0
        if self.items_must_fit and not window.fits(now, weight + extra, self.weight_budget):
            return self._refuse(kind)
        self.recorder.accept(request.ip, kind)
        self._charge(request.ip, now, weight + extra)
        return json_response(200, payload)

    def _requested_items(self, info_type: str, body: Mapping[str, Any], request: MockRequest) -> int | None:
        raw: Any = request.headers.get("x-mock-items")
        if raw is None:
            raw = body.get("mockItems")
        if raw is None:
            return None
        try:
            n = int(raw)
        except (TypeError, ValueError):
            logger.warning("mock hyperliquid: ignoring X-Mock-Items/mockItems %r (not an integer)", raw)
            return None
        return max(0, min(n, MAX_ITEMS[info_type]))

    def _count(self, info_type: str, body: Mapping[str, Any], request: MockRequest) -> int:
        n = self._requested_items(info_type, body, request)
        if n is None:
            n = min(self.default_items.get(info_type, 20), MAX_ITEMS[info_type])
        return n

    def _info_body(
        self, info_type: str, body: Mapping[str, Any], request: MockRequest, now: float
    ) -> tuple[Any, int | None]:
        """The answer and, for item-charged types, how many items it holds."""
        now_ms = int(now * 1000)
        user = self._address_of(body, request)
        if info_type == "l2Book":
            return self._l2_book(body, now_ms), None
        if info_type == "allMids":
            return {name: num(mid) for name, _d, _l, mid in UNIVERSE}, None
        if info_type == "meta":
            return self._meta(), None
        if info_type == "metaAndAssetCtxs":
            return [self._meta(), [self._asset_ctx(mid) for *_x, mid in UNIVERSE]], None
        if info_type == "clearinghouseState":
            return self._clearinghouse(now_ms), None
        if info_type == "spotClearinghouseState":
            return {
                "balances": [{"coin": "USDC", "token": 0, "hold": "0.0", "total": "10000.0", "entryNtl": "0.0"}]
            }, None
        if info_type == "exchangeStatus":
            return {"time": now_ms, "specialStatuses": None}, None
        if info_type == "userRole":
            return {"role": "user"}, None
        if info_type == "userRateLimit":
            u = self._user(user)
            return {
                "cumVlm": num(u.volume, 2),
                "nRequestsUsed": max(0, u.used - u.reserved),
                "nRequestsCap": self.cap_of(u),
                "nRequestsSurplus": max(0, u.reserved - u.used),
            }, None
        if info_type in ("openOrders", "frontendOpenOrders"):
            return [self._open_order(o) for o in self._user(user).orders.values()], None
        if info_type == "orderStatus":
            return self._order_status(user, body.get("oid"), now_ms), None
        if info_type == "candleSnapshot":
            candles = self._candles(body, request, now_ms)
            return candles, len(candles)
        if info_type in ("userFills", "userFillsByTime"):
            fills = self._fills(info_type, body, request, now_ms)
            return fills, len(fills)
        if info_type in ("fundingHistory", "userFunding"):
            points = self._funding(info_type, body, request, now_ms)
            return points, len(points)
        if info_type == "recentTrades":
            coin = str(body.get("coin", "BTC"))
            mid = self._mid(coin) or 1.0
            n = self._count(info_type, body, request)

            def trade(rng: random.Random, _i: int) -> dict[str, Any]:
                return {
                    "coin": coin,
                    "side": rng.choice("AB"),
                    "px": num(mid * (1 + rng.uniform(-1e-4, 1e-4)), 2),
                    "sz": num(rng.uniform(0.001, 2.0), 4),
                    "hash": _hash(rng),
                    "tid": rng.randrange(10**14, 10**15),
                    "users": [_address(rng), _address(rng)],
                }

            pool = self._pool(f"trades:{coin}", n, trade)
            trades = [{**pool[i], "time": now_ms - 250 * i} for i in range(n)]
            return trades, len(trades)
        if info_type in ITEMS_PER_WEIGHT:
            n = self._count(info_type, body, request)
            pool = self._pool("hashes", n, lambda rng, _i: _hash(rng))
            items = [{"time": now_ms - 60_000 * i, "index": i, "hash": pool[i]} for i in range(n)]
            return items, len(items)
        if info_type in ("spotMeta", "spotMetaAndAssetCtxs"):
            spot_meta = {"universe": [], "tokens": [{"name": "USDC", "szDecimals": 8, "weiDecimals": 8, "index": 0}]}
            return (spot_meta if info_type == "spotMeta" else [spot_meta, []]), None
        if info_type in ("subAccounts", "userVaultEquities", "perpDexs", "predictedFundings", "delegations"):
            return [], None
        return {}, None

    def _address_of(self, body: Mapping[str, Any], request: MockRequest) -> str:
        header = request.headers.get("x-mock-user")
        if header:
            return header.lower()
        for key in ("user", "vaultAddress"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value.lower()
        return self.default_user

    def _pool(self, name: str, n: int, make: Callable[[random.Random, int], Any]) -> list[Any]:
        """The first ``n`` of a deterministic series of generated values, built once."""
        pool = self.pools.setdefault(name, [])
        if len(pool) < n:
            rng = random.Random(f"{self.seed}:{name}:{len(pool)}")
            pool.extend(make(rng, i) for i in range(len(pool), n))
        return pool

    def _hash(self) -> str:
        return _hash(self.rng)

    def _address(self) -> str:
        return _address(self.rng)

    @staticmethod
    def _mid(coin: str) -> float | None:
        i = COINS.get(coin)
        return UNIVERSE[i][3] if i is not None else None

    @staticmethod
    def _meta() -> dict[str, Any]:
        return {
            "universe": [
                {"name": name, "szDecimals": d, "maxLeverage": lev, "marginTableId": lev}
                for name, d, lev, _mid in UNIVERSE
            ],
            "marginTables": [
                [lev, {"description": "", "marginTiers": [{"lowerBound": "0.0", "maxLeverage": lev}]}]
                for lev in sorted({lev for _n, _d, lev, _m in UNIVERSE})
            ],
        }

    def _asset_ctx(self, mid: float) -> dict[str, Any]:
        return {
            "funding": "0.0000125",
            "openInterest": num(self.rng.uniform(1e3, 1e5), 2),
            "prevDayPx": num(mid * 0.99),
            "dayNtlVlm": num(self.rng.uniform(1e6, 1e9), 2),
            "premium": "0.0001",
            "oraclePx": num(mid),
            "markPx": num(mid),
            "midPx": num(mid),
            "impactPxs": [num(mid * 0.9999), num(mid * 1.0001)],
            "dayBaseVlm": num(self.rng.uniform(1e3, 1e5), 2),
        }

    def _l2_book(self, body: Mapping[str, Any], now_ms: int) -> Any:
        coin = body.get("coin")
        mid = self._mid(coin) if isinstance(coin, str) else None
        if mid is None:
            return None
        tick = mid * 1e-5

        def levels(rng: random.Random, _i: int) -> list[list[dict[str, Any]]]:
            def level(px: float) -> dict[str, Any]:
                return {"px": num(px, 6), "sz": num(rng.uniform(0.01, 10.0), 4), "n": rng.randint(1, 20)}

            return [[level(mid - tick * (i + 1)) for i in range(20)], [level(mid + tick * (i + 1)) for i in range(20)]]

        # a few books per coin, served in turn: realistic shapes at little cost per request
        self.book_turn += 1
        book = self._pool(f"book:{coin}", BOOK_VARIANTS, levels)[self.book_turn % BOOK_VARIANTS]
        return {"coin": coin, "time": now_ms, "levels": book}

    @staticmethod
    def _clearinghouse(now_ms: int) -> dict[str, Any]:
        summary = {"accountValue": "10000.0", "totalNtlPos": "0.0", "totalRawUsd": "10000.0", "totalMarginUsed": "0.0"}
        return {
            "marginSummary": summary,
            "crossMarginSummary": dict(summary),
            "crossMaintenanceMarginUsed": "0.0",
            "withdrawable": "10000.0",
            "assetPositions": [],
            "time": now_ms,
        }

    @staticmethod
    def _open_order(o: _Order) -> dict[str, Any]:
        return {
            "coin": o.coin,
            "limitPx": num(o.px),
            "oid": o.oid,
            "side": o.side,
            "sz": num(o.sz),
            "origSz": num(o.sz),
            "timestamp": o.timestamp,
            "cloid": o.cloid,
            "orderType": o.order_type,
        }

    def _order_status(self, user: str, oid: Any, now_ms: int) -> dict[str, Any]:
        orders = self._user(user).orders
        order = None
        if isinstance(oid, int):
            order = orders.get(oid)
        elif isinstance(oid, str):
            order = next((o for o in orders.values() if o.cloid == oid), None)
        if order is None:
            return {"status": "unknownOid"}
        return {
            "status": "order",
            "order": {"order": self._open_order(order), "status": "open", "statusTimestamp": now_ms},
        }

    def _candles(self, body: Mapping[str, Any], request: MockRequest, now_ms: int) -> list[dict[str, Any]]:
        req = body.get("req")
        req = req if isinstance(req, dict) else {}
        coin = str(req.get("coin", "BTC"))
        iv = CANDLE_INTERVALS_MS.get(str(req.get("interval", "1m")), 60_000)
        start = _int(req.get("startTime"), 0)
        end = _int(req.get("endTime"), now_ms)
        latest = (min(end, now_ms) // iv) * iv
        earliest = max(-(-start // iv) * iv, (now_ms // iv) * iv - (MAX_ITEMS["candleSnapshot"] - 1) * iv)
        count = max(0, (latest - earliest) // iv + 1)
        override = self._requested_items("candleSnapshot", body, request)
        if override is not None:
            count = override
            earliest = latest - (count - 1) * iv
        mid = self._mid(coin) or 1.0

        def ohlcv(rng: random.Random, _i: int) -> dict[str, Any]:
            o, c = mid * (1 + rng.uniform(-1e-3, 1e-3)), mid * (1 + rng.uniform(-1e-3, 1e-3))
            return {
                "o": num(o, 2),
                "c": num(c, 2),
                "h": num(max(o, c) * 1.0005, 2),
                "l": num(min(o, c) * 0.9995, 2),
                "v": num(rng.uniform(0.1, 100.0), 4),
                "n": rng.randint(1, 500),
            }

        pool = self._pool(f"candles:{coin}", count, ohlcv)
        interval = req.get("interval", "1m")
        candles = []
        for i in range(count):
            t = earliest + i * iv
            candles.append({"t": t, "T": t + iv - 1, "s": coin, "i": interval, **pool[i]})
        return candles

    def _fills(
        self, info_type: str, body: Mapping[str, Any], request: MockRequest, now_ms: int
    ) -> list[dict[str, Any]]:
        """``n`` fills; with ``aggregateByTime`` the pairs of partial fills the mock makes (one
        taker order crossing two levels at one time) are merged, so ``ceil(n / 2)`` come back."""
        n = self._count(info_type, body, request)
        start = _int(body.get("startTime"), now_ms - 86_400_000)
        end = _int(body.get("endTime"), now_ms)
        span = max(1, end - start)
        pool = self._pool("fills", n, _fill)
        pairs = max(1, (n + 1) // 2)
        fills = [{**pool[i], "time": end - (span * (i // 2)) // pairs} for i in range(n)]
        if body.get("aggregateByTime") is True:
            merged: list[dict[str, Any]] = []
            for fill in fills:
                last = merged[-1] if merged else None
                if last is not None and last["oid"] == fill["oid"] and last["time"] == fill["time"]:
                    last["sz"] = num(float(last["sz"]) + float(fill["sz"]), 6)
                    last["fee"] = num(float(last["fee"]) + float(fill["fee"]), 6)
                else:
                    merged.append(dict(fill))
            fills = merged
        return fills

    def _funding(
        self, info_type: str, body: Mapping[str, Any], request: MockRequest, now_ms: int
    ) -> list[dict[str, Any]]:
        start = _int(body.get("startTime"), now_ms - 86_400_000)
        end = min(_int(body.get("endTime"), now_ms), now_ms)
        first = -(-start // HOUR_MS) * HOUR_MS
        count = max(0, (end - first) // HOUR_MS + 1) if end >= first else 0
        count = min(count, MAX_ITEMS[info_type])
        override = self._requested_items(info_type, body, request)
        if override is not None:
            count = override
        coin = str(body.get("coin", "BTC"))

        def rates(rng: random.Random, _i: int) -> tuple[str, str, str]:
            return num(rng.uniform(-5e-5, 5e-5), 8), num(rng.uniform(-5e-4, 5e-4), 8), num(rng.uniform(-1, 1), 6)

        pool = self._pool("funding", count, rates)
        out: list[dict[str, Any]] = []
        for i in range(count):
            t = first + i * HOUR_MS
            rate, premium, usdc = pool[i]
            if info_type == "fundingHistory":
                out.append({"coin": coin, "fundingRate": rate, "premium": premium, "time": t})
            else:
                delta = {"type": "funding", "coin": coin, "usdc": usdc, "szi": "1.0", "fundingRate": rate}
                out.append({"delta": delta, "hash": "0x" + "0" * 64, "time": t})
        return out

    # -- /explorer ----------------------------------------------------------------------------

    def _explorer(self, request: MockRequest, body: Any, now: float) -> MockResponse:
        explorer_type = body.get("type") if isinstance(body, dict) else None
        kind = f"explorer:{explorer_type}" if isinstance(explorer_type, str) else "explorer:?"
        if not self._window(request.ip).fits(now, EXPLORER_WEIGHT, self.weight_budget):
            return self._refuse(kind)
        self.recorder.accept(request.ip, kind)
        self._charge(request.ip, now, EXPLORER_WEIGHT)
        if not isinstance(body, dict) or not isinstance(explorer_type, str):
            self.recorder.error("bad_request")
            return MockResponse(422, DESERIALIZE_ERROR.encode(), content_type="text/plain")
        now_ms = int(now * 1000)
        if explorer_type == "blockDetails":
            height = _int(body.get("height"), 1)
            block = {"height": height, "blockTime": now_ms, "hash": self._hash(), "proposer": self._address()}
            return json_response(200, {"type": "blockDetails", "blockDetails": block | {"numTxs": 0, "txs": []}})
        if explorer_type == "txDetails":
            tx: dict[str, Any] = {
                "hash": body.get("hash"),
                "block": 1,
                "time": now_ms,
                "user": self._address(),
                "action": {},
            }
            return json_response(200, {"type": "txDetails", "tx": tx})
        if explorer_type == "userDetails":
            return json_response(200, {"type": "userDetails", "txs": []})
        return json_response(200, {"type": explorer_type})

    # -- /exchange ----------------------------------------------------------------------------

    def _exchange(self, request: MockRequest, body: Any, now: float) -> MockResponse:
        action = body.get("action") if isinstance(body, dict) else None
        action_type = action.get("type") if isinstance(action, dict) else None
        known = isinstance(action_type, str) and action_type in KNOWN_ACTIONS
        kind = f"exchange:{action_type}" if known else "exchange:?"
        n = batch_length(action) if isinstance(action, dict) else 1
        weight = exchange_weight(n)
        if not self._window(request.ip).fits(now, weight, self.weight_budget):
            return self._refuse(kind)
        self.recorder.accept(request.ip, kind)
        self._charge(request.ip, now, weight)
        if not known or not isinstance(body, dict) or not isinstance(action, dict) or not isinstance(action_type, str):
            self.recorder.error("bad_request")
            return MockResponse(422, DESERIALIZE_ERROR.encode(), content_type="text/plain")
        if n > MAX_SIGNED_BATCH:
            self.recorder.error("batch_over_200")
            return json_response(200, {"status": "err", "response": BATCH_LIMIT_MSG})
        address = self._address_of(body, request)
        user = self._user(address)
        refusal = self._spend_address_quota(user, action_type, n, now)
        if refusal is not None:
            self.recorder.error("address_quota")
            return json_response(200, {"status": "err", "response": refusal})
        return json_response(200, self._act(user, action_type, action, now))

    def _spend_address_quota(self, user: _User, action_type: str, n: int, now: float) -> str | None:
        """Charge ``n`` requests to ``user``, or say why not (nothing charged then)."""
        cap = self.cap_of(user)
        limit = min(cap + CANCEL_EXTRA, 2 * cap) if action_type in CANCEL_ACTIONS else cap
        effective = user.used - user.reserved
        if effective + n > limit and now - user.last_action_at < self.throttled_interval - TOL:
            return ADDRESS_LIMIT_MSG.format(used=max(0, effective) + n, cap=cap, vlm=volume_text(user.volume))
        user.used += n
        user.last_action_at = now
        return None

    def _act(self, user: _User, action_type: str, action: Mapping[str, Any], now: float) -> dict[str, Any]:
        now_ms = int(now * 1000)
        if action_type == "order":
            orders = action.get("orders")
            statuses = [self._place(user, o, now_ms) for o in (orders if isinstance(orders, list) else [])]
            return {"status": "ok", "response": {"type": "order", "data": {"statuses": statuses}}}
        if action_type in CANCEL_ACTIONS:
            cancels = action.get("cancels")
            statuses = [self._cancel(user, c) for c in (cancels if isinstance(cancels, list) else [])]
            return {"status": "ok", "response": {"type": "cancel", "data": {"statuses": statuses}}}
        if action_type == "batchModify":
            modifies = action.get("modifies")
            statuses = []
            for m in modifies if isinstance(modifies, list) else []:
                if isinstance(m, dict):
                    self._cancel(user, {"o": m.get("oid")})
                    statuses.append(self._place(user, m.get("order"), now_ms))
                else:
                    statuses.append({"error": "Invalid modify."})
            return {"status": "ok", "response": {"type": "order", "data": {"statuses": statuses}}}
        if action_type == "modify":
            self._cancel(user, {"o": action.get("oid")})
            self._place(user, action.get("order"), now_ms)
        elif action_type == "reserveRequestWeight":
            user.reserved += max(0, _int(action.get("weight"), 0))
        return {"status": "ok", "response": {"type": "default"}}

    def _place(self, user: _User, order: Any, now_ms: int) -> Any:
        if not isinstance(order, dict):
            return {"error": "Invalid order."}
        asset = order.get("a")
        if not isinstance(asset, int) or not 0 <= asset < len(UNIVERSE):
            return {"error": "Invalid asset."}
        try:
            px = float(order.get("p", "nan"))
            sz = float(order.get("s", "nan"))
        except (TypeError, ValueError):
            return {"error": "Invalid order."}
        if not (math.isfinite(px) and math.isfinite(sz) and px > 0 and sz > 0):
            return {"error": "Invalid order."}
        if px * sz < 10:
            return {"error": "Order must have minimum value of $10."}
        self.next_oid += 1
        oid = self.next_oid
        kind = order.get("t")
        tif = (
            kind.get("limit", {}).get("tif") if isinstance(kind, dict) and isinstance(kind.get("limit"), dict) else None
        )
        if tif == "Ioc":
            if self.ioc_adds_volume:
                user.volume += px * sz
            return {"filled": {"totalSz": num(sz), "avgPx": num(px), "oid": oid}}
        cloid = order.get("c") if isinstance(order.get("c"), str) else None
        coin = UNIVERSE[asset][0]
        side = "B" if order.get("b") else "A"
        order_type = "Limit" if tif is not None else "Trigger"
        user.orders[oid] = _Order(oid, coin, side, px, sz, now_ms, cloid, order_type)
        return {"resting": {"oid": oid, "cloid": cloid} if cloid else {"oid": oid}}

    @staticmethod
    def _cancel(user: _User, cancel: Any) -> Any:
        if isinstance(cancel, dict):
            oid = cancel.get("o", cancel.get("oid"))
            cloid = cancel.get("cloid")
            if isinstance(oid, int) and user.orders.pop(oid, None) is not None:
                return "success"
            if isinstance(cloid, str):
                for key, o in list(user.orders.items()):
                    if o.cloid == cloid:
                        del user.orders[key]
                        return "success"
        return {"error": "Order was never placed, already canceled, or filled."}


def _hash(rng: random.Random) -> str:
    return "0x" + f"{rng.getrandbits(256):064x}"


def _address(rng: random.Random) -> str:
    return "0x" + f"{rng.getrandbits(160):040x}"


def _fill(rng: random.Random, i: int) -> dict[str, Any]:
    """Fill ``i`` without its time: fills come in pairs (one taker order crossing two levels)."""
    pair = i // 2
    name, d, _lev, mid = UNIVERSE[pair % len(UNIVERSE)]
    px = mid * (1 + rng.uniform(-1e-3, 1e-3))
    sz = round(rng.uniform(0.1, 5.0) * 10 / mid + 10**-d, d) if d else float(rng.randint(100, 1000))
    return {
        "coin": name,
        "px": num(px, 4),
        "sz": num(sz, d),
        "side": "B" if pair % 2 else "A",
        "startPosition": "0.0",
        "dir": "Open Long" if pair % 2 else "Open Short",
        "closedPnl": "0.0",
        "hash": _hash(rng),
        "oid": 90_000_000 + pair,
        "crossed": True,
        "fee": num(px * sz * 0.00035, 6),
        "tid": rng.randrange(10**14, 10**15),
        "feeToken": "USDC",
    }


def _int(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return default
    return default
