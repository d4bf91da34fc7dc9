"""REST paths in string literals, through the real flake8: what is reported and where."""
from __future__ import annotations

import pytest

# (source, expected KRK lines with KRK901 enabled). Each source is one module.
CASES = {
    "full-url": (
        'import requests\nrequests.post("https://api.kraken.com/0/private/Balance")\n',
        ["t.py:2:15: KRK901 Balance needs Query Funds"],
    ),
    "path-only": (
        'def go(send):\n    return send("/0/private/AddOrder", {})\n',
        ["t.py:2:17: KRK901 AddOrder needs Create & Modify Orders"],
    ),
    "f-string-base": (
        'BASE = "https://api.kraken.com"\nurl = f"{BASE}/0/private/EditOrder"\n',
        ["t.py:2:7: KRK901 EditOrder needs Cancel/Close Orders and Create & Modify Orders"],
    ),
    "concatenation": (
        'BASE = "https://api.kraken.com"\nurl = BASE + "/0/private/CancelOrder"\n',
        ["t.py:2:7: KRK901 CancelOrder needs Cancel/Close Orders or Create & Modify Orders"],
    ),
    "implicit-concatenation": (
        'url = ("https://api.kraken.com/0/private/"\n       "QueryOrders")\n',
        ["t.py:1:8: KRK901 QueryOrders needs Query Open Orders & Trades or Query Closed Orders & Trades"],
    ),
    "constant-used-in-function": (
        'PATH = "/0/private/TradesHistory"\n\n\ndef trades(call):\n    return call(PATH)\n',
        ["t.py:5:17: KRK901 TradesHistory needs Query Closed Orders & Trades"],
    ),
    "constant-never-used": (
        'PATH = "/0/private/Ledgers"\n',
        ["t.py:1:8: KRK901 Ledgers needs Query Ledger Entries"],
    ),
    "earn-slash-name": (
        'url = "/0/private/Earn/Allocate"\n',
        ["t.py:1:7: KRK901 Earn/Allocate needs Earn Funds"],
    ),
    "query-string": (
        'url = "https://api.kraken.com/0/private/WithdrawStatus?asset=XBT"\n',
        ["t.py:1:7: KRK901 WithdrawStatus needs Query Ledger Entries or Withdraw Funds"],
    ),
    "no-permission-needed": (
        'url = "/0/private/Earn/Strategies"\n',
        ["t.py:1:7: KRK901 Earn/Strategies needs a valid API key but no specific permission"],
    ),
    "withdraw": (
        'url = "/0/private/Withdraw"\n',
        [
            "t.py:1:7: KRK202 Withdraw needs Withdraw Funds; keep withdrawal calls in code allowed to move funds",
            "t.py:1:7: KRK901 Withdraw needs Withdraw Funds",
        ],
    ),
    "moves-funds-without-withdraw": (
        'url = "/0/private/WalletTransfer"\n',
        [
            "t.py:1:7: KRK202 WalletTransfer moves funds out of the account; "
            "keep withdrawal calls in code allowed to move funds",
            "t.py:1:7: KRK901 WalletTransfer needs Query Funds",
        ],
    ),
    "unknown-name": (
        'url = "/0/private/Balanse"\n',
        ["t.py:1:7: KRK203 unknown Kraken endpoint 'Balanse' (did you mean 'Balance'?)"],
    ),
    "unknown-name-no-suggestion": (
        'url = "/0/private/Zzzzzz"\n',
        ["t.py:1:7: KRK203 unknown Kraken endpoint 'Zzzzzz'"],
    ),
    "private-called-as-public": (
        'url = "/0/public/Balance"\n',
        [
            "t.py:1:7: KRK204 Balance is a private endpoint but is called as /0/public/Balance",
            "t.py:1:7: KRK901 Balance needs Query Funds",
        ],
    ),
    "public-called-as-private": (
        'url = "/0/private/Ticker"\n',
        ["t.py:1:7: KRK204 Ticker is a public endpoint but is called as /0/private/Ticker"],
    ),
    # Nothing to report.
    "public-endpoint": ('url = "https://api.kraken.com/0/public/Ticker?pair=XBTUSD"\n', []),
    "docstring": ('"""Calls /0/private/Withdraw through the treasury service."""\n', []),
    "function-docstring": ('def f():\n    """See /0/private/Withdraw."""\n', []),
    "comment": ('# POST /0/private/Withdraw\nx = 1\n', []),
    "other-host": ('url = "https://example.com/0/private/Withdraw"\n', []),
    "runtime-name": ('def call(name):\n    return "/0/private/" + name\n', []),
    "not-kraken": ('import os\nprint(os.getcwd())\n', []),
    "word-kraken-only": ('KRAKEN = "the monster"\n', []),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rest_path(flake8, case: str) -> None:
    source, expected = CASES[case]
    assert flake8({"t.py": source}, "--extend-select", "KRK901").krk == expected


def test_krk901_is_off_by_default(flake8) -> None:
    run = flake8({"t.py": 'url = "/0/private/Withdraw"\nbalance = "/0/private/Balance"\n'})
    assert run.krk == [
        "t.py:1:7: KRK202 Withdraw needs Withdraw Funds; keep withdrawal calls in code allowed to move funds",
    ]
    assert run.code == 1


def test_clean_file_exits_zero(flake8) -> None:
    run = flake8({"t.py": 'url = "https://api.kraken.com/0/public/Time"\n'})
    assert (run.lines, run.code) == ([], 0)


def test_noqa_silences_one_code(flake8) -> None:
    run = flake8({"t.py": 'url = "/0/private/Withdraw"  # noqa: KRK202\n'}, "--extend-select", "KRK901")
    assert run.krk == ["t.py:1:7: KRK901 Withdraw needs Withdraw Funds"]


def test_syntax_error_is_flake8s_e999_only(flake8) -> None:
    run = flake8({"t.py": 'url = "/0/private/Withdraw"\ndef (:\n'})
    assert [line.split(": ", 1)[1][:4] for line in run.lines] == ["E999"]


def test_stdin_with_display_name(flake8, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b'url = "/0/private/Withdraw"\n')))
    run = flake8({}, "--stdin-display-name", "bot/payouts.py", paths=["-"])
    assert run.krk == [
        "bot/payouts.py:1:7: KRK202 Withdraw needs Withdraw Funds; keep withdrawal calls in code allowed to move funds",
    ]


def test_jobs_two_gives_the_same_output(flake8) -> None:
    files = {f"m{i}.py": f'url = "/0/private/{name}"\n' for i, name in enumerate(["Withdraw", "Balanse", "Ticker"])}
    one = flake8(files, "--extend-select", "KRK901")
    two = flake8(files, "--extend-select", "KRK901", "--jobs", "2")
    assert one.lines == two.lines and len(one.krk) == 4
