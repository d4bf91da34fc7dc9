"""Kraken WebSocket use through the real flake8 and the report: messages, sockets, tokens."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import kraken_table as kraken
from flake8_kraken.catalog import default_catalog
from flake8_kraken.cli import main

HEAD = "import json\nimport websockets\nPUBLIC = 'wss://ws.kraken.com/v2'\nPRIVATE = 'wss://ws-auth.kraken.com/v2'\n"
N = HEAD.count("\n")  # snippet lines start after the header
K301 = "KRK301 {} is private but is sent on the public WebSocket; connect to wss://ws-auth.kraken.com"
K302 = "KRK302 {} needs a WebSocket token; add the token from GetWebSocketsToken"
K103 = ("KRK103 Kraken API key or secret sent over the WebSocket ({}); send a GetWebSocketsToken token instead")
BAL = "KRK901 ws/v2/balances needs Query Funds and Access WebSockets API"
EXE = "KRK901 ws/v2/executions needs Query Open Orders & Trades and Access WebSockets API"
ADD = "KRK901 ws/v2/add_order needs Access WebSockets API and Create & Modify Orders"


def at(row: int, col: int, text: str) -> str:
    return f"t.py:{N + row}:{col}: {text}"


# name: (snippet after HEAD, expected KRK lines with KRK901 on)
CASES = {
    "public-subscription": (
        "async def f():\n    async with websockets.connect(PUBLIC) as ws:\n"
        "        await ws.send(json.dumps({'method': 'subscribe', "
        "'params': {'channel': 'ticker', 'symbol': ['BTC/USD']}}))\n",
        [],
    ),
    "private-with-token": (
        "async def f(token):\n    async with websockets.connect(PRIVATE) as ws:\n"
        "        await ws.send(json.dumps({'method': 'subscribe', "
        "'params': {'channel': 'balances', 'token': token}}))\n",
        [at(3, 34, BAL)],
    ),
    "private-on-public-socket": (
        "async def f(token):\n    async with websockets.connect(PUBLIC) as ws:\n"
        "        await ws.send(json.dumps({'method': 'subscribe', "
        "'params': {'channel': 'balances', 'token': token}}))\n",
        [at(3, 34, K301.format("ws/v2/balances")), at(3, 34, BAL)],
    ),
    "private-without-token": (
        "async def f():\n    async with websockets.connect(PRIVATE) as ws:\n"
        "        await ws.send(json.dumps({'method': 'subscribe', 'params': {'channel': 'executions'}}))\n",
        [at(3, 34, K302.format("ws/v2/executions")), at(3, 34, EXE)],
    ),
    "token-set-later": (
        "async def f(ws, token):\n    msg = {'method': 'add_order', 'params': {'symbol': 'BTC/USD', 'side': 'buy'}}\n"
        "    msg['params']['token'] = token\n    await ws.send(json.dumps(msg))\n",
        [at(2, 11, ADD)],
    ),
    "constant-sent-far-away": (
        "SUBSCRIBE = {'method': 'subscribe', 'params': {'channel': 'executions'}}\n\n\n"
        "async def f():\n    ws = await websockets.connect(PUBLIC)\n    await ws.send(json.dumps(SUBSCRIBE))\n",
        [at(1, 13, K301.format("ws/v2/executions")), at(1, 13, K302.format("ws/v2/executions")), at(1, 13, EXE)],
    ),
    "socket-reused-for-two-addresses": (
        "async def f(token):\n    async with websockets.connect(PUBLIC) as ws:\n"
        "        await ws.send(json.dumps({'method': 'subscribe', 'params': {'channel': 'book'}}))\n"
        "    async with websockets.connect(PRIVATE) as ws:\n"
        "        await ws.send(json.dumps({'method': 'subscribe', "
        "'params': {'channel': 'balances', 'token': token}}))\n",
        [at(5, 34, BAL)],
    ),
    "aiohttp-send-json": (
        "import aiohttp\n\n\nasync def f(token):\n    async with aiohttp.ClientSession() as s:\n"
        "        async with s.ws_connect('wss://ws.kraken.com/v2') as ws:\n"
        "            await ws.send_json({'method': 'add_order', 'params': {'token': token}})\n",
        [at(7, 32, K301.format("ws/v2/add_order")), at(7, 32, ADD)],
    ),
    "websocket-client-v1-json-string": (
        "import websocket\nws = websocket.create_connection('wss://ws.kraken.com/')\n"
        "ws.send('{\"event\":\"subscribe\",\"subscription\":{\"name\":\"openOrders\"}}')\n",
        [at(3, 9, K301.format("ws/v1/openOrders")), at(3, 9, K302.format("ws/v1/openOrders")),
         at(3, 9, "KRK901 ws/v1/openOrders needs Query Open Orders & Trades and Access WebSockets API")],
    ),
    "websocket-app-callback": (
        "import websocket\napp = websocket.WebSocketApp('wss://ws.kraken.com',\n"
        "    on_open=lambda ws: ws.send(json.dumps({'event': 'subscribe', 'subscription': {'name': 'trade'}})))\n",
        [],
    ),
    "v1-private-with-tokens": (
        "def f(ws, token):\n    ws.send(json.dumps({'event': 'subscribe', "
        "'subscription': {'name': 'ownTrades', 'token': token}}))\n"
        "    ws.send(json.dumps({'event': 'addOrder', 'token': token, 'pair': 'XBT/USD', 'type': 'buy'}))\n",
        [at(2, 24, "KRK901 ws/v1/ownTrades needs Query Open Orders & Trades and Access WebSockets API"),
         at(3, 24, "KRK901 ws/v1/addOrder needs Access WebSockets API and Create & Modify Orders")],
    ),
    "key-as-token": (
        "import os\nmsg = {'method': 'cancel_all', 'params': {'token': os.environ['KRAKEN_API_SECRET']}}\n",
        [at(2, 7, "KRK901 ws/v2/cancel_all needs Access WebSockets API and (Cancel/Close Orders or Create & Modify "
                  "Orders)"), at(2, 52, K103.format("the token is KRAKEN_API_SECRET"))],
    ),
    "config-key-as-token": (
        "def f(config):\n    return {'method': 'subscribe', "
        "'params': {'channel': 'balances', 'token': config['api_key']}}\n",
        [at(2, 12, BAL), at(2, 79, K103.format("the token is api_key"))],
    ),
    "api-sign-header-in-message": (
        "def f(key, sig, token):\n    return {'event': 'addOrder', 'token': token, 'API-Key': key, 'API-Sign': sig}\n",
        [at(2, 12, "KRK901 ws/v1/addOrder needs Access WebSockets API and Create & Modify Orders"),
         at(2, 61, K103.format("the message carries API-Key")), at(2, 78, K103.format("the message carries API-Sign"))],
    ),
    "unknown-channel": (
        "msg = {'method': 'subscribe', 'params': {'channel': 'tickr'}}\n",
        [at(1, 7, "KRK203 unknown Kraken endpoint 'ws/v2/tickr' (did you mean 'ws/v2/ticker'?)")],
    ),
    "sdk-client-adds-the-token": (
        "from kraken.spot import SpotWSClient\n\n\nasync def f():\n    client = SpotWSClient(key='k', secret='s')\n"
        "    await client.subscribe(params={'channel': 'executions'})\n"
        "    await client.send_message(message={'method': 'add_order', 'params': {'symbol': 'BTC/USD'}})\n"
        "    await client.subscribe(params={'channel': 'book', 'symbol': ['BTC/USD']})\n",
        [at(6, 11, EXE), at(7, 39, ADD)],
    ),
    "ccxt-pro-watches": (
        "import ccxt.pro as ccxtpro\n\n\nasync def f():\n    ex = ccxtpro.kraken({'apiKey': 'k', 'secret': 's'})\n"
        "    await ex.watch_balance()\n    await ex.watch_ticker('BTC/USD')\n"
        "    await ex.create_order_ws('BTC/USD', 'limit', 'buy', 1, 1)\n",
        [at(6, 11, BAL), at(8, 11, ADD)],
    ),
    "token-from-rest": (
        "import krakenex\ntoken = krakenex.API().query_private('GetWebSocketsToken')['result']['token']\n",
        [at(2, 9, "KRK901 GetWebSocketsToken needs Access WebSockets API")],
    ),
    "api-key-in-json-text": (
        "def login(key, sign):\n"
        "    return ('{\"event\": \"subscribe\", \"subscription\": {\"name\": \"ownTrades\"}, '\n"
        "            '\"API-Key\": \"%s\", \"API-Sign\": \"%s\"}' % (key, sign))\n",
        [at(2, 13, K103.format("the message carries API-Key, API-Sign")), at(2, 13, K302.format("ws/v1/ownTrades")),
         at(2, 13, "KRK901 ws/v1/ownTrades needs Query Open Orders & Trades and Access WebSockets API")],
    ),
    "key-as-token-in-json-text": (
        "def login(key):\n"
        "    return '{\"event\": \"addOrder\", \"token\": \"%s\"}' % key\n",
        [at(2, 12, "KRK901 ws/v1/addOrder needs Access WebSockets API and Create & Modify Orders"),
         at(2, 53, K103.format("the token is key"))],
    ),
    "api-key-in-json-text-noqa": (
        "def login(key):\n"
        "    return '{\"event\": \"addOrder\", \"token\": \"%s\"}' % key  # noqa: KRK103\n",
        [at(2, 12, "KRK901 ws/v1/addOrder needs Access WebSockets API and Create & Modify Orders")],
    ),
    "key-as-token-in-f-string": (
        "def f(api_secret):\n"
        "    return f'{{\"method\": \"subscribe\", \"params\": {{\"channel\": \"balances\", "
        "\"token\": \"{api_secret}\"}}}}'\n",
        [at(2, 12, BAL), at(2, 85, K103.format("the token is api_secret"))],
    ),
    # Not Kraken's.
    "bitfinex-style-subscribe": ("msg = {'event': 'subscribe', 'channel': 'ticker', 'symbol': 'tBTCUSD'}\n", []),
    "binance-style-subscribe": ("msg = {'method': 'SUBSCRIBE', 'params': ['btcusdt@trade'], 'id': 1}\n", []),
    "event-dict-of-an-app": ("msg = {'event': 'click', 'target': 'button'}\n", []),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_websocket_form(flake8, case: str) -> None:
    snippet, expected = CASES[case]
    assert flake8({"t.py": HEAD + snippet}, "--extend-select", "KRK901").krk == expected


def test_no_kraken_no_message(flake8) -> None:
    source = "import json\nmsg = {'method': 'subscribe', 'params': {'channel': 'executions'}}\n"
    assert flake8({"t.py": source}, "--extend-select", "KRK901").krk == []


def test_catalog_matches_krakens_channels() -> None:
    catalog = default_catalog()
    public = {e.name for e in catalog.ws_endpoints if e.access == "public"}
    private = {e.name: (set(e.requirement.all_of), set(e.requirement.any_of))
               for e in catalog.ws_endpoints if e.access == "private"}
    assert public == kraken.WS_PUBLIC
    assert private == kraken.WS_PRIVATE


def _report(tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str) -> dict:
    path = tmp_path / "ws.py"
    path.write_text(source)
    assert main(["permissions", "--format", "json", str(path)]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("name", sorted(kraken.WS_PRIVATE))
def test_every_private_channel_and_request_in_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    _, version, what = name.split("/")
    url = "wss://futures.kraken.com/ws/v1" if version == "futures" else "wss://ws-auth.kraken.com"
    if version == "futures":
        message = {"event": "subscribe", "feed": what, "api_key": "k", "original_challenge": "c",
                   "signed_challenge": "s"}
    elif version == "v2":
        message = ({"method": "subscribe", "params": {"channel": what, "token": "t"}} if what in
                   ("executions", "balances", "level3") else {"method": what, "params": {"token": "t"}})
    else:
        message = ({"event": "subscribe", "subscription": {"name": what, "token": "t"}} if what in
                   ("ownTrades", "openOrders") else {"event": what, "token": "t"})
    data = _report(tmp_path, capsys, f"URL = '{url}'\nmsg = {message!r}\n")
    (call,) = data["files"][0]["calls"]
    assert (call["kind"], call["endpoint"], call["via"]) == ("websocket", name, "websocket message")
    assert (set(call["requires_all"]), set(call["requires_any"])) == kraken.WS_PRIVATE[name]


def test_public_subscriptions_need_no_permission(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = ["URL = 'wss://ws.kraken.com/v2'"]
    lines += [f"m{i} = {{'method': 'subscribe', 'params': {{'channel': '{c}'}}}}"
              for i, c in enumerate(["ticker", "book", "ohlc", "trade", "instrument"])]
    lines += ["v1 = {'event': 'subscribe', 'pair': ['XBT/USD'], 'subscription': {'name': 'spread'}}"]
    data = _report(tmp_path, capsys, "\n".join(lines) + "\n")
    calls = data["files"][0]["calls"]
    assert [c["endpoint"] for c in calls] == ["ws/v2/ticker", "ws/v2/book", "ws/v2/ohlc", "ws/v2/trade",
                                              "ws/v2/instrument", "ws/v1/spread"]
    assert all(c["requires_all"] == c["requires_any"] == [] for c in calls)
    assert data["permissions"] == []


def test_a_keepalive_ping_is_no_call(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Pings (v2 method, v1 event) only keep the socket open: the report lists the subscriptions alone."""
    source = ("URL = 'wss://ws.kraken.com/v2'\nping = {'method': 'ping', 'req_id': 1}\n"
              "sub = {'method': 'subscribe', 'params': {'channel': 'ticker'}}\nold = {'event': 'ping'}\n"
              "spread = {'event': 'subscribe', 'pair': ['XBT/USD'], 'subscription': {'name': 'spread'}}\n")
    data = _report(tmp_path, capsys, source)
    assert [(c["line"], c["endpoint"]) for c in data["files"][0]["calls"]] == [(3, "ws/v2/ticker"),
                                                                               (5, "ws/v1/spread")]


def test_runtime_channel_is_unresolved(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = "URL = 'wss://ws.kraken.com/v2'\n\n\ndef sub(channel):\n" \
             "    return {'method': 'subscribe', 'params': {'channel': channel}}\n"
    data = _report(tmp_path, capsys, source)
    reason = "endpoint name is parameter 'channel' of sub(), set by callers in other modules"
    assert data["files"][0]["unresolved"] == [{"line": 5, "col": 11, "reason": reason}]
