"""Calls through Kraken client libraries (krakenex, pykrakenapi, python-kraken-sdk, ccxt).

One walk collects imports, bindings and calls; resolution waits until the end of
the module, so that a client bound at the bottom of a module is known inside the
functions above it. What is tracked: `import x as y`, `from x import y as z`,
instances in variables (function, then module scope), in `self.` attributes set in
any method, in `with ... as`, parameters annotated with a client class (also as a
string), `getattr(ccxt, "kraken")`, and helper functions one level deep. The
catalog's `clients` section says what each method calls.
"""
from __future__ import annotations

from typing import Union

import libcst as cst

from flake8_kraken.catalog import Catalog, ClientClass, ClientMethod
from flake8_kraken.detect.helpers import Helper, Helpers
from flake8_kraken.detect.rest import Reporter
from flake8_kraken.findings import HELPER_DEPTH, HELPER_PARAM, RUNTIME_NAME
from flake8_kraken.resolve import MODULE, Frame, Scope, dotted, is_unknown, marker_at, param_marker, template

Bound = Union[cst.BaseExpression, cst.Annotation]  # a value, or the annotation of a parameter
_MAX_DEPTH = 8  # how many bindings a type is followed through


class ClientDetector(cst.BatchableCSTVisitor):
    """Finds client method calls and helper calls; reports them at the end of the module."""

    def __init__(self, catalog: Catalog, reporter: Reporter, scope: Scope, helpers: Helpers) -> None:
        super().__init__()
        self.catalog = catalog
        self.reporter = reporter
        self.scope = scope
        self.helpers = helpers
        self.aliases: dict[str, str] = {}  # local name -> the dotted path it was imported as
        self.names: dict[tuple[int, str], list[tuple[Frame, Bound]]] = {}
        self.attrs: dict[tuple[str, str], list[tuple[Frame, Bound]]] = {}  # (class, attribute)
        self.calls: list[tuple[cst.Call, Frame]] = []
        # WebSocket subscriptions through a client (`ws:` methods), read by detect/websocket.py.
        self.ws_calls: list[tuple[cst.Call, Frame, ClientClass, ClientMethod]] = []

    # --- collecting -----------------------------------------------------------------------

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            path = dotted(alias.name)
            if path is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.aliases[alias.asname.name.value] = path
            else:
                head = path.split(".")[0]
                self.aliases[head] = head

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        module = dotted(node.module)
        for alias in node.names:
            name = dotted(alias.name)
            if module is None or name is None:
                continue
            local = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
            self.aliases[local] = f"{module}.{name}"

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind(node.target, node.value if node.value is not None else node.annotation)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind(node.asname.name, node.item)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        frame = self.scope.frame  # the function's own frame: ScopeTracker runs first
        for param in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params):
            if param.annotation is not None:
                self.names.setdefault((frame.key, param.name.value), []).append((frame, param.annotation))

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, (cst.Name, cst.Attribute)):
            self.calls.append((node, self.scope.frame))

    def _bind(self, target: cst.BaseExpression, value: Bound) -> None:
        frame = self.scope.frame
        if isinstance(target, cst.Name) and frame.function is None and frame.cls is not None:
            self.attrs.setdefault((frame.cls, target.value), []).append((frame, value))  # a class attribute
        elif isinstance(target, cst.Name):
            self.names.setdefault((frame.key, target.value), []).append((frame, value))
        elif (
            isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)
            and target.value.value in ("self", "cls") and frame.cls is not None
        ):
            self.attrs.setdefault((frame.cls, target.attr.value), []).append((frame, value))

    # --- resolving --------------------------------------------------------------------------

    def leave_Module(self, original_node: cst.Module) -> None:
        used: set[int] = set()
        for call, frame in self.calls:
            func = call.func
            if isinstance(func, cst.Attribute):
                client = self.type_of(func.value, frame)
                if client is not None:
                    self._client_call(call, frame, client, func.attr.value)
                elif isinstance(func.value, cst.Name) and func.value.value in ("self", "cls") and frame.cls:
                    used |= self._helper_call(call, frame, self.helpers.get(frame.cls, func.attr.value), 1)
            elif isinstance(func, cst.Name):
                used |= self._helper_call(call, frame, self.helpers.get(None, func.value), 0)
        for helpers in self.helpers.by_key.values():
            for helper in helpers:
                if id(helper) not in used:
                    self.reporter.sink.unresolved(
                        helper.node, HELPER_PARAM.format(param=helper.param, function=helper.function)
                    )

    def type_of(self, node: Bound, frame: Frame, depth: int = 0) -> ClientClass | None:
        """The client class of an expression's value, when the code shows it."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, cst.Annotation):
            return self._annotated(node.annotation)
        if isinstance(node, cst.Await):
            return self.type_of(node.expression, frame, depth + 1)
        if isinstance(node, cst.Call):
            return self._constructed(node, frame)
        if isinstance(node, cst.Name):
            bound = self.names.get((frame.key, node.value))
            if bound is None and node.value not in frame.params:
                bound = self.names.get((MODULE.key, node.value))
            return self._agreed(bound, depth)
        if isinstance(node, cst.Attribute):
            if isinstance(node.value, cst.Name) and node.value.value in ("self", "cls") and frame.cls is not None:
                return self._agreed(self.attrs.get((frame.cls, node.attr.value)), depth)
            owner = self.type_of(node.value, frame, depth + 1)  # pykrakenapi's k.api is a krakenex.API
            held = owner.attribute(node.attr.value) if owner is not None else None
            return self.catalog.client_by_id(held) if held is not None else None
        return None

    def _agreed(self, bound: list[tuple[Frame, Bound]] | None, depth: int) -> ClientClass | None:
        """The one class every binding gives, or None when they disagree or say nothing."""
        if not bound:
            return None
        classes = {self.type_of(value, where, depth + 1) for where, value in bound}
        return classes.pop() if len(classes) == 1 else None

    def _constructed(self, call: cst.Call, frame: Frame) -> ClientClass | None:
        """The client class a call instantiates: ccxt.kraken(...), getattr(ccxt, "kraken")(...)."""
        func = call.func
        if isinstance(func, cst.Call) and isinstance(func.func, cst.Name) and func.func.value == "getattr":
            path = self._getattr_path(func, frame)
        else:
            path = self.qualified(func)
        return self.catalog.client_class(path) if path is not None else None

    def _getattr_path(self, call: cst.Call, frame: Frame) -> str | None:
        if len(call.args) < 2:
            return None
        owner = self.qualified(call.args[0].value)
        name = template(call.args[1].value, self.scope.lookup_in(frame))
        return f"{owner}.{name}" if owner is not None and name is not None and name.isidentifier() else None

    def _annotated(self, node: cst.BaseExpression) -> ClientClass | None:
        if isinstance(node, cst.SimpleString):
            text = node.evaluated_value
            try:
                node = cst.parse_expression(text) if isinstance(text, str) else node
            except cst.ParserSyntaxError:
                return None
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):  # Client | None
            return self._annotated(node.left) or self._annotated(node.right)
        if isinstance(node, cst.Subscript) and dotted(node.value) in ("Optional", "typing.Optional"):
            return self._annotated(node.slice[0].slice.value) if isinstance(node.slice[0].slice, cst.Index) else None
        path = self.qualified(node)
        return self.catalog.client_class(path) if path is not None else None

    def qualified(self, node: cst.BaseExpression) -> str | None:
        """The imported dotted path an expression names ('kx.API' -> 'krakenex.API')."""
        name = dotted(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        if head not in self.aliases:
            return None
        return self.aliases[head] + ("." + rest if rest else "")

    # --- reporting -------------------------------------------------------------------------

    def _client_call(self, call: cst.Call, frame: Frame, client: ClientClass, name: str) -> None:
        via = f"{client.id}.{name}"
        method = client.method(name)
        if method is None:
            self._implicit_call(call, client, name, via)
        elif method.endpoints:
            for endpoint in method.endpoints:
                self.reporter.name(call, endpoint, None, via)
        elif method.one_of:
            self.reporter.either(call, method.one_of, via)
        elif method.dynamic == "name":
            self._dynamic_name(call, frame, method, via)
        elif method.ws is not None:
            self.ws_calls.append((call, frame, client, method))
        # dynamic "path": the path string itself is read where it is written (detect/rest.py)

    def _implicit_call(self, call: cst.Call, client: ClientClass, name: str, via: str) -> None:
        match = client.implicit_match(name)
        if match is None:
            return
        endpoint = self.catalog.endpoint_folded(match.group("name"))
        spelled = endpoint.name if endpoint is not None else match.group("name")
        self.reporter.name(call, spelled, match.group("access").lower(), via)

    def _dynamic_name(self, call: cst.Call, frame: Frame, method: ClientMethod, via: str) -> None:
        arg = argument(call, method.arg, method.keyword)
        if arg is None:
            return
        access = self._access(call, frame, method)
        text = template(arg, self.scope.lookup_in(frame))
        index = marker_at(text) if text is not None else None
        if index is not None and frame.function is not None and text == param_marker(index):
            self.helpers.add(Helper(frame.function.name.value, frame.cls, index, frame.params[index], call, text,
                                    access, via))
        elif text is None or any(is_unknown(c) for c in text):
            self.reporter.sink.unresolved(call, RUNTIME_NAME)
        else:
            self.reporter.name(call, text, access, via)

    def _access(self, call: cst.Call, frame: Frame, method: ClientMethod) -> str | None:
        """public or private: fixed by the method, or read from an argument (ccxt: api=['private'])."""
        if method.access_arg is None and method.access_keyword is None:
            return method.access
        arg = argument(call, method.access_arg if method.access_arg is not None else -1, method.access_keyword)
        if arg is None:
            return method.access
        if isinstance(arg, (cst.List, cst.Tuple)) and len(arg.elements) == 1:
            arg = arg.elements[0].value
        text = template(arg, self.scope.lookup_in(frame))
        return text if text in ("public", "private") else None

    def _helper_call(self, call: cst.Call, frame: Frame, helpers: list[Helper], offset: int) -> set[int]:
        used = set()
        for helper in helpers:
            if helper.node is call:
                continue
            arg = argument(call, helper.index - offset, helper.param)
            if arg is None:
                continue
            used.add(id(helper))
            text = template(arg, self.scope.lookup_in(frame))
            via = f"{helper.function}() -> {helper.via}"
            if text is None or any(is_unknown(c) for c in text):
                reason = HELPER_DEPTH if text is not None and marker_at(text) is not None else RUNTIME_NAME
                self.reporter.sink.unresolved(call, reason)
            elif helper.access is not None:
                self.reporter.name(call, text, helper.access, via)
            else:
                self.reporter.path(call, helper.expand(text), via)
        return used


def argument(call: cst.Call, index: int, keyword: str | None) -> cst.BaseExpression | None:
    """The argument at `index` (positional) or named `keyword`; None when not given plainly."""
    position = 0
    for arg in call.args:
        if arg.keyword is not None:
            if keyword is not None and arg.keyword.value == keyword:
                return arg.value
            continue
        if arg.star:
            return None
        if position == index:
            return arg.value
        position += 1
    return None
