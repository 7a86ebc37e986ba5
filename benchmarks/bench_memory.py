"""Resident memory of a real `flowmock serve` in four situations (issue targets: 100 MB idle, 300 MB for the others).

    .venv/bin/python benchmarks/bench_memory.py [--objects 100000] [--tenants 5000] [--bad-bodies 1000]

1. idle with the bundled world;
2. after storing N objects (creates through the API, 16 connections);
3. after M tenants (`--isolate-by token`) made one read each;
4. after K requests with distinct invalid 1 MB bodies (the validation memo must stay bounded).
Everything targets 127.0.0.1 on a free port, is bounded in count, and stops the server at the end.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
FLOWMOCK = [sys.executable, "-m", "mock_server.cli", "serve"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Server:
    """A `flowmock serve` subprocess on a free port, stopped on exit."""

    def __init__(self, *args: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([*FLOWMOCK, "--port", str(self.port), "--quiet", *args], cwd=ROOT,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/__flowmock/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit("flowmock did not start in 60 s")

    def rss(self) -> float:
        return _rss_mb(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


async def _many(url: str, requests: Sequence[tuple[str, str, dict[str, str], bytes | None]],
                connections: int = 16) -> dict[int | str, int]:
    """Send every request with `connections` at once; count the statuses (and socket errors, by name: never a crash)."""
    statuses: dict[int | str, int] = {}
    queue = iter(requests)
    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:

        async def worker() -> None:
            for method, path, headers, body in queue:
                try:
                    response = await client.request(method, path, headers=headers, content=body)
                    outcome: int | str = response.status_code
                except httpx.TransportError as exc:
                    outcome = type(exc).__name__
                statuses[outcome] = statuses.get(outcome, 0) + 1

        await asyncio.gather(*(worker() for _ in range(connections)))
    return statuses


def _counts(seen: dict[int | str, int]) -> str:
    """Statuses and errors as `201: 99985, ReadError: 1`."""
    return ", ".join(f"{key}: {count}" for key, count in sorted(seen.items(), key=lambda item: str(item[0])))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=100_000, help="objects to store (default 100000)")
    parser.add_argument("--tenants", type=int, default=5_000, help="tenants making one read each (default 5000)")
    parser.add_argument("--bad-bodies", type=int, default=1_000, help="requests with distinct invalid 1 MB bodies (default 1000)")
    args = parser.parse_args(argv)
    auth = {"Authorization": "Bearer bench", "Content-Type": "application/json"}
    rows: list[tuple[str, float, str]] = []

    server = Server()
    try:
        time.sleep(3)  # the admin API is built a second after start-up: idle includes it
        rows.append(("idle, bundled world", server.rss(), "100"))
    finally:
        server.stop()

    server = Server("--empty")
    try:
        trigger = {"type": "journey_submission", "configuration": {"source_id": "e3d3ebac-baab-4395-abf4-50b5bf1f8b74"}}
        body = json.dumps({"flow_name": "Contract cancellation", "triggers": [trigger], "actions": []}).encode()
        started = time.monotonic()
        seen = asyncio.run(_many(server.url, [("POST", "/v1/automation/flows", auth, body)] * args.objects))
        rows.append((f"{args.objects} stored objects ({_counts(seen)}, {time.monotonic() - started:.0f} s)",
                     server.rss(), "300"))
    finally:
        server.stop()

    server = Server("--isolate-by", "token")
    try:
        reads = [("GET", "/v1/workflows/definitions", {"Authorization": f"Bearer tenant-{i}"}, None) for i in range(args.tenants)]
        seen = asyncio.run(_many(server.url, reads))
        rows.append((f"{args.tenants} tenants, one read each ({_counts(seen)})", server.rss(), "300"))
    finally:
        server.stop()

    server = Server("--empty")
    try:
        def bad(i: int) -> bytes:  # a 1 MB array of wrong-typed elements, different for every request
            return json.dumps({"flow_name": i, "triggers": [i] * (1_048_576 // (len(str(i)) + 2)), "actions": []}).encode()

        requests = [("POST", "/v1/automation/flows", auth, bad(i)) for i in range(args.bad_bodies)]
        seen = asyncio.run(_many(server.url, requests, connections=4))
        rows.append((f"{args.bad_bodies} distinct invalid 1 MB bodies ({_counts(seen)})", server.rss(), "300"))
    finally:
        server.stop()

    print("| situation | resident memory | target |")  # noqa: T201
    print("| --- | --- | --- |")  # noqa: T201
    for name, rss, target in rows:
        print(f"| {name} | {rss:.0f} MB | < {target} MB |")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
