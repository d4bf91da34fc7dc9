"""Where the plugin's time goes, per phase, on the generated Kraken-heavy corpus.

    python benchmarks/profile.py [FILES_OR_DIRS...]

Runs flake8 (-j1, default selection) in this process on the files (default: the
300 generated modules of benchmarks/.cache/heavy, made by run.py) with a timer
around each phase of the plugin, and prints milliseconds per file. flake8's own
time is the run's wall time less the plugin's. Not part of the test suite.
"""
from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

CACHE = Path(__file__).resolve().parent / ".cache"
SPENT: dict[str, float] = defaultdict(float)

# (module, attribute, phase): the functions the engine looks up at call time.
PHASES = (
    ("flake8_kraken.plugin", "KrakenChecker.run", "plugin, in all"),
    ("flake8_kraken.engine", "analyse", "analysis (screen to findings)"),
    ("flake8_kraken.engine", "_parse_region", "  choosing what to parse"),
    ("libcst", "parse_module", "  LibCST parse"),
    ("flake8_kraken.walk", "walk", "  walk (scopes, credentials)"),
    ("flake8_kraken.engine", "_detect", "  model and detectors (walk included)"),
    ("flake8_kraken.positions", "node_starts", "  positions of reported nodes"),
    ("flake8_kraken.policy", "checked_file", "checks against the policy"),
)


def timed(phase: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            result = function(*args, **kwargs)
            if phase == "plugin, in all":  # a generator: the work happens as flake8 reads it
                result = list(result)
            return result
        finally:
            SPENT[phase] += time.perf_counter() - start

    return wrapper


def install() -> None:
    import importlib

    for module_name, attribute, phase in PHASES:
        owner: Any = importlib.import_module(module_name)
        *parents, name = attribute.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        if hasattr(owner, name):
            setattr(owner, name, timed(phase, getattr(owner, name)))


def main(argv: list[str]) -> int:
    from flake8.main.application import Application

    targets = argv or [str(CACHE / "heavy")]
    files = [p for t in targets for p in (sorted(Path(t).rglob("*.py")) if Path(t).is_dir() else [Path(t)])]
    if not files:
        raise SystemExit("no files: run benchmarks/run.py first, or name some")
    install()
    start = time.perf_counter()
    Application().run(["--isolated", "-j1", "--exit-zero", "--output-file", "/dev/null", *map(str, files)])
    wall = time.perf_counter() - start
    plugin = SPENT["plugin, in all"]
    print(f"{len(files)} files; milliseconds per file")
    print(f"{'flake8 without the plugin (wall less the plugin)':48s} {1000 * (wall - plugin) / len(files):7.2f}")
    for _, _, phase in PHASES:
        if phase in SPENT:
            print(f"{phase:48s} {1000 * SPENT[phase] / len(files):7.2f}")
    print(f"{'ratio, wall / (wall less the plugin)':48s} {wall / (wall - plugin):7.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
