"""`permissions --emit-config --write`: the least-privilege options, written into the flake8
configuration file in use, every other line and comment of it kept as it was.

Only the plugin's own options are touched: each is replaced where it stands (its line and
its indented continuation lines), added at the end of the [flake8] section when it is not
there, and removed when the code needs none (no withdrawal anywhere). The file is replaced
through a temporary file and a rename, with its line endings and mode.
"""
from __future__ import annotations

import os
import re

_SECTION = re.compile(r"^\s*\[(?P<name>[^\]]+)\]\s*$")
_OPTION = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)\s*[=:]")


def config_in_use(start: str = ".") -> str | None:
    """The file flake8 reads its options from here (setup.cfg, tox.ini or .flake8), as flake8 finds it."""
    try:  # flake8's own search, upwards from `start` (not its public API: without it, the nearest here)
        from flake8.options.config import _find_config_file
    except ImportError:
        return next((name for name in ("setup.cfg", "tox.ini", ".flake8") if _has_flake8(name)), None)
    return _find_config_file(os.path.abspath(start))


def _has_flake8(path: str) -> bool:
    try:
        with open(path, encoding="utf-8") as handle:
            return any(_SECTION.match(line) and line.strip() == "[flake8]" for line in handle)
    except (OSError, UnicodeDecodeError):
        return False


def merged(text: str, options: dict[str, list[str]]) -> str:
    """`text` (a configuration file) with each option set to its lines (removed when it has none)."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    start, end = _flake8_section(lines)
    if start is None:
        block = [f"{line}{newline}" for name, value in options.items() if value for line in _render(name, value)]
        gap = [newline] if lines and lines[-1].strip() else []
        return "".join([*lines, *gap, f"[flake8]{newline}", *block])
    for name, value in options.items():
        start, end = _flake8_section(lines)
        assert start is not None
        rendered = [f"{line}{newline}" for line in _render(name, value)] if value else []
        span = _option_span(lines, start + 1, end, name)
        if span is not None:
            lines[span[0]:span[1]] = rendered
        elif rendered:
            at = end
            while at > start + 1 and not lines[at - 1].strip():
                at -= 1  # before the blank lines that end the section
            lines[at:at] = rendered
    return "".join(lines)


def _render(name: str, value: list[str]) -> list[str]:
    return [f"{name} =", *(f"    {line}" for line in value)]


def _flake8_section(lines: list[str]) -> tuple[int | None, int]:
    """The [flake8] header's index and the index where its section ends."""
    start = None
    for i, line in enumerate(lines):
        found = _SECTION.match(line)
        if found and start is not None:
            return start, i
        if found and found.group("name").strip() == "flake8":
            start = i
    return start, len(lines)


def _option_span(lines: list[str], first: int, end: int, name: str) -> tuple[int, int] | None:
    """The lines of option `name` (flake8 reads kraken-permissions and kraken_permissions alike)."""
    wanted = name.replace("_", "-")
    for i in range(first, end):
        found = _OPTION.match(lines[i])
        if found and found.group("name").replace("_", "-") == wanted:
            j = i + 1
            while j < end and lines[j].strip() and lines[j][:1] in (" ", "\t"):
                j += 1
            return i, j
    return None


def write(path: str, text: str) -> None:
    """Replace the file (or create it) with `text`, through a temporary file and a rename."""
    from flake8_kraken.fixcmd import replace_file

    replace_file(path, text.encode("utf-8"), os.stat(path).st_mode & 0o7777 if os.path.exists(path) else 0o644)
