"""`flowmock contract` as a reader meets it: progress while it runs, uncovered success statuses, JUnit a CI loads, an HTML grid."""
from __future__ import annotations

import os
import pty
import re
import select
import shutil
import signal
import subprocess
import time
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
import xmlschema

from mock_server.server import BackgroundServer
from tests.contracts.echo_app import create_echo_app, write_spec
from tests.serve_process import FLOWMOCK

TOKEN = "echo-token"
SCHEMA = Path(__file__).with_name("junit.xsd")
SEVERITIES = ["critical", "high", "medium", "low"]


def contract(directory: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    spec = write_spec(directory)
    return subprocess.run([FLOWMOCK, "contract", "--spec", str(spec), "--base-url", url, "--token", TOKEN, "--seed", "1",
                           "--max-examples", "3", *extra], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def backend():
    with BackgroundServer(create_echo_app(TOKEN)) as server:
        yield server.url


@pytest.fixture(scope="module")
def full_run(backend, tmp_path_factory):
    directory = tmp_path_factory.mktemp("reports")
    result = contract(directory, backend, "--phases", "examples,coverage,fuzzing", "--junit", str(directory / "junit.xml"),
                      "--report", str(directory / "report.html"), "--progress-interval", "0.2")
    assert result.returncode == 1, result.stdout + result.stderr
    return result, directory


def test_plain_progress_lines_when_not_on_a_terminal(full_run):
    result, _ = full_run
    lines = [line for line in result.stderr.splitlines() if line.startswith("contract echo: ")]
    phases = [re.fullmatch(r"contract echo: (\w+) (\d+)/4 operations, \d+ requests, \d+ failures, \d+s", line) for line in lines]
    assert lines and all(phases), result.stderr
    assert {m.group(1) for m in phases if m} >= {"examples", "coverage", "fuzzing"}


def test_live_progress_on_a_terminal(backend, tmp_path):
    master, slave = pty.openpty()
    spec = write_spec(tmp_path)
    proc = subprocess.Popen([FLOWMOCK, "contract", "--spec", str(spec), "--base-url", backend, "--token", TOKEN, "--seed", "1",
                             "--max-examples", "3", "--phases", "examples,coverage"], stdout=slave, stderr=slave,
                            env=dict(os.environ, COLUMNS="120", TERM="xterm"))
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    proc.wait(30)
    os.close(master)
    text = seen.decode("utf-8", errors="replace")
    assert "operations · " in text and " requests · " in text and "━" in text, text[-2000:]
    assert "echo: coverage" in text and "contract FAILED" in text


def test_uncovered_success_statuses_are_listed_first_and_can_fail_the_run(backend, tmp_path):
    passing = contract(tmp_path, backend, "--operation", "getHealth", "--phases", "examples,coverage")
    assert passing.returncode == 0, passing.stdout
    tail = passing.stdout.strip().splitlines()
    block = tail[tail.index("documented success statuses never seen (1):"):]
    assert block[1].strip() == "GET /health (echo): never saw 202"
    assert block[-1].startswith("contract PASSED") and "1 documented success status(es) never seen" in block[-1]
    failing = contract(tmp_path, backend, "--operation", "getHealth", "--phases", "examples,coverage", "--fail-on-uncovered")
    assert failing.returncode == 1
    assert failing.stdout.strip().splitlines()[-2].startswith("contract FAILED: 0 failure(s), 0 error(s)")


def test_junit_is_valid_and_its_counts_add_up(full_run):
    _, directory = full_run
    path = directory / "junit.xml"
    xmlschema.XMLSchema(str(SCHEMA)).validate(str(path))
    root = ET.parse(path).getroot()
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    for element in (root, suite):
        assert int(element.get("tests")) == len(cases)
        assert int(element.get("failures")) == sum(1 for c in cases if c.find("failure") is not None)
        assert int(element.get("skipped", "0")) == sum(1 for c in cases if c.find("skipped") is not None)
        assert int(element.get("errors")) == sum(1 for c in cases if c.find("error") is not None)
    checks = {c.get("name") for c in cases}
    operations = {c.get("classname") for c in cases}
    assert operations == {"echo.GET /notes", "echo.GET /notes/{id}", "echo.GET /open", "echo.GET /health"}
    assert len(cases) == len(operations) * len(checks) and "not_a_server_error" in checks
    failed = {(c.get("classname"), c.get("name")) for c in cases if c.find("failure") is not None}
    assert {("echo.GET /notes", "not_a_server_error"), ("echo.GET /open", "ignored_auth")} <= failed
    times = [float(c.get("time")) for c in cases]
    assert any(t > 0 for t in times) and sum(times) <= float(suite.get("time")) + 0.01


class GridReader(HTMLParser):
    """The grid cells (operation, status) → (state, link) and the failure anchors in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[tuple[str, str], tuple[str, str]] = {}
        self.anchors: list[str] = []
        self.severities: list[str] = []
        self._row = ""
        self._cell: tuple[str, str] | None = None
        self._in_summary = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-op" in a:
            self._row = a["data-op"]
        elif tag == "td" and "data-status" in a:
            self._cell = (self._row, a["data-status"])
            self.cells[self._cell] = (a["data-state"], "")
        elif tag == "a" and self._cell is not None:
            self.cells[self._cell] = (self.cells[self._cell][0], a["href"])
        elif tag == "details" and a.get("id", "").startswith("f-"):
            self.anchors.append(a["id"])
        elif tag == "summary" and self.anchors and len(self.severities) < len(self.anchors):
            self._in_summary = True

    def handle_endtag(self, tag):
        if tag == "td":
            self._cell = None

    def handle_data(self, data):
        if self._in_summary and data.startswith("["):
            self.severities.append(data[1:data.index("]")])
            self._in_summary = False


def read_grid(page: str) -> GridReader:
    reader = GridReader()
    reader.feed(page)
    return reader


def assert_grid(reader: GridReader) -> None:
    cells = reader.cells
    assert cells[("GET /notes", "200")] == ("missed", "")
    assert cells[("GET /notes", "401")] == ("seen", "")
    state, link = cells[("GET /notes", "undocumented")]  # the 500s
    assert state == "failed" and link.lstrip("#") in reader.anchors
    assert cells[("GET /open", "200")][0] == "failed"
    assert cells[("GET /health", "200")] == ("seen", "")
    assert cells[("GET /health", "202")] == ("missed", "")
    assert cells[("GET /health", "401")] == ("na", "")
    assert reader.severities == sorted(reader.severities, key=SEVERITIES.index) and reader.severities[0] == "critical"


def test_html_report_opens_with_the_grid(full_run):
    _, directory = full_run
    page = (directory / "report.html").read_text()
    assert page.index("<table class=grid") < page.index("<details")
    assert_grid(read_grid(page))


def test_html_grid_in_headless_chromium(full_run):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Chromium is not installed (apt-get install chromium); the grid is checked without a browser above")
    _, directory = full_run
    result = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                             (directory / "report.html").as_uri()], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert_grid(read_grid(result.stdout))


def test_ctrl_c_reports_what_ran_and_exits_130(tmp_path):
    spec = write_spec(tmp_path)
    with BackgroundServer(create_echo_app(TOKEN, delay=0.2)) as slow:
        proc = subprocess.Popen([FLOWMOCK, "contract", "--spec", str(spec), "--base-url", slow.url, "--token", TOKEN,
                                 "--seed", "1", "--max-examples", "3", "--progress-interval", "0.2"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        for line in proc.stderr:
            if " coverage " in line:
                break
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, out + err
    assert "flowmock contract: interrupted; reporting what ran" in err and "Traceback" not in out + err
    assert any(line.startswith("contract INTERRUPTED: ") for line in out.splitlines()), out
    assert re.search(r"contract echo: \d+ request\(s\), \d+ failure\(s\), [\d.]+s, interrupted", out), out
