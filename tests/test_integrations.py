"""Where users meet the tool: pre-commit and an editor (pylsp), each with the real program."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import BIN, ROOT, command, credential

KEY = credential(42)
SECRET = credential(64)
LEAKY = f'import krakenex\n\napi = krakenex.API("{KEY}", "{SECRET}")\n'
CLEAN = 'import os\n\nimport krakenex\n\napi = krakenex.API(os.environ["KRAKEN_KEY"], os.environ["KRAKEN_SECRET"])\n'


def git(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def checkout_is_committed() -> bool:
    """pre-commit installs the hook from a commit of this checkout."""
    done = git("status", "--porcelain", "--", ".pre-commit-hooks.yaml", "pyproject.toml", "flake8_kraken", "rules.yaml",
               cwd=ROOT)
    return done.returncode == 0 and done.stdout == ""


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
@pytest.mark.skipif(not (BIN / "pre-commit").exists(), reason="pre-commit is in the test extras")
def test_pre_commit_refuses_a_hardcoded_key_and_passes_a_clean_commit(tmp_path: Path) -> None:
    if not checkout_is_committed():
        pytest.skip("the plugin has uncommitted changes; pre-commit installs hooks from a commit")
    rev = git("rev-parse", "HEAD", cwd=ROOT).stdout.strip()
    repo = tmp_path / "repo"
    repo.mkdir()
    for args in (("init", "-q"), ("config", "user.email", "dev@example.com"), ("config", "user.name", "Dev")):
        assert git(*args, cwd=repo).returncode == 0
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: {rev}\n    hooks:\n      - id: flake8-kraken\n")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    pre_commit = str(BIN / "pre-commit")
    assert subprocess.run([pre_commit, "install"], cwd=repo, env=env, capture_output=True).returncode == 0
    (repo / "bot.py").write_text(LEAKY)
    git("add", ".", cwd=repo)
    refused = subprocess.run(["git", "commit", "-qm", "add bot"], cwd=repo, env=env, capture_output=True, text=True,
                             timeout=900)
    output = refused.stdout + refused.stderr  # git prints hook output on stderr
    assert refused.returncode != 0
    assert "KRK101" in output and "KRK102" in output
    assert KEY[4:] not in output and SECRET[4:] not in output
    (repo / "bot.py").write_text(CLEAN)
    git("add", ".", cwd=repo)
    accepted = subprocess.run(["git", "commit", "-qm", "add bot"], cwd=repo, env=env, capture_output=True, text=True,
                              timeout=900)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


class LanguageServer:
    """A minimal LSP client over stdio: enough to open a document and read diagnostics."""

    def __init__(self, program: str) -> None:
        self.process = subprocess.Popen([program], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)
        self.next_id = 0

    def send(self, method: str, params: dict, request: bool = False) -> None:
        message: dict = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.next_id += 1
            message["id"] = self.next_id
        body = json.dumps(message).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def receive(self) -> dict:
        assert self.process.stdout is not None
        length = 0
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise EOFError("the language server closed its output")
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return json.loads(self.process.stdout.read(length))

    def close(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)


@pytest.mark.skipif(not (BIN / "pylsp").exists(), reason="python-lsp-server is in the test extras")
def test_pylsp_publishes_the_krk_diagnostics(tmp_path: Path) -> None:
    document = tmp_path / "bot.py"
    text = LEAKY + 'api.query_private("Withdraw", {"asset": "XBT", "key": "cold", "amount": "1"})\n'
    document.write_text(text)
    server = LanguageServer(str(BIN / "pylsp"))
    try:
        server.send("initialize", {"processId": os.getpid(), "rootUri": tmp_path.as_uri(), "capabilities": {}},
                    request=True)
        server.send("initialized", {})
        server.send("workspace/didChangeConfiguration", {"settings": {"pylsp": {"plugins": {
            "flake8": {"enabled": True, "executable": str(BIN / "flake8")},
            "pycodestyle": {"enabled": False}, "pyflakes": {"enabled": False}, "mccabe": {"enabled": False},
        }}}})
        server.send("textDocument/didOpen", {"textDocument": {
            "uri": document.as_uri(), "languageId": "python", "version": 1, "text": text}})
        deadline = time.monotonic() + 120
        codes: list[str] = []
        while time.monotonic() < deadline and not codes:
            message = server.receive()
            if message.get("method") == "textDocument/publishDiagnostics" and \
                    message["params"]["uri"] == document.as_uri():
                codes = [d.get("code") for d in message["params"]["diagnostics"] if d.get("source") == "flake8"]
                diagnostics = message["params"]["diagnostics"]
        assert sorted(c for c in codes if str(c).startswith("KRK")) == ["KRK101", "KRK102", "KRK202"]
        assert all(KEY[4:] not in d["message"] and SECRET[4:] not in d["message"] for d in diagnostics)
    finally:
        server.close()


def test_python_dash_m_works_like_the_script(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text('w = "/0/private/Withdraw"\n')
    script = command("flake8-kraken", "permissions", "--isolated", "--format", "json", "a.py", cwd=tmp_path)
    module = subprocess.run([sys.executable, "-m", "flake8_kraken", "permissions", "--isolated", "--format", "json",
                             "a.py"], cwd=tmp_path, capture_output=True, text=True)
    assert (module.returncode, module.stdout) == (script.returncode, script.stdout)
    version = subprocess.run([sys.executable, "-m", "flake8_kraken", "--version"], capture_output=True, text=True)
    assert version.stdout == command("flake8-kraken", "--version").stdout
