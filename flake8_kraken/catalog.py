"""The catalog: what the tool knows of Kraken, as frozen dataclasses, and where it is loaded.

rules.yaml is read into it by schema.py (a table of keys per section) after rulesfile.py
has read the YAML with its line numbers; nothing else holds a Kraken fact.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable

from flake8_kraken.prefilter import Screen
from flake8_kraken.rulesfile import CatalogError, read_yaml, rules_data, shipped_rules_path

__all__ = ["Catalog", "CatalogError", "default_catalog", "did_you_mean", "load_catalog", "parse_catalog",
           "read_yaml", "shipped_rules_path"]

ACCESS_KINDS = ("public", "private")


CLOSE = 0.6  # how alike a mistyped name and what it meant are (difflib's ratio)


def closest(value: str, choices: Iterable[str], cutoff: float = CLOSE, only: bool = False) -> str | None:
    """The choice a mistyped value most likely meant (the one did-you-mean of the tool); with `only`,
    None unless it is the one choice that close."""
    import difflib  # only when a name is not found

    found = difflib.get_close_matches(value, list(choices), n=2 if only else 1, cutoff=cutoff)
    return found[0] if len(found) == 1 or (found and not only) else None


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest choice, or nothing."""
    hint = closest(value, choices)
    return f" (did you mean '{hint}'?)" if hint else ""


# --- what the catalog holds ---------------------------------------------------------------------


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
    machine: str | None
    risk: int
    order: int
    withdraws: bool = False  # holding it lets a key move funds out of the account
    key: str = "spot"  # which of Kraken's separate API keys holds it (spot, futures)


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
    guide: Requirement | None = None  # what Kraken's API-key guide table says, where it differs
    legacy: bool = False  # no longer documented by Kraken
    inferred: bool = False  # the requirement is reasoning, not Kraken's text
    kind: str = "rest"  # or "websocket": a channel or request, named ws/<version>/<name>
    key: str = "spot"  # the API key a call to it is made with
    api: str | None = None  # the API of an endpoint named by HTTP method and path ("POST /funding/v1/withdrawals")


@dataclass(frozen=True)
class HttpApi:
    """A Kraken REST API whose endpoints are named by HTTP method and path template
    (the Funding API, Kraken Futures), reached on its own hosts under its own prefixes."""

    id: str
    key: str
    hosts: tuple[str, ...]
    prefixes: tuple[str, ...]


@dataclass(frozen=True)
class Http:
    """How a call says which HTTP method it sends: requests.post, session.request("PUT", ...)."""

    verbs: tuple[str, ...] = ()  # methods named after the HTTP method they send
    request: tuple[str, ...] = ()  # methods that take the HTTP method first, or as method=
    request_classes: tuple[str, ...] = ()  # urllib's Request: method=, else POST with data and GET without


@dataclass(frozen=True)
class WsUrl:
    """A Kraken WebSocket address: which side it serves and which protocol version."""

    url: str
    access: str
    version: str
    auth: str | None = None  # a public address: its authenticated counterpart (`flake8-kraken fix`, KRK301)
    only: tuple[str, ...] = ()  # the channels an address serves alone (level3: its own address)


@dataclass(frozen=True)
class WsProtocol:
    """One WebSocket protocol version: where a message says what it is."""

    version: str
    request: tuple[str, ...]  # key path of the request name ("method" / "event")
    subscribe: tuple[str, ...]  # request names that (un)subscribe to a channel
    channel: tuple[str, ...]  # key path of the channel name in a subscription
    token: tuple[str, ...]  # key path of the token in a subscription
    request_token: tuple[str, ...]  # key path of the token in any other request
    methods: tuple[str, ...]  # request names
    keepalive: tuple[str, ...] = ()  # requests that only keep the connection open (ping)

    def endpoint(self, name: str) -> str:
        return f"ws/{self.version}/{name}"


@dataclass(frozen=True)
class WebSocket:
    """Kraken's spot WebSocket facts: addresses, protocols, what must never be sent."""

    urls: tuple[WsUrl, ...] = ()
    protocols: tuple[WsProtocol, ...] = ()
    token_endpoint: str = ""  # the REST endpoint that issues tokens
    forbidden_keys: tuple[str, ...] = ()
    send_methods: tuple[str, ...] = ()
    dumps: tuple[str, ...] = ()

    def url(self, text: str) -> WsUrl | None:
        """The Kraken WebSocket address `text` opens, by longest prefix."""
        lowered = text.lower()
        fits = [u for u in self.urls if lowered.startswith(u.url) and lowered[len(u.url):][:1] in ("", "/", "?")]
        return max(fits, key=lambda u: len(u.url)) if fits else None

    def named_in(self, source: str) -> bool:
        """Whether a text names one of the Kraken WebSocket addresses (their host, in any case)."""
        lowered = source.lower()
        return any(u.url.split("://", 1)[-1].split("/", 1)[0] in lowered for u in self.urls)

    def private_host(self) -> str:
        """Where private channels are served: scheme and host of the first private address."""
        url = next((u.url for u in self.urls if u.access == "private"), "")
        return "/".join(url.split("/", 3)[:3])


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
    # Constructor keywords that name WebSocket channels (cryptofeed's channels=[TRADES]), and what each
    # name (a library constant or its value) subscribes to.
    channel_keywords: tuple[str, ...] = ()
    channel_names: tuple[tuple[str, str], ...] = ()

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
    """What one kind of Kraken credential looks like: base64 of a length in a range."""

    kind: str
    lengths: tuple[int, int]  # shortest and longest
    decoded: tuple[int, ...] = ()  # decoded sizes in bytes (empty: any)
    token_only: bool = False  # reported only under a token name
    env: str | None = None  # the environment variable `flake8-kraken fix` reads it from, by default


@dataclass(frozen=True)
class Secrets:
    """How credentials are recognised: shapes, context names and markers, look-alikes."""

    shapes: tuple[SecretShape, ...] = ()
    names: str = "(?!)"
    token_names: str = "(?!)"
    name_markers: tuple[str, ...] = ()  # a word in a name that says the credential is Kraken's
    module_markers: tuple[str, ...] = ()
    lookalike_markers: tuple[str, ...] = ()
    env_defaults: tuple[str, ...] = ()
    env_mappings: tuple[str, ...] = ()
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
    clients: tuple[ClientClass, ...] = ()
    secrets: Secrets = Secrets()
    websocket: WebSocket = WebSocket()
    ws_endpoints: tuple[Endpoint, ...] = ()
    client_modules: tuple[str, ...] = ()
    keys: tuple[str, ...] = ("spot",)
    apis: tuple[HttpApi, ...] = ()
    http: Http = Http()

    def __post_init__(self) -> None:
        # Lookup tables derived once; the dataclass stays frozen.
        object.__setattr__(self, "_perm", {p.id: p for p in self.permissions})
        object.__setattr__(self, "_endpoint", {e.name: e for e in (*self.endpoints, *self.ws_endpoints)})
        object.__setattr__(self, "_folded", {_fold(e.name): e for e in self.endpoints})
        object.__setattr__(self, "_client", {path: c for c in self.clients for path in c.paths})
        object.__setattr__(self, "_client_id", {c.id: c for c in self.clients})
        object.__setattr__(self, "_library_of", {p.rsplit(".", 1)[0]: c.library for c in self.clients for p in c.paths})
        routes: dict[str, list[tuple[tuple[str, ...], Endpoint]]] = {}
        for e in self.endpoints:
            if e.api is not None and e.method is not None:
                routes.setdefault(e.api, []).append((tuple(e.path.strip("/").split("/")), e))
        object.__setattr__(self, "_routes", routes)

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
        pairs: dict[tuple[str, ...], dict[str, None]] = {}  # token fields -> the names sent with them
        for protocol in self.websocket.protocols:  # each protocol's own names with its own token field
            prefix = protocol.endpoint("")
            tokens = tuple(dict.fromkeys(p[-1] for p in (protocol.token, protocol.request_token) if p))
            names = pairs.setdefault(tokens, {})
            names.update((e.name[len(prefix):], None) for e in self.ws_endpoints
                         if e.access == "private" and e.name.startswith(prefix))
        return tuple((tuple(names), tokens) for tokens, names in pairs.items() if tokens and names)

    @cached_property
    def statement_words(self) -> tuple[str, ...]:
        """What makes one top-level statement of a Kraken file worth giving to LibCST (region.py), on
        its own: the screen words, either side of a pair (the other may be in another statement), a
        REST path's start (a path needs no host), and a WebSocket request name (in a module that talks
        to Kraken, a message in Kraken's shape is Kraken's wherever it is)."""
        pair_words = [w for left, right in self.screen_pairs for w in (*left, *right)]
        paths = [self.path_template(access).split("{name}")[0] for access, _ in self.rest_paths]
        stems = {p.rsplit("/", 2)[0] + "/" for p in paths}  # "/0/": a helper that joins the rest
        prefixes = [prefix for api in self.apis for prefix in api.prefixes]
        requests = [name for protocol in self.websocket.protocols for name in (*protocol.subscribe, *protocol.methods)]
        # A library whose classes share method names: making another of its classes (ccxt.binance) is
        # what says a shared name is not Kraken's.
        shared = [path.split(".")[0] for client in self.clients if client.shared for path in client.paths]
        words = (*self.screen_words, *pair_words, *paths, *stems, *prefixes, *requests, *shared)
        return tuple(dict.fromkeys(w.lower() for w in words))

    @cached_property
    def statement_names(self) -> frozenset[str]:
        """Method names that make a statement worth giving to LibCST: a method a library's classes share
        (ccxt's fetch_balance) is a Kraken call on any object where the module makes only Kraken's."""
        return frozenset(m.name for client in self.clients if client.shared for m in client.methods)

    @cached_property
    def screen(self) -> Screen:
        """Everything that decides whether a file is analysed, apart from the rest of the catalog."""
        return Screen(self.screen_words, self.screen_pairs, self.import_screen_words)

    @cached_property
    def import_screen_words(self) -> tuple[str, ...]:
        """What a module imported by a Kraken file must mention to be read for its helpers: the screen
        words, and the WebSocket subscribe requests (a helper that wraps a subscription the caller names)."""
        subscribe = [name for protocol in self.websocket.protocols for name in protocol.subscribe]
        return tuple(dict.fromkeys((*self.screen_words, *(w.lower() for w in subscribe))))

    @cached_property
    def keepalive_endpoints(self) -> frozenset[str]:
        """Requests that only keep a WebSocket open (pings): no permission, no call to report."""
        return frozenset(p.endpoint(name) for p in self.websocket.protocols for name in p.keepalive)

    @cached_property
    def withdraw_permissions(self) -> frozenset[str]:
        return frozenset(p.id for p in self.permissions if p.withdraws)

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

    def path_template(self, access: str) -> str:
        return dict(self.rest_paths)[access]

    def routes(self, api_id: str, segments: tuple[str | None, ...]) -> list[Endpoint]:
        """The endpoints of an API whose path template fits a path's segments, for every HTTP
        method ("{...}" in a template fits any segment; None, a segment known only at run time,
        fits only those)."""
        return [e for template, e in self._routes.get(api_id, ())  # type: ignore[attr-defined]
                if len(template) == len(segments) and all(
                    t.startswith("{") or t == s for t, s in zip(template, segments))]

    def suggest_endpoint(self, name: str) -> str | None:
        """The catalog endpoint a mistyped name most likely meant."""
        verb, _, path = name.partition(" ")
        if verb in ("*", *(v.upper() for v in self.http.verbs)):
            routes = [e for e in self.endpoints if e.api is not None]
            same = [e for e in routes if e.method == verb] or routes
            paths = {e.path: e.name for e in reversed(same)}  # the first listed wins a shared path
            hint = closest(path, paths)
            return paths[hint] if hint else None
        names = [e.name for e in (self.ws_endpoints if name.startswith("ws/") else self.endpoints)]
        folded = {n.lower(): n for n in names}
        return folded.get(name.lower()) or closest(name, names)

    def certain_endpoint(self, name: str) -> str | None:
        """The one REST endpoint name a mistyped one can mean: the same but for case, or the only close
        one (None for a route, a WebSocket name, or a name with no or several close ones)."""
        if " " in name or name.startswith("ws/"):
            return None
        names = [e.name for e in self.endpoints if e.api is None]
        folded = {n.lower(): n for n in names}
        return folded.get(name.lower()) or closest(name, names, only=True)


def _fold(name: str) -> str:
    return name.replace("/", "").replace("_", "").lower()


def parse_catalog(data: Any, path: Path) -> Catalog:
    """Validate parsed YAML and build the Catalog (schema.py reads each section)."""
    from flake8_kraken.schema import parse_catalog as parse

    return parse(data, path)


def load_catalog(path: str | Path | None = None, extra: str | Path | None = None) -> Catalog:
    """Read, validate and build a catalog (the shipped one by default), with a user's extra rules merged over it."""
    target = Path(path) if path is not None else shipped_rules_path()
    return parse_catalog(rules_data(target, extra), target)


_CACHE: dict[tuple[object, ...], Catalog] = {}


def _identity(extra: str | None) -> tuple[object, ...]:
    """Which user rules file this is, in a process that may change directory or outlive an edit
    (an editor, a test run): its absolute path, size and modification time."""
    if extra is None:
        return (None,)
    try:
        found = os.stat(extra)
    except OSError:
        return (extra, None)  # unreadable: loaded (and reported) every time
    return (os.path.abspath(extra), found.st_size, found.st_mtime_ns)


def default_catalog(extra: str | None = None) -> Catalog:
    """The shipped catalog (with a user's extra rules), loaded once per process.

    Reading YAML costs more than the rest of a small flake8 run, so the parsed rules are
    kept as JSON beside this package's own bytecode (rulesfile.py), keyed by the rules
    files' contents and the package's version, and validated on every load exactly as
    the YAML is; anything wrong with it and it is rebuilt from the YAML.
    """
    shipped = str(shipped_rules_path())
    key = (shipped, *_identity(extra))
    if key not in _CACHE:
        _CACHE[key] = _cached(shipped, extra)
    return _CACHE[key]


def _cached(path: str, extra: str | None) -> Catalog:
    from flake8_kraken import __version__, rulesfile

    key = rulesfile.cache_key(path, extra, __version__)
    if key is None:
        return load_catalog(path, extra)  # the loader reports the unreadable file
    store = rulesfile.cache_store(extra)
    data, screen = rulesfile.read_cache(store, key)
    if data is not None:
        try:
            catalog = parse_catalog(data, Path(path))
        except CatalogError:
            catalog = None  # not what this version wrote: rebuild it
        if catalog is not None and Screen.from_plain(screen) == catalog.screen:
            return catalog
    data = rules_data(path, extra)
    catalog = parse_catalog(data, Path(path))
    text = rulesfile.as_json({"key": key, "screen": catalog.screen.plain(), "rules": data})
    if text is not None:
        rulesfile.write_cache(store, text)
    return catalog
