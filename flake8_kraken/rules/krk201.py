"""KRK201: a call needs a permission that this path's declared key does not grant."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from flake8_kraken.privilege import describe
from flake8_kraken.rules.base import Context, Example, Message, Rule

if TYPE_CHECKING:
    from flake8_kraken.catalog import Catalog, Requirement

BAD_COMMENT = "the kraken-permissions comment is ignored: {reason}"
GUIDE = "Kraken's API-key guide lists {guide} for {endpoint}, but the endpoint also requires {also}"


def lacking(requirement: Requirement, granted: frozenset[str]) -> Requirement | None:
    """What a key lacks to meet a requirement, or None when it meets it."""
    if requirement.satisfied_by(granted):
        return None
    lacking_any = () if not requirement.any_of or granted & set(requirement.any_of) else requirement.any_of
    from flake8_kraken.catalog import Requirement

    return Requirement(tuple(p for p in requirement.all_of if p not in granted), lacking_any)


def guide_note(endpoint_name: str, requirement: Requirement, granted: frozenset[str], catalog: Catalog) -> str:
    """Why a key made from Kraken's guide table fails a call (EditOrder), or "" where the guide agrees."""
    endpoint = catalog.endpoint(endpoint_name)
    if endpoint is None or endpoint.guide is None or not endpoint.guide.satisfied_by(granted):
        return ""
    missing = lacking(requirement, granted)
    if missing is None:
        return ""
    return GUIDE.format(guide=describe(endpoint.guide, catalog), endpoint=endpoint_name,
                        also=describe(missing, catalog))


def check(rule: Rule, context: Context) -> Iterator[Message]:
    if context.comment_error is not None:
        line, reason = context.comment_error
        yield rule.say_text(line, 0, BAD_COMMENT.format(reason=reason))
    key = context.key
    if key is None:
        return
    catalog = context.catalog
    for call in context.result.calls:
        missing = lacking(call.requirement, key.grants)
        if missing is None:
            continue
        note = guide_note(call.endpoint, call.requirement, key.grants, catalog)
        yield rule.say(call.line, call.col, endpoint=call.endpoint, missing=describe(missing, catalog),
                       where=key.where, guide=f"; {note}" if note else "")


RULE = Rule(
    code="KRK201",
    summary="call needs a permission that this path's declared key does not grant",
    message="{endpoint} needs {missing}, which the key declared {where} does not grant{guide}",
    why="""Kraken: one key per purpose, with the minimum permissions. Declare the key each part of
the code base runs with (`kraken-permissions` in the flake8 configuration, or a
`# kraken-permissions:` comment in the module), and every call is checked against it: a call
the key cannot make fails at run time with `EGeneral:Permission denied`. Where Kraken's
API-key guide table and the endpoint's own page disagree (EditOrder), the message says so:
a key made from the guide is the one that fails.""",
    fix="""Move the call to code whose key has the permission, or widen the declaration (and the
key) deliberately. `flake8-kraken permissions --emit-config` prints least-privilege
declarations for a whole code base.""",
    check=check,
    invalid=(
        Example('# kraken-permissions: read-balances\nimport krakenex\n\napi = krakenex.API()\n'
                'api.query_private("Balance")\napi.query_private("AddOrder", {"pair": "XBTUSD"})\n', at=(6, 1)),
        Example('# kraken-permissions: create-modify-orders\nimport krakenex\n\n'
                'krakenex.API().query_private("EditOrder", {"txid": "O1"})\n', at=(4, 1)),
        Example('# kraken-permissions: read-balance\nimport krakenex\n', at=(1, 1)),
    ),
    valid=(Example('# kraken-permissions: read-balances\nimport krakenex\n\napi = krakenex.API()\n'
                   'api.query_private("Balance")\n'),),
)
