"""contracts.runner: options, the event stream, bounds and reproducibility (against a real flowmock)."""
from __future__ import annotations

from pathlib import Path

import pytest

from contracts.errors import ContractConfigError
from contracts.events import CheckFailed, Exchange, RunError, SpecFinished, SpecStarted
from contracts.runner import ContractOptions, documented_operations, run_contract
from contracts.secrets import mask
from mock_server.config import ServerConfig
from mock_server.loading.spec import load_spec

SPECS = Path(__file__).resolve().parents[2] / "specs"
WORKSPACE = SPECS / "workspace-workflows.yaml"


@pytest.fixture
def flowmock_config() -> ServerConfig:
    return ServerConfig(seed=1, strict_responses=True, accept_tokens=frozenset({"good-token"}))


def options(server, **kw) -> ContractOptions:
    base = dict(specs=(WORKSPACE,), base_url=server.url + "/{spec}", token="good-token", max_examples=3, seed=11,
                phases=("examples",), operations=("listWorkflows", "getWorkflow"), max_time=120)
    base.update(kw)
    return ContractOptions(**base)


@pytest.mark.parametrize("kw, message", [
    (dict(specs=()), "at least one spec"),
    (dict(base_url="127.0.0.1:8000"), "http"),
    (dict(max_examples=0), "max-examples"),
    (dict(max_time=0), "max-time"),
    (dict(checks=("nope",)), "unknown check"),
    (dict(phases=("chaos",)), "unknown phase"),
])
def test_bad_options(kw, message):
    base = dict(specs=(WORKSPACE,), base_url="http://127.0.0.1:1")
    with pytest.raises(ContractConfigError, match=message):
        ContractOptions(**{**base, **kw})


def test_base_url_placeholder_and_seed():
    opts = ContractOptions(specs=(WORKSPACE,), base_url="http://127.0.0.1:1/{spec}/")
    assert opts.base_url_for("workspace-workflows") == "http://127.0.0.1:1/workspace-workflows"
    drawn = opts.with_seed()
    assert drawn.seed is not None and drawn.with_seed() is drawn


def test_documented_operations_use_schemathesis_labels():
    ops = {op.operation_id: op for op in documented_operations(load_spec(WORKSPACE))}
    assert len(ops) == 10
    assert ops["getWorkflow"].label == "GET /api/v2/w/{workspace_uuid}/workflows/{workflow_id}"
    assert ops["createWorkflow"].statuses == ("201", "400", "401", "403", "404", "409")


def test_mask_never_prints_the_token():
    curl = "curl -H 'Authorization: [Filtered]' http://x -d '{\"t\": \"sekret\"}'"
    masked = mask(curl, "sekret")
    assert "sekret" not in masked and '"Authorization: Bearer $CONTRACT_TOKEN"' in masked


def test_events_of_a_run(flowmock_server):
    stream = list(run_contract(options(flowmock_server)))
    assert isinstance(stream[0], SpecStarted) and isinstance(stream[-1], SpecFinished)
    started, finished = stream[0], stream[-1]
    assert started.spec == "workspace-workflows" and started.seed == 11
    assert [op.operation_id for op in started.operations] == ["listWorkflows", "getWorkflow"]
    assert finished.stop_reason == "completed" and finished.phases_run == ("examples",)
    exchanges = [e for e in stream if isinstance(e, Exchange)]
    assert exchanges and {e.operation for e in exchanges} <= {op.label for op in started.operations}
    assert all(e.url.startswith(flowmock_server.url + "/workspace-workflows/") for e in exchanges)
    assert not [e for e in stream if isinstance(e, (CheckFailed, RunError))]
    # the server journalled exactly these requests (besides Schemathesis' probes of unknown paths)
    assert len([e for e in flowmock_server.journal() if e["operation_id"]]) == len(exchanges)


def test_same_seed_same_requests(flowmock_server):
    def requests() -> list[tuple[str, str, str, int | None]]:
        flowmock_server.reset()
        run = run_contract(options(flowmock_server, phases=("examples", "fuzzing"), max_examples=4))
        return [(e.operation, e.method, e.url, e.status) for e in run if isinstance(e, Exchange)]

    first = requests()
    assert len(first) > 5
    assert requests() == first


def test_time_budget_cuts_the_run_and_skips_later_specs(flowmock_server):
    opts = options(flowmock_server, specs=(SPECS / "workflow-executions.yaml", WORKSPACE), operations=(),
                   phases=("fuzzing",), max_examples=200, max_time=1.5)
    finished = [e for e in run_contract(opts) if isinstance(e, SpecFinished)]
    assert [(f.spec, f.stop_reason) for f in finished] == [("workflow-executions", "time-limit"),
                                                          ("workspace-workflows", "time-limit")]
    assert finished[0].elapsed < 15


def test_unloadable_spec_is_a_run_error(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.0.3\ninfo: [\n")
    stream = list(run_contract(ContractOptions(specs=(broken,), base_url="http://127.0.0.1:1")))
    assert isinstance(stream[0], RunError) and "YAML" in stream[0].message
    assert isinstance(stream[-1], SpecFinished) and stream[-1].stop_reason == "error"


def test_unknown_operation_id_is_a_config_error(flowmock_server):
    with pytest.raises(ContractConfigError, match="no operation"):
        list(run_contract(options(flowmock_server, operations=("nope",))))


def test_operation_filter_skips_specs_without_those_operations(flowmock_server):
    opts = options(flowmock_server, specs=(SPECS / "workflow-executions.yaml", WORKSPACE), operations=("listWorkflows",))
    started = [e.spec for e in run_contract(opts) if isinstance(e, SpecStarted)]
    assert started == ["workspace-workflows"]


def test_mask_replaces_only_whole_values():
    text = "the t of contract; Bearer t; doesn't; 't'; t-shirt; {\"auth\": \"Bearer t\"}"
    assert mask(text, "t") == ("the t of contract; Bearer $CONTRACT_TOKEN; doesn't; '$CONTRACT_TOKEN'; t-shirt; "
                               "{\"auth\": \"Bearer $CONTRACT_TOKEN\"}").replace("the t of", "the $CONTRACT_TOKEN of")
    assert mask("X-Api-Key: k1 and k10", None, ["k1"]) == "X-Api-Key: [MASKED] and k10"
