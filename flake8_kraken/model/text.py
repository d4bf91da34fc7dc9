"""String templates: what `%`, `.format`, `urljoin` and `str.join` make of known parts.

Each function takes template texts (HOLE and parameter markers inside) and returns
one; the model applies them to every combination of the alternatives it knows.
"""
from __future__ import annotations

import ast
import re
import string
from typing import Sequence

import libcst as cst

from flake8_kraken.model.values import HOLE

_PERCENT = re.compile(r"(%%|%(?:\([^()]*\))?[-#0 +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[hlL]?[diouxXeEfFgGcrsa])")


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


def percent(fmt: str, values: Sequence[str], named: dict[str, str] | None = None) -> str:
    """fmt % values (or % {name: value}), with HOLE for what a conversion other than a plain %s makes."""
    out, index = [], 0
    for part in _PERCENT.split(fmt):
        if part == "%%":
            out.append("%")
        elif part.startswith("%("):
            name = part[2:part.index(")")]
            out.append(named.get(name, HOLE) if named is not None and part.endswith("s") else HOLE)
        elif part.startswith("%"):
            plain = part.endswith("s")
            out.append(values[index] if plain and index < len(values) and named is None else HOLE)
            index += 1
        else:
            out.append(part)
    return "".join(out)


def format_fields(fmt: str) -> list[tuple[str, str | None, bool]]:
    """(literal text, field name or None, whether the field is plain) for each piece of a format string."""
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError:
        return [(HOLE, None, False)]
    return [(text, name, not spec and not conversion) for text, name, spec, conversion in parsed]


def fill_format(fmt: str, positional: Sequence[str], named: dict[str, str]) -> str:
    """fmt.format(*positional, **named), with HOLE for fields not given or not plain."""
    out, auto = [], 0
    for text, name, plain in format_fields(fmt):
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
        out.append(value if plain else HOLE)
    return "".join(out)


def urljoin(base: str, path: str) -> str:
    if path.startswith(("http://", "https://", "ws://", "wss://", HOLE)):
        return path
    if path.startswith("/"):
        match = re.match(r"[a-z]+://[^/]*", base)
        return (match.group() if match else base.rstrip("/")) + path
    return base[: base.rfind("/") + 1] + path if "/" in base else base + "/" + path


def fstring_text(node: cst.FormattedString, value: str) -> str:
    """A literal part of an f-string as its text: doubled braces single, escapes decoded."""
    text = value.replace("{{", "{").replace("}}", "}")
    if "\\" not in text or "r" in node.prefix.lower():
        return text
    try:
        decoded = ast.literal_eval(node.start.lower().replace("f", "") + text + node.end)
    except (SyntaxError, ValueError):
        return text
    return decoded if isinstance(decoded, str) else text


def literal_text(node: cst.BaseExpression) -> str | None:
    """The text of a string expression made of literals only (concatenations, f-strings without
    fields, bytes as latin-1); None for anything else."""
    if isinstance(node, cst.SimpleString):
        return string_value(node)
    if isinstance(node, cst.ConcatenatedString):
        left, right = literal_text(node.left), literal_text(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, cst.FormattedString) and all(isinstance(p, cst.FormattedStringText) for p in node.parts):
        return "".join(fstring_text(node, p.value) for p in node.parts)  # type: ignore[union-attr]
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        left, right = literal_text(node.left), literal_text(node.right)
        return None if left is None or right is None else left + right
    return None
