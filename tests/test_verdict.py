"""One verdict: flake8 and `flake8-kraken permissions` show the same findings for the same configuration.

The report decides what to show with flake8's own style guide, so for every way a user
selects or silences a code (select, ignore, extend-select, extend-ignore,
per-file-ignores, `# noqa`, disable-noqa) the SARIF that flake8 writes and the SARIF
that the report writes list the same findings, and `--check` fails only on what is shown.
"""
from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path

import pytest

from conftest import command

BOT = """\
import krakenex

API_SECRET = "{secret}"
api = krakenex.API()
api.query_private("Withdraw", {{"asset": "XBT"}})
api.query_private("AddOrder", {{"pair": "XBTUSD"}})
api.query_private("Balanse")
api.query_private(method)
api.query_private("WalletTransfer")  # noqa: KRK202
"""

OTHER = """\
import krakenex

krakenex.API().query_private("Withdraw", {"asset": "XBT"})
krakenex.API().query_private("Balance")
"""

KEYS = "kraken-permissions =\n    svc/*: query-funds\n"

CONFIGS = {
    "default": "",
    "select": "select = KRK2\n",
    "ignore": "ignore = KRK202\n",
    "extend-select": "extend-select = KRK901\n",
    "extend-ignore": "extend-ignore = KRK203,KRK102\n",
    "per-file-ignores": "per-file-ignores =\n    svc/bot.py: KRK202\n    svc/other.py: KRK2\n",
    "mixed": "select = KRK\nignore = KRK2\nextend-select = KRK202\nper-file-ignores = svc/other.py: KRK202\n",
    "disable-noqa": "disable-noqa = true\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    secret = base64.b64encode(secrets.token_bytes(64)).decode()
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "bot.py").write_text(BOT.format(secret=secret))
    (tmp_path / "svc" / "other.py").write_text(OTHER)
    return tmp_path


def findings(sarif: str) -> set[tuple[str, int, int, str]]:
    results = json.loads(sarif)["runs"][0]["results"]
    return {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"],
             r["locations"][0]["physicalLocation"]["region"]["startColumn"], r["ruleId"]) for r in results}


def both(project: Path, config: str) -> tuple[set[tuple[str, int, int, str]], set[tuple[str, int, int, str]]]:
    (project / ".flake8").write_text("[flake8]\nmax-line-length = 200\n" + KEYS + config)
    linted = command("flake8", "--format=kraken-sarif", ".", cwd=project)
    reported = command("flake8-kraken", "permissions", "--format", "sarif", cwd=project)
    assert reported.returncode == 0, reported.stderr
    return findings(linted.stdout), findings(reported.stdout)


@pytest.mark.parametrize("name", CONFIGS)
def test_flake8_and_the_report_show_the_same_findings(project: Path, name: str) -> None:
    linted, reported = both(project, CONFIGS[name])
    assert linted == reported
    codes = {code for *_, code in linted}
    if name == "default":
        assert codes == {"KRK102", "KRK201", "KRK202", "KRK203", "KRK205"}  # the case is worth comparing
        assert ("svc/bot.py", 9, 1, "KRK202") not in linted  # its noqa holds
    if name == "disable-noqa":
        assert ("svc/bot.py", 9, 1, "KRK202") in linted


def test_the_options_change_what_is_shown(project: Path) -> None:
    """Each configuration gives a different answer, so agreeing is not agreeing on nothing."""
    shown = {name: frozenset(both(project, config)[0]) for name, config in CONFIGS.items()}
    assert len(set(shown.values())) == len(CONFIGS)
    assert {code for *_, code in shown["select"]} == {"KRK201", "KRK202", "KRK203", "KRK205"}
    assert "KRK901" in {code for *_, code in shown["extend-select"]}
    assert {(path, code) for path, _, _, code in shown["mixed"]} >= {("svc/bot.py", "KRK202"),
                                                                     ("svc/bot.py", "KRK102")}
    assert ("svc/other.py", "KRK202") not in {(path, code) for path, _, _, code in shown["mixed"]}


@pytest.mark.parametrize("silenced", [False, True])
def test_check_fails_only_on_a_withdrawal_that_is_shown(tmp_path: Path, silenced: bool) -> None:
    (tmp_path / "treasury.py").write_text(OTHER)
    ignores = "per-file-ignores = treasury.py: KRK202\n" if silenced else ""
    (tmp_path / ".flake8").write_text("[flake8]\n" + ignores)
    done = command("flake8-kraken", "permissions", "--check", cwd=tmp_path)
    linted = command("flake8", ".", cwd=tmp_path)
    assert done.returncode == (0 if silenced else 1), done.stdout + done.stderr
    assert ("KRK202" in linted.stdout) is not silenced
