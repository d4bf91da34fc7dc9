"""Fills as they happen, over Kraken's authenticated WebSocket with a short-lived token."""
import json

import websockets

from oms.signing import kraken_request

PRIVATE_WS = "wss://ws-auth.kraken.com/v2"


def websocket_token() -> str:
    return kraken_request("/0/private/GetWebSocketsToken", {})["result"]["token"]


async def stream_fills():
    subscription = {"method": "subscribe", "params": {"channel": "executions", "snap_orders": True}}
    subscription["params"]["token"] = websocket_token()
    async with websockets.connect(PRIVATE_WS) as ws:
        await ws.send(json.dumps(subscription))
        async for raw in ws:
            yield json.loads(raw)
