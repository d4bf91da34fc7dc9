"""`flake8-kraken permissions`: per-call requirements and least-privilege sets, end to end."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import kraken_table as kraken
from conftest import ROOT, command
from flake8_kraken.cli import main

GOLDEN = Path(__file__).parent / "golden"


def report(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(["permissions", "--format", "json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def write_calls(directory: Path, name: str, endpoints: list[str]) -> Path:
    """A module that calls each endpoint by its REST path, one per line."""
    lines = ['BASE = "https://api.kraken.com"', ""]
    for endpoint in endpoints:
        access = "public" if endpoint in kraken.PUBLIC else "private"
        lines.append(f'call(BASE + "/0/{access}/{endpoint}")')
    path = directory / name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_every_endpoint_of_krakens_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = list(kraken.PUBLIC) + sorted(kraken.PRIVATE)
    path = write_calls(tmp_path, "everything.py", names)
    data = report(capsys, str(path))
    calls = data["files"][0]["calls"]
    assert [c["endpoint"] for c in calls] == names
    for call in calls:
        expected = kraken.PRIVATE.get(call["endpoint"], (frozenset(), frozenset(), False))
        assert (set(call["requires_all"]), set(call["requires_any"])) == expected[:2], call["endpoint"]
        assert (call["kind"], call["via"]) == ("rest", "rest path")
    # Position: line 3 onwards, the string starts after "call(" (0-based column 5).
    assert [(c["line"], c["col"]) for c in calls] == [(3 + i, 5) for i in range(len(names))]
    assert set(data["permissions"]) == {p for a, b, _ in kraken.PRIVATE.values() for p in a | b}


LEAST = [
    (["CancelOrder"], ["cancel-close-orders"]),
    (["CancelOrder", "AddOrder"], ["create-modify-orders"]),
    (["WithdrawStatus"], ["query-ledger"]),
    (["WithdrawStatus", "Withdraw"], ["withdraw"]),
    (["EditOrder"], ["cancel-close-orders", "create-modify-orders"]),
    (["QueryOrders"], ["query-open-orders-trades"]),
    (["QueryOrders", "TradesHistory"], ["query-closed-orders-trades"]),
    (["Earn/AllocateStatus"], ["query-funds"]),
    (["Earn/AllocateStatus", "Earn/Allocate"], ["earn"]),
    (["Earn/Strategies"], []),
    (["Balance", "CancelOrder"], ["query-funds", "cancel-close-orders"]),
    (["QueryOrders", "Earn/AllocateStatus"], ["query-funds", "query-open-orders-trades"]),
    (["Ticker", "Depth"], []),
    (["AmendOrder", "CancelAll", "EditOrder"], ["cancel-close-orders", "create-modify-orders"]),
    (["DepositMethods", "WithdrawInfo"], ["query-funds", "deposit", "withdraw"]),
]


@pytest.mark.parametrize(("endpoints", "needed"), LEAST, ids=["+".join(e) for e, _ in LEAST])
def test_least_privilege_per_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], endpoints: list[str], needed: list[str]
) -> None:
    data = report(capsys, str(write_calls(tmp_path, "bot.py", endpoints)))
    assert data["files"][0]["permissions"] == needed
    assert data["permissions"] == needed


NEW_PERMISSION = """version: 1
permissions:
  - {id: read-statements, title: Read Statements, risk: 1}
endpoints:
  - {name: Statements, access: private, requires_any: [withdraw, read-statements]}
  - {name: Transfers, access: private, requires_any: [earn, deposit]}
"""


def test_ties_go_to_the_lower_risk_then_the_catalog_order(tmp_path: Path, capsys, monkeypatch) -> None:
    """A permission a user's rules add comes last in the catalog's order: where either of two would
    do, the lower risk wins over the order (Statements), and among equal risks the order (Transfers)."""
    (tmp_path / "more.yaml").write_text(NEW_PERMISSION)
    (tmp_path / "setup.cfg").write_text("[flake8]\nkraken-rules = more.yaml\n")
    write_calls(tmp_path, "statements.py", ["Statements"])
    write_calls(tmp_path, "transfers.py", ["Transfers"])
    monkeypatch.chdir(tmp_path)
    assert main(["permissions", "--format", "json", "."]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [f["permissions"] for f in data["files"]] == [["read-statements"], ["deposit"]]


def test_whole_scope_is_not_a_union_of_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_calls(tmp_path, "cancel.py", ["CancelOrder"])
    write_calls(tmp_path, "place.py", ["AddOrder"])
    data = report(capsys, str(tmp_path))
    assert [f["permissions"] for f in data["files"]] == [["cancel-close-orders"], ["create-modify-orders"]]
    assert data["permissions"] == ["create-modify-orders"]


def test_runtime_endpoint_is_unresolved_not_guessed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "dyn.py"
    path.write_text('def call():\n    return post("https://api.kraken.com/0/private/" + input())\n')
    data = report(capsys, str(path))
    assert data["files"][0]["calls"] == []
    assert data["files"][0]["unresolved"] == [{"line": 2, "col": 16, "reason": "endpoint name is built at run time"}]


def test_helper_called_only_elsewhere_is_unresolved(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "dyn.py"
    path.write_text('def call(name):\n    return post("https://api.kraken.com/0/private/" + name)\n')
    data = report(capsys, str(path))
    assert data["files"][0]["calls"] == []
    assert data["files"][0]["unresolved"] == [
        {"line": 2, "col": 16, "reason": "endpoint name is parameter 'name' of call(), set by callers in other modules"}
    ]


def test_examples_golden_json(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT / "examples")
    assert report(capsys, ".") == json.loads((GOLDEN / "examples.json").read_text())


def test_examples_golden_text_through_the_command() -> None:
    done = command("flake8-kraken", "permissions", ".", cwd=ROOT / "examples")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (GOLDEN / "examples.txt").read_text()


def test_missing_path_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["permissions", "no/such/dir"]) == 2
    assert capsys.readouterr().err == "flake8-kraken: no such file or directory: no/such/dir\n"


def test_path_constant_read_inside_an_expression_is_not_reported_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.py"
    path.write_text('BASE = "https://api.kraken.com"\nPRIVATE = BASE + "/0/private/"\n\n\n'
                    'def f(post):\n    return post(PRIVATE + "CancelOrder")\n')
    entry = report(capsys, str(path))["files"][0]
    assert ([(c["line"], c["endpoint"]) for c in entry["calls"]], entry["unresolved"]) == ([(6, "CancelOrder")], [])
