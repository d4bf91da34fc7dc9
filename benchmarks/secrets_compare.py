"""Recall and false alarms of the credential scan, against other scanners, on one generated set.

    python benchmarks/secrets_compare.py [--per-template N]

Generates Python files with fresh random credentials in every context the tool
knows (positives) and look-alikes that are not credentials (negatives), then runs:
flake8-kraken's engine; detect-secrets (if installed: pip install detect-secrets);
gitleaks' and TruffleHog's published Kraken regular expressions, replayed with
Python's re. A positive counts as found when a tool reports its line; any report on
a negative line is a false alarm. Nothing is printed of the credentials themselves.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import re
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Callable

# Positives: each template plants {key}, {secret} or {token} on the marked lines.
POSITIVE = [
    ("import krakenex\napi = krakenex.API('{key}', '{secret}')\n", [2]),
    ("import krakenex\napi = krakenex.API(key='{key}', secret='{secret}')\n", [2]),
    ("from kraken.spot import Trade\ntrade = Trade(key='{key}', secret='{secret}')\n", [2]),
    ("import ccxt\nex = ccxt.kraken({{'apiKey': '{key}', 'secret': '{secret}'}})\n", [2]),
    ("import ccxt\nex = ccxt.kraken()\nex.apiKey = '{key}'\nex.secret = '{secret}'\n", [3, 4]),
    ("import requests\nURL = 'https://api.kraken.com/0/private/Balance'\nAPI_KEY = '{key}'\n"
     "API_SECRET = '{secret}'\n", [3, 4]),
    ("KRAKEN_API_KEY = '{key}'\nKRAKEN_API_SECRET = '{secret}'\n", [1, 2]),
    ("import os\nkey = os.getenv('KRAKEN_API_KEY', '{key}')\nsecret = os.environ.get('KRAKEN_SECRET', '{secret}')\n",
     [2, 3]),
    ("import krakenex\n\n\nclass Settings:\n    api_key = '{key}'\n    api_secret = '{secret}'\n", [5, 6]),
    ("headers = {{'API-Key': '{key}', 'API-Sign': sign(path, data, secret)}}\n", [1]),
    ("import krakenex\nconnect(private_key='{secret}')\n", [2]),
    ("WS = 'wss://ws-auth.kraken.com/v2'\nmsg = {{'method': 'subscribe', 'params': {{'channel': 'balances', "
     "'token': '{token}'}}}}\n", [2]),
    ("import krakenex\nsecret = b'{secret}'\n", [2]),
]
# Negatives: nothing here is a credential.
NEGATIVE = [
    "import hashlib\nEXPECTED = '{digest}'\n",
    "import krakenex\nEXPECTED_SIGNATURE = '{digest}'\n",
    "SECRET_DIGEST = '{digest}'\nAPI_KEY_HASH = '{digest}'\n",
    "import krakenex\nAPI_KEY = 'YOUR_API_KEY'\nAPI_SECRET = '<api secret>'\n",
    "from krakenio import Client\nKRAKEN_API_KEY = '{key}'\nKRAKEN_API_SECRET = '{secret}'\n",
    "import krakenex\nAPI_SECRET = '" + "x" * 86 + "=='\n",
    "CHECKSUMS = ['{digest}', '{digest2}']\n",
    "import base64\nblob = '{key}'\npayload = '{secret}'\n",
    "kraken_image = '{digest}'  # a kraken-image checksum, not a key\n",
]


def fresh() -> dict[str, str]:
    return {
        "key": base64.b64encode(secrets.token_bytes(42)).decode(),
        "secret": base64.b64encode(secrets.token_bytes(64)).decode(),
        "token": base64.b64encode(secrets.token_bytes(32)).decode().rstrip("="),
        "digest": base64.b64encode(hashlib.sha512(secrets.token_bytes(8)).digest()).decode(),
        "digest2": base64.b64encode(hashlib.sha512(secrets.token_bytes(8)).digest()).decode(),
    }


GITLEAKS = re.compile(
    r"(?i)(?:kraken)(?:[0-9a-z\-_\t .]{0,20})(?:[\s|']|[\s|\"]){0,3}(?:=|>|:=|\|\|:|<=|=>|:)(?:'|\"|\s|=|\x60){0,5}"
    r"([a-z0-9\/=_\+\-]{80,90})(?:['|\"|\n|\r|\s|\x60|;]|$)"
)
TRUFFLEHOG = [
    re.compile(r"(?i:kraken)(?:.|[\n\r]){0,40}?\b([0-9A-Za-z\/\+=]{56}[ \"'\r\n]{1})"),
    re.compile(r"(?i:kraken)(?:.|[\n\r]){0,40}?\b([0-9A-Za-z\/\+=]{86,88}[ \"'\r\n]{1})"),
]


def lines_of(text: str, pattern: re.Pattern[str]) -> set[int]:
    return {text.count("\n", 0, m.start(1)) + 1 for m in pattern.finditer(text)}


def ours(path: Path) -> set[int]:
    from flake8_kraken.catalog import default_catalog
    from flake8_kraken.engine import analyse

    result = analyse(path.read_text(), str(path), default_catalog())
    return {p.line for p in result.problems if p.code.startswith("KRK1")}


def gitleaks(path: Path) -> set[int]:
    return lines_of(path.read_text(), GITLEAKS)


def trufflehog(path: Path) -> set[int]:
    text = path.read_text()
    return set().union(*(lines_of(text, p) for p in TRUFFLEHOG))


def detect_secrets_tool() -> Callable[[Path], set[int]] | None:
    try:
        from detect_secrets import SecretsCollection
        from detect_secrets.settings import default_settings
    except ImportError:
        return None

    def scan(path: Path) -> set[int]:
        collection = SecretsCollection()
        with default_settings():
            collection.scan_file(str(path))
        return {s.line_number for found in collection.data.values() for s in found}

    return scan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-template", type=int, default=20)
    args = parser.parse_args(argv)
    tools: dict[str, Callable[[Path], set[int]]] = {
        "flake8-kraken": ours, "gitleaks regex": gitleaks, "trufflehog regex": trufflehog,
    }
    scan = detect_secrets_tool()
    if scan is not None:
        tools["detect-secrets"] = scan
    with tempfile.TemporaryDirectory() as tmp:
        samples: list[tuple[Path, set[int], bool]] = []
        for n in range(args.per_template):
            for i, (template, planted) in enumerate(POSITIVE):
                path = Path(tmp, f"pos_{i}_{n}.py")
                path.write_text(template.format(**fresh()))
                samples.append((path, set(planted), True))
            for i, template in enumerate(NEGATIVE):
                path = Path(tmp, f"neg_{i}_{n}.py")
                path.write_text(template.format(**fresh()))
                samples.append((path, set(), False))
        planted_total = sum(len(lines) for _, lines, positive in samples if positive)
        negative_files = sum(1 for *_, positive in samples if not positive)
        print(f"{planted_total} planted credentials in {len(POSITIVE) * args.per_template} files; "
              f"{negative_files} files of look-alikes")
        print(f"{'tool':<18} {'recall':>8} {'found':>7} {'false alarms':>13}")
        for name, tool in tools.items():
            found = alarms = 0
            for path, planted, positive in samples:
                reported = tool(path)
                found += len(reported & planted)
                alarms += len(reported - planted)
            print(f"{name:<18} {found / planted_total:>8.1%} {found:>7} {alarms:>13}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
