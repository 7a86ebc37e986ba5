"""Start-up to the first answered request, as bench_vs_prism.py measures it, N times: prints each run, min and median.

Run: .venv/bin/python benchmarks/startup.py [--runs 5] [--probe /v1/workflows/executions] [--no-compile] [-- serve options]
flowmock's modules are byte-compiled first, as an installed package's are (`--no-compile` leaves them as they are: under
PYTHONDONTWRITEBYTECODE=1 an editable install then compiles every module at each start). Each run starts `flowmock serve` (the four bundled specs and the bundled world unless options say otherwise) on a free
127.0.0.1 port, times it from process start to the first answered probe (wall clock and the server's CPU seconds),
reads its resident memory 3 s later (the admin API built), and stops it. The load average is printed with the figures.
"""
from __future__ import annotations

import argparse
import compileall
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_vs_prism import AUTH, EXECUTIONS, _flowmock_command  # noqa: E402
from benchmarks.processes import ROOT, ServerProcess  # noqa: E402
from mock_server.server import free_port  # noqa: E402

IDLE_SETTLE_S = 3.0  # idle memory is read this long after the first answer (the admin API is built by then)


def main(argv: list[str] | None = None) -> int:
    """Run the start-ups and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="start-ups to measure (default 5)")
    parser.add_argument("--probe", default=EXECUTIONS, help="the request that must be answered (default: the executions list)")
    parser.add_argument("--no-compile", action="store_true", help="do not byte-compile flowmock's modules first")
    parser.add_argument("serve_options", nargs="*", help="extra `flowmock serve` options (after --)")
    args = parser.parse_args(argv)
    if not args.no_compile:
        compileall.compile_dir(ROOT / "mock_server", quiet=1)
    walls, cpus, rss = [], [], []
    print(f"load average before: {os.getloadavg()[0]:.2f}")  # noqa: T201
    for run in range(args.runs):
        port = free_port()
        with ServerProcess("flowmock", [*_flowmock_command(port), *args.serve_options], port, args.probe, AUTH) as server:
            cpu = server.cpu_seconds() or 0.0
            time.sleep(IDLE_SETTLE_S)
            memory = server.rss_mb() or 0.0
        walls.append(server.startup_s)
        cpus.append(cpu)
        rss.append(memory)
        print(f"run {run + 1}: {server.startup_s:.3f} s to the first answer, {cpu:.2f} s CPU, {memory:.0f} MB idle")  # noqa: T201
    print(f"min {min(walls):.3f} s, median {statistics.median(walls):.3f} s (CPU median {statistics.median(cpus):.2f} s); "  # noqa: T201
          f"idle memory median {statistics.median(rss):.0f} MB; load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
