"""KRK901: the permission a call needs (off by default, for editors)."""
from __future__ import annotations

from typing import Iterator

from flake8_kraken.privilege import describe
from flake8_kraken.rules.base import Context, Example, Message, Rule

NO_PERMISSION = "a valid API key but no specific permission"


def check(rule: Rule, context: Context) -> Iterator[Message]:
    catalog = context.catalog
    for call in context.result.calls:
        endpoint = catalog.endpoint(call.endpoint)
        if endpoint is None or endpoint.access == "private":
            needs = describe(call.requirement, catalog) or NO_PERMISSION
            yield rule.say(call.line, call.col, endpoint=call.endpoint, needs=needs)


RULE = Rule(
    code="KRK901",
    summary="the permission a call needs (off by default)",
    message="{endpoint} needs {needs}",
    why="""An informational finding for editors: each Kraken call with the permissions it needs, in
Kraken's words. Off by default; turn it on with `extend-select = KRK901`.""",
    fix="`extend-select = KRK901` in the flake8 configuration, or `--extend-select KRK901`.",
    check=check,
    default=False,
    level="note",
    invalid=(Example('import krakenex\n\nkrakenex.API().query_private("EditOrder", {"txid": "O1"})\n', at=(3, 1)),),
    valid=(Example('import krakenex\n\nkrakenex.API().query_public("Ticker", {"pair": "XBTUSD"})\n'),),
)
