"""Live tickers over Kraken's public WebSocket: no key, no token."""
import json

import websockets

PUBLIC_WS = "wss://ws.kraken.com/v2"


async def stream_tickers(symbols: list[str]):
    async with websockets.connect(PUBLIC_WS) as ws:
        await ws.send(json.dumps({"method": "subscribe", "params": {"channel": "ticker", "symbol": symbols}}))
        async for raw in ws:
            yield json.loads(raw)
