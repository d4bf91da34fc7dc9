"""KRK302: a private subscription or request without a token."""
from __future__ import annotations

from typing import Iterator

from flake8_kraken.rules.base import Context, Example, Message, Rule


def check(rule: Rule, context: Context) -> Iterator[Message]:
    catalog = context.catalog
    for call in context.result.calls:
        endpoint = catalog.endpoint(call.endpoint)
        # Futures feeds are signed from a challenge, not with a token: the spot key's sockets only.
        if not call.has_token and endpoint is not None and endpoint.access == "private" and \
                endpoint.key == catalog.keys[0]:
            yield rule.say(call.line, call.col, endpoint=call.endpoint,
                           token_endpoint=catalog.websocket.token_endpoint)


RULE = Rule(
    code="KRK302",
    summary="private subscription or request without a token",
    message="{endpoint} needs a WebSocket token; add the token from {token_endpoint}",
    why="""Every private subscription and trading request carries the token from GetWebSocketsToken
(v2: `params.token`; v1: `subscription.token` or `token`); without it Kraken rejects it.
A token set later (`msg["params"]["token"] = token`) counts, and clients that add it
themselves (python-kraken-sdk, ccxt.pro) are not flagged.""",
    fix="Add the token.",
    check=check,
    invalid=(Example('URL = "wss://ws-auth.kraken.com/v2"\nSUBSCRIBE = {"method": "subscribe", "params": '
                     '{"channel": "executions"}}\n', at=(2, 13)),),
    valid=(
        Example('URL = "wss://ws-auth.kraken.com/v2"\n\n\ndef subscribe(token):\n'
                '    return {"method": "subscribe", "params": {"channel": "executions", "token": token}}\n'),
        Example('URL = "wss://ws-auth.kraken.com/v2"\n\n\ndef subscribe(token):\n'
                '    msg = {"method": "subscribe", "params": {"channel": "executions"}}\n'
                '    msg["params"]["token"] = token\n    return msg\n'),
    ),
)
