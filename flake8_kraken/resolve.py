"""Names and values: what an expression evaluates to, read statically.

A part of a string known only at run time becomes HOLE, so that a detector can
tell "/0/private/Balance" (resolved) from "/0/private/" + name (unresolved)
without guessing. A part that comes from a parameter of the enclosing function
becomes a parameter marker instead: the function is then a helper whose callers
say which endpoint it reaches (one level, see detect/clients.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterator, Mapping

import libcst as cst

HOLE = "\x00"  # a part of a string that is only known at run time
_MARK_OPEN, _MARK_CLOSE = "\x01", "\x02"
_MARKER = re.compile("\x01(\\d+)\x02")

Lookup = Callable[[cst.BaseExpression], "str | None"]


def param_marker(index: int) -> str:
    """Stands for the value of the enclosing function's parameter number `index`."""
    return f"{_MARK_OPEN}{index}{_MARK_CLOSE}"


def marker_at(text: str) -> int | None:
    """The parameter index when `text` starts with a parameter marker."""
    match = _MARKER.match(text)
    return int(match.group(1)) if match else None


def is_unknown(char: str) -> bool:
    """A character that stands for a run-time value (a hole or a parameter)."""
    return char in (HOLE, _MARK_OPEN)


def no_lookup(node: cst.BaseExpression) -> str | None:
    return None


def template(node: cst.BaseExpression, lookup: Lookup = no_lookup) -> str | None:
    """The text a string expression builds, with HOLE for runtime parts.

    None when the expression is not a string expression at all. `lookup` gives
    the value of names, attributes and subscripts that hold known strings.
    """
    if isinstance(node, cst.SimpleString):
        return string_value(node)
    if isinstance(node, cst.ConcatenatedString):
        left, right = template(node.left, lookup), template(node.right, lookup)
        return None if left is None or right is None else left + right
    if isinstance(node, cst.FormattedString):
        return "".join(_fstring_part(part, lookup) for part in node.parts)
    if isinstance(node, cst.BinaryOperation):
        return _binary(node, lookup)
    if isinstance(node, cst.Call):
        return _call(node, lookup)
    return lookup(node)


def string_value(node: cst.SimpleString) -> str:
    """A string literal's text (bytes as latin-1), without compiling it when it has no escapes."""
    text = node.value
    start = 0
    while text[start] not in "'\"":
        start += 1
    quote = text[start] * 3 if text[start:start + 3] in ('"""', "'''") else text[start]
    body = text[start + len(quote):len(text) - len(quote)]
    if "\\" not in body:
        return body
    value = node.evaluated_value
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _binary(node: cst.BinaryOperation, lookup: Lookup) -> str | None:
    if isinstance(node.operator, cst.Add):
        left, right = template(node.left, lookup), template(node.right, lookup)
        if left is None and right is None:
            return None
        return (HOLE if left is None else left) + (HOLE if right is None else right)
    if isinstance(node.operator, cst.Modulo) and is_string_expression(node.left):
        fmt = template(node.left, lookup)
        if fmt is None:
            return None
        items = node.right.elements if isinstance(node.right, cst.Tuple) else None
        values = [_value(e.value, lookup) for e in items] if items is not None else [_value(node.right, lookup)]
        return _percent(fmt, values)
    return None


def _percent(fmt: str, values: list[str]) -> str:
    parts = re.split(r"(%%|%\(?[^()%]*\)?[-#0 +]*\d*(?:\.\d+)?[sdirfx])", fmt)
    out, index = [], 0
    for part in parts:
        if part == "%%":
            out.append("%")
        elif part.startswith("%"):
            if part.endswith("s") and "(" not in part and index < len(values):
                out.append(values[index])
            else:
                out.append(HOLE)
            index += 1
        else:
            out.append(part)
    return "".join(out)


def _call(node: cst.Call, lookup: Lookup) -> str | None:
    func = node.func
    if isinstance(func, cst.Attribute) and func.attr.value == "format" and is_string_expression(func.value):
        fmt = template(func.value, lookup)
        return None if fmt is None else _format(fmt, node.args, lookup)
    if _last_name(func) == "urljoin" and len(node.args) >= 2:
        base, path = _value(node.args[0].value, lookup), _value(node.args[1].value, lookup)
        return _urljoin(base, path)
    return lookup(node)


def _format(fmt: str, args: tuple[cst.Arg, ...], lookup: Lookup) -> str:
    positional = [_value(a.value, lookup) for a in args if a.keyword is None and not a.star]
    named = {a.keyword.value: _value(a.value, lookup) for a in args if a.keyword is not None}
    out, auto = [], 0
    for text, name, spec, conversion in _formatter_parse(fmt):
        out.append(text)
        if name is None:
            continue
        if name == "":
            value = positional[auto] if auto < len(positional) else HOLE
            auto += 1
        elif name.isdigit():
            value = positional[int(name)] if int(name) < len(positional) else HOLE
        else:
            value = named.get(name, HOLE)
        out.append(value if not spec and not conversion else HOLE)
    return "".join(out)


def _formatter_parse(fmt: str) -> list[tuple[str, str | None, str | None, str | None]]:
    import string

    try:
        return list(string.Formatter().parse(fmt))
    except ValueError:
        return [(HOLE, None, None, None)]


def _urljoin(base: str, path: str) -> str:
    if path.startswith(("http://", "https://", HOLE)):
        return path
    if path.startswith("/"):
        match = re.match(r"[a-z]+://[^/]*", base)
        return (match.group() if match else base.rstrip("/")) + path
    return base[: base.rfind("/") + 1] + path if "/" in base else base + "/" + path


def _value(node: cst.BaseExpression, lookup: Lookup) -> str:
    text = template(node, lookup)
    return HOLE if text is None else text


def _last_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def _fstring_part(part: cst.BaseFormattedStringContent, lookup: Lookup) -> str:
    if isinstance(part, cst.FormattedStringText):
        return part.value
    if isinstance(part, cst.FormattedStringExpression) and part.format_spec is None and part.conversion is None:
        value = template(part.expression, lookup)
        if value is not None:
            return value
    return HOLE


def is_string_expression(node: cst.BaseExpression) -> bool:
    """A literal, or an expression building a string from one: the roots a detector reads."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return True
    if isinstance(node, cst.BinaryOperation):
        if isinstance(node.operator, cst.Add):
            return is_string_expression(node.left) or is_string_expression(node.right)
        return isinstance(node.operator, cst.Modulo) and is_string_expression(node.left)
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "format":
            return is_string_expression(func.value)
        return _last_name(func) == "urljoin"
    return False


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


# --- what a module defines at its top level ---------------------------------------------


@dataclass
class ModuleFacts:
    """Constants a module defines once: strings, dicts of strings, class-level strings."""

    strings: dict[str, tuple[str, cst.BaseExpression]] = field(default_factory=dict)
    dicts: dict[str, dict[str, str]] = field(default_factory=dict)
    classes: dict[str, dict[str, str]] = field(default_factory=dict)

    def value(self, node: cst.BaseExpression, cls: str | None) -> str | None:
        """The known string an expression names, or None."""
        if isinstance(node, cst.Name):
            found = self.strings.get(node.value)
            return found[0] if found else None
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            owner = node.value.value
            owner = cls if owner in ("self", "cls") else owner
            return self.classes.get(owner or "", {}).get(node.attr.value)
        if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name) and len(node.slice) == 1:
            index = node.slice[0].slice
            if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
                key = index.value.evaluated_value
                return self.dicts.get(node.value.value, {}).get(key) if isinstance(key, str) else None
        return None


def module_facts(module: cst.Module) -> ModuleFacts:
    """Names bound exactly once at module level (or class level) to constant strings."""
    facts = ModuleFacts()
    bound = _single_bindings(module.body)
    plain: dict[str, str] = {}
    lookup = _mapping_lookup(plain)
    for name, value in bound.items():
        if value is None:
            continue
        if is_string_expression(value):
            text = template(value, lookup)
            if text is not None:
                facts.strings[name] = (text, value)
                plain[name] = text
        elif isinstance(value, cst.Dict):
            entries = _string_dict(value, lookup)
            if entries:
                facts.dicts[name] = entries
    for statement in module.body:
        if isinstance(statement, cst.ClassDef) and isinstance(statement.body, cst.IndentedBlock):
            members = _single_bindings(statement.body.body)
            texts = {n: template(v, lookup) for n, v in members.items() if v is not None and is_string_expression(v)}
            facts.classes[statement.name.value] = {n: t for n, t in texts.items() if t is not None}
    return facts


def _mapping_lookup(values: Mapping[str, str]) -> Lookup:
    def lookup(node: cst.BaseExpression) -> str | None:
        return values.get(node.value) if isinstance(node, cst.Name) else None

    return lookup


def _string_dict(node: cst.Dict, lookup: Lookup) -> dict[str, str]:
    out = {}
    for element in node.elements:
        if not isinstance(element, cst.DictElement) or not isinstance(element.key, cst.SimpleString):
            continue
        key = element.key.evaluated_value
        value = template(element.value, lookup) if is_string_expression(element.value) else None
        if isinstance(key, str) and value is not None:
            out[key] = value
    return out


def _single_bindings(body: tuple[cst.BaseStatement, ...]) -> dict[str, cst.BaseExpression | None]:
    """name -> the one expression bound to it in these statements (None: bound otherwise or twice)."""
    bound: dict[str, list[cst.BaseExpression | None]] = {}
    for statement in body:
        if not isinstance(statement, cst.SimpleStatementLine):
            if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                bound.setdefault(statement.name.value, []).append(None)
            continue
        for small in statement.body:
            for name, value in _simple_bindings(small):
                bound.setdefault(name, []).append(value)
    return {name: values[0] if len(values) == 1 else None for name, values in bound.items()}


def _simple_bindings(small: cst.BaseSmallStatement) -> list[tuple[str, cst.BaseExpression | None]]:
    if isinstance(small, cst.Assign):
        names = [t.target.value for t in small.targets if isinstance(t.target, cst.Name)]
        single = len(small.targets) == 1 and len(names) == 1
        return [(n, small.value if single else None) for n in names]
    if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
        return [(small.target.value, small.value)]
    if isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
        return [(small.target.value, None)]
    return []


# --- where the walk is: function and class scopes ------------------------------------------


@dataclass(frozen=True)
class Frame:
    """The function (and class) a node is in; the module has neither."""

    function: cst.FunctionDef | None = None
    cls: str | None = None  # the class whose method this is, or whose body this is
    params: tuple[str, ...] = ()

    @property
    def key(self) -> int:
        return id(self.function) if self.function is not None else 0


MODULE = Frame()


class Scope:
    """The frame stack of one walk, kept by ScopeTracker and read by detectors."""

    def __init__(self, facts: ModuleFacts) -> None:
        self.facts = facts
        self.stack: list[Frame] = [MODULE]

    @property
    def frame(self) -> Frame:
        return self.stack[-1]

    def lookup_in(self, frame: Frame) -> Lookup:
        """Values of names as seen in `frame`: parameters as markers, then constants."""

        def lookup(node: cst.BaseExpression) -> str | None:
            if isinstance(node, cst.Name) and node.value in frame.params:
                return param_marker(frame.params.index(node.value))
            return self.facts.value(node, frame.cls)

        return lookup


class ScopeTracker(cst.BatchableCSTVisitor):
    """Keeps Scope.stack in step with the walk; runs first in the batch."""

    def __init__(self, scope: Scope) -> None:
        super().__init__()
        self.scope = scope

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.scope.stack.append(Frame(None, node.name.value))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.scope.stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        outer = self.scope.frame
        cls = outer.cls if outer.function is None else None
        self.scope.stack.append(Frame(node, cls, tuple(p.name.value for p in _params(node.params))))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.scope.stack.pop()


def _params(params: cst.Parameters) -> Iterator[cst.Param]:
    yield from params.posonly_params
    yield from params.params
    yield from params.kwonly_params
