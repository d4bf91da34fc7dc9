"""Kraken's permission facts, written out independently of rules.yaml to check it.

Source: Kraken's per-endpoint reference pages ("API Key Permissions Required"), which
the server enforces, and Kraken's API-key guide table where it differs (GUIDE).
Short names: FQ query funds, FD deposit, FW withdraw, FE earn, OQO/OQC query open/closed
orders and trades, OC create & modify orders, OX cancel/close orders, LQ ledger,
EX export data, WS websocket.
"""
from __future__ import annotations

FQ, FD, FW, FE = "query-funds", "deposit", "withdraw", "earn"
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
    "ledger_query": LQ, "export_data": EX,
}

# WebSocket channels and requests (Kraken's WebSocket pages state no permission: a
# private one needs the token's permission plus that of its REST analogue).
WS_PUBLIC = frozenset(
    [f"ws/v2/{n}" for n in ("ticker", "book", "ohlc", "trade", "instrument", "status", "heartbeat", "ping")]
    + [f"ws/v1/{n}" for n in ("ticker", "ohlc", "trade", "spread", "book", "*", "ping")]
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
