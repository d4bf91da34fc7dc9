"""KRK205: an endpoint not resolved statically where a declared key applies."""
from __future__ import annotations

from typing import Iterator

from flake8_kraken.rules.base import Context, Example, Message, Rule


def check(rule: Rule, context: Context) -> Iterator[Message]:
    if context.key is None:
        return  # with no key declared, nothing needs proving: the report lists these as unresolved
    for place in context.result.unresolved:
        yield rule.say(place.line, place.col, reason=place.reason, where=context.key.where)


RULE = Rule(
    code="KRK205",
    summary="endpoint not resolved statically under a declared key",
    message="the endpoint is not known statically ({reason}); the key declared {where} may not be enough",
    why="""Under a declared key every call is checked against the key; a call whose endpoint is
named only at run time cannot be, so the key may not suffice.""",
    fix="Name the endpoint with a constant; or review the call and mark it `# noqa: KRK205`.",
    check=check,
    invalid=(Example('# kraken-permissions: read-balances\nimport krakenex\n\napi = krakenex.API()\n\n\n'
                     'def call(name):\n    return api.query_private(name)\n', at=(8, 12)),),
    valid=(
        Example('# kraken-permissions: read-balances\nimport krakenex\n\napi = krakenex.API()\n\n\n'
                'def balance():\n    return api.query_private("Balance")\n'),
        Example('import krakenex\n\napi = krakenex.API()\n\n\ndef call(name):\n    return api.query_private(name)\n'),
    ),
)
