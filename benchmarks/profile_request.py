"""Profile N requests of one kind against an in-process flowmock (cProfile) and print the top functions.

Run: .venv/bin/python benchmarks/profile_request.py get|list|create|create-flow|create-run|create-definition|generated|invalid
                                                   [--requests 2000] [--top 25] [--sort cumulative|tottime] [--output PATH.prof]
                                                   [--no-profile]
`--no-profile` runs the same requests without the profiler, in five rounds, and prints the CPU time per request
(time.process_time) of the least and the median round, the figure to compare on a busy machine: it does not depend on the share of a core the process gets.
The app is the one `flowmock serve` builds (the four bundled specs, the bundled world, validation and state on);
requests go straight into its ASGI callable (no sockets, no client), so the profile shows only flowmock's own path.
`create-definition` posts a workflow definition (a flow of sections and steps: a discriminated union) with a new name
each time, so no request is answered from the validation memo; its collection's capacity is lifted for the run.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import re
import sys
import sysconfig
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXECUTIONS = "/v1/workflows/executions"
WORKSPACE = re.search(r"workspace_uuid: (\S+)", next((ROOT / "fixtures" / "default").glob("workspace-workflows__*.yaml"))
                      .read_text()).group(1)  # type: ignore[union-attr]  # the bundled world's workspace
AUTH = [(b"authorization", b"Bearer profile")]
JSON = [*AUTH, (b"content-type", b"application/json")]
KINDS = ("get", "list", "create", "create-flow", "create-run", "create-definition", "generated", "invalid")
# create: a v1 execution from a definition; create-flow: a v2 flow execution from a template; create-run: an automation run
DEFINITIONS = "/v1/workflows/definitions"
WARM_UP = 50
ROUNDS = 5  # --no-profile: rounds whose least and median CPU per request are printed


class InProcessClient:
    """Sends requests straight into an ASGI app and collects status and body."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def request(self, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> tuple[int, bytes]:
        """One request through the whole ASGI app; its status and body."""
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
                 "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
                 "headers": [(b"host", b"127.0.0.1:4010"), *headers, (b"content-length", str(len(body)).encode())],
                 "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 4010)}
        status, chunks = 0, list[bytes]()
        delivered = False

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if delivered:
                await asyncio.sleep(3600)
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)


Request = tuple[str, str, list[tuple[bytes, bytes]], list[bytes]]  # method, path, headers, the bodies sent in turn


async def _requests_of(kind: str, client: InProcessClient, count: int) -> tuple[str, str, list[tuple[bytes, bytes]], list[bytes], int]:
    """The request a kind sends (method, path, headers, its bodies for `count` requests, expected status), found in the
    bundled world."""
    method, path, headers, body, expect = await _request_of(kind, client)
    if kind != "create-definition":
        return method, path, headers, [body], expect
    template = json.loads(body)
    return method, path, headers, [json.dumps({**template, "name": f"Definition {n}"}).encode() for n in range(count)], expect


async def _request_of(kind: str, client: InProcessClient) -> tuple[str, str, list[tuple[bytes, bytes]], bytes, int]:
    """The (first) request a kind sends: method, path, headers, body, expected status."""
    _, listing = await client.request("GET", EXECUTIONS, AUTH)
    if kind == "get":
        return "GET", f"{EXECUTIONS}/{json.loads(listing)[0]['id']}", AUTH, b"", 200
    if kind == "list":
        return "GET", EXECUTIONS, AUTH, b"", 200
    if kind == "create":
        _, definitions = await client.request("GET", "/v1/workflows/definitions", AUTH)
        return "POST", EXECUTIONS, JSON, json.dumps({"workflowId": json.loads(definitions)[0]["id"]}).encode(), 201
    if kind == "create-flow":
        _, templates = await client.request("GET", "/v2/flows/templates", AUTH)
        body = {"flow_template_id": json.loads(templates)["results"][0]["id"], "contexts": [{"entity_id": "e1", "entity_schema": "contact"}]}
        return "POST", "/v2/flows/executions", JSON, json.dumps(body).encode(), 201
    if kind == "create-run":
        _, flows = await client.request("GET", "/v1/automation/flows", AUTH)
        body = {"flow_id": json.loads(flows)["results"][0]["id"], "entity_id": "e-1"}
        return "POST", "/v1/automation/executions", JSON, json.dumps(body).encode(), 201
    if kind == "create-definition":
        _, definitions = await client.request("GET", DEFINITIONS, AUTH)
        return "POST", DEFINITIONS, JSON, json.dumps({"name": "Definition", "flow": json.loads(definitions)[0]["flow"]}).encode(), 201
    if kind == "generated":
        _, workflows = await client.request("GET", f"/api/v2/w/{WORKSPACE}/workflows", AUTH)
        path = f"/api/v2/w/{WORKSPACE}/workflows/{json.loads(workflows)[0]['id']}/deletion-preview"
        return "GET", path, [*AUTH, (b"prefer", b"dynamic=true")], b"", 200
    return "POST", EXECUTIONS, JSON, b"{}", 400


async def _ready_client(kind: str, count: int) -> tuple[InProcessClient, Request]:
    """The app `flowmock serve` builds, warmed up with the request of `kind` (checked against its expected status), and
    the request with its bodies for `count` requests after the warm-up."""
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # third-party import-time noise, as `flowmock` does
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from mock_server.app import create_app
    from mock_server.cli import build_parser, config_from_args

    unlimited = ["--capacity", "createDefinition=1000000"] if kind == "create-definition" else []
    app = create_app(config_from_args(build_parser().parse_args(["serve", *unlimited])))
    client = InProcessClient(app.asgi)
    method, path, headers, bodies, expect = await _requests_of(kind, client, WARM_UP + count)
    for n in range(WARM_UP):
        status, answer = await client.request(method, path, headers, bodies[n % len(bodies)])
        if status != expect:
            raise SystemExit(f"{kind}: expected {expect}, got {status}: {answer[:300]!r}")
    return client, (method, path, headers, bodies[WARM_UP:] or bodies)


async def _profile(kind: str, count: int) -> tuple[cProfile.Profile, float]:
    """Warm up, then run `count` requests under cProfile; the profile and the wall seconds they took."""
    client, (method, path, headers, bodies) = await _ready_client(kind, count)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for n in range(count):
        await client.request(method, path, headers, bodies[n % len(bodies)])
    profiler.disable()
    return profiler, time.perf_counter() - started


async def _cpu_per_request(kind: str, count: int, rounds: int = ROUNDS) -> tuple[float, float]:
    """Warm up, then run `count` requests without a profiler in `rounds` rounds; the least and the median CPU seconds
    of this process per request over the rounds (the least is the steadiest figure on a shared machine)."""
    client, (method, path, headers, bodies) = await _ready_client(kind, count)
    per_round = max(count // rounds, 1)
    figures = []
    for round_ in range(rounds):
        started = time.process_time()
        for n in range(round_ * per_round, (round_ + 1) * per_round):
            await client.request(method, path, headers, bodies[n % len(bodies)])
        figures.append((time.process_time() - started) / per_round)
    figures.sort()
    return figures[0], figures[len(figures) // 2]


def top_functions(source: cProfile.Profile | str, sort: str, top: int) -> list[str]:
    """The `top` functions by cumulative (or own) time of a profile (or a saved .prof file), one line each, paths shortened."""
    stats = pstats.Stats(source)
    stats.sort_stats(sort)
    entries: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    order: list[Any] = stats.fcn_list  # type: ignore[attr-defined]
    lines = [f"{'calls':>9} {'own s':>8} {'cum s':>8}  function"]
    for key in order[:top]:
        _, calls, own, cumulative, _ = entries[key]
        lines.append(f"{calls:>9} {own:>8.3f} {cumulative:>8.3f}  {_where(key)}")
    return lines


def own_time_by_package(source: cProfile.Profile | str, top: int) -> list[str]:
    """Own time summed per third-party package, per standard-library module and per project module, with its share."""
    entries: dict[Any, Any] = pstats.Stats(source).stats  # type: ignore[attr-defined]
    groups: dict[str, float] = {}
    for key, (_, _, own, _, _) in entries.items():
        groups[_group(key[0], key[2])] = groups.get(_group(key[0], key[2]), 0.0) + own
    total = sum(groups.values()) or 1.0
    ranked = sorted(groups.items(), key=lambda item: item[1], reverse=True)[:top]
    return [f"{'own s':>8} {'share':>6}  where", *(f"{own:>8.3f} {own / total:>6.1%}  {name}" for name, own in ranked)]


def _group(filename: str, name: str) -> str:
    """`connexion`, `stdlib copy`, `mock_server/request_path/engine.py` or `builtins`: where a function's own time is counted."""
    site = sysconfig.get_paths()["purelib"]
    if filename.startswith(site):
        return filename[len(site):].lstrip("/").split("/")[0].removesuffix(".py")
    if filename.startswith(str(ROOT)):
        return filename[len(str(ROOT)):].lstrip("/")
    if filename.startswith(sysconfig.get_paths()["stdlib"]):
        return "stdlib " + filename[len(sysconfig.get_paths()["stdlib"]):].lstrip("/").removesuffix(".py")
    return "builtins" if filename == "~" else filename


def _where(key: tuple[str, int, str]) -> str:
    """`package/module.py:line(function)`, relative to site-packages or the project."""
    filename, line, name = key
    for prefix in (sysconfig.get_paths()["purelib"], str(ROOT)):
        if filename.startswith(prefix):
            filename = filename[len(prefix):].lstrip("/")
    return f"{filename}:{line}({name})" if line else name


def main(argv: list[str] | None = None) -> int:
    """Profile one kind of request and print the top of the profile."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--requests", type=int, default=2000, help="requests profiled (after 50 of warm-up)")
    parser.add_argument("--top", type=int, default=25, help="how many functions (and places) to print")
    parser.add_argument("--sort", choices=("cumulative", "tottime"), default="cumulative", help="order of the function list")
    parser.add_argument("--output", type=Path, help="also write the raw profile here (for snakeviz or pstats)")
    parser.add_argument("--no-profile", action="store_true", help="no profiler: print the CPU time per request only")
    args = parser.parse_args(argv)
    if args.no_profile:
        least, median = asyncio.run(_cpu_per_request(args.kind, args.requests))
        print(f"# {args.kind}: {args.requests} requests in {ROUNDS} rounds, CPU per request {least * 1000:.3f} ms "
              f"(least round), {median * 1000:.3f} ms (median round); in process, no profiler")
        return 0
    profiler, seconds = asyncio.run(_profile(args.kind, args.requests))
    print(f"# {args.kind}: {args.requests} requests in {seconds:.2f} s under cProfile "
          f"({seconds / args.requests * 1000:.2f} ms each, profiling overhead included), top {args.top} by {args.sort}")
    print("\n".join(top_functions(profiler, args.sort, args.top)))
    print(f"\n# own time by place (package, standard-library module or project module), top {args.top}")
    print("\n".join(own_time_by_package(profiler, args.top)))
    if args.output:
        profiler.dump_stats(str(args.output))
        print(f"raw profile written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
