"""Start-up of large public API descriptions: cold and warm, to the first answer and to the first answered operation.

Run: .venv/bin/python benchmarks/large_spec_startup.py [--runs 3] [--documents github,autotask.net,microsoft.com/graph]
                                                     [--json PATH]
Fetches the descriptions as benchmarks/real_world.py does (npm packages into the git-ignored benchmarks/.cache/real-world/),
then serves each one alone (`flowmock serve --spec DOC --no-auth` on a free 127.0.0.1 port) and measures:
- cold: `FLOWMOCK_NO_CACHE=1` and an empty `FLOWMOCK_CACHE_DIR` (nothing parsed before), process start to the first answer
  (`GET /__flowmock/health`), then the first answer of an operation of the document (what a client waits for);
- warm: the same, with a cache folder filled by a previous start (JSON documents are not cached: orjson reads them as fast).
Prints the median of `--runs` starts for each, the resident memory once started, and the CPU seconds start-up used.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.processes import ServerProcess  # noqa: E402
from benchmarks.real_world import GITHUB_DOCUMENT, FetchError, fetch  # noqa: E402
from mock_server.server import free_port  # noqa: E402

DEFAULT_DOCUMENTS = "github,autotask.net,microsoft.com/graph"  # 12.7 MB / 1,223 ops, 3.3 MB / 2,958 ops, 20 MB / 5,909 ops


@dataclass
class Startup:
    """What one document's starts measured (medians over the runs)."""

    name: str
    size_mb: float
    operations: int = 0
    cold_s: list[float] = field(default_factory=list)
    cold_first_operation_s: list[float] = field(default_factory=list)
    warm_s: list[float] = field(default_factory=list)
    warm_first_operation_s: list[float] = field(default_factory=list)
    rss_mb: float | None = None
    cpu_s: float | None = None
    problem: str = ""


def document_path(name: str) -> Path:
    """`github` (GitHub's own description), a collection name (`autotask.net`, `microsoft.com/graph`), or a file."""
    if name == "github":
        return fetch("github") / GITHUB_DOCUMENT
    if Path(name).is_file():
        return Path(name)
    return fetch("directory") / "api" / f"{name}.json"


def start_once(doc: Path, env: dict[str, str], result: Startup) -> tuple[float, float]:
    """Start a server, time it to its first answer and to its first answered operation, stop it."""
    port = free_port()
    command = [sys.executable, "-m", "mock_server.cli", "serve", "--spec", str(doc), "--port", str(port), "--no-auth", "--quiet"]
    with ServerProcess(doc.name, command, port, "/__flowmock/health", env=env) as server:
        first_answer = server.startup_s
        result.cpu_s = round(server.cpu_seconds() or 0, 2)  # CPU to the first answer: what a quiet machine's wall time would be
        path = _operation_path(server.url)
        started = time.perf_counter()
        try:
            urllib.request.urlopen(server.url + path, timeout=120).read()
        except urllib.error.HTTPError:
            pass  # any answer counts: a 404 for an id never created is an answer
        first_operation = first_answer + time.perf_counter() - started
        result.rss_mb = round(server.rss_mb() or 0, 1)
        apis = json.loads(urllib.request.urlopen(server.url + "/__flowmock/apis", timeout=60).read())
        result.operations = len(apis[0]["operations"])
    return first_answer, first_operation


def _operation_path(base_url: str) -> str:
    """The URL path of the document's first GET operation, its path parameters filled with `1`."""
    import re

    apis = json.loads(urllib.request.urlopen(base_url + "/__flowmock/apis", timeout=60).read())
    api = apis[0]
    gets = [op for op in api["operations"] if op["method"].lower() == "get"] or api["operations"]
    template = sorted(gets, key=lambda op: (op["path"].count("{"), op["path"]))[0]["path"]
    return api["base_path"].rstrip("/") + re.sub(r"\{[^}/]+\}", "1", template)


def measure(name: str, runs: int) -> Startup:
    """Cold and warm starts of one document, `runs` times each."""
    try:
        doc = document_path(name)
    except FetchError as exc:
        return Startup(name, 0, problem=str(exc))
    result = Startup(name, round(doc.stat().st_size / 1e6, 1))
    warm_cache = tempfile.mkdtemp(prefix="flowmock-warm-")
    try:
        for _ in range(runs):
            with tempfile.TemporaryDirectory(prefix="flowmock-cold-") as empty:
                first, operation = start_once(doc, {"FLOWMOCK_NO_CACHE": "1", "FLOWMOCK_CACHE_DIR": empty}, result)
            result.cold_s.append(first)
            result.cold_first_operation_s.append(operation)
        start_once(doc, {"FLOWMOCK_CACHE_DIR": warm_cache}, result)  # fills the cache
        for _ in range(runs):
            first, operation = start_once(doc, {"FLOWMOCK_CACHE_DIR": warm_cache}, result)
            result.warm_s.append(first)
            result.warm_first_operation_s.append(operation)
    except RuntimeError as exc:
        result.problem = str(exc).splitlines()[0]
    return result


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}" if values else ""


def table(results: list[Startup]) -> str:
    """One Markdown row per document (medians)."""
    rows = ["| document | MB | ops | cold: first answer s | cold: first operation s | warm: first answer s | "
            "warm: first operation s | RSS MB | CPU s to first answer |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        rows.append(f"| {r.name} | {r.size_mb} | {r.operations} | {_median(r.cold_s)} | {_median(r.cold_first_operation_s)} | "
                    f"{_median(r.warm_s)} | {_median(r.warm_first_operation_s)} | {r.rss_mb or ''} | {r.cpu_s or ''} |"
                    + (f" {r.problem}" if r.problem else ""))
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Measure each document, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", default=DEFAULT_DOCUMENTS, help=f"comma-separated names or files (default {DEFAULT_DOCUMENTS})")
    parser.add_argument("--runs", type=int, default=3, help="starts per document and cache state (default 3; the median is shown)")
    parser.add_argument("--json", default="", help="also write the results here as JSON")
    args = parser.parse_args(argv)
    results = []
    for name in args.documents.split(","):
        result = measure(name.strip(), args.runs)
        results.append(result)
        print(f"{result.name}: cold {_median(result.cold_s)} s (first operation {_median(result.cold_first_operation_s)} s), "
              f"warm {_median(result.warm_s)} s{' - ' + result.problem if result.problem else ''}", flush=True)
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in results], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
