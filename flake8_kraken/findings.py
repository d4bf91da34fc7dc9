"""What the detectors produce: calls, problems and unresolved places.

Detectors describe what the code does (a Call) or what is wrong with it (a
Problem); only policy.py decides which of those become flake8 messages.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from flake8_kraken.catalog import Requirement


@dataclass(frozen=True, order=True)
class Call:
    """One use of a Kraken endpoint or channel, with the permissions it needs."""

    line: int
    col: int
    endpoint: str
    requirement: Requirement = field(compare=False)
    kind: str = "rest"
    via: str = ""
    moves_funds: bool = False


@dataclass(frozen=True, order=True)
class Problem:
    """A finding that is not about permissions: its code and message fields."""

    line: int
    col: int
    code: str
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, order=True)
class Unresolved:
    """A place that may reach Kraken but cannot be resolved statically."""

    line: int
    col: int
    reason: str


@dataclass(frozen=True)
class FileResult:
    """Everything the engine learned about one file."""

    path: str
    calls: tuple[Call, ...] = ()
    problems: tuple[Problem, ...] = ()
    unresolved: tuple[Unresolved, ...] = ()
    skipped: str | None = None  # why the analysis could not run (KRK000)


Position = tuple[int, int]

SYNTAX_ERROR = "not valid Python"  # why a file was skipped that flake8 reports itself (E999): never a KRK000

# Why a place is unresolved (report: files[].unresolved[].reason).
RUNTIME_NAME = "endpoint name is built at run time"
HELPER_PARAM = "endpoint name is parameter '{param}' of {function}(), set by callers in other modules"
HELPER_DEPTH = "endpoint name passes through more than {depth} helper functions"
TOO_MUCH_WORK = "the module needs more work to follow than one file is given; what was left is not reported"


class Sink:
    """Where detectors put what they find while walking one file.

    Items are kept with their node; positions are computed once at the end, for
    the reported nodes only (see positions.py).
    """

    def __init__(self) -> None:
        self.pending: list[tuple[Any, Callable[[int, int], Call | Problem | Unresolved]]] = []
        self._calls: set[tuple[int, str]] = set()

    def call(self, node: Any, endpoint: str, requirement: Requirement, **extra: Any) -> None:
        """One call of `endpoint` at `node`; the same endpoint found twice at one place is one call."""
        if (id(node), endpoint) in self._calls:
            return
        self._calls.add((id(node), endpoint))
        self.pending.append((node, lambda line, col: Call(line, col, endpoint, requirement, **extra)))

    def problem(self, node: Any, code: str, **fields: str) -> None:
        items = tuple(fields.items())
        self.pending.append((node, lambda line, col: Problem(line, col, code, items)))

    def unresolved(self, node: Any, reason: str) -> None:
        self.pending.append((node, lambda line, col: Unresolved(line, col, reason)))

    @property
    def nodes(self) -> list[Any]:
        return [node for node, _ in self.pending]

    def result(self, path: str, starts: dict[int, Position]) -> FileResult:
        built = [make(*starts.get(id(node), (1, 0))) for node, make in self.pending]
        return FileResult(
            path=path,
            calls=tuple(sorted({b for b in built if isinstance(b, Call)})),
            problems=tuple(sorted({b for b in built if isinstance(b, Problem)})),
            unresolved=tuple(sorted({b for b in built if isinstance(b, Unresolved)})),
        )
