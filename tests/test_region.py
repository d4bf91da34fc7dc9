"""LibCST is given only the statements the analysis needs (region.py): what it drops, and that
the findings are those of the whole file."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import command, credential
from flake8_kraken.catalog import default_catalog
from flake8_kraken.region import Evidence, Region, reduced

ORDINARY = "".join(
    f'\n\ndef ordinary_{i}(values):\n    """Not Kraken code, though its docstring says kraken."""\n'
    f"    return sorted(v for v in values if v)\n" for i in range(8))
BAL = "KRK901 Balance needs Query Funds"


def _region(source: str) -> Region:
    catalog = default_catalog()
    evidence = Evidence(lambda text: any(w in text.lower() for w in catalog.statement_words),
                        catalog.statement_names)
    return reduced(source, ast.parse(source), evidence)


def test_ordinary_code_is_left_out_and_lines_mapped_back() -> None:
    region = _region("import krakenex\n\nk = krakenex.API()\nk.query_private('Balance')\n" + ORDINARY)
    assert region.text == "import krakenex\nk = krakenex.API()\nk.query_private('Balance')\n"
    assert [region.line(n) for n in (1, 2, 3)] == [1, 3, 4]


# Each line says whether LibCST is given it: "+" kept, "-" left out (the marks are stripped). Lines
# between statements are left out too: LibCST is given the kept statements' own lines.
SHAPES = """\
+import os.path
+import krakenex
-import json
+from helpers import first, second
-
-
+@decorate(os.path.sep)
+def cash(api):
+    \"\"\"Reads the balance.\"\"\"
+    return api.query_private(second())
-
-
-def ordinary(values):
-    \"\"\"Not Kraken code, though this docstring says kraken
-    over two lines: kraken.\"\"\"
-    if values:
-        "a note on kraken"
-    else:
-        "another on kraken"
-    try:
-        pass
-    except ValueError:
-        "kraken"
-    finally:
-        "kraken"
-    match values:
-        case _:
-            "kraken"
-    return json.dumps(values)
-
-
+def connect():
+    global client, spare
+    client, spare = krakenex.API(), None
-
-
+def use():
+    return spare
-
-
+def one_line(api):
+    api.query_private("Balance"); "a note"
-
-
+if True:
+    ENDPOINT = "Balance"
+
+    def unused():
+        pass
-
-
+def balance(api):
+    return api.query_private(ENDPOINT)
-
-
-class Ordinary:
-    \"\"\"Kraken, in prose only.\"\"\"
-
-    def method(self):
-        \"\"\"And kraken here too.\"\"\"
-        return 1
"""


def test_what_libcst_is_given() -> None:
    """Definitions and users are followed, bare strings are not evidence, wherever they are."""
    source = "".join(line[1:] for line in SHAPES.splitlines(keepends=True))
    kept = [n for n, line in enumerate(SHAPES.splitlines(), 1) if line.startswith("+")]
    region = _region(source)
    assert [region.line(n) for n in range(1, len(kept) + 1)] == kept
    assert region.text == "".join(source.splitlines(keepends=True)[n - 1] for n in kept)


@pytest.mark.parametrize("source", [
    "from helpers import *\nimport krakenex\n" + ORDINARY,  # names that cannot be followed
    "import krakenex\nk = krakenex.API()\n",  # too short to be worth it
])
def test_kept_whole(source: str) -> None:
    region = _region(source)
    assert region.text == source and region.lines is None


# name: (module, the lines flake8 prints with KRK901 on; the same as with the whole file given to LibCST).
# Each module holds ordinary code too.
CASES: dict[str, tuple[str, list[str]]] = {
    "helper-defined-below-its-caller": (
        "import krakenex\nk = krakenex.API()\n\n\ndef cash():\n    return send(NAME)\n" + ORDINARY
        + "\n\ndef send(name):\n    return k.query_private(name)\n\n\nNAME = 'Balance'\n",
        [f"t.py:6:12: {BAL}"]),
    "class-attribute-read-elsewhere": (
        "import requests\n\n\nclass Config:\n    URL = 'https://api.kraken.com/0/private/Balance'\n" + ORDINARY
        + "\n\ndef cash(config):\n    return requests.post(config.URL)\n",
        [f"t.py:5:11: {BAL}"]),  # the model reports a class constant where it is written
    "client-bound-only-by-a-global-statement": (
        "from kraken.spot import User\n\n\ndef connect():\n    global user\n    user = User()\n" + ORDINARY
        + "\n\ndef cash():\n    return user.get_account_balance()\n",
        [f"t.py:50:12: {BAL}"]),
    "statements-sharing-a-line": (
        "import krakenex\n" + ORDINARY + "\nk = krakenex.API()\nname = str(\n    'Balance'); ordinary_total = 0\n"
        "k.query_private(name)\n",
        [f"t.py:46:1: {BAL}"]),
    "a-docstring-beside-kraken-code": (
        "import krakenex\n" + ORDINARY + '\n\ndef cash(api):\n    """Says nothing."""\n'
        "    return api.query_private('Balance')\n",
        [f"t.py:46:12: {BAL}"]),
    "another-exchange-made-in-ordinary-code": (
        "import ccxt\n\nkraken = ccxt.kraken()\n" + ORDINARY + "\nother = ccxt.binance()\n\n\n"
        "def cash(exchange):\n    return exchange.fetch_balance()\n",
        []),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_findings_of_the_whole_file(flake8, name: str) -> None:
    source, lines = CASES[name]
    assert source.count("\n") > 40  # long enough for region.py to drop something
    assert flake8({"t.py": source}, "--extend-select", "KRK901").krk == lines


def test_a_credential_in_a_statement_that_names_nothing_kraken(flake8) -> None:
    secret = credential(64)
    source = "import krakenex\n" + ORDINARY + f"\nAPI_SECRET = '{secret}'\n"
    found = flake8({"t.py": source}).krk
    assert [line.split(": ")[1].split()[0] for line in found] == ["KRK102"]
    assert found[0].startswith("t.py:43:14:") and secret[4:12] not in found[0]


@pytest.mark.parametrize("newline", ["\r\n", "\n\f\n"])
def test_line_ends_python_counts(flake8, newline: str) -> None:
    source = ("import krakenex" + newline + ORDINARY.replace("\n", newline)
              + "k = krakenex.API()\nk.query_private('Balance')\n")
    line = source.replace("\r\n", "\n").count("\n")
    assert flake8({"t.py": source}, "--extend-select", "KRK901").krk == [f"t.py:{line}:1: {BAL}"]


def test_a_name_imported_from_kraken_code_of_the_project(flake8) -> None:
    """The import is kept for what it imports (the statement that uses it names nothing Kraken)."""
    files = {
        "app/__init__.py": "",
        "app/api.py": "import krakenex\n\n_api = krakenex.API()\n\n\ndef query(name):\n"
                      "    return _api.query_private(name)\n",
        "bot.py": "import krakenex\nfrom app.api import query\n" + ORDINARY + "\n\ndef cash():\n"
                  "    return query('Balance')\n",
    }
    assert flake8(files, "--extend-select", "KRK901", paths=["bot.py"]).krk == [f"bot.py:46:12: {BAL}"]


def test_standard_input(tmp_path: Path) -> None:
    """No file on disk: no project to follow, and nothing breaks."""
    for source, expected in (("import os\nprint(os.sep)\n", ""),
                             ("import krakenex\n" + ORDINARY + "\nkrakenex.API().query_private('Balance')\n",
                              f"stdin:43:1: {BAL}\n")):
        done = command("flake8", "--isolated", "--select", "KRK", "--extend-select", "KRK901", "-",
                       stdin=source, cwd=tmp_path)
        assert (done.stdout, done.stderr) == (expected, "")
