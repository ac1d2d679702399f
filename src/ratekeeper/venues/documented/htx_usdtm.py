"""HTX USDT-margined swaps' documented REST endpoints, read off https://huobiapi.github.io/docs/usdt_swap/v1/en/.

One entry per endpoint the pages document (copies: rosssaunders/coincise docs/htx/usdtm/,
scraped 2025-11; line numbers point into those copies). "API Rate Limit Illustration": private
interfaces at most 144 times every 3 seconds per UID, "Trade Interface: at most 72 times every 3
seconds. Read Interface: at most 72 times every 3 seconds"; public non-market interfaces 240 times
every 3 seconds per IP; market data 800 times per second per IP. Each page states which applies
("Rate Limit: ...") and its "Interface permission" (Trade or Read) names the private budget.
Endpoints whose page states their own limit ("5 times per second", "1 time per 3 seconds") are
documented as spending it as well as their line's trade or read budget, which the illustration
says every private interface spends. Left out: /heartbeat (no limit stated) and
/v2/account/transfer, which is served by the spot host (see the ``htx`` table).
Note: swap_contract_info's own page states the non-market limit (240 per 3 s) although the
illustration lists "Get Contract Information" among market data; the page is followed (the
smaller budget).
"""

from __future__ import annotations

from .._coverage import Documented, Pool

_DOCS = "https://huobiapi.github.io/docs/usdt_swap/v1/en/"
PRIVATE = _DOCS + " (copy: rosssaunders/coincise docs/htx/usdtm/private_rest_api.md, line {})"
PUBLIC_PAGE = _DOCS + " (copy: rosssaunders/coincise docs/htx/usdtm/public_rest_api.md, line {})"
ILLUSTRATION = _DOCS + "#api-rate-limit-illustration"

TRADE = Pool(1, 72, 3, "account", "trade")
READ = Pool(1, 72, 3, "account", "read")
PUBLIC = Pool(1, 240, 3, "ip", "public")
MARKET = Pool(1, 800, 1, "ip", "market")

TABLE: tuple[Documented, ...] = (
    Documented(
        "general",
        "POST",
        "/linear-swap-api/v1/swap_balance_valuation",
        (READ,),
        PRIVATE.format(2389),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([General]Query Asset Valuation: Interface permission "
            "Read)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_account_info",
        (READ,),
        PRIVATE.format(2454),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated] Query User's Account Information: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_account_info",
        (READ,),
        PRIVATE.format(2553),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross] Query User's Account Information: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_position_info",
        (READ,),
        PRIVATE.format(2741),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated] Query User's Position Information: Interface"
            " permission Read)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_position_info",
        (READ,),
        PRIVATE.format(2846),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross] Query User's Position Information: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "general",
        "POST",
        "/linear-swap-api/v1/swap_account_position_info",
        (READ,),
        PRIVATE.format(2983),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated] Query Assets And Positions: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_account_position_info",
        (READ,),
        PRIVATE.format(3131),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross] Query Assets And Positions: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "general",
        "POST",
        "/linear-swap-api/v1/swap_sub_auth",
        (TRADE,),
        PRIVATE.format(3397),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([General]Set a Batch of Sub-Account Trading "
            "Permissions: Interface permission Trade)"
        ),
    ),
    Documented(
        "general",
        "GET",
        "/linear-swap-api/v1/swap_sub_auth_list",
        (READ,),
        PRIVATE.format(3480),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([General] Query sub-account transaction permissions: "
            "Interface permission Read)"
        ),
    ),
    Documented(
        "general",
        "POST",
        "/linear-swap-api/v1/swap_sub_account_list",
        (READ,),
        PRIVATE.format(3568),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated] Query assets information of all sub-accounts"
            " under the master account: Interface permission Read)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_sub_account_list",
        (READ,),
        PRIVATE.format(3660),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross] Query Assets Information Of All Sub-Accounts "
            "Under The Master Account: Interface permission Read)"
        ),
    ),
    Documented(
        "general",
        "POST",
        "/linear-swap-api/v1/swap_sub_account_info_list",
        (READ,),
        PRIVATE.format(3866),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated]Query a Batch of Sub-Account's Assets "
            "Information: Interface permission Read)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_sub_account_info_list",
        (READ,),
        PRIVATE.format(3972),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross]Query a Batch of Sub-Account's Assets "
            "Information: Interface permission Read)"
        ),
    ),
    Documented(
        "general",
        "POST",
        "/linear-swap-api/v1/swap_sub_account_info",
        (READ,),
        PRIVATE.format(4177),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated] Query a single sub-account's assets "
            "information: Interface permission Read)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_sub_account_info",
        (READ,),
        PRIVATE.format(4286),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross] Query A Sub-Account's Assets Information: "
            "Interface permission Read)"
        ),
    ),
    Documented(
        "general",
        "POST",
        "/linear-swap-api/v1/swap_sub_position_info",
        (READ,),
        PRIVATE.format(4484),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated] Query a single sub-account's position "
            "information: Interface permission Read)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_sub_position_info",
        (READ,),
        PRIVATE.format(4588),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross] Query A Sub-Account's Position Information: "
            "Interface permission Read)"
        ),
    ),
    Documented(
        "general",
        "POST",
        "/linear-swap-api/v3/swap_financial_record",
        (READ,),
        PRIVATE.format(4706),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([General] Query account financial records(New: "
            "Interface permission Read)"
        ),
    ),
    Documented(
        "general",
        "POST",
        "/linear-swap-api/v3/swap_financial_record_exact",
        (READ,),
        PRIVATE.format(4791),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([General]Query account financial records via Multiple "
            "Fields(New: Interface permission Read)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_available_level_rate",
        (READ,),
        PRIVATE.format(4891),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated] Query user's available leverage: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_available_level_rate",
        (READ,),
        PRIVATE.format(4957),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross] Query User's Available Leverage: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_order_limit",
        (READ,),
        PRIVATE.format(5064),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([General] Query swap information on order limit: "
            "Interface permission Read)"
        ),
    ),
    Documented(
        "general",
        "POST",
        "/linear-swap-api/v1/swap_fee",
        (READ,),
        PRIVATE.format(5176),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([General] Query information on swap trading fee: "
            "Interface permission Read)"
        ),
    ),
    Documented(
        "general",
        "POST",
        "/linear-swap-api/v1/swap_transfer_limit",
        (READ,),
        PRIVATE.format(5301),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated] Query information on Transfer Limit: "
            "Interface permission Read)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_transfer_limit",
        (READ,),
        PRIVATE.format(5385),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross] Query Information On Transfer Limit: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_position_limit",
        (READ,),
        PRIVATE.format(5465),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated] Query information on position limit: "
            "Interface permission Read)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_position_limit",
        (READ,),
        PRIVATE.format(5543),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross] Query Information On Position Limit: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "general",
        "POST",
        "/linear-swap-api/v1/swap_lever_position_limit",
        (READ,),
        PRIVATE.format(5673),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated]Query Users' Position Limit for All "
            "Leverages: Interface permission Read)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_lever_position_limit",
        (READ,),
        PRIVATE.format(5758),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross]Query Users' Position Limit for All Leverages: "
            "Interface permission Read)"
        ),
    ),
    Documented(
        "general",
        "POST",
        "/linear-swap-api/v1/swap_master_sub_transfer",
        (TRADE, Pool(1, 10, 60, "account")),
        PRIVATE.format(5909),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([General] Transfer between master and sub account: "
            "Interface permission Trade)"
            "; the rate limit between the master account and each subaccount is 10 times/minute (line 5949)"
        ),
    ),
    Documented(
        "general",
        "POST",
        "/linear-swap-api/v1/swap_master_sub_transfer_record",
        (READ,),
        PRIVATE.format(6006),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([General] Query transfer records between master and sub"
            " account: Interface permission Read)"
        ),
    ),
    Documented(
        "general",
        "POST",
        "/linear-swap-api/v1/swap_transfer_inner",
        (TRADE, Pool(1, 10, 60, "account")),
        PRIVATE.format(6105),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([General] Transfer between different margin accounts "
            "under the same account: Interface permission Trade)"
            "; API rate limit for this interface is up to 10 times per minute (line 6143)"
        ),
    ),
    Documented(
        "general",
        "GET",
        "/linear-swap-api/v1/swap_api_trading_status",
        (READ,),
        PRIVATE.format(6193),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([General] Query user's API indicator disable "
            "information: Interface permission Read)"
        ),
    ),
    Documented(
        "general",
        "POST",
        "/linear-swap-api/v1/linear-cancel-after",
        (TRADE,),
        ILLUSTRATION,
        (
            "no Rate Limit line, Interface permission Trade ([General] Automatic Order Cancellation): "
            "the general rule, Generally, the private interface rate limit of API key is at most 144 "
            "times every 3 seconds for each UID (Trade Interface: at most 72 times every 3 seconds. "
            "Read Interface: at most 72 times every 3 seconds)"
        ),
    ),
    Documented(
        "cross",
        "GET",
        "/linear-swap-api/v1/swap_cross_trade_state",
        (READ,),
        PRIVATE.format(6353),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross] Query Information On Trade State: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_switch_position_mode",
        (TRADE,),
        PRIVATE.format(6473),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated]Switch Position Mode: Interface permission "
            "Trade)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_switch_position_mode",
        (TRADE,),
        PRIVATE.format(6539),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross]Switch Position Mode: Interface permission "
            "Trade)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_order",
        (TRADE,),
        PRIVATE.format(6605),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated] Place an Order: Interface permission Trade)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_order",
        (TRADE,),
        PRIVATE.format(6756),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross] Place An Order: Interface permission Trade)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_batchorder",
        (TRADE,),
        PRIVATE.format(6911),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated] Place a Batch of Orders: Interface "
            "permission Trade)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_batchorder",
        (TRADE,),
        PRIVATE.format(7093),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross] Place A Batch Of Orders: Interface permission "
            "Trade)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_cancel",
        (TRADE,),
        PRIVATE.format(7280),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated] Cancel an Order: Interface permission Trade)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_cancel",
        (TRADE,),
        PRIVATE.format(7368),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross] Cancel An Order: Interface permission Trade)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_cancelall",
        (TRADE,),
        PRIVATE.format(7464),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated] Cancel All Orders: Interface permission "
            "Trade)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_cancelall",
        (TRADE,),
        PRIVATE.format(7540),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross] Cancel All Orders: Interface permission Trade)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_switch_lever_rate",
        (
            TRADE,
            Pool(1, 1, 3, "account"),
        ),
        PRIVATE.format(7624),
        ("Rate Limit: 1 time per 3 seconds. ([Isolated] Switch Leverage); and the trade budget of the line"),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_switch_lever_rate",
        (
            TRADE,
            Pool(1, 1, 3, "account"),
        ),
        PRIVATE.format(7682),
        "Rate Limit: 1 time per 3 seconds. ([Cross] Switch Leverage); and the trade budget of the line",
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_order_info",
        (READ,),
        PRIVATE.format(7764),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated] Get Information of an Order: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_order_info",
        (READ,),
        PRIVATE.format(7921),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross] Get Information of order: Interface permission "
            "Read)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_order_detail",
        (READ,),
        PRIVATE.format(8085),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated] Order details acquisition: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_order_detail",
        (READ,),
        PRIVATE.format(8287),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross] Get Detail Information of order: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_openorders",
        (READ,),
        PRIVATE.format(8498),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated] Current unfilled order acquisition: "
            "Interface permission Read)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_openorders",
        (READ,),
        PRIVATE.format(8650),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross] Current unfilled order acquisition: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v3/swap_hisorders",
        (READ,),
        PRIVATE.format(8814),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated] Get History Orders(New: Interface permission"
            " Read)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v3/swap_cross_hisorders",
        (READ,),
        PRIVATE.format(8955),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross] Get History Orders(New: Interface permission "
            "Read)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v3/swap_hisorders_exact",
        (READ,),
        PRIVATE.format(9113),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated] Get History Orders via Multiple Fields(New: "
            "Interface permission Read)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v3/swap_cross_hisorders_exact",
        (READ,),
        PRIVATE.format(9251),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross]Get History Orders via Multiple Fields(New: "
            "Interface permission Read)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v3/swap_matchresults",
        (READ,),
        PRIVATE.format(9395),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated] Acquire History Match Results(New: Interface"
            " permission Read)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v3/swap_cross_matchresults",
        (READ,),
        PRIVATE.format(9523),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross] Get History Match Results(New: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v3/swap_matchresults_exact",
        (READ,),
        PRIVATE.format(9652),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated]Get History Match Results via Multiple "
            "Fields(New: Interface permission Read)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v3/swap_cross_matchresults_exact",
        (READ,),
        PRIVATE.format(9770),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross]Get History Match Results via Multiple "
            "Fields(New: Interface permission Read)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_lightning_close_position",
        (TRADE,),
        PRIVATE.format(9899),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated] Place Lightning Close Order: Interface "
            "permission Trade)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_lightning_close_position",
        (TRADE,),
        PRIVATE.format(9976),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross] Place Lightning Close Position: Interface "
            "permission Trade)"
        ),
    ),
    Documented(
        "isolated",
        "GET",
        "/linear-swap-api/v1/swap_position_side",
        (READ,),
        PRIVATE.format(10064),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) (【isolated】Query position mode: Interface permission "
            "Read)"
        ),
    ),
    Documented(
        "cross",
        "GET",
        "/linear-swap-api/v1/swap_cross_position_side",
        (READ,),
        PRIVATE.format(10125),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) (【cross】Query position mode: Interface permission Read)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_trigger_order",
        (
            TRADE,
            Pool(1, 5, 1, "account"),
        ),
        PRIVATE.format(10186),
        ("Rate Limit: 5 times per second. ([Isolated] Place Trigger Order); and the trade budget of the line"),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_trigger_order",
        (
            TRADE,
            Pool(1, 5, 1, "account"),
        ),
        PRIVATE.format(10285),
        "Rate Limit: 5 times per second. ([Cross] Place Trigger Order); and the trade budget of the line",
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_trigger_cancel",
        (
            TRADE,
            Pool(1, 5, 1, "account"),
        ),
        PRIVATE.format(10367),
        ("Rate Limit: 5 times per second. ([Isolated] Cancel Trigger Order); and the trade budget of the line"),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_trigger_cancel",
        (
            TRADE,
            Pool(1, 5, 1, "account"),
        ),
        PRIVATE.format(10439),
        ("Rate Limit: 5 times per second. ([Cross] Cancel Trigger Order); and the trade budget of the line"),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_trigger_cancelall",
        (
            TRADE,
            Pool(1, 5, 1, "account"),
        ),
        PRIVATE.format(10520),
        ("Rate Limit: 5 times per second. ([Isolated] Cancel All Trigger Orders); and the trade budget of the line"),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_trigger_cancelall",
        (
            TRADE,
            Pool(1, 5, 1, "account"),
        ),
        PRIVATE.format(10594),
        ("Rate Limit: 5 times per second. ([Cross] Cancel All Trigger Orders); and the trade budget of the line"),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_trigger_openorders",
        (
            READ,
            Pool(1, 5, 1, "account"),
        ),
        PRIVATE.format(10676),
        (
            "Rate Limit: 5 times per second. ([Isolated] Query Trigger Order Open Orders); and the read"
            " budget of the line"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_trigger_openorders",
        (READ,),
        PRIVATE.format(10787),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross] Query Trigger Order Open Orders: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_trigger_hisorders",
        (READ,),
        PRIVATE.format(10913),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated] Query Trigger Order History: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_trigger_hisorders",
        (READ,),
        PRIVATE.format(11052),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross] Query Trigger Order History: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_tpsl_order",
        (
            TRADE,
            Pool(1, 5, 1, "account"),
        ),
        PRIVATE.format(11204),
        (
            "Rate Limit: 5 times per second. ([Isolated]Set a Take-profit and Stop-loss Order for an "
            "Existing Position); and the trade budget of the line"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_tpsl_order",
        (
            TRADE,
            Pool(1, 5, 1, "account"),
        ),
        PRIVATE.format(11304),
        (
            "Rate Limit: 5 times per second. ([Cross]Set a Take-profit and Stop-loss Order for an "
            "Existing Position); and the trade budget of the line"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_tpsl_cancel",
        (
            TRADE,
            Pool(1, 5, 1, "account"),
        ),
        PRIVATE.format(11437),
        (
            "Rate Limit: 5 times per second. ([Isolated]Cancel a Take-profit and Stop-loss Order); and "
            "the trade budget of the line"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_tpsl_cancel",
        (
            TRADE,
            Pool(1, 5, 1, "account"),
        ),
        PRIVATE.format(11509),
        (
            "Rate Limit: 5 times per second. ([Cross]Cancel a Take-profit and Stop-loss Order); and the"
            " trade budget of the line"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_tpsl_cancelall",
        (
            TRADE,
            Pool(1, 5, 1, "account"),
        ),
        PRIVATE.format(11589),
        (
            "Rate Limit: 5 times per second. ([Isolated]Cancel all Take-profit and Stop-loss Orders); "
            "and the trade budget of the line"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_tpsl_cancelall",
        (
            TRADE,
            Pool(1, 5, 1, "account"),
        ),
        PRIVATE.format(11655),
        (
            "Rate Limit: 5 times per second. ([Cross]Cancel all Take-profit and Stop-loss Orders); and "
            "the trade budget of the line"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_tpsl_openorders",
        (READ,),
        PRIVATE.format(11729),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated]Query Open Take-profit and Stop-loss Orders: "
            "Interface permission Read)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_tpsl_openorders",
        (READ,),
        PRIVATE.format(11844),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross]Query Open Take-profit and Stop-loss Orders: "
            "Interface permission Read)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_tpsl_hisorders",
        (READ,),
        PRIVATE.format(11995),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated]Query Take-profit and Stop-loss History "
            "Orders: Interface permission Read)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_tpsl_hisorders",
        (READ,),
        PRIVATE.format(12126),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross]Query Take-profit and Stop-loss History Orders: "
            "Interface permission Read)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_relation_tpsl_order",
        (READ,),
        PRIVATE.format(12269),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated]Query Info Of Take-profit and Stop-loss Order"
            " That Related To Position Opening Order: Interface permission Read)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_relation_tpsl_order",
        (READ,),
        PRIVATE.format(12438),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross]Query Info Of Take-profit and Stop-loss Order "
            "That Related To Position Opening Order: Interface permission Read)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_track_order",
        (
            TRADE,
            Pool(1, 5, 1, "account"),
        ),
        PRIVATE.format(12619),
        ("Rate Limit: 5 times per second. ([Isolated]Place a Trailing Order); and the trade budget of the line"),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_track_order",
        (
            TRADE,
            Pool(1, 5, 1, "account"),
        ),
        PRIVATE.format(12715),
        ("Rate Limit: 5 times per second. ([Cross]Place a Trailing Order); and the trade budget of the line"),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_track_cancel",
        (
            TRADE,
            Pool(1, 5, 1, "account"),
        ),
        PRIVATE.format(12818),
        ("Rate Limit: 5 times per second. ([Isolated]Cancel a Trailing Order); and the trade budget of the line"),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_track_cancel",
        (
            TRADE,
            Pool(1, 5, 1, "account"),
        ),
        PRIVATE.format(12890),
        ("Rate Limit: 5 times per second. ([Cross]Cancel a Trailing Order); and the trade budget of the line"),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_track_cancelall",
        (
            TRADE,
            Pool(1, 5, 1, "account"),
        ),
        PRIVATE.format(12969),
        ("Rate Limit: 5 times per second. ([Isolated]Cancel All Trailing Orders); and the trade budget of the line"),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_track_cancelall",
        (
            TRADE,
            Pool(1, 5, 1, "account"),
        ),
        PRIVATE.format(13039),
        ("Rate Limit: 5 times per second. ([Cross]Cancel All Trailing Orders); and the trade budget of the line"),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_track_openorders",
        (TRADE,),
        PRIVATE.format(13117),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated]Current unfilled trailing order acquisition: "
            "Interface permission Trade)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_track_openorders",
        (READ,),
        PRIVATE.format(13231),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross]Current unfilled trailing order acquisition: "
            "Interface permission Read)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v1/swap_track_hisorders",
        (READ,),
        PRIVATE.format(13357),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Isolated]Get History Trailing Orders: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "cross",
        "POST",
        "/linear-swap-api/v1/swap_cross_track_hisorders",
        (READ,),
        PRIVATE.format(13495),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross]Get History Trailing Orders: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "cross",
        "GET",
        "/linear-swap-api/v1/swap_cross_transfer_state",
        (READ,),
        PRIVATE.format(13644),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([Cross] Query Information On Transfer State: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "general",
        "GET",
        "/linear-swap-api/v3/unified_account_info",
        (READ,),
        PRIVATE.format(13789),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) (Query unified account assets: Interface permission "
            "Read)"
        ),
    ),
    Documented(
        "general",
        "GET",
        "/linear-swap-api/v3/linear_swap_overview_account_info",
        (READ,),
        PRIVATE.format(13876),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) (Deductible asset inquiry: Interface permission Read)"
        ),
    ),
    Documented(
        "general",
        "POST",
        "/linear-swap-api/v3/linear_swap_fee_switch",
        (TRADE,),
        PRIVATE.format(13944),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) (Set the U-standard contract fee deduction method: "
            "Interface permission Trade)"
        ),
    ),
    Documented(
        "general",
        "POST",
        "/linear-swap-api/v3/fix_position_margin_change",
        (TRADE,),
        PRIVATE.format(14004),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) (Adjust margin for isolated positions: Interface "
            "permission Trade)"
        ),
    ),
    Documented(
        "general",
        "GET",
        "/linear-swap-api/v3/fix_position_margin_change_record",
        (READ,),
        PRIVATE.format(14079),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) (Query the margin adjustment records of isolated "
            "positions: Interface permission Read)"
        ),
    ),
    Documented(
        "general",
        "GET",
        "/linear-swap-api/v3/swap_unified_account_type",
        (READ,),
        PRIVATE.format(14157),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) (USTD-M contract account type query API: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "isolated",
        "POST",
        "/linear-swap-api/v3/swap_switch_account_type",
        (TRADE,),
        PRIVATE.format(14219),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) (Account Type Change: Interface permission Trade)"
        ),
    ),
    Documented(
        "public",
        "GET",
        "/linear-swap-api/v1/swap_funding_rate",
        (PUBLIC,),
        PUBLIC_PAGE.format(540),
        "the rate limit is 240 times every 3 second at most for each IP ([General] Query funding rate)",
    ),
    Documented(
        "public",
        "GET",
        "/linear-swap-api/v1/swap_batch_funding_rate",
        (PUBLIC,),
        PUBLIC_PAGE.format(610),
        ("the rate limit is 240 times every 3 second at most for each IP ([General]Query a Batch of Funding Rate)"),
    ),
    Documented(
        "public",
        "GET",
        "/linear-swap-api/v1/swap_historical_funding_rate",
        (PUBLIC,),
        PUBLIC_PAGE.format(691),
        ("the rate limit is 240 times every 3 second at most for each IP ([General] Query historical funding rate)"),
    ),
    Documented(
        "public",
        "GET",
        "/linear-swap-api/v3/swap_liquidation_orders",
        (PUBLIC,),
        PUBLIC_PAGE.format(774),
        ("the rate limit is 240 times every 3 second at most for each IP ([General] Query Liquidation Orders(New)"),
    ),
    Documented(
        "public",
        "GET",
        "/linear-swap-api/v1/swap_settlement_records",
        (PUBLIC,),
        PUBLIC_PAGE.format(866),
        (
            "the rate limit is 240 times every 3 second at most for each IP ([General] Query historical"
            " settlement records of the platform interface)"
        ),
    ),
    Documented(
        "public",
        "GET",
        "/linear-swap-api/v1/swap_elite_account_ratio",
        (PUBLIC,),
        PUBLIC_PAGE.format(962),
        (
            "the rate limit is 240 times every 3 second at most for each IP ([General] Query Top Trader"
            " Sentiment Index Function-Account)"
        ),
    ),
    Documented(
        "public",
        "GET",
        "/linear-swap-api/v1/swap_elite_position_ratio",
        (PUBLIC,),
        PUBLIC_PAGE.format(1057),
        (
            "the rate limit is 240 times every 3 second at most for each IP ([General] Query Top Trader"
            " Sentiment Index Function-Position)"
        ),
    ),
    Documented(
        "public",
        "GET",
        "/linear-swap-api/v1/swap_api_state",
        (PUBLIC,),
        PUBLIC_PAGE.format(1135),
        (
            "the rate limit is 240 times every 3 second at most for each IP ([Isolated] Query "
            "information on system status)"
        ),
    ),
    Documented(
        "public",
        "GET",
        "/linear-swap-api/v1/swap_cross_ladder_margin",
        (PUBLIC,),
        PUBLIC_PAGE.format(1226),
        ("the rate limit is 240 times every 3 second at most for each IP ([Cross]Query information on Tiered Margin)"),
    ),
    Documented(
        "public",
        "GET",
        "/linear-swap-api/v1/swap_ladder_margin",
        (PUBLIC,),
        PUBLIC_PAGE.format(1327),
        (
            "the rate limit is 240 times every 3 second at most for each IP ([Isolated]Query "
            "information on Tiered Margin)"
        ),
    ),
    Documented(
        "public",
        "GET",
        "/linear-swap-api/v1/swap_estimated_settlement_price",
        (PUBLIC,),
        PUBLIC_PAGE.format(1438),
        (
            "the rate limit is 240 times every 3 second at most for each IP ([General]Get the estimated"
            " settlement price)"
        ),
    ),
    Documented(
        "public",
        "GET",
        "/linear-swap-api/v1/swap_adjustfactor",
        (PUBLIC,),
        PUBLIC_PAGE.format(1554),
        (
            "the rate limit is 240 times every 3 second at most for each IP ([Isolated] Query "
            "information on Tiered Adjustment Factor)"
        ),
    ),
    Documented(
        "public",
        "GET",
        "/linear-swap-api/v1/swap_cross_adjustfactor",
        (PUBLIC,),
        PUBLIC_PAGE.format(1651),
        (
            "the rate limit is 240 times every 3 second at most for each IP ([Cross] Query Information "
            "On Tiered Adjustment Factor)"
        ),
    ),
    Documented(
        "general",
        "GET",
        "/v1/insurance_fund_info",
        (READ,),
        PUBLIC_PAGE.format(1774),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([General]Query risk reserve balance information: "
            "Interface permission Read)"
        ),
    ),
    Documented(
        "general",
        "GET",
        "/v1/insurance_fund_history",
        (READ,),
        PUBLIC_PAGE.format(1831),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([General]Query historical risk reserves: Interface "
            "permission Read)"
        ),
    ),
    Documented(
        "public",
        "GET",
        "/linear-swap-api/v1/swap_price_limit",
        (PUBLIC,),
        PUBLIC_PAGE.format(1943),
        ("the rate limit is 240 times every 3 second at most for each IP ([General] Query Swap Price Limitation)"),
    ),
    Documented(
        "public",
        "GET",
        "/linear-swap-api/v1/swap_open_interest",
        (PUBLIC,),
        PUBLIC_PAGE.format(2049),
        (
            "the rate limit is 240 times every 3 second at most for each IP ([General] Get Swap Open "
            "Interest Information)"
        ),
    ),
    Documented(
        "public",
        "GET",
        "/linear-swap-api/v1/swap_contract_info",
        (PUBLIC,),
        PUBLIC_PAGE.format(2175),
        "the rate limit is 240 times every 3 second at most for each IP ([General] Query Swap Info)",
    ),
    Documented(
        "public",
        "GET",
        "/linear-swap-api/v1/swap_index",
        (PUBLIC,),
        PUBLIC_PAGE.format(2319),
        (
            "the rate limit is 240 times every 3 second at most for each IP ([General] Query Swap Index"
            " Price Information)"
        ),
    ),
    Documented(
        "general",
        "GET",
        "/linear-swap-api/market/swap_contract_constituents",
        (READ,),
        PUBLIC_PAGE.format(2383),
        (
            "Generally, the private interface rate limit of API key is at most 144 times every 3 "
            "seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: "
            "at most 72 times every 3 seconds) ([General] Get index components: Interface permission "
            "Read)"
        ),
    ),
    Documented(
        "public",
        "GET",
        "/linear-swap-api/v1/swap_query_elements",
        (Pool(1, 20, 2, "ip"),),
        PUBLIC_PAGE.format(2483),
        "Rate Limit: 20 times/2s ([General]Contract Elements)",
    ),
    Documented(
        "public",
        "GET",
        "/api/v1/timestamp",
        (PUBLIC,),
        PUBLIC_PAGE.format(2731),
        ("the rate limit is 240 times every 3 second at most for each IP ([General]Get current system timestamp)"),
    ),
    Documented(
        "market",
        "GET",
        "/linear-swap-ex/market/depth",
        (MARKET,),
        PUBLIC_PAGE.format(2901),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most ([General] Get Market Depth)"
        ),
    ),
    Documented(
        "market",
        "GET",
        "/linear-swap-ex/market/bbo",
        (MARKET,),
        PUBLIC_PAGE.format(3000),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most ([General]Get Market BBO Data)"
        ),
    ),
    Documented(
        "market",
        "GET",
        "/linear-swap-ex/market/history/kline",
        (MARKET,),
        PUBLIC_PAGE.format(3124),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most ([General] Get KLine Data)"
        ),
    ),
    Documented(
        "market",
        "GET",
        "/index/market/history/linear_swap_mark_price_kline",
        (MARKET,),
        PUBLIC_PAGE.format(3221),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most ([General]Get Kline Data of Mark Price)"
        ),
    ),
    Documented(
        "market",
        "GET",
        "/linear-swap-ex/market/detail/merged",
        (MARKET,),
        PUBLIC_PAGE.format(3320),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most ([General] Get Market Data Overview)"
        ),
    ),
    Documented(
        "market",
        "GET",
        "/v2/linear-swap-ex/market/detail/batch_merged",
        (MARKET,),
        PUBLIC_PAGE.format(3411),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most ([General]Get a Batch of Market Data Overview(V2)"
        ),
    ),
    Documented(
        "market",
        "GET",
        "/linear-swap-ex/market/trade",
        (MARKET,),
        PUBLIC_PAGE.format(3509),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most ([General] Query The Last Trade of a Contract)"
        ),
    ),
    Documented(
        "market",
        "GET",
        "/linear-swap-ex/market/history/trade",
        (MARKET,),
        PUBLIC_PAGE.format(3601),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most ([General] Query a Batch of Trade Records of a "
            "Contract)"
        ),
    ),
    Documented(
        "market",
        "GET",
        "/linear-swap-api/v1/swap_his_open_interest",
        (MARKET,),
        PUBLIC_PAGE.format(3689),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most ([General] Query information on open interest)"
        ),
    ),
    Documented(
        "market",
        "GET",
        "/index/market/history/linear_swap_premium_index_kline",
        (MARKET,),
        PUBLIC_PAGE.format(3782),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most ([General] Query Premium Index Kline Data)"
        ),
    ),
    Documented(
        "market",
        "GET",
        "/index/market/history/linear_swap_estimated_rate_kline",
        (MARKET,),
        PUBLIC_PAGE.format(3863),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most ([General] Query Estimated Funding Rate Kline Data)"
        ),
    ),
    Documented(
        "market",
        "GET",
        "/index/market/history/linear_swap_basis",
        (MARKET,),
        PUBLIC_PAGE.format(3944),
        (
            "For restful interfaces, products, (future, coin margined swap, usdt margined Contracts) "
            "800 times/second for one IP at most ([General] Query Basis Data)"
        ),
    ),
)
