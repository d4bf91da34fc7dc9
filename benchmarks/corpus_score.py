"""Recall and precision on real public Kraken code, labelled by hand (benchmarks/corpus/).

    python benchmarks/corpus_score.py [--manifest FILE] [--corpus DIR] [--tolerance 3] [--verbose] [--unresolved]

The files are other people's code and are not in this repository: the manifest says
where each comes from (repository, path, commit), and DIR (default
benchmarks/.cache/corpus) holds a local copy of each at <owner>__<repo>/<path>.
Each file is analysed as the plugin analyses it (one call to the engine with its real
path, so that helpers in other modules of the same repository are followed).

A finding matches a label when both name the same endpoint and their lines are at most
--tolerance apart (each label and each finding used once, nearest first); the exact
figures (same line) are printed beside. Labels marked ambiguous, and findings matching
them, count neither way. Kraken Futures labels are counted apart (the tool does not map
Futures yet), and so are keep-alive pings (the tool does not report them: a ping needs no
permission and says nothing about a key). Every finding in a "mentions" file is a false alarm.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flake8_kraken.catalog import default_catalog  # noqa: E402
from flake8_kraken.engine import analyse  # noqa: E402

MANIFEST = ROOT / "benchmarks" / "corpus" / "manifest.yaml"
LOCAL = ROOT / "benchmarks" / ".cache" / "corpus"


@dataclass
class Tally:
    labels: int = 0
    found: int = 0
    matched: int = 0
    exact: int = 0
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    def line(self, name: str) -> str:
        recall = self.matched / self.labels if self.labels else 1.0
        precision = self.matched / self.found if self.found else 1.0
        exact_r = self.exact / self.labels if self.labels else 1.0
        return (f"{name:10} labels {self.labels:4}  found {self.found:4}  matched {self.matched:4}  "
                f"recall {recall:.3f}  precision {precision:.3f}  (same line: recall {exact_r:.3f})")


def family(endpoint: str) -> str:
    if endpoint.endswith("/ping"):
        return "ping"
    if endpoint.startswith("ws/"):
        return "websocket"
    if endpoint.split(" ")[0] in ("GET", "POST", "PUT", "DELETE", "*") or "/derivatives/" in endpoint:
        return "funding" if "/funding/" in endpoint else "futures"
    return "rest"


def match(labels: list[tuple[int, str]], found: list[tuple[int, str]], tolerance: int) -> tuple[
        list[tuple[int, str, int]], list[tuple[int, str]], list[tuple[int, str]]]:
    """Pair labels and findings of the same endpoint, nearest first: (pairs, labels left, findings left)."""
    candidates = sorted(
        (abs(ll - fl), i, j) for i, (ll, le) in enumerate(labels) for j, (fl, fe) in enumerate(found)
        if le == fe and abs(ll - fl) <= tolerance
    )
    used_l: set[int] = set()
    used_f: set[int] = set()
    pairs = []
    for distance, i, j in candidates:
        if i in used_l or j in used_f:
            continue
        used_l.add(i)
        used_f.add(j)
        pairs.append((labels[i][0], labels[i][1], distance))
    return (pairs, [x for i, x in enumerate(labels) if i not in used_l],
            [x for j, x in enumerate(found) if j not in used_f])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=MANIFEST,
                        help="the labels (default: the development corpus; also: benchmarks/corpus/holdout.yaml)")
    parser.add_argument("--corpus", type=Path, default=LOCAL)
    parser.add_argument("--tolerance", type=int, default=3)
    parser.add_argument("--verbose", action="store_true", help="list every miss and false alarm")
    parser.add_argument("--unresolved", action="store_true", help="list what the tool said it could not resolve")
    args = parser.parse_args()
    manifest = yaml.safe_load(args.manifest.read_text())["files"]
    catalog = default_catalog()
    tallies = {name: Tally() for name in ("rest", "websocket", "futures", "funding")}
    pings = 0
    files = missing = 0
    unresolved: list[str] = []
    repos = set()
    for entry in manifest:
        path = args.corpus / entry["repo"].replace("/", "__") / entry["path"]
        if not path.is_file():
            missing += 1
            continue
        files += 1
        repos.add(entry["repo"])
        result = analyse(path.read_text(encoding="utf-8"), str(path), catalog)
        where = f"{entry['repo']}/{entry['path']}"
        found_all = [(c.line, c.endpoint) for c in result.calls]
        unresolved.extend(f"{where}:{u.line}: {u.reason}" for u in result.unresolved)
        ambiguous = [(lb["line"], lb["endpoint"]) for lb in entry.get("labels") or [] if lb.get("ambiguous")]
        _, _, found_all = match(ambiguous, found_all, args.tolerance)
        for name, tally in tallies.items():
            labels = [(lb["line"], lb["endpoint"]) for lb in entry.get("labels") or []
                      if not lb.get("ambiguous") and family(lb["endpoint"]) == name]
            found = [f for f in found_all if family(f[1]) == name]
            pairs, lost, extra = match(labels, found, args.tolerance)
            tally.labels += len(labels)
            tally.found += len(found)
            tally.matched += len(pairs)
            tally.exact += sum(1 for _, _, d in pairs if d == 0)
            tally.misses.extend(f"{where}:{line}: {endpoint}" for line, endpoint in lost)
            tally.false_alarms.extend(f"{where}:{line}: {endpoint}" for line, endpoint in extra)
        pings += sum(1 for label in entry.get("labels") or [] if family(label["endpoint"]) == "ping")
    print(f"{files} files from {len(repos)} repositories ({missing} not found under {args.corpus}); "
          f"tolerance {args.tolerance} lines")
    for name, tally in tallies.items():
        print(tally.line(name))
    print(f"ping       labels {pings:4}  (keep-alive pings: not reported by design)")
    if args.verbose:
        for name, tally in tallies.items():
            for miss in tally.misses:
                print(f"  miss  {name}: {miss}")
            for alarm in tally.false_alarms:
                print(f"  extra {name}: {alarm}")
    if args.unresolved:
        for line in unresolved:
            print(f"  unresolved: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
