"""One walk over a LibCST module for every detector, without rebuilding nodes.

LibCST's own traversal (`visit_batched`) rebuilds each node on the way back up and
looks up every visitor's methods with `inspect` on every call; together they cost
several times the parse. The detectors only read the tree, so this walk follows the
node fields that can hold code, in source order, skips whitespace and punctuation,
and calls the detectors' `visit_<Node>` / `leave_<Node>` methods (the same names
LibCST uses) from tables built once per detector class.
"""
from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Any, Callable, Iterable

import libcst as cst

# Fields that hold only whitespace, punctuation or flags: nothing a detector reads; and the
# Names that are labels, not reads of a variable (x.url's `url`, f(url=...)'s `url`).
# (Text fields, such as a Name's value, are strings and never walked.)
_SKIP = frozenset({
    "attr", "keyword",
    "lpar", "rpar", "lbrace", "rbrace", "lbracket", "rbracket", "comma", "semicolon", "colon", "dot",
    "leading_lines", "lines_after_decorators", "header", "footer", "newline", "trailing_whitespace",
    "asynchronous", "equal", "operator", "whitespace", "first_line", "empty_lines",
})


@lru_cache(maxsize=None)
def _fields(node_type: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(node_type)
                 if f.name not in _SKIP and not f.name.startswith("whitespace"))


_NODE_TYPES: dict[type, bool] = {}


def _is_node(kind: type) -> bool:
    """issubclass(kind, CSTNode), remembered: CSTNode is an ABC, whose isinstance is slow."""
    found = _NODE_TYPES.get(kind)
    if found is None:
        found = _NODE_TYPES[kind] = issubclass(kind, cst.CSTNode)
    return found


def _children(node: cst.CSTNode) -> list[cst.CSTNode]:
    out: list[cst.CSTNode] = []
    for name in _fields(type(node)):
        value = getattr(node, name, None)
        kind = type(value)
        if kind is tuple or kind is list:
            out.extend(v for v in value if _is_node(type(v)))
        elif value is not None and _is_node(kind):
            out.append(value)
    return out


@lru_cache(maxsize=None)
def _method_names(visitor_type: type) -> tuple[tuple[str, str], ...]:
    """(kind, node type name) for each visit_X / leave_X a detector class defines."""
    out = []
    for name in dir(visitor_type):
        kind, _, node = name.partition("_")
        if kind in ("visit", "leave") and node and node[0].isupper() and "_" not in node:
            out.append((kind, node))
    return tuple(out)


def walk(module: cst.Module, visitors: Iterable[Any]) -> None:
    """Visit every code-bearing node once, calling each visitor in order (leave in the same order)."""
    tables: dict[str, dict[str, list[Callable[[Any], Any]]]] = {"visit": {}, "leave": {}}
    for visitor in visitors:
        for kind, node in _method_names(type(visitor)):
            tables[kind].setdefault(node, []).append(getattr(visitor, f"{kind}_{node}"))
    visits, leaves = tables["visit"], tables["leave"]
    stack: list[tuple[cst.CSTNode, bool]] = [(module, False)]
    while stack:
        node, leaving = stack.pop()
        name = type(node).__name__
        if leaving:
            for method in leaves.get(name, ()):
                method(node)
            continue
        for method in visits.get(name, ()):
            method(node)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(_children(node)))
