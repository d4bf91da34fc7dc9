"""The model of one module: what each name and expression may hold.

Built once per module after the walk (every name is bound by then), and asked by
every detector. Values flow through assignments and unpacking, `for`, `with`, `:=`,
attributes set in any method of a class or its bases, class attributes, returns,
parameters and defaults. A parameter holds what every call site passes (plus its
annotation and default) when an object is asked for; when a string is asked for
"symbolically" it is a marker instead, which the helper's callers fill in (see
detect/summaries.py). Work is bounded: every expression is evaluated at most once
per mode, recursion is cut, and a value never holds more than MAX_ATOMS alternatives.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import libcst as cst

from flake8_kraken.catalog import Catalog
from flake8_kraken.model import text as tx
from flake8_kraken.model.scopes import Binding, Collector, Param, Scope, Use, dotted, may_build_text
from flake8_kraken.model.values import (
    HOLE,
    MAX_ATOMS,
    NOTHING,
    UNKNOWN,
    AnyClient,
    Bound,
    Client,
    Func,
    Instance,
    Lib,
    Literal,
    Method,
    Module,
    Obj,
    Socket,
    Str,
    UserClass,
    Values,
    fill,
    marker,
    marker_at,
    markers_in,
    string_atoms,
    strings,
    union,
)

MAX_DEPTH = 60  # nested evaluations before a value is given up as unknown
MAX_TEXT = 2048  # a longer string template is a hole (it can double at each call: f(x) + f(x))
MAX_MARKERS = 8  # so is one that refers to parameters more often than this
WORK_PER_NAME = 200  # evaluations a module may cost, per name it reads
_ANY = "*"  # the last part of a library path chosen at run time: getattr(ccxt, name)


class Model:
    """What the expressions of one module may hold, asked for on demand and remembered."""

    def __init__(self, collector: Collector, catalog: Catalog, project: Any = None) -> None:
        self.collector = collector
        self.catalog = catalog
        self.project = project  # model.project.ProjectModule for this file, or None
        self.summary: dict[int, Any] = {}  # the helpers' pending uses, by function scope (detect/summaries.py)
        self.module_scope: Scope = collector.module_scope  # type: ignore[assignment]
        self._memo: dict[tuple[int, int], Values] = {}
        self._imports: dict[tuple[int, str, str | None], Values] = {}
        self._active: set[tuple[int, int]] = set()
        self._depth = 0
        self._sites: dict[int, list[tuple[cst.Call, Scope, int]]] = {}
        self._indexing = False  # finding call sites: parameters hold no call site's value yet
        self._partial = False  # the value being read depends on a parameter read while indexing
        self._stale: list[tuple[int, int]] = []  # such values: remembered while indexing, forgotten after
        # Work is bounded by the module's size: past WORK_PER_NAME evaluations per name read,
        # everything still asked for is unknown, and the engine says so.
        self._work = WORK_PER_NAME * (len(collector.uses) + 100)
        self.exhausted = False
        self._socket_urls = catalog.websocket
        self._index_call_sites()

    # --- expressions ---------------------------------------------------------------------

    def value(self, node: cst.BaseExpression, scope: Scope, sym: Scope | None = None) -> Values:
        """What `node`, read in `scope`, may hold. With `sym`, parameters of that function are markers."""
        key = (id(node), id(sym) if sym is not None else 0)
        if key in self._memo:
            return self._memo[key]
        if key in self._active or self._depth > MAX_DEPTH:
            return (UNKNOWN,)
        self._work -= 1
        if self._work < 0:
            self.exhausted = True
            return (UNKNOWN,)
        self._active.add(key)
        self._depth += 1
        outer, self._partial = self._partial, False
        try:
            result = self._value(node, scope, sym)
        except RecursionError:
            result = (UNKNOWN,)
        finally:
            self._depth -= 1
            self._active.discard(key)
            partial = self._partial
            self._partial = outer or partial
        self._memo[key] = result
        if partial:
            self._stale.append(key)  # read while call sites are being found: forgotten once they are
        return result

    def _value(self, node: cst.BaseExpression, scope: Scope, sym: Scope | None) -> Values:
        if isinstance(node, cst.Name):
            return self.lookup(node.value, scope, sym, self.collector.uses.get(id(node)))
        if may_build_text(node):
            return self._string(node, scope, sym)
        if isinstance(node, cst.Attribute):
            return self.attribute(self.value(node.value, scope, sym), node.attr.value, node)
        if isinstance(node, cst.Call):
            return self.call(node, scope, sym)
        if isinstance(node, cst.Subscript):
            return self._subscript(node, scope, sym)
        if isinstance(node, (cst.Dict, cst.List, cst.Tuple, cst.Set)):
            return (Literal(node, scope, self),)
        if isinstance(node, cst.IfExp):
            return union(self.value(node.body, scope, sym), self.value(node.orelse, scope, sym))
        if isinstance(node, cst.BooleanOperation):
            return union(self.value(node.left, scope, sym), self.value(node.right, scope, sym))
        if isinstance(node, cst.Await):
            return self.value(node.expression, scope, sym)
        if isinstance(node, cst.NamedExpr):
            return self.value(node.value, scope, sym)
        return (UNKNOWN,)

    # --- strings -------------------------------------------------------------------------------

    def texts(self, node: cst.BaseExpression, scope: Scope, sym: Scope | None = None) -> list[str]:
        """The string templates an expression may be (HOLE where not a string)."""
        return strings(self.value(node, scope, sym))

    def strs(self, node: cst.BaseExpression, scope: Scope, sym: Scope | None = None) -> list[Str]:
        """The strings an expression may be (a hole where not a string), with what they were built from."""
        return string_atoms(self.value(node, scope, sym))

    def _string(self, node: cst.BaseExpression, scope: Scope, sym: Scope | None) -> Values:
        made = self._built(node, scope, sym)
        if made is None:
            return (UNKNOWN,)
        if id(node) not in self.collector.root_ids:
            return made
        return tuple(Str(a.text, a.roots | {id(node)}) if isinstance(a, Str) else a for a in made)

    def _built(self, node: cst.BaseExpression, scope: Scope, sym: Scope | None) -> Values | None:
        """The strings an expression that may build text makes; None when its parts are no strings."""
        if isinstance(node, cst.SimpleString):
            return (Str(tx.string_value(node)),)
        if isinstance(node, cst.ConcatenatedString):
            return _combine([self.strs(node.left, scope, sym), self.strs(node.right, scope, sym)], "".join)
        if isinstance(node, cst.FormattedString):
            return _combine([self._fstring_part(node, p, scope, sym) for p in node.parts], "".join)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            left, right = self.value(node.left, scope, sym), self.value(node.right, scope, sym)
            if not _has_text(left) and not _has_text(right):
                return None  # numbers, lists: not a string
            return _combine([string_atoms(left), string_atoms(right)], "".join)
        if isinstance(node, cst.BinaryOperation):  # "..." % values, "..." % {"name": value}
            if not _has_text(self.value(node.left, scope, sym)):
                return None
            right = node.right
            if isinstance(right, cst.Dict):
                entries = [(tx.literal_text(e.key), e.value) for e in right.elements if isinstance(e, cst.DictElement)]
                names = [k for k, _ in entries if k is not None]
                parts = [self.strs(node.left, scope, sym),
                         *(self.strs(v, scope, sym) for k, v in entries if k is not None)]
                return _combine(parts, lambda p: tx.percent(p[0], (), dict(zip(names, p[1:]))))
            items = [e.value for e in right.elements] if isinstance(right, cst.Tuple) else [right]
            parts = [self.strs(node.left, scope, sym), *(self.strs(i, scope, sym) for i in items)]
            return _combine(parts, lambda p: tx.percent(p[0], p[1:]))
        assert isinstance(node, cst.Call)
        func = node.func
        if isinstance(func, cst.Attribute) and not _has_text(self.value(func.value, scope, sym)):
            return None  # logger.format(...), some_list.join: not a string method
        if isinstance(func, cst.Attribute) and func.attr.value == "format":
            positional = [a for a in node.args if a.keyword is None and not a.star]
            named = [a for a in node.args if a.keyword is not None]
            parts = [self.strs(func.value, scope, sym), *(self.strs(a.value, scope, sym) for a in positional),
                     *(self.strs(a.value, scope, sym) for a in named)]
            names = [a.keyword.value for a in named if a.keyword is not None]
            count = len(positional)
            return _combine(parts, lambda p: tx.fill_format(p[0], p[1:1 + count], dict(zip(names, p[1 + count:]))))
        if isinstance(func, cst.Attribute) and func.attr.value == "join":
            held = self.value(node.args[0].value, scope, sym) if len(node.args) == 1 else (UNKNOWN,)
            sequence = held[0] if len(held) == 1 and isinstance(held[0], Literal) else None
            if sequence is None or not isinstance(sequence.node, (cst.List, cst.Tuple)) or any(
                    isinstance(e, cst.StarredElement) for e in sequence.node.elements):
                return (Str(HOLE),)  # the number and order of the items is not known
            items = [sequence.model.strs(e.value, sequence.scope, sym if sequence.model is self else None)
                     for e in sequence.node.elements]
            return _combine([self.strs(func.value, scope, sym), *items], lambda p: p[0].join(p[1:]))
        if len(node.args) >= 2:  # urljoin(base, path)
            parts = [self.strs(node.args[0].value, scope, sym), self.strs(node.args[1].value, scope, sym)]
            return _combine(parts, lambda p: tx.urljoin(p[0], p[1]))
        return (Str(HOLE),)

    def _fstring_part(self, node: cst.FormattedString, part: cst.BaseFormattedStringContent, scope: Scope,
                      sym: Scope | None) -> list[Str]:
        if isinstance(part, cst.FormattedStringText):
            return [Str(tx.fstring_text(node, part.value))]
        if isinstance(part, cst.FormattedStringExpression) and part.format_spec is None and part.conversion is None:
            return self.strs(part.expression, scope, sym)
        return [Str(HOLE)]

    # --- names -------------------------------------------------------------------------------

    def lookup(self, name: str, scope: Scope, sym: Scope | None, use: Use | None = None) -> Values:
        """What a name read in `scope` may hold: the bindings that may reach the read."""
        owner = self._owner(name, scope)
        if owner is None:
            return NOTHING
        if use is not None:
            narrowed = self._narrowed(name, scope, use, sym)
            if narrowed is not None:
                return narrowed
        bindings = owner.bindings[name]
        if owner is scope and use is not None:
            bindings = _reaching(bindings, use)
        return union(*(self._binding(b, owner, sym) for b in bindings))

    def _narrowed(self, name: str, scope: Scope, use: Use, sym: Scope | None) -> Values | None:
        """Inside `if name in COLLECTION:`, the name is one of the collection's items."""
        for block in reversed(use.blocks):
            tested = self.collector.narrowed.get(block)
            if tested is not None and tested[0] == name:
                items = self.elements(self.value(tested[1], scope, sym), sym)
                if items and all(isinstance(a, Str) for a in items):
                    return items
        return None

    def _owner(self, name: str, scope: Scope) -> Scope | None:
        """The scope whose binding of `name` a read in `scope` sees (class bodies do not enclose methods)."""
        if name in scope.declared_global:
            return self.module_scope if name in self.module_scope.bindings else None
        current: Scope | None = scope
        first = True
        while current is not None:
            if (first or current.kind != "class") and name in current.bindings:
                return current
            first = False
            current = current.parent
        return None

    def _binding(self, binding: Binding, scope: Scope, sym: Scope | None) -> Values:
        kind = binding.kind
        if kind == "value":
            return self._element_at(self.value(binding.value, scope, sym), binding.path)
        if kind == "iter":
            return self._element_at(self._iterated(binding.value, scope, sym), binding.path)
        if kind == "param":
            return self._param(binding.value, scope, sym)
        if kind == "def":
            return (Func(binding.value, self),)
        if kind == "class":
            return (UserClass(binding.value, self),)
        if kind == "augment":
            return self._augmented(binding, scope, sym)
        if kind == "import":
            return self._import(binding.value)
        if kind == "from":
            return self._import_from(*binding.value)
        return (UNKNOWN,)

    def _augmented(self, binding: Binding, scope: Scope, sym: Scope | None) -> Values:
        """x += y: the strings x held before, each with y's added (anything else is unknown)."""
        node: cst.AugAssign = binding.value
        if not isinstance(node.operator, cst.AddAssign) or not isinstance(node.target, cst.Name):
            return (UNKNOWN,)
        before = self.lookup(node.target.value, scope, sym, Use(binding.order, binding.blocks))
        added = self.value(node.value, scope, sym)
        if not _has_text(before) and not _has_text(added):
            return (UNKNOWN,)
        return _combine([string_atoms(before), string_atoms(added)], "".join)

    def _import(self, path: str) -> Values:
        return self._import_from(0, path, None)

    def _import_from(self, level: int, module: str, name: str | None) -> Values:
        """What an import binds: a module or name of the same project, else a library's path."""
        key = (level, module, name)
        if key not in self._imports:
            found = self.project.resolve(level, module, name) if self.project is not None else ()
            if not found:
                found = (UNKNOWN,) if level else (Lib(f"{module}.{name}" if name else module),)
            self._imports[key] = found
        return self._imports[key]

    # --- parameters and call sites -------------------------------------------------------------

    def _param(self, param: Param, scope: Scope, sym: Scope | None) -> Values:
        if param.name == scope.self_name and param.index == 0:
            assert scope.cls is not None
            cls = UserClass(scope.cls, self)
            return (cls,) if "classmethod" in scope.decorators else (Obj(cls),)
        if sym is scope and not param.star:
            return (Str(marker(param.index)),)
        if param.star:
            return (UNKNOWN,)
        found: list[Values] = []
        if param.annotation is not None:
            found.append(self._annotated(param.annotation, scope.parent or scope))
        if param.default is not None:
            found.append(self.value(param.default, scope.parent or scope))
        if self._indexing:
            self._partial = True  # call sites are being found: this value is not final
        for call, caller, implicit in self.call_sites(scope):
            arg = argument(call, param.index - implicit, param.name)
            found.append(self.value(arg, caller) if arg is not None else NOTHING)
        values = union(*found)
        return values if values else (UNKNOWN,)

    def _annotated(self, node: cst.BaseExpression, scope: Scope) -> Values:
        """An instance of the class an annotation names (`Client`, `Client | None`, `Optional[Client]`, `'Client'`)."""
        if isinstance(node, cst.SimpleString):
            try:
                node = cst.parse_expression(tx.string_value(node))
            except cst.ParserSyntaxError:
                return NOTHING
            return self._instances(self.value(node, self.module_scope))
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            return union(self._annotated(node.left, scope), self._annotated(node.right, scope))
        if isinstance(node, cst.Subscript) and (dotted(node.value) or "").split(".")[-1] == "Optional":
            inner = node.slice[0].slice
            return self._annotated(inner.value, scope) if isinstance(inner, cst.Index) else NOTHING
        return self._instances(self.value(node, scope))

    def _instances(self, classes: Values) -> Values:
        out = []
        for atom in classes:
            if isinstance(atom, Lib) and self.catalog.client_class(atom.path) is not None:
                out.append(Client(self.catalog.client_class(atom.path)))
            elif isinstance(atom, UserClass):
                out.append(Obj(atom))
        return tuple(out)

    def call_sites(self, function: Scope) -> list[tuple[cst.Call, Scope, int]]:
        """Where a function of this module is called: (call, caller's scope, how many leading
        parameters the call passes implicitly: 1 for a method called on an instance)."""
        return self._sites.get(id(function), [])

    def _index_call_sites(self) -> None:
        """Every call of a function of this module, found before anything else is read.

        While this runs, parameters hold only their annotation and default: a call site
        is found from what the callee expression names, not from other call sites.
        """
        sites: dict[int, list[tuple[cst.Call, Scope, int]]] = {}
        self._sites = sites
        self._indexing = True
        for call, scope in self.collector.calls:
            for atom in self.value(call.func, scope):
                target = callee_of(atom)
                if target is not None and target[0].model is self:
                    sites.setdefault(id(target[0].scope), []).append((call, scope, target[1]))
        self._indexing = False
        for key in self._stale:
            self._memo.pop(key, None)
        self._stale.clear()

    # --- attributes, calls, subscripts ----------------------------------------------------------

    def attribute(self, values: Values, attr: str, node: cst.CSTNode | None = None) -> Values:
        found: list[Values] = []
        for atom in values:
            found.append(self._attribute(atom, attr, node))
        return union(*found)

    def _attribute(self, atom: Any, attr: str, node: cst.CSTNode | None) -> Values:
        if isinstance(atom, Lib):
            return (Lib(f"{atom.path}.{attr}"),)
        if isinstance(atom, Module):
            return atom.model.export(attr)
        if isinstance(atom, Client):
            held = atom.cls.attribute(attr)
            if held is not None:
                client = self.catalog.client_by_id(held)
                return (Client(client),) if client is not None else (UNKNOWN,)
            return (Bound(atom, attr, node),)
        if isinstance(atom, AnyClient):
            return (Bound(atom, attr, node),)
        if isinstance(atom, UserClass):
            return atom.model.class_attribute(atom, attr, None, node)
        if isinstance(atom, Obj):
            return atom.cls.model.class_attribute(atom.cls, attr, atom, node)
        if isinstance(atom, Str):
            return (atom,) if attr == "value" else (UNKNOWN,)  # an Enum member's value
        return (UNKNOWN,)

    def class_attribute(self, cls: UserClass, attr: str, obj: Obj | None, node: cst.CSTNode | None) -> Values:
        """An attribute of a user class or of its instance: methods, class attributes, what methods set on self."""
        for info in self.mro(cls):
            if info.model is not self:
                return info.model.class_attribute(info, attr, obj, node)
            body = info.info.scope
            found: list[Values] = []
            if attr in body.bindings:
                values = union(*(self._binding(b, body, None) for b in body.bindings[attr]))
                found.append(union(*(self._bind_method(v, obj if obj is not None else info) for v in values)))
            if obj is not None and attr in info.info.attrs:  # set on self in a method: also there
                found.extend(self.value(value, scope) for value, scope in info.info.attrs[attr])
            if found:
                return union(*found)
        for base in self.library_bases(cls):
            client = self.catalog.client_class(base.path)
            if client is not None:
                return self._attribute(Client(client), attr, node)
        return (UNKNOWN,)

    def _bind_method(self, atom: Any, receiver: Obj | UserClass) -> Values:
        """A function found on a class, as reading it on `receiver` gives it: bound or not, or a property's value."""
        if not isinstance(atom, Func):
            return (atom,)
        decorators = atom.scope.decorators
        if "staticmethod" in decorators:
            return (atom,)
        if "classmethod" in decorators:
            return (Method(atom, receiver.cls if isinstance(receiver, Obj) else receiver),)
        if isinstance(receiver, UserClass):
            return (atom,)  # a plain function read on the class: self is passed explicitly
        if "property" in decorators:
            return atom.model.returns(atom.scope)
        return (Method(atom, receiver),)

    def mro(self, cls: UserClass, depth: int = 0) -> list[UserClass]:
        """The class and its user-defined bases, depth first (enough for the code this reads)."""
        out = [cls]
        if depth > 8:
            return out
        for base in cls.info.bases:
            for atom in cls.model.value(base, cls.info.scope.parent or cls.model.module_scope):
                if isinstance(atom, UserClass) and atom not in out:
                    out.extend(b for b in atom.model.mro(atom, depth + 1) if b not in out)
        return out

    def library_bases(self, cls: UserClass) -> list[Lib]:
        """The library classes a user class derives from (SpotWSClient for `class Bot(SpotWSClient)`)."""
        out = []
        for info in self.mro(cls):
            for base in info.info.bases:
                out.extend(a for a in info.model.value(base, info.info.scope.parent or info.model.module_scope)
                           if isinstance(a, Lib))
        return out

    def returns(self, function: Scope, sym: Scope | None = None) -> Values:
        return union(*(self.value(r, function, sym) for r in function.returns)) if function.returns else (UNKNOWN,)

    def export(self, name: str) -> Values:
        """What this module binds at its top level under `name` (for modules that import it)."""
        bindings = self.module_scope.bindings.get(name)
        if not bindings:
            sub = self.project.submodule(self, name) if self.project is not None else ()
            return sub or (UNKNOWN,)
        return union(*(self._binding(b, self.module_scope, None) for b in bindings))

    def call(self, node: cst.Call, scope: Scope, sym: Scope | None = None) -> Values:
        func = node.func
        if isinstance(func, cst.Name) and func.value in ("getattr", "str") and self._owner(func.value, scope) is None:
            return self._builtin(func.value, node, scope, sym)
        callee = self.value(func, scope)
        found = [self._call(atom, node, scope, sym) for atom in callee]
        opened = self._opened(node, scope)
        if opened is not None:
            found.append((opened,))
        if not callee and not found:
            return NOTHING  # a builtin (object(), dict()) or a name bound nowhere: no client
        return union(*found) or (UNKNOWN,)

    def _call(self, atom: Any, node: cst.Call, scope: Scope, sym: Scope | None) -> Values:
        if isinstance(atom, Lib):
            client = self.catalog.client_class(atom.path)
            if client is not None:
                return (Client(client),)
            if atom.path in self.catalog.secrets.env_defaults and len(node.args) >= 2:
                # os.getenv("KRAKEN_URL", "https://api.kraken.com"): the default, or what the environment says
                return union(self.value(node.args[1].value, scope, sym), (Str(HOLE),))
            if atom.path in self._socket_urls.dumps and node.args:
                return self.value(node.args[0].value, scope, sym)
            library = self.catalog.library_of(atom.path[:-2]) if atom.path.endswith("." + _ANY) else None
            if library:
                return (AnyClient(library),)
            # A class by the naming convention (requests.Session): a known object, not a client.
            return (Instance(atom.path),) if atom.path.rpartition(".")[2][:1].isupper() else (UNKNOWN,)
        if isinstance(atom, UserClass):
            return (Obj(atom),)
        if isinstance(atom, (Func, Method)):
            function = atom.func if isinstance(atom, Method) else atom
            if sym is None:
                return function.model.returns(function.scope)
            return self._returned_text(function, node, scope, sym, 1 if isinstance(atom, Method) else 0)
        return (UNKNOWN,)

    def _returned_text(self, function: Func, node: cst.Call, scope: Scope, sym: Scope, implicit: int) -> Values:
        """A helper's return value with the caller's arguments in place of its parameters (strings)."""
        out: list[Values] = []
        for atom in function.model.returns(function.scope, function.scope):
            if isinstance(atom, Str) and markers_in(atom.text):
                out.append(fill_all(atom, self.arguments(function, node, scope, sym, implicit)))
            else:
                out.append((atom,))
        return union(*out)

    def arguments(self, function: Func, node: cst.Call, scope: Scope, sym: Scope | None,
                  implicit: int) -> dict[int, list[Str]]:
        """The strings a call passes to each parameter of `function` (defaults where not given)."""
        out = {}
        for param in function.scope.params:
            if param.star or param.index < implicit:
                continue
            arg = argument(node, param.index - implicit, param.name)
            if arg is not None:
                out[param.index] = self.strs(arg, scope, sym)
            elif param.default is not None:
                out[param.index] = function.model.strs(param.default, function.scope.parent)
        return out

    def entry_strs(self, node: cst.BaseExpression, scope: Scope, sym: Scope | None,
                   path: tuple[str, ...]) -> list[Str]:
        """The strings at key `path` of the dict an expression holds; a parameter of `sym` (a dict its
        callers pass) stays its marker."""
        out: list[Str] = []
        for atom in self.value(node, scope, sym):
            if isinstance(atom, Str) and atom.text == marker(marker_at(atom.text) or 0):
                out.append(atom)
            elif isinstance(atom, Literal) and isinstance(atom.node, cst.Dict):
                out.extend(atom.model.literal_entry(atom, path, sym if atom.model is self else None))
            else:
                out.append(Str(HOLE))
        return out

    def literal_entry(self, literal: Literal, path: tuple[str, ...], sym: Scope | None) -> list[Str]:
        node: cst.BaseExpression = literal.node
        for depth, key in enumerate(path):
            if not isinstance(node, cst.Dict):
                return [Str(HOLE)]
            found = next((e.value for e in node.elements if isinstance(e, cst.DictElement)
                          and tx.literal_text(e.key) == key), None)
            if found is None:
                return [Str(HOLE)]
            if depth == len(path) - 1:
                return self.strs(found, literal.scope, sym)
            node = found
        return [Str(HOLE)]

    def _builtin(self, name: str, node: cst.Call, scope: Scope, sym: Scope | None) -> Values:
        if name == "str":
            return self.value(node.args[0].value, scope, sym) if node.args else (Str(""),)
        if len(node.args) < 2:
            return (UNKNOWN,)
        owner = self.value(node.args[0].value, scope)
        names = [a.text for a in self.value(node.args[1].value, scope) if isinstance(a, Str)]
        if not names or any(not n.isidentifier() for n in names):
            return union(*(self._attribute(a, _ANY, node) if isinstance(a, Lib) else (UNKNOWN,) for a in owner))
        found = union(*(self.attribute(owner, n, node) for n in names))
        if isinstance(node.args[1].value, cst.SimpleString):
            return found
        return tuple(Bound(a.receiver, a.name, a.node, scope) if isinstance(a, Bound) else a for a in found)

    def _opened(self, node: cst.Call, scope: Scope) -> Socket | None:
        """A call that opens a Kraken WebSocket: its first argument (or url=, uri=) is a Kraken address."""
        arg = argument(node, 0, "url") or argument(node, 0, "uri")
        if arg is None:
            return None
        for text in self.texts(arg, scope):
            if text.startswith(("wss://", "ws://")):
                url = self._socket_urls.url(text)
                if url is not None:
                    return Socket(url)
        return None

    def _subscript(self, node: cst.Subscript, scope: Scope, sym: Scope | None) -> Values:
        container = self.value(node.value, scope, sym)
        index = node.slice[0].slice if len(node.slice) == 1 else None
        if isinstance(index, cst.Index) and isinstance(index.value, cst.Integer):
            keys: Values = (_Index(int(index.value.value, 0)),)
        elif (isinstance(index, cst.Index) and isinstance(index.value, cst.UnaryOperation)
              and isinstance(index.value.operator, cst.Minus) and isinstance(index.value.expression, cst.Integer)):
            keys = (_Index(-int(index.value.expression.value, 0)),)
        else:
            keys = self.value(index.value, scope, sym) if isinstance(index, cst.Index) else (UNKNOWN,)
        found: list[Values] = []
        for atom in container:
            if isinstance(atom, Literal):
                found.append(self._item(atom, keys, sym))
            else:
                found.append((UNKNOWN,))
        return union(*found)

    def _item(self, literal: Literal, keys: Values, sym: Scope | None) -> Values:
        """literal[key]: the entry of a dict literal (every entry when the key is not known), a sequence's items."""
        node, scope, model = literal.node, literal.scope, literal.model
        known = all(isinstance(k, Str) and "\x00" not in k.text and "\x01" not in k.text for k in keys)
        wanted = [k.text for k in keys] if known else []  # a key known only at run time: any entry
        if isinstance(node, cst.Dict):
            found = []
            for element in node.elements:
                if not isinstance(element, cst.DictElement):
                    continue
                key = model.value(element.key, scope)
                if not wanted or any(isinstance(k, Str) and k.text in wanted for k in key):
                    found.append(model.value(element.value, scope, sym if model is self else None))
            return union(*found) or (UNKNOWN,)
        if isinstance(node, (cst.List, cst.Tuple)):
            positions = [k for k in keys if isinstance(k, _Index)]
            if len(positions) == 1 and not any(isinstance(e, cst.StarredElement) for e in node.elements):
                index = positions[0].value
                if -len(node.elements) <= index < len(node.elements):
                    return model.value(node.elements[index].value, scope, sym if model is self else None)
            return self.elements((literal,), sym)
        return (UNKNOWN,)

    # --- collections ------------------------------------------------------------------------------

    def elements(self, values: Values, sym: Scope | None = None) -> Values:
        """What iterating over a value gives: the items of list, tuple and set literals, a dict's keys.
        Reading stops once more items than a value can hold are found (the rest would be cut)."""
        found: list[Values] = []
        for atom in values:
            if sum(len(f) for f in found) > MAX_ATOMS:
                break
            if isinstance(atom, Literal) and isinstance(atom.node, (cst.List, cst.Tuple, cst.Set, cst.Dict)):
                for element in atom.node.elements[:MAX_ATOMS + 1]:
                    if isinstance(element, (cst.StarredElement, cst.StarredDictElement)):
                        found.append((UNKNOWN,))
                    else:
                        item = element.key if isinstance(element, cst.DictElement) else element.value
                        found.append(atom.model.value(item, atom.scope))
                if len(atom.node.elements) > MAX_ATOMS + 1:
                    found.append((UNKNOWN,))
            else:
                found.append((UNKNOWN,))
        return union(*found)

    def _iterated(self, iterable: cst.BaseExpression, scope: Scope, sym: Scope | None) -> Values:
        """The items a `for` gets from an iterable, with d.items(), d.keys(), d.values() of dict literals."""
        if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Attribute):
            method = iterable.func.attr.value
            if method in ("items", "keys", "values"):
                dicts = [a for a in self.value(iterable.func.value, scope, sym)
                         if isinstance(a, Literal) and isinstance(a.node, cst.Dict)]
                if dicts:
                    return tuple(_DictItems(d, method) for d in dicts)
        return self.elements(self.value(iterable, scope, sym), sym)

    def _element_at(self, values: Values, path: tuple[int, ...]) -> Values:
        """The part of a value an unpacking target gets: a, (b, c) = ... ; for k, v in d.items()."""
        for index in path:
            found: list[Values] = []
            for atom in values:
                if isinstance(atom, _DictItems):
                    found.append(atom.part(self, index))
                elif isinstance(atom, Literal) and isinstance(atom.node, (cst.Tuple, cst.List)):
                    elements = atom.node.elements
                    ok = index < len(elements) and not any(isinstance(e, cst.StarredElement) for e in elements)
                    found.append(atom.model.value(elements[index].value, atom.scope) if ok else (UNKNOWN,))
                else:
                    found.append((UNKNOWN,))
            values = union(*found)
        return tuple(a if not isinstance(a, _DictItems) else UNKNOWN for a in values)


@dataclass(frozen=True)
class _Index:
    """A literal integer subscript: NAMES[7]."""

    value: int


class _DictItems:
    """The (key, value) pairs of a dict literal being iterated with .items(), .keys() or .values()."""

    def __init__(self, literal: Literal, method: str) -> None:
        self.literal = literal
        self.method = method

    def part(self, model: Model, index: int) -> Values:
        node = self.literal.node
        want = {"items": ("key", "value")[index] if index < 2 else None, "keys": None, "values": None}[self.method]
        found = [self.literal.model.value(getattr(e, want), self.literal.scope) for e in node.elements
                 if want is not None and isinstance(e, cst.DictElement)]
        return union(*found) or (UNKNOWN,)


def callee_of(atom: Any) -> tuple[Func, int] | None:
    """The function a call of `atom` runs, and whether its `self` is implicit."""
    if isinstance(atom, Func):
        return atom, 0
    if isinstance(atom, Method):
        return atom.func, 1
    if isinstance(atom, UserClass):
        init = atom.model.class_attribute(atom, "__init__", None, None)
        func = next((a for a in init if isinstance(a, Func)), None)
        return (func, 1) if func is not None else None
    return None


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


def _reaching(bindings: list[Binding], use: Use) -> list[Binding]:
    """The bindings of a name that may reach a read of it in the same scope.

    Those before the read, less those that a later one before the read replaces on
    every path (a binding in a block that contains the read); when none comes before
    the read (a loop, a name bound further down), all of them. One pass, from the read back.
    """
    before = [b for b in bindings if b.order < use.order or b.anywhere]
    if not before:
        return bindings
    kept: list[Binding] = []
    replaced = False  # a binding on every path to the read has been passed: those before it are dead
    for binding in sorted(before, key=lambda b: b.order, reverse=True):
        if binding.anywhere:
            kept.append(binding)
        elif not replaced:
            kept.append(binding)
            replaced = binding.blocks == use.blocks[:len(binding.blocks)]
    kept.reverse()
    return kept


def _combine(parts: list[list[Str]], make: Callable[[Any], str]) -> Values:
    """Every combination of the parts' alternatives, made into a string; cut to MAX_ATOMS."""
    parts = [list(p) for p in parts]
    while _product(parts) > MAX_ATOMS:
        widest = max(range(len(parts)), key=lambda i: len(parts[i]))
        parts[widest] = [Str(HOLE, frozenset().union(*(a.roots for a in parts[widest])))]
    made = (Str(make([a.text for a in combo]), frozenset().union(*(a.roots for a in combo)))
            for combo in itertools.product(*parts))
    return union(a if len(a.text) <= MAX_TEXT and a.text.count("\x01") <= MAX_MARKERS else Str(HOLE, a.roots)
                 for a in made)


def _has_text(values: Values) -> bool:
    return any(isinstance(a, Str) for a in values)


def _product(parts: Iterable[list[Str]]) -> int:
    total = 1
    for part in parts:
        total *= max(len(part), 1)
    return total


def fill_all(template: Str, values: dict[int, list[Str]]) -> Values:
    """The template with every combination of its parameters' values filled in; cut to MAX_ATOMS."""
    indexes = sorted(set(markers_in(template.text)))
    parts = [values.get(i, [Str(HOLE)]) for i in indexes]
    return _combine([[template], *parts], lambda p: fill(p[0], dict(zip(indexes, p[1:]))))
