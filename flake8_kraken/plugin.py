"""The flake8 adapter: options in, (line, col, message, type) out. No analysis here."""
from __future__ import annotations

import ast
from typing import Any, ClassVar, Iterator

from flake8_kraken import __version__

OFF_BY_DEFAULT = ("KRK901",)


class KrakenChecker:
    """flake8 entry point `KRK`: runs the engine on one file."""

    name = "flake8-kraken"
    version = __version__
    catalog: ClassVar[Any] = None  # set in parse_options; per process, also in --jobs workers

    def __init__(self, tree: ast.AST, lines: list[str], filename: str) -> None:
        self.lines = lines
        self.filename = filename

    @classmethod
    def add_options(cls, parser: Any) -> None:
        parser.extend_default_ignore(list(OFF_BY_DEFAULT))

    @classmethod
    def parse_options(cls, options: Any) -> None:
        from flake8.exceptions import ExecutionError

        from flake8_kraken.catalog import CatalogError, default_catalog

        try:
            cls.catalog = default_catalog()
        except CatalogError as exc:
            raise ExecutionError(f"flake8-kraken: {exc}") from None

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        from flake8_kraken.engine import analyse
        from flake8_kraken.policy import messages

        catalog = type(self).catalog
        if catalog is None:  # flake8 always calls parse_options first; be safe anyway
            from flake8_kraken.catalog import default_catalog

            catalog = type(self).catalog = default_catalog()
        result = analyse("".join(self.lines), self.filename, catalog)
        for message in messages(result, catalog):
            yield message.line, message.col, message.text, type(self)
