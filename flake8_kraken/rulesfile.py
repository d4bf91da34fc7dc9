"""Rules files as data: YAML read safely with the line of every key, merged, and kept as JSON.

The catalog (catalog.py) validates what this reads. A broken file must give one clear
line naming the file, the line and the key, so every value remembers where it was.
The parsed shipped rules are also kept as plain JSON beside the package's bytecode
(nothing in JSON can run code, and the catalog validates it again on every load).
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, Iterator

from flake8_kraken.redact import RedactedError

MAX_RULES_BYTES = 2_000_000
MAX_CACHE_BYTES = 4 * MAX_RULES_BYTES
LOADER = ("rulesfile.py", "schema.py", "catalog.py", "prefilter.py")  # the code that turns rules into a catalog
CACHE_FORMAT = "json-2"


class CatalogError(RedactedError):
    """A rules file that cannot be used; str() is the one line to show."""


class _Line(int):
    """A line number that remembers its file, so an error in a user's rules names that file."""

    source: str

    def __new__(cls, value: int, source: str) -> _Line:
        line = super().__new__(cls, value)
        line.source = source
        return line


class Map(dict):  # type: ignore[type-arg]
    """A mapping that remembers the line of itself and of each key (none known: line 0)."""

    line = 0
    key_lines: dict[Any, int] = {}  # noqa: RUF012 - read only; each loaded mapping has its own


class Seq(list):  # type: ignore[type-arg]
    """A sequence that remembers the line of itself and of each item (none known: line 0)."""

    line = 0
    item_lines: list[int] = []  # noqa: RUF012 - read only; each loaded sequence has its own


def _loader_class(source: str) -> type:
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class LineLoader(base):  # type: ignore[misc,valid-type]
        pass

    def construct_map(loader: Any, node: Any) -> Iterator[Map]:
        data = Map()
        data.line = _Line(node.start_mark.line + 1, source)
        data.key_lines = {}
        yield data
        loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            try:
                seen = key in data.key_lines
            except TypeError:
                raise CatalogError(
                    f"{key_node.start_mark.line + 1}: a mapping key must be a plain value"
                ) from None
            if seen:
                raise CatalogError(f"{key_node.start_mark.line + 1}: duplicate key {key!r}")
            data.key_lines[key] = _Line(key_node.start_mark.line + 1, source)
            data[key] = loader.construct_object(value_node, deep=True)

    def construct_seq(loader: Any, node: Any) -> Iterator[Seq]:
        data = Seq()
        data.line = _Line(node.start_mark.line + 1, source)
        data.item_lines = [_Line(child.start_mark.line + 1, source) for child in node.value]
        yield data
        data.extend(loader.construct_object(child, deep=True) for child in node.value)

    LineLoader.add_constructor("tag:yaml.org,2002:map", construct_map)
    LineLoader.add_constructor("tag:yaml.org,2002:seq", construct_seq)
    return LineLoader


def read_yaml(path: Path) -> Any:
    """Parse a YAML file safely (no Python tags), keeping line numbers."""
    import yaml

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_RULES_BYTES:
        raise CatalogError(f"{path}: larger than {MAX_RULES_BYTES} bytes, not a rules file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    try:
        return yaml.load(text, Loader=_loader_class(str(path)))  # noqa: S506 - a SafeLoader subclass
    except CatalogError as exc:
        raise CatalogError(f"{path}:{exc}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f":{mark.line + 1}" if mark else ""
        raise CatalogError(f"{path}{where}: not valid YAML: {exc.problem or exc.context}") from None
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from None


_KEYS = (("id",), ("name",), ("method", "path"))  # what identifies an item of a list, for merging


def _identity(item: Any) -> Any:
    """What makes two list items the same item: its id, its name, an endpoint's method and path."""
    if isinstance(item, Map):
        key = next((k for k in _KEYS if all(part in item for part in k)), None)
        return (key, *(repr(item[part]) for part in key)) if key is not None else id(item)
    return repr(item) if not isinstance(item, Seq) else id(item)


def merge_rules(base: Any, extra: Any) -> Any:
    """A user's rules over the shipped ones: mappings merge, items with the same id or name
    merge, other list items are added, plain values are replaced."""
    if isinstance(base, Map) and isinstance(extra, Map):
        out = Map(base)
        out.line, out.key_lines = base.line, dict(base.key_lines)
        for key, value in extra.items():
            out[key] = merge_rules(base[key], value) if key in base else value
            out.key_lines[key] = extra.key_lines.get(key, extra.line)
        return out
    if isinstance(base, Seq) and isinstance(extra, Seq):
        items = list(zip(base, base.item_lines)) + list(zip(extra, extra.item_lines))
        merged: dict[Any, tuple[Any, int]] = {}
        for item, line in items:
            ident = _identity(item)
            merged[ident] = (merge_rules(merged[ident][0], item), line) if ident in merged else (item, line)
        out_seq = Seq(v for v, _ in merged.values())
        out_seq.line, out_seq.item_lines = base.line, [line for _, line in merged.values()]
        return out_seq
    return extra


def shipped_rules_path() -> Path:
    """rules.yaml inside the installed package, else the source checkout's top level."""
    here = Path(__file__).resolve().parent
    packaged = here / "rules.yaml"
    return packaged if packaged.is_file() else here.parent / "rules.yaml"


def rules_data(path: str | os.PathLike[str], extra: str | os.PathLike[str] | None = None) -> Any:
    """The rules file read as YAML, with a user's extra rules merged over it (not yet validated)."""
    data = read_yaml(Path(path))
    if extra is not None:
        more = read_yaml(Path(extra))
        if not isinstance(more, Map):
            raise CatalogError(f"{extra}:1: rules: expected a mapping at the top, got {describe(more)}")
        if isinstance(data, Map):
            data = merge_rules(data, more)
    return data


def describe(value: Any) -> str:
    """A value as an error message names it."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"'{str(value)[:40]}'"


def line_of(container: Any, key: Any, default: int) -> int:
    """The line of a key of a mapping, or of an item of a list."""
    if isinstance(container, Map):
        return container.key_lines.get(key, container.line) or default
    if isinstance(container, Seq) and isinstance(key, int) and key < len(container.item_lines):
        return container.item_lines[key]
    return default


# --- the JSON cache -------------------------------------------------------------------------------


def cache_key(path: str, extra: str | None, version: str) -> str | None:
    """What the cached rules must have been made from: this format, the version, the rules files'
    bytes and the loader's own code (a changed loader never serves a catalog the old one read).

    Each part is hashed as Python hashes the source of a hash-based .pyc (importlib's SipHash):
    no OpenSSL to load, which in a short flake8 run costs more than reading the cache."""
    from importlib.util import source_hash

    here = Path(__file__).resolve().parent
    parts = [f"{CACHE_FORMAT}\0{version}".encode()]
    try:
        for source in (*(here / name for name in LOADER), path, extra):
            if source is not None:
                parts.append(Path(source).read_bytes())
    except OSError:
        return None
    return b"".join(source_hash(part) for part in parts).hex()


def cache_store(extra: str | None) -> Path:
    """One file per rules location, replaced when the rules change, so old versions do not pile up."""
    from importlib.util import source_hash

    slot = source_hash(os.path.abspath(extra).encode()).hex() if extra else "shipped"
    return cache_dir() / f"rules-{slot}.json"


def read_cache(store: Path, key: str) -> tuple[Any, Any]:
    """The cached rules for `key` as Map/Seq, and the screen kept with them as plain JSON; (None, None)
    unless the file is a regular file of plain JSON."""
    stored = _read_json(store, key)
    try:
        return (_from_plain(stored["rules"]), stored.get("screen")) if stored is not None else (None, None)
    except Exception:  # noqa: BLE001 - any unreadable cache (no rules, too deep, ...) is rebuilt
        return None, None


def read_screen(store: Path, key: str) -> Any:
    """The screen kept with the cached rules for `key` (plain JSON, see prefilter.Screen), or None."""
    stored = _read_json(store, key)
    return stored.get("screen") if stored is not None else None


def _read_json(store: Path, key: str) -> Any:
    """The cache file's JSON object when it is a regular file holding `key`, else None."""
    import json
    import stat

    try:
        fd = os.open(store, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CACHE_BYTES:
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            stored = json.loads(handle.read())
        return stored if isinstance(stored, dict) and stored.get("key") == key else None
    except Exception:  # noqa: BLE001 - any unreadable cache (bad JSON, too deep, ...) is rebuilt
        return None
    finally:
        os.close(fd)


def as_json(data: Any) -> str | None:
    """Data as JSON text, or None when JSON cannot hold it exactly (a date, a key that is not a string)."""
    import json

    try:
        text = json.dumps(data, separators=(",", ":"))
        return text if json.loads(text) == data else None
    except (ValueError, TypeError, RecursionError):
        return None


def write_cache(store: Path, text: str) -> None:
    """Keep the parsed rules as JSON, as Python keeps bytecode (and not when it is told not to)."""
    import sys

    if sys.dont_write_bytecode:
        return
    tmp = store.with_suffix(f".{os.getpid()}.tmp")
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, store)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _from_plain(value: Any) -> Any:
    """JSON values as the validator expects them (Map, Seq), without line numbers."""
    if isinstance(value, dict):
        out = Map((k, _from_plain(v)) for k, v in value.items())
        out.key_lines = {}
        return out
    if isinstance(value, list):
        seq = Seq(_from_plain(v) for v in value)
        seq.item_lines = []
        return seq
    return value


def cache_dir() -> Path:
    """Where the parsed rules are kept: this package's own bytecode directory."""
    return Path(__file__).resolve().parent / "__pycache__"
