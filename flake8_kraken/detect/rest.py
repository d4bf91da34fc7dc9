"""Kraken REST paths spelled in strings ("/0/private/AddOrder", ".../0/public/Ticker"),
and the Reporter that turns an endpoint name or a path into facts."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import libcst as cst

from flake8_kraken.catalog import Catalog, Endpoint, Requirement
from flake8_kraken.detect.summaries import Pending
from flake8_kraken.findings import RUNTIME_NAME, Sink, UnknownName, WrongSide
from flake8_kraken.model.evaluate import Model, callee_of
from flake8_kraken.model.scopes import Scope
from flake8_kraken.model.values import Func, Str, is_unknown, marker, marker_at, markers_in

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
        stems = [p.rsplit("/", 2)[0] + "/" for p in prefixes]  # "/0/public/" -> "/0/"
        self.stem = stems[0] if stems and len(set(stems)) == 1 else None

    def potential(self, text: str) -> bool:
        """A template that may become a Kraken path once its parameters are filled in:
        a Kraken host or the paths' common stem ("/0/"), before a parameter."""
        first = next((i for i, c in enumerate(text) if is_unknown(c)), len(text))
        head = text[:first].lower()
        return any(h in head for h in self.hosts) or (self.stem is not None and head.endswith(self.stem))

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
        if tail and is_unknown(tail[0]) and self.catalog.endpoint(name) is None:
            return PathHit(access, None)  # "/0/public/Tick" + x: the name goes on at run time
        return PathHit(access, name)  # a query string or nothing may follow a whole name


class Reporter:
    """Turns an endpoint name or a path text into calls, unknown names or unresolved places."""

    def __init__(self, catalog: Catalog, matcher: PathMatcher, sink: Sink) -> None:
        self.catalog = catalog
        self.matcher = matcher
        self.sink = sink
        self._ways: dict[tuple[int, str], tuple[cst.CSTNode, Endpoint, set[str]]] = {}  # how each place reaches each

    def hits(self, node: cst.CSTNode, hits: list[PathHit], via: str) -> None:
        """Report the Kraken paths found in a string read at `node`."""
        for hit in hits:
            if hit.name is None:
                self.sink.unresolved(node, RUNTIME_NAME)
            else:
                self.name(node, hit.name, hit.access, via)

    def name(self, node: cst.CSTNode, name: str, access: str | None, via: str) -> None:
        """Report a call to the endpoint called `name`, reached the `access` way (None: either)."""
        endpoint = self.catalog.endpoint(name)
        if endpoint is None:
            self.sink.fact(node, UnknownName, name, self.catalog.suggest_endpoint(name))
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

    def endpoint(self, node: cst.CSTNode, endpoint: Endpoint, access: str | None, via: str, **facts: Any) -> None:
        if access is not None:
            self._ways.setdefault((id(node), endpoint.name), (node, endpoint, set()))[2].add(access)
        self.sink.call(node, endpoint.name, endpoint.requirement, kind=endpoint.kind, via=via,
                       moves_funds=endpoint.moves_funds, **facts)

    def finish(self) -> None:
        """Where a call reaches an endpoint the wrong way only. A place that reaches it both ways
        (a helper choosing public or private by an argument) is no mismatch the code shows."""
        for node, endpoint, ways in self._ways.values():
            if endpoint.access not in ways:
                used = self.catalog.path_template(sorted(ways)[0]).format(name=endpoint.name)
                self.sink.fact(node, WrongSide, endpoint.name, endpoint.access, used)


def _single_options(requirement: Requirement) -> frozenset[str] | None:
    """The permissions each of which alone meets `requirement`; None if none alone does."""
    if not requirement.all_of:
        return frozenset(requirement.any_of)
    if len(requirement.all_of) == 1 and not requirement.any_of:
        return frozenset(requirement.all_of)
    return None


class PathFinder:
    """Kraken REST paths in strings, reported where the string is last put together.

    Every string expression is read with the model (constants, locals, attributes,
    parameters as markers). A string that another string or a helper's call site is
    built from is not reported itself: `url = HOST + "/0/private/Balance"` is the call
    where `url` is made, and a module constant holding a path is reported where it is
    used (at its definition only when nothing uses it). A path built from a parameter
    (or a Kraken host joined to one) is a helper's, reported at the helper's calls.
    """

    def __init__(self, model: Model, reporter: Reporter) -> None:
        self.model = model
        self.reporter = reporter
        self.matcher = reporter.matcher
        self.found: list[tuple[cst.CSTNode, list[PathHit]]] = []
        self.consumed: set[int] = set()  # string expressions another string or a helper call is built from
        self.pendings: list[Pending] = []
        self._arguments: dict[int, tuple[cst.Call, Scope, int | None, str | None]] | None = None

    def find(self) -> list[Pending]:
        """Read every string expression, then the reads of names bound to a path (see _name_reads)."""
        for node, scope in self.model.collector.strings:
            self._read(node, scope)
        for node, scope in self._name_reads():
            self._read(node, scope)
        return self.pendings

    def _read(self, node: cst.BaseExpression, scope: Scope) -> None:
        function = scope if scope.kind == "function" else None
        hits: list[PathHit] = []
        for atom in self.model.strs(node, scope, function):
            found = self.matcher.hits(atom.text)
            if function is not None and markers_in(atom.text) and (
                    any(h.param is not None for h in found) or (not found and self.matcher.potential(atom.text))):
                quiet = not found  # a host joined to a parameter: its callers' paths are read where written
                self.pendings.append(Pending(Func(function, self.model), (atom.text,), "path", VIA, node, quiet=quiet))
            elif found:
                hits.extend(found)
            else:
                continue
            self.consumed.update(atom.roots - {id(node)})
        if hits:
            self.found.append((node, hits))

    def _name_reads(self) -> list[tuple[cst.BaseExpression, Scope]]:
        """Where a name bound to a path is used, when that is where the request is made.

        A module or class constant: every read of it outside a string expression. A local
        variable (`url = BASE + "/0/public/Ticker"; session.get(url)`): its last use as a
        call's argument in its function, when no other string is built from it.
        """
        defined = {id(node) for node, _ in self.found} | {id(p.origin) for p in self.pendings}
        collector = self.model.collector
        self._receivers = {id(n.value) for key, found in collector.loads.items() if key.startswith(".")
                           for n, _ in found if isinstance(n, cst.Attribute)}
        arguments = {id(arg.value) for call, _ in collector.calls for arg in call.args}
        reads: list[tuple[cst.BaseExpression, Scope]] = []
        scopes = [self.model.module_scope, *(c.scope for c in collector.classes), *collector.functions]
        for owner in scopes:
            for name, bindings in owner.bindings.items():
                roots = {id(b.value) for b in bindings if b.kind == "value" and id(b.value) in defined}
                if not roots or (owner.kind == "function" and roots <= self.consumed):
                    continue
                if owner.kind != "function":
                    reads.extend((n, s) for key in (name, "." + name) for n, s in collector.loads.get(key, ()))
                    continue
                loads = [(n, s) for n, s in collector.loads.get(name, ()) if s is owner and id(n) in collector.uses]
                used = [(collector.uses[id(n)].order, n, s) for n, s in loads if id(n) in arguments]
                if used:
                    _, node, scope = max(used, key=lambda u: u[0])
                    reads.append((node, scope))
                elif loads and all(id(n) in self._receivers for n, _ in loads):
                    self.consumed.update(roots)  # only ever `path.encode()`: signed, never sent
        return reads

    def finish(self, pending: Pending, node: cst.CSTNode, atom: Str) -> None:
        """A helper's path, resolved at one of its call sites."""
        hits = self.matcher.hits(atom.text)
        if not hits:
            return
        self.consumed.update(atom.roots)
        if isinstance(node, cst.Call):
            self.consumed.update(id(arg.value) for arg in node.args)
        via = f"{pending.func.scope.name}() -> {pending.via}"
        self.reporter.hits(node, hits, via)

    def report(self, summary: dict[int, list[Pending]]) -> None:
        """Report every path read that nothing else was built from and that is not only signed.

        `summary`: every helper of the module, for `_kept_by_callee`.
        """
        for node, hits in self.found:
            if id(node) not in self.consumed and not self._kept_by_callee(node, summary):
                self.reporter.hits(node, hits, VIA)

    def _kept_by_callee(self, node: cst.CSTNode, summary: dict[int, list[Pending]]) -> bool:
        """A path given to a function of this module that sends nothing with it (it signs it, say):
        `sign("/0/private/Balance", data)` next to the request that really sends it."""
        if self._arguments is None:
            self._arguments = {}
            for call, scope in self.model.collector.calls:
                position = 0
                for arg in call.args:
                    if arg.star:
                        break
                    self._arguments[id(arg.value)] = (call, scope, None if arg.keyword else position,
                                                      arg.keyword.value if arg.keyword else None)
                    position += arg.keyword is None
        if id(node) not in self._arguments:
            return False
        call, scope, position, keyword = self._arguments[id(node)]
        targets = [callee_of(a) for a in self.model.value(call.func, scope)]
        if not targets or any(t is None or t[0].model is not self.model for t in targets):
            return False
        for function, implicit in targets:  # type: ignore[misc]
            params = function.scope.params
            param = next((p for p in params if p.name == keyword), None) if keyword else next(
                (p for p in params if p.index == position + implicit and not p.star), None)
            if param is None or any(marker(param.index) in text for pending in summary.get(id(function.scope), ())
                                    for text in pending.texts):
                return False
            if any(s is function.scope and id(n) in self._arguments for n, s in self.model.collector.loads.get(
                    param.name, ())):
                return False  # handed on to another call (a library's get, str()): it may be sent there
        return True
