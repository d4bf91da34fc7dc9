"""Names and values: what a string-building expression evaluates to.

Static only: a part that is known only at run time becomes HOLE, so that a
detector can tell "/0/private/Balance" (resolved) from "/0/private/" + name
(unresolved) without guessing.
"""
from __future__ import annotations

from typing import Mapping

import libcst as cst

HOLE = "\x00"  # stands for a part of a string that is only known at run time


def template(node: cst.BaseExpression, constants: Mapping[str, str]) -> str | None:
    """The text a string expression builds, with HOLE for runtime parts.

    None when the expression is not a string expression at all.
    """
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value.decode("latin-1") if isinstance(value, bytes) else value
    if isinstance(node, cst.ConcatenatedString):
        left, right = template(node.left, constants), template(node.right, constants)
        return None if left is None or right is None else left + right
    if isinstance(node, cst.FormattedString):
        return "".join(_fstring_part(part, constants) for part in node.parts)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        left, right = template(node.left, constants), template(node.right, constants)
        if left is None and right is None:
            return None
        return (HOLE if left is None else left) + (HOLE if right is None else right)
    if isinstance(node, cst.Name) and node.value in constants:
        return constants[node.value]
    return None


def _fstring_part(part: cst.BaseFormattedStringContent, constants: Mapping[str, str]) -> str:
    if isinstance(part, cst.FormattedStringText):
        return part.value
    if isinstance(part, cst.FormattedStringExpression) and part.format_spec is None:
        if part.conversion is None:
            value = template(part.expression, constants)
            if value is not None:
                return value
    return HOLE


def is_string_expression(node: cst.BaseExpression) -> bool:
    """A literal, or a + chain with a literal in it: the roots a detector reads."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return True
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return is_string_expression(node.left) or is_string_expression(node.right)
    return False


def module_constants(module: cst.Module) -> dict[str, tuple[str, cst.BaseExpression]]:
    """Module-level names bound once to a string expression: name -> (value, expression)."""
    bound: dict[str, list[cst.BaseExpression | None]] = {}
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            for name in _names_bound_by_compound(statement):
                bound.setdefault(name, []).append(None)
            continue
        for small in statement.body:
            for name, value in _simple_bindings(small):
                bound.setdefault(name, []).append(value)
    constants: dict[str, tuple[str, cst.BaseExpression]] = {}
    plain: dict[str, str] = {}
    for name, values in bound.items():
        value = values[0]
        if len(values) != 1 or value is None or not is_string_expression(value):
            continue
        text = template(value, plain)
        if text is not None:
            constants[name] = (text, value)
            plain[name] = text
    return constants


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


def _names_bound_by_compound(statement: cst.BaseCompoundStatement) -> list[str]:
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return [statement.name.value]
    return []
