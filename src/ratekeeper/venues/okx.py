"""OKX v5: one limit per endpoint, keyed by user id (and instrument for trading endpoints) or
IP, plus the sub-account order cap; signals 50011, 50040 and 50061 in the JSON body.

Numbers: https://www.okx.com/docs-v5/en/#overview-rate-limits and each endpoint's "Rate Limit"
and "Rate limit rule" lines (every REST endpoint of the document, read 2026-12-06 from the
copy in rosssaunders/coincise docs/okx, snapshot 2025-11-30).

Public endpoints are limited per IP, private ones per user id (the overview: "Public
unauthenticated REST rate limits are based on IP address. Private REST rate limits are based
on User ID"). A request no rule matches is charged by that class: a public path
(``/api/v5/market/``, ``/api/v5/public/``, ``/api/v5/rubik/``, or a ``public`` segment) spends
the per-IP ``public_other`` limit, any other the per-account ``other`` limit.

A batch across instruments: the per-instrument limits are spent per instrument ("Rate limits
are defined on the Instrument ID level"), so a batch touching three instruments spends each
one's budget by its own count. The cost charges the largest share to the request's
``instrument`` scope; :class:`Weighed` ``detail["shares"]`` lists the other instruments'
shares as ``(cost, {"instrument": …})`` pairs, which the HTTP integrations acquire under
their own scope values with the request, and settle or release with it
(``detail["instruments"]`` has the whole split, instrument -> orders). A caller of
``venue.weigh`` that acquires by hand charges those shares itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .._limits import Limit, Observation
from ._model import Feedback, Request, Rule, Rules, Venue, by_name
from ._signals import block, retry_after, source

__all__ = ["FILL_RATIO_TIERS", "OPTIONS", "build", "is_private", "order_cap_for_fill_ratio"]

DOCS = "https://www.okx.com/docs-v5/en/"
SRC = source(
    DOCS + "#overview-rate-limits",
    "and each endpoint's Rate Limit line; copies in rosssaunders/coincise docs/okx (2025-11-30)",
    read="2026-12-06",
)
SRC_SUB = source(
    DOCS + "#overview-rate-limits-sub-account-rate-limit",
    "1000 order requests (new + amend, each order of a batch) per 2 s per sub-account; "
    "block trading, spread trading, MMP and spot/margin orders exempt; code 50061",
)

# dimensions: the request carries "instrument" (instId, or instFamily for options), "inst_type",
# "currency" and "tag"; the caller supplies "account" (the user id) and "ip".
UID_INST = "account+instrument"
UID = "account"
UID_TYPE = "account+inst_type"
UID_CCY = "account+currency"
UID_TAG = "account+tag"
IP = "ip"
IP_INST = "ip+instrument"
IP_TYPE = "ip+inst_type"
IP_TYPE_INST = "ip+inst_type+instrument"
INST = "instrument"


@dataclass(frozen=True, slots=True)
class _E:
    limit: str
    method: str
    path: str
    capacity: int
    period: float
    scope: str


ENDPOINTS: tuple[_E, ...] = (
    _E("account_account_level_switch_preset", "POST", "/api/v5/account/account-level-switch-preset", 5, 2, UID),
    _E("account_position_risk", "GET", "/api/v5/account/account-position-risk", 10, 2, UID),
    _E("account_activate_option", "POST", "/api/v5/account/activate-option", 5, 2, UID),
    _E("account_adjust_leverage_info", "GET", "/api/v5/account/adjust-leverage-info", 5, 2, UID),
    _E("balance", "GET", "/api/v5/account/balance", 10, 2, UID),
    _E("bills", "GET", "/api/v5/account/bills", 5, 1, UID),
    _E("account_bills_archive", "GET", "/api/v5/account/bills-archive", 5, 2, UID),
    _E("account_bills_history_archive_query", "GET", "/api/v5/account/bills-history-archive", 10, 2, UID),
    _E("account_bills_history_archive_set", "POST", "/api/v5/account/bills-history-archive", 12, 86400, UID),
    _E("account_collateral_assets", "GET", "/api/v5/account/collateral-assets", 5, 2, UID),
    _E("account_config", "GET", "/api/v5/account/config", 5, 2, UID),
    _E("account_greeks", "GET", "/api/v5/account/greeks", 10, 2, UID),
    _E("account_instruments", "GET", "/api/v5/account/instruments", 20, 2, UID_TYPE),
    _E("account_interest_accrued", "GET", "/api/v5/account/interest-accrued", 5, 2, UID),
    _E("account_interest_limits", "GET", "/api/v5/account/interest-limits", 5, 2, UID),
    _E("account_interest_rate", "GET", "/api/v5/account/interest-rate", 5, 2, UID),
    _E("leverage_info", "GET", "/api/v5/account/leverage-info", 20, 2, UID),
    _E("max_avail_size", "GET", "/api/v5/account/max-avail-size", 20, 2, UID),
    _E("account_max_loan", "GET", "/api/v5/account/max-loan", 20, 2, UID),
    _E("max_size", "GET", "/api/v5/account/max-size", 20, 2, UID),
    _E("account_max_withdrawal", "GET", "/api/v5/account/max-withdrawal", 20, 2, UID),
    _E("account_mmp_config_set", "POST", "/api/v5/account/mmp-config", 2, 10, UID),
    _E("account_mmp_config_query", "GET", "/api/v5/account/mmp-config", 5, 2, UID),
    _E("account_mmp_reset", "POST", "/api/v5/account/mmp-reset", 5, 2, UID),
    _E("account_move_positions", "POST", "/api/v5/account/move-positions", 1, 1, UID),
    _E("account_move_positions_history", "GET", "/api/v5/account/move-positions-history", 2, 2, UID),
    _E("account_position_builder", "POST", "/api/v5/account/position-builder", 2, 2, UID),
    _E("account_position_builder_graph", "POST", "/api/v5/account/position-builder-graph", 1, 5, UID),
    _E("account_position_tiers", "GET", "/api/v5/account/position-tiers", 10, 2, UID),
    _E("account_position_margin_balance", "POST", "/api/v5/account/position/margin-balance", 20, 2, UID),
    _E("positions", "GET", "/api/v5/account/positions", 10, 2, UID),
    _E("positions_history", "GET", "/api/v5/account/positions-history", 10, 2, UID),
    _E("account_risk_state", "GET", "/api/v5/account/risk-state", 10, 2, UID),
    _E("account_set_account_level", "POST", "/api/v5/account/set-account-level", 5, 2, UID),
    _E("account_set_account_switch_precheck", "GET", "/api/v5/account/set-account-switch-precheck", 5, 2, UID),
    _E("account_set_auto_earn", "POST", "/api/v5/account/set-auto-earn", 2, 2, UID),
    _E("account_set_auto_loan", "POST", "/api/v5/account/set-auto-loan", 5, 2, UID),
    _E("account_set_auto_repay", "POST", "/api/v5/account/set-auto-repay", 5, 2, UID),
    _E("account_set_collateral_assets", "POST", "/api/v5/account/set-collateral-assets", 5, 2, UID),
    _E("account_set_greeks", "POST", "/api/v5/account/set-greeks", 5, 2, UID),
    _E("account_set_isolated_mode", "POST", "/api/v5/account/set-isolated-mode", 5, 2, UID),
    _E("account_set_leverage", "POST", "/api/v5/account/set-leverage", 20, 2, UID),
    _E("set_position_mode", "POST", "/api/v5/account/set-position-mode", 5, 2, UID),
    _E("account_set_riskoffset_amt", "POST", "/api/v5/account/set-riskOffset-amt", 10, 2, UID),
    _E("account_spot_borrow_repay_history", "GET", "/api/v5/account/spot-borrow-repay-history", 5, 2, UID),
    _E("account_spot_manual_borrow_repay", "POST", "/api/v5/account/spot-manual-borrow-repay", 1, 3, UID),
    _E("account_subaccount_balances", "GET", "/api/v5/account/subaccount/balances", 6, 2, UID),
    _E("account_subaccount_max_withdrawal", "GET", "/api/v5/account/subaccount/max-withdrawal", 20, 2, UID),
    _E("trade_fee", "GET", "/api/v5/account/trade-fee", 5, 2, UID),
    _E("affiliate_invitee_detail", "GET", "/api/v5/affiliate/invitee/detail", 20, 2, UID),
    _E("asset_asset_valuation", "GET", "/api/v5/asset/asset-valuation", 1, 1, UID),
    _E("asset_balances", "GET", "/api/v5/asset/balances", 6, 1, UID),
    _E("asset_bills", "GET", "/api/v5/asset/bills", 6, 1, UID),
    _E("asset_bills_history", "GET", "/api/v5/asset/bills-history", 1, 1, UID),
    _E("asset_cancel_withdrawal", "POST", "/api/v5/asset/cancel-withdrawal", 6, 1, UID),
    _E("asset_convert_currencies", "GET", "/api/v5/asset/convert/currencies", 6, 1, UID),
    _E("asset_convert_currency_pair", "GET", "/api/v5/asset/convert/currency-pair", 6, 1, UID),
    _E("asset_convert_estimate_quote", "POST", "/api/v5/asset/convert/estimate-quote", 10, 1, UID),
    _E("asset_convert_estimate_quote_per_instrument", "POST", "/api/v5/asset/convert/estimate-quote", 1, 5, INST),
    _E("asset_convert_history", "GET", "/api/v5/asset/convert/history", 6, 1, UID),
    _E("asset_convert_trade", "POST", "/api/v5/asset/convert/trade", 10, 1, UID),
    _E("asset_currencies", "GET", "/api/v5/asset/currencies", 6, 1, UID),
    _E("asset_deposit_address", "GET", "/api/v5/asset/deposit-address", 6, 1, UID),
    _E("asset_deposit_history", "GET", "/api/v5/asset/deposit-history", 6, 1, UID),
    _E("asset_deposit_withdraw_status", "GET", "/api/v5/asset/deposit-withdraw-status", 1, 2, UID),
    _E("asset_exchange_list", "GET", "/api/v5/asset/exchange-list", 6, 1, IP),
    _E("asset_monthly_statement_query", "GET", "/api/v5/asset/monthly-statement", 10, 2, UID),
    _E("asset_monthly_statement_set", "POST", "/api/v5/asset/monthly-statement", 20, 2592000, UID),
    _E("asset_non_tradable_assets", "GET", "/api/v5/asset/non-tradable-assets", 6, 1, UID),
    _E("asset_subaccount_balances", "GET", "/api/v5/asset/subaccount/balances", 6, 2, UID),
    _E("asset_subaccount_bills", "GET", "/api/v5/asset/subaccount/bills", 6, 1, UID),
    _E(
        "asset_subaccount_managed_subaccount_bills",
        "GET",
        "/api/v5/asset/subaccount/managed-subaccount-bills",
        6,
        1,
        UID,
    ),
    _E("asset_transfer", "POST", "/api/v5/asset/transfer", 2, 1, UID_CCY),
    _E("asset_transfer_state", "GET", "/api/v5/asset/transfer-state", 10, 1, UID),
    _E("asset_withdrawal", "POST", "/api/v5/asset/withdrawal", 6, 1, UID),
    _E("asset_withdrawal_history", "GET", "/api/v5/asset/withdrawal-history", 6, 1, UID),
    _E("copytrading_algo_order", "POST", "/api/v5/copytrading/algo-order", 20, 2, UID),
    _E("copytrading_amend_copy_settings", "POST", "/api/v5/copytrading/amend-copy-settings", 5, 2, UID),
    _E("copytrading_amend_profit_sharing_ratio", "POST", "/api/v5/copytrading/amend-profit-sharing-ratio", 5, 2, UID),
    _E("copytrading_close_subposition", "POST", "/api/v5/copytrading/close-subposition", 20, 2, UID),
    _E("copytrading_config", "GET", "/api/v5/copytrading/config", 5, 2, UID),
    _E("copytrading_copy_settings", "GET", "/api/v5/copytrading/copy-settings", 5, 2, UID),
    _E("copytrading_current_lead_traders", "GET", "/api/v5/copytrading/current-lead-traders", 5, 2, UID),
    _E("copytrading_current_subpositions", "GET", "/api/v5/copytrading/current-subpositions", 20, 2, UID),
    _E("copytrading_first_copy_settings", "POST", "/api/v5/copytrading/first-copy-settings", 5, 2, UID),
    _E("copytrading_instruments", "GET", "/api/v5/copytrading/instruments", 5, 2, UID),
    _E("copytrading_profit_sharing_details", "GET", "/api/v5/copytrading/profit-sharing-details", 5, 2, UID),
    _E("copytrading_public_config", "GET", "/api/v5/copytrading/public-config", 5, 2, IP),
    _E("copytrading_public_copy_traders", "GET", "/api/v5/copytrading/public-copy-traders", 5, 2, IP),
    _E("copytrading_public_current_subpositions", "GET", "/api/v5/copytrading/public-current-subpositions", 5, 2, IP),
    _E("copytrading_public_lead_traders", "GET", "/api/v5/copytrading/public-lead-traders", 5, 2, IP),
    _E("copytrading_public_pnl", "GET", "/api/v5/copytrading/public-pnl", 5, 2, IP),
    _E("copytrading_public_preference_currency", "GET", "/api/v5/copytrading/public-preference-currency", 5, 2, IP),
    _E("copytrading_public_stats", "GET", "/api/v5/copytrading/public-stats", 5, 2, IP),
    _E("copytrading_public_subpositions_history", "GET", "/api/v5/copytrading/public-subpositions-history", 5, 2, IP),
    _E("copytrading_public_weekly_pnl", "GET", "/api/v5/copytrading/public-weekly-pnl", 5, 2, IP),
    _E("copytrading_set_instruments", "POST", "/api/v5/copytrading/set-instruments", 5, 2, UID),
    _E("copytrading_stop_copy_trading", "POST", "/api/v5/copytrading/stop-copy-trading", 5, 2, UID),
    _E("copytrading_subpositions_history", "GET", "/api/v5/copytrading/subpositions-history", 20, 2, UID),
    _E("copytrading_total_profit_sharing", "GET", "/api/v5/copytrading/total-profit-sharing", 5, 2, UID),
    _E(
        "copytrading_total_unrealized_profit_sharing",
        "GET",
        "/api/v5/copytrading/total-unrealized-profit-sharing",
        5,
        2,
        UID,
    ),
    _E(
        "copytrading_unrealized_profit_sharing_details",
        "GET",
        "/api/v5/copytrading/unrealized-profit-sharing-details",
        5,
        2,
        UID,
    ),
    _E("fiat_buy_sell_currencies", "GET", "/api/v5/fiat/buy-sell/currencies", 6, 1, UID),
    _E("fiat_buy_sell_currency_pair", "GET", "/api/v5/fiat/buy-sell/currency-pair", 6, 1, UID),
    _E("fiat_buy_sell_history", "GET", "/api/v5/fiat/buy-sell/history", 6, 1, UID),
    _E("fiat_buy_sell_quote", "POST", "/api/v5/fiat/buy-sell/quote", 10, 1, UID),
    _E("fiat_buy_sell_quote_per_instrument", "POST", "/api/v5/fiat/buy-sell/quote", 1, 5, INST),
    _E("fiat_buy_sell_trade", "POST", "/api/v5/fiat/buy-sell/trade", 1, 5, UID),
    _E("fiat_cancel_withdrawal", "POST", "/api/v5/fiat/cancel-withdrawal", 3, 1, UID),
    _E("fiat_create_withdrawal", "POST", "/api/v5/fiat/create-withdrawal", 3, 1, UID),
    _E("fiat_deposit", "GET", "/api/v5/fiat/deposit", 3, 1, UID),
    _E("fiat_deposit_order_history", "GET", "/api/v5/fiat/deposit-order-history", 3, 1, UID),
    _E("fiat_deposit_payment_methods", "GET", "/api/v5/fiat/deposit-payment-methods", 3, 1, UID),
    _E("fiat_withdrawal", "GET", "/api/v5/fiat/withdrawal", 3, 1, UID),
    _E("fiat_withdrawal_order_history", "GET", "/api/v5/fiat/withdrawal-order-history", 3, 1, UID),
    _E("fiat_withdrawal_payment_methods", "GET", "/api/v5/fiat/withdrawal-payment-methods", 3, 1, UID),
    _E("finance_flexible_loan_adjust_collateral", "POST", "/api/v5/finance/flexible-loan/adjust-collateral", 5, 2, UID),
    _E("finance_flexible_loan_borrow_currencies", "GET", "/api/v5/finance/flexible-loan/borrow-currencies", 5, 2, UID),
    _E("finance_flexible_loan_collateral_assets", "GET", "/api/v5/finance/flexible-loan/collateral-assets", 5, 2, UID),
    _E("finance_flexible_loan_interest_accrued", "GET", "/api/v5/finance/flexible-loan/interest-accrued", 5, 2, UID),
    _E("finance_flexible_loan_loan_history", "GET", "/api/v5/finance/flexible-loan/loan-history", 5, 2, UID),
    _E("finance_flexible_loan_loan_info", "GET", "/api/v5/finance/flexible-loan/loan-info", 5, 2, UID),
    _E(
        "finance_flexible_loan_max_collateral_redeem_amount",
        "GET",
        "/api/v5/finance/flexible-loan/max-collateral-redeem-amount",
        5,
        2,
        UID,
    ),
    _E("finance_flexible_loan_max_loan", "POST", "/api/v5/finance/flexible-loan/max-loan", 5, 2, UID),
    _E("finance_savings_balance", "GET", "/api/v5/finance/savings/balance", 6, 1, UID),
    _E("finance_savings_lending_history", "GET", "/api/v5/finance/savings/lending-history", 6, 1, UID),
    _E("finance_savings_lending_rate_history", "GET", "/api/v5/finance/savings/lending-rate-history", 6, 1, IP),
    _E("finance_savings_lending_rate_summary", "GET", "/api/v5/finance/savings/lending-rate-summary", 6, 1, IP),
    _E("finance_savings_purchase_redempt", "POST", "/api/v5/finance/savings/purchase-redempt", 6, 1, UID),
    _E("finance_savings_set_lending_rate", "POST", "/api/v5/finance/savings/set-lending-rate", 6, 1, UID),
    _E("finance_staking_defi_cancel", "POST", "/api/v5/finance/staking-defi/cancel", 2, 1, UID),
    _E("finance_staking_defi_eth_apy_history", "GET", "/api/v5/finance/staking-defi/eth/apy-history", 6, 1, IP),
    _E("finance_staking_defi_eth_balance", "GET", "/api/v5/finance/staking-defi/eth/balance", 6, 1, UID),
    _E("finance_staking_defi_eth_product_info", "GET", "/api/v5/finance/staking-defi/eth/product-info", 3, 1, UID),
    _E("finance_staking_defi_eth_purchase", "POST", "/api/v5/finance/staking-defi/eth/purchase", 2, 1, UID),
    _E(
        "finance_staking_defi_eth_purchase_redeem_history",
        "GET",
        "/api/v5/finance/staking-defi/eth/purchase-redeem-history",
        6,
        1,
        UID,
    ),
    _E("finance_staking_defi_eth_redeem", "POST", "/api/v5/finance/staking-defi/eth/redeem", 2, 1, UID),
    _E("finance_staking_defi_offers", "GET", "/api/v5/finance/staking-defi/offers", 3, 1, UID),
    _E("finance_staking_defi_orders_active", "GET", "/api/v5/finance/staking-defi/orders-active", 3, 1, UID),
    _E("finance_staking_defi_orders_history", "GET", "/api/v5/finance/staking-defi/orders-history", 3, 1, UID),
    _E("finance_staking_defi_purchase", "POST", "/api/v5/finance/staking-defi/purchase", 2, 1, UID),
    _E("finance_staking_defi_redeem", "POST", "/api/v5/finance/staking-defi/redeem", 2, 1, UID),
    _E("finance_staking_defi_sol_apy_history", "GET", "/api/v5/finance/staking-defi/sol/apy-history", 6, 1, IP),
    _E("finance_staking_defi_sol_balance", "GET", "/api/v5/finance/staking-defi/sol/balance", 6, 1, UID),
    _E("finance_staking_defi_sol_product_info", "GET", "/api/v5/finance/staking-defi/sol/product-info", 3, 1, UID),
    _E("finance_staking_defi_sol_purchase", "POST", "/api/v5/finance/staking-defi/sol/purchase", 2, 1, UID),
    _E(
        "finance_staking_defi_sol_purchase_redeem_history",
        "GET",
        "/api/v5/finance/staking-defi/sol/purchase-redeem-history",
        6,
        1,
        UID,
    ),
    _E("finance_staking_defi_sol_redeem", "POST", "/api/v5/finance/staking-defi/sol/redeem", 2, 1, UID),
    _E("market_block_ticker", "GET", "/api/v5/market/block-ticker", 20, 2, IP),
    _E("market_block_tickers", "GET", "/api/v5/market/block-tickers", 20, 2, IP),
    _E("books", "GET", "/api/v5/market/books", 40, 2, IP),
    _E("books_full", "GET", "/api/v5/market/books-full", 10, 2, IP),
    _E("market_call_auction_details", "GET", "/api/v5/market/call-auction-details", 20, 2, IP),
    _E("candles", "GET", "/api/v5/market/candles", 40, 2, IP),
    _E("market_exchange_rate", "GET", "/api/v5/market/exchange-rate", 1, 2, IP),
    _E("history_candles", "GET", "/api/v5/market/history-candles", 20, 2, IP),
    _E("market_history_index_candles", "GET", "/api/v5/market/history-index-candles", 10, 2, IP),
    _E("market_history_mark_price_candles", "GET", "/api/v5/market/history-mark-price-candles", 20, 2, IP),
    _E("market_history_trades", "GET", "/api/v5/market/history-trades", 20, 2, IP),
    _E("market_index_candles", "GET", "/api/v5/market/index-candles", 20, 2, IP),
    _E("market_index_components", "GET", "/api/v5/market/index-components", 20, 2, IP),
    _E("market_index_tickers", "GET", "/api/v5/market/index-tickers", 20, 2, IP),
    _E("market_mark_price_candles", "GET", "/api/v5/market/mark-price-candles", 20, 2, IP),
    _E("market_option_instrument_family_trades", "GET", "/api/v5/market/option/instrument-family-trades", 20, 2, IP),
    _E("market_platform_24_volume", "GET", "/api/v5/market/platform-24-volume", 2, 2, IP),
    _E("market_sprd_candles", "GET", "/api/v5/market/sprd-candles", 40, 2, IP),
    _E("market_sprd_history_candles", "GET", "/api/v5/market/sprd-history-candles", 20, 2, IP),
    _E("market_sprd_ticker", "GET", "/api/v5/market/sprd-ticker", 20, 2, IP),
    _E("ticker", "GET", "/api/v5/market/ticker", 20, 2, IP),
    _E("tickers", "GET", "/api/v5/market/tickers", 20, 2, IP),
    _E("market_trades", "GET", "/api/v5/market/trades", 100, 2, IP),
    _E("public_block_trades", "GET", "/api/v5/public/block-trades", 20, 2, IP),
    _E("public_delivery_exercise_history", "GET", "/api/v5/public/delivery-exercise-history", 40, 2, IP_TYPE_INST),
    _E("public_discount_rate_interest_free_quota", "GET", "/api/v5/public/discount-rate-interest-free-quota", 2, 2, IP),
    _E("public_economic_calendar", "GET", "/api/v5/public/economic-calendar", 1, 5, IP),
    _E("public_estimated_price", "GET", "/api/v5/public/estimated-price", 10, 2, IP_INST),
    _E("public_estimated_settlement_info", "GET", "/api/v5/public/estimated-settlement-info", 10, 2, IP_INST),
    _E("funding_rate", "GET", "/api/v5/public/funding-rate", 10, 2, IP_INST),
    _E("funding_rate_history", "GET", "/api/v5/public/funding-rate-history", 10, 2, IP_INST),
    _E("public_instrument_tick_bands", "GET", "/api/v5/public/instrument-tick-bands", 5, 2, IP),
    _E("instruments", "GET", "/api/v5/public/instruments", 20, 2, IP_TYPE),
    _E("public_insurance_fund", "GET", "/api/v5/public/insurance-fund", 10, 2, IP),
    _E("public_interest_rate_loan_quota", "GET", "/api/v5/public/interest-rate-loan-quota", 2, 2, IP),
    _E("mark_price", "GET", "/api/v5/public/mark-price", 10, 2, IP_INST),
    _E("public_market_data_history", "GET", "/api/v5/public/market-data-history", 5, 2, IP),
    _E("public_open_interest", "GET", "/api/v5/public/open-interest", 20, 2, IP_INST),
    _E("public_opt_summary", "GET", "/api/v5/public/opt-summary", 20, 2, IP_INST),
    _E("public_option_trades", "GET", "/api/v5/public/option-trades", 20, 2, IP),
    _E("public_position_tiers", "GET", "/api/v5/public/position-tiers", 10, 2, IP),
    _E("public_premium_history", "GET", "/api/v5/public/premium-history", 20, 2, IP),
    _E("public_price_limit", "GET", "/api/v5/public/price-limit", 20, 2, IP),
    _E("public_settlement_history", "GET", "/api/v5/public/settlement-history", 40, 2, IP_INST),
    _E("time", "GET", "/api/v5/public/time", 10, 2, IP),
    _E("public_underlying", "GET", "/api/v5/public/underlying", 20, 2, IP),
    _E("rfq_cancel_all_after", "POST", "/api/v5/rfq/cancel-all-after", 1, 1, UID),
    _E("rfq_cancel_all_quotes", "POST", "/api/v5/rfq/cancel-all-quotes", 2, 2, UID),
    _E("rfq_cancel_all_rfqs", "POST", "/api/v5/rfq/cancel-all-rfqs", 2, 2, UID),
    _E("rfq_cancel_batch_quotes", "POST", "/api/v5/rfq/cancel-batch-quotes", 2, 2, UID),
    _E("rfq_cancel_batch_rfqs", "POST", "/api/v5/rfq/cancel-batch-rfqs", 2, 2, UID),
    _E("rfq_cancel_quote", "POST", "/api/v5/rfq/cancel-quote", 50, 2, UID),
    _E("rfq_cancel_rfq", "POST", "/api/v5/rfq/cancel-rfq", 5, 2, UID),
    _E("rfq_counterparties", "GET", "/api/v5/rfq/counterparties", 5, 2, UID),
    _E("rfq_create_quote", "POST", "/api/v5/rfq/create-quote", 50, 2, UID),
    _E("rfq_create_rfq", "POST", "/api/v5/rfq/create-rfq", 5, 2, UID),
    _E("rfq_create_rfq_long", "POST", "/api/v5/rfq/create-rfq", 80, 43200, UID),
    _E("rfq_execute_quote", "POST", "/api/v5/rfq/execute-quote", 2, 3, UID),
    _E("rfq_maker_instrument_settings_query", "GET", "/api/v5/rfq/maker-instrument-settings", 5, 2, UID),
    _E("rfq_maker_instrument_settings_set", "POST", "/api/v5/rfq/maker-instrument-settings", 5, 2, UID),
    _E("rfq_mmp_config_query", "GET", "/api/v5/rfq/mmp-config", 5, 2, UID),
    _E("rfq_mmp_config_set", "POST", "/api/v5/rfq/mmp-config", 1, 10, UID),
    _E("rfq_mmp_reset", "POST", "/api/v5/rfq/mmp-reset", 5, 2, UID),
    _E("rfq_public_trades", "GET", "/api/v5/rfq/public-trades", 5, 2, IP),
    _E("rfq_quotes", "GET", "/api/v5/rfq/quotes", 2, 2, UID),
    _E("rfq_rfqs", "GET", "/api/v5/rfq/rfqs", 2, 2, UID),
    _E("rfq_trades", "GET", "/api/v5/rfq/trades", 5, 2, UID),
    _E(
        "rubik_stat_contracts_long_short_account_ratio",
        "GET",
        "/api/v5/rubik/stat/contracts/long-short-account-ratio",
        5,
        2,
        IP,
    ),
    _E(
        "rubik_stat_contracts_long_short_account_ratio_contract",
        "GET",
        "/api/v5/rubik/stat/contracts/long-short-account-ratio-contract",
        5,
        2,
        IP_INST,
    ),
    _E(
        "rubik_stat_contracts_long_short_account_ratio_contract_top_trader",
        "GET",
        "/api/v5/rubik/stat/contracts/long-short-account-ratio-contract-top-trader",
        5,
        2,
        IP_INST,
    ),
    _E(
        "rubik_stat_contracts_long_short_position_ratio_contract_top_trader",
        "GET",
        "/api/v5/rubik/stat/contracts/long-short-position-ratio-contract-top-trader",
        5,
        2,
        IP_INST,
    ),
    _E(
        "rubik_stat_contracts_open_interest_history",
        "GET",
        "/api/v5/rubik/stat/contracts/open-interest-history",
        10,
        2,
        IP_INST,
    ),
    _E(
        "rubik_stat_contracts_open_interest_volume",
        "GET",
        "/api/v5/rubik/stat/contracts/open-interest-volume",
        5,
        2,
        IP,
    ),
    _E("rubik_stat_margin_loan_ratio", "GET", "/api/v5/rubik/stat/margin/loan-ratio", 5, 2, IP),
    _E("rubik_stat_option_open_interest_volume", "GET", "/api/v5/rubik/stat/option/open-interest-volume", 5, 2, IP),
    _E(
        "rubik_stat_option_open_interest_volume_expiry",
        "GET",
        "/api/v5/rubik/stat/option/open-interest-volume-expiry",
        5,
        2,
        IP,
    ),
    _E(
        "rubik_stat_option_open_interest_volume_ratio",
        "GET",
        "/api/v5/rubik/stat/option/open-interest-volume-ratio",
        5,
        2,
        IP,
    ),
    _E(
        "rubik_stat_option_open_interest_volume_strike",
        "GET",
        "/api/v5/rubik/stat/option/open-interest-volume-strike",
        5,
        2,
        IP,
    ),
    _E("rubik_stat_option_taker_block_volume", "GET", "/api/v5/rubik/stat/option/taker-block-volume", 5, 2, IP),
    _E("rubik_stat_taker_volume", "GET", "/api/v5/rubik/stat/taker-volume", 5, 2, IP),
    _E("rubik_stat_taker_volume_contract", "GET", "/api/v5/rubik/stat/taker-volume-contract", 5, 2, IP_INST),
    _E("rubik_stat_trading_data_support_coin", "GET", "/api/v5/rubik/stat/trading-data/support-coin", 5, 2, IP),
    _E("sprd_amend_order", "POST", "/api/v5/sprd/amend-order", 20, 2, UID),
    _E("sprd_books", "GET", "/api/v5/sprd/books", 20, 2, IP),
    _E("sprd_cancel_all_after", "POST", "/api/v5/sprd/cancel-all-after", 1, 1, UID),
    _E("sprd_cancel_order", "POST", "/api/v5/sprd/cancel-order", 20, 2, UID),
    _E("sprd_mass_cancel", "POST", "/api/v5/sprd/mass-cancel", 10, 2, UID),
    _E("sprd_order_query", "GET", "/api/v5/sprd/order", 20, 2, UID),
    _E("sprd_order_set", "POST", "/api/v5/sprd/order", 20, 2, UID),
    _E("sprd_orders_history", "GET", "/api/v5/sprd/orders-history", 20, 2, UID),
    _E("sprd_orders_history_archive", "GET", "/api/v5/sprd/orders-history-archive", 20, 2, UID),
    _E("sprd_orders_pending", "GET", "/api/v5/sprd/orders-pending", 10, 2, UID),
    _E("sprd_public_trades", "GET", "/api/v5/sprd/public-trades", 20, 2, IP),
    _E("sprd_spreads", "GET", "/api/v5/sprd/spreads", 20, 2, IP),
    _E("sprd_trades", "GET", "/api/v5/sprd/trades", 20, 2, UID),
    _E("account_rate_limit", "GET", "/api/v5/trade/account-rate-limit", 1, 1, UID),
    _E("trade_amend_algos", "POST", "/api/v5/trade/amend-algos", 20, 2, UID_INST),
    _E("amend_batch_orders", "POST", "/api/v5/trade/amend-batch-orders", 300, 2, UID_INST),
    _E("amend_order", "POST", "/api/v5/trade/amend-order", 60, 2, UID_INST),
    _E("batch_orders", "POST", "/api/v5/trade/batch-orders", 300, 2, UID_INST),
    _E("trade_cancel_algos", "POST", "/api/v5/trade/cancel-algos", 20, 2, UID_INST),
    _E("cancel_all_after", "POST", "/api/v5/trade/cancel-all-after", 1, 1, UID_TAG),
    _E("cancel_batch_orders", "POST", "/api/v5/trade/cancel-batch-orders", 300, 2, UID_INST),
    _E("cancel_order", "POST", "/api/v5/trade/cancel-order", 60, 2, UID_INST),
    _E("close_position", "POST", "/api/v5/trade/close-position", 20, 2, UID_INST),
    _E("trade_easy_convert", "POST", "/api/v5/trade/easy-convert", 1, 2, UID),
    _E("trade_easy_convert_currency_list", "GET", "/api/v5/trade/easy-convert-currency-list", 1, 2, UID),
    _E("trade_easy_convert_history", "GET", "/api/v5/trade/easy-convert-history", 1, 2, UID),
    _E("fills", "GET", "/api/v5/trade/fills", 60, 2, UID),
    _E("fills_history", "GET", "/api/v5/trade/fills-history", 10, 2, UID),
    _E("trade_mass_cancel", "POST", "/api/v5/trade/mass-cancel", 5, 2, UID),
    _E("trade_one_click_repay", "POST", "/api/v5/trade/one-click-repay", 1, 2, UID),
    _E("trade_one_click_repay_currency_list", "GET", "/api/v5/trade/one-click-repay-currency-list", 1, 2, UID),
    _E("trade_one_click_repay_currency_list_v2", "GET", "/api/v5/trade/one-click-repay-currency-list-v2", 1, 2, UID),
    _E("trade_one_click_repay_history", "GET", "/api/v5/trade/one-click-repay-history", 1, 2, UID),
    _E("trade_one_click_repay_history_v2", "GET", "/api/v5/trade/one-click-repay-history-v2", 1, 2, UID),
    _E("trade_one_click_repay_v2", "POST", "/api/v5/trade/one-click-repay-v2", 1, 2, UID),
    _E("place_order", "POST", "/api/v5/trade/order", 60, 2, UID_INST),
    _E("order_details", "GET", "/api/v5/trade/order", 60, 2, UID_INST),
    _E("trade_order_algo_query", "GET", "/api/v5/trade/order-algo", 20, 2, UID),
    _E("trade_order_algo_set", "POST", "/api/v5/trade/order-algo", 20, 2, UID_INST),
    _E("trade_order_precheck", "POST", "/api/v5/trade/order-precheck", 5, 2, UID),
    _E("trade_orders_algo_history", "GET", "/api/v5/trade/orders-algo-history", 20, 2, UID),
    _E("trade_orders_algo_pending", "GET", "/api/v5/trade/orders-algo-pending", 20, 2, UID),
    _E("orders_history", "GET", "/api/v5/trade/orders-history", 40, 2, UID),
    _E("orders_history_archive", "GET", "/api/v5/trade/orders-history-archive", 20, 2, UID),
    _E("orders_pending", "GET", "/api/v5/trade/orders-pending", 60, 2, UID),
    _E("tradingbot_grid_adjust_investment", "POST", "/api/v5/tradingBot/grid/adjust-investment", 20, 2, UID),
    _E("tradingbot_grid_ai_param", "GET", "/api/v5/tradingBot/grid/ai-param", 20, 2, IP),
    _E("tradingbot_grid_amend_algo_basic_param", "POST", "/api/v5/tradingBot/grid/amend-algo-basic-param", 20, 2, UID),
    _E("tradingbot_grid_amend_order_algo", "POST", "/api/v5/tradingBot/grid/amend-order-algo", 20, 2, UID),
    _E("tradingbot_grid_cancel_close_order", "POST", "/api/v5/tradingBot/grid/cancel-close-order", 20, 2, UID),
    _E("tradingbot_grid_close_position", "POST", "/api/v5/tradingBot/grid/close-position", 20, 2, UID),
    _E("tradingbot_grid_compute_margin_balance", "POST", "/api/v5/tradingBot/grid/compute-margin-balance", 20, 2, UID),
    _E("tradingbot_grid_grid_quantity", "GET", "/api/v5/tradingBot/grid/grid-quantity", 5, 2, IP),
    _E("tradingbot_grid_min_investment", "POST", "/api/v5/tradingBot/grid/min-investment", 20, 2, IP),
    _E("tradingbot_grid_order_algo", "POST", "/api/v5/tradingBot/grid/order-algo", 20, 2, UID_INST),
    _E(
        "tradingbot_grid_order_instant_trigger",
        "POST",
        "/api/v5/tradingBot/grid/order-instant-trigger",
        20,
        2,
        UID_INST,
    ),
    _E("tradingbot_grid_orders_algo_details", "GET", "/api/v5/tradingBot/grid/orders-algo-details", 20, 2, UID),
    _E("tradingbot_grid_orders_algo_history", "GET", "/api/v5/tradingBot/grid/orders-algo-history", 20, 2, UID),
    _E("tradingbot_grid_orders_algo_pending", "GET", "/api/v5/tradingBot/grid/orders-algo-pending", 20, 2, UID),
    _E("tradingbot_grid_positions", "GET", "/api/v5/tradingBot/grid/positions", 20, 2, UID),
    _E("tradingbot_grid_stop_order_algo", "POST", "/api/v5/tradingBot/grid/stop-order-algo", 20, 2, UID),
    _E("tradingbot_grid_sub_orders", "GET", "/api/v5/tradingBot/grid/sub-orders", 20, 2, UID),
    _E("tradingbot_grid_withdraw_income", "POST", "/api/v5/tradingBot/grid/withdraw-income", 20, 2, UID),
    _E("tradingbot_public_rsi_back_testing", "GET", "/api/v5/tradingBot/public/rsi-back-testing", 20, 2, IP),
    _E("tradingbot_recurring_amend_order_algo", "POST", "/api/v5/tradingBot/recurring/amend-order-algo", 20, 2, UID),
    _E("tradingbot_recurring_order_algo", "POST", "/api/v5/tradingBot/recurring/order-algo", 20, 2, UID),
    _E(
        "tradingbot_recurring_orders_algo_details",
        "GET",
        "/api/v5/tradingBot/recurring/orders-algo-details",
        20,
        2,
        UID,
    ),
    _E(
        "tradingbot_recurring_orders_algo_history",
        "GET",
        "/api/v5/tradingBot/recurring/orders-algo-history",
        20,
        2,
        UID,
    ),
    _E(
        "tradingbot_recurring_orders_algo_pending",
        "GET",
        "/api/v5/tradingBot/recurring/orders-algo-pending",
        20,
        2,
        UID,
    ),
    _E("tradingbot_recurring_stop_order_algo", "POST", "/api/v5/tradingBot/recurring/stop-order-algo", 20, 2, UID),
    _E("tradingbot_recurring_sub_orders", "GET", "/api/v5/tradingBot/recurring/sub-orders", 20, 2, UID),
    _E("tradingbot_signal_amendtpsl", "POST", "/api/v5/tradingBot/signal/amendTPSL", 20, 2, UID),
    _E("tradingbot_signal_cancel_sub_order", "POST", "/api/v5/tradingBot/signal/cancel-sub-order", 20, 2, UID),
    _E("tradingbot_signal_close_position", "POST", "/api/v5/tradingBot/signal/close-position", 20, 2, UID),
    _E("tradingbot_signal_create_signal", "POST", "/api/v5/tradingBot/signal/create-signal", 20, 2, UID),
    _E("tradingbot_signal_event_history", "GET", "/api/v5/tradingBot/signal/event-history", 20, 2, UID),
    _E("tradingbot_signal_margin_balance", "POST", "/api/v5/tradingBot/signal/margin-balance", 20, 2, UID),
    _E("tradingbot_signal_order_algo", "POST", "/api/v5/tradingBot/signal/order-algo", 20, 2, UID),
    _E("tradingbot_signal_orders_algo_details", "GET", "/api/v5/tradingBot/signal/orders-algo-details", 20, 2, UID),
    _E("tradingbot_signal_orders_algo_history", "GET", "/api/v5/tradingBot/signal/orders-algo-history", 20, 2, UID),
    _E("tradingbot_signal_orders_algo_pending", "GET", "/api/v5/tradingBot/signal/orders-algo-pending", 20, 2, UID),
    _E("tradingbot_signal_positions", "GET", "/api/v5/tradingBot/signal/positions", 20, 2, UID),
    _E("tradingbot_signal_positions_history", "GET", "/api/v5/tradingBot/signal/positions-history", 10, 2, UID),
    _E("tradingbot_signal_set_instruments", "POST", "/api/v5/tradingBot/signal/set-instruments", 20, 2, UID),
    _E("tradingbot_signal_signals", "GET", "/api/v5/tradingBot/signal/signals", 20, 2, UID),
    _E("tradingbot_signal_stop_order_algo", "POST", "/api/v5/tradingBot/signal/stop-order-algo", 20, 2, UID),
    _E("tradingbot_signal_sub_order", "POST", "/api/v5/tradingBot/signal/sub-order", 20, 2, UID),
    _E("tradingbot_signal_sub_orders", "GET", "/api/v5/tradingBot/signal/sub-orders", 20, 2, UID),
    _E("users_entrust_subaccount_list", "GET", "/api/v5/users/entrust-subaccount-list", 1, 1, UID),
    _E("users_subaccount_delete_apikey", "POST", "/api/v5/users/subaccount/delete-apikey", 1, 1, UID),
    _E("users_subaccount_list", "GET", "/api/v5/users/subaccount/list", 20, 2, UID),
    _E("users_subaccount_set_transfer_out", "POST", "/api/v5/users/subaccount/set-transfer-out", 1, 1, UID),
    _E("asset_subaccount_transfer", "POST", "/api/v5/asset/subaccount/transfer", 1, 1, UID),
    _E("users_subaccount_create", "POST", "/api/v5/users/subaccount/create-subaccount", 1, 1, UID),
    _E("users_subaccount_apikey_set", "POST", "/api/v5/users/subaccount/apikey", 1, 1, UID),
    _E("users_subaccount_modify_apikey", "POST", "/api/v5/users/subaccount/modify-apikey", 1, 1, UID),
    _E("users_subaccount_apikey", "GET", "/api/v5/users/subaccount/apikey", 20, 2, UID),
    _E("support_announcements", "GET", "/api/v5/support/announcements", 5, 2, IP),
)
"""Every documented REST endpoint with its own limit: (limit name, method, path, capacity per
period in seconds, scope). "Master account User ID" is the account scope (the caller passes
the master's id); "per month" is taken as 30 days. An endpoint with two lines (an RFQ's
5 per 2 s and 80 per 12 hours; a convert quote's 10 per second per user and 1 per 5 s per
instrument) has one limit per line."""

SINGLE_FOR_BATCH: Mapping[str, str] = {
    "batch_orders": "place_order",
    "amend_batch_orders": "amend_order",
    "cancel_batch_orders": "cancel_order",
}
"""A batch of one order counts against the single-order endpoint."""
COUNTS_TOWARD_SUB_ACCOUNT: frozenset[str] = frozenset(
    {"place_order", "amend_order", "batch_orders", "amend_batch_orders"}
)
PER_INSTRUMENT_BATCHES: frozenset[str] = frozenset(SINGLE_FOR_BATCH)

FILL_RATIO_TIERS: tuple[tuple[float, int], ...] = (
    (0, 1000),
    (1, 1250),
    (2, 1500),
    (3, 1750),
    (5, 2000),
    (10, 2500),
    (20, 3000),
    (50, 10000),
)
"""(lowest fill ratio, sub-account order cap per 2 s) for VIP5+ accounts."""

OTHER_CAPACITY = 5
"""Unknown private endpoints share one per-account limit of the tightest common documented
value: 5 per 2 s."""
PUBLIC_OTHER_CAPACITY = 5
"""Unknown public endpoints share one per-IP limit of 5 per 2 s (the document states no
general IP limit; 5 per 2 s is the common value of the rubik statistics and the smaller
public endpoints)."""

_PUBLIC_PREFIXES: tuple[str, ...] = ("/api/v5/market/", "/api/v5/public/", "/api/v5/rubik/")


def is_private(request: Request) -> bool:
    """Whether an endpoint is private (signed, limited per user id): not a market, public or
    statistics path, and no ``public``/``public-…`` segment."""
    if request.path.startswith(_PUBLIC_PREFIXES):
        return False
    return not any(s == "public" or s.startswith("public-") for s in request.path.split("/"))


def order_cap_for_fill_ratio(fill_ratio: float) -> int:
    """The sub-account order cap per 2 s for a (VIP5+) fill ratio."""
    cap = FILL_RATIO_TIERS[0][1]
    for lowest, value in FILL_RATIO_TIERS:
        if fill_ratio >= lowest:
            cap = value
    return cap


def instrument_key(inst_id: str) -> str:
    """The instrument a per-instrument limit is keyed on: the instId, or for options
    (``BTC-USD-250328-50000-C``) the instrument family (``BTC-USD``)."""
    parts = inst_id.split("-")
    return "-".join(parts[:2]) if len(parts) >= 5 else inst_id


def _is_spot(inst_id: str) -> bool:
    return len(inst_id.split("-")) == 2


def _orders(request: Request) -> list[Mapping[str, Any]]:
    if isinstance(request.body, list):
        return [o for o in request.body if isinstance(o, Mapping)]
    if isinstance(request.body, Mapping):
        return [request.body]
    return [request.params] if request.params else []


def _inst_ids(request: Request) -> list[str]:
    ids: list[str] = []
    for order in _orders(request):
        value = order.get("instId") or order.get("instFamily")
        if isinstance(value, str) and value:
            ids.append(value)
    if not ids:
        base, quote = request.field("baseCcy"), request.field("quoteCcy")
        if isinstance(base, str) and isinstance(quote, str) and base and quote:
            ids.append(f"{base}-{quote}")
    return ids


def _split(request: Request) -> dict[str, int]:
    """Orders per instrument key, in the order first seen."""
    counts: dict[str, int] = {}
    for inst in _inst_ids(request):
        key = instrument_key(inst)
        counts[key] = counts.get(key, 0) + 1
    return counts


def _largest(counts: Mapping[str, int]) -> str | None:
    return max(counts, key=lambda k: counts[k]) if counts else None


def _cost_for(endpoints: tuple[_E, ...]) -> Callable[[Request], Mapping[str, float]]:
    first = endpoints[0]

    def cost(request: Request) -> Mapping[str, float]:
        out: dict[str, float] = {e.limit: 1 for e in endpoints[1:]}
        name = first.limit
        n = 1
        if name in SINGLE_FOR_BATCH:
            n = max(1, len(_orders(request)))
            if n == 1:
                name = SINGLE_FOR_BATCH[name]
            else:  # each instrument's budget is spent by its own orders: the largest share here
                counts = _split(request)
                unkeyed = n - sum(counts.values())
                largest = _largest(counts)
                n = (counts[largest] if largest is not None else 0) + unkeyed
        out[name] = n
        if first.limit in COUNTS_TOWARD_SUB_ACCOUNT:
            ids = _inst_ids(request)
            total = max(1, len(_orders(request)))
            counted = sum(1 for i in ids if not _is_spot(i)) + max(0, total - len(ids))
            if counted:
                out["sub_account_orders"] = counted
        return out

    return cost


def _scope(request: Request) -> Mapping[str, str]:
    out: dict[str, str] = {}
    largest = _largest(_split(request))
    if largest is not None:
        out["instrument"] = largest
    for name, dimension in (("instType", "inst_type"), ("ccy", "currency"), ("tag", "tag")):
        value = request.field(name)
        if isinstance(value, str) and value:
            out[dimension] = value
    return out


def _detail_for(endpoints: tuple[_E, ...]) -> Callable[[Request], Mapping[str, Any]] | None:
    if endpoints[0].limit not in PER_INSTRUMENT_BATCHES:
        return None
    limit = endpoints[0].limit

    def detail(request: Request) -> Mapping[str, Any]:
        counts = _split(request)
        if len(_orders(request)) < 2 or len(counts) < 2:
            return {}
        largest = _largest(counts)
        shares = tuple(({limit: float(n)}, {"instrument": inst}) for inst, n in counts.items() if inst != largest)
        return {"instruments": dict(counts), "shares": shares}

    return detail


def _limits(order_cap: int) -> list[Limit]:
    limits = [
        Limit(
            e.limit,
            e.capacity,
            e.period,
            scope=e.scope,
            source=SRC + f" — {e.method} {e.path}: {e.capacity} per {e.period:g} s per {e.scope}",
        )
        for e in ENDPOINTS
    ]
    limits.append(Limit("sub_account_orders", order_cap, 2, scope="account", source=SRC_SUB))
    limits.append(
        Limit(
            "other",
            OTHER_CAPACITY,
            2,
            scope="account",
            source=SRC + " — assumed for private endpoints without a rule: the tightest common value, 5 per 2 s",
        )
    )
    limits.append(
        Limit(
            "public_other",
            PUBLIC_OTHER_CAPACITY,
            2,
            scope="ip",
            source=SRC + " — assumed for public endpoints without a rule (limited per IP): 5 per 2 s",
        )
    )
    return limits


def _grouped() -> list[tuple[_E, ...]]:
    groups: dict[tuple[str, str], list[_E]] = {}
    for e in ENDPOINTS:
        groups.setdefault((e.method, e.path), []).append(e)
    return [tuple(g) for g in groups.values()]


def _rules() -> list[Rule]:
    rules = []
    for group in _grouped():
        e = group[0]
        rules.append(
            Rule(
                e.method,
                e.path,
                _cost_for(group),
                kind="action" if e.method == "POST" else "read",
                source=SRC + (("; " + SRC_SUB) if e.limit in COUNTS_TOWARD_SUB_ACCOUNT else ""),
                scope=_scope,
                primary=e.limit,
                detail=_detail_for(group),
                idempotent=True if e.limit == "cancel_all_after" else None,
            )
        )
    return rules


DEFAULT_RULE = Rule(
    "*",
    "/*",
    {"public_other": 1},
    name="(unknown public endpoint)",
    source=SRC + " — public endpoints are limited per IP; unknown ones share 'public_other'",
    primary="public_other",
    idempotent=False,
)
PRIVATE_DEFAULT_RULE = Rule(
    "*",
    "/*",
    {"other": 1},
    name="(unknown private endpoint)",
    source=SRC + " — private endpoints are limited per user id; unknown ones share 'other'",
    primary="other",
    idempotent=False,
)

RATE_CODES: Mapping[str, str] = {
    "50011": "rate limit reached",
    "50040": "too frequent operations",
    "50061": "sub-account order rate limit",
}


def _codes(body: object) -> list[str]:
    codes: list[str] = []
    if isinstance(body, Mapping):
        code = body.get("code")
        if code is not None:
            codes.append(str(code))
        data = body.get("data")
        if isinstance(data, list):
            codes.extend(str(item.get("sCode")) for item in data if isinstance(item, Mapping) and item.get("sCode"))
    return codes


def _parse(fb: Feedback) -> list[Observation]:
    codes = [c for c in _codes(fb.body) if c in RATE_CODES]
    if not codes and fb.status != 429:
        return []
    out: list[Observation] = []
    wait = retry_after(fb)
    primary = fb.request.primary if fb.request is not None else None
    limits = fb.venue.limits
    if "50061" in codes:
        limit = limits["sub_account_orders"]
        out.append(block(limit.name, wait if wait is not None else limit.period, "50061 " + RATE_CODES["50061"]))
    throttled = "50011" in codes or "50040" in codes or (fb.status == 429 and not codes)
    if throttled and primary is not None and primary in limits:
        limit = limits[primary]
        code = next((c for c in codes if c != "50061"), "HTTP 429")
        out.append(
            block(limit.name, wait if wait is not None else limit.period, f"{code} {RATE_CODES.get(code, '')}".strip())
        )
    return out


def build(*, fill_ratio: float | None = None) -> Venue:
    """OKX. ``fill_ratio`` (VIP5+): sets the sub-account order cap from the fill-ratio tiers."""
    cap = 1000 if fill_ratio is None else order_cap_for_fill_ratio(fill_ratio)
    return Venue(
        name="okx",
        limits=by_name(_limits(cap)),
        rules=Rules(_rules()),
        default=DEFAULT_RULE,
        private_default=PRIVATE_DEFAULT_RULE,
        is_private=is_private,
        urls={"mainnet": "https://www.okx.com", "demo": "https://www.okx.com"},
        parser=_parse,
        source=SRC,
        options={"fill_ratio": fill_ratio},
    )


OPTIONS: frozenset[str] = frozenset({"fill_ratio"})
