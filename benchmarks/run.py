"""What the plugin costs: flake8 with it against flake8 without it, on the same files.

    python benchmarks/run.py [--runs 5] [--quick]

Builds two virtual environments (cached in benchmarks/.cache): one with this project
installed, one with the very same flake8, pycodestyle, pyflakes and mccabe but not the
plugin. Then, alternating the two, it runs flake8 --isolated (default selection) on:

  stdlib     the running interpreter's standard library, tests excluded (no Kraken)
  heavy      a generated code base of 300 files that use every client, WebSocket form
             and credential form the tool knows, plus the installed ccxt sources if any
  big        one generated Kraken-heavy file of 20,000 lines (and 5,000 / 10,000)
  scaling    the heavy corpus at 1x, 2x and 4x file count
  editor     one flake8 process per file, as an editor runs it: 20 standard-library
             modules (no Kraken), then 20 of the generated Kraken modules

and prints medians, the ratio, files/s and MB/s, peak memory (max RSS of the flake8
process, -j1), the -j2 / -j1 wall-time ratio, and the throughput of
`flake8-kraken permissions`. Not part of the test suite.
"""
from __future__ import annotations

import argparse
import base64
import importlib.metadata
import importlib.util
import os
import platform
import random
import secrets
import statistics
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache"
STDLIB_TESTS = ("test", "tests", "idle_test", "lib2to3", "site-packages", "dist-packages", "__pycache__")
PINNED = ("flake8", "pycodestyle", "pyflakes", "mccabe")


@dataclass(frozen=True)
class Sample:
    seconds: float
    max_rss_kb: int


def venv(name: str, packages: list[str]) -> Path:
    """A cached virtual environment with `packages` installed."""
    path = CACHE / name
    python = path / "bin" / "python"
    stamp = path / ".packages"
    wanted = "\n".join(packages)
    if not python.exists() or not stamp.exists() or stamp.read_text() != wanted:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(path)], check=True)
        installable = [p for p in packages if not p.startswith("#")]  # "# ..." lines only mark versions
        subprocess.run([str(python), "-m", "pip", "install", "-q", *installable], check=True)
        stamp.write_text(wanted)
    return path


def source_stamp() -> str:
    """Changes whenever the project's code or catalog does, so the installed copy is rebuilt."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted([*ROOT.glob("flake8_kraken/**/*.py"), ROOT / "rules.yaml", ROOT / "pyproject.toml"]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def environments() -> tuple[Path, Path]:
    pins = [f"{name}=={importlib.metadata.version(name)}" for name in PINNED]
    with_plugin = venv("with", [*pins, str(ROOT), f"# source {source_stamp()}"])
    without = venv("without", pins)
    return with_plugin, without


# As Python runs by default: writing bytecode, so the plugin keeps its parsed rules beside it.
CHILD_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def run_flake8(env: Path, targets: list[str], jobs: int = 1, extra: tuple[str, ...] = ()) -> Sample:
    command = [str(env / "bin" / "flake8"), "--isolated", f"-j{jobs}", "--exit-zero", *extra, *targets]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=CHILD_ENV)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"flake8 failed: {' '.join(command[:4])} ...")
    return Sample(elapsed, usage.ru_maxrss)


def alternate(envs: dict[str, Path], targets: list[str], runs: int, jobs: int = 1,
              extra: tuple[str, ...] = ()) -> dict[str, list[Sample]]:
    """A/B/A/B...: each environment the same number of times, interleaved against drift."""
    samples: dict[str, list[Sample]] = {name: [] for name in envs}
    for _ in range(runs):
        for name, env in envs.items():
            samples[name].append(run_flake8(env, targets, jobs, extra))
    return samples


def one_process_per_file(envs: dict[str, Path], files: list[str], runs: int) -> dict[str, list[Sample]]:
    """An editor's cost: a new flake8 for each file. Each sample is the sum over the files
    (start-up included), the peak the largest of them."""
    samples: dict[str, list[Sample]] = {name: [] for name in envs}
    for _ in range(runs):
        for name, env in envs.items():
            each = [run_flake8(env, [file]) for file in files]
            samples[name].append(Sample(sum(s.seconds for s in each), max(s.max_rss_kb for s in each)))
    return samples


def median(samples: list[Sample]) -> float:
    return statistics.median(s.seconds for s in samples)


def peak(samples: list[Sample]) -> int:
    return max(s.max_rss_kb for s in samples)


# --- corpora -------------------------------------------------------------------------------


def stdlib_files() -> tuple[Path, list[str]]:
    root = Path(sysconfig.get_paths()["stdlib"])
    files = [str(p) for p in root.rglob("*.py") if not any(part in STDLIB_TESTS for part in p.relative_to(root).parts)]
    return root, sorted(files)


def _credential() -> dict[str, str]:
    return {"key": base64.b64encode(secrets.token_bytes(42)).decode(),
            "secret": base64.b64encode(secrets.token_bytes(64)).decode(),
            "token": base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")}


SNIPPETS = [
    "import krakenex\napi = krakenex.API()\n\n\ndef balances():\n    return api.query_private('Balance')\n",
    "from pykrakenapi import KrakenAPI\nimport krakenex\nk = KrakenAPI(krakenex.API())\n\n\ndef fills():\n"
    "    return k.get_trades_history()\n",
    "from kraken.spot import Trade, User\n\n\ndef trade(t: Trade, u: User):\n    u.get_account_balance()\n"
    "    return t.create_order(ordertype='limit', side='buy', volume=1, pair='XBTUSD', price=1)\n",
    "import ccxt\nexchange = ccxt.kraken({'enableRateLimit': True})\n\n\ndef run():\n"
    "    exchange.fetch_balance()\n    exchange.privatePostCancelAll()\n    return exchange.fetch_my_trades()\n",
    "import ccxt.pro as ccxtpro\n\n\nasync def watch():\n    ex = ccxtpro.kraken()\n    await ex.watch_balance()\n"
    "    await ex.create_order_ws('BTC/USD', 'limit', 'buy', 1, 1)\n",
    "import json\nimport websockets\nPRIVATE = 'wss://ws-auth.kraken.com/v2'\n\n\nasync def fills(token):\n"
    "    async with websockets.connect(PRIVATE) as ws:\n"
    "        await ws.send(json.dumps({'method': 'subscribe', 'params': {'channel': 'executions', 'token': token}}))\n",
    "import requests\nAPI = 'https://api.kraken.com'\n\n\ndef ticker(pair):\n"
    "    return requests.get(f'{API}/0/public/Ticker', params={'pair': pair}).json()\n",
    "import os\nimport krakenex\nAPI_KEY = os.getenv('KRAKEN_API_KEY', '<key>')\nAPI_SECRET = '<secret>'\n",
    "URL = 'wss://ws-auth.kraken.com/v2'\nmsg = {'method': 'add_order', 'params': {'token': '<token>'}}\n",
]
FILLER = '''

class Service{n}:
    """Ordinary code around the Kraken calls."""

    def __init__(self, items):
        self.items = list(items)
        self.total = 0

    def process(self, scale=1.0):
        out = []
        for index, item in enumerate(self.items):
            if index % 3 == 0:
                out.append(item * scale)
            elif isinstance(item, str):
                out.append(item.upper())
            else:
                out.append({{"index": index, "value": item}})
        self.total += len(out)
        return out


def helper_{n}(values):
    return sorted(v for v in values if v is not None)
'''


def heavy_module(seed: int) -> str:
    rng = random.Random(seed)
    parts = []
    for n in range(6):
        snippet = rng.choice(SNIPPETS)
        for name, value in _credential().items():
            snippet = snippet.replace(f"<{name}>", value)
        parts.append(snippet)
        parts.append(FILLER.format(n=f"{seed}_{n}"))
    return "\n\n".join(parts)


def heavy_corpus(count: int, name: str) -> list[str]:
    directory = CACHE / name
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(count):
        path = directory / f"module_{i:04d}.py"
        path.write_text(heavy_module(i))
        files.append(str(path))
    return files


def big_file(lines: int) -> str:
    path = CACHE / f"big_{lines}.py"
    chunks, total, seed = [], 0, 0
    while total < lines:
        body = heavy_module(seed)
        chunks.append(body)
        total += body.count("\n") + 2
        seed += 1
    path.write_text("\n\n".join(chunks))
    return str(path)


def ccxt_sources() -> list[str]:
    spec = importlib.util.find_spec("ccxt")
    if spec is None or not spec.submodule_search_locations:
        return []
    root = Path(list(spec.submodule_search_locations)[0])
    return sorted(str(p) for p in root.rglob("*.py"))


# --- report --------------------------------------------------------------------------------


def size_mb(files: list[str]) -> float:
    return sum(os.path.getsize(f) for f in files) / 1e6


def row(label: str, files: list[str], samples: dict[str, list[Sample]]) -> str:
    with_s, without_s = median(samples["with"]), median(samples["without"])
    mem = peak(samples["with"]) / peak(samples["without"])
    return (f"| {label} | {len(files)} | {size_mb(files):.1f} | {without_s:.2f} | {with_s:.2f} | "
            f"**{with_s / without_s:.3f}** | {len(files) / with_s:.0f} | {size_mb(files) / with_s:.2f} | {mem:.2f} |")


def machine() -> str:
    """The processor and memory, where the system says them."""
    cpu, memory = platform.processor() or platform.machine(), ""
    try:
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), cpu)
        memory = next((f", {int(line.split()[1]) // 1_000_000} GB memory" for line in
                       Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), "")
    except OSError:
        pass
    return f"{platform.system()}, {cpu}, {os.cpu_count()} CPUs{memory}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each side per measurement (default 5)")
    parser.add_argument("--quick", action="store_true", help="a tenth of the standard library, for a smoke run")
    args = parser.parse_args(argv)
    with_plugin, without = environments()
    envs = {"with": with_plugin, "without": without}
    run_flake8(with_plugin, [str(ROOT / "examples")])  # the first run keeps the parsed rules, as after any install
    versions = ", ".join(f"{n} {importlib.metadata.version(n)}" for n in PINNED)
    print(f"# flake8-kraken benchmark, {time.strftime('%Y-%m-%d')}, {machine()}, Python {platform.python_version()}, "
          f"{versions}, {args.runs} runs each, medians")
    print()
    print("| corpus | files | MB | flake8 s | with plugin s | ratio | files/s | MB/s | peak memory ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    _, std = stdlib_files()
    if args.quick:
        std = std[::10]
    print(row("stdlib, no Kraken (-j1)", std, alternate(envs, std, args.runs)), flush=True)
    heavy = heavy_corpus(300, "heavy") + ccxt_sources()
    label = "Kraken-heavy, 300 generated" + (" + ccxt" if len(heavy) > 300 else "") + " (-j1)"
    print(row(label, heavy, alternate(envs, heavy, args.runs)), flush=True)
    for lines in (5000, 10000, 20000):
        big = [big_file(lines)]
        print(row(f"one Kraken-heavy file, {lines:,} lines", big, alternate(envs, big, args.runs)), flush=True)
    editor_std = std[len(std) // 2:][:20]
    print(row("editor, one process per file, no Kraken", editor_std,
              one_process_per_file(envs, editor_std, args.runs)), flush=True)
    editor_heavy = heavy[:20]
    print(row("editor, one process per file, Kraken code", editor_heavy,
              one_process_per_file(envs, editor_heavy, args.runs)), flush=True)
    for factor in (1, 2, 4):
        files = heavy_corpus(75 * factor, f"scale{factor}")
        print(row(f"Kraken-heavy, {75 * factor} files", files, alternate(envs, files, args.runs)), flush=True)
    one = median([run_flake8(with_plugin, heavy, 1) for _ in range(args.runs)])
    two = median([run_flake8(with_plugin, heavy, 2) for _ in range(args.runs)])
    print()
    print(f"--jobs 2 / --jobs 1 wall time on the Kraken-heavy corpus, with the plugin: {two / one:.2f} "
          f"({one:.2f} s -> {two:.2f} s)")
    report = [str(with_plugin / "bin" / "flake8-kraken"), "permissions", "--isolated", "--format", "json",
              str(CACHE / "heavy")]
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        subprocess.run(report, stdout=subprocess.DEVNULL, check=True, env=CHILD_ENV)
        times.append(time.perf_counter() - start)
    heavy300 = heavy[:300]
    print(f"flake8-kraken permissions on the 300 generated files: {statistics.median(times):.2f} s, "
          f"{len(heavy300) / statistics.median(times):.0f} files/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
