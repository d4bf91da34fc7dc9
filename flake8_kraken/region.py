"""Which top-level statements of a Kraken file LibCST must see; it is given their lines alone.

A file that passes the screen is mostly ordinary code around a few Kraken calls, and
LibCST's parse, walk and positions cost in proportion to the text they are given. So,
reading the `ast` flake8 already made, a top-level statement is kept when its own code
(bare strings such as docstrings left out: the model never reads them) names Kraken
(catalog.statement_words and statement_names), holds a literal that may be a credential,
or imports a Kraken module of the project. Then every statement is kept that binds a
name a kept one mentions (its definitions) or mentions a name a kept one binds (its
users), until nothing changes: the model follows values from one top-level statement to
another only through module-level names. LibCST is given the kept statements' lines
alone (blank lines cost it nodes too) and positions are mapped back to the file's lines;
a top-level statement starts at column 0 and has its lines to itself, so columns are
unchanged. A file with a star import is kept whole: its names cannot be followed.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Callable, Iterable

_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_GLOBAL = re.compile(r"\bglobal\s+([^\n;#]+)")
# A credential is a literal of 40 or more base64 characters, or pieces of one ("..." "..."): a
# piece of at least this many characters after its quote (a key cut into shorter ones is missed).
_LITERAL_RUN = re.compile(r"""['"][A-Za-z0-9+/=]{10,}""")
_STAR_IMPORT = re.compile(r"\bimport\s*\*")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")  # as Python counts lines (not str.splitlines)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
MIN_STATEMENTS = 8  # a shorter module is parsed whole: there is little to drop


@dataclass(frozen=True)
class Unit:
    """Top-level statements that share a line (`a = 1; b = 2`), kept or left out together: leaving
    the line out for one would cut the other. (Their texts share the line, so the closure mostly keeps
    them together anyway; not when one is kept for what the ast says, an import of Kraken code.)"""

    first: int  # 1-based, decorators included
    last: int
    statements: tuple[ast.stmt, ...]


@dataclass(frozen=True)
class Evidence:
    """What makes one statement worth giving to LibCST on its own (catalog.statement_words, _names)."""

    words: Callable[[str], bool]  # the statement's text names Kraken
    names: frozenset[str]  # identifiers that do (a method Kraken's client shares with others)


@dataclass(frozen=True)
class Region:
    """What LibCST is given: the kept statements' lines, in order, and where each line came from."""

    text: str
    statements: list[ast.stmt]
    lines: tuple[int, ...] | None = None  # the file's line number of each line of `text`; None: the same

    def line(self, number: int) -> int:
        """The file's line number of line `number` (1-based) of `text`."""
        if self.lines is None or not 0 < number <= len(self.lines):
            return number
        return self.lines[number - 1]


def reduced(source: str, tree: ast.Module, evidence: Evidence,
            imports_kraken: Callable[[ast.stmt], bool] | None = None) -> Region:
    """The lines of the top-level statements the analysis needs (the whole `source` when that is
    all of it). `imports_kraken` tells whether an import statement reads a Kraken project module."""
    body = tree.body
    whole = Region(source, body)
    if len(body) < MIN_STATEMENTS or _STAR_IMPORT.search(source):
        return whole
    lines = _LINE.findall(source)
    if len(lines) < max(s.end_lineno or s.lineno for s in body):
        return whole  # lines not counted as the ast counts them: never guess
    units = _units(body)
    texts = [_text(lines, unit) for unit in units]
    binds = [_bound(unit) | _globals(text) for unit, text in zip(units, texts)]
    bound = set().union(*binds)
    identifiers = [set(_IDENTIFIER.findall(text)) for text in texts]
    mentions = [bound & found for found in identifiers]
    kept = {i for i, unit in enumerate(units)
            if _seed(lines, unit, texts[i], identifiers[i], evidence)
            or (imports_kraken is not None and _imports(unit, imports_kraken))}
    kept = _closure(kept, binds, mentions)
    if len(kept) == len(units):
        return whole
    numbers = tuple(n for i in sorted(kept) for n in range(units[i].first, units[i].last + 1))
    return Region("".join(lines[n - 1] for n in numbers), [s for i in sorted(kept) for s in units[i].statements],
                  numbers)


def _closure(kept: set[int], binds: list[set[str]], mentions: list[set[str]]) -> set[int]:
    """Kept statements plus their definitions and their users, transitively."""
    binders: dict[str, list[int]] = {}
    users: dict[str, list[int]] = {}
    for i, names in enumerate(binds):
        for name in names:
            binders.setdefault(name, []).append(i)
    for i, names in enumerate(mentions):
        for name in names:
            users.setdefault(name, []).append(i)
    todo = list(kept)
    defined: set[str] = set()  # names whose binders are all kept already (each name is followed once)
    used: set[str] = set()  # names whose users are
    while todo:
        i = todo.pop()
        more = [binders.get(n, ()) for n in mentions[i] - defined] + [users.get(n, ()) for n in binds[i] - used]
        defined |= mentions[i]
        used |= binds[i]
        for j in (j for group in more for j in group):
            if j not in kept:
                kept.add(j)
                todo.append(j)
    return kept


def _units(body: list[ast.stmt]) -> list[Unit]:
    units: list[Unit] = []
    for statement in body:
        first = min([statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", ()))])
        last = statement.end_lineno or statement.lineno
        if units and first <= units[-1].last:  # on a line the previous statement ends on
            previous = units.pop()
            units.append(Unit(previous.first, max(last, previous.last), (*previous.statements, statement)))
        else:
            units.append(Unit(first, last, (statement,)))
    return units


def _text(lines: list[str], unit: Unit) -> str:
    return "".join(lines[unit.first - 1:unit.last])


def _seed(lines: list[str], unit: Unit, text: str, identifiers: set[str], evidence: Evidence) -> bool:
    """Whether the unit's own code names Kraken or holds a literal that may be a credential."""
    if _LITERAL_RUN.search(text) or not evidence.names.isdisjoint(identifiers):
        return True
    if not evidence.words(text):
        return False
    bare = _bare_strings(unit.statements, lines)
    if not bare:
        return True
    code = list(lines[unit.first - 1:unit.last])
    for first, last in bare:
        for number in range(first, last + 1):
            code[number - unit.first] = "\n"
    return evidence.words("".join(code))


def _bare_strings(statements: Iterable[ast.stmt], lines: list[str]) -> list[tuple[int, int]]:
    """The lines of string statements (docstrings and the like) that have their lines to themselves."""
    out: list[tuple[int, int]] = []
    stack = list(statements)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Expr) and isinstance(node.value, (ast.Constant, ast.JoinedStr)):
            if isinstance(node.value, ast.JoinedStr) or isinstance(node.value.value, (str, bytes)):
                if _alone(node, lines):
                    out.append((node.lineno, node.end_lineno or node.lineno))
            continue
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            stack.extend(getattr(node, field, ()))
    return out


def _alone(node: ast.stmt, lines: list[str]) -> bool:
    """Nothing but indentation before the statement and nothing but a comment after it."""
    end = node.end_lineno or node.lineno
    before = lines[node.lineno - 1].encode()[:node.col_offset]
    after = lines[end - 1].encode()[node.end_col_offset:].strip() if node.end_col_offset is not None else b"x"
    return not before.strip() and (not after or after.startswith(b"#"))


def _bound(unit: Unit) -> set[str]:
    """The module-level names the unit binds, outside the functions and classes in it (an
    over-approximation is only slower, never wrong; `global` names come from _globals)."""
    names: set[str] = set()
    stack: list[ast.AST] = list(unit.statements)
    while stack:
        node = stack.pop()
        if isinstance(node, _SCOPES):
            names.add(node.name)
            stack.extend(getattr(node, "decorator_list", ()))
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Load):
                names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
        stack.extend(ast.iter_child_nodes(node))
    return names


def _globals(text: str) -> set[str]:
    """Names a function declares `global` (bound at module level from inside it)."""
    return {name.strip() for found in _GLOBAL.findall(text) for name in found.split(",") if name.strip()}


def _imports(unit: Unit, imports_kraken: Callable[[ast.stmt], bool]) -> bool:
    return any(isinstance(s, (ast.Import, ast.ImportFrom, ast.If, ast.Try)) and imports_kraken(s)
               for s in unit.statements)
