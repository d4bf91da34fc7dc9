#!/usr/bin/env python3
"""Check rules.yaml's client-library maps against the libraries' own sources.

rules.yaml says which Kraken endpoint each method of ccxt, python-kraken-sdk, pykrakenapi and
krakenex sends. Those facts were read from one release of each library: a release that adds a
method, or moves one to another endpoint, would make the linter miss calls without a word. This
script reads the installed libraries' sources with `ast` -- it never imports or runs them, so a
library's import-time side effects cannot touch the check -- works out what each method sends,
and compares that with the catalog.

    python tools/catalog_check.py [--library NAME] [--list]

It reports (a) methods that send a Kraken request but are not in the catalog, (b) methods whose
catalog endpoints differ from what the source sends, (c) counts. Exit status: 0 when there is
nothing in (a) or (b), 1 otherwise, 2 when none of the libraries asked for is installed.
"""
from __future__ import annotations

import argparse
import ast
import fnmatch
import importlib.metadata
import importlib.util
import sys
import time
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator
from urllib.parse import urlparse

from flake8_kraken.catalog import Catalog, ClientClass, load_catalog

ROOT = Path(__file__).resolve().parent.parent

Function = ast.FunctionDef | ast.AsyncFunctionDef
Methods = dict[str, Function]

# Differences that are the catalog's choice, not a gap: (library, class, method, why). Class and
# method are globs; the class is the library's dotted path or the catalog's class id. A matching
# finding is printed as accepted and does not fail the check; an entry that matches nothing is
# printed as unused, so that the table does not outlive what it excuses. Methods a class inherits
# from outside the files read (ccxt's Exchange: load_markets, request, fetch2, the create_*_order
# wrappers) are not read, so they are listed as "not compared", not excused here.
ACCEPTED: tuple[tuple[str, str, str, str], ...] = (
    ("ccxt", "ccxt.kraken", "zendesk*",
     "ccxt reads Kraken's help-centre articles (kraken.zendesk.com), not the REST API: no key, no permission"),
    ("python-kraken-sdk", "kraken.spot.websocket.SpotWSClientBase", "*",
     "a base class users do not make; its methods are checked on SpotWSClient and SpotOrderBookClient"),
)

# ccxt exchanges, and how the catalog names what their generated methods send: "name" is spot's
# endpoint name (AddOrder, Earn/Allocate), "path" is the HTTP method and the path (GET /a/b).
CCXT_EXCHANGES = {"kraken": "name", "krakenfutures": "path"}

# ccxt turns fetch_ohlcv into fetchOHLCV (base/exchange.py); used when that file cannot be read.
CCXT_CAMEL_EXCEPTIONS = {"ohlcv": "OHLCV"}


# --- what the sources say ------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """What one library method sends: endpoints as the catalog names them, or a marker for a
    method that takes the endpoint from its caller."""

    owner: str  # the class's dotted path in the library: "ccxt.kraken.kraken"
    method: str
    endpoints: frozenset[str]


@dataclass(frozen=True)
class Request:
    """One request call in a method body: its endpoint when the call fixes it (ccxt's generated
    methods), else the HTTP method and the expression that names the endpoint."""

    endpoint: str | None = None
    verb: str | None = None
    target: ast.expr | None = None


@dataclass(frozen=True)
class Dialect:
    """How a library's method bodies send requests, and how the catalog names what they send."""

    request: Callable[[tuple[str, ...], ast.Call], Request | None]  # (attributes after self, call)
    name: Callable[[str | None, str], str | None]  # (HTTP method, literal endpoint text) -> endpoint


@dataclass(frozen=True)
class Source:
    """One class read from a library: its dotted path, its own methods, its bases' dotted paths."""

    path: str
    methods: Methods
    bases: tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    """One ccxt generated method: `private_post_x = privatePostX = Entry('X', ['private'], 'POST', ...)`."""

    names: tuple[str, ...]
    path: str
    group: str
    verb: str


def parse(path: Path) -> ast.Module | None:
    """A source file's tree, or None when the file is absent (an older or a trimmed release)."""
    try:
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None


def literal(node: ast.AST | None) -> object:
    """A literal's value, with None for each part that is not one (a call, a name): describe()
    mixes literals with self.parse_number(...), and only the literals are needed."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Dict):
        return {k.value: literal(v) for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant)}
    if isinstance(node, (ast.List, ast.Tuple)):
        return [literal(e) for e in node.elts]
    return None


def template(node: ast.AST | None) -> str | None:
    """A string literal, or an f-string as a path template ({name} for each placeholder)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = [p.value if isinstance(p, ast.Constant) else "{" + ast.unparse(p.value) + "}"
                 for p in node.values if isinstance(p, (ast.Constant, ast.FormattedValue))]
        return "".join(str(p) for p in parts)
    return None


def chain(node: ast.AST) -> tuple[str, ...]:
    """A dotted name's parts: self.api.query_public -> ('self', 'api', 'query_public')."""
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    return (node.id, *reversed(names)) if isinstance(node, ast.Name) else ()


def decide(test: ast.expr, bound: dict[str, object]) -> bool | None:
    """Whether `if param == 'literal'` (or !=) is taken, when the caller passed that parameter a literal."""
    if (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id in bound
            and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.NotEq))
            and isinstance(test.comparators[0], ast.Constant)):
        equal = bound[test.left.id] == test.comparators[0].value
        return equal if isinstance(test.ops[0], ast.Eq) else not equal
    return None


def calls(node: ast.AST, bound: dict[str, object]) -> Iterator[ast.Call]:
    """The calls under a node, without the branches the literal arguments rule out: ccxt's
    transfer_out calls transfer(..., 'spot'), which then takes its withdrawal branch only."""
    if isinstance(node, ast.If) and (taken := decide(node.test, bound)) is not None:
        for child in node.body if taken else node.orelse:
            yield from calls(child, bound)
        return
    if isinstance(node, ast.Call):
        yield node
    for child in ast.iter_child_nodes(node):
        yield from calls(child, bound)


def self_calls(func: Function, bound: dict[str, object] | None = None) -> Iterator[tuple[tuple[str, ...], ast.Call]]:
    """The calls on self in a method body, with the attributes after self."""
    for node in calls(func, bound or {}):
        parts = chain(node.func)
        if len(parts) > 1 and parts[0] == "self":
            yield parts[1:], node


def argument(call: ast.Call, position: int | None, keyword: str) -> ast.expr | None:
    """The argument a call passes at a position (self not counted) or by keyword."""
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    if position is not None and position < len(call.args) and not isinstance(call.args[position], ast.Starred):
        return call.args[position]
    return None


def parameters(func: Function) -> list[str]:
    """A method's positional parameters after self."""
    return [a.arg for a in (*func.args.posonlyargs, *func.args.args)][1:]


def named(request: Request, dialect: Dialect) -> set[str]:
    """The endpoint a request call sends, when the call spells it."""
    if request.endpoint is not None:
        return {request.endpoint}
    text = template(request.target)
    name = dialect.name(request.verb, text) if text is not None else None
    return {name} if name else set()


def passed_on(callee: Function, call: ast.Call, dialect: Dialect) -> set[str]:
    """What a helper sends for one call, when the helper sends the endpoint one of its parameters
    names (python-kraken-sdk's _get_historical_events(endpoint=...))."""
    params = parameters(callee)
    kwonly = [a.arg for a in callee.args.kwonlyargs]
    found: set[str] = set()
    for parts, inner in self_calls(callee):
        request = dialect.request(parts, inner)
        target = request.target if request is not None else None
        if request is not None and isinstance(target, ast.Name) and target.id in (*params, *kwonly):
            position = params.index(target.id) if target.id in params else None
            passed = argument(call, position, target.id)
            found |= named(Request(verb=request.verb, target=passed), dialect) if passed is not None else set()
    return found


def literal_arguments(func: Function, call: ast.Call) -> dict[str, object]:
    """The parameters of a method that a call passes literals to."""
    passed = {p: argument(call, i, p) for i, p in enumerate(parameters(func))}
    return {p: a.value for p, a in passed.items() if isinstance(a, ast.Constant)}


def reach(methods: Methods, name: str, dialect: Dialect, stack: tuple[str, ...] = (),
          bound: dict[str, object] | None = None) -> frozenset[str]:
    """Every endpoint a method may send: its own request calls, and those of the methods of its
    class that it calls (a wrapper such as transfer_out -> transfer). Where a branch depends on
    what the caller chose at run time, both count."""
    found: set[str] = set()
    for parts, call in self_calls(methods[name], bound):
        request = dialect.request(parts, call)
        callee = methods.get(parts[0]) if len(parts) == 1 and parts[0] not in (*stack, name) else None
        if request is not None:
            found |= named(request, dialect)
        elif callee is not None:
            found |= reach(methods, parts[0], dialect, (*stack, name), literal_arguments(callee, call))
            found |= passed_on(callee, call, dialect)
    return frozenset(found)


def module_name(package: Path, file: Path) -> str:
    """A file's dotted module name: <package>/spot/trade.py -> kraken.spot.trade."""
    parts = (package.name, *file.relative_to(package).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(tree: ast.Module, module: str, is_package: bool) -> dict[str, str]:
    """Names a module imports from other modules, as dotted paths (to resolve base classes)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            anchor = module.split(".") if is_package else module.split(".")[:-1]
            base = ".".join([*anchor[:len(anchor) - node.level + 1], node.module or ""]) if node.level else node.module
            names.update({a.asname or a.name: f"{base.rstrip('.')}.{a.name}" for a in node.names if base})
    return names


def read_classes(package: Path, files: Iterable[Path]) -> dict[str, Source]:
    """The top-level classes of some files of a package, by dotted path."""
    classes: dict[str, Source] = {}
    for file in files:
        tree = parse(file)
        if tree is None:
            continue
        module = module_name(package, file)
        imports = imported_names(tree, module, file.name == "__init__.py")
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                methods = {f.name: f for f in node.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}
                bases = tuple(imports.get(n, f"{module}.{n}") for n in (".".join(chain(b)) for b in node.bases) if n)
                classes[f"{module}.{node.name}"] = Source(f"{module}.{node.name}", methods, bases)
    return classes


def resolve(path: str, classes: dict[str, Source]) -> Source | None:
    """A class by dotted path, or by a re-exported path (kraken.spot.Market) when its name is unique."""
    if path in classes:
        return classes[path]
    same = [c for p, c in classes.items() if p.rsplit(".", 1)[-1] == path.rsplit(".", 1)[-1]]
    return same[0] if len(same) == 1 and path.split(".")[0] == same[0].path.split(".")[0] else None


def methods_of(source: Source, classes: dict[str, Source], seen: tuple[str, ...] = ()) -> Methods:
    """A class's methods with those it inherits from the classes read (its own win)."""
    merged: Methods = {}
    for base in reversed(source.bases):
        parent = resolve(base, classes)
        if parent is not None and parent.path not in (*seen, source.path):
            merged.update(methods_of(parent, classes, (*seen, source.path)))
    merged.update(source.methods)
    return merged


def sent_by(classes: dict[str, Source], dialect: Dialect) -> list[Sent]:
    """What each public method of each class sends, inherited methods included."""
    found = []
    for path, source in classes.items():
        methods = methods_of(source, classes)
        for name in sorted(methods):
            endpoints = reach(methods, name, dialect) if not name.startswith("_") else frozenset()
            if endpoints:
                found.append(Sent(path, name, endpoints))
    return found


# --- ccxt ----------------------------------------------------------------------------------------


def entries(tree: ast.Module) -> list[Entry]:
    """The generated methods an abstract/<exchange>.py declares."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func.value if isinstance(node.value.func, ast.Subscript) else node.value.func
            path, groups, verb = ([*(literal(a) for a in node.value.args), None, None, None])[:3]
            if (chain(func) == ("Entry",) and isinstance(path, str) and isinstance(groups, list) and groups
                    and isinstance(groups[0], str) and isinstance(verb, str)):
                names = tuple(t.id for t in node.targets if isinstance(t, ast.Name))
                found.append(Entry(names, path, groups[0], verb.upper()))
    return found


def describe(source: Source | None) -> dict[str, object]:
    """The dict an exchange's describe() adds to the base one (urls, version, options)."""
    func = source.methods.get("describe") if source is not None else None
    for node in ast.walk(func) if func is not None else ():
        if isinstance(node, ast.Call) and chain(node.func)[-1:] == ("deep_extend",) and node.args:
            value = literal(node.args[-1])
            return value if isinstance(value, dict) else {}
    return {}


def dig(data: object, *keys: str) -> object:
    """data[k1][k2]... or None where a level is missing."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def ccxt_endpoint(entry: Entry, spec: dict[str, object], style: str, spot_hosts: tuple[str, ...]) -> str:
    """What a generated method sends, as the catalog names it. Spot: the Entry's path is the endpoint
    name. Futures (krakenfutures.sign): urls.api[group] + version + '/' + path, the version from
    options.versions[group][METHOD][path], else describe()'s version."""
    url = dig(spec, "urls", "api", entry.group)
    url = url if isinstance(url, str) else None
    if style == "name" and (url is None or urlparse(url).hostname in spot_hosts):
        return entry.path
    if style == "name":
        return f"{entry.verb} {url.rstrip('/')}/{entry.path}" if url else entry.path
    version = dig(spec, "options", "versions", entry.group, entry.verb, entry.path) or dig(spec, "version") or ""
    base = urlparse(url).path if url else f"<{entry.group}>/"
    return f"{entry.verb} {base.rstrip('/')}/{version}/{entry.path}"


def camel_exceptions(package: Path) -> dict[str, str]:
    """The words ccxt does not simply capitalise in camelCase names, read from base/exchange.py."""
    tree = parse(package / "base" / "exchange.py")
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Assign) and chain(node.targets[0]) == ("exceptions",):
            value = literal(node.value)
            if isinstance(value, dict) and "ohlcv" in value:
                return {str(k): str(v) for k, v in value.items()}
    return CCXT_CAMEL_EXCEPTIONS


def camel(name: str, exceptions: dict[str, str]) -> str | None:
    """The camelCase twin ccxt makes of a snake_case method (fetch_ohlcv -> fetchOHLCV), if any."""
    if name.startswith("_") or name.endswith("_") or "_" not in name:
        return None
    first, *rest = name.split("_")
    return first + "".join(exceptions.get(p, p[:1].upper() + p[1:]) for p in rest)


def ccxt_request(generated: dict[str, str], parts: tuple[str, ...], call: ast.Call) -> Request | None:
    """A call of a generated method (self.privatePostAddOrder(...), self.private_post_addorder(...))."""
    return Request(endpoint=generated[parts[0]]) if len(parts) == 1 and parts[0] in generated else None


def extract_ccxt(package: Path, catalog: Catalog) -> list[Sent]:
    """ccxt: the generated methods of abstract/<id>.py, and the methods of <id>.py that call them
    (directly or through other methods of the class), each with its camelCase twin."""
    found: list[Sent] = []
    exceptions = camel_exceptions(package)
    for exchange, style in CCXT_EXCHANGES.items():
        owner = f"{package.name}.{exchange}.{exchange}"
        abstract = parse(package / "abstract" / f"{exchange}.py")
        if abstract is None:
            continue
        source = read_classes(package, [package / f"{exchange}.py"]).get(owner)
        spec = describe(source)
        generated = {n: ccxt_endpoint(e, spec, style, catalog.rest_hosts) for e in entries(abstract) for n in e.names}
        found += [Sent(owner, name, frozenset({endpoint})) for name, endpoint in generated.items()]
        dialect = Dialect(partial(ccxt_request, generated), lambda verb, text: None)
        methods = source.methods if source is not None else {}
        for name in sorted(methods):
            endpoints = reach(methods, name, dialect) if not name.startswith("_") else frozenset()
            twins = [name, camel(name, exceptions)] if endpoints else []
            found += [Sent(owner, n, endpoints) for n in dict.fromkeys(twins) if n]
    return found


# --- python-kraken-sdk, pykrakenapi, krakenex ---------------------------------------------------


def sdk_request(parts: tuple[str, ...], call: ast.Call) -> Request | None:
    """self.request(method, uri, ...) (3.x) or self._request (2.x)."""
    if parts not in (("request",), ("_request",)):
        return None
    verb, target = argument(call, 0, "method"), argument(call, 1, "uri")
    return Request(verb=template(verb), target=target) if target is not None else None


def sdk_name(prefixes: tuple[str, ...], verb: str | None, text: str) -> str | None:
    """A spot path (rules.yaml's rest.paths) gives the endpoint name; any other path is METHOD /path."""
    for prefix in prefixes:
        if text.startswith(prefix):
            return text[len(prefix):]
    return f"{verb} {text}" if verb else None


def extract_sdk(package: Path, catalog: Catalog) -> list[Sent]:
    """python-kraken-sdk: every public method of the spot and futures classes that calls self.request
    with a literal uri (or a helper that does), inherited methods included."""
    prefixes = tuple(path.split("{name}")[0] for _, path in catalog.rest_paths)
    files = sorted(f for folder in ("spot", "futures") for f in (package / folder).rglob("*.py"))
    return sent_by(read_classes(package, files), Dialect(sdk_request, partial(sdk_name, prefixes)))


def query_request(depth: int, parts: tuple[str, ...], call: ast.Call) -> Request | None:
    """krakenex's query_public/query_private('Name', ...), reached through `depth` attributes."""
    if len(parts) != depth or parts[-1] not in ("query_public", "query_private"):
        return None
    target = argument(call, 0, "method")
    return Request(target=target) if target is not None else None


def extract_pykrakenapi(package: Path, catalog: Catalog) -> list[Sent]:
    """pykrakenapi: the KrakenAPI methods that call self.api.query_public/query_private('Name')."""
    classes = read_classes(package, sorted(package.glob("*.py")))
    return sent_by(classes, Dialect(partial(query_request, 2), lambda verb, text: text))


def dynamic(kind: str, access: str | None) -> str:
    """The marker for a method that sends whatever endpoint its caller names."""
    return f"<{kind} from an argument{', ' + access if access else ''}>"


def generic_access(func: Function, catalog: Catalog) -> str | None:
    """Which side a generic krakenex method sends to: the /public/ or /private/ part of the path
    it builds (the parts come from rules.yaml's rest.paths)."""
    texts = [n.value for n in ast.walk(func) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    sides = [access for access, path in catalog.rest_paths if any(f"/{path.split('/')[-2]}/" in t for t in texts)]
    return sides[0] if len(sides) == 1 else None


def extract_krakenex(package: Path, catalog: Catalog) -> list[Sent]:
    """krakenex: API has only the generic query_public/query_private, which send the endpoint their
    caller names; a typed method (one calling them with a literal name) would be reported too."""
    classes = read_classes(package, sorted(package.glob("*.py")))
    found = sent_by(classes, Dialect(partial(query_request, 1), lambda verb, text: text))
    for path, source in classes.items():
        for name, func in sorted(source.methods.items()):
            access = generic_access(func, catalog)
            if not name.startswith("_") and access and any(p == ("_query",) for p, _ in self_calls(func)):
                found.append(Sent(path, name, frozenset({dynamic("name", access)})))
    return found


# --- the comparison ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Library:
    """A checked library: its distribution, its top-level package, and how its sources are read."""

    dist: str
    package: str
    extract: Callable[[Path, Catalog], list[Sent]]


LIBRARIES = {
    "ccxt": Library("ccxt", "ccxt", extract_ccxt),
    "python-kraken-sdk": Library("python-kraken-sdk", "kraken", extract_sdk),
    "pykrakenapi": Library("pykrakenapi", "pykrakenapi", extract_pykrakenapi),
    "krakenex": Library("krakenex", "krakenex", extract_krakenex),
}


@dataclass(frozen=True)
class Finding:
    """A library method whose catalog entry is missing (catalog is None) or differs."""

    owner: str
    client: str | None  # the catalog class id, None when no catalog class is this one
    method: str
    sent: frozenset[str]
    catalog: frozenset[str] | None
    unknown: tuple[str, ...] = ()  # what it sends that is no catalog endpoint at all
    reason: str | None = None  # why it is accepted (ACCEPTED)

    def __str__(self) -> str:
        where = f"{self.client}.{self.method}" if self.client else f"{self.owner}.{self.method} (no catalog class)"
        text = f"{where}: sends {', '.join(sorted(self.sent))}"
        text += "" if self.catalog is None else f"; catalog: {', '.join(sorted(self.catalog)) or 'nothing'}"
        if self.reason:
            return f"{text}\n      accepted: {self.reason}"
        return text + (f" [not a catalog endpoint: {', '.join(self.unknown)}]" if self.unknown else "")


@dataclass(frozen=True)
class Report:
    """One library checked against the catalog."""

    library: str
    version: str
    location: str
    sent: tuple[Sent, ...]
    missing: tuple[Finding, ...]
    different: tuple[Finding, ...]
    accepted: tuple[Finding, ...]
    catalog_only: tuple[str, ...]  # catalog methods of the classes checked that the source does not show
    unused: tuple[str, ...] = ()  # ACCEPTED rows that matched nothing

    @property
    def ok(self) -> bool:
        return not self.missing and not self.different

    @property
    def problems(self) -> tuple[Finding, ...]:
        return (*self.missing, *self.different)


def normal(endpoint: str) -> str:
    """An endpoint as compared: path templates by position, whatever their parameters are called."""
    verb, space, path = endpoint.partition(" ")
    if not space or not path.startswith("/"):
        return endpoint
    segments = ["{}" if s.startswith("{") else s for s in path.strip("/").split("/")]
    return f"{verb} /{'/'.join(segments)}"


def catalog_sends(client: ClientClass | None, method: str, catalog: Catalog) -> frozenset[str] | None:
    """What the catalog says a method sends (every endpoint it may call), None if it does not know
    the method. ccxt.kraken's generated names are matched by the class's `implicit` pattern."""
    entry = client.method(method) if client is not None else None
    if entry is not None and entry.dynamic:
        return frozenset({dynamic(entry.dynamic, entry.access)})
    if entry is not None:
        return frozenset((*entry.endpoints, *entry.one_of))
    match = client.implicit_match(method) if client is not None else None
    endpoint = catalog.endpoint_folded(match["name"]) if match else None
    return frozenset({endpoint.name}) if endpoint is not None and match and endpoint.access == match["access"] else None


def accepted(library: str, finding: Finding) -> str | None:
    """Why a finding is the catalog's choice, from ACCEPTED, or None."""
    for name, owner, method, reason in ACCEPTED:
        if name == library and fnmatch.fnmatchcase(finding.method, method) and any(
                fnmatch.fnmatchcase(o, owner) for o in (finding.owner, finding.client or "")):
            return reason
    return None


def compare(library: str, sent: list[Sent], catalog: Catalog) -> tuple[list[Finding], list[str]]:
    """Every library method the catalog does not know or maps elsewhere; the catalog methods of the
    classes seen that the source does not show (not compared: base-class wrappers, escape hatches)."""
    known = {normal(e.name) for e in catalog.endpoints}
    findings, seen = [], {}
    for item in sent:
        client = catalog.client_class(item.owner)
        seen.setdefault(client, set()).add(item.method)
        says = catalog_sends(client, item.method, catalog)
        if says is None or {normal(e) for e in says} != {normal(e) for e in item.endpoints}:
            unknown = tuple(sorted(e for e in item.endpoints if not e.startswith("<") and normal(e) not in known))
            finding = Finding(item.owner, client.id if client else None, item.method, item.endpoints, says, unknown)
            findings.append(replace(finding, reason=accepted(library, finding)))
    only = [f"{c.id}.{m.name}" for c, names in seen.items() if c is not None for m in c.methods if m.name not in names]
    return findings, only


def locate(library: Library) -> tuple[Path, str] | None:
    """An installed library's package directory and version, found without importing it: the
    distribution's file list, else find_spec on the top-level name (which runs nothing)."""
    try:
        dist = importlib.metadata.distribution(library.dist)
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in dist.files or ():
        if file.parts == (library.package, "__init__.py"):
            return Path(str(dist.locate_file(file))).parent, dist.version
    spec = importlib.util.find_spec(library.package)
    locations = list(spec.submodule_search_locations or ()) if spec is not None else []
    return (Path(locations[0]), dist.version) if locations else None


def check(name: str, package: Path | None = None, catalog: Catalog | None = None) -> Report | None:
    """Check one library (by its LIBRARIES name) against the catalog: the installed one, or the
    package directory given (a test's fake tree). None when the library is not installed."""
    library = LIBRARIES[name]
    found = (package, "(directory given)") if package is not None else locate(library)
    if found is None:
        return None
    catalog = catalog if catalog is not None else load_catalog()
    sent = library.extract(found[0], catalog)
    findings, only = compare(name, sent, catalog)
    rows = [f"{o} {m}" for n, o, m, _ in ACCEPTED if n == name]
    used = {f"{o} {m}" for n, o, m, r in ACCEPTED for f in findings if n == name and f.reason == r}
    return Report(
        library=name, version=found[1], location=str(found[0]), sent=tuple(sent),
        missing=tuple(f for f in findings if f.catalog is None and not f.reason),
        different=tuple(f for f in findings if f.catalog is not None and not f.reason),
        accepted=tuple(f for f in findings if f.reason), catalog_only=tuple(only),
        unused=tuple(r for r in rows if r not in used),
    )


# --- the report ----------------------------------------------------------------------------------


def pinned() -> dict[str, str]:
    """The versions pyproject.toml's [catalog] extra pins, to show beside the installed ones."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        return {}
    try:
        data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    pins = dig(data, "project", "optional-dependencies", "catalog")
    return dict(p.split("==", 1) for p in pins if "==" in str(p)) if isinstance(pins, list) else {}


def summary(report: Report, pins: dict[str, str]) -> list[str]:
    """A library's heading and counts."""
    pin = pins.get(LIBRARIES[report.library].dist)
    note = "" if pin is None else f" (pinned {pin})" if pin == report.version else f" (PINNED {pin}: not the same)"
    counts = {
        "agree with the catalog": len(report.sent) - len(report.problems) - len(report.accepted),
        "missing": len(report.missing),
        "different": len(report.different),
        "accepted": len(report.accepted),
        "catalog methods not in the source (not compared)": len(report.catalog_only),
    }
    return [f"{report.library} {report.version}{note}  {report.location}",
            f"  {len(report.sent)} methods in {len({s.owner for s in report.sent})} classes send a Kraken request",
            "  " + "; ".join(f"{label}: {count}" for label, count in counts.items())]


def render(report: Report, pins: dict[str, str], listing: bool) -> list[str]:
    """A library's part of the report: counts, problems, accepted differences, and with --list
    what every method sends."""
    lines = summary(report, pins)
    sections = {"missing from the catalog": report.missing, "different from the catalog": report.different,
                "accepted (ACCEPTED)": report.accepted}
    for title, findings in sections.items():
        lines += [f"  {title}:", *(f"    {f}" for f in findings)] if findings else []
    lines += [f"  unused ACCEPTED row: {row}" for row in report.unused]
    if listing:
        lines.append("  what each method sends:")
        lines += [f"    {s.owner}.{s.method} -> {', '.join(sorted(s.endpoints))}"
                  for s in sorted(report.sent, key=lambda s: (s.owner, s.method))]
        lines += [f"  catalog only: {', '.join(report.catalog_only)}"] if report.catalog_only else []
    return lines


def main(argv: list[str] | None = None) -> int:
    """Check the libraries asked for (all by default) and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--library", action="append", choices=sorted(LIBRARIES), help="only this one (repeatable)")
    parser.add_argument("--list", action="store_true", help="also print what every method sends")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    catalog, pins = load_catalog(), pinned()
    reports, lines = [], []
    for name in args.library or list(LIBRARIES):
        report = check(name, catalog=catalog)
        lines += render(report, pins, args.list) if report else [f"{name}: not installed, not checked"]
        reports += [report] if report else []
    problems = sum(len(r.problems) for r in reports)
    lines.append(f"{len(reports)} of {len(args.library or LIBRARIES)} libraries checked in "
                 f"{time.perf_counter() - start:.2f} s: {problems or 'no'} problem{'' if problems == 1 else 's'}")
    print("\n".join(lines))
    return 2 if not reports else 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
