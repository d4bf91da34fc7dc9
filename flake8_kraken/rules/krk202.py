"""KRK202: a withdrawal call in code not allowed to withdraw."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from flake8_kraken.rules.base import Context, Example, Message, Rule

if TYPE_CHECKING:
    from flake8_kraken.catalog import Catalog
    from flake8_kraken.findings import Call

MOVES_FUNDS = "moves funds out of the account"


def reason(call: Call, catalog: Catalog) -> str | None:
    """Why a call belongs only where funds may move: it needs a withdrawing permission, or it moves funds."""
    withdrawing = [p for p in call.requirement.all_of if p in catalog.withdraw_permissions]
    if withdrawing:
        return f"needs {catalog.permission(withdrawing[0]).title}"
    return MOVES_FUNDS if call.moves_funds else None


def check(rule: Rule, context: Context) -> Iterator[Message]:
    if context.may_withdraw:
        return
    for call in context.result.calls:
        why = reason(call, context.catalog)
        if why is not None:
            yield rule.say(call.line, call.col, endpoint=call.endpoint, why=why)


RULE = Rule(
    code="KRK202",
    summary="withdrawal call in code not allowed to withdraw",
    message="{endpoint} {why}; keep withdrawal calls in code allowed to move funds",
    why="""Kraken advises enabling Withdraw Funds only on a key whose purpose is to move funds. A
call that needs it (Withdraw, AccountTransfer, the Funding API's withdrawals, the Futures
withdrawal to the spot wallet) or that moves funds (WalletTransfer, with only Query Funds; the
Futures transfers) outside the paths allowed to withdraw means that code's key can drain the
account.""",
    fix="""List the code that may move funds in `kraken-withdraw-paths = src/treasury/*`; with none
configured, every withdrawal call is flagged. For one line, `# noqa: KRK202`.""",
    check=check,
    invalid=(
        Example('import ccxt\n\nexchange = ccxt.kraken()\nexchange.withdraw("XBT", 0.5, "bc1q...", '
                'params={"key": "cold-wallet"})\n', at=(4, 1)),
        Example('import ccxt\n\nccxt.kraken().transfer("USDT", 1, "spot", "swap")\n', at=(3, 1)),
        Example('from kraken.futures import Funding\n\nFunding().initiate_withdrawal_to_spot_wallet(amount=1, '
                'currency="XBT")\n', at=(3, 1)),
        Example('import requests\n\nrequests.post("https://api.kraken.com/funding/v1/withdrawals", json={})\n',
                at=(3, 15)),
    ),
    valid=(
        Example('import ccxt\n\nexchange = ccxt.kraken()\nexchange.fetch_withdrawals("XBT")\n'),
        Example('import krakenex\n\nkrakenex.API().query_private("Withdraw", {"asset": "XBT"})\n',
                options=("--kraken-withdraw-paths", "example.py")),
    ),
)
