"""The README's set-up commands and its pytest example are real."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_opens_with_exactly_the_two_setup_commands():
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["make serve", "make test"]
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("make test")


def test_readme_pytest_plugin_example_passes(tmp_path):
    example = README.split("### pytest plugin", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    (tmp_path / "test_example.py").write_text(example)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", str(tmp_path)],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "2 passed" in result.stdout


def test_readme_names_the_bundled_worlds_workspace():
    import re

    workspace = re.search(r"workspace\s+`([0-9a-f-]{36})`", README).group(1)
    fixture = next((ROOT / "fixtures" / "default").glob("workspace-workflows__*.yaml")).read_text()
    assert f"workspace_uuid: {workspace}" in fixture
