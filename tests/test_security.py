"""The tool as an attack surface: its cache cannot run code, and no message prints a credential.

Each claim of SECURITY.md is checked here or in test_hostile.py (named there).
"""
from __future__ import annotations

import base64
import json
import os
import pickle
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from conftest import command
from flake8_kraken import rulesfile
from flake8_kraken import cli
from flake8_kraken.catalog import CatalogError, parse_catalog, read_yaml, shipped_rules_path
from flake8_kraken.redact import looks_secret, redact

ROOT = Path(__file__).resolve().parent.parent
WITHDRAW = "import krakenex\napi = krakenex.API()\napi.query_private('Withdraw')\n"
WITHDRAW_FOUND = "bot.py:3:1: KRK202 Withdraw needs Withdraw Funds; keep withdrawal calls in code allowed to move funds"


def credentials() -> dict[str, str]:
    """Fresh credential-shaped values of every kind, generated now (never committed)."""
    b64 = base64.b64encode
    values = {
        "api-key": b64(secrets.token_bytes(42)).decode(),
        "private-key": b64(secrets.token_bytes(64)).decode(),
        "ws-token": b64(secrets.token_bytes(32)).decode().rstrip("="),
        "futures-secret": b64(secrets.token_bytes(64)).decode(),
    }
    # A key with '/' in it, as a third of base64 keys have: the redaction must not split it there.
    slashed = list(b64(secrets.token_bytes(42)).decode())
    slashed[9] = slashed[30] = "/"
    values["key-with-slashes"] = "".join(slashed)
    return values


def assert_hidden(text: str, values: dict[str, str]) -> None:
    for kind, value in values.items():
        for start in range(4, len(value) - 8, 4):
            assert value[start:start + 8] not in text, f"part of the {kind} is printed"


# --- the redaction itself ---------------------------------------------------------------------


def test_every_generated_credential_looks_secret() -> None:
    for _ in range(2000):
        for value in credentials().values():
            assert looks_secret(value), value[:4]


@pytest.mark.parametrize("text", [
    "/home/runner/work/TradingBot2/TradingBot2/kraken-rules.yaml:12: endpoints[AddOrder].requires_all",
    "/Users/John2/Projects/kraken-bot/src/svc/oms/rules.yaml",
    "/tmp/pytest-of-root/pytest-12/test_every_option_redacts0/rules.yaml",
    "kraken-permissions, entry 1 'src/oms/*: algorithmic-spot-trading, query-closed-orders-trades'",
    "GetWebSocketsToken ws/v2/executions RetrieveExport AddOrderBatch",
    "clients[ccxt].classes[ccxt.async_support.kraken].methods.private_post_addorder",
])
def test_names_and_paths_are_left_alone(text: str) -> None:
    assert redact(text) == text


def test_redaction_keeps_four_characters_and_the_length() -> None:
    key = credentials()["api-key"]
    assert redact(f"unknown preset '{key}'") == f"unknown preset '{key[:4]}...(56 characters)'"


# --- every option, every rules field, every command ------------------------------------------


def test_options_never_print_a_credential(tmp_path: Path) -> None:
    values = credentials()
    key, secret, token = values["api-key"], values["private-key"], values["key-with-slashes"]
    (tmp_path / "bot.py").write_text(WITHDRAW)
    runs = {
        "kraken-permissions names": ("--kraken-permissions", f"src/*: {key}"),
        "kraken-permissions glob": ("--kraken-permissions", f"src/[{secret}: query-funds"),
        "kraken-permissions no colon": ("--kraken-permissions", token),
        "kraken-withdraw-paths": ("--kraken-withdraw-paths", f"[{key}"),
        "kraken-rules": ("--kraken-rules", str(tmp_path / f"{secret}.yaml")),
        "kraken-baseline": ("--kraken-baseline", str(tmp_path / key)),
    }
    for option, (name, value) in runs.items():
        done = command("flake8", "--isolated", f"{name}={value}", "bot.py", cwd=tmp_path)
        assert done.returncode != 0, option
        assert_hidden(done.stdout + done.stderr, values)
        assert name.lstrip("-") in done.stdout + done.stderr, option
    done = command("flake8", "--isolated", "--kraken-permissions", f"src/*: {key[:-1]}",
                   "bot.py", cwd=tmp_path)
    assert "unknown permission or preset" in done.stdout and f"'{key[:4]}..." in done.stdout


def test_module_comment_never_prints_a_credential(flake8) -> None:
    values = credentials()
    run = flake8({"bot.py": f"# kraken-permissions: query-funds, {values['private-key']}\n" + WITHDRAW})
    assert any("the kraken-permissions comment is ignored" in line for line in run.krk), run.lines
    assert_hidden("\n".join(run.lines), values)


def test_report_and_baseline_commands_never_print_a_credential(tmp_path: Path) -> None:
    values = credentials()
    key = values["api-key"]
    (tmp_path / "bot.py").write_text(WITHDRAW + f"api.query_private('{values['ws-token']}')\n")
    (tmp_path / "setup.cfg").write_text(f"[flake8]\nkraken-permissions =\n    {key}/*: {values['private-key']}\n")
    outputs = []
    for argv in (
        ["flake8-kraken", "permissions", "--explain", key, "bot.py"],
        ["flake8-kraken", "permissions", "--format", key, "bot.py"],
        ["flake8-kraken", "permissions", "--isolated", str(tmp_path / key)],
        ["flake8-kraken", "permissions", "--config", str(tmp_path / key)],
        ["flake8-kraken", "permissions", "bot.py"],
        ["flake8-kraken", "permissions", "--isolated", f"--{key}"],
        ["flake8-kraken", key],
        ["flake8-kraken", "baseline", "--write", "--output", str(tmp_path / "b.json"), "bot.py"],
        ["flake8-kraken", "baseline", "--write", "--isolated", f"--kraken-rules={tmp_path / key}", "bot.py"],
    ):
        done = command(*argv, cwd=tmp_path)
        assert done.returncode == 2, (argv[1:3], done.stdout, done.stderr)
        outputs.append(done.stdout + done.stderr)
    for fmt in ("text", "json", "markdown", "sarif"):
        done = command("flake8-kraken", "permissions", "--isolated", "--format", fmt, "bot.py", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout + done.stderr)
    flake8 = command("flake8", "--isolated", "bot.py", cwd=tmp_path)
    assert "KRK203 unknown Kraken endpoint" in flake8.stdout
    outputs.append(flake8.stdout + flake8.stderr)
    for text in outputs:
        assert_hidden(text, values)


def _fields(data: Any, path: tuple[Any, ...] = (), shape: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """One path to each distinct field of the rules: list items and the entries of name-keyed tables
    (a client class's methods and attributes, any mapping of more than 12 keys) count once; mapping keys
    are marked by a trailing None."""
    seen: set[tuple[Any, ...]] = set()

    def walk(value: Any, path: tuple[Any, ...], shape: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
        if isinstance(value, dict):
            for key, item in value.items():
                step = "*" if len(value) > 12 or shape[-1:] in (("methods",), ("attributes",)) else key
                yield from once((*path, key, None), (*shape, step, None))
                yield from walk(item, (*path, key), (*shape, step))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from walk(item, (*path, index), (*shape, "*"))
        else:
            yield from once(path, shape)

    def once(path: tuple[Any, ...], shape: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
        if shape not in seen:
            seen.add(shape)
            yield path

    yield from walk(data, path, shape)


def _replace(data: Any, path: tuple[Any, ...], value: str) -> Any:
    """`data` (freshly read, since validation changes it) with the value or key at `path` replaced."""
    *parents, last = path
    target = data
    if last is None:  # a mapping key
        *parents, key = parents
        for step in parents:
            target = target[step]
        items = list(target.items())
        target.clear()
        target.update((value if k == key else k, v) for k, v in items)
        target.key_lines = {value if k == key else k: line for k, line in target.key_lines.items()}
        return data
    for step in parents:
        target = target[step]
    target[last] = value
    return data


def test_every_rules_field_never_prints_a_credential() -> None:
    values = credentials()
    path = shipped_rules_path()
    data = read_yaml(path)
    fields = list(_fields(data))
    assert len(fields) > 100
    errors = 0
    for index, field in enumerate(fields):
        value = list(values.values())[index % len(values)]
        try:
            parse_catalog(_replace(read_yaml(path), field, value), path)
        except CatalogError as exc:
            errors += 1
            message = str(exc)
            assert message.startswith(f"{path}:") and message.split(":")[1].isdigit(), message
            assert_hidden(message, values)
    assert errors > 50


def test_rules_file_errors_through_flake8_name_file_line_and_closest_name(tmp_path: Path) -> None:
    values = credentials()
    key = values["api-key"]
    rules = tmp_path / "kraken-rules.yaml"
    rules.write_text(f"version: 1\nclients:\n  - id: ourco\n    classes:\n      - id: ourco.Exchange\n"
                     f"        paths: [ourco.Exchange]\n        methods:\n          place: {key}\n")
    (tmp_path / "bot.py").write_text(WITHDRAW)
    done = command("flake8", "--isolated", f"--kraken-rules={rules}", "bot.py", cwd=tmp_path)
    assert done.returncode != 0
    assert f"{rules}:8: clients[ourco].classes[ourco.Exchange].methods.place: unknown endpoint '{key[:4]}..." \
        in done.stdout, done.stdout
    assert_hidden(done.stderr + done.stdout, values)
    rules.write_text(f"version: 1\nendpoints:\n  - {{name: Balance, access: private, requires_all: [{key}]}}\n")
    done = command("flake8", "--isolated", f"--kraken-rules={rules}", "bot.py", cwd=tmp_path)
    assert f"{rules}:3: endpoints[Balance].requires_all: unknown permission '{key[:4]}..." in done.stdout
    rules.write_text("version: 1\nendpoints:\n  - {name: Balance, access: private, requires_all: [query-fund]}\n")
    done = command("flake8", "--isolated", f"--kraken-rules={rules}", "bot.py", cwd=tmp_path)
    assert "unknown permission 'query-fund' (did you mean 'query-funds'?)" in done.stdout, done.stdout


# --- the catalog cache cannot run code ---------------------------------------------------------


class _Explode:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (self.marker, "w"))


@pytest.fixture
def cache_slot() -> Iterator[Path]:
    """The shipped catalog's cache file, put back as it was afterwards."""
    store = rulesfile.cache_dir() / "rules-shipped.json"
    before = store.read_bytes() if store.exists() else None
    yield store
    if before is None:
        store.unlink(missing_ok=True)
    else:
        store.write_bytes(before)


def _flake8_builds_cache(tmp_path: Path, **env: str) -> None:
    """flake8 as a user runs it (writing bytecode, so the cache too), which must find the withdrawal."""
    (tmp_path / "bot.py").write_text(WITHDRAW)
    environ = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, **env}
    done = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "bot.py"], cwd=tmp_path, env=environ,
                          capture_output=True, text=True, timeout=120)
    assert done.stdout == WITHDRAW_FOUND + "\n", done.stdout + done.stderr


@pytest.mark.parametrize("content", ["pickle", "malformed", "wrong-key", "wrong-content", "wrong-screen", "deep",
                                     "symlink"])
def test_a_poisoned_cache_runs_nothing_and_is_rebuilt(tmp_path: Path, cache_slot: Path, content: str) -> None:
    marker = tmp_path / "code-ran"
    home = tmp_path / "home"
    old_cache = home / ".cache" / "flake8-kraken"  # where earlier versions kept a pickle
    old_cache.mkdir(parents=True)
    payload = pickle.dumps(_Explode(str(marker)))
    for name in ("catalog-0.pickle", "catalog-" + "0" * 32 + ".pickle"):
        (old_cache / name).write_bytes(payload)
    cache_slot.parent.mkdir(exist_ok=True)
    cache_slot.unlink(missing_ok=True)
    if content == "pickle":
        cache_slot.write_bytes(payload)
    elif content == "malformed":
        cache_slot.write_text('{"key": "')
    elif content == "wrong-key":
        cache_slot.write_text(json.dumps({"key": "0" * 64, "rules": {"version": 1}}))
    elif content == "deep":
        cache_slot.write_text("[" * 100_000 + "]" * 100_000)
    elif content == "symlink":
        cache_slot.symlink_to(tmp_path / "elsewhere.json")
        (tmp_path / "elsewhere.json").write_bytes(payload)
    elif content == "wrong-screen":  # the right key and rules, but a screen that passes nothing
        _flake8_builds_cache(tmp_path)
        stored = json.loads(cache_slot.read_text())
        stored["screen"]["words"] = 5
        cache_slot.write_text(json.dumps(stored))
    else:  # the right key, but rules that do not validate
        _flake8_builds_cache(tmp_path)
        stored = json.loads(cache_slot.read_text())
        stored["rules"]["permissions"][0]["risk"] = "high"
        cache_slot.write_text(json.dumps(stored))
    _flake8_builds_cache(tmp_path, HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"))
    assert not marker.exists(), "code in the cache ran"
    if content == "symlink":
        assert (tmp_path / "elsewhere.json").read_bytes() == payload  # the link is replaced, never written through
    stored = json.loads(cache_slot.read_text())
    assert set(stored) == {"key", "screen", "rules"} and stored["rules"]["permissions"][0]["risk"] == 1
    assert "kraken" in stored["screen"]["words"]


def test_the_cache_is_plain_json_beside_the_package(tmp_path: Path, cache_slot: Path) -> None:
    home = tmp_path / "home"
    cache_slot.unlink(missing_ok=True)
    for _ in range(2):  # written, then read back, validated, and giving the same findings
        _flake8_builds_cache(tmp_path, HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"))
        stored = json.loads(cache_slot.read_text())  # plain data: nothing in it can run
        assert stored["rules"]["version"] == 1 and re.fullmatch(r"([0-9a-f]{16})+", stored["key"])
    assert not home.exists()  # nothing in the user's shared cache directory


LOADED = """\
import sys
from flake8.main.cli import main
try:
    main(["--isolated", "-j1", *sys.argv[1:]])
except SystemExit:
    pass
print(sorted(m for m in sys.modules if m in ("libcst", "flake8_kraken.catalog")))
"""


@pytest.mark.parametrize(("files", "options", "loaded"), [
    (["plain.py", "bare.py"], [], "[]"),  # the screen alone, from the cache
    (["plain.py", "bot.py"], [], "['flake8_kraken.catalog', 'libcst']"),  # a Kraken file: then the catalog
    (["plain.py"], ["--kraken-withdraw-paths=ops/*"], "['flake8_kraken.catalog']"),  # an option: read and checked
])
def test_a_file_without_kraken_costs_neither_the_catalog_nor_libcst(
        tmp_path: Path, cache_slot: Path, files: list[str], options: list[str], loaded: str) -> None:
    _flake8_builds_cache(tmp_path)  # the cache (and the screen in it) as after any first run
    (tmp_path / "plain.py").write_text("import os\n\nprint(os.sep)\n")
    (tmp_path / "bare.py").write_text("print(1)\n")  # nothing imported either
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run([sys.executable, "-c", LOADED, *options, *files], cwd=tmp_path, env=environ,
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.splitlines()[-1] == loaded, done.stdout + done.stderr


def test_no_cache_written_when_python_writes_no_bytecode(tmp_path: Path, cache_slot: Path) -> None:
    cache_slot.unlink(missing_ok=True)
    assert command("flake8", "--isolated", "--select", "KRK", ".", cwd=tmp_path).returncode == 0
    assert not cache_slot.exists()


def test_the_cache_key_follows_the_loaders_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A changed loader never serves the catalog an older loader read from the same rules."""
    rules = str(rulesfile.shipped_rules_path())
    shipped = rulesfile.cache_key(rules, None, "1")
    loader = tmp_path / "schema.py"
    keys = []
    for code in ("A = 1\n", "A = 2\n"):
        loader.write_text(code)
        monkeypatch.setattr(rulesfile, "LOADER", (*rulesfile.LOADER, str(loader)))
        keys.append(rulesfile.cache_key(rules, None, "1"))
    assert shipped is not None and len({shipped, *keys}) == 3


# --- the linted code is read, never imported or run ----------------------------------------------

RUNS_ON_IMPORT = """\
import pathlib
pathlib.Path({marker!r}).write_text("imported")
import krakenex


def withdraw():
    krakenex.API().query_private("Withdraw")
"""


def test_linted_code_is_never_imported(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "imported"
    package = tmp_path / "svc"
    package.mkdir()
    (package / "__init__.py").write_text(RUNS_ON_IMPORT.format(marker=str(marker)))
    (package / "helpers.py").write_text(RUNS_ON_IMPORT.format(marker=str(marker)))
    (package / "bot.py").write_text("from .helpers import withdraw\nfrom svc import helpers\n\n"
                                    "withdraw()\nhelpers.withdraw()\n")
    done = command("flake8", "--isolated", "-j2", ".", cwd=tmp_path)
    assert "KRK202" in done.stdout, done.stdout + done.stderr
    monkeypatch.chdir(tmp_path)
    assert cli.main(["permissions", "--isolated", "--format", "json", "."]) == 0
    assert "Withdraw" in capsys.readouterr().out
    assert not marker.exists(), "linted code was imported"


@pytest.mark.parametrize("content", ["pickle", "yaml-tag", "not-a-baseline"])
def test_a_baseline_from_a_branch_is_data_only(tmp_path: Path, content: str) -> None:
    marker = tmp_path / "code-ran"
    baseline = tmp_path / ".kraken-baseline.json"
    if content == "pickle":
        baseline.write_bytes(pickle.dumps(_Explode(str(marker))))
    elif content == "yaml-tag":
        baseline.write_text(f"!!python/object/apply:os.system ['touch {marker}']\n")
    else:
        baseline.write_text(json.dumps({"version": 1, "findings": []}))
    (tmp_path / "bot.py").write_text(WITHDRAW)
    done = command("flake8", "--isolated", f"--kraken-baseline={baseline}", "bot.py", cwd=tmp_path)
    assert done.returncode == 1 and "kraken-baseline" in done.stdout and "KRK202" not in done.stdout
    assert not marker.exists()


def test_every_claim_in_security_md_names_a_test_that_exists() -> None:
    import re

    text = (ROOT / "SECURITY.md").read_text()
    named = set(re.findall(r"\b(test_\w+|no_network)\b", text)) - {"test_hostile", "test_security", "test_catalog"}
    assert len(named) >= 12
    defined = {m for path in (ROOT / "tests").glob("*.py") for m in re.findall(r"^def (\w+)", path.read_text(), re.M)}
    assert named <= defined, named - defined
    assert (ROOT / "tests" / "netguard" / "sitecustomize.py").is_file()
