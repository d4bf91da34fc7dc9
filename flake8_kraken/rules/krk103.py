"""KRK103: the spot API key or secret sent over a WebSocket."""
from __future__ import annotations

from typing import Iterator

from flake8_kraken.rules.base import Context, Example, Message, Rule


def check(rule: Rule, context: Context) -> Iterator[Message]:
    token = context.catalog.websocket.token_endpoint
    for sent in context.result.keys_sent:
        yield rule.say(sent.line, sent.col, what=sent.what, token_endpoint=token)


RULE = Rule(
    code="KRK103",
    summary="API key or secret sent over a WebSocket",
    message="Kraken API key or secret sent over the WebSocket ({what}); send a {token_endpoint} token instead",
    why="""Kraken's spot WebSockets authenticate with a short-lived token from GetWebSocketsToken,
never with the key itself. A message whose token is the API key or secret, or that carries
`API-Key`/`API-Sign`, sends the key where it is not needed. (The Kraken Futures socket is
another protocol: its private feeds carry the Futures API key with a signed challenge, by
design, and are not flagged.)""",
    fix="Fetch a token with GetWebSocketsToken (any REST client) and send that.",
    check=check,
    invalid=(
        Example('import os\n\nURL = "wss://ws-auth.kraken.com/v2"\nmsg = {"method": "subscribe", "params": '
                '{"channel": "balances", "token": os.environ["KRAKEN_API_SECRET"]}}\n', at=(4, 74)),
        Example('URL = "wss://ws-auth.kraken.com/v2"\n\n\ndef subscription(key, token):\n'
                '    return {"method": "subscribe", "params": {"channel": "balances", "token": token, '
                '"API-Key": key}}\n',
                at=(5, 97)),
        Example('URL = "wss://ws-auth.kraken.com"\n\n\ndef login(key, sign):\n    return (\'{"event": "subscribe", '
                '"subscription": {"name": "ownTrades"}, \'\n            \'"API-Key": "%s", "API-Sign": "%s"}\' '
                '% (key, sign))\n', at=(5, 13)),
    ),
    valid=(
        Example('URL = "wss://ws-auth.kraken.com/v2"\n\n\ndef subscription(token):\n'
                '    return {"method": "subscribe", "params": {"channel": "balances", "token": token}}\n'),
        Example('URL = "wss://futures.kraken.com/ws/v1"\n\n\ndef fills(api_key, challenge, signed):\n'
                '    return {"event": "subscribe", "feed": "fills", "api_key": api_key, '
                '"original_challenge": challenge,\n            "signed_challenge": signed}\n'),
    ),
)
