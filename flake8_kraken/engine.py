"""One file in, one FileResult out: screen, parse once, walk once with every detector.

Shared by the flake8 plugin and the report so that both see the same calls.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

from flake8_kraken.catalog import Catalog
from flake8_kraken.findings import FileResult, Sink
from flake8_kraken.prefilter import make_screen


@lru_cache(maxsize=8)
def _screen(words: tuple[str, ...]) -> Callable[[str], bool]:
    return make_screen(words)


def analyse(source: str, path: str, catalog: Catalog) -> FileResult:
    """Analyse one file's text; never raises (a failure becomes FileResult.skipped)."""
    if not _screen(catalog.prefilter_words)(source):
        return FileResult(path)
    try:
        return _analyse_parsed(source, path, catalog)
    except RecursionError:
        return FileResult(path, skipped="the file is nested too deeply to walk")
    except MemoryError:
        return FileResult(path, skipped="the file is too large to walk")
    except Exception as exc:  # noqa: BLE001 - a plugin error must never abort the user's flake8 run
        # Only the type: an exception's text may quote source, and so a secret.
        return FileResult(path, skipped=f"internal error ({type(exc).__name__})")


def _analyse_parsed(source: str, path: str, catalog: Catalog) -> FileResult:
    import libcst as cst
    from libcst.metadata import MetadataWrapper

    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        return FileResult(path, skipped=f"LibCST cannot parse line {exc.raw_line}")
    from flake8_kraken.positions import node_starts

    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    sink = Sink()
    wrapper.visit_batched(_detectors(catalog, wrapper.module, sink))
    return sink.result(path, node_starts(wrapper.module, sink.nodes))


def _detectors(catalog: Catalog, module: Any, sink: Sink) -> list[Any]:
    from flake8_kraken.detect.clients import ClientDetector
    from flake8_kraken.detect.helpers import Helpers
    from flake8_kraken.detect.rest import Reporter, RestPathDetector
    from flake8_kraken.resolve import Scope, ScopeTracker, module_facts

    scope = Scope(module_facts(module))
    reporter = Reporter(catalog, _matcher(catalog), sink)
    helpers = Helpers()
    # Order matters: the tracker updates the scope first; clients resolve helpers last.
    return [
        ScopeTracker(scope),
        RestPathDetector(reporter, scope, helpers),
        ClientDetector(catalog, reporter, scope, helpers),
    ]


_MATCHERS: dict[int, Any] = {}


def _matcher(catalog: Catalog) -> Any:
    from flake8_kraken.detect.rest import PathMatcher

    key = id(catalog)
    if key not in _MATCHERS:
        _MATCHERS[key] = (catalog, PathMatcher(catalog))
    return _MATCHERS[key][1]
