"""Kraken's permission facts, written out independently of rules.yaml to check it.

Source: Kraken's per-endpoint reference pages ("API Key Permissions Required"), which
the server enforces, and Kraken's API-key guide table where it differs (GUIDE).
Short names: FQ query funds, FD deposit, FW withdraw, FE earn, OQO/OQC query open/closed
orders and trades, OC create & modify orders, OX cancel/close orders, LQ ledger,
EX export data, WS websocket.
"""
from __future__ import annotations

FQ, FD, FW, FE = "query-funds", "deposit", "withdraw", "earn"
AW, UW = "add-withdrawal-addresses", "update-withdrawal-addresses"
FR, FF, FX = "futures-read", "futures-full", "futures-withdrawal"  # the Futures key's levels
OQO, OQC = "query-open-orders-trades", "query-closed-orders-trades"
OC, OX = "create-modify-orders", "cancel-close-orders"
LQ, EX, WS = "query-ledger", "export-data", "websocket"

PUBLIC = (
    "Time", "SystemStatus", "Assets", "AssetPairs", "Ticker", "OHLC", "Depth", "Trades", "Spread",
    "PreTrade", "PostTrade", "GroupedBook",
)

# name: (all of, any one of, moves funds out of the spot account)
PRIVATE: dict[str, tuple[frozenset[str], frozenset[str], bool]] = {}


def _row(names: str, all_of: tuple[str, ...] = (), any_of: tuple[str, ...] = (), moves: bool = False) -> None:
    for name in names.split():
        PRIVATE[name] = (frozenset(all_of), frozenset(any_of), moves)


# Account data
_row("Balance BalanceEx CreditLines TradeVolume", (FQ,))
_row("TradeBalance OpenOrders OpenPositions Level3", (OQO,))
_row("ClosedOrders TradesHistory QueryTrades", (OQC,))
_row("QueryOrders OrderAmends", any_of=(OQO, OQC))
_row("Ledgers QueryLedgers", (LQ,))
_row("AddExport ExportStatus RetrieveExport RemoveExport", (EX,))
# Trading
_row("AddOrder", (OC,))
_row("AddOrderBatch EditOrder", (OC, OX))
_row("AmendOrder CancelOrder CancelAll CancelAllOrdersAfter CancelOrderBatch", any_of=(OC, OX))
_row("GetWebSocketsToken", (WS,))
# Funding (legacy v0)
_row("DepositMethods", (FQ, FD))
_row("DepositAddresses DepositStatus", (FQ,))
_row("WithdrawMethods WithdrawAddresses WithdrawInfo", (FQ, FW))
_row("Withdraw", (FW,), moves=True)
_row("WithdrawStatus", any_of=(FW, LQ))
_row("WithdrawCancel", (FW,))
_row("WalletTransfer", (FQ,), moves=True)
# Subaccounts
_row("CreateSubaccount", (FW,))
_row("AccountTransfer", (FW,), moves=True)
# Earn
_row("Earn/Allocate Earn/Deallocate", (FE,))
_row("Earn/AllocateStatus Earn/DeallocateStatus", any_of=(FE, FQ))
_row("Earn/Strategies")
_row("Earn/Allocations", (FQ,))

# The Funding (Beta) API: "METHOD path" -> (all of, moves funds out). Source: each endpoint's
# page under docs.kraken.com/api-reference/funding-beta/ ("API Key Permissions Required").
FUNDING: dict[str, tuple[frozenset[str], bool]] = {
    "POST /funding/v1/withdrawals": (frozenset({FW}), True),
    "GET /funding/v1/withdrawals": (frozenset({FQ}), False),
    "GET /funding/v1/deposits": (frozenset({FQ}), False),
    "POST /funding/v1/addresses": (frozenset({AW}), False),
    "GET /funding/v1/addresses": (frozenset({FQ}), False),
    "PUT /funding/v1/addresses/{id}": (frozenset({AW}), False),
    "DELETE /funding/v1/addresses/{id}": (frozenset({AW}), False),
    "PUT /funding/v1/deposit/address": (frozenset({FD}), False),
    "GET /funding/v2/deposit/addresses": (frozenset({FQ}), False),
    "GET /funding/v1/methods/{direction}": (frozenset({FQ}), False),
    "GET /funding/v1/assets/{direction}": (frozenset({FQ}), False),
    "GET /funding/v1/networks": (frozenset({FQ}), False),
    "GET /funding/v1/limits/deposit/{asset_class}/{asset}": (frozenset({FQ}), False),
    "GET /funding/v1/limits/withdrawal/{asset_class}/{asset}": (frozenset({FQ}), False),
    "GET /funding/v1/fees/{method_id}": (frozenset({FQ}), False),
}

# Kraken Futures REST, the endpoints whose page states the key level: "METHOD path" -> (all of,
# any of, moves funds). "at least read-only" is either General level; "full access" the General
# API's Full Access; "Withdrawal API key with full access" the Withdrawal level.
_READ = (frozenset(), frozenset({FR, FF}))
_FULL, _WITHDRAW = (frozenset({FF}), frozenset()), (frozenset({FX}), frozenset())
FUTURES: dict[str, tuple[frozenset[str], frozenset[str], bool]] = {
    "GET /derivatives/api/v3/instruments": (frozenset(), frozenset(), False),
    "POST /derivatives/api/v3/sendorder": (*_FULL, False),
    "POST /derivatives/api/v3/transfer": (*_FULL, True),
    "POST /derivatives/api/v3/withdrawal": (*_WITHDRAW, True),
    "GET /derivatives/api/v3/feeschedules/volumes": (*_READ, False),
    "GET /derivatives/api/v3/unwindqueue": (*_READ, False),
    "GET /derivatives/api/v3/notifications": (*_READ, False),
    "GET /derivatives/api/v3/pnlpreferences": (*_READ, False),
    "PUT /derivatives/api/v3/pnlpreferences": (*_FULL, False),
    "GET /derivatives/api/v3/self-trade-strategy": (*_READ, False),
    "PUT /derivatives/api/v3/self-trade-strategy": (*_FULL, False),
    "GET /derivatives/api/v3/assignmentprogram/current": (*_READ, False),
    "POST /derivatives/api/v3/assignmentprogram/add": (*_READ, False),
    "POST /derivatives/api/v3/assignmentprogram/delete": (*_READ, False),
    "GET /derivatives/api/v3/subaccount/{subaccountUid}/trading-enabled": (*_FULL, False),
    "PUT /derivatives/api/v3/subaccount/{subaccountUid}/trading-enabled": (*_FULL, False),
    "POST /derivatives/api/v3/rfqs/{rfqUid}/place-offer": (*_READ, False),
    "DELETE /derivatives/api/v3/rfqs/{rfqUid}/cancel-offer": (*_READ, False),
    "GET /api/history/v3/accountlogcsv": (*_READ, False),
}

# Where the guide's table differs from the endpoint pages: the guide's single permission.
GUIDE = {
    "TradeBalance": FQ, "EditOrder": OC, "AddOrderBatch": OC, "AmendOrder": OC,
    "CancelOrder": OX, "CancelAll": OX, "CancelAllOrdersAfter": OX, "CancelOrderBatch": OX,
    "DepositMethods": FD, "DepositAddresses": FD, "DepositStatus": FD,
    "WithdrawMethods": FW, "WithdrawAddresses": FW, "WithdrawInfo": FW, "WithdrawStatus": FW,
    "Earn/Strategies": FE, "Earn/Allocations": FE,
}

# Kraken's use-case table: preset id -> permissions.
PRESETS = {
    "market-data": frozenset(),
    "read-balances": frozenset({FQ}),
    "read-orders": frozenset({OQO, OQC}),
    "algorithmic-spot-trading": frozenset({FQ, OQO, OC, OX}),
    "market-making": frozenset({FQ, OQO, OC, OX, WS}),
    "funding-operations": frozenset({FQ, FD, FW}),
    "read-only-monitoring": frozenset({FQ, OQO, OQC}),
    "sub-account-management": frozenset({FQ, OC, OX}),
    "full-access": frozenset({FQ, OQO, OQC, OC, OX, WS, FD, FW}),  # "all of the above"
}

MACHINE_NAMES = {
    "funds_query": FQ, "funds_add": FD, "funds_withdraw": FW, "funds_earn": FE,
    "trades_query_open": OQO, "trades_query_closed": OQC, "trades_modify": OC, "trades_close": OX,
    "ledger_query": LQ, "export_data": EX, "add-withdraw-address": AW, "update-withdraw-address": UW,
}

# WebSocket channels and requests (Kraken's WebSocket pages state no permission: a
# private one needs the token's permission plus that of its REST analogue).
WS_PUBLIC = frozenset(
    [f"ws/v2/{n}" for n in ("ticker", "book", "ohlc", "trade", "instrument", "status", "heartbeat", "ping")]
    + [f"ws/v1/{n}" for n in ("ticker", "ohlc", "trade", "spread", "book", "*", "ping")]
    # Kraken Futures (docs.kraken.com/exchange/api-reference/futures-websocket), and its challenge request.
    + [f"ws/futures/{n}" for n in ("book", "ticker", "ticker_lite", "trade", "heartbeat", "challenge")]
)
WS_PRIVATE: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
for _names, _all, _any in (
    ("ws/v2/executions ws/v2/level3 ws/v1/ownTrades ws/v1/openOrders", (WS, OQO), ()),
    ("ws/v2/balances", (WS, FQ), ()),
    ("ws/v2/add_order ws/v1/addOrder", (WS, OC), ()),
    ("ws/v2/edit_order ws/v2/batch_add ws/v1/editOrder", (WS, OC, OX), ()),
    ("ws/v2/amend_order ws/v2/cancel_order ws/v2/cancel_all ws/v2/cancel_all_orders_after ws/v2/batch_cancel "
     "ws/v1/cancelOrder ws/v1/cancelAll ws/v1/cancelAllOrdersAfter", (WS,), (OC, OX)),
):
    for _name in _names.split():
        WS_PRIVATE[_name] = (frozenset(_all), frozenset(_any))
# Futures private feeds: Kraken states no level; streaming only, so either General level (inferred). The
# last two are served but no longer in Kraken's list (python-kraken-sdk still offers them).
for _name in ("open_orders open_orders_verbose open_positions balances fills account_log notifications_auth "
              "deposits_withdrawals account_balances_and_margins").split():
    WS_PRIVATE[f"ws/futures/{_name}"] = (frozenset(), frozenset({FR, FF}))
