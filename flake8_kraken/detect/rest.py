"""Kraken REST paths spelled in strings: "/0/private/AddOrder", ".../0/public/Ticker".

A string is read at the place it is used. A module constant holding a path is
read where the constant is used, and at its definition only when the module
never uses it (it is then exported for other modules).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

import libcst as cst

from flake8_kraken.catalog import Catalog, Endpoint
from flake8_kraken.findings import Sink
from flake8_kraken.resolve import HOLE, is_string_expression, template

VIA = "rest path"
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_HOST = re.compile(r"://([^/\x00]*)")


@dataclass(frozen=True)
class PathHit:
    """A Kraken REST path found in a string: its endpoint or why it is unknown."""

    access: str
    name: str | None  # None: the name is built at run time


class PathMatcher:
    """Finds Kraken REST paths in string templates, using the catalog's path shapes."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        prefixes = {catalog.path_template(a).split("{name}")[0]: a for a, _ in catalog.rest_paths}
        self.prefixes = prefixes
        self.pattern = re.compile("|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True)))
        self.hosts = tuple(h.lower() for h in catalog.rest_hosts)

    def hits(self, text: str) -> list[PathHit]:
        out = []
        for match in self.pattern.finditer(text):
            if not self._host_ok(text[: match.start()]):
                continue
            hit = self._read_name(self.prefixes[match.group()], text[match.end():])
            if hit is not None:
                out.append(hit)
        return out

    def _host_ok(self, before: str) -> bool:
        hosts = _HOST.findall(before)
        return not hosts or hosts[-1].lower() in self.hosts or HOLE in hosts[-1]

    def _read_name(self, access: str, rest: str) -> PathHit | None:
        if not rest or rest[0] == HOLE:
            return PathHit(access, None)
        first = _NAME.match(rest)
        if first is None:
            return None  # prose such as "/0/private/ endpoints"
        name, tail = first.group(), rest[first.end():]
        if tail.startswith("/"):
            second = _NAME.match(tail, 1)
            if second is not None and self.catalog.endpoint(f"{name}/{second.group()}") is not None:
                name, tail = f"{name}/{second.group()}", tail[second.end():]
            elif tail[1:2] in ("", HOLE):
                return PathHit(access, None)
        if tail.startswith(HOLE):
            return PathHit(access, None)
        return PathHit(access, name)


class RestPathDetector(cst.BatchableCSTVisitor):
    """Reports every string expression that names a Kraken REST path."""

    def __init__(
        self, catalog: Catalog, matcher: PathMatcher, constants: Mapping[str, tuple[str, cst.BaseExpression]],
        sink: Sink,
    ) -> None:
        super().__init__()
        self.catalog = catalog
        self.matcher = matcher
        self.sink = sink
        self.values = {name: value for name, (value, _) in constants.items()}
        # Constants that name a Kraken path: reported where used, else where defined.
        self.path_constants = {
            name: node for name, (value, node) in constants.items() if matcher.pattern.search(value)
        }
        self.definitions = {id(node) for node in self.path_constants.values()}
        self.used: set[str] = set()
        self._root: cst.CSTNode | None = None

    # A root is the outermost string expression; its parts are not read again.
    def _enter(self, node: cst.CSTNode) -> bool:
        if self._root is not None:
            return False
        self._root = node
        return True

    def _leave(self, node: cst.CSTNode) -> None:
        if self._root is node:
            self._root = None

    def visit_Expr(self, node: cst.Expr) -> None:
        if is_string_expression(node.value):  # a docstring or a bare string: not a call
            self._enter(node)

    def leave_Expr(self, original_node: cst.Expr) -> None:
        self._leave(original_node)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self._visit_string(node)

    def leave_SimpleString(self, original_node: cst.SimpleString) -> None:
        self._leave(original_node)

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        self._visit_string(node)

    def leave_ConcatenatedString(self, original_node: cst.ConcatenatedString) -> None:
        self._leave(original_node)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._visit_string(node)

    def leave_FormattedString(self, original_node: cst.FormattedString) -> None:
        self._leave(original_node)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if is_string_expression(node):
            self._visit_string(node)

    def leave_BinaryOperation(self, original_node: cst.BinaryOperation) -> None:
        self._leave(original_node)

    def visit_Name(self, node: cst.Name) -> None:
        if self._root is None and node.value in self.path_constants:
            self.used.add(node.value)
            self._report(node, self.values[node.value])

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._enter(node)  # the name being bound is not a use

    def leave_AssignTarget(self, original_node: cst.AssignTarget) -> None:
        self._leave(original_node)

    def _visit_string(self, node: cst.BaseExpression) -> None:
        if not self._enter(node):
            return
        if id(node) in self.definitions:
            return  # read at its uses, or in leave_Module if there are none
        text = template(node, self.values)
        if text is not None:
            for name in self.path_constants:
                if self._mentions(node, name):
                    self.used.add(name)
            self._report(node, text)

    def _mentions(self, node: cst.CSTNode, name: str) -> bool:
        return any(isinstance(n, cst.Name) and n.value == name for n in _walk(node))

    def leave_Module(self, original_node: cst.Module) -> None:
        for name, node in self.path_constants.items():
            if name not in self.used:
                self._report(node, self.values[name])

    def _report(self, node: cst.CSTNode, text: str) -> None:
        for hit in self.matcher.hits(text):
            if hit.name is None:
                self.sink.unresolved(node, "endpoint name is built at run time")
                continue
            endpoint = self.catalog.endpoint(hit.name)
            if endpoint is None:
                self._unknown(node, hit.name)
            else:
                self._call(node, endpoint, hit.access)

    def _unknown(self, node: cst.CSTNode, name: str) -> None:
        suggestion = self.catalog.suggest_endpoint(name)
        hint = self.catalog.code("KRK203").text("hint").format(suggestion=suggestion) if suggestion else ""
        self.sink.problem(node, "KRK203", name=name, hint=hint)

    def _call(self, node: cst.CSTNode, endpoint: Endpoint, used_access: str) -> None:
        if endpoint.access != used_access:
            used = self.catalog.path_template(used_access).format(name=endpoint.name)
            self.sink.problem(node, "KRK204", endpoint=endpoint.name, access=endpoint.access, used=used)
        self.sink.call(node, endpoint.name, endpoint.requirement, via=VIA, moves_funds=endpoint.moves_funds)


def _walk(node: cst.CSTNode) -> list[cst.CSTNode]:
    out = [node]
    for child in node.children:
        out.extend(_walk(child))
    return out
