"""Run Schemathesis against a base URL, spec by spec, and yield contract events.

A run is bounded twice: by examples per operation and phase (`max_examples`) and by an overall wall-clock
budget (`max_time`). The budget goes to Schemathesis, which uses it to give each phase a share (the coverage
phase, which enumerates boundary values and ignores `max_examples`, gets at most a third of what is left so
fuzzing and stateful testing still run). Left alone, Schemathesis would then repeat fuzzing and stateful
testing until the budget is spent; the runner stops it after the first round instead, so the work done does
not depend on the machine and a run with a given `seed` sends the same requests, as long as no phase used up
its share (the `SpecFinished.notes` say when one did).
"""
from __future__ import annotations

import copy
import logging
import math
import random
import re
import threading
import time
from datetime import datetime, timezone
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts.checks import DEFAULT_CHECKS, PHASES, deletes, register_custom_checks, select_checks, select_phases
from contracts.errors import ContractConfigError
from contracts.events import (
    CheckFailed,
    ContractEvent,
    DocumentedOperation,
    Exchange,
    PhaseBegan,
    RunError,
    ScenarioDone,
    SpecFinished,
    SpecStarted,
)
from contracts.secrets import curl_of, mask
from mock_server.errors import SpecLoadError
from mock_server.loading.spec import Spec, load_spec

logger = logging.getLogger(__name__)

SPEC_PLACEHOLDER = "{spec}"
ROUND_PHASES = ("fuzzing", "stateful")  # the phases Schemathesis repeats while budget is left
HARD_STOP_GRACE = 30.0


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

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values of credential headers given with -H (masked like the token)."""
        from mock_server.recording.cassette import DEFAULT_REDACT_HEADERS

        return tuple(value for name, value in self.headers if name.lower() in DEFAULT_REDACT_HEADERS and value)

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


def run_contract(options: ContractOptions, cancel: threading.Event | None = None) -> Iterator[ContractEvent]:
    """Run the contract of every spec in `options`, one after the other, yielding events as they happen.

    Setting `cancel` (e.g. on Ctrl+C) ends the run after the step in progress, with stop reason `interrupted`.
    """
    cancel = cancel or threading.Event()
    options = options.with_seed()
    deadline = None if options.max_time is None else time.monotonic() + options.max_time
    for path in options.specs:
        if cancel.is_set():
            return
        yield from _run_spec(path, options, deadline, cancel)


def _run_spec(path: Path, options: ContractOptions, deadline: float | None, cancel: threading.Event) -> Iterator[ContractEvent]:
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
        if not known & set(options.operations):
            if len(options.specs) == 1:
                raise ContractConfigError(f"{spec.name}: no operation has the operationId(s) "
                                          f"{', '.join(sorted(options.operations))}")
            return  # --operation names operations of the other specs only
        operations = tuple(op for op in operations if op.operation_id in options.operations)
    base_url = options.base_url_for(spec.name)
    if options.seed is None:
        raise ContractConfigError("a contract run needs a seed: call ContractOptions.with_seed() first")
    yield SpecStarted(spec.name, spec.title, str(path), base_url, options.seed, operations, options.checks, options.phases,
                      datetime.now(timezone.utc).isoformat(timespec="seconds"))
    remaining = None if deadline is None else deadline - time.monotonic()
    if remaining is not None and remaining <= 0:
        yield SpecFinished(spec.name, 0.0, "time-limit")
        return
    try:
        schema = _load_schema(spec, options, base_url, remaining)
    except Exception as exc:  # noqa: BLE001 - Schemathesis rejects a document: report it, go on with the next
        yield RunError(spec.name, "spec", f"Schemathesis cannot load the spec: {exc}")
        yield SpecFinished(spec.name, time.monotonic() - started, "error")
        return
    soft_deletes = frozenset(f"DELETE {op.path}" for op in spec.operations
                             if op.method == "delete" and not deletes(op.definition))
    yield from _execute(spec.name, schema, options, remaining, started, soft_deletes, cancel)


def _load_schema(spec: Spec, options: ContractOptions, base_url: str, remaining: float | None) -> Any:
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.config._cache import CacheConfig

    register_custom_checks()
    budget = None if remaining is None else max(1, math.ceil(remaining))
    config = SchemathesisConfig(seed=options.seed, cache=CacheConfig(enabled=False), max_time=budget)
    project = config.projects.override
    headers = dict(options.headers)
    if options.token:
        headers["Authorization"] = f"Bearer {options.token}"
    project.update(base_url=base_url, headers=headers or None, workers=1, request_timeout=options.request_timeout)
    project.generation.update(max_examples=options.max_examples, database="none")
    project.phases.update(phases=list(options.phases))
    project.checks.update(included_check_names=list(options.checks))
    schema: Any = schemathesis.openapi.from_dict(copy.deepcopy(spec.doc), config=config)
    if options.operations:
        schema = schema.include(operation_id=list(options.operations))
    schema.config.operations.operations.extend(_state_refusals(spec))  # after the filters: settings, not a selection
    return schema


def _state_refusals(spec: Spec) -> list[Any]:
    """Per-operation settings from `x-flowmock-state-refusals: [400]`: statuses a schema-valid request may get because
    of the state (a delete refused while children exist), which `positive_data_acceptance` then accepts."""
    from schemathesis.config._checks import POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES
    from schemathesis.config._operations import OperationConfig

    found = []
    for op in spec.operations:
        refusals = op.extension("state-refusals")
        if isinstance(refusals, list) and refusals:
            expected = [*POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES, *(str(status) for status in refusals)]
            found.append(OperationConfig.from_dict({"include-operation-id": op.operation_id, "checks": {
                "positive_data_acceptance": {"expected-statuses": expected}}}))
    return found


def _execute(spec_name: str, schema: Any, options: ContractOptions, remaining: float | None,
             started: float, soft_deletes: frozenset[str], cancel: threading.Event) -> Iterator[ContractEvent]:
    from schemathesis.engine import events as st
    from schemathesis.engine import from_schema

    stream = from_schema(schema).execute()

    def hide(text: str) -> str:
        return mask(text, options.token, options.secrets)
    cut, round_done = threading.Event(), threading.Event()
    last_round_phase = next((p for p in reversed(options.phases) if p in ROUND_PHASES), None)

    def stop() -> None:
        cut.set()
        stream.stop()

    # Schemathesis keeps to the budget itself; this timer is the backstop for a request that hangs.
    timer = threading.Timer(remaining + HARD_STOP_GRACE, stop) if remaining is not None else None
    if timer is not None:
        timer.daemon = True
        timer.start()
    stop_reason = "completed"
    phases_run: list[str] = []
    skipped: dict[str, int] = {}
    try:
        for event in stream:
            if cancel.is_set() and stop_reason != "interrupted":
                stop_reason = "interrupted"
                stream.stop()
            if isinstance(event, (st.ScenarioFinished, st.FuzzScenarioFinished)):
                phase = str(getattr(event, "phase", "fuzzing"))
                if getattr(event, "skip_reason", None) == "Time limit reached":
                    skipped[phase] = skipped.get(phase, 0) + 1
                yield from _from_recorder(spec_name, phase, event.recorder, hide, soft_deletes)
                yield ScenarioDone(spec_name, phase, str(event.recorder.label), float(event.elapsed_time))
            elif isinstance(event, st.PhaseStarted):
                if event.phase.name.value in PHASES:
                    yield PhaseBegan(spec_name, event.phase.name.value)
            elif isinstance(event, st.PhaseFinished):
                name = event.phase.name.value
                if event.status.value != "skip" and name in PHASES and name not in phases_run:
                    phases_run.append(name)
                if name == last_round_phase and not round_done.is_set():
                    round_done.set()  # one round of fuzzing and stateful testing, not as many as the budget allows
                    stream.stop()
            elif isinstance(event, st.NonFatalError):
                yield RunError(spec_name, event.label, hide(event.info.format(base_url_is_set=True)))
            elif isinstance(event, st.FatalError):
                yield RunError(spec_name, "engine", hide(f"Schemathesis stopped: {event.exception!r}"))
                stop_reason = "error"
            elif isinstance(event, st.Interrupted) and not round_done.is_set():
                stop_reason = "interrupted"
            elif isinstance(event, st.EngineFinished):
                if event.stop_reason.value == "max_time" and not round_done.is_set():
                    stop_reason = "time-limit"
                for failure in event.failures:
                    yield CheckFailed(spec_name, failure.operation or "(run)", "after_run", failure.title,
                                      hide(failure.message), failure.severity.value, "run", None, "")
    finally:
        if timer is not None:
            timer.cancel()
    budget_spent = remaining is not None and time.monotonic() - started >= remaining
    if cut.is_set() or (stop_reason == "completed" and (budget_spent or skipped)):
        stop_reason = "time-limit"
    notes = tuple(f"{phase} phase: its share of --max-time ran out before {count} operation(s)"
                  for phase, count in skipped.items())
    yield SpecFinished(spec_name, time.monotonic() - started, stop_reason, tuple(phases_run), notes)


def _from_recorder(spec_name: str, phase: str, recorder: Any, hide: Callable[[str], str],
                   soft_deletes: frozenset[str] = frozenset()) -> Iterator[ContractEvent]:
    """Exchanges and failures of one finished Schemathesis scenario."""
    for case_id, interaction in recorder.interactions.items():
        node = recorder.cases.get(case_id)
        label = node.value.operation.label if node is not None else recorder.label
        response = interaction.response
        yield Exchange(spec_name, label, phase, interaction.request.method.upper(), interaction.request.uri,
                       response.status_code if response is not None else None,
                       float(response.elapsed) if response is not None else 0.0)
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.status.value != "failure" or check.failure_info is None:
                continue
            failure = check.failure_info.failure
            failing_id = failure.case_id or case_id
            if check.name == "ensure_resource_availability" and _deleted_under_another_path(recorder, failing_id):
                logger.debug("dropped ensure_resource_availability on %s: deleted under another path", failing_id)
                continue
            if check.name == "use_after_free" and failure.operation in soft_deletes:
                logger.debug("dropped use_after_free on %s: the spec says this DELETE does not remove", failure.operation)
                continue
            node = recorder.cases.get(failing_id) or recorder.cases.get(case_id)
            label = failure.operation or (node.value.operation.label if node is not None else recorder.label)
            interaction = recorder.interactions.get(failing_id)
            response = interaction.response if interaction is not None else None
            steps = tuple(hide(step.curl) for step in check.failure_info.steps)
            curl = check.failure_info.code_sample
            if check.name == "ignored_auth" and interaction is not None:
                # Schemathesis prints the run's credentials here; the probe sent none or an invalid one
                sent = interaction.request
                curl = curl_of(sent.method, sent.uri, sent.headers, sent.body)
                steps = steps[:-1] + (hide(curl),) if steps else ()
            yield CheckFailed(spec_name, label, check.name, failure.title, hide(failure.message),
                              failure.severity.value, phase, response.status_code if response is not None else None,
                              hide(curl), steps, hide(_excerpt(response)))


def _deleted_under_another_path(recorder: Any, case_id: str) -> bool:
    """Whether a 2xx DELETE of the same resource id was sent before this case, under any path.

    `ensure_resource_availability` only forgives a 404 after a DELETE of the same path; a spec that reaches
    one resource under two paths (a v1 and a v2 alias) would otherwise get a false failure.
    """
    node = recorder.cases.get(case_id)
    target = _resource_id(node.value) if node is not None else None
    if target is None:
        return False
    for other_id, other in recorder.cases.items():
        if other_id == case_id:
            break
        interaction = recorder.interactions.get(other_id)
        if (other.value.method.upper() == "DELETE" and interaction is not None and interaction.response is not None
                and 200 <= interaction.response.status_code < 300 and _resource_id(other.value) == target):
            return True
    return False


def _resource_id(case: Any) -> str | None:
    names = re.findall(r"\{([^}/]+)\}", case.path)
    if not names or not case.path_parameters or names[-1] not in case.path_parameters:
        return None
    return str(case.path_parameters[names[-1]])


def _excerpt(response: Any, limit: int = 1000) -> str:
    if response is None or not response.content:
        return ""
    text: str = response.content[:limit].decode("utf-8", errors="replace")
    return text + ("…" if len(response.content) > limit else "")
