"""Calls through client libraries, end to end: through the report and through flake8."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

import client_table
import kraken_table
from flake8_kraken.cli import main

CASES = yaml.safe_load((Path(__file__).parent / "data" / "client_cases.yaml").read_text())


def report_calls(tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str) -> list[dict]:
    path = tmp_path / "snippet.py"
    path.write_text(source)
    assert main(["permissions", "--format", "json", str(path)]) == 0
    return json.loads(capsys.readouterr().out)["files"][0]["calls"]


@pytest.mark.parametrize("case", CASES, ids=[f"{i:03d}" for i in range(len(CASES))])
def test_case_through_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: dict) -> None:
    calls = report_calls(tmp_path, capsys, case["code"])
    assert sorted(c["endpoint"] for c in calls) == sorted(case["endpoints"]), case["note"]


@pytest.mark.parametrize("case", CASES, ids=[f"{i:03d}" for i in range(len(CASES))])
def test_case_through_flake8(flake8, case: dict) -> None:
    run = flake8({"snippet.py": case["code"]}, "--extend-select", "KRK901")
    named = sorted(re.search(r"KRK901 (.+?) needs", line).group(1) for line in run.krk if "KRK901" in line)
    public = kraken_table.PUBLIC + tuple(kraken_table.WS_PUBLIC) + tuple(
        name for name, (all_of, any_of, _) in kraken_table.FUTURES.items() if not all_of | any_of)
    assert named == sorted(e for e in case["endpoints"] if e not in public), case["note"]


def test_at_least_80_cases_and_some_negative() -> None:
    assert len(CASES) >= 80
    assert sum(1 for case in CASES if not case["endpoints"]) >= 15


# --- every method of the libraries' tables, against an independent expectation --------------

TABLE = (
    [(f"import krakenex\nfrom pykrakenapi import KrakenAPI\nk = KrakenAPI(krakenex.API())\nk.{m}()\n",
      f"pykrakenapi.KrakenAPI.{m}", e) for m, e in client_table.PYKRAKENAPI.items()]
    + [(f"from kraken.spot import {c}\nclient = {c}()\nclient.{m}()\n", f"kraken.spot.{c}.{m}", e)
       for (c, m), e in client_table.SDK.items()]
    + [(f"import ccxt\nexchange = ccxt.kraken()\nexchange.{m}()\n", f"ccxt.kraken.{m}", e)
       for m, e in client_table.CCXT.items()]
)


@pytest.mark.parametrize(("source", "via", "endpoints"), TABLE, ids=[via for _, via, _ in TABLE])
def test_library_method(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str, via: str, endpoints: list[str]
) -> None:
    calls = report_calls(tmp_path, capsys, source)
    assert sorted(c["endpoint"] for c in calls) == sorted(endpoints)
    assert {c["via"] for c in calls} == {via}
