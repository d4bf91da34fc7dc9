"""KRK203: an unknown Kraken endpoint, channel or request name."""
from __future__ import annotations

from typing import Iterator

from flake8_kraken.rules.base import Context, Example, Message, Rule

HINT = " (did you mean '{suggestion}'?)"


def check(rule: Rule, context: Context) -> Iterator[Message]:
    for unknown in context.result.unknown:
        hint = HINT.format(suggestion=unknown.suggestion) if unknown.suggestion else ""
        yield rule.say(unknown.line, unknown.col, name=unknown.name, hint=hint)


RULE = Rule(
    code="KRK203",
    summary="unknown Kraken endpoint, channel or request name",
    message="unknown Kraken endpoint '{name}'{hint}",
    why="""Endpoint names are case-sensitive and checked only by Kraken's server, at run time. An
unknown name also hides which permission the call needs.""",
    fix="""Fix the name (the message suggests the closest one). For an endpoint newer than the
catalog, add it in `kraken-rules`.""",
    check=check,
    repair="rename",
    invalid=(
        Example('import krakenex\n\nkrakenex.API().query_private("CancelAllOrdersAftr", {"timeout": 60})\n',
                at=(3, 1)),
        Example('import ccxt\n\nccxt.kraken().privatePostAddOrdr({})\n', at=(3, 1)),
        Example('import requests\n\nrequests.post("https://futures.kraken.com/derivatives/api/v3/sendordr")\n',
                at=(3, 15)),
    ),
    valid=(Example('import krakenex\n\nkrakenex.API().query_private("CancelAllOrdersAfter", {"timeout": 60})\n'),),
)
