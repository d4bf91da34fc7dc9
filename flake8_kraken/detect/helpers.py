"""Helper functions: a function that passes one of its parameters on as a Kraken endpoint.

`def private(name, data): return api.query_private(name, data)` or
`def call(name): return post(BASE + "/0/private/" + name)`: the endpoint is known
only at each call of the helper, one level up (deeper chains stay unresolved).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from flake8_kraken.resolve import param_marker


@dataclass(frozen=True)
class Helper:
    """Where a helper's parameter becomes an endpoint name or part of a path."""

    function: str
    cls: str | None  # the class, for a method
    index: int  # position of the parameter in the def (self included)
    param: str
    node: cst.CSTNode  # where the parameter is used
    text: str  # the path text with the parameter's marker, or the marker alone for a name
    access: str | None  # for a name: public or private; None for a path
    via: str

    def expand(self, value: str) -> str:
        """The text with the caller's value in place of the parameter."""
        return self.text.replace(param_marker(self.index), value)


@dataclass
class Helpers:
    """Every helper found in one module, by (class, function name)."""

    by_key: dict[tuple[str | None, str], list[Helper]] = field(default_factory=dict)

    def add(self, helper: Helper) -> None:
        self.by_key.setdefault((helper.cls, helper.function), []).append(helper)

    def get(self, cls: str | None, function: str) -> list[Helper]:
        return self.by_key.get((cls, function), [])
