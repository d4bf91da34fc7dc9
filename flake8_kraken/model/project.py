"""Modules of the same project: read (never imported) to follow helpers, clients and constants across files.

`from .api import query_api` or `from bot.clients import make_client` names a file
under the importing file's own root: that file is parsed and modelled like any other,
and what it exports (its functions' returns, the helpers' pending endpoints, its
constants and classes) is used at the importing file's call sites. Each module is
read once per process, keyed by path, size and modification time, and only when its
text passes the screen (a module that names nothing Kraken holds nothing to follow).
Imports are followed MAX_DEPTH modules deep; a cycle stops where it closes. A package's
`__init__.py` is read whatever it says, since it mostly re-exports its modules' names.
"""
from __future__ import annotations

import ast
import os
import tokenize
from collections import OrderedDict
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # imported where used: the screen (prefilter.py) reads imports without the model
    from flake8_kraken.model.values import Values

MAX_DEPTH = 6  # modules followed from the file being linted (packages' __init__ re-exports count)
MAX_MODULES = 64  # kept in memory per process
MAX_BYTES = 1_000_000  # a larger module is not read for its helpers


Analyser = Callable[[str, str, "Project", int], Any]  # (source, path, project, depth) -> Model or None


class Project:
    """Every project module read in this process, by path."""

    def __init__(self, screen: Callable[[str], bool], analyser: Analyser,
                 wider: Callable[[str], bool] | None = None) -> None:
        self.screen = screen  # what makes a module Kraken code (and a file that imports it worth reading)
        self.wider = wider or screen  # what makes an imported module worth reading for its helpers
        self.analyser = analyser
        self._models: OrderedDict[tuple[str, int, int], Any] = OrderedDict()
        self._screened: dict[tuple[str, int, int], bool] = {}
        self._loading: set[str] = set()

    def module(self, path: str, depth: int) -> Any:
        """The model of the module at `path`, or None (unreadable, no Kraken in it, too deep, a cycle)."""
        key = _key(path)
        if key is None or depth > MAX_DEPTH or path in self._loading:
            return None
        if key in self._models:
            self._models.move_to_end(key)
            return self._models[key]
        source = self.text(path)
        model = None
        # A package's __init__ mostly re-exports its modules' names: read it whatever it says.
        if source is not None and (self.wider(source) or os.path.basename(path) == "__init__.py"):
            self._loading.add(path)
            try:
                model = self.analyser(source, path, self, depth)
            except Exception:  # noqa: BLE001 - a module that cannot be read is one not followed
                model = None
            finally:
                self._loading.discard(path)
        self._models[key] = model
        if len(self._models) > MAX_MODULES:
            self._models.popitem(last=False)
        return model

    def passes(self, path: str) -> bool:
        """Whether the module at `path` names anything Kraken (screened once per process)."""
        key = _key(path)
        if key is None:
            return False
        if key not in self._screened:
            source = self.text(path)
            self._screened[key] = source is not None and self.screen(source)
        return self._screened[key]

    @staticmethod
    def text(path: str) -> str | None:
        try:
            if os.path.getsize(path) > MAX_BYTES:
                return None
            with open(path, "rb") as handle:
                raw = handle.read()
            encoding, _ = tokenize.detect_encoding(iter(raw.splitlines(keepends=True)).__next__)
            return raw.decode(encoding)
        except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
            return None


class ProjectModule:
    """One file's view of its project: where its imports lead."""

    def __init__(self, project: Project, path: str, depth: int = 0) -> None:
        self.project = project
        self.path = os.path.abspath(path)
        self.depth = depth
        self.root = import_root(self.path)

    def resolve(self, level: int, module: str, name: str | None) -> Values:
        """What `import module` (name None) or `from <level dots>module import name` binds, when the
        module is a file of this project; () when it is not (a library)."""
        from flake8_kraken.model.values import UNKNOWN, Module

        parts = [p for p in module.split(".") if p]
        base = self._base(level) if level or not parts else _holding(self.root, parts[0])
        if base is None:
            return ()
        target = _module_file(os.path.join(base, *parts)) if parts else _module_file(base)
        if name is not None:
            sub = _module_file(os.path.join(base, *parts, name))
            if sub is not None and (target is None or target.endswith("__init__.py")):
                found = self._load(sub)
                return (Module(found),) if found is not None else (UNKNOWN,)
        if target is None:
            return ()
        model = self._load(target)
        if model is None:
            return (UNKNOWN,)
        return model.export(name) if name is not None else (Module(model),)

    def submodule(self, package: Any, name: str) -> Values:
        """A module inside a package module (`import pkg` then `pkg.api`)."""
        from flake8_kraken.model.values import Module

        init = getattr(package.project, "path", "") if package.project is not None else ""
        if not init.endswith("__init__.py"):
            return ()
        target = _module_file(os.path.join(os.path.dirname(init), name))
        model = self._load(target) if target is not None else None
        return (Module(model),) if model is not None else ()

    def imports_kraken(self, tree: ast.AST) -> bool:
        """Whether a file that names nothing Kraken imports a module of the project that does."""
        for level, module, names in _imports(tree):
            parts = [p for p in (module or "").split(".") if p]
            base = self._base(level) if level or not parts else _holding(self.root, parts[0])
            if base is None:
                continue
            for candidate in [os.path.join(base, *parts), *(os.path.join(base, *parts, n) for n in names)]:
                path = _module_file(candidate)
                if path is not None and self.project.passes(path):
                    return True
        return False

    def _base(self, level: int) -> str | None:
        if level == 0:
            return self.root
        base = os.path.dirname(self.path)
        for _ in range(level - 1):
            base = os.path.dirname(base)
        return base

    def _load(self, path: str) -> Any:
        if os.path.abspath(path) == self.path:
            return None
        return self.project.module(path, self.depth + 1)


def import_root(path: str) -> str:
    """The directory absolute imports start from: above the outermost package holding the file."""
    return _root_of(os.path.dirname(path))


@lru_cache(maxsize=1024)
def _root_of(directory: str) -> str:
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return directory


ROOT_SEARCH = 3  # directories above the import root searched for a package without __init__.py files


@lru_cache(maxsize=4096)
def _holding(root: str, top: str) -> str | None:
    """The directory absolute imports of `top` start from: the import root, or, for a namespace
    package (no __init__.py files), the nearest of its next few parents that holds `top`."""
    directory = root
    for _ in range(ROOT_SEARCH + 1):
        if _module_file(os.path.join(directory, top)) is not None or os.path.isdir(os.path.join(directory, top)):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return root


@lru_cache(maxsize=4096)
def _module_file(stem: str) -> str | None:
    """The module file for a dotted path made a file path: stem.py or stem/__init__.py (remembered)."""
    for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
        if os.path.isfile(candidate):
            return candidate
    return None


def _key(path: str) -> tuple[str, int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return os.path.abspath(path), info.st_size, info.st_mtime_ns


def _imports(tree: ast.AST) -> list[tuple[int, str | None, list[str]]]:
    """The imports of a module's top level (and of its top-level if/try blocks)."""
    out: list[tuple[int, str | None, list[str]]] = []
    body = list(getattr(tree, "body", []))
    while body:
        node = body.pop(0)
        if isinstance(node, ast.Import):
            out.extend((0, alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            out.append((node.level, node.module, [a.name for a in node.names]))
        elif isinstance(node, (ast.If, ast.Try)):
            body.extend(node.body)
            body.extend(getattr(node, "orelse", []))
            for handler in getattr(node, "handlers", []):
                body.extend(handler.body)
    return out
