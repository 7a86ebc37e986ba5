"""The real-world smoke on a small fixed subset: public example documents load, answer no 5xx and keep their schema."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.real_world import FetchError, fetch, registry_reachable

ROOT = Path(__file__).resolve().parents[2]
SUBSET = ("examples/3.1/petstore", "examples/3.0/uspto")  # a 3.1 CRUD document and a 3.0 one with a root list


@pytest.fixture(scope="module")
def examples() -> Path:
    """The unpacked `@readme/oas-examples` package (250 kB), fetched once into the git-ignored cache."""
    try:
        return fetch("examples")
    except FetchError as exc:
        if not registry_reachable():
            pytest.skip(f"the npm registry cannot be reached, so the public example documents cannot be fetched: {exc}")
        raise


def test_public_example_documents_load_and_answer_within_their_own_schema(examples):
    assert (examples / "3.1" / "json" / "petstore.json").is_file()
    result = subprocess.run([sys.executable, "benchmarks/real_world.py", "--packages", "examples", "--examples", "100",
                             "--only", ",".join(SUBSET), "--max-time", "3"],
                            cwd=ROOT, capture_output=True, text=True, timeout=170)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    rows = {line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:-1]]
            for line in result.stdout.splitlines() if line.startswith("| examples/")}
    assert set(rows) == set(SUBSET), result.stdout
    for name, (_kb, ops, loaded, startup, _rss, _peak, requests, server_errors, schema_breaks, _errors, _other) in rows.items():
        assert loaded == "yes" and int(ops) > 0, f"{name}: {loaded}"
        assert float(startup) > 0 and int(requests) > 0, f"{name}: no request was answered"
        assert int(server_errors) == 0, f"{name}: {server_errors} 5xx"
        assert int(schema_breaks) == 0, f"{name}: {schema_breaks} success responses break the document's own schema"
