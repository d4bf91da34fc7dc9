"""The policy of each path: the key it declares, and whether it may move funds.

A code base declares which key each part runs with (`kraken-permissions`, globs to
permission ids, Kraken's machine names or presets; or a `# kraken-permissions:`
comment in a module's first lines) and where funds may leave
(`kraken-withdraw-paths`). The rules (rules/) check each file's facts against it.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import PurePath

from flake8_kraken.catalog import Catalog, did_you_mean
from flake8_kraken.findings import FileResult
from flake8_kraken.redact import RedactedError
from flake8_kraken.rules.base import Message

COMMENT_LINES = 10  # a module declares its key in a comment among its first lines
_COMMENT = re.compile(r"^\s*#\s*kraken-permissions\s*:(.*)$")
_NAMES = re.compile(r"[\s,]+")


class ConfigError(RedactedError):
    """A configuration value that cannot be used: the message says which and why."""


@dataclass(frozen=True)
class DeclaredKey:
    """The key a part of the code base runs with, and where that was said."""

    grants: frozenset[str]
    where: str  # "for src/oms/* in kraken-permissions", "in this file's kraken-permissions comment"
    pattern: str = ""


@dataclass(frozen=True)
class Policy:
    """Declared keys by path glob, and the paths allowed to move funds."""

    keys: tuple[DeclaredKey, ...] = ()
    withdraw_paths: tuple[str, ...] = ()

    def key_for(self, path: str) -> DeclaredKey | None:
        """The most specific (longest) glob that matches the path."""
        matches = [k for k in self.keys if fnmatchcase(path, k.pattern)]
        return max(matches, key=lambda k: len(k.pattern)) if matches else None

    def may_withdraw(self, path: str) -> bool:
        return any(fnmatchcase(path, pattern) for pattern in self.withdraw_paths)


def normal_path(filename: str) -> str:
    """A path as globs, reports, SARIF and the baseline see it (the one normaliser): relative to
    the working directory when inside it, with '/' and no './'."""
    try:
        relative = os.path.relpath(os.path.abspath(filename))
    except ValueError:  # another drive
        relative = ".."
    return PurePath(filename if relative.startswith("..") else relative).as_posix()  # PurePath drops "./"


def _grants(names: str, catalog: Catalog, where: str) -> frozenset[str]:
    granted: set[str] = set()
    for name in (n for n in _NAMES.split(names.strip()) if n):
        found = catalog.grant(name)
        if found is None:
            hint = did_you_mean(name, catalog.grant_names())
            raise ConfigError(f"{where}: unknown permission or preset '{name}'{hint}")
        granted |= found
    return frozenset(granted)


def _check_glob(pattern: str, where: str) -> str:
    if not pattern:
        raise ConfigError(f"{where}: empty glob")
    if pattern.count("[") != pattern.count("]"):
        raise ConfigError(f"{where}: bad glob '{pattern}' (unbalanced [ ])")
    return pattern


def parse_permissions(value: str | None, catalog: Catalog) -> tuple[DeclaredKey, ...]:
    """kraken-permissions: one 'glob: names' entry per line (entries are numbered from 1, blank lines skipped)."""
    keys: dict[str, DeclaredKey] = {}
    entries = [line.strip() for line in (value or "").splitlines() if line.strip()]
    for number, entry in enumerate(entries, start=1):
        where = f"kraken-permissions, entry {number} '{entry}'"
        pattern, colon, names = entry.partition(":")
        if not colon:
            raise ConfigError(f"kraken-permissions, entry {number}: expected 'glob: permissions', got '{entry}'")
        pattern = _check_glob(pattern.strip(), where)
        if pattern in keys:
            raise ConfigError(f"{where}: '{pattern}' is declared twice")
        keys[pattern] = DeclaredKey(_grants(names, catalog, where), f"for {pattern} in kraken-permissions", pattern)
    return tuple(keys.values())


def parse_globs(value: str | None, option: str) -> tuple[str, ...]:
    """A list of globs separated by commas or new lines."""
    items = [g.strip() for g in re.split(r"[,\n]", value or "")]
    return tuple(_check_glob(g, f"{option}, item {i}") for i, g in enumerate(items, start=1) if g)


def module_key(lines: list[str], catalog: Catalog) -> tuple[DeclaredKey | None, tuple[int, str] | None]:
    """The key a module declares in a comment among its first lines, or where and why that comment is wrong."""
    for number, line in enumerate(lines[:COMMENT_LINES], start=1):
        match = _COMMENT.match(line)
        if match is None:
            continue
        names = match.group(1)
        try:
            grants = frozenset() if names.strip().lower() == "none" else _grants(names, catalog, "comment")
        except ConfigError as exc:
            return None, (number, str(exc).removeprefix("comment: "))
        return DeclaredKey(grants, "in this file's kraken-permissions comment"), None
    return None, None


def checked_file(result: FileResult, lines: list[str], catalog: Catalog,
                 policy: Policy) -> tuple[DeclaredKey | None, list[Message]]:
    """A file's declared key (its comment, else the most specific glob) and what the rules say of it."""
    from flake8_kraken import rules

    key, comment_error = module_key(lines, catalog)
    if key is None:
        key = policy.key_for(normal_path(result.path))
    context = rules.Context(result, catalog, key, policy.may_withdraw(normal_path(result.path)), comment_error)
    return key, rules.check(context)
