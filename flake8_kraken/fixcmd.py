"""The `fix` command: which files, their repairs (fix.py), a diff or a safe write, and what to say.

Nothing the user has is lost: a file is written only when its repaired text differs, through
a temporary file beside it and a rename, with its encoding, line endings and mode, and only
if it has not changed since it was read. Read-only files, symbolic links and files that
cannot be parsed are named and left alone. No secret reaches the output: each replaced value
is shown as its first 4 characters and length, and every message and line of a diff (not the
file names) passes through the redaction.
"""
from __future__ import annotations

import argparse
import difflib
import os
import stat
import sys
import tempfile
import tokenize
from dataclasses import dataclass
from typing import Any

from flake8_kraken.redact import redact


@dataclass(frozen=True)
class Source:
    """A file as read: its text, how to write it back, and what it was (to notice a change)."""

    path: str
    text: str
    encoding: str
    raw: bytes
    mode: int


def codes(select: str | None, ignore: str | None, fixable: tuple[str, ...]) -> tuple[str, ...]:
    """The fixable codes chosen by comma-separated codes or prefixes (KRK1, KRK204)."""
    def chosen(code: str, spec: str | None) -> bool:
        return spec is None or any(code.startswith(p.strip()) for p in spec.split(",") if p.strip())

    return tuple(c for c in fixable if chosen(c, select) and not (ignore and chosen(c, ignore)))


def decoded(raw: bytes) -> tuple[str, str]:
    """A Python file's text and encoding, decoded as Python would (coding cookie, BOM); newlines kept."""
    encoding, _ = tokenize.detect_encoding(iter(raw.splitlines(keepends=True)).__next__)
    return raw.decode(encoding), encoding


def read(path: str) -> Source:
    """The file's text, decoded as Python decodes it; newlines are kept as they are."""
    with open(path, "rb") as handle:
        raw = handle.read()
    text, encoding = decoded(raw)
    return Source(path, text, encoding, raw, stat.S_IMODE(os.stat(path).st_mode))


def write(source: Source, text: str) -> str | None:
    """Replace the file with `text`, atomically; the reason it was not written, or None."""
    return replace_file(source.path, text.encode(source.encoding), source.mode, source.raw)


def replace_file(path: str, data: bytes, mode: int, expected: bytes | None = None) -> str | None:
    """Write `data` to a temporary file beside `path` and rename it over `path`, unless the file no
    longer holds `expected` (when given); the reason it was not written, or None."""
    fd, temporary = tempfile.mkstemp(prefix=".kraken-", suffix=".tmp", dir=os.path.dirname(os.path.abspath(path)))
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, mode)
        if expected is not None:
            with open(path, "rb") as handle:
                if handle.read() != expected:
                    return "it changed while it was being fixed"
        os.replace(temporary, path)
        temporary = ""
        return None
    finally:
        if temporary:
            os.unlink(temporary)


def why_not(path: str) -> str | None:
    """Why a file is left alone before it is read, or None."""
    if os.path.islink(path):
        return "a symbolic link: fix the file it points to"
    if not os.access(path, os.W_OK) or not os.stat(path).st_mode & stat.S_IWUSR:  # (root may write anything)
        return "read-only"
    return None


def diff(source: Source, text: str, secrets: tuple[tuple[str, str], ...]) -> str:
    """A unified diff of the repair, with every replaced secret shown as its first 4 characters and length."""
    lines = difflib.unified_diff(source.text.splitlines(keepends=True), text.splitlines(keepends=True),
                                 fromfile=source.path, tofile=source.path)
    out = []
    for line in lines:
        line = line if line.endswith(("\n", "\r")) else line + "\n"
        for value, shown in secrets:
            line = line.replace(value, shown)
        out.append(line if line.startswith(("--- ", "+++ ")) else redact(line))  # paths are not redacted
    return "".join(out)


def run(args: argparse.Namespace, files: list[str], catalog: Any) -> int:
    from flake8_kraken.fix import FIXABLE, REVOKE, fix_source

    chosen = codes(args.select, args.ignore, FIXABLE)
    changed = seen = 0
    for path in files:
        reason = why_not(path)
        if reason is None:
            try:
                source = read(path)
            except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as exc:
                reason = f"cannot be read ({type(exc).__name__})"
        if reason is not None:
            print(f"{path}: left alone: {reason}")
            continue
        fixed = fix_source(source.text, path, catalog, chosen)
        if fixed is None:
            print(f"{path}: left alone: it cannot be parsed")
            continue
        seen += fixed.credentials_seen
        for outcome in fixed.outcomes:
            verb = "fixed" if outcome.fixed else "not fixed"
            print(f"{path}:{outcome.line}:{outcome.col + 1}: {outcome.code} {verb}: {redact(outcome.text)}")
        if fixed.text == source.text:
            continue
        changed += 1
        if args.diff:
            sys.stdout.write(diff(source, fixed.text, fixed.secrets))
            continue
        try:
            failed = write(source, fixed.text)
        except OSError as exc:  # a folder that cannot be written to, a full disk: the file is as it was
            failed = f"cannot be written ({type(exc).__name__})"
        if failed is not None:
            print(f"{path}: left alone: {failed}")
    if seen:
        print(REVOKE)
    return 1 if changed else 0
