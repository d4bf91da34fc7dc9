"""The rules: each unit's examples through the real flake8, its page in docs/codes, one place per code."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from conftest import credential as fresh

from conftest import ROOT
from flake8_kraken.catalog import default_catalog
from flake8_kraken.rules import RULES
from flake8_kraken.rules.base import Example, Rule
from flake8_kraken.rules.docs import page

PLACEHOLDER = re.compile(r"<(\d+)-character (?:API key|private key|WebSocket token|placeholder starting (\w+))>")
SHAPED = re.compile(r"[A-Za-z0-9+/]{40,}")  # a run as long as the shortest credential Kraken issues
CASES = [(rule, example) for rule in RULES for example in (*rule.invalid, *rule.valid)]
IDS = [f"{rule.code}-{'invalid' if example.at else 'valid'}-{i}" for i, (rule, example) in enumerate(CASES)]


def credential(length: int) -> str:
    """A fresh random credential of the placeholder's length (keys and secrets have whole bytes)."""
    if length in (56, 88):
        return fresh(length * 3 // 4)
    return fresh(-(-length * 3 // 4), strip=True)[:length]  # a token: as many bytes as its characters hold


def source(example: Example) -> str:
    def fill(match: re.Match[str]) -> str:
        length, start = int(match.group(1)), match.group(2)
        return start.ljust(length, "x") if start else credential(length)

    return PLACEHOLDER.sub(fill, example.source)


def test_no_example_holds_a_credential_shaped_literal() -> None:
    """Examples (and so docs/codes) say `<56-character API key>`; the value is made when the example runs."""
    assert [example.source for _, example in CASES if SHAPED.search(example.source)] == []


def codes_at(lines: list[str]) -> set[tuple[str, int, int]]:
    found = set()
    for line in lines:
        _, row, col, text = line.split(":", 3)
        found.add((text.split()[0], int(row), int(col)))
    return found


@pytest.mark.parametrize(("rule", "example"), CASES, ids=IDS)
def test_example_through_flake8(flake8, rule: Rule, example: Example) -> None:
    enable = () if rule.default else ("--extend-select", rule.code)
    run = flake8({"example.py": source(example)}, *enable, *example.options)
    found = codes_at(run.krk)
    if example.at is not None:
        assert (rule.code, *example.at) in found, run.krk
    else:
        assert rule.code not in {code for code, _, _ in found}, run.krk


def test_every_rule_has_examples_both_ways_and_a_summary() -> None:
    for rule in RULES:
        assert rule.invalid and rule.valid and rule.summary and rule.why and rule.fix, rule.code
        assert all(example.at is not None for example in rule.invalid), rule.code
        assert all(example.at is None for example in rule.valid), rule.code
        assert rule.level in ("note", "warning", "error"), rule.code
    assert len({rule.code for rule in RULES}) == len(RULES)


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_page_is_made_from_the_rule(rule: Rule) -> None:
    assert (ROOT / "docs" / "codes" / f"{rule.code}.md").read_text() == page(rule)


def test_every_page_is_a_rule_and_every_rule_is_in_readme() -> None:
    assert sorted(p.stem for p in (ROOT / "docs" / "codes").glob("*.md")) == sorted(r.code for r in RULES)
    readme = (ROOT / "README.md").read_text()
    assert all(f"| {rule.code} |" in readme for rule in RULES)


def _python_strings(path: Path) -> list[str]:
    """Every string literal of a module but its docstrings."""
    tree = ast.parse(path.read_text())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_no_code_is_spelled_outside_its_rule() -> None:
    outside = [p for p in (ROOT / "flake8_kraken").rglob("*.py") if "rules" not in p.parts]
    spelled = {(p.name, s) for p in outside for s in _python_strings(p) if re.search(r"KRK\d", s)}
    assert spelled == set()


def test_no_kraken_fact_is_spelled_in_python() -> None:
    """Endpoint, channel, permission and preset names, hosts and addresses live in rules.yaml only."""
    catalog = default_catalog()
    facts = {e.name for e in catalog.endpoints} | {e.name.rsplit("/", 1)[-1] for e in catalog.ws_endpoints
                                                   if len(e.name.rsplit("/", 1)[-1]) > 1}
    facts |= {p.id for p in catalog.permissions} | {p.id for p in catalog.presets} | set(catalog.rest_hosts)
    facts |= {u.url for u in catalog.websocket.urls} | set(catalog.secrets.module_markers)
    facts |= {catalog.websocket.token_endpoint, *catalog.secrets.env_mappings, *catalog.secrets.name_markers}
    # The rules' examples are code to lint; schema.py names the keys of rules.yaml's sections.
    code = [p for p in (ROOT / "flake8_kraken").rglob("*.py")
            if not (p.parent.name == "rules" and p.name.startswith("krk")) and p.name != "schema.py"]
    spelled = {(p.name, s) for p in code for s in _python_strings(p) if s in facts}
    assert spelled == set()


# Each code's whole message, as flake8 prints it (the examples above pin the code and the place).
HEAD = "# kraken-permissions: read-balances\nimport krakenex\n\napi = krakenex.API()\n"
MESSAGES = {
    "KRK201-any-of": (HEAD + 'api.query_private("CancelOrder", {"txid": "O1"})\n', "--select=KRK201",
                      "5:1: KRK201 CancelOrder needs Cancel/Close Orders or Create & Modify Orders, which the key "
                      "declared in this file's kraken-permissions comment does not grant"),
    "KRK201-no-guide-note": (HEAD + 'api.query_private("AddOrder", {"pair": "XBTUSD"})\n', "--select=KRK201",
                             "5:1: KRK201 AddOrder needs Create & Modify Orders, which the key declared in this "
                             "file's kraken-permissions comment does not grant"),
    "KRK201-all-of-beside-any-of": ("# kraken-permissions: create-modify-orders\nimport json\n\nURL = "
                                    "'wss://ws-auth.kraken.com/v2'\nmsg = {'method': 'amend_order', 'params': "
                                    "{'token': token}}\n", "--select=KRK201",
                                    "5:7: KRK201 ws/v2/amend_order needs Access WebSockets API, which the key "
                                    "declared in this file's kraken-permissions comment does not grant"),
    "KRK202-moves-funds": (HEAD + 'api.query_private("WalletTransfer", {"amount": 1})\n', "--select=KRK202",
                           "5:1: KRK202 WalletTransfer moves funds out of the account; keep withdrawal calls in code "
                           "allowed to move funds"),
    "KRK203-no-suggestion": (HEAD + 'api.query_private("Zzqxv")\n', "--select=KRK203",
                             "5:1: KRK203 unknown Kraken endpoint 'Zzqxv'"),
    "KRK204": (HEAD + 'api.query_public("Balance")\n', "--select=KRK204",
               "5:1: KRK204 Balance is a private endpoint but is called as /0/public/Balance"),
    "KRK901-no-permission": (HEAD + 'api.query_private("Earn/Strategies")\n', "--select=KRK901",
                             "5:1: KRK901 Earn/Strategies needs a valid API key but no specific permission"),
}


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_whole_message(flake8, name: str) -> None:
    source, option, expected = MESSAGES[name]
    assert flake8({"t.py": source}, option).krk == [f"t.py:{expected}"]
