"""`flake8-kraken permissions` on the multi-service examples: every option and format."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT, command, credential
from flake8_kraken.cli import main

DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of examples/ (its .flake8 declares a key per service) as the working directory."""
    target = tmp_path / "project"
    shutil.copytree(EXAMPLES, target)
    monkeypatch.chdir(target)
    return target


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["permissions", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_follows_the_schema_and_reads_the_config(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "json")
    report = json.loads(out)
    jsonschema.validate(report, json.loads((DOCS / "report.schema.json").read_text()))
    components = {c["name"]: c for c in report["components"]}
    assert sorted(components) == ["marketdata/*", "oms/*", "reporting/*", "treasury/*"]
    assert components["oms/*"]["missing"] == ["websocket"]
    assert components["oms/*"]["preset"] == "market-making"
    assert components["reporting/*"]["excess"] == ["query-open-orders-trades"]
    assert components["treasury/*"]["excess"] == ["deposit"]
    assert components["treasury/*"]["withdrawals"] == []  # treasury/* may withdraw
    assert components["oms/*"]["needed_by"]["websocket"] == ["oms/fills.py:12", "oms/fills.py:16"]
    assert code == 0


def test_undeclared_files_group_by_package_then_by_file(tmp_path: Path, capsys, monkeypatch) -> None:
    (tmp_path / "svc" / "inner").mkdir(parents=True)
    (tmp_path / "svc" / "__init__.py").write_text("")
    (tmp_path / "svc" / "inner" / "__init__.py").write_text("")
    (tmp_path / "svc" / "inner" / "a.py").write_text('u = "/0/private/Balance"\n')
    (tmp_path / "script.py").write_text('u = "/0/private/AddOrder"\n')
    monkeypatch.chdir(tmp_path)
    _, out, _ = run(capsys, "--isolated", "--format", "json")
    assert [(c["name"], c["declared"]) for c in json.loads(out)["components"]] == [("script.py", None), ("svc", None)]


def test_undeclared_code_beside_declared_globs_is_its_own_package(tmp_path: Path, capsys, monkeypatch) -> None:
    """svc/oms/* and svc/marketdata/* declared: svc/reports is a component, not all of svc; code
    that makes no call is no component."""
    for package in ("svc", "svc/oms", "svc/marketdata", "svc/reports", "svc/reports/daily", "svc/util"):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "svc" / "oms" / "a.py").write_text('u = "/0/private/AddOrder"\n')
    (tmp_path / "svc" / "marketdata" / "b.py").write_text('u = "/0/public/Ticker"\n')
    (tmp_path / "svc" / "reports" / "daily" / "c.py").write_text('u = "/0/private/Ledgers"\n')
    (tmp_path / "svc" / "util" / "d.py").write_text("x = 1\n")
    (tmp_path / "tool.py").write_text("print('no call')\n")
    (tmp_path / "setup.cfg").write_text("[flake8]\nkraken-permissions =\n    svc/oms/*: create-modify-orders\n"
                                        "    svc/marketdata/*: query-funds\n")
    monkeypatch.chdir(tmp_path)
    _, out, _ = run(capsys, "--format", "json")
    components = [(c["name"], c["declared"], c["permissions"]) for c in json.loads(out)["components"]]
    assert components == [("svc/marketdata/*", ["query-funds"], []),
                          ("svc/oms/*", ["create-modify-orders"], ["create-modify-orders"]),
                          ("svc/reports", None, ["query-ledger"])]


def test_a_key_made_from_krakens_guide_is_explained(tmp_path: Path, capsys, monkeypatch) -> None:
    """EditOrder under Create & Modify Orders alone: the guide's key, which the server refuses. flake8
    and every report format say why; the granted permission is needed, so it is not excess."""
    (tmp_path / "edit.py").write_text('import krakenex\n\nkrakenex.API().query_private("EditOrder", {"txid": "O1"})\n')
    (tmp_path / "setup.cfg").write_text("[flake8]\nkraken-permissions =\n    *: create-modify-orders\n")
    monkeypatch.chdir(tmp_path)
    note = ("Kraken's API-key guide lists Create & Modify Orders for EditOrder, but the endpoint also "
            "requires Cancel/Close Orders")
    done = command("flake8", "--select", "KRK201", "edit.py", cwd=tmp_path)
    assert done.stdout.endswith(f"KRK201 EditOrder needs Cancel/Close Orders, which the key declared for * in"
                                f" kraken-permissions does not grant; {note}\n")
    _, out, _ = run(capsys, "--format", "json")
    component = json.loads(out)["components"][0]
    assert (component["missing"], component["excess"]) == (["cancel-close-orders"], [])
    assert component["notes"] == [f"edit.py:3: {note}"]
    _, text, _ = run(capsys)
    assert f"    note: edit.py:3: {note}\n" in text
    _, markdown, _ = run(capsys, "--format", "markdown")
    assert f"- `edit.py:3`: {note}\n" in markdown


def test_check_fails_on_missing_and_excess(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--check")[0] == 1


def test_emit_config_round_trips_through_check(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--emit-config")
    assert code == 0
    assert out == (
        "[flake8]\nkraken-permissions =\n    marketdata/*: market-data\n    oms/*: market-making\n"
        "    reporting/*: query-funds, query-closed-orders-trades\n    treasury/*: query-funds, withdraw\n"
        "kraken-withdraw-paths =\n    treasury/*\n"
    )
    (project / "emitted.cfg").write_text(out)
    assert run(capsys, "--check", "--config", "emitted.cfg")[0] == 0


def test_check_fails_on_a_withdrawal_outside_the_withdraw_paths(project: Path, capsys) -> None:
    (project / "emitted.cfg").write_text("[flake8]\nkraken-withdraw-paths = nowhere/*\n")
    code, out, _ = run(capsys, "--check", "--config", "emitted.cfg")
    assert code == 1 and "withdrawals outside the withdraw paths: treasury/payouts.py:11" in out


def test_explain(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    explained = "Calls that need websocket\n  oms/*:\n    oms/fills.py:12\n    oms/fills.py:16\n"
    assert run(capsys, "--explain", "websocket") == (0, explained, "")
    assert run(capsys, "--explain", "websockets") == (
        2, "", "flake8-kraken: --explain: unknown permission 'websockets' (did you mean 'websocket'?)\n")


def test_text_is_the_golden_report(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys)
    assert (code, out) == (0, (ROOT / "tests" / "golden" / "examples.txt").read_text())


def test_markdown(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--format", "markdown")
    assert out.startswith("### Kraken API-key permissions\n\n"
                          "| component | needs | preset | declared | excess | missing |")
    row = "| `treasury/*` | query-funds, withdraw | funding-operations | query-funds, deposit, withdraw | deposit | - |"
    assert row in out


def test_sarif_follows_githubs_structure(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--format", "sarif")
    sarif = json.loads(out)
    jsonschema.validate(sarif, json.loads((DOCS / "sarif-github.schema.json").read_text()))
    results = sarif["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results] == [
        ("KRK201", "oms/fills.py", 12), ("KRK201", "oms/fills.py", 16), ("KRK203", "oms/orders.py", 27)]
    rules = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {"KRK101", "KRK201", "KRK203", "KRK302"} <= rules
    # Stable: the same input gives the same fingerprints.
    again = json.loads(run(capsys, "--format", "sarif")[1])
    assert again == sarif


def test_flake8_sarif_formatter_gives_the_same_results(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--format", "sarif")
    done = command("flake8", "--format=kraken-sarif", cwd=project)
    assert done.returncode == 1
    assert json.loads(done.stdout)["runs"][0]["results"] == json.loads(out)["runs"][0]["results"]


def test_sarif_never_holds_a_secret(tmp_path: Path, capsys, monkeypatch) -> None:
    secret = credential(64)
    (tmp_path / "bot.py").write_text(f"import krakenex\nSECRET = '{secret}'\n")
    monkeypatch.chdir(tmp_path)
    _, out, _ = run(capsys, "--isolated", "--format", "sarif")
    assert [r["ruleId"] for r in json.loads(out)["runs"][0]["results"]] == ["KRK102"]
    assert secret[4:] not in out
    done = command("flake8", "--isolated", "--format=kraken-sarif", "bot.py", cwd=tmp_path)
    assert "KRK102" in done.stdout and secret[4:] not in done.stdout


def test_jobs_two_gives_the_same_report(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = run(capsys, "--format", "json")
    two = run(capsys, "--format", "json", "--jobs", "2")
    assert one == two


def test_exclude_is_honoured(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "extra.cfg").write_text((project / ".flake8").read_text() + "extend-exclude = treasury\n")
    _, out, _ = run(capsys, "--config", "extra.cfg", "--format", "json")
    assert "treasury/*" not in {c["name"] for c in json.loads(out)["components"]}


def test_noqa_is_honoured(tmp_path: Path, capsys, monkeypatch) -> None:
    (tmp_path / "a.py").write_text('w = "/0/private/Withdraw"  # noqa: KRK202\nx = "/0/private/Withdraw"\n')
    monkeypatch.chdir(tmp_path)
    _, out, _ = run(capsys, "--isolated", "--format", "sarif")
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"]
            for r in json.loads(out)["runs"][0]["results"]] == [2]


def test_configuration_error_exits_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "bad.cfg").write_text("[flake8]\nkraken-permissions =\n    oms/*: market-makin\n")
    assert run(capsys, "--config", "bad.cfg") == (
        2, "", "flake8-kraken: kraken-permissions, entry 1 'oms/*: market-makin': unknown permission or preset "
               "'market-makin' (did you mean 'market-making'?)\n")


def test_missing_path_exits_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "no/such/dir") == (2, "", "flake8-kraken: no such file or directory: no/such/dir\n")
