"""Names and where they are bound: one pass over a module, as pyflakes keeps its scopes.

The Collector runs in the engine's single walk and records, for each scope (the
module, each class body, each function), every binding of every name with its
position, plus what the detectors read afterwards: the calls, the string
expressions, the dict literals. Nothing is evaluated here; the model does that once
every name of the module is bound, so the order of definitions does not matter.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

import libcst as cst

# Field names of a binding's target that hold a name being bound, per statement kind.
_STRING_NODES = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)


@dataclass(frozen=True, eq=False)
class Binding:
    """One binding of a name: what is bound and where (to tell which bindings reach a use)."""

    kind: str  # value, iter, param, import, from, def, class, augment (x += y), unknown
    value: Any = field(repr=False)  # the expression; the iterable (iter); the Param; the path (import); the Scope
    order: int  # position in the walk, taken after the binding's own expression
    blocks: tuple[int, ...]  # the blocks that contain it, outermost first
    path: tuple[int, ...] = ()  # index path into the value, for unpacking: a, (b, c) = ...
    anywhere: bool = False  # bound by a function through `global`: at no known time


@dataclass(frozen=True, eq=False)
class Param:
    name: str
    index: int  # position in the def, self included
    default: Any = field(repr=False)  # expression or None
    annotation: Any = field(repr=False)  # expression or None
    star: str = ""  # "*" or "**"


@dataclass(eq=False)
class ClassInfo:
    """A class: its body's scope, its bases, and what its methods set on `self`."""

    node: cst.ClassDef = field(repr=False)
    name: str
    scope: Scope = field(repr=False)
    bases: tuple[cst.BaseExpression, ...] = field(repr=False)
    attrs: dict[str, list[tuple[cst.BaseExpression, Scope]]] = field(default_factory=dict, repr=False)


@dataclass(eq=False)
class Scope:
    """A module, class body or function, with the names bound in it."""

    kind: str  # module, class, function
    node: cst.CSTNode = field(repr=False)
    parent: Scope | None = field(repr=False)
    name: str = ""
    bindings: dict[str, list[Binding]] = field(default_factory=dict, repr=False)
    declared_global: set[str] = field(default_factory=set, repr=False)
    declared_nonlocal: set[str] = field(default_factory=set, repr=False)
    params: list[Param] = field(default_factory=list, repr=False)
    returns: list[cst.BaseExpression] = field(default_factory=list, repr=False)
    decorators: tuple[str, ...] = ()
    cls: ClassInfo | None = field(default=None, repr=False)  # the class of a method, or of a class body
    self_name: str | None = None  # the instance parameter of a method

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


@dataclass(frozen=True)
class Use:
    order: int
    blocks: tuple[int, ...]


def dotted(node: cst.BaseExpression) -> str | None:
    """'a.b.c' for a chain of names, else None."""
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def may_build_text(node: cst.BaseExpression) -> bool:
    """An expression that builds a string when its parts are strings: literals, +, %, f-strings,
    .format, .join and urljoin. The outermost one is where a string is put together."""
    if isinstance(node, _STRING_NODES):
        return True
    if isinstance(node, cst.BinaryOperation):
        return isinstance(node.operator, (cst.Add, cst.Modulo))
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("format", "join"):
            return True
        return isinstance(func, (cst.Name, cst.Attribute)) and (dotted(func) or "").endswith("urljoin")
    return False


def is_string_expression(node: cst.BaseExpression) -> bool:
    """A literal, or an expression building a string from one: the roots a detector reads."""
    if isinstance(node, _STRING_NODES):
        return True
    if isinstance(node, cst.BinaryOperation):
        if isinstance(node.operator, cst.Add):
            return is_string_expression(node.left) or is_string_expression(node.right)
        return isinstance(node.operator, cst.Modulo) and is_string_expression(node.left)
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("format", "join"):
            return is_string_expression(func.value)
        return isinstance(func, (cst.Name, cst.Attribute)) and (dotted(func) or "").endswith("urljoin")
    return False


def _target_names(target: cst.BaseExpression, path: tuple[int, ...] = ()) -> Iterator[tuple[str, tuple[int, ...]]]:
    """The names an assignment target binds, with their index path into the value."""
    if isinstance(target, cst.Name):
        yield target.value, path
    elif isinstance(target, (cst.Tuple, cst.List)):
        for i, element in enumerate(target.elements):
            if isinstance(element, cst.StarredElement):
                continue
            yield from _target_names(element.value, (*path, i))


class Collector:
    """Builds the scopes of one module during the walk; read by the model afterwards."""

    def __init__(self) -> None:
        self.module_scope: Scope | None = None
        self.stack: list[Scope] = []
        self.blocks: list[int] = [0]
        self.order = 0
        self.classes: list[ClassInfo] = []
        self.functions: list[Scope] = []
        self.uses: dict[int, Use] = {}
        self.targets: set[int] = set()  # Name nodes that are bound, not read
        self.calls: list[tuple[cst.Call, Scope]] = []
        self.strings: list[tuple[cst.BaseExpression, Scope]] = []  # outermost string expressions
        self.root_ids: set[int] = set()  # their ids
        self.dicts: list[tuple[cst.Dict, Scope]] = []
        self.item_sets: list[tuple[cst.Subscript, Scope]] = []  # x["a"]["b"] = ... targets
        self.narrowed: dict[int, tuple[str, cst.BaseExpression]] = {}  # block -> (name, collection) of `if name in`
        self.loads: dict[str, list[tuple[cst.BaseExpression, Scope]]] = {}  # name or attribute -> reads outside strings
        self.scope_of: dict[int, Scope] = {}  # id of a def or class node -> its scope
        self._string_root: cst.CSTNode | None = None
        self._docstring: cst.CSTNode | None = None

    @property
    def scope(self) -> Scope:
        return self.stack[-1]

    # --- scopes ------------------------------------------------------------------------------

    def visit_Module(self, node: cst.Module) -> None:
        self.module_scope = Scope("module", node, None, "<module>")
        self.stack.append(self.module_scope)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        outer = self.scope
        body = Scope("class", node, outer, node.name.value)
        info = ClassInfo(node, node.name.value, body, tuple(a.value for a in node.bases if a.keyword is None))
        body.cls = info
        self.classes.append(info)
        self.scope_of[id(node)] = body
        self._bind(outer, node.name.value, Binding("class", info, self.order, tuple(self.blocks)))
        self.stack.append(body)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        outer = self.scope
        decorators = tuple(dotted(d.decorator) or "" for d in node.decorators)
        scope = Scope("function", node, outer, node.name.value, decorators=decorators)
        params = node.params
        ordered = [*params.posonly_params, *params.params]
        for i, p in enumerate(ordered):
            scope.params.append(Param(p.name.value, i, p.default, _annotation(p)))
        if isinstance(params.star_arg, cst.Param):
            scope.params.append(Param(params.star_arg.name.value, len(scope.params), None, None, "*"))
        for p in params.kwonly_params:
            scope.params.append(Param(p.name.value, len(scope.params), p.default, _annotation(p)))
        if params.star_kwarg is not None:
            scope.params.append(Param(params.star_kwarg.name.value, len(scope.params), None, None, "**"))
        if outer.kind == "class":
            scope.cls = outer.cls
            if "staticmethod" not in decorators and scope.params:
                scope.self_name = scope.params[0].name
        self.functions.append(scope)
        self.scope_of[id(node)] = scope
        self._bind(outer, node.name.value, Binding("def", scope, self.order, tuple(self.blocks)))
        for param in scope.params:
            self._bind(scope, param.name, Binding("param", param, self.order, ()))
        self.stack.append(scope)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.stack.pop()

    def visit_Global(self, node: cst.Global) -> None:
        self.scope.declared_global.update(n.name.value for n in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.scope.declared_nonlocal.update(n.name.value for n in node.names)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.blocks.append(id(node))

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self.blocks.pop()

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self.blocks.append(id(node))

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        self.blocks.pop()

    # --- bindings ----------------------------------------------------------------------------

    def _bind(self, scope: Scope, name: str, binding: Binding) -> None:
        if name in scope.declared_global and self.module_scope is not None and scope is not self.module_scope:
            scope = self.module_scope
            binding = Binding(binding.kind, binding.value, binding.order, (), binding.path, anywhere=True)
        elif name in scope.declared_nonlocal and scope.parent is not None:
            scope = scope.parent
            binding = Binding(binding.kind, binding.value, binding.order, (), binding.path, anywhere=True)
        scope.bindings.setdefault(name, []).append(binding)

    def _mark_targets(self, target: cst.BaseExpression) -> None:
        if isinstance(target, (cst.Name, cst.Attribute, cst.Subscript)):
            self.targets.add(id(target))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._mark_targets(element.value)
        elif isinstance(target, cst.StarredElement):
            self._mark_targets(target.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._mark_targets(target.target)

    def leave_Assign(self, original_node: cst.Assign) -> None:
        self.order += 1
        for target in original_node.targets:
            self._assign(target.target, original_node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._mark_targets(node.target)

    def leave_AnnAssign(self, original_node: cst.AnnAssign) -> None:
        self.order += 1
        if original_node.value is not None:  # else a declaration only (a dataclass field): nothing bound yet
            self._assign(original_node.target, original_node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._mark_targets(node.target)

    def leave_AugAssign(self, original_node: cst.AugAssign) -> None:
        self.order += 1
        if isinstance(original_node.target, cst.Name):  # x += y: what x held, then y added
            self._bind(self.scope, original_node.target.value,
                       Binding("augment", original_node, self.order, tuple(self.blocks)))

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._mark_targets(node.target)

    def leave_NamedExpr(self, original_node: cst.NamedExpr) -> None:
        self.order += 1
        self._assign(original_node.target, original_node.value)

    def _assign(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        scope = self.scope
        if isinstance(target, cst.Attribute):
            self._attribute(target, value)
            return
        if isinstance(target, cst.Subscript):
            self.item_sets.append((target, scope))
            return
        for name, path in _target_names(target):
            self._bind(scope, name, Binding("value", value, self.order, tuple(self.blocks), path))

    def _attribute(self, target: cst.Attribute, value: cst.BaseExpression) -> None:
        """self.x = value in a method: an attribute of the method's class."""
        scope = self.scope
        if scope.kind != "function" or scope.cls is None or scope.self_name is None:
            return
        if isinstance(target.value, cst.Name) and target.value.value == scope.self_name:
            scope.cls.attrs.setdefault(target.attr.value, []).append((value, scope))

    def visit_For(self, node: cst.For) -> None:
        self._mark_targets(node.target)
        self._iterate(node.target, node.iter)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._mark_targets(node.target)
        self._iterate(node.target, node.iter)

    def _iterate(self, target: cst.BaseExpression, iterable: cst.BaseExpression) -> None:
        for name, path in _target_names(target):
            self._bind(self.scope, name, Binding("iter", iterable, self.order, tuple(self.blocks), path))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._mark_targets(node.asname.name)

    def leave_WithItem(self, original_node: cst.WithItem) -> None:
        self.order += 1
        if original_node.asname is not None:
            self._assign(original_node.asname.name, original_node.item)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self.targets.add(id(node.name.name))
            self._bind(self.scope, node.name.name.value, Binding("unknown", None, self.order, tuple(self.blocks)))

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            path = dotted(alias.name)
            if path is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.targets.add(id(alias.asname.name))
                self._bind(self.scope, alias.asname.name.value,
                           Binding("import", path, self.order, tuple(self.blocks)))
            else:
                head = path.split(".")[0]
                self._bind(self.scope, head, Binding("import", head, self.order, tuple(self.blocks)))
            self._mark_import(alias.name)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        module = dotted(node.module) if node.module is not None else ""
        level = len(node.relative)
        for alias in node.names:
            name = dotted(alias.name)
            if module is None or name is None:
                continue
            self._mark_import(alias.name)
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
                self.targets.add(id(alias.asname.name))
            self._bind(self.scope, local, Binding("from", (level, module, name), self.order, tuple(self.blocks)))

    def _mark_import(self, node: cst.BaseExpression) -> None:
        while isinstance(node, cst.Attribute):
            node = node.value
        if isinstance(node, cst.Name):
            self.targets.add(id(node))

    def visit_If(self, node: cst.If) -> None:
        test = node.test
        if (isinstance(test, cst.Comparison) and isinstance(test.left, cst.Name) and len(test.comparisons) == 1
                and isinstance(test.comparisons[0].operator, cst.In)):
            self.narrowed[id(node.body)] = (test.left.value, test.comparisons[0].comparator)

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None and self.scope.kind == "function":
            self.scope.returns.append(node.value)

    # --- what the detectors read -------------------------------------------------------------

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) in self.targets:
            return
        self.order += 1
        self.uses[id(node)] = Use(self.order, tuple(self.blocks))
        if self._string_root is None:
            self.loads.setdefault(node.value, []).append((node, self.scope))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if self._string_root is None and id(node) not in self.targets:
            self.loads.setdefault("." + node.attr.value, []).append((node, self.scope))

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append((node, self.scope))
        self._string(node)

    def leave_Call(self, original_node: cst.Call) -> None:
        self._leave_string(original_node)

    def visit_Dict(self, node: cst.Dict) -> None:
        self.dicts.append((node, self.scope))

    def visit_Expr(self, node: cst.Expr) -> None:
        if self._string_root is None and is_string_expression(node.value):
            self._docstring = node.value  # a docstring or a bare string: not read

    def leave_Expr(self, original_node: cst.Expr) -> None:
        if self._docstring is original_node.value:
            self._docstring = None

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self._string(node)

    def leave_SimpleString(self, original_node: cst.SimpleString) -> None:
        self._leave_string(original_node)

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        self._string(node)

    def leave_ConcatenatedString(self, original_node: cst.ConcatenatedString) -> None:
        self._leave_string(original_node)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._string(node)

    def leave_FormattedString(self, original_node: cst.FormattedString) -> None:
        self._leave_string(original_node)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        self._string(node)

    def leave_BinaryOperation(self, original_node: cst.BinaryOperation) -> None:
        self._leave_string(original_node)

    def _string(self, node: cst.BaseExpression) -> None:
        if self._string_root is not None or not may_build_text(node):
            return
        self._string_root = node
        if self._docstring is None:
            self.strings.append((node, self.scope))
            self.root_ids.add(id(node))

    def _leave_string(self, node: cst.BaseExpression) -> None:
        if self._string_root is node:
            self._string_root = None


def _annotation(param: cst.Param) -> cst.BaseExpression | None:
    return param.annotation.annotation if param.annotation is not None else None
