"""The text screen: most files never mention Kraken and are never parsed.

Parsing with LibCST costs about ten times what flake8 spends on a file, so a
file is parsed only when its text contains one of the catalog's trigger words.
"""
from __future__ import annotations

from typing import Callable, Iterable


def make_screen(words: tuple[str, ...], pairs: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()
                ) -> Callable[[str], bool]:
    """A predicate: does this source text need a parse? One of `words`, or a word of each side of a pair
    (a private WebSocket channel name and a token field: common words apart, Kraken's together)."""
    lowered = _shortest(w.lower() for w in words)
    lowered_pairs = tuple((tuple(a.lower() for a in left), tuple(b.lower() for b in right)) for left, right in pairs)

    def needs_parse(text: str) -> bool:
        folded = text.lower()
        if any(word in folded for word in lowered):
            return True
        return any(any(b in folded for b in right) and any(a in folded for a in left)  # the short side first
                   for left, right in lowered_pairs)

    return needs_parse


def _shortest(words: Iterable[str]) -> tuple[str, ...]:
    """The words without those that contain another ("krakenex" is found wherever "kraken" is)."""
    unique = sorted(set(words), key=len)
    kept: list[str] = []
    for word in unique:
        if not any(shorter in word for shorter in kept):
            kept.append(word)
    return tuple(kept)
