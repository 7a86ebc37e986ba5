"""The `flowmock` command: bad specs give one short paragraph and exit code 2, never a traceback."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def run_serve(spec: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mock_server.cli", "serve", "--spec", str(spec), "--port", "0"],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, ["missing.yaml", "file not found"]),
        ("openapi: 3.0.3\ninfo: {title: t\n  version: 1\n", ["broken.yaml", "line ", "YAML syntax error"]),
        ("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      responses: 12\n",
         ["broken.yaml", "paths./x.get.responses", "must map status codes to responses, found 12"]),
        ("just: a mapping\n", ["broken.yaml", "not an OpenAPI 3 document"]),
    ],
    ids=["missing-file", "yaml-syntax", "invalid-openapi", "not-openapi"],
)
def test_bad_spec_is_reported_in_one_paragraph_with_exit_code_2(tmp_path, content, expected):
    spec = tmp_path / ("missing.yaml" if content is None else "broken.yaml")
    if content is not None:
        spec.write_text(content)
    result = run_serve(spec)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    for fragment in expected:
        assert fragment in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) <= 4
