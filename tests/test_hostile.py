"""Hostile input: never crash, never leak, never hang, never write, never connect.

Generated programs: KRAKEN_FUZZ_EXAMPLES (default 25) per run; set it higher for a
longer fuzz, e.g. KRAKEN_FUZZ_EXAMPLES=2000 python -m pytest tests/test_hostile.py -k fuzz.
"""
from __future__ import annotations

import json
import os
import random
import socket
import time
from pathlib import Path

import pytest

from conftest import command, credential
from flake8_kraken import cli, engine
from flake8_kraken.catalog import CatalogError, default_catalog, load_catalog
from flake8_kraken.engine import analyse
from flake8_kraken.plugin import KrakenChecker

KRAKEN = b'import krakenex\napi = krakenex.API()\napi.query_private("Withdraw")\n'
FUZZ_EXAMPLES = int(os.environ.get("KRAKEN_FUZZ_EXAMPLES", "25"))


def run_bytes(flake8, tmp_path: Path, data: bytes, *args: str):
    (tmp_path / "t.py").write_bytes(data)
    run = flake8({}, *args, paths=["t.py"])
    assert not any("failed during execution" in line for line in run.lines), run.lines
    assert run.code in (0, 1)
    return run


BYTES = {
    "nul-byte": KRAKEN + b"x = '\x00'\n",
    "nul-in-code": KRAKEN.replace(b"api =", b"api\x00 ="),
    "latin-1-without-cookie": KRAKEN + "s = 'caf\xe9'\n".encode("latin-1"),
    "latin-1-with-cookie": b"# -*- coding: latin-1 -*-\n" + KRAKEN + "s = 'caf\xe9'\n".encode("latin-1"),
    "bom": b"\xef\xbb\xbf" + KRAKEN,
    "crlf": KRAKEN.replace(b"\n", b"\r\n"),
    "cr-only": KRAKEN.replace(b"\n", b"\r"),
    "tabs": b"import krakenex\nif True:\n\tapi = krakenex.API()\n\tapi.query_private('Withdraw')\n",
    "form-feed": b"import krakenex\n\x0c\napi = krakenex.API()\n\x0capi.query_private('Withdraw')\n",
    "truncated-string": KRAKEN + b"x = 'unterminated",
    "truncated-call": KRAKEN + b"api.query_private(",
    "syntax-error": KRAKEN + b"def (:\n",
    "empty": b"",
    "only-kraken-word": b"# kraken",
}


@pytest.mark.parametrize("case", sorted(BYTES))
def test_odd_bytes(flake8, tmp_path: Path, case: str) -> None:
    run = run_bytes(flake8, tmp_path, BYTES[case])
    codes = {line.split(": ")[1].split(" ")[0] for line in run.lines}
    assert not {c for c in codes if c.startswith("KRK0")}, run.lines  # no KRK000 on any of these
    if case in ("syntax-error", "truncated-string", "truncated-call"):
        assert codes <= {"E999", "E902"}, run.lines


@pytest.mark.parametrize("seed", range(20))
def test_random_bytes(flake8, tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4000)))
    run_bytes(flake8, tmp_path, b"# kraken /0/private/\n" + data)


@pytest.mark.parametrize("seed", range(10))
def test_truncated_kraken_files(flake8, tmp_path: Path, seed: int) -> None:
    source = (Path(__file__).parent.parent / "examples" / "oms" / "orders.py").read_bytes()
    cut = random.Random(seed).randrange(len(source))
    run_bytes(flake8, tmp_path, source[:cut])


def test_ten_thousand_deep_expression_does_not_crash(tmp_path: Path) -> None:
    """ast keeps `a and a and ...` flat; LibCST nests it and its native parser would crash."""
    (tmp_path / "t.py").write_text("import krakenex\nok = " + " and ".join(["a"] * 10_000) + "\n")
    done = command("flake8", "--isolated", "--select", "KRK", "t.py", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stdout == "t.py:1:1: KRK000 Kraken analysis skipped: the file is nested too deeply to walk\n"


def test_a_deep_statement_libcst_is_not_given_does_not_stop_the_analysis(tmp_path: Path) -> None:
    """The nesting bound protects LibCST's parser, so it measures only the statements region.py keeps."""
    ordinary = "".join(f"\n\ndef ordinary_{i}(values):\n    return sorted(values)\n" for i in range(8))
    deep = "ok = " + " and ".join(["a"] * 10_000) + "\n"
    (tmp_path / "t.py").write_text("import krakenex\nk = krakenex.API()\nk.query_private('Balance')\n"
                                   + ordinary + deep)
    done = command("flake8", "--isolated", "--select", "KRK", "--extend-select", "KRK901", "t.py", cwd=tmp_path)
    assert done.stdout == "t.py:3:1: KRK901 Balance needs Query Funds\n", done.stdout + done.stderr


def test_deep_nesting_python_rejects_is_flake8s(tmp_path: Path) -> None:
    (tmp_path / "t.py").write_text("import krakenex\nx = " + "[" * 10_000 + "]" * 10_000 + "\n")
    done = command("flake8", "--isolated", "--select", "KRK,E999", "t.py", cwd=tmp_path)
    assert done.returncode == 1 and "KRK" not in done.stdout


def _own_time(flake8, monkeypatch: pytest.MonkeyPatch, files: dict[str, str]) -> float:
    """flake8's time for the files with this plugin doing nothing, then with it: the ratio."""
    with monkeypatch.context() as patch:
        patch.setattr(KrakenChecker, "run", lambda self: iter(()))
        start = time.perf_counter()
        flake8(files, "--select", "KRK,E9")
        own = time.perf_counter() - start
    start = time.perf_counter()
    run = flake8(files, "--select", "KRK,E9")
    return (time.perf_counter() - start) / own, run


@pytest.mark.parametrize("shape", ["6 MB file", "100,000-element literal", "1 MB line"])
def test_large_inputs_stay_within_ten_times_flake8(flake8, monkeypatch: pytest.MonkeyPatch, shape: str) -> None:
    if shape == "6 MB file":
        body = "".join(f'SETTING_{i} = {{"name": "value_{i}", "path": "/0/public/Ticker", "limit": {i}}}\n'
                       for i in range(72_000))
    elif shape == "100,000-element literal":
        body = "VALUES = [\n" + "".join(f"    {i},\n" for i in range(100_000)) + "]\n"
    else:
        body = "BLOB = '" + "a" * 1_000_000 + "'\n"
    ratio, run = _own_time(flake8, monkeypatch, {"t.py": "import krakenex\n" + body})
    assert ratio < 10, f"{shape}: {ratio:.1f} times flake8's own time"
    if shape == "6 MB file":
        assert run.krk == ["t.py:1:1: KRK000 Kraken analysis skipped: the file is larger than 5 MB"]


def test_a_file_of_a_few_megabytes_is_analysed_in_full(flake8) -> None:
    """Files up to the memory bound (5 MB of source) get every code, not only the credential scan."""
    blob = "BLOB = '" + "a" * 3_000_000 + "'\n"
    source = f"import krakenex\n{blob}\n\ndef pay(api):\n    api.query_private('Withdraw', {{'amount': 1}})\n"
    run = flake8({"t.py": source}, "--select", "KRK")
    assert run.krk == ["t.py:6:5: KRK202 Withdraw needs Withdraw Funds; keep withdrawal calls in code allowed to "
                       "move funds", "t.py:6:5: KRK901 Withdraw needs Withdraw Funds"]


def test_a_file_beyond_the_bound_still_gets_the_credential_scan(flake8) -> None:
    key = credential(42)
    blob = "BLOB = '" + "a" * 5_100_000 + "'\n"
    run = flake8({"t.py": f"import krakenex\n{blob}API_KEY = '{key}'\n"}, "--select", "KRK")
    assert run.krk[0] == "t.py:1:1: KRK000 Kraken analysis skipped: the file is larger than 5 MB"
    assert [line.split(" ")[1] for line in run.krk[1:]] == ["KRK101"]


# --- hostile rules files -------------------------------------------------------------------

BOMB = "version: 1\na: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(8))
RULES = {
    "alias-bomb": (BOMB, "rules: unknown key 'a'"),
    "deep-nesting": ("version: " + "[" * 5000 + "]" * 5000 + "\n", "not valid YAML"),
    "python-object": ("version: !!python/object/new:os.system [echo]\n",
                      "not valid YAML: could not determine a constructor"),
    "permissions-not-a-list": ("version: 1\npermissions: {a: 1}\n",
                               "rules.permissions: expected a list, got a mapping"),
    "permission-not-a-mapping": ("version: 1\npermissions: [query-funds]\n",
                                 "permissions[0]: expected a mapping, got 'query-funds'"),
    "risk-not-a-number": ("version: 1\npermissions:\n  - {id: a, title: A, risk: true}\n",
                          "permissions[0].risk: expected a whole number, got true/false"),
    "version-wrong": ("version: 2\n", "rules.version: unsupported version 2"),
    "huge": ("version: 1\n" + "#" * 11_000_000 + "\n", "larger than"),
}


@pytest.mark.parametrize("case", sorted(RULES))
def test_hostile_rules_files_fail_clearly_and_fast(tmp_path: Path, case: str) -> None:
    text, expected = RULES[case]
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    start = time.perf_counter()
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert time.perf_counter() - start < 5
    assert str(info.value).startswith(str(path)) and expected in str(info.value), str(info.value)


def test_hostile_user_rules_are_validated_too(tmp_path: Path) -> None:
    path = tmp_path / "extra.yaml"
    path.write_text("version: 1\nendpoints:\n  - {name: AddOrder, access: maybe}\n")
    with pytest.raises(CatalogError, match=r"extra\.yaml:3: endpoints\[AddOrder\]\.access: expected public or private"):
        load_catalog(extra=path)


# --- the guarantees ------------------------------------------------------------------------


def test_file_deleted_between_discovery_and_analysis(tmp_path: Path, capsys, monkeypatch) -> None:
    (tmp_path / "a.py").write_text('w = "/0/private/Withdraw"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "python_files", lambda options: ["a.py", "gone.py"])
    assert cli.main(["permissions", "--isolated", "--format", "json"]) == 0
    files = json.loads(capsys.readouterr().out)["files"]
    assert files[1] == {"path": "gone.py", "calls": [], "unresolved": [], "permissions": [], "keys": {},
                        "skipped": "cannot read the file (FileNotFoundError)"}


def test_no_secret_in_any_output(flake8, tmp_path: Path, capsys, monkeypatch) -> None:
    secret = credential(64)
    key = credential(42)
    source = f"import krakenex\napi = krakenex.API('{key}', '{secret}')\napi.query_private('Withdraw')\n"
    flake8({"bot.py": source})  # writes the file
    # -v: flake8's own debug log (-vv) prints source lines, as --show-source does (README says so).
    verbose = command("flake8", "--isolated", "-v", "--statistics", "--extend-select", "KRK901", "bot.py",
                      cwd=tmp_path)  # its own process: -v sets up logging
    outputs = [verbose.stdout + verbose.stderr]
    for fmt in ("text", "json", "markdown", "sarif"):
        assert cli.main(["permissions", "--isolated", "--format", fmt, "bot.py"]) == 0
        outputs.append(capsys.readouterr().out)
    done = command("flake8-kraken", "baseline", "--write", "--isolated", "bot.py", cwd=tmp_path)
    outputs += [done.stdout + done.stderr, (tmp_path / ".kraken-baseline.json").read_text()]
    sarif = command("flake8", "--isolated", "--format=kraken-sarif", "bot.py", cwd=tmp_path)
    outputs.append(sarif.stdout + sarif.stderr)
    # An internal error's text would quote the source: only its type is shown.
    monkeypatch.setattr(engine, "_analyse_parsed", lambda source, *a: (_ for _ in ()).throw(ValueError(source)))
    outputs.append("\n".join(flake8({"bot.py": source}).lines))
    assert "KRK102" in outputs[0] and "internal error (ValueError)" in outputs[-1]
    for text in outputs:
        assert secret[4:] not in text and key[4:] not in text and secret[:12] not in text


def test_output_is_deterministic(flake8, tmp_path: Path, capsys, monkeypatch) -> None:
    examples = Path(__file__).parent.parent / "examples"
    monkeypatch.chdir(examples)
    reports = []
    for jobs in ("1", "2", "1"):
        assert cli.main(["permissions", "--format", "sarif", "--jobs", jobs]) == 0
        reports.append(capsys.readouterr().out)
    assert reports[0] == reports[1] == reports[2]


def test_never_writes_to_the_linted_tree(tmp_path: Path, capsys, monkeypatch) -> None:
    tree = tmp_path / "project"
    (tree / "svc").mkdir(parents=True)
    (tree / "svc" / "__init__.py").write_text("")
    (tree / "svc" / "bot.py").write_text(KRAKEN.decode())
    before = sorted((str(p), p.stat().st_mtime_ns) for p in tree.rglob("*"))
    assert command("flake8", "--isolated", "-j2", ".", cwd=tree).returncode == 1
    monkeypatch.chdir(tree)
    assert cli.main(["permissions", "--isolated", "--format", "sarif"]) == 0
    capsys.readouterr()
    assert sorted((str(p), p.stat().st_mtime_ns) for p in tree.rglob("*")) == before


def test_never_opens_a_network_connection(flake8, capsys) -> None:
    """Every test runs with the network refused (conftest.no_network); this one names the claim."""
    with pytest.raises(AssertionError, match="network"):
        socket.create_connection(("127.0.0.1", 9))
    source = "import requests\nrequests.post('https://api.kraken.com/0/private/Balance')\n"
    assert flake8({"bot.py": source}, "--extend-select", "KRK901").krk
    assert cli.main(["permissions", "--isolated", "bot.py"]) == 0
    capsys.readouterr()
    done = command("python", "-c", "import socket; socket.create_connection(('127.0.0.1', 9))")
    assert "test guard: network lookup attempted" in done.stderr  # and in the commands the tests start


# --- generated programs ---------------------------------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
hypothesmith = pytest.importorskip("hypothesmith")


@hypothesis.settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
                     suppress_health_check=list(hypothesis.HealthCheck))
@hypothesis.given(source=hypothesmith.from_grammar())
def test_fuzz_generated_programs(source: str) -> None:
    result = analyse("# kraken /0/private/ api-key\n" + source, "fuzz.py", default_catalog())
    assert not (result.skipped or "").startswith("internal error"), result.skipped


@hypothesis.settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None)
@hypothesis.given(data=hypothesis.strategies.binary(max_size=2000))
def test_fuzz_random_text(data: bytes) -> None:
    result = analyse("# kraken\n" + data.decode("latin-1"), "fuzz.py", default_catalog())
    assert not (result.skipped or "").startswith("internal error"), result.skipped
