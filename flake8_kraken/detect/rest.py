"""Kraken REST paths spelled in strings: "/0/private/AddOrder", ".../0/public/Ticker".

A string is read at the place it is used. A module constant holding a path is
read where the constant is used, and at its definition only when the module
never uses it (it is then exported for other modules).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from flake8_kraken.catalog import Catalog, Endpoint, Requirement
from flake8_kraken.detect.helpers import Helper, Helpers
from flake8_kraken.findings import RUNTIME_NAME, Sink
from flake8_kraken.resolve import Scope, is_string_expression, is_unknown, marker_at, template

VIA = "rest path"
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_HOST = re.compile(r"://([^/]*)")


@dataclass(frozen=True)
class PathHit:
    """A Kraken REST path found in a string: its endpoint or why it is unknown."""

    access: str
    name: str | None  # None: the name is built at run time
    param: int | None = None  # the name is this parameter of the enclosing function


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
        return not hosts or hosts[-1].lower() in self.hosts or any(is_unknown(c) for c in hosts[-1])

    def _read_name(self, access: str, rest: str) -> PathHit | None:
        if not rest or is_unknown(rest[0]):
            return PathHit(access, None, marker_at(rest))
        first = _NAME.match(rest)
        if first is None:
            return None  # prose such as "/0/private/ endpoints"
        name, tail = first.group(), rest[first.end():]
        if tail.startswith("/"):
            second = _NAME.match(tail, 1)
            if second is not None and self.catalog.endpoint(f"{name}/{second.group()}") is not None:
                name, tail = f"{name}/{second.group()}", tail[second.end():]
            elif tail[1:2] == "" or is_unknown(tail[1]):
                return PathHit(access, None)
        if tail and is_unknown(tail[0]):
            return PathHit(access, None)
        return PathHit(access, name)


class Reporter:
    """Turns an endpoint name or a path text into calls, problems or unresolved places."""

    def __init__(self, catalog: Catalog, matcher: PathMatcher, sink: Sink) -> None:
        self.catalog = catalog
        self.matcher = matcher
        self.sink = sink

    def path(self, node: cst.CSTNode, text: str, via: str) -> list[PathHit]:
        """Report every Kraken path in `text`; hits whose name is a parameter are returned."""
        params = []
        for hit in self.matcher.hits(text):
            if hit.param is not None:
                params.append(hit)
            elif hit.name is None:
                self.sink.unresolved(node, RUNTIME_NAME)
            else:
                self.name(node, hit.name, hit.access, via)
        return params

    def name(self, node: cst.CSTNode, name: str, access: str | None, via: str) -> None:
        """Report a call to the endpoint called `name`, reached the `access` way (None: either)."""
        endpoint = self.catalog.endpoint(name)
        if endpoint is None:
            suggestion = self.catalog.suggest_endpoint(name)
            hint = self.catalog.code("KRK203").text("hint").format(suggestion=suggestion) if suggestion else ""
            self.sink.problem(node, "KRK203", name=name, hint=hint)
            return
        self.endpoint(node, endpoint, access, via)

    def either(self, node: cst.CSTNode, names: tuple[str, ...], via: str) -> None:
        """A call that reaches one of several endpoints, chosen at run time.

        When each alternative is met by single permissions, the call needs any one of
        them all (one Call named "A|B"); otherwise every alternative is reported.
        """
        endpoints = [e for e in (self.catalog.endpoint(n) for n in names) if e is not None]
        options = [_single_options(e.requirement) for e in endpoints]
        if len(endpoints) != len(names) or any(o is None for o in options):
            for endpoint in endpoints:
                self.endpoint(node, endpoint, None, via)
            return
        needs: tuple[str, ...] = () if any(not o for o in options) else tuple(
            sorted({p for o in options for p in o or ()}, key=lambda p: self.catalog.permission(p).order)
        )
        self.sink.call(node, "|".join(names), Requirement(any_of=needs), via=via,
                       moves_funds=any(e.moves_funds for e in endpoints))

    def endpoint(self, node: cst.CSTNode, endpoint: Endpoint, access: str | None, via: str) -> None:
        if access is not None and endpoint.access != access:
            used = self.catalog.path_template(access).format(name=endpoint.name)
            self.sink.problem(node, "KRK204", endpoint=endpoint.name, access=endpoint.access, used=used)
        self.sink.call(node, endpoint.name, endpoint.requirement, kind=endpoint.kind, via=via,
                       moves_funds=endpoint.moves_funds)


def _single_options(requirement: Requirement) -> frozenset[str] | None:
    """The permissions each of which alone meets `requirement`; None if none alone does."""
    if not requirement.all_of:
        return frozenset(requirement.any_of)
    if len(requirement.all_of) == 1 and not requirement.any_of:
        return frozenset(requirement.all_of)
    return None


class RestPathDetector(cst.BatchableCSTVisitor):
    """Reports every string expression that names a Kraken REST path."""

    def __init__(self, reporter: Reporter, scope: Scope, helpers: Helpers) -> None:
        super().__init__()
        self.reporter = reporter
        self.scope = scope
        self.helpers = helpers
        strings = scope.facts.strings
        self.values = {name: value for name, (value, _) in strings.items()}
        # Constants that name a Kraken path: reported where used, else where defined.
        pattern = reporter.matcher.pattern
        self.path_constants = {name: node for name, (value, node) in strings.items() if pattern.search(value)}
        self.definitions = {id(node) for node in self.path_constants.values()}
        self.used: set[str] = set()
        self._root: cst.CSTNode | None = None
        self._reading = False  # the root is a string expression that was read

    # A root is the outermost string expression; its parts are not read again.
    def _enter(self, node: cst.CSTNode) -> bool:
        if self._root is not None:
            return False
        self._root = node
        return True

    def _leave(self, node: cst.CSTNode) -> None:
        if self._root is node:
            self._root = None
            self._reading = False

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

    def visit_Call(self, node: cst.Call) -> None:
        if is_string_expression(node):  # "...".format(...), urljoin(...)
            self._visit_string(node)

    def leave_Call(self, original_node: cst.Call) -> None:
        self._leave(original_node)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value not in self.path_constants:
            return
        if self._root is None and node.value not in self.scope.frame.params:
            self.used.add(node.value)
            self._report(node, self.values[node.value])
        elif self._reading:
            self.used.add(node.value)  # part of a string expression read as a whole

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._enter(node)  # the name being bound is not a use

    def leave_AssignTarget(self, original_node: cst.AssignTarget) -> None:
        self._leave(original_node)

    def _visit_string(self, node: cst.BaseExpression) -> None:
        if not self._enter(node):
            return
        if id(node) in self.definitions:
            return  # read at its uses, or in leave_Module if there are none
        text = template(node, self.scope.lookup_in(self.scope.frame))
        if text is not None:
            self._reading = True  # the constants this expression names count as used (visit_Name)
            self._report(node, text)

    def leave_Module(self, original_node: cst.Module) -> None:
        for name, node in self.path_constants.items():
            if name not in self.used:
                self._report(node, self.values[name])

    def _report(self, node: cst.CSTNode, text: str) -> None:
        frame = self.scope.frame
        for hit in self.reporter.path(node, text, VIA):
            if hit.param is None or frame.function is None:
                continue  # a parameter marker only arises inside a function
            self.helpers.add(Helper(frame.function.name.value, frame.cls, hit.param, frame.params[hit.param],
                                    node, text, None, VIA))
