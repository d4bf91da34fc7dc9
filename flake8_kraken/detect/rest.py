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
_ROUTE = re.compile(r"[A-Za-z0-9_.\-/\x00\x01\x02]*")  # a path's characters, run-time parts included
UNKNOWN_SEGMENT = "{?}"


@dataclass(frozen=True)
class PathHit:
    """A Kraken REST path found in a string: its endpoint or why it is unknown."""

    access: str | None
    name: str | None  # None: the name is built at run time; a route's path as written
    param: int | None = None  # the name is this parameter of the enclosing function
    api: str | None = None  # an API named by method and path (catalog.apis)
    segments: tuple[str | None, ...] = ()  # a route's path segments (None: known at run time)


class PathMatcher:
    """Finds Kraken REST paths in string templates, using the catalog's path shapes."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        prefixes = {catalog.path_template(a).split("{name}")[0]: a for a, _ in catalog.rest_paths}
        self.prefixes = prefixes
        self.routes = {prefix: api for api in catalog.apis for prefix in api.prefixes}
        starts = sorted([*prefixes, *self.routes], key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(p) for p in starts))
        self.hosts = tuple(h.lower() for h in catalog.rest_hosts)
        self.all_hosts = tuple(dict.fromkeys((*self.hosts, *(h for api in catalog.apis for h in api.hosts))))
        stems = [p.rsplit("/", 2)[0] + "/" for p in prefixes]  # "/0/public/" -> "/0/"
        self.stem = stems[0] if stems and len(set(stems)) == 1 else None

    def potential(self, text: str) -> bool:
        """A template that may become a Kraken path once its parameters are filled in:
        a Kraken host or the paths' common stem ("/0/"), before a parameter."""
        first = next((i for i, c in enumerate(text) if is_unknown(c)), len(text))
        head = text[:first].lower()
        return any(h in head for h in self.all_hosts) or (self.stem is not None and head.endswith(self.stem))

    def hits(self, text: str) -> list[PathHit]:
        out = []
        for match in self.pattern.finditer(text):
            api = self.routes.get(match.group())
            if not self._host_ok(text[: match.start()], api.hosts if api is not None else self.hosts):
                continue
            if api is not None:
                hit = self._read_route(api.id, text[match.start():], len(match.group()))
            else:
                hit = self._read_name(self.prefixes[match.group()], text[match.end():])
            if hit is not None:
                out.append(hit)
        return out

    @staticmethod
    def _host_ok(before: str, hosts: tuple[str, ...]) -> bool:
        """No host before the path, a Kraken host (or a name under it: api.futures.kraken.com), or one
        known only at run time."""
        found = _HOST.findall(before)
        if not found or any(is_unknown(c) for c in found[-1]):
            return True
        host = found[-1].lower().split(":")[0]
        return any(host == h or host.endswith("." + h) for h in hosts)

    @staticmethod
    def _read_route(api: str, text: str, prefix: int) -> PathHit | None:
        """A path under an API's prefix, as segments ("/derivatives/api/v3/orders/" + oid: the last unknown)."""
        tail = text[prefix:]
        if tail and is_unknown(tail[0]):
            return PathHit(None, None, marker_at(tail), api=api)  # the endpoint itself is chosen at run time
        path = _ROUTE.match(text).group().rstrip("/")  # type: ignore[union-attr]
        if len(path) < prefix:
            return None  # only the prefix: prose, or a base URL joined elsewhere
        segments = tuple(None if any(is_unknown(c) for c in part) else part for part in path.strip("/").split("/"))
        shown = "/" + "/".join(UNKNOWN_SEGMENT if part is None else part for part in segments)
        return PathHit(None, shown, api=api, segments=segments)

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

    def hits(self, node: cst.CSTNode, hits: list[PathHit], via: str, verb: str | None = None) -> None:
        """Report the Kraken paths found in a string read at `node` (sent with the HTTP method `verb`, if known)."""
        for hit in hits:
            if hit.name is None:
                self.sink.unresolved(node, RUNTIME_NAME)
            elif hit.api is not None:
                self.route(node, hit, verb, via)
            else:
                self.name(node, hit.name, hit.access, via)

    def route(self, node: cst.CSTNode, hit: PathHit, verb: str | None, via: str) -> None:
        """A path of an API named by method and path: the endpoint for `verb`; with the method unknown,
        the path's only one, or "* path" with the strictest requirement of its methods."""
        assert hit.api is not None and hit.name is not None
        found = self.catalog.routes(hit.api, hit.segments)
        if found:  # the most literal template: /instruments/status over /instruments/{symbol}
            best = max(_literal_segments(e) for e in found)
            found = [e for e in found if _literal_segments(e) == best]
        chosen = [e for e in found if verb is None or e.method == verb]
        if verb is None and len(chosen) > 1:
            chosen = [e for e in (self.catalog.endpoint(f"* {chosen[0].path}"),) if e is not None]
        if not chosen:
            name = f"{verb or '*'} {hit.name}"
            hint = found[0].name if found else self.catalog.suggest_endpoint(name)
            self.sink.fact(node, UnknownName, name, hint)
            return
        self.endpoint(node, chosen[0], None, via)

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
                       moves_funds=any(e.moves_funds for e in endpoints), key=endpoints[0].key)

    def endpoint(self, node: cst.CSTNode, endpoint: Endpoint, access: str | None, via: str, **facts: Any) -> None:
        if endpoint.name in self.catalog.keepalive_endpoints:
            return  # a ping, sent by hand or by a client: no permission, nothing to say about a key
        if access is not None:
            self._ways.setdefault((id(node), endpoint.name), (node, endpoint, set()))[2].add(access)
        self.sink.call(node, endpoint.name, endpoint.requirement, kind=endpoint.kind, via=via,
                       moves_funds=endpoint.moves_funds, key=endpoint.key, **facts)

    def finish(self) -> None:
        """Where a call reaches an endpoint the wrong way only. A place that reaches it both ways
        (a helper choosing public or private by an argument) is no mismatch the code shows."""
        for node, endpoint, ways in self._ways.values():
            if endpoint.access not in ways:
                used = self.catalog.path_template(sorted(ways)[0]).format(name=endpoint.name)
                self.sink.fact(node, WrongSide, endpoint.name, endpoint.access, used)


def _literal_segments(endpoint: Endpoint) -> int:
    return sum(not part.startswith("{") for part in endpoint.path.split("/"))


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
                self.pendings.append(Pending(Func(function, self.model), (atom.text,), "path", VIA, node,
                                             (self._verb(node),), quiet=quiet))
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

    def settled(self, text: str) -> bool:
        """A helper's path whose endpoint is known whatever its callers pass: no parameter left, or
        only in the template parameters of a route ("/derivatives/api/v3/tickers/{symbol}")."""
        if not markers_in(text):
            return True
        hits = self.matcher.hits(text)
        catalog = self.reporter.catalog
        return bool(hits) and all(h.api is not None and h.name is not None and catalog.routes(h.api, h.segments)
                                  for h in hits)

    def finish(self, pending: Pending, node: cst.CSTNode, atom: Str) -> None:
        """A helper's path, resolved at one of its call sites."""
        hits = self.matcher.hits(atom.text)
        if not hits:
            return
        self.consumed.update(atom.roots)
        if isinstance(node, cst.Call):
            self.consumed.update(id(arg.value) for arg in node.args)
        via = f"{pending.func.scope.name}() -> {pending.via}"
        self.reporter.hits(node, hits, via, pending.details[0] if pending.details else None)

    def report(self, summary: dict[int, list[Pending]]) -> None:
        """Report every path read that nothing else was built from and that is not only signed.

        `summary`: every helper of the module, for `_kept_by_callee`.
        """
        for node, hits in self.found:
            if id(node) not in self.consumed and not self._kept_by_callee(node, summary):
                self.reporter.hits(node, hits, VIA, self._verb(node))

    def _verb(self, node: cst.CSTNode) -> str | None:
        """The HTTP method a call sends the path at `node` with, when it says: requests.post(url),
        session.request("PUT", url), urllib's Request(url, data) (POST)."""
        found = self._argument_map().get(id(node))
        if found is None:
            return None
        call, scope, _, _ = found
        func = call.func
        name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        http = self.reporter.catalog.http
        if name.lower() in http.verbs:
            return name.upper()
        given = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
        positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
        if name in http.request:
            method = given.get("method", positional[0] if positional and positional[0] is not node else None)
        elif name in http.request_classes:
            method = given.get("method")
            if method is None:
                return "POST" if "data" in given or len(positional) > 1 else "GET"
        else:
            return None
        texts = {a.text for a in self.model.strs(method, scope)} if method is not None else set()
        verb = texts.pop().upper() if len(texts) == 1 else ""
        return verb if verb.lower() in http.verbs else None

    def _argument_map(self) -> dict[int, tuple[cst.Call, Scope, int | None, str | None]]:
        """id(argument value) -> (its call, scope, position or None, keyword or None)."""
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
        return self._arguments

    def _kept_by_callee(self, node: cst.CSTNode, summary: dict[int, list[Pending]]) -> bool:
        """A path given to a function of this module that sends nothing with it (it signs it, say):
        `sign("/0/private/Balance", data)` next to the request that really sends it."""
        arguments = self._argument_map()
        if id(node) not in arguments:
            return False
        call, scope, position, keyword = arguments[id(node)]
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
            if any(s is function.scope and id(n) in arguments for n, s in self.model.collector.loads.get(
                    param.name, ())):
                return False  # handed on to another call (a library's get, str()): it may be sent there
        return True
