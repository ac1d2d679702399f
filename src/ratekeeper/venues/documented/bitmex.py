"""BitMEX's documented REST endpoints, written from the documents, not from the rules.

* Endpoints: the API explorer's Swagger description, https://www.bitmex.com/api/explorer/swagger.json
  (public copy: BitMEX/api-connectors ``swagger.json``, 2024-05-28), every route of ``/api/v1``.
* Limits: https://www.bitmex.com/app/restAPI#Limits, the "Updates to Rate Limits" announcement
  (https://blog.bitmex.com/api_announcement/updates-to-rate-limits/: "Now 120 requests per minute on
  all routes ... Unauthenticated limit remains 30 requests per minute ... Second layer burst rate
  limits for specific routes will remain unchanged at a rate of 10 requests per second") and the
  second-layer post that lists those routes
  (https://blog.bitmex.com/second-layer-rate-limits-to-improve-the-bitmex-trading-experience/).

The documents give no other per-endpoint limit: every route costs one request of the 120 per
minute budget (a token bucket per account when authenticated), and the order-management routes
also one of the 10 per second budget. The table is for an authenticated client (the default
venue); ``venue("bitmex", authenticated=False)`` is the 30 per minute per-IP bucket instead.
"""

from __future__ import annotations

from typing import Any

from .._coverage import Documented, Pool

__all__ = ["TABLE"]

SWAGGER = "https://www.bitmex.com/api/explorer/swagger.json"
LIMITS = "https://www.bitmex.com/app/restAPI#Limits; https://blog.bitmex.com/api_announcement/updates-to-rate-limits/"
SECOND = "https://blog.bitmex.com/second-layer-rate-limits-to-improve-the-bitmex-trading-experience/"

Q_ALL = "Request Rate Limits when authenticated ... Now 120 requests per minute on all routes"
Q_SECOND = (
    "Second layer burst rate limits for specific routes ... 10 requests per second: POST /api/v1/order, "
    "PUT /api/v1/order, DELETE /api/v1/order, DELETE /api/v1/order/all, POST /api/v1/position/isolate, "
    "POST /api/v1/position/leverage, POST /api/v1/position/transferMargin"
)

REQUESTS = Pool(1, 120, 60, "account", limit="requests")
ORDERS_1S = Pool(1, 10, 1, "account", limit="orders_1s")


def route(
    section: str,
    method: str,
    path: str,
    summary: str,
    params: dict[str, Any] | None = None,
    body: dict[str, Any] | None = None,
) -> Documented:
    """A route that spends one request of the 120 per minute budget."""
    return Documented(
        section,
        method,
        "/api/v1" + path,
        (REQUESTS,),
        SWAGGER + "; " + LIMITS,
        f"{summary} — {Q_ALL}",
        params=params,
        body=body,
    )


def order_route(section: str, method: str, path: str, summary: str, body: dict[str, Any]) -> Documented:
    """A second-layer route: one request of each budget."""
    return Documented(
        section,
        method,
        "/api/v1" + path,
        (REQUESTS, ORDERS_1S),
        SWAGGER + "; " + LIMITS + "; " + SECOND,
        f"{summary} — {Q_ALL}; {Q_SECOND}",
        body=body,
    )


XBT: dict[str, Any] = {"symbol": "XBTUSD"}

PUBLIC: tuple[Documented, ...] = (
    route("public", "GET", "/announcement", "Get site announcements."),
    route("public", "GET", "/chat", "Get chat messages.", {"channelID": 1}),
    route("public", "GET", "/chat/channels", "Get available channels."),
    route("public", "GET", "/chat/connected", "Get connected users."),
    route("public", "GET", "/chat/pinned", "Get pinned message for a channel.", {"channelID": 1}),
    route("public", "GET", "/funding", "Get funding history.", XBT),
    route("public", "GET", "/instrument", "Get instruments.", XBT),
    route("public", "GET", "/instrument/active", "Get all active instruments."),
    route("public", "GET", "/instrument/indices", "Get all price indices."),
    route("public", "GET", "/instrument/activeAndIndices", "Gets all active instruments and all indices."),
    route("public", "GET", "/instrument/activeIntervals", "Return all active contract series and interval pairs."),
    route("public", "GET", "/instrument/compositeIndex", "Show constituent parts of an index.", {"symbol": ".BXBT"}),
    route("public", "GET", "/instrument/usdVolume", "Get a summary of exchange statistics in USD."),
    route("public", "GET", "/insurance", "Get insurance fund history."),
    route("public", "GET", "/leaderboard", "Get current leaderboard."),
    route("public", "GET", "/liquidation", "Get liquidation orders.", XBT),
    route("public", "GET", "/orderBook/L2", "Get current orderbook in vertical format.", {**XBT, "depth": 25}),
    route("public", "GET", "/quote", "Get Quotes.", XBT),
    route("public", "GET", "/quote/bucketed", "Get previous quotes in time buckets.", {**XBT, "binSize": "1m"}),
    route("public", "GET", "/schema", "Get model schemata for data objects returned by this API."),
    route("public", "GET", "/schema/websocketHelp", "Returns help text & subject list for websocket usage."),
    route("public", "GET", "/settlement", "Get settlement history.", XBT),
    route("public", "GET", "/stats", "Get exchange-wide and per-series turnover and volume statistics."),
    route("public", "GET", "/stats/history", "Get historical exchange-wide and per-series statistics."),
    route("public", "GET", "/stats/historyUSD", "Get a summary of exchange statistics in USD."),
    route("public", "GET", "/trade", "Get Trades.", {**XBT, "count": 100}),
    route("public", "GET", "/trade/bucketed", "Get previous trades in time buckets.", {**XBT, "binSize": "1h"}),
    route("public", "GET", "/user/checkReferralCode", "Check if a referral code is valid.", {"referralCode": "x"}),
    route("public", "GET", "/user/staking/tiers", "List staking tiers for a given currency.", {"currency": "XBt"}),
    route("public", "GET", "/wallet/assets", "Get Assets Config"),
    route("public", "GET", "/wallet/networks", "Get Networks Config"),
    route("public", "GET", "/guild", "Get all guilds"),
    route("public", "GET", "/porl/snapshots", "Get Proof of Reserves historical snapshots"),
)

ORDER: tuple[Documented, ...] = (
    route("order", "GET", "/order", "Get your orders.", XBT),
    order_route(
        "order", "POST", "/order", "Create a new order.", {**XBT, "orderQty": 100, "price": 50000, "ordType": "Limit"}
    ),
    order_route(
        "order", "PUT", "/order", "Amend the quantity or price of an open order.", {"orderID": "x", "price": 1}
    ),
    order_route(
        "order", "DELETE", "/order", "Cancel order(s). Send multiple order IDs to cancel in bulk.", {"orderID": "x"}
    ),
    order_route("order", "DELETE", "/order/all", "Cancels all of your orders.", XBT),
    route(
        "order",
        "POST",
        "/order/cancelAllAfter",
        "Automatically cancel all your orders after a specified timeout.",
        body={"timeout": 60000},
    ),
    route(
        "order",
        "POST",
        "/order/closePosition",
        "Close a position. [Deprecated, use POST /order with execInst: 'Close']",
        body=XBT,
    ),
    route("order", "GET", "/execution", "Get all raw executions for your account.", XBT),
    route("order", "GET", "/execution/tradeHistory", "Get all balance-affecting executions.", XBT),
)

POSITION: tuple[Documented, ...] = (
    route("position", "GET", "/position", "Get your positions."),
    order_route(
        "position",
        "POST",
        "/position/isolate",
        "Enable isolated margin or cross margin per-position.",
        {**XBT, "enabled": True},
    ),
    order_route("position", "POST", "/position/leverage", "Choose leverage for a position.", {**XBT, "leverage": 10}),
    order_route(
        "position",
        "POST",
        "/position/transferMargin",
        "Transfer equity in or out of a position.",
        {**XBT, "amount": 1000},
    ),
    route("position", "POST", "/position/riskLimit", "Update your risk limit.", body={**XBT, "riskLimit": 1}),
)

ACCOUNT: tuple[Documented, ...] = (
    route("account", "GET", "/apiKey", "Get your API Keys."),
    route("account", "GET", "/announcement/urgent", "Get urgent (banner) announcements."),
    route("account", "POST", "/chat", "Send a chat message.", body={"message": "hi", "channelID": 1}),
    route("account", "GET", "/globalNotification", "Get your current GlobalNotifications."),
    route("account", "GET", "/leaderboard/name", "Get your alias on the leaderboard."),
    route("account", "GET", "/user", "Get your user model."),
    route("account", "GET", "/user/affiliateStatus", "Get your current affiliate/referral status."),
    route("account", "GET", "/user/commission", "Get your account's commission status."),
    route("account", "GET", "/user/margin", "Get your account's margin status.", {"currency": "all"}),
    route("account", "GET", "/user/csa", "Get your account's CSA status."),
    route("account", "GET", "/user/executionHistory", "Get the execution history by day.", {**XBT, "timestamp": "x"}),
    route("account", "GET", "/user/quoteFillRatio", "Get 7 days worth of Quote Fill Ratio statistics."),
    route("account", "GET", "/user/quoteValueRatio", "Get Quote Value Ratio statistics over the last 3 days"),
    route("account", "GET", "/user/tradingVolume", "Get your 30 days USD average trading volume"),
    route("account", "POST", "/user/addSubaccount", "Creates a new sub-account.", body={"accountName": "sub"}),
    route("account", "POST", "/user/updateSubaccount", "Updates the sub-account name.", body={"targetAccountId": 1}),
    route("account", "POST", "/user/logout", "Log out of BitMEX."),
    route("account", "POST", "/user/preferences", "Save user preferences.", body={"prefs": {}}),
    route("account", "POST", "/user/confirmEmail", "Confirm your email address with a token.", body={"token": "x"}),
    route(
        "account",
        "POST",
        "/user/communicationToken",
        "Register your communication token for mobile clients",
        body={"token": "x", "platformAgent": "x"},
    ),
    route("account", "GET", "/userEvent", "Get your user events"),
    route("account", "GET", "/userAffiliates", "Get user's affiliates to a given depth"),
    route("account", "POST", "/guild", "Creates a new guild", body={"name": "g"}),
    route("account", "PUT", "/guild", "Edit guild new guild", body={"name": "g"}),
    route("account", "POST", "/guild/shareTrades", "Toggle share trades for your account", body={"shareTrades": True}),
    route("account", "POST", "/guild/leave", "Leave guild or cancel guild join request"),
    route("account", "POST", "/guild/kick", "Kick member from guild", body={"memberUserId": 1}),
    route(
        "account", "POST", "/guild/join", "Request to Join a private guild or join a public guild", body={"code": "x"}
    ),
    route("account", "POST", "/guild/archive", "Archive a guild"),
    route("account", "GET", "/porl/nonce", "Get your Proof of Reserves nonce and data."),
)

WALLET: tuple[Documented, ...] = (
    route("wallet", "GET", "/user/depositAddress", "Get a deposit address.", {"currency": "XBt", "network": "btc"}),
    route("wallet", "GET", "/user/depositAddressInformation", "Get a deposit address.", {"currency": "XBt"}),
    route("wallet", "GET", "/user/wallet", "Get your current wallet information.", {"currency": "all"}),
    route(
        "wallet", "GET", "/user/walletHistory", "Get a history of all of your wallet transactions.", {"currency": "XBt"}
    ),
    route(
        "wallet", "GET", "/user/walletSummary", "Get a summary of all of your wallet transactions.", {"currency": "XBt"}
    ),
    route("wallet", "GET", "/user/staking", "Get the current user staking amount."),
    route("wallet", "GET", "/user/unstakingRequests", "Get the current user unstaking requests"),
    route("wallet", "POST", "/user/unstakingRequests", "Create unstaking request", body={"symbol": "x", "amount": 1}),
    route("wallet", "DELETE", "/user/unstakingRequests", "Cancel unstaking request", body={"redemptionID": "x"}),
    route("wallet", "GET", "/user/staking/instruments", "List staking instruments"),
    route("wallet", "POST", "/user/walletTransfer", "Execute a transfer to a paired account.", body={"amount": 1}),
    route(
        "wallet",
        "POST",
        "/user/requestWithdrawal",
        "Request a withdrawal to an external wallet.",
        body={"currency": "XBt", "network": "btc", "amount": 1},
    ),
    route("wallet", "DELETE", "/user/withdrawal", "Cancel pending withdrawal", body={"transactID": "x"}),
    route("wallet", "POST", "/user/cancelWithdrawal", "Cancel a withdrawal.", body={"token": "x"}),
    route("wallet", "POST", "/user/confirmWithdrawal", "Confirm a withdrawal.", body={"token": "x"}),
    route(
        "wallet",
        "GET",
        "/user/getWalletTransferAccounts",
        "Get the list of accounts you can transfer funds between.",
    ),
    route("wallet", "POST", "/address", "Creates a new saved address.", body={"currency": "XBt", "address": "x"}),
    route("wallet", "GET", "/address", "Get your addresses."),
)

TABLE: tuple[Documented, ...] = PUBLIC + ORDER + POSITION + ACCOUNT + WALLET
