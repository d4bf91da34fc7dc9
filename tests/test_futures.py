"""Kraken Futures and the Funding API through the real flake8 and the report: endpoints named by
HTTP method and path, and the second API key."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import kraken_table as kraken
from conftest import command, credential
from flake8_kraken.cli import main

W202 = "KRK202 {} {}; keep withdrawal calls in code allowed to move funds"


def _calls(tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str) -> list[tuple[int, str, str]]:
    path = tmp_path / "raw.py"
    path.write_text(source)
    assert main(["permissions", "--isolated", "--format", "json", str(path)]) == 0
    return [(c["line"], c["endpoint"], c["key"]) for c in json.loads(capsys.readouterr().out)["files"][0]["calls"]]


def _sent(verb: str, url: str) -> str:
    """A request as raw HTTP code makes it, with a concrete value for each path parameter."""
    concrete = url.replace("{", "").replace("}", "")
    return f"requests.{verb.lower()}(BASE + {concrete!r})"


@pytest.mark.parametrize("name", sorted(kraken.FUNDING))
def test_every_funding_endpoint_by_method_and_path(tmp_path: Path, capsys, name: str) -> None:
    verb, path = name.split(" ", 1)
    source = f"import requests\n\nBASE = 'https://api.kraken.com'\n{_sent(verb, path)}\n"
    assert _calls(tmp_path, capsys, source) == [(4, name, "spot")]


@pytest.mark.parametrize("name", sorted(kraken.FUTURES))
def test_futures_endpoints_by_method_and_path(tmp_path: Path, capsys, name: str) -> None:
    verb, path = name.split(" ", 1)
    source = f"import requests\n\nBASE = 'https://futures.kraken.com'\n{_sent(verb, path)}\n"
    assert _calls(tmp_path, capsys, source) == [(4, name, "futures")]


RAW = """import requests
import urllib.request

BASE = "https://api.kraken.com"
FUTURES = "https://demo-futures.kraken.com"


def funding(method, path, **kw):
    return requests.request(method, BASE + path, **kw)


def read(path):
    return requests.get(f"{BASE}{path}")


funding("POST", "/funding/v1/withdrawals", json={"asset": "XBT"})
read("/funding/v1/withdrawals")
urllib.request.Request(BASE + "/funding/v1/addresses", data=b"{}")
requests.post(BASE + "/funding/v1/withdrawal")
url = BASE + "/funding/v1/addresses/AB123"
requests.delete(url)
requests.Session().request(method="PUT", url=BASE + "/funding/v1/deposit/address")
requests.post(f"{FUTURES}/derivatives/api/v3/withdrawal", data={"currency": "xbt"})
requests.get("https://example.com/derivatives/api/v3/accounts")
print("the Funding API lives under /funding/v1/")
"""


def test_raw_http_forms(flake8) -> None:
    run = flake8({"raw.py": RAW}, "--select", "KRK")
    assert run.krk == [
        "raw.py:16:1: " + W202.format("POST /funding/v1/withdrawals", "needs Withdraw Funds"),
        "raw.py:16:1: KRK901 POST /funding/v1/withdrawals needs Withdraw Funds",
        "raw.py:17:1: KRK901 GET /funding/v1/withdrawals needs Query Funds",
        "raw.py:18:24: KRK901 POST /funding/v1/addresses needs Add Withdrawal Addresses",
        "raw.py:19:15: KRK203 unknown Kraken endpoint 'POST /funding/v1/withdrawal' "
        "(did you mean 'POST /funding/v1/withdrawals'?)",
        "raw.py:21:17: KRK901 DELETE /funding/v1/addresses/{id} needs Add Withdrawal Addresses",
        "raw.py:22:46: KRK901 PUT /funding/v1/deposit/address needs Deposit Funds",
        "raw.py:23:15: " + W202.format("POST /derivatives/api/v3/withdrawal", "needs Withdrawal API: Full Access"),
        "raw.py:23:15: KRK901 POST /derivatives/api/v3/withdrawal needs Withdrawal API: Full Access",
    ]


def test_a_method_not_known_needs_the_strictest_of_the_paths_requirements(flake8) -> None:
    source = ("import requests\n\n\ndef call(verb, url):\n    return requests.request(verb, url)\n\n\n"
              "call(input(), 'https://futures.kraken.com/derivatives/api/v3/leveragepreferences')\n")
    assert flake8({"t.py": source}, "--select", "KRK901").krk == [
        "t.py:8:15: KRK901 * /derivatives/api/v3/leveragepreferences needs General API: Full Access"]


TWO_KEYS = {
    "hedge/__init__.py": "",
    "hedge/spot.py": "import krakenex\n\napi = krakenex.API()\napi.query_private('Balance')\n",
    "hedge/futures.py": ("from kraken.futures import Trade, User\n\nTrade().create_order(symbol='PF_XBTUSD')\n"
                         "User().get_wallets()\n"),
    "treasury/__init__.py": "",
    "treasury/sweep.py": "from kraken.futures import Funding\n\nFunding().initiate_withdrawal_to_spot_wallet()\n",
}


def _project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, text in TWO_KEYS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)


def test_code_that_needs_two_keys(tmp_path: Path, capsys, monkeypatch) -> None:
    _project(tmp_path, monkeypatch)
    assert main(["permissions", "--isolated", "--format", "json", "."]) == 0
    report = json.loads(capsys.readouterr().out)
    hedge = next(c for c in report["components"] if c["name"] == "hedge")
    assert hedge["keys"] == {"spot": ["query-funds"], "futures": ["futures-full"]}
    assert hedge["permissions"] == ["query-funds", "futures-full"]
    assert hedge["preset"] == "read-balances"  # Kraken's presets are spot keys'
    assert report["keys"] == {"spot": ["query-funds"], "futures": ["futures-full", "futures-withdrawal"]}
    assert main(["permissions", "--isolated", "."]) == 0
    text = capsys.readouterr().out
    assert "  hedge: spot key: query-funds; futures key: futures-full  (preset: read-balances)\n" in text
    assert "  treasury: futures-withdrawal\n" in text


def test_emit_config_and_check_handle_both_keys(tmp_path: Path, capsys, monkeypatch) -> None:
    _project(tmp_path, monkeypatch)
    assert main(["permissions", "--isolated", "--emit-config", "."]) == 0
    emitted = capsys.readouterr().out
    assert emitted == ("[flake8]\nkraken-permissions =\n    hedge/*: read-balances, futures-full\n"
                       "    treasury/*: futures-withdrawal\nkraken-withdraw-paths =\n    treasury/*\n")
    (tmp_path / "setup.cfg").write_text(emitted)
    assert main(["permissions", "--check", "."]) == 0
    capsys.readouterr()
    (tmp_path / "setup.cfg").write_text(emitted.replace("read-balances, futures-full", "read-balances"))
    assert main(["permissions", "--check", "."]) == 1
    done = command("flake8", "--select", "KRK201", "hedge/futures.py", cwd=tmp_path)
    assert done.stdout == ("hedge/futures.py:3:1: KRK201 POST /derivatives/api/v3/sendorder needs General API: "
                           "Full Access, which the key declared for hedge/* in kraken-permissions does not grant\n"
                           "hedge/futures.py:4:1: KRK201 GET /derivatives/api/v3/accounts needs General API: Read "
                           "Only or General API: Full Access, which the key declared for hedge/* in "
                           "kraken-permissions does not grant\n")


FEEDS = """import json

import websockets

URL = "wss://futures.kraken.com/ws/v1"


async def fills(api_key, api_secret, sign):
    async with websockets.connect(URL) as ws:
        await ws.send(json.dumps({"event": "challenge", "api_key": api_key}))
        challenge = json.loads(await ws.recv())["message"]
        await ws.send(json.dumps({"event": "subscribe", "feed": "fills", "api_key": api_key,
                                  "original_challenge": challenge, "signed_challenge": sign(api_secret, challenge)}))
        await ws.send(json.dumps({"event": "subscribe", "feed": "ticker", "product_ids": ["PF_XBTUSD"]}))
        await ws.send(json.dumps({"event": "subscribe", "subscription": {"name": "ticker"}, "pair": ["XBT/USD"]}))
"""


def test_the_futures_websocket_and_its_challenge(flake8, tmp_path: Path, capsys) -> None:
    """The Futures API key on the Futures socket is the protocol (no KRK103); a private feed needs a
    Futures key, and no spot token (no KRK302)."""
    assert flake8({"feeds.py": FEEDS}, "--select", "KRK", "--extend-select", "KRK901").krk == [
        "feeds.py:12:34: KRK901 ws/futures/fills needs General API: Read Only or General API: Full Access"]
    assert _calls(tmp_path, capsys, FEEDS) == [(10, "ws/futures/challenge", "futures"),
                                               (12, "ws/futures/fills", "futures"),
                                               (14, "ws/futures/ticker", "futures"),
                                               (15, "ws/v1/ticker", "spot")]


CLIENT_FEEDS = """import ccxt.pro as ccxtpro
from kraken.futures import FuturesWSClient


class Bot(FuturesWSClient):
    async def on_message(self, message):
        print(message)


async def main(key, secret):
    exchange = ccxtpro.krakenfutures({"apiKey": key, "secret": secret})
    await exchange.watch_balance()
    await exchange.watch_order_book("PF_XBTUSD")
    bot = Bot(key=key, secret=secret)
    await bot.subscribe(feed="open_positions")
    await bot.subscribe("trade", products=["PF_XBTUSD"])
"""


def test_futures_feeds_through_the_clients(tmp_path: Path, capsys) -> None:
    assert _calls(tmp_path, capsys, CLIENT_FEEDS) == [(12, "ws/futures/balances", "futures"),
                                                      (13, "ws/futures/book", "futures"),
                                                      (15, "ws/futures/open_positions", "futures"),
                                                      (16, "ws/futures/trade", "futures")]


def test_a_hardcoded_futures_secret_is_krk102(flake8) -> None:
    """Futures secrets are 66 bytes in 88 characters without padding, spot ones 64 bytes ending in ==."""
    secret = credential(66)
    source = f"from kraken.futures import Trade\n\nTrade(key=KEY, secret='{secret}')\n"
    assert [line.split(": ")[1][:6] for line in flake8({"t.py": source}, "--select", "KRK1").krk] == ["KRK102"]
