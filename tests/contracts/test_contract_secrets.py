"""The contract token never appears in what a run prints or writes, and never eats letters of ordinary words."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from mock_server.server import BackgroundServer
from tests.contracts.echo_app import create_echo_app, write_spec
from tests.serve_process import FLOWMOCK

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEiLCJyb2xlIjoiYWRtaW4ifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
CREDENTIAL_CHAR = r"[A-Za-z0-9._~+/=-]"


def run_contract_cli(tmp_path: Path, token: str, report: str) -> dict[str, str]:
    """Run `flowmock contract` against the echo app; what it printed and wrote, by name."""
    spec = write_spec(tmp_path)
    with BackgroundServer(create_echo_app(token)) as backend:
        result = subprocess.run([FLOWMOCK, "contract", "--spec", str(spec), "--base-url", backend.url, "--token", token,
                                 "--phases", "examples,coverage,fuzzing", "--max-examples", "3", "--seed", "1",
                                 "--report", str(tmp_path / report), "--junit", str(tmp_path / "junit.xml")],
                                capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    return {"stdout": result.stdout + result.stderr, report: (tmp_path / report).read_text(),
            "junit": (tmp_path / "junit.xml").read_text()}


def whole(token: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!{CREDENTIAL_CHAR})(?<![A-Za-z]'){re.escape(token)}(?!{CREDENTIAL_CHAR})")


def reproduction(markdown: str, operation: str, check: str) -> str:
    """The ```sh block under the Markdown failure heading of one operation and check."""
    start = markdown.index(f"`{operation}` — `{check}`")
    block = markdown[start:].split("```sh\n", 1)[1]
    return block.split("```", 1)[0]


def test_a_one_letter_token_is_masked_as_a_whole_value_only(tmp_path):
    outputs = run_contract_cli(tmp_path, "t", "report.md")
    for name, text in outputs.items():
        assert not whole("t").search(text.replace("$CONTRACT_TOKEN", "")), (name, whole("t").search(text))
        for word in ("contract", "not_a_server_error", "status_code_conformance", "GET /notes"):
            assert word in text, (name, word)
        assert re.findall(r".{7}\$CONTRACT_TOKEN", text), name
        before = set(re.findall(r"(.{7})\$CONTRACT_TOKEN", text)) - {"n from "}  # "read the token from $CONTRACT_TOKEN"
        assert before == {"Bearer "}, (name, before)
    assert '"authorization": "Bearer $CONTRACT_TOKEN"' in outputs["report.md"]  # the echoed body, masked


@pytest.fixture(scope="module")
def jwt_outputs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("jwt")
    outputs = run_contract_cli(directory, JWT, "report.md")
    outputs.update({k: v for k, v in run_contract_cli(directory, JWT, "report.html").items() if k == "report.html"})
    return outputs


def test_a_jwt_echoed_by_the_backend_never_reaches_a_report(jwt_outputs):
    assert set(jwt_outputs) == {"stdout", "report.md", "report.html", "junit"}
    for name, text in jwt_outputs.items():
        for part in JWT.split("."):
            assert part not in text, name
        assert "Bearer $CONTRACT_TOKEN" in text, name


def test_an_ignored_auth_reproduction_shows_the_credential_actually_sent(jwt_outputs):
    markdown = jwt_outputs["report.md"]
    without = reproduction(markdown, "GET /open", "ignored_auth")
    assert "Authorization" not in without and without.strip().startswith("curl -X GET") and without.strip().endswith("/open")
    invalid = reproduction(markdown, "GET /notes/{id}", "ignored_auth")
    sent = re.search(r"Authorization: Bearer ([^'\"]+)", invalid)
    assert sent and sent.group(1) != "$CONTRACT_TOKEN", invalid
    assert reproduction(markdown, "GET /notes", "not_a_server_error").count('-H "Authorization: Bearer $CONTRACT_TOKEN"') == 1
