"""KRK104: a Kraken WebSocket token hardcoded in source."""
from __future__ import annotations

from flake8_kraken.rules.base import Example, Rule
from flake8_kraken.rules.credentials import credentials

RULE = Rule(
    code="KRK104",
    summary="Kraken WebSocket token hardcoded in source",
    message="Kraken WebSocket token hardcoded in source ({shown}); fetch a fresh one at run time",
    why="""A WebSocket token carries its key's permissions to the socket. It expires after 15
minutes unless used, so a stored one is either useless or a live credential. Kraken
documents no token length: 40 to 48 base64 characters under a token name, or in a
message's token field, count.""",
    fix="Fetch a fresh token at run time.",
    check=credentials("websocket-token"),
    repair="credential",
    invalid=(
        Example('URL = "wss://ws-auth.kraken.com/v2"\nws_token = "<43-character WebSocket token>"\n', at=(2, 12)),
        Example('URL = "wss://ws-auth.kraken.com/v2"\nmsg = {"method": "subscribe", "params": {"channel": "balances", '
                '"token": "<46-character WebSocket token>"}}\n', at=(2, 74)),
    ),
    valid=(Example('URL = "wss://ws-auth.kraken.com/v2"\n\n\ndef ws_token(api):\n'
                   '    return api.query_private("GetWebSocketsToken")["result"]["token"]\n'),),
)
