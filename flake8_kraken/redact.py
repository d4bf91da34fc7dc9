"""One redaction for every message the tool prints.

Messages quote what the user wrote: a configuration entry, a rules-file value, a path,
an endpoint name. A credential pasted into the wrong place would otherwise reach the CI
log. Whatever in a message is shaped like a credential (a long run of base64 characters
that looks random) is shown as its first 4 characters and its length, as the
credential codes show secrets. This knows nothing of Kraken: it must work while the
catalog itself is being read.
"""
from __future__ import annotations

import math
import re
from collections import Counter

_RUN = re.compile(r"[A-Za-z0-9+/=_-]{16,}")
_PIECE = 16  # a '/'-free run this long with upper, lower and digit looks generated
_LONG = 32  # a run this long with '/' (base64 has it) is judged by its entropy
MIN_ENTROPY = 4.2  # bits per character: random base64 of 32+ characters lies above, paths and names below


def shown(value: str) -> str:
    """What a message may say about a secret: its first 4 characters and its length."""
    return f"'{value[:4]}...', {len(value)} characters"


def redact(text: str) -> str:
    """`text` with every credential-shaped run replaced by its first 4 characters and its length."""
    return _RUN.sub(_replace, text)


def _replace(match: re.Match[str]) -> str:
    run = match.group()
    return f"{run[:4]}...({len(run)} characters)" if looks_secret(run) else run


def looks_secret(run: str) -> bool:
    """Whether a run of base64 characters looks like a generated credential, not a name or a path."""
    if any(len(piece) >= _PIECE and _mixed(piece) for piece in run.split("/")):
        return True
    has_case = any(c.isupper() for c in run) and any(c.islower() for c in run)
    return len(run) >= _LONG and has_case and _entropy(run) >= MIN_ENTROPY


def _mixed(piece: str) -> bool:
    return any(c.isupper() for c in piece) and any(c.islower() for c in piece) and any(c.isdigit() for c in piece)


def _entropy(text: str) -> float:
    size = len(text)
    return -sum(n / size * math.log2(n / size) for n in Counter(text).values())


class RedactedError(Exception):
    """An error whose message is redacted when it is made, so no caller can print a secret from it."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))
