"""The text screen: most files never mention Kraken and are never parsed.

Parsing with LibCST costs about ten times what flake8 spends on a file, so a
file is parsed only when its text contains one of the catalog's trigger words
(or imports a module of its project that does). The screen is kept with the
cached rules, so a file that fails it costs neither the catalog nor LibCST.
"""
from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterable

Pairs = tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]


@dataclass(frozen=True)
class Screen:
    """The words that make a file worth analysing, and a module it imports worth reading."""

    words: tuple[str, ...]
    pairs: Pairs
    import_words: tuple[str, ...]

    def passes(self, text: str) -> bool:
        return _predicate(self.words, self.pairs)(text)

    def passes_import(self, text: str) -> bool:
        return _predicate(self.import_words, self.pairs)(text)

    def plain(self) -> dict[str, Any]:
        return {"words": list(self.words), "pairs": [[list(a), list(b)] for a, b in self.pairs],
                "import_words": list(self.import_words)}

    @staticmethod
    def from_plain(data: Any) -> Screen | None:
        """The screen kept in the cache, or None when it is not in the shape plain() writes."""
        try:
            words, import_words = _strings(data["words"]), _strings(data["import_words"])
            pairs = tuple((_strings(a), _strings(b)) for a, b in data["pairs"])
        except (TypeError, KeyError, ValueError):
            return None
        return Screen(words, pairs, import_words)


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError("not a list of words")
    return tuple(value)


def cached_screen(extra: str | None = None) -> Screen | None:
    """The screen of the shipped rules (and `extra`), from the cache, when a valid one is there."""
    from flake8_kraken import __version__, rulesfile

    path = str(rulesfile.shipped_rules_path())
    key = rulesfile.cache_key(path, extra, __version__)
    if key is None:
        return None
    stored = rulesfile.read_screen(rulesfile.cache_store(extra), key)
    return Screen.from_plain(stored) if stored is not None else None


def needs_analysis(source: str, path: str, tree: ast.AST | None, screen: Screen) -> bool:
    """Whether a file names Kraken or imports a module of its project that does."""
    return screen.passes(source) or imports_kraken(_project_module(path, screen), source, tree)


def imports_kraken(here: Any, source: str, tree: ast.AST | None) -> bool:
    """A file with no Kraken word of its own that imports a project module with one (`here`: the
    file's model.project.ProjectModule, None when it is not a file on disk)."""
    if here is None or "import" not in source:
        return False
    if tree is None:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):  # ValueError: NUL bytes, before Python 3.12
            return False
    return bool(here.imports_kraken(tree))


_PROJECTS: dict[Screen, Any] = {}


def _project_module(path: str, screen: Screen) -> Any:
    """The file's place in its project for the screen alone (its imported modules are screened, never
    analysed here)."""
    if not path or path in ("-", "stdin") or not os.path.isfile(path):
        return None
    from flake8_kraken.model.project import Project, ProjectModule

    if screen not in _PROJECTS:
        _PROJECTS[screen] = Project(screen.passes, _not_here, screen.passes_import)
    return ProjectModule(_PROJECTS[screen], path)


def _not_here(source: str, path: str, project: Any, depth: int) -> Any:
    return None  # the screen never models a module (engine.py does)


@lru_cache(maxsize=16)
def _predicate(words: tuple[str, ...], pairs: Pairs = ()) -> Callable[[str], bool]:
    return make_screen(words, pairs)


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
