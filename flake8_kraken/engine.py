"""One file in, one FileResult out: screen, parse once, walk once with every detector.

Shared by the flake8 plugin and the report so that both see the same calls.
"""
from __future__ import annotations

import ast
import gc
import os
from contextlib import contextmanager
from dataclasses import replace
from functools import lru_cache
from typing import Any, Callable, Iterator

from flake8_kraken.catalog import Catalog
from flake8_kraken.findings import SYNTAX_ERROR, TOO_MUCH_WORK, Credential, FileResult, Sink
from flake8_kraken.prefilter import imports_kraken, make_screen


@lru_cache(maxsize=8)
def _screen(words: tuple[str, ...], pairs: tuple[Any, ...] = ()) -> Callable[[str], bool]:
    return make_screen(words, pairs)


TOO_DEEP = "the file is nested too deeply to walk"
MAX_DEPTH = 400  # LibCST's native parser can crash (not raise) on far deeper expressions
# LibCST's tree of a file holds about 500 bytes of memory per byte of source (a 4 MB module:
# 2.4 GB at peak against flake8's own 0.6 GB; time stays linear, 2.5 to 2.7 times flake8's).
# The cap keeps one file's analysis under about 2.5 GB.
MAX_BYTES = 5_000_000
TOO_LARGE = f"the file is larger than {MAX_BYTES // 1_000_000} MB"


def analyse(source: str, path: str, catalog: Catalog, tree: ast.AST | None = None) -> FileResult:
    """Analyse one file's text; never raises (a failure becomes FileResult.skipped).

    `tree` is the file's ast when the caller has it (flake8 does): it proves the file is
    valid Python and bounds its nesting before LibCST sees it. `path` names the file on
    disk when it is one: its imports of the same project's modules are then followed.
    """
    here = _project_module(path, catalog)
    named = _screen(catalog.screen_words, catalog.screen_pairs)(source)
    if not named:
        if not imports_kraken(here, source, tree):
            return FileResult(path)
    if len(source) > MAX_BYTES:
        return FileResult(path, skipped=TOO_LARGE, credentials=_scan_tokens(source, catalog))
    try:
        if tree is None:
            tree = _parse(source)
            if tree is None:
                return FileResult(path, skipped=SYNTAX_ERROR)
        # A file that only imports Kraken code is read whole: no statement of it names Kraken.
        region = _parse_region(source, tree, catalog, here) if named else None
        if any(_deeper_than(s, MAX_DEPTH, 1) for s in (region.statements if region else _body(tree))):
            result = FileResult(path, skipped=TOO_DEEP)
        else:
            with _collector_paused():
                result = _analyse_parsed(source, path, catalog, here, region)
    except RecursionError:
        result = FileResult(path, skipped=TOO_DEEP)
    except MemoryError:
        result = FileResult(path, skipped="the file is too large to walk")
    except Exception as exc:  # noqa: BLE001 - a plugin error must never abort the user's flake8 run
        # Only the type: an exception's text may quote source, and so a secret.
        result = FileResult(path, skipped=f"internal error ({type(exc).__name__})")
    if result.skipped is None:
        return result
    return replace(result, credentials=_scan_tokens(source, catalog))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while one file is analysed: LibCST's tree is a few hundred
    thousand objects that every collection would walk again (a third of the time on large files).
    What the analysis leaves behind is collected once it is over."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_PROJECTS: dict[int, tuple[Catalog, Any]] = {}


def _project_module(path: str, catalog: Catalog) -> Any:
    """The file's place in its project, when it is a file on disk (not stdin)."""
    if not path or path in ("-", "stdin") or not os.path.isfile(path):
        return None
    from flake8_kraken.model.project import Project, ProjectModule

    key = id(catalog)
    if key not in _PROJECTS:
        def summarise(text: str, where: str, project: Project, depth: int) -> Any:
            return _model_of(text, where, catalog, ProjectModule(project, where, depth))

        screen = _screen(catalog.screen_words, catalog.screen_pairs)
        wider = _screen(catalog.import_screen_words, catalog.screen_pairs)
        _PROJECTS[key] = (catalog, Project(screen, summarise, wider))
    return ProjectModule(_PROJECTS[key][1], path)


def _model_of(source: str, path: str, catalog: Catalog, here: Any) -> Any:
    """An imported module's model and helpers (its own findings are not reported here)."""
    tree = _parse(source)
    if tree is None or _deeper_than(tree, MAX_DEPTH):
        return None
    import libcst as cst

    # Read because a Kraken module imports it: its messages are Kraken's where that module calls them.
    return _detect(cst.parse_module(source), source, catalog, Sink(), here, imported=True)


def _parse(source: str) -> ast.AST | None:
    """The file's ast, or None when Python rejects it (flake8 then reports E999)."""
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):  # ValueError: NUL bytes, before Python 3.12
        return None


def _deeper_than(tree: ast.AST, limit: int, depth: int = 0) -> bool:
    """Whether the tree (at `depth` in its module), as LibCST would nest it, goes deeper than `limit`
    (iteratively). Only what LibCST is given is measured: the nesting bound protects its parser.

    LibCST nests `a and b and c` one level per operand where ast keeps a flat list.
    """
    stack: list[tuple[ast.AST, int]] = [(tree, depth)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.BoolOp):
            depth += len(node.values)
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return False


def _scan_tokens(source: str, catalog: Catalog) -> tuple[Credential, ...]:
    """The credential scan still runs on a file the walk could not read."""
    from flake8_kraken.detect.secrets import scan_tokens

    try:
        return scan_tokens(source, catalog)
    except Exception:  # noqa: BLE001 - never abort the user's flake8 run (RecursionError, MemoryError, ...)
        return ()


def _body(tree: ast.AST) -> list[ast.AST]:
    return list(tree.body) if isinstance(tree, ast.Module) else [tree]


def _parse_region(source: str, tree: ast.AST, catalog: Catalog, here: Any) -> Any:
    """What LibCST is given: a region.Region of the statements the analysis needs, or None (all)."""
    from flake8_kraken.region import Evidence, reduced

    if not isinstance(tree, ast.Module):
        return None
    imports = None if here is None else (lambda s: here.imports_kraken(ast.Module(body=[s], type_ignores=[])))
    return reduced(source, tree, Evidence(_screen(catalog.statement_words), catalog.statement_names), imports)


def _analyse_parsed(source: str, path: str, catalog: Catalog, here: Any = None, region: Any = None) -> FileResult:
    """LibCST parses the `region` (region.py: the statements the analysis needs; None: all of the
    source); the module-wide facts (does it talk to Kraken, which addresses it names) are read from
    the whole `source`, and positions are mapped back to the file's lines."""
    import libcst as cst

    try:
        module = cst.parse_module(source if region is None else region.text)
    except cst.ParserSyntaxError as exc:
        line = exc.raw_line if region is None else region.line(exc.raw_line)
        return FileResult(path, skipped=f"LibCST cannot parse line {line}")
    from flake8_kraken.positions import node_starts

    sink = Sink()
    _detect(module, source, catalog, sink, here)
    starts = node_starts(module, sink.nodes)
    if region is not None and region.lines is not None:
        starts = {key: (region.line(line), col) if key != id(module) else (line, col)
                  for key, (line, col) in starts.items()}
    return sink.result(path, starts)


def _detect(module: Any, source: str, catalog: Catalog, sink: Sink, here: Any = None, imported: bool = False) -> Any:
    """One walk builds the model (and scans credentials); the detectors then ask the model. Returns the model."""
    from flake8_kraken.detect.clients import ClientCalls
    from flake8_kraken.detect.rest import PathFinder, Reporter
    from flake8_kraken.detect.secrets import Context, SecretDetector
    from flake8_kraken.detect.summaries import apply
    from flake8_kraken.detect.websocket import WebSocketMessages
    from flake8_kraken.model.evaluate import Model
    from flake8_kraken.model.scopes import Collector
    from flake8_kraken.model.values import markers_in
    from flake8_kraken.walk import walk

    collector = Collector()
    named = catalog.websocket.named_in(source)
    context = Context.of(source, catalog.secrets, named)
    secrets = SecretDetector(catalog, context, sink)
    walk(module, [collector, secrets])
    model = Model(collector, catalog, here)
    reporter = Reporter(catalog, _matcher(catalog), sink)
    paths = PathFinder(model, reporter)
    clients = ClientCalls(model, reporter)
    pendings = [*paths.find(), *clients.find()]
    kraken = imported or context.kraken
    sockets = WebSocketMessages(model, reporter, kraken, clients.ws_calls)
    pendings.extend(sockets.find())
    secrets.in_messages(sockets.tokens)
    secrets.finish(model)
    finishers = {"path": paths.finish, "name": clients.finish, "method": clients.finish_method, "ws": sockets.finish}
    summary = apply(model, pendings, sink, lambda pending, node, atom: finishers[pending.kind](pending, node, atom),
                    lambda pending, text: paths.settled(text) if pending.kind == "path" else not markers_in(text))
    paths.report(summary)
    reporter.finish()
    if model.exhausted:
        sink.unresolved(module, TOO_MUCH_WORK)
    return model


_MATCHERS: dict[int, Any] = {}


def _matcher(catalog: Catalog) -> Any:
    from flake8_kraken.detect.rest import PathMatcher

    key = id(catalog)
    if key not in _MATCHERS:
        _MATCHERS[key] = (catalog, PathMatcher(catalog))
    return _MATCHERS[key][1]
