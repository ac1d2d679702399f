"""HTX coin-margined swaps' and futures' documented REST endpoints.

Coin-M swaps: https://huobiapi.github.io/docs/coin_margined_swap/v1/en/ (one page per endpoint
on https://www.htx.com/en-us/opend/newApiPages/?id=..., copies in rosssaunders/coincise
docs/htx/endpoints/). Coin-M futures: https://huobiapi.github.io/docs/dm/v1/en/ (copies:
rosssaunders/coincise docs/htx/coinm/, scraped 2025-11; line numbers point into those copies).
"API Rate Limit Illustration" (futures page; the coin-M swap page states the same numbers):
"Future, Coin Margined Swap and USDT Margined Contracts are using separate API rate limits";
private interfaces "at most 72 times every 3 seconds for each UID (Trade Interface: at most 36
times every 3 seconds. Read Interface: at most 36 times every 3 seconds)"; public non-market
"120 times every 3 seconds at most for each IP"; market data "all products (futures, coin margined
swap, usdt margined Contracts) 800 times/second for one IP at most". A page's "Interface
permission" (Trade or Read) names the private budget it spends; pages with their own "Rate Limit"
(5 per second, 1 per 3 seconds) spend that as well. Left out: /heartbeat (no limit stated),
/v1/futures/transfer and /v2/account/transfer (spot host, see the ``htx`` table).
"""

from __future__ import annotations

from .._coverage import Documented, Pool

_SWAP = "https://huobiapi.github.io/docs/coin_margined_swap/v1/en/"
SWAP_ILLUSTRATION = _SWAP + "#api-rate-limit-illustration"
SWAP_PAGE = "https://www.htx.com/en-us/opend/newApiPages/?id={}"
_FUTURES = "https://huobiapi.github.io/docs/dm/v1/en/"
FUTURES_ILLUSTRATION = _FUTURES + "#api-rate-limit-illustration"
FUTURES_PRIVATE = _FUTURES + " (copy: rosssaunders/coincise docs/htx/coinm/private_rest_api.md, line {})"
FUTURES_PUBLIC = _FUTURES + " (copy: rosssaunders/coincise docs/htx/coinm/public_rest_api.md, line {})"

SWAP_TRADE = Pool(1, 36, 3, "account", "swap_trade")
SWAP_READ = Pool(1, 36, 3, "account", "swap_read")
SWAP_PUBLIC = Pool(1, 120, 3, "ip", "swap_public")
FUTURES_TRADE = Pool(1, 36, 3, "account", "futures_trade")
FUTURES_READ = Pool(1, 36, 3, "account", "futures_read")
FUTURES_PUBLIC_POOL = Pool(1, 120, 3, "ip", "futures_public")
MARKET = Pool(1, 800, 1, "ip", "market")

TABLE: tuple[Documented, ...] = (
    Documented(
        "swap",
        "POST",
        "/swap-api/v3/swap_matchresults",
        (SWAP_READ,),
        SWAP_PAGE.format("5d51abec-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Acquire History Match Results(New): the "
            "general rule, the private interface rate limit of API key is at most 72 times every 3 "
            "seconds for each UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: "
            "at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap-cancel-after",
        (SWAP_TRADE,),
        SWAP_PAGE.format("10000072-77b7-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Trade (Automatic Order Cancellation): the general"
            " rule, the private interface rate limit of API key is at most 72 times every 3 seconds for"
            " each UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 "
            "times every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_tpsl_cancel",
        (
            SWAP_TRADE,
            Pool(1, 5, 1, "account"),
        ),
        SWAP_PAGE.format("5d51b532-77b6-11ed-9966-0242ac110003"),
        ("Rate Limit: 5 times per second (Cancel a Take-profit and Stop-loss Order); and the trade budget of the line"),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_track_cancel",
        (
            SWAP_TRADE,
            Pool(1, 5, 1, "account"),
        ),
        SWAP_PAGE.format("5d51be6e-77b6-11ed-9966-0242ac110003"),
        "Rate Limit: 5 times per second (Cancel a Trailing Order); and the trade budget of the line",
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_cancelall",
        (SWAP_TRADE,),
        SWAP_PAGE.format("5d51a25e-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Trade (Cancel All Orders): the general rule, the "
            "private interface rate limit of API key is at most 72 times every 3 seconds for each UID "
            "(Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times every"
            " 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_tpsl_cancelall",
        (
            SWAP_TRADE,
            Pool(1, 5, 1, "account"),
        ),
        SWAP_PAGE.format("5d51b66b-77b6-11ed-9966-0242ac110003"),
        (
            "Rate Limit: 5 times per second (Cancel all Take-profit and Stop-loss Orders); and the "
            "trade budget of the line"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_track_cancelall",
        (
            SWAP_TRADE,
            Pool(1, 5, 1, "account"),
        ),
        SWAP_PAGE.format("5d51bfd0-77b6-11ed-9966-0242ac110003"),
        "Rate Limit: 5 times per second (Cancel All Trailing Orders); and the trade budget of the line",
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_trigger_cancelall",
        (
            SWAP_TRADE,
            Pool(1, 5, 1, "account"),
        ),
        SWAP_PAGE.format("5d51b14a-77b6-11ed-9966-0242ac110003"),
        "Rate Limit: 5 times per second (Cancel All Trigger Orders); and the trade budget of the line",
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_cancel",
        (SWAP_TRADE,),
        SWAP_PAGE.format("5d51a18b-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Trade (Cancel an Order): the general rule, the "
            "private interface rate limit of API key is at most 72 times every 3 seconds for each UID "
            "(Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times every"
            " 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_trigger_cancel",
        (
            SWAP_TRADE,
            Pool(1, 5, 1, "account"),
        ),
        SWAP_PAGE.format("5d51b077-77b6-11ed-9966-0242ac110003"),
        "Rate Limit: 5 times per second (Cancel Trigger Order); and the trade budget of the line",
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_user_settlement_records",
        (SWAP_READ,),
        SWAP_PAGE.format("5d5191f6-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (【Coin-M Swaps】Query user's settlement "
            "records): the general rule, the private interface rate limit of API key is at most 72 "
            "times every 3 seconds for each UID (Trade Interface: at most 36 times every 3 seconds. "
            "Read Interface: at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "GET",
        "/swap-api/v1/swap_query_elements",
        (SWAP_READ,),
        SWAP_PAGE.format("8cb89359-77b5-11ed-9966-18bd7dfe1ff"),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Contract Elements: Interface permission Read)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_openorders",
        (SWAP_READ,),
        SWAP_PAGE.format("5d51a6ad-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Current unfilled order acquisition): the "
            "general rule, the private interface rate limit of API key is at most 72 times every 3 "
            "seconds for each UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: "
            "at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_track_openorders",
        (SWAP_TRADE,),
        SWAP_PAGE.format("5d51c0a2-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Trade (Current unfilled trailing order "
            "acquisition): the general rule, the private interface rate limit of API key is at most 72 "
            "times every 3 seconds for each UID (Trade Interface: at most 36 times every 3 seconds. "
            "Read Interface: at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v3/swap_hisorders",
        (SWAP_READ,),
        SWAP_PAGE.format("5d51a7ee-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Get History Orders(New): the general rule, "
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_track_hisorders",
        (SWAP_TRADE,),
        SWAP_PAGE.format("5d51c1e7-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Trade (Get History Trailing Orders): the general "
            "rule, the private interface rate limit of API key is at most 72 times every 3 seconds for "
            "each UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 "
            "times every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "GET",
        "/swap-api/market/swap_constituents",
        (SWAP_READ,),
        SWAP_PAGE.format("8cb89359-77b5-11ed-9966-191d647df65"),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Get index components: Interface permission Read)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_order_info",
        (SWAP_READ,),
        SWAP_PAGE.format("5d51a400-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Get Information of an Order): the general "
            "rule, the private interface rate limit of API key is at most 72 times every 3 seconds for "
            "each UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 "
            "times every 3 seconds)"
        ),
    ),
    Documented(
        "swap-market",
        "GET",
        "/swap-ex/market/history/kline",
        (MARKET,),
        SWAP_PAGE.format("5d5179ae-77b6-11ed-9966-0242ac110003"),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most (Get KLine Data)"
        ),
    ),
    Documented(
        "swap-market",
        "GET",
        "/index/market/history/swap_mark_price_kline",
        (MARKET,),
        SWAP_PAGE.format("5d517ae2-77b6-11ed-9966-0242ac110003"),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most (Get Kline Data of Mark Price)"
        ),
    ),
    Documented(
        "swap-market",
        "GET",
        "/swap-ex/market/bbo",
        (MARKET,),
        SWAP_PAGE.format("5d5178e2-77b6-11ed-9966-0242ac110003"),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most (Get Market BBO Data)"
        ),
    ),
    Documented(
        "swap-market",
        "GET",
        "/swap-ex/market/detail/merged",
        (MARKET,),
        SWAP_PAGE.format("5d517bbc-77b6-11ed-9966-0242ac110003"),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most (Get Market Data Overview)"
        ),
    ),
    Documented(
        "swap-market",
        "GET",
        "/swap-ex/market/depth",
        (MARKET,),
        SWAP_PAGE.format("5d517804-77b6-11ed-9966-0242ac110003"),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most (Get Market Depth)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_order_detail",
        (SWAP_READ,),
        SWAP_PAGE.format("5d51a565-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Order details acquisition): the general "
            "rule, the private interface rate limit of API key is at most 72 times every 3 seconds for "
            "each UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 "
            "times every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_batchorder",
        (SWAP_TRADE,),
        SWAP_PAGE.format("5d51a040-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Trade (Place a Batch of Orders): the general "
            "rule, the private interface rate limit of API key is at most 72 times every 3 seconds for "
            "each UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 "
            "times every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_track_order",
        (
            SWAP_TRADE,
            Pool(1, 5, 1, "account"),
        ),
        SWAP_PAGE.format("5d51bc0f-77b6-11ed-9966-0242ac110003"),
        "Rate Limit: 5 times per second (Place a Trailing Order); and the trade budget of the line",
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_order",
        (SWAP_TRADE,),
        SWAP_PAGE.format("5d519ef5-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Trade (Place an Order): the general rule, the "
            "private interface rate limit of API key is at most 72 times every 3 seconds for each UID "
            "(Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times every"
            " 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_lightning_close_position",
        (SWAP_TRADE,),
        SWAP_PAGE.format("5d51ae6b-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Trade (Place Lightning Close Order): the general "
            "rule, the private interface rate limit of API key is at most 72 times every 3 seconds for "
            "each UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 "
            "times every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_trigger_order",
        (
            SWAP_TRADE,
            Pool(1, 5, 1, "account"),
        ),
        SWAP_PAGE.format("5d51af3f-77b6-11ed-9966-0242ac110003"),
        "Rate Limit: 5 times per second (Place Trigger Order); and the trade budget of the line",
    ),
    Documented(
        "swap-public",
        "GET",
        "/swap-api/v1/swap_batch_funding_rate",
        (SWAP_PUBLIC,),
        SWAP_PAGE.format("5d516c58-77b6-11ed-9966-0242ac110003"),
        "the rate limit is 120 times every 3 seconds at most for each IP (Query a Batch of Funding Rate)",
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_sub_account_info_list",
        (SWAP_READ,),
        SWAP_PAGE.format("5d518b8a-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query a Batch of Sub-Account's Assets "
            "Information): the general rule, the private interface rate limit of API key is at most 72 "
            "times every 3 seconds for each UID (Trade Interface: at most 36 times every 3 seconds. "
            "Read Interface: at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap-market",
        "GET",
        "/swap-ex/market/history/trade",
        (MARKET,),
        SWAP_PAGE.format("5d517ef5-77b6-11ed-9966-0242ac110003"),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most (Query a Batch of Trade Records of a Contract)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_sub_account_info",
        (SWAP_READ,),
        SWAP_PAGE.format("5d518cd2-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query a single sub-account's assets "
            "information): the general rule, the private interface rate limit of API key is at most 72 "
            "times every 3 seconds for each UID (Trade Interface: at most 36 times every 3 seconds. "
            "Read Interface: at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_sub_position_info",
        (SWAP_READ,),
        SWAP_PAGE.format("5d518e1a-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query a single sub-account's position "
            "information): the general rule, the private interface rate limit of API key is at most 72 "
            "times every 3 seconds for each UID (Trade Interface: at most 36 times every 3 seconds. "
            "Read Interface: at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v3/swap_financial_record",
        (SWAP_READ,),
        SWAP_PAGE.format("5d518f5f-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query account financial records(New): the "
            "general rule, the private interface rate limit of API key is at most 72 times every 3 "
            "seconds for each UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: "
            "at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_balance_valuation",
        (SWAP_READ,),
        SWAP_PAGE.format("5d51842b-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query Asset Valuation): the general rule, "
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_account_position_info",
        (SWAP_READ,),
        SWAP_PAGE.format("5d518799-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query Assets And Positions): the general "
            "rule, the private interface rate limit of API key is at most 72 times every 3 seconds for "
            "each UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 "
            "times every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_sub_account_list",
        (SWAP_READ,),
        SWAP_PAGE.format("5d518a3d-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query assets information of all sub-"
            "accounts under the master account): the general rule, the private interface rate limit of "
            "API key is at most 72 times every 3 seconds for each UID (Trade Interface: at most 36 "
            "times every 3 seconds. Read Interface: at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap-market",
        "GET",
        "/index/market/history/swap_basis",
        (MARKET,),
        SWAP_PAGE.format("5d5182b0-77b6-11ed-9966-0242ac110003"),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most (Query Basis Data)"
        ),
    ),
    Documented(
        "swap-market",
        "GET",
        "/index/market/history/swap_estimated_rate_kline",
        (MARKET,),
        SWAP_PAGE.format("5d5181c7-77b6-11ed-9966-0242ac110003"),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most (Query Estimated Funding Rate Kline Data)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v3/swap_financial_record_exact",
        (SWAP_READ,),
        SWAP_PAGE.format("5d5190ae-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query financial records via multiple "
            "fields(New): the general rule, the private interface rate limit of API key is at most 72 "
            "times every 3 seconds for each UID (Trade Interface: at most 36 times every 3 seconds. "
            "Read Interface: at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap-public",
        "GET",
        "/swap-api/v1/swap_funding_rate",
        (SWAP_PUBLIC,),
        SWAP_PAGE.format("5d516b86-77b6-11ed-9966-0242ac110003"),
        "the rate limit is 120 times every 3 seconds at most for each IP (Query funding rate)",
    ),
    Documented(
        "swap-public",
        "GET",
        "/swap-api/v1/swap_historical_funding_rate",
        (SWAP_PUBLIC,),
        SWAP_PAGE.format("5d516d2f-77b6-11ed-9966-0242ac110003"),
        "the rate limit is 120 times every 3 seconds at most for each IP (Query historical funding rate)",
    ),
    Documented(
        "swap-public",
        "GET",
        "/swap-api/v1/swap_settlement_records",
        (SWAP_PUBLIC,),
        SWAP_PAGE.format("5d516eca-77b6-11ed-9966-0242ac110003"),
        (
            "the rate limit is 120 times every 3 seconds at most for each IP (Query historical "
            "settlement records of the platform interface)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v3/swap_hisorders_exact",
        (SWAP_READ,),
        SWAP_PAGE.format("5d51aa7d-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query history orders via multiple "
            "fields(New): the general rule, the private interface rate limit of API key is at most 72 "
            "times every 3 seconds for each UID (Trade Interface: at most 36 times every 3 seconds. "
            "Read Interface: at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap-public",
        "GET",
        "/swap-api/v1/swap_insurance_fund",
        (SWAP_PUBLIC,),
        SWAP_PAGE.format("5d51632f-77b6-11ed-9966-0242ac110003"),
        (
            "the rate limit is 120 times every 3 seconds at most for each IP (Query history records of "
            "insurance fund balance)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v3/swap_matchresults_exact",
        (SWAP_READ,),
        SWAP_PAGE.format("5d51ad31-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query history transactions via multiple "
            "fields(New): the general rule, the private interface rate limit of API key is at most 72 "
            "times every 3 seconds for each UID (Trade Interface: at most 36 times every 3 seconds. "
            "Read Interface: at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_relation_tpsl_order",
        (SWAP_READ,),
        SWAP_PAGE.format("5d51bac1-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query Info Of Take-profit and Stop-loss "
            "Order That Related To Position Opening Order): the general rule, the private interface "
            "rate limit of API key is at most 72 times every 3 seconds for each UID (Trade Interface: "
            "at most 36 times every 3 seconds. Read Interface: at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap-public",
        "GET",
        "/swap-api/v1/swap_risk_info",
        (SWAP_PUBLIC,),
        SWAP_PAGE.format("5d5161f1-77b6-11ed-9966-0242ac110003"),
        (
            "the rate limit is 120 times every 3 seconds at most for each IP (Query information on "
            "contract insurance fund balance and estimated clawback rate)"
        ),
    ),
    Documented(
        "swap-public",
        "GET",
        "/swap-api/v1/swap_his_open_interest",
        (SWAP_PUBLIC,),
        SWAP_PAGE.format("5d51653e-77b6-11ed-9966-0242ac110003"),
        ("the rate limit is 120 times every 3 seconds at most for each IP (Query information on open interest)"),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_position_limit",
        (SWAP_READ,),
        SWAP_PAGE.format("5d519b01-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query information on position limit): the "
            "general rule, the private interface rate limit of API key is at most 72 times every 3 "
            "seconds for each UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: "
            "at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_fee",
        (SWAP_READ,),
        SWAP_PAGE.format("5d519908-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query information on swap trading fee): the"
            " general rule, the private interface rate limit of API key is at most 72 times every 3 "
            "seconds for each UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: "
            "at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap-public",
        "GET",
        "/swap-api/v1/swap_api_state",
        (SWAP_PUBLIC,),
        SWAP_PAGE.format("5d516aaf-77b6-11ed-9966-0242ac110003"),
        ("the rate limit is 120 times every 3 seconds at most for each IP (Query information on system status)"),
    ),
    Documented(
        "swap-public",
        "GET",
        "/swap-api/v1/swap_adjustfactor",
        (SWAP_PUBLIC,),
        SWAP_PAGE.format("5d516401-77b6-11ed-9966-0242ac110003"),
        (
            "the rate limit is 120 times every 3 seconds at most for each IP (Query information on "
            "Tiered Adjustment Factor)"
        ),
    ),
    Documented(
        "swap-public",
        "GET",
        "/swap-api/v1/swap_ladder_margin",
        (SWAP_PUBLIC,),
        SWAP_PAGE.format("5d516609-77b6-11ed-9966-0242ac110003"),
        (
            "the rate limit is 120 times every 3 seconds at most for each IP (Query information on "
            "Tiered Margin interface)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_transfer_limit",
        (SWAP_READ,),
        SWAP_PAGE.format("5d519a16-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query information on Transfer Limit): the "
            "general rule, the private interface rate limit of API key is at most 72 times every 3 "
            "seconds for each UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: "
            "at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap-public",
        "GET",
        "/swap-api/v3/swap_liquidation_orders",
        (SWAP_PUBLIC,),
        SWAP_PAGE.format("5d516e00-77b6-11ed-9966-0242ac110003"),
        "the rate limit is 120 times every 3 seconds at most for each IP (Query Liquidation Orders(New)",
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_tpsl_openorders",
        (SWAP_READ,),
        SWAP_PAGE.format("5d51b893-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query Open Take-profit and Stop-loss "
            "Orders): the general rule, the private interface rate limit of API key is at most 72 times"
            " every 3 seconds for each UID (Trade Interface: at most 36 times every 3 seconds. Read "
            "Interface: at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap-market",
        "GET",
        "/index/market/history/swap_premium_index_kline",
        (MARKET,),
        SWAP_PAGE.format("5d51802f-77b6-11ed-9966-0242ac110003"),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most (Query Premium Index Kline Data)"
        ),
    ),
    Documented(
        "swap",
        "GET",
        "/swap-api/v1/swap_sub_auth_list",
        (SWAP_READ,),
        SWAP_PAGE.format("8cb89359-77b5-11ed-9966-18d1210ad9a"),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query sub-account transaction permissions: Interface permission Read)"
        ),
    ),
    Documented(
        "swap-public",
        "GET",
        "/swap-api/v1/swap_index",
        (SWAP_PUBLIC,),
        SWAP_PAGE.format("5d517062-77b6-11ed-9966-0242ac110003"),
        ("the rate limit is 120 times every 3 seconds at most for each IP (Query Swap Index Price Information)"),
    ),
    Documented(
        "swap-public",
        "GET",
        "/swap-api/v1/swap_contract_info",
        (SWAP_PUBLIC,),
        SWAP_PAGE.format("5d516f96-77b6-11ed-9966-0242ac110003"),
        "the rate limit is 120 times every 3 seconds at most for each IP (Query Swap Info)",
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_order_limit",
        (SWAP_READ,),
        SWAP_PAGE.format("5d5196d5-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query swap information on order limit): the"
            " general rule, the private interface rate limit of API key is at most 72 times every 3 "
            "seconds for each UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: "
            "at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap-public",
        "GET",
        "/swap-api/v1/swap_price_limit",
        (SWAP_PUBLIC,),
        SWAP_PAGE.format("5d51727b-77b6-11ed-9966-0242ac110003"),
        "the rate limit is 120 times every 3 seconds at most for each IP (Query Swap Price Limitation)",
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_tpsl_hisorders",
        (SWAP_READ,),
        SWAP_PAGE.format("5d51b9ef-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query Take-profit and Stop-loss History "
            "Orders): the general rule, the private interface rate limit of API key is at most 72 times"
            " every 3 seconds for each UID (Trade Interface: at most 36 times every 3 seconds. Read "
            "Interface: at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap-market",
        "GET",
        "/swap-ex/market/trade",
        (MARKET,),
        SWAP_PAGE.format("5d517dc9-77b6-11ed-9966-0242ac110003"),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most (Query The Last Trade of a Contract)"
        ),
    ),
    Documented(
        "swap-public",
        "GET",
        "/swap-api/v1/swap_elite_account_ratio",
        (SWAP_PUBLIC,),
        SWAP_PAGE.format("5d51674d-77b6-11ed-9966-0242ac110003"),
        (
            "the rate limit is 120 times every 3 seconds at most for each IP (Query Top Trader "
            "Sentiment Index Function-Account)"
        ),
    ),
    Documented(
        "swap-public",
        "GET",
        "/swap-api/v1/swap_elite_position_ratio",
        (SWAP_PUBLIC,),
        SWAP_PAGE.format("5d516888-77b6-11ed-9966-0242ac110003"),
        (
            "the rate limit is 120 times every 3 seconds at most for each IP (Query Top Trader "
            "Sentiment Index Function-Position)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_master_sub_transfer_record",
        (SWAP_READ,),
        SWAP_PAGE.format("5d519cb8-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query transfer records between master and "
            "sub account): the general rule, the private interface rate limit of API key is at most 72 "
            "times every 3 seconds for each UID (Trade Interface: at most 36 times every 3 seconds. "
            "Read Interface: at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_trigger_hisorders",
        (SWAP_READ,),
        SWAP_PAGE.format("5d51b2f5-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query Trigger Order History): the general "
            "rule, the private interface rate limit of API key is at most 72 times every 3 seconds for "
            "each UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 "
            "times every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_trigger_openorders",
        (SWAP_READ,),
        SWAP_PAGE.format("5d51b225-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query Trigger Order Open Orders): the "
            "general rule, the private interface rate limit of API key is at most 72 times every 3 "
            "seconds for each UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: "
            "at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_account_info",
        (SWAP_READ,),
        SWAP_PAGE.format("5d5184f4-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query User's Account Information): the "
            "general rule, the private interface rate limit of API key is at most 72 times every 3 "
            "seconds for each UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: "
            "at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "GET",
        "/swap-api/v1/swap_api_trading_status",
        (SWAP_READ,),
        SWAP_PAGE.format("5d519e20-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query user's API indicator disable "
            "information): the general rule, the private interface rate limit of API key is at most 72 "
            "times every 3 seconds for each UID (Trade Interface: at most 36 times every 3 seconds. "
            "Read Interface: at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_available_level_rate",
        (SWAP_READ,),
        SWAP_PAGE.format("5d51934f-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query user's available leverage): the "
            "general rule, the private interface rate limit of API key is at most 72 times every 3 "
            "seconds for each UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: "
            "at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_position_info",
        (SWAP_READ,),
        SWAP_PAGE.format("5d518648-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Read (Query User's Position Information): the "
            "general rule, the private interface rate limit of API key is at most 72 times every 3 "
            "seconds for each UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: "
            "at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_sub_auth",
        (SWAP_TRADE,),
        SWAP_PAGE.format("5d5188f1-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Trade (Set a Batch of Sub-Account Trading "
            "Permissions): the general rule, the private interface rate limit of API key is at most 72 "
            "times every 3 seconds for each UID (Trade Interface: at most 36 times every 3 seconds. "
            "Read Interface: at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_tpsl_order",
        (
            SWAP_TRADE,
            Pool(1, 5, 1, "account"),
        ),
        SWAP_PAGE.format("5d51b466-77b6-11ed-9966-0242ac110003"),
        (
            "Rate Limit: 5 times per second (Set a Take-profit and Stop-loss Order for an Existing "
            "Position); and the trade budget of the line"
        ),
    ),
    Documented(
        "swap-public",
        "GET",
        "/swap-api/v1/swap_open_interest",
        (SWAP_PUBLIC,),
        SWAP_PAGE.format("5d5173ee-77b6-11ed-9966-0242ac110003"),
        ("the rate limit is 120 times every 3 seconds at most for each IP (Get Swap Open Interest Information)"),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_switch_lever_rate",
        (
            SWAP_TRADE,
            Pool(1, 1, 3, "account"),
        ),
        SWAP_PAGE.format("5d51a32f-77b6-11ed-9966-0242ac110003"),
        "Rate Limit: 1 time per 3 seconds (Switch Leverage); and the trade budget of the line",
    ),
    Documented(
        "swap-public",
        "GET",
        "/swap-api/v1/swap_estimated_settlement_price",
        (SWAP_PUBLIC,),
        SWAP_PAGE.format("5d5169d1-77b6-11ed-9966-0242ac110003"),
        ("the rate limit is 120 times every 3 seconds at most for each IP (Get the estimated settlement price)"),
    ),
    Documented(
        "swap",
        "POST",
        "/swap-api/v1/swap_master_sub_transfer",
        (SWAP_TRADE,),
        SWAP_PAGE.format("5d519bd9-77b6-11ed-9966-0242ac110003"),
        (
            "no Rate Limit line, Interface permission Trade (Transfer between master and sub account): "
            "the general rule, the private interface rate limit of API key is at most 72 times every 3 "
            "seconds for each UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: "
            "at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_balance_valuation",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(1948),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query Asset Valuation: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_account_info",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(2010),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query User's Account Information: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_position_info",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(2098),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query User's Position Information: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_sub_auth",
        (FUTURES_TRADE,),
        FUTURES_PRIVATE.format(2202),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Set a Batch of Sub-Account Trading Permissions: Interface permission "
            "Trade)"
        ),
    ),
    Documented(
        "futures",
        "GET",
        "/api/v1/contract_sub_auth_list",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(2284),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query sub-account transaction permissions: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_sub_account_list",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(2372),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query assets information of all sub-accounts under the master account: "
            "Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_sub_account_info_list",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(2454),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query a Batch of Sub-Account's Assets Information: Interface permission "
            "Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_sub_account_info",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(2556),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query a single sub-account's assets information: Interface permission "
            "Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_sub_position_info",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(2654),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query a single sub-account's position information: Interface permission "
            "Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v3/contract_financial_record",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(2752),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query account financial records(New: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v3/contract_financial_record_exact",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(2834),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query financial records via multiple fields(New: Interface permission "
            "Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_user_settlement_records",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(2917),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query user's settlement records: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_order_limit",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(3062),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query contract information on order limit: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_fee",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(3157),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query information on contract trading fee: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_transfer_limit",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(3229),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query information on Transfer Limit: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_position_limit",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(3305),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query information on position limit: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_account_position_info",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(3397),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query Assets And Positions: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_master_sub_transfer",
        (FUTURES_TRADE, Pool(1, 10, 60, "account")),
        FUTURES_PRIVATE.format(3523),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Transfer between master and sub account: Interface permission Trade)"
            "; the rate limit between the master account and each subaccount is 10 times/minute (line 3547)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_master_sub_transfer_record",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(3601),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Get transfer records between master and sub account: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "futures",
        "GET",
        "/api/v1/contract_api_trading_status",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(3700),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query user's API indicator disable information: Interface permission "
            "Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_available_level_rate",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(3797),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query Available Leverage Rate: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract-cancel-after",
        (FUTURES_TRADE,),
        FUTURES_ILLUSTRATION,
        (
            "no Rate Limit line, Interface permission Trade (Automatic Order Cancellation): the general"
            " rule, the private interface rate limit of API key is at most 72 times every 3 seconds for"
            " each UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 "
            "times every 3 seconds)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_order",
        (FUTURES_TRADE,),
        FUTURES_PRIVATE.format(3919),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Place an Order: Interface permission Trade)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_batchorder",
        (FUTURES_TRADE,),
        FUTURES_PRIVATE.format(4070),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Place a Batch of Orders: Interface permission Trade)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_cancel",
        (FUTURES_TRADE,),
        FUTURES_PRIVATE.format(4248),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Cancel an Order: Interface permission Trade)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_cancelall",
        (FUTURES_TRADE,),
        FUTURES_PRIVATE.format(4333),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Cancel All Orders: Interface permission Trade)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_switch_lever_rate",
        (FUTURES_TRADE,),
        FUTURES_PRIVATE.format(4418),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Switch Leverage: Interface permission Trade)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_order_info",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(4482),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Get Information of an Order: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_order_detail",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(4625),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Order Details Acquisition: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_openorders",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(4817),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query Open Orders: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v3/contract_hisorders",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(4959),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Get History Orders(New: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v3/contract_hisorders_exact",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(5093),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query History Orders via Multiple fields(New: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v3/contract_matchresults",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(5225),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Get History Match Results(New: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v3/contract_matchresults_exact",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(5338),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query history transactions via multiple fields(New: Interface permission"
            " Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/lightning_close_position",
        (FUTURES_TRADE,),
        FUTURES_PRIVATE.format(5495),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Place Flash Close Order: Interface permission Trade)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_trigger_order",
        (FUTURES_TRADE, Pool(1, 5, 1, "account")),
        FUTURES_PRIVATE.format(5574),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Place Trigger Order: Interface permission Trade)"
            "; The frequency limit of this interface is 5 times per second (line 5620)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_trigger_cancel",
        (FUTURES_TRADE, Pool(1, 5, 1, "account")),
        FUTURES_PRIVATE.format(5676),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Cancel Trigger Order: Interface permission Trade)"
            "; The frequency limit of this interface is 5 times per second (line 5697)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_trigger_cancelall",
        (FUTURES_TRADE, Pool(1, 5, 1, "account")),
        FUTURES_PRIVATE.format(5752),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Cancel All Trigger Orders: Interface permission Trade)"
            "; The frequency limit of this interface is 5 times per second (line 5787)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_trigger_openorders",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(5839),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query Trigger Order Open Orders: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_trigger_hisorders",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(5949),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query Trigger Order History: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_tpsl_order",
        (FUTURES_READ, Pool(1, 5, 1, "account")),
        FUTURES_PRIVATE.format(6086),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Set a Take-profit and Stop-loss Order for an Existing Position: "
            "Interface permission Read)"
            "; The frequency limit of this interface is 5 times per second (line 6123)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_tpsl_cancel",
        (
            FUTURES_TRADE,
            Pool(1, 5, 1, "account"),
        ),
        FUTURES_PRIVATE.format(6194),
        ("Rate Limit: 5times/1s (Cancel a Take-profit and Stop-loss Order); and the trade budget of the line"),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_tpsl_cancelall",
        (
            FUTURES_TRADE,
            Pool(1, 5, 1, "account"),
        ),
        FUTURES_PRIVATE.format(6267),
        ("Rate Limit: 5times/1s (Cancel all Take-profit and Stop-loss Orders); and the trade budget of the line"),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_tpsl_openorders",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(6347),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query Open Take-profit and Stop-loss Orders: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_tpsl_hisorders",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(6460),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query Take-profit and Stop-loss History Orders: Interface permission "
            "Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_relation_tpsl_order",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(6589),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query Info Of Take-profit and Stop-loss Order That Related To Position "
            "Opening Order: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_track_order",
        (
            FUTURES_TRADE,
            Pool(1, 5, 1, "account"),
        ),
        FUTURES_PRIVATE.format(6755),
        "Rate Limit: 5times/1s (Place a Trailing Order); and the trade budget of the line",
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_track_cancel",
        (
            FUTURES_TRADE,
            Pool(1, 5, 1, "account"),
        ),
        FUTURES_PRIVATE.format(6847),
        "Rate Limit: 5times/1s (Cancel a Trailing Order); and the trade budget of the line",
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_track_cancelall",
        (
            FUTURES_TRADE,
            Pool(1, 5, 1, "account"),
        ),
        FUTURES_PRIVATE.format(6920),
        "Rate Limit: 5times/1s (Cancel All Trailing Orders); and the trade budget of the line",
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_track_openorders",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(7004),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Current unfilled trailing order acquisition: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/api/v1/contract_track_hisorders",
        (FUTURES_READ,),
        FUTURES_PRIVATE.format(7114),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Get History Trailing Orders: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "POST",
        "/v2/account/transfer",
        (FUTURES_TRADE,),
        FUTURES_ILLUSTRATION,
        (
            "no Rate Limit line, Interface permission Trade ([General] Spot - transfer funds between "
            "contract accounts): the general rule, the private interface rate limit of API key is at "
            "most 72 times every 3 seconds for each UID (Trade Interface: at most 36 times every 3 "
            "seconds. Read Interface: at most 36 times every 3 seconds)"
        ),
    ),
    Documented(
        "futures-public",
        "GET",
        "/api/v1/contract_adjustfactor",
        (FUTURES_PUBLIC_POOL,),
        FUTURES_PUBLIC.format(800),
        (
            "the rate limit is 120 times every 3 seconds at most for each IP (Query information on "
            "Tiered Adjustment Factor)"
        ),
    ),
    Documented(
        "futures-public",
        "GET",
        "/api/v1/contract_his_open_interest",
        (FUTURES_PUBLIC_POOL,),
        FUTURES_PUBLIC.format(889),
        ("the rate limit is 120 times every 3 seconds at most for each IP (Query information on open interest)"),
    ),
    Documented(
        "futures-public",
        "GET",
        "/api/v1/contract_ladder_margin",
        (FUTURES_PUBLIC_POOL,),
        FUTURES_PUBLIC.format(971),
        ("the rate limit is 120 times every 3 seconds at most for each IP (Query information on Tiered Margin)"),
    ),
    Documented(
        "futures-public",
        "GET",
        "/api/v1/contract_elite_account_ratio",
        (FUTURES_PUBLIC_POOL,),
        FUTURES_PUBLIC.format(1072),
        (
            "the rate limit is 120 times every 3 seconds at most for each IP (Query Top Trader "
            "Sentiment Index Function-Account)"
        ),
    ),
    Documented(
        "futures-public",
        "GET",
        "/api/v1/contract_elite_position_ratio",
        (FUTURES_PUBLIC_POOL,),
        FUTURES_PUBLIC.format(1140),
        (
            "the rate limit is 120 times every 3 seconds at most for each IP (Query Top Trader "
            "Sentiment Index Function-Position)"
        ),
    ),
    Documented(
        "futures-public",
        "GET",
        "/api/v3/contract_liquidation_orders",
        (FUTURES_PUBLIC_POOL,),
        FUTURES_PUBLIC.format(1211),
        ("the rate limit is 120 times every 3 seconds at most for each IP (Query Liquidation Order Information(New)"),
    ),
    Documented(
        "futures-public",
        "GET",
        "/api/v1/contract_settlement_records",
        (FUTURES_PUBLIC_POOL,),
        FUTURES_PUBLIC.format(1290),
        (
            "the rate limit is 120 times every 3 seconds at most for each IP (Query historical "
            "settlement records of the platform interface)"
        ),
    ),
    Documented(
        "futures",
        "GET",
        "/v1/insurance_fund_info",
        (FUTURES_READ,),
        FUTURES_PUBLIC.format(1390),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query risk reserve balance information: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "GET",
        "/v1/insurance_fund_history",
        (FUTURES_READ,),
        FUTURES_PUBLIC.format(1447),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Query historical risk reserves: Interface permission Read)"
        ),
    ),
    Documented(
        "futures-public",
        "GET",
        "/api/v1/contract_price_limit",
        (FUTURES_PUBLIC_POOL,),
        FUTURES_PUBLIC.format(1567),
        "the rate limit is 120 times every 3 seconds at most for each IP (Get Contract Price Limitation)",
    ),
    Documented(
        "futures-public",
        "GET",
        "/api/v1/contract_open_interest",
        (FUTURES_PUBLIC_POOL,),
        FUTURES_PUBLIC.format(1639),
        ("the rate limit is 120 times every 3 seconds at most for each IP (Get Contract Open Interest Information)"),
    ),
    Documented(
        "futures-public",
        "GET",
        "/api/v1/contract_delivery_price",
        (FUTURES_PUBLIC_POOL,),
        FUTURES_PUBLIC.format(1717),
        ("the rate limit is 120 times every 3 seconds at most for each IP (Get the estimated delivery price)"),
    ),
    Documented(
        "futures-public",
        "GET",
        "/api/v1/contract_estimated_settlement_price",
        (FUTURES_PUBLIC_POOL,),
        FUTURES_PUBLIC.format(1770),
        ("the rate limit is 120 times every 3 seconds at most for each IP (Get The Estimated Settlement Price)"),
    ),
    Documented(
        "futures-public",
        "GET",
        "/api/v1/contract_api_state",
        (FUTURES_PUBLIC_POOL,),
        FUTURES_PUBLIC.format(1871),
        ("the rate limit is 120 times every 3 seconds at most for each IP (Query information on system status)"),
    ),
    Documented(
        "futures-public",
        "GET",
        "/api/v1/contract_contract_info",
        (FUTURES_PUBLIC_POOL,),
        FUTURES_PUBLIC.format(1950),
        "the rate limit is 120 times every 3 seconds at most for each IP (Get Contract Info)",
    ),
    Documented(
        "futures-public",
        "GET",
        "/api/v1/contract_index",
        (FUTURES_PUBLIC_POOL,),
        FUTURES_PUBLIC.format(2046),
        ("the rate limit is 120 times every 3 seconds at most for each IP (Get Contract Index Price Information)"),
    ),
    Documented(
        "futures",
        "GET",
        "/api/market/contract_constituents",
        (FUTURES_READ,),
        FUTURES_PUBLIC.format(2105),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Get index components: Interface permission Read)"
        ),
    ),
    Documented(
        "futures",
        "GET",
        "/api/v1/contract_query_elements",
        (FUTURES_READ,),
        FUTURES_PUBLIC.format(2196),
        (
            "the private interface rate limit of API key is at most 72 times every 3 seconds for each "
            "UID (Trade Interface: at most 36 times every 3 seconds. Read Interface: at most 36 times "
            "every 3 seconds) (Contract Elements: Interface permission Read)"
        ),
    ),
    Documented(
        "futures-public",
        "GET",
        "/api/v1/timestamp",
        (FUTURES_PUBLIC_POOL,),
        FUTURES_PUBLIC.format(2399),
        "the rate limit is 120 times every 3 seconds at most for each IP (Get current system timestamp)",
    ),
    Documented(
        "futures-market",
        "GET",
        "/market/depth",
        (MARKET,),
        FUTURES_PUBLIC.format(2563),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most (Get Market Depth)"
        ),
    ),
    Documented(
        "futures-market",
        "GET",
        "/market/bbo",
        (MARKET,),
        FUTURES_PUBLIC.format(2648),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most (Get Market BBO Data)"
        ),
    ),
    Documented(
        "futures-market",
        "GET",
        "/market/history/kline",
        (MARKET,),
        FUTURES_PUBLIC.format(2733),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most (Get Kline Data)"
        ),
    ),
    Documented(
        "futures-market",
        "GET",
        "/index/market/history/mark_price_kline",
        (MARKET,),
        FUTURES_PUBLIC.format(2833),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most (Get Kline Data of Mark Price)"
        ),
    ),
    Documented(
        "futures-market",
        "GET",
        "/market/detail/merged",
        (MARKET,),
        FUTURES_PUBLIC.format(2921),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most (Get Market Data Overview)"
        ),
    ),
    Documented(
        "futures-market",
        "GET",
        "/v2/market/detail/batch_merged",
        (MARKET,),
        FUTURES_PUBLIC.format(3001),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most (Get a Batch of Market Data Overview(V2)"
        ),
    ),
    Documented(
        "futures-market",
        "GET",
        "/market/trade",
        (MARKET,),
        FUTURES_PUBLIC.format(3089),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most (Query The Last Trade of a Contract)"
        ),
    ),
    Documented(
        "futures-market",
        "GET",
        "/market/history/trade",
        (MARKET,),
        FUTURES_PUBLIC.format(3165),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most (Query a Batch of Trade Records of a Contract)"
        ),
    ),
    Documented(
        "futures-market",
        "GET",
        "/index/market/history/index",
        (MARKET,),
        FUTURES_PUBLIC.format(3261),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most (Query Index Kline Data)"
        ),
    ),
    Documented(
        "futures-market",
        "GET",
        "/index/market/history/basis",
        (MARKET,),
        FUTURES_PUBLIC.format(3343),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most (Query Basis Data)"
        ),
    ),
)
