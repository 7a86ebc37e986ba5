"""pytest plugin (entry point `flowmock`): a flowmock server fixture, and the contract as pytest tests.

Fixtures:
    flowmock_config   the ServerConfig of `flowmock_server`; override it in a conftest.py, or put
                      `@pytest.mark.flowmock(seed=3, strict_responses=True, ...)` on a test: the fields are the
                      options of `flowmock serve` with `_` for `-` (spec, fixtures, empty, no_auth, accept_tokens, ...).
    flowmock_server   an in-process flowmock on a free 127.0.0.1 port, one per distinct config per session,
                      reset (store and journal) before every test. `.url`, `.api_url(spec)`, `.journal(...)`,
                      `.reset()`, `.app`. When a test that used it fails, its report shows the requests the
                      mock received during the test and what it answered, with the first 500 characters of each body.

Options:
    --contract-url URL    add one test per documented operation that fails when the contract run against URL
                          finds a failure on it (plus one test per spec for run errors), marked `contract`
                          (`pytest --contract-url URL -m contract` runs only them). `--contract-spec PATH`
                          (repeatable; default every bundled spec), `--contract-token`, `--contract-max-examples`,
                          `--contract-max-time`, `--contract-seed`, `--contract-phases`, `--contract-exclude-checks`,
                          `--contract-fail-on-uncovered` (an operation's test fails when a documented 2xx was never seen).
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts.checks import select_checks, select_phases
from contracts.errors import ContractFailed
from contracts.report import failure_lines, format_statuses
from contracts.runner import ContractOptions, documented_operations, run_contract
from contracts.secrets import TOKEN_PLACEHOLDER
from contracts.summary import ContractSummary, SpecSummary
from mock_server.config import ServerConfig

MARKER = "flowmock"
CONTRACT_MARKER = "contract"


# ---- the server fixture ----
class FlowmockServer:
    """A running flowmock as tests see it."""

    def __init__(self, app: Any, background: Any, config: ServerConfig) -> None:
        self.app = app
        self.config = config
        self._background = background
        self.url: str = background.url
        self._admin = {"X-Flowmock-Admin-Token": config.admin_token} if config.admin_token else {}

    def api_url(self, spec: str) -> str:
        """The base URL of one served spec under its own prefix, e.g. `<url>/workspace-workflows`."""
        return f"{self.url}/{spec}"

    def reset(self) -> None:
        """Return the state to the loaded fixtures and clear the journal (through the admin API)."""
        httpx.post(f"{self.url}/__flowmock/reset", headers=self._admin, timeout=10).raise_for_status()

    def journal(self, operation: str | None = None, status: int | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """The requests the server answered, oldest first; `operation` is an operationId or `api:operationId`."""
        params = {k: v for k, v in (("operation", operation), ("status", status), ("limit", limit)) if v is not None}
        response = httpx.get(f"{self.url}/__flowmock/journal", params=params, headers=self._admin, timeout=10)
        response.raise_for_status()
        return list(response.json())

    def stop(self) -> None:
        """Stop the server thread."""
        self._background.stop()


class _ServerPool:
    """One server per distinct ServerConfig, for the whole session."""

    def __init__(self) -> None:
        self._servers: dict[ServerConfig, FlowmockServer] = {}

    def get(self, config: ServerConfig) -> FlowmockServer:
        server = self._servers.get(config)
        if server is None:
            from mock_server.app import create_app
            from mock_server.server import BackgroundServer

            app = create_app(config)
            background = BackgroundServer(app.asgi, host="127.0.0.1", lifespan="on").start()
            server = self._servers[config] = FlowmockServer(app, background, config)
        return server

    def close(self) -> None:
        for server in self._servers.values():
            server.stop()
        self._servers.clear()


@pytest.fixture
def flowmock_config() -> ServerConfig:
    """The config `flowmock_server` starts from: every bundled spec, seed 0. Override it to change that."""
    return ServerConfig(seed=0)


@pytest.fixture(scope="session")
def flowmock_server_pool() -> Iterator[_ServerPool]:
    """The session's flowmock servers, stopped at the end."""
    pool = _ServerPool()
    yield pool
    pool.close()


@pytest.fixture
def flowmock_server(request: pytest.FixtureRequest, flowmock_config: ServerConfig,
                    flowmock_server_pool: _ServerPool) -> FlowmockServer:
    """A flowmock on a free port, reset before the test; `@pytest.mark.flowmock(**fields)` tweaks its config."""
    config = flowmock_config
    for marker in reversed(list(request.node.iter_markers(MARKER))):  # closest marker applied last
        config = dataclasses.replace(config, **_marker_fields(marker))
    server = flowmock_server_pool.get(config)
    server.reset()
    return server


# ServerConfig names people reach for, and the option name the marker takes instead
_RENAMED = {"specs": "spec", "fixtures_dir": "fixtures", "auth": "no_auth", "cors_origins": "cors_origin",
            "latency_ms": "latency"}


def _marker_fields(marker: pytest.Mark) -> dict[str, Any]:
    """The ServerConfig fields a `@pytest.mark.flowmock(...)` changes; its keywords are `flowmock serve` option names."""
    from mock_server.cli import config_from_args, serve_parser
    from mock_server.errors import MockServerError

    if marker.args:
        raise pytest.UsageError("@pytest.mark.flowmock takes keyword arguments only (the options of `flowmock serve`)")
    parser = serve_parser()
    actions = {a.dest: a for a in parser._actions if a.option_strings and a.dest not in ("help", "log_level", "quiet", "host", "port")}
    unknown = sorted(set(marker.kwargs) - set(actions))
    if unknown:
        hints = "".join(f"; {name} is {_RENAMED[name]}=" for name in unknown if name in _RENAMED)
        raise pytest.UsageError(f"@pytest.mark.flowmock: unknown option(s) {', '.join(unknown)}{hints}; "
                                f"known: {', '.join(sorted(actions))}")
    defaults = parser.parse_args([])
    marked = argparse.Namespace(**vars(defaults))
    for name, value in marker.kwargs.items():
        setattr(marked, name, _as_option_value(actions[name], value))
    try:
        before, after = config_from_args(defaults), config_from_args(marked)
    except MockServerError as exc:
        raise pytest.UsageError(f"@pytest.mark.flowmock: {exc}") from None
    return {f.name: getattr(after, f.name) for f in dataclasses.fields(ServerConfig)
            if getattr(after, f.name) != getattr(before, f.name)}


def _as_option_value(action: argparse.Action, value: Any) -> Any:
    """A Python value as the parsed option would hold it: lists for repeatable options, strings joined, types applied."""
    if isinstance(value, datetime):
        value = value.isoformat()
    if isinstance(action, argparse._AppendAction):
        values = list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]
        return [action.type(v) if action.type and isinstance(v, str) else v for v in values]  # type: ignore[operator]
    if isinstance(value, (list, tuple, set, frozenset)):
        value = ",".join(str(v) for v in value)  # e.g. accept_tokens=["a", "b"]
    if action.type is not None and isinstance(value, str):
        return action.type(value)  # type: ignore[operator]
    return value


_EXCERPT = 500  # characters of each body shown in a failure report


def _journal_text(server: FlowmockServer, limit: int = 50) -> str:
    """The requests the mock received during a test and what it answered, oldest first, with body excerpts (from the journal)."""
    from mock_server.request_path.traffic import error_lines, request_line

    entries = server.app.journal.query()
    if not entries:
        return "the mock received no request during this test"
    lines = [] if len(entries) <= limit else [f"... {len(entries) - limit} earlier request(s) left out"]
    for entry in entries[-limit:]:
        lines.append(request_line(entry))
        lines += error_lines(entry)
        for label, side in (("sent", entry.request), ("answered", entry.response)):
            if side.body:
                lines.append(f"    {label}: {_excerpt(side.body, side.size, side.truncated)}")
    return "\n".join(lines)


def _excerpt(body: str, size: int, truncated: bool) -> str:
    """A journaled body on one line, cut at `_EXCERPT` characters (saying how big it really was)."""
    text = " ".join(body.split())
    if len(text) <= _EXCERPT and not truncated:
        return text
    return f"{text[:_EXCERPT]} … ({size} bytes)"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """On a failed test that used `flowmock_server`, add what the mock received and answered to its report."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when != "call" or not report.failed:
        return
    server = getattr(item, "funcargs", {}).get("flowmock_server")
    if isinstance(server, FlowmockServer):
        report.sections.append(("flowmock: requests the mock received", _journal_text(server)))


# ---- options and the contract tests ----
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("flowmock", "flowmock contract")
    group.addoption("--contract-url", help="run the specs' contract against this base URL as tests "
                                           "('{spec}' is replaced by each spec's name)")
    group.addoption("--contract-spec", action="append", default=[], help="spec to check (repeatable; default: every bundled spec)")
    group.addoption("--contract-token", default=os.environ.get(TOKEN_PLACEHOLDER.lstrip("$")),
                    help="bearer token for the contract requests (default: $CONTRACT_TOKEN)")
    group.addoption("--contract-max-examples", type=int, default=10, help="examples per operation and phase")
    group.addoption("--contract-max-time", type=float, default=600.0, help="overall time budget, seconds")
    group.addoption("--contract-seed", type=int, default=None, help="seed for a repeatable contract run")
    group.addoption("--contract-phases", default="examples,coverage,fuzzing,stateful", help="phases to run")
    group.addoption("--contract-exclude-checks", default="", help="comma-separated checks to leave out")
    group.addoption("--contract-fail-on-uncovered", action="store_true",
                    help="fail an operation's contract test when one of its documented success statuses was never seen")


# Import-time deprecation warnings of libraries flowmock runs on, which a user's project can do nothing about
THIRD_PARTY_WARNINGS = (
    "ignore::DeprecationWarning:connexion",
    "ignore:Using `httpx` with `starlette.testclient` is deprecated:UserWarning",
)


def pytest_configure(config: pytest.Config) -> None:
    for line in THIRD_PARTY_WARNINGS:
        config.addinivalue_line("filterwarnings", line)
    config.addinivalue_line("markers", f"{MARKER}(**fields): ServerConfig fields for the flowmock_server fixture")
    config.addinivalue_line("markers", f"{CONTRACT_MARKER}: a test added by --contract-url (select them with -m contract)")


class _ContractRun:
    """Runs each spec's contract once, on first use, and keeps its summary for the tests of that spec."""

    def __init__(self, options: ContractOptions, fail_on_uncovered: bool = False) -> None:
        self.options = options.with_seed()
        self.fail_on_uncovered = fail_on_uncovered
        self.deadline = None if options.max_time is None else time.monotonic() + options.max_time
        self._summaries: dict[Path, SpecSummary] = {}

    def spec_summary(self, path: Path, name: str) -> SpecSummary:
        if path not in self._summaries:
            left = None if self.deadline is None else max(self.deadline - time.monotonic(), 0.001)
            options = dataclasses.replace(self.options, specs=(path,), max_time=left)
            summary = ContractSummary.from_events(run_contract(options))
            self._summaries[path] = summary.specs.get(name) or next(iter(summary.specs.values()))
        return self._summaries[path]


class ContractItem(pytest.Item):
    """One documented operation's share of the contract (or, with `label=None`, a spec's run errors)."""

    def __init__(self, *, run: _ContractRun, spec_path: Path, spec_name: str, label: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.run, self.spec_path, self.spec_name, self.label = run, spec_path, spec_name, label
        self.add_marker(CONTRACT_MARKER)

    def runtest(self) -> None:
        spec = self.run.spec_summary(self.spec_path, self.spec_name)
        if self.label is None:
            problems = [f"{e.label}: {e.message}" for e in spec.errors]
            if spec.finished is not None and spec.finished.stop_reason == "time-limit":
                problems.append("the time budget (--contract-max-time) cut the run short")
            if problems:
                raise ContractFailed("\n\n".join(problems))
            return
        groups = [g for (label, _), g in spec.failures.items() if label == self.label]
        if groups:
            lines = [f"seed {self.run.options.seed}"]
            for group in groups:
                lines += [""] + failure_lines(group)
            raise ContractFailed("\n".join(lines))
        stats = spec.operations.get(self.label)
        missed = [key for label, key in spec.coverage.uncovered_success if label == self.label]
        if self.run.fail_on_uncovered and missed:
            raise ContractFailed(f"documented success status(es) never seen: {', '.join(missed)} "
                                 f"(statuses seen: {format_statuses(stats) if stats else '-'}; seed {self.run.options.seed})")
        if stats is None or not stats.statuses:
            pytest.skip("never exercised: no request to this operation got an answer")
        self.user_properties.append(("statuses", format_statuses(stats)))

    def repr_failure(self, excinfo: Any, style: Any = None) -> Any:
        if isinstance(excinfo.value, ContractFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, self.name


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    url = config.getoption("contract_url")
    if not url:
        return
    from mock_server.loading.spec import bundled_spec_paths, load_spec

    paths = [Path(p) for p in config.getoption("contract_spec")] or bundled_spec_paths()
    options = ContractOptions(
        specs=tuple(paths), base_url=url, token=config.getoption("contract_token") or None,
        max_examples=config.getoption("contract_max_examples"), max_time=config.getoption("contract_max_time"),
        seed=config.getoption("contract_seed"), phases=select_phases(config.getoption("contract_phases").split(",")),
        checks=select_checks(None, config.getoption("contract_exclude_checks").split(",")),
    )
    run = _ContractRun(options, config.getoption("contract_fail_on_uncovered"))
    for path in paths:
        spec = load_spec(path)
        items.append(ContractItem.from_parent(session, name=f"contract[{spec.name}::run]", run=run, spec_path=path,
                                              spec_name=spec.name, label=None))
        for op in documented_operations(spec):
            items.append(ContractItem.from_parent(session, name=f"contract[{spec.name}::{op.label}]", run=run,
                                                  spec_path=path, spec_name=spec.name, label=op.label))
