"""docs/codes/KRKnnn.md, made from each rule: why, its examples (flagged and not), how to suppress.

    python -m flake8_kraken.rules.docs [DIRECTORY]   # writes the pages (default: docs/codes)

The tests check that every page equals what this makes, so a page never drifts from its rule.
"""
from __future__ import annotations

import sys
from pathlib import Path

from flake8_kraken.rules import RULES
from flake8_kraken.rules.base import Example, Rule


def page(rule: Rule) -> str:
    """The documentation page of one rule: every example the tests run, flagged ones first."""
    title = rule.summary[0].upper() + rule.summary[1:]
    off = "" if rule.default else (f"\n\nOff by default: the examples are checked with "
                                   f"`flake8 --extend-select {rule.code}`.")
    off += _REPAIRS.get(rule.repair or "", "")
    return (f"# {rule.code}: {title}\n\n## Why\n\n{rule.why}\n\n## Bad\n\n{_examples(rule.invalid, rule.code)}"
            f"## Good\n\n{_examples(rule.valid, rule.code)}## Suppress or configure\n\n{rule.fix}{off}\n")


_REPAIRS = {
    "credential": "\n\n`flake8-kraken fix` makes the literal an environment lookup (README, Fixing); the key "
                  "must still be revoked.",
    "side": "\n\n`flake8-kraken fix` moves the call or the path to the endpoint's own side (README, Fixing).",
    "address": "\n\n`flake8-kraken fix` opens the socket on the authenticated address when the public one is "
               "written once and used only there (README, Fixing).",
    "rename": "\n\n`flake8-kraken fix` renames a misspelt endpoint when one catalog name alone is that close "
              "(README, Fixing).",
}


def _examples(examples: tuple[Example, ...], code: str) -> str:
    out = []
    for example in examples:
        where = f"{code} at line {example.at[0]}, column {example.at[1]}" if example.at else f"no {code}"
        options = f", with `flake8 {' '.join(example.options)}`" if example.options else ""
        out.append(f"```python\n{example.source}```\n\n*Gives {where}{options}.*\n\n")
    return "".join(out)


def main(argv: list[str] | None = None) -> int:
    directory = Path((argv if argv is not None else sys.argv[1:])[0] if (argv or sys.argv[1:]) else "docs/codes")
    directory.mkdir(parents=True, exist_ok=True)
    for rule in RULES:
        (directory / f"{rule.code}.md").write_text(page(rule), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
