"""How far static resolution goes: each form the tool follows, with flake8's exact output."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from flake8_kraken.cli import main

W = "KRK202 Withdraw needs Withdraw Funds; keep withdrawal calls in code allowed to move funds"
BALANCE = "KRK901 Balance needs Query Funds"
ADD = "KRK901 AddOrder needs Create & Modify Orders"

# name: (source, expected KRK lines with KRK901 on)
CASES = {
    "module-alias": ("import krakenex as kx\napi = kx.API()\napi.query_private('Balance')\n", [f"t.py:3:1: {BALANCE}"]),
    "from-import-alias": (
        "from krakenex import API as K\nK().query_private('AddOrder')\n", [f"t.py:2:1: {ADD}"]),
    "self-attribute-set-in-any-method": (
        "import krakenex\n\n\nclass Bot:\n    def connect(self):\n        self.api = krakenex.API()\n\n"
        "    def buy(self):\n        self.api.query_private('AddOrder')\n",
        [f"t.py:9:9: {ADD}"],
    ),
    "class-attribute": (
        "import krakenex\n\n\nclass Bot:\n    api = krakenex.API()\n\n    def buy(self):\n"
        "        self.api.query_private('AddOrder')\n",
        [f"t.py:8:9: {ADD}"],
    ),
    "class-attribute-is-not-a-global": (
        "import krakenex\n\n\nclass Bot:\n    api = krakenex.API()\n\n\ndef buy():\n"
        "    api.query_private('AddOrder')\n",
        [],
    ),
    "module-global-used-in-function": (
        "def buy():\n    api.query_private('AddOrder')\n\n\nimport krakenex\napi = krakenex.API()\n",
        [f"t.py:2:5: {ADD}"],
    ),
    "local-shadows-global": (
        "import krakenex\napi = krakenex.API()\n\n\ndef other():\n    api = object()\n"
        "    api.query_private('AddOrder')\n",
        [],
    ),
    "parameter-annotation": (
        "import krakenex\n\n\ndef buy(api: krakenex.API):\n    api.query_private('AddOrder')\n", [f"t.py:5:5: {ADD}"]),
    "string-annotation": (
        "from kraken.spot import User\n\n\ndef f(user: 'User'):\n    return user.get_account_balance()\n",
        [f"t.py:5:12: {BALANCE}"],
    ),
    "optional-annotation": (
        "from typing import Optional\nimport ccxt\n\n\ndef f(ex: Optional[ccxt.kraken]):\n    ex.fetch_balance()\n",
        ["t.py:6:5: KRK901 BalanceEx needs Query Funds"],
    ),
    "union-none-annotation": (
        "import ccxt\n\n\ndef f(ex: ccxt.kraken | None):\n    ex.withdraw('XBT', 1, 'a', params={'key': 'k'})\n",
        [f"t.py:5:5: {W}", "t.py:5:5: KRK901 Withdraw needs Withdraw Funds"],
    ),
    "module-constant-name": (
        "import krakenex\nADD = 'AddOrder'\nkrakenex.API().query_private(ADD)\n", [f"t.py:3:1: {ADD}"]),
    "class-constant-name": (
        "import krakenex\n\n\nclass Bot:\n    ADD = 'AddOrder'\n\n    def buy(self, api: krakenex.API):\n"
        "        api.query_private(self.ADD)\n        api.query_private(Bot.ADD)\n",
        [f"t.py:8:9: {ADD}", f"t.py:9:9: {ADD}"],
    ),
    "dict-of-constants": (
        "import krakenex\nCALLS = {'buy': 'AddOrder', 'cash': 'Balance'}\napi = krakenex.API()\n"
        "api.query_private(CALLS['buy'])\napi.query_private(CALLS['cash'])\n",
        [f"t.py:4:1: {ADD}", f"t.py:5:1: {BALANCE}"],
    ),
    "helper-function-with-client": (
        "import krakenex\napi = krakenex.API()\n\n\ndef private(name, **data):\n"
        "    return api.query_private(name, data)\n\n\nprivate('Balance')\nprivate(name='AddOrder')\n",
        [f"t.py:9:1: {BALANCE}", f"t.py:10:1: {ADD}"],
    ),
    "helper-of-a-helper": (
        "import krakenex\napi = krakenex.API()\n\n\ndef private(name):\n    return api.query_private(name)\n\n\n"
        "def outer(name):\n    return private(name)\n\n\nouter('Balance')\nouter('AddOrder')\n",
        [f"t.py:13:1: {BALANCE}", f"t.py:14:1: {ADD}"],
    ),
    "helper-method-through-self": (
        "import krakenex\n\n\nclass Bot:\n    def __init__(self):\n        self.api = krakenex.API()\n\n"
        "    def private(self, name):\n        return self.api.query_private(name)\n\n"
        "    def cash(self):\n        return self.private('Balance')\n",
        [f"t.py:12:16: {BALANCE}"],
    ),
    "helper-building-a-path": (
        "import requests\n\n\ndef call(name, data):\n"
        "    return requests.post('https://api.kraken.com/0/private/' + name, data)"
        "\n\n\ncall('Withdraw', {})\n",
        [f"t.py:8:1: {W}", "t.py:8:1: KRK901 Withdraw needs Withdraw Funds"],
    ),
    "helper-f-string": (
        "import requests\nAPI = 'https://api.kraken.com'\n\n\ndef call(name):\n"
        "    return requests.post(f'{API}/0/private/{name}')\n\n\ncall('Balance')\n",
        [f"t.py:9:1: {BALANCE}"],
    ),
    "percent-format": ("url = 'https://api.kraken.com/0/private/%s' % 'AddOrder'\n", [f"t.py:1:7: {ADD}"]),
    "str-format": ("url = 'https://api.kraken.com/0/{}/{}'.format('private', 'AddOrder')\n", [f"t.py:1:7: {ADD}"]),
    "urljoin": (
        "from urllib.parse import urljoin\nurl = urljoin('https://api.kraken.com', '/0/private/AddOrder')\n",
        [f"t.py:2:7: {ADD}"],
    ),
    "getattr-literal": (
        "import ccxt\nex = getattr(ccxt, 'kraken')()\nex.create_order('XBT/USD', 'limit', 'buy', 1, 1)\n",
        [f"t.py:3:1: {ADD}"],
    ),
    "getattr-constant": (
        "import ccxt\nEXCHANGE = 'kraken'\nex = getattr(ccxt, EXCHANGE)({'apiKey': 'k'})\nex.cancel_all_orders()\n",
        ["t.py:4:1: KRK901 CancelAll needs Cancel/Close Orders or Create & Modify Orders"],
    ),
    "ccxt-async-await": (
        "import ccxt.async_support as ccxt_async\n\n\nasync def main():\n    ex = ccxt_async.kraken()\n"
        "    await ex.fetch_my_trades()\n",
        ["t.py:6:11: KRK901 TradesHistory needs Query Closed Orders & Trades"],
    ),
    "ccxt-pro-from-import": (
        "from ccxt.pro import kraken\n\n\nasync def main():\n    async with kraken() as ex:\n"
        "        await ex.fetch_open_orders()\n",
        ["t.py:6:15: KRK901 OpenOrders needs Query Open Orders & Trades"],
    ),
    "ccxt-implicit-both-spellings": (
        "import ccxt\nex = ccxt.kraken()\nex.privatePostAddOrder({})\nex.private_post_addorder({})\n",
        [f"t.py:3:1: {ADD}", f"t.py:4:1: {ADD}"],
    ),
    "ccxt-implicit-typo": (
        "import ccxt\nex = ccxt.kraken()\nex.privatePostAddOrdr({})\n",
        ["t.py:3:1: KRK203 unknown Kraken endpoint 'AddOrdr' (did you mean 'AddOrder'?)"],
    ),
    "private-through-public-call": (
        "import krakenex\nkrakenex.API().query_public('Balance')\n",
        ["t.py:2:1: KRK204 Balance is a private endpoint but is called as /0/public/Balance", f"t.py:2:1: {BALANCE}"],
    ),
    "typo-through-client": (
        "import krakenex\nkrakenex.API().query_private('Balanse')\n",
        ["t.py:2:1: KRK203 unknown Kraken endpoint 'Balanse' (did you mean 'Balance'?)"],
    ),
    "sdk-withdraw": (
        "from kraken.spot import Funding\nFunding('k', 's').withdraw_funds(asset='XBT', key='w', amount='1')\n",
        [f"t.py:2:1: {W}", "t.py:2:1: KRK901 Withdraw needs Withdraw Funds"],
    ),
    "ccxt-transfer-moves-funds": (
        "import ccxt\nccxt.kraken().transfer('USDT', 1, 'spot', 'swap')\n",
        ["t.py:2:1: KRK202 WalletTransfer moves funds out of the account; keep withdrawal calls in code allowed to "
         "move funds", "t.py:2:1: KRK901 WalletTransfer needs Query Funds"],
    ),
    "pykrakenapi-wrapped-krakenex": (
        "import krakenex\nfrom pykrakenapi import KrakenAPI\nk = KrakenAPI(krakenex.API())\n"
        "k.get_account_balance()\nk.api.query_private('Withdraw')\n",
        [f"t.py:4:1: {BALANCE}", f"t.py:5:1: {W}", "t.py:5:1: KRK901 Withdraw needs Withdraw Funds"],
    ),
    # Must not misfire.
    "ocr-kraken-package": (
        "import kraken\nfrom kraken import rpred, binarization\nfrom kraken.lib import models\n"
        "net = models.load_any('model.mlmodel')\nbinarization.nlbin(im)\nrpred.rpred(net, im, bounds)\n", []),
    "own-class-named-kraken": (
        "class Kraken:\n    def withdraw(self):\n        pass\n\n    def query_private(self, name):\n        pass\n\n\n"
        "k = Kraken()\nk.withdraw()\nk.query_private('Withdraw')\n", []),
    "other-ccxt-exchange": ("import ccxt\nccxt.binance().withdraw('BTC', 1, 'addr')  # not kraken\n", []),
    "docstring-and-comment": (
        "import krakenex\n\n\ndef f():\n    \"\"\"Calls api.query_private('Withdraw').\"\"\"\n"
        "    # api.query_private('Withdraw')\n", []),
    "unrelated-method-name-on-unknown-object": ("import krakenex\nsession.query_private('Withdraw')\n", []),
    "futures-not-spot": ("from kraken.futures import Trade\nTrade().create_order(symbol='PI_XBTUSD')\n",
                         ["t.py:2:1: KRK901 POST /derivatives/api/v3/sendorder needs General API: Full Access"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_resolution_form(flake8, name: str) -> None:
    source, expected = CASES[name]
    assert flake8({"t.py": source}, "--extend-select", "KRK901").krk == expected


UNRESOLVED = {
    "runtime-name": (
        "import krakenex\napi = krakenex.API()\napi.query_private(input())\n",
        [(3, 0, "endpoint name is built at run time")],
    ),
    "helper-of-a-helper-nobody-calls": (
        "import krakenex\napi = krakenex.API()\n\n\ndef private(name):\n    return api.query_private(name)\n\n\n"
        "def outer(name):\n    return private(name)\n",
        [(10, 11, "endpoint name is parameter 'name' of outer(), set by callers in other modules")],
    ),
    "helper-called-with-runtime-value": (
        "import krakenex\napi = krakenex.API()\n\n\ndef private(name):\n    return api.query_private(name)\n\n\n"
        "private(input())\n",
        [(9, 0, "endpoint name is built at run time")],
    ),
}


@pytest.mark.parametrize("name", sorted(UNRESOLVED))
def test_unresolved_is_said_not_guessed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flake8, name: str
) -> None:
    source, expected = UNRESOLVED[name]
    path = tmp_path / "u.py"
    path.write_text(source)
    assert main(["permissions", "--format", "json", str(path)]) == 0
    entry = json.loads(capsys.readouterr().out)["files"][0]
    assert (entry["calls"], [(u["line"], u["col"], u["reason"]) for u in entry["unresolved"]]) == ([], expected)
    assert flake8({"u.py": source}, "--extend-select", "KRK901").krk == []
