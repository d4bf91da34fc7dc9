"""Every code has a page in docs/codes, and each page's examples do what it says."""
from __future__ import annotations

import base64
import re
import secrets

import pytest

from conftest import ROOT
from flake8_kraken.catalog import default_catalog

PAGES = ROOT / "docs" / "codes"
CODES = [code.code for code in default_catalog().codes]
PLACEHOLDERS = {  # credentials are generated here; the pages hold none
    "<56-character API key>": lambda: base64.b64encode(secrets.token_bytes(42)).decode(),
    "<88-character private key>": lambda: base64.b64encode(secrets.token_bytes(64)).decode(),
    "<43-character WebSocket token>": lambda: base64.b64encode(secrets.token_bytes(32)).decode().rstrip("="),
}


def example(page: str, heading: str) -> str:
    match = re.search(rf"## {heading}\n\n```python\n(.*?)```", page, re.S)
    assert match is not None, heading
    text = match.group(1)
    for placeholder, make in PLACEHOLDERS.items():
        text = text.replace(placeholder, make())
    return text


def test_every_code_has_a_page_and_every_page_a_code() -> None:
    assert sorted(p.stem for p in PAGES.glob("*.md")) == sorted(CODES)


def test_readme_documents_every_code() -> None:
    readme = (ROOT / "README.md").read_text()
    assert all(f"| {code} |" in readme for code in CODES)


@pytest.mark.parametrize("code", CODES)
def test_bad_example_triggers_and_good_does_not(flake8, code: str) -> None:
    page = (PAGES / f"{code}.md").read_text()
    assert "## Why" in page and "## Suppress or configure" in page
    args = ("--extend-select", "KRK901") if code == "KRK901" else ()
    bad = flake8({"example.py": example(page, "Bad")}, *args).krk
    good = flake8({"example.py": example(page, "Good")}, *args).krk
    assert code in {line.split(": ")[1].split(" ")[0] for line in bad}, bad
    assert code not in {line.split(": ")[1].split(" ")[0] for line in good}, good
