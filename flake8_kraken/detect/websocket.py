"""Kraken WebSocket use: subscriptions and requests (v1 and v2), their tokens and sockets.

A message is read where it is written, whatever sends it later: a dict literal
(`{"method": "subscribe", "params": {"channel": "executions", "token": t}}`) or JSON
text however it is built (a literal, `%`, `.format`, an f-string). Its parts may be
names the model follows (`params = {...}`, a channel constant, a helper's
parameter, filled in at the helper's calls). The model also says what each send goes
through: a socket opened on a Kraken address (kept in a variable, in `self.`, or
returned by a factory) or a client that adds the token itself; a private message on
a public address is KRK301. Library clients that send messages for the caller (the
SDK's subscribe, Kraken's sample clients) come from detect/clients.py. Only modules
that talk to Kraken are read, so another exchange's `{"event": "subscribe"}` is not
taken for Kraken's.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterator, Union

import libcst as cst

from flake8_kraken.catalog import Catalog, Secrets, WsProtocol, WsUrl
from flake8_kraken.detect.clients import WsCall
from flake8_kraken.detect.rest import Reporter
from flake8_kraken.detect.secrets import Classifier, literal_value, target_name
from flake8_kraken.detect.summaries import Pending
from flake8_kraken.findings import RUNTIME_NAME, KeySent
from flake8_kraken.model.evaluate import Model, argument
from flake8_kraken.model.scopes import Scope, dotted
from flake8_kraken.model.values import HOLE, Client, Func, Literal, Socket, Str, Values, marker, marker_at, markers_in

VIA = "websocket message"
_MAX_JSON = 100_000  # longer strings are not read as messages
_UNKNOWN_RUN = re.compile("(\x00|\x01\\d+\x02)")


# --- a message, written as a dict literal or as JSON text ---------------------------------


@dataclass(frozen=True)
class Leaf:
    """A value in a message that is not a dict: its expression (dict literals) or its text (JSON)."""

    model: Model | None
    node: cst.BaseExpression | None = None
    scope: Scope | None = None
    text: str | None = None

    def texts(self) -> list[str]:
        if self.text is not None:
            return [self.text]
        if self.model is None or self.node is None or self.scope is None:
            return [HOLE]
        function = self.scope if self.scope.kind == "function" else None
        return self.model.texts(self.node, self.scope, function)


@dataclass(frozen=True)
class DictView:
    """A dict literal, its values read through the model (a value may be a name holding another dict)."""

    model: Model
    literal: Literal
    apart: bool = False  # written apart from the dict that holds it (`"params": params`)

    def get(self, key: str) -> View | None:
        for element in self.literal.node.elements:
            if isinstance(element, cst.DictElement) and key in self.model.texts(element.key, self.literal.scope):
                values = self.literal.model.value(element.value, self.literal.scope)
                dicts = [a for a in values if isinstance(a, Literal) and isinstance(a.node, cst.Dict)]
                if len(values) == 1 and dicts:
                    return DictView(self.model, dicts[0], dicts[0].node is not element.value)
                return Leaf(self.literal.model, element.value, self.literal.scope)
        return None

    @property
    def open(self) -> bool:
        """A ** spread: any key may be there."""
        return any(isinstance(e, cst.StarredDictElement) for e in self.literal.node.elements)

    def items(self) -> Iterator[tuple[str, View]]:
        for element in self.literal.node.elements:
            if isinstance(element, cst.DictElement):
                key = literal_value(element.key)
                found = self.get(key) if key is not None else None
                if key is not None and found is not None:
                    yield key, found


@dataclass(frozen=True)
class JsonView:
    """A JSON object read from a string template; run-time parts kept as holes or parameter markers."""

    data: dict[str, Any]
    holders: dict[str, str] = field(default_factory=dict)

    def get(self, key: str) -> View | None:
        if key not in self.data:
            return None
        value = self.data[key]
        if isinstance(value, dict):
            return JsonView(value, self.holders)
        if isinstance(value, str):
            for token, piece in self.holders.items():
                value = value.replace(token, piece)
            return Leaf(None, text=value)
        return Leaf(None, text=HOLE)

    open = False

    def items(self) -> Iterator[tuple[str, View]]:
        for key in self.data:
            found = self.get(key)
            if found is not None:
                yield key, found


View = Union[DictView, JsonView, Leaf]


def at_path(view: View | None, path: tuple[str, ...]) -> View | None:
    for key in path:
        if not isinstance(view, (DictView, JsonView)):
            return None
        view = view.get(key)
    return view


def may_hold(view: View, path: tuple[str, ...]) -> bool:
    """True when `path` is in the message, or could be (a ** spread or a non-literal on the way)."""
    for key in path:
        if not isinstance(view, (DictView, JsonView)) or view.open:
            return True
        found = view.get(key)
        if found is None:
            return False
        view = found
    return True


def json_view(text: str) -> JsonView | None:
    """The JSON object a string template holds, its run-time parts standing in as placeholders."""
    if not text.lstrip().startswith("{") or len(text) > _MAX_JSON:
        return None
    pieces = _UNKNOWN_RUN.split(text)
    for quoted in (False, True):
        holders: dict[str, str] = {}
        out = []
        for i, piece in enumerate(pieces):
            if i % 2:
                token = f"@@kraken{i}@@"
                holders[token] = piece
                out.append(f'"{token}"' if quoted else token)
            else:
                out.append(piece)
        try:
            data = json.loads("".join(out))
        except (ValueError, RecursionError):
            continue
        return JsonView(data, holders) if isinstance(data, dict) else None
    return None


@dataclass(frozen=True)
class Message:
    """A Kraken message found in the code: its protocol, what it names, where its token would go."""

    view: DictView | JsonView
    node: cst.CSTNode  # where it is reported
    scope: Scope
    protocol: WsProtocol
    names: tuple[str, ...]  # the channel or request name's templates
    token_path: tuple[str, ...]
    field: tuple[str, ...] = ()  # names is a parameter holding a dict; the name is its entry at this key path


# --- the detector ------------------------------------------------------------------------------


class WebSocketMessages:
    """Messages and sends in one module, read with the model."""

    def __init__(self, model: Model, reporter: Reporter, kraken_module: bool, ws_calls: list[WsCall]) -> None:
        self.model = model
        self.catalog: Catalog = model.catalog
        self.socket = self.catalog.websocket
        self.reporter = reporter
        self.kraken_module = kraken_module
        self.ws_calls = ws_calls
        self.classifier = Classifier(self.catalog.secrets)
        self.pendings: list[Pending] = []
        self.tokens: list[tuple[cst.BaseExpression, str]] = []  # what Kraken messages carry as their token

    def find(self) -> list[Pending]:
        self._given: set[int] = set()  # dicts a client sends for the caller: read there, not as messages
        for call in self.ws_calls:
            self._client_call(call)
        messages = list(self._messages())
        injected, public = self._read_sends(messages)
        for message in messages:
            self._report(message, id(message.node) in injected, public.get(id(message.node), False))
        return self.pendings

    # --- finding messages ----------------------------------------------------------------------

    def _messages(self) -> Iterator[Message]:
        for node, scope in self.model.collector.dicts:
            if id(node) in self._given:
                continue
            found = self._message(DictView(self.model, Literal(node, scope, self.model)), node, scope)
            if found is not None:
                yield found
        texts: list[Message] = []
        built_from: set[int] = set()  # JSON templates another message is made from (MSG % (...))
        for node, scope in self.model.collector.strings:
            if not _may_be_json(node):
                continue
            function = scope if scope.kind == "function" else None
            found = None
            for atom in self.model.strs(node, scope, function):  # one message, whichever text it is
                view = json_view(atom.text)
                message = self._message(view, node, scope) if view is not None else None
                if message is None:
                    continue
                built_from.update(atom.roots - {id(node)})
                if found is None:
                    found = message
                elif message.protocol is found.protocol:
                    found = Message(found.view, found.node, scope, found.protocol,
                                    tuple(dict.fromkeys((*found.names, *message.names))), found.token_path)
            if found is not None:
                texts.append(found)
        yield from (m for m in texts if id(m.node) not in built_from)

    def _message(self, view: DictView | JsonView, node: cst.CSTNode, scope: Scope) -> Message | None:
        """The Kraken message a dict or JSON text is. Outside a module that talks to Kraken, only one
        that carries a token where Kraken's protocol puts it (that shape is Kraken's own)."""
        for protocol in self.socket.protocols:
            request = at_path(view, protocol.request)
            if not isinstance(request, Leaf):
                continue
            names = request.texts()
            if any(n in protocol.subscribe for n in names):
                if at_path(view, protocol.channel[:1]) is None:
                    continue  # not this protocol's shape (v1's subscription, Futures' feed; another exchange's)
                channel = at_path(view, protocol.channel)
                texts = channel.texts() if isinstance(channel, Leaf) else [HOLE]
                found = Message(view, _holder(view, protocol.channel, node), scope, protocol, tuple(texts),
                                protocol.token)
                passed = self._passed_dict(view, protocol.channel[:-1], scope)
                if passed is not None:  # {"subscription": subscription}: the caller's dict names the channel
                    found = Message(view, node, scope, protocol, (passed,), protocol.token, protocol.channel[-1:])
            elif names and all(n in protocol.methods for n in names):
                found = Message(view, node, scope, protocol, tuple(names), protocol.request_token)
            else:
                continue  # an unknown request name: another protocol's, or someone else's message
            if self.kraken_module or isinstance(at_path(view, found.token_path), Leaf):
                return found
            return None
        return None

    def _passed_dict(self, view: DictView | JsonView, path: tuple[str, ...], scope: Scope) -> str | None:
        """The marker of the enclosing function's parameter that holds the dict at `path`, if it is one."""
        holder = at_path(view, path)
        if not isinstance(holder, Leaf) or holder.node is None or scope.kind != "function":
            return None
        texts = self.model.texts(holder.node, scope, scope)
        index = marker_at(texts[0]) if len(texts) == 1 else None
        return texts[0] if index is not None and texts[0] == marker(index) else None

    # --- sends ------------------------------------------------------------------------------------

    def _read_sends(self, messages: list[Message]) -> tuple[set[int], dict[int, bool]]:
        """Messages sent by a token-adding client, and whether each send went to a public address."""
        by_dict = {id(m.view.literal.node): m for m in messages if isinstance(m.view, DictView)}
        by_root = {id(m.node): m for m in messages}
        injected: set[int] = set()
        public: dict[int, bool] = {}
        for call, scope in self.model.collector.calls:
            func = call.func
            if not (isinstance(func, cst.Attribute) and func.attr.value in self.socket.send_methods and call.args):
                continue
            sent = self._sent_messages(call, scope, by_dict, by_root)
            if not sent:
                continue
            receiver = self.model.value(func.value, scope)
            injects = any(isinstance(a, Client) and a.cls.injects_token for a in receiver)
            urls = [a.url for a in receiver if isinstance(a, Socket) and a.url is not None]
            for message in sent:
                if injects:
                    injected.add(id(message.node))
                elif urls:
                    on_public = all(u.access == "public" for u in urls)
                    public[id(message.node)] = public.get(id(message.node), False) or on_public
                else:
                    fallback = self._module_address
                    if fallback is not None:
                        public[id(message.node)] = True
        return injected, public

    def _sent_messages(self, call: cst.Call, scope: Scope, by_dict: dict[int, Message],
                       by_root: dict[int, Message]) -> list[Message]:
        arg = call.args[0].value
        out = []
        for atom in self.model.value(arg, scope):
            if isinstance(atom, Literal) and id(atom.node) in by_dict:
                out.append(by_dict[id(atom.node)])
            elif isinstance(atom, Str):
                out.extend(by_root[r] for r in atom.roots if r in by_root)
        return out

    @cached_property
    def _module_address(self) -> WsUrl | None:
        """When every Kraken address in the module is public, any socket in it is public."""
        urls = []
        for node, scope in self.model.collector.strings:
            text = literal_value(node)
            if text and text.startswith("wss://"):
                url = self.socket.url(text)
                if url is not None:
                    urls.append(url)
        return urls[0] if urls and all(u.access == "public" for u in urls) else None

    # --- reporting -------------------------------------------------------------------------------

    def _report(self, message: Message, injected: bool, on_public: bool) -> None:
        node = message.node
        self._credentials_sent(message)
        has_token = may_hold(message.view, message.token_path) or self._token_set_later(message)
        function = message.scope if message.scope.kind == "function" else None
        waiting = []
        for name in message.names:
            if function is not None and markers_in(name) and HOLE not in name:
                waiting.append(name)
            elif HOLE in name or "\x01" in name:
                self.reporter.sink.unresolved(node, RUNTIME_NAME)
            else:
                self.report_name(node, message.protocol.version, name, (injected, on_public, has_token), VIA)
        if waiting and function is not None:
            details = (message.protocol.version, (injected, on_public, has_token))
            self.pendings.append(Pending(Func(function, self.model), tuple(waiting), "ws", VIA, node, details,
                                         field=message.field))

    def _token_set_later(self, message: Message) -> bool:
        """msg["params"]["token"] = token, after the message was written."""
        if not isinstance(message.view, DictView) or not message.token_path:
            return False
        for target, scope in self.model.collector.item_sets:
            index = target.slice[0].slice if len(target.slice) == 1 else None
            if not isinstance(index, cst.Index) or literal_value(index.value) != message.token_path[-1]:
                continue
            base = target.value
            while isinstance(base, cst.Subscript):
                base = base.value
            if any(isinstance(a, Literal) and a.node is message.view.literal.node
                   for a in self.model.value(base, scope)):
                return True
        return False

    def report_name(self, node: cst.CSTNode, version: str, name: str, flags: tuple[bool, bool, bool],
                    via: str) -> None:
        """One channel or request: the call, the address it goes to, whether it has a token."""
        injected, on_public, has_token = flags
        protocol = next(p for p in self.socket.protocols if p.version == version)
        full = protocol.endpoint(name)
        endpoint = self.catalog.endpoint(full)
        if endpoint is None:
            self.reporter.name(node, full, None, via)  # KRK203 with a did-you-mean
            return
        self.reporter.endpoint(node, endpoint, None, via, public_address=on_public, has_token=injected or has_token)

    def finish(self, pending: Pending, node: cst.CSTNode, atom: Str) -> None:
        """A helper's message, its channel or request named at one of the helper's call sites."""
        version, flags = pending.details
        if HOLE in atom.text:
            self.reporter.sink.unresolved(node, RUNTIME_NAME)
        else:
            self.report_name(node, version, atom.text, flags, f"{pending.func.scope.name}() -> {pending.via}")

    def _credentials_sent(self, message: Message) -> None:
        """The API key or secret in a message, as its token or under an API-Key header name."""
        if isinstance(message.view, JsonView):
            self._credentials_in_text(message, message.view)
            return
        token = at_path(message.view, message.token_path)
        if isinstance(token, Leaf) and token.node is not None:
            self.tokens.append((token.node, message.token_path[-1]))
            name = _value_name(token.node, self.catalog.secrets)
            if name and self.classifier.is_credential_name(name) and not self.classifier.is_token_name(name):
                self.reporter.sink.fact(token.node, KeySent, f"the token is {name}")
        forbidden = {k.lower() for k in self.socket.forbidden_keys}
        for view in _dicts_in(message.view):
            for element in view.literal.node.elements:
                key = literal_value(element.key) if isinstance(element, cst.DictElement) else None
                if key is not None and key.lower() in forbidden:
                    self.reporter.sink.fact(element.value, KeySent, f"the message carries {key}")

    def _credentials_in_text(self, message: Message, view: JsonView) -> None:
        """The same in a message written as JSON text: an API-Key field is reported at the text; a token
        is matched to the expression that fills it when each run-time part fills one place."""
        forbidden = {k.lower() for k in self.socket.forbidden_keys}
        carried = [key for key in dict.fromkeys(_json_keys(view.data)) if key.lower() in forbidden]
        if carried:  # one finding at the text, naming every field
            self.reporter.sink.fact(message.node, KeySent, f"the message carries {', '.join(carried)}")
        raw: Any = view.data
        for key in message.token_path:
            raw = raw.get(key) if isinstance(raw, dict) else None
        parts = _runtime_parts(message.node)
        if raw in view.holders and len(parts) == len(view.holders):
            part = parts[list(view.holders).index(raw)]
            name = _value_name(part, self.catalog.secrets)
            if name and self.classifier.is_credential_name(name) and not self.classifier.is_token_name(name):
                self.reporter.sink.fact(part, KeySent, f"the token is {name}")

    # --- messages a client sends for the caller -----------------------------------------------

    def _client_call(self, call: WsCall) -> None:
        """subscribe(params={"channel": ...}), subscribe_private(subscription={...}), request(request={...})."""
        method, client = call.method, call.client
        protocol = next(p for p in self.socket.protocols if p.version == method.ws)
        at = method.ws_at if method.ws_at is not None else protocol.channel[:-1]
        arg = call.args.get(method.arg, method.keyword)
        via = f"{client.id}.{method.name}"
        if at == protocol.channel:  # the argument is the channel's name itself: subscribe(feed="fills")
            names = self.model.texts(arg, call.scope) if arg is not None else [HOLE]
            self._client_names(call, protocol.version, names, (client.injects_token, method.ws_access == "public",
                                                               client.injects_token), via)
            return
        values: Values = self.model.value(arg, call.scope) if arg is not None else ()
        dicts = [a for a in values if isinstance(a, Literal) and isinstance(a.node, cst.Dict)]
        if len(dicts) != 1:
            self.reporter.sink.unresolved(call.node, RUNTIME_NAME)
            return
        view = DictView(self.model, dicts[0])
        self._given.add(id(dicts[0].node))
        if at:
            channel = at_path(view, protocol.channel[len(at):])
            names = channel.texts() if isinstance(channel, Leaf) else [HOLE]
            token_path = protocol.token[len(at):]
        else:
            found = self._message(view, call.node, call.scope)
            if found is None:
                return
            names, token_path = list(found.names), found.token_path
        flags = (client.injects_token, method.ws_access == "public", may_hold(view, token_path))
        self._client_names(call, protocol.version, names, flags, via)

    def _client_names(self, call: WsCall, version: str, names: list[str], flags: tuple[bool, bool, bool],
                      via: str) -> None:
        for name in names:
            if HOLE in name or "\x01" in name:
                self.reporter.sink.unresolved(call.node, RUNTIME_NAME)
            else:
                self.report_name(call.node, version, name, flags, via)


def _holder(view: DictView | JsonView, path: tuple[str, ...], node: cst.CSTNode) -> cst.CSTNode:
    """Where a message names its channel: the dict literal holding it (`params = {"channel": ...}`
    built apart from the message), else the message itself."""
    holder = node
    for key in path[:-1]:
        view = view.get(key) if isinstance(view, (DictView, JsonView)) else None  # type: ignore[assignment]
        if isinstance(view, DictView) and view.apart:
            holder = view.literal.node
    return holder


def _may_be_json(node: cst.BaseExpression) -> bool:
    """A string expression that may build JSON text: it has a '{' in its literal parts."""
    if isinstance(node, cst.SimpleString):
        return "{" in node.value
    return True


def _value_name(node: cst.BaseExpression, secrets: Secrets) -> str | None:
    """The name a value comes from: a variable, attribute, config key or environment variable."""
    if isinstance(node, (cst.Name, cst.Attribute, cst.Subscript)):
        if isinstance(node, cst.Subscript) and dotted(node.value) in secrets.env_mappings:
            index = node.slice[0].slice
            return literal_value(index.value) if isinstance(index, cst.Index) else None
        return target_name(node)
    getters = {f"{m}.get" for m in secrets.env_mappings} | set(secrets.env_defaults)
    if isinstance(node, cst.Call) and dotted(node.func) in getters:
        return literal_value(node.args[0].value) if node.args else None
    return None


def _json_keys(data: Any) -> Iterator[str]:
    """Every key of a JSON object, nested ones too."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield key
            yield from _json_keys(value)
    elif isinstance(data, list):
        for value in data:
            yield from _json_keys(value)


def _runtime_parts(node: cst.CSTNode) -> list[cst.BaseExpression]:
    """The expressions a string expression puts into its text, in order ('..' + key, '%s' % key, f'{key}')."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
        right = node.right
        return [e.value for e in right.elements] if isinstance(right, cst.Tuple) else [right]
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return _runtime_parts(node.left) + _runtime_parts(node.right)
    if isinstance(node, cst.FormattedString):
        return [p.expression for p in node.parts if isinstance(p, cst.FormattedStringExpression)]
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "format":
        return [a.value for a in node.args]
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        return []
    return [node] if isinstance(node, cst.BaseExpression) else []


def _dicts_in(view: DictView) -> list[DictView]:
    out = [view]
    for _, value in view.items():
        if isinstance(value, DictView):
            out.extend(_dicts_in(value))
    return out


__all__ = ["WebSocketMessages", "argument"]
