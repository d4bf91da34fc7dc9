"""KRK204: a private endpoint through a public call, or the reverse."""
from __future__ import annotations

from typing import Iterator

from flake8_kraken.rules.base import Context, Example, Message, Rule


def check(rule: Rule, context: Context) -> Iterator[Message]:
    for wrong in context.result.wrong_side:
        yield rule.say(wrong.line, wrong.col, endpoint=wrong.endpoint, access=wrong.access, used=wrong.used)


RULE = Rule(
    code="KRK204",
    summary="private endpoint through a public call, or the reverse",
    message="{endpoint} is a {access} endpoint but is called as {used}",
    why="""Private endpoints live under `/0/private/` and need a signed request; public ones under
`/0/public/`. The wrong side fails at run time. A helper that chooses the side by an argument
is not flagged: the code does not show which side each call takes.""",
    fix="Use the matching call or path.",
    check=check,
    repair="side",
    invalid=(
        Example('import krakenex\n\nkrakenex.API().query_public("Balance")\n', at=(3, 1)),
        Example('import requests\n\nrequests.get("https://api.kraken.com/0/private/Ticker")\n', at=(3, 14)),
    ),
    valid=(Example('import krakenex\n\nkrakenex.API().query_private("Balance")\n'),),
)
