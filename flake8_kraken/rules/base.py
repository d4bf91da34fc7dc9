"""What a rule is: a code, its message, when it fires, and the examples that show it.

A rule reads the facts the detectors found in one file (findings.py) under that file's
policy (its declared key, whether it may withdraw) and says what is wrong. Each rule
carries its own examples: the tests run every one through flake8, and its page in
docs/codes is made from them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable

from flake8_kraken.redact import redact

if TYPE_CHECKING:  # types only: flake8 imports the rules for their defaults before any file is read
    from flake8_kraken.catalog import Catalog
    from flake8_kraken.findings import FileResult


@dataclass(frozen=True, order=True)
class Message:
    """One flake8 message: position and text starting with its code."""

    line: int
    col: int
    text: str

    @property
    def code(self) -> str:
        return self.text.split(" ", 1)[0]


@dataclass(frozen=True)
class Context:
    """One file as a rule sees it: its facts, the catalog, and the policy that applies to it."""

    result: FileResult
    catalog: Catalog
    key: Any = None  # policy.DeclaredKey, the key declared for the file, or None
    may_withdraw: bool = False
    comment_error: tuple[int, str] | None = None  # line and reason of a malformed kraken-permissions comment


@dataclass(frozen=True)
class Example:
    """Code a rule must flag (`at`: the line and column flake8 prints), or leave alone (`at` None).

    Credentials are written as placeholders (`<56-character API key>`, or a look-alike
    `<56-character placeholder starting YOURxAPIxKEY>`, padded with x) and generated when the
    example runs, so that no file of this project holds anything shaped like a key.
    """

    source: str
    at: tuple[int, int] | None = None
    options: tuple[str, ...] = ()  # flake8 options the example runs with


@dataclass(frozen=True)
class Rule:
    """One code: what it says, when, how it is documented and shown in SARIF."""

    code: str
    summary: str
    message: str  # a str.format template over the fields the check gives
    why: str
    fix: str
    check: Callable[[Rule, Context], Iterable[Message]] = field(repr=False)
    invalid: tuple[Example, ...] = ()
    valid: tuple[Example, ...] = ()
    default: bool = True  # on unless selected
    level: str = "warning"  # SARIF level
    # What `flake8-kraken fix` does with it (fix.py): "credential", the literal becomes an environment
    # lookup; "side", the call or path goes to the endpoint's own side; None, nothing.
    repair: str | None = None

    def say(self, line: int, col: int, **fields: Any) -> Message:
        """The message at a place; whatever it quotes is redacted like every message the tool prints."""
        return self.say_text(line, col, self.message.format(**fields))

    def say_text(self, line: int, col: int, text: str) -> Message:
        """A message of this code with a text of its own (a variant the template does not cover)."""
        return Message(line, col, redact(f"{self.code} {text}"))

    def findings(self, context: Context) -> list[Message]:
        return list(self.check(self, context))
