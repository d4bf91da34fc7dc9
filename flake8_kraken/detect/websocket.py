"""Kraken WebSocket use: subscriptions and requests (v1 and v2), their tokens and sockets.

A message is read where its dict literal is written, whatever sends it later:
`{"method": "subscribe", "params": {"channel": "executions", "token": t}}` is a
ws/v2/executions call. Its token may also be set later (`msg["params"]["token"] = t`)
or added by a client that does so itself (python-kraken-sdk). Where the code shows
the socket it is sent on (`ws = connect(URL)`, `async with connect(URL) as ws`,
`ws.send(json.dumps(msg))`), a private message on a public address is KRK301. Only
modules that talk to Kraken are read, so another exchange's `{"event": "subscribe"}`
is not taken for Kraken's.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import libcst as cst

from flake8_kraken.catalog import Catalog, ClientClass, ClientMethod, WsProtocol, WsUrl
from flake8_kraken.detect.clients import ClientDetector, argument
from flake8_kraken.detect.rest import Reporter
from flake8_kraken.detect.secrets import Classifier, literal_value, target_name
from flake8_kraken.findings import RUNTIME_NAME
from flake8_kraken.resolve import Frame, Scope, dotted, is_unknown, template

VIA = "websocket message"
_MAX_JSON = 100_000  # longer string literals are not read as messages


@dataclass(frozen=True)
class Message:
    """A message dict literal: its protocol, what it names, and where its token would go."""

    node: cst.Dict
    frame: Frame
    protocol: WsProtocol
    name: str | None  # the channel or request name; None when built at run time
    token_path: tuple[str, ...]
    where: cst.CSTNode  # what to report: the dict, or the JSON string it was read from


def entry(node: cst.Dict, key: str) -> cst.BaseExpression | None:
    """node[key] for a dict literal with string keys."""
    for element in node.elements:
        if isinstance(element, cst.DictElement) and literal_value(element.key) == key:
            return element.value
    return None


def at_path(node: cst.BaseExpression, path: tuple[str, ...]) -> cst.BaseExpression | None:
    for key in path:
        if not isinstance(node, cst.Dict):
            return None
        found = entry(node, key)
        if found is None:
            return None
        node = found
    return node


def may_hold(node: cst.BaseExpression, path: tuple[str, ...]) -> bool:
    """True when `path` is in the literal, or could be (a ** spread or a non-literal on the way)."""
    for key in path:
        if not isinstance(node, cst.Dict):
            return True  # a name or a call: its keys are not known here
        if any(isinstance(e, cst.StarredDictElement) for e in node.elements):
            return True
        found = entry(node, key)
        if found is None:
            return False
        node = found
    return True


class WebSocketDetector(cst.BatchableCSTVisitor):
    """Finds WebSocket messages, connections and sends; reports at the end of the module."""

    def __init__(self, catalog: Catalog, reporter: Reporter, scope: Scope, clients: ClientDetector,
                 kraken_module: bool) -> None:
        super().__init__()
        self.catalog = catalog
        self.socket = catalog.websocket
        self.reporter = reporter
        self.scope = scope
        self.clients = clients
        self.kraken_module = kraken_module
        self.classifier = Classifier(catalog.secrets)
        self.messages: list[Message] = []
        self.bound: dict[str, list[cst.Dict]] = {}  # name -> message dicts assigned to it
        self.token_set: set[str] = set()  # names whose message gets a token later
        self.connections: dict[str, list[WsUrl]] = {}  # name -> addresses it was opened with
        self.urls: list[WsUrl] = []  # every Kraken WebSocket address in the module
        # call, frame, socket expression, the address its name was last opened with
        self.sends: list[tuple[cst.Call, Frame, cst.BaseExpression, WsUrl | None]] = []
        self.json_messages: dict[int, cst.Dict] = {}  # a JSON string literal -> the dict it holds
        self.dumps = frozenset(self.socket.dumps)
        self.send_methods = frozenset(self.socket.send_methods)

    # --- collecting -----------------------------------------------------------------------

    def visit_Dict(self, node: cst.Dict) -> None:
        if self.kraken_module:
            self._read_message(node, node)

    def _read_message(self, node: cst.Dict, where: cst.CSTNode) -> None:
        for protocol in self.socket.protocols:
            message = self._message(node, protocol, where)
            if message is not None:
                self.messages.append(message)
                return

    def _message(self, node: cst.Dict, protocol: WsProtocol, where: cst.CSTNode) -> Message | None:
        request = at_path(node, protocol.request)
        if request is None:
            return None
        name = template(request, self.scope.lookup_in(self.scope.frame))
        if name is None:
            return None
        if name in protocol.subscribe:
            if at_path(node, protocol.channel[:1]) is None:
                return None  # not Kraken's shape (another exchange's subscribe)
            channel = at_path(node, protocol.channel)
            value = template(channel, self.scope.lookup_in(self.scope.frame)) if channel is not None else None
            known = value if value is not None and not any(is_unknown(c) for c in value) else None
            return Message(node, self.scope.frame, protocol, known, protocol.token, where)
        if any(is_unknown(c) for c in name) or name not in protocol.methods:
            return None  # an unknown request name is someone else's message
        return Message(node, self.scope.frame, protocol, name, protocol.request_token, where)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, node.value)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind(node.asname.name, node.item)

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            if isinstance(value, cst.Dict):
                self.bound.setdefault(target.value, []).append(value)
            url = self._opened(value)
            if url is not None:
                self.connections.setdefault(target.value, []).append(url)
        elif isinstance(target, cst.Subscript) and target_name(target) == "token":
            base = _base_name(target)
            if base is not None:
                self.token_set.add(base)

    def _opened(self, node: cst.BaseExpression) -> WsUrl | None:
        """The Kraken address a connect call opens: connect(URL), await connect(URL), ..."""
        if isinstance(node, cst.Await):
            node = node.expression
        if not isinstance(node, cst.Call):
            return None
        url = argument(node, 0, "url") or argument(node, 0, "uri")
        if url is None:
            return None
        text = template(url, self.scope.lookup_in(self.scope.frame))
        return self.socket.url(text) if text is not None else None

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self._note_url(node)
        if self.kraken_module:
            parsed = _json_dict(node)
            if parsed is not None:
                self.json_messages[id(node)] = parsed
                self._read_message(parsed, node)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._note_url(node)

    def _note_url(self, node: cst.BaseExpression) -> None:
        text = literal_value(node)
        url = self.socket.url(text) if text and text.startswith("wss://") else None
        if url is not None:
            self.urls.append(url)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in self.send_methods and node.args:
            socket = node.func.value
            opened = self.connections.get(socket.value) if isinstance(socket, cst.Name) else None
            self.sends.append((node, self.scope.frame, socket, opened[-1] if opened else None))

    # --- reporting -------------------------------------------------------------------------

    def leave_Module(self, original_node: cst.Module) -> None:
        injected, public_sends = self._read_sends()
        for message in self.messages:
            self._report(message, id(message.node) in injected, id(message.node) in public_sends)
        for call, frame, client, method in self.clients.ws_calls:
            self._client_subscription(call, frame, client, method)

    def _read_sends(self) -> tuple[set[int], dict[int, WsUrl]]:
        """Messages sent by a token-adding client, and messages sent on a public address."""
        injected: set[int] = set()
        public: dict[int, WsUrl] = {}
        fallback = self._module_address()
        for call, frame, receiver, latest in self.sends:
            dicts = self._sent_dicts(call.args[0].value)
            client = self.clients.type_of(receiver, frame)
            if client is not None and client.injects_token:
                injected.update(id(d) for d in dicts)
                continue
            address = latest or self._address(receiver) or fallback
            if address is not None and address.access == "public":
                public.update({id(d): address for d in dicts})
        return injected, public

    def _sent_dicts(self, node: cst.BaseExpression) -> list[cst.Dict]:
        if isinstance(node, cst.Call) and dotted(node.func) in self.dumps and node.args:
            node = node.args[0].value
        if isinstance(node, cst.Dict):
            return [node]
        if id(node) in self.json_messages:
            return [self.json_messages[id(node)]]
        if isinstance(node, cst.Name):
            return self.bound.get(node.value, [])
        return []

    def _address(self, receiver: cst.BaseExpression) -> WsUrl | None:
        """The one address a socket variable was opened with anywhere (bound after its use)."""
        name = receiver.value if isinstance(receiver, cst.Name) else None
        urls = set(self.connections.get(name, [])) if name else set()
        return urls.pop() if len(urls) == 1 else None

    def _module_address(self) -> WsUrl | None:
        """When every Kraken address in the module is public, any socket in it is public."""
        return self.urls[0] if self.urls and all(u.access == "public" for u in self.urls) else None

    def _report(self, message: Message, injected: bool, on_public: bool) -> None:
        node = message.where
        if message.name is None:
            self.reporter.sink.unresolved(node, RUNTIME_NAME)
            return
        name = message.protocol.endpoint(message.name)
        endpoint = self.catalog.endpoint(name)
        if endpoint is None:
            self.reporter.name(node, name, None, VIA)  # KRK203 with a did-you-mean
            return
        if endpoint.name.endswith("/ping"):
            return
        self.reporter.endpoint(node, endpoint, None, VIA)
        self._credentials_sent(message)
        if endpoint.access != "private":
            return
        if on_public:
            self.reporter.sink.problem(node, "KRK301", endpoint=endpoint.name)
        if not injected and not self._has_token(message):
            self.reporter.sink.problem(node, "KRK302", endpoint=endpoint.name)

    def _has_token(self, message: Message) -> bool:
        if may_hold(message.node, message.token_path):
            return True
        return any(
            name in self.token_set and any(d is message.node for d in dicts) for name, dicts in self.bound.items()
        )

    def _credentials_sent(self, message: Message) -> None:
        """KRK103: the API key or secret in a message, as its token or under an API-Key header name."""
        token = at_path(message.node, message.token_path)
        if token is not None:
            name = _value_name(token)
            if name and self.classifier.is_credential_name(name) and not self.classifier.is_token_name(name):
                self.reporter.sink.problem(token, "KRK103", what=f"the token is {name}")
        for node in _dicts_in(message.node):
            for element in node.elements:
                key = literal_value(element.key) if isinstance(element, cst.DictElement) else None
                if key is not None and key.lower() in {k.lower() for k in self.socket.forbidden_keys}:
                    self.reporter.sink.problem(element.value, "KRK103", what=f"the message carries {key}")

    def _client_subscription(self, call: cst.Call, frame: Frame, client: ClientClass, method: ClientMethod) -> None:
        """A client's subscribe(params={"channel": ...}): a subscription of the method's protocol version."""
        protocol = next(p for p in self.socket.protocols if p.version == method.ws)
        params = argument(call, method.arg, method.keyword)
        channel = at_path(params, protocol.channel[1:]) if params is not None else None
        text = template(channel, self.scope.lookup_in(frame)) if channel is not None else None
        via = f"{client.id}.{call.func.attr.value}" if isinstance(call.func, cst.Attribute) else client.id
        if text is None or any(is_unknown(c) for c in text):
            self.reporter.sink.unresolved(call, RUNTIME_NAME)
            return
        self.reporter.name(call, protocol.endpoint(text), None, via)


def _json_dict(node: cst.SimpleString) -> cst.Dict | None:
    """A string literal holding a JSON object, as a dict expression to read like one written in Python."""
    text = literal_value(node)
    if not text or not text.lstrip().startswith("{") or len(text) > _MAX_JSON:
        return None
    try:
        value = json.loads(text)
        parsed = cst.parse_expression(repr(value)) if isinstance(value, dict) else None
    except (ValueError, RecursionError, cst.ParserSyntaxError):
        return None
    return parsed if isinstance(parsed, cst.Dict) else None


def _base_name(node: cst.BaseExpression) -> str | None:
    while isinstance(node, cst.Subscript):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def _value_name(node: cst.BaseExpression) -> str | None:
    """The name a value comes from: a variable, attribute, config key or environment variable."""
    if isinstance(node, (cst.Name, cst.Attribute, cst.Subscript)):
        if isinstance(node, cst.Subscript) and dotted(node.value) in ("os.environ", "environ"):
            index = node.slice[0].slice
            return literal_value(index.value) if isinstance(index, cst.Index) else None
        return target_name(node)
    if isinstance(node, cst.Call) and dotted(node.func) in ("os.getenv", "getenv", "os.environ.get", "environ.get"):
        return literal_value(node.args[0].value) if node.args else None
    return None


def _dicts_in(node: cst.Dict) -> list[cst.Dict]:
    out = [node]
    for element in node.elements:
        if isinstance(element, cst.DictElement) and isinstance(element.value, cst.Dict):
            out.extend(_dicts_in(element.value))
    return out
