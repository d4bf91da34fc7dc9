"""Shared helpers: run the real flake8 (in process, or as a command) on snippets."""
from __future__ import annotations

import base64
import os
import secrets
import socket
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from flake8.main.application import Application
from flake8.utils import stdin_get_value

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tool never opens a network connection: every test runs with the network refused.

    Local sockets (multiprocessing, the editor's stdio server) stay allowed.
    """
    connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> None:
        if self.family != getattr(socket, "AF_UNIX", None):
            raise AssertionError(f"network connection attempted to {address!r}")
        connect(self, address)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network lookup attempted")

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@dataclass(frozen=True)
class Run:
    """What one flake8 run printed and returned."""

    code: int
    lines: list[str]

    @property
    def krk(self) -> list[str]:
        """Only this plugin's messages, in flake8's order."""
        return [line for line in self.lines if ": KRK" in line]


@pytest.fixture
def flake8(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run flake8 in process on files written to a temporary directory.

    Usage: flake8({"a.py": source}, "--extend-select", "KRK901", paths=["src"]). Files are
    written (dedented) to a temporary directory where flake8 runs, with --isolated (no
    config file) unless isolated=False, and -j1; it checks `paths`, else the .py files given.
    """

    def run(files: dict[str, str], *args: str, isolated: bool = True, paths: list[str] | None = None) -> Run:
        for name, source in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(source))
        monkeypatch.chdir(tmp_path)
        capsys.readouterr()
        stdin_get_value.cache_clear()  # flake8 reads stdin once per process
        app = Application()
        argv = (["--isolated"] if isolated else []) + ["-j1", "--max-line-length", "200", *args]
        argv.extend(paths if paths is not None else sorted(name for name in files if name.endswith(".py")))
        app.run(argv)
        out = capsys.readouterr().out
        return Run(app.exit_code(), out.splitlines())

    return run


def command(*argv: str, cwd: Path | str | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run one of the installed commands (flake8, flake8-kraken) as a user would."""
    exe = BIN / argv[0]
    program = [str(exe)] if exe.exists() else [sys.executable, "-m", argv[0].replace("-", "_")]
    guard = str(Path(__file__).parent / "netguard")  # refuses the network in that process too
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, (guard, os.environ.get("PYTHONPATH"))))}
    return subprocess.run(
        [*program, *argv[1:]], cwd=cwd, input=stdin, capture_output=True, text=True, env=env, timeout=300
    )


def credential(nbytes: int, strip: bool = False) -> str:
    """A random credential: `nbytes` random bytes in base64 (`strip`: without its padding) that the
    tool takes for one. Random text holds a placeholder word ('fake', 'xxxx') about once in 7,000
    draws, and a test must not fail on that."""
    from flake8_kraken.catalog import default_catalog
    from flake8_kraken.detect.secrets import Classifier

    classifier = Classifier(default_catalog().secrets)
    while True:
        value = base64.b64encode(secrets.token_bytes(nbytes)).decode()
        value = value.rstrip("=") if strip else value
        if classifier.shape(value) is not None:
            return value
