"""What KRK101, KRK102 and KRK104 share: a credential of one kind, found in source."""
from __future__ import annotations

from typing import Callable, Iterator

from flake8_kraken.rules.base import Context, Message, Rule


def credentials(kind: str) -> Callable[[Rule, Context], Iterator[Message]]:
    """The check for credentials of `kind` (a shape of rules.yaml's secrets section)."""

    def check(rule: Rule, context: Context) -> Iterator[Message]:
        for found in context.result.credentials:
            if found.kind == kind:
                yield rule.say(found.line, found.col, shown=found.shown)

    return check
