"""How real code reaches Kraken, idiom by idiom: each through the real flake8 and through the report.

Every case is a small project (one or more files). `flake8` lists what flake8 prints
with KRK901 on (so each call shows, with its exact position); `report` lists the
report's calls as (file, line, col, endpoint). Both come from one analysis of the
code, so they must agree with each other as well as with the expectation.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from flake8_kraken.cli import main

BAL = "KRK901 Balance needs Query Funds"
BALX = "KRK901 BalanceEx needs Query Funds"
ADD = "KRK901 AddOrder needs Create & Modify Orders"
OPEN = "KRK901 OpenOrders needs Query Open Orders & Trades"
W202 = "KRK202 Withdraw needs Withdraw Funds; keep withdrawal calls in code allowed to move funds"
WD = "KRK901 Withdraw needs Withdraw Funds"
EXE = "KRK901 ws/v2/executions needs Query Open Orders & Trades and Access WebSockets API"
OWN = "KRK901 ws/v1/ownTrades needs Query Open Orders & Trades and Access WebSockets API"
K301 = "KRK301 {} is private but is sent on the public WebSocket; connect to wss://ws-auth.kraken.com"
K302 = "KRK302 {} needs a WebSocket token; add the token from GetWebSocketsToken"

# name: (files, flake8 lines with KRK901 on, report calls as (path, line, col, endpoint))
CASES: dict[str, tuple[dict[str, str], list[str], list[tuple[str, int, int, str]]]] = {
    # --- clients made by factories, kept in globals, caches and self, chosen in an if ---------------
    "factory-function": ({"bot.py": (
        "import krakenex\n\n\ndef get_client():\n    return krakenex.API()\n\n\n"
        "get_client().query_private('Balance')\nclient = get_client()\nclient.query_private('AddOrder')\n"
    )}, [f"bot.py:8:1: {BAL}", f"bot.py:10:1: {ADD}"], [("bot.py", 8, 0, "Balance"), ("bot.py", 10, 0, "AddOrder")]),
    "lazy-module-global": ({"bot.py": (
        "import krakenex\n_client = None\n\n\ndef client():\n    global _client\n    if _client is None:\n"
        "        _client = krakenex.API()\n    return _client\n\n\n"
        "def cash():\n    return client().query_private('Balance')\n"
    )}, [f"bot.py:13:12: {BAL}"], [("bot.py", 13, 11, "Balance")]),
    "lru-cached-factory": ({"bot.py": (
        "import functools\n\nimport ccxt\n\n\n@functools.lru_cache(maxsize=None)\ndef exchange():\n"
        "    return ccxt.kraken({'enableRateLimit': True})\n\n\nexchange().fetch_balance()\n"
    )}, [f"bot.py:11:1: {BALX}"], [("bot.py", 11, 0, "BalanceEx")]),
    "untyped-parameter-from-callers": ({"bot.py": (
        "import krakenex\n\n\ndef place(client, pair):\n"
        "    return client.query_private('AddOrder', {'pair': pair})\n\n\n"
        "def cash(client):\n    return client.query_public('Ticker')\n\n\nplace(krakenex.API(), 'XBTUSD')\n"
    )}, [f"bot.py:5:12: {ADD}"], [("bot.py", 5, 11, "AddOrder"), ("bot.py", 9, 11, "Ticker")]),
    "exchange-chosen-in-an-if": ({"bot.py": (
        "import ccxt\n\n\nclass Bot:\n    def __init__(self, name):\n        if name == 'kraken':\n"
        "            self.exchange = ccxt.kraken()\n        else:\n            self.exchange = ccxt.binance()\n\n"
        "    def cash(self):\n        return self.exchange.fetch_balance()\n"
    )}, [f"bot.py:12:16: {BALX}"], [("bot.py", 12, 15, "BalanceEx")]),
    "client-passed-to-a-constructor": ({"bot.py": (
        "import krakenex\n\n\nclass Trader:\n    def __init__(self, api):\n        self.api = api\n\n"
        "    def buy(self):\n        self.api.query_private('AddOrder')\n\n\nTrader(krakenex.API()).buy()\n"
    )}, [f"bot.py:9:9: {ADD}"], [("bot.py", 9, 8, "AddOrder")]),
    # --- classes held in variables, modules imported whole -----------------------------------------
    "ccxt-class-in-a-variable": ({"bot.py": (
        "import ccxt\n\ncls = ccxt.kraken\nex = cls({'apiKey': 'k'})\nex.fetch_open_orders()\n"
        "ID = 'kraken'\nex2 = getattr(ccxt, ID)()\nex2.create_order('XBT/USD', 'limit', 'buy', 1, 1)\n"
    )}, [f"bot.py:5:1: {OPEN}", f"bot.py:8:1: {ADD}"], [("bot.py", 5, 0, "OpenOrders"), ("bot.py", 8, 0, "AddOrder")]),
    "ccxt-pro-module-alias": ({"bot.py": (
        "import ccxt.pro as ccxtpro\n\n\nasync def main():\n    ex = ccxtpro.kraken()\n    await ex.watch_orders()\n"
    )}, [f"bot.py:6:11: {EXE}"], [("bot.py", 6, 10, "ws/v2/executions")]),
    "pykrakenapi-imported-whole": ({"bot.py": (
        "import krakenex\nimport pykrakenapi\n\nk = pykrakenapi.KrakenAPI(krakenex.API())\nk.get_account_balance()\n"
    )}, [f"bot.py:5:1: {BAL}"], [("bot.py", 5, 0, "Balance")]),
    # --- bound methods handed to helpers ---------------------------------------------------------
    "bound-method-to-a-retry-helper": ({"bot.py": (
        "import ccxt\n\n\nclass Bot:\n    def __init__(self):\n        self.exchange = ccxt.kraken()\n\n"
        "    def _retry(self, fn, *args):\n        return fn(*args)\n\n    def cash(self):\n"
        "        return self._retry(self.exchange.fetch_balance)\n"
    )}, [f"bot.py:12:28: {BALX}"], [("bot.py", 12, 27, "BalanceEx")]),
    "bound-method-to-an-executor": ({"bot.py": (
        "import asyncio\n\nimport krakenex\n\nk = krakenex.API()\n\n\nasync def cash():\n"
        "    loop = asyncio.get_running_loop()\n"
        "    return await loop.run_in_executor(None, k.query_private, 'Balance')\n"
    )}, [f"bot.py:10:45: {BAL}"], [("bot.py", 10, 44, "Balance")]),
    "getattr-with-the-name-from-callers": ({"bot.py": (
        "import krakenex\nfrom pykrakenapi import KrakenAPI\n\n\nclass Client:\n    def __init__(self):\n"
        "        self.k = KrakenAPI(krakenex.API())\n\n    def _call(self, name, **kwargs):\n"
        "        return getattr(self.k, name)(**kwargs)\n\n    def cash(self):\n"
        "        return self._call('get_account_balance')\n\n    def orders(self):\n"
        "        return self._call('get_open_orders')\n"
    )}, [f"bot.py:13:16: {BAL}", f"bot.py:16:16: {OPEN}"],
        [("bot.py", 13, 15, "Balance"), ("bot.py", 16, 15, "OpenOrders")]),
    # --- subclasses of library clients -------------------------------------------------------------
    "sdk-websocket-client-subclass": ({"bot.py": (
        "from kraken.spot import SpotWSClient\n\n\nclass Bot(SpotWSClient):\n    async def on_message(self, message):\n"
        "        print(message)\n\n    async def begin(self):\n"
        "        await self.subscribe(params={'channel': 'executions'})\n"
    )}, [f"bot.py:9:15: {EXE}"], [("bot.py", 9, 14, "ws/v2/executions")]),
    "sdk-legacy-websocket-client-subclass": ({"bot.py": (
        "from kraken.spot import KrakenSpotWSClientV2\n\n\nclass Bot(KrakenSpotWSClientV2):\n"
        "    async def begin(self):\n        await self.subscribe(params={'channel': 'executions'})\n"
    )}, [f"bot.py:6:15: {EXE}"], [("bot.py", 6, 14, "ws/v2/executions")]),
    # --- endpoint paths assembled in pieces --------------------------------------------------------
    "base-url-class-attribute-and-fragment": ({"bot.py": (
        "import requests\n\n\nclass Kraken:\n    BASE = 'https://api.kraken.com/0'\n\n    def _get(self, fragment):\n"
        "        return requests.get(self.BASE + fragment)\n\n    def ticker(self):\n"
        "        return self._get('/public/Ticker')\n\n"
        "    def cash(self):\n        return self._get('/private/Balance')\n"
    )}, [f"bot.py:14:16: {BAL}"], [("bot.py", 11, 15, "Ticker"), ("bot.py", 14, 15, "Balance")]),
    "segment-chosen-by-a-boolean": ({"bot.py": (
        "import requests\nAPI = 'https://api.kraken.com'\n\n\ndef query(name, private=False):\n"
        "    segment = 'private' if private else 'public'\n    return requests.post(f'{API}/0/{segment}/{name}')\n\n\n"
        "query('Ticker')\nquery('Balance', private=True)\n"
    )}, [f"bot.py:11:1: {BAL}"], [("bot.py", 10, 0, "Ticker"), ("bot.py", 11, 0, "Balance")]),
    "names-iterated-from-a-literal": ({"bot.py": (
        "import krakenex\nk = krakenex.API()\nfor name in ('Balance', 'OpenOrders'):\n    k.query_private(name)\n"
    )}, [f"bot.py:4:5: {BAL}", f"bot.py:4:5: {OPEN}"], [("bot.py", 4, 4, "Balance"), ("bot.py", 4, 4, "OpenOrders")]),
    "name-tested-in-a-set": ({"bot.py": (
        "import json\n\nPRIVATE_FEEDS = {'ownTrades'}\n\n\ndef subscribe(ws, feed, token):\n"
        "    if feed in PRIVATE_FEEDS:\n"
        "        ws.send(json.dumps({'event': 'subscribe', 'subscription': {'name': feed, 'token': token}}))\n"
    )}, [f"bot.py:8:28: {OWN}"], [("bot.py", 8, 27, "ws/v1/ownTrades")]),
    "enum-member-and-value": ({"bot.py": (
        "import enum\n\nimport krakenex\n\n\n"
        "class Endpoint(enum.Enum):\n    BALANCE = 'Balance'\n    ADD = 'AddOrder'\n\n\n"
        "k = krakenex.API()\nk.query_private(Endpoint.BALANCE.value)\nk.query_private(Endpoint.ADD)\n"
    )}, [f"bot.py:12:1: {BAL}", f"bot.py:13:1: {ADD}"], [("bot.py", 12, 0, "Balance"), ("bot.py", 13, 0, "AddOrder")]),
    "dict-of-names-indexed": ({"bot.py": (
        "import krakenex\nENDPOINTS = {'cash': 'Balance', 'buy': 'AddOrder'}\nk = krakenex.API()\n\n\n"
        "def call(what):\n    return k.query_private(ENDPOINTS[what])\n"
    )}, [f"bot.py:7:12: {BAL}", f"bot.py:7:12: {ADD}"], [("bot.py", 7, 11, "Balance"), ("bot.py", 7, 11, "AddOrder")]),
    # --- WebSocket messages as JSON text, sockets in attributes and factories -------------------------
    "json-text-with-percent": ({"bot.py": (
        "import websocket\nURL = 'wss://ws-auth.kraken.com/'\nws = websocket.create_connection(URL)\n"
        "MSG = '{\"event\": \"subscribe\", \"subscription\": {\"name\": \"%s\", \"token\": \"%s\"}}'\n\n\n"
        "def own(token):\n    ws.send(MSG % ('ownTrades', token))\n"
    )}, [f"bot.py:8:13: {OWN}"], [("bot.py", 8, 12, "ws/v1/ownTrades")]),
    "json-text-with-format-on-public-socket": ({"bot.py": (
        "import websocket\n\n\nclass Feed:\n    def __init__(self):\n"
        "        self.ws = websocket.create_connection('wss://ws.kraken.com/v2')\n\n    def fills(self, token):\n"
        "        self.ws.send('{{\"method\": \"subscribe\", \"params\": {{\"channel\": \"{}\", \"token\": \"{}\"}}}}'"
        ".format('executions', token))\n"
    )}, [f"bot.py:9:22: {K301.format('ws/v2/executions')}", f"bot.py:9:22: {EXE}"],
        [("bot.py", 9, 21, "ws/v2/executions")]),
    "socket-from-a-factory": ({"bot.py": (
        "import json\n\nimport websockets\n\n\n"
        "def connect():\n    return websockets.connect('wss://ws.kraken.com/v2')\n\n\n"
        "async def fills(token):\n    async with connect() as ws:\n"
        "        await ws.send(json.dumps({'method': 'subscribe', "
        "'params': {'channel': 'executions', 'token': token}}))\n"
    )}, [f"bot.py:12:34: {K301.format('ws/v2/executions')}", f"bot.py:12:34: {EXE}"],
        [("bot.py", 12, 33, "ws/v2/executions")]),
    "kraken-sample-client-v1": ({"bot.py": (
        "from kraken_wsclient_py import kraken_wsclient_py as client\n\nc = client.WssClient()\n"
        "c.subscribe_public(subscription={'name': 'ownTrades'}, callback=print)\n"
        "c.subscribe_private(subscription={'name': 'ownTrades'}, callback=print)\n"
    )}, [f"bot.py:4:1: {K301.format('ws/v1/ownTrades')}", f"bot.py:4:1: {K302.format('ws/v1/ownTrades')}",
         f"bot.py:4:1: {OWN}", f"bot.py:5:1: {K302.format('ws/v1/ownTrades')}", f"bot.py:5:1: {OWN}"],
        [("bot.py", 4, 0, "ws/v1/ownTrades"), ("bot.py", 5, 0, "ws/v1/ownTrades")]),
    "kraken-sample-client-v2-request": ({"bot.py": (
        "from kraken_wsclient_v2 import kraken_wsclient_v2 as client\n\n\ndef buy(token):\n"
        "    client.WssClient().request(request={'method': 'add_order', 'params': {'token': token}})\n"
    )}, ["bot.py:5:5: KRK901 ws/v2/add_order needs Access WebSockets API and Create & Modify Orders"],
        [("bot.py", 5, 4, "ws/v2/add_order")]),
    # --- evidence without a type --------------------------------------------------------------------
    "krakenex-method-on-an-untyped-parameter": ({"bot.py": (
        "def cash(api):\n    return api.query_private('Balance')\n"
    )}, [f"bot.py:2:12: {BAL}"], [("bot.py", 2, 11, "Balance")]),
    "ccxt-unified-method-where-only-kraken-is-made": ({"bot.py": (
        "import ccxt\n\n\ndef make():\n    return ccxt.kraken()\n\n\n"
        "def cash(exchange):\n    return exchange.fetch_balance()\n"
    )}, [f"bot.py:9:12: {BALX}"], [("bot.py", 9, 11, "BalanceEx")]),
    # --- helpers in other modules of the same project --------------------------------------------------
    "cross-module-helper": ({
        "app/__init__.py": "",
        "app/api.py": (
            "import krakenex\n\n_api = krakenex.API()\n\n\ndef query_api(kind, name, params=None):\n"
            "    if kind == 'private':\n        return _api.query_private(name, params)\n"
            "    return _api.query_public(name, params)\n"
        ),
        "app/payout.py": (
            "from .api import query_api\n\n\ndef pay(params):\n    return query_api('private', 'Withdraw', params)\n"
        ),
    }, [f"app/payout.py:5:12: {W202}", f"app/payout.py:5:12: {WD}"], [("app/payout.py", 5, 11, "Withdraw")]),
    "cross-module-factory-and-constant": ({
        "svc/__init__.py": "",
        "svc/clients.py": "import ccxt\n\nPATH = '/0/private/Balance'\n\n\ndef make():\n    return ccxt.kraken()\n",
        "svc/jobs.py": (
            "import requests\n\nfrom svc.clients import PATH, make\n\n\ndef run():\n    make().fetch_open_orders()\n"
            "    requests.post('https://api.kraken.com' + PATH)\n"
        ),
    }, [f"svc/jobs.py:7:5: {OPEN}", f"svc/jobs.py:8:19: {BAL}", f"svc/clients.py:3:8: {BAL}"],
        [("svc/clients.py", 3, 7, "Balance"), ("svc/jobs.py", 7, 4, "OpenOrders"), ("svc/jobs.py", 8, 18, "Balance")]),
    "namespace-package-without-init-files": ({
        "bot/api.py": "import krakenex\n\nclient = krakenex.API()\n",
        "tests/unit/test_cash.py": (
            "from bot.api import client\n\n\ndef test_cash():\n    client.query_private('Balance')\n"
        ),
    }, [f"tests/unit/test_cash.py:5:5: {BAL}"], [("tests/unit/test_cash.py", 5, 4, "Balance")]),
    "path-extended-with-plus-equals": ({"bot.py": (
        "import requests\nAPI = 'https://api.kraken.com'\n\n\ndef book(pair):\n    path = '/0/public/Depth'\n"
        "    path += '?pair=' + pair\n    return requests.get(API + path)\n"
    )}, [], [("bot.py", 8, 24, "Depth")]),
    "client-from-a-module-not-read": ({"bot.py": (
        "from settings import api_client\n\n\ndef cash():\n    return api_client.query_private('Balance')\n"
    )}, [f"bot.py:5:12: {BAL}"], [("bot.py", 5, 11, "Balance")]),
}

# Must not misfire: these stay silent (beside the must-not-misfire cases of test_resolution.py).
SILENT = {
    "own-class-is-followed-not-guessed": {"bot.py": (
        "class Store:\n    def query_private(self, name):\n        return name\n\n\ndef cash(store: Store):\n"
        "    return store.query_private('Balance')\n\n\ncash(Store())\n"
    )},
    "unified-method-where-another-exchange-is-made": {"bot.py": (
        "import ccxt\n\n\ndef make(name):\n    return ccxt.kraken() if name == 'k' else ccxt.binance()\n\n\n"
        "def cash(exchange):\n    return exchange.fetch_balance()\n"
    )},
    "no-kraken-module-calls-a-helper-of-no-kraken-module": {
        "a.py": "from b import f\nf('Balance')\n",
        "b.py": "def f(name):\n    return name\n",
    },
    "requests-session-named-kraken": {"bot.py": (
        "import requests\nkraken = requests.Session()\nkraken.query_public('Time')\n"
    )},
}


def _write(tmp_path: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[tuple[str, int, int, str]]:
    assert main(["permissions", "--isolated", "--format", "json", str(tmp_path)]) == 0
    data = json.loads(capsys.readouterr().out)
    root = tmp_path.as_posix().rstrip("/") + "/"
    return sorted((f["path"].replace(root, ""), c["line"], c["col"], c["endpoint"])
                  for f in data["files"] for c in f["calls"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_idiom_through_flake8_and_the_report(flake8, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             name: str) -> None:
    files, lines, calls = CASES[name]
    run = flake8(files, "--extend-select", "KRK901", paths=sorted(n for n in files if n.endswith(".py")))
    assert sorted(run.krk) == sorted(lines)
    _write(tmp_path, files)
    assert _report(tmp_path, capsys) == sorted(calls)


# Ordinary code after each module: LibCST is given only the statements the analysis needs (region.py),
# so every idiom must still be followed with its definitions and users among statements it is not given.
ORDINARY = "".join(f"\n\ndef _ordinary_{i}(values):\n    return sorted(v for v in values if v)\n" for i in range(8))


def _among_ordinary_code(files: dict[str, str]) -> dict[str, str]:
    return {name: text.rstrip("\n") + "\n" + ORDINARY if name.endswith(".py") else text
            for name, text in files.items()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_idiom_among_ordinary_code(flake8, name: str) -> None:
    files, lines, _ = CASES[name]
    run = flake8(_among_ordinary_code(files), "--extend-select", "KRK901",
                 paths=sorted(n for n in files if n.endswith(".py")))
    assert sorted(run.krk) == sorted(lines)


@pytest.mark.parametrize("name", sorted(SILENT))
def test_silent_among_ordinary_code(flake8, name: str) -> None:
    files = SILENT[name]
    assert flake8(_among_ordinary_code(files), "--extend-select", "KRK901", paths=sorted(files)).krk == []


@pytest.mark.parametrize("name", sorted(SILENT))
def test_must_not_misfire(flake8, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    files = SILENT[name]
    assert flake8(files, "--extend-select", "KRK901", paths=sorted(files)).krk == []
    _write(tmp_path, files)
    assert _report(tmp_path, capsys) == []


# --- bounded work ----------------------------------------------------------------------------------


def _pathological(kind: str) -> str:
    head = "import krakenex\nk = krakenex.API()\n"
    if kind == "call-chain":  # 2,000 helpers, each passing the name to the next
        body = "".join(f"def h{i}(name):\n    return h{i + 1}(name)\n\n\n" for i in range(2000))
        return head + body + "def h2000(name):\n    return k.query_private(name)\n\n\nh0('Balance')\n"
    if kind == "mutual-recursion":
        body = "".join(f"def f{i}(x):\n    return f{(i + 1) % 500}(x) + g{i}(x)\n\n\n"
                       f"def g{i}(x):\n    return f{i}(x)\n\n\n" for i in range(500))
        return head + body + "k.query_private(f0('Balance'))\n"
    if kind == "huge-literals":
        names = ", ".join(f"'Name{i}'" for i in range(20000))
        return head + f"NAMES = [{names}]\nfor n in NAMES:\n    k.query_private(n)\nk.query_private(NAMES[7])\n"
    if kind == "parameter-web":  # every call's arguments are parameters that other calls pass
        body = "".join(f"def f{i}(a, b):\n    return f{i - 1}(b, a) + f{i - 2}(a, b)\n\n\n" for i in range(2, 400))
        return head + "def f0(a, b):\n    return a\n\n\ndef f1(a, b):\n    return b\n\n\n" + body + \
            "k.query_private(f399('Balance', 'Ticker'))\n"
    # wide unions: one name bound to many different strings, concatenated with itself
    body = "".join(f"x = 'p{i}'\n" for i in range(2000))
    return head + body + "k.query_private(x + x + x + x)\n"


@pytest.mark.parametrize("kind", ["call-chain", "mutual-recursion", "parameter-web", "huge-literals", "wide-unions"])
def test_pathological_modules_finish_within_three_times_flake8(
    flake8, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    from flake8_kraken.plugin import KrakenChecker

    files = {"t.py": _pathological(kind)}
    flake8(files)  # imports and the catalog warm, as in any run after the first file

    def best(*args: str) -> tuple[float, Any]:
        """The fastest of three runs: a busy machine slows one run, not the work."""
        times = []
        for _ in range(3):
            start = time.perf_counter()
            done = flake8(files, *args)
            times.append(time.perf_counter() - start)
        return min(times), done

    with monkeypatch.context() as patch:
        patch.setattr(KrakenChecker, "run", lambda self: iter(()))
        own, _ = best()
    spent, run = best("--extend-select", "KRK901")
    ratio = spent / own
    assert ratio < 3, f"{kind}: {ratio:.1f} times flake8's own time"
    assert not any("KRK000" in line for line in run.krk), run.krk


def test_a_module_past_its_work_budget_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from flake8_kraken.model import evaluate

    monkeypatch.setattr(evaluate, "WORK_PER_NAME", 1)
    _write(tmp_path, {"t.py": _pathological("parameter-web")})
    assert main(["permissions", "--isolated", "--format", "json", str(tmp_path)]) == 0
    unresolved = json.loads(capsys.readouterr().out)["files"][0]["unresolved"]
    assert {"line": 1, "col": 0, "reason": "the module needs more work to follow than one file is given; "
                                           "what was left is not reported"} in unresolved
