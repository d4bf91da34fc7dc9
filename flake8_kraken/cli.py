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
    base = commands.add_parser("baseline", help="accept today's KRK findings, so flake8 reports only new ones")
    base.add_argument("--write", action="store_true", required=True, help="write the baseline file")
    base.add_argument("--output", default=".kraken-baseline.json", help="the file (default: .kraken-baseline.json)")
    base.add_argument("flake8_args", nargs=argparse.REMAINDER,
                      help="paths and flake8 options, as you run flake8 (default: .)")
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


def run_baseline(args: argparse.Namespace) -> int:
    """Run flake8 as configured, with no baseline, and accept every KRK finding it prints."""
    import subprocess

    from flake8_kraken.baseline import write_baseline
    from flake8_kraken.policy import normal_path

    fields = "%(path)s\x1f%(row)d\x1f%(code)s\x1f%(text)s"
    command = [sys.executable, "-m", "flake8", f"--format={fields}", "--kraken-baseline=", *(args.flake8_args or ["."])]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode not in (0, 1) or "critical error" in done.stdout:
        sys.stderr.write(done.stdout + done.stderr)
        return 2
    findings = []
    for row in done.stdout.splitlines():
        parts = row.split("\x1f")
        if len(parts) != 4 or not parts[2].startswith("KRK"):
            continue
        path, number, code, text = parts
        findings.append((normal_path(path), code, f"{code} {text}", _line(path, int(number))))
    count = write_baseline(args.output, findings)
    print(f"flake8-kraken: {count} findings accepted in {args.output}")
    return 0


def _line(path: str, number: int) -> str:
    try:
        lines = read_source(path).splitlines(keepends=True)
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
        return ""
    return lines[number - 1] if 0 < number <= len(lines) else ""


def main(argv: Sequence[str] | None = None) -> int:
    from flake8_kraken.catalog import CatalogError

    args = _parser().parse_args(argv)
    try:
        if args.command == "baseline":
            return run_baseline(args)
        return run_permissions(args)
    except CatalogError as exc:
        print(f"flake8-kraken: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
