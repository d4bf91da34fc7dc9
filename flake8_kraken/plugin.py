"""The flake8 adapter: options in, (line, col, message, type) out. No analysis here."""
from __future__ import annotations

import ast
from typing import Any, ClassVar, Iterator

from flake8_kraken import __version__


class KrakenChecker:
    """flake8 entry point `KRK`: runs the engine on one file.

    Options live in class attributes, set once per process by parse_options (also in
    --jobs workers); everything else is per file.
    """

    name = "flake8-kraken"
    version = __version__
    catalog: ClassVar[Any] = None
    policy: ClassVar[Any] = None
    baseline: ClassVar[Any] = None
    screen: ClassVar[Any] = None

    def __init__(self, tree: ast.AST, lines: list[str], filename: str) -> None:
        self.tree = tree
        self.lines = lines
        self.filename = filename

    @classmethod
    def add_options(cls, parser: Any) -> None:
        from flake8_kraken.rules import OFF_BY_DEFAULT

        parser.extend_default_ignore(list(OFF_BY_DEFAULT))
        parser.add_option(
            "--kraken-permissions", parse_from_config=True, default="",
            help="Declared Kraken key per path: lines of 'glob: permissions or presets'.",
        )
        parser.add_option(
            "--kraken-withdraw-paths", parse_from_config=True, default="",
            help="Globs of the code allowed to withdraw or move funds (default: none).",
        )
        parser.add_option(
            "--kraken-rules", parse_from_config=True, default=None, normalize_paths=True,
            help="A YAML file merged over the shipped Kraken catalog.",
        )
        parser.add_option(
            "--kraken-baseline", parse_from_config=True, default=None, normalize_paths=True,
            help="A baseline of accepted findings (flake8-kraken baseline --write); only new ones are reported.",
        )

    @classmethod
    def parse_options(cls, options: Any) -> None:
        """Reads and checks the options. With none of the plugin's own set (an editor on a file of
        its own, most projects), only the screen is read here, from the cached rules: a file that
        fails it costs neither the catalog nor LibCST, and the catalog is loaded for the first file
        that passes it."""
        from flake8_kraken.prefilter import cached_screen

        cls.catalog = cls.policy = cls.baseline = None
        own = ("kraken_rules", "kraken_permissions", "kraken_withdraw_paths", "kraken_baseline")
        cls.screen = None if any(getattr(options, name, None) for name in own) else cached_screen()
        if cls.screen is None:
            cls._load(options)

    @classmethod
    def _load(cls, options: Any) -> None:
        from flake8.exceptions import ExecutionError

        from flake8_kraken.catalog import CatalogError, default_catalog
        from flake8_kraken.policy import ConfigError, Policy, parse_globs, parse_permissions

        rules = getattr(options, "kraken_rules", None) or None
        try:
            try:
                cls.catalog = default_catalog(rules)
            except CatalogError as exc:
                raise CatalogError(f"kraken-rules: {exc}" if rules else str(exc)) from None
            cls.policy = Policy(
                parse_permissions(getattr(options, "kraken_permissions", ""), cls.catalog),
                parse_globs(getattr(options, "kraken_withdraw_paths", ""), "kraken-withdraw-paths"),
            )
            cls.baseline = _baseline(getattr(options, "kraken_baseline", None))
        except (CatalogError, ConfigError) as exc:
            raise ExecutionError(f"flake8-kraken: {exc}") from None
        cls.screen = cls.catalog.screen

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        from flake8_kraken.prefilter import needs_analysis

        cls = type(self)
        source = "".join(self.lines)
        if cls.screen is not None and not needs_analysis(source, self.filename, self.tree, cls.screen):
            return
        if cls.catalog is None:  # no option of ours was set (or parse_options was not called)
            cls._load(None)
        from flake8_kraken.engine import analyse
        from flake8_kraken.policy import Policy, checked_file, normal_path

        catalog, policy = cls.catalog, cls.policy or Policy()
        path = normal_path(self.filename)
        result = analyse(source, self.filename, catalog, self.tree)
        _, found = checked_file(result, self.lines, catalog, policy)
        if cls.baseline is not None:
            found = self._new_only(found, path)
        for message in found:
            yield message.line, message.col, message.text, cls

    def _new_only(self, found: list[Any], path: str) -> list[Any]:
        from flake8_kraken.baseline import new_findings

        def line_text(number: int) -> str:
            return self.lines[number - 1] if 0 < number <= len(self.lines) else ""

        return new_findings(type(self).baseline, path, ((m, m.text, line_text(m.line)) for m in found))


def _baseline(path: str | None) -> Any:
    """The accepted findings, when a baseline is configured (imported only then)."""
    if not path:
        return None
    from flake8.exceptions import ExecutionError

    from flake8_kraken.baseline import BaselineError, load_baseline

    try:
        return load_baseline(path)
    except BaselineError as exc:
        raise ExecutionError(f"flake8-kraken: {exc}") from None
