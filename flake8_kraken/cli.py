"""`flake8-kraken`: the least-privilege report for a code base, and the baseline writer.

The report reads the same configuration as the plugin (flake8's own loader: setup.cfg,
tox.ini, .flake8 or --config) and the same files (flake8's exclude/extend-exclude),
and analyses each file once with the plugin's engine.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Callable, Sequence

from flake8_kraken import __version__
from flake8_kraken.redact import RedactedError, redact

FORMATS = ("text", "json", "markdown", "sarif")
PROGRESS_AFTER = 50  # files; fewer finish before a progress line helps


class _Parser(argparse.ArgumentParser):
    """argparse quotes bad arguments in its errors: redact them like every other message."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        return super().error(redact(message))


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="flake8-kraken", description="Kraken API-key permissions, read from source.")
    parser.add_argument("--version", action="version", version=f"flake8-kraken {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    perms = commands.add_parser("permissions", help="the least-privilege key each part of a code base needs")
    perms.add_argument("paths", nargs="*", help="files or directories (default: .)")
    perms.add_argument("--format", choices=FORMATS, default="text")
    perms.add_argument("--check", action="store_true",
                       help="exit 1 on missing or excess permissions, or a withdrawal outside the withdraw paths")
    perms.add_argument("--emit-config", action="store_true", help="print a least-privilege kraken-permissions block")
    perms.add_argument("--write", action="store_true",
                       help="with --emit-config: write the block into the flake8 configuration in use (or --config), "
                            "keeping its other lines")
    perms.add_argument("--explain", metavar="PERMISSION", help="only the calls that need this permission")
    perms.add_argument("--jobs", "-j", type=int, default=1, help="files analysed in parallel (default: 1)")
    perms.add_argument("--config", help="flake8 configuration file to read instead of the usual ones")
    perms.add_argument("--isolated", action="store_true", help="read no configuration file")
    fix = commands.add_parser("fix", help="repair the findings whose repair is certain (hardcoded credentials, "
                                          "the wrong side of a call, a misspelt endpoint); exit 1 when files changed")
    fix.add_argument("paths", nargs="*", help="files or directories (default: .)")
    fix.add_argument("--diff", action="store_true", help="print the repairs as a unified diff and change nothing")
    fix.add_argument("--select", help="only these codes or prefixes, comma-separated")
    fix.add_argument("--ignore", help="not these codes or prefixes, comma-separated")
    fix.add_argument("--config", help="flake8 configuration file to read instead of the usual ones")
    fix.add_argument("--isolated", action="store_true", help="read no configuration file")
    base = commands.add_parser("baseline", help="accept today's KRK findings, so flake8 reports only new ones")
    base.add_argument("--write", action="store_true", required=True, help="write the baseline file")
    base.add_argument("--output", default=".kraken-baseline.json", help="the file (default: .kraken-baseline.json)")
    base.add_argument("paths", nargs="*", help="paths, as you run flake8 (default: .); flake8 options are passed on")
    return parser


class UsageError(RedactedError):
    """Bad arguments or configuration: exit 2 with this message."""


def read_source(path: str) -> str:
    """A Python file's text, decoded as Python would (coding cookie, BOM)."""
    from flake8_kraken.fixcmd import decoded

    with open(path, "rb") as handle:
        return decoded(handle.read())[0]


# --- configuration and files, as flake8 sees them ---------------------------------------------


def flake8_options(args: argparse.Namespace) -> Any:
    """flake8's options for these paths (config files, plugins' own parse_options included)."""
    from flake8.exceptions import ExecutionError
    from flake8.options.parse_args import parse_args

    argv = [*(args.paths or ["."])]
    if args.config:
        argv += ["--config", args.config]
    if args.isolated:
        argv.append("--isolated")
    try:
        _, options = parse_args(argv)
    except ExecutionError as exc:
        raise UsageError(str(exc)) from None
    return options


def python_files(options: Any) -> list[str]:
    from flake8.discover_files import expand_paths

    for path in options.filenames:
        if not os.path.exists(path):
            raise UsageError(f"flake8-kraken: no such file or directory: {path}")
    exclude = [*options.exclude, *getattr(options, "extend_exclude", [])]
    found = expand_paths(paths=options.filenames, stdin_display_name=options.stdin_display_name,
                         filename_patterns=options.filename, exclude=exclude)
    return sorted(set(found))


# --- analysing, possibly in parallel ------------------------------------------------------------

_SETTINGS: dict[str, Any] = {}


def _init(rules: str | None, permissions: str, withdraw: str) -> None:
    """Per process: the catalog and policy, built the way the plugin builds them."""
    from flake8_kraken.catalog import default_catalog
    from flake8_kraken.policy import Policy, parse_globs, parse_permissions

    catalog = default_catalog(rules)
    _SETTINGS["catalog"] = catalog
    _SETTINGS["policy"] = Policy(parse_permissions(permissions, catalog),
                                 parse_globs(withdraw, "kraken-withdraw-paths"))


def check_file(path: str) -> Any:
    """One file: its calls, its declared key, every message the rules give and the text of their lines."""
    from flake8_kraken.engine import analyse
    from flake8_kraken.findings import FileResult
    from flake8_kraken.policy import checked_file, normal_path
    from flake8_kraken.report import Checked

    catalog, policy = _SETTINGS["catalog"], _SETTINGS["policy"]
    shown = normal_path(path)
    try:
        source = read_source(path)
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return Checked(FileResult(shown, skipped=f"cannot read the file ({type(exc).__name__})")), {}
    lines = source.splitlines(keepends=True)
    result = analyse(source, shown, catalog)
    key, found = checked_file(result, lines, catalog, policy)
    texts = {m.line: lines[m.line - 1] for m in found if 0 < m.line <= len(lines)}
    return Checked(result, key, tuple(found), policy.may_withdraw(shown)), texts


def verdict(options: Any) -> Callable[[str, Any, str], bool]:
    """Whether flake8 would show a message: its own decision engine and style guide (select,
    ignore, extend-select, extend-ignore, per-file-ignores, `# noqa`), never a copy of them."""
    from flake8.formatting.base import BaseFormatter
    from flake8.style_guide import StyleGuideManager

    class Quiet(BaseFormatter):  # type: ignore[misc]
        def handle(self, error: Any) -> None:
            pass

    guide = StyleGuideManager(options, Quiet(options))

    def shown(path: str, message: Any, line_text: str) -> bool:
        code, _, text = message.text.partition(" ")
        return bool(guide.handle_error(code, path, message.line, message.col, text, line_text))

    return shown


def check_all(files: list[str], options: Any, jobs: int) -> list[Any]:
    """Every file checked (in parallel with jobs > 1), keeping the messages flake8 would show."""
    from dataclasses import replace

    settings = (getattr(options, "kraken_rules", None) or None, getattr(options, "kraken_permissions", ""),
                getattr(options, "kraken_withdraw_paths", ""))
    _init(*settings)
    progress = sys.stderr.isatty() and len(files) > PROGRESS_AFTER
    if jobs > 1 and len(files) > 1:
        import multiprocessing

        with multiprocessing.Pool(jobs, initializer=_init, initargs=settings) as pool:
            found = []
            for i, item in enumerate(pool.imap(check_file, files, chunksize=8), start=1):
                found.append(item)
                _progress(progress, i, len(files))
    else:
        found = []
        for i, path in enumerate(files, start=1):
            found.append(check_file(path))
            _progress(progress, i, len(files))
    if progress:
        sys.stderr.write("\n")
    shown = verdict(options)
    return [replace(item, messages=tuple(m for m in item.messages if shown(path, m, texts.get(m.line, ""))))
            for path, (item, texts) in zip(files, found)]


def _progress(show: bool, done: int, total: int) -> None:
    if show and (done % 25 == 0 or done == total):
        sys.stderr.write(f"\rflake8-kraken: {done}/{total} files")
        sys.stderr.flush()


# --- commands ----------------------------------------------------------------------------------


def run_permissions(args: argparse.Namespace) -> int:
    from flake8_kraken.report import (build_report, config_options, emit_config, failed_check, render_markdown,
                                      render_text)

    if args.jobs < 1:
        raise UsageError("flake8-kraken: --jobs must be 1 or more")
    if args.write and (not args.emit_config or args.isolated):
        raise UsageError("flake8-kraken: --write goes with --emit-config, and not with --isolated (it writes the "
                         "configuration that --isolated ignores)")
    options = flake8_options(args)
    files = python_files(options)
    checked = check_all(files, options, args.jobs)
    catalog = _SETTINGS["catalog"]
    if args.explain is not None and catalog.grant(args.explain) is None:
        from flake8_kraken.catalog import did_you_mean

        ids = [p.id for p in catalog.permissions]
        raise UsageError(f"flake8-kraken: --explain: unknown permission '{args.explain}'"
                         f"{did_you_mean(args.explain, ids)}")
    report = build_report(checked, catalog, (key.pattern for key in _SETTINGS["policy"].keys))
    if args.emit_config and args.write:
        _write_config(args.config, config_options(report, catalog))
    elif args.emit_config:
        sys.stdout.write(emit_config(report, catalog))
    elif args.format == "json":
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(render_markdown(report))
    elif args.format == "sarif":
        sys.stdout.write(_sarif(checked))
    else:
        sys.stdout.write(render_text(report, catalog, args.explain))
    return 1 if args.check and failed_check(report) else 0


def _write_config(given: str | None, options: dict[str, list[str]]) -> None:
    """The options into the configuration file in use (a new .flake8 when there is none)."""
    from flake8_kraken import configwrite

    path = given or configwrite.config_in_use() or ".flake8"
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            before = handle.read()
    except FileNotFoundError:
        before = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"flake8-kraken: cannot read {path} ({type(exc).__name__})") from None
    after = configwrite.merged(before, options)
    if after != before:
        configwrite.write(path, after)
    names = ", ".join(name for name, value in options.items() if value)
    print(f"flake8-kraken: {'wrote' if after != before else 'already there'}: {names} in {path}")


def _sarif(checked: list[Any]) -> str:
    from flake8_kraken.sarif import Finding, build_sarif, dumps

    findings = []
    for item in checked:
        lines = _lines(item.path)
        for message in item.messages:
            code, _, text = message.text.partition(" ")
            line_text = lines[message.line - 1] if 0 < message.line <= len(lines) else ""
            findings.append(Finding(item.path, message.line, message.col, code, text, line_text))
    return dumps(build_sarif(findings))


def _lines(path: str) -> list[str]:
    try:
        return read_source(path).splitlines(keepends=True)
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
        return []


def run_baseline(args: argparse.Namespace) -> int:
    """Run flake8 as configured, with no baseline, and accept every KRK finding it prints."""
    import subprocess

    from flake8_kraken.baseline import write_baseline
    from flake8_kraken.policy import normal_path

    fields = "%(path)s\x1f%(row)d\x1f%(code)s\x1f%(text)s"
    command = [sys.executable, "-m", "flake8", f"--format={fields}", "--kraken-baseline=", *(args.flake8_args or ["."])]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode not in (0, 1) or "critical error" in done.stdout:
        sys.stderr.write(redact(done.stdout + done.stderr))
        return 2
    findings = []
    for row in done.stdout.splitlines():
        parts = row.split("\x1f")
        if len(parts) != 4 or not parts[2].startswith("KRK"):
            continue
        path, number, code, text = parts
        lines = _lines(path)
        line_text = lines[int(number) - 1] if 0 < int(number) <= len(lines) else ""
        findings.append((normal_path(path), code, f"{code} {text}", line_text))
    count = write_baseline(args.output, findings)
    print(f"flake8-kraken: {count} findings accepted in {args.output}")
    return 0


def run_fix(args: argparse.Namespace) -> int:
    from flake8_kraken import fixcmd
    from flake8_kraken.catalog import default_catalog

    options = flake8_options(args)
    return fixcmd.run(args, python_files(options), default_catalog(getattr(options, "kraken_rules", None)))


def main(argv: Sequence[str] | None = None) -> int:
    from flake8_kraken.catalog import CatalogError

    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if args.command == "baseline":
        args.flake8_args = [*unknown, *args.paths]
    elif unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        if args.command == "baseline":
            return run_baseline(args)
        if args.command == "fix":
            return run_fix(args)
        return run_permissions(args)
    except (UsageError, CatalogError) as exc:
        message = str(exc)
        print(message if message.startswith("flake8-kraken") else f"flake8-kraken: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
