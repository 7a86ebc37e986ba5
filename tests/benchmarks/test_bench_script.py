"""The side-by-side benchmark runs in one command and prints its tables; its load generators count what they see."""
from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.loadgen import Request, parse_wrk, run_load, wrk_available
from tests.conftest import AUTH

ROOT = Path(__file__).resolve().parents[2]
ROWS = ("GET one stored execution", "GET the executions list", "POST create execution (valid body)",
        "generated response (`Prefer: dynamic=true` / Prism `-d`)", "invalid request (400)")


def test_short_run_prints_the_comparison_table_and_writes_the_figures(tmp_path):
    out = tmp_path / "bench.json"
    loader = "wrk" if wrk_available() else "python"
    result = subprocess.run([sys.executable, "benchmarks/bench_vs_prism.py", "--duration", "1", "--connections", "8",
                             "--only", "flowmock,ceiling", "--loader", loader, "--json", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    header = "| request | Prism req/s | flowmock req/s | ceiling req/s | flowmock / Prism | flowmock / ceiling | flowmock p50 | flowmock p99 |"
    assert header in lines
    table = {line.split(" | ")[0].lstrip("| "): [c.strip() for c in line.strip("|").split("|")] for line in lines if line.startswith("| ")}
    for row in ROWS:
        cells = table[row]
        assert cells[1] == "—"  # Prism was not asked for
        assert re.fullmatch(r"[\d,]+", cells[2]) and int(cells[2].replace(",", "")) > 0, cells
        assert cells[7].endswith(" ms"), cells
    for row in ROWS[:2]:  # the ceiling serves the stored item's and the list's exact bytes
        assert re.fullmatch(r"[\d,]+", table[row][3]) and re.fullmatch(r"[\d.]+×", table[row][5]), table[row]
    assert re.search(r"^\| flowmock \| [\d.]+ s \| \d+ MB \|", result.stdout, re.M)
    assert re.search(r"^\| ceiling \| [\d.]+ s \| \d+ MB \|", result.stdout, re.M)

    figures = json.loads(out.read_text())
    assert figures["settings"]["loader"] == loader
    for row in ("get", "list", "create", "generated", "invalid"):
        mine = figures["rows"][row]["flowmock"]
        assert mine["requests"] > 0 and mine["unexpected"] == 0, (row, mine)  # every answer had the expected status
        assert mine["p50_ms"] <= mine["p99_ms"] and mine["cpu_ms_per_request"] > 0
    assert figures["ratios"]["get"]["flowmock/ceiling"] > 0
    assert figures["servers"]["flowmock"]["startup_s"] > 0 and figures["servers"]["flowmock"]["idle_rss_mb"] > 10
    for name in ("flowmock", "ceiling"):  # the run stopped the servers it started
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", figures["servers"][name]["port"]), timeout=2).close()


def test_unknown_server_is_refused_before_anything_starts():
    result = subprocess.run([sys.executable, "benchmarks/bench_vs_prism.py", "--only", "flowmock,wiremock"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "unknown server(s) wiremock" in result.stderr


def test_python_load_generator_counts_expected_and_unexpected_statuses(serve):
    server = serve()
    path = "/v1/workflows/executions"
    ok = run_load(server.url, Request("GET", path, AUTH), duration=0.5, connections=4, loader="python")
    assert ok.requests > 0 and ok.unexpected == 0 and ok.rps > 0 and 0 < ok.p50_ms <= ok.p99_ms
    unauthorised = run_load(server.url, Request("GET", path), duration=0.5, connections=4, loader="python")
    assert unauthorised.requests > 0 and unauthorised.unexpected == unauthorised.requests  # 401, not the expected 200


WRK_REPORT = """Running 5s test @ http://127.0.0.1:40111/v1/workflows/executions
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    18.91ms    4.12ms  61.02ms   81.20%
    Req/Sec     2.65k   210.11     3.01k    76.00%
  Latency Distribution
     50%  850.00us
     75%   20.11ms
     90%   23.50ms
     99%    1.20s
  13210 requests in 5.01s, 61.20MB read
  Socket errors: connect 0, read 0, write 0, timeout 3
  Non-2xx or 3xx responses: 10
Requests/sec:   2636.73
Transfer/sec:     12.22MB
"""


def test_wrk_report_is_read_with_its_units():
    success = parse_wrk(WRK_REPORT, expect=200)
    assert (success.requests, success.rps, success.p50_ms, success.p99_ms) == (13210, 2636.73, 0.85, 1200.0)
    assert success.unexpected == 13  # 10 non-2xx answers and 3 time-outs
    refused = parse_wrk(WRK_REPORT, expect=400)
    assert refused.unexpected == 13210 - 10 + 3  # a 400 row expects every answer to be non-2xx


def test_prism_is_skipped_with_the_reason_when_node_and_npm_are_missing(tmp_path):
    result = subprocess.run([sys.executable, "benchmarks/bench_vs_prism.py", "--only", "prism", "--loader", "python", "--duration", "1"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120, env={"PATH": str(tmp_path), "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Prism skipped: node and npm are needed for Prism" in result.stdout
    assert re.search(r"^\| prism \| skipped \| \| node and npm are needed", result.stdout, re.M)


def test_profile_prints_the_top_functions_and_the_places_time_goes():
    result = subprocess.run([sys.executable, "benchmarks/profile_request.py", "invalid", "--requests", "30", "--top", "15"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("# invalid: 30 requests in ") and "top 15 by cumulative" in lines[0]
    functions = lines[2:17]
    assert all(re.match(r"\s+\d+\s+[\d.]+\s+[\d.]+\s+\S", line) for line in functions), functions
    assert any("mock_server/" in line for line in functions)  # the request went through flowmock's own dispatcher
    places = lines[lines.index("# own time by place (package, standard-library module or project module), top 15") + 2:]
    assert len(places) == 15 and all(re.match(r"\s+[\d.]+\s+[\d.]+%\s+\S", line) for line in places), places


def test_profile_without_the_profiler_prints_the_cpu_per_request_of_each_kind():
    result = subprocess.run([sys.executable, "benchmarks/profile_request.py", "list", "--requests", "50", "--no-profile"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    found = re.fullmatch(r"# list: 50 requests in 5 rounds, CPU per request ([\d.]+) ms \(least round\), ([\d.]+) ms "
                         r"\(median round\); in process, no profiler", result.stdout.strip())
    assert found, result.stdout
    least, median = float(found.group(1)), float(found.group(2))
    assert 0 < least <= median < 100
    assert "own time by place" not in result.stdout  # no profile was taken


@pytest.mark.parametrize("kind", ["create-flow", "create-run"])
def test_profile_measures_the_other_creates(kind):
    result = subprocess.run([sys.executable, "benchmarks/profile_request.py", kind, "--requests", "25", "--no-profile"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]  # its warm-up checks each create answers 201
    assert re.fullmatch(rf"# {kind}: 25 requests in 5 rounds, CPU per request [\d.]+ ms \(least round\), [\d.]+ ms "
                        r"\(median round\); in process, no profiler", result.stdout.strip()), result.stdout


def test_profiled_definition_creates_each_get_a_201_and_spend_nothing_in_openapi_core():
    result = subprocess.run([sys.executable, "benchmarks/profile_request.py", "create-definition", "--requests", "30", "--top", "300"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]  # a status other than 201 stops the run
    places = result.stdout[result.stdout.index("# own time by place"):]
    assert "mock_server/request_path/validate.py" in places  # the bodies were checked ...
    assert "openapi_core" not in places and "openapi_schema_validator" not in places  # ... without openapi-core
