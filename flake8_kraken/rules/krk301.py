"""KRK301: a private channel or trading request on the public WebSocket."""
from __future__ import annotations

from typing import Iterator

from flake8_kraken.rules.base import Context, Example, Message, Rule


def check(rule: Rule, context: Context) -> Iterator[Message]:
    catalog = context.catalog
    for call in context.result.calls:
        endpoint = catalog.endpoint(call.endpoint)
        if call.public_address and endpoint is not None and endpoint.access == "private":
            yield rule.say(call.line, call.col, endpoint=call.endpoint, address=catalog.websocket.private_host())


RULE = Rule(
    code="KRK301",
    summary="private channel or trading request on the public WebSocket",
    message="{endpoint} is private but is sent on the public WebSocket; connect to {address}",
    why="""Private channels (executions, balances, level3, ownTrades, openOrders) and every trading
request are served only on the authenticated address, `wss://ws-auth.kraken.com`
(`ws-l3.kraken.com` for level3). A client method that always uses the public address (a
sample client's `subscribe_public`) counts as sending there.""",
    fix="Connect to the authenticated address.",
    check=check,
    repair="address",
    invalid=(
        Example('import json\n\nimport websockets\n\n\nasync def fills(token):\n'
                '    async with websockets.connect("wss://ws.kraken.com/v2") as ws:\n'
                '        await ws.send(json.dumps({"method": "subscribe", "params": {"channel": "executions", '
                '"token": token}}))\n', at=(8, 34)),
        Example('from kraken_wsclient_py import kraken_wsclient_py as client\n\n'
                'client.WssClient().subscribe_public(subscription={"name": "ownTrades", "token": t})\n', at=(3, 1)),
    ),
    valid=(Example('import json\n\nimport websockets\n\n\nasync def fills(token):\n'
                   '    async with websockets.connect("wss://ws-auth.kraken.com/v2") as ws:\n'
                   '        await ws.send(json.dumps({"method": "subscribe", "params": {"channel": "executions", '
                   '"token": token}}))\n'),),
)
