"""How rules.yaml is read into the catalog: one table of keys per section.

Each section is read by a table of its keys (name -> type, default), so a broken file
gives one clear line naming the file, the line and the key (rulesfile.py keeps the
lines); only what a table cannot say (cross-references, value ranges) is checked by
hand, beside the section it belongs to.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Iterator

from flake8_kraken.catalog import (
    ACCESS_KINDS,
    Catalog,
    ClientClass,
    ClientMethod,
    Endpoint,
    Http,
    HttpApi,
    Permission,
    Preset,
    Requirement,
    SecretShape,
    Secrets,
    WebSocket,
    WsProtocol,
    WsUrl,
    did_you_mean,
)
from flake8_kraken.rulesfile import CatalogError, Map, Seq, describe, line_of

__all__ = ["parse_catalog"]

# --- reading a section by its table of keys ---------------------------------------------------------

REQUIRED = object()  # a key's default that says it must be there
NUMBER = (int, float)
STRINGS = "strings"  # a list of non-empty strings, read as a tuple
_EXPECTED = {Map: "a mapping", Seq: "a list", str: "a string", int: "a whole number", bool: "true or false",
             NUMBER: "a number"}


class _Ctx:
    """Where we are in the file, for error messages."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, line: int, key: str, message: str) -> CatalogError:
        return CatalogError(f"{getattr(line, 'source', self.path)}:{line}: {key}: {message}")

    def check(self, ok: Any, line: int, key: str, message: str | Callable[[], str]) -> None:
        """Fail unless `ok`; a message that costs something to build (a did-you-mean) is given as a function."""
        if not ok:
            raise self.fail(line, key, message() if callable(message) else message)


def _get(ctx: _Ctx, mapping: Any, key: str, kind: Any, where: str, default: Any = REQUIRED) -> Any:
    """mapping[key], checked to be of `kind` (or the default when it is not there)."""
    line = getattr(mapping, "line", 1)
    if key not in mapping:
        ctx.check(default is not REQUIRED, line, where, f"missing key '{key}'")
        return default
    if kind == STRINGS:
        return _strings(ctx, mapping, key, where)
    value = mapping[key]
    if not isinstance(value, kind) or (kind in (int, NUMBER) and isinstance(value, bool)):
        raise ctx.fail(line_of(mapping, key, line), f"{where}.{key}",
                       f"expected {_EXPECTED[kind]}, got {describe(value)}")
    return value


def _strings(ctx: _Ctx, mapping: Any, key: str, where: str) -> tuple[str, ...]:
    items = _get(ctx, mapping, key, Seq, where, Seq())
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item:
            raise ctx.fail(line_of(items, i, items.line), f"{where}.{key}[{i}]",
                           f"expected a non-empty string, got {describe(item)}")
    return tuple(items)


def _read(ctx: _Ctx, mapping: Map, table: dict[str, tuple[Any, Any]], where: str,
          keys_where: str | None = None) -> dict[str, Any]:
    """Every key of a mapping, by its table: unknown keys refused, types checked, defaults filled in."""
    _known_keys(ctx, mapping, table, keys_where or where)
    return {key: _get(ctx, mapping, key, kind, where, default) for key, (kind, default) in table.items()}


def _known_keys(ctx: _Ctx, mapping: Map, table: dict[str, Any], where: str) -> None:
    for key in mapping:
        if key not in table:
            raise ctx.fail(line_of(mapping, key, mapping.line), where,
                           f"unknown key '{key}'{did_you_mean(str(key), table)}")


def _items(ctx: _Ctx, parent: Map, key: str, at: str = "") -> Iterator[tuple[int, Map, str]]:
    """The mappings listed under parent[key] (at: where the parent is, for messages)."""
    seq = _get(ctx, parent, key, Seq, at or "rules")
    for i, item in enumerate(seq):
        where = f"{at}.{key}[{i}]" if at else f"{key}[{i}]"
        ctx.check(isinstance(item, Map), line_of(seq, i, seq.line), where, f"expected a mapping, got {describe(item)}")
        yield i, item, where


def _one_of(ctx: _Ctx, value: str | None, choices: tuple[str, ...], line: int, where: str) -> None:
    if value is not None:
        ctx.check(value in choices, line, where, f"expected {' or '.join(choices)}, got '{value}'")


def _refs(ctx: _Ctx, mapping: Map, key: str, where: str, known: dict[str, Any], what: str) -> tuple[str, ...]:
    """A list of names that must each be known (permissions, endpoints), each once."""
    names = _strings(ctx, mapping, key, where)
    for i, name in enumerate(names):
        if name not in known:
            raise ctx.fail(line_of(mapping[key], i, mapping.line), f"{where}.{key}",
                           f"unknown {what} '{name}'{did_you_mean(name, known)}")
    ctx.check(len(set(names)) == len(names), line_of(mapping, key, mapping.line), f"{where}.{key}",
              f"a {what} is listed twice")
    return names


# --- the sections ---------------------------------------------------------------------------------

_ID = re.compile(r"^[a-z][a-z0-9-]*$")
_ENDPOINT = re.compile(r"^[A-Za-z][A-Za-z0-9]*(/[A-Za-z][A-Za-z0-9]*)?$")
_ROUTE = re.compile(r"^(/([a-z0-9_.-]+|\{[A-Za-z_]+\}))+$")  # /derivatives/api/v3/orders/{order_id}
_VERB = re.compile(r"^[A-Z]+$")
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")

_TOP = {"version": (int, REQUIRED), "permissions": (Seq, REQUIRED), "presets": (Seq, REQUIRED), "rest": (Map, REQUIRED),
        "endpoints": (Seq, REQUIRED), "websocket": (Map, None), "clients": (Seq, None), "secrets": (Map, None),
        "prefilter": (Map, REQUIRED), "keys": (STRINGS, ()), "apis": (Seq, None), "http": (Map, None)}
_PERMISSION = {"id": (str, REQUIRED), "title": (str, REQUIRED), "machine": (str, None), "risk": (int, REQUIRED),
               "withdraws": (bool, False), "key": (str, None)}
_API = {"id": (str, REQUIRED), "key": (str, REQUIRED), "hosts": (STRINGS, ()), "prefixes": (STRINGS, ())}
_HTTP = {"verbs": (STRINGS, ()), "request": (STRINGS, ()), "request_classes": (STRINGS, ())}
_PRESET = {"id": (str, REQUIRED), "title": (str, REQUIRED), "permissions": (Seq, REQUIRED)}
_REQUIRES = {"requires_all": (STRINGS, ()), "requires_any": (STRINGS, ())}
_ENDPOINT_KEYS = {"name": (str, None), "access": (str, REQUIRED), **_REQUIRES, "moves_funds": (bool, False),
                  "guide": (Map, None), "legacy": (bool, False), "inferred": (bool, False), "method": (str, None),
                  "path": (str, None)}
_REST = {"hosts": (STRINGS, ()), "paths": (Map, REQUIRED)}
_WEBSOCKET = {"urls": (Seq, REQUIRED), "protocols": (Seq, REQUIRED), "token_endpoint": (str, ""),
              "forbidden_keys": (STRINGS, ()), "send_methods": (STRINGS, ()), "dumps": (STRINGS, ())}
_URL = {"url": (str, REQUIRED), "access": (str, REQUIRED), "version": (str, REQUIRED), "auth": (str, ""),
        "only": (Seq, Seq())}
_PROTOCOL = {"version": (str, REQUIRED), "request": (STRINGS, ()), "keepalive": (STRINGS, ()),
             "subscribe": (STRINGS, ()), "channel": (STRINGS, ()), "token": (STRINGS, ()),
             "request_token": (STRINGS, ()), "channels": (Seq, REQUIRED), "methods": (Seq, REQUIRED),
             "key": (str, None)}
_NAMED = {"name": (str, REQUIRED), **_REQUIRES}
_LIBRARY = {"id": (str, REQUIRED), "modules": (STRINGS, ()), "classes": (Seq, REQUIRED)}
_CLASS = {"id": (str, REQUIRED), "paths": (STRINGS, ()), "inherits": (STRINGS, ()), "methods": (Map, None),
          "implicit": (str, None), "attributes": (Map, None), "credentials": (STRINGS, ()),
          "injects_token": (bool, None), "evidence": (STRINGS, ()), "shared": (bool, False), "channels": (Map, None)}
_CHANNELS = {"keywords": (STRINGS, REQUIRED), "names": (Map, REQUIRED)}
_METHOD = {"endpoints": (STRINGS, ()), "one_of": (STRINGS, ()), "dynamic": (str, None), "access": (str, None),
           "arg": (int, 0), "keyword": (str, None), "access_arg": (int, None), "access_keyword": (str, None),
           "ws": (str, None), "ws_at": (STRINGS, None), "ws_access": (str, None)}
_SECRETS = {"shapes": (Seq, REQUIRED), "names": (str, REQUIRED), "token_names": (str, REQUIRED),
            "name_markers": (STRINGS, ()), "module_markers": (STRINGS, ()), "lookalike_markers": (STRINGS, ()),
            "env_defaults": (STRINGS, ()), "env_mappings": (STRINGS, ()), "placeholders": (STRINGS, ()),
            "min_entropy": (NUMBER, 0.0), "known_examples": (STRINGS, ())}
_SHAPE = {"kind": (str, REQUIRED), "length": ((int, Seq), REQUIRED), "decoded": (Seq, Seq()),
          "token_only": (bool, False), "env": (str, "")}
_EXPECTED[(int, Seq)] = "a whole number or a list of two"


def _permissions(ctx: _Ctx, root: Map, keys: tuple[str, ...]) -> tuple[Permission, ...]:
    out: dict[str, Permission] = {}
    for i, item, where in _items(ctx, root, "permissions"):
        v = _read(ctx, item, _PERMISSION, where)
        v["key"] = v["key"] or keys[0]
        _one_of(ctx, v["key"], keys, line_of(item, "key", item.line), f"{where}.key")
        ctx.check(_ID.match(v["id"]), item.line, f"{where}.id", f"'{v['id']}' is not a lower-case-dashed id")
        ctx.check(v["id"] not in out, item.line, f"{where}.id", f"duplicate permission '{v['id']}'")
        ctx.check(1 <= v["risk"] <= 9, line_of(item, "risk", item.line), f"{where}.risk",
                  "expected a number from 1 to 9")
        out[v["id"]] = Permission(order=i, **v)
    return tuple(out.values())


def _presets(ctx: _Ctx, root: Map, known: dict[str, Permission]) -> tuple[Preset, ...]:
    out: dict[str, Preset] = {}
    for _, item, where in _items(ctx, root, "presets"):
        v = _read(ctx, item, _PRESET, where)
        ctx.check(v["id"] not in out and v["id"] not in known, item.line, f"{where}.id", f"duplicate name '{v['id']}'")
        out[v["id"]] = Preset(v["id"], v["title"], _ordered(_refs(ctx, item, "permissions", where, known, "permission"),
                                                            known))
    return tuple(out.values())


def _ordered(ids: tuple[str, ...], known: dict[str, Permission]) -> tuple[str, ...]:
    return tuple(sorted(ids, key=lambda pid: known[pid].order))


def _requirement(ctx: _Ctx, mapping: Map, where: str, known: dict[str, Permission]) -> Requirement:
    return Requirement(*(_ordered(_refs(ctx, mapping, key, where, known, "permission"), known) for key in _REQUIRES))


def _rest(ctx: _Ctx, root: Map) -> tuple[tuple[str, ...], dict[str, str]]:
    rest = _read(ctx, _get(ctx, root, "rest", Map, "rules"), _REST, "rest")
    paths = _read(ctx, rest["paths"], {access: (str, REQUIRED) for access in ACCESS_KINDS}, "rest.paths")
    for access, template in paths.items():
        ctx.check("{name}" in template and template.startswith("/"), line_of(rest["paths"], access, 1),
                  f"rest.paths.{access}", "expected a path starting with / that contains {name}")
    return rest["hosts"], paths


def _endpoints(ctx: _Ctx, root: Map, known: dict[str, Permission], paths: dict[str, str],
               apis: tuple[HttpApi, ...], keys: tuple[str, ...]) -> tuple[Endpoint, ...]:
    out: dict[str, Endpoint] = {}
    for _, item, where in _items(ctx, root, "endpoints"):
        _known_keys(ctx, item, _ENDPOINT_KEYS, where)
        api = _route_api(ctx, item, where, apis)
        name = _get(ctx, item, "name", str, where, None if api else REQUIRED)
        if api is not None:
            ctx.check(name is None, line_of(item, "name", item.line), f"{where}.name",
                      f"an endpoint of the {api.id} API is named by its method and path")
            name = f"{item['method']} {item['path']}"
        else:
            ctx.check(_ENDPOINT.match(name), item.line, f"{where}.name", f"'{name}' is not an endpoint name")
        ctx.check(name not in out, item.line, f"{where}.name", f"duplicate endpoint '{name}'")
        where = f"endpoints[{name}]"
        v = _read(ctx, item, _ENDPOINT_KEYS, where)
        _one_of(ctx, v["access"], ACCESS_KINDS, line_of(item, "access", item.line), f"{where}.access")
        requirement = _requirement(ctx, item, where, known)
        ctx.check(v["access"] == "private" or not requirement.mentions, item.line, where,
                  "a public endpoint cannot require a permission")
        key = api.key if api is not None else keys[0]
        strays = [p for p in requirement.mentions if known[p].key != key]
        ctx.check(not strays, item.line, where, f"'{strays[0] if strays else ''}' is not a permission of the {key} key")
        guide = None
        if v["guide"] is not None:
            _read(ctx, v["guide"], _REQUIRES, f"{where}.guide")
            guide = _requirement(ctx, v["guide"], f"{where}.guide", known)
        out[name] = Endpoint(name, v["access"], v["path"] or paths[v["access"]].format(name=name), v["method"],
                             requirement, v["moves_funds"], guide, v["legacy"], v["inferred"], key=key,
                             api=api.id if api is not None else None)
    return tuple(out.values()) + _any_method(tuple(out.values()), known)


def _route_api(ctx: _Ctx, item: Map, where: str, apis: tuple[HttpApi, ...]) -> HttpApi | None:
    """The API of an endpoint given by HTTP method and a path under one of the APIs' prefixes."""
    path, method = item.get("path"), item.get("method")
    if not isinstance(path, str) or not isinstance(method, str):
        return None
    api = next((a for a in apis if any((path + "/").startswith(p) for p in a.prefixes)), None)
    if api is not None:
        ctx.check(_ROUTE.match(path), line_of(item, "path", item.line), f"{where}.path",
                  f"'{path}' is not a path of lower-case segments and {{parameters}}")
        ctx.check(_VERB.match(method), line_of(item, "method", item.line), f"{where}.method",
                  f"expected an HTTP method in capitals, got '{method}'")
    return api


def _any_method(endpoints: tuple[Endpoint, ...], known: dict[str, Permission]) -> tuple[Endpoint, ...]:
    """For a path served with several HTTP methods, "* path": a call whose method is not known
    needs the strictest of their requirements (the highest risk)."""
    by_path: dict[tuple[str, str], list[Endpoint]] = {}
    for e in endpoints:
        if e.api is not None:
            by_path.setdefault((e.api, e.path), []).append(e)

    def risk(e: Endpoint) -> int:
        r = e.requirement
        return sum(known[p].risk for p in r.all_of) + min((known[p].risk for p in r.any_of), default=0)

    out = []
    for (api, path), group in by_path.items():
        if len(group) > 1:
            strictest = max(group, key=risk)
            out.append(Endpoint(f"* {path}", strictest.access, path, None, strictest.requirement,
                                any(e.moves_funds for e in group), inferred=True, key=strictest.key, api=api))
    return tuple(out)


def _apis(ctx: _Ctx, root: Map, keys: tuple[str, ...]) -> tuple[HttpApi, ...]:
    if "apis" not in root:
        return ()
    out: list[HttpApi] = []
    for _, item, where in _items(ctx, root, "apis"):
        v = _read(ctx, item, _API, where)
        _one_of(ctx, v["key"], keys, line_of(item, "key", item.line), f"{where}.key")
        for prefix in v["prefixes"]:
            ctx.check(prefix.startswith("/") and prefix.endswith("/"), line_of(item, "prefixes", item.line),
                      f"{where}.prefixes", f"'{prefix}' does not start and end with /")
        out.append(HttpApi(v["id"], v["key"], tuple(h.lower() for h in v["hosts"]), v["prefixes"]))
    return tuple(out)


def _http(ctx: _Ctx, root: Map) -> Http:
    if "http" not in root:
        return Http()
    v = _read(ctx, _get(ctx, root, "http", Map, "rules"), _HTTP, "http")
    return Http(tuple(w.lower() for w in v["verbs"]), v["request"], v["request_classes"])


def _websocket(ctx: _Ctx, root: Map, known: dict[str, Permission],
               keys: tuple[str, ...]) -> tuple[WebSocket, tuple[Endpoint, ...]]:
    if "websocket" not in root:
        return WebSocket(), ()
    raw = _get(ctx, root, "websocket", Map, "rules")
    v = _read(ctx, raw, _WEBSOCKET, "websocket")
    urls = []
    for _, item, where in _items(ctx, raw, "urls", "websocket"):
        u = _read(ctx, item, _URL, where)
        _one_of(ctx, u["access"], ACCESS_KINDS, item.line, f"{where}.access")
        urls.append(WsUrl(u["url"].lower(), u["access"], u["version"], u["auth"].lower() or None,
                          tuple(u["only"])))
    for (_, item, where), url in zip(_items(ctx, raw, "urls", "websocket"), urls):
        ctx.check(url.auth is None or any(u.url == url.auth and u.access == "private" for u in urls),
                  line_of(item, "auth", item.line), f"{where}.auth", "expected one of the private urls listed")
    protocols, endpoints = [], []
    for _, item, where in _items(ctx, raw, "protocols", "websocket"):
        p = _read(ctx, item, _PROTOCOL, where)
        key = p["key"] or keys[0]
        _one_of(ctx, key, keys, line_of(item, "key", item.line), f"{where}.key")
        names: dict[str, list[str]] = {"channels": [], "methods": []}
        for group in names:
            for _, entry, ewhere in _items(ctx, item, group, where):
                name = _read(ctx, entry, _NAMED, ewhere)["name"]
                requirement = _requirement(ctx, entry, ewhere, known)
                full = f"ws/{p['version']}/{name}"
                ctx.check(full not in (e.name for e in endpoints), raw.line, "websocket.protocols",
                          f"duplicate channel or method '{full}'")
                access = "private" if requirement.mentions else "public"
                strays = [p for p in requirement.mentions if known[p].key != key]
                ctx.check(not strays, entry.line, ewhere, lambda: f"'{strays[0]}' is not a permission of the {key} key")
                endpoints.append(Endpoint(full, access, full, None, requirement, inferred=access == "private",
                                          kind="websocket", key=key))
                names[group].append(name)
        protocols.append(WsProtocol(p["version"], p["request"], p["subscribe"], p["channel"], p["token"],
                                    p["request_token"], tuple(names["methods"]), p["keepalive"]))
    socket = WebSocket(tuple(urls), tuple(protocols), v["token_endpoint"], v["forbidden_keys"], v["send_methods"],
                       v["dumps"])
    return socket, tuple(endpoints)


def _clients(ctx: _Ctx, root: Map, endpoints: dict[str, Endpoint],
             versions: tuple[str, ...]) -> tuple[tuple[ClientClass, ...], tuple[str, ...]]:
    """The client classes, and the module names that mark a file as using a client."""
    if "clients" not in root:
        return (), ()
    out: dict[str, ClientClass] = {}
    modules: list[str] = []
    for _, library, where in _items(ctx, root, "clients"):
        lib = _read(ctx, library, _LIBRARY, where)
        where = f"clients[{lib['id']}]"
        modules.extend(m.lower() for m in lib["modules"])
        for _, item, cwhere in _items(ctx, library, "classes", where):
            _known_keys(ctx, item, _CLASS, cwhere)
            cid = _get(ctx, item, "id", str, cwhere)
            out[cid] = _client_class(ctx, item, f"{where}.classes[{cid}]", lib["id"], out, endpoints, versions)
    return tuple(out.values()), tuple(modules)


def _client_class(ctx: _Ctx, item: Map, where: str, library: str, out: dict[str, ClientClass],
                  endpoints: dict[str, Endpoint], versions: tuple[str, ...]) -> ClientClass:
    v = _read(ctx, item, _CLASS, where)
    cid = v["id"]
    ctx.check(cid not in out, item.line, f"{where}.id", f"duplicate client class '{cid}'")
    paths = v["paths"] or (cid,)
    for path in paths:
        ctx.check(_DOTTED.match(path), line_of(item, "paths", item.line), f"{where}.paths",
                  f"'{path}' is not a dotted name")
    parents = [_known_class(ctx, name, out, line_of(item, "inherits", item.line), f"{where}.inherits")
               for name in v["inherits"]]
    methods = {m.name: m for parent in parents for m in parent.methods}
    attributes = {k: h for parent in parents for k, h in parent.attributes}
    for attribute, held in (v["attributes"] or {}).items():
        line = line_of(v["attributes"], attribute, item.line)
        attributes[str(attribute)] = _known_class(ctx, str(held), out, line, f"{where}.attributes.{attribute}").id
    for name, spec in (v["methods"] or {}).items():
        methods[str(name)] = _client_method(ctx, v["methods"], str(name), spec, f"{where}.methods.{name}", endpoints,
                                            versions)
    implicit = v["implicit"] or next((p.implicit for p in parents if p.implicit), None)
    if v["implicit"] is not None:
        line = line_of(item, "implicit", item.line)
        try:
            groups = re.compile(v["implicit"]).groupindex
        except re.error as exc:
            raise ctx.fail(line, f"{where}.implicit", f"bad regular expression: {exc}") from None
        ctx.check({"access", "name"} <= set(groups), line, f"{where}.implicit",
                  "needs the groups (?P<access>...) and (?P<name>...)")
    for name in v["evidence"]:
        ctx.check(name in methods, line_of(item, "evidence", item.line), f"{where}.evidence",
                  lambda: f"'{name}' is not a method of this class{did_you_mean(name, methods)}")
    credentials = v["credentials"] or next((p.credentials for p in parents if p.credentials), ())
    injects = v["injects_token"] if v["injects_token"] is not None else any(p.injects_token for p in parents)
    keywords, names = _channels(ctx, item, where, endpoints)
    return ClientClass(cid, library, paths, tuple(methods.values()), implicit, tuple(attributes.items()), credentials,
                       injects, v["evidence"], v["shared"], keywords, names)


def _channels(ctx: _Ctx, item: Map, where: str,
              endpoints: dict[str, Endpoint]) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """A constructor that subscribes to the channels its keywords name: which keywords, each name's channel."""
    if "channels" not in item:
        return (), ()
    v = _read(ctx, item["channels"], _CHANNELS, f"{where}.channels")
    names = []
    for name, endpoint in v["names"].items():
        line = line_of(v["names"], name, item.line)
        ctx.check(isinstance(endpoint, str) and endpoint in endpoints, line, f"{where}.channels.names.{name}",
                  lambda: f"unknown channel '{endpoint}'{did_you_mean(str(endpoint), endpoints)}")
        names.append((str(name), endpoint))
    return v["keywords"], tuple(names)


def _known_class(ctx: _Ctx, name: str, out: dict[str, ClientClass], line: int, where: str) -> ClientClass:
    ctx.check(name in out, line, where,
              lambda: f"unknown client class '{name}' (list it before this one){did_you_mean(name, out)}")
    return out[name]


def _client_method(ctx: _Ctx, parent: Map, name: str, spec: Any, where: str, endpoints: dict[str, Endpoint],
                   versions: tuple[str, ...]) -> ClientMethod:
    line = line_of(parent, name, parent.line)

    def known(names: tuple[str, ...], key: str) -> tuple[str, ...]:
        for endpoint in names:
            ctx.check(endpoint in endpoints, line, f"{where}{key}",
                      lambda: f"unknown endpoint '{endpoint}'{did_you_mean(endpoint, endpoints)}")
        return names

    if isinstance(spec, (str, Seq)):  # a name, or a list of names: every one of them is called
        wrapper = Map(endpoints=spec if isinstance(spec, Seq) else Seq([spec]))
        wrapper.line, wrapper.key_lines = line, {"endpoints": line}
        return ClientMethod(name, endpoints=known(_strings(ctx, wrapper, "endpoints", where), ""))
    ctx.check(isinstance(spec, Map), line, where,
              f"expected an endpoint name, a list or a mapping, got {describe(spec)}")
    v = _read(ctx, spec, _METHOD, where)
    _one_of(ctx, v["dynamic"], ("name", "path"), line, f"{where}.dynamic")
    ctx.check(v["dynamic"] != "name" or v["access"] is not None, spec.line, where, "missing key 'access'")
    _one_of(ctx, v["access"], ACCESS_KINDS, line, f"{where}.access")
    _one_of(ctx, v["ws_access"], ACCESS_KINDS, line, f"{where}.ws_access")
    ctx.check(v["ws"] is None or v["ws"] in versions, line, f"{where}.ws",
              lambda: f"unknown WebSocket version '{v['ws']}'{did_you_mean(str(v['ws']), versions)}")
    method = ClientMethod(name, **{**v, "endpoints": known(v["endpoints"], ".endpoints"),
                                   "one_of": known(v["one_of"], ".one_of")})
    kinds = (method.dynamic is not None) + bool(method.endpoints) + bool(method.one_of) + (method.ws is not None)
    ctx.check(kinds == 1, line, where, "needs exactly one of endpoints, one_of, dynamic or ws")
    return method


def _secrets(ctx: _Ctx, root: Map) -> Secrets:
    if "secrets" not in root:
        return Secrets()
    raw = _get(ctx, root, "secrets", Map, "rules")
    v = _read(ctx, raw, _SECRETS, "secrets")
    shapes = []
    for _, item, where in _items(ctx, raw, "shapes", "secrets"):
        s = _read(ctx, item, _SHAPE, where)
        length = s["length"]
        lengths = (length, length) if isinstance(length, int) else tuple(length)
        ctx.check(len(lengths) == 2 and all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in lengths),
                  line_of(item, "length", item.line), f"{where}.length", "expected a length or [shortest, longest]")
        ctx.check(all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in s["decoded"]), item.line,
                  f"{where}.decoded", "expected a list of byte counts")
        shapes.append(SecretShape(s["kind"], lengths, tuple(s["decoded"]), s["token_only"],  # type: ignore[arg-type]
                                  s["env"] or None))
    for key in ("names", "token_names"):
        try:
            re.compile(v[key])
        except re.error as exc:
            raise ctx.fail(line_of(raw, key, raw.line), f"secrets.{key}", f"bad regular expression: {exc}") from None
    for i, digest in enumerate(v["known_examples"]):
        ctx.check(_SHA256.match(digest), line_of(raw["known_examples"], i, raw.line), f"secrets.known_examples[{i}]",
                  "expected a SHA-256 digest in lower-case hex")
    lowered = {key: tuple(m.lower() for m in v[key]) for key in ("name_markers", "module_markers",
                                                                 "lookalike_markers", "placeholders")}
    return Secrets(tuple(shapes), v["names"], v["token_names"], env_defaults=v["env_defaults"],
                   env_mappings=v["env_mappings"], min_entropy=float(v["min_entropy"]),
                   known_examples=frozenset(v["known_examples"]), **lowered)


def _prefilter(ctx: _Ctx, root: Map) -> tuple[str, ...]:
    raw = _get(ctx, root, "prefilter", Map, "rules")
    words = _read(ctx, raw, {"words": (STRINGS, ())}, "prefilter")["words"]
    ctx.check(words, raw.line, "prefilter.words", "needs at least one word")
    return tuple(w.lower() for w in words)


def parse_catalog(data: Any, path: Path) -> Catalog:
    """Validate parsed YAML and build the Catalog."""
    ctx = _Ctx(path)
    ctx.check(isinstance(data, Map), 1, "rules", f"expected a mapping at the top, got {describe(data)}")
    for key in data:
        ctx.check(key in _TOP, line_of(data, key, data.line), "rules",
                  lambda: f"unknown key '{key}'{did_you_mean(str(key), _TOP)}")
    version = _get(ctx, data, "version", int, "rules")
    ctx.check(version == 1, line_of(data, "version", 1), "rules.version", f"unsupported version {version}")
    keys = _get(ctx, data, "keys", STRINGS, "rules", ()) or ("spot",)
    permissions = _permissions(ctx, data, keys)
    known = {p.id: p for p in permissions}
    presets = _presets(ctx, data, known)
    hosts, paths = _rest(ctx, data)
    apis = _apis(ctx, data, keys)
    endpoints = _endpoints(ctx, data, known, paths, apis, keys)
    socket, ws_endpoints = _websocket(ctx, data, known, keys)
    clients, modules = _clients(ctx, data, {e.name: e for e in (*endpoints, *ws_endpoints)},
                                tuple(p.version for p in socket.protocols))
    return Catalog(str(path), permissions, presets, endpoints, hosts, tuple(paths.items()), _prefilter(ctx, data),
                   clients, _secrets(ctx, data), socket, ws_endpoints, modules, keys, apis, _http(ctx, data))
