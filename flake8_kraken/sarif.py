"""SARIF 2.1.0 for code scanning: one result per finding, rules from the rule units (rules/).

Paths are relative, fingerprints are stable (a hash of path, code, message and the
line's text, never the text itself), and no code snippet is included, so a secret on
the line never reaches the file. Used by `flake8-kraken permissions --format sarif`
and by flake8's `--format=kraken-sarif`.
"""
from __future__ import annotations

import json
from typing import Any, Iterable, NamedTuple

from flake8_kraken import __version__

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


class Finding(NamedTuple):
    path: str  # relative, with '/'
    line: int  # 1-based
    col: int  # 0-based, as flake8 reports it
    code: str
    text: str  # the message, without the code
    line_text: str  # for the fingerprint only; never written


def build_sarif(findings: Iterable[Finding]) -> dict[str, Any]:
    from flake8_kraken.findings import fingerprint  # here: flake8 imports every formatter at start-up
    from flake8_kraken.rules import BY_CODE, RULES

    ordered = sorted(findings, key=lambda f: (f.path, f.line, f.col, f.code, f.text))
    rules = [
        {
            "id": rule.code,
            "name": rule.code,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": _prose(rule.why)},
            "help": {"text": f"{_prose(rule.why)} {_prose(rule.fix)}"},
            "defaultConfiguration": {"level": rule.level},
        }
        for rule in RULES
    ]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = [
        {
            "ruleId": f.code,
            "ruleIndex": index.get(f.code, 0),
            "level": BY_CODE[f.code].level if f.code in BY_CODE else "warning",
            "message": {"text": f.text},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": f.line, "startColumn": f.col + 1},
                },
            }],
            "partialFingerprints": {"primaryLocationLineHash": fingerprint(f.path, f"{f.code} {f.text}", f.line_text)},
        }
        for f in ordered
    ]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "flake8-kraken",
                "version": __version__,
                "informationUri": "https://pypi.org/project/flake8-kraken/",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def dumps(sarif: dict[str, Any]) -> str:
    return json.dumps(sarif, indent=2) + "\n"


def _prose(text: str) -> str:
    """A rule's text on one line, as SARIF viewers show it."""
    return " ".join(text.split())


try:
    from flake8.formatting.base import BaseFormatter
except ImportError:  # pragma: no cover - flake8 is a dependency
    BaseFormatter = object  # type: ignore[misc,assignment]


class SarifFormatter(BaseFormatter):  # type: ignore[misc,valid-type]
    """flake8 --format=kraken-sarif: the KRK findings of a flake8 run as SARIF on stdout."""

    def after_init(self) -> None:
        self.findings: list[Finding] = []

    def handle(self, error: Any) -> None:
        if not error.code.startswith("KRK"):
            return
        from flake8_kraken.policy import normal_path

        line_text = error.physical_line or _read_line(error.filename, error.line_number)
        self.findings.append(Finding(normal_path(error.filename), error.line_number, max(error.column_number - 1, 0),
                                     error.code, error.text, line_text or ""))

    def stop(self) -> None:
        self.write(None, dumps(build_sarif(self.findings)).rstrip("\n"))
        super().stop()

    def show_statistics(self, statistics: Any) -> None:
        pass  # the output is one JSON document

    def show_benchmarks(self, benchmarks: Any) -> None:
        pass


def _read_line(path: str, number: int) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for i, line in enumerate(handle, start=1):
                if i == number:
                    return line
    except OSError:
        pass
    return ""
