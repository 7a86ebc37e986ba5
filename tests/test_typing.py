"""The packages type-check (mypy), so a wrong signature fails the suite, not a user."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_mock_server_and_contracts_type_check(tmp_path):
    result = subprocess.run([sys.executable, "-m", "mypy", "mock_server", "contracts", "--cache-dir", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
