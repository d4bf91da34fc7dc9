"""Hardcoded credentials, through the real flake8: found in context, never printed.

Every credential here is generated when the tests run; the repository holds none.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
import string

import pytest

from conftest import credential

KEY = credential(42)  # 56 characters, like a Kraken API key
SECRET = credential(64)  # 88 characters, like a private key
TOKEN = credential(32, strip=True)  # 43 characters, like a WS token
DIGEST = base64.b64encode(hashlib.sha512(secrets.token_bytes(16)).digest()).decode()  # a private key's shape
VALUES = {"key": KEY, "secret": SECRET, "token": TOKEN, "digest": DIGEST}

MESSAGES = {
    "KRK101": "Kraken API key hardcoded in source ('{head}...', {n} characters); "
              "read it from the environment or a secrets manager",
    "KRK102": "Kraken private key hardcoded in source ('{head}...', {n} characters); "
              "read it from the environment or a secrets manager",
    "KRK104": "Kraken WebSocket token hardcoded in source ('{head}...', {n} characters); fetch a fresh one at run time",
}
CODE = {"key": "KRK101", "secret": "KRK102", "token": "KRK104"}


def line(row: int, col: int, which: str) -> str:
    value = VALUES[which]
    code = CODE[which]
    return f"t.py:{row}:{col}: {code} " + MESSAGES[code].format(head=value[:4], n=len(value))


# name: (source with {key} {secret} {token} {digest}, expected (row, col, which))
FOUND = {
    "krakenex-keywords": ("import krakenex\napi = krakenex.API(key='{key}', secret='{secret}')\n",
                          [(2, 24, "key"), (2, 91, "secret")]),
    "krakenex-positional": ("import krakenex as kx\napi = kx.API('{key}', '{secret}')\n",
                            [(2, 14, "key"), (2, 74, "secret")]),
    "sdk-positional": ("from kraken.spot import User\nuser = User('{key}', '{secret}')\n",
                       [(2, 13, "key"), (2, 73, "secret")]),
    "ccxt-config": ("import ccxt\nex = ccxt.kraken({{'apiKey': '{key}', 'secret': '{secret}'}})\n",
                    [(2, 29, "key"), (2, 99, "secret")]),
    "ccxt-attributes": ("import ccxt\nex = ccxt.kraken()\nex.apiKey = '{key}'\nex.secret = '{secret}'\n",
                        [(3, 13, "key"), (4, 13, "secret")]),
    "name-in-kraken-module": ("import requests\nURL = 'https://api.kraken.com/0/private/Balance'\n"
                              "API_SECRET = '{secret}'\n", [(3, 14, "secret")]),
    "api-sign-header-module": ("headers = {{'API-Key': '{key}', 'API-Sign': sign()}}\n", [(1, 23, "key")]),
    "name-says-kraken": ("KRAKEN_PRIVATE_KEY = '{secret}'\n", [(1, 22, "secret")]),
    "keyword-says-secret": ("import krakenex\nconnect(api_secret='{secret}')\n", [(2, 20, "secret")]),
    "parameter-default": ("import krakenex\n\n\ndef make(api_key='{key}'):\n    pass\n", [(4, 18, "key")]),
    "os-getenv-default": ("import os\nsecret = os.getenv('KRAKEN_API_SECRET', '{secret}')\n", [(2, 41, "secret")]),
    "environ-get-default": ("import os\nkey = os.environ.get('KRAKEN_API_KEY', '{key}')\n", [(2, 40, "key")]),
    "environ-setdefault": ("from os import environ\nenviron.setdefault('KRAKEN_SECRET', '{secret}')\n",
                           [(2, 37, "secret")]),
    "websocket-token-field": (
        "import json\nURL = 'wss://ws-auth.kraken.com/v2'\n"
        "msg = {{'method': 'subscribe', 'params': {{'channel': 'executions', 'token': '{token}'}}}}\n",
        [(3, 76, "token")]),
    "websocket-token-name": ("WS = 'wss://ws-auth.kraken.com'\nws_token = '{token}'\n", [(2, 12, "token")]),
    "implicit-concatenation": (
        "import krakenex\nSECRET = ('{secret_a}'\n          '{secret_b}')\n", [(2, 11, "secret")]),
    "bytes-literal": ("import krakenex\nSECRET = b'{secret}'\n", [(2, 10, "secret")]),
    "f-string-without-fields": ("import krakenex\nSECRET = f'{secret}'\n", [(2, 10, "secret")]),
    "class-attribute": ("import krakenex\n\n\nclass Settings:\n    api_key = '{key}'\n", [(5, 15, "key")]),
    "dataclass-default": (
        "from dataclasses import dataclass\nimport krakenex\n\n\n@dataclass\nclass Settings:\n"
        "    api_secret: str = '{secret}'\n", [(7, 23, "secret")]),
    "subscript-target": ("import krakenex\nconfig = {{}}\nconfig['secret'] = '{secret}'\n", [(3, 20, "secret")]),
    "ws-l3-address-only": ("URL = 'wss://ws-l3.kraken.com/v2'\nAPI_KEY = '{key}'\n", [(2, 11, "key")]),
    "token-in-a-kraken-message-alone": (
        "msg = {{'method': 'add_order', 'params': {{'order_type': 'limit', 'token': '{token}'}}}}\n",
        [(1, 74, "token")]),
    "settings-dict-named-kraken": ("KRAKEN = {{'apiKey': '{key}', 'secret': '{secret}'}}\n",
                                   [(1, 21, "key"), (1, 91, "secret")]),
}

SILENT = {
    "no-kraken-context": "API_SECRET = '{secret}'\nAPI_KEY = '{key}'\n",
    "digest-in-kraken-module": "import krakenex\nEXPECTED_SIGNATURE = '{digest}'\nchecksum = '{digest}'\n",
    "digest-named-like-a-cache-key": "import krakenex\ncache_key = '{digest}'\n",
    "token-shape-under-a-key-name": "import krakenex\napi_key = '{token}'\n",
    "kraken-io-image-service": (
        "from krakenio import Client\nKRAKEN_API_KEY = '{key}'\nKRAKEN_API_SECRET = '{secret}'\n"
        "api = Client(KRAKEN_API_KEY, KRAKEN_API_SECRET)\n"),
    "kraken-io-url": "URL = 'https://api.kraken.io/v1/upload'\nkraken_secret = '{secret}'\n",
    "placeholders": (
        "import krakenex\nAPI_KEY = 'YOUR_API_KEY'\nAPI_SECRET = '<key>'\nTOKEN = '${{KRAKEN_KEY}}'\n"
        "key = '{{key}}'\nsecret = 'changeme'\napi_secret = '" + "x" * 88 + "'\n"),
    "repeated-characters": "import krakenex\nAPI_KEY = '" + "ab" * 28 + "'\nAPI_SECRET = '" + "A" * 86 + "=='\n",
    "sequential-characters": "import krakenex\nAPI_KEY = '" + string.ascii_letters[26:] + string.ascii_letters[:26]
                             + "0123'\n",
    "placeholder-word-inside": "import krakenex\nAPI_KEY = 'YOURKEY" + "Qx7z" * 12 + "1'\n",
    "base64-of-english": "import krakenex\nAPI_KEY = '"
                         + base64.b64encode(b"this is not a key, only some english text!").decode() + "'\n",
    "docstring-and-comment": "import krakenex\n# API_SECRET = '{secret}'\n\"\"\"secret = '{secret}'\"\"\"\n",
    "wrong-length": "import krakenex\nAPI_KEY = '{key}A'\n",
    "runtime-value": "import krakenex, os\nAPI_SECRET = os.environ['KRAKEN_API_SECRET']\n",
}

# Kraken's published documentation examples (REST signing example key and API-Sign,
# support-article key pair, WebSocket token), hex-encoded here so that the
# repository holds nothing shaped like a key. They are examples, not leaks.
DOC_EXAMPLES = [bytes.fromhex(h).decode() for h in (
    ("6b51483548572f38703175474f566a626757413746756e416d474f386c735355584e737533656f773736737a383451313866"
     "57786e79527a42484364337064356e45397161393948415a74755a756a364631687558673d3d"),
    ("342f647078623369543474702f5a43564577536e45734c787830627179684c7064664f706336666e374f52382b55436c5356"
     "356e394536615353384d50746e5266703332624162306e6d62526e3648386e64774c55513d3d"),
    ("434a6266507734746e62662f39656e2f5a6d70657743544b45776d6d7a4f31384c585a63485163753748504c577265346c38"
     "2b5639493379"),
    ("4652732b67747130397252374f46744b6a39424768794f47533375357674592f45646949424f396b44384e46745258377737"
     "4c654a445372583663713144387a6d516d476b57466a6b73756842764b4f41574a6f68513d3d"),
    ("574f67364956513552666f674d7a6b68483235574f673649565135527168502b55335a707251566e683766"),
    ("47333861317447467a71476955436d6e656742636d3864346e665033747974694e517a36746b4342595859"),
    ("7a7770647a5755653138426e36683454414d6f726832362b5162634d65535432423574616d66652b706751"),
    ("6472556653536d426244706349707770714b304f425463474c6441595a4a552b4e6c50497348614b7370752f386665543259"
     "534b6c2b4a77"),
    ("377a784d454635702f5a386c32703255374768763678313441662b46782b393274506755645651373438464f4972456f5439"
     "6267542b62545266586335707a386e612b684c2f516472435647376268394b705430654d546d"),
    ("344a4570463369783636474132422b6f6f4b3132384966743458515674633133374e39796567344b71736e395049304b707a"
     "6279736c394d3149654345646a67307a6c3030776b567163736e4734626d6e6c4d6233413d3d"),
)]


def _fill(template: str) -> str:
    half = len(SECRET) // 2
    return template.format(secret_a=SECRET[:half], secret_b=SECRET[half:], **VALUES)


@pytest.mark.parametrize("case", sorted(FOUND))
def test_credential_found(flake8, case: str) -> None:
    template, expected = FOUND[case]
    run = flake8({"t.py": _fill(template)})
    assert run.krk == [line(*where) for where in expected]


@pytest.mark.parametrize("case", sorted(SILENT))
def test_not_a_credential(flake8, case: str) -> None:
    assert flake8({"t.py": _fill(SILENT[case])}).krk == []


def test_output_never_holds_more_than_four_characters(flake8) -> None:
    run = flake8({f"t{i}.py": _fill(template) for i, (template, _) in enumerate(FOUND.values())}, "--statistics")
    text = "\n".join(run.lines)
    assert len(run.krk) >= len(FOUND)
    for value in (KEY, SECRET, TOKEN):
        assert value[:4] in text and value[:5] not in text and value[-8:] not in text


@pytest.mark.parametrize("index", range(len(DOC_EXAMPLES)))
def test_krakens_documentation_examples_are_not_leaks(flake8, index: int) -> None:
    example = DOC_EXAMPLES[index]
    name = "ws_token" if len(example) == 43 else "api_secret" if len(example) == 88 else "api_key"
    assert flake8({"t.py": f"import krakenex\n{name} = '{example}'\n"}).krk == []


def test_scan_still_runs_when_libcst_cannot_read_the_file(flake8, monkeypatch: pytest.MonkeyPatch) -> None:
    import libcst

    def refuse(source: str) -> None:
        raise libcst.ParserSyntaxError("unsupported", lines=["x"], raw_line=3, raw_column=0)

    monkeypatch.setattr(libcst, "parse_module", refuse)
    source = _fill("import krakenex\nconfig = {{'secret': '{secret}'}}\nAPI_KEY = '{key}'\nother = '{key}'\n")
    assert flake8({"t.py": source}).krk == [
        "t.py:1:1: KRK000 Kraken analysis skipped: LibCST cannot parse line 3",
        line(2, 21, "secret"),
        line(3, 11, "key"),
    ]


@pytest.mark.parametrize("length", [40, 43, 44, 48])
def test_a_token_of_any_documented_length_in_the_token_field(flake8, length: int) -> None:
    """Kraken documents no token length: 40 to 48 base64 characters in a message's token field."""
    token = credential(36)[:length]
    source = f"msg = {{'method': 'subscribe', 'params': {{'channel': 'balances', 'token': '{token}'}}}}\n"
    message = MESSAGES["KRK104"].format(head=token[:4], n=length)
    assert flake8({"t.py": source}).krk == [f"t.py:1:74: KRK104 {message}"]


@pytest.mark.parametrize("length", [39, 49])
def test_outside_the_token_lengths_nothing(flake8, length: int) -> None:
    token = base64.b64encode(secrets.token_bytes(39)).decode()[:length]  # no credential's length: any text
    source = f"msg = {{'method': 'subscribe', 'params': {{'channel': 'balances', 'token': '{token}'}}}}\n"
    assert flake8({"t.py": source}).krk == []
