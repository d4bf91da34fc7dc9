"""Load and validate rules.yaml into frozen dataclasses.

The catalog is the only place Kraken knowledge lives. A broken file must give
one clear line naming the file, the line and the key, never a traceback, so
every check below raises CatalogError with that location.
"""
from __future__ import annotations

import contextlib
import difflib
import os
import re
import string
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator

from flake8_kraken.redact import RedactedError, redact

ACCESS_KINDS = ("public", "private")
MAX_RULES_BYTES = 2_000_000


class CatalogError(RedactedError):
    """A rules file that cannot be used; str() is the one line to show."""


@dataclass(frozen=True)
class Requirement:
    """All of `all_of`, plus one of `any_of` when it is not empty."""

    all_of: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()

    def satisfied_by(self, granted: frozenset[str] | set[str]) -> bool:
        return all(p in granted for p in self.all_of) and (
            not self.any_of or any(p in granted for p in self.any_of)
        )

    @property
    def mentions(self) -> frozenset[str]:
        return frozenset(self.all_of) | frozenset(self.any_of)


@dataclass(frozen=True)
class Permission:
    id: str
    title: str
    label: str
    machine: str | None
    risk: int
    order: int


@dataclass(frozen=True)
class Preset:
    id: str
    title: str
    permissions: tuple[str, ...]


@dataclass(frozen=True)
class Endpoint:
    name: str
    access: str
    path: str
    method: str | None
    requirement: Requirement
    moves_funds: bool = False
    guide: Requirement | None = None
    legacy: bool = False
    inferred: bool = False
    note: str | None = None
    kind: str = "rest"  # or "websocket": a channel or request, named ws/<version>/<name>


@dataclass(frozen=True)
class WsUrl:
    """A Kraken WebSocket address: which side it serves and which protocol version."""

    url: str
    access: str
    version: str
    beta: bool = False
    legacy: bool = False


@dataclass(frozen=True)
class WsProtocol:
    """One WebSocket protocol version: where a message says what it is."""

    version: str
    request: tuple[str, ...]  # key path of the request name ("method" / "event")
    subscribe: tuple[str, ...]  # request names that (un)subscribe to a channel
    channel: tuple[str, ...]  # key path of the channel name in a subscription
    token: tuple[str, ...]  # key path of the token in a subscription
    request_token: tuple[str, ...]  # key path of the token in any other request
    channels: tuple[str, ...]
    methods: tuple[str, ...]

    def endpoint(self, name: str) -> str:
        return f"ws/{self.version}/{name}"


@dataclass(frozen=True)
class WebSocket:
    """Kraken's spot WebSocket facts: addresses, protocols, what must never be sent."""

    urls: tuple[WsUrl, ...] = ()
    protocols: tuple[WsProtocol, ...] = ()
    forbidden_keys: tuple[str, ...] = ()
    send_methods: tuple[str, ...] = ()
    dumps: tuple[str, ...] = ()

    def named_in(self, source: str) -> bool:
        """Whether a text names one of the Kraken WebSocket addresses (their host, in any case)."""
        lowered = source.lower()
        return any(u.url.split("://", 1)[-1].split("/", 1)[0] in lowered for u in self.urls)

    def url(self, text: str) -> WsUrl | None:
        """The Kraken WebSocket address `text` opens, by longest prefix."""
        lowered = text.lower()
        fits = [u for u in self.urls if lowered.startswith(u.url) and lowered[len(u.url):][:1] in ("", "/", "?")]
        return max(fits, key=lambda u: len(u.url)) if fits else None


@dataclass(frozen=True)
class Code:
    code: str
    summary: str
    message: str
    fields: tuple[str, ...]
    help: str
    texts: tuple[tuple[str, str], ...] = ()

    def text(self, key: str) -> str:
        return dict(self.texts)[key]

    def render(self, **fields: str) -> str:
        return redact(f"{self.code} {self.message.format(**fields)}")


@dataclass(frozen=True)
class ClientMethod:
    """How one method of a client class reaches Kraken."""

    name: str
    endpoints: tuple[str, ...] = ()  # called every time, each of them
    one_of: tuple[str, ...] = ()  # exactly one of them, chosen at run time
    dynamic: str | None = None  # "name": an argument is the endpoint name; "path": it is a URL path
    access: str | None = None  # for "name": which side the method calls
    arg: int = 0  # position of that argument (self not counted)
    keyword: str | None = None  # its keyword name
    access_arg: int | None = None  # an argument that says public or private (ccxt's request)
    access_keyword: str | None = None
    ws: str | None = None  # a WebSocket protocol version: the argument is (part of) a message in it
    ws_at: tuple[str, ...] | None = None  # where the argument sits in the message (default: a subscription's params)
    ws_access: str | None = None  # the address the client always sends this on: public or private


@dataclass(frozen=True, repr=False, eq=False)  # one object per class: equal and hashed by identity
class ClientClass:
    """A client library class: where it is imported from and what its methods call."""

    id: str
    library: str
    paths: tuple[str, ...]
    methods: tuple[ClientMethod, ...]
    implicit: str | None = None  # regex for generated methods (ccxt's privatePostAddOrder)
    attributes: tuple[tuple[str, str], ...] = ()  # attribute -> id of the client class it holds
    credentials: tuple[str, ...] = ()  # constructor parameters that take the key and secret, in order
    injects_token: bool = False  # a WebSocket client that adds the token to private messages itself
    # Methods that name this class even on an object of unknown type, when they name a catalog endpoint.
    evidence: tuple[str, ...] = ()
    # Its method names are shared by its library's other classes (ccxt's exchanges): on an object of
    # unknown type they count only where the module makes this class and no other class of the library.
    shared: bool = False

    def __repr__(self) -> str:
        return f"ClientClass({self.id!r})"

    def __post_init__(self) -> None:
        object.__setattr__(self, "_methods", {m.name: m for m in self.methods})
        object.__setattr__(self, "_implicit", re.compile(self.implicit, re.I) if self.implicit else None)

    def method(self, name: str) -> ClientMethod | None:
        return self._methods.get(name)  # type: ignore[attr-defined,no-any-return]

    def attribute(self, name: str) -> str | None:
        return dict(self.attributes).get(name)

    def implicit_match(self, name: str) -> re.Match[str] | None:
        pattern = self._implicit  # type: ignore[attr-defined]
        return pattern.match(name) if pattern is not None else None


@dataclass(frozen=True)
class SecretShape:
    """What one kind of Kraken credential looks like: base64 of a given length."""

    kind: str
    code: str
    length: int
    decoded: tuple[int, ...]  # decoded sizes in bytes
    token_only: bool = False  # reported only under a token name


@dataclass(frozen=True)
class Secrets:
    """How credentials are recognised: shapes, context names and markers, look-alikes."""

    shapes: tuple[SecretShape, ...] = ()
    names: str = "(?!)"
    token_names: str = "(?!)"
    module_markers: tuple[str, ...] = ()
    lookalike_markers: tuple[str, ...] = ()
    env_defaults: tuple[str, ...] = ()
    placeholders: tuple[str, ...] = ()
    min_entropy: float = 0.0
    known_examples: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Catalog:
    source: str
    permissions: tuple[Permission, ...]
    presets: tuple[Preset, ...]
    endpoints: tuple[Endpoint, ...]
    rest_hosts: tuple[str, ...]
    rest_paths: tuple[tuple[str, str], ...]
    prefilter_words: tuple[str, ...]
    codes: tuple[Code, ...]
    clients: tuple[ClientClass, ...] = ()
    secrets: Secrets = Secrets()
    websocket: WebSocket = WebSocket()
    ws_endpoints: tuple[Endpoint, ...] = ()
    client_modules: tuple[str, ...] = ()

    @cached_property
    def screen_words(self) -> tuple[str, ...]:
        """What a file must mention to be parsed (one is enough): the screen words, every client
        module, and the methods that name a client on their own (evidence)."""
        evidence = [name for client in self.clients for name in client.evidence]
        return tuple(dict.fromkeys(w.lower() for w in (*self.prefilter_words, *self.client_modules, *evidence)))

    @cached_property
    def screen_pairs(self) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
        """Words that make a file worth parsing together only: a private WebSocket channel or request
        and a token field (a message with a token in Kraken's shape is Kraken's wherever it is written)."""
        private = tuple(dict.fromkeys(e.name.rsplit("/", 1)[-1] for e in self.ws_endpoints if e.access == "private"))
        tokens = tuple(dict.fromkeys(p[-1] for protocol in self.websocket.protocols
                                     for p in (protocol.token, protocol.request_token) if p))
        return ((private, tokens),) if private and tokens else ()

    @cached_property
    def import_screen_words(self) -> tuple[str, ...]:
        """What a module imported by a Kraken file must mention to be read for its helpers: the screen
        words, and the WebSocket subscribe requests (a helper that wraps a subscription the caller names)."""
        subscribe = [name for protocol in self.websocket.protocols for name in protocol.subscribe]
        return tuple(dict.fromkeys((*self.screen_words, *(w.lower() for w in subscribe))))

    def __post_init__(self) -> None:
        # Lookup tables derived once; the dataclass stays frozen.
        object.__setattr__(self, "_perm", {p.id: p for p in self.permissions})
        object.__setattr__(self, "_endpoint", {e.name: e for e in (*self.endpoints, *self.ws_endpoints)})
        object.__setattr__(self, "_folded", {_fold(e.name): e for e in self.endpoints})
        object.__setattr__(self, "_code", {c.code: c for c in self.codes})
        object.__setattr__(self, "_client", {path: c for c in self.clients for path in c.paths})
        object.__setattr__(self, "_client_id", {c.id: c for c in self.clients})
        object.__setattr__(self, "_library_of", {p.rsplit(".", 1)[0]: c.library for c in self.clients for p in c.paths})

    def library_of(self, module: str) -> str | None:
        """The client library with classes right in `module` ('ccxt' for ccxt, ccxt.pro, ...)."""
        return self._library_of.get(module)  # type: ignore[attr-defined,no-any-return]

    def client_by_id(self, cid: str) -> ClientClass | None:
        return self._client_id.get(cid)  # type: ignore[attr-defined,no-any-return]

    def grant(self, name: str) -> frozenset[str] | None:
        """What a name in configuration grants: a permission id, Kraken's machine name for it, or a preset."""
        for permission in self.permissions:
            if name in (permission.id, permission.machine):
                return frozenset({permission.id})
        for preset in self.presets:
            if name == preset.id:
                return frozenset(preset.permissions)
        return None

    def grant_names(self) -> list[str]:
        """Every name `grant` accepts, for did-you-mean hints."""
        names = [p.id for p in self.permissions] + [p.machine for p in self.permissions if p.machine]
        return names + [p.id for p in self.presets]

    def client_class(self, path: str) -> ClientClass | None:
        """The client class imported as `path` ('krakenex.API'), if any."""
        return self._client.get(path)  # type: ignore[attr-defined,no-any-return]

    def endpoint_folded(self, name: str) -> Endpoint | None:
        """The endpoint whose name matches ignoring case, '_' and '/' (ccxt's generated names)."""
        return self._folded.get(_fold(name))  # type: ignore[attr-defined,no-any-return]

    def permission(self, pid: str) -> Permission:
        return self._perm[pid]  # type: ignore[attr-defined,no-any-return]

    def endpoint(self, name: str) -> Endpoint | None:
        return self._endpoint.get(name)  # type: ignore[attr-defined,no-any-return]

    def code(self, code: str) -> Code:
        return self._code[code]  # type: ignore[attr-defined,no-any-return]

    def path_template(self, access: str) -> str:
        return dict(self.rest_paths)[access]

    def suggest_endpoint(self, name: str) -> str | None:
        """The catalog endpoint a mistyped name most likely meant."""
        pool = self.ws_endpoints if name.startswith("ws/") else self.endpoints
        names = [e.name for e in pool]
        folded = {n.lower(): n for n in names}
        if name.lower() in folded:
            return folded[name.lower()]
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        return close[0] if close else None


def _fold(name: str) -> str:
    return name.replace("/", "").replace("_", "").lower()


# --- YAML with line numbers -------------------------------------------------


class _Line(int):
    """A line number that remembers its file, so an error in a user's rules names that file."""

    source: str

    def __new__(cls, value: int, source: str) -> _Line:
        line = super().__new__(cls, value)
        line.source = source
        return line


class _Map(dict):  # type: ignore[type-arg]
    """A mapping that remembers the line of itself and of each key."""

    line = 0
    key_lines: dict[Any, int]


class _Seq(list):  # type: ignore[type-arg]
    """A sequence that remembers the line of itself and of each item."""

    line = 0
    item_lines: list[int]


def _loader_class(source: str) -> type:
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class LineLoader(base):  # type: ignore[misc,valid-type]
        pass

    def construct_map(loader: Any, node: Any) -> Iterator[_Map]:
        data = _Map()
        data.line = _Line(node.start_mark.line + 1, source)
        data.key_lines = {}
        yield data
        loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            try:
                seen = key in data.key_lines
            except TypeError:
                raise CatalogError(
                    f"{key_node.start_mark.line + 1}: a mapping key must be a plain value"
                ) from None
            if seen:
                raise CatalogError(f"{key_node.start_mark.line + 1}: duplicate key {key!r}")
            data.key_lines[key] = _Line(key_node.start_mark.line + 1, source)
            data[key] = loader.construct_object(value_node, deep=True)

    def construct_seq(loader: Any, node: Any) -> Iterator[_Seq]:
        data = _Seq()
        data.line = _Line(node.start_mark.line + 1, source)
        data.item_lines = [_Line(child.start_mark.line + 1, source) for child in node.value]
        yield data
        data.extend(loader.construct_object(child, deep=True) for child in node.value)

    LineLoader.add_constructor("tag:yaml.org,2002:map", construct_map)
    LineLoader.add_constructor("tag:yaml.org,2002:seq", construct_seq)
    return LineLoader


def read_yaml(path: Path) -> Any:
    """Parse a YAML file safely (no Python tags), keeping line numbers."""
    import yaml

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_RULES_BYTES:
        raise CatalogError(f"{path}: larger than {MAX_RULES_BYTES} bytes, not a rules file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    try:
        return yaml.load(text, Loader=_loader_class(str(path)))  # noqa: S506 - a SafeLoader subclass
    except CatalogError as exc:
        raise CatalogError(f"{path}:{exc}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f":{mark.line + 1}" if mark else ""
        raise CatalogError(f"{path}{where}: not valid YAML: {exc.problem or exc.context}") from None
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from None


# --- validation ---------------------------------------------------------------


class _Ctx:
    """Where we are in the file, for error messages."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, line: int, key: str, message: str) -> CatalogError:
        return CatalogError(f"{getattr(line, 'source', self.path)}:{line}: {key}: {message}")


def _line_of(container: Any, key: Any, default: int) -> int:
    if isinstance(container, _Map):
        return container.key_lines.get(key, container.line) or default
    if isinstance(container, _Seq) and isinstance(key, int) and key < len(container.item_lines):
        return container.item_lines[key]
    return default


def _get(
    ctx: _Ctx, mapping: Any, key: str, kind: type, where: str, *, required: bool = True,
    default: Any = None,
) -> Any:
    """mapping[key], checked to be of `kind`."""
    line = getattr(mapping, "line", 1)
    if key not in mapping:
        if required:
            raise ctx.fail(line, where, f"missing key '{key}'")
        return default
    value = mapping[key]
    ok = isinstance(value, kind) and not (kind in (int, (int, float)) and isinstance(value, bool))
    if not ok:
        expected = "a number" if isinstance(kind, tuple) else {
            _Map: "a mapping", _Seq: "a list", str: "a string", int: "a whole number", bool: "true or false",
        }.get(kind, kind.__name__)
        raise ctx.fail(_line_of(mapping, key, line), f"{where}.{key}",
                       f"expected {expected}, got {_describe(value)}")
    return value


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"'{str(value)[:40]}'"


def _check_keys(ctx: _Ctx, mapping: _Map, allowed: tuple[str, ...], where: str) -> None:
    for key in mapping:
        if key not in allowed:
            hint = difflib.get_close_matches(str(key), allowed, n=1)
            suffix = f" (did you mean '{hint[0]}'?)" if hint else ""
            raise ctx.fail(_line_of(mapping, key, mapping.line), where, f"unknown key '{key}'{suffix}")


def _string_list(ctx: _Ctx, mapping: _Map, key: str, where: str) -> tuple[str, ...]:
    items = _get(ctx, mapping, key, _Seq, where, required=False, default=_Seq())
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item:
            raise ctx.fail(_line_of(items, i, items.line), f"{where}.{key}[{i}]",
                           f"expected a non-empty string, got {_describe(item)}")
    return tuple(items)


def _permission_refs(
    ctx: _Ctx, mapping: _Map, key: str, where: str, known: dict[str, Permission]
) -> tuple[str, ...]:
    ids = _string_list(ctx, mapping, key, where)
    for i, pid in enumerate(ids):
        if pid not in known:
            raise ctx.fail(_line_of(mapping[key], i, mapping.line), f"{where}.{key}",
                           f"unknown permission '{pid}'{_did_you_mean(pid, known)}")
    if len(set(ids)) != len(ids):
        raise ctx.fail(_line_of(mapping, key, mapping.line), f"{where}.{key}", "a permission is listed twice")
    order = {pid: p.order for pid, p in known.items()}
    return tuple(sorted(ids, key=order.__getitem__))


def _did_you_mean(value: str, choices: Any) -> str:
    hint = difflib.get_close_matches(value, list(choices), n=1)
    return f" (did you mean '{hint[0]}'?)" if hint else ""


def _items(ctx: _Ctx, parent: _Map, key: str, at: str = "") -> Iterator[tuple[int, _Map, str]]:
    """The mappings listed under parent[key] (at: where the parent is, for messages)."""
    seq = _get(ctx, parent, key, _Seq, at or "rules")
    for i, item in enumerate(seq):
        where = f"{at}.{key}[{i}]" if at else f"{key}[{i}]"
        if not isinstance(item, _Map):
            raise ctx.fail(_line_of(seq, i, seq.line), where, f"expected a mapping, got {_describe(item)}")
        yield i, item, where


_ID = re.compile(r"^[a-z][a-z0-9-]*$")
_ENDPOINT = re.compile(r"^[A-Za-z][A-Za-z0-9]*(/[A-Za-z][A-Za-z0-9]*)?$")


def _permissions(ctx: _Ctx, root: _Map) -> tuple[Permission, ...]:
    out: dict[str, Permission] = {}
    for i, item, where in _items(ctx, root, "permissions"):
        _check_keys(ctx, item, ("id", "title", "label", "machine", "risk"), where)
        pid = _get(ctx, item, "id", str, where)
        if not _ID.match(pid):
            raise ctx.fail(item.line, f"{where}.id", f"'{pid}' is not a lower-case-dashed id")
        if pid in out:
            raise ctx.fail(item.line, f"{where}.id", f"duplicate permission '{pid}'")
        risk = _get(ctx, item, "risk", int, where)
        if not 1 <= risk <= 9:
            raise ctx.fail(_line_of(item, "risk", item.line), f"{where}.risk", "expected a number from 1 to 9")
        out[pid] = Permission(
            id=pid,
            title=_get(ctx, item, "title", str, where),
            label=_get(ctx, item, "label", str, where, required=False, default=""),
            machine=_get(ctx, item, "machine", str, where, required=False),
            risk=risk,
            order=i,
        )
    return tuple(out.values())


def _presets(ctx: _Ctx, root: _Map, known: dict[str, Permission]) -> tuple[Preset, ...]:
    out: dict[str, Preset] = {}
    for _, item, where in _items(ctx, root, "presets"):
        _check_keys(ctx, item, ("id", "title", "permissions"), where)
        pid = _get(ctx, item, "id", str, where)
        if pid in out or pid in known:
            raise ctx.fail(item.line, f"{where}.id", f"duplicate name '{pid}'")
        _get(ctx, item, "permissions", _Seq, where)
        out[pid] = Preset(pid, _get(ctx, item, "title", str, where),
                          _permission_refs(ctx, item, "permissions", where, known))
    return tuple(out.values())


def _requirement(ctx: _Ctx, mapping: _Map, where: str, known: dict[str, Permission]) -> Requirement:
    return Requirement(
        all_of=_permission_refs(ctx, mapping, "requires_all", where, known),
        any_of=_permission_refs(ctx, mapping, "requires_any", where, known),
    )


_ENDPOINT_KEYS = ("name", "access", "requires_all", "requires_any", "moves_funds", "guide", "legacy",
                  "inferred", "note", "method", "path")


def _endpoints(
    ctx: _Ctx, root: _Map, known: dict[str, Permission], paths: dict[str, str]
) -> tuple[Endpoint, ...]:
    out: dict[str, Endpoint] = {}
    for _, item, where in _items(ctx, root, "endpoints"):
        _check_keys(ctx, item, _ENDPOINT_KEYS, where)
        name = _get(ctx, item, "name", str, where)
        if not _ENDPOINT.match(name):
            raise ctx.fail(item.line, f"{where}.name", f"'{name}' is not an endpoint name")
        if name in out:
            raise ctx.fail(item.line, f"{where}.name", f"duplicate endpoint '{name}'")
        where = f"endpoints[{name}]"
        access = _get(ctx, item, "access", str, where)
        if access not in ACCESS_KINDS:
            raise ctx.fail(_line_of(item, "access", item.line), f"{where}.access",
                           f"expected public or private, got '{access}'")
        requirement = _requirement(ctx, item, where, known)
        if access == "public" and requirement.mentions:
            raise ctx.fail(item.line, where, "a public endpoint cannot require a permission")
        guide = None
        if "guide" in item:
            raw_guide = _get(ctx, item, "guide", _Map, where)
            _check_keys(ctx, raw_guide, ("requires_all", "requires_any"), f"{where}.guide")
            guide = _requirement(ctx, raw_guide, f"{where}.guide", known)
        path = _get(ctx, item, "path", str, where, required=False)
        out[name] = Endpoint(
            name=name,
            access=access,
            path=path or paths[access].format(name=name),
            method=_get(ctx, item, "method", str, where, required=False),
            requirement=requirement,
            moves_funds=_get(ctx, item, "moves_funds", bool, where, required=False, default=False),
            guide=guide,
            legacy=_get(ctx, item, "legacy", bool, where, required=False, default=False),
            inferred=_get(ctx, item, "inferred", bool, where, required=False, default=False),
            note=_get(ctx, item, "note", str, where, required=False),
        )
    return tuple(out.values())


def _rest(ctx: _Ctx, root: _Map) -> tuple[tuple[str, ...], dict[str, str]]:
    rest = _get(ctx, root, "rest", _Map, "rules")
    _check_keys(ctx, rest, ("hosts", "paths"), "rest")
    hosts = _string_list(ctx, rest, "hosts", "rest")
    raw = _get(ctx, rest, "paths", _Map, "rest")
    _check_keys(ctx, raw, ACCESS_KINDS, "rest.paths")
    paths = {}
    for access in ACCESS_KINDS:
        template = _get(ctx, raw, access, str, "rest.paths")
        if "{name}" not in template or not template.startswith("/"):
            raise ctx.fail(_line_of(raw, access, raw.line), f"rest.paths.{access}",
                           "expected a path starting with / that contains {name}")
        paths[access] = template
    return hosts, paths


_CODE = re.compile(r"^KRK\d{3}$")


def _codes(ctx: _Ctx, root: _Map) -> tuple[Code, ...]:
    raw = _get(ctx, root, "codes", _Map, "rules")
    out = []
    for code, item in raw.items():
        where = f"codes.{code}"
        line = _line_of(raw, code, raw.line)
        if not isinstance(code, str) or not _CODE.match(code):
            raise ctx.fail(line, "codes", f"'{code}' is not a code like KRK123")
        if not isinstance(item, _Map):
            raise ctx.fail(line, where, f"expected a mapping, got {_describe(item)}")
        fields = _string_list(ctx, item, "fields", where)
        message = _get(ctx, item, "message", str, where)
        _check_template(ctx, message, fields, _line_of(item, "message", line), f"{where}.message")
        texts = tuple(
            (key, value) for key, value in item.items()
            if key not in ("summary", "message", "fields", "help")
        )
        for key, value in texts:
            if isinstance(value, _Map):
                raise ctx.fail(_line_of(item, key, line), f"{where}.{key}", "nested mappings are not allowed here")
            if not isinstance(value, str):
                raise ctx.fail(_line_of(item, key, line), f"{where}.{key}",
                               f"expected a string, got {_describe(value)}")
        out.append(Code(code, _get(ctx, item, "summary", str, where), message, fields,
                        _get(ctx, item, "help", str, where), texts))
    return tuple(out)


def _flatten_texts(item: _Map) -> None:
    """Turn one level of nested text mappings (`why: {withdraw: ...}`) into dotted keys."""
    for key in [k for k, v in item.items() if isinstance(v, _Map)]:
        nested = item.pop(key)
        for sub, value in nested.items():
            item[f"{key}.{sub}"] = value
            item.key_lines[f"{key}.{sub}"] = nested.key_lines.get(sub, nested.line)


def _check_template(ctx: _Ctx, template: str, fields: tuple[str, ...], line: int, where: str) -> None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ctx.fail(line, where, f"bad template: {exc}") from None
    unknown = sorted(names - set(fields))
    if unknown:
        raise ctx.fail(line, where, f"uses '{unknown[0]}', which is not in fields")


def _prefilter(ctx: _Ctx, root: _Map) -> tuple[str, ...]:
    raw = _get(ctx, root, "prefilter", _Map, "rules")
    _check_keys(ctx, raw, ("words",), "prefilter")
    words = _string_list(ctx, raw, "words", "prefilter")
    if not words:
        raise ctx.fail(raw.line, "prefilter.words", "needs at least one word")
    return tuple(w.lower() for w in words)


_METHOD_KEYS = ("endpoints", "one_of", "dynamic", "access", "arg", "keyword", "access_arg", "access_keyword", "ws",
                "ws_at", "ws_access", "note")
_DYNAMIC = ("name", "path")
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


_CLASS_KEYS = ("id", "paths", "inherits", "methods", "implicit", "attributes", "credentials", "injects_token",
               "evidence", "shared")


def _clients(ctx: _Ctx, root: _Map, endpoints: dict[str, Endpoint],
             versions: tuple[str, ...] = ()) -> tuple[tuple[ClientClass, ...], tuple[str, ...]]:
    """The client classes, and the module names that mark a file as using a client."""
    if "clients" not in root:
        return (), ()
    out: dict[str, ClientClass] = {}
    modules: list[str] = []
    for _, library, where in _items(ctx, root, "clients"):
        _check_keys(ctx, library, ("id", "modules", "classes"), where)
        lib_id = _get(ctx, library, "id", str, where)
        where = f"clients[{lib_id}]"
        modules.extend(m.lower() for m in _string_list(ctx, library, "modules", where))
        for _, item, cwhere in _items(ctx, library, "classes", where):
            _check_keys(ctx, item, _CLASS_KEYS, cwhere)
            cid = _get(ctx, item, "id", str, cwhere)
            cwhere = f"{where}.classes[{cid}]"
            if cid in out:
                raise ctx.fail(item.line, f"{cwhere}.id", f"duplicate client class '{cid}'")
            paths = _string_list(ctx, item, "paths", cwhere) or (cid,)
            for path in paths:
                if not _DOTTED.match(path):
                    raise ctx.fail(_line_of(item, "paths", item.line), f"{cwhere}.paths",
                                   f"'{path}' is not a dotted name")
            methods: dict[str, ClientMethod] = {}
            implicit, attributes, credentials, injects = None, {}, (), False
            for parent in _string_list(ctx, item, "inherits", cwhere):
                if parent not in out:
                    raise ctx.fail(_line_of(item, "inherits", item.line), f"{cwhere}.inherits",
                                   f"unknown client class '{parent}' (list it before this one)"
                                   f"{_did_you_mean(parent, out)}")
                methods.update({m.name: m for m in out[parent].methods})
                implicit = out[parent].implicit or implicit
                attributes.update(out[parent].attributes)
                credentials = out[parent].credentials or credentials
                injects = out[parent].injects_token or injects
            credentials = _string_list(ctx, item, "credentials", cwhere) or credentials
            raw_attributes = _get(ctx, item, "attributes", _Map, cwhere, required=False, default=_Map())
            for attribute, held in raw_attributes.items():
                if held not in out:
                    raise ctx.fail(_line_of(raw_attributes, attribute, item.line), f"{cwhere}.attributes.{attribute}",
                                   f"unknown client class '{held}' (list it before this one)"
                                   f"{_did_you_mean(str(held), out)}")
                attributes[str(attribute)] = held
            raw = _get(ctx, item, "methods", _Map, cwhere, required=False, default=_Map())
            for name, spec in raw.items():
                methods[str(name)] = _client_method(ctx, raw, str(name), spec, f"{cwhere}.methods.{name}", endpoints,
                                                    versions)
            implicit = _get(ctx, item, "implicit", str, cwhere, required=False, default=implicit)
            if implicit is not None:
                try:
                    groups = re.compile(implicit).groupindex
                except re.error as exc:
                    raise ctx.fail(_line_of(item, "implicit", item.line), f"{cwhere}.implicit",
                                   f"bad regular expression: {exc}") from None
                if not {"access", "name"} <= set(groups):
                    raise ctx.fail(_line_of(item, "implicit", item.line), f"{cwhere}.implicit",
                                   "needs the groups (?P<access>...) and (?P<name>...)")
            injects = _get(ctx, item, "injects_token", bool, cwhere, required=False, default=injects)
            evidence = _string_list(ctx, item, "evidence", cwhere)
            for name in evidence:
                if name not in methods:
                    raise ctx.fail(_line_of(item, "evidence", item.line), f"{cwhere}.evidence",
                                   f"'{name}' is not a method of this class{_did_you_mean(name, methods)}")
            shared = _get(ctx, item, "shared", bool, cwhere, required=False, default=False)
            out[cid] = ClientClass(cid, lib_id, paths, tuple(methods.values()), implicit, tuple(attributes.items()),
                                   credentials, injects, evidence, shared)
    return tuple(out.values()), tuple(modules)


def _client_method(
    ctx: _Ctx, parent: _Map, name: str, spec: Any, where: str, endpoints: dict[str, Endpoint],
    versions: tuple[str, ...] = (),
) -> ClientMethod:
    line = _line_of(parent, name, parent.line)

    def known(names: tuple[str, ...], key: str) -> tuple[str, ...]:
        for endpoint in names:
            if endpoint not in endpoints:
                raise ctx.fail(line, f"{where}{key}",
                               f"unknown endpoint '{endpoint}'{_did_you_mean(endpoint, endpoints)}")
        return names

    if isinstance(spec, str):
        return ClientMethod(name, endpoints=known((spec,), ""))
    if isinstance(spec, _Seq):
        wrapper = _Map({"endpoints": spec})
        wrapper.line, wrapper.key_lines = line, {"endpoints": line}
        return ClientMethod(name, endpoints=known(_string_list(ctx, wrapper, "endpoints", where), ""))
    if not isinstance(spec, _Map):
        raise ctx.fail(line, where, f"expected an endpoint name, a list or a mapping, got {_describe(spec)}")
    _check_keys(ctx, spec, _METHOD_KEYS, where)
    dynamic = _get(ctx, spec, "dynamic", str, where, required=False)
    if dynamic is not None and dynamic not in _DYNAMIC:
        raise ctx.fail(line, f"{where}.dynamic", f"expected name or path, got '{dynamic}'")
    access = _get(ctx, spec, "access", str, where, required=dynamic == "name")
    if access is not None and access not in ACCESS_KINDS:
        raise ctx.fail(line, f"{where}.access", f"expected public or private, got '{access}'")
    method = ClientMethod(
        name,
        endpoints=known(_string_list(ctx, spec, "endpoints", where), ".endpoints"),
        one_of=known(_string_list(ctx, spec, "one_of", where), ".one_of"),
        dynamic=dynamic,
        access=access,
        arg=_get(ctx, spec, "arg", int, where, required=False, default=0),
        keyword=_get(ctx, spec, "keyword", str, where, required=False),
        access_arg=_get(ctx, spec, "access_arg", int, where, required=False),
        access_keyword=_get(ctx, spec, "access_keyword", str, where, required=False),
        ws=_get(ctx, spec, "ws", str, where, required=False),
        ws_at=_string_list(ctx, spec, "ws_at", where) if "ws_at" in spec else None,
        ws_access=_get(ctx, spec, "ws_access", str, where, required=False),
    )
    if method.ws_access is not None and method.ws_access not in ACCESS_KINDS:
        raise ctx.fail(line, f"{where}.ws_access", f"expected public or private, got '{method.ws_access}'")
    if method.ws is not None and method.ws not in versions:
        raise ctx.fail(line, f"{where}.ws",
                       f"unknown WebSocket version '{method.ws}'{_did_you_mean(method.ws, versions)}")
    if (dynamic is not None) + bool(method.endpoints) + bool(method.one_of) + (method.ws is not None) != 1:
        raise ctx.fail(line, where, "needs exactly one of endpoints, one_of, dynamic or ws")
    return method


_WS_KEYS = ("urls", "protocols", "forbidden_keys", "send_methods", "dumps")
_PROTOCOL_KEYS = ("version", "request", "subscribe", "channel", "token", "request_token", "channels", "methods")


def _websocket(ctx: _Ctx, root: _Map, known: dict[str, Permission]) -> tuple[WebSocket, tuple[Endpoint, ...]]:
    if "websocket" not in root:
        return WebSocket(), ()
    raw = _get(ctx, root, "websocket", _Map, "rules")
    _check_keys(ctx, raw, _WS_KEYS, "websocket")
    urls = []
    for _, item, where in _items(ctx, raw, "urls", "websocket"):
        _check_keys(ctx, item, ("url", "access", "version", "beta", "legacy"), where)
        access = _get(ctx, item, "access", str, where)
        if access not in ACCESS_KINDS:
            raise ctx.fail(item.line, f"{where}.access", f"expected public or private, got '{access}'")
        urls.append(WsUrl(_get(ctx, item, "url", str, where).lower(), access, _get(ctx, item, "version", str, where),
                          _get(ctx, item, "beta", bool, where, required=False, default=False),
                          _get(ctx, item, "legacy", bool, where, required=False, default=False)))
    protocols, endpoints = [], []
    for _, item, where in _items(ctx, raw, "protocols", "websocket"):
        _check_keys(ctx, item, _PROTOCOL_KEYS, where)
        version = _get(ctx, item, "version", str, where)
        names: dict[str, list[str]] = {"channels": [], "methods": []}
        for group in names:
            for _, entry, ewhere in _items(ctx, item, group, where):
                _check_keys(ctx, entry, ("name", "requires_all", "requires_any"), ewhere)
                name = _get(ctx, entry, "name", str, ewhere)
                requirement = _requirement(ctx, entry, ewhere, known)
                private = bool(requirement.mentions)
                full = f"ws/{version}/{name}"
                endpoints.append(Endpoint(full, "private" if private else "public", full, None, requirement,
                                          inferred=private, kind="websocket"))
                names[group].append(name)
        paths = {key: _string_list(ctx, item, key, where)
                 for key in ("request", "subscribe", "channel", "token", "request_token")}
        protocols.append(WsProtocol(version, paths["request"], paths["subscribe"], paths["channel"], paths["token"],
                                    paths["request_token"], tuple(names["channels"]), tuple(names["methods"])))
    seen = set()
    for endpoint in endpoints:
        if endpoint.name in seen:
            raise ctx.fail(raw.line, "websocket.protocols", f"duplicate channel or method '{endpoint.name}'")
        seen.add(endpoint.name)
    lists = {key: _string_list(ctx, raw, key, "websocket") for key in ("forbidden_keys", "send_methods", "dumps")}
    socket = WebSocket(tuple(urls), tuple(protocols), lists["forbidden_keys"], lists["send_methods"], lists["dumps"])
    return socket, tuple(endpoints)


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _secrets(ctx: _Ctx, root: _Map, codes: tuple[Code, ...]) -> Secrets:
    if "secrets" not in root:
        return Secrets()
    raw = _get(ctx, root, "secrets", _Map, "rules")
    where = "secrets"
    _check_keys(ctx, raw, ("shapes", "names", "token_names", "module_markers", "lookalike_markers", "env_defaults",
                           "placeholders", "min_entropy", "known_examples"), where)
    known_codes = {c.code for c in codes}
    shapes = []
    for _, item, swhere in _items(ctx, raw, "shapes", where):
        _check_keys(ctx, item, ("kind", "code", "length", "decoded", "token_only"), swhere)
        code = _get(ctx, item, "code", str, swhere)
        if code not in known_codes:
            raise ctx.fail(item.line, f"{swhere}.code", f"unknown code '{code}'{_did_you_mean(code, known_codes)}")
        decoded = _get(ctx, item, "decoded", _Seq, swhere)
        if not decoded or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in decoded):
            raise ctx.fail(item.line, f"{swhere}.decoded", "expected a list of byte counts")
        shapes.append(SecretShape(_get(ctx, item, "kind", str, swhere), code, _get(ctx, item, "length", int, swhere),
                                  tuple(decoded), _get(ctx, item, "token_only", bool, swhere, required=False,
                                                       default=False)))
    patterns = {}
    for key in ("names", "token_names"):
        patterns[key] = _get(ctx, raw, key, str, where)
        try:
            re.compile(patterns[key])
        except re.error as exc:
            raise ctx.fail(_line_of(raw, key, raw.line), f"{where}.{key}", f"bad regular expression: {exc}") from None
    entropy = _get(ctx, raw, "min_entropy", (int, float), where, required=False, default=0.0)
    digests = _string_list(ctx, raw, "known_examples", where)
    for i, digest in enumerate(digests):
        if not _SHA256.match(digest):
            raise ctx.fail(_line_of(raw["known_examples"], i, raw.line), f"{where}.known_examples[{i}]",
                           "expected a SHA-256 digest in lower-case hex")
    return Secrets(
        shapes=tuple(shapes),
        names=patterns["names"],
        token_names=patterns["token_names"],
        module_markers=tuple(m.lower() for m in _string_list(ctx, raw, "module_markers", where)),
        lookalike_markers=tuple(m.lower() for m in _string_list(ctx, raw, "lookalike_markers", where)),
        env_defaults=_string_list(ctx, raw, "env_defaults", where),
        placeholders=tuple(p.lower() for p in _string_list(ctx, raw, "placeholders", where)),
        min_entropy=float(entropy),
        known_examples=frozenset(digests),
    )


_TOP_KEYS = ("version", "permissions", "presets", "rest", "endpoints", "websocket", "clients", "secrets", "prefilter",
             "codes")


def parse_catalog(data: Any, path: Path) -> Catalog:
    """Validate parsed YAML and build the Catalog."""
    ctx = _Ctx(path)
    if not isinstance(data, _Map):
        raise CatalogError(f"{path}:1: rules: expected a mapping at the top, got {_describe(data)}")
    _check_keys(ctx, data, _TOP_KEYS, "rules")
    version = _get(ctx, data, "version", int, "rules")
    if version != 1:
        raise ctx.fail(_line_of(data, "version", 1), "rules.version", f"unsupported version {version}")
    if isinstance(data.get("codes"), _Map):
        for item in data["codes"].values():
            if isinstance(item, _Map):
                _flatten_texts(item)
    permissions = _permissions(ctx, data)
    known = {p.id: p for p in permissions}
    presets = _presets(ctx, data, known)
    hosts, paths = _rest(ctx, data)
    endpoints = _endpoints(ctx, data, known, paths)
    socket, ws_endpoints = _websocket(ctx, data, known)
    clients, client_modules = _clients(ctx, data, {e.name: e for e in (*endpoints, *ws_endpoints)},
                                       tuple(p.version for p in socket.protocols))
    codes = _codes(ctx, data)
    return Catalog(
        source=str(path),
        permissions=permissions,
        presets=presets,
        endpoints=endpoints,
        clients=clients,
        client_modules=client_modules,
        websocket=socket,
        ws_endpoints=ws_endpoints,
        rest_hosts=hosts,
        rest_paths=tuple(paths.items()),
        prefilter_words=_prefilter(ctx, data),
        codes=codes,
        secrets=_secrets(ctx, data, codes),
    )


def shipped_rules_path() -> Path:
    """rules.yaml inside the installed package, else the source checkout's top level."""
    here = Path(__file__).resolve().parent
    packaged = here / "rules.yaml"
    return packaged if packaged.is_file() else here.parent / "rules.yaml"


def load_catalog(path: str | os.PathLike[str] | None = None,
                 extra: str | os.PathLike[str] | None = None) -> Catalog:
    """Read, validate and build a catalog (the shipped one by default), with a user's extra rules merged over it."""
    target = Path(path) if path is not None else shipped_rules_path()
    return parse_catalog(rules_data(target, extra), target)


def rules_data(path: str | os.PathLike[str], extra: str | os.PathLike[str] | None = None) -> Any:
    """The rules file read as YAML, with a user's extra rules merged over it (not yet validated)."""
    data = read_yaml(Path(path))
    if extra is not None:
        more = read_yaml(Path(extra))
        if not isinstance(more, _Map):
            raise CatalogError(f"{extra}:1: rules: expected a mapping at the top, got {_describe(more)}")
        if isinstance(data, _Map):
            data = merge_rules(data, more)
    return data


_KEYS = ("id", "name")  # what identifies an item of a list, for merging


def merge_rules(base: Any, extra: Any) -> Any:
    """A user's rules over the shipped ones: mappings merge, items with the same id or name
    merge, other list items are added, plain values are replaced."""
    if isinstance(base, _Map) and isinstance(extra, _Map):
        out = _Map(base)
        out.line, out.key_lines = base.line, dict(base.key_lines)
        for key, value in extra.items():
            out[key] = merge_rules(base[key], value) if key in base else value
            out.key_lines[key] = extra.key_lines.get(key, extra.line)
        return out
    if isinstance(base, _Seq) and isinstance(extra, _Seq):
        items = list(zip(base, base.item_lines)) + list(zip(extra, extra.item_lines))
        key = next((k for k in _KEYS if all(isinstance(i, _Map) and k in i for i, _ in items)), None)
        merged: dict[Any, tuple[Any, int]] = {}
        for item, line in items:
            ident = item[key] if key is not None else (repr(item) if not isinstance(item, (_Map, _Seq)) else id(item))
            merged[ident] = (merge_rules(merged[ident][0], item), line) if ident in merged else (item, line)
        out_seq = _Seq(v for v, _ in merged.values())
        out_seq.line, out_seq.item_lines = base.line, [line for _, line in merged.values()]
        return out_seq
    return extra


_CACHE: dict[tuple[str, str | None], Catalog] = {}
CACHE_FORMAT = "json-1"
MAX_CACHE_BYTES = 4 * MAX_RULES_BYTES


def default_catalog(extra: str | None = None) -> Catalog:
    """The shipped catalog (with a user's extra rules), loaded once per process.

    Reading YAML costs more than the rest of a small flake8 run, so the parsed rules are
    kept as JSON beside this package's own bytecode, keyed by the rules files' contents
    and the package's version. It is trusted no more than the package it sits in, and
    less: plain JSON (nothing in it can run code), validated on every load exactly as
    the YAML is, rebuilt from the YAML when anything is wrong. Nothing is read from a
    cache directory that other programs or other branches' CI runs share.
    """
    key = (str(shipped_rules_path()), extra)
    if key not in _CACHE:
        _CACHE[key] = _cached(key[0], extra)
    return _CACHE[key]


def _cached(path: str, extra: str | None) -> Catalog:
    import hashlib

    from flake8_kraken import __version__

    try:
        digest = hashlib.sha256(f"{CACHE_FORMAT}\0{__version__}".encode())
        for source in (path, extra):
            if source is not None:
                digest.update(Path(source).read_bytes())
    except OSError:
        return load_catalog(path, extra)  # the loader reports the unreadable file
    key = digest.hexdigest()
    # One file per rules location, replaced when the rules change, so old versions do not pile up.
    slot = hashlib.sha256(os.path.abspath(extra).encode()).hexdigest()[:16] if extra else "shipped"
    store = cache_dir() / f"rules-{slot}.json"
    data = _read_cache(store, key)
    if data is not None:
        try:
            return parse_catalog(data, Path(path))
        except CatalogError:
            pass  # not what this version wrote: rebuild it
    data = rules_data(path, extra)
    text = _as_json({"key": key, "rules": data})  # before validation, which rewrites parts of the data
    catalog = parse_catalog(data, Path(path))
    if text is not None:
        _write_cache(store, text)
    return catalog


def _read_cache(store: Path, key: str) -> Any:
    """The cached rules for `key` as _Map/_Seq, or None unless the file is a regular file of plain JSON."""
    import json
    import stat

    try:
        fd = os.open(store, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CACHE_BYTES:
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            stored = json.loads(handle.read())
        return _from_plain(stored["rules"]) if stored.get("key") == key else None
    except Exception:  # noqa: BLE001 - any unreadable cache (bad JSON, too deep, ...) is rebuilt
        return None
    finally:
        os.close(fd)


def _as_json(data: Any) -> str | None:
    """Data as JSON text, or None when JSON cannot hold it exactly (a date, a key that is not a string)."""
    import json

    try:
        text = json.dumps(data, separators=(",", ":"))
        return text if json.loads(text) == data else None
    except (ValueError, TypeError, RecursionError):
        return None


def _write_cache(store: Path, text: str) -> None:
    """Keep the parsed rules as JSON, as Python keeps bytecode (and not when it is told not to)."""
    import sys

    if sys.dont_write_bytecode:
        return
    tmp = store.with_suffix(f".{os.getpid()}.tmp")
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, store)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _from_plain(value: Any) -> Any:
    """JSON values as the validator expects them (_Map, _Seq), without line numbers."""
    if isinstance(value, dict):
        out = _Map((k, _from_plain(v)) for k, v in value.items())
        out.key_lines = {}
        return out
    if isinstance(value, list):
        seq = _Seq(_from_plain(v) for v in value)
        seq.item_lines = []
        return seq
    return value


def cache_dir() -> Path:
    """Where the parsed rules are kept: this package's own bytecode directory."""
    return Path(__file__).resolve().parent / "__pycache__"
