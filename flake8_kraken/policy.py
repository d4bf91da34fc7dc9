"""From what the code does to what flake8 says: declared keys, the withdrawal guard, messages.

A code base declares which key each part runs with (`kraken-permissions`, globs to
permission ids, Kraken's machine names or presets; or a `# kraken-permissions:`
comment in a module's first lines) and where funds may leave
(`kraken-withdraw-paths`). Calls are checked against those declarations here.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import PurePath

from flake8_kraken.catalog import Catalog, Requirement
from flake8_kraken.findings import SYNTAX_ERROR, Call, FileResult
from flake8_kraken.privilege import describe
from flake8_kraken.redact import RedactedError

WITHDRAW = "withdraw"
COMMENT_LINES = 10  # a module declares its key in a comment among its first lines
_COMMENT = re.compile(r"^\s*#\s*kraken-permissions\s*:(.*)$")
_NAMES = re.compile(r"[\s,]+")


class ConfigError(RedactedError):
    """A configuration value that cannot be used: the message says which and why."""


@dataclass(frozen=True, order=True)
class Message:
    """One flake8 message: position and text starting with its code."""

    line: int
    col: int
    text: str


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
    """A path as globs see it: relative to the working directory, with '/' and no './'."""
    path = filename
    if os.path.isabs(path):
        relative = os.path.relpath(path)
        path = path if relative.startswith("..") else relative
    posix = PurePath(path).as_posix()
    while posix.startswith("./"):
        posix = posix[2:]
    return posix


def _grants(names: str, catalog: Catalog, where: str) -> frozenset[str]:
    granted: set[str] = set()
    for name in (n for n in _NAMES.split(names.strip()) if n):
        found = catalog.grant(name)
        if found is None:
            hint = did_you_mean(name, catalog.grant_names())
            raise ConfigError(f"{where}: unknown permission or preset '{name}'{hint}")
        granted |= found
    return frozenset(granted)


def did_you_mean(value: str, choices: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(value, choices, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


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


def module_key(lines: list[str], catalog: Catalog) -> tuple[DeclaredKey | None, Message | None]:
    """The key a module declares in a comment among its first lines, or why that comment is wrong."""
    for number, line in enumerate(lines[:COMMENT_LINES], start=1):
        match = _COMMENT.match(line)
        if match is None:
            continue
        names = match.group(1)
        try:
            grants = frozenset() if names.strip().lower() == "none" else _grants(names, catalog, "comment")
        except ConfigError as exc:
            reason = str(exc).removeprefix("comment: ")
            text = catalog.code("KRK201").text("bad_comment").format(reason=reason)
            return None, Message(number, 0, f"KRK201 {text}")
        return DeclaredKey(grants, "in this file's kraken-permissions comment"), None
    return None, None


def checked_file(result: FileResult, lines: list[str], catalog: Catalog,
                 policy: Policy) -> tuple[DeclaredKey | None, list[Message]]:
    """A file's declared key (its comment, else the most specific glob) and its messages."""
    key, bad_comment = module_key(lines, catalog)
    if key is None:
        key = policy.key_for(normal_path(result.path))
    found = messages(result, catalog, policy, key)
    return key, sorted([*found, bad_comment]) if bad_comment is not None else found


def messages(result: FileResult, catalog: Catalog, policy: Policy = Policy(),
             key: DeclaredKey | None = None) -> list[Message]:
    """Every message for one file, sorted by position. `key`: the key declared for it, if any."""
    out: list[Message] = []
    if result.skipped and result.skipped != SYNTAX_ERROR:
        out.append(Message(1, 0, catalog.code("KRK000").render(reason=result.skipped)))
    for problem in result.problems:
        out.append(Message(problem.line, problem.col, catalog.code(problem.code).render(**dict(problem.fields))))
    may_withdraw = policy.may_withdraw(normal_path(result.path))
    for call in result.calls:
        out.extend(_call_messages(call, catalog, may_withdraw, key))
    if key is not None:
        code = catalog.code("KRK205")
        out.extend(Message(u.line, u.col, code.render(reason=u.reason, where=key.where)) for u in result.unresolved)
    return sorted(set(out))


def withdraw_reason(call: Call) -> str | None:
    """Why a call belongs only where funds may move: 'withdraw', 'moves_funds' or None."""
    if WITHDRAW in call.requirement.all_of:
        return "withdraw"
    if call.moves_funds:
        return "moves_funds"
    return None


def missing(requirement: Requirement, granted: frozenset[str]) -> Requirement | None:
    """What a key lacks to meet a requirement, or None when it meets it."""
    if requirement.satisfied_by(granted):
        return None
    lacking_any = () if not requirement.any_of or granted & set(requirement.any_of) else requirement.any_of
    return Requirement(tuple(p for p in requirement.all_of if p not in granted), lacking_any)


def _call_messages(call: Call, catalog: Catalog, may_withdraw: bool, key: DeclaredKey | None) -> list[Message]:
    out = []
    reason = withdraw_reason(call)
    if reason is not None and not may_withdraw:
        code = catalog.code("KRK202")
        out.append(Message(call.line, call.col, code.render(endpoint=call.endpoint, why=code.text(f"why.{reason}"))))
    if key is not None:
        lacking = missing(call.requirement, key.grants)
        if lacking is not None:
            code = catalog.code("KRK201")
            out.append(Message(call.line, call.col, code.render(
                endpoint=call.endpoint, missing=describe(lacking, catalog), where=key.where)))
    endpoint = catalog.endpoint(call.endpoint)
    if endpoint is None or endpoint.access == "private":
        code = catalog.code("KRK901")
        needs = describe(call.requirement, catalog) or code.text("no_permission")
        out.append(Message(call.line, call.col, code.render(endpoint=call.endpoint, needs=needs)))
    return out
