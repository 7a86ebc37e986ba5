"""Run Schemathesis against a base URL, spec by spec, and yield contract events.

The run is bounded twice: by examples per operation (`max_examples`) and by an overall wall-clock budget
(`max_time`). Schemathesis' own `max_time` is not used on purpose: with it, the fuzzing and stateful phases
repeat until the budget is spent, so the amount of work depends on the machine. Here every phase runs once,
which makes a run with a given `seed` repeatable, and the budget only cuts a run that would take too long.
"""
from __future__ import annotations

import copy
import logging
import random
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts.checks import DEFAULT_CHECKS, PHASES, select_checks, select_phases
from contracts.errors import ContractConfigError
from contracts.events import CheckFailed, ContractEvent, DocumentedOperation, Exchange, RunError, SpecFinished, SpecStarted
from mock_server.errors import SpecLoadError
from mock_server.spec import Spec, load_spec

logger = logging.getLogger(__name__)

SPEC_PLACEHOLDER = "{spec}"
TOKEN_PLACEHOLDER = "$CONTRACT_TOKEN"


@dataclass(frozen=True)
class ContractOptions:
    """Everything one contract run needs; `base_url` may contain `{spec}` (replaced by each spec's name)."""

    specs: tuple[Path, ...]
    base_url: str
    token: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    max_examples: int = 10
    max_time: float | None = 600.0
    seed: int | None = None
    checks: tuple[str, ...] = DEFAULT_CHECKS
    phases: tuple[str, ...] = PHASES
    operations: tuple[str, ...] = ()  # operationIds to test; empty means all
    request_timeout: float = 10.0
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self) -> None:
        if not self.specs:
            raise ContractConfigError("give at least one spec (--spec PATH or --all)")
        if not self.base_url.startswith(("http://", "https://")):
            raise ContractConfigError(f"--base-url must be an http(s) URL, got {self.base_url!r}")
        if self.max_examples < 1:
            raise ContractConfigError(f"--max-examples must be at least 1, got {self.max_examples}")
        if self.max_time is not None and self.max_time <= 0:
            raise ContractConfigError(f"--max-time must be positive, got {self.max_time}")
        select_checks(self.checks)
        select_phases(self.phases)

    def with_seed(self) -> ContractOptions:
        """The same options with a concrete seed (drawn now when none was given), so the run can be repeated."""
        if self.seed is not None:
            return self
        return ContractOptions(**{**self.__dict__, "seed": random.SystemRandom().randrange(1, 2**31)})

    def base_url_for(self, spec_name: str) -> str:
        """The base URL requests of one spec go to."""
        return self.base_url.replace(SPEC_PLACEHOLDER, spec_name).rstrip("/")


def documented_operations(spec: Spec) -> tuple[DocumentedOperation, ...]:
    """The operations of a spec with their documented response keys, labelled like Schemathesis labels them."""
    out = []
    for op in spec.operations:
        responses = op.definition.get("responses") or {}
        out.append(DocumentedOperation(f"{op.method.upper()} {op.path}", op.method.upper(), op.path, op.operation_id,
                                       tuple(str(k) for k in responses)))
    return tuple(out)


def run_contract(options: ContractOptions) -> Iterator[ContractEvent]:
    """Run the contract of every spec in `options`, one after the other, yielding events as they happen."""
    options = options.with_seed()
    deadline = None if options.max_time is None else time.monotonic() + options.max_time
    for path in options.specs:
        yield from _run_spec(path, options, deadline)


def _run_spec(path: Path, options: ContractOptions, deadline: float | None) -> Iterator[ContractEvent]:
    started = time.monotonic()
    try:
        spec = load_spec(Path(path))
    except SpecLoadError as exc:
        name = Path(path).stem
        yield RunError(name, "spec", f"cannot load {exc.path}: {exc.problem} ({exc.place or 'document'})")
        yield SpecFinished(name, 0.0, "error")
        return
    operations = documented_operations(spec)
    if options.operations:
        known = {op.operation_id for op in operations}
        missing = sorted(set(options.operations) - known)
        if missing and not known & set(options.operations):
            raise ContractConfigError(f"{spec.name}: no operation has the operationId(s) {', '.join(missing)}")
        operations = tuple(op for op in operations if op.operation_id in options.operations)
    base_url = options.base_url_for(spec.name)
    assert options.seed is not None
    yield SpecStarted(spec.name, spec.title, str(path), base_url, options.seed, operations, options.checks, options.phases)
    remaining = None if deadline is None else deadline - time.monotonic()
    if remaining is not None and remaining <= 0:
        yield SpecFinished(spec.name, 0.0, "time-limit")
        return
    try:
        schema = _load_schema(spec, options, base_url)
    except Exception as exc:  # noqa: BLE001 - Schemathesis rejects a document: report it, go on with the next
        yield RunError(spec.name, "spec", f"Schemathesis cannot load the spec: {exc}")
        yield SpecFinished(spec.name, time.monotonic() - started, "error")
        return
    yield from _execute(spec.name, schema, options, remaining, started)


def _load_schema(spec: Spec, options: ContractOptions, base_url: str) -> Any:
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.config._cache import CacheConfig

    config = SchemathesisConfig(seed=options.seed, cache=CacheConfig(enabled=False))
    project = config.projects.override
    headers = dict(options.headers)
    if options.token:
        headers["Authorization"] = f"Bearer {options.token}"
    project.update(base_url=base_url, headers=headers or None, workers=1, request_timeout=options.request_timeout)
    project.generation.update(max_examples=options.max_examples, database="none")
    project.phases.update(phases=list(options.phases))
    project.checks.update(included_check_names=list(options.checks))
    schema = schemathesis.openapi.from_dict(copy.deepcopy(spec.doc), config=config)
    if options.operations:
        schema = schema.include(operation_id=list(options.operations))
    return schema


def _execute(spec_name: str, schema: Any, options: ContractOptions, remaining: float | None,
             started: float) -> Iterator[ContractEvent]:
    from schemathesis.engine import events as st
    from schemathesis.engine import from_schema

    stream = from_schema(schema).execute()
    cut = threading.Event()

    def stop() -> None:
        cut.set()
        stream.stop()

    timer = threading.Timer(remaining, stop) if remaining is not None else None
    if timer is not None:
        timer.daemon = True
        timer.start()
    stop_reason = "completed"
    phases_run: list[str] = []
    try:
        for event in stream:
            if isinstance(event, (st.ScenarioFinished, st.FuzzScenarioFinished)):
                phase = str(getattr(event, "phase", "fuzzing"))
                yield from _from_recorder(spec_name, phase, event.recorder, options.token)
            elif isinstance(event, st.PhaseFinished) and event.status.value != "skip":
                if event.phase.name.value in PHASES:
                    phases_run.append(event.phase.name.value)
            elif isinstance(event, st.NonFatalError):
                yield RunError(spec_name, event.label, _mask(event.info.format(base_url_is_set=True), options.token))
            elif isinstance(event, st.FatalError):
                yield RunError(spec_name, "engine", f"Schemathesis stopped: {event.exception!r}")
                stop_reason = "error"
            elif isinstance(event, st.Interrupted):
                stop_reason = "interrupted"
            elif isinstance(event, st.EngineFinished):
                for failure in event.failures:
                    yield CheckFailed(spec_name, failure.operation or "(run)", "after_run", failure.title,
                                      failure.message, failure.severity.value, "run", None, "")
    finally:
        if timer is not None:
            timer.cancel()
    if cut.is_set():
        stop_reason = "time-limit"
    yield SpecFinished(spec_name, time.monotonic() - started, stop_reason, tuple(dict.fromkeys(phases_run)))


def _from_recorder(spec_name: str, phase: str, recorder: Any, token: str | None) -> Iterator[ContractEvent]:
    """Exchanges and failures of one finished Schemathesis scenario."""
    for case_id, interaction in recorder.interactions.items():
        node = recorder.cases.get(case_id)
        label = node.value.operation.label if node is not None else recorder.label
        response = interaction.response
        yield Exchange(spec_name, label, phase, interaction.request.method.upper(), interaction.request.uri,
                       response.status_code if response is not None else None)
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.status.value != "failure" or check.failure_info is None:
                continue
            failure = check.failure_info.failure
            failing_id = failure.case_id or case_id
            node = recorder.cases.get(failing_id) or recorder.cases.get(case_id)
            label = failure.operation or (node.value.operation.label if node is not None else recorder.label)
            interaction = recorder.interactions.get(failing_id)
            response = interaction.response if interaction is not None else None
            steps = tuple(_mask(step.curl, token) for step in check.failure_info.steps)
            yield CheckFailed(spec_name, label, check.name, failure.title, _mask(failure.message, token),
                              failure.severity.value, phase, response.status_code if response is not None else None,
                              _mask(check.failure_info.code_sample, token), steps, _excerpt(response))


def _excerpt(response: Any, limit: int = 1000) -> str:
    if response is None or not response.content:
        return ""
    text = response.content[:limit].decode("utf-8", errors="replace")
    return text + ("…" if len(response.content) > limit else "")


def _mask(text: str, token: str | None) -> str:
    """Never print the token; point at an environment variable instead."""
    if token:
        text = text.replace(token, TOKEN_PLACEHOLDER)
        text = text.replace("'Authorization: [Filtered]'", f'"Authorization: Bearer {TOKEN_PLACEHOLDER}"')
        text = text.replace(f"'Authorization: Bearer {TOKEN_PLACEHOLDER}'", f'"Authorization: Bearer {TOKEN_PLACEHOLDER}"')
    return text
