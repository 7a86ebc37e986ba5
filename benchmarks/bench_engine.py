"""Benchmark flowmock's start-up and stored-object GET latency against a bare-Starlette baseline.

Run: .venv/bin/python benchmarks/bench_engine.py [--requests 1000] [--starts 3]
Servers run in their own processes on free 127.0.0.1 ports; the client is sequential (one connection,
keep-alive), so the latency is the whole stack's per-request cost, not a throughput figure.
Budgets: start-up with the four bundled specs < 2 s; median GET of a stored object < 5 ms.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from mock_server.server import free_port

ROOT = Path(__file__).resolve().parents[1]
FLOWMOCK = [sys.executable, "-m", "mock_server.cli", "serve", "--seed", "1", "--strict-responses", "--log-level", "warning"]
WS = "/api/v2/w/7d7a6e0c-3f0e-4c53-9a43-0b7f3d8d2a11/workflows"
AUTH = {"Authorization": "Bearer bench"}


def start(cmd: list[str], port: int, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], float]:
    """Start a server and return it with the seconds until its health check answered."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    deadline = started + 30
    while time.perf_counter() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/__flowmock/health", timeout=0.5).status_code == 200:
                return proc, time.perf_counter() - started
        except httpx.HTTPError:
            time.sleep(0.02)
    proc.kill()
    raise RuntimeError(f"{cmd} did not start")


def latencies(url: str, count: int, headers: dict[str, str]) -> list[float]:
    """Milliseconds per sequential GET of one URL (after a warm-up)."""
    out = []
    with httpx.Client(headers=headers) as client:
        for _ in range(50):
            client.get(url)
        for _ in range(count):
            t = time.perf_counter()
            response = client.get(url)
            out.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, response.text
    return out


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    return f"median {statistics.median(ordered):.2f} ms, p95 {ordered[int(len(ordered) * 0.95) - 1]:.2f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--starts", type=int, default=3)
    args = parser.parse_args()

    startups = []
    for _ in range(args.starts):
        port = free_port()
        proc, seconds = start([*FLOWMOCK, "--port", str(port)], port)
        startups.append(seconds)
        proc.terminate()
        proc.wait()
    print(f"start-up, 4 bundled specs, process start to first answer: median {statistics.median(startups):.2f} s "
          f"(runs: {', '.join(f'{s:.2f}' for s in startups)}; budget 2 s)")

    port = free_port()
    proc, _ = start([*FLOWMOCK, "--port", str(port)], port)
    try:
        created = httpx.post(f"http://127.0.0.1:{port}{WS}", json={"name": "Bench", "description": "x" * 200}, headers=AUTH)
        body = created.text
        flowmock = latencies(f"http://127.0.0.1:{port}{WS}/{created.json()['id']}", args.requests, AUTH)
    finally:
        proc.terminate()
        proc.wait()

    port = free_port()
    baseline_cmd = [sys.executable, "-m", "uvicorn", "benchmarks.baseline_app:app", "--port", str(port), "--log-level", "warning"]
    proc, _ = start(baseline_cmd, port, {"BASELINE_BODY": body})
    try:
        baseline = latencies(f"http://127.0.0.1:{port}/item/1", args.requests, {})
    finally:
        proc.terminate()
        proc.wait()

    ratio = statistics.median(flowmock) / statistics.median(baseline)
    print(f"GET stored object ({len(body)} B), flowmock full stack, request+response validation on: {summary(flowmock)} (budget: median < 5 ms)")
    print(f"GET same bytes, bare Starlette baseline, same run: {summary(baseline)}")
    print(f"ratio flowmock / baseline (median): {ratio:.1f}x")
    print(json.dumps({"startup_s": statistics.median(startups), "get_median_ms": statistics.median(flowmock),
                      "baseline_median_ms": statistics.median(baseline), "ratio": round(ratio, 2)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
