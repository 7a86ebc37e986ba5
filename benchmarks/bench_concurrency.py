"""50 clients at once against a real `flowmock serve`, shared and isolated: errors, lost and mixed-up updates.

    .venv/bin/python benchmarks/bench_concurrency.py [--clients 50] [--seconds 20] [--modes shared,token]

Each client keeps two workflow definitions of its own and, until the time is up, loops over a mixed sequence:
rename one (PUT), read it back (its last name, or the update was lost or mixed up with another client's), list
the definitions, create a temporary one, delete it and check it is gone (404). At the end every client's two
definitions must hold the names it wrote last; in the isolated mode (`--isolate-by token`) each client's list holds
exactly its own. The suite runs a bounded version of this (tests/mock_server/test_concurrency.py).
Everything targets 127.0.0.1 on a free port, is bounded in time, and stops the server at the end.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.processes import ServerProcess  # noqa: E402

DEFS = "/v1/workflows/definitions"
MODES = {"shared": [], "token": ["--isolate-by", "token"]}


@dataclass
class Tally:
    """What all clients saw in one mode."""

    requests: int = 0
    errors: list[str] = field(default_factory=list)  # an unexpected status or a socket error
    lost: list[str] = field(default_factory=list)  # a read that did not show the client's last write
    mixed: list[str] = field(default_factory=list)  # another client's object in an isolated list
    latencies: list[float] = field(default_factory=list)

    def percentile(self, share: float) -> float:
        """A latency percentile in milliseconds."""
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else 0.0


class Client:
    """One simulated frontend: its own token, two definitions of its own, a mixed loop of requests."""

    def __init__(self, index: int, http: httpx.AsyncClient, tally: Tally, isolated: bool) -> None:
        self.index, self.http, self.tally, self.isolated = index, http, tally, isolated
        self.headers = {"Authorization": f"Bearer bench-client-{index}"}
        self.names: dict[str, str] = {}  # id -> the name this client wrote last

    async def call(self, method: str, path: str, expect: int, json: object = None) -> httpx.Response | None:
        """One request; an unexpected status or a socket error is counted, never raised."""
        started = time.perf_counter()
        try:
            response = await self.http.request(method, path, json=json, headers=self.headers)
        except httpx.HTTPError as exc:
            self.tally.requests += 1
            self.tally.errors.append(f"client {self.index}: {method} {path}: {type(exc).__name__}")
            return None
        self.tally.requests += 1
        self.tally.latencies.append(time.perf_counter() - started)
        if response.status_code != expect:
            self.tally.errors.append(f"client {self.index}: {method} {path} -> {response.status_code} {response.text[:80]}")
            return None
        return response

    async def setup(self) -> None:
        """Create this client's two definitions."""
        for slot in range(2):
            name = f"client {self.index} slot {slot} v0"
            created = await self.call("POST", DEFS, 201, {"name": name, "flow": []})
            if created is not None:
                self.names[created.json()["id"]] = name

    async def loop(self, until: float) -> None:
        """The mixed sequence, again and again until `until` (a monotonic time)."""
        round_ = 0
        while time.monotonic() < until and self.names:
            round_ += 1
            ident = list(self.names)[round_ % len(self.names)]
            name = f"client {self.index} slot {ident[:8]} v{round_}"
            if await self.call("PUT", f"{DEFS}/{ident}", 200, {"name": name, "flow": []}) is not None:
                self.names[ident] = name
            await self.check(ident)
            listed = await self.call("GET", DEFS, 200)
            if listed is not None and self.isolated:
                self.check_list(listed.json())
            temporary = await self.call("POST", DEFS, 201, {"name": f"client {self.index} temporary {round_}", "flow": []})
            if temporary is not None:
                path = f"{DEFS}/{temporary.json()['id']}"
                await self.call("DELETE", path, 204)
                await self.call("GET", path, 404)

    async def check(self, ident: str) -> None:
        """Read one of this client's definitions: it must hold the name written last."""
        read = await self.call("GET", f"{DEFS}/{ident}", 200)
        if read is not None and read.json().get("name") != self.names[ident]:
            self.tally.lost.append(f"client {self.index}: {ident} reads {read.json().get('name')!r}, wrote {self.names[ident]!r}")

    def check_list(self, items: list[dict[str, object]]) -> None:
        """An isolated client's list holds its own definitions only (a temporary one may be in it)."""
        strangers = [str(d.get("name")) for d in items if not str(d.get("name", "")).startswith(f"client {self.index} ")]
        if strangers:
            self.tally.mixed.append(f"client {self.index} lists {strangers[:2]}")
        if not set(self.names) <= {str(d.get("id")) for d in items}:
            self.tally.lost.append(f"client {self.index}: its own definitions are missing from its list")


async def run_mode(url: str, clients: int, seconds: float, isolated: bool) -> tuple[Tally, float]:
    """All clients at once for `seconds`; returns the tally and the seconds the load took."""
    tally = Tally()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        crowd = [Client(i, http, tally, isolated) for i in range(clients)]
        await asyncio.gather(*(c.setup() for c in crowd))
        started = time.monotonic()
        await asyncio.gather(*(c.loop(started + seconds) for c in crowd))
        took = time.monotonic() - started
        for client in crowd:  # the end state: every client's last writes, nothing else's
            for ident in client.names:
                await client.check(ident)
            if isolated:
                listed = await client.call("GET", DEFS, 200)
                if listed is not None:
                    client.check_list(listed.json())
    if not isolated:
        count = len(httpx.get(url + DEFS, headers={"Authorization": "Bearer bench-check"}, timeout=60).json())
        if count != 2 * clients:
            tally.lost.append(f"the shared list holds {count} definitions, expected {2 * clients}")
    return tally, took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50, help="clients at once (default 50; at most 120, the capacity of "
                        "createDefinition is 250 and each client holds two definitions and one temporary one)")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds of load per mode (default 20)")
    parser.add_argument("--modes", default="shared,token", help="shared (one state), token (--isolate-by token), or both")
    args = parser.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes or not 1 <= args.clients <= 120 or not 0 < args.seconds <= 600:
        parser.error(f"--modes takes {', '.join(MODES)}; --clients 1 to 120; --seconds up to 600"
                     + (f" (unknown mode {', '.join(unknown)})" if unknown else ""))
    rows = []
    for mode in modes:
        port = _free_port()
        command = [sys.executable, "-m", "mock_server.cli", "serve", "--port", str(port), "--quiet", "--empty", *MODES[mode]]
        with ServerProcess(f"flowmock ({mode})", command, port, "/__flowmock/health") as server:
            tally, took = asyncio.run(run_mode(server.url, args.clients, args.seconds, mode == "token"))
            rows.append((mode, tally, took, server.rss_mb() or 0.0))
    print(f"{args.clients} clients, {args.seconds:g} s per mode")  # noqa: T201
    print("| mode | requests | requests/s | p50 | p99 | errors | lost updates | mixed up | resident memory |")  # noqa: T201
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")  # noqa: T201
    for mode, tally, took, rss in rows:
        print(f"| {mode} | {tally.requests:,} | {tally.requests / took:,.0f} | {tally.percentile(0.5):.1f} ms | "  # noqa: T201
              f"{tally.percentile(0.99):.1f} ms | {len(tally.errors)} | {len(tally.lost)} | {len(tally.mixed)} | {rss:.0f} MB |")
    for mode, tally, _, _ in rows:
        for problem in (tally.errors + tally.lost + tally.mixed)[:10]:
            print(f"  {mode}: {problem}")  # noqa: T201
    return 1 if any(t.errors or t.lost or t.mixed for _, t, _, _ in rows) else 0


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    raise SystemExit(main())
