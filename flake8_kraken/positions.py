"""Line and column of the few nodes a file reports, in one light code-generation pass.

LibCST's PositionProvider records a range for every node of the module, which
costs several times the parse itself. A file reports a handful of nodes, so
this pass tracks only the line and column and keeps the start of the nodes
asked for (the syntactic start, as PositionProvider and flake8 count it).
CodegenState is not LibCST's public API: pyproject.toml pins the range that CI
tests at both ends (libcst>=1.1,<2).
"""
from __future__ import annotations

from typing import Iterable

import libcst as cst
from libcst._nodes.internal import CodegenState


class _StartTracker(CodegenState):
    """A code-generation state that counts lines and columns instead of keeping tokens."""

    def __init__(self, module: cst.Module, wanted: set[int]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.line = 1
        self.column = 0
        self.wanted = wanted
        self.starts: dict[int, tuple[int, int]] = {}

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self._advance(token)

    def add_token(self, value: str) -> None:
        self._advance(value)

    def pop_trailing_newline(self) -> None:
        pass  # nothing is kept, so nothing to pop; positions before the end are unaffected

    def _advance(self, value: str) -> None:
        if "\n" not in value and "\r" not in value:
            self.column += len(value)
            return
        lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.line += len(lines) - 1
        self.column = len(lines[-1])

    def record_syntactic_position(
        self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None, end_node: cst.CSTNode | None = None
    ) -> _Recording:
        return _Recording(self, node, start_node)


class _Recording:
    """Keeps where a node starts (a plain context manager: a generator-based one costs twice as much,
    and codegen enters one per node)."""

    __slots__ = ("state", "node", "start_node", "start")

    def __init__(self, state: _StartTracker, node: cst.CSTNode, start_node: cst.CSTNode | None) -> None:
        self.state = state
        self.node = node
        self.start_node = start_node
        self.start = (0, 0)

    def __enter__(self) -> None:
        self.start = (self.state.line, self.state.column)

    def __exit__(self, *exc: object) -> None:
        state, start = self.state, self.start
        if self.start_node is not None and id(self.start_node) in state.starts:
            start = state.starts[id(self.start_node)]
        key = id(self.node)
        if key in state.wanted or self.start_node is None:
            state.starts[key] = start


def node_starts(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> dict[int, tuple[int, int]]:
    """id(node) -> (1-based line, 0-based column) for each node asked for."""
    wanted = {id(n) for n in nodes}
    if not wanted:
        return {}
    state = _StartTracker(module, wanted)
    module._codegen(state)
    state.starts[id(module)] = (1, 0)  # a fact about the whole module is reported at its start
    return {key: state.starts[key] for key in wanted if key in state.starts}
