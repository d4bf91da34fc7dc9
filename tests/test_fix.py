"""`flake8-kraken fix` through the real command: each repair, its diff, a second run, and the
files it must leave alone. Credentials are generated at test time and never appear in output."""
from __future__ import annotations

import difflib
import os
import stat
from pathlib import Path

import pytest

from conftest import command, credential
from flake8_kraken.fix import REVOKE

KEY = credential(42)  # 56 characters
SECRET = credential(64)  # 88 characters
TOKEN = credential(32, strip=True)  # 43 characters

# name: (before, after, code). Comments, quotes and blank lines around the repair stay as they were.
CASES = {
    "krakenex-positional": (
        f'import krakenex\n\n# trading\napi = krakenex.API("{KEY}", "{SECRET}")  # keep\n',
        'import krakenex\nimport os\n\n# trading\n'
        'api = krakenex.API(os.environ["KRAKEN_API_KEY"], os.environ["KRAKEN_API_SECRET"])  # keep\n',
        "KRK101"),
    "ccxt-config": (
        f'import ccxt\n\nexchange = ccxt.kraken({{\n    "apiKey": "{KEY}",\n    "secret": "{SECRET}",\n}})\n',
        'import ccxt\nimport os\n\nexchange = ccxt.kraken({\n    "apiKey": os.environ["KRAKEN_API_KEY"],\n'
        '    "secret": os.environ["KRAKEN_API_SECRET"],\n})\n',
        "KRK102"),
    "named-constant": (
        f'"""Settings."""\nimport os\n\nKRAKEN_API_SECRET = "{SECRET}"\n',
        '"""Settings."""\nimport os\n\nKRAKEN_API_SECRET = os.environ["KRAKEN_API_SECRET"]\n',
        "KRK102"),
    "websocket-token": (
        f'URL = "wss://ws-auth.kraken.com/v2"\nws_token = "{TOKEN}"\n',
        'import os\nURL = "wss://ws-auth.kraken.com/v2"\nws_token = os.environ["KRAKEN_WS_TOKEN"]\n',
        "KRK104"),
    "public-call-of-a-private-endpoint": (
        'import krakenex\n\nkrakenex.API().query_public("Balance")\n',
        'import krakenex\n\nkrakenex.API().query_private("Balance")\n',
        "KRK204"),
    "private-channel-on-the-public-address": (
        'import json\n\nimport websockets\n\n\nasync def fills(token):\n'
        '    async with websockets.connect("wss://ws.kraken.com/v2") as ws:  # the socket\n'
        '        await ws.send(json.dumps({"method": "subscribe", "params": {"channel": "executions", '
        '"token": token}}))\n',
        'import json\n\nimport websockets\n\n\nasync def fills(token):\n'
        '    async with websockets.connect("wss://ws-auth.kraken.com/v2") as ws:  # the socket\n'
        '        await ws.send(json.dumps({"method": "subscribe", "params": {"channel": "executions", '
        '"token": token}}))\n',
        "KRK301"),
    "misspelt-endpoint": (
        "import krakenex\n\nkrakenex.API().query_private(method='balance')  # case\n",
        "import krakenex\n\nkrakenex.API().query_private(method='Balance')  # case\n",
        "KRK203"),
    "private-path-of-a-public-endpoint": (
        'import requests\n\nrequests.get("https://api.kraken.com/0/private/Ticker")\n',
        'import requests\n\nrequests.get("https://api.kraken.com/0/public/Ticker")\n',
        "KRK204"),
}


def _no_secret(*texts: str) -> None:
    for text in texts:
        for value in (KEY, SECRET, TOKEN):
            assert value not in text and value[4:20] not in text


@pytest.mark.parametrize("name", sorted(CASES))
def test_fix(tmp_path: Path, name: str) -> None:
    before, after, code = CASES[name]
    target = tmp_path / "bot.py"
    target.write_text(before)

    shown = command("flake8-kraken", "fix", "--isolated", "--diff", ".", cwd=tmp_path)
    assert shown.returncode == 1, shown.stdout + shown.stderr
    assert target.read_text() == before  # --diff changes nothing
    expected = "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                            "./bot.py", "./bot.py"))
    for value in (KEY, SECRET, TOKEN):
        expected = expected.replace(value, f"'{value[:4]}...', {len(value)} characters")
    assert expected in shown.stdout

    done = command("flake8-kraken", "fix", "--isolated", ".", cwd=tmp_path)
    assert done.returncode == 1 and f" {code} fixed: " in done.stdout, done.stdout + done.stderr
    assert target.read_text() == after
    assert (REVOKE in done.stdout) == (code in ("KRK101", "KRK102", "KRK104"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bot.py"]  # no backup, no temporary file left

    again = command("flake8-kraken", "fix", "--isolated", ".", cwd=tmp_path)
    assert (again.returncode, target.read_text()) == (0, after)
    assert code not in command("flake8", "--isolated", "--select", "KRK", "bot.py", cwd=tmp_path).stdout
    _no_secret(shown.stdout, shown.stderr, done.stdout, done.stderr, after)


def test_select_and_ignore(tmp_path: Path) -> None:
    before = f'import krakenex\n\napi = krakenex.API("{KEY}")\napi.query_public("Balance")\n'
    (tmp_path / "bot.py").write_text(before)
    done = command("flake8-kraken", "fix", "--isolated", "--ignore", "KRK1", ".", cwd=tmp_path)
    assert done.returncode == 1 and "KRK101" not in done.stdout and REVOKE not in done.stdout
    assert (tmp_path / "bot.py").read_text() == before.replace("query_public", "query_private")
    done = command("flake8-kraken", "fix", "--isolated", "--select", "KRK204", ".", cwd=tmp_path)
    assert done.returncode == 0 and KEY in (tmp_path / "bot.py").read_text()


SOCKETS = """\
import json

import websockets

URL = "wss://ws.kraken.com/v2"


async def ticker():
    async with websockets.connect(URL) as ws:
        await ws.send(json.dumps({"method": "subscribe", "params": {"channel": "ticker", "symbol": ["BTC/USD"]}}))


async def private(token):
    async with websockets.connect(ADDRESS) as ws:
        await ws.send(json.dumps({"method": "subscribe", "params": {"channel": "CHANNEL", "token": token}}))
"""


@pytest.mark.parametrize(("address", "channel", "why"), [
    ("URL", "executions", "the address is also used elsewhere"),  # the public ticker's socket too
    ('"wss://ws.kraken.com/v2"', "level3", "the module writes 2 public Kraken addresses"),
])
def test_an_address_shared_or_not_the_one_is_left(tmp_path: Path, address: str, channel: str, why: str) -> None:
    before = SOCKETS.replace("ADDRESS", address).replace("CHANNEL", channel)
    (tmp_path / "bot.py").write_text(before)
    done = command("flake8-kraken", "fix", "--isolated", ".", cwd=tmp_path)
    assert f"KRK301 not fixed: {why}" in done.stdout, done.stdout
    assert (done.returncode, (tmp_path / "bot.py").read_text()) == (0, before)


def test_an_address_away_from_the_private_messages_is_left(tmp_path: Path) -> None:
    """Every address the module writes is public, so a socket opened elsewhere counts as public too; the
    one written is another socket's, and it is not the one to change."""
    before = ('import json\nimport os\n\nimport websockets\n\n\nasync def ticker():\n'
              '    async with websockets.connect("wss://ws.kraken.com/v2") as ws:\n'
              '        await ws.send(json.dumps({"method": "subscribe", "params": {"channel": "ticker"}}))\n\n\n'
              'async def fills(token):\n    async with websockets.connect(os.environ["WS"]) as ws:\n'
              '        await ws.send(json.dumps({"method": "subscribe", "params": {"channel": "executions", '
              '"token": token}}))\n')
    (tmp_path / "bot.py").write_text(before)
    done = command("flake8-kraken", "fix", "--isolated", ".", cwd=tmp_path)
    assert "KRK301 not fixed: the address is used away from the messages" in done.stdout, done.stdout
    assert (done.returncode, (tmp_path / "bot.py").read_text()) == (0, before)


def test_level3_has_an_address_of_its_own(tmp_path: Path) -> None:
    before = ('import json\n\nimport websockets\n\n\nasync def book(token):\n'
              '    async with websockets.connect("wss://ws.kraken.com/v2") as ws:\n'
              '        await ws.send(json.dumps({"method": "subscribe", "params": {"channel": "level3", '
              '"token": token}}))\n')
    (tmp_path / "bot.py").write_text(before)
    done = command("flake8-kraken", "fix", "--isolated", ".", cwd=tmp_path)
    assert "KRK301 not fixed: wss://ws.kraken.com/v2 has no one authenticated counterpart for level3" in done.stdout
    assert (done.returncode, (tmp_path / "bot.py").read_text()) == (0, before)


def test_a_name_two_endpoints_are_close_to_is_not_renamed(tmp_path: Path) -> None:
    before = 'import krakenex\n\nkrakenex.API().query_private("Balanse")\n'  # Balance or BalanceEx?
    (tmp_path / "bot.py").write_text(before)
    done = command("flake8-kraken", "fix", "--isolated", ".", cwd=tmp_path)
    assert "KRK203 not fixed: no one catalog name is that close to 'Balanse'" in done.stdout
    assert (done.returncode, (tmp_path / "bot.py").read_text()) == (0, before)


@pytest.mark.parametrize(("before", "why"), [
    (f'import krakenex\nimport mylib as os\n\napi = krakenex.API("{KEY}")\n', "`os` is bound to something else here"),
    (f'import krakenex\n\napi = krakenex.API("{KEY}")\nCHECKSUM = "{KEY}"\n',
     "the same value is also written on line 4, where it is not a Kraken credential"),
])
def test_no_certain_repair_is_named_and_nothing_changes(tmp_path: Path, before: str, why: str) -> None:
    (tmp_path / "bot.py").write_text(before)
    done = command("flake8-kraken", "fix", "--isolated", ".", cwd=tmp_path)
    assert f"KRK101 not fixed: {why}" in done.stdout
    assert done.returncode == 0 and (tmp_path / "bot.py").read_text() == before
    assert REVOKE in done.stdout  # the key was committed all the same
    _no_secret(done.stdout)


def test_line_endings_encoding_and_mode_are_kept(tmp_path: Path) -> None:
    crlf = tmp_path / "crlf.py"
    crlf.write_bytes(f'import krakenex\r\n\r\napi = krakenex.API(key="{KEY}")\r\n'.encode())
    latin = tmp_path / "latin.py"
    latin.write_bytes(f'# -*- coding: latin-1 -*-\nimport krakenex\n# caf\xe9\nK = krakenex.API("{KEY}")\n'
                      .encode("latin-1"))
    os.chmod(latin, 0o640)
    assert command("flake8-kraken", "fix", "--isolated", ".", cwd=tmp_path).returncode == 1
    assert crlf.read_bytes() == (b'import krakenex\r\nimport os\r\n\r\n'
                                 b'api = krakenex.API(key=os.environ["KRAKEN_API_KEY"])\r\n')
    assert latin.read_bytes() == ('# -*- coding: latin-1 -*-\nimport krakenex\nimport os\n# caf\xe9\n'
                                  'K = krakenex.API(os.environ["KRAKEN_API_KEY"])\n').encode("latin-1")
    assert stat.S_IMODE(latin.stat().st_mode) == 0o640


def test_files_it_must_leave_alone(tmp_path: Path) -> None:
    source = f'import krakenex\n\napi = krakenex.API("{KEY}")\n'
    readonly = tmp_path / "readonly.py"
    readonly.write_text(source)
    os.chmod(readonly, 0o444)
    outside = tmp_path.parent / f"{tmp_path.name}-outside.py"
    outside.write_text(source)
    (tmp_path / "link.py").symlink_to(outside)
    (tmp_path / "broken.py").write_text(source + "def (:\n")
    done = command("flake8-kraken", "fix", "--isolated", ".", cwd=tmp_path)
    assert "./readonly.py: left alone: read-only" in done.stdout
    assert "./link.py: left alone: a symbolic link" in done.stdout
    assert "./broken.py: left alone: it cannot be parsed" in done.stdout
    assert readonly.read_text() == outside.read_text() == source
    assert (tmp_path / "broken.py").read_text() == source + "def (:\n"
    assert done.returncode == 0
    _no_secret(done.stdout, done.stderr)


def test_a_file_that_changes_while_it_is_fixed_is_left_as_it_now_is(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from flake8_kraken import cli, fix

    target = tmp_path / "bot.py"
    target.write_text(f'import krakenex\n\napi = krakenex.API("{KEY}")\n')
    real = fix.fix_source

    def meanwhile(*args: object, **kwargs: object) -> object:
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        target.write_text("# the user's edit\n")
        return result

    monkeypatch.setattr(fix, "fix_source", meanwhile)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["fix", "--isolated", "."]) == 1
    out = capsys.readouterr().out
    assert "./bot.py: left alone: it changed while it was being fixed" in out
    assert target.read_text() == "# the user's edit\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bot.py"]
    _no_secret(out)


# --- permissions --emit-config --write --------------------------------------------------------------

PROJECT = {
    "oms/orders.py": "import krakenex\n\napi = krakenex.API()\napi.query_private('AddOrder')\n",
    "treasury/pay.py": "import krakenex\n\nkrakenex.API().query_private('Withdraw')\n",
}
CONFIG = """\
[metadata]
name = bot

[flake8]
; the team's settings
max-line-length = 120
kraken_permissions =
    # too wide, on purpose
    oms/*: full-access
extend-ignore = E203

[tool:pytest]
addopts = -q
"""


def _project(tmp_path: Path, config: str | None, name: str = "setup.cfg", newline: str = "\n") -> None:
    for path, text in PROJECT.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    if config is not None:
        (tmp_path / name).write_bytes(config.replace("\n", newline).encode())


def test_write_the_least_privilege_into_the_configuration_in_use(tmp_path: Path) -> None:
    _project(tmp_path, CONFIG)
    assert command("flake8-kraken", "permissions", "--check", cwd=tmp_path).returncode == 1
    done = command("flake8-kraken", "permissions", "--emit-config", "--write", cwd=tmp_path)
    assert done.returncode == 0 and "setup.cfg" in done.stdout, done.stdout + done.stderr
    written = (tmp_path / "setup.cfg").read_text()
    assert written == CONFIG.replace(
        "kraken_permissions =\n    # too wide, on purpose\n    oms/*: full-access\n",
        "kraken-permissions =\n    oms/*: create-modify-orders\n    treasury/pay.py: withdraw\n").replace(
        "extend-ignore = E203\n", "extend-ignore = E203\nkraken-withdraw-paths =\n    treasury/pay.py\n")
    assert command("flake8-kraken", "permissions", "--check", cwd=tmp_path).returncode == 0
    again = command("flake8-kraken", "permissions", "--emit-config", "--write", cwd=tmp_path)
    assert "already there" in again.stdout and (tmp_path / "setup.cfg").read_text() == written


@pytest.mark.parametrize(("config", "name", "newline"), [
    (None, ".flake8", "\n"),
    ("[flake8]\nmax-line-length = 99\n", "tox.ini", "\r\n"),
])
def test_write_a_new_file_or_keep_line_endings(tmp_path: Path, config: str | None, name: str, newline: str) -> None:
    _project(tmp_path, config, name, newline)
    assert command("flake8-kraken", "permissions", "--emit-config", "--write", cwd=tmp_path).returncode == 0
    data = (tmp_path / name).read_bytes().decode()
    assert data.count("\r\n") == (data.count("\n") if newline == "\r\n" else 0)
    assert command("flake8-kraken", "permissions", "--check", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("argv", [["--write"], ["--emit-config", "--write", "--isolated"]])
def test_write_needs_emit_config_and_a_configuration(tmp_path: Path, argv: list[str]) -> None:
    _project(tmp_path, CONFIG)
    done = command("flake8-kraken", "permissions", *argv, cwd=tmp_path)
    assert done.returncode == 2 and "--write goes with --emit-config" in done.stderr
    assert (tmp_path / "setup.cfg").read_text() == CONFIG


def test_an_option_the_code_no_longer_needs_is_removed() -> None:
    from flake8_kraken.configwrite import merged

    before = "[flake8]\nkraken-withdraw-paths = ops/*\n# kept\nmax-line-length = 99\n\n[other]\nx = 1\n"
    after = merged(before, {"kraken-permissions": ["bot/*: query-funds"], "kraken-withdraw-paths": []})
    assert after == ("[flake8]\n# kept\nmax-line-length = 99\nkraken-permissions =\n    bot/*: query-funds\n"
                     "\n[other]\nx = 1\n")


def test_file_names_are_shown_as_they_are(tmp_path: Path) -> None:
    """Only what the code holds is redacted; a path shaped like a key is the user's own name for a file."""
    folder = tmp_path / "MyBot2Kraken9Trading0Engine"
    folder.mkdir()
    (folder / "bot.py").write_text('import krakenex\n\nkrakenex.API().query_public("Balance")\n')
    done = command("flake8-kraken", "fix", "--isolated", "--diff", ".", cwd=tmp_path)
    assert "./MyBot2Kraken9Trading0Engine/bot.py:3:1: KRK204 fixed:" in done.stdout
    assert "--- ./MyBot2Kraken9Trading0Engine/bot.py\n" in done.stdout


def test_a_file_that_cannot_be_written_is_named_and_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from flake8_kraken import cli, fixcmd

    before = 'import krakenex\n\nkrakenex.API().query_public("Balance")\n'
    (tmp_path / "bot.py").write_text(before)

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError("no room")

    monkeypatch.setattr(fixcmd.tempfile, "mkstemp", refuse)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["fix", "--isolated", "."]) == 1
    assert "./bot.py: left alone: cannot be written (PermissionError)" in capsys.readouterr().out
    assert (tmp_path / "bot.py").read_text() == before


def test_the_configuration_in_use_without_flake8s_own_search(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import flake8.options.config

    from flake8_kraken.configwrite import config_in_use

    monkeypatch.chdir(tmp_path)
    monkeypatch.delattr(flake8.options.config, "_find_config_file")
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = x\n")
    assert config_in_use() is None
    (tmp_path / "tox.ini").write_text("[flake8]\nmax-line-length = 99\n")
    assert config_in_use() == "tox.ini"
