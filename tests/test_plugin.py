"""The installed plugin as flake8 sees it: registration, and failures that never escape."""
from __future__ import annotations

import pytest

from conftest import ROOT, command
from flake8_kraken import __version__, engine

WITHDRAW = 'url = "/0/private/Withdraw"\n'


def test_flake8_version_lists_the_plugin() -> None:
    done = command("flake8", "--version")
    assert done.returncode == 0
    assert f"flake8-kraken: {__version__}" in done.stdout.replace("\n", " ")


def test_module_and_script_print_the_version() -> None:
    assert command("flake8-kraken", "--version").stdout == f"flake8-kraken {__version__}\n"


def test_examples_through_the_real_command() -> None:
    done = command("flake8", cwd=ROOT / "examples")
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "./oms/fills.py:12:12: KRK201 GetWebSocketsToken needs Access WebSockets API, which the key declared for "
        "oms/* in kraken-permissions does not grant",
        "./oms/fills.py:16:20: KRK201 ws/v2/executions needs Access WebSockets API, which the key declared for "
        "oms/* in kraken-permissions does not grant",
        "./oms/orders.py:27:12: KRK203 unknown Kraken endpoint 'CancelAllOrdersAftr' "
        "(did you mean 'CancelAllOrdersAfter'?)",
    ]


def test_internal_error_becomes_krk000_and_the_run_goes_on(flake8, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def broken(source: str, path: str, catalog: object, *rest: object) -> None:
        calls.append(path)
        if path.endswith("a.py"):
            raise ValueError(source)  # the text would quote the source: it must not be shown
        return real(source, path, catalog, *rest)

    real = engine._analyse_parsed
    monkeypatch.setattr(engine, "_analyse_parsed", broken)
    run = flake8({"a.py": WITHDRAW, "b.py": WITHDRAW})
    assert run.krk == [
        "a.py:1:1: KRK000 Kraken analysis skipped: internal error (ValueError)",
        "b.py:1:7: KRK202 Withdraw needs Withdraw Funds; keep withdrawal calls in code allowed to move funds",
    ]
    assert len(calls) == 2


def test_libcst_parse_failure_becomes_krk000(flake8, monkeypatch: pytest.MonkeyPatch) -> None:
    import libcst

    def refuse(source: str) -> None:
        raise libcst.ParserSyntaxError("unsupported", lines=["x"], raw_line=1, raw_column=0)

    monkeypatch.setattr(libcst, "parse_module", refuse)
    run = flake8({"a.py": WITHDRAW})
    assert run.krk == ["a.py:1:1: KRK000 Kraken analysis skipped: LibCST cannot parse line 1"]


def test_files_without_kraken_are_not_parsed(flake8, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = []
    monkeypatch.setattr(engine, "_analyse_parsed", lambda *args: parsed.append(args[1]))
    run = flake8({"plain.py": "import os\nprint(os.sep)\n"})
    assert (run.lines, parsed) == ([], [])


def test_the_standard_library_passes_no_file_to_the_parse() -> None:
    """The screen's words and word pairs are Kraken's: no module of the standard library (a large
    corpus of ordinary code, its documentation text included) is parsed."""
    import sysconfig
    from pathlib import Path

    from flake8_kraken.catalog import default_catalog

    catalog = default_catalog()
    screen = engine._screen(catalog.screen_words, catalog.screen_pairs)
    files = [p for p in Path(sysconfig.get_paths()["stdlib"]).rglob("*.py")
             if "test" not in p.parts and "site-packages" not in p.parts]
    assert len(files) > 500
    assert [str(p) for p in files if screen(p.read_text(encoding="utf-8", errors="replace"))] == []


def test_wheel_ships_the_catalog(tmp_path) -> None:
    """A non-editable install must find rules.yaml inside the package."""
    import subprocess
    import sys
    import zipfile

    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path),
         str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = tmp_path.glob("flake8_kraken-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("flake8_kraken/rules.yaml") == (ROOT / "rules.yaml").read_bytes()
