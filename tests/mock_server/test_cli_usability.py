"""`flowmock` as a user meets it: one clear message for every mistake, a banner that shows how to start, a line per request."""
from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess

import httpx
import pytest

from mock_server.recording.cassette import Cassette, Interaction, Request, Response, write_cassette
from tests.serve_process import FLOWMOCK, ServeProcess


def flowmock(*args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS=str(columns))
    return subprocess.run([FLOWMOCK, *args], capture_output=True, text=True, timeout=120, env=env)


def assert_one_clear_message(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) <= 3, result.stderr


@pytest.fixture
def served():
    started: list[ServeProcess] = []

    def start(*args: str) -> ServeProcess:
        process = ServeProcess(*args).start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


def test_a_port_in_use_is_one_message_and_no_banner():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = flowmock("serve", "--port", str(port))
    assert_one_clear_message(result, f"port {port} on 127.0.0.1 is already in use", "--port 0")
    assert result.returncode == 2
    assert "flowmock serving" not in result.stdout


@pytest.mark.parametrize(("argv", "fragments"), [
    (["serve", "--log-level", "foo"], ["--log-level", "must be one of critical, error, warning, info, debug", "'foo'"]),
    (["serve", "--port", "70000"], ["--port", "from 0 to 65535"]),
    (["serve", "--port", "http"], ["--port", "'http'"]),
    (["serve", "--fail-rate", "2"], ["--fail-rate must be between 0 and 1"]),
    (["serve", "--latency", "fast"], ["--latency must look like 50-200"]),
    (["serve", "--fixtures", "/no/such/dir"], ["--fixtures /no/such/dir: no such directory"]),
    (["serve", "--host", "no-such-host.invalid"], ["--host 'no-such-host.invalid'"]),
    (["contract", "--all", "--base-url", "ftp://x"], ["--base-url must be an http(s) URL"]),
    (["fixtures", "verify", "/no/such/cassette.yaml"], ["/no/such/cassette.yaml"]),
], ids=["log-level", "port-range", "port-word", "fail-rate", "latency", "fixtures-dir", "host", "contract-url", "missing-cassette"])
def test_every_mistake_is_one_message_and_a_non_zero_exit(argv, fragments):
    assert_one_clear_message(flowmock(*argv), *fragments)


def test_version():
    result = flowmock("--version")
    assert result.returncode == 0
    assert re.fullmatch(r"flowmock \d+\.\d+\.\d+\S*", result.stdout.strip())


def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path):
    cassette = tmp_path / "traffic.yaml"
    write_cassette(Cassette([Interaction(Request("GET", f"http://127.0.0.1:1/nowhere/{i}"), Response(200))
                             for i in range(50)]), cassette)
    proc = subprocess.Popen([FLOWMOCK, "fixtures", "verify", str(cassette)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `| head` exiting before flowmock writes
    stderr = proc.stderr.read().decode()
    assert proc.wait(60) != 0
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr


def test_every_option_of_every_command_has_help_and_shows_its_default():
    from mock_server.cli import build_parser
    from mock_server.help_format import all_parsers

    for parser in all_parsers(build_parser()):
        for action in parser._actions:
            if not action.option_strings or action.dest in ("help", "version"):
                continue
            assert action.help, f"{parser.prog} {action.option_strings[0]} has no help"
            shows = "default" in action.help.lower() or action.default in (None, False, [], "")
            assert shows or "%(default)" in parser._get_formatter()._get_help_string(action), (parser.prog, action.dest)
    help_text = flowmock("serve", "--help").stdout
    assert "--port PORT" in help_text and "(default: 4010)" in help_text
    assert re.search(r"--log-level LEVEL\s+one of critical, error, warning, info, debug;[^()]*\(default: info\)",
                     " ".join(help_text.split()))


def test_the_checks_help_never_splits_a_name():
    from contracts.checks import KNOWN_CHECKS

    for columns in (60, 80, 120):
        text = flowmock("contract", "--help", columns=columns).stdout
        words = set(re.findall(r"[a-z_]+", text))
        for name in KNOWN_CHECKS:
            assert name in words, (columns, name)


def test_port_0_banner_shows_the_real_port_and_ends_with_a_working_example(served):
    server = served()
    port = int(server.url.rsplit(":", 1)[1])
    assert port != 0
    banner = server.seen
    assert banner[0].startswith(f"flowmock serving 4 API(s) on http://127.0.0.1:{port}")
    curl = next(line for line in banner if line.strip().startswith("curl "))
    assert banner[-3:] == [curl, banner[-2], banner[-1]]
    assert "any bearer token" in banner[-2] and banner[-1].strip().startswith(f"inspector: {server.url}/__flowmock/")
    words = shlex.split(curl)
    header = words[words.index("-H") + 1]
    name, value = header.split(": ", 1)
    answer = httpx.get(words[-1], headers={name: value}, timeout=30)
    assert answer.status_code == 200, answer.text
    code, stderr = server.stop()
    assert code == 0 and "Traceback" not in stderr


def test_the_banner_asks_for_an_accepted_token_without_printing_it(served):
    server = served("--accept-tokens", "s3cret-one,s3cret-two")
    text = "\n".join(server.seen)
    assert "s3cret" not in text
    assert '-H "Authorization: Bearer $FLOWMOCK_TOKEN"' in text and "export FLOWMOCK_TOKEN" in text


def test_one_line_per_request_with_validation_errors_and_no_credentials(served):
    server = served()
    token = "tok-9f8e7d6c5b4a"
    headers = {"Authorization": f"Bearer {token}", "Cookie": f"session={token}x"}
    httpx.get(f"{server.url}/v1/automation/flows?limit=2&api_key=k3y-value", headers=headers, timeout=30)
    line = server.wait_for("GET /v1/automation/flows")
    assert re.fullmatch(r"GET /v1/automation/flows\?limit=2&api_key=REDACTED → 200 searchFlows \d+\.\d ms", line), line
    httpx.post(f"{server.url}/v1/automation/flows", json={"flow_name": 5}, headers=headers, timeout=30)
    refused = server.wait_for("POST /v1/automation/flows")
    assert re.fullmatch(r"POST /v1/automation/flows → 400 createFlow \d+\.\d ms", refused), refused
    detail = server.wait_for("flow_name")
    assert detail.startswith("    ✗ body flow_name: ") and "string" in detail
    httpx.get(f"{server.url}/no/such/path", timeout=30)
    assert re.fullmatch(r"GET /no/such/path → 404 \(no operation\) \d+\.\d ms", server.wait_for("/no/such/path"))
    code, stderr = server.stop()
    output = "\n".join(server.seen) + stderr
    assert token not in output and "k3y-value" not in output


def test_quiet_prints_no_request_lines(served):
    server = served("--quiet")
    httpx.get(f"{server.url}/v1/automation/flows", headers={"Authorization": "Bearer t"}, timeout=30)
    httpx.get(f"{server.url}/no/such/path", timeout=30)
    code, stderr = server.stop()
    assert code == 0 and "Traceback" not in stderr
    assert not [line for line in server.rest() if "→" in line]


def test_record_refuses_a_port_in_use_before_its_banner(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = flowmock("record", "--upstream", "http://127.0.0.1:9", "--out", str(tmp_path / "c.yaml"), "--port", str(port))
    assert_one_clear_message(result, f"port {port} on 127.0.0.1 is already in use")
    assert result.stdout == "" and not (tmp_path / "c.yaml").exists()
