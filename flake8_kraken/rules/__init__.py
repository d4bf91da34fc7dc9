"""The rules: one unit per code (krkNNN.py), each with its message, default, level and examples.

`check` runs every rule over one file's facts; flake8 and the report both call it, so
they say the same things. A code is added by writing one unit and listing it here.
"""
from __future__ import annotations

from flake8_kraken.rules import (
    krk000,
    krk101,
    krk102,
    krk103,
    krk104,
    krk201,
    krk202,
    krk203,
    krk204,
    krk205,
    krk301,
    krk302,
    krk901,
)
from flake8_kraken.rules.base import Context, Example, Message, Rule

RULES: tuple[Rule, ...] = tuple(unit.RULE for unit in (krk000, krk101, krk102, krk103, krk104, krk201, krk202,
                                                       krk203, krk204, krk205, krk301, krk302, krk901))
BY_CODE = {rule.code: rule for rule in RULES}
OFF_BY_DEFAULT = tuple(rule.code for rule in RULES if not rule.default)

__all__ = ["BY_CODE", "OFF_BY_DEFAULT", "RULES", "Context", "Example", "Message", "Rule", "check"]


def check(context: Context) -> list[Message]:
    """Every message of every rule for one file, sorted by position."""
    return sorted({message for rule in RULES for message in rule.findings(context)})
