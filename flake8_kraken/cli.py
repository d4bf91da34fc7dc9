"""`flake8-kraken permissions PATH...`: the least-privilege report for a code base."""
from __future__ import annotations

import argparse
import json
import os
import sys
import tokenize
from pathlib import Path
from typing import Iterator, Sequence

from flake8_kraken import __version__

# flake8's own default exclusions, so the report reads what flake8 reads.
DEFAULT_EXCLUDE = frozenset({".svn", "CVS", ".bzr", ".hg", ".git", "__pycache__", ".tox", ".nox", ".eggs"})


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flake8-kraken", description="Kraken API-key permissions, read from source.")
    parser.add_argument("--version", action="version", version=f"flake8-kraken {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    perms = commands.add_parser("permissions", help="the least-privilege key each part of a code base needs")
    perms.add_argument("paths", nargs="*", default=["."], help="files or directories (default: .)")
    perms.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def iter_python_files(paths: Sequence[str]) -> Iterator[str]:
    """Python files under the given paths, sorted, skipping flake8's default exclusions."""
    for raw in paths:
        if os.path.isfile(raw):
            yield raw
            continue
        found = []
        for root, dirs, files in os.walk(raw):
            dirs[:] = sorted(d for d in dirs if d not in DEFAULT_EXCLUDE and not d.endswith(".egg"))
            found.extend(os.path.join(root, f) for f in files if f.endswith(".py"))
        yield from sorted(found)


def display_path(path: str) -> str:
    """The path as a report shows it: relative to the working directory when inside it."""
    relative = os.path.relpath(os.path.abspath(path))
    return Path(path if relative.startswith("..") else relative).as_posix()


def read_source(path: str) -> str:
    """A Python file's text, decoded as Python would (coding cookie, BOM)."""
    with open(path, "rb") as handle:
        raw = handle.read()
    encoding, _ = tokenize.detect_encoding(iter(raw.splitlines(keepends=True)).__next__)
    return raw.decode(encoding)


def run_permissions(args: argparse.Namespace) -> int:
    from flake8_kraken.catalog import default_catalog
    from flake8_kraken.engine import analyse
    from flake8_kraken.findings import FileResult
    from flake8_kraken.report import build_report, render_text

    catalog = default_catalog()
    for path in args.paths:
        if not os.path.exists(path):
            print(f"flake8-kraken: no such file or directory: {path}", file=sys.stderr)
            return 2
    results = []
    for path in iter_python_files(args.paths):
        shown = display_path(path)
        try:
            source = read_source(path)
        except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as exc:
            results.append(FileResult(shown, skipped=f"cannot read the file ({type(exc).__name__})"))
            continue
        results.append(analyse(source, shown, catalog))
    report = build_report(results, catalog)
    if args.format == "json":
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        sys.stdout.write(render_text(report, catalog))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from flake8_kraken.catalog import CatalogError

    args = _parser().parse_args(argv)
    try:
        return run_permissions(args)
    except CatalogError as exc:
        print(f"flake8-kraken: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
