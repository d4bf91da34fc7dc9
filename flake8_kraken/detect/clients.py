"""Calls through Kraken client libraries (krakenex, pykrakenapi, python-kraken-sdk, ccxt, ...).

The model says what each call's callee is. A client's method is a call of the
endpoints the catalog gives it, reported where the method is named: at the call
itself, or where a bound method was taken (`retry(self.exchange.fetch_balance)`,
`run_in_executor(None, self.k.query_private, "Balance")`). On an object whose type
the code does not show, a method is taken as a client's only on evidence the catalog
names (krakenex's query_private with a catalog endpoint; ccxt's unified methods
where the module makes a Kraken exchange and no other).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import libcst as cst

from flake8_kraken.catalog import Catalog, ClientClass, ClientMethod
from flake8_kraken.detect.rest import Reporter
from flake8_kraken.detect.summaries import Pending
from flake8_kraken.findings import RUNTIME_NAME
from flake8_kraken.model.evaluate import Model, argument
from flake8_kraken.model.scopes import Scope
from flake8_kraken.model.values import UNKNOWN, AnyClient, Bound, Client, Func, Lib, Str, Values, markers_in


@dataclass(frozen=True)
class Args:
    """The arguments a method gets: a call's, or those after the position a bound method was passed at."""

    call: cst.Call
    skip: int = 0

    def get(self, index: int, keyword: str | None) -> cst.BaseExpression | None:
        return argument(self.call, index + self.skip, None if self.skip else keyword)


@dataclass(frozen=True)
class WsCall:
    """A client method that sends a WebSocket message (SDK subscribe, sample clients), for detect/websocket.py."""

    node: cst.CSTNode
    scope: Scope
    client: ClientClass
    method: ClientMethod
    args: Args


class ClientCalls:
    """Client method calls in one module: reported, or pending where a helper's parameter names the endpoint."""

    def __init__(self, model: Model, reporter: Reporter) -> None:
        self.model = model
        self.catalog: Catalog = model.catalog
        self.reporter = reporter
        self.pendings: list[Pending] = []
        self.ws_calls: list[WsCall] = []
        self._shared_ok: dict[str, bool] = {}
        self._getattr_pending: set[int] = set()

    def find(self) -> list[Pending]:
        for call, scope in self.model.collector.calls:
            self._call(call, scope)
            self._passed(call, scope)
        return self.pendings

    def _call(self, call: cst.Call, scope: Scope) -> None:
        callee = self.model.value(call.func, scope)
        for atom in callee:
            client = self.catalog.client_class(atom.path) if isinstance(atom, Lib) else None
            if client is not None and client.channel_keywords:
                self._constructor_channels(call, scope, client)
        bound = [a for a in callee if isinstance(a, Bound)]
        for atom in bound:
            self._bound(atom, Args(call), scope, direct=atom.node is call.func)
        if not bound and isinstance(call.func, cst.Attribute):
            self._unknown_receiver(call, scope)

    def _constructor_channels(self, call: cst.Call, scope: Scope, client: ClientClass) -> None:
        """Kraken(channels=[TRADES, L2_BOOK]) or subscription={TRADES: [...]}: the channels it subscribes to,
        named by the library's constants or their values."""
        names = dict(client.channel_names)
        for keyword in client.channel_keywords:
            arg = argument(call, -1, keyword)
            if arg is None:
                continue
            for atom in self.model.elements(self.model.value(arg, scope)):
                name = atom.path.rsplit(".", 1)[-1] if isinstance(atom, Lib) else atom.text if isinstance(
                    atom, Str) else None
                if name in names:
                    self.reporter.name(call, names[name], None, f"{client.id}({keyword}=...)")
                else:
                    self.reporter.sink.unresolved(call, RUNTIME_NAME)

    def _passed(self, call: cst.Call, scope: Scope) -> None:
        """A client's bound method passed to a call is called by it, with the arguments after it."""
        position = 0
        for arg in call.args:
            if arg.keyword is not None or arg.star:
                break
            if isinstance(arg.value, (cst.Attribute, cst.Name)):
                for atom in self.model.value(arg.value, scope):
                    if isinstance(atom, Bound):
                        self._bound(atom, Args(call, position + 1), scope, direct=False)
            position += 1

    def _unknown_receiver(self, call: cst.Call, scope: Scope) -> None:
        """x.method(...) where nothing says what x is: a client's only on the catalog's evidence."""
        assert isinstance(call.func, cst.Attribute)
        receiver = self.model.value(call.func.value, scope)
        if not receiver or any(a is not UNKNOWN and not isinstance(a, (AnyClient, Lib)) for a in receiver):
            return  # unbound, or a known object (a user class is followed, never guessed)
        name = call.func.attr.value
        libraries = {a.library for a in receiver if isinstance(a, AnyClient)}
        for client in self.catalog.clients:
            if name in client.evidence and self._names_endpoint(call, scope, client.method(name)):
                self._bound(Bound(Client(client), name, call.func), Args(call), scope, direct=True)
                return
            if client.shared and client.method(name) is not None and (
                    client.library in libraries or self._only_kraken(client)):
                self._bound(Bound(Client(client), name, call.func), Args(call), scope, direct=True)
                return

    def _names_endpoint(self, call: cst.Call, scope: Scope, method: ClientMethod | None) -> bool:
        arg = argument(call, method.arg, method.keyword) if method is not None else None
        if arg is None:
            return False
        texts = self.model.texts(arg, scope, scope if scope.kind == "function" else None)
        return any(self.catalog.endpoint(t) is not None for t in texts)

    def _only_kraken(self, client: ClientClass) -> bool:
        """Whether the module makes this class and no other class of its library (another exchange)."""
        if client.id not in self._shared_ok:
            made, other = False, False
            for call, scope in self.model.collector.calls:
                for atom in self.model.value(call.func, scope):
                    if not isinstance(atom, Lib):
                        continue
                    found = self.catalog.client_class(atom.path)
                    module, _, last = atom.path.rpartition(".")
                    if found is client:
                        made = True
                    elif (found is None or found.library == client.library) and last.islower() and \
                            self.catalog.library_of(module) == client.library:
                        other = True  # another exchange: ccxt.binance, or Kraken Futures beside Kraken spot
            self._shared_ok[client.id] = made and not other
        return self._shared_ok[client.id]

    # --- one method of a client -----------------------------------------------------------

    def _bound(self, atom: Bound, args: Args, scope: Scope, direct: bool) -> None:
        receiver = atom.receiver
        if isinstance(receiver, AnyClient):
            return  # some class of a client library, not known which: nothing to map
        if atom.named_in is not None and self._named_by_callers(atom):
            return
        client, name, node = receiver.cls, atom.name, atom.node
        via = f"{client.id}.{name}"
        method = client.method(name)
        if method is None:
            self._implicit(node, client, name, via)
        elif method.endpoints:
            for endpoint in method.endpoints:
                self.reporter.name(node, endpoint, None, via)
        elif method.one_of:
            self.reporter.either(node, method.one_of, via)
        elif method.dynamic == "name":
            self._dynamic_name(node, args, scope, method, via, direct)
        elif method.ws is not None:
            self.ws_calls.append(WsCall(node, scope, client, method, args))
        elif method.dynamic == "path":
            self._dynamic_path(node, args, scope, method, via)

    def _dynamic_path(self, node: cst.CSTNode, args: Args, scope: Scope, method: ClientMethod, via: str) -> None:
        """A path argument is read where the string is written (detect/rest.py); when it is a helper's
        parameter, the helper sends whatever path its callers give it."""
        arg = args.get(method.arg, method.keyword)
        if arg is None or scope.kind != "function":
            return
        waiting = [a.text for a in self.model.strs(arg, scope, scope) if markers_in(a.text)]
        if waiting:
            self.pendings.append(Pending(Func(scope, self.model), tuple(waiting), "path", via, node, quiet=True))

    def _named_by_callers(self, atom: Bound) -> bool:
        """getattr(self.k, method_name) where method_name is a parameter: the method is named at each call
        of the function (a Pending), not here."""
        scope, call = atom.named_in, atom.node
        if scope.kind != "function" or not isinstance(call, cst.Call) or len(call.args) < 2:
            return False
        names = [a.text for a in self.model.strs(call.args[1].value, scope, scope)]
        if not any(markers_in(n) for n in names):
            return False
        if id(call) not in self._getattr_pending:
            self._getattr_pending.add(id(call))
            via = f"{atom.receiver.cls.id}.<getattr>"
            self.pendings.append(Pending(Func(scope, self.model), tuple(n for n in names if markers_in(n)), "method",
                                         via, call, (atom.receiver,)))
        return True

    def finish_method(self, pending: Pending, node: cst.CSTNode, atom: Str) -> None:
        """A method named by a helper's caller (getattr(client, name) in the helper)."""
        if "\x00" not in atom.text:
            receiver = pending.details[0]
            assert isinstance(node, cst.Call)  # a call site
            self._bound(Bound(receiver, atom.text, node), Args(node), self.model.module_scope, direct=False)

    def _implicit(self, node: cst.CSTNode, client: ClientClass, name: str, via: str) -> None:
        match = client.implicit_match(name)
        if match is None:
            return
        endpoint = self.catalog.endpoint_folded(match.group("name"))
        spelled = endpoint.name if endpoint is not None else match.group("name")
        self.reporter.name(node, spelled, match.group("access").lower(), via)

    def _dynamic_name(self, node: cst.CSTNode, args: Args, scope: Scope, method: ClientMethod, via: str,
                      direct: bool) -> None:
        arg = args.get(method.arg, method.keyword)
        if arg is None:
            return
        function = scope if scope.kind == "function" else None
        access = self._access(args, scope, method)
        waiting = []
        for atom in self.model.strs(arg, scope, function):
            text = atom.text
            if function is not None and markers_in(text) and "\x00" not in text:
                waiting.append(text)
            elif "\x00" in text or "\x01" in text:
                if direct:
                    self.reporter.sink.unresolved(node, RUNTIME_NAME)
            else:
                self.reporter.name(node, text, access, via)
        if waiting and function is not None:
            self.pendings.append(Pending(Func(function, self.model), tuple(waiting), "name", via, node, (access,)))

    def _access(self, args: Args, scope: Scope, method: ClientMethod) -> str | None:
        """public or private: fixed by the method, or read from an argument (ccxt: api=['private'])."""
        if method.access_arg is None and method.access_keyword is None:
            return method.access
        arg = args.get(method.access_arg if method.access_arg is not None else -1, method.access_keyword)
        if arg is None:
            return method.access
        values: Values = self.model.value(arg, scope)
        if len(values) == 1 and not isinstance(values[0], Str):
            values = self.model.elements(values)  # api=['private']
        texts = {a.text for a in values if isinstance(a, Str)}
        return texts.pop() if len(texts) == 1 and texts <= {"public", "private"} else None

    def finish(self, pending: Pending, node: cst.CSTNode, atom: Str) -> None:
        """A helper's endpoint name, resolved at one of its call sites."""
        access: Any = pending.details[0] if pending.details else None
        via = f"{pending.func.scope.name}() -> {pending.via}"
        if "\x00" in atom.text:
            self.reporter.sink.unresolved(node, RUNTIME_NAME)
        else:
            self.reporter.name(node, atom.text, access, via)
