"""The distribution carries the specs, the default data set and the admin document, so it works outside the repo."""
from __future__ import annotations

import subprocess
import sys
import zipfile

import httpx
import pytest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_specs_fixtures_and_entry_points(tmp_path):
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                             "-q", "-w", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "BuildBackendWarning" not in result.stderr and "deprecated" not in result.stderr, result.stderr[-2000:]
    wheel = next(tmp_path.glob("flowmock-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for spec in ("workflow-definitions", "workflow-executions", "automation", "workspace-workflows"):
        assert f"flowmock_specs/{spec}.yaml" in names
    assert "mock_server/admin.yaml" in names
    for package in ("mock_server", "contracts"):
        for init in (ROOT / package).rglob("__init__.py"):
            assert str(init.relative_to(ROOT)) in names, f"{init.parent.name} is missing from the wheel"
    assert any(n.startswith("flowmock_fixtures/default/") and n.endswith(".yaml") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "flowmock = mock_server.cli:main" in text and "contracts.pytest_plugin" in text


def test_the_installed_package_serves_from_any_directory(tmp_path):
    code = ("from mock_server.loading.spec import bundled_spec_paths; from mock_server.cli import build_parser, config_from_args;"
            "c = config_from_args(build_parser().parse_args(['serve'])); "
            "print(len(bundled_spec_paths()), c.fixtures_dir is not None and c.fixtures_dir.is_dir())")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["4", "True"], result.stderr


def test_make_serve_prints_the_banner_and_nothing_else():
    import os
    import signal

    stamp, pyproject = ROOT / ".venv" / ".flowmock-installed", ROOT / "pyproject.toml"
    if not stamp.exists() or stamp.stat().st_mtime < pyproject.stat().st_mtime:
        pytest.skip("make would reinstall first (run `make install`)")
    proc = subprocess.Popen(["make", "--no-print-directory", "serve", "PORT=0"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    assert proc.stdout is not None
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if "inspector:" in line:
                break
        url = lines[-1].split("inspector:", 1)[1].split()[0]
        assert httpx.get(url.removesuffix("__flowmock/"), timeout=60).status_code == 200  # serving, not still starting
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            rest = proc.communicate(timeout=60)[0]
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    assert lines[0].startswith("flowmock serving 4 API(s) on http://127.0.0.1:"), lines
    assert lines[-1].strip().startswith("inspector: http://127.0.0.1:")
    assert "Traceback" not in rest and "make:" not in rest, rest
