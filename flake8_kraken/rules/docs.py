"""docs/codes/KRKnnn.md, made from each rule: why, a bad and a good example, how to suppress.

    python -m flake8_kraken.rules.docs [DIRECTORY]   # writes the pages (default: docs/codes)

The tests check that every page equals what this makes, so a page never drifts from its rule.
"""
from __future__ import annotations

import sys
from pathlib import Path

from flake8_kraken.rules import RULES
from flake8_kraken.rules.base import Rule


def page(rule: Rule) -> str:
    """The documentation page of one rule."""
    title = rule.summary[0].upper() + rule.summary[1:]
    bad, good = rule.invalid[0], rule.valid[0]
    options = f"\n\nThe examples above are checked with `flake8 {' '.join(bad.options)}`." if bad.options else ""
    off = "" if rule.default else (f"\n\nOff by default: the examples above are checked with "
                                   f"`flake8 --extend-select {rule.code}`.")
    return (f"# {rule.code}: {title}\n\n## Why\n\n{rule.why}\n\n## Bad\n\n```python\n{bad.source}```\n\n"
            f"## Good\n\n```python\n{good.source}```\n\n## Suppress or configure\n\n{rule.fix}{options}{off}\n")


def main(argv: list[str] | None = None) -> int:
    directory = Path((argv if argv is not None else sys.argv[1:])[0] if (argv or sys.argv[1:]) else "docs/codes")
    directory.mkdir(parents=True, exist_ok=True)
    for rule in RULES:
        (directory / f"{rule.code}.md").write_text(page(rule), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
