"""Declared keys per path, the withdrawal guard, user rules and the baseline, through real flake8."""
from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest

from conftest import command, credential
from flake8_kraken import policy

CONFIG = """[flake8]
kraken-permissions =
    src/marketdata/*: market-data
    src/oms/*: algorithmic-spot-trading
    src/oms/readonly/*: read-balances
    src/treasury/*: funds_query, funds_add, withdraw
kraken-withdraw-paths = src/treasury/*
"""
OMS = 'def go(call, name):\n    call("/0/private/AddOrder")\n    call("/0/private/Ledgers")\n' \
      '    call("/0/private/" + name)\n'
W201 = "KRK201 {} needs {}, which the key declared {} does not grant"
W202 = "KRK202 Withdraw needs Withdraw Funds; keep withdrawal calls in code allowed to move funds"
OMS_KEY = "for src/oms/* in kraken-permissions"


def test_declared_keys_and_the_most_specific_glob(flake8) -> None:
    run = flake8({
        "setup.cfg": CONFIG,
        "src/oms/bot.py": OMS,
        "src/oms/readonly/cash.py": 'url = "/0/private/Balance"\norder = "/0/private/AddOrder"\n',
        "src/marketdata/feed.py": 'a = "/0/public/Ticker"\nb = "/0/private/Balance"\n',
        "src/treasury/pay.py": 'a = "/0/private/Withdraw"\nb = "/0/private/DepositMethods"\n',
    }, paths=["src"], isolated=False)
    assert run.krk == [
        "src/marketdata/feed.py:2:5: "
        + W201.format("Balance", "Query Funds", "for src/marketdata/* in kraken-permissions"),
        "src/oms/bot.py:3:10: " + W201.format("Ledgers", "Query Ledger Entries", OMS_KEY),
        "src/oms/bot.py:4:10: KRK205 the endpoint is not known statically (endpoint name is parameter 'name' of go(), "
        f"set by callers in other modules); the key declared {OMS_KEY} may not be enough",
        "src/oms/readonly/cash.py:2:9: " + W201.format(
            "AddOrder", "Create & Modify Orders", "for src/oms/readonly/* in kraken-permissions"),
    ]


def test_module_comment_wins_over_the_configuration(flake8) -> None:
    source = '# kraken-permissions: query-funds, trades_query_closed\nb = "/0/private/Balance"\n' \
             't = "/0/private/TradesHistory"\no = "/0/private/AddOrder"\n'
    run = flake8({"setup.cfg": CONFIG, "src/oms/x.py": source}, paths=["src"], isolated=False)
    assert run.krk == ["src/oms/x.py:4:5: " + W201.format(
        "AddOrder", "Create & Modify Orders", "in this file's kraken-permissions comment")]


def test_module_comment_none_and_a_bad_comment(flake8) -> None:
    run = flake8({
        "a.py": '#!/usr/bin/env python\n# kraken-permissions: none\nb = "/0/private/Balance"\n',
        "b.py": '# kraken-permissions: query-fund\nb = "/0/private/Balance"\n',
    })
    assert run.krk == [
        "a.py:3:5: " + W201.format("Balance", "Query Funds", "in this file's kraken-permissions comment"),
        "b.py:1:1: KRK201 the kraken-permissions comment is ignored: unknown permission or preset 'query-fund' "
        "(did you mean 'query-funds'?)",
    ]


@pytest.mark.parametrize("form", ["relative", "dot-slash", "absolute", "stdin"])
def test_every_path_form(flake8, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str) -> None:
    files = {"setup.cfg": CONFIG, "src/oms/bot.py": OMS}
    target = {"relative": "src/oms/bot.py", "dot-slash": "./src/oms/bot.py",
              "absolute": str(tmp_path / "src/oms/bot.py"), "stdin": "-"}[form]
    extra = []
    if form == "stdin":
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(OMS.encode())))
        extra = ["--stdin-display-name", "src/oms/bot.py"]
    run = flake8(files, *extra, paths=[target], isolated=False)
    assert [line.split(": ", 1)[1] for line in run.krk] == [
        W201.format("Ledgers", "Query Ledger Entries", OMS_KEY),
        f"KRK205 the endpoint is not known statically (endpoint name is parameter 'name' of go(), set by callers in "
        f"other modules); the key declared {OMS_KEY} may not be enough",
    ]


def test_jobs_two(flake8) -> None:
    files = {"setup.cfg": CONFIG, **{f"src/oms/m{i}.py": OMS for i in range(4)}}
    one = flake8(files, paths=["src"], isolated=False)
    two = flake8(files, "--jobs", "2", paths=["src"], isolated=False)
    assert one.lines == two.lines and len(one.krk) == 8


def test_withdraw_guard(flake8) -> None:
    files = {"setup.cfg": "[flake8]\nkraken-withdraw-paths = src/treasury/*, scripts/payout.py\n",
             "src/treasury/pay.py": 'w = "/0/private/Withdraw"\n', "scripts/payout.py": 'w = "/0/private/Withdraw"\n',
             "src/bot.py": 'w = "/0/private/Withdraw"\n'}
    assert flake8(files, paths=["."], isolated=False).krk == [f"./src/bot.py:1:5: {W202}"]


def test_withdraw_guard_without_configuration_fires_everywhere(flake8) -> None:
    assert flake8({"pay.py": 'w = "/0/private/Withdraw"\n'}).krk == [f"pay.py:1:5: {W202}"]


def test_no_policy_no_krk201_or_krk205(flake8) -> None:
    assert flake8({"bot.py": OMS}).krk == []


# --- configuration errors: one line that names the option or file, the value, the fix --------

ERRORS = {
    "unknown-name": ("kraken-permissions =\n    src/*: query-fund\n",
                     "kraken-permissions, entry 1 'src/*: query-fund': unknown permission or preset 'query-fund' "
                     "(did you mean 'query-funds'?)"),
    "unknown-preset": ("kraken-permissions =\n    src/*: market-dta\n",
                       "kraken-permissions, entry 1 'src/*: market-dta': unknown permission or preset 'market-dta' "
                       "(did you mean 'market-data'?)"),
    "no-colon": ("kraken-permissions =\n    src/*: market-data\n    src/oms/*\n",
                 "kraken-permissions, entry 2: expected 'glob: permissions', got 'src/oms/*'"),
    "bad-glob": ("kraken-permissions =\n    src/[oms/*: market-data\n",
                 "kraken-permissions, entry 1 'src/[oms/*: market-data': bad glob 'src/[oms/*' (unbalanced [ ])"),
    "empty-glob": ("kraken-permissions =\n    : market-data\n",
                   "kraken-permissions, entry 1 ': market-data': empty glob"),
    "contradictory": ("kraken-permissions =\n    src/*: market-data\n    src/*: read-balances\n",
                      "kraken-permissions, entry 2 'src/*: read-balances': 'src/*' is declared twice"),
    "withdraw-glob": ("kraken-withdraw-paths = a/*, [b\n",
                      "kraken-withdraw-paths, item 2: bad glob '[b' (unbalanced [ ])"),
    "rules-missing": ("kraken-rules = nope.yaml\n", "kraken-rules: nope.yaml: cannot read: No such file or directory"),
    "rules-not-yaml": ("kraken-rules = rules.yaml\n", "kraken-rules: rules.yaml:2: not valid YAML: did not find "
                       "expected node content"),
    "rules-schema": ("kraken-rules = schema.yaml\n", "kraken-rules: schema.yaml:3: endpoints[AddOrder].requires_all: "
                     "unknown permission 'trade'"),
    "baseline-missing": ("kraken-baseline = nope.json\n", "kraken-baseline: nope.json: no such file (create it with: "
                         "flake8-kraken baseline --write)"),
    "baseline-not-json": ("kraken-baseline = broken.json\n", "kraken-baseline: broken.json: not valid JSON "
                          "(JSONDecodeError)"),
    "baseline-wrong": ("kraken-baseline = other.json\n", "kraken-baseline: other.json: not a flake8-kraken baseline "
                       "(expected version 1 and a salt)"),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_configuration_error(flake8, case: str) -> None:
    option, message = ERRORS[case]
    run = flake8({
        "setup.cfg": "[flake8]\n" + option, "t.py": "x = 1\n", "rules.yaml": "version: [\n  - 1\n",
        "schema.yaml": "version: 1\nendpoints:\n  - {name: AddOrder, access: private, requires_all: [trade]}\n",
        "broken.json": "{", "other.json": '{"version": 7}',
    }, paths=["t.py"], isolated=False)
    assert run.lines == ["There was a critical error during execution of Flake8:",
                         "flake8-kraken: " + message]
    assert run.code == 1


def test_empty_options_mean_no_policy(flake8) -> None:
    config = "[flake8]\nkraken-permissions =\nkraken-withdraw-paths =\nkraken-rules =\nkraken-baseline =\n"
    assert flake8({"setup.cfg": config, "t.py": 'w = "/0/private/Withdraw"\n'}, paths=["t.py"], isolated=False).krk == [
        f"t.py:1:5: {W202}"]


# --- kraken-rules: a company wrapper and a known example credential ---------------------------

WRAPPER = """version: 1
clients:
  - id: ourco
    modules: [ourco]
    classes:
      - id: ourco.exchange.Client
        methods:
          place_order: AddOrder
          sweep_to_cold_wallet: Withdraw
"""


def test_company_wrapper_taught_by_rules(flake8) -> None:
    source = "from ourco.exchange import Client\n\nclient = Client()\nclient.place_order('XBTUSD', 1)\n" \
             "client.sweep_to_cold_wallet()\n"
    files = {"ourco-rules.yaml": WRAPPER, "bot.py": source}
    assert flake8(files).krk == []  # unknown to the shipped catalog
    run = flake8(files, "--kraken-rules", "ourco-rules.yaml", "--extend-select", "KRK901")
    assert run.krk == ["bot.py:4:1: KRK901 AddOrder needs Create & Modify Orders", f"bot.py:5:1: {W202}",
                       "bot.py:5:1: KRK901 Withdraw needs Withdraw Funds"]


def test_an_edited_rules_file_is_read_again_in_the_same_process(flake8) -> None:
    """An editor's flake8 process outlives an edit of the rules, and a relative name means another
    file in another directory: the rules in use are the file's as it is now."""
    source = "from ourco.exchange import Client\n\nClient().sweep_to_cold_wallet()\n"
    files = {"ourco-rules.yaml": WRAPPER, "bot.py": source}
    assert flake8(files, "--kraken-rules", "ourco-rules.yaml").krk == [f"bot.py:3:1: {W202}"]
    files["ourco-rules.yaml"] = WRAPPER.replace("sweep_to_cold_wallet: Withdraw", "sweep_to_cold_wallet: Balance")
    assert flake8(files, "--kraken-rules", "ourco-rules.yaml").krk == []


def test_extra_known_example_credential(flake8) -> None:
    example = credential(64)
    digest = hashlib.sha256(example.encode()).hexdigest()
    files = {"more.yaml": f"version: 1\nsecrets:\n  known_examples: [{digest}]\n",
             "t.py": f"import krakenex\nSECRET = '{example}'\n"}
    assert [line.split(": ")[1][:6] for line in flake8(files).krk] == ["KRK102"]
    assert flake8(files, "--kraken-rules", "more.yaml").krk == []


# --- the baseline ------------------------------------------------------------------------------


def test_baseline_accepts_today_and_reports_only_new(flake8, tmp_path: Path) -> None:
    secret = credential(64)
    source = f'import krakenex\nSECRET = "{secret}"\nw = "/0/private/Withdraw"\n'
    flake8({"src/bot.py": source, "setup.cfg": "[flake8]\nselect = KRK\nextend-ignore = KRK901\n"}, paths=["src"],
           isolated=False)
    done = command("flake8-kraken", "baseline", "--write", "src", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, "flake8-kraken: 2 findings accepted in .kraken-baseline.json\n")
    text = (tmp_path / ".kraken-baseline.json").read_text()
    data = json.loads(text)
    assert secret[4:] not in text and secret[:4] not in text and '"line"' not in text
    assert [(e["path"], e["code"]) for e in data["findings"]] == [("src/bot.py", "KRK102"), ("src/bot.py", "KRK202")]
    config = "[flake8]\nselect = KRK\nextend-ignore = KRK901\nkraken-baseline = .kraken-baseline.json\n"
    assert flake8({"setup.cfg": config}, paths=["src"], isolated=False).lines == []
    moved = "# a comment\n\n" + source.replace("import krakenex\n", "import krakenex\nimport os\n")
    assert flake8({"src/bot.py": moved}, paths=["src"], isolated=False).lines == []
    grown = moved + 'again = "/0/private/Withdraw"\n'
    assert flake8({"src/bot.py": grown}, paths=["src"], isolated=False).krk == [f"src/bot.py:7:9: {W202}"]
    again = command("flake8-kraken", "baseline", "--write", "src", cwd=tmp_path)
    assert again.returncode == 0
    assert json.loads((tmp_path / ".kraken-baseline.json").read_text())["salt"] == data["salt"]


def test_the_baseline_counts_identical_findings(flake8, tmp_path: Path) -> None:
    """Two identical lines are two accepted findings: a third copy is new, one fewer is fine."""
    line = 'w = "/0/private/Withdraw"\n'
    config = "[flake8]\nselect = KRK202\nkraken-baseline = .kraken-baseline.json\n"
    flake8({"bot.py": "import krakenex\n" + line * 2}, isolated=False, paths=["bot.py"])
    done = command("flake8-kraken", "baseline", "--write", "--select", "KRK202", "bot.py", cwd=tmp_path)
    assert done.stdout == "flake8-kraken: 2 findings accepted in .kraken-baseline.json\n"
    entries = json.loads((tmp_path / ".kraken-baseline.json").read_text())["findings"]
    assert [(e["code"], e["count"]) for e in entries] == [("KRK202", 2)]
    assert flake8({"setup.cfg": config}, isolated=False, paths=["bot.py"]).lines == []
    third = flake8({"bot.py": "import krakenex\n" + line * 3}, isolated=False, paths=["bot.py"])
    assert third.krk == [f"bot.py:4:5: {W202}"]
    assert flake8({"bot.py": "import krakenex\n" + line}, isolated=False, paths=["bot.py"]).lines == []


def test_the_module_comment_is_read_in_the_first_ten_lines_only(flake8) -> None:
    call = "import krakenex\nkrakenex.API().query_private('AddOrder')\n"
    comment = "# kraken-permissions: read-balances\n"
    assert flake8({"a.py": "\n" * 9 + comment + call}, "--select", "KRK201").krk != []
    assert flake8({"a.py": "\n" * 10 + comment + call}, "--select", "KRK201").krk == []


def test_paths_are_matched_as_written_relative_to_the_working_directory(flake8, tmp_path: Path) -> None:
    """./src/a.py and src/a.py are the same file for a glob; a file outside the working directory keeps
    its own path."""
    assert policy.normal_path("./src/a.py") == policy.normal_path("src/a.py") == "src/a.py"
    outside = str(tmp_path.parent / "elsewhere" / "b.py")
    assert policy.normal_path(outside) == Path(outside).as_posix()
    files = {"src/a.py": "import krakenex\nkrakenex.API().query_private('AddOrder')\n",
             "setup.cfg": "[flake8]\nkraken-permissions =\n    src/*: read-balances\n"}
    run = flake8(files, "--select", "KRK201", isolated=False, paths=["./src/a.py"])
    assert [line.split(": ")[1][:6] for line in run.krk] == ["KRK201"]


def test_a_glob_with_a_character_class_is_a_glob(flake8) -> None:
    files = {"src/a.py": "import krakenex\nkrakenex.API().query_private('AddOrder')\n",
             "setup.cfg": "[flake8]\nkraken-permissions =\n    src/[ab].py: read-balances\n"}
    run = flake8(files, "--select", "KRK201", isolated=False, paths=["src/a.py"])
    assert [line.split(": ")[1][:6] for line in run.krk] == ["KRK201"]
