"""The text screen: most files never mention Kraken and are never parsed.

Parsing with LibCST costs about ten times what flake8 spends on a file, so a
file is parsed only when its text contains one of the catalog's trigger words.
"""
from __future__ import annotations

from typing import Callable


def make_screen(words: tuple[str, ...]) -> Callable[[str], bool]:
    """A predicate: does this source text need a parse?"""
    lowered = tuple(w.lower() for w in words)

    def needs_parse(text: str) -> bool:
        folded = text.lower()
        return any(word in folded for word in lowered)

    return needs_parse
