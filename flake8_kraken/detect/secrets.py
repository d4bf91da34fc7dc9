"""Hardcoded Kraken credentials: the right shape in the right context, never printed.

Kraken keys have no prefix and no checksum, so the shape alone (56 or 88 base64
characters) also fits digests and signatures. A literal is reported only where the
code uses it as a Kraken credential: a client's key/secret argument, or a name that
says key, secret or token in a module that talks to Kraken (or whose name says
kraken). Placeholders, low-entropy text, base64 of readable text and Kraken's own
documentation examples are left alone. Messages show the first 4 characters and
the length, nothing more.
"""
from __future__ import annotations

import ast
import base64
import binascii
import io
import math
import re
import tokenize
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Iterator

import libcst as cst

from flake8_kraken.catalog import Catalog, SecretShape, Secrets
from flake8_kraken.findings import Credential, Sink, sha256_hex
from flake8_kraken.model.scopes import dotted, is_string_expression
from flake8_kraken.model.text import literal_text
from flake8_kraken.model.values import Lib
from flake8_kraken.redact import shown

_BASE64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_READABLE = 0.85  # share of printable ASCII above which decoded bytes are text, not a key
_SEQUENTIAL = 0.5  # share of neighbouring characters one apart above which a value is made up


def normal_name(name: str) -> str:
    """apiKey, API-Key, api.key -> api_key: one spelling for the name patterns."""
    return re.sub(r"[^a-z0-9]+", "_", _CAMEL.sub("_", name).lower()).strip("_")


@dataclass(frozen=True)
class Context:
    """What the module as a whole says: does it talk to Kraken, or to the look-alike?"""

    kraken: bool
    lookalike: bool

    @staticmethod
    def of(source: str, secrets: Secrets, named: bool = False) -> Context:
        """named: the source names a Kraken address the catalog lists (any WebSocket host)."""
        text = source.lower()
        kraken = named or any(marker in text for marker in secrets.module_markers)
        lookalike = not kraken and any(marker in text for marker in secrets.lookalike_markers)
        return Context(kraken, lookalike)


class Classifier:
    """Decides whether a value is credential-shaped and whether a name gives it context."""

    def __init__(self, secrets: Secrets) -> None:
        self.secrets = secrets

    @cached_property
    def _names(self) -> re.Pattern[str]:
        return re.compile(self.secrets.names)

    @cached_property
    def _token_names(self) -> re.Pattern[str]:
        return re.compile(self.secrets.token_names)

    def shape(self, value: str) -> SecretShape | None:
        """The credential shape `value` has, unless it is a placeholder or an example."""
        for shape in self.secrets.shapes:
            shortest, longest = shape.lengths
            if shortest <= len(value) <= longest and _BASE64.match(value) and (
                    not shape.decoded or self._decoded_size(value) in shape.decoded):
                return None if self._not_a_secret(value) else shape
        return None

    def _decoded_size(self, value: str) -> int:
        try:
            return len(base64.b64decode(value + "=" * (-len(value) % 4)))
        except (binascii.Error, ValueError):
            return -1

    def _not_a_secret(self, value: str) -> bool:
        lowered = value.lower()
        if any(p in lowered for p in self.secrets.placeholders):
            return True
        if _entropy(value) < self.secrets.min_entropy or _sequential(value):
            return True
        decoded = base64.b64decode(value + "=" * (-len(value) % 4))
        if sum(32 <= b < 127 for b in decoded) >= _READABLE * len(decoded):
            return True  # base64 of text, such as a documentation token
        return sha256_hex(value.encode()) in self.secrets.known_examples

    def is_credential_name(self, name: str) -> bool:
        return self._names.match(normal_name(name)) is not None

    def is_token_name(self, name: str) -> bool:
        return self._token_names.match(normal_name(name)) is not None

    def name_gives_context(self, name: str, context: Context) -> bool:
        if not self.is_credential_name(name):
            return False
        return context.kraken or (self.says_kraken(name) and not context.lookalike)

    def says_kraken(self, name: str) -> bool:
        """A name with a word in it that says the value is Kraken's (KRAKEN_API_SECRET)."""
        return any(marker in name.lower() for marker in self.secrets.name_markers)

    def finding(self, value: str, name: str | None, context: Context) -> SecretShape | None:
        """The shape to report for `value` bound to `name` (None name: a client's credential argument)."""
        shape = self.shape(value)
        if shape is None:
            return None
        if name is None:
            return None if shape.token_only else shape
        if shape.token_only and not self.is_token_name(name):
            return None
        return shape if self.name_gives_context(name, context) else None


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _sequential(value: str) -> bool:
    """ABCDEFGH... or 0123...: mostly runs of consecutive characters, a made-up value."""
    steps = sum(ord(b) - ord(a) in (-1, 1) for a, b in zip(value, value[1:]))
    return steps >= _SEQUENTIAL * (len(value) - 1)


def literal_value(node: cst.BaseExpression) -> str | None:
    """The text of a literal string expression (concatenations, bytes, f-strings without fields)."""
    return literal_text(node)


def target_name(node: cst.BaseExpression) -> str | None:
    """The name an assignment target, attribute or string subscript says."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        return literal_value(node.slice[0].slice.value)
    return None


class SecretDetector(cst.BatchableCSTVisitor):
    """Reports credential-shaped literals where the code uses them as Kraken credentials."""

    def __init__(self, catalog: Catalog, context: Context, sink: Sink) -> None:
        super().__init__()
        self.catalog = catalog
        self.classifier = Classifier(catalog.secrets)
        self.context = context
        self.sink = sink
        self.env_defaults = frozenset(catalog.secrets.env_defaults)
        self.constructors: list[cst.Call] = []
        self.seen: set[int] = set()
        self.kraken_dicts: set[int] = set()  # dicts bound to a name that says Kraken: their keys are context
        self.dicts: list[cst.Dict] = []

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            name = target_name(target.target)
            self._check(node.value, name)
            if isinstance(node.value, cst.Dict) and name and self.classifier.says_kraken(name):
                self.kraken_dicts.add(id(node.value))

    def visit_Dict(self, node: cst.Dict) -> None:
        self.dicts.append(node)

    def leave_Dict(self, original_node: cst.Dict) -> None:
        self.dicts.pop()

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._check(node.value, target_name(node.target))

    def visit_DictElement(self, node: cst.DictElement) -> None:
        kraken = bool(self.dicts) and id(self.dicts[-1]) in self.kraken_dicts
        self._check(node.value, literal_value(node.key), kraken=kraken)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._check(node.value, node.keyword.value)

    def visit_Param(self, node: cst.Param) -> None:
        if node.default is not None:
            self._check(node.default, node.name.value)

    def visit_Call(self, node: cst.Call) -> None:
        if dotted(node.func) in self.env_defaults and len(node.args) >= 2:
            self._check(node.args[1].value, literal_value(node.args[0].value))
        elif any(a.keyword is None and is_string_expression(a.value) for a in node.args):
            self.constructors.append(node)

    def finish(self, model: Any) -> None:
        """A client's positional credentials, once the model can say which calls make a client."""
        wanted = {id(call) for call in self.constructors}
        for call, scope in model.collector.calls:
            if id(call) not in wanted:
                continue
            for atom in model.value(call.func, scope):
                client = self.catalog.client_class(atom.path) if isinstance(atom, Lib) else None
                if client is None or not client.credentials:
                    continue
                positional = [a.value for a in call.args if a.keyword is None and not a.star]
                for value in positional[: len(client.credentials)]:
                    self._check(value, None, credential=True)

    def in_messages(self, tokens: list[tuple[cst.BaseExpression, str]]) -> None:
        """Values Kraken WebSocket messages carry as their token: the message's shape is the context."""
        for node, name in tokens:
            self._check(node, name, kraken=True)

    def _check(self, node: cst.BaseExpression, name: str | None, *, credential: bool = False,
               kraken: bool = False) -> None:
        """Report `node` if it is a credential: under `name`, or as a client's `credential` argument
        (`kraken`: the name sits in a dict whose own name says Kraken)."""
        if id(node) in self.seen or not (name or credential):
            return
        value = literal_value(node)
        context = Context(True, False) if kraken else self.context
        shape = self.classifier.finding(value, None if credential else name, context) if value else None
        if shape is not None and value is not None:
            self.seen.add(id(node))
            self.sink.fact(node, Credential, shape.kind, shown(value))


def scan_tokens(source: str, catalog: Catalog) -> tuple[Credential, ...]:
    """The credential scan on string tokens alone, for files LibCST cannot read.

    Context is the name before `=` or `:` (an assignment, keyword or dict entry).
    """
    classifier = Classifier(catalog.secrets)
    context = Context.of(source, catalog.secrets, catalog.websocket.named_in(source))
    found = []
    for name, value, (line, col) in _named_strings(source):
        shape = classifier.finding(value, name, context)
        if shape is not None:
            found.append(Credential(line, col, shape.kind, shown(value)))
    return tuple(found)


def _named_strings(source: str) -> Iterator[tuple[str, str, tuple[int, int]]]:
    significant = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT):
                continue
            significant.append(token)
    except (tokenize.TokenError, SyntaxError):
        pass  # the tokens read so far are scanned
    for before, operator, token in zip(significant, significant[1:], significant[2:]):
        if token.type != tokenize.STRING or operator.string not in ("=", ":"):
            continue
        if before.type == tokenize.NAME:
            name = before.string
        elif before.type == tokenize.STRING:
            name = _string_token(before.string)
        else:
            continue
        value = _string_token(token.string)
        if name and value:
            yield name, value, token.start


def _string_token(text: str) -> str | None:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value if isinstance(value, str) else None
