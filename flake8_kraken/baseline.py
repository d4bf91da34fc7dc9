"""Accepted findings, so that flake8 reports only new ones.

A finding's fingerprint is a salted SHA-256 of its path, its message and the text of
its line: no line number (moving code keeps it), no timestamp, and no secret (a line
that holds one is only hashed, with a salt kept in the file). Entries are sorted, one
per line, so that two branches that each accept findings merge without conflict.
"""
from __future__ import annotations

import json
import os
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Mapping, TypeVar

from flake8_kraken.findings import fingerprint
from flake8_kraken.redact import RedactedError

VERSION = 1


class BaselineError(RedactedError):
    """A baseline file that cannot be used."""


@dataclass(frozen=True)
class Baseline:
    salt: str
    counts: Mapping[str, int] = field(default_factory=dict)  # fingerprint -> accepted occurrences

    def fingerprint(self, path: str, text: str, line_text: str) -> str:
        return fingerprint(path, text, line_text, self.salt)


T = TypeVar("T")


def new_findings(baseline: Baseline, path: str, found: Iterable[tuple[T, str, str]]) -> list[T]:
    """The items (with their message text and line text) not accepted by the baseline."""
    remaining = Counter(baseline.counts)
    out = []
    for item, text, line_text in found:
        fingerprint = baseline.fingerprint(path, text, line_text)
        if remaining[fingerprint] > 0:
            remaining[fingerprint] -= 1
        else:
            out.append(item)
    return out


def load_baseline(path: str) -> Baseline:
    where = f"kraken-baseline: {path}"
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise BaselineError(f"{where}: no such file (create it with: flake8-kraken baseline --write)") from None
    except OSError as exc:
        raise BaselineError(f"{where}: cannot read: {exc.strerror or exc}") from None
    except (ValueError, RecursionError) as exc:
        raise BaselineError(f"{where}: not valid JSON ({type(exc).__name__})") from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("salt"), str):
        raise BaselineError(f"{where}: not a flake8-kraken baseline (expected version {VERSION} and a salt)")
    counts: Counter[str] = Counter()
    for entry in data.get("findings", []):
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise BaselineError(f"{where}: every finding needs a fingerprint")
        count = entry.get("count", 1)
        counts[entry["fingerprint"]] += count if isinstance(count, int) and count > 0 else 1
    return Baseline(data["salt"], dict(counts))


def write_baseline(path: str, findings: Iterable[tuple[str, str, str, str]], salt: str | None = None) -> int:
    """Write (path, code, message text, line text) findings; keep the salt of an existing file."""
    if salt is None:
        try:
            salt = load_baseline(path).salt
        except BaselineError:
            salt = secrets.token_hex(16)
    baseline = Baseline(salt)
    counts = Counter((p, code, baseline.fingerprint(p, text, line)) for p, code, text, line in findings)
    entries = [{"path": p, "code": code, "fingerprint": fp, "count": n} for (p, code, fp), n in sorted(counts.items())]
    lines = ",\n".join("    " + json.dumps(e, sort_keys=True) for e in entries)
    body = f'{{\n  "version": {VERSION},\n  "salt": "{salt}",\n  "findings": [\n{lines}\n  ]\n}}\n' if entries else \
        f'{{\n  "version": {VERSION},\n  "salt": "{salt}",\n  "findings": []\n}}\n'
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(body)
    os.replace(tmp, path)
    return sum(counts.values())
