"""KuCoin classic API: spot and margin on api.kucoin.com (``kucoin``) and futures on
api-futures.kucoin.com (``kucoin_futures``). Resource pools per 30 s by VIP level, a weight and
a pool per endpoint, ``gw-ratelimit-*`` headers, HTTP 429 with code 429000.

Numbers: https://www.kucoin.com/docs-new/rate-limit (the pools' quotas per VIP level, the
30 s cycle, the headers, 429000, "Public" per IP and every other pool per UID) and each
endpoint's page, which declares ``api-rate-limit-pool`` and ``api-rate-limit-weight``. The
endpoint lists below were read from KuCoin's own OpenAPI files behind those pages
(github.com/Kucoin/kucoin-universal-sdk, spec/rest/api/*.json, commit 78c90c7 of
2025-11-04: ``x-api-rate-limit-pool`` / ``x-api-rate-limit-weight`` / ``x-api-doc``), which
supersede the XChange summary used before (same numbers where both list an endpoint).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .._limits import Limit, Observation
from ._model import Feedback, Request, Rule, Rules, Venue, by_name
from ._signals import block, header_number, json_code, retry_after, source

__all__ = ["FUTURES_ENDPOINTS", "OPTIONS", "POOLS_BY_VIP", "SPOT_ENDPOINTS", "build", "build_futures"]

DOCS = "https://www.kucoin.com/docs-new/"
READ = "2026-12-06"
"""The date the pages and the OpenAPI files below were read."""
SRC_POOLS = source(
    "https://www.kucoin.com/docs-new/rate-limit",
    "VIP table of resource pools per 30 s; the Public pool per IP, every other pool per UID (read in the "
    "rosssaunders/coincise copy scraped 2025-11); the newer classic page's text says 1 s while its table "
    "says 30 s: 30 s used",
    READ,
)
SRC_SPEC = "the page's OpenAPI file: github.com/Kucoin/kucoin-universal-sdk spec/rest/api, commit 78c90c7 (2025-11-04)"

POOLS_BY_VIP: Mapping[int, tuple[int, int, int, int, int, int]] = {
    0: (4000, 2000, 2000, 2000, 2000, 2000),
    1: (6000, 2000, 2000, 2000, 2000, 2000),
    2: (8000, 4000, 4000, 2000, 2000, 2000),
    3: (10000, 5000, 5000, 2000, 2000, 2000),
    4: (13000, 6000, 6000, 2000, 2000, 2000),
    5: (16000, 7000, 7000, 2000, 2000, 2000),
    6: (20000, 8000, 8000, 2000, 2000, 2000),
    7: (23000, 10000, 10000, 2000, 2000, 2000),
    8: (26000, 12000, 12000, 2000, 2000, 2000),
    9: (30000, 14000, 14000, 2000, 2000, 2000),
    10: (33000, 16000, 16000, 2000, 2000, 2000),
    11: (36000, 18000, 18000, 2000, 2000, 2000),
    12: (40000, 20000, 20000, 2000, 2000, 2000),
}
"""Quota per 30 s: (spot incl. margin, futures, management, earn, copytrading, public)."""
POOL_NAMES: tuple[str, ...] = ("spot", "futures", "management", "earn", "copytrading", "public")
WINDOW = 30.0
OVERLOAD_BACKOFF = 1.0
"""429000 without gw-ratelimit headers is server overload (not counted against the quota):
back off one second."""

Endpoint = tuple[str, str, str, float, str, str]
"""(pool, method, path, weight, kind, docs-new page)."""

# api.kucoin.com, every endpoint of the spot, margin, account, earn and VIP-lending pages
# (x-domain "Spot"), deprecated ones included: clients still call them. Exact paths first:
# the first matching rule wins and a template must not shadow a literal sibling.
SPOT_ENDPOINTS: tuple[Endpoint, ...] = (
    ("management", "GET", "/api/v2/user-info", 20, "read", "api-3470119"),
    ("management", "GET", "/api/v1/user/api-key", 20, "read", "api-3470130"),
    ("spot", "GET", "/api/v1/hf/accounts/opened", 30, "read", "api-3470120"),
    ("management", "GET", "/api/v1/accounts", 5, "read", "api-3470125"),
    ("spot", "GET", "/api/v3/margin/accounts", 15, "read", "api-3470127"),
    ("spot", "GET", "/api/v3/isolated/accounts", 15, "read", "api-3470128"),
    ("management", "GET", "/api/v1/accounts/ledgers", 2, "read", "api-3470121"),
    ("spot", "GET", "/api/v1/hf/accounts/ledgers", 2, "read", "api-3470122"),
    ("spot", "GET", "/api/v3/hf/margin/account/ledgers", 2, "read", "api-3470123"),
    ("spot", "GET", "/api/v1/margin/account", 40, "read", "api-3470311"),
    ("spot", "GET", "/api/v1/isolated/accounts", 50, "read", "api-3470314"),
    ("management", "POST", "/api/v3/deposit-address/create", 20, "action", "api-3470142"),
    ("management", "GET", "/api/v3/deposit-addresses", 5, "read", "api-3470140"),
    ("management", "GET", "/api/v1/deposits", 5, "read", "api-3470141"),
    ("management", "GET", "/api/v2/deposit-addresses", 5, "read", "api-3470300"),
    ("management", "GET", "/api/v1/deposit-addresses", 5, "read", "api-3470305"),
    ("management", "POST", "/api/v1/deposit-addresses", 20, "action", "api-3470309"),
    ("management", "GET", "/api/v1/hist-deposits", 5, "read", "api-3470306"),
    ("spot", "GET", "/api/v1/base-fee", 3, "read", "api-3470149"),
    ("spot", "GET", "/api/v1/trade-fees", 3, "read", "api-3470150"),
    ("management", "POST", "/api/v2/sub/user/created", 15, "action", "api-3470135"),
    ("management", "POST", "/api/v3/sub/user/margin/enable", 15, "action", "api-3470331"),
    ("management", "POST", "/api/v3/sub/user/futures/enable", 15, "action", "api-3470332"),
    ("management", "GET", "/api/v2/sub/user", 20, "read", "api-3470131"),
    ("management", "GET", "/api/v2/sub-accounts", 20, "read", "api-3470133"),
    ("management", "POST", "/api/v1/sub/api-key", 20, "action", "api-3470138"),
    ("management", "GET", "/api/v1/sub/api-key", 20, "read", "api-3470136"),
    ("management", "DELETE", "/api/v1/sub/api-key", 30, "action", "api-3470137"),
    ("management", "POST", "/api/v1/sub/api-key/update", 30, "action", "api-3470139"),
    ("management", "GET", "/api/v1/sub/user", 20, "read", "api-3470298"),
    ("management", "GET", "/api/v1/sub-accounts", 20, "read", "api-3470299"),
    ("management", "GET", "/api/v1/accounts/transferable", 20, "read", "api-3470148"),
    ("management", "POST", "/api/v3/accounts/universal-transfer", 4, "action", "api-3470147"),
    ("management", "POST", "/api/v2/accounts/sub-transfer", 30, "action", "api-3470301"),
    ("management", "POST", "/api/v2/accounts/inner-transfer", 10, "action", "api-3470302"),
    ("management", "GET", "/api/v1/withdrawals/quotas", 20, "read", "api-3470143"),
    ("management", "POST", "/api/v3/withdrawals", 5, "action", "api-3470146"),
    ("management", "GET", "/api/v1/withdrawals", 20, "read", "api-3470145"),
    ("management", "POST", "/api/v1/withdrawals", 5, "action", "api-3470310"),
    ("management", "GET", "/api/v1/hist-withdrawals", 20, "read", "api-3470308"),
    ("management", "GET", "/api/v2/affiliate/inviter/statistics", 30, "read", "api-3470279"),
    ("management", "GET", "/api/v1/broker/api/rebase/download", 3, "read", "api-3470280"),
    ("earn", "POST", "/api/v1/earn/orders", 5, "action", "api-3470268"),
    ("earn", "DELETE", "/api/v1/earn/orders", 5, "action", "api-3470270"),
    ("earn", "GET", "/api/v1/earn/redeem-preview", 5, "read", "api-3470269"),
    ("earn", "GET", "/api/v1/earn/saving/products", 5, "read", "api-3470271"),
    ("earn", "GET", "/api/v1/earn/staking/products", 5, "read", "api-3470274"),
    ("earn", "GET", "/api/v1/earn/kcs-staking/products", 5, "read", "api-3470275"),
    ("earn", "GET", "/api/v1/earn/eth-staking/products", 5, "read", "api-3470276"),
    ("earn", "GET", "/api/v1/earn/hold-assets", 5, "read", "api-3470273"),
    ("spot", "GET", "/api/v3/project/list", 10, "read", "api-3470212"),
    ("public", "GET", "/api/v3/project/marketInterestRate", 5, "read", "api-3470215"),
    ("spot", "POST", "/api/v3/purchase", 15, "action", "api-3470216"),
    ("spot", "POST", "/api/v3/lend/purchase/update", 10, "action", "api-3470217"),
    ("spot", "GET", "/api/v3/purchase/orders", 10, "read", "api-3470213"),
    ("spot", "POST", "/api/v3/redeem", 15, "action", "api-3470218"),
    ("spot", "GET", "/api/v3/redeem/orders", 10, "read", "api-3470214"),
    ("spot", "POST", "/api/v3/margin/borrow", 15, "action", "api-3470206"),
    ("spot", "GET", "/api/v3/margin/borrow", 15, "read", "api-3470207"),
    ("spot", "POST", "/api/v3/margin/repay", 10, "action", "api-3470210"),
    ("spot", "GET", "/api/v3/margin/repay", 15, "read", "api-3470208"),
    ("spot", "GET", "/api/v3/margin/interest", 20, "read", "api-3470209"),
    ("spot", "POST", "/api/v3/position/update-user-leverage", 8, "action", "api-3470211"),
    ("public", "GET", "/api/v3/margin/symbols", 3, "read", "api-3470189"),
    ("public", "GET", "/api/v3/etf/info", 3, "read", "api-3470191"),
    ("spot", "GET", "/api/v1/margin/config", 25, "read", "api-3470190"),
    ("public", "GET", "/api/v3/mark-price/all-symbols", 10, "read", "api-3470192"),
    ("public", "GET", "/api/v1/isolated/symbols", 3, "read", "api-3470194"),
    ("spot", "POST", "/api/v3/hf/margin/order", 2, "action", "api-3470204"),
    ("spot", "POST", "/api/v3/hf/margin/order/test", 2, "action", "api-3470205"),
    ("spot", "DELETE", "/api/v3/hf/margin/orders", 5, "action", "api-3470197"),
    ("spot", "GET", "/api/v3/hf/margin/order/active/symbols", 4, "read", "api-3470196"),
    ("spot", "GET", "/api/v3/hf/margin/orders/active", 4, "read", "api-3470198"),
    ("spot", "GET", "/api/v3/hf/margin/orders/done", 10, "read", "api-3470199"),
    ("spot", "GET", "/api/v3/hf/margin/fills", 5, "read", "api-3470200"),
    ("spot", "POST", "/api/v1/margin/order", 5, "action", "api-3470312"),
    ("spot", "POST", "/api/v1/margin/order/test", 5, "action", "api-3470313"),
    ("spot", "GET", "/api/v3/margin/currencies", 20, "read", "api-3470219"),
    ("public", "GET", "/api/v3/announcements", 20, "read", "api-3470157"),
    ("public", "GET", "/api/v3/currencies", 3, "read", "api-3470152"),
    ("public", "GET", "/api/v2/symbols", 4, "read", "api-3470154"),
    ("public", "GET", "/api/v1/market/orderbook/level1", 2, "read", "api-3470160"),
    ("public", "GET", "/api/v1/market/allTickers", 15, "read", "api-3470167"),
    ("public", "GET", "/api/v1/market/histories", 3, "read", "api-3470162"),
    ("public", "GET", "/api/v1/market/candles", 3, "read", "api-3470163"),
    ("public", "GET", "/api/v1/market/orderbook/level2_20", 2, "read", "api-3470165"),
    ("public", "GET", "/api/v1/market/orderbook/level2_100", 2, "read", "api-3470165"),
    ("spot", "GET", "/api/v3/market/orderbook/level2", 3, "read", "api-3470164"),
    ("public", "GET", "/api/v1/market/orderbook/callauction/level2_20", 2, "read", "api-3471564"),
    ("public", "GET", "/api/v1/market/orderbook/callauction/level2_100", 2, "read", "api-3471564"),
    ("public", "GET", "/api/v1/market/callauctionData", 2, "read", "api-3471565"),
    ("public", "GET", "/api/v1/prices", 3, "read", "api-3470153"),
    ("public", "GET", "/api/v1/market/stats", 15, "read", "api-3470161"),
    ("public", "GET", "/api/v1/markets", 3, "read", "api-3470166"),
    ("public", "GET", "/api/v1/my-ip", 0, "read", "api-3471123"),
    ("public", "GET", "/api/v1/timestamp", 3, "read", "api-3470156"),
    ("public", "GET", "/api/v1/status", 3, "read", "api-3470158"),
    ("public", "POST", "/api/v1/bullet-public", 10, "read", "api-3470294"),
    ("spot", "POST", "/api/v1/bullet-private", 10, "read", "api-3470295"),
    ("spot", "POST", "/api/v1/hf/orders", 1, "action", "api-3470188"),
    ("spot", "DELETE", "/api/v1/hf/orders", 2, "action", "api-3470175"),
    ("spot", "POST", "/api/v1/hf/orders/sync", 1, "action", "api-3470170"),
    ("spot", "POST", "/api/v1/hf/orders/test", 1, "action", "api-3470187"),
    ("spot", "POST", "/api/v1/hf/orders/multi", 1, "action", "api-3470168"),
    ("spot", "POST", "/api/v1/hf/orders/multi/sync", 1, "action", "api-3470169"),
    ("spot", "DELETE", "/api/v1/hf/orders/cancelAll", 30, "action", "api-3470176"),
    ("spot", "POST", "/api/v1/hf/orders/alter", 1, "action", "api-3470171"),
    ("spot", "GET", "/api/v1/hf/orders/active/symbols", 2, "read", "api-3470177"),
    ("spot", "GET", "/api/v1/hf/orders/active", 2, "read", "api-3470178"),
    ("spot", "GET", "/api/v1/hf/orders/active/page", 2, "read", "api-3471591"),
    ("spot", "GET", "/api/v1/hf/orders/done", 2, "read", "api-3470179"),
    ("spot", "GET", "/api/v1/hf/fills", 2, "read", "api-3470180"),
    ("spot", "GET", "/api/v1/hf/orders/dead-cancel-all/query", 2, "read", "api-3470172"),
    ("spot", "POST", "/api/v1/hf/orders/dead-cancel-all", 2, "action", "api-3470173"),
    ("spot", "POST", "/api/v1/stop-order", 1, "action", "api-3470334"),
    ("spot", "GET", "/api/v1/stop-order", 8, "read", "api-3470338"),
    ("spot", "DELETE", "/api/v1/stop-order/cancelOrderByClientOid", 5, "action", "api-3470336"),
    ("spot", "DELETE", "/api/v1/stop-order/cancel", 3, "action", "api-3470337"),
    ("spot", "GET", "/api/v1/stop-order/queryOrderByClientOid", 3, "read", "api-3470340"),
    ("spot", "POST", "/api/v3/oco/order", 2, "action", "api-3470353"),
    ("spot", "DELETE", "/api/v3/oco/orders", 3, "action", "api-3470356"),
    ("spot", "GET", "/api/v3/oco/orders", 2, "read", "api-3470360"),
    ("spot", "POST", "/api/v1/orders", 2, "action", "api-3470333"),
    ("spot", "DELETE", "/api/v1/orders", 20, "action", "api-3470345"),
    ("spot", "GET", "/api/v1/orders", 2, "read", "api-3470346"),
    ("spot", "POST", "/api/v1/orders/test", 2, "action", "api-3470341"),
    ("spot", "POST", "/api/v1/orders/multi", 3, "action", "api-3470342"),
    ("spot", "GET", "/api/v1/limit/orders", 3, "read", "api-3470347"),
    ("spot", "GET", "/api/v1/fills", 10, "read", "api-3470350"),
    ("spot", "GET", "/api/v1/limit/fills", 20, "read", "api-3470351"),
    ("public", "GET", "/api/v1/otc-loan/discount-rate-configs", 10, "read", "api-3471463"),
    ("management", "GET", "/api/v1/otc-loan/loan", 5, "read", "api-3470277"),
    ("management", "GET", "/api/v1/otc-loan/accounts", 20, "read", "api-3470278"),
    ("management", "GET", "/api/v1/accounts/{accountId}", 5, "read", "api-3470126"),
    ("spot", "GET", "/api/v1/isolated/account/{symbol}", 50, "read", "api-3470315"),
    ("management", "GET", "/api/v1/sub-accounts/{subUserId}", 15, "read", "api-3470132"),
    ("management", "DELETE", "/api/v1/withdrawals/{withdrawalId}", 20, "action", "api-3470144"),
    ("management", "GET", "/api/v1/withdrawals/{withdrawalId}", 20, "read", "api-3471890"),
    ("public", "GET", "/api/v1/mark-price/{symbol}/current", 2, "read", "api-3470193"),
    ("spot", "DELETE", "/api/v3/hf/margin/orders/{orderId}", 2, "action", "api-3470195"),
    ("spot", "GET", "/api/v3/hf/margin/orders/{orderId}", 5, "read", "api-3470202"),
    ("spot", "DELETE", "/api/v3/hf/margin/orders/client-order/{clientOid}", 2, "action", "api-3470201"),
    ("spot", "GET", "/api/v3/hf/margin/orders/client-order/{clientOid}", 5, "read", "api-3470203"),
    ("public", "GET", "/api/v3/currencies/{currency}", 3, "read", "api-3470155"),
    ("public", "GET", "/api/v2/symbols/{symbol}", 4, "read", "api-3470159"),
    ("spot", "DELETE", "/api/v1/hf/orders/{orderId}", 1, "action", "api-3470174"),
    ("spot", "GET", "/api/v1/hf/orders/{orderId}", 2, "read", "api-3470181"),
    ("spot", "DELETE", "/api/v1/hf/orders/sync/{orderId}", 1, "action", "api-3470185"),
    ("spot", "DELETE", "/api/v1/hf/orders/client-order/{clientOid}", 1, "action", "api-3470184"),
    ("spot", "GET", "/api/v1/hf/orders/client-order/{clientOid}", 2, "read", "api-3470182"),
    ("spot", "DELETE", "/api/v1/hf/orders/sync/client-order/{clientOid}", 1, "action", "api-3470186"),
    ("spot", "DELETE", "/api/v1/hf/orders/cancel/{orderId}", 2, "action", "api-3470183"),
    ("spot", "DELETE", "/api/v1/stop-order/{orderId}", 3, "action", "api-3470335"),
    ("spot", "GET", "/api/v1/stop-order/{orderId}", 3, "read", "api-3470339"),
    ("spot", "DELETE", "/api/v3/oco/order/{orderId}", 3, "action", "api-3470354"),
    ("spot", "GET", "/api/v3/oco/order/{orderId}", 2, "read", "api-3470357"),
    ("spot", "DELETE", "/api/v3/oco/client-order/{clientOid}", 3, "action", "api-3470355"),
    ("spot", "GET", "/api/v3/oco/client-order/{clientOid}", 2, "read", "api-3470358"),
    ("spot", "GET", "/api/v3/oco/order/details/{orderId}", 2, "read", "api-3470359"),
    ("spot", "DELETE", "/api/v1/orders/{orderId}", 3, "action", "api-3470343"),
    ("spot", "GET", "/api/v1/orders/{orderId}", 2, "read", "api-3470348"),
    ("spot", "DELETE", "/api/v1/order/client-order/{clientOid}", 3, "action", "api-3470344"),
    ("spot", "GET", "/api/v1/order/client-order/{clientOid}", 3, "read", "api-3470349"),
)

# Listed in the earlier XChange summary but on no current page (abandoned before the OpenAPI
# files were published); kept at the weights it gave so they are not charged the default.
SPOT_LEGACY: tuple[Endpoint, ...] = (
    ("management", "POST", "/api/v1/accounts", 5, "action", "rate-limit"),
    ("public", "GET", "/api/v1/symbols", 4, "read", "rate-limit"),
)

# api-futures.kucoin.com, every endpoint of the futures, copy-trading and futures account pages
# (x-domain "Futures"). "Get Actual Fee - Futures" is listed as PATCH in the file only to keep
# it apart from the spot path; its x-original-method (and its page) says GET.
FUTURES_ENDPOINTS: tuple[Endpoint, ...] = (
    ("futures", "GET", "/api/v1/account-overview", 5, "read", "api-3470129"),
    ("futures", "GET", "/api/v1/transaction-history", 2, "read", "api-3470124"),
    ("futures", "GET", "/api/v1/trade-fees", 3, "read", "api-3470151"),
    ("futures", "GET", "/api/v1/account-overview-all", 6, "read", "api-3470134"),
    ("management", "GET", "/api/v1/transfer-list", 20, "read", "api-3470307"),
    ("management", "POST", "/api/v3/transfer-out", 20, "action", "api-3470303"),
    ("management", "POST", "/api/v1/transfer-in", 20, "action", "api-3470304"),
    ("copytrading", "POST", "/api/v1/copy-trade/futures/orders", 2, "action", "api-3470363"),
    ("copytrading", "DELETE", "/api/v1/copy-trade/futures/orders", 1, "action", "api-3470620"),
    ("copytrading", "POST", "/api/v1/copy-trade/futures/orders/test", 2, "action", "api-3470618"),
    ("copytrading", "POST", "/api/v1/copy-trade/futures/st-orders", 2, "action", "api-3470619"),
    ("copytrading", "DELETE", "/api/v1/copy-trade/futures/orders/client-order", 1, "action", "api-3470621"),
    ("copytrading", "GET", "/api/v1/copy-trade/futures/get-max-open-size", 4, "read", "api-3470612"),
    ("copytrading", "GET", "/api/v1/copy-trade/futures/position/margin/max-withdraw-margin", 10, "read", "api-3470616"),
    ("copytrading", "POST", "/api/v1/copy-trade/futures/position/margin/deposit-margin", 4, "action", "api-3470614"),
    ("copytrading", "POST", "/api/v1/copy-trade/futures/position/margin/withdraw-margin", 10, "action", "api-3470615"),
    ("copytrading", "POST", "/api/v1/copy-trade/futures/position/risk-limit-level/change", 2, "action", "api-3470613"),
    (
        "copytrading",
        "POST",
        "/api/v1/copy-trade/futures/position/margin/auto-deposit-status",
        4,
        "action",
        "api-3470617",
    ),
    ("public", "GET", "/api/v1/contract/funding-rates", 5, "read", "api-3470266"),
    ("futures", "GET", "/api/v1/funding-history", 5, "read", "api-3470267"),
    ("public", "GET", "/api/v1/contracts/active", 3, "read", "api-3470220"),
    ("public", "GET", "/api/v1/ticker", 2, "read", "api-3470222"),
    ("public", "GET", "/api/v1/allTickers", 5, "read", "api-3470223"),
    ("public", "GET", "/api/v1/level2/snapshot", 3, "read", "api-3470224"),
    ("public", "GET", "/api/v1/level2/depth20", 5, "read", "api-3470225"),
    ("public", "GET", "/api/v1/level2/depth100", 5, "read", "api-3470225"),
    ("public", "GET", "/api/v1/trade/history", 5, "read", "api-3470232"),
    ("public", "GET", "/api/v1/kline/query", 3, "read", "api-3470234"),
    ("public", "GET", "/api/v1/index/query", 2, "read", "api-3470231"),
    ("public", "GET", "/api/v1/interest/query", 5, "read", "api-3470226"),
    ("public", "GET", "/api/v1/premium/query", 3, "read", "api-3470227"),
    ("futures", "GET", "/api/v1/trade-statistics", 3, "read", "api-3470228"),
    ("public", "GET", "/api/v1/timestamp", 2, "read", "api-3470229"),
    ("public", "GET", "/api/v1/status", 4, "read", "api-3470230"),
    ("public", "POST", "/api/v1/bullet-public", 10, "read", "api-3470297"),
    ("futures", "POST", "/api/v1/bullet-private", 10, "read", "api-3470296"),
    ("futures", "POST", "/api/v1/orders", 2, "action", "api-3470235"),
    ("futures", "GET", "/api/v1/orders", 2, "read", "api-3470244"),
    ("futures", "DELETE", "/api/v1/orders", 800, "action", "api-3470362"),
    ("futures", "POST", "/api/v1/orders/test", 2, "action", "api-3470238"),
    ("futures", "POST", "/api/v1/orders/multi", 20, "action", "api-3470236"),
    ("futures", "POST", "/api/v1/st-orders", 2, "action", "api-3470237"),
    ("futures", "DELETE", "/api/v1/orders/multi-cancel", 20, "action", "api-3470241"),
    ("futures", "DELETE", "/api/v3/orders", 10, "action", "api-3470242"),
    ("futures", "DELETE", "/api/v1/stopOrders", 15, "action", "api-3470243"),
    ("futures", "GET", "/api/v1/stopOrders", 6, "read", "api-3470247"),
    ("futures", "GET", "/api/v1/orders/byClientOid", 5, "read", "api-3470352"),
    ("futures", "GET", "/api/v1/recentDoneOrders", 5, "read", "api-3470246"),
    ("futures", "GET", "/api/v1/openOrderStatistics", 10, "read", "api-3470250"),
    ("futures", "GET", "/api/v1/fills", 5, "read", "api-3470248"),
    ("futures", "GET", "/api/v2/position/getMarginMode", 2, "read", "api-3470259"),
    ("futures", "POST", "/api/v2/position/changeMarginMode", 2, "action", "api-3470262"),
    ("futures", "POST", "/api/v2/position/batchChangeMarginMode", 2, "action", "api-3472403"),
    ("futures", "GET", "/api/v2/getMaxOpenSize", 2, "read", "api-3470251"),
    ("futures", "GET", "/api/v1/position", 2, "read", "api-3470252"),
    ("futures", "GET", "/api/v1/positions", 2, "read", "api-3470253"),
    ("futures", "GET", "/api/v1/history-positions", 2, "read", "api-3470254"),
    ("futures", "GET", "/api/v1/margin/maxWithdrawMargin", 10, "read", "api-3470258"),
    ("futures", "GET", "/api/v2/getCrossUserLeverage", 2, "read", "api-3470260"),
    ("futures", "POST", "/api/v2/changeCrossUserLeverage", 2, "action", "api-3470261"),
    ("futures", "POST", "/api/v1/position/margin/deposit-margin", 4, "action", "api-3470257"),
    ("futures", "POST", "/api/v1/margin/withdrawMargin", 10, "action", "api-3470256"),
    ("futures", "GET", "/api/v2/batchGetCrossOrderLimit", 2, "read", "api-3472655"),
    ("futures", "POST", "/api/v1/position/risk-limit-level/change", 5, "action", "api-3470264"),
    ("futures", "POST", "/api/v1/position/margin/auto-deposit-status", 4, "action", "api-3470255"),
    ("public", "GET", "/api/v1/funding-rate/{symbol}/current", 2, "read", "api-3470265"),
    ("public", "GET", "/api/v1/contracts/{symbol}", 3, "read", "api-3470221"),
    ("public", "GET", "/api/v1/mark-price/{symbol}/current", 3, "read", "api-3470233"),
    ("futures", "DELETE", "/api/v1/orders/{orderId}", 1, "action", "api-3470239"),
    ("futures", "DELETE", "/api/v1/orders/client-order/{clientOid}", 1, "action", "api-3470240"),
    ("futures", "GET", "/api/v1/orders/{orderId}", 5, "read", "api-3470245"),
    ("public", "GET", "/api/v1/contracts/risk-limit/{symbol}", 5, "read", "api-3470263"),
)

# Pages that declare a pool but no weight: charged what their sibling pages give (futures
# GET /api/v1/fills 5; every other earn product list 5), never free.
FUTURES_UNWEIGHED: tuple[Endpoint, ...] = (("futures", "GET", "/api/v1/recentFills", 5, "read", "api-3470249"),)
SPOT_UNWEIGHED: tuple[Endpoint, ...] = (("earn", "GET", "/api/v1/earn/promotion/products", 5, "read", "api-3470272"),)


def _rules(endpoints: tuple[Endpoint, ...], note: str = "") -> list[Rule]:
    rules: list[Rule] = []
    for pool, method, path, weight, kind, doc in endpoints:
        rules.append(
            Rule(
                method,
                path,
                {pool: weight},
                kind="action" if kind == "action" else "read",
                source=source(
                    DOCS + doc, f"api-rate-limit-pool {pool}, api-rate-limit-weight {weight:g}; {SRC_SPEC}", READ
                ),
                primary=pool,
                # WebSocket tokens create no economic state: safe to retry.
                idempotent=True if path.startswith("/api/v1/bullet") else None,
                note=note,
            )
        )
    return rules


# Unknown endpoints, priced by class: the heaviest current (not deprecated) weight of the pool
# the class spends. Spot: Public 20 (announcements), Spot 30 (HF cancel-all, account type).
# Futures: Public 5 (all tickers, part order book, trade history), Futures 20 (batch orders).
SPOT_PUBLIC_DEFAULT = 20
SPOT_PRIVATE_DEFAULT = 30
FUTURES_PUBLIC_DEFAULT = 5
FUTURES_PRIVATE_DEFAULT = 20

_SPOT_PUBLIC_PREFIXES: tuple[str, ...] = (
    "/api/v1/market/",
    "/api/v1/markets",
    "/api/v1/symbols",
    "/api/v2/symbols",
    "/api/v1/currencies",
    "/api/v3/currencies",
    "/api/v1/prices",
    "/api/v1/timestamp",
    "/api/v1/status",
    "/api/v1/my-ip",
    "/api/v3/announcements",
    "/api/v1/bullet-public",
    "/api/v1/mark-price/",
    "/api/v3/mark-price/",
    "/api/v3/margin/symbols",
    "/api/v1/isolated/symbols",
    "/api/v3/etf/",
    "/api/v3/project/marketInterestRate",
)
_FUTURES_PUBLIC_PREFIXES: tuple[str, ...] = (
    "/api/v1/contracts/",
    "/api/v1/contract/",
    "/api/v1/ticker",
    "/api/v1/allTickers",
    "/api/v1/level2/",
    "/api/v1/level3/",
    "/api/v1/trade/history",
    "/api/v1/kline/",
    "/api/v1/mark-price/",
    "/api/v1/index/",
    "/api/v1/interest/",
    "/api/v1/premium/",
    "/api/v1/funding-rate/",
    "/api/v1/timestamp",
    "/api/v1/status",
    "/api/v1/bullet-public",
)


def _private_unless(prefixes: tuple[str, ...]) -> Callable[[Request], bool]:
    """A private-endpoint test: every path but market data (``/market/`` or one of ``prefixes``)."""

    def is_private(request: Request) -> bool:
        path = request.path
        return not ("/market/" in path or path.startswith(prefixes))

    return is_private


spot_is_private = _private_unless(_SPOT_PUBLIC_PREFIXES)
"""Whether an api.kucoin.com path is signed and per account: anything but market data."""
futures_is_private = _private_unless(_FUTURES_PUBLIC_PREFIXES)
"""Whether an api-futures.kucoin.com path is signed and per account: anything but market data."""


def _default(pool: str, weight: int, what: str) -> Rule:
    return Rule(
        "*",
        "/*",
        {pool: weight},
        name=f"(unknown {what} endpoint)",
        source=SRC_POOLS + f" — unknown {what} endpoints: the {pool} pool at {weight}, its heaviest current weight",
        primary=pool,
        idempotent=False,
    )


def _parse(fb: Feedback) -> list[Observation]:
    out: list[Observation] = []
    pool = fb.request.primary if fb.request is not None else None
    cap = header_number(fb, "gw-ratelimit-limit")
    remaining = header_number(fb, "gw-ratelimit-remaining")
    reset_ms = header_number(fb, "gw-ratelimit-reset")
    reset = reset_ms / 1000.0 if reset_ms is not None else None
    has_headers = cap is not None or remaining is not None
    if pool in fb.venue.limits and has_headers:
        out.append(Observation(str(pool), remaining=remaining, cap=cap, reset_after=reset, reason="gw-ratelimit"))
    limited = fb.status == 429 or json_code(fb.body, "code") == "429000"
    if limited and pool in fb.venue.limits:
        if has_headers:
            wait = retry_after(fb) or reset or fb.venue.limits[str(pool)].period
            out.append(block(str(pool), wait, "429000 pool exhausted"))
        else:
            out.append(block(str(pool), retry_after(fb) or OVERLOAD_BACKOFF, "429000 server overload"))
    return out


def _quotas(venue: str, vip: int) -> dict[str, int]:
    if isinstance(vip, bool) or vip not in POOLS_BY_VIP:
        raise ValueError(f"{venue}: vip must be an int 0..12, got {vip!r}")
    return dict(zip(POOL_NAMES, POOLS_BY_VIP[vip], strict=True))


def _limits(quotas: Mapping[str, int], names: tuple[str, ...], vip: int) -> list[Limit]:
    return [
        Limit(
            name,
            quotas[name],
            WINDOW,
            scope="ip" if name == "public" else "account",
            source=SRC_POOLS + f" — {name} pool at VIP {vip}: {quotas[name]} per 30 s",
        )
        for name in names
    ]


def build(*, vip: int = 0) -> Venue:
    """KuCoin classic spot and margin API. ``vip``: 0-12, the account's VIP level (pool sizes)."""
    quotas = _quotas("kucoin", vip)
    unweighed = "the page declares the pool but no weight: charged the group's usual read weight"
    rules = [*_rules(SPOT_ENDPOINTS), *_rules(SPOT_LEGACY, "legacy"), *_rules(SPOT_UNWEIGHED, unweighed)]
    return Venue(
        name="kucoin",
        limits=by_name(_limits(quotas, ("spot", "management", "earn", "public"), vip)),
        rules=Rules(rules),
        default=_default("public", SPOT_PUBLIC_DEFAULT, "public"),
        private_default=_default("spot", SPOT_PRIVATE_DEFAULT, "private"),
        is_private=spot_is_private,
        urls={"mainnet": "https://api.kucoin.com"},
        parser=_parse,
        source=SRC_POOLS,
        options={"vip": vip},
    )


def build_futures(*, vip: int = 0) -> Venue:
    """KuCoin Futures (api-futures.kucoin.com): its own Futures pool per account, the Public
    pool per IP, and the Management and CopyTrading pools its transfer and copy-trading
    endpoints spend. ``vip``: 0-12, the account's VIP level (pool sizes)."""
    quotas = _quotas("kucoin_futures", vip)
    unweighed = "the page declares the pool but no weight: charged the group's usual read weight"
    rules = [*_rules(FUTURES_ENDPOINTS), *_rules(FUTURES_UNWEIGHED, unweighed)]
    return Venue(
        name="kucoin_futures",
        limits=by_name(_limits(quotas, ("futures", "management", "copytrading", "public"), vip)),
        rules=Rules(rules),
        default=_default("public", FUTURES_PUBLIC_DEFAULT, "public"),
        private_default=_default("futures", FUTURES_PRIVATE_DEFAULT, "private"),
        is_private=futures_is_private,
        urls={"mainnet": "https://api-futures.kucoin.com"},
        parser=_parse,
        source=SRC_POOLS,
        options={"vip": vip},
    )


OPTIONS: frozenset[str] = frozenset({"vip"})
