"""flowmock side by side with Stoplight Prism and a bare Starlette ceiling: requests/s, p50, p99, memory, start-up.

Run: .venv/bin/python benchmarks/bench_vs_prism.py [--duration 5] [--connections 50] [--only flowmock,prism,ceiling]
                                                   [--loader auto|wrk|python] [--json PATH]
One server at a time on a free 127.0.0.1 port, each loaded with wrk -t1 -cN for a bounded duration per row
(or the bounded asyncio generator in loadgen.py where wrk cannot be installed); every server is stopped at the end.
- flowmock: `flowmock serve` with the four bundled specs and the bundled world (request and response validation on, state on).
- Prism 5 (`@stoplight/prism-cli`, installed with npm into .cache/prism/), `-v error`, on specs/workflow-executions.yaml;
  a second Prism with `-d` (dynamic) for the generated-response row. Skipped, saying why, without node and npm.
- ceiling: a bare Starlette route on uvicorn (uvloop and httptools when installed) returning flowmock's exact bytes.
- flowmock again with a generated 1,000-operation spec (benchmarks/many_operations.py) next to the bundled ones: the stored
  GET once more, to show routing does not slow down with the number of operations.
"""
from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import re
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.loadgen import LoadResult, Request, install_wrk, run_load, wrk_available  # noqa: E402
from benchmarks.many_operations import write_many_operations_spec  # noqa: E402
from benchmarks.processes import ROOT, PeakMemory, ServerProcess  # noqa: E402
from mock_server.server import free_port  # noqa: E402

PRISM_VERSION = "5.14.2"
PRISM_DIR = ROOT / ".cache" / "prism"
PRISM_SPEC = "specs/workflow-executions.yaml"
GENERATED_SPEC = "specs/workspace-workflows.yaml"  # the one bundled operation answered purely by generation lives here
WORKSPACE = re.search(r"workspace_uuid: (\S+)", next((ROOT / "fixtures" / "default").glob("workspace-workflows__*.yaml"))
                      .read_text()).group(1)  # type: ignore[union-attr]  # the bundled world's workspace
EXECUTIONS = "/v1/workflows/executions"
AUTH = {"Authorization": "Bearer bench"}
JSON_BODY = {**AUTH, "Content-Type": "application/json"}
SERVERS = ("flowmock", "prism", "ceiling")
ROWS = {
    "get": "GET one stored execution",
    "list": "GET the executions list",
    "create": "POST create execution (valid body)",
    "generated": "generated response (`Prefer: dynamic=true` / Prism `-d`)",
    "invalid": "invalid request (400)",
    "get_many": "GET one stored execution, a 1,000-operation spec also loaded",
}
ORDER = ("get", "list", "generated", "invalid", "create", "get_many")  # create last: its new executions would lengthen the list
MANY_OPERATIONS = 1000
IDLE_SETTLE_S = 3.0  # idle memory is read this long after the first answer (the admin API is built a second after start-up)


def main(argv: list[str] | None = None) -> int:
    """Run every selected server's rows, print the tables and write --json."""
    args = _parser().parse_args(argv)
    for stop in (signal.SIGTERM, signal.SIGHUP):  # end through the `with` blocks, which stop the servers
        signal.signal(stop, lambda number, _frame: sys.exit(128 + number))
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(only) - set(SERVERS))
    if unknown:
        print(f"--only: unknown server(s) {', '.join(unknown)}; choose from {', '.join(SERVERS)}", file=sys.stderr)
        return 2
    loader = _choose_loader(args.loader)
    report: dict[str, Any] = {
        "settings": {"duration_s": args.duration, "connections": args.connections, "loader": loader, "cpus": os.cpu_count(),
                     "load_average_at_start": [round(x, 2) for x in os.getloadavg()], "prism_version": PRISM_VERSION},
        "servers": {}, "rows": {}, "notes": [
            "generated row: flowmock `Prefer: dynamic=true` and Prism `-d` on the same operation, GET .../deletion-preview of "
            f"{GENERATED_SPEC} (the bundled operation answered purely by generation; Prism -d serves that spec)",
            "Prism answers from its examples: any execution id, and a list of the example's items; flowmock answers from its store",
            "server CPU per request (user + system CPU seconds of the server's processes during the row / requests) holds "
            "better than req/s on a busy machine, where a server gets only its share of the cores",
        ],
    }
    print(f"# flowmock vs Prism vs bare Starlette: {loader}, {args.connections} connections, {args.duration:g} s per row, "
          f"load average {report['settings']['load_average_at_start'][0]} on {os.cpu_count()} cores", flush=True)
    flowmock = _bench_flowmock(args, loader, report, load="flowmock" in only) if {"flowmock", "ceiling"} & set(only) else {}
    for name, bench in (("prism", _bench_prism), ("ceiling", _bench_ceiling)):
        if name in only:
            try:
                bench(args, loader, report, flowmock)
            except RuntimeError as exc:  # a server that does not start: say so in the table, measure the others
                print(f"{name} skipped: {exc}", flush=True)
                report["servers"][name] = {"skipped": str(exc).splitlines()[0]}
    report["ratios"] = _ratios(report)
    print(render(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
        print(f"figures written to {args.json}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of load per row (default 5)")
    parser.add_argument("--connections", type=int, default=50, help="concurrent keep-alive connections (default 50)")
    parser.add_argument("--only", default=",".join(SERVERS), help="servers to measure, comma-separated (default all)")
    parser.add_argument("--loader", choices=("auto", "wrk", "python"), default="auto",
                        help="wrk (installed with apt-get when missing and root), the asyncio generator, or auto")
    parser.add_argument("--json", metavar="PATH", help="also write every figure to this JSON file")
    return parser


def _choose_loader(wanted: str) -> str:
    """wrk when asked for or available (installing it as root if needed), else the asyncio generator."""
    if wanted == "python":
        return "python"
    note = install_wrk()
    if wrk_available():
        return "wrk"
    if wanted == "wrk":
        raise SystemExit(f"--loader wrk: {note}")
    print(f"note: {note}; using the bounded asyncio load generator instead (it shares the CPU with the server)", flush=True)
    return "python"


# ---- the servers ----

def _flowmock_command(port: int) -> list[str]:
    """`flowmock serve` as a user runs it: the bundled specs and world, validation and state on."""
    script = Path(sys.executable).with_name("flowmock")
    base = [str(script)] if script.exists() else [sys.executable, "-m", "mock_server.cli"]
    return [*base, "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]


def _bench_flowmock(args: argparse.Namespace, loader: str, report: dict[str, Any], load: bool) -> dict[str, bytes]:
    """Measure flowmock (when `load`); return the stored item's and the list's exact bytes for the ceiling."""
    port = free_port()
    with ServerProcess("flowmock", _flowmock_command(port), port, EXECUTIONS, AUTH) as server:
        idle = _idle(server)
        _, listing = fetch(server.url, Request("GET", EXECUTIONS, AUTH))
        executions = json.loads(listing)
        _, definitions = fetch(server.url, Request("GET", "/v1/workflows/definitions", AUTH))
        _, workflows = fetch(server.url, Request("GET", f"/api/v2/w/{WORKSPACE}/workflows", AUTH))
        item_path = f"{EXECUTIONS}/{executions[0]['id']}"
        _, item = fetch(server.url, Request("GET", item_path, AUTH))
        if not load:
            return {"item": item, "list": listing}
        workflow = json.loads(workflows)[0]["id"]
        requests = {
            "get": Request("GET", item_path, AUTH),
            "list": Request("GET", EXECUTIONS, AUTH),
            "create": Request("POST", EXECUTIONS, JSON_BODY, json.dumps({"workflowId": json.loads(definitions)[0]["id"]}).encode(), 201),
            "generated": Request("GET", f"/api/v2/w/{WORKSPACE}/workflows/{workflow}/deletion-preview", {**AUTH, "Prefer": "dynamic=true"}),
            "invalid": Request("POST", EXECUTIONS, JSON_BODY, b"{}", 400),
        }
        report["servers"]["flowmock"] = {"port": server.port, "startup_s": server.startup_s, "idle_rss_mb": idle,
                                         "what": "flowmock serve, 4 bundled specs, bundled world"}
        report["notes"].append(f"flowmock's list has {len(executions)} executions ({len(listing):,} B); its stored item is {len(item):,} B")
        _load_rows(server, requests, args, loader, report)
    _bench_many_operations(args, loader, report, item_path)
    return {"item": item, "list": listing}


def _bench_many_operations(args: argparse.Namespace, loader: str, report: dict[str, Any], item_path: str) -> None:
    """The same stored GET with a generated 1,000-operation spec served next to the bundled ones (routing must not slow down)."""
    from mock_server.loading.spec import bundled_spec_paths

    fixtures = Path(str(resources.files("flowmock_fixtures").joinpath("default")))
    with tempfile.TemporaryDirectory(prefix="flowmock-many-") as folder:
        many = write_many_operations_spec(Path(folder) / "many-operations.json", MANY_OPERATIONS)
        specs = [part for path in [*bundled_spec_paths(), many] for part in ("--spec", str(path))]
        port = free_port()
        command = [*_flowmock_command(port), *specs, "--fixtures", str(fixtures)]
        with ServerProcess("flowmock", command, port, item_path, AUTH) as server:
            report["servers"]["flowmock"]["idle_rss_mb_with_many_operations"] = _idle(server)  # settled, as the first server
            report["servers"]["flowmock"]["startup_s_with_many_operations"] = server.startup_s
            report["notes"].append(f"the 1,000-operation row serves the bundled specs and world plus {MANY_OPERATIONS:,} generated "
                                   f"operations (benchmarks/many_operations.py); started in {server.startup_s:.2f} s")
            _load_rows(server, {"get_many": Request("GET", item_path, AUTH)}, args, loader, report)


def _bench_prism(args: argparse.Namespace, loader: str, report: dict[str, Any], _: dict[str, bytes]) -> None:
    """Measure Prism static (get, list, create, invalid) and Prism -d (generated), one after the other."""
    prism = ensure_prism()
    if isinstance(prism, str):
        print(f"Prism skipped: {prism}", flush=True)
        report["servers"]["prism"] = {"skipped": prism}
        return
    static = {
        "get": Request("GET", f"{EXECUTIONS}/bench-1", AUTH),
        "list": Request("GET", EXECUTIONS, AUTH),
        "create": Request("POST", EXECUTIONS, JSON_BODY, b'{"workflowId": "bench-definition"}', 201),
        "invalid": Request("POST", EXECUTIONS, JSON_BODY, b"{}", 400),
    }
    port = free_port()
    command = [str(prism), "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "error", PRISM_SPEC]
    with ServerProcess("prism", command, port, EXECUTIONS, AUTH) as server:
        report["servers"]["prism"] = {"port": server.port, "startup_s": server.startup_s, "idle_rss_mb": _idle(server),
                                      "what": f"prism-cli {PRISM_VERSION} -v error, {PRISM_SPEC}"}
        _load_rows(server, static, args, loader, report)
    port = free_port()
    dynamic = [str(prism), "mock", "-d", "-h", "127.0.0.1", "-p", str(port), "-v", "error", GENERATED_SPEC]
    preview = f"/api/v2/w/{WORKSPACE}/workflows/1/deletion-preview"
    with ServerProcess("prism", dynamic, port, preview, AUTH) as server:
        _load_rows(server, {"generated": Request("GET", preview, AUTH)}, args, loader, report)


def _bench_ceiling(args: argparse.Namespace, loader: str, report: dict[str, Any], bodies: dict[str, bytes]) -> None:
    """A bare Starlette route on uvicorn returning flowmock's exact item and list bytes."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "benchmarks.baseline_app:app", "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "warning", "--no-access-log", "--lifespan", "off"]
    fast = [option for module, option in (("uvloop", ["--loop", "uvloop"]), ("httptools", ["--http", "httptools"]))
            if importlib.util.find_spec(module)]
    command += [part for option in fast for part in option]
    with tempfile.TemporaryDirectory(prefix="flowmock-ceiling-") as folder:
        files = {name: Path(folder) / f"{name}.json" for name in bodies}
        for name, body in bodies.items():
            files[name].write_bytes(body)
        env = {"BASELINE_BODY_FILE": str(files["item"]), "BASELINE_LIST_FILE": str(files["list"])}
        with ServerProcess("ceiling", command, port, "/item/1", env=env) as server:
            report["servers"]["ceiling"] = {"port": server.port, "startup_s": server.startup_s, "idle_rss_mb": _idle(server),
                                            "what": "Starlette route on uvicorn" + (" (" + ", ".join(o[1] for o in fast) + ")" if fast else "")}
            _load_rows(server, {"get": Request("GET", "/item/1"), "list": Request("GET", "/list")}, args, loader, report)


def ensure_prism() -> Path | str:
    """The prism binary in .cache/prism/ (installed with npm when missing), or why it cannot be had."""
    binary = PRISM_DIR / "node_modules" / ".bin" / "prism"
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node and npm are needed for Prism (e.g. `apt-get install -y nodejs npm`), and are not on PATH"
    manifest = PRISM_DIR / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
    if binary.exists() and manifest.exists() and json.loads(manifest.read_text()).get("version") == PRISM_VERSION:
        return binary
    print(f"installing @stoplight/prism-cli@{PRISM_VERSION} into {PRISM_DIR.relative_to(ROOT)}/ (once; about a minute)", flush=True)
    PRISM_DIR.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["npm", "install", "--prefix", str(PRISM_DIR), "--no-audit", "--no-fund", "--loglevel=error",
                           f"@stoplight/prism-cli@{PRISM_VERSION}"], capture_output=True, text=True, timeout=900, check=False)
    if done.returncode != 0 or not binary.exists():
        return f"npm install @stoplight/prism-cli@{PRISM_VERSION} failed: {(done.stderr or done.stdout).strip()[-500:]}"
    return binary


# ---- measuring ----

def _idle(server: ServerProcess) -> float | None:
    """Resident memory shortly after the first answer, before any load."""
    time.sleep(IDLE_SETTLE_S)
    return server.rss_mb()


def fetch(base_url: str, request: Request) -> tuple[int, bytes]:
    """Send one request; its status and body."""
    port = int(base_url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(request.method, request.path, body=request.body or None, headers=request.headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _load_rows(server: ServerProcess, requests: dict[str, Request], args: argparse.Namespace, loader: str,
               report: dict[str, Any]) -> None:
    """Check each request answers as expected, warm it up, then load it; records the figures per row."""
    for row in [r for r in ORDER if r in requests]:
        request = requests[row]
        status, body = fetch(server.url, request)
        figures: dict[str, Any]
        if status != request.expect:
            figures = {"failed": f"expected {request.expect}, got {status}: {body[:200].decode(errors='replace')}"}
        else:
            for _ in range(20):
                fetch(server.url, request)
            try:
                cpu_before = server.cpu_seconds()
                with PeakMemory(server) as memory:
                    result: LoadResult = run_load(server.url, request, args.duration, args.connections, loader)
                cpu_after = server.cpu_seconds()
                cpu_ms = (cpu_after - cpu_before) * 1000 / result.requests if cpu_before is not None and cpu_after and result.requests else None
                figures = {**asdict(result), "rss_mb": memory.peak, "cpu_ms_per_request": cpu_ms, "response_bytes": len(body)}
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
                figures = {"failed": f"the load run failed: {exc}"}
        report["rows"].setdefault(row, {})[server.name] = figures
        print(f"  {server.name:9} {row:10} {_brief(figures)}", flush=True)


def _brief(figures: dict[str, Any]) -> str:
    if "failed" in figures:
        return f"FAILED: {figures['failed']}"
    return (f"{figures['rps']:,.0f} req/s, p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms, "
            f"{figures['unexpected']} unexpected of {figures['requests']:,}")


def _ratios(report: dict[str, Any]) -> dict[str, Any]:
    """flowmock's requests/s over Prism's and over the ceiling's, per row, plus start-up and idle memory ratios."""
    out: dict[str, Any] = {}
    for row, servers in report["rows"].items():
        mine = servers.get("flowmock", {}).get("rps")
        for other in ("prism", "ceiling"):
            theirs = servers.get(other, {}).get("rps")
            if mine and theirs:
                out.setdefault(row, {})[f"flowmock/{other}"] = round(mine / theirs, 3)
    many, bundled = (report["rows"].get(row, {}).get("flowmock", {}).get("rps") for row in ("get_many", "get"))
    if many and bundled:
        out.setdefault("get_many", {})["get_many/get"] = round(many / bundled, 3)
    return out


# ---- the tables ----

def render(report: dict[str, Any]) -> str:
    """The comparison table, the per-server detail and the start-up/memory table, as Markdown."""
    rows, ratios, servers = report["rows"], report["ratios"], report["servers"]
    lines = ["", "| request | Prism req/s | flowmock req/s | ceiling req/s | flowmock / Prism | flowmock / ceiling | flowmock p50 | flowmock p99 |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in ROWS:
        cells = rows.get(row, {})
        mine = cells.get("flowmock", {})
        lines.append(f"| {ROWS[row]} | {_rps(cells.get('prism'))} | {_rps(mine)} | {_rps(cells.get('ceiling'))} | "
                     f"{_ratio(ratios.get(row, {}).get('flowmock/prism'))} | {_ratio(ratios.get(row, {}).get('flowmock/ceiling'))} | "
                     f"{_ms(mine.get('p50_ms'))} | {_ms(mine.get('p99_ms'))} |")
    lines += ["", "| server | request | req/s | p50 | p99 | server CPU per request | peak RSS | requests | unexpected status |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name in SERVERS:
        for row in ROWS:
            figures = rows.get(row, {}).get(name)
            if figures is None:
                continue
            if "failed" in figures:
                lines.append(f"| {name} | {ROWS[row]} | failed: {figures['failed'][:80]} | | | | | | |")
                continue
            lines.append(f"| {name} | {ROWS[row]} | {figures['rps']:,.0f} | {_ms(figures['p50_ms'])} | {_ms(figures['p99_ms'])} | "
                         f"{_ms(figures['cpu_ms_per_request'], 2)} | {_mb(figures['rss_mb'])} | {figures['requests']:,} | {figures['unexpected']:,} |")
    lines += ["", "| server | start-up to first answer | idle RSS | what |", "| --- | --- | --- | --- |"]
    for name in SERVERS:
        info = servers.get(name)
        if info is None:
            continue
        if "skipped" in info:
            lines.append(f"| {name} | skipped | | {info['skipped']} |")
            continue
        lines.append(f"| {name} | {info['startup_s']:.2f} s | {_mb(info['idle_rss_mb'])} | {info['what']} |")
    mine, prism = servers.get("flowmock", {}), servers.get("prism", {})
    if mine.get("startup_s") and prism.get("startup_s"):
        memory = mine["idle_rss_mb"] / prism["idle_rss_mb"] if mine.get("idle_rss_mb") and prism.get("idle_rss_mb") else None
        lines.append(f"| flowmock / Prism | {mine['startup_s'] / prism['startup_s']:.2f}× | {_ratio(memory)} | |")
    if ratios.get("get_many", {}).get("get_many/get"):
        lines.append(f"| 1,000-operation spec loaded / bundled specs only (stored GET req/s) | {ratios['get_many']['get_many/get']:.2f}× | | |")
    lines += ["", *[f"- {note}" for note in report["notes"]]]
    return "\n".join(lines)


def _rps(figures: dict[str, Any] | None) -> str:
    if not figures:
        return "—"
    return "failed" if "failed" in figures else f"{figures['rps']:,.0f}"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def _ms(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f} ms"


def _mb(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} MB"


if __name__ == "__main__":
    raise SystemExit(main())
