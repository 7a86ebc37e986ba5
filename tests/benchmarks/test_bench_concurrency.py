"""The full 50-client benchmark script runs (here briefly, with few clients) and reports what it counted."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_short_run_prints_one_row_per_mode_with_nothing_lost():
    result = subprocess.run([sys.executable, "benchmarks/bench_concurrency.py", "--clients", "4", "--seconds", "1"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "| mode | requests | requests/s | p50 | p99 | errors | lost updates | mixed up | resident memory |" in result.stdout
    for mode in ("shared", "token"):
        row = re.search(rf"^\| {mode} \| ([\d,]+) \| [\d,]+ \| [\d.]+ ms \| [\d.]+ ms \| 0 \| 0 \| 0 \| \d+ MB \|$", result.stdout, re.M)
        assert row and int(row.group(1).replace(",", "")) >= 4 * 6, result.stdout  # at least one whole round per client


def test_bad_options_are_refused_before_any_server_starts():
    result = subprocess.run([sys.executable, "benchmarks/bench_concurrency.py", "--modes", "shared,sharded"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "unknown mode sharded" in result.stderr
